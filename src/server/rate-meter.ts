/**
 * A byte counter with a recent rate, for the server's statistics (`/stats`): the total,
 * and bits per second over the last few seconds — what nginx-rtmp's `/stat` reports as
 * `bw_in`/`bw_out`. No timers: bytes are filed into one-second buckets as they are
 * counted, and the rate is computed when asked.
 *
 * Invariants: memory is constant (WINDOW + 1 buckets); the rate covers at most the
 * last WINDOW seconds plus the current partial second, and never the time before the
 * first count; a meter that counted nothing for longer than the window reads 0.
 */

/** Seconds of history in the rate. */
const WINDOW = 5;

/** Counts bytes; reports the total and the recent rate. */
export class RateMeter {
  /** Bytes counted since creation. */
  total = 0;
  readonly #buckets = new Float64Array(WINDOW + 1);
  readonly #seconds = new Float64Array(WINDOW + 1).fill(-1);
  #first: number | undefined;

  /** Counts `bytes` at `now` (ms, monotonic). */
  add(bytes: number, now: number = performance.now()): void {
    this.total += bytes;
    this.#first ??= now;
    const sec = Math.floor(now / 1000);
    const i = sec % (WINDOW + 1);
    if (this.#seconds[i] !== sec) {
      this.#seconds[i] = sec;
      this.#buckets[i] = 0;
    }
    this.#buckets[i]! += bytes;
  }

  /** Bits per second over the last WINDOW seconds (rounded), at `now` (ms, monotonic). */
  bitrate(now: number = performance.now()): number {
    if (this.#first === undefined) return 0;
    const sec = Math.floor(now / 1000);
    let bytes = 0;
    for (let i = 0; i <= WINDOW; i++) {
      const s = this.#seconds[i]!;
      if (s >= sec - WINDOW && s <= sec) bytes += this.#buckets[i]!;
    }
    const span = Math.min(now - this.#first, WINDOW * 1000 + (now - sec * 1000));
    return span <= 0 ? 0 : Math.round((bytes * 8 * 1000) / Math.max(span, 100));
  }
}
