/**
 * FLV muxer: RTMP media messages in, FLV bytes out — the byte stream librtmp's
 * `RTMP_Read` produces when playing (rtmpdump 2.4's file layout; FLV-10.1 Annex E).
 *
 * What `writeMessage` writes, mirroring librtmp's `Read_1_Packet` so rtmpdump's and
 * rtmpkit's files of one stream agree byte for byte:
 * - Audio (8) / video (9): one tag `[type, size, timestamp, stream id 0] payload
 *   PreviousTagSize`. Video payloads of ≤ 5 bytes and audio payloads of ≤ 1 byte are
 *   dropped (librtmp: "ignoring too small packet"; this drops the AVC end-of-sequence
 *   tag `17 02 00 00 00`, E-RTMP SequenceEnd `8x <FourCC>` and the E-RTMP zero-length
 *   audio "silence" message) — `dropSmallMedia: false` keeps them.
 * - Data (18): only a message whose first AMF0 value is the string `onMetaData` and whose
 *   body decodes (librtmp's `HandleMetadata`), written as a script tag 18.
 *   `|RtmpSampleAccess`, `onTextData`, `onCuePoint`, `@setDataFrame`… are not written —
 *   `scriptData: 'all'` writes every data message.
 * - AMF3 data (15): librtmp ignores it ("flex stream send, not supported"), and so does
 *   FFmpeg's RTMP demuxer; so by default it is not written. With `scriptData: 'all'` it
 *   is written as an ordinary script tag 18 after stripping its format byte (0), because
 *   FLV readers only know AMF0 script tags — the body is AMF0 with AMF3 values behind
 *   the 0x11 switch, which stays readable to an AMF0 reader up to such a value.
 * - Aggregate (22): rewritten into its records (the message layer's `readAggregate`):
 *   each record keeps its own header bytes (type byte, size, stream id — copied as
 *   librtmp copies them) with the timestamp rebased by `delta = message ts − first
 *   record ts + timestampOffset` (librtmp's single `delta`), and a correct
 *   PreviousTagSize (librtmp rewrites wrong back pointers and appends a missing final
 *   one). Records are written whatever their type and size (librtmp filters only
 *   top-level messages).
 * - Everything else (commands, control, shared objects) is not media: nothing.
 * - Timestamps: `(timestampOffset + resume offset + message timestamp) mod 2^32`
 *   (librtmp's `nResumeTS + m_nTimeStamp`), written as 24 low bits + 8 high bits (SI32 layout).
 *   librtmp does not rebase to the first media timestamp, and neither does this.
 *
 * `push`/`end` add librtmp's header decision: the 13-byte file header is written first,
 * with its audio/video flags known only after pre-reading: messages are held until one
 * is written with a non-zero timestamp (the message timestamp when `live`), or until
 * both audio and video were seen (message types, aggregate records, or `onMetaData`
 * property names starting with `video`/`audio` — also in aggregate script records, as
 * librtmp's `RTMP_ClientPacket` reads them), or until the held bytes would overflow
 * librtmp's 128 KiB header buffer (`headerProbeLimit`).
 *
 * Deliberate differences from librtmp (2.4 through 2.6 HEAD), each where librtmp's output
 * is corrupt or lost:
 * - An aggregate record that overruns the body ends the rewrite and is dropped, and so
 *   are ≤ 11 trailing bytes that cannot be a record (counted in `stats`). librtmp sets
 *   READ_ERROR, then overwrites it and copies the whole body — a broken tag — into the file.
 * - A partial final back pointer is replaced by a correct one (librtmp overwrites the
 *   partial bytes and then emits 2–3 bytes of uninitialised memory after it).
 * - A stream that ends during the header pre-read (`end()`) still yields the header and
 *   the held tags; librtmp returns EOF and loses them.
 * - An `onMetaData` body that librtmp's AMF decoder rejects but rtmpkit's accepts (AMF0
 *   references 0x07, typed objects 0x10) is written.
 *
 * Beyond `RTMP_Read`, for `rtmpkit dump`: `resume` continues a partial file (resume.ts:
 * the stream's copy of the file's last keyframe is found again and the offset between
 * them learnt), `stopAt` ends the output at a timestamp (rtmpdump `--stop`), and
 * `playStart` gives a stream played from a start position the file's timeline whichever
 * way the server stamps it: servers answer play(start) either with timestamps from 0
 * (FMS, rtmpkit's server — rtmpdump adds the start to every timestamp, which assumes
 * this) or with the file's own (nginx-rtmp — where rtmpdump's addition counts the start
 * twice). The first audio/video message that is not a sequence header tells which: below
 * half the start, the start is added from then on; otherwise nothing is. What comes
 * before it (metadata, sequence headers) gets the start, as rtmpdump writes it.
 *
 * Invariants: payloads are never copied or changed. A payload with frame room (the
 * client's chunk reader gives audio, video, data and aggregates room; framing.ts) comes
 * out as ONE view of its own buffer, header and PreviousTagSize written into the room;
 * any other tag as `[11-byte header, payload view, 4-byte PreviousTagSize]`. An aggregate
 * comes out as views of its body where its records already are the tags to write, as
 * separate pieces only where a timestamp or back pointer must change. A message yields
 * zero or more whole tags.
 */
