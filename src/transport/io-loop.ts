/**
 * The I/O loop: drives one sans-IO session — the client's `ClientSession` or the
 * embedded server's `ServerSession` — over a connected socket. Socket bytes go to
 * `session.receive(bytes, now)`, the session's events to the owner, the session's
 * output to the socket (corked, so one `writev` per batch); one timer serves
 * `session.nextDeadline()`, so protocol deadlines stay in the session.
 *
 * Timeouts of the shell, both fatal for the connection (the owner then rejects
 * everything pending):
 * - idle read (`idleTimeoutMs`, python-librtmp's `timeout`): no byte from the peer for that
 *   long while someone waits for the peer (`owner.isWaiting()`), and reading is not
 *   paused by backpressure. Each new wait restarts the clock (`waitStarted()`), like
 *   librtmp's per-`recv` SO_RCVTIMEO;
 * - stalled write (`writeStallTimeoutMs`): the socket's buffer stays above its
 *   high-water mark and the peer takes none of its bytes for that long. A peer that
 *   reads, only slower than we write (a loaded player of a live stream), is not stalled,
 *   though its buffer may never drain completely.
 *
 * Backpressure: `pauseReading(key)` stops reading the socket (TCP flow control then
 * slows the peer) until every key that paused it called `resumeReading(key)`. While the
 * socket is backed up, each flush is queued as one Buffer, so queued bytes are what
 * they cost in memory.
 *
 * Invariants: the owner sees every event of every byte that arrived before the close
 * (data is dispatched synchronously as it arrives); nothing is written after `end()`;
 * `onClose` is called exactly once.
 */
import type { Socket } from 'node:net';
import { ConnectionCode, TimeoutCode } from '../error-codes.js';
import { RTMPConnectionError, type RTMPError, RTMPTimeoutError } from '../errors.js';
import { createLogger } from '../log.js';
import { isWriteBuffer, returnWriteBuffer } from '../util/write-pool.js';
import { setReadSink } from './tcp.js';
import type { Transport } from './transport.js';

/** What the loop needs of a sans-IO session (bytes and `now` in; bytes, events and a deadline out). */
export interface SansIoSession<E> {
  /** Called once when the loop starts (a client session writes C0+C1 here); optional. */
  start?(now: number): void;
  /** Bytes from the peer, received at `now` (ms, `performance.now()`). */
  receive(bytes: Uint8Array, now: number): void;
  /** Bytes to write, in order. */
  takeOutput(): Buffer[];
  /** Events since the last call, in order. */
  takeEvents(): E[];
  /** When `handleTimeout` must next run, or undefined. */
  nextDeadline(): number | undefined;
  /** Runs the deadlines due at `now`; may be called early (nothing is due: nothing happens). */
  handleTimeout(now: number): void;
}

/** What the loop calls back. */
export interface IoLoopOwner<E = unknown> {
  /** The session's events, in order, after each input, timer or `kick()`. */
  onEvents(events: E[]): void;
  /** The transport closed; `error` says why when it was not a clean close. Called once. */
  onClose(error: RTMPError | undefined): void;
  /** Whether anyone waits for data from the peer (the idle timeout applies only then). */
  isWaiting(): boolean;
  /**
   * Called as a batch of output is handed to the socket: a function to call once that
   * write completed (or failed), e.g. to reuse the payloads the batch points into.
   */
  writing?(): (() => void) | undefined;
}

/** Timeouts of the loop, in ms (0 = off). */
export interface IoLoopOptions {
  idleTimeoutMs: number;
  writeStallTimeoutMs: number;
  /**
   * Stop reading the socket while more than this many bytes wait in its write buffer,
   * until it drains (a peer that sends but does not read cannot make us queue answers);
   * undefined = never.
   */
  readPauseBytes?: number;
  /**
   * Take reads as views of the socket's reused buffer (`setReadSink`) when it has one.
   * Only for a session that copies what it keeps (ChunkReader `zeroCopy: false`).
   */
  reuseReadBuffer?: boolean;
}

const log = createLogger('io');
/** The `pauseReading` key of `readPauseBytes`. */
const BACKLOG = {};
const now = (): number => performance.now();

/** Drives a sans-IO session over a socket. */
export class IoLoop<E = unknown> {
  readonly #session: SansIoSession<E>;
  readonly #socket: Socket;
  readonly #owner: IoLoopOwner<E>;
  readonly #opts: IoLoopOptions;
  readonly #description: string;

  #closed = false;
  #error: RTMPError | undefined;
  #lastRx = now();
  #idleTimer: NodeJS.Timeout | undefined;
  #deadlineTimer: NodeJS.Timeout | undefined;
  #armedDeadline: number | undefined;
  #stallTimer: NodeJS.Timeout | undefined;
  /** Where the socket's output stood when the stall timer was armed (see `#progress`). */
  #stallMark: [number, number] = [0, 0];
  readonly #pausers = new Set<object>();
  #drainWaiters: (() => void)[] = [];
  #pumping = false;

