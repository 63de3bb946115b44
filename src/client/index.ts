/**
 * The public client (DESIGN.md §2): `RTMP`, `RTMPStream`, `RTMPCall`, `RTMPPacket` and
 * their option and event types.
 */
export type { RTMPLimits, RTMPOptions } from './options.js';
export {
  type CallOptions,
  type ConnectOptions,
  type CreateStreamOptions,
  type Invocation,
  type InvokeHandler,
  type ProcessPacketsOptions,
  type ReadPacketOptions,
  RTMP,
  type RTMPEvents,
} from './rtmp.js';
export { type CallAnswer, type ResultOptions, RTMPCall } from './rtmp-call.js';
export {
  PacketSize,
  type PacketSizeId,
  PacketType,
  type PacketTypeId,
  RTMPPacket,
  type RTMPPacketInit,
} from './rtmp-packet.js';
export {
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_READ_SIZE,
  RTMPStream,
  type StreamPacket,
  type StreamWaitOptions,
} from './rtmp-stream.js';
export { decodeSecureToken } from './secure-token.js';
