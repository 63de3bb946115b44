/**
 * FLV muxer: RTMP media messages in, FLV bytes out — the byte stream librtmp's
 * `RTMP_Read` produces when playing (notes/librtmp-parity.md §4.16; FLV-10.1 Annex E).
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
 * - Timestamps: `(timestampOffset + message timestamp) mod 2^32` (librtmp's
 *   `nResumeTS + m_nTimeStamp`), written as 24 low bits + 8 high bits (SI32 layout).
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
 * - Resuming, an aggregate that carries the resume keyframe loses the records up to it (as
 *   in librtmp), and the records after it keep their recorded timestamps — the keyframe
 *   record matched at the resume timestamp, so they are in the file's timeline. librtmp
 *   recomputes its delta from the first remaining record (message timestamp − that record
 *   + resume timestamp), which moves them by the gap between the message's start and it.
 *
 * Invariants: payloads are never copied — every tag is `[11-byte header, payload view,
 * 4-byte PreviousTagSize]` (header and PreviousTagSize are carved from a shared slab and
 * never written again once returned); a message yields zero or more whole tags.
 */
import { decode as decodeAmf0 } from '../amf/amf0.js';
import { AMFDictionary, type AmfValue } from '../amf/types.js';
import { readAggregate } from '../message/aggregate.js';
import type { RawMessage } from '../message/raw-message.js';
import { MessageType } from '../message/types.js';
import { FlvErrorCode, flvError, flvUsageError } from './errors.js';
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
  writeTagHeader,
  writeTimestamp,
  writeU32,
} from './header.js';
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
  /** Added to every timestamp (librtmp's `nResumeTS` when resuming; default 0). */
  timestampOffset?: number;
  /** `'onMetaData'` (default, librtmp) or `'all'` data messages (see the module comment). */
  scriptData?: FlvScriptDataPolicy;
  /** Drop video ≤ 5 bytes and audio ≤ 1 byte as librtmp does (default true). */
  dropSmallMedia?: boolean;
  /** Live stream: `lastTimestamp` (and the header decision) use message timestamps, as librtmp does for live. */
  live?: boolean;
  /** librtmp's header pre-read buffer (default 128 KiB); 0 decides on the first written message. */
  headerProbeLimit?: number;
  /** `push` writes the file header first (default true; false when appending, like librtmp's resume). */
  writeHeader?: boolean;
  /**
   * Append to a partial file (rtmpdump `-e`; see `findResumePoint`): timestamps get the
   * resume point's timestamp added, no header is written, and the stream is matched
   * against the file as librtmp does — a 0 ms `onMetaData` must equal the file's, the
   * re-sent keyframe (plain, or inside an aggregate at the resume timestamp) is skipped,
   * at most 50 messages may precede it, and 0 ms messages after it are skipped until the
   * first later one. A mismatch throws `ERR_FLV_RESUME_FAILED`.
   */
  resume?: FlvMuxerResume;
}

/** What `FlvMuxer` needs to resume (the fields of `findResumePoint`'s result). */
export interface FlvMuxerResume {
  /** The resume keyframe's timestamp (librtmp's `nResumeTS`; also the play start). */
  seek: number;
  /** The file's `onMetaData` body, if it has one. */
  metadata?: { payload: Buffer } | undefined;
  /** The keyframe the file ends with (tag type and body). */
  keyframe: { type: number; payload: Buffer };
}

interface ResumeState {
  timestamp: number;
  metadata: Buffer | undefined;
  keyframe: { type: number; payload: Buffer };
  gotKeyframe: boolean;
  gotFlvKeyframe: boolean;
  noIgnore: boolean;
  ignored: number;
  ignoredAggregates: number;
}

/** Counters an FlvMuxer keeps (a snapshot). */
export interface FlvMuxerStats {
  /** Tags written (aggregate records count one each). */
  tags: number;
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
/** librtmp's MAX_IGNORED_FRAMES when resuming. */
const MAX_IGNORED_FRAMES = 50;
const FILE_HEADER_TOTAL = FLV_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE;
const TAG_OVERHEAD = FLV_TAG_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE;
const DATA_TYPE_AUDIO = FlvHeaderFlag.Audio;
const DATA_TYPE_VIDEO = FlvHeaderFlag.Video;

/**
 * Slab the 11-byte headers and 4-byte PreviousTagSizes are carved from (15 bytes per tag),
 * so a tag costs two views instead of two allocations. Regions are handed out once and
 * never written again; a retained header keeps its 16 KiB slab alive.
 */
const SLAB_SIZE = 16 * 1024;
let slab: Buffer = Buffer.allocUnsafeSlow(SLAB_SIZE);
let slabPos = 0;

function carve(n: number): Buffer {
  if (SLAB_SIZE - slabPos < n) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabPos = 0;
  }
  const b = slab.subarray(slabPos, slabPos + n);
  slabPos += n;
  return b;
}

