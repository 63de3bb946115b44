/**
 * `--resume` support: where a partial FLV download can be continued
 * (rtmpdump `-e`/`-k`: `OpenResumeFile` + `GetLastKeyframe` in `rtmpdump.c`).
 *
 * `findResumePoint` reads the file's header, its `onMetaData` (for the duration) and the
 * headers of its tags, and picks the last video keyframe (for audio-only files: the last
 * audio tag), skipping `skip` more of them on request (`--skip N`). The download then
 * restarts at that keyframe's timestamp; the stream's copy of that keyframe is recognised
 * (same type and same bytes), the file is cut right after the keyframe's tag, and what
 * follows in the stream is appended (a resume that never finds it leaves the file as is).
 *
 * Deliberate differences from rtmpdump, each because rtmpdump's result is worse:
 * - the tags are walked forwards using their DataSize, not backwards through
 *   PreviousTagSize: a file cut in the middle of a tag (killed process, full disk, a
 *   copy) resumes instead of failing with "corrupt file" — the partial tag is dropped;
 * - the file is truncated after the keyframe (rtmpdump only seeks there, so stale bytes
 *   survive past the end when the new data is shorter);
 * - AVC/HEVC sequence headers are not resume points (they are not frames; servers resend
 *   them on every play anyway);
 * - a file without any keyframe (or an FLV header and nothing else) starts over
 *   instead of failing; a file that is not FLV is never overwritten.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  decodeFileHeader,
  FLV_HEADER_SIZE,
  FLV_TAG_HEADER_SIZE,
  FlvTagType,
  hasFlvSignature,
  readTimestamp,
} from '../flv/header.js';
import { isKeyframe, isSequenceHeader } from '../flv/media.js';
import { parseOnMetaData } from '../flv/metadata.js';
import { parseScriptTag } from '../flv/script.js';
import { CliError } from './exit-codes.js';

/** Where and how to continue a partial file. */
export interface ResumePoint {
  /** Timestamp of the keyframe to restart at, ms. */
  timestamp: number;
  /** Byte offset just after the keyframe's tag (its PreviousTagSize included): truncate the file here. */
  truncateAt: number;
  /** Byte offset of the keyframe's tag header. */
  keyframeOffset: number;
  /** Tag type of the keyframe (9 video, or 8 for audio-only files). */
  keyframeType: number;
  /** The keyframe's payload, to recognise it in the stream. */
  keyframePayload: Buffer;
  /** Keyframes (or audio tags) skipped with `--skip`. */
  skipped: number;
}

/** What `findResumePoint` found. */
export interface ResumeScan {
  /** `resume`: continue at `point`; `fresh`: start over (truncate to 0); `missing`: no file yet. */
  kind: 'resume' | 'fresh' | 'missing';
  /** Why the download starts over, for `fresh`. */
  reason?: string;
  /** The resume point, for `resume`. */
  point?: ResumePoint;
  /** The file's size before anything is cut. */
  fileSize: number;
  /** Duration from the file's `onMetaData`, seconds (0 if unknown). */
  duration: number;
  /** The file's `onMetaData` tag payload, if any (the stream's identical copy is not written again). */
  metadataPayload?: Buffer;
  /** Audio-only file (header flags): resume at the last audio tag. */
  audioOnly: boolean;
  /** Complete tags found. */
  tags: number;
  /** Offset where the complete tags end (a partial tag after it is ignored). */
  completeEnd: number;
}

/** Bytes of a payload read for classification (legacy headers need 2; E-RTMP ModEx a few more). */
const CLASSIFY_BYTES = 64;

function readAt(fd: number, length: number, position: number): Buffer {
  const b = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, b, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? b : b.subarray(0, got);
}

/**
 * Finds where to resume `path` (see the module comment).
 *
 * @param skip keyframes to skip back (`--skip`, ≥ 0)
 * @throws CliError (exit 1) when the file is not FLV, announces neither audio nor video,
 *   has fewer than `skip + 1` keyframes, or cannot be read
 */
export function findResumePoint(path: string, skip = 0): ResumeScan {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return { kind: 'missing', fileSize: 0, duration: 0, audioOnly: false, tags: 0, completeEnd: 0 };
    }
    throw new CliError(`cannot read ${path} to resume it: ${(err as Error).message}`);
  }
  try {
    return scan(fd, path, skip);
  } finally {
    closeSync(fd);
  }
}

