/**
 * A published stream's input — the publish side of `RTMPStream`, as stream-output.ts is
 * its play side. `write(flvBytes)` takes FLV in any split, with or without the 13-byte
 * file header (`FlvDemuxer`, FLV-10.1 Annex E); audio/video go out on the stream's msid
 * with their tag timestamps, `onMetaData` script tags as `@setDataFrame` (never twice).
 * `writePacket` sends typed packets (packet-writer.ts), `writeMetadata` an E-RTMP
 * onMetaData. Every message sent is recorded by the stream's `StreamContinuity`, so a
 * reconnect can send the metadata and sequence headers again (`republish`).
 *
 * Invariants: nothing is queued on a closed stream (every send checks `requireOpen` of
 * the owner first); a write resolves only once the socket accepted its bytes (waits for
 * `drain` while the socket's buffer is full), so memory stays bounded by one write.
 */
import { Writable } from 'node:stream';
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import { FlvDemuxer } from '../flv/demuxer.js';
import { buildOnMetaData, type MetadataTrack, type OnMetaDataOptions } from '../flv/metadata-writer.js';
import { scriptTagToDataMessage } from '../flv/script.js';
import { createLogger } from '../log.js';
import { DefaultCsid, MessageType } from '../message/types.js';
import type { ClientSession } from '../session/client-session.js';
import { asBuffer } from '../util/buffer-view.js';
import { RealtimePacer } from './pacer.js';
import { type PublishPacket, publishMessage } from './packet-writer.js';
import type { StreamContinuity } from './stream-continuity.js';
import { waitFor } from './waiters.js';

const log = createLogger('stream');

/** Options of `read`, `seek` and the other waits. */
export interface StreamWaitOptions {
  /** Cancels the wait (rejects with `signal.reason`; queued data stays readable). */
  signal?: AbortSignal | undefined;
}

/** An FLV tag to publish: TagType (8 audio, 9 video, 18 script data), timestamp (ms), body. */
export interface PublishTag {
  readonly type: number;
  readonly timestamp: number;
  readonly payload: Uint8Array;
}

/** Options of `write`: a wait, and the pacer that holds media to real time (none: as fast as the socket takes it). */
export interface StreamWriteOptions extends StreamWaitOptions {
  pacer?: RealtimePacer | undefined;
}

/** What the input needs of its connection (part of `StreamConnection`, implemented by `RTMP`). */
export interface InputConnection {
  /** The live session (throws when the connection is gone). */
  session(): ClientSession;
  /** Flush output written to the session. */
  kick(): void;
  /** Resolves when the socket's write buffer drained. */
  waitDrain(): Promise<void>;
  /** True while the socket's write buffer is full. */
  needsDrain(): boolean;
  /** Bytes handed to the connection that its transport has not written yet (`RTMP.bufferedAmount`). */
  bufferedAmount(): number;
  /** A wait on the connection began (restarts the idle clock). */
  waitStarted(): void;
  /** Resolves when the connection is up (at once, or after a reconnect); rejects when it is gone for good. */
  whenUp(): Promise<void>;
}

/** What the input needs of the stream that owns it. */
export interface InputOwner {
  /** The stream's current msid (a reconnect may change it). */
  streamId(): number;
  /** Throws the stream's error, or a usage error when it is closed. */
  requireOpen(): void;
  /** Closes the stream (FCUnpublish + deleteStream). */
  close(): Promise<void>;
}

/** FLV bytes and typed packets → messages on the stream's msid (see the module comment). */
export class StreamInput {
  readonly #conn: InputConnection;
  readonly #owner: InputOwner;
  readonly #continuity: StreamContinuity;
  readonly #demuxer: FlvDemuxer | undefined;
  #published = 0;

  /** `writeable` false: a played stream's input, which demuxes nothing (`write` resolves with 0). */
  constructor(conn: InputConnection, owner: InputOwner, continuity: StreamContinuity, writeable: boolean) {
    this.#conn = conn;
    this.#owner = owner;
    this.#continuity = continuity;
    if (writeable) this.#demuxer = new FlvDemuxer();
  }

  /** Audio/video/data messages sent so far. */
  get written(): number {
    return this.#published;
  }

