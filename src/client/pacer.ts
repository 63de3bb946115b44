/**
 * Real-time pacing for publishing: media goes out when the wall clock reaches its
 * timestamp, as an encoder would send it (`ffmpeg -re`, rtmpkit publish). Live servers
 * relay at the pace they receive, so a file sent as fast as the socket allows reaches
 * players in bursts.
 *
 * The first timestamp seen is the origin: a tag with timestamp `t` is due at
 * `start + (t - t0)` ms of wall time. A timestamp more than one second before the last
 * one (a file looping, a discontinuity) re-anchors the origin rather than sending the
 * rest in a burst. Waits of 1 ms or less are skipped (timer granularity).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** The clock a pacer reads, in ms (default `performance.now`). */
export type PacerClock = () => number;

/** Paces media by its timestamps (one per published stream). */
export class RealtimePacer {
  readonly #now: PacerClock;
  #wallStart: number | undefined;
  #tsStart = 0;
  #lastTs = 0;

  constructor(now: PacerClock = () => performance.now()) {
    this.#now = now;
  }

  /** How long (ms) to wait before sending media stamped `timestamp`; 0 when it is due. Anchors on first use. */
  delay(timestamp: number): number {
    const now = this.#now();
    if (this.#wallStart === undefined || timestamp < this.#lastTs - 1000) {
      this.#wallStart = now;
      this.#tsStart = timestamp;
    }
    this.#lastTs = timestamp;
    const wait = this.#wallStart + (timestamp - this.#tsStart) - now;
    return wait > 1 ? wait : 0;
  }

  /** Waits until media stamped `timestamp` is due. Resolves early (never rejects) when `signal` aborts. */
  async wait(timestamp: number, signal?: AbortSignal): Promise<void> {
    const ms = this.delay(timestamp);
    if (ms > 0 && signal?.aborted !== true) await sleep(ms, undefined, { signal }).catch(() => {});
  }

  /** Forgets the origin: the next timestamp is due at once. */
  reset(): void {
    this.#wallStart = undefined;
  }
}