function scan(fd: number, path: string, skip: number): ResumeScan {
  const size = fstatSync(fd).size;
  const base = { fileSize: size, duration: 0, audioOnly: false, tags: 0, completeEnd: 0 };
  if (size === 0) return { ...base, kind: 'fresh', reason: 'the file is empty' };
  const head = readAt(fd, Math.min(size, FLV_HEADER_SIZE + 4), 0);
  if (head.length < FLV_HEADER_SIZE + 4) {
    // A prefix of an FLV header: nothing was downloaded yet.
    const sig = Buffer.from('FLV');
    if (head.equals(sig.subarray(0, Math.min(3, head.length))) || hasFlvSignature(head)) {
      return { ...base, kind: 'fresh', reason: 'the file holds no complete FLV header' };
    }
    throw new CliError(`${path} is not an FLV file: not resuming into it`);
  }
  if (!hasFlvSignature(head)) throw new CliError(`${path} is not an FLV file: not resuming into it`);
  const header = decodeFileHeader(head);
  if (header.version !== 1) throw new CliError(`${path}: unsupported FLV version ${header.version}`);
  if (!header.hasAudio && !header.hasVideo) {
    throw new CliError(`${path}: the FLV header announces neither video nor audio, cannot resume`);
  }
  const audioOnly = header.hasAudio && !header.hasVideo;
  base.audioOnly = audioOnly;

  // The last `skip + 1` resume candidates (a ring of offsets) and the metadata.
  const keep = skip + 1;
  const candidates: { offset: number; type: number; size: number; timestamp: number }[] = [];
  let count = 0;
  let metadataPayload: Buffer | undefined;
  let duration = 0;
  let pos = header.dataOffset + 4;
  let tags = 0;
  while (pos + FLV_TAG_HEADER_SIZE <= size) {
    const h = readAt(fd, FLV_TAG_HEADER_SIZE + CLASSIFY_BYTES, pos);
    const type = h[0]! & 0x1f;
    const dataSize = (h[1]! << 16) | (h[2]! << 8) | h[3]!;
    const end = pos + FLV_TAG_HEADER_SIZE + dataSize + 4;
    if (end > size) break; // a partial tag at the end
    if (type !== FlvTagType.Audio && type !== FlvTagType.Video && type !== FlvTagType.Script) {
      if (type !== FlvTagType.ScriptAMF3) break; // garbage: the rest is not trusted
    }
    const timestamp = readTimestamp(h, 4);
    const start = h.subarray(FLV_TAG_HEADER_SIZE, FLV_TAG_HEADER_SIZE + Math.min(dataSize, CLASSIFY_BYTES));
    if (type === FlvTagType.Script && metadataPayload === undefined) {
      const payload = readAt(fd, dataSize, pos + FLV_TAG_HEADER_SIZE);
      try {
        const values = parseScriptTag(payload).values;
        const meta = parseOnMetaData(values);
        if (meta !== undefined) {
          metadataPayload = payload;
          duration = meta.duration ?? 0;
        }
      } catch {
        // Undecodable script data is not metadata.
      }
    }
    const candidate = audioOnly
      ? type === FlvTagType.Audio
      : type === FlvTagType.Video && isKeyframe(type, start) && !isSequenceHeader(type, start);
    if (candidate) {
      candidates[count % keep] = { offset: pos, type, size: dataSize, timestamp };
      count++;
    }
    tags++;
    pos = end;
  }
  const result: ResumeScan = {
    ...base,
    kind: 'fresh',
    duration,
    tags,
    completeEnd: pos,
    ...(metadataPayload === undefined ? {} : { metadataPayload }),
  };
  const what = audioOnly ? 'audio frame' : 'video keyframe';
  if (count === 0) return { ...result, reason: `the file has no ${what} to resume from` };
  if (count < keep) {
    throw new CliError(
      `cannot skip ${skip} keyframes: ${path} has only ${count} ${what}${count === 1 ? '' : 's'} to resume from`,
    );
  }
  const k = candidates[(count - keep) % keep]!;
  if (k.timestamp === 0) return { ...result, reason: `the last ${what} is the first frame of the stream` };
  const keyframePayload = readAt(fd, k.size, k.offset + FLV_TAG_HEADER_SIZE);
  return {
    ...result,
    kind: 'resume',
    point: {
      timestamp: k.timestamp,
      truncateAt: k.offset + FLV_TAG_HEADER_SIZE + k.size + 4,
      keyframeOffset: k.offset,
      keyframeType: k.type,
      keyframePayload,
      skipped: skip,
    },
  };
}
