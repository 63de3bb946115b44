/**
 * Error codes of the chunk layer. Peer faults are `RTMPProtocolError`s with an
 * `ERR_CHUNK_*` code (the reader stays failed after one); caller faults are
 * `RTMPUsageError`s with `ERR_CHUNK_INVALID_ARGUMENT`.
 */
import { type ProtocolCode, UsageCode } from '../error-codes.js';
import { RTMPProtocolError, RTMPUsageError } from '../errors.js';

/** The protocol codes of the chunk layer (registered in error-codes.ts). */
export type ChunkErrorCode = Extract<ProtocolCode, `ERR_CHUNK_${string}`>;

/** A peer fault found by the chunk reader. */
export function chunkProtocolError(code: ChunkErrorCode, message: string): RTMPProtocolError {
  return new RTMPProtocolError(message, { code });
}

/** A caller fault (bad option or message) in the chunk layer. */
export function chunkUsageError(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: UsageCode.CHUNK_INVALID_ARGUMENT });
}

/** True for an error the chunk layer raises on peer input. */
export function isChunkProtocolError(err: unknown): err is RTMPProtocolError {
  return err instanceof RTMPProtocolError && err.code.startsWith('ERR_CHUNK_');
}