/** RTMP messages → FLV bytes, as librtmp's `RTMP_Read` writes them. */
export class FlvMuxer {
  readonly #offset: number;
  readonly #scriptData: FlvScriptDataPolicy;
  readonly #dropSmall: boolean;
  readonly #live: boolean;

  /** Resume matching state (librtmp's RTMP_READ_RESUME and friends), or null. */
  readonly #resume: ResumeState | null = null;
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
    droppedSmall: 0,
    droppedData: 0,
    ignored: 0,
    truncatedAggregates: 0,
    rewrittenBackPointers: 0,
  };

  constructor(options: FlvMuxerOptions = {}) {
    const resume = options.resume;
    if (
      resume !== undefined &&
      options.timestampOffset !== undefined &&
      options.timestampOffset !== resume.seek
    ) {
      throw flvUsageError('timestampOffset and resume.seek disagree (resume sets the offset)');
    }
    const off = resume?.seek ?? options.timestampOffset ?? 0;
    if (!Number.isInteger(off) || off < -0x80000000 || off > 0xffffffff) {
      throw flvUsageError(`timestampOffset must be a 32-bit integer, got ${off}`);
    }
    this.#offset = off >>> 0;
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
    this.#probing = resume === undefined && (options.writeHeader ?? true);
    if (resume !== undefined) {
      this.#lastTimestamp = this.#offset; // rtmpdump's Download: m_read.timestamp = dSeek
      // librtmp sets RTMP_READ_RESUME only when there is a keyframe to match.
      if (resume.keyframe.payload.length > 0) {
        this.#resume = {
          timestamp: this.#offset,
          metadata: resume.metadata?.payload,
          keyframe: resume.keyframe,
          gotKeyframe: false,
          gotFlvKeyframe: false,
          noIgnore: false,
          ignored: 0,
          ignoredAggregates: 0,
        };
      }
    }
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
   * timestamp, or for `live` streams the message timestamp. 0 before anything was written.
   */
  get lastTimestamp(): number {
    return this.#lastTimestamp;
  }

  /** True while `push` is still holding messages back to decide the header flags. */
  get probing(): boolean {
    return this.#probing;
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
    const size = tag.payload.length;
    if (size > FLV_MAX_DATA_SIZE) throw flvUsageError(`FLV tag payload of ${size} bytes exceeds 0xFFFFFF`);
    const b = carve(TAG_OVERHEAD);
    writeTagHeader(b, 0, tag.type, size, tag.timestamp >>> 0, tag.streamId ?? 0, tag.filter ?? false);
    writeU32(b, FLV_TAG_HEADER_SIZE, size + FLV_TAG_HEADER_SIZE);
    this.#stats.tags++;
    return [b.subarray(0, FLV_TAG_HEADER_SIZE), tag.payload, b.subarray(FLV_TAG_HEADER_SIZE)];
  }

  /**
   * The FLV tags for one RTMP message, librtmp's way (see the module comment): zero
   * tags for a message that is not written, several for an aggregate. No file header.
   *
   * @throws RTMPUsageError `ERR_FLV_INVALID_ARGUMENT` for an audio/video/data payload over 0xFFFFFF bytes
   */
  writeMessage(msg: RawMessage | FlvMuxInput): Buffer[] {
    this.#lastSize = 0;
    this.#lastCheckSize = 0;
    const type = msg.type;
    const payload = msg.payload;
    switch (type) {
      case MessageType.Audio:
        this.#dataType |= DATA_TYPE_AUDIO;
        if (this.#dropSmall && payload.length <= 1) {
          this.#stats.droppedSmall++;
          return [];
        }
        return this.#emit(type, msg.timestamp, payload);
      case MessageType.Video:
        this.#dataType |= DATA_TYPE_VIDEO;
        if (this.#dropSmall && payload.length <= 5) {
          this.#stats.droppedSmall++;
          return [];
        }
        return this.#emit(type, msg.timestamp, payload);
      case MessageType.DataAMF0:
        return this.#data(msg.timestamp, payload);
      case MessageType.DataAMF3:
        if (this.#scriptData === 'all' && payload.length > 0 && payload[0] === 0) {
          return this.#emit(FlvTagType.Script, msg.timestamp, payload.subarray(1));
        }
        this.#stats.droppedData++;
        return [];
      case MessageType.Aggregate: {
        if (this.#resume === null) return this.#aggregate(msg.timestamp, payload, false);
        const body = this.#resumeFilter(MessageType.Aggregate, msg.timestamp, payload);
        return body === null ? [] : this.#aggregate(msg.timestamp, body, body !== payload);
      }
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
    if (!this.#probing) return tags;
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

  #single(type: number, timestamp: number, payload: Buffer): Buffer[] {
    const size = payload.length;
    if (size > FLV_MAX_DATA_SIZE) throw flvUsageError(`FLV tag payload of ${size} bytes exceeds 0xFFFFFF`);
    const ts = (this.#offset + timestamp) >>> 0;
    const b = carve(TAG_OVERHEAD);
    writeTagHeader(b, 0, type, size, ts);
    writeU32(b, FLV_TAG_HEADER_SIZE, size + FLV_TAG_HEADER_SIZE);
    this.#stats.tags++;
    this.#lastTimestamp = this.#live ? timestamp >>> 0 : ts;
    this.#lastSize = this.#lastCheckSize = size + TAG_OVERHEAD;
    return [b.subarray(0, FLV_TAG_HEADER_SIZE), payload, b.subarray(FLV_TAG_HEADER_SIZE)];
  }

  #data(timestamp: number, payload: Buffer): Buffer[] {
    if (!this.#handleMetadata(payload) && this.#scriptData !== 'all') {
      this.#stats.droppedData++;
      return [];
    }
    return this.#emit(FlvTagType.Script, timestamp, payload);
  }

  /** Writes one A/V/script tag, after the resume filter when resuming. */
  #emit(type: number, timestamp: number, payload: Buffer): Buffer[] {
    if (this.#resume !== null && this.#resumeFilter(type, timestamp, payload) === null) return [];
    return this.#single(type, timestamp, payload);
  }

  /**
   * librtmp's `Read_1_Packet` RESUME branch: null to ignore the message, else the payload
   * to write (an aggregate loses the records up to and including the resume keyframe).
   *
   * @throws RTMPProtocolError `ERR_FLV_RESUME_FAILED` (librtmp's RTMP_READ_ERROR)
   */
  #resumeFilter(type: number, timestamp: number, payload: Buffer): Buffer | null {
    const st = this.#resume!;
    const ts = timestamp >>> 0;
    if (ts === 0) {
      if (
        st.metadata !== undefined &&
        type === MessageType.DataAMF0 &&
        firstScriptName(payload) === 'onMetaData'
      ) {
        let decodes = true;
        try {
          decodeAmf0(payload);
        } catch {
          decodes = false;
        }
        if (decodes && !payload.equals(st.metadata)) {
          throw flvError(
            FlvErrorCode.RESUME_FAILED,
            "resuming: the stream's onMetaData differs from the file's",
          );
        }
      }
      const kf = st.keyframe;
      if (type === kf.type && payload.length === kf.payload.length && payload.equals(kf.payload)) {
        st.gotKeyframe = true; // the re-sent keyframe: already in the file
        return null;
      }
      if (type === MessageType.Aggregate) {
        // Find the record at the resume timestamp; the records up to it are already in the file.
        const len = payload.length;
        for (let pos = 0; pos + FLV_TAG_HEADER_SIZE < len; ) {
          const dataSize = (payload[pos + 1]! << 16) | (payload[pos + 2]! << 8) | payload[pos + 3]!;
          const recTs = readTimestamp(payload, pos + 4);
          if (payload[pos] === kf.type) {
            if (recTs === st.timestamp) {
              const start = pos + FLV_TAG_HEADER_SIZE;
              if (
                dataSize !== kf.payload.length ||
                !kf.payload.equals(payload.subarray(start, start + dataSize))
              ) {
                throw flvError(
                  FlvErrorCode.RESUME_FAILED,
                  'resuming: the keyframe at the resume timestamp differs',
                );
              }
              st.gotFlvKeyframe = true;
              const next = start + dataSize + FLV_PREVIOUS_TAG_SIZE_SIZE;
              if (next > len) {
                throw flvError(
                  FlvErrorCode.RESUME_FAILED,
                  'resuming: the keyframe record does not end with its back pointer',
                );
              }
              payload = payload.subarray(next);
              break;
            }
            if (st.timestamp < recTs) break; // later records only get later: wait for the seek
          }
          pos += FLV_TAG_HEADER_SIZE + dataSize + FLV_PREVIOUS_TAG_SIZE_SIZE;
        }
        if (!st.gotFlvKeyframe) return null;
      }
    }
    if (ts > 0 && (st.gotKeyframe || st.gotFlvKeyframe)) {
      // Past the resume point: accept everything, also a switch between plain and aggregate media.
      st.gotKeyframe = st.gotFlvKeyframe = true;
    }
    if (type !== MessageType.Aggregate) {
      if (!st.gotKeyframe) return this.#ignoreBeforeKeyframe(st, 'ignored');
      if (!st.noIgnore) {
        if (ts === 0) return null; // 0 ms copies of what the file already has
        st.noIgnore = true;
      }
    } else if (!st.gotFlvKeyframe) {
      return this.#ignoreBeforeKeyframe(st, 'ignoredAggregates');
    }
    return payload;
  }

  #ignoreBeforeKeyframe(st: ResumeState, counter: 'ignored' | 'ignoredAggregates'): null {
    if (++st[counter] > MAX_IGNORED_FRAMES) {
      throw flvError(
        FlvErrorCode.RESUME_FAILED,
        `resuming: more than ${MAX_IGNORED_FRAMES} frames before the resume keyframe (try skipping a keyframe more)`,
      );
    }
    return null;
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
   * Rewrites the records of `body` into tags. `trimmed`: resuming cut the records up to the
   * resume keyframe off the front; that keyframe's record timestamp equals the resume
   * timestamp, so the records are already in the file's timeline and keep their recorded
   * timestamps (librtmp recomputes its delta from the first remaining record instead, which
   * moves them by the gap between the aggregate's start and that record).
   */
  #aggregate(timestamp: number, body: Buffer, trimmed: boolean): Buffer[] {
    const base = trimmed && body.length >= 8 ? readTimestamp(body, 4) : (this.#offset + timestamp) >>> 0;
    const split = readAggregate({ payload: body, timestamp: base, streamId: 0 });
    const msgs = split.messages;
    if (split.truncated) this.#stats.truncatedAggregates++;
    this.#stats.rewrittenBackPointers += split.badBackPointers + (split.missingFinalBackPointer ? 1 : 0);
    const out: Buffer[] = [];
    let written = 0;
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i]!;
      const size = m.payload.length;
      const start = m.payload.byteOffset - body.byteOffset - FLV_TAG_HEADER_SIZE;
      const b = carve(TAG_OVERHEAD);
      body.copy(b, 0, start, start + FLV_TAG_HEADER_SIZE);
      writeTimestamp(b, 4, m.timestamp); // rebased (unchanged bytes when librtmp's delta is 0)
      writeU32(b, FLV_TAG_HEADER_SIZE, size + FLV_TAG_HEADER_SIZE);
      out.push(b.subarray(0, FLV_TAG_HEADER_SIZE), m.payload, b.subarray(FLV_TAG_HEADER_SIZE));
      const recType = b[0]!;
      if (recType === MessageType.Audio) this.#dataType |= DATA_TYPE_AUDIO;
      else if (recType === MessageType.Video) this.#dataType |= DATA_TYPE_VIDEO;
      // librtmp's RTMP_ClientPacket runs HandleMetadata on script records that end with a back pointer.
      else if (recType === MessageType.DataAMF0 && (i < msgs.length - 1 || !split.missingFinalBackPointer)) {
        this.#handleMetadata(m.payload);
      }
      written += size + TAG_OVERHEAD;
    }
    this.#stats.tags += msgs.length;
    if (msgs.length > 0)
      this.#lastTimestamp = this.#live ? timestamp >>> 0 : msgs[msgs.length - 1]!.timestamp;
    this.#lastSize = written;
    this.#lastCheckSize = body.length;
    return out;
  }
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