import { decode as decodeAmf0 } from '../amf/amf0.js';
import { AMFDictionary, type AmfValue } from '../amf/types.js';
import { aggregateRecords, newAggregateSummary } from '../message/aggregate.js';
import type { RawMessage } from '../message/raw-message.js';
import { MessageType } from '../message/types.js';
import { FRAME_HEAD, FRAME_TAIL, takeFrameRoom } from '../util/payload-pool.js';
import { flvUsageError } from './errors.js';
import { carveHeader, frameTag, tagPieces } from './framing.js';
import {
  encodeFileHeader,
  FLV_HEADER_SIZE,
  FLV_MAX_DATA_SIZE,
  FLV_PREVIOUS_TAG_SIZE_SIZE,
  FLV_TAG_HEADER_SIZE,
  FlvHeaderFlag,
  type FlvHeaderOptions,
  FlvTagType,
  readTimestamp,
  readU32,
  writeTimestamp,
  writeU32,
} from './header.js';
import { isSequenceHeader, playRestamped } from './media.js';
import { type FlvResumeTarget, ResumeFilter } from './resume.js';
import { firstScriptName, isAmfObjectLike } from './script.js';

/** What `writeMessage` and `push` accept: a RawMessage or just its media fields. */
export interface FlvMuxInput {
  /** RTMP message type id (8, 9, 15, 18, 22 are media; others are ignored). */
  type: number;
  /** RTMP timestamp (unsigned 32-bit; negative values are taken mod 2^32). */
  timestamp: number;
  /** The message payload (an FLV tag body, or the records of an aggregate). */
  payload: Buffer;
}

/** A tag for `writeTag`. */
export interface FlvTagInput {
  type: number;
  /** Unsigned 32-bit, or the signed SI32 reading (written mod 2^32). */
  timestamp: number;
  payload: Buffer;
  /** Default 0. */
  streamId?: number;
  /** Default false. */
  filter?: boolean;
}

/** Which data messages become script tags. */
export type FlvScriptDataPolicy = 'onMetaData' | 'all';

/** Options of an FlvMuxer. */
export interface FlvMuxerOptions {
  /** Added to every timestamp (default 0). */
  timestampOffset?: number;
  /**
   * Where the play started in the file, ms (rtmpdump `--start`; default 0): added to the
   * timestamps when the server restamped the play from 0, not when it kept the file's
   * (decided on the first audio/video message; module comment).
   */
  playStart?: number;
  /** `'onMetaData'` (default, librtmp) or `'all'` data messages (see the module comment). */
  scriptData?: FlvScriptDataPolicy;
  /** Drop video ≤ 5 bytes and audio ≤ 1 byte as librtmp does (default true). */
  dropSmallMedia?: boolean;
  /** Live stream: `lastTimestamp` (and the header decision) use message timestamps, as librtmp does for live. */
  live?: boolean;
  /** librtmp's header pre-read buffer (default 128 KiB); 0 decides on the first written message. */
  headerProbeLimit?: number;
  /** `push` writes the file header first (default true; false when appending). */
  writeHeader?: boolean;
  /**
   * Append to a partial file (rtmpdump `-e`; `findResumePoint`'s result fits): no header
   * is written, and nothing until the stream's copy of `keyframe` went by; later tags
   * get the offset between its timestamp in the file and in the stream (resume.ts).
   * `write*`/`push` throw `ERR_FLV_RESUME_FAILED` when the stream passed it.
   */
  resume?: FlvResumeTarget;
  /**
   * Stop at this timestamp, ms (rtmpdump `--stop`; 0 = none): the first audio/video tag
   * at or after it — for `live` streams, that long after the first one written — and
   * everything after it are not written, and `stopped` turns true.
   */
  stopAt?: number;
}

