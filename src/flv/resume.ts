/**
 * Resuming a partly downloaded FLV file (rtmpdump `-e/--resume`, `-k/--skip`), both sides:
 *
 * File side — `findResumePoint`: the file's header, its `onMetaData` (body and duration)
 * and its last video keyframe (audio-only files: the last audio tag), `skipKeyframes`
 * further back on request. Where rtmpdump's `OpenResumeFile`/`GetLastKeyframe` fail or
 * do worse, this does better, on purpose:
 * - tags are walked forwards by their DataSize (FLV-10.1 E.4.1), not backwards through
 *   PreviousTagSize: a file cut inside a tag (killed process, full disk) resumes from its
 *   complete tags instead of failing as "corrupt";
 * - the file is kept only up to the keyframe's PreviousTagSize (`appendAt`: cut there,
 *   append after), so no stale bytes survive past the new end;
 * - sequence headers (AVC/HEVC/E-RTMP) are not resume points: servers re-send them;
 * - a file without a resume point, or whose resume point is at 0 ms, starts over
 *   (`kind: 'fresh'`) — rtmpdump fails, or writes a second FLV header mid-file.
 *
 * Stream side — `ResumeFilter` (FlvMuxer's `resume` option): nothing is written until
 * the stream's copy of the file's keyframe (same type, same bytes) has gone by; its
 * timestamp against the file's gives the offset every later tag gets, so it works
 * whether the server seeks and sends absolute timestamps (nginx-rtmp), restarts from 0
 * with absolute timestamps, or rebases the seek point to 0 (FMS; librtmp's `nResumeTS`).
 * After a keyframe re-sent at 0 ms, further 0 ms messages are copies of what the file
 * already has and are skipped until the first later one (librtmp's `Read_1_Packet`); the
 * file's `onMetaData`, sent again, is not written twice. A keyframe of the resume type
 * later than the file's one, before the match, means the stream has passed it:
 * `ERR_FLV_RESUME_FAILED` (rtmpdump: "Couldn't resume FLV file, try --skip N+1") — except
 * the first time on a stream that keeps the file's timestamps (its first media message at
 * or above half the keyframe's time, the rule of `playRestamped`): nginx-rtmp, given a
 * keyframe index, starts at the first keyframe whose time is after the position asked for,
 * so asking for the keyframe's own time lands on the next one. Then `ERR_FLV_RESUME_PASSED`
 * tells the caller to seek 1 ms before the keyframe, and the filter goes on strictly: what
 * it reads next is the seek's answer, and the keyframe matches only with its own
 * timestamp as well as its bytes (a keyframe repeated byte for byte is not taken for it).
 *
 * Invariants: file reads go through the caller's `read(position, length)` — a file
 * never needs to be in memory; each read is one tag header plus 64 bytes, one script
 * body, or the keyframe body. Errors are `RTMPProtocolError`s (`ERR_FLV_BAD_HEADER`,
 * `ERR_FLV_NO_RESUME_POINT`, `ERR_FLV_RESUME_PASSED`, `ERR_FLV_RESUME_FAILED`) or
 * `RTMPUsageError`s for bad options.
 */
import { ProtocolCode } from '../error-codes.js';
import { flvError, flvUsageError } from './errors.js';
import {
  decodeFileHeader,
  FLV_HEADER_SIZE,
  FLV_PREVIOUS_TAG_SIZE_SIZE,
  FLV_TAG_HEADER_SIZE,
  type FlvFileHeader,
  FlvTagType,
  hasFlvSignature,
  readTimestamp,
} from './header.js';
import { isKeyframe, isSequenceHeader, playRestamped, seekBefore } from './media.js';
import { parseOnMetaData } from './metadata.js';
import { parseScriptTag } from './script.js';

/** Reads up to `length` bytes at `position` (fewer at the end of the file). */
export type FlvRandomRead = (position: number, length: number) => Uint8Array;

/** The tag a resume continues after. */
export interface FlvResumeKeyframe {
  /** Tag type: 9 (video keyframe), or 8 for audio-only files. */
  type: number;
  timestamp: number;
  /** Its body, to recognise it in the stream. */
  payload: Buffer;
  /** Byte offset of its tag header. */
  offset: number;
}

/** What `findResumePoint` found: a resume point, or why to start over. */
export type FlvResumePoint = FlvResumeAt | FlvResumeFresh;

/** Keep the file up to `appendAt` and continue after `keyframe`. */
export interface FlvResumeAt extends FlvResumeScan {
  kind: 'resume';
  reason: undefined;
  /** The tag to continue after. */
  keyframe: FlvResumeKeyframe;
}

/** Start the file over (`appendAt` 0). */
export interface FlvResumeFresh extends FlvResumeScan {
  kind: 'fresh';
  /** Why the download starts over. */
  reason: string;
  keyframe: undefined;
}

