/**
 * The "no media" rules of a player (the meaning of librtmp's `timeout` for a stream: no
 * audio/video for that long and the stream has failed), as deadlines over the session's
 * clock. Only audio, video and aggregate messages (RTMP-SPEC §7.1.4, §7.1.5, §7.1.6)
 * count: pings, acknowledgements, status and data keep a connection alive but do not make
 * a stream play, so a live stream that never starts (a typo'd name on a server that
 * pings) fails instead of hanging.
 *
 * - `timeoutMs`: no media message for that long while the stream plays (armed when it
 *   starts, suspended while the user has paused it) → `ERR_RTMP_NO_MEDIA`.
 * - `minRate`: fewer than `bytesPerSecond × windowMs / 1000` media payload bytes in a
 *   window while the stream plays → `ERR_RTMP_MEDIA_TOO_SLOW` (opt-in, for recorders:
 *   a drip-fed stream that is technically alive).
 *
 * Invariants: one watch per watched stream; a watch fires once (then it is forgotten);
 * the deadline is a pure function of the arm times, the media times and the options.
 */
import { TimeoutCode } from '../error-codes.js';
import { RTMPTimeoutError } from '../errors.js';
import type { NetStreamChange } from './net-stream.js';

/** An opt-in floor on the media rate of a played stream. */
export interface MinMediaRate {
  /** Media payload bytes per second, averaged over one window. */
  bytesPerSecond: number;
  /** The window, ms (each window is judged alone). */
  windowMs: number;
}

/** The options of the media watch. */
export interface MediaWatchOptions {
  /** No media for this long fails the stream (ms; undefined = off). */
  timeoutMs?: number | undefined;
  /** A window with less media than this fails the stream (undefined = off). */
  minRate?: MinMediaRate | undefined;
}

interface Watch {
  /** Last media (or arm) time. */
  last: number;
  /** Start of the current rate window, and the bytes in it. */
  windowStart: number;
  windowBytes: number;
  /** Suspended (paused by the user): no deadline. */
  suspended: boolean;
}

/** The media deadlines of a session's played streams. */
export class MediaWatch {
  readonly #opts: MediaWatchOptions;
  readonly #watches = new Map<number, Watch>();

  constructor(options: MediaWatchOptions) {
    this.#opts = options;
  }

  /** Whether any rule is on. */
  get enabled(): boolean {
    return this.#opts.timeoutMs !== undefined || this.#opts.minRate !== undefined;
  }

  /** `streamId` started (or resumed) playing at `now`: its clocks start over. */
  arm(streamId: number, now: number): void {
    if (!this.enabled) return;
    this.#watches.set(streamId, { last: now, windowStart: now, windowBytes: 0, suspended: false });
  }

  /** The user paused `streamId`: no deadline until it is armed again. */
  suspend(streamId: number): void {
    const w = this.#watches.get(streamId);
    if (w !== undefined) w.suspended = true;
  }

  /** `streamId` ended, failed or went away. */
  forget(streamId: number): void {
    this.#watches.delete(streamId);
  }

  /** NetStream phase changes at `now`: a player that starts (or resumes after a seek) is armed; a pause suspends; an end forgets. */
  changes(changes: readonly NetStreamChange[], now: number): void {
    for (const c of changes) {
      if (c.to === 'play') this.arm(c.streamId, now);
      else if (c.to === 'paused') this.suspend(c.streamId);
      else if (c.to !== 'seeking') this.forget(c.streamId);
    }
  }

  /** A media message of `bytes` payload bytes arrived for `streamId` at `now`. */
  media(streamId: number, bytes: number, now: number): void {
    const w = this.#watches.get(streamId);
    if (w === undefined) return;
    w.last = now;
    w.windowBytes += bytes;
  }

  /** The earliest deadline, or undefined. */
  nextDeadline(): number | undefined {
    let d: number | undefined;
    if (this.#watches.size === 0) return d;
    for (const w of this.#watches.values()) {
      const x = this.#deadline(w);
      if (x !== undefined && (d === undefined || x < d)) d = x;
    }
    return d;
  }

  /** The streams whose rule broke at or before `now`, with their errors (each forgotten); rate windows roll over. */
  expire(now: number): [number, RTMPTimeoutError][] {
    const out: [number, RTMPTimeoutError][] = [];
    const { timeoutMs, minRate } = this.#opts;
    for (const [id, w] of this.#watches) {
      if (w.suspended) continue;
      if (timeoutMs !== undefined && now >= w.last + timeoutMs) {
        out.push([
          id,
          new RTMPTimeoutError(`no audio or video for ${timeoutMs / 1000} s (only control traffic)`, {
            code: TimeoutCode.RTMP_NO_MEDIA,
          }),
        ]);
        continue;
      }
      if (minRate === undefined || now < w.windowStart + minRate.windowMs) continue;
      const need = (minRate.bytesPerSecond * minRate.windowMs) / 1000;
      if (w.windowBytes < need) {
        const rate = Math.round((w.windowBytes * 1000) / minRate.windowMs);
        out.push([
          id,
          new RTMPTimeoutError(
            `media arrived at ${rate} B/s over ${minRate.windowMs / 1000} s, under the minimum of ${minRate.bytesPerSecond} B/s`,
            { code: TimeoutCode.RTMP_MEDIA_TOO_SLOW },
          ),
        ]);
        continue;
      }
      w.windowStart = now;
      w.windowBytes = 0;
    }
    for (const [id] of out) this.#watches.delete(id);
    return out;
  }

  #deadline(w: Watch): number | undefined {
    if (w.suspended) return undefined;
    const { timeoutMs, minRate } = this.#opts;
    const a = timeoutMs === undefined ? undefined : w.last + timeoutMs;
    const b = minRate === undefined ? undefined : w.windowStart + minRate.windowMs;
    if (a === undefined) return b;
    return b === undefined || a < b ? a : b;
  }
}