  constructor(
    session: SansIoSession<E>,
    transport: Transport,
    owner: IoLoopOwner<E>,
    options: IoLoopOptions,
  ) {
    this.#session = session;
    this.#socket = transport.socket;
    this.#description = transport.description;
    this.#owner = owner;
    this.#opts = options;
  }

  /** The socket's description (`host:port`, proxy, TLS). */
  get description(): string {
    return this.#description;
  }

  /** True once the transport closed (or `destroy` was called). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes queued in the socket, not yet handed to the kernel. */
  get writableLength(): number {
    return this.#socket.writableLength;
  }

  /** True while the socket's write buffer is above its high-water mark. */
  get needsDrain(): boolean {
    return this.#socket.writableNeedDrain;
  }

  /** Whether reading is paused by backpressure. */
  get readingPaused(): boolean {
    return this.#pausers.size > 0;
  }

  /** Wires the socket, starts the session (a client's C0+C1 out) and the timers. */
  start(): void {
    const s = this.#socket;
    s.on('drain', () => this.#onDrain());
    s.on('error', (err: Error) => {
      this.#error ??= new RTMPConnectionError(`connection to ${this.#description} failed: ${err.message}`, {
        code: ConnectionCode.RTMP_CONNECTION,
        cause: err,
      });
    });
    s.on('close', () => this.#onSocketClose());
    s.on('end', () => {
      log.debug(`${this.#description} ended the connection`);
    });
    this.#session.start?.(now());
    this.#lastRx = now();
    // Reads into the socket's one reused 256 KiB buffer instead of a fresh 64 KiB Buffer each
    // (no per-read allocation/GC): cold 303 MB download 1.22 → 1.03 CPU s/GB, +4% MB/s.
    const onData = (d: Buffer): void => this.#onData(d);
    if (!(this.#opts.reuseReadBuffer === true && setReadSink(s, onData))) s.on('data', onData);
    this.#armIdle(this.#opts.idleTimeoutMs);
    this.kick();
  }

  /** Flushes the session's output and events and re-arms the deadline timer; call after issuing commands. */
  kick(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (;;) {
        const events = this.#session.takeEvents();
        if (events.length > 0) this.#owner.onEvents(events);
        const wrote = this.#flush();
        if (!wrote && events.length === 0) break;
      }
    } finally {
      this.#pumping = false;
    }
    const cap = this.#opts.readPauseBytes;
    if (cap !== undefined && this.#socket.writableLength > cap) this.pauseReading(BACKLOG);
    this.#armDeadline();
  }

  /** Restarts the idle-read clock: someone began waiting for the server. */
  waitStarted(): void {
    this.#lastRx = now();
  }

  /** Stops reading the socket on behalf of `key` (a consumer over its high-water mark). */
  pauseReading(key: object): void {
    if (this.#pausers.has(key)) return;
    this.#pausers.add(key);
    if (this.#pausers.size === 1 && !this.#closed) {
      this.#socket.pause();
      log.debug('reading paused: a consumer is full');
    }
  }

  /** Withdraws `key`'s pause; reading resumes when no key holds it. */
  resumeReading(key: object): void {
    if (!this.#pausers.delete(key)) return;
    if (this.#pausers.size === 0 && !this.#closed) {
      this.#lastRx = now();
      this.#socket.resume();
      log.debug('reading resumed');
    }
  }

  /** Resolves when the socket's write buffer drained below its high-water mark (or the loop closed). */
  waitDrain(): Promise<void> {
    if (this.#closed || !this.#socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /**
   * Ends the connection gracefully: pending output is written, then FIN. Falls back to
   * destroying the socket after `graceMs`.
   */
  end(graceMs = 2000): void {
    if (this.#closed) return;
    this.#flush();
    this.#socket.end();
    const t = setTimeout(() => this.#socket.destroy(), graceMs);
    t.unref();
  }

  /** Tears the connection down now with `error` (what the owner will see in `onClose`). */
  destroy(error?: RTMPError): void {
    if (error !== undefined) this.#error ??= error;
    if (this.#closed) return;
    this.#socket.destroy();
  }

  // ---------------------------------------------------------------- internals

  #onData(d: Buffer): void {
    this.#lastRx = now();
    this.#session.receive(d, this.#lastRx);
    this.kick();
  }

  #flush(): boolean {
    const out = this.#session.takeOutput();
    // Most reads of a download produce no output (an Acknowledgement is due once per
    // window): the write is a function of its own, which V8 does not compile into this
    // one, run after every read.
    return out.length > 0 && this.#write(out);
  }

  #write(out: Buffer[]): boolean {
    const s = this.#socket;
    if (this.#closed || s.destroyed || s.writableEnded) return false;
    const owned = this.#owner.writing?.();
    // A buffer the session built from the write pool (RTMPE's encrypted batch, always the
    // last of its output) goes back to it once written, so the next batch reuses its
    // memory. Only the last is looked at: a publisher's output is hundreds of pieces per
    // write, and asking each whether it is pooled cost ~2 % of `rtmpkit publish`.
    const tail = out[out.length - 1]!;
    const written = isWriteBuffer(tail)
      ? () => {
          returnWriteBuffer(tail);
          owned?.();
        }
      : owned;
    if (out.length === 1) {
      s.write(out[0]!, written);
    } else if (s.writableLength > 0) {
      // Backed up: queue one exact copy, not one entry per header and payload view — a
      // queued 18-byte answer costs ~250 bytes as its own entry, and a queued view keeps
      // its whole receive buffer alive. The copy frees what `out` points into at once.
      s.write(Buffer.concat(out));
      written?.();
    } else {
      // Corked writes leave in one writev; the last one's callback runs when it completed.
      s.cork();
      const last = out.length - 1;
      for (let i = 0; i < last; i++) s.write(out[i]!);
      s.write(out[last]!, written);
      s.uncork();
    }
    if (s.writableNeedDrain) this.#armStall();
    return true;
  }

  #onDrain(): void {
    this.resumeReading(BACKLOG);
    if (this.#stallTimer) {
      clearTimeout(this.#stallTimer);
      this.#stallTimer = undefined;
    }
    const w = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const f of w) f();
  }

  /**
   * How far the socket's output got: bytes of completed writes (`bytesWritten` counts
   * queued bytes too), and what the write in flight still has to hand to the kernel —
   * Node keeps one write in flight and batches everything queued behind it into it, so
   * a slow reader can take longer than the stall timeout to complete one, while libuv's
   * queue size (undocumented; absent = unknown, 0) shrinks with every partial write.
   */
  #progress(): [number, number] {
    const s = this.#socket;
    const left = (s as unknown as { _handle?: { writeQueueSize?: unknown } })._handle?.writeQueueSize;
    return [s.bytesWritten - s.writableLength, typeof left === 'number' ? left : 0];
  }

  #armStall(): void {
    const ms = this.#opts.writeStallTimeoutMs;
    if (ms <= 0 || this.#stallTimer) return;
    this.#stallMark = this.#progress();
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = undefined;
      if (!this.#socket.writableNeedDrain || this.#closed) return;
      const [done, left] = this.#progress();
      if (done > this.#stallMark[0] || left < this.#stallMark[1]) {
        this.#armStall(); // slow, not stalled
        return;
      }
      this.destroy(
        new RTMPTimeoutError(`writing to ${this.#description} stalled for ${ms / 1000} s`, {
          code: TimeoutCode.RTMP_WRITE_TIMEOUT,
        }),
      );
    }, ms);
  }

  #armIdle(ms: number): void {
    if (this.#opts.idleTimeoutMs <= 0 || this.#closed) return;
    this.#idleTimer = setTimeout(() => this.#onIdleTimer(), Math.max(1, ms));
  }

  #onIdleTimer(): void {
    this.#idleTimer = undefined;
    if (this.#closed) return;
    const limit = this.#opts.idleTimeoutMs;
    const t = now();
    if (this.#pausers.size > 0 || !this.#owner.isWaiting()) {
      this.#lastRx = t;
      this.#armIdle(limit);
      return;
    }
    const idle = t - this.#lastRx;
    if (idle + 1 >= limit) {
      this.destroy(
        new RTMPTimeoutError(`no data from ${this.#description} for ${limit / 1000} s`, {
          code: TimeoutCode.RTMP_IDLE_TIMEOUT,
        }),
      );
      return;
    }
    this.#armIdle(limit - idle);
  }

  #armDeadline(): void {
    const d = this.#closed ? undefined : this.#session.nextDeadline();
    const armed = this.#armedDeadline;
    // A later deadline keeps the armed timer: it fires early, `handleTimeout` finds nothing
    // due, and the kick after it arms the real one. A player's no-media deadline moves with
    // every media message, and re-arming a timer per read showed in profiles (~2 % of an
    // rtmps:// download's CPU: one read per 16 KiB TLS record).
    if (d === armed || (d !== undefined && armed !== undefined && d > armed)) return;
    this.#rearm(d);
  }

  /** Arms the deadline timer for `d` (a function of its own: after most reads nothing changes). */
  #rearm(d: number | undefined): void {
    if (this.#deadlineTimer) clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    this.#armedDeadline = d;
    if (d === undefined) return;
    this.#deadlineTimer = setTimeout(
      () => {
        this.#deadlineTimer = undefined;
        this.#armedDeadline = undefined;
        this.#session.handleTimeout(now());
        this.kick();
      },
      Math.max(0, d - now()),
    );
  }

  #onSocketClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of [this.#idleTimer, this.#deadlineTimer, this.#stallTimer]) if (t) clearTimeout(t);
    this.#idleTimer = this.#deadlineTimer = this.#stallTimer = undefined;
    this.#onDrain();
    this.#owner.onClose(this.#error);
  }
}
