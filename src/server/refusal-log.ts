/**
 * Rate-limited log lines for repeated refusals and client faults: the first of a kind
 * (one address, one code) is logged at once; the repeats within `intervalMs` are only
 * counted and reported by `flush` as one line with their number — so a client that
 * triggers a refusal 100,000 times costs a few lines, not 100,000. Sans-IO: the host
 * passes `now` and calls `flush` on a timer.
 *
 * Invariants: at most one line per (address, code) per interval plus one summary line
 * per flush; at most `maxKeys` kinds are tracked (further kinds count under one overflow
 * entry), so memory is bounded whatever the addresses.
 */

/** Where lines go (a `Logger`'s method). */
export type LineSink = (line: string) => void;

interface Entry {
  /** When the kind was last logged in full. */
  loggedAt: number;
  /** Repeats not logged since. */
  repeats: number;
  /** The last repeat's message. */
  last: string;
}

const OVERFLOW = '*';

/** Rate-limited lines by (address, code). */
export class RefusalLog {
  readonly #entries = new Map<string, Entry>();
  readonly #sink: LineSink;
  readonly #intervalMs: number;
  readonly #maxKeys: number;

  constructor(sink: LineSink, intervalMs: number, maxKeys = 4096) {
    this.#sink = sink;
    this.#intervalMs = intervalMs;
    this.#maxKeys = maxKeys;
  }

  /** Kinds tracked now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Reports one refusal of `code` for `address` at `now`: logged now, or counted for `flush`. */
  report(now: number, address: string | undefined, code: string, message: string): void {
    let key = `${address ?? '?'} ${code}`;
    let e = this.#entries.get(key);
    if (e === undefined && this.#entries.size >= this.#maxKeys) {
      key = OVERFLOW;
      e = this.#entries.get(key);
    }
    if (e === undefined) {
      this.#entries.set(key, { loggedAt: now, repeats: 0, last: message });
      this.#sink(message);
      return;
    }
    if (now - e.loggedAt >= this.#intervalMs) {
      this.#sink(e.repeats > 0 ? `${message} (and ${e.repeats} more like it since the last line)` : message);
      e.loggedAt = now;
      e.repeats = 0;
      return;
    }
    e.repeats++;
    e.last = message;
  }

  /**
   * Logs the counted repeats whose interval ended by `now` (one line per kind) and forgets
   * quiet kinds; `all` (at shutdown) logs every kind's repeats whatever its interval.
   */
  flush(now: number, all = false): void {
    for (const [key, e] of this.#entries) {
      if (!all && now - e.loggedAt < this.#intervalMs) continue;
      if (e.repeats > 0) {
        const who = key === OVERFLOW ? 'other clients' : key;
        this.#sink(`${e.last} (repeated ${e.repeats} times in ${Math.round(now - e.loggedAt)} ms: ${who})`);
        e.loggedAt = now;
        e.repeats = 0;
      } else {
        this.#entries.delete(key);
      }
    }
  }
}
