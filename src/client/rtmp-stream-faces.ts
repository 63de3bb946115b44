/**
 * The data faces of `RTMPStream` (python-librtmp's `read` and `write`): thin methods over
 * the stream's two sides. `RTMPStream` (rtmp-stream.ts) extends this with the NetStream's
 * control, its end and the connection's hooks.
 *
 * Play side: the media and data the NetStream delivers go to a `StreamOutput`
 * (stream-output.ts): FLV bytes laid out like librtmp's `RTMP_Read` for `read(size)`,
 * iteration, `toReadable()` and `tagReader`, or typed packets for `packets()`, with
 * backpressure.
 *
 * Publish side: `write(flvBytes)`, `writePacket`, `writeMetadata`, `toWritable` and
 * `publishFile` go to a `StreamInput` (stream-input.ts): FLV in any split, with or without
 * the file header, demuxed into messages on the stream's msid; `onMetaData` as
 * `@setDataFrame` (E-RTMP v2 for the enhanced packet and metadata forms).
 *
 * Invariants: a reader refuses a publishing stream (`ERR_RTMP_NOT_READABLE`) and a writer
 * a played one (`ERR_RTMP_NOT_WRITEABLE`) before either side is touched; a loop broken
 * early and a destroyed `Readable` close the stream.
 */
import { Readable, type Writable } from 'node:stream';
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import type { MetadataTrack, OnMetaDataOptions } from '../flv/metadata-writer.js';
import type { FlvMuxer, FlvMuxerOptions } from '../flv/muxer.js';
import { FlvIterator } from './flv-iterator.js';
import type { PublishPacket } from './packet-writer.js';
import { type PublishFileOptions, type PublishFileResult, publishFile } from './publish-file.js';
import type { PublishTag, StreamInput, StreamWaitOptions, StreamWriteOptions } from './stream-input.js';
import { DEFAULT_READ_SIZE, type StreamOutput, type StreamPacket } from './stream-output.js';

const INF = Number.POSITIVE_INFINITY;

/** `rtmpkit dump`'s reader of a played stream (`RTMPStream.tagReader`). */
export interface FlvTagReader {
  /** The stream's muxer (resumed, stopped, lastTimestamp…). */
  readonly muxer: FlvMuxer;
  /** Every FLV piece muxed so far (at least one), for one `writev`; empty at the end; rejects like `read` (and with the reader's signal's reason once it aborted). */
  next(): Promise<Buffer[]>;
}

/** The read and write faces of `RTMPStream` (see the module comment). */
export abstract class RTMPStreamFaces {
  /** True for a publishing stream (python-librtmp `writeable`). */
  abstract readonly writeable: boolean;
  /** @internal The play side: what the NetStream delivered, queued for the readers. */
  protected abstract readonly output: StreamOutput;
  /** @internal The publish side: what the writers send. */
  protected abstract readonly input: StreamInput;

  /** Closes this stream, not the connection (rtmp-stream.ts). */
  abstract close(): Promise<void>;

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
    requirePlay(this, 'read');
    this.output.setMode('flv');
    return this.output.read(size, options.signal);
  }

  /**
   * FLV bytes until the end of the stream, one tag per step (flv-iterator.ts); breaking
   * out of the loop closes the stream, and so does the end or an error.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return new FlvIterator(
      {
        begin: () => {
          requirePlay(this, 'iterate');
          this.output.setMode('flv');
        },
        close: () => this.close(),
      },
      this.output,
    );
  }

  /**
   * The stream as typed packets (audio/video/data, aggregates split) instead of FLV bytes.
   * Use either this or the FLV readers on one stream. Breaking out of the loop closes the stream.
   */
  async *packets(options: StreamWaitOptions = {}): AsyncGenerator<StreamPacket, void, undefined> {
    requirePlay(this, 'packets');
    this.output.setMode('packets');
    try {
      yield* this.output.packets(options.signal);
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
    requirePlay(this, 'toReadable');
    const output = this.output;
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
   * stop); `signal` aborts its waits for as long as the stream is read (one listener, not
   * one per batch). Instead of `read`/iteration/`toReadable`, before any of them.
   */
  tagReader(options: FlvMuxerOptions = {}, signal?: AbortSignal): FlvTagReader {
    requirePlay(this, 'tagReader');
    const output = this.output;
    output.setMode('flv');
    output.setMuxerOptions(options);
    if (signal !== undefined) output.abortWith(signal);
    return { muxer: output.muxer, next: () => output.readPieces() };
  }

  // ================================================================ publish

  /**
   * Publishes FLV bytes: any split, with or without the 13-byte file header. Audio and
   * video tags go out as they complete; `onMetaData` (and `|RtmpSampleAccess`) script tags
   * get the `@setDataFrame` prefix unless they have it. Resolves with the number of bytes
   * consumed once the socket accepted them (waits for `drain` when its buffer is full).
   * An array counts as its buffers' concatenation (each is demuxed in turn, none copied
   * to join them) and is flushed once: tags read together go out in one socket write.
   * With `pacer`, each audio/video tag waits until its timestamp is due (real time).
   */
  async write(data: Uint8Array | readonly Uint8Array[], options: StreamWriteOptions = {}): Promise<number> {
    requireWriteable(this, 'write');
    return this.input.write(data, options);
  }

  /**
   * Publishes FLV tags the caller demuxed (`FlvDemuxer`'s `FlvTag`s, or any
   * `{ type, timestamp, payload }`) as `write` publishes the tags of FLV bytes — audio,
   * video, script data with the `@setDataFrame` prefix added, other types skipped — without
   * framing them again: tags changed on the way (new timestamps, say) go out as they are.
   * One flush at the end; `pacer` as for `write`. Resolves with the number of tags taken.
   *
   * @throws RTMPUsageError `ERR_RTMP_BAD_ARGUMENT` for a tag without an integer type, a
   *   timestamp in 0..2^32−1 or a Uint8Array payload (nothing is sent)
   */
  async writeTags(tags: Iterable<PublishTag>, options: StreamWriteOptions = {}): Promise<number> {
    requireWriteable(this, 'writeTags');
    return this.input.writeTags(tags, options);
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
    requireWriteable(this, 'writePacket');
    return this.input.writePacket(packet, options);
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
    requireWriteable(this, 'writeMetadata');
    return this.input.writeMetadata(tracks, metadata, options);
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
    return this.input.toWritable(options);
  }

  /** Publishes an FLV or MP4 file, paced in real time unless `realtime: false` (client/publish-file.ts). */
  publishFile(path: string, options?: PublishFileOptions): Promise<PublishFileResult> {
    const target = { write: this.write.bind(this), reusable: (n: number) => this.input.reusable(n) };
    return publishFile(target, path, options);
  }

  /** Audio/video/data tags sent so far (publish side). */
  get tagsWritten(): number {
    return this.input.written;
  }
}

/**
 * Refuses a play-side call (`what`) on a publishing stream.
 *
 * @throws RTMPUsageError `ERR_RTMP_NOT_READABLE`
 */
export function requirePlay(stream: { readonly writeable: boolean }, what: string): void {
  if (stream.writeable) {
    throw new RTMPUsageError(`${what}() on a publishing stream`, { code: UsageCode.RTMP_NOT_READABLE });
  }
}

function requireWriteable(stream: { readonly writeable: boolean }, what: string): void {
  if (!stream.writeable) {
    throw new RTMPUsageError(
      `${what}() on a stream opened for playing (createStream({ writeable: true }) publishes)`,
      { code: UsageCode.RTMP_NOT_WRITEABLE },
    );
  }
}
