/**
 * Protocol control message payloads (RTMP-SPEC §5.4):
 * 1 Set Chunk Size, 2 Abort, 3 Acknowledgement, 5 Window Acknowledgement Size,
 * 6 Set Peer Bandwidth.
 *
 * Invariants: a payload shorter than its layout throws `ERR_MESSAGE_TRUNCATED`;
 * longer payloads are tolerated (extra bytes ignored). Set Chunk Size with bit 31
 * set or a size of 0 throws `ERR_MESSAGE_BAD_CHUNK_SIZE`; sizes above 0xFFFFFF are
 * returned as sent (the chunk layer treats them as 0xFFFFFF). The Set Peer
 * Bandwidth limit type is kept as sent, even outside 0…2.
 */
import { ProtocolCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import { checkInt, checkU32, messageHeader as header, messageError, payloadReader } from './common.js';
import type { RawMessage } from './raw-message.js';
import type {
  AbortMessage,
  AckMessage,
  SetChunkSizeMessage,
  SetPeerBandwidthMessage,
  WindowAckSizeMessage,
} from './types.js';

/** Largest chunk size the wire can carry (bit 31 must be 0). */
export const MAX_CHUNK_SIZE = 0x7fffffff;

/** Decodes a type-1 payload. */
export function decodeSetChunkSize(raw: RawMessage): SetChunkSizeMessage {
  const v = payloadReader(raw, 'Set Chunk Size').u32();
  if (v > MAX_CHUNK_SIZE || v === 0) {
    const why = v === 0 ? 'of 0 is invalid' : `0x${v.toString(16)} has bit 31 set`;
    throw messageError(ProtocolCode.MESSAGE_BAD_CHUNK_SIZE, `Set Chunk Size ${why}`, raw);
  }
  return { kind: 'setChunkSize', ...header(raw), chunkSize: v };
}

/** Decodes a type-2 payload. */
export function decodeAbort(raw: RawMessage): AbortMessage {
  return { kind: 'abort', ...header(raw), chunkStreamId: payloadReader(raw, 'Abort').u32() };
}

/** Decodes a type-3 payload. */
export function decodeAck(raw: RawMessage): AckMessage {
  return { kind: 'ack', ...header(raw), sequenceNumber: payloadReader(raw, 'Acknowledgement').u32() };
}

/** Decodes a type-5 payload. */
export function decodeWindowAckSize(raw: RawMessage): WindowAckSizeMessage {
  return {
    kind: 'windowAckSize',
    ...header(raw),
    windowSize: payloadReader(raw, 'Window Acknowledgement Size').u32(),
  };
}

/** Decodes a type-6 payload (UI32 window, UI8 limit type). */
export function decodeSetPeerBandwidth(raw: RawMessage): SetPeerBandwidthMessage {
  const r = payloadReader(raw, 'Set Peer Bandwidth');
  r.need(5);
  const windowSize = r.u32();
  return { kind: 'setPeerBandwidth', ...header(raw), windowSize, limitType: r.u8() };
}

function u32Payload(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v, 0);
  return b;
}

/** The type-1 payload for `chunkSize` (1 … 0x7FFFFFFF). */
export function encodeSetChunkSizePayload(chunkSize: number): Buffer {
  return u32Payload(checkInt('chunkSize', chunkSize, 1, MAX_CHUNK_SIZE));
}

/** The type-2 payload. */
export function encodeAbortPayload(chunkStreamId: number): Buffer {
  return u32Payload(checkU32('chunkStreamId', chunkStreamId));
}

/** The type-3 payload. `sequenceNumber` is taken mod 2^32 (a running byte count wraps). */
export function encodeAckPayload(sequenceNumber: number): Buffer {
  if (!Number.isInteger(sequenceNumber) || sequenceNumber < 0) {
    throw new RTMPUsageError(`sequenceNumber must be a non-negative integer, got ${sequenceNumber}`);
  }
  return u32Payload(sequenceNumber % 0x100000000);
}

/** The type-5 payload. */
export function encodeWindowAckSizePayload(windowSize: number): Buffer {
  return u32Payload(checkU32('windowSize', windowSize));
}

/** The type-6 payload. */
export function encodeSetPeerBandwidthPayload(windowSize: number, limitType: number): Buffer {
  const b = Buffer.allocUnsafe(5);
  b.writeUInt32BE(checkU32('windowSize', windowSize), 0);
  b[4] = checkInt('limitType', limitType, 0, 255);
  return b;
}
