/**
 * Connecting through a proxy: SOCKS4 (librtmp's `socks=host:port`, target resolved
 * locally), SOCKS4a and SOCKS5 (target name resolved by the proxy; RFC 1929 credentials)
 * and HTTP CONNECT (Basic credentials), chosen by a proxy URL such as
 * `socks5://user:pass@host:1080` or `http://host:3128`. The negotiations are the sans-IO
 * codecs in socks4.ts, socks5.ts and http-connect.ts; this is their shell over a TCP
 * socket to the proxy.
 *
 * Invariants: resolves only with a socket whose tunnel is up, the bytes that followed the
 * proxy's answer put back into it; every failure is an `RTMPProxyError` (refusals,
 * `ERR_PROXY_CLOSED` when the proxy hangs up first), an `RTMPConnectionError` (the proxy
 * itself unreachable), an `RTMPTimeoutError` (`ERR_RTMP_CONNECT_TIMEOUT`, the whole
 * connect including the negotiation) or the abort signal's reason; credentials never
 * appear in messages (`describeProxy`).
 */
import { isIPv4, type Socket } from 'node:net';
import { ConnectionCode, ProxyCode, TimeoutCode, UsageCode } from '../error-codes.js';
import { RTMPConnectionError, RTMPTimeoutError, RTMPUsageError } from '../errors.js';
import { nodeDns } from '../util/builtins.js';
import { HttpConnectNegotiation } from './http-connect.js';
import { RTMPProxyError } from './proxy-errors.js';
import { SOCKS_DEFAULT_PORT, Socks4Negotiation } from './socks4.js';
import { type ProxyCredentials, type ProxyStep, Socks5Negotiation } from './socks5.js';
import { checkPort, connectTcp, formatHostPort } from './tcp.js';
import type { ConnectTarget } from './transport.js';

/** The proxy protocols. */
export type ProxyProtocol = 'socks4' | 'socks4a' | 'socks5' | 'http';

/** A proxy to tunnel through. */
export interface ProxyConfig {
  protocol: ProxyProtocol;
  host: string;
  port: number;
  /** SOCKS5 (RFC 1929) or HTTP Basic credentials; both or neither. */
  username?: string;
  password?: string;
}

const SCHEMES: Record<string, ProxyProtocol> = {
  socks4: 'socks4',
  socks4a: 'socks4a',
  socks5: 'socks5',
  socks5h: 'socks5',
  http: 'http',
};

function urlError(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: UsageCode.RTMP_PROXY_URL });
}

/**
 * Parses a proxy URL: `socks4://host[:port]`, `socks4a://…`, `socks5://[user:pass@]host[:port]`
 * (`socks5h://` is the same: names always go to the proxy), `http://[user:pass@]host[:port]`.
 * The port defaults to 1080 for every protocol, as curl's does; user and password are
 * percent-decoded. Throws `RTMPUsageError` `ERR_RTMP_PROXY_URL` (without echoing a password).
 */
export function parseProxyUrl(value: string): ProxyConfig {
  const m = /^([a-z0-9]+):\/\/(?:([^@/]*)@)?(\[[^\]]*\]|[^:/]*)(?::(\d+))?\/?$/i.exec(value.trim());
  if (!m) throw urlError('proxy must be a URL like socks5://host:1080 or http://user:pass@host:3128');
  const scheme = m[1]!.toLowerCase();
  const protocol = SCHEMES[scheme];
  if (protocol === undefined) {
    throw urlError(`unsupported proxy scheme "${scheme}://" (want socks4, socks4a, socks5 or http)`);
  }
  const host = m[3]!.startsWith('[') ? m[3]!.slice(1, -1) : m[3]!;
  if (host === '') throw urlError('proxy URL has no host');
  const port = m[4] === undefined ? SOCKS_DEFAULT_PORT : Number(m[4]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw urlError(`proxy port must be 1…65535, got ${m[4]}`);
  const config: ProxyConfig = { protocol, host, port };
  if (m[2] !== undefined) {
    const colon = m[2].indexOf(':');
    if (colon < 0) throw urlError('proxy URL user needs a password (user:pass@host)');
    try {
      config.username = decodeURIComponent(m[2].slice(0, colon));
      config.password = decodeURIComponent(m[2].slice(colon + 1));
    } catch {
      throw urlError('proxy URL credentials are not valid percent-encoding');
    }
    if (protocol === 'socks4' || protocol === 'socks4a') {
      throw urlError(`${protocol} has no password authentication; use socks5:// or http://`);
    }
  }
  return config;
}

