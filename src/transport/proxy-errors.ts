/**
 * The typed error of a proxy refusal (SOCKS4/4a, SOCKS5 RFC 1928/1929, HTTP CONNECT RFC
 * 9110 §9.3.6). Every failure a proxy causes before the tunnel is up is an
 * `RTMPProxyError` (a connection error) whose `code` says which:
 *
 * - `ERR_PROXY_AUTH_REQUIRED` the proxy wants credentials we were not given (SOCKS5 offers
 *                             no acceptable method; HTTP 407 or 401 without credentials)
 * - `ERR_PROXY_AUTH_FAILED`   the credentials were refused (RFC 1929 status ≠ 0; HTTP 407 or
 *                             401 — tinyproxy's answer — with them)
 * - `ERR_PROXY_DENIED`        the proxy's rules refuse this destination (SOCKS5 reply 2,
 *                             SOCKS4 91, HTTP 403)
 * - `ERR_PROXY_UNREACHABLE`   the proxy could not reach the destination (SOCKS5 3/4/5/6,
 *                             HTTP 502/503/504)
 * - `ERR_PROXY_FAILED`        any other refusal (SOCKS5 1/7/8, SOCKS4 92/93, other HTTP status)
 * - `ERR_PROXY_CLOSED`        the proxy closed the connection before answering
 * - `ERR_PROXY_PROTOCOL`      the answer is not the protocol asked for (wrong version, oversize)
 *
 * `info` carries `{ proxy, status }`: the protocol and the proxy's reply code. Messages name
 * the proxy by host and port only, never with its credentials.
 */
import { RTMPConnectionError } from '../errors.js';

/** Codes an `RTMPProxyError` carries. */
export type ProxyErrorCode =
  | 'ERR_PROXY_AUTH_REQUIRED'
  | 'ERR_PROXY_AUTH_FAILED'
  | 'ERR_PROXY_DENIED'
  | 'ERR_PROXY_UNREACHABLE'
  | 'ERR_PROXY_FAILED'
  | 'ERR_PROXY_CLOSED'
  | 'ERR_PROXY_PROTOCOL';

/** What a proxy error reports about the proxy's answer. */
export interface ProxyErrorInfo {
  /** `socks4`, `socks4a`, `socks5` or `http`. */
  proxy: string;
  /** The proxy's reply code (SOCKS reply byte, RFC 1929 status, HTTP status), when it gave one. */
  status?: number;
}

/** A proxy refused or broke the tunnel. */
export class RTMPProxyError extends RTMPConnectionError {
  declare readonly code: ProxyErrorCode;
  declare readonly info: ProxyErrorInfo;

  constructor(
    message: string,
    code: ProxyErrorCode,
    info: ProxyErrorInfo,
    options: { cause?: unknown } = {},
  ) {
    super(message, { ...options, code, info });
  }
}
