/**
 * `RTMPStream` — one NetStream of an `RTMP` connection (python-librtmp's `RTMPStream`),
 * played or published. The protocol rules (start, seek, pause, BUFX, the buffer hack,
 * end of stream, errors) live in the session's NetStream (session/net-stream.ts); this
 * shell turns the NetStream's verdicts into promises and readers.
 *
 * Reading and writing (`read`, iteration, `toReadable`, `packets`; `write`, `writePacket`,
 * `writeMetadata`, `toWritable`) are the faces in rtmp-stream-faces.ts over the stream's
 * `StreamOutput` and `StreamInput`. End of a played stream: after NetStream.Play.Complete
 * / Play.Stop / Play.UnpublishNotify / onFCUnsubscribe the readers end (`complete` turns
 * true); after an error status they fail with it; when the connection ends first they
 * fail with `RTMPStreamCutError` (what a resume needs: bytes and last timestamp
 * delivered) — in every case only once everything received before has been read.
 *
 * Differences from python-librtmp, on purpose: `close()` closes this stream (closeStream
 * + deleteStream, or FCUnpublish + deleteStream), not the whole connection, so one
 * connection can carry several streams; seek, pause and the BUFX hack use the stream's
 * msid (librtmp sends seek and pause on msid 0, which servers that track streams by
 * msid ignore); `seek(sec)` is in seconds as python-librtmp documents (librtmp took the
 * number as ms) and waits for NetStream.Seek.Notify; a connection cut is an error, not
 * an end of file.
 */

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
import { MessageType } from '../message/types.js';
import type { DataEvent, MediaEvent } from '../session/client-events.js';
import type { ClientSession } from '../session/client-session.js';
import type { Splice } from '../session/handover-splice.js';
import type { NetStreamChange, NetStreamView } from '../session/net-stream.js';
import type { ReplayFilter, ReplayGap } from '../session/replay-filter.js';
import type { BufferLeadSpec } from './options.js';
import { RTMPStreamFaces, requirePlay } from './rtmp-stream-faces.js';
import { StreamContinuity } from './stream-continuity.js';
import { type InputConnection, StreamInput, type StreamWaitOptions } from './stream-input.js';
import { type OutputFlow, StreamOutput } from './stream-output.js';
import { type Deferred, deferred, waitFor } from './waiters.js';

export type { FlvTagReader } from './rtmp-stream-faces.js';
export type { PublishTag, StreamWaitOptions, StreamWriteOptions } from './stream-input.js';
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
  /** Where play started, ms (0 for live streams and publishers). */
  startMs?: number;
  /** The session's NetStream for this msid. */
  netStream: NetStreamView;
  /**
   * A ReconnectRequest's stand-in on the new connection: its media and data go here
   * (message type, timestamp, payload), never to a reader.
   */
  tap?: ((type: number, timestamp: number, payload: Buffer) => void) | undefined;
  /** `createStream`'s `bufferLead`, kept for a reconnect's re-open. */
  bufferLead?: BufferLeadSpec | undefined;
  /**
   * Whether the stream can go on over another connection — the `reconnect` option, or a
   * ReconnectRequest it follows (default true): only then does a player remember what it
   * delivered (stream-continuity.ts).
   */
  resumes?: boolean;
}

const OUTPUT_TYPE = { audio: MessageType.Audio, video: MessageType.Video, aggregate: MessageType.Aggregate };

/** A NetStream: play (read FLV) or publish (write FLV). */
export class RTMPStream extends RTMPStreamFaces {
  #streamId: number;
  /** True for a publishing stream (python-librtmp `writeable`). */
  readonly writeable: boolean;
  /** The stream name played or published. */
  readonly playpath: string;

  readonly #conn: StreamConnection;
  readonly #setup: StreamSetup;
  #net: NetStreamView;
  readonly #continuity: StreamContinuity;
  /** @internal The play side (rtmp-stream-faces.ts). */
  protected readonly output: StreamOutput;
  #started = deferred<void>();
  #seekWait: Deferred<void> | undefined;
  #complete = false;
  #error: unknown;
  #closed = false;
  #reportedMeta: unknown;
  /** Bounds the wait for the answer to a reconnect's re-ask (`#replayDropped`). */
  #reaskTimer: ReturnType<typeof setTimeout> | undefined;
  /** @internal The publish side (rtmp-stream-faces.ts). */
  protected readonly input: StreamInput;

