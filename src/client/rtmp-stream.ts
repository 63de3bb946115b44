/**
 * `RTMPStream` — one NetStream of an `RTMP` connection (python-librtmp's `RTMPStream`),
 * played or published. The protocol rules (start, seek, pause, BUFX, the buffer hack,
 * end of stream, errors) live in the session's NetStream (session/net-stream.ts); this
 * shell turns the NetStream's verdicts into promises and readers.
 *
 * Play side: the media and data the NetStream delivers go to a `StreamOutput`
 * (stream-output.ts): FLV bytes laid out like librtmp's `RTMP_Read` for `read(size)`,
 * iteration and `toReadable()`, or typed packets for `packets()`, with backpressure. End:
 * after NetStream.Play.Complete / Play.Stop / Play.UnpublishNotify / onFCUnsubscribe the
 * readers end (`complete` turns true); after an error status they fail with it; when the
 * connection ends first they fail with `RTMPStreamCutError` (what a resume needs:
 * bytes and last timestamp delivered) — in every case only once everything received
 * before has been read.
 *
 * Publish side: `write(flvBytes)`, `writePacket`, `writeMetadata` and `toWritable` go to a
 * `StreamInput` (stream-input.ts): FLV in any split, with or without the file header,
 * demuxed into messages on the stream's msid; `onMetaData` as `@setDataFrame`.
 *
 * Differences from python-librtmp, on purpose: `close()` closes this stream (closeStream
 * + deleteStream, or FCUnpublish + deleteStream), not the whole connection, so one
 * connection can carry several streams; seek, pause and the BUFX hack use the stream's
 * msid (librtmp sends seek and pause on msid 0, which servers that track streams by
 * msid ignore); `seek(sec)` is in seconds as python-librtmp documents (librtmp took the
 * number as ms) and waits for NetStream.Seek.Notify; a connection cut is an error, not
 * an end of file.
 */
import { Readable, type Writable } from 'node:stream';
import type { AmfValue } from '../amf/types.js';
import { ConnectionCode, GeneralCode, UsageCode } from '../error-codes.js';
import {
  RTMPConnectionError,
  RTMPError,
  RTMPProtocolError,
  RTMPStreamCutError,
  RTMPTimeoutError,
  RTMPUsageError,
  type StreamCutInfo,
} from '../errors.js';
import type { MetadataTrack, OnMetaDataOptions } from '../flv/metadata-writer.js';
import type { FlvMuxer, FlvMuxerOptions } from '../flv/muxer.js';
import { MessageType } from '../message/types.js';
import type { DataEvent, MediaEvent } from '../session/client-events.js';
import type { ClientSession } from '../session/client-session.js';
import type { Splice } from '../session/handover-splice.js';
import type { NetStreamChange, NetStreamView } from '../session/net-stream.js';
import type { PublishPacket } from './packet-writer.js';
import { type PublishFileOptions, type PublishFileResult, publishFile } from './publish-file.js';
import { StreamContinuity } from './stream-continuity.js';
import {
  type InputConnection,
  StreamInput,
  type StreamWaitOptions,
  type StreamWriteOptions,
} from './stream-input.js';
import { DEFAULT_READ_SIZE, type OutputFlow, StreamOutput, type StreamPacket } from './stream-output.js';
import { type Deferred, deferred, waitFor } from './waiters.js';

export type { StreamWaitOptions, StreamWriteOptions } from './stream-input.js';
export { DEFAULT_HIGH_WATER_MARK, DEFAULT_READ_SIZE, type StreamPacket } from './stream-output.js';

/** What a stream needs from its connection (implemented by `RTMP`). */
export interface StreamConnection extends OutputFlow, InputConnection {
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
  highWaterMark: number;
  /** Seconds for waits on the server (Seek.Notify), 0 = none. */
  timeoutSec: number;
  /** The session's NetStream for this msid. */
  netStream: NetStreamView;
  /**
   * A ReconnectRequest's stand-in on the new connection: its media and data go here
   * (message type, timestamp, payload), never to a reader.
   */
  tap?: ((type: number, timestamp: number, payload: Buffer) => void) | undefined;
}

