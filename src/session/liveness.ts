/**
 * Whether a server connection's client is still there: the idle deadline (no byte for
 * `idleTimeoutMs`) and the round trip of our User Control PingRequests (RTMP-SPEC §6.2:
 * PingRequest carries a time the PingResponse echoes). Pure bookkeeping over the host's
 * `now` values; the session sends and reports.
 *
 * Invariants: the idle deadline fires once per silence (new input re-arms it); at most
 * 16 pings are remembered, the oldest forgotten first.
 */

/** Most unanswered pings remembered. */
const MAX_PINGS = 16;

/** Idle deadline and ping round trips. */
export class Liveness {
  readonly #idleMs: number | undefined;
  #last: number | undefined;
  #fired = false;
  readonly #pings = new Map<number, number>();
  #rtt: number | undefined;
  #now = 0;

  /** `since`: when the connection was accepted (arms the deadline before the first byte). */
  constructor(idleMs: number | undefined, since: number | undefined) {
    this.#idleMs = idleMs;
    this.#last = since;
  }

  /** The time of the input being processed. */
  get now(): number {
    return this.#now;
  }

  /** The last measured round trip, or undefined. */
  get rtt(): number | undefined {
    return this.#rtt;
  }

  /** Bytes arrived at `now`. */
  activity(now: number): void {
    this.#last = now;
    this.#now = now;
    this.#fired = false;
  }

  /** When the idle deadline falls, or undefined when none is armed. */
  deadline(): number | undefined {
    if (this.#fired || this.#idleMs === undefined || this.#last === undefined) return undefined;
    return this.#last + this.#idleMs;
  }

  /** The idle time when the deadline fired at `now` (once per silence), else undefined. */
  expire(now: number): number | undefined {
    const d = this.deadline();
    if (d === undefined || now < d) return undefined;
    this.#fired = true;
    return now - this.#last!;
  }

  /** A PingRequest goes out at `now`: the value it carries (`now` mod 2^32). */
  ping(now: number): number {
    const value = Math.floor(now) >>> 0;
    this.#pings.set(value, now);
    if (this.#pings.size > MAX_PINGS) this.#pings.delete(this.#pings.keys().next().value!);
    return value;
  }

  /** A PingResponse echoed `value` at `now`: the round trip, or undefined for a value we did not send. */
  pong(value: number, now: number): number | undefined {
    const sent = this.#pings.get(value);
    if (sent === undefined) return undefined;
    this.#pings.delete(value);
    this.#rtt = now - sent;
    return this.#rtt;
  }
}