/** Counters an FlvMuxer keeps (a snapshot). */
export interface FlvMuxerStats {
  /** Tags written (aggregate records count one each). */
  tags: number;
  /** Tags written as one view of their payload's buffer (its frame room held header and PreviousTagSize). */
  framedInPlace: number;
  /** Audio/video messages dropped as too small. */
  droppedSmall: number;
  /** Data messages not written (not `onMetaData`, undecodable, or AMF3 with a bad format byte). */
  droppedData: number;
  /** Messages that are not media (commands, control, …). */
  ignored: number;
  /** Aggregates whose records overran the body or left trailing bytes (those bytes were dropped). */
  truncatedAggregates: number;
  /** Aggregate records whose back pointer was rewritten (wrong or missing). */
  rewrittenBackPointers: number;
}

const DEFAULT_HEADER_PROBE_LIMIT = 128 * 1024;
const FILE_HEADER_TOTAL = FLV_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE;
const TAG_OVERHEAD = FLV_TAG_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE;
const DATA_TYPE_AUDIO = FlvHeaderFlag.Audio;
const DATA_TYPE_VIDEO = FlvHeaderFlag.Video;

/** RTMP messages → FLV bytes, as librtmp's `RTMP_Read` writes them. */
export class FlvMuxer {
  readonly #offset: number;
  readonly #playStart: number;
  /** `playStart` added (true), not added (false), or not decided yet (before the first media). */
  #restamped: boolean | undefined;
  readonly #scriptData: FlvScriptDataPolicy;
  readonly #dropSmall: boolean;
  readonly #live: boolean;
  readonly #resume: ResumeFilter | null;
  readonly #stopAt: number;
  #firstMedia: number | undefined;
  #stopped = false;
  /** librtmp's `m_read.dataType`: 0x04 audio seen, 0x01 video seen. */
  #dataType = 0;
  #lastTimestamp = 0;
  /** Output bytes the last `writeMessage` call produced, and librtmp's size for the overflow check. */
  #lastSize = 0;
  #lastCheckSize = 0;

  /** Header state of `push`: waiting for the decision, or done. */
  #probing: boolean;
  #held: Buffer[] = [];
  #room: number;
  #ended = false;