const INF = Number.POSITIVE_INFINITY;
const OUTPUT_TYPE = { audio: MessageType.Audio, video: MessageType.Video, aggregate: MessageType.Aggregate };

/** `rtmpkit dump`'s reader of a played stream (`RTMPStream.tagReader`). */
export interface FlvTagReader {
  /** The stream's muxer (resumed, stopped, lastTimestamp…). */
  readonly muxer: FlvMuxer;
  /** Every FLV piece muxed so far (at least one), for one `writev`; empty at the end; rejects like `read`. */
  next(signal?: AbortSignal): Promise<Buffer[]>;
}

/** A NetStream: play (read FLV) or publish (write FLV). */
export class RTMPStream {
  #streamId: number;
  /** True for a publishing stream (python-librtmp `writeable`). */
  readonly writeable: boolean;
  /** The stream name played or published. */
  readonly playpath: string;

  readonly #conn: StreamConnection;
  readonly #setup: StreamSetup;
  #net: NetStreamView;
  readonly #continuity: StreamContinuity;
  readonly #output: StreamOutput;
  #started = deferred<void>();
  #seekWait: Deferred<void> | undefined;
  #complete = false;
  #error: unknown;
  #closed = false;
  #reportedMeta: unknown;
  readonly #input: StreamInput;

  /** @internal Created by `RTMP.createStream`. */
  constructor(conn: StreamConnection, setup: StreamSetup) {
    this.#conn = conn;
    this.#setup = setup;
    this.#net = setup.netStream;
    this.#streamId = setup.streamId;
    this.#continuity = new StreamContinuity(setup.writeable ? 'publish' : setup.live ? 'live' : 'vod');
    this.writeable = setup.writeable;
    this.playpath = setup.playpath;
    this.#output = new StreamOutput(conn, { live: setup.live, highWaterMark: setup.highWaterMark });
    const owner = {
      streamId: () => this.#streamId,
      requireOpen: () => this.#requireOpen(),
      close: () => this.close(),
    };
    this.#input = new StreamInput(conn, owner, this.#continuity, setup.writeable);
  }

  /** The message stream id the server gave this stream (a reconnect may change it). */
  get streamId(): number {
    return this.#streamId;
  }

  /** Duration in seconds from the stream's `onMetaData` (0 until known) — python-librtmp `duration`. */
  get duration(): number {
    return this.#net.duration;
  }

  /** The last `onMetaData` properties, if any. */
  get metadata(): Readonly<Record<string, AmfValue>> | undefined {
    return this.#net.metadata;
  }

  /** True once the stream was closed (locally, by the server's end of stream, or by the connection). */
  get closed(): boolean {
    return this.#closed;
  }

  /** True after the end of the stream was signalled (data may still be queued). */
  get ended(): boolean {
    return this.#output.ended;
  }

  /**
   * True when the server signalled the end (Play.Complete / Play.Stop / UnpublishNotify,
   * or onFCUnsubscribe); false when the stream ended any other way — a cut connection
   * makes the readers fail with `RTMPStreamCutError`.
   */
  get complete(): boolean {
    return this.#complete;
  }

  /** Unread bytes queued for this stream (messages plus muxed FLV). */
  get bufferedBytes(): number {
    return this.#output.bufferedBytes;
  }

  /** Resolves when playback/publishing started; rejects with the server's error. */
  get started(): Promise<void> {
    return this.#started.promise;
  }

  // ================================================================ play: reading

