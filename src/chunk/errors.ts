/**
 * Error codes of the chunk layer. Peer faults are `RTMPProtocolError`s with an
 * `ERR_CHUNK_*` code (the reader stays failed after one); caller faults are
 * `RTMPUsageError`s with `ERR_CHUNK_INVALID_ARGUMENT`.
 */
import { RTMPProtocolError, RTMPUsageError } from '../errors.js';

/** Every code the chunk layer uses. */
export const ChunkErrorCode = {
  /** A chunk header declared a message longer than `maxMessageSize`. */
  MESSAGE_TOO_LARGE: 'ERR_CHUNK_MESSAGE_TOO_LARGE',
  /** The peer opened more chunk streams than `maxChunkStreams`. */
  TOO_MANY_STREAMS: 'ERR_CHUNK_TOO_MANY_STREAMS',
  /** A Set Chunk Size carried 0 or fewer than 4 payload bytes. */
  INVALID_CHUNK_SIZE: 'ERR_CHUNK_INVALID_CHUNK_SIZE',
  /** A Set Chunk Size exceeded `maxChunkSize`. */
  CHUNK_SIZE_TOO_LARGE: 'ERR_CHUNK_CHUNK_SIZE_TOO_LARGE',
  /** An Abort Message carried fewer than 4 payload bytes. */
  INVALID_ABORT: 'ERR_CHUNK_INVALID_ABORT',
  /** The caller passed a bad option or message (an `RTMPUsageError`). */
  INVALID_ARGUMENT: 'ERR_CHUNK_INVALID_ARGUMENT',
} as const;

/** One of the `ChunkErrorCode` values. */
export type ChunkErrorCode = (typeof ChunkErrorCode)[keyof typeof ChunkErrorCode];

/** A peer fault found by the chunk reader. */
export function chunkProtocolError(code: ChunkErrorCode, message: string): RTMPProtocolError {
  return new RTMPProtocolError(message, { code });
}

/** A caller fault (bad option or message) in the chunk layer. */
export function chunkUsageError(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: ChunkErrorCode.INVALID_ARGUMENT });
}

/** True for an error the chunk layer raises on peer input. */
export function isChunkProtocolError(err: unknown): err is RTMPProtocolError {
  return err instanceof RTMPProtocolError && err.code.startsWith('ERR_CHUNK_');
}
