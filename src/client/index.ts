/**
 * The public client: `RTMP`, `RTMPStream`, `RTMPCall`, `RTMPPacket` and their option and
 * event types.
 */
export { decodeSecureToken } from '../session/secure-token.js';
export type {
  BufferLeadSpec,
  ConnectOptions,
  CreateStreamOptions,
  ReconnectOptions,
  RTMPLimits,
  RTMPOptions,
} from './options.js';
export { type PacerClock, RealtimePacer } from './pacer.js';
export type {
  PublishAudioPacket,
  PublishDataPacket,
  PublishPacket,
  PublishVideoPacket,
} from './packet-writer.js';
export {
  type PublishFileOptions,
  type PublishFileResult,
  type PublishTarget,
  publishFile,
} from './publish-file.js';
export type { ReadPacketOptions } from './raw-packets.js';
export type { ReconnectedInfo, ReconnectingInfo } from './reconnect.js';
export type { CallOptions, Invocation, InvokeHandler, ProcessPacketsOptions } from './remote-calls.js';
export { RTMP } from './rtmp.js';
export { type CallAnswer, type ResultOptions, RTMPCall } from './rtmp-call.js';
export type { RTMPEvents } from './rtmp-faces.js';
export {
  PacketSize,
  type PacketSizeId,
  PacketType,
  type PacketTypeId,
  RTMPPacket,
  type RTMPPacketInit,
} from './rtmp-packet.js';
export {
  type PublishTag,
  RTMPStream,
  type StreamWaitOptions,
  type StreamWriteOptions,
} from './rtmp-stream.js';
export { DEFAULT_HIGH_WATER_MARK, DEFAULT_READ_SIZE } from './stream-output.js';
export type {
  StreamAudioPacket,
  StreamDataPacket,
  StreamPacket,
  StreamVideoPacket,
} from './stream-packets.js';
