/**
 * The handshake's typed error. Every failure the peer causes during the RTMP handshake
 * (RTMP-SPEC §5.2) is an `RTMPHandshakeError` whose `code` starts with `ERR_HANDSHAKE_`:
 *
 * - `ERR_HANDSHAKE_VERSION`       S0/C0 is not the version we speak (with the byte in hex)
 * - `ERR_HANDSHAKE_RTMPE`         the peer wants RTMPE (6/8/9) where plain RTMP was asked, or
 *                                 answered plain RTMP (3) to an RTMPE client
 * - `ERR_HANDSHAKE_HTTP`          the peer speaks HTTP (wrong port or scheme: try rtmpt://)
 * - `ERR_HANDSHAKE_TLS`           the peer speaks TLS (try rtmps://)
 * - `ERR_HANDSHAKE_BAD_DIGEST`    policy 'fp9': S1 claims a version but carries no valid digest
 * - `ERR_HANDSHAKE_BAD_SIGNATURE` policy 'fp9': the S2 signature does not match ("server not genuine")
 * - `ERR_HANDSHAKE_BAD_DH_KEY`    RTMPE: the peer's Diffie-Hellman public key is not a valid group element
 *
 * Misuse by the caller (bad options, input after the handshake ended) is an
 * `RTMPUsageError` with code `ERR_HANDSHAKE_OPTION`, `ERR_HANDSHAKE_ARGUMENT` or `ERR_HANDSHAKE_STATE`.
 */
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';

export { RTMPHandshakeError } from '../errors.js';

/** Builds the usage error for a bad handshake option. */
export function optionError(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: UsageCode.HANDSHAKE_OPTION });
}

/** Builds the usage error for a call in the wrong state. */
export function stateError(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: UsageCode.HANDSHAKE_STATE });
}

/** Builds the usage error for a bad function argument. */
export function argumentError(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: UsageCode.HANDSHAKE_ARGUMENT });
}
