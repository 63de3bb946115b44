/**
 * HTTP CONNECT tunnelling (RFC 9110 §9.3.6) with optional Basic proxy authentication
 * (RFC 7617 in `Proxy-Authorization`, RFC 9110 §11.7.2), sans-IO. A 2xx answer opens the
 * tunnel; the bytes after its header block belong to the tunnel (`rest`).
 *
 * Invariants: same outcome for every split of the proxy's bytes; the header block is
 * limited to 16 KiB (`ERR_PROXY_PROTOCOL` beyond); refusals are `RTMPProxyError`s whose
 * messages carry the status line, never the credentials.
 */
import { isIPv6 } from 'node:net';
import { ProxyCode } from '../error-codes.js';
import { RTMPProxyError } from './proxy-errors.js';
import type { ProxyCredentials, ProxyStep } from './socks5.js';
import { checkPort } from './tcp.js';

/** Largest response header block accepted. */
export const MAX_CONNECT_RESPONSE = 16 * 1024;

const END = Buffer.from('\r\n\r\n');

/** The CONNECT request for `host:port` (IPv6 literals in brackets). */
export function encodeHttpConnect(host: string, port: number, credentials?: ProxyCredentials): Buffer {
  checkPort(port);
  const authority = `${isIPv6(host) ? `[${host}]` : host}:${port}`;
  let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
  if (credentials) {
    const token = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
    head += `Proxy-Authorization: Basic ${token}\r\n`;
  }
  return Buffer.from(`${head}\r\n`, 'utf8');
}

/** One HTTP CONNECT negotiation. */
export class HttpConnectNegotiation {
  readonly #request: Buffer;
  readonly #withCredentials: boolean;
  #buf = Buffer.alloc(0);

  constructor(host: string, port: number, credentials?: ProxyCredentials) {
    this.#request = encodeHttpConnect(host, port, credentials);
    this.#withCredentials = credentials !== undefined;
  }

  /** The CONNECT request. */
  start(): Buffer {
    return this.#request;
  }

  /** Feeds the proxy's bytes. */
  receive(data: Uint8Array): ProxyStep {
    const searchFrom = Math.max(0, this.#buf.length - 3);
    this.#buf = Buffer.concat([this.#buf, data]);
    const end = this.#buf.indexOf(END, searchFrom);
    if (end < 0) {
      if (this.#buf.length > MAX_CONNECT_RESPONSE) {
        throw new RTMPProxyError(
          `HTTP proxy answer exceeds ${MAX_CONNECT_RESPONSE} bytes of headers`,
          ProxyCode.PROXY_PROTOCOL,
          {
            proxy: 'http',
          },
        );
      }
      return { send: [], done: false };
    }
    const statusLine = this.#buf.subarray(0, this.#buf.indexOf('\r\n')).toString('latin1');
    const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
    if (!m) {
      throw new RTMPProxyError(
        `not an HTTP answer: ${JSON.stringify(statusLine.slice(0, 60))}`,
        ProxyCode.PROXY_PROTOCOL,
        {
          proxy: 'http',
        },
      );
    }
    const status = Number(m[1]);
    if (status >= 200 && status < 300) {
      const step: ProxyStep = { send: [], done: true };
      const rest = this.#buf.subarray(end + END.length);
      if (rest.length) step.rest = rest;
      return step;
    }
    // tinyproxy answers wrong credentials with 401 rather than 407.
    const code =
      status === 407 || status === 401
        ? this.#withCredentials
          ? ProxyCode.PROXY_AUTH_FAILED
          : ProxyCode.PROXY_AUTH_REQUIRED
        : status === 403
          ? ProxyCode.PROXY_DENIED
          : status === 502 || status === 503 || status === 504
            ? ProxyCode.PROXY_UNREACHABLE
            : ProxyCode.PROXY_FAILED;
    throw new RTMPProxyError(`HTTP proxy refused CONNECT: ${statusLine.slice(0, 120)}`, code, {
      proxy: 'http',
      status,
    });
  }
}
