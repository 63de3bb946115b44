/**
 * Error codes of the MP4 (ISO-BMFF) reader. Faults in the file — a box that overruns
 * its parent, a sample table that contradicts itself, a sample outside the file — are
 * `RTMPProtocolError`s with an `ERR_MP4_*` code; a limit the file exceeds is one too
 * (`ERR_MP4_TOO_LARGE`), so a hostile file can never make the reader allocate or loop
 * beyond its options. A bad argument is an `RTMPUsageError` (`ERR_MP4_INVALID_ARGUMENT`);
 * a failed read of the file is an `RTMPError` with `ERR_MP4_IO` and the system error as
 * its `cause`.
 */
import { GeneralCode, type ProtocolCode, UsageCode } from '../error-codes.js';
import { RTMPError, RTMPProtocolError, RTMPUsageError } from '../errors.js';

/** The protocol codes of the MP4 reader (registered in error-codes.ts). */
export type Mp4ErrorCode = Extract<ProtocolCode, `ERR_MP4_${string}`>;

/** A fault in MP4 input. */
export function mp4Error(code: Mp4ErrorCode, message: string): RTMPProtocolError {
  return new RTMPProtocolError(message, { code });
}

/** A caller fault (bad option or value) in the MP4 reader. */
export function mp4UsageError(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: UsageCode.MP4_INVALID_ARGUMENT });
}

/** A failed read of the file. */
export function mp4IoError(message: string, cause: unknown): RTMPError {
  return new RTMPError(message, { code: GeneralCode.MP4_IO, cause });
}

/** True for an error the MP4 reader raises on input (an `ERR_MP4_*` protocol error). */
export function isMp4Error(err: unknown): err is RTMPProtocolError {
  return err instanceof RTMPProtocolError && err.code.startsWith('ERR_MP4_');
}