  /**
   * `RTMPStream.write`: demuxes `data` (or each of its buffers, in order) and sends its
   * tags, flushing once at the end; resolves with the bytes consumed.
   */
  async write(data: Uint8Array | readonly Uint8Array[], options: StreamWriteOptions): Promise<number> {
    if (this.#demuxer === undefined) return 0;
    const parts: readonly unknown[] = Array.isArray(data) ? data : [data];
    if (!parts.every((d) => d instanceof Uint8Array)) {
      throw new RTMPUsageError('write() needs a Buffer or Uint8Array of FLV bytes, or an array of them', {
        code: UsageCode.RTMP_BAD_ARGUMENT,
      });
    }
    await waitFor(this.#conn.whenUp(), { signal: options.signal, what: 'reconnecting' });
    this.#owner.requireOpen();
    let bytes = 0;
    for (const d of parts as readonly Uint8Array[]) {
      const buf = asBuffer(d);
      await this.#sendTags(this.#demuxer.push(buf), options);
      bytes += buf.length;
    }
    await this.#flushWrites(options);
    return bytes;
  }

  /**
   * Whether memory given to `write` before its last `lastWrite` bytes may be used again:
   * the connection wrote out everything handed to it, and what the demuxer holds of an
   * unfinished tag lies in those last bytes (`publishFile` reads a file into buffers it
   * reuses when this says so).
   */
  reusable(lastWrite: number): boolean {
    return this.#conn.bufferedAmount() === 0 && (this.#demuxer?.heldInputBytes ?? 0) <= lastWrite;
  }

  /** `RTMPStream.writeTags`: sends tags demuxed by the caller; resolves with how many were taken. */
  async writeTags(tags: Iterable<PublishTag>, options: StreamWriteOptions): Promise<number> {
    if (this.#demuxer === undefined) return 0;
    const list = [...tags];
    for (const t of list) {
      if (
        t === null ||
        typeof t !== 'object' ||
        !Number.isInteger(t.type) ||
        !Number.isInteger(t.timestamp) ||
        t.timestamp < 0 ||
        t.timestamp > 0xffffffff ||
        !(t.payload instanceof Uint8Array)
      ) {
        throw new RTMPUsageError(
          'writeTags() needs { type, timestamp, payload } tags: integer type, timestamp in 0..2^32-1, a Uint8Array payload',
          { code: UsageCode.RTMP_BAD_ARGUMENT },
        );
      }
    }
    await waitFor(this.#conn.whenUp(), { signal: options.signal, what: 'reconnecting' });
    this.#owner.requireOpen();
    await this.#sendTags(list, options);
    await this.#flushWrites(options);
    return list.length;
  }

  /** Sends audio, video and script tags (others skipped), each media tag paced when a pacer is given. */
  async #sendTags(tags: Iterable<PublishTag>, options: StreamWriteOptions): Promise<void> {
    for (const tag of tags) {
      if (options.pacer && (tag.type === MessageType.Audio || tag.type === MessageType.Video)) {
        await this.#flushWrites(options);
        await options.pacer.wait(tag.timestamp, options.signal);
        options.signal?.throwIfAborted();
      }
      const payload = asBuffer(tag.payload);
      if (tag.type === MessageType.Audio) this.#send('audio', tag.timestamp, payload);
      else if (tag.type === MessageType.Video) this.#send('video', tag.timestamp, payload);
      else if (tag.type === MessageType.DataAMF0)
        this.#send('data', tag.timestamp, scriptTagToDataMessage(payload));
      else log.debug(`publish: skipping FLV tag type ${tag.type}`);
    }
  }

  /** `RTMPStream.writePacket`: one typed packet, or the tracks of one message. */
  async writePacket(
    packet: PublishPacket | readonly PublishPacket[],
    options: StreamWaitOptions,
  ): Promise<void> {
    await waitFor(this.#conn.whenUp(), { signal: options.signal, what: 'reconnecting' });
    this.#owner.requireOpen();
    const msg = publishMessage(packet);
    this.#send(msg.type, msg.timestamp, msg.payload);
    await this.#flushWrites(options);
  }

  /** `RTMPStream.writeMetadata`: `@setDataFrame onMetaData` describing `tracks` (ERTMP-V2 "Enhancing onMetaData"). */
  async writeMetadata(
    tracks: readonly MetadataTrack[],
    metadata: OnMetaDataOptions & { timestamp?: number },
    options: StreamWaitOptions,
  ): Promise<void> {
    this.#owner.requireOpen();
    const values = ['onMetaData', buildOnMetaData(tracks, { legacy: true, ...metadata })];
    await this.writePacket({ type: 'data', timestamp: metadata.timestamp ?? 0, values }, options);
  }

  /** `RTMPStream.toWritable`: a `Writable` of FLV bytes whose end closes the stream. */
  toWritable(options: { realtime?: boolean }): Writable {
    const pacer = options.realtime === true ? new RealtimePacer() : undefined;
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.write(chunk, { pacer }).then(
          () => cb(),
          (err) => cb(err as Error),
        );
      },
      final: (cb) => {
        this.#owner.close().then(
          () => cb(),
          (err) => cb(err as Error),
        );
      },
    });
  }

  /** After a reconnect's publish started: metadata and sequence headers again, at the last timestamp. */
  republish(): void {
    for (const m of this.#continuity.resend()) this.#send(m.type, m.timestamp, m.payload);
    this.#conn.kick();
  }

  /** The stream closed: the FLV input must end at a tag boundary; waits until the socket took what was sent. */
  async end(): Promise<void> {
    this.#demuxer?.end();
    if (this.#conn.needsDrain()) await this.#conn.waitDrain();
  }

  /** Queues one message on the stream's msid. */
  #send(type: 'audio' | 'video' | 'data', timestamp: number, payload: Buffer): void {
    const session = this.#conn.session();
    const streamId = this.#owner.streamId();
    this.#continuity.sent(type, timestamp, payload);
    if (type === 'data') {
      const csid = DefaultCsid.data;
      session.sendRaw({ type: MessageType.DataAMF0, streamId, timestamp, csid, payload });
    } else {
      session.sendMedia(streamId, type, timestamp, payload);
    }
    this.#published++;
  }

  /** Writes what was queued; waits for `drain` when the socket's buffer is full. */
  async #flushWrites(options: StreamWaitOptions): Promise<void> {
    this.#conn.kick();
    if (this.#conn.needsDrain()) {
      this.#conn.waitStarted();
      await waitFor(this.#conn.waitDrain(), { signal: options.signal, what: 'writing' });
    }
    this.#owner.requireOpen();
  }
}