  /** @internal Created by `RTMP.createStream`. */
  constructor(conn: StreamConnection, setup: StreamSetup) {
    super();
    this.#conn = conn;
    this.#setup = setup;
    this.#net = setup.netStream;
    this.#streamId = setup.streamId;
    this.#continuity = new StreamContinuity(
      setup.writeable ? 'publish' : setup.live ? 'live' : 'vod',
      setup.startMs,
      setup.resumes ?? true,
    );
    this.writeable = setup.writeable;
    this.playpath = setup.playpath;
    this.output = new StreamOutput(conn, { live: setup.live, highWaterMark: setup.highWaterMark });
    const owner = {
      streamId: () => this.#streamId,
      requireOpen: () => this.#requireOpen(),
      close: () => this.close(),
    };
    this.input = new StreamInput(conn, owner, this.#continuity, setup.writeable);
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
    return this.output.ended;
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
    return this.output.bufferedBytes;
  }

  /** Resolves when playback/publishing started; rejects with the server's error. */
  get started(): Promise<void> {
    return this.#started.promise;
  }

  /** @internal `createStream`'s `bufferLead` (a reconnect re-opens the stream with it). */
  get bufferLead(): BufferLeadSpec | undefined {
    return this.#setup.bufferLead;
  }

  // ================================================================ play: control

