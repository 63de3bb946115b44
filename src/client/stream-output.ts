/**
 * A played stream's output: the media and data messages the NetStream delivered, queued
 * as they arrive, turned into what the reader asked for when it reads — FLV tags laid
 * out exactly like librtmp's `RTMP_Read` (`FlvMuxer`: file header decided by pre-reading,
 * then tags; FLV-10.1) for `read(size)`, iteration, `toReadable()` and `rtmpkit dump`
 * (`readPieces`), or typed packets (stream-packets.ts) for `packets()`. One stream is
 * read one way.
 *
 * One copy: the chunk reader copied each payload once, into a buffer with room for an
 * FLV tag header and PreviousTagSize around it; the muxer frames it there, so a tag is
 * one view of that buffer. Readers get those views: `read(size)` returns at most one tag
 * (or the rest of one, or its first `size` bytes — fewer bytes than asked, as librtmp's
 * `RTMP_Read` returns at most one packet per call), iteration and `toReadable()` one tag
 * per step (`readReady` takes a tag that is there without a promise; only an empty
 * queue and the end go through `read`), `readPieces` every tag muxed so far for one
 * `writev`. Nothing here copies.
 *
 * Backpressure: while more than `highWaterMark` bytes wait unread, the connection stops
 * reading its socket (TCP flow control slows the server); it resumes below half of it.
 *
 * End: `end()` says no more input; readers get everything queued first, then the end
 * (an empty read) or, when the end came with a failure, that error — made when the
 * reader reaches it, from what was delivered (`delivered`), so a cut stream's error can
 * say how far the reader got.
 *
 * Invariants: memory is bounded by the high-water mark plus one message; every waiter is
 * woken exactly once per state change.
 */
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError, type StreamCutInfo } from '../errors.js';
import { FlvMuxer, type FlvMuxerOptions } from '../flv/muxer.js';
import { MessageType } from '../message/types.js';
import { type OutputMessage, type StreamPacket, toStreamPackets } from './stream-packets.js';
import { type Deferred, deferred, waitFor } from './waiters.js';

export type { OutputMessage, StreamPacket } from './stream-packets.js';

const EMPTY = Buffer.alloc(0);
/** Default `read()` size when none is given. */
export const DEFAULT_READ_SIZE = 64 * 1024;
/** Default per-stream high-water mark of unread bytes. */
export const DEFAULT_HIGH_WATER_MARK = 4 * 1024 * 1024;

/** What the output needs of the connection (backpressure and the idle clock). */
export interface OutputFlow {
  /** Stop reading the socket on behalf of `key`. */
  pauseReading(key: object): void;
  /** Withdraw `key`'s pause. */
  resumeReading(key: object): void;
  /** A reader began waiting for data (restarts the idle clock). */
  waitStarted(): void;
}

/** How the reader ended up being told the end: a plain end, or an error made from what it got. */
export type EndReason = undefined | ((delivered: StreamCutInfo) => unknown);

/** Queued messages → FLV tags or packets, with backpressure (see the module comment). */
export class StreamOutput {
  readonly #flow: OutputFlow;
  readonly #live: boolean;
  readonly #highWaterMark: number;
  #queue: OutputMessage[] = [];
  #qHead = 0;
  #queuedBytes = 0;
  /** Muxed pieces not yet read (from `#outHead` on). */
  #out: Buffer[] = [];
  #outHead = 0;
  #outBytes = 0;
  /** Bytes ever put into `#out`, and where each media message's tags end in it. */
  #outTotal = 0;
  /** Per media message muxed and not yet fully read: where its tags end in `#out`'s total, and its timestamp (from `#markHead` on; numbers, not an object per message). */
  #markEnds: number[] = [];
  #markTimestamps: number[] = [];
  #markHead = 0;
  #muxerOptions: FlvMuxerOptions = {};
  #muxer: FlvMuxer | undefined;
  #muxerEnded = false;
  #mode: 'flv' | 'packets' | undefined;
  #ended = false;
  /** A reader got the end (read/readPieces/packets returned it or its error). */
  #endRead = false;
  #endReason: EndReason;
  #error: { value: unknown } | undefined;
  #waiters: Deferred<void>[] = [];
  /** This output paused the socket's reading (over its high-water mark) and has not withdrawn that yet. */
  #pausing = false;
  /** The signal of `abortWith`, while it is watched; its reason once it aborted. */
  #abortSignal: AbortSignal | undefined;
  #aborted: { reason: unknown } | undefined;
  #bytesDelivered = 0;
  #lastTimestamp: number | undefined;

