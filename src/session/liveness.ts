/**
 * Whether a server connection's client is still there: the idle deadline (no byte for
 * `idleTimeoutMs`), a PingRequest halfway through a silence of a connected client (so a
 * quiet player that is alive sends bytes: librtmp and FFmpeg answer it), and the round
 * trip of our User Control PingRequests (RTMP-SPEC §6.2: PingRequest carries a time the
 * PingResponse echoes). Pure bookkeeping over the host's `now` values; the session sends
 * and reports.
 *
 * Invariants: one ping and one idle deadline per silence (new input re-arms both); at
 * most 16 pings are remembered, the oldest forgotten first.
 */

/** Most unanswered pings remembered. */
const MAX_PINGS = 16;

/** Idle deadline and ping round trips. */
export class Liveness {
  readonly #idleMs: number | undefined;
  #last: number | undefined;
  #fired = false;
  /** A ping went out in this silence. */
  #pinged = false;
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
    this.#pinged = false;
  }

  /**
   * The next deadline, or undefined when none is armed: half the idle time while a ping
   * is due (`connected` and none sent in this silence), else the idle deadline.
   */
  deadline(connected: boolean): number | undefined {
    if (this.#fired || this.#idleMs === undefined || this.#last === undefined) return undefined;
    return connected && !this.#pinged ? this.#last + this.#idleMs / 2 : this.#last + this.#idleMs;
  }

  /**
   * What is due at `now`: `'ping'` (half the silence passed: send a PingRequest), the
   * idle time (the idle deadline fired, once per silence), or undefined.
   */
  due(now: number, connected: boolean): 'ping' | number | undefined {
    const d = this.deadline(connected);
    if (d === undefined || now < d) return undefined;
    const last = this.#last!;
    if (now < last + this.#idleMs!) {
      this.#pinged = true;
      return 'ping';
    }
    this.#fired = true;
    return now - last;
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
