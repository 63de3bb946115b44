/**
 * `RTMPStream` — one NetStream of an `RTMP` connection (python-librtmp `RTMPStream`,
 * librtmp-parity §1.6, §4.11, §4.12, §4.16, §4.18), played or published.
 *
 * Play side: messages for this stream's msid are queued as they arrive (the connection's
 * core keeps running) and turned into FLV bytes laid out exactly like librtmp's
 * `RTMP_Read` (`FlvMuxer`: header decided by pre-reading, then tags) when read —
 * `read(size)`, `for await`, `toReadable()` — or into typed packets (`packets()`).
 * Backpressure: while more than `highWaterMark` bytes wait unread, the connection stops
 * reading its socket (TCP flow control slows the server); it resumes below half of it.
 * End of stream: NetStream.Play.Complete / Play.Stop / Play.UnpublishNotify (librtmp's
 * set); an error status after playback started is raised after the data received before
 * it has been read.
 *
 * Publish side: `write(flvBytes)` takes FLV in any split, with or without the file header
 * (`FlvDemuxer`); audio/video go out on the stream's msid with their tag timestamps,
 * `onMetaData` script tags as `@setDataFrame` (never twice).
 *
 * Differences from python-librtmp, on purpose: `close()` closes this stream (closeStream +
 * deleteStream, or FCUnpublish + deleteStream), not the whole connection (Q9); seek, pause
 * and the BUFX hack use the stream's msid (librtmp: msid 0 for seek — P23); `seek(sec)` is
 * in seconds as documented (librtmp passed the number on as ms — Q2) and waits for
 * NetStream.Seek.Notify.
 */
import { Readable, Writable } from 'node:stream';
import { decode as decodeAmf0 } from '../amf/amf0.js';
import type { AmfValue } from '../amf/types.js';
import { RTMPError, RTMPUsageError } from '../errors.js';
import { FlvDemuxer } from '../flv/demuxer.js';
import { isKeyframe, isSequenceHeader } from '../flv/media.js';
import { FlvMuxer } from '../flv/muxer.js';
import { scriptTagToDataMessage } from '../flv/script.js';
import { createLogger } from '../log.js';
import { readAggregate } from '../message/aggregate.js';
import type { RawMessage } from '../message/raw-message.js';
import { MessageType } from '../message/types.js';
import type { ClientSession } from '../session/client-session.js';
import type { StatusInfo } from '../session/status.js';
import { classifyStatus } from '../session/status.js';
import { type Deferred, deferred, waitFor } from './waiters.js';

const log = createLogger('stream');
const EMPTY = Buffer.alloc(0);
/** Default `read()` size when none is given. */
export const DEFAULT_READ_SIZE = 64 * 1024;
/** Default per-stream high-water mark of unread bytes. */
export const DEFAULT_HIGH_WATER_MARK = 4 * 1024 * 1024;
/** FLV pieces at least this long are passed to unbounded readers as views, never copied. */
const ZERO_COPY_PIECE = 8 * 1024;

/** What a stream needs from its connection (implemented by `RTMP`). */
export interface StreamHost {
  /** The live session (throws when the connection is gone). */
  session(): ClientSession;
  /** Flush output written to the session. */
  kick(): void;
  pauseReading(key: object): void;
  resumeReading(key: object): void;
  /** Someone began waiting for the server (restarts the idle clock). */
  waitStarted(): void;
  /** Resolves when the socket's write buffer drained. */
  waitDrain(): Promise<void>;
  /** True while the socket's write buffer is full. */
  needsDrain(): boolean;
  /** The stream is gone: forget it. */
  forget(stream: RTMPStream): void;
  /** Report metadata to the connection's listeners. */
  metadata(stream: RTMPStream, metadata: Record<string, AmfValue>): void;
}

/** How a stream was set up (by `RTMP.createStream`). */
export interface StreamSetup {
  streamId: number;
  writeable: boolean;
  playpath: string;
  live: boolean;
  /** python-librtmp's update_buffer: raise the buffer to duration + 5 s once the duration is known. */
  updateBuffer: boolean;
  /** librtmp's BUFX pause/unpause on BufferEmpty (recorded streams only). */
  bufx: boolean;
  highWaterMark: number;
  /** Seconds for waits on the server (Seek.Notify), 0 = none. */
  timeoutSec: number;
}

