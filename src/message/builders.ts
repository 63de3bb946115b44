/**
 * Small constructors for the messages the session layer sends, named after the
 * spec (RTMP-SPEC §5.4, §6.2, §7.2). Each returns a typed `Message` on stream 0 at
 * timestamp 0 with no csid (so `encodeMessage` picks the default); spread to
 * change a header field: `{ ...command('play', 0, null, 'x'), streamId: 1 }`.
 * Fields are checked when the message is encoded, not here.
 */
import type { AmfValue } from '../amf/types.js';
import type {
  AbortMessage,
  AckMessage,
  CommandMessage,
  DataMessage,
  SetChunkSizeMessage,
  SetPeerBandwidthMessage,
  UserControlEventData,
  UserControlMessage,
  WindowAckSizeMessage,
} from './types.js';

const H = { streamId: 0, timestamp: 0 } as const;

/** Set Chunk Size (type 1). */
export function setChunkSize(chunkSize: number): SetChunkSizeMessage {
  return { kind: 'setChunkSize', ...H, chunkSize };
}

/** Abort (type 2) of the partial message on `chunkStreamId`. */
export function abort(chunkStreamId: number): AbortMessage {
  return { kind: 'abort', ...H, chunkStreamId };
}

/** Acknowledgement (type 3); `sequenceNumber` is reduced mod 2^32 when encoded. */
export function ack(sequenceNumber: number): AckMessage {
  return { kind: 'ack', ...H, sequenceNumber };
}

/** Window Acknowledgement Size (type 5). */
export function windowAckSize(windowSize: number): WindowAckSizeMessage {
  return { kind: 'windowAckSize', ...H, windowSize };
}

/** Set Peer Bandwidth (type 6); `limitType` is a `PeerBandwidthLimit`. */
export function setPeerBandwidth(windowSize: number, limitType: number): SetPeerBandwidthMessage {
  return { kind: 'setPeerBandwidth', ...H, windowSize, limitType };
}

/** A User Control message (type 4) carrying `data`. */
export function userControl(data: UserControlEventData): UserControlMessage {
  return { kind: 'userControl', ...H, data };
}

/** User Control StreamBegin (server → client). */
export function streamBegin(streamId: number): UserControlMessage {
  return userControl({ event: 'streamBegin', streamId });
}

/** User Control SetBufferLength: the client's buffer for `streamId`, in milliseconds (10-byte payload). */
export function setBufferLength(streamId: number, bufferLength: number): UserControlMessage {
  return userControl({ event: 'setBufferLength', streamId, bufferLength });
}

/** User Control PingRequest (server → client). */
export function pingRequest(timestamp: number): UserControlMessage {
  return userControl({ event: 'pingRequest', timestamp });
}

/** User Control PingResponse echoing the request's `timestamp`. */
export function pingResponse(timestamp: number): UserControlMessage {
  return userControl({ event: 'pingResponse', timestamp });
}

/** User Control SWFVerifyResponse with the 42-byte response computed during the handshake. */
export function swfVerifyResponse(response: Buffer): UserControlMessage {
  return userControl({ event: 'swfVerifyResponse', data: response });
}

/** An AMF0 command (type 20): `[name, transactionId, commandObject, ...args]`. */
export function command(
  name: string,
  transactionId: number,
  commandObject: AmfValue,
  ...args: AmfValue[]
): CommandMessage {
  return { kind: 'command', ...H, name, transactionId, commandObject, args, amf3: false };
}

/** An AMF0 data message (type 18) of `values`, e.g. `dataMessage('@setDataFrame', 'onMetaData', meta)`. */
export function dataMessage(...values: AmfValue[]): DataMessage {
  const first = values[0];
  return { kind: 'data', ...H, name: typeof first === 'string' ? first : undefined, values, amf3: false };
}
