/**
 * Error codes of the FLV layer. Faults in FLV bytes or media payloads (a file, a
 * pipe, a peer's messages) are `RTMPProtocolError`s with an `ERR_FLV_*` code; a bad
 * argument from the caller is an `RTMPUsageError` with `ERR_FLV_INVALID_ARGUMENT`.
 * AMF failures inside script data are wrapped (the `ERR_AMF_*` error is the `cause`),
 * so everything this layer throws on input carries an `ERR_FLV_*` code.
 */
import { type ProtocolCode, UsageCode } from '../error-codes.js';
import { RTMPProtocolError, RTMPUsageError } from '../errors.js';

/** The protocol codes of the FLV layer (registered in error-codes.ts). */
export type FlvErrorCode = Extract<ProtocolCode, `ERR_FLV_${string}`>;

/** A fault in FLV input. */
export function flvError(code: FlvErrorCode, message: string, cause?: unknown): RTMPProtocolError {
  return new RTMPProtocolError(message, cause === undefined ? { code } : { code, cause });
}

/** A caller fault (bad option or value) in the FLV layer. */
export function flvUsageError(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: UsageCode.FLV_INVALID_ARGUMENT });
}

/** True for an error the FLV layer raises on input (an `ERR_FLV_*` protocol error). */
export function isFlvError(err: unknown): err is RTMPProtocolError {
  return err instanceof RTMPProtocolError && err.code.startsWith('ERR_FLV_');
}
