/**
 * Plain TCP for rtmp:// (librtmp-parity §4.1, but IPv4 and IPv6: `net.connect` tries
 * every address `dns.lookup` returns, happy-eyeballs style on Node ≥ 20).
 *
 * Invariants: resolves only with a connected socket with Nagle off (`setNoDelay`, as
 * librtmp sets TCP_NODELAY); on failure the socket is destroyed and the promise rejects
 * with `RTMPConnectionError` (`ERR_RTMP_CONNECTION`, the system error as `cause`),
 * `RTMPTimeoutError` (`ERR_RTMP_CONNECT_TIMEOUT`) or the abort signal's reason.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { RTMPConnectionError, RTMPTimeoutError, RTMPUsageError } from '../errors.js';
import type { ConnectTarget } from './transport.js';

/** Checks a TCP port number (1…65535). */
export function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RTMPUsageError(`port must be an integer in 1..65535, got ${String(port)}`, {
      code: 'ERR_RTMP_BAD_PORT',
    });
  }
  return port;
}

/**
 * Runs `start` (which begins connecting `socket`) and settles when `readyEvent` fires,
 * or fails on error, close, timeout or abort. Shared by TCP and TLS.
 */
export function awaitSocket(
  socket: Socket,
  readyEvent: 'connect' | 'secureConnect',
  target: ConnectTarget,
  what: string,
): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const { signal, timeoutMs } = target;
    let timer: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      if (timer) clearTimeout(timer);
      socket.off(readyEvent, onReady);
      socket.off('error', onError);
      socket.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: unknown): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onReady = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (err: Error): void => {
      fail(
        new RTMPConnectionError(`cannot connect to ${what}: ${err.message}`, {
          code: 'ERR_RTMP_CONNECTION',
          cause: err,
        }),
      );
    };
    const onClose = (): void => {
      fail(new RTMPConnectionError(`connection to ${what} closed while connecting`));
    };
    const onAbort = (): void => fail(signal?.reason);
    if (signal?.aborted) {
      fail(signal.reason);
      return;
    }
    socket.once(readyEvent, onReady);
    socket.once('error', onError);
    socket.once('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      timer = setTimeout(
        () =>
          fail(
            new RTMPTimeoutError(`connecting to ${what} timed out after ${timeoutMs / 1000} s`, {
              code: 'ERR_RTMP_CONNECT_TIMEOUT',
            }),
          ),
        timeoutMs,
      );
    }
  });
}

/** Opens a TCP connection to `target.host:target.port` (IPv4 or IPv6) with TCP_NODELAY. */
export async function connectTcp(target: ConnectTarget): Promise<Socket> {
  checkPort(target.port);
  if (typeof target.host !== 'string' || target.host === '') {
    throw new RTMPUsageError('no host to connect to', { code: 'ERR_RTMP_BAD_HOST' });
  }
  const socket = netConnect({ host: target.host, port: target.port, noDelay: true });
  const what = formatHostPort(target.host, target.port);
  await awaitSocket(socket, 'connect', target, what);
  socket.setNoDelay(true);
  return socket;
}

/** `host:port`, with brackets around IPv6 literals. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
