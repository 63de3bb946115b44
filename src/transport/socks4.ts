/**
 * SOCKS4 CONNECT, librtmp's only proxy (librtmp-parity §4.1 `SocksNegotiate`;
 * notes/protocol.md §4.4): request `04 01 <port BE16> <IPv4 BE32> 00` (empty user id),
 * reply 8 bytes whose second byte must be 0x5A (granted). The target is resolved
 * locally to IPv4, as librtmp does (no SOCKS4a, no SOCKS5).
 *
 * The codec half (`encodeSocks4Connect`, `decodeSocks4Reply`) is sans-IO; the shell
 * half (`socks4Connect`) runs it over a connected socket.
 */
import { lookup } from 'node:dns/promises';
import { isIPv4, type Socket } from 'node:net';
import { RTMPConnectionError, RTMPProtocolError, RTMPTimeoutError, RTMPUsageError } from '../errors.js';
import { checkPort, connectTcp } from './tcp.js';
import type { ConnectTarget } from './transport.js';

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

/** A SOCKS proxy address (`src/url` parses librtmp's `socks=host[:port]` into this shape). */
export interface SocksProxy {
  host: string;
  port: number;
}

/** The 9-byte SOCKS4 CONNECT request for an IPv4 address and port. */
export function encodeSocks4Connect(ipv4: string, port: number): Buffer {
  if (!isIPv4(ipv4)) {
    throw new RTMPUsageError(`SOCKS4 needs an IPv4 address, got "${ipv4}"`, { code: 'ERR_RTMP_SOCKS' });
  }
  checkPort(port);
  const out = Buffer.alloc(9);
  out[0] = 4;
  out[1] = 1;
  out.writeUInt16BE(port, 2);
  const parts = ipv4.split('.').map(Number);
  for (let i = 0; i < 4; i++) out[4 + i] = parts[i]!;
  out[8] = 0;
  return out;
}

/**
 * Checks a SOCKS4 reply: undefined while fewer than 8 bytes are there, true when granted.
 * @throws RTMPConnectionError `ERR_RTMP_SOCKS` when the proxy refused
 * @throws RTMPProtocolError `ERR_RTMP_SOCKS` when the reply is not SOCKS4
 */
export function decodeSocks4Reply(reply: Uint8Array): true | undefined {
  if (reply.length < SOCKS4_REPLY_SIZE) return undefined;
  if (reply[0] !== 0) {
    throw new RTMPProtocolError(`not a SOCKS4 reply (first byte ${reply[0]}, want 0)`, {
      code: 'ERR_RTMP_SOCKS',
    });
  }
  if (reply[1] !== Socks4Status.granted) {
    const why =
      reply[1] === Socks4Status.rejected
        ? 'rejected or failed'
        : reply[1] === Socks4Status.noIdentd
          ? 'no identd'
          : reply[1] === Socks4Status.identdMismatch
            ? 'identd user mismatch'
            : `status 0x${reply[1]!.toString(16)}`;
    throw new RTMPConnectionError(`SOCKS4 proxy refused the connection: ${why}`, {
      code: 'ERR_RTMP_SOCKS',
    });
  }
  return true;
}

/**
 * Connects to `proxy`, asks it to CONNECT to `target` (resolved locally to IPv4) and
 * resolves with the tunnelled socket. Bytes after the 8-byte reply stay in the socket.
 */
export async function socks4Connect(proxy: SocksProxy, target: ConnectTarget): Promise<Socket> {
  checkPort(target.port);
  let ip = target.host;
  if (!isIPv4(ip)) {
    try {
      ip = (await lookup(target.host, { family: 4 })).address;
    } catch (err) {
      throw new RTMPConnectionError(`cannot resolve ${target.host} to IPv4 for SOCKS4`, {
        code: 'ERR_RTMP_SOCKS',
        cause: err,
      });
    }
  }
  const t0 = Date.now();
  const proxyTarget: ConnectTarget = { host: proxy.host, port: proxy.port };
  if (target.timeoutMs !== undefined) proxyTarget.timeoutMs = target.timeoutMs;
  if (target.signal !== undefined) proxyTarget.signal = target.signal;
  const socket = await connectTcp(proxyTarget);
  const left = target.timeoutMs === undefined ? undefined : Math.max(1, target.timeoutMs - (Date.now() - t0));
  await new Promise<void>((resolve, reject) => {
    let got = Buffer.alloc(0);
    let timer: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      if (timer) clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      target.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: unknown): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onData = (d: Buffer): void => {
      got = Buffer.concat([got, d]);
      let ok: true | undefined;
      try {
        ok = decodeSocks4Reply(got);
      } catch (err) {
        fail(err);
        return;
      }
      if (!ok) return;
      cleanup();
      socket.pause();
      const rest = got.subarray(SOCKS4_REPLY_SIZE);
      if (rest.length > 0) socket.unshift(rest);
      resolve();
    };
    const onError = (err: Error): void =>
      fail(
        new RTMPConnectionError(`SOCKS4 proxy error: ${err.message}`, { code: 'ERR_RTMP_SOCKS', cause: err }),
      );
    const onClose = (): void =>
      fail(new RTMPConnectionError('SOCKS4 proxy closed the connection', { code: 'ERR_RTMP_SOCKS' }));
    const onAbort = (): void => fail(target.signal?.reason);
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    target.signal?.addEventListener('abort', onAbort, { once: true });
    if (left !== undefined) {
      timer = setTimeout(
        () =>
          fail(
            new RTMPTimeoutError('SOCKS4 proxy did not answer in time', { code: 'ERR_RTMP_CONNECT_TIMEOUT' }),
          ),
        left,
      );
    }
    socket.write(encodeSocks4Connect(ip, target.port));
  });
  return socket;
}
