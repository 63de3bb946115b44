/**
 * Shared pieces of the message payload codecs: the typed errors (`ERR_MESSAGE_*`,
 * always with the offending RawMessage reachable as `err.info.raw` when there is
 * one), a ByteReader whose short reads throw `ERR_MESSAGE_TRUNCATED`, and argument
 * checks for encoders (a bad argument is the caller's fault: `RTMPUsageError`).
 */
import { ProtocolCode } from '../error-codes.js';
import { RTMPProtocolError, RTMPUsageError } from '../errors.js';
import { ByteReader } from '../util/byte-reader.js';
import type { RawMessage } from './raw-message.js';
import type { MessageHeader } from './types.js';

/** The protocol codes of the message layer (registered in error-codes.ts). */
export type MessageErrorCode = Extract<ProtocolCode, `ERR_MESSAGE_${string}`>;

/** What message-layer errors carry in `info`. */
export interface MessageErrorInfo {
  /** The message that failed to decode. */
  raw?: RawMessage;
}

/** A protocol error of the message layer, with the raw message in `info`. */
export function messageError(
  code: MessageErrorCode,
  message: string,
  raw?: RawMessage,
  cause?: unknown,
): RTMPProtocolError {
  const info: MessageErrorInfo = raw === undefined ? {} : { raw };
  return new RTMPProtocolError(message, cause === undefined ? { code, info } : { code, info, cause });
}

/** A reader over `raw.payload` that throws `ERR_MESSAGE_TRUNCATED` (with `raw` in `info`). */
export function payloadReader(raw: RawMessage, what: string, start = 0): ByteReader {
  return new ByteReader(
    raw.payload,
    (needed, available, offset) =>
      messageError(
        ProtocolCode.MESSAGE_TRUNCATED,
        `${what} (type ${raw.type}) truncated at offset ${offset}: needed ${needed} bytes, ${available} left of ${raw.payload.length}`,
        raw,
      ),
    start,
  );
}

/** Throws `RTMPUsageError` unless `v` is an integer in [min, max]. */
export function checkInt(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RTMPUsageError(`${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
  return v;
}

/** Throws `RTMPUsageError` unless `v` is an unsigned 32-bit integer. */
export function checkU32(name: string, v: number): number {
  return checkInt(name, v, 0, 0xffffffff);
}

/** The header fields of `raw` for a typed message (`unwrappedTimestamp` only when set). */
export function messageHeader(
  raw: RawMessage,
): Required<Omit<MessageHeader, 'unwrappedTimestamp'>> & MessageHeader {
  const h: Required<Omit<MessageHeader, 'unwrappedTimestamp'>> & MessageHeader = {
    streamId: raw.streamId,
    timestamp: raw.timestamp,
    csid: raw.csid,
  };
  if (raw.unwrappedTimestamp !== undefined) h.unwrappedTimestamp = raw.unwrappedTimestamp;
  return h;
}