  readonly #stats: FlvMuxerStats = {
    tags: 0,
    framedInPlace: 0,
    droppedSmall: 0,
    droppedData: 0,
    ignored: 0,
    truncatedAggregates: 0,
    rewrittenBackPointers: 0,
  };

  constructor(options: FlvMuxerOptions = {}) {
    const off = options.timestampOffset ?? 0;
    if (!Number.isInteger(off) || off < -0x80000000 || off > 0xffffffff) {
      throw flvUsageError(`timestampOffset must be a 32-bit integer, got ${off}`);
    }
    this.#offset = off >>> 0;
    const playStart = options.playStart ?? 0;
    if (!Number.isSafeInteger(playStart) || playStart < 0 || playStart > 0xffffffff) {
      throw flvUsageError(`playStart must be a non-negative integer (ms), got ${playStart}`);
    }
    this.#playStart = playStart;
    const policy = options.scriptData ?? 'onMetaData';
    if (policy !== 'onMetaData' && policy !== 'all') {
      throw flvUsageError(`scriptData must be 'onMetaData' or 'all', got ${String(policy)}`);
    }
    this.#scriptData = policy;
    this.#dropSmall = options.dropSmallMedia ?? true;
    this.#live = options.live ?? false;
    const limit = options.headerProbeLimit ?? DEFAULT_HEADER_PROBE_LIMIT;
    if (!Number.isInteger(limit) || limit < 0) {
      throw flvUsageError(`headerProbeLimit must be a non-negative integer, got ${limit}`);
    }
    this.#room = limit - FILE_HEADER_TOTAL;
    const stopAt = options.stopAt ?? 0;
    if (!Number.isSafeInteger(stopAt) || stopAt < 0) {
      throw flvUsageError(`stopAt must be a non-negative integer (ms), got ${stopAt}`);
    }
    this.#stopAt = stopAt;
    const resume = options.resume;
    this.#probing = resume === undefined && (options.writeHeader ?? true);
    this.#resume = resume === undefined ? null : new ResumeFilter(resume);
    // rtmpdump's Download: m_read.timestamp = dSeek.
    if (resume !== undefined) this.#lastTimestamp = resume.keyframe.timestamp >>> 0;
  }

  /** Audio/video seen so far (librtmp's `dataType`): what `push` puts in the header flags. */
  get mediaSeen(): FlvHeaderOptions {
    return {
      audio: (this.#dataType & DATA_TYPE_AUDIO) !== 0,
      video: (this.#dataType & DATA_TYPE_VIDEO) !== 0,
    };
  }

  /**
   * Timestamp of the last written message (librtmp's `m_read.timestamp`): the written
   * timestamp, or for `live` streams the message timestamp. 0 before anything was
   * written (the resume keyframe's timestamp when resuming).
   */
  get lastTimestamp(): number {
    return this.#lastTimestamp;
  }

  /** True while `push` is still holding messages back to decide the header flags. */
  get probing(): boolean {
    return this.#probing;
  }

  /** True once the stream's copy of the resume keyframe went by (always, when not resuming). */
  get resumed(): boolean {
    return this.#resume?.matched ?? true;
  }

  /** True once `stopAt` was reached: nothing more is written. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** A snapshot of the counters. */
  get stats(): FlvMuxerStats {
    return { ...this.#stats };
  }

  /**
   * The 13 bytes that start an FLV stream: header (version 1, DataOffset 9) and
   * PreviousTagSize0. `header({ audio: true, video: true })` = `464C5601 05 00000009 00000000`.
   */
  header(flags: FlvHeaderOptions): Buffer {
    return encodeFileHeader(flags);
  }

  /**
   * One raw tag, nothing filtered: `[11-byte header, payload (the same Buffer), PreviousTagSize]`.
   *
   * @throws RTMPUsageError `ERR_FLV_INVALID_ARGUMENT` for a payload over 0xFFFFFF bytes
   */
  writeTag(tag: FlvTagInput): Buffer[] {
    checkSize(tag.payload);
    this.#stats.tags++;
    return tagPieces(tag.type, tag.timestamp, tag.payload, tag.streamId ?? 0, tag.filter ?? false);
  }

  /**
   * The FLV tags for one RTMP message, librtmp's way (see the module comment): zero
   * tags for a message that is not written, several for an aggregate. No file header.
   *
   * @throws RTMPUsageError `ERR_FLV_INVALID_ARGUMENT` for an audio/video/data payload over 0xFFFFFF bytes;
   *   RTMPProtocolError `ERR_FLV_RESUME_FAILED` when resuming and the stream passed the keyframe
   */
  writeMessage(msg: RawMessage | FlvMuxInput): Buffer[] {
    this.#lastSize = 0;
    this.#lastCheckSize = 0;
    if (this.#stopped) return [];
    const type = msg.type;
    const payload = msg.payload;
    switch (type) {
      case MessageType.Audio:
        this.#dataType |= DATA_TYPE_AUDIO;
        if (this.#dropSmall && payload.length <= 1) {
          this.#stats.droppedSmall++;
          return [];
        }
        return this.#one(type, msg.timestamp, payload);
      case MessageType.Video:
        this.#dataType |= DATA_TYPE_VIDEO;
        if (this.#dropSmall && payload.length <= 5) {
          this.#stats.droppedSmall++;
          return [];
        }
        return this.#one(type, msg.timestamp, payload);
      case MessageType.DataAMF0:
        if (!this.#handleMetadata(payload) && this.#scriptData !== 'all') {
          this.#stats.droppedData++;
          return [];
        }
        return this.#one(FlvTagType.Script, msg.timestamp, payload);
      case MessageType.DataAMF3:
        if (this.#scriptData === 'all' && payload.length > 0 && payload[0] === 0) {
          return this.#one(FlvTagType.Script, msg.timestamp, payload.subarray(1));
        }
        this.#stats.droppedData++;
        return [];
      case MessageType.Aggregate:
        return this.#aggregate(msg.timestamp, payload);
      default:
        this.#stats.ignored++;
        return [];
    }
  }

  /**
   * `RTMP_Read`'s stream: `writeMessage` plus the file header, decided as librtmp does
   * (module comment). Returns nothing while the decision is pending, then the header and
   * every held tag at once.
   *
   * @throws RTMPUsageError after `end()`, or as `writeMessage` does
   */
  push(msg: RawMessage | FlvMuxInput): Buffer[] {
    if (this.#ended) throw flvUsageError('FlvMuxer.push() after end()');
    const tags = this.writeMessage(msg);
    return this.#probing ? this.#probe(tags) : tags;
  }

  /**
   * While the file header is undecided: holds `tags`, and decides once librtmp would
   * (the module comment). Only the first messages get here; a method of its own so that
   * `push`, run for every message, is compiled without it.
   */
  #probe(tags: Buffer[]): Buffer[] {
    for (const t of tags) this.#held.push(t);
    if (tags.length > 0 && this.#lastCheckSize + 4 > this.#room) return this.#decide();
    this.#room -= this.#lastSize;
    if (this.#dataType === (DATA_TYPE_AUDIO | DATA_TYPE_VIDEO) || this.#lastTimestamp !== 0)
      return this.#decide();
    return [];
  }

  /** Ends a `push` stream: flushes the header and held tags if the decision is still pending. */
  end(): Buffer[] {
    if (this.#ended) return [];
    this.#ended = true;
    return this.#probing ? this.#decide() : [];
  }

  #decide(): Buffer[] {
    this.#probing = false;
    const out = [encodeFileHeader(this.mediaSeen)];
    for (const t of this.#held) out.push(t);
    this.#held = [];
    return out;
  }

  /** Writes one audio/video/script tag, after the resume and stop checks. */
  #one(type: number, timestamp: number, payload: Buffer): Buffer[] {
    checkSize(payload);
    const written = this.#admit(type, timestamp, payload);
    if (written === undefined) return [];
    this.#stats.tags++;
    this.#lastTimestamp = this.#live ? timestamp >>> 0 : written;
    this.#lastSize = this.#lastCheckSize = payload.length + TAG_OVERHEAD;
    const out = frameTag(type, written, payload);
    if (out.length === 1) this.#stats.framedInPlace++;
    return out;
  }

  /** The timestamp a tag is written with, or undefined when resuming or stopping leaves it out. */
  #admit(type: number, timestamp: number, payload: Buffer): number | undefined {
    let resumeOffset = 0;
    if (this.#resume !== null) {
      const o = this.#resume.admit(type, timestamp >>> 0, payload);
      if (o === undefined) return undefined;
      resumeOffset = o;
    }
    const written =
      (this.#offset + this.#startOffset(type, timestamp, payload) + resumeOffset + timestamp) >>> 0;
    const stopAt = this.#stopAt;
    if (stopAt > 0 && (type === FlvTagType.Audio || type === FlvTagType.Video)) {
      this.#firstMedia ??= written;
      if (this.#live ? written - this.#firstMedia >= stopAt : written >= stopAt) {
        this.#stopped = true;
        return undefined;
      }
    }
    return written;
  }

  /** What `playStart` adds to this message's timestamp (module comment). */
  #startOffset(type: number, timestamp: number, payload: Buffer): number {
    if (this.#playStart === 0) return 0;
    if (
      this.#restamped === undefined &&
      (type === FlvTagType.Audio || type === FlvTagType.Video) &&
      !isSequenceHeader(type, payload)
    ) {
      this.#restamped = playRestamped(this.#playStart, timestamp);
    }
    return this.#restamped === false ? 0 : this.#playStart;
  }

  /**
   * librtmp's `HandleMetadata`: true for a body that decodes and is named `onMetaData`,
   * whose `video*` / `audio*` property names then mark video / audio as seen.
   */
  #handleMetadata(payload: Buffer): boolean {
    if (firstScriptName(payload) !== 'onMetaData') return false;
    let values: AmfValue[];
    try {
      values = decodeAmf0(payload);
    } catch {
      return false; // librtmp: "error decoding meta data packet" — not written
    }
    if (hasPrefixedKey(values, 'video')) this.#dataType |= DATA_TYPE_VIDEO;
    if (hasPrefixedKey(values, 'audio')) this.#dataType |= DATA_TYPE_AUDIO;
    return true;
  }

  /**
   * The records of an aggregate as tags (module comment). A run of records whose header
   * timestamp and back pointer are already right is one view of the body; a record that
   * needs a new timestamp or back pointer gets its own header and PreviousTagSize pieces
   * — except a last record without a back pointer, which gets it in the body's frame room.
   */
  #aggregate(timestamp: number, body: Buffer): Buffer[] {
    // The body with its frame room around it (undefined without): a last record lacking
    // its back pointer gets it in the room after the body.
    const framed = takeFrameRoom(body);
    const summary = newAggregateSummary();
    const out: Buffer[] = [];
    let run = -1;
    let pos = 0;
    let written = 0;
    let count = 0;
    for (const rec of aggregateRecords({ payload: body, timestamp, streamId: 0 }, summary)) {
      const size = rec.payload.length;
      const start = rec.payload.byteOffset - body.byteOffset - FLV_TAG_HEADER_SIZE;
      const bp = start + FLV_TAG_HEADER_SIZE + size;
      const hasBp = body.length - bp >= FLV_PREVIOUS_TAG_SIZE_SIZE;
      const type = body[start]!;
      if (type === MessageType.Audio) this.#dataType |= DATA_TYPE_AUDIO;
      else if (type === MessageType.Video) this.#dataType |= DATA_TYPE_VIDEO;
      // librtmp's RTMP_ClientPacket runs HandleMetadata on script records that end with a back pointer.
      else if (type === MessageType.DataAMF0 && hasBp) this.#handleMetadata(rec.payload);
      const ts = this.#admit(type, rec.timestamp, rec.payload);
      const next = hasBp ? bp + FLV_PREVIOUS_TAG_SIZE_SIZE : body.length;
      if (ts === undefined) {
        if (run >= 0) out.push(body.subarray(run, start));
        run = -1;
        if (this.#stopped) break;
        pos = next;
        continue;
      }
      const sameTs = readTimestamp(body, start + 4) === ts;
      if (sameTs && hasBp && readU32(body, bp) === size + FLV_TAG_HEADER_SIZE) {
        if (run < 0) run = start;
      } else {
        if (run >= 0) out.push(body.subarray(run, start));
        run = -1;
        this.#stats.rewrittenBackPointers +=
          hasBp && readU32(body, bp) === size + FLV_TAG_HEADER_SIZE ? 0 : 1;
        if (sameTs && !hasBp && framed !== undefined && bp === body.length) {
          const tag = framed.subarray(FRAME_HEAD + start, FRAME_HEAD + bp + FRAME_TAIL);
          writeU32(tag, bp - start, size + FLV_TAG_HEADER_SIZE);
          out.push(tag);
        } else {
          const head = carveHeader(TAG_OVERHEAD);
          body.copy(head, 0, start, start + FLV_TAG_HEADER_SIZE); // type, size and stream id as sent
          writeTimestamp(head, 4, ts);
          writeU32(head, FLV_TAG_HEADER_SIZE, size + FLV_TAG_HEADER_SIZE);
          out.push(head.subarray(0, FLV_TAG_HEADER_SIZE), rec.payload, head.subarray(FLV_TAG_HEADER_SIZE));
        }
      }
      this.#lastTimestamp = this.#live ? timestamp >>> 0 : ts;
      written += size + TAG_OVERHEAD;
      count++;
      pos = next;
    }
    if (run >= 0) out.push(body.subarray(run, pos));
    if (summary.truncated && !this.#stopped) this.#stats.truncatedAggregates++;
    this.#stats.tags += count;
    this.#lastSize = written;
    this.#lastCheckSize = body.length;
    return out;
  }
}

function checkSize(payload: Buffer): void {
  if (payload.length > FLV_MAX_DATA_SIZE)
    throw flvUsageError(`FLV tag payload of ${payload.length} bytes exceeds 0xFFFFFF`);
}

/** librtmp's `RTMP_FindPrefixProperty`: a property name longer than `prefix` that starts with it, in objects and ECMA arrays at any depth. */
function hasPrefixedKey(values: readonly AmfValue[], prefix: string): boolean {
  for (const v of values) if (objectHasPrefixedKey(v, prefix)) return true;
  return false;
}

function objectHasPrefixedKey(v: AmfValue, prefix: string): boolean {
  let entries: Iterable<[string, AmfValue]>;
  if (v instanceof Map) {
    if (v instanceof AMFDictionary) return false;
    entries = (v as Map<string, AmfValue>).entries();
  } else if (isAmfObjectLike(v)) {
    entries = Object.entries(v);
  } else {
    return false;
  }
  for (const [k, child] of entries) {
    if (k.length > prefix.length && k.startsWith(prefix)) return true;
    if (objectHasPrefixedKey(child, prefix)) return true;
  }
  return false;
}
