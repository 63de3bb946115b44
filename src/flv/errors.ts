/**
 * Error codes of the FLV layer. Faults in FLV bytes or media payloads (a file, a
 * pipe, a peer's messages) are `RTMPProtocolError`s with an `ERR_FLV_*` code; a bad
 * argument from the caller is an `RTMPUsageError` with `ERR_FLV_INVALID_ARGUMENT`.
 * AMF failures inside script data are wrapped (the `ERR_AMF_*` error is the `cause`),
 * so everything this layer throws on input carries an `ERR_FLV_*` code.
 */
import { RTMPProtocolError, RTMPUsageError } from '../errors.js';

/** Every code the FLV layer uses. */
export const FlvErrorCode = {
  /** The input ended inside the file header, a tag header, a payload or a PreviousTagSize. */
  TRUNCATED: 'ERR_FLV_TRUNCATED',
  /** The file header is malformed ('FLV' signature seen, DataOffset < 9). */
  BAD_HEADER: 'ERR_FLV_BAD_HEADER',
  /** A tag declared a DataSize above `maxTagSize`. */
  TAG_TOO_LARGE: 'ERR_FLV_TAG_TOO_LARGE',
  /** Strict mode: a PreviousTagSize differed from 11 + DataSize of the tag before it. */
  BAD_PREVIOUS_TAG_SIZE: 'ERR_FLV_BAD_PREVIOUS_TAG_SIZE',
  /** Strict mode: a tag header had one of its two reserved bits set. */
  BAD_TAG_HEADER: 'ERR_FLV_BAD_TAG_HEADER',
  /** An audio/video payload ended inside its (legacy or E-RTMP) header fields. */
  MEDIA_TRUNCATED: 'ERR_FLV_MEDIA_TRUNCATED',
  /** An audio/video payload broke a structural rule (multitrack in multitrack, track size overrun). */
  MEDIA_INVALID: 'ERR_FLV_MEDIA_INVALID',
  /** A script data payload (or an E-RTMP Metadata body) is not valid AMF0. */
  BAD_SCRIPT: 'ERR_FLV_BAD_SCRIPT',
  /** A partial file has fewer resume points (keyframes) than `--skip` asks to go back over. */
  NO_RESUME_POINT: 'ERR_FLV_NO_RESUME_POINT',
  /**
   * Resuming: the stream passed the file's last keyframe without sending it again
   * (rtmpdump: "Couldn't resume FLV file, try --skip N+1").
   */
  RESUME_FAILED: 'ERR_FLV_RESUME_FAILED',
  /** The caller passed a bad option or value (an `RTMPUsageError`). */
  INVALID_ARGUMENT: 'ERR_FLV_INVALID_ARGUMENT',
} as const;

/** One of the `FlvErrorCode` values. */
export type FlvErrorCode = (typeof FlvErrorCode)[keyof typeof FlvErrorCode];

/** A fault in FLV input. */
export function flvError(code: FlvErrorCode, message: string, cause?: unknown): RTMPProtocolError {
  return new RTMPProtocolError(message, cause === undefined ? { code } : { code, cause });
}

/** A caller fault (bad option or value) in the FLV layer. */
export function flvUsageError(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: FlvErrorCode.INVALID_ARGUMENT });
}

/** True for an error the FLV layer raises on input (an `ERR_FLV_*` protocol error). */
export function isFlvError(err: unknown): err is RTMPProtocolError {
  return err instanceof RTMPProtocolError && err.code.startsWith('ERR_FLV_');
}
