/**
 * The reconnect policy of `RTMP` (option `reconnect`): which failures are worth another
 * connection, how long to wait before each attempt, and the attempt loop itself. The
 * connection's own code does the connecting and restores its streams (`attempt`).
 *
 * Retried: the connection was lost — closed or reset by the peer or the network
 * (`RTMPConnectionError` `ERR_RTMP_CONNECTION_CLOSED`, `ERR_RTMP_CONNECTION`, a cut
 * stream), a read or write stall (`ERR_RTMP_IDLE_TIMEOUT`, `ERR_RTMP_WRITE_TIMEOUT`), a
 * handshake or connect answer that did not come in time, a broken chunk stream. Never
 * retried: a refusal by the server (connect rejected, play/publish failed —
 * StreamNotFound, BadName…), an authentication failure, the server's `close` command,
 * a local close or an abort, a usage error.
 *
 * Invariants: at most `retries` attempts per loss (a successful reconnect starts the count
 * again); the waits double from `backoffMs` up to `maxBackoffMs`; every wait and attempt
 * ends when `signal` aborts.
 */
import { RTMPConnectionError, RTMPProtocolError, RTMPTimeoutError } from '../errors.js';
import type { ReconnectOptions } from './options.js';

/** `reconnecting` event details. */
export interface ReconnectingInfo {
  /** 1 for the first attempt after a loss. */
  attempt: number;
  /** The most attempts that will be made. */
  retries: number;
  /** Wait before this attempt, ms. */
  delayMs: number;
  /** Why: the error that ended the connection (or the previous attempt). */
  cause: unknown;
}

/** `reconnected` event details. */
export interface ReconnectedInfo {
  /** The attempt that succeeded. */
  attempt: number;
  /** The error that ended the previous connection. */
  cause: unknown;
}

const NOT_RETRIED = new Set([
  'ERR_RTMP_SERVER_CLOSED',
  'ERR_RTMP_ABORTED',
  'ERR_RTMP_CLOSED',
  'ERR_RTMP_MALFORMED_ANSWER',
]);

/** Whether a connection that ended with `error` is worth reconnecting. */
export function retriable(error: unknown): boolean {
  if (error instanceof RTMPConnectionError)
    return !NOT_RETRIED.has(error.code) && error.name !== 'RTMPProxyError';
  if (error instanceof RTMPTimeoutError)
    return error.code !== 'ERR_RTMP_NO_MEDIA' && error.code !== 'ERR_RTMP_MEDIA_TOO_SLOW';
  // A broken chunk stream or handshake (a connection cut and garbled, a proxy's junk).
  return error instanceof RTMPProtocolError && /^ERR_(CHUNK|HANDSHAKE)_/.test(error.code);
}

/** The wait before attempt `attempt` (1-based), ms. */
export function backoffDelay(attempt: number, options: ReconnectOptions): number {
  const base = options.backoffMs ?? 1000;
  const max = options.maxBackoffMs ?? 30_000;
  return Math.min(max, base * 2 ** Math.min(attempt - 1, 30));
}

/**
 * Runs attempts until one succeeds (resolves with its number), the error is not
 * retriable or `retries` attempts failed (rejects with the last error), or `signal`
 * aborts (rejects with its reason).
 */
export async function reconnectLoop(
  options: ReconnectOptions,
  cause: unknown,
  signal: AbortSignal,
  hooks: {
    reconnecting(info: ReconnectingInfo): void;
    attempt(signal: AbortSignal): Promise<void>;
  },
): Promise<number> {
  let last = cause;
  for (let attempt = 1; attempt <= options.retries; attempt++) {
    const delayMs = backoffDelay(attempt, options);
    hooks.reconnecting({ attempt, retries: options.retries, delayMs, cause: last });
    await sleep(delayMs, signal);
    try {
      await hooks.attempt(signal);
      return attempt;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (!retriable(err)) throw err;
      last = err;
    }
  }
  throw last;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