/** Options of `read`, `seek` and the other waits. */
export interface StreamWaitOptions {
  /** Cancels the wait (rejects with `signal.reason`; queued data stays readable). */
  signal?: AbortSignal;
}

/** A media or data message of a played stream, as `packets()` yields it. */
export interface StreamPacket {
  /** `audio`, `video` or `data` (script data: onMetaData, onCuePoint, …). */
  type: 'audio' | 'video' | 'data';
  /** Timestamp in ms (unsigned 32-bit; aggregate records rebased). */
  timestamp: number;
  /** The FLV tag body (AUDIODATA / VIDEODATA / AMF0 script data). */
  payload: Buffer;
  /** Video: a keyframe (or sequence header); audio: true for any frame. */
  keyframe: boolean;
  /** AVC/HEVC/AAC sequence header (decoder configuration). */
  sequenceHeader: boolean;
  /** Data: the decoded AMF values (name first), when they decode. */
  values?: AmfValue[];
}

/** A NetStream: play (read FLV) or publish (write FLV). */
export class RTMPStream {
  /** The message stream id the server gave this stream. */
  readonly streamId: number;
  /** True for a publishing stream (python-librtmp `writeable`). */
  readonly writeable: boolean;
  /** The stream name played or published. */
  readonly playpath: string;

  readonly #host: StreamHost;
  readonly #setup: StreamSetup;
  // ---- play
  #queue: RawMessage[] = [];
  #qHead = 0;
  #queuedBytes = 0;
  #out: Buffer[] = [];
  #outBytes = 0;
  #muxer: FlvMuxer | undefined;
  #muxerEnded = false;
  #mode: 'flv' | 'packets' | undefined;
  #eof = false;
  #complete = false;
  #error: unknown;
  #paused = false;
  #dataWaiters: Deferred<void>[] = [];
  #started = deferred<void>();
  #seekWait: Deferred<void> | undefined;
  #seeking = false;
  /** librtmp m_pausing: 0 none, 1 paused (BUFX), 2 paused + StreamEOF, 3 unpaused (drop duplicates). */
  #bufx = 0;
  #pauseStamp = 0;
  #lastMediaTs = 0;
  #duration = 0;
  #metadata: Record<string, AmfValue> | undefined;
  #bufferHackDone = false;
  // ---- publish
  #demuxer: FlvDemuxer | undefined;
  #published = 0;
  // ---- both
  #closed = false;

  /** @internal Created by `RTMP.createStream`. */
  constructor(host: StreamHost, setup: StreamSetup) {
    this.#host = host;
    this.#setup = setup;
    this.streamId = setup.streamId;
    this.writeable = setup.writeable;
    this.playpath = setup.playpath;
    if (setup.writeable) this.#demuxer = new FlvDemuxer();
  }

  /** Duration in seconds from the stream's `onMetaData` (0 until known) — python-librtmp `duration`. */
  get duration(): number {
    return this.#duration;
  }

  /** The last `onMetaData` properties, if any. */
  get metadata(): Readonly<Record<string, AmfValue>> | undefined {
    return this.#metadata;
  }

  /** True once the stream was closed (locally, by the server's end of stream, or by the connection). */
  get closed(): boolean {
    return this.#closed;
  }

  /** True after end of stream was signalled (data may still be queued). */
  get ended(): boolean {
    return this.#eof;
  }

  /**
   * True when the server signalled the end (Play.Complete / Play.Stop / UnpublishNotify);
   * false when the stream ended because the connection closed (librtmp reports both as
   * EOF; check this to tell a finished download from a cut one).
   */
  get complete(): boolean {
    return this.#complete;
  }

  /** Unread bytes queued for this stream (messages plus muxed FLV). */
  get bufferedBytes(): number {
    return this.#queuedBytes + this.#outBytes;
  }

  /** Resolves when playback/publishing started; rejects with the server's error. */
  get started(): Promise<void> {
    return this.#started.promise;
  }

  // ================================================================ play: reading

