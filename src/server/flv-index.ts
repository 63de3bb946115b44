/**
 * The tag index of an FLV file for VOD (FLV-10.1 Annex E):
 * one pass over the tag headers records every tag's type, timestamp, body offset and
 * size, which video tags are keyframes, which audio/video tags are decoder
 * configuration (sequence headers), and the file's onMetaData. Playback then reads
 * tag bodies by offset, seeks to the keyframe at or before a time, and knows which
 * sequence headers to send before a mid-file start.
 *
 * Invariants: the scan reads tag headers and the first 512 bytes of A/V bodies (E-RTMP
 * Multitrack/ModEx bodies whole: one tag, < 16 MiB) through a 64 KiB window, never a
 * whole file; the index is typed arrays (17 bytes per tag); a truncated last tag ends the index (the file may still be growing or cut); a file that
 * does not start with `FLV` is an `ERR_FLV_BAD_HEADER` protocol error; PreviousTagSize
 * values are not trusted (tags are walked by their DataSize).
 */
import * as amf0 from '../amf/amf0.js';
import type { AmfValue } from '../amf/types.js';
import { ProtocolCode } from '../error-codes.js';
import { flvError } from '../flv/errors.js';
import { AudioPacketType, SoundFormat, VideoPacketType } from '../flv/media.js';
import type { FlvSource } from './flv-source.js';
import { classifyMedia } from './media-kind.js';

/** Per-tag flags in the index. */
export const TagFlag = {
  Keyframe: 1,
  Config: 2,
} as const;

const WINDOW = 64 * 1024;
/** How much of an A/V body the classifier looks at (the whole body when `wrapped`). */
const PEEK = 512;
/** Largest onMetaData body decoded. */
const MAX_META = 1 << 20;

/** What `indexFlv` learned about a file. */
export class FlvIndex {
  /** Number of tags. */
  count = 0;
  /** Tag type (8 audio, 9 video, 18 script; others as found) per tag. */
  types = new Uint8Array(1024);
  /** Timestamp (ms, unsigned 32-bit) per tag. */
  timestamps = new Uint32Array(1024);
  /** Offset of the tag body in the file, per tag. */
  offsets = new Float64Array(1024);
  /** Body size per tag. */
  sizes = new Uint32Array(1024);
  /** `TagFlag` bits per tag. */
  flags = new Uint8Array(1024);
  /** Configuration slot (see `classifyMedia`) of each config tag, by tag index. */
  readonly configKeys = new Map<number, string>();
  /** Tag indices of video keyframes, in file order. */
  keyframes: number[] = [];
  /** The first `onMetaData` script tag's values after the name, and its tag index (−1 if none). */
  metadata: AmfValue[] | undefined;
  metadataTag = -1;
  hasAudio = false;
  hasVideo = false;
  /** Total file size. */
  fileSize = 0;

  /** Appends one tag (grows the arrays by doubling). */
  push(type: number, timestamp: number, offset: number, size: number, flags: number): number {
    if (this.count === this.types.length) {
      const n = this.count * 2;
      this.types = grow(this.types, new Uint8Array(n));
      this.timestamps = grow(this.timestamps, new Uint32Array(n));
      this.offsets = grow(this.offsets, new Float64Array(n));
      this.sizes = grow(this.sizes, new Uint32Array(n));
      this.flags = grow(this.flags, new Uint8Array(n));
    }
    const i = this.count++;
    this.types[i] = type;
    this.timestamps[i] = timestamp;
    this.offsets[i] = offset;
    this.sizes[i] = size;
    this.flags[i] = flags;
    return i;
  }

  /** Duration in ms: onMetaData `duration` when present and positive, else the last tag's timestamp. */
  get durationMs(): number {
    const meta = this.metadata?.[0];
    const d = meta && typeof meta === 'object' ? (meta as Record<string, AmfValue>).duration : undefined;
    if (typeof d === 'number' && Number.isFinite(d) && d > 0) return d * 1000;
    return this.count > 0 ? this.timestamps[this.count - 1]! : 0;
  }

