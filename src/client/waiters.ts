/**
 * Small promise helpers for the I/O shell: a settle-once deferred, and `waitFor`, which
 * races a promise against an optional timeout (seconds, as python-librtmp documents its timeouts) and an
 * AbortSignal, cleaning up its timer and listener whichever wins.
 *
 * Invariants: an abort rejects with `signal.reason` (as Node's own APIs do, so callers can tell their abort apart); a timeout
 * rejects with `RTMPTimeoutError`; the raced promise is never cancelled by either — the
 * caller decides what a lost race means.
 */
import { UsageCode } from '../error-codes.js';
import { RTMPTimeoutError, RTMPUsageError } from '../errors.js';

/** A promise with its settle functions (Node 20 has no `Promise.withResolvers`). */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
  settled: boolean;
}

/** Creates a deferred whose promise never causes an unhandled rejection by itself. */
export function deferred<T>(): Deferred<T> {
  let res!: (v: T) => void;
  let rej!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    res = a;
    rej = b;
  });
  promise.catch(() => {});
  const d: Deferred<T> = {
    promise,
    settled: false,
    resolve(v) {
      if (d.settled) return;
      d.settled = true;
      res(v);
    },
    reject(e) {
      if (d.settled) return;
      d.settled = true;
      rej(e);
    },
  };
  return d;
}

/** Checks an optional timeout in seconds (finite, ≥ 0). */
export function checkSeconds(name: string, v: number | undefined): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new RTMPUsageError(`${name} must be a non-negative number of seconds, got ${String(v)}`, {
      code: UsageCode.RTMP_BAD_ARGUMENT,
    });
  }
  return v;
}

/** One signal that aborts when any of `signals` does (undefined when none is given). */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const given = signals.filter((s): s is AbortSignal => s !== undefined);
  return given.length <= 1 ? given[0] : AbortSignal.any(given);
}

/** Throws `signal.reason` when the signal is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/**
 * Waits for `promise`, giving up after `timeoutSec` seconds (RTMPTimeoutError with
 * `message`) or when `signal` aborts (its reason). `onGiveUp` runs when either wins.
 */
export function waitFor<T>(
  promise: Promise<T>,
  opts: {
    timeoutSec?: number | undefined;
    signal?: AbortSignal | undefined;
    what: string;
    onGiveUp?: () => void;
  },
): Promise<T> {
  const { timeoutSec, signal } = opts;
  if (timeoutSec === undefined && signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      opts.onGiveUp?.();
      reject(signal?.reason);
    };
    if (signal?.aborted) {
      opts.onGiveUp?.();
      reject(signal.reason);
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutSec !== undefined) {
      timer = setTimeout(() => {
        done();
        opts.onGiveUp?.();
        reject(new RTMPTimeoutError(`${opts.what} timed out after ${timeoutSec} s`));
      }, timeoutSec * 1000);
    }
    promise.then(
      (v) => {
        done();
        resolve(v);
      },
      (e) => {
        done();
        reject(e);
      },
    );
  });
}