  /**
   * Reads up to `size` bytes of FLV (python-librtmp `read(size)`): resolves as soon as
   * any bytes are available (possibly fewer than `size`), with an empty Buffer at the
   * end of the stream. After an error status or a connection failure, rejects — once the
   * data received before it has been read.
   */
  async read(size: number = DEFAULT_READ_SIZE, options: StreamWaitOptions = {}): Promise<Buffer> {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new RTMPUsageError(`read size must be a positive integer, got ${String(size)}`, {
        code: 'ERR_RTMP_BAD_ARGUMENT',
      });
    }
    this.#requirePlay('read');
    this.#setMode('flv');
    return this.#readFlv(size, options.signal);
  }

  /** FLV bytes until the end of the stream; breaking out of the loop closes the stream. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    this.#requirePlay('iterate');
    this.#setMode('flv');
    try {
      for (;;) {
        const b = await this.#readFlv(Number.POSITIVE_INFINITY, undefined);
        if (b.length === 0) return;
        yield b;
      }
    } finally {
      await this.close();
    }
  }

  /**
   * The stream as typed packets (audio/video/data, aggregates split) instead of FLV bytes.
   * Use either this or the FLV readers on one stream. Breaking out of the loop closes the stream.
   */
  async *packets(options: StreamWaitOptions = {}): AsyncGenerator<StreamPacket, void, undefined> {
    this.#requirePlay('packets');
    this.#setMode('packets');
    try {
      for (;;) {
        while (this.#qHead < this.#queue.length) {
          const raw = this.#shift();
          for (const p of toPackets(raw)) yield p;
        }
        this.#maybeResume();
        if (this.#eof) {
          if (this.#error !== undefined) throw this.#error;
          return;
        }
        await this.#waitData(options.signal);
      }
    } finally {
      await this.close();
    }
  }

  /**
   * A Node `Readable` of the FLV bytes with backpressure (pipe it to a file, stdout,
   * ffmpeg). Destroying it closes the stream.
   */
  toReadable(options: { highWaterMark?: number } = {}): Readable {
    this.#requirePlay('toReadable');
    this.#setMode('flv');
    const readable = new Readable({
      highWaterMark: options.highWaterMark ?? DEFAULT_READ_SIZE,
      read: () => {
        this.#readFlv(Number.POSITIVE_INFINITY, undefined).then(
          (b) => readable.push(b.length === 0 ? null : b),
          (err) => readable.destroy(err as Error),
        );
      },
      destroy: (err, cb) => {
        this.close().then(
          () => cb(err),
          () => cb(err),
        );
      },
    });
    return readable;
  }

  // ================================================================ play: control

  /**
   * Seeks to `seconds` (fractions allowed): sends `seek(ms)` on the stream's msid, drops
   * the unread queued tags and incoming media until the server confirms with
   * NetStream.Seek.Notify (resolves then; rejects on Seek.Failed / InvalidTime).
   */
  async seek(seconds: number, options: StreamWaitOptions = {}): Promise<void> {
    this.#requirePlay('seek');
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      throw new RTMPUsageError(
        `seek position must be a non-negative number of seconds, got ${String(seconds)}`,
        {
          code: 'ERR_RTMP_BAD_ARGUMENT',
        },
      );
    }
    this.#requireOpen();
    const ms = Math.round(seconds * 1000);
    this.#seekWait?.reject(new RTMPError('superseded by a newer seek', { code: 'ERR_RTMP_SEEK_SUPERSEDED' }));
    const wait = deferred<void>();
    this.#seekWait = wait;
    this.#seeking = true;
    this.#dropQueued();
    this.#host.session().seek(this.streamId, ms);
    this.#host.kick();
    this.#host.waitStarted();
    await waitFor(wait.promise, {
      timeoutSec: this.#setup.timeoutSec || undefined,
      signal: options.signal,
      what: `seeking ${this.playpath} to ${seconds} s`,
    });
  }

  /** Pauses playback (`pause(true, last timestamp)` on the stream's msid). */
  async pause(): Promise<void> {
    this.#requirePlay('pause');
    this.#requireOpen();
    this.#paused = true;
    this.#pauseStamp = this.#lastMediaTs;
    this.#host.session().pause(this.streamId, true, this.#pauseStamp);
    this.#host.kick();
  }

  /** Resumes playback (`pause(false, timestamp)`). */
  async unpause(): Promise<void> {
    this.#requirePlay('unpause');
    this.#requireOpen();
    this.#paused = false;
    this.#host.session().pause(this.streamId, false, this.#pauseStamp);
    this.#host.kick();
  }

  /** Tells the server our buffer length in milliseconds (User Control SetBufferLength). */
  async updateBuffer(ms: number): Promise<void> {
    if (!Number.isSafeInteger(ms) || ms < 0 || ms > 0xffffffff) {
      throw new RTMPUsageError(
        `buffer length must be an integer number of ms in 0..2^32-1, got ${String(ms)}`,
        {
          code: 'ERR_RTMP_BAD_ARGUMENT',
        },
      );
    }
    this.#requireOpen();
    this.#host.session().setBufferLength(this.streamId, ms);
    this.#host.kick();
  }

  // ================================================================ publish

  /**
   * Publishes FLV bytes: any split, with or without the 13-byte file header. Audio and
   * video tags go out as they complete; `onMetaData` (and `|RtmpSampleAccess`) script tags
   * get the `@setDataFrame` prefix unless they have it. Resolves with the number of bytes
   * consumed once the socket accepted them (waits for `drain` when its buffer is full).
   */
  async write(data: Uint8Array, options: StreamWaitOptions = {}): Promise<number> {
    if (!this.writeable || this.#demuxer === undefined) {
      throw new RTMPUsageError(
        'write() on a stream opened for playing (createStream({ writeable: true }) publishes)',
        {
          code: 'ERR_RTMP_NOT_WRITEABLE',
        },
      );
    }
    if (!(data instanceof Uint8Array)) {
      throw new RTMPUsageError('write() needs a Buffer or Uint8Array of FLV bytes', {
        code: 'ERR_RTMP_BAD_ARGUMENT',
      });
    }
    this.#requireOpen();
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const tags = this.#demuxer.push(buf);
    const session = this.#host.session();
    for (const tag of tags) {
      if (tag.type === MessageType.Audio)
        session.sendMedia(this.streamId, 'audio', tag.timestamp, tag.payload);
      else if (tag.type === MessageType.Video)
        session.sendMedia(this.streamId, 'video', tag.timestamp, tag.payload);
      else if (tag.type === MessageType.DataAMF0) {
        session.sendRaw({
          type: MessageType.DataAMF0,
          streamId: this.streamId,
          timestamp: tag.timestamp,
          csid: 4,
          payload: scriptTagToDataMessage(tag.payload),
        });
      } else {
        log.debug(`publish: skipping FLV tag type ${tag.type}`);
        continue;
      }
      this.#published++;
    }
    this.#host.kick();
    if (this.#host.needsDrain()) {
      this.#host.waitStarted();
      await waitFor(this.#host.waitDrain(), { signal: options.signal, what: 'writing' });
    }
    this.#requireOpen();
    return buf.length;
  }

  /** A Node `Writable` of FLV bytes; ending it closes the stream (FCUnpublish + deleteStream). */
  toWritable(): Writable {
    if (!this.writeable) {
      throw new RTMPUsageError('toWritable() on a stream opened for playing', {
        code: 'ERR_RTMP_NOT_WRITEABLE',
      });
    }
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.write(chunk).then(
          () => cb(),
          (err) => cb(err as Error),
        );
      },
      final: (cb) => {
        this.close().then(
          () => cb(),
          (err) => cb(err as Error),
        );
      },
    });
  }

  /** Audio/video/data tags sent so far (publish side). */
  get tagsWritten(): number {
    return this.#published;
  }

  // ================================================================ closing

  /**
   * Closes this stream, not the connection: play → closeStream + deleteStream; publish →
   * the FLV input must end at a tag boundary, then FCUnpublish + deleteStream. Pending
   * reads see the end of the stream. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#eof = true;
    this.#dropQueued();
    this.#out = [];
    this.#outBytes = 0;
    this.#muxerEnded = true;
    let session: ClientSession | undefined;
    try {
      session = this.#host.session();
    } catch {
      session = undefined;
    }
    if (session !== undefined && session.state !== 'closed') {
      if (this.writeable) session.fcUnpublish(this.playpath);
      else session.closeStream(this.streamId);
      session.deleteStream(this.streamId);
      this.#host.kick();
    }
    this.#finish();
    this.#host.forget(this);
    if (this.writeable) {
      this.#demuxer?.end();
      if (this.#host.needsDrain()) await this.#host.waitDrain();
    }
  }

  // ================================================================ @internal: from the connection

  /** @internal A message for this stream's msid (media, data, aggregate). */
  onMessage(raw: RawMessage): void {
    if (this.#closed || this.writeable) return;
    const media =
      raw.type === MessageType.Audio || raw.type === MessageType.Video || raw.type === MessageType.Aggregate;
    if (media) {
      if (this.#seeking) return;
      if (this.#bufx === 3) {
        // librtmp: after the BUFX unpause, the server resends from the pause point.
        if (raw.timestamp <= this.#lastMediaTs) return;
        this.#bufx = 0;
      }
      this.#lastMediaTs = raw.timestamp;
      this.#started.resolve();
    }
    this.#queue.push(raw);
    this.#queuedBytes += raw.payload.length;
    if (this.bufferedBytes > this.#setup.highWaterMark) this.#host.pauseReading(this);
    this.#notify();
  }

  /** @internal Decoded data message (metadata). */
  onData(name: string | undefined, values: AmfValue[]): void {
    if (name !== 'onMetaData') return;
    const meta = values.find(isObjectLike);
    if (meta === undefined) return;
    this.#metadata = meta;
    const d = meta.duration;
    if (typeof d === 'number' && Number.isFinite(d) && d > 0) this.#duration = d;
    this.#host.metadata(this, meta);
    if (this.#setup.updateBuffer && !this.#bufferHackDone && this.#duration > 0 && !this.#closed) {
      // python-librtmp/rtmpdump: tell FMS our buffer holds the whole stream, so it sends faster.
      this.#bufferHackDone = true;
      const ms = Math.min(0xffffffff, Math.round(this.#duration * 1000) + 5000);
      this.#host.session().setBufferLength(this.streamId, ms);
      this.#host.kick();
    }
  }

  /** @internal onStatus / onPlayStatus for this stream. */
  onStatus(info: StatusInfo): void {
    const code = typeof info.code === 'string' ? info.code : '';
    const cls = classifyStatus(info);
    switch (code) {
      case 'NetStream.Seek.Notify':
        this.#seeking = false;
        this.#seekWait?.resolve();
        this.#seekWait = undefined;
        return;
      case 'NetStream.Seek.Failed':
      case 'NetStream.Seek.InvalidTime':
        this.#seeking = false;
        this.#seekWait?.reject(statusError(`seek on ${this.playpath} failed`, 'ERR_RTMP_SEEK_FAILED', info));
        this.#seekWait = undefined;
        return;
      case 'NetStream.Pause.Notify':
        if (this.#bufx === 1 || this.#bufx === 2) this.#bufxUnpause();
        return;
      case 'NetStream.Play.PublishNotify':
      case 'NetStream.Play.Start':
      case 'NetStream.Publish.Start':
        this.#started.resolve();
        return;
    }
    if (cls === 'eof' && !this.writeable) {
      this.#complete = true;
      this.#end(undefined);
      return;
    }
    if (cls === 'error') {
      const what = this.writeable ? 'publishing' : 'playing';
      const err = statusError(
        `${what} ${this.playpath} failed`,
        this.writeable ? 'ERR_RTMP_PUBLISH_FAILED' : 'ERR_RTMP_PLAY_FAILED',
        info,
      );
      this.#started.reject(err);
      this.#seekWait?.reject(err);
      this.#end(err);
    }
  }

  /** @internal User Control events for this stream (BUFX). */
  onUserControl(event: string): void {
    if (this.writeable || this.#closed) return;
    if (event === 'streamEOF') {
      if (this.#bufx === 1) this.#bufx = 2;
      return;
    }
    if (event !== 'bufferEmpty' || !this.#setup.bufx || this.#setup.live || this.#paused) return;
    if (this.#bufx === 0) {
      // librtmp BUFX: the server drained its buffer — pause and unpause so it refills faster than real time.
      this.#pauseStamp = this.#lastMediaTs;
      this.#bufx = 1;
      this.#host.session().pause(this.streamId, true, this.#pauseStamp);
      this.#host.kick();
    } else if (this.#bufx === 2) {
      this.#bufxUnpause();
    }
  }

  /** @internal The connection ended: end of stream (with `error` if it failed). */
  onConnectionClosed(error: unknown): void {
    this.#started.reject(
      error ??
        new RTMPError('the connection closed before the stream started', { code: 'ERR_RTMP_CONNECTION' }),
    );
    this.#seekWait?.reject(error);
    if (this.#eof && this.#error === undefined) {
      this.#closed = true;
      this.#finish();
      return;
    }
    this.#end(error);
    this.#closed = true;
    this.#finish();
  }

  // ================================================================ internals

  #bufxUnpause(): void {
    this.#bufx = 3;
    this.#host.session().pause(this.streamId, false, this.#pauseStamp);
    this.#host.kick();
  }

  #requirePlay(what: string): void {
    if (this.writeable) {
      throw new RTMPUsageError(`${what}() on a publishing stream`, { code: 'ERR_RTMP_NOT_READABLE' });
    }
  }

  #requireOpen(): void {
    if (this.#closed) {
      if (this.#error !== undefined) throw this.#error;
      throw new RTMPUsageError(`stream ${this.streamId} (${this.playpath}) is closed`, {
        code: 'ERR_RTMP_STREAM_CLOSED',
      });
    }
  }

  #setMode(mode: 'flv' | 'packets'): void {
    if (this.#mode === undefined) this.#mode = mode;
    else if (this.#mode !== mode) {
      throw new RTMPUsageError('a stream is read either as FLV bytes or as packets(), not both', {
        code: 'ERR_RTMP_READ_MODE',
      });
    }
  }

  #end(error: unknown): void {
    if (this.#eof) return;
    this.#eof = true;
    if (error !== undefined) this.#error = error;
    this.#notify();
  }

  /** Releases the socket pause and wakes readers (they see EOF). */
  #finish(): void {
    this.#host.resumeReading(this);
    this.#notify();
  }

  #notify(): void {
    const w = this.#dataWaiters;
    if (w.length === 0) return;
    this.#dataWaiters = [];
    for (const d of w) d.resolve();
  }

  async #waitData(signal: AbortSignal | undefined): Promise<void> {
    const d = deferred<void>();
    this.#dataWaiters.push(d);
    this.#host.waitStarted();
    await waitFor(d.promise, { signal, what: 'reading' });
  }

  #shift(): RawMessage {
    const raw = this.#queue[this.#qHead]!;
    this.#queue[this.#qHead] = undefined as unknown as RawMessage;
    this.#qHead++;
    if (this.#qHead > 1024 && this.#qHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#qHead);
      this.#qHead = 0;
    }
    this.#queuedBytes -= raw.payload.length;
    return raw;
  }

  #dropQueued(): void {
    this.#queue = [];
    this.#qHead = 0;
    this.#queuedBytes = 0;
    this.#maybeResume();
  }

  #maybeResume(): void {
    if (this.bufferedBytes <= this.#setup.highWaterMark / 2) this.#host.resumeReading(this);
  }

  async #readFlv(size: number, signal: AbortSignal | undefined): Promise<Buffer> {
    for (;;) {
      const b = this.#take(size);
      if (b !== undefined) return b;
      if (this.#eof) {
        if (this.#error !== undefined) throw this.#error;
        return EMPTY;
      }
      await this.#waitData(signal);
    }
  }

  /** Muxes queued messages into FLV pieces and takes up to `size` bytes, or undefined when none. */
  #take(size: number): Buffer | undefined {
    if (this.#muxer === undefined) this.#muxer = new FlvMuxer({ live: this.#setup.live });
    const muxer = this.#muxer;
    // Unbounded reads (iteration, toReadable) mux about one read's worth at a time.
    const want = size === Number.POSITIVE_INFINITY ? DEFAULT_READ_SIZE : size;
    while (this.#outBytes < want && this.#qHead < this.#queue.length) {
      for (const piece of muxer.push(this.#shift())) this.#pushOut(piece);
    }
    if (this.#eof && this.#qHead >= this.#queue.length && !this.#muxerEnded) {
      this.#muxerEnded = true;
      // A stream that ends before any tag yields nothing (librtmp: EOF without a header).
      if (muxer.stats.tags > 0) for (const piece of muxer.end()) this.#pushOut(piece);
    }
    if (this.#outBytes === 0) return undefined;
    if (size === Number.POSITIVE_INFINITY) return this.#takeCoalesced();
    let result: Buffer;
    const head = this.#out[0]!;
    if (head.length >= size) {
      if (head.length === size) this.#out.shift();
      else this.#out[0] = head.subarray(size);
      result = head.length === size ? head : head.subarray(0, size);
    } else if (this.#outBytes <= size) {
      result = this.#out.length === 1 ? head : Buffer.concat(this.#out, this.#outBytes);
      this.#out = [];
    } else {
      const parts: Buffer[] = [];
      let n = 0;
      while (n < size) {
        const p = this.#out[0]!;
        if (n + p.length <= size) {
          parts.push(p);
          n += p.length;
          this.#out.shift();
        } else {
          parts.push(p.subarray(0, size - n));
          this.#out[0] = p.subarray(size - n);
          n = size;
        }
      }
      result = Buffer.concat(parts, size);
    }
    this.#outBytes -= result.length;
    this.#maybeResume();
    return result;
  }

  /**
   * The next piece for an unbounded read without copying media: a large payload is
   * handed out as the view it is; runs of small pieces (tag headers, previous-tag
   * sizes, audio frames) are joined into one buffer of at most a read's size.
   */
  #takeCoalesced(): Buffer {
    const out = this.#out;
    let n = 0;
    let k = 0;
    while (k < out.length) {
      const len = out[k]!.length;
      if (len >= ZERO_COPY_PIECE) {
        if (k === 0) {
          n = len;
          k = 1;
        }
        break;
      }
      if (k > 0 && n + len > DEFAULT_READ_SIZE) break;
      n += len;
      k++;
    }
    const result = k === 1 ? out[0]! : Buffer.concat(out.slice(0, k), n);
    out.splice(0, k);
    this.#outBytes -= n;
    this.#maybeResume();
    return result;
  }

  #pushOut(piece: Buffer): void {
    if (piece.length === 0) return;
    this.#out.push(piece);
    this.#outBytes += piece.length;
  }
}

function isObjectLike(v: AmfValue): v is Record<string, AmfValue> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Map || v instanceof Date)
    return false;
  return !Buffer.isBuffer(v);
}

