/**
 * Resume point of a partly downloaded FLV file — rtmpdump's `-e/--resume` file side
 * (`OpenResumeFile` + `GetLastKeyframe`, notes/librtmp-parity.md §4.17): the file's
 * `onMetaData` body (the stream must send the byte-identical one again) and its duration,
 * and the last video keyframe (or, for audio-only files, the last audio tag), found by
 * walking PreviousTagSize fields backwards from the end; `skipKeyframes` steps back
 * further (`--skip N`). The stream side — matching the re-sent keyframe and metadata,
 * ignoring what precedes it — is `FlvMuxer`'s `resume` option.
 *
 * Mirrors rtmpdump, including its quirks: the header must be version 1 with the audio or
 * video flag set; the metadata scan walks tags forwards by DataSize and stops at the first
 * script tag that does not decode; "audio-only" means the header flags say audio and not
 * video; with `skipKeyframes` in an audio-only file every tag counts as one to skip.
 * Deliberate difference: when the resume keyframe is at 0 ms rtmpdump "switches to normal
 * mode" but keeps writing into the old file at its current position (a second FLV header
 * mid-file); here `restart: true` tells the caller to start the file over.
 *
 * Invariants: reads go through the caller's `read(position, length)` (a file never needs
 * to be in memory); each read is at most one tag (≤ 16 MiB) plus 15 bytes; errors are
 * `RTMPProtocolError`s: `ERR_FLV_BAD_HEADER`, `ERR_FLV_TRUNCATED`, `ERR_FLV_NO_RESUME_POINT`.
 */
import { decode as decodeAmf0 } from '../amf/amf0.js';
import type { AmfValue } from '../amf/types.js';
import { FlvErrorCode, flvError, flvUsageError } from './errors.js';
import {
  FLV_HEADER_SIZE,
  FLV_PREVIOUS_TAG_SIZE_SIZE,
  FLV_TAG_HEADER_SIZE,
  type FlvFileHeader,
  FlvHeaderFlag,
  FlvTagType,
  hasFlvSignature,
  readTimestamp,
  readU32,
} from './header.js';
import { firstScriptName, isAmfObjectLike, ON_METADATA } from './script.js';

/** Reads up to `length` bytes at `position` (fewer at the end of the file). */
export type FlvRandomRead = (position: number, length: number) => Uint8Array;

/** Where and how to resume. */
export interface FlvResumePoint {
  /** The file header. */
  header: FlvFileHeader;
  /** The first `onMetaData` script tag's body (a resumed stream must re-send it byte-identical) and its `duration` (s). */
  metadata: { payload: Buffer; duration: number | undefined; offset: number } | undefined;
  /** The tag to resume at: the last video keyframe, or the last audio tag of an audio-only file. */
  keyframe: { type: number; timestamp: number; payload: Buffer; offset: number };
  /** The play start (ms) and the timestamp offset for the new tags: the keyframe's timestamp. */
  seek: number;
  /** Byte offset to continue writing at: after the keyframe's PreviousTagSize. */
  appendAt: number;
  /** The keyframe is at 0 ms: nothing to resume, download the file afresh (rtmpdump switches to normal mode). */
  restart: boolean;
}

/** Options of `findResumePoint`. */
export interface FindResumePointOptions {
  /** Skip this many more keyframes back (rtmpdump `--skip`; default 0). */
  skipKeyframes?: number;
}

/**
 * Finds where to resume a partial FLV file of `size` bytes. Undefined for an empty file
 * (rtmpdump then downloads normally).
 *
 * @throws RTMPProtocolError `ERR_FLV_BAD_HEADER` (not FLV v1, or no audio/video flag),
 *   `ERR_FLV_TRUNCATED` (shorter than its header), `ERR_FLV_NO_RESUME_POINT` (no keyframe
 *   found walking back, or a corrupt PreviousTagSize — "try --skip N+1")
 */