  constructor(flow: OutputFlow, options: { live: boolean; highWaterMark: number }) {
    this.#flow = flow;
    this.#live = options.live;
    this.#highWaterMark = options.highWaterMark;
  }

  /** Unread bytes queued (messages plus muxed FLV). */
  get bufferedBytes(): number {
    return this.#queuedBytes + this.#outBytes;
  }

  /** True once `end()` was called (queued data may still be unread). */
  get ended(): boolean {
    return this.#ended;
  }

  /** What the reader got so far. */
  get delivered(): StreamCutInfo {
    return { bytesDelivered: this.#bytesDelivered, lastTimestamp: this.#lastTimestamp };
  }

  /** The FLV muxer (made on first use, with the options of `setMuxerOptions`). */
  get muxer(): FlvMuxer {
    this.#muxer ??= new FlvMuxer({ live: this.#live, ...this.#muxerOptions });
    return this.#muxer;
  }

  /**
   * Muxer options beyond `live` (resume, stop…), before the first FLV read.
   *
   * @throws RTMPUsageError `ERR_RTMP_READ_MODE` once the muxer exists
   */
  setMuxerOptions(options: FlvMuxerOptions): void {
    if (this.#muxer !== undefined) {
      throw new RTMPUsageError('FLV muxer options are set before the first read', {
        code: UsageCode.RTMP_READ_MODE,
      });
    }
    this.#muxerOptions = options;
  }

  /** Queues a delivered message. Ignored after the end. */
  push(msg: OutputMessage): void {
    if (this.#ended) return;
    this.#queue.push(msg);
    this.#queuedBytes += msg.payload.length;
    if (this.bufferedBytes > this.#highWaterMark) {
      this.#pausing = true;
      this.#flow.pauseReading(this);
    }
    this.#notify();
  }

  /** No more input; readers see `reason`'s error (or a plain end) after the queued data. */
  end(reason?: EndReason): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endReason = reason;
    this.#notify();
  }

  /**
   * Takes back a plain end that no reader has reached yet — a seek after the end of a
   * recorded stream plays it again (session/net-stream.ts). False, changing nothing, when
   * the output is not ended, ended with an error, or its end was read (or muxed).
   */
  reopen(): boolean {
    if (!this.#ended || this.#endReason !== undefined || this.#endRead || this.#muxerEnded) return false;
    this.#ended = false;
    return true;
  }

  /** Drops the unread queued messages (a seek makes them stale); muxed bytes stay. */
  dropQueued(): void {
    this.#queue = [];
    this.#qHead = 0;
    this.#queuedBytes = 0;
    this.#maybeResume();
  }

  /** Drops everything and ends (the stream was closed); pending readers see the end. */
  close(): void {
    this.dropQueued();
    this.#out = [];
    this.#outHead = 0;
    this.#outBytes = 0;
    this.#muxerEnded = true;
    this.#ended = true;
    this.#endReason = undefined;
    this.#pausing = false;
    this.#flow.resumeReading(this);
    this.#unwatch();
    this.#notify();
  }

  /**
   * Makes `signal` abort every wait of this output's readers (they reject with its
   * reason, now and later; data already muxed is still returned first), through one
   * listener for the output's life instead of one per wait: a download waits once per
   * socket read, and adding and removing a listener on Node's EventTarget each time cost
   * `rtmpkit dump` a dozen more functions for V8 to optimise (~70 ms of compiling per
   * download). The listener goes when the output is closed or its end is read.
   */
  abortWith(signal: AbortSignal): void {
    this.#unwatch();
    if (signal.aborted) {
      this.#aborted = { reason: signal.reason };
      return;
    }
    this.#abortSignal = signal;
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  readonly #onAbort = (): void => {
    const reason = this.#abortSignal?.reason;
    this.#abortSignal = undefined;
    this.#aborted = { reason };
    const w = this.#waiters;
    this.#waiters = [];
    for (const d of w) d.reject(reason);
  };

  #unwatch(): void {
    this.#abortSignal?.removeEventListener('abort', this.#onAbort);
    this.#abortSignal = undefined;
  }

  /** Chooses how the stream is read; throws `ERR_RTMP_READ_MODE` when it is already read the other way. */
  setMode(mode: 'flv' | 'packets'): void {
    if (this.#mode === undefined) this.#mode = mode;
    else if (this.#mode !== mode) {
      throw new RTMPUsageError('a stream is read either as FLV bytes or as packets(), not both', {
        code: UsageCode.RTMP_READ_MODE,
      });
    }
  }

  /**
   * The next FLV bytes: the next tag (the file header is one read of its own), or its
   * first `size` bytes when it is longer; an empty Buffer at the end. Never a copy.
   */
  async read(size: number, signal: AbortSignal | undefined): Promise<Buffer> {
    for (;;) {
      const b = this.readReady(size);
      if (b !== undefined) return b;
      if (this.#muxer?.stopped) return EMPTY;
      if (this.#ended) return this.#finish();
      await this.#wait(signal);
    }
  }

  /**
   * For a reader that found nothing (`readReady` returned undefined): a promise that
   * settles at the next change (more input, the end, an abort — it rejects with the
   * abort's reason), or undefined when nothing more will come (the end is next: `read`
   * says whether plainly or with an error).
   */
  waitReady(): Promise<void> | undefined {
    if (this.#muxer?.stopped || this.#ended) return undefined;
    return this.#wait(undefined);
  }

  /**
   * What `read` would resolve with now when that is bytes (the next tag, or its first
   * `size` bytes), without a promise; undefined when no bytes are ready — more input is
   * needed, or the end comes next (`read` says which).
   */
  readReady(size: number): Buffer | undefined {
    this.#mux(1);
    return this.#outBytes > 0 ? this.#takeHead(size) : undefined;
  }

  /**
   * Every FLV piece muxed from what arrived so far, in order (at least one; a tag is one
   * piece when its payload had frame room), for one `writev`; an empty array at the end
   * (or once the muxer's `stopAt` was reached). Aborted only through `abortWith`.
   */
  async readPieces(): Promise<Buffer[]> {
    for (;;) {
      this.#mux(Number.POSITIVE_INFINITY);
      if (this.#outBytes > 0) {
        const pieces = this.#outHead === 0 ? this.#out : this.#out.slice(this.#outHead);
        const n = this.#outBytes;
        this.#out = [];
        this.#outHead = 0;
        this.#outBytes = 0;
        this.#delivered(n);
        this.#maybeResume();
        return pieces;
      }
      if (this.#muxer?.stopped) return []; // `stopAt` reached: the FLV ends here
      if (this.#ended) {
        this.#finish();
        return [];
      }
      await this.#wait(undefined);
    }
  }

  /** The queued messages as packets until the end (then returns, or throws the end's error). */
  async *packets(signal: AbortSignal | undefined): AsyncGenerator<StreamPacket, void, undefined> {
    for (;;) {
      while (this.#qHead < this.#queue.length) {
        const msg = this.#shift();
        // The tracks of one Multitrack message share its payload: count it once.
        this.#bytesDelivered += msg.payload.length;
        for (const p of toStreamPackets(msg)) {
          if (p.type !== 'data') this.#lastTimestamp = p.timestamp;
          yield p;
        }
      }
      this.#maybeResume();
      if (this.#ended) {
        this.#finish();
        return;
      }
      await this.#wait(signal);
    }
  }

  // ---------------------------------------------------------------- internals

  /** Empty at a plain end; throws the end's error (made once, from what was delivered). */
  #finish(): Buffer {
    this.#endRead = true;
    this.#unwatch();
    if (this.#endReason === undefined) return EMPTY;
    this.#error ??= { value: this.#endReason(this.delivered) };
    throw this.#error.value;
  }

  #notify(): void {
    const w = this.#waiters;
    if (w.length === 0) return;
    this.#waiters = [];
    for (const d of w) d.resolve();
  }

  /**
   * Resolves at the next state change. Not `async`: without a signal the deferred's own
   * promise is returned, not one that adopts it (an async function returning a promise
   * costs an extra promise and two more turns of the microtask queue — on every wait, once
   * per socket read of a download).
   */
  #wait(signal: AbortSignal | undefined): Promise<void> {
    if (this.#aborted !== undefined) return Promise.reject(this.#aborted.reason);
    const d = deferred<void>();
    this.#waiters.push(d);
    this.#flow.waitStarted();
    if (signal === undefined) return d.promise;
    return waitFor(d.promise, {
      signal,
      what: 'reading',
      onGiveUp: () => {
        this.#waiters = this.#waiters.filter((x) => x !== d);
      },
    });
  }

  #shift(): OutputMessage {
    const msg = this.#queue[this.#qHead]!;
    this.#queue[this.#qHead] = undefined as unknown as OutputMessage;
    this.#qHead++;
    if (this.#qHead > 1024 && this.#qHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#qHead);
      this.#qHead = 0;
    }
    this.#queuedBytes -= msg.payload.length;
    return msg;
  }

  /** Withdraws this output's pause of the socket once it drained to half its high-water mark. */
  #maybeResume(): void {
    if (this.#pausing && this.bufferedBytes <= this.#highWaterMark / 2) {
      this.#pausing = false;
      this.#flow.resumeReading(this);
    }
  }

  /**
   * Muxes queued messages until at least `want` bytes of FLV wait (the muxer may hold
   * some back to decide the file header), and the end's held tags once the queue is done.
   */
  #mux(want: number): void {
    const muxer = this.muxer;
    while (this.#outBytes < want && this.#qHead < this.#queue.length) {
      const msg = this.#shift();
      const pieces = muxer.push(msg);
      for (const piece of pieces) this.#pushOut(piece);
      if (pieces.length > 0 && isMedia(msg.type)) {
        const ts = msg.type === MessageType.Aggregate && !this.#live ? muxer.lastTimestamp : msg.timestamp;
        this.#markEnds.push(this.#outTotal);
        this.#markTimestamps.push(ts);
      }
    }
    if (this.#ended && this.#qHead >= this.#queue.length && !this.#muxerEnded) {
      this.#muxerEnded = true;
      // A stream that ends before any tag yields nothing (librtmp: EOF without a header).
      if (muxer.stats.tags > 0) for (const piece of muxer.end()) this.#pushOut(piece);
    }
  }

  /** The head piece, or its first `size` bytes (a view either way). */
  #takeHead(size: number): Buffer {
    const head = this.#out[this.#outHead]!;
    let result = head;
    if (head.length > size) {
      result = head.subarray(0, size);
      this.#out[this.#outHead] = head.subarray(size);
    } else {
      this.#out[this.#outHead] = EMPTY;
      this.#outHead++;
      if (this.#outHead === this.#out.length) {
        this.#out = [];
        this.#outHead = 0;
      }
    }
    this.#outBytes -= result.length;
    this.#delivered(result.length);
    this.#maybeResume();
    return result;
  }

  /** Counts `n` bytes handed to the reader and the media messages they complete. */
  #delivered(n: number): void {
    this.#bytesDelivered += n;
    const done = this.#outTotal - this.#outBytes;
    const ends = this.#markEnds;
    let i = this.#markHead;
    while (i < ends.length && ends[i]! <= done) i++;
    if (i === this.#markHead) return;
    this.#lastTimestamp = this.#markTimestamps[i - 1]!;
    // Consumed marks are dropped in bulk: emptying the arrays whenever the reader caught
    // up (after every tag, for a `for await`) made V8 free and reallocate their storage
    // per message (~1 % of a 1 GB download's CPU).
    if (i > 1024 && i * 2 > ends.length) {
      ends.splice(0, i);
      this.#markTimestamps.splice(0, i);
      this.#markHead = 0;
    } else {
      this.#markHead = i;
    }
  }

  #pushOut(piece: Buffer): void {
    if (piece.length === 0) return;
    this.#out.push(piece);
    this.#outBytes += piece.length;
    this.#outTotal += piece.length;
  }
}

function isMedia(type: number): boolean {
  return type === MessageType.Audio || type === MessageType.Video || type === MessageType.Aggregate;
}