  /**
   * Reads up to `size` bytes of FLV (python-librtmp `read(size)`): resolves as soon as
   * any bytes are available, with at most one FLV tag (or the file header, or the rest of
   * a tag) — often fewer bytes than `size`, as librtmp's `RTMP_Read` returns at most one
   * packet per call — and an empty Buffer at the end of the stream. The bytes are a view
   * of the buffer the media arrived in, not a copy. After an error status or a cut
   * connection, rejects — once the data received before it has been read.
   */
  async read(size: number = DEFAULT_READ_SIZE, options: StreamWaitOptions = {}): Promise<Buffer> {
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new RTMPUsageError(`read size must be a positive integer, got ${String(size)}`, {
        code: UsageCode.RTMP_BAD_ARGUMENT,
      });
    }
    this.#requirePlay('read');
    this.#output.setMode('flv');
    return this.#output.read(size, options.signal);
  }

  /** FLV bytes until the end of the stream, one tag per step; breaking out of the loop closes the stream. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    this.#requirePlay('iterate');
    this.#output.setMode('flv');
    try {
      const output = this.#output;
      for (;;) {
        // A tag already muxed is taken without a promise of its own; an empty queue and the end wait.
        const b = output.readReady(INF) ?? (await output.read(INF, undefined));
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
    this.#output.setMode('packets');
    try {
      yield* this.#output.packets(options.signal);
    } finally {
      await this.close();
    }
  }

  /**
   * A Node `Readable` of the FLV bytes, one tag per chunk, with backpressure (pipe it to a
   * file, stdout, ffmpeg). Destroying it closes the stream; a failed stream destroys it
   * with the error.
   */
  toReadable(options: { highWaterMark?: number } = {}): Readable {
    this.#requirePlay('toReadable');
    const output = this.#output;
    output.setMode('flv');
    const readable = new Readable({
      highWaterMark: options.highWaterMark ?? DEFAULT_READ_SIZE,
      read: () => {
        // The tags already muxed go now, while push() wants more (the Readable's
        // highWaterMark is the backpressure); after a push that wanted more, Node calls
        // read() again. Only a call that found none waits, and only it meets the end.
        let pushed = false;
        for (let b = output.readReady(INF); b !== undefined; b = output.readReady(INF)) {
          pushed = true;
          if (!readable.push(b)) return;
        }
        if (pushed) return;
        output.read(INF, undefined).then(
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

  /**
   * @internal For `rtmpkit dump`: the FLV in batches of pieces for `writev` (a tag is one
   * view of the buffer its payload was received into), muxed with `options` (resume,
   * stop). Instead of `read`/iteration/`toReadable`, before any of them.
   */
  tagReader(options: FlvMuxerOptions = {}): FlvTagReader {
    this.#requirePlay('tagReader');
    const output = this.#output;
    output.setMode('flv');
    output.setMuxerOptions(options);
    return { muxer: output.muxer, next: (signal) => output.readPieces(signal) };
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
          code: UsageCode.RTMP_BAD_ARGUMENT,
        },
      );
    }
    this.#requireOpen();
    this.#seekWait?.reject(
      new RTMPError('superseded by a newer seek', { code: GeneralCode.RTMP_SEEK_SUPERSEDED }),
    );
    const wait = deferred<void>();
    this.#seekWait = wait;
    this.#output.dropQueued();
    this.#conn.session().seek(this.streamId, Math.round(seconds * 1000));
    this.#conn.kick();
    this.#conn.waitStarted();
    await waitFor(wait.promise, {
      timeoutSec: this.#setup.timeoutSec || undefined,
      signal: options.signal,
      what: `seeking ${this.playpath} to ${seconds} s`,
    });
  }

  /** Pauses playback (`pause(true, last media timestamp)` on the stream's msid). */
  async pause(): Promise<void> {
    this.#requirePlay('pause');
    this.#requireOpen();
    this.#conn.session().pause(this.streamId, true);
    this.#conn.kick();
  }

  /** Resumes playback (`pause(false, pause timestamp)`). */
  async unpause(): Promise<void> {
    this.#requirePlay('unpause');
    this.#requireOpen();
    const session = this.#conn.session();
    session.advance(performance.now()); // the media deadline restarts now
    session.pause(this.streamId, false);
    this.#conn.kick();
  }

  /** Tells the server our buffer length in milliseconds (User Control SetBufferLength). */
  async updateBuffer(ms: number): Promise<void> {
    if (!Number.isSafeInteger(ms) || ms < 0 || ms > 0xffffffff) {
      throw new RTMPUsageError(
        `buffer length must be an integer number of ms in 0..2^32-1, got ${String(ms)}`,
        {
          code: UsageCode.RTMP_BAD_ARGUMENT,
        },
      );
    }
    this.#requireOpen();
    this.#conn.session().setBufferLength(this.streamId, ms);
    this.#conn.kick();
  }

  // ================================================================ publish

  /**
   * Publishes FLV bytes: any split, with or without the 13-byte file header. Audio and
   * video tags go out as they complete; `onMetaData` (and `|RtmpSampleAccess`) script tags
   * get the `@setDataFrame` prefix unless they have it. Resolves with the number of bytes
   * consumed once the socket accepted them (waits for `drain` when its buffer is full).
   * With `pacer`, each audio/video tag waits until its timestamp is due (real time).
   */
  async write(data: Uint8Array, options: StreamWriteOptions = {}): Promise<number> {
    this.#requireWriteable('write');
    return this.#input.write(data, options);
  }

  /**
   * Publishes one typed packet — the shape `packets()` yields, so a play → publish relay
   * is `for await (const p of a.packets()) await b.writePacket(p)` — or the tracks of one
   * message (an array: one type, one timestamp; E-RTMP Multitrack). Video and audio get
   * the E-RTMP header (ExVideoTagHeader / ExAudioTagHeader, Multitrack for a track ≠ 0)
   * unless `enhanced` is false; unset, AVC/AAC/MP3 on track 0 keep the legacy header as
   * FFmpeg and OBS send them. Data packets (`{ type: 'data', timestamp, values }`) go out
   * with `@setDataFrame` before `onMetaData`. Resolves once the socket accepted the message.
   *
   * @throws RTMPUsageError `ERR_RTMP_NOT_WRITEABLE`, `ERR_RTMP_BAD_ARGUMENT`, `ERR_FLV_INVALID_ARGUMENT`
   */
  async writePacket(
    packet: PublishPacket | readonly PublishPacket[],
    options: StreamWaitOptions = {},
  ): Promise<void> {
    this.#requireWriteable('writePacket');
    return this.#input.writePacket(packet, options);
  }

  /**
   * Publishes `@setDataFrame onMetaData` describing `tracks` with the E-RTMP fields
   * (ERTMP-V2 "Enhancing onMetaData": `videocodecid`/`audiocodecid` as FourCC numbers,
   * other tracks in `videoTrackIdInfoMap` / `audioTrackIdInfoMap`). `legacy` (default
   * true) keeps the FLV ids 7/10/2 for AVC/AAC/MP3, the form `writePacket` sends them in
   * by default; pass `legacy: false` when they go out as E-RTMP.
   */
  async writeMetadata(
    tracks: readonly MetadataTrack[],
    metadata: OnMetaDataOptions & { timestamp?: number } = {},
    options: StreamWaitOptions = {},
  ): Promise<void> {
    this.#requireWriteable('writeMetadata');
    return this.#input.writeMetadata(tracks, metadata, options);
  }

  /**
   * A Node `Writable` of FLV bytes; ending it closes the stream (FCUnpublish + deleteStream).
   * `realtime: true` paces the media by its timestamps (`RealtimePacer`), as an encoder sends it.
   */
  toWritable(options: { realtime?: boolean } = {}): Writable {
    if (!this.writeable) {
      throw new RTMPUsageError('toWritable() on a stream opened for playing', {
        code: UsageCode.RTMP_NOT_WRITEABLE,
      });
    }
    return this.#input.toWritable(options);
  }

  /** Publishes an FLV or MP4 file, paced in real time unless `realtime: false` (client/publish-file.ts). */
  publishFile(path: string, options?: PublishFileOptions): Promise<PublishFileResult> {
    return publishFile(this, path, options);
  }

  /** Audio/video/data tags sent so far (publish side). */
  get tagsWritten(): number {
    return this.#input.written;
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
    this.#output.close();
    let session: ClientSession | undefined;
    try {
      session = this.#conn.session();
    } catch {
      session = undefined;
    }
    if (session !== undefined && session.state !== 'closed') {
      if (this.writeable) session.fcUnpublish(this.playpath);
      else session.closeStream(this.streamId);
      session.deleteStream(this.streamId);
      this.#conn.kick();
    }
    this.#conn.forget(this);
    this.#started.reject(
      new RTMPUsageError(`stream ${this.playpath} was closed`, { code: UsageCode.RTMP_STREAM_CLOSED }),
    );
    if (this.writeable) await this.#input.end();
  }

  // ================================================================ @internal: from the connection

  /** @internal A media event for this stream. */
  onMedia(ev: MediaEvent): void {
    const type = OUTPUT_TYPE[ev.type];
    if (this.#setup.tap !== undefined) {
      if (ev.dropped === undefined) this.#setup.tap(type, ev.timestamp, ev.payload);
      return;
    }
    if (ev.dropped === undefined && !this.#closed) {
      const admitted = this.#continuity.admitMedia(type, ev.timestamp, ev.payload);
      if (admitted !== undefined)
        this.#output.push({ type, timestamp: admitted.timestamp, payload: admitted.payload });
    }
    this.#reportMetadata();
  }

  /** @internal A data event for this stream (metadata, cue points…). */
  onData(ev: DataEvent): void {
    if (ev.dropped !== undefined || this.#closed || this.writeable) return;
    const type = ev.amf3 ? MessageType.DataAMF3 : MessageType.DataAMF0;
    if (this.#setup.tap !== undefined) {
      this.#setup.tap(type, ev.timestamp, ev.payload);
      return;
    }
    const timestamp = this.#continuity.admitData(ev.timestamp, type, ev.payload);
    if (timestamp === undefined) return;
    this.#reportMetadata();
    this.#output.push({ type, timestamp, payload: ev.payload });
  }

  /**
   * @internal A phase change of this stream's NetStream. `failure` is why the connection
   * failed, when a cut comes with one.
   */
  onChange(change: NetStreamChange, failure: unknown): void {
    if (change.from === 'starting' && (change.to === 'play' || change.to === 'publish'))
      this.#started.resolve();
    if (change.from === 'seeking' && change.to !== 'seeking') {
      if (change.error === undefined) this.#seekWait?.resolve();
      else this.#seekWait?.reject(change.error);
      this.#seekWait = undefined;
    }
    switch (change.to) {
      case 'ended-complete':
        this.#complete = true;
        this.#output.end();
        break;
      case 'failed': {
        const error = change.error;
        this.#fail(() => error);
        break;
      }
      case 'ended-cut':
        this.#fail(cutError(this.playpath, change.cause, failure));
        break;
    }
  }

  /**
   * @internal Where a reconnect plays this stream from, ms: a recorded stream's last
   * delivered timestamp (undefined: from the original start; live streams re-subscribe).
   */
  get resumeAt(): number | undefined {
    return this.#continuity.replay?.resumeAt;
  }

  /**
   * @internal A reconnect re-created this stream as `streamId` (play/publish sent): a
   * recorded player drops what the server sends again; `started` waits anew.
   */
  rebind(streamId: number, net: NetStreamView): void {
    this.#streamId = streamId;
    this.#net = net;
    this.#started = deferred<void>();
    this.#continuity.endSplice();
    this.#continuity.replay?.replay();
  }

  /**
   * @internal A ReconnectRequest's hand-over begins (a player): the splice its stand-in
   * on the new connection feeds (reconnect-request.ts).
   */
  beginSplice(): Splice {
    return this.#continuity.beginSplice();
  }

  /**
   * @internal The hand-over switches this stream to `streamId` of the new connection, where
   * it already plays or publishes: a player's reader gets what the new connection sent
   * that it did not have; a publisher sends its metadata and sequence headers again.
   */
  handOver(streamId: number, net: NetStreamView): void {
    this.#streamId = streamId;
    this.#net = net;
    if (this.writeable) {
      this.#input.republish();
      return;
    }
    for (const m of this.#continuity.cutover()) if (!this.#closed) this.#output.push(m);
    this.#reportMetadata();
  }

  /** @internal The hand-over was abandoned: the stream stays where it is. */
  endSplice(): void {
    this.#continuity.endSplice();
  }

  /** @internal After a reconnect's publish started: metadata and sequence headers again, at the last timestamp. */
  republish(): void {
    this.#input.republish();
  }

  /** @internal A reconnect attempt's connection ended before this stream started again. */
  startFailed(error: unknown): void {
    this.#started.reject(error);
  }

  /** @internal The connection closed: nothing more will arrive. */
  onConnectionClosed(failure: unknown): void {
    if (this.writeable) {
      this.#fail(
        () =>
          failure ?? new RTMPConnectionError('the connection closed', { code: ConnectionCode.RTMP_CLOSED }),
      );
    } else {
      // A player whose NetStream said nothing about the close is cut too (a no-op when it already ended).
      this.#fail(cutError(this.playpath, 'peer', failure));
    }
    this.#closed = true;
    this.#conn.resumeReading(this.#output);
  }

  // ================================================================ internals

  /** Fails what waits on the stream; readers get the error after the data before it. */
  #fail(make: (delivered: StreamCutInfo) => unknown): void {
    const now = make(this.#output.delivered);
    this.#started.reject(now);
    this.#seekWait?.reject(now);
    this.#seekWait = undefined;
    if (this.#output.ended) return;
    this.#error ??= now;
    this.#output.end(make);
  }

  #reportMetadata(): void {
    const meta = this.#net.metadata;
    if (meta === undefined || meta === this.#reportedMeta) return;
    this.#reportedMeta = meta;
    this.#conn.metadata(this, meta);
  }

  #requirePlay(what: string): void {
    if (this.writeable) {
      throw new RTMPUsageError(`${what}() on a publishing stream`, { code: UsageCode.RTMP_NOT_READABLE });
    }
  }

  #requireWriteable(what: string): void {
    if (!this.writeable) {
      throw new RTMPUsageError(
        `${what}() on a stream opened for playing (createStream({ writeable: true }) publishes)`,
        { code: UsageCode.RTMP_NOT_WRITEABLE },
      );
    }
  }

  #requireOpen(): void {
    if (this.#error !== undefined) throw this.#error;
    if (this.#closed) {
      throw new RTMPUsageError(`stream ${this.streamId} (${this.playpath}) is closed`, {
        code: UsageCode.RTMP_STREAM_CLOSED,
      });
    }
  }
}

/**
 * The error a cut stream's readers get: the connection's own error when it says more
 * than "cut" (a timeout, a protocol error, an abort), else `RTMPStreamCutError` made from
 * what the reader got.
 */
function cutError(playpath: string, cause: string, failure: unknown): (delivered: StreamCutInfo) => unknown {
  if (
    failure instanceof RTMPTimeoutError ||
    failure instanceof RTMPProtocolError ||
    (failure !== undefined && !(failure instanceof RTMPError))
  ) {
    return () => failure;
  }
  const how = cause === 'server' ? 'the server sent close' : 'the connection ended';
  return (delivered: StreamCutInfo) =>
    new RTMPStreamCutError(
      `${playpath}: ${how} before the end of the stream (${delivered.bytesDelivered} bytes delivered)`,
      delivered,
      failure === undefined ? {} : { cause: failure },
    );
}