function statusError(what: string, code: string, info: StatusInfo): RTMPError {
  const c = typeof info.code === 'string' ? `: ${info.code}` : '';
  const d = typeof info.description === 'string' && info.description !== '' ? ` (${info.description})` : '';
  return new RTMPError(`${what}${c}${d}`, { code, info });
}

/** Splits one message into `StreamPacket`s (aggregates into their records). */
function toPackets(raw: RawMessage): StreamPacket[] {
  if (raw.type === MessageType.Aggregate) {
    const out: StreamPacket[] = [];
    for (const sub of readAggregate(raw).messages) out.push(...toPackets(sub));
    return out;
  }
  if (raw.type === MessageType.Audio || raw.type === MessageType.Video) {
    return [
      {
        type: raw.type === MessageType.Audio ? 'audio' : 'video',
        timestamp: raw.timestamp,
        payload: raw.payload,
        keyframe: isKeyframe(raw.type, raw.payload),
        sequenceHeader: isSequenceHeader(raw.type, raw.payload),
      },
    ];
  }
  if (raw.type === MessageType.DataAMF0) {
    const p: StreamPacket = {
      type: 'data',
      timestamp: raw.timestamp,
      payload: raw.payload,
      keyframe: false,
      sequenceHeader: false,
    };
    try {
      p.values = decodeAmf0(raw.payload);
    } catch {
      // Undecodable script data is passed on raw.
    }
    return [p];
  }
  return [];
}