  /**
   * Seeks to `seconds` (fractions allowed): sends `seek(ms)` on the stream's msid, drops
   * the unread queued tags and incoming media until the server confirms with
   * NetStream.Seek.Notify (resolves then; rejects on Seek.Failed / InvalidTime). After
   * the end of a recorded stream (Play.Complete / Play.Stop) that the reader has not read
   * yet, the seek plays it again from there, as a Flash NetStream does. Once the reader
   * got the end, or after any other end (a live stream's, a cut, a failure), the stream
   * cannot seek (`ERR_RTMP_STATE`, at once); play it again with `createStream`.
   */
  async seek(seconds: number, options: StreamWaitOptions = {}): Promise<void> {
    requirePlay(this, 'seek');
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      throw new RTMPUsageError(
        `seek position must be a non-negative number of seconds, got ${String(seconds)}`,
        {
          code: UsageCode.RTMP_BAD_ARGUMENT,
        },
      );
    }
    this.#requireOpen();
    if (this.output.ended) {
      // A recorded stream whose playback ended (Play.Complete / Play.Stop) before the reader
      // got to its end plays again from the new position (session/net-stream.ts); any other
      // NetStream that is over would never take a Seek.Notify.
      if (!this.#net.seekable || !this.output.reopen()) {
        throw new RTMPUsageError(`cannot seek ${this.playpath}: the stream has ended`, {
          code: UsageCode.RTMP_STATE,
        });
      }
      this.#complete = false;
    }
    this.#seekWait?.reject(
      new RTMPError('superseded by a newer seek', { code: GeneralCode.RTMP_SEEK_SUPERSEDED }),
    );
    const wait = deferred<void>();
    this.#seekWait = wait;
    this.output.dropQueued();
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
    requirePlay(this, 'pause');
    this.#requireOpen();
    this.#conn.session().pause(this.streamId, true);
    this.#conn.kick();
  }

  /** Resumes playback (`pause(false, pause timestamp)`). */
  async unpause(): Promise<void> {
    requirePlay(this, 'unpause');
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

  // ================================================================ closing

  /**
   * Closes this stream, not the connection: play → closeStream + deleteStream; publish →
   * the FLV input must end at a tag boundary, then FCUnpublish + deleteStream. Pending
   * reads see the end of the stream. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.output.close();
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
    if (this.writeable) await this.input.end();
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
      if (!this.#continuity.filters) {
        this.output.push({ type, timestamp: ev.timestamp, payload: ev.payload });
        this.#reportMetadata();
        return;
      }
      const admitted = this.#continuity.admitMedia(type, ev.timestamp, ev.payload);
      if (admitted !== undefined)
        this.output.push({ type, timestamp: admitted.timestamp, payload: admitted.payload });
      else if (this.#continuity.replay !== undefined) this.#replayDropped(this.#continuity.replay);
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
    this.output.push({ type, timestamp, payload: ev.payload });
  }

  /**
   * @internal A phase change of this stream's NetStream. `failure` is why the connection
   * failed, when a cut comes with one.
   */
  onChange(change: NetStreamChange, failure: unknown): void {
    if (change.from === 'starting' && (change.to === 'play' || change.to === 'publish'))
      this.#started.resolve();
    if (change.from === 'seeking' && change.to !== 'seeking') {
      this.#reaskAnswered(change.error === undefined);
      if (change.error === undefined) this.#seekWait?.resolve();
      else this.#seekWait?.reject(change.error);
      this.#seekWait = undefined;
    }
    switch (change.to) {
      case 'ended-complete': {
        // Stale: a reconnect's re-ask (`#replayDropped`, run for a message before this end
        // in the same read) sought the stream after the old position's end, which plays it
        // again (net-stream.ts) — the answer to the seek decides.
        if (this.#net.state.phase === 'seeking') break;
        const waiting = this.#continuity.replay?.unmatched;
        if (waiting !== undefined) {
          this.#failUnmatched(waiting);
          break;
        }
        this.#complete = true;
        this.output.end();
        break;
      }
      case 'failed': {
        const error = change.error;
        this.#fail(() => error);
        break;
      }
      case 'ended-cut':
        this.#fail(
          cutError(this.playpath, change.cause, failure, this.writeable ? this.tagsWritten : undefined),
        );
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
    clearTimeout(this.#reaskTimer);
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
      this.input.republish();
      return;
    }
    for (const m of this.#continuity.cutover()) if (!this.#closed) this.output.push(m);
    this.#reportMetadata();
  }

  /** @internal The hand-over was abandoned: the stream stays where it is. */
  endSplice(): void {
    this.#continuity.endSplice();
  }

  /** @internal After a reconnect's publish started: metadata and sequence headers again, at the last timestamp. */
  republish(): void {
    this.input.republish();
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
    this.#conn.resumeReading(this.output);
  }

  // ================================================================ internals

  /**
   * A reconnect's replay dropped a message: it may have found that the server resumed past
   * the last keyframe received — the first time, ask again 1 ms before it (nginx-rtmp lands
   * on the keyframe after the position asked for, when the file has a keyframe index), on
   * this stream; the second time, the stream ends with the gap.
   */
  #replayDropped(replay: ReplayFilter): void {
    const at = replay.takeReask();
    if (at === undefined) {
      if (replay.gap !== undefined) this.#failGap(replay.gap);
      return;
    }
    // Like `seek`, but what the reader has queued stays (it was delivered before the cut).
    this.#conn.session().seek(this.streamId, at);
    this.#conn.kick();
    const timeoutSec = this.#setup.timeoutSec;
    if (timeoutSec > 0) {
      clearTimeout(this.#reaskTimer);
      this.#reaskTimer = setTimeout(() => this.#reaskAnswered(false), timeoutSec * 1000);
      this.#reaskTimer.unref();
    }
  }

  /** The server answered a seek (`ok`: Seek.Notify), or a re-ask's answer timed out. */
  #reaskAnswered(ok: boolean): void {
    clearTimeout(this.#reaskTimer);
    this.#reaskTimer = undefined;
    const replay = this.#continuity.replay;
    if (replay === undefined) return;
    replay.seeked(ok);
    if (replay.gap !== undefined) this.#failGap(replay.gap);
  }

  /**
   * A reconnect's server resumed past what was delivered: the stream ends here, cut (the
   * readers get everything before it, then the error), rather than go on with a hole.
   */
  #failGap(gap: ReplayGap): void {
    if (this.output.ended) return;
    this.#fail(
      (delivered) =>
        new RTMPStreamCutError(
          `${this.playpath}: after the reconnect the server resumed at ${gap.resumedAt} ms, past the last ` +
            `keyframe received (${gap.anchorTs} ms): the stream stops at ${gap.lastTs} ms rather than go on with a gap`,
          delivered,
        ),
    );
  }

  /**
   * A reconnect's replay ended before the last keyframe received came again (the server
   * played something else, or less): what was delivered is all there is, and it is cut.
   */
  #failUnmatched(w: { anchorTs: number; lastTs: number }): void {
    this.#fail(
      (delivered) =>
        new RTMPStreamCutError(
          `${this.playpath}: after the reconnect the stream ended before the last keyframe received ` +
            `(${w.anchorTs} ms) came again: the stream stops at ${w.lastTs} ms`,
          delivered,
        ),
    );
  }

  /** Fails what waits on the stream; readers get the error after the data before it. */
  #fail(make: (delivered: StreamCutInfo) => unknown): void {
    clearTimeout(this.#reaskTimer);
    const now = make(this.output.delivered);
    this.#started.reject(now);
    this.#seekWait?.reject(now);
    this.#seekWait = undefined;
    if (this.output.ended) return;
    this.#error ??= now;
    this.output.end(make);
  }

  #reportMetadata(): void {
    const meta = this.#net.metadata;
    if (meta === undefined || meta === this.#reportedMeta) return;
    this.#reportedMeta = meta;
    this.#conn.metadata(this, meta);
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
function cutError(
  playpath: string,
  cause: string,
  failure: unknown,
  tagsSent?: number,
): (delivered: StreamCutInfo) => unknown {
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
      // A publisher's count is what it sent (nothing is delivered to it).
      `${playpath}: ${how} before the end of the stream (${tagsSent === undefined ? `${delivered.bytesDelivered} bytes delivered` : `${tagsSent} tags sent`})`,
      delivered,
      failure === undefined ? {} : { cause: failure },
    );
}