  /**
   * The tag to start playing from for a start/seek time `ms`: the last video keyframe
   * at or before it (the first keyframe when `ms` is before every keyframe); for files
   * without video keyframes, the first audio/video tag at or after `ms` (clamped to the
   * end). Returns `count` when there is nothing to play.
   */
  startTag(ms: number): number {
    if (ms <= 0) return 0;
    const kf = this.keyframes;
    if (kf.length > 0) {
      let lo = 0;
      let hi = kf.length - 1;
      if (this.timestamps[kf[0]!]! > ms) return kf[0]!;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.timestamps[kf[mid]!]! <= ms) lo = mid;
        else hi = mid - 1;
      }
      return kf[lo]!;
    }
    for (let i = 0; i < this.count; i++) {
      const t = this.types[i]!;
      if ((t === 8 || t === 9) && this.timestamps[i]! >= ms) return i;
    }
    return this.count;
  }

  /** The config tags before tag `i` that a player starting at `i` needs: the last one of each slot. */
  configsBefore(i: number): number[] {
    const last = new Map<string, number>();
    for (const [tag, key] of this.configKeys) if (tag < i) last.set(key, Math.max(last.get(key) ?? -1, tag));
    return [...last.values()].sort((a, b) => a - b);
  }
}

function grow<T extends Uint8Array | Uint32Array | Float64Array>(old: T, next: T): T {
  next.set(old as never);
  return next;
}

/** Reads the tag headers of `source` into an index. Rejects with an `ERR_FLV_*` error for a non-FLV file. */
export async function indexFlv(source: FlvSource): Promise<FlvIndex> {
  const index = new FlvIndex();
  index.fileSize = source.size;
  let win: Buffer = Buffer.alloc(0);
  let winPos = 0;
  /** Bytes [pos, pos + n) (fewer at the end of the file) as a view. */
  const bytes = async (pos: number, n: number): Promise<Buffer> => {
    if (pos < winPos || pos + n > winPos + win.length) {
      win = await source.read(pos, Math.max(n, WINDOW));
      winPos = pos;
    }
    return win.subarray(pos - winPos, Math.min(win.length, pos - winPos + n));
  };

  const head = await bytes(0, 9);
  if (head.length < 9 || head.toString('latin1', 0, 3) !== 'FLV') {
    throw flvError(ProtocolCode.FLV_BAD_HEADER, 'not an FLV file (no FLV signature)');
  }
  const dataOffset = head.readUInt32BE(5);
  if (dataOffset < 9) throw flvError(ProtocolCode.FLV_BAD_HEADER, `FLV DataOffset ${dataOffset} < 9`);
  let pos = dataOffset + 4; // skip PreviousTagSize0
  while (pos + 11 <= source.size) {
    const h = await bytes(pos, 11);
    if (h.length < 11) break;
    const type = h[0]! & 0x1f;
    const size = h.readUIntBE(1, 3);
    const timestamp = (h.readUIntBE(4, 3) | (h[7]! << 24)) >>> 0;
    const body = pos + 11;
    if (body + size > source.size) break; // truncated last tag
    let flags = 0;
    let key = '';
    if (type === 8 || type === 9) {
      let peek = await bytes(body, Math.min(size, PEEK));
      if (size > PEEK && wrapped(type, peek[0]!)) peek = await bytes(body, size);
      const kind = classifyMedia(type === 9 ? 'video' : 'audio', peek);
      if (kind.keyframe) flags |= TagFlag.Keyframe;
      if (kind.config) {
        flags |= TagFlag.Config;
        key = `${type}:${kind.key}`;
      }
      if (type === 9) index.hasVideo = true;
      else index.hasAudio = true;
    }
    const i = index.push(type, timestamp, body, size, flags);
    if (key) index.configKeys.set(i, key);
    if (flags & TagFlag.Keyframe) index.keyframes.push(i);
    if (type === 18 && index.metadataTag < 0 && size <= MAX_META) {
      const values = decodeScript(await bytes(body, size));
      if (values?.[0] === 'onMetaData') {
        index.metadata = values.slice(1);
        index.metadataTag = i;
      }
    }
    pos = body + size + 4;
  }
  return index;
}

/**
 * Whether an A/V body starts with an E-RTMP Multitrack or ModEx header (E-RTMP v2): a
 * Multitrack body interleaves track headers with track data and the parser checks
 * every track's size, so such a body is classified whole, not from a prefix.
 */
function wrapped(type: number, b0: number): boolean {
  const packetType = b0 & 0x0f;
  if (type === 9) {
    return (
      (b0 & 0x80) !== 0 && (packetType === VideoPacketType.Multitrack || packetType === VideoPacketType.ModEx)
    );
  }
  return (
    b0 >> 4 === SoundFormat.ExHeader &&
    (packetType === AudioPacketType.Multitrack || packetType === AudioPacketType.ModEx)
  );
}

/** AMF0 values of a script tag body, or undefined when it does not decode. */
export function decodeScript(body: Uint8Array): AmfValue[] | undefined {
  try {
    return amf0.decode(body);
  } catch {
    return undefined;
  }
}