export function findResumePoint(
  read: FlvRandomRead,
  size: number,
  options: FindResumePointOptions = {},
): FlvResumePoint | undefined {
  let skip = options.skipKeyframes ?? 0;
  if (!Number.isInteger(skip) || skip < 0)
    throw flvUsageError(`skipKeyframes must be a non-negative integer, got ${skip}`);
  if (!Number.isSafeInteger(size) || size < 0)
    throw flvUsageError(`size must be a non-negative integer, got ${size}`);
  if (size === 0) return undefined;

  // --- OpenResumeFile
  const hbuf = readExactly(read, 0, FLV_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE);
  if (hbuf === undefined) throw flvError(FlvErrorCode.TRUNCATED, "couldn't read the FLV file header");
  if (!hasFlvSignature(hbuf) || hbuf[3] !== 1)
    throw flvError(FlvErrorCode.BAD_HEADER, 'invalid FLV file (not FLV version 1)');
  const flags = hbuf[4]!;
  if ((flags & (FlvHeaderFlag.Audio | FlvHeaderFlag.Video)) === 0) {
    throw flvError(FlvErrorCode.BAD_HEADER, 'FLV file contains neither video nor audio');
  }
  const dataOffset = readU32(hbuf, 5);
  const header: FlvFileHeader = {
    version: 1,
    hasAudio: (flags & FlvHeaderFlag.Audio) !== 0,
    hasVideo: (flags & FlvHeaderFlag.Video) !== 0,
    flags,
    dataOffset,
  };
  if (readExactly(read, dataOffset, 4) === undefined) {
    throw flvError(FlvErrorCode.TRUNCATED, 'invalid FLV file: missing the first PreviousTagSize');
  }
  let metadata: FlvResumePoint['metadata'];
  for (let pos = dataOffset + 4; pos < size - 4; ) {
    const h = readExactly(read, pos, 4);
    if (h === undefined) break;
    const dataSize = (h[1]! << 16) | (h[2]! << 8) | h[3]!;
    if (h[0] === FlvTagType.Script) {
      const body = readExactly(read, pos + FLV_TAG_HEADER_SIZE, dataSize);
      if (body === undefined) break;
      let values: AmfValue[];
      try {
        values = decodeAmf0(body);
      } catch {
        break; // rtmpdump: "error decoding meta data packet" ends the scan
      }
      if (firstScriptName(body) === ON_METADATA) {
        metadata = { payload: Buffer.from(body), duration: findNumber(values, 'duration'), offset: pos };
        break;
      }
    }
    pos += dataSize + FLV_TAG_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE;
  }

  // --- GetLastKeyframe
  const audioOnly = header.hasAudio && !header.hasVideo;
  let tsize = 0;
  let prevTagSize = 0;
  let tag: Uint8Array;
  for (;;) {
    if (size - tsize < 13) {
      throw flvError(
        FlvErrorCode.NO_RESUME_POINT,
        "unexpected start of file: couldn't arrive at PreviousTagSize 0",
      );
    }
    const p = readExactly(read, size - tsize - 4, 4);
    if (p === undefined) throw flvError(FlvErrorCode.NO_RESUME_POINT, "couldn't read a PreviousTagSize");
    prevTagSize = readU32(p, 0);
    if (prevTagSize === 0)
      throw flvError(FlvErrorCode.NO_RESUME_POINT, "couldn't find a keyframe to resume from");
    if (prevTagSize > size - 4 - 13) {
      throw flvError(
        FlvErrorCode.NO_RESUME_POINT,
        `PreviousTagSize ${prevTagSize} exceeds the file: corrupt file`,
      );
    }
    tsize += prevTagSize + 4;
    const t = readExactly(read, size - tsize, 12);
    if (t === undefined) throw flvError(FlvErrorCode.NO_RESUME_POINT, "couldn't read a tag header");
    tag = t;
    const videoKey = t[0] === FlvTagType.Video && (t[11]! & 0xf0) === 0x10;
    if (skip > 0 && (audioOnly || videoKey)) {
      skip--;
      continue;
    }
    if (audioOnly ? t[0] === FlvTagType.Audio : videoKey) break;
  }
  const frameSize = prevTagSize - FLV_TAG_HEADER_SIZE;
  const offset = size - tsize;
  const payload = readExactly(read, offset + FLV_TAG_HEADER_SIZE, frameSize);
  if (payload === undefined) throw flvError(FlvErrorCode.NO_RESUME_POINT, "couldn't read the last keyframe");
  const timestamp = readTimestamp(tag, 4);
  return {
    header,
    metadata,
    keyframe: { type: tag[0]!, timestamp, payload: Buffer.from(payload), offset },
    seek: timestamp,
    appendAt: offset + prevTagSize + FLV_PREVIOUS_TAG_SIZE_SIZE,
    restart: timestamp === 0,
  };
}

/** `findResumePoint` over a file already in memory. */
export function findResumePointIn(
  file: Uint8Array,
  options?: FindResumePointOptions,
): FlvResumePoint | undefined {
  return findResumePoint((pos, len) => file.subarray(pos, pos + len), file.length, options);
}

function readExactly(read: FlvRandomRead, position: number, length: number): Uint8Array | undefined {
  if (length === 0) return new Uint8Array(0);
  const b = read(position, length);
  return b.length >= length ? b.subarray(0, length) : undefined;
}

const NOT_FOUND = Symbol('not found');

/**
 * librtmp's `RTMP_FindFirstMatchingProperty` read as a number: the first property named
 * `name`, depth-first through objects and ECMA arrays; undefined if absent or not a number.
 */
function findNumber(values: readonly AmfValue[], name: string): number | undefined {
  const v = findFirst(values, name);
  return typeof v === 'number' ? v : undefined;
}

function findFirst(values: readonly AmfValue[], name: string): AmfValue | typeof NOT_FOUND {
  for (const v of values) {
    if (!isAmfObjectLike(v)) continue;
    for (const [k, child] of Object.entries(v)) {
      if (k === name) return child;
      const inner = findFirst([child], name);
      if (inner !== NOT_FOUND) return inner;
    }
  }
  return NOT_FOUND;
}