/** What the scan of a partial file saw. */
export interface FlvResumeScan {
  /** The file header, when the file has a complete one. */
  header: FlvFileHeader | undefined;
  /** The header announces audio and not video: resume at the last audio tag. */
  audioOnly: boolean;
  /** The first `onMetaData` tag: its body (not written again), duration (s) and offset. */
  metadata: { payload: Buffer; duration: number | undefined; offset: number } | undefined;
  /** The play start, ms: the keyframe's timestamp (0 to start over). */
  seek: number;
  /** Bytes of the file to keep (after the keyframe's PreviousTagSize; 0 to start over). */
  appendAt: number;
  /** Complete tags found, and where they end (a partial tag after them is ignored). */
  tags: number;
  completeEnd: number;
}

/** Options of `findResumePoint`. */
export interface FindResumePointOptions {
  /** Skip this many more keyframes back (rtmpdump `--skip`; default 0). */
  skipKeyframes?: number;
}

/** Bytes of a payload read to classify it (legacy headers need 2; E-RTMP ModEx a few more). */
const CLASSIFY_BYTES = 64;

/**
 * Finds where to resume a partial FLV file of `size` bytes (see the module comment).
 *
 * @throws RTMPProtocolError `ERR_FLV_BAD_HEADER` (not FLV, not version 1, no audio or
 *   video flag), `ERR_FLV_NO_RESUME_POINT` (fewer than `skipKeyframes + 1` resume points)
 */
export function findResumePoint(
  read: FlvRandomRead,
  size: number,
  options: FindResumePointOptions = {},
): FlvResumePoint {
  const skip = options.skipKeyframes ?? 0;
  if (!Number.isSafeInteger(skip) || skip < 0)
    throw flvUsageError(`skipKeyframes must be a non-negative integer, got ${skip}`);
  if (!Number.isSafeInteger(size) || size < 0)
    throw flvUsageError(`size must be a non-negative integer, got ${size}`);
  const fresh = (reason: string, more: Partial<FlvResumeScan> = {}): FlvResumeFresh => ({
    kind: 'fresh',
    reason,
    header: undefined,
    audioOnly: false,
    metadata: undefined,
    keyframe: undefined,
    seek: 0,
    appendAt: 0,
    tags: 0,
    completeEnd: 0,
    ...more,
  });
  if (size === 0) return fresh('the file is empty');
  const head = read(0, Math.min(size, FLV_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE));
  if (head.length < FLV_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE) {
    // A prefix of an FLV header: nothing was downloaded yet.
    if ([0x46, 0x4c, 0x56].slice(0, Math.min(3, head.length)).every((b, i) => head[i] === b)) {
      return fresh('the file holds no complete FLV header');
    }
    throw flvError(ProtocolCode.FLV_BAD_HEADER, 'not an FLV file');
  }
  if (!hasFlvSignature(head)) throw flvError(ProtocolCode.FLV_BAD_HEADER, 'not an FLV file');
  const header = decodeFileHeader(head);
  if (header.version !== 1)
    throw flvError(ProtocolCode.FLV_BAD_HEADER, `unsupported FLV version ${header.version}`);
  if (!header.hasAudio && !header.hasVideo)
    throw flvError(ProtocolCode.FLV_BAD_HEADER, 'the FLV header announces neither video nor audio');
  const audioOnly = header.hasAudio && !header.hasVideo;

  // The last `skip + 1` resume candidates (a ring) and the metadata, walking forwards.
  const keep = skip + 1;
  const ring: { offset: number; type: number; size: number; timestamp: number }[] = [];
  let count = 0;
  let metadata: FlvResumeScan['metadata'];
  let pos = header.dataOffset + FLV_PREVIOUS_TAG_SIZE_SIZE;
  let tags = 0;
  while (pos + FLV_TAG_HEADER_SIZE <= size) {
    const h = read(pos, FLV_TAG_HEADER_SIZE + CLASSIFY_BYTES);
    if (h.length < FLV_TAG_HEADER_SIZE) break;
    const type = h[0]! & 0x1f;
    const dataSize = (h[1]! << 16) | (h[2]! << 8) | h[3]!;
    const end = pos + FLV_TAG_HEADER_SIZE + dataSize + FLV_PREVIOUS_TAG_SIZE_SIZE;
    if (end > size) break; // a partial tag at the end
    if (type !== FlvTagType.Audio && type !== FlvTagType.Video && type !== FlvTagType.Script) {
      if (type !== FlvTagType.ScriptAMF3) break; // garbage: the rest is not trusted
    }
    const timestamp = readTimestamp(h, 4);
    const start = h.subarray(FLV_TAG_HEADER_SIZE, FLV_TAG_HEADER_SIZE + Math.min(dataSize, CLASSIFY_BYTES));
    if (type === FlvTagType.Script && metadata === undefined) {
      metadata = readMetadata(read, pos, dataSize);
    }
    const candidate = audioOnly
      ? type === FlvTagType.Audio
      : type === FlvTagType.Video && isKeyframe(type, start) && !isSequenceHeader(type, start);
    if (candidate) {
      ring[count % keep] = { offset: pos, type, size: dataSize, timestamp };
      count++;
    }
    tags++;
    pos = end;
  }
  const found = { header, audioOnly, metadata, tags, completeEnd: pos };
  const what = audioOnly ? 'audio frame' : 'video keyframe';
  if (count === 0) return fresh(`the file has no ${what} to resume from`, found);
  if (count < keep) {
    throw flvError(
      ProtocolCode.FLV_NO_RESUME_POINT,
      `cannot skip ${skip} keyframes: the file has only ${count} ${what}${count === 1 ? '' : 's'} to resume from`,
    );
  }
  const k = ring[(count - keep) % keep]!;
  if (k.timestamp === 0) return fresh(`the last ${what} is the first frame of the stream`, found);
  const payload = Buffer.from(read(k.offset + FLV_TAG_HEADER_SIZE, k.size));
  return {
    ...found,
    kind: 'resume',
    reason: undefined,
    keyframe: { type: k.type, timestamp: k.timestamp, payload, offset: k.offset },
    seek: k.timestamp,
    appendAt: k.offset + FLV_TAG_HEADER_SIZE + k.size + FLV_PREVIOUS_TAG_SIZE_SIZE,
  };
}

