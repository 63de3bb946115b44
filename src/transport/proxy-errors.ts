/**
 * The typed error of a proxy refusal (SOCKS4/4a, SOCKS5 RFC 1928/1929, HTTP CONNECT RFC
 * 9110 §9.3.6): every failure a proxy causes before the tunnel is up is an
 * `RTMPProxyError` (a connection error) with an `ERR_PROXY_*` code. `info` carries
 * `{ proxy, status }`: the protocol and the proxy's reply code. Messages name the proxy
 * by host and port only, never with its credentials.
 */
export { type ProxyErrorInfo, RTMPProxyError } from '../errors.js';
