/**
 * Error codes of the MP4 (ISO-BMFF) reader. Faults in the file — a box that overruns
 * its parent, a sample table that contradicts itself, a sample outside the file — are
 * `RTMPProtocolError`s with an `ERR_MP4_*` code; a limit the file exceeds is one too
 * (`ERR_MP4_TOO_LARGE`), so a hostile file can never make the reader allocate or loop
 * beyond its options. A bad argument is an `RTMPUsageError` (`ERR_MP4_INVALID_ARGUMENT`);
 * a failed read of the file is an `RTMPError` with `ERR_MP4_IO` and the system error as
 * its `cause`.
 */
import { RTMPError, RTMPProtocolError, RTMPUsageError } from '../errors.js';

/** Every code the MP4 reader uses. */
export const Mp4ErrorCode = {
  /** A box, or a field inside one, ends beyond its parent box or the file. */
  TRUNCATED: 'ERR_MP4_TRUNCATED',
  /**
   * A box is malformed (a size below its header or beyond 2^53, a zero timescale, a repeated
   * track_ID), or the file is not ISO-BMFF at all (its first box type is not printable).
   */
  BAD_BOX: 'ERR_MP4_BAD_BOX',
  /** The file has no `moov` box, or a required box is missing (mvhd, tkhd, mdhd, hdlr, stsd, sample tables, tfhd). */
  NO_MOVIE: 'ERR_MP4_NO_MOVIE',
  /** Sample tables disagree (stsz count vs. chunks, stts too short, chunk numbers out of order). */
  BAD_TABLE: 'ERR_MP4_BAD_TABLE',
  /** A sample lies (partly) outside the file, or its composition offset does not fit an FLV tag's SI24. */
  BAD_SAMPLE: 'ERR_MP4_BAD_SAMPLE',
  /** A box, a sample or a count is larger than the reader's limits allow. */
  TOO_LARGE: 'ERR_MP4_TOO_LARGE',
  /** The caller passed a bad option or value (an `RTMPUsageError`). */
  INVALID_ARGUMENT: 'ERR_MP4_INVALID_ARGUMENT',
  /** Reading the file failed (an `RTMPError`; `cause` is the system error). */
  IO: 'ERR_MP4_IO',
} as const;

/** One of the `Mp4ErrorCode` values. */
export type Mp4ErrorCode = (typeof Mp4ErrorCode)[keyof typeof Mp4ErrorCode];

/** A fault in MP4 input. */
export function mp4Error(
  code: Exclude<Mp4ErrorCode, 'ERR_MP4_INVALID_ARGUMENT' | 'ERR_MP4_IO'>,
  message: string,
): RTMPProtocolError {
  return new RTMPProtocolError(message, { code });
}

/** A caller fault (bad option or value) in the MP4 reader. */
export function mp4UsageError(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: Mp4ErrorCode.INVALID_ARGUMENT });
}

/** A failed read of the file. */
export function mp4IoError(message: string, cause: unknown): RTMPError {
  return new RTMPError(message, { code: Mp4ErrorCode.IO, cause });
}

/** True for an error the MP4 reader raises on input (an `ERR_MP4_*` protocol error). */
export function isMp4Error(err: unknown): err is RTMPProtocolError {
  return err instanceof RTMPProtocolError && err.code.startsWith('ERR_MP4_');
}