/** `socks5 host:port`: the proxy for messages, without credentials. */
export function describeProxy(proxy: ProxyConfig): string {
  return `${proxy.protocol} proxy ${formatHostPort(proxy.host, proxy.port)}`;
}

interface Negotiation {
  start(): Buffer;
  receive(data: Uint8Array): ProxyStep;
}

async function negotiation(proxy: ProxyConfig, target: ConnectTarget): Promise<Negotiation> {
  const credentials: ProxyCredentials | undefined =
    proxy.username !== undefined && proxy.password !== undefined
      ? { username: proxy.username, password: proxy.password }
      : undefined;
  switch (proxy.protocol) {
    case 'socks5':
      return new Socks5Negotiation(target.host, target.port, credentials);
    case 'http':
      return new HttpConnectNegotiation(target.host, target.port, credentials);
    case 'socks4a':
      return isIPv4(target.host)
        ? new Socks4Negotiation(target.host, target.port)
        : new Socks4Negotiation('', target.port, target.host);
    case 'socks4': {
      // librtmp resolves the target itself and sends its IPv4 address.
      if (isIPv4(target.host)) return new Socks4Negotiation(target.host, target.port);
      try {
        const { address } = await nodeDns().lookup(target.host, { family: 4 });
        return new Socks4Negotiation(address, target.port);
      } catch (err) {
        throw new RTMPConnectionError(`cannot resolve ${target.host} to IPv4 for SOCKS4`, {
          code: ConnectionCode.RTMP_CONNECTION,
          cause: err,
        });
      }
    }
    default:
      throw urlError(`unsupported proxy protocol ${String(proxy.protocol)}`);
  }
}

/**
 * Connects to `proxy`, has it open a tunnel to `target` and resolves with the socket.
 * `target.timeoutMs` bounds the whole (proxy connect + negotiation).
 */
export async function connectViaProxy(proxy: ProxyConfig, target: ConnectTarget): Promise<Socket> {
  checkPort(target.port);
  const started = Date.now();
  const neg = await negotiation(proxy, target);
  const proxyTarget: ConnectTarget = { host: proxy.host, port: proxy.port };
  if (target.timeoutMs !== undefined) proxyTarget.timeoutMs = target.timeoutMs;
  if (target.signal !== undefined) proxyTarget.signal = target.signal;
  if (target.rc4Reads !== undefined) proxyTarget.rc4Reads = target.rc4Reads;
  const socket = await connectTcp(proxyTarget);
  const left =
    target.timeoutMs === undefined ? undefined : Math.max(1, target.timeoutMs - (Date.now() - started));
  const what = describeProxy(proxy);
  await new Promise<void>((resolve, reject) => {
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
      let step: ProxyStep;
      try {
        step = neg.receive(d);
      } catch (err) {
        fail(err);
        return;
      }
      for (const b of step.send) socket.write(b);
      if (!step.done) return;
      cleanup();
      socket.pause();
      if (step.rest) socket.unshift(step.rest);
      resolve();
    };
    let lastError: Error | undefined;
    const onError = (err: Error): void => {
      lastError = err;
    };
    const onClose = (): void =>
      fail(
        new RTMPProxyError(
          `${what} closed the connection before answering${lastError ? ` (${lastError.message})` : ''}`,
          ProxyCode.PROXY_CLOSED,
          { proxy: proxy.protocol },
          lastError ? { cause: lastError } : {},
        ),
      );
    const onAbort = (): void => fail(target.signal?.reason);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.once('close', onClose);
    target.signal?.addEventListener('abort', onAbort, { once: true });
    if (left !== undefined) {
      timer = setTimeout(
        () =>
          fail(
            new RTMPTimeoutError(`${what} did not open the tunnel in time`, {
              code: TimeoutCode.RTMP_CONNECT_TIMEOUT,
            }),
          ),
        left,
      );
    }
    socket.write(neg.start());
  });
  return socket;
}