/** `findResumePoint` over a file already in memory. */
export function findResumePointIn(file: Uint8Array, options?: FindResumePointOptions): FlvResumePoint {
  return findResumePoint((pos, len) => file.subarray(pos, pos + len), file.length, options);
}

/** The script tag at `pos` when it is a decodable `onMetaData`. */
function readMetadata(read: FlvRandomRead, pos: number, dataSize: number): FlvResumeScan['metadata'] {
  const payload = Buffer.from(read(pos + FLV_TAG_HEADER_SIZE, dataSize));
  try {
    const meta = parseOnMetaData(parseScriptTag(payload).values);
    return meta === undefined ? undefined : { payload, duration: meta.duration, offset: pos };
  } catch {
    return undefined; // undecodable script data is not metadata
  }
}

/** What the stream side needs of a resume point. */
export interface FlvResumeTarget {
  /** The tag the file ends with (type, file timestamp, body). */
  keyframe: { type: number; timestamp: number; payload: Buffer };
  /** The file's `onMetaData`, if any (not written again). */
  metadata?: { payload: Buffer } | undefined;
}

/** The stream side of a resume (see the module comment): which tags to write, and their offset. */
export class ResumeFilter {
  readonly #key: FlvResumeTarget['keyframe'];
  readonly #metadata: Buffer | undefined;
  #matched = false;
  #offset = 0;
  /** The keyframe came again at 0 ms: 0 ms messages after it are copies, until a later one. */
  #skipZero = false;
  /** The stream's first audio/video timestamp (tells whether it keeps the file's timestamps). */
  #firstTs: number | undefined;
  /** After `ERR_FLV_RESUME_PASSED`: the keyframe matches only with its own timestamp. */
  #strict = false;

  constructor(target: FlvResumeTarget) {
    this.#key = target.keyframe;
    this.#metadata = target.metadata?.payload;
  }

  /** True once the stream's copy of the keyframe went by. */
  get matched(): boolean {
    return this.#matched;
  }

  /**
   * The offset to add to the tag's timestamp, or undefined when it is not written.
   *
   * @throws RTMPProtocolError `ERR_FLV_RESUME_PASSED` the first time a stream with the file's
   *   timestamps passed the keyframe (seek to 1 ms before it and read on), `ERR_FLV_RESUME_FAILED`
   *   when the stream passed the keyframe's time without it
   */
  admit(type: number, timestamp: number, payload: Buffer): number | undefined {
    const key = this.#key;
    if (!this.#matched) {
      if (type === FlvTagType.Audio || type === FlvTagType.Video) this.#firstTs ??= timestamp;
      if (type !== key.type) return undefined;
      // Stamped later than the keyframe: not it, even with its bytes (servers stamp it with
      // its own time, or less when they restamp).
      if (timestamp > key.timestamp) {
        if (!isKeyframe(type, payload)) return undefined;
        const passed = `resuming: the stream passed the file's last keyframe (${key.timestamp} ms) without sending it`;
        if (this.#strict || playRestamped(key.timestamp, this.#firstTs!))
          throw flvError(ProtocolCode.FLV_RESUME_FAILED, passed);
        this.#strict = true;
        throw flvError(
          ProtocolCode.FLV_RESUME_PASSED,
          `${passed}: seek to ${seekBefore(key.timestamp)} ms and read on`,
        );
      }
      if (
        payload.length === key.payload.length &&
        (!this.#strict || timestamp === key.timestamp) &&
        payload.equals(key.payload)
      ) {
        this.#matched = true;
        this.#offset = key.timestamp - timestamp;
        this.#skipZero = timestamp === 0;
      }
      return undefined;
    }
    if (this.#skipZero) {
      if (timestamp === 0) return undefined;
      this.#skipZero = false;
    }
    const meta = this.#metadata;
    if (type === FlvTagType.Script && meta !== undefined && payload.equals(meta)) return undefined;
    return this.#offset;
  }
}
