/**
 * Argument checks both sessions apply to caller values. A caller fault is an
 * `RTMPUsageError` with code `ERR_SESSION_USAGE`; peer faults never come through here.
 */
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';

/** The usage error every caller fault of a session is. */
export function usage(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: UsageCode.SESSION_USAGE });
}

/** A UI32 (message stream ids, windows, sizes). */
export function checkU32(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw usage(`${name} must be a UI32, got ${v}`);
  return v;
}

/** A UI32 message stream id. */
export function checkStreamId(streamId: number): number {
  return checkU32('streamId', streamId);
}
