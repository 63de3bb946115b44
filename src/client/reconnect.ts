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
 * `Reconnection` is one such loop for a connection: each attempt connects, then re-opens
 * every stream in order (`openStream` with the stream itself: a recorded player from its
 * last delivered keyframe, a publisher followed by its metadata and sequence headers);
 * an attempt whose restore fails drops its connection before the next.
 *
 * Invariants: at most `retries` attempts per loss (a successful reconnect starts the count
 * again); the waits double from `backoffMs` up to `maxBackoffMs`; every wait and attempt
 * ends when `signal` aborts.
 */
import { ConnectionCode, ProtocolCode, TimeoutCode } from '../error-codes.js';
import { RTMPConnectionError, RTMPProtocolError, RTMPTimeoutError } from '../errors.js';
import type { ReconnectRequest } from '../session/connect-object.js';
import type { ReconnectOptions } from './options.js';
import type { RTMPStream } from './rtmp-stream.js';
import { openStream, type StreamOpenerLink } from './stream-opener.js';
import { anySignal, deferred } from './waiters.js';

/** `reconnecting` event details. */
export interface ReconnectingInfo {
  /** 1 for the first attempt after a loss. */
  attempt: number;
  /** The most attempts that will be made. */
  retries: number;
  /** Wait before this attempt, ms. */
  delayMs: number;
  /** Why: the error that ended the connection (or the previous attempt), or the ReconnectRequest followed. */
  cause: unknown;
  /** Set when the client follows a server's ReconnectRequest (make-before-break): where to. */
  request?: ReconnectRequest;
}

/** `reconnected` event details. */
export interface ReconnectedInfo {
  /** The attempt that succeeded. */
  attempt: number;
  /** The error that ended the previous connection, or the ReconnectRequest followed. */
  cause: unknown;
  /** Set when the client followed a server's ReconnectRequest: the streams moved to the new connection. */
  request?: ReconnectRequest;
}

const NOT_RETRIED = new Set<string>([
  ConnectionCode.RTMP_SERVER_CLOSED,
  ConnectionCode.RTMP_ABORTED,
  ConnectionCode.RTMP_CLOSED,
  ProtocolCode.RTMP_MALFORMED_ANSWER,
]);

/** Whether a connection that ended with `error` is worth reconnecting. */
export function retriable(error: unknown): boolean {
  if (error instanceof RTMPConnectionError)
    return !NOT_RETRIED.has(error.code) && error.name !== 'RTMPProxyError';
  if (error instanceof RTMPTimeoutError)
    return error.code !== TimeoutCode.RTMP_NO_MEDIA && error.code !== TimeoutCode.RTMP_MEDIA_TOO_SLOW;
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

/** Resolves after `ms`; rejects with `signal.reason` when it aborts first. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal === undefined) {
      setTimeout(resolve, ms);
      return;
    }
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

/** What a `Reconnection` needs of its connection (`RTMP`). */
export interface ReconnectionLink {
  /** How streams are opened on the connection. */
  readonly opener: StreamOpenerLink;
  /** The connection's own signal (aborts the loop too). */
  readonly signal: AbortSignal | undefined;
  /** One new connection; streams are kept. */
  connect(signal: AbortSignal): Promise<void>;
  /** Ends the current attempt's connection with `error` and resolves once it closed. */
  drop(error: unknown): Promise<void>;
  reconnecting(info: ReconnectingInfo): void;
  /** Reconnected: every stream runs again. */
  reconnected(info: ReconnectedInfo): void;
  /** The loop failed for good, or `abort` stopped it: everything ends with `error`. */
  giveUp(error: unknown, streams: readonly RTMPStream[]): void;
}

/** One reconnect loop of a connection after a loss (see the module comment). */
export class Reconnection {
  /** Stops the loop (close()). */
  readonly abort = new AbortController();
  /** Settles when the loop does: resolved when reconnected (what writes wait for). */
  readonly up = deferred<void>();
  /** Settles (never rejects) once the loop's outcome was handled. */
  readonly done: Promise<void>;

  constructor(
    options: ReconnectOptions,
    cause: unknown,
    streams: readonly RTMPStream[],
    link: ReconnectionLink,
  ) {
    const signal = anySignal(this.abort.signal, link.signal)!;
    this.done = reconnectLoop(options, cause, signal, {
      reconnecting: (info) => link.reconnecting(info),
      attempt: async (s) => {
        await link.connect(s);
        try {
          await restoreStreams(link.opener, streams, s);
        } catch (err) {
          // This attempt's connection goes too; the loop decides whether another follows.
          await link.drop(err);
          throw err;
        }
      },
    }).then(
      (attempt) => {
        this.up.resolve();
        link.reconnected({ attempt, cause });
      },
      (err: unknown) => {
        this.up.reject(err);
        link.giveUp(err, streams);
      },
    );
  }
}

/** Re-opens every stream on the new connection, in order. */
async function restoreStreams(
  opener: StreamOpenerLink,
  streams: readonly RTMPStream[],
  signal: AbortSignal,
): Promise<void> {
  opener.streams.clear();
  for (const s of streams) {
    if (s.closed) continue;
    const resume = s.resumeAt;
    const seekSec = resume === undefined ? undefined : resume / 1000;
    await openStream(opener, { writeable: s.writeable, seekSec, updateBuffer: true, signal, existing: s });
    if (s.writeable) s.republish();
  }
}
