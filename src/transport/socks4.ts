/**
 * SOCKS4 and SOCKS4a CONNECT, sans-IO. SOCKS4 is librtmp's only proxy (`SocksNegotiate`,
 * option `socks=host:port`): request `04 01 <port BE16> <IPv4 BE32> <user id> 00`, the
 * target resolved locally to IPv4. SOCKS4a (Ying-Da Lee's extension of the SOCKS4
 * protocol) sends the IP 0.0.0.1 and appends the host name and a NUL, so the proxy
 * resolves it. The reply is 8 bytes: `00`, then 0x5A granted, 0x5B rejected or failed,
 * 0x5C/0x5D identd trouble.
 *
 * Invariants: same outcome for every split of the proxy's bytes; at most 8 bytes buffered;
 * refusals are `RTMPProxyError`s.
 */
import { isIPv4 } from 'node:net';
import { ProxyCode, UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import { RTMPProxyError } from './proxy-errors.js';
import type { ProxyStep } from './socks5.js';
import { checkPort } from './tcp.js';

/** Default SOCKS port (librtmp). */
export const SOCKS_DEFAULT_PORT = 1080;
/** Length of a SOCKS4 reply. */
export const SOCKS4_REPLY_SIZE = 8;

/** The SOCKS4 reply codes (second reply byte). */
export const Socks4Status = {
  granted: 0x5a,
  rejected: 0x5b,
  noIdentd: 0x5c,
  identdMismatch: 0x5d,
} as const;

/**
 * The SOCKS4 CONNECT request for an IPv4 address, or with `hostName` the SOCKS4a request
 * (IP 0.0.0.1, the name after the user id). `userId` defaults to empty, as librtmp sends.
 */
export function encodeSocks4Connect(ipv4: string, port: number, hostName?: string, userId = ''): Buffer {
  checkPort(port);
  if (hostName === undefined && !isIPv4(ipv4)) {
    throw new RTMPUsageError(`SOCKS4 needs an IPv4 address, got "${ipv4}"`, {
      code: UsageCode.RTMP_BAD_HOST,
    });
  }
  const name = hostName === undefined ? Buffer.alloc(0) : Buffer.from(`${hostName}\0`, 'utf8');
  const user = Buffer.from(`${userId}\0`, 'utf8');
  const head = Buffer.alloc(8);
  head[0] = 4;
  head[1] = 1;
  head.writeUInt16BE(port, 2);
  const ip = hostName === undefined ? ipv4.split('.').map(Number) : [0, 0, 0, 1];
  for (let i = 0; i < 4; i++) head[4 + i] = ip[i]!;
  return Buffer.concat([head, user, name]);
}

/**
 * Checks a SOCKS4 reply: undefined while fewer than 8 bytes are there, true when granted.
 * @throws RTMPProxyError `ERR_PROXY_DENIED` (0x5B), `ERR_PROXY_FAILED` (identd trouble, other
 *   codes) or `ERR_PROXY_PROTOCOL` (not a SOCKS4 reply)
 */
export function decodeSocks4Reply(reply: Uint8Array, proxy = 'socks4'): true | undefined {
  if (reply.length < SOCKS4_REPLY_SIZE) return undefined;
  if (reply[0] !== 0) {
    throw new RTMPProxyError(
      `not a SOCKS4 reply (first byte ${reply[0]}, want 0)`,
      ProxyCode.PROXY_PROTOCOL,
      {
        proxy,
      },
    );
  }
  const status = reply[1]!;
  if (status === Socks4Status.granted) return true;
  const why =
    status === Socks4Status.rejected
      ? 'rejected or failed'
      : status === Socks4Status.noIdentd
        ? 'no identd'
        : status === Socks4Status.identdMismatch
          ? 'identd user mismatch'
          : `status 0x${status.toString(16)}`;
  throw new RTMPProxyError(
    `${proxy.toUpperCase()} proxy refused the connection: ${why}`,
    status === Socks4Status.rejected ? ProxyCode.PROXY_DENIED : ProxyCode.PROXY_FAILED,
    { proxy, status },
  );
}

/** One SOCKS4/4a CONNECT negotiation: the request is sent first, the 8-byte reply ends it. */
export class Socks4Negotiation {
  readonly #request: Buffer;
  readonly #proxy: string;
  #buf = Buffer.alloc(0);

  /** `ipv4`: the resolved target (SOCKS4); or `hostName` for SOCKS4a (then `ipv4` is ignored). */
  constructor(ipv4: string, port: number, hostName?: string) {
    this.#request = encodeSocks4Connect(ipv4, port, hostName);
    this.#proxy = hostName === undefined ? 'socks4' : 'socks4a';
  }

  /** The CONNECT request. */
  start(): Buffer {
    return this.#request;
  }

  /** Feeds the proxy's bytes. */
  receive(data: Uint8Array): ProxyStep {
    this.#buf = Buffer.concat([this.#buf, data]);
    if (!decodeSocks4Reply(this.#buf, this.#proxy)) return { send: [], done: false };
    const step: ProxyStep = { send: [], done: true };
    if (this.#buf.length > SOCKS4_REPLY_SIZE) step.rest = this.#buf.subarray(SOCKS4_REPLY_SIZE);
    return step;
  }
}
