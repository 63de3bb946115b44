/**
 * FLV demuxer: FLV bytes in, tags out (FLV-10.1 Annex E) — the
 * input side of publishing, like librtmp's `RTMP_Write`
 * but correct for any split of the input.
 *
 * Invariants:
 * - Incremental and total: `push` accepts any split of the byte stream (byte by byte
 *   included) and yields the same tags for every split. A tag is returned as soon as its
 *   payload is complete (its PreviousTagSize is checked when it arrives).
 * - The stream may start with the 9-byte file header (detected by 'FLV'; then
 *   DataOffset is honoured and PreviousTagSize0 follows) or directly with a tag, as
 *   librtmp's `RTMP_Write` accepts. A conforming tag never starts with 'F' (0x46 has a
 *   reserved bit set), so the detection is unambiguous.
 * - Payloads: a payload that lies inside one pushed Buffer is returned as a view of it
 *   (`zeroCopy`, default on — a pushed Buffer must then not be modified afterwards); one
 *   that spans pushes is assembled with exactly one copy. Tags up to `preallocateLimit`
 *   (64 KiB) get their exact buffer at the first payload byte; larger ones keep views of
 *   the received pieces and are joined once complete, so a hostile DataSize never
 *   allocates more than `preallocateLimit` ahead of the bytes received. With
 *   `zeroCopy: false` nothing returned refers to a pushed Buffer (large spanning payloads
 *   then cost a second copy). Apart from that, at most 15 header bytes are held back.
 *   With `frameRoom` every payload has room for its tag header and PreviousTagSize
 *   (util/payload-pool.ts), so a publisher re-frames it without a copy; a view's room is
 *   its own tag's bytes in the pushed Buffer, which the framer overwrites. Without
 *   `frameRoom` a pushed Buffer is never written.
 * - Lenient like librtmp and FFmpeg by default: a PreviousTagSize that is not
 *   11 + DataSize (or PreviousTagSize0 ≠ 0) is counted in `stats`, not fatal; `strict`
 *   makes it (and reserved tag-header bits, and a missing final PreviousTagSize) an error.
 *   Tag types are not policed: every type is returned (FFmpeg skips unknown types,
 *   librtmp sends them on) and the caller decides.
 * - Errors are `RTMPProtocolError`s with `ERR_FLV_*` codes. Tags already complete are
 *   never lost: if an error is found after some tags in the same `push`, those tags are
 *   returned and the error is thrown by the next `push`/`end`. After an error the
 *   demuxer stays failed.
 */
import { ProtocolCode } from '../error-codes.js';
import { allocPayload, lendFrameRoom } from '../util/payload-pool.js';
import { flvError, flvUsageError } from './errors.js';
import {
  decodeFileHeader,
  FLV_HEADER_SIZE,
  FLV_MAX_DATA_SIZE,
  FLV_PREVIOUS_TAG_SIZE_SIZE,
  FLV_TAG_HEADER_SIZE,
  type FlvFileHeader,
  readTimestamp,
  readU32,
} from './header.js';

/** One FLV tag. */
export interface FlvTag {
  /** TagType (low 5 bits): 8 audio, 9 video, 18 script data, 15 E-RTMP AMF3 script data. */
  type: number;
  /**
   * Timestamp + TimestampExtended as an unsigned 32-bit number — the RTMP timestamp this
   * tag maps to. The spec calls the field SI32: `si32(timestamp)` gives that reading.
   */
  timestamp: number;
  /** StreamID (UI24; 0 in files). */
  streamId: number;
  /** The tag body (AUDIODATA / VIDEODATA / SCRIPTDATA) — a view when it arrived in one piece. */
  payload: Buffer;
  /** The Filter bit: the payload is encrypted/pre-processed (FLV-10.1 Annex F). */
  filter: boolean;
  /** Byte offset of the tag header in the stream (counted from the first byte pushed). */
  offset: number;
}

/** How the demuxer treats the start of the stream. */
export type FlvHeaderMode = 'auto' | 'required' | 'none';

/** Options of an FlvDemuxer; every limit has a default. */
export interface FlvDemuxerOptions {
  /**
   * `'auto'` (default): a file header if the stream starts with 'FLV', else tags directly;
   * `'required'`: the stream must start with a file header (`ERR_FLV_BAD_HEADER` otherwise);
   * `'none'`: tags only (e.g. appending after an existing file).
   */
  header?: FlvHeaderMode;
  /** Make PreviousTagSize mismatches, reserved tag-header bits and a missing final PreviousTagSize errors (default false). */
  strict?: boolean;
  /** Largest DataSize accepted (default 16 MiB, i.e. any UI24); more is `ERR_FLV_TAG_TOO_LARGE`. */
  maxTagSize?: number;
  /** Payloads up to this size get their exact buffer at the first byte (default 64 KiB). */
  preallocateLimit?: number;
  /** Return payloads as views of the pushed Buffers where possible (default true). */
  zeroCopy?: boolean;
  /**
   * Give every payload room for its FLV tag header and PreviousTagSize (util/payload-pool.ts,
   * default false), so `frameTag` re-frames it — e.g. with a new timestamp — as one view,
   * without copying: an assembled payload is copied into a buffer with room, and a view of
   * a pushed Buffer gets the tag's own header and PreviousTagSize bytes around it as its
   * room when both lie in that Buffer. The framer then OVERWRITES those bytes of the pushed
   * Buffer: only for Buffers the caller owns and does not read again (a file's reads).
   */
  frameRoom?: boolean;
}

/** A PreviousTagSize that did not match. */
export interface PreviousTagSizeMismatch {
  /** Byte offset of the PreviousTagSize field. */
  offset: number;
  /** 11 + DataSize of the tag before it (0 for PreviousTagSize0). */
  expected: number;
  /** The value in the stream. */
  actual: number;
}

/** Counters an FlvDemuxer keeps (a snapshot). */
export interface FlvDemuxerStats {
  /** Tags returned. */
  tags: number;
  /** Bytes consumed. */
  bytes: number;
  /** Tags whose payload spanned pushes and was assembled by copying. */
  assembledTags: number;
  /** PreviousTagSize fields (PreviousTagSize0 included) that disagreed with the tag before them. */
  previousTagSizeMismatches: number;
  /** The latest mismatch, if any. */
  lastMismatch: PreviousTagSizeMismatch | undefined;
  /** Tag headers with a reserved bit set (non-strict mode). */
  reservedBitsSet: number;
  /** Set by `end()`: the last tag had no PreviousTagSize after it (tolerated unless strict). */
  missingFinalPreviousTagSize: boolean;
}

const DEFAULT_MAX_TAG_SIZE = 16 * 1024 * 1024;
const DEFAULT_PREALLOCATE_LIMIT = 64 * 1024;
const EMPTY = Buffer.alloc(0);
const SIGNATURE = [0x46, 0x4c, 0x56];

enum State {
  /** Deciding whether a file header starts the stream ('auto' / 'required'). */
  Start,
  FileHeader,
  /** Skipping DataOffset − 9 bytes after the file header. */
  SkipToBody,
  TagHeader,
  Payload,
  PreviousTagSize,
  Done,
}

/** Incremental FLV demuxer: `push` bytes, get complete tags; `end` checks nothing is left half-read. */
export class FlvDemuxer {
  readonly #maxTagSize: number;
  readonly #preallocateLimit: number;
  readonly #zeroCopy: boolean;
  readonly #frameRoom: boolean;
  readonly #strict: boolean;
  readonly #headerMode: FlvHeaderMode;

  #state: State;
  /** Holds a file header, tag header or PreviousTagSize that spans pushes. */
  readonly #scratch = Buffer.alloc(16);
  #scratchLen = 0;
  /** Bytes consumed before the current push. */
  #base = 0;
  #header: FlvFileHeader | undefined;
  #skip = 0;

  // The tag being read.
  #tagOffset = 0;
  #tagType = 0;
  #tagFilter = false;
  #tagSize = 0;
  #tagTimestamp = 0;
  #tagStreamId = 0;
  /** Exact-size buffer being filled (small payloads), or null. */
  #pending: Buffer | null = null;
  /** Received pieces of a large payload (views, or copies without zeroCopy). */
  #parts: Buffer[] = [];
  #have = 0;
  /** What the next PreviousTagSize should hold. */
  #expectedPrev = 0;
  #prevOffset = 0;
  /** True once some tag has been completed and its PreviousTagSize not yet seen. */
  #awaitingPrev = false;

  #failed: unknown = null;
  readonly #stats: FlvDemuxerStats = {
    tags: 0,
    bytes: 0,
    assembledTags: 0,
    previousTagSizeMismatches: 0,
    lastMismatch: undefined,
    reservedBitsSet: 0,
    missingFinalPreviousTagSize: false,
  };

  constructor(options: FlvDemuxerOptions = {}) {
    this.#maxTagSize = positiveInt('maxTagSize', options.maxTagSize, DEFAULT_MAX_TAG_SIZE);
    this.#preallocateLimit = positiveInt(
      'preallocateLimit',
      options.preallocateLimit,
      DEFAULT_PREALLOCATE_LIMIT,
    );
    this.#zeroCopy = options.zeroCopy ?? true;
    this.#frameRoom = options.frameRoom ?? false;
    this.#strict = options.strict ?? false;
    const mode = options.header ?? 'auto';
    if (mode !== 'auto' && mode !== 'required' && mode !== 'none') {
      throw flvUsageError(`header must be 'auto', 'required' or 'none', got ${String(mode)}`);
    }
    this.#headerMode = mode;
    this.#state = mode === 'none' ? State.TagHeader : State.Start;
  }

  /** The file header, once read (undefined for a headerless stream or before it arrived). */
  get header(): FlvFileHeader | undefined {
    return this.#header;
  }

  /**
   * Bytes of pushed Buffers the demuxer holds views of: the received payload of an
   * unfinished tag over `preallocateLimit` (with `zeroCopy`), which is the last bytes
   * pushed; 0 when none. A pushed Buffer that no held byte lies in is referred to only
   * by the payloads returned from it, so a caller done with those may reuse its memory.
   */
  get heldInputBytes(): number {
    return this.#zeroCopy && this.#parts.length > 0 ? this.#have : 0;
  }

  /** A snapshot of the counters. */
  get stats(): FlvDemuxerStats {
    return { ...this.#stats };
  }

  /**
   * Consumes `chunk` and returns the tags it completed, in order.
   *
   * @throws RTMPProtocolError (`ERR_FLV_*`) on bad input — deferred to the next call when
   *   this call already completed some tags; RTMPUsageError after `end()`
   */
  push(chunk: Buffer): FlvTag[] {
    if (this.#failed !== null) throw this.#failed;
    if (this.#state === State.Done) throw flvUsageError('FlvDemuxer.push() after end()');
    const out: FlvTag[] = [];
    try {
      this.#consume(chunk, out);
    } catch (err) {
      this.#failed = err;
      if (out.length === 0) throw err;
    }
    return out;
  }

  /**
   * Declares the end of the input. Succeeds at a tag boundary (or, unless `strict`, right
   * after a tag whose final PreviousTagSize is missing).
   *
   * @throws RTMPProtocolError `ERR_FLV_TRUNCATED` naming what was cut and how many bytes
   *   of it arrived, or the error a previous `push` deferred
   */
  end(): void {
    if (this.#failed !== null) throw this.#failed;
    if (this.#state === State.Done) return;
    if (
      this.#state === State.PreviousTagSize &&
      this.#scratchLen === 0 &&
      this.#awaitingPrev &&
      !this.#strict
    ) {
      this.#stats.missingFinalPreviousTagSize = true; // the tag itself was complete (and returned)
      this.#state = State.Done;
      return;
    }
    const cut = this.#truncation();
    if (cut !== null) {
      this.#failed = flvError(ProtocolCode.FLV_TRUNCATED, `FLV input ended inside ${cut}`);
      throw this.#failed;
    }
    this.#state = State.Done;
  }

  /** Describes a partial structure at the end of the input, or null at a clean boundary. */
  #truncation(): string | null {
    const at = this.#base;
    switch (this.#state) {
      case State.Start:
        return this.#scratchLen === 0
          ? null
          : `the file header (${this.#scratchLen} of 9 bytes, at offset 0)`;
      case State.FileHeader:
        return `the file header (${this.#scratchLen} of ${FLV_HEADER_SIZE} bytes, at offset 0)`;
      case State.SkipToBody:
        return `the file header's DataOffset gap (${this.#skip} bytes missing before offset ${at + this.#skip})`;
      case State.TagHeader:
        return this.#scratchLen === 0
          ? null
          : `a tag header (${this.#scratchLen} of ${FLV_TAG_HEADER_SIZE} bytes, at offset ${this.#tagOffset})`;
      case State.Payload:
        return `a tag payload (${this.#have} of ${this.#tagSize} bytes, type ${this.#tagType}, tag at offset ${this.#tagOffset})`;
      case State.PreviousTagSize:
        if (this.#scratchLen === 0) {
          return this.#awaitingPrev
            ? `the final PreviousTagSize (0 of 4 bytes, at offset ${this.#prevOffset})`
            : `PreviousTagSize0 (0 of 4 bytes, at offset ${this.#prevOffset})`;
        }
        return `a PreviousTagSize (${this.#scratchLen} of 4 bytes, at offset ${this.#prevOffset})`;
      default:
        return null;
    }
  }

  #consume(chunk: Buffer, out: FlvTag[]): void {
    const n = chunk.length;
    let p = 0;
    try {
      while (p < n) {
        switch (this.#state) {
          case State.Start:
            p = this.#detect(chunk, p);
            break;
          case State.FileHeader: {
            const k = Math.min(FLV_HEADER_SIZE - this.#scratchLen, n - p);
            chunk.copy(this.#scratch, this.#scratchLen, p, p + k);
            this.#scratchLen += k;
            p += k;
            if (this.#scratchLen < FLV_HEADER_SIZE) break;
            this.#header = decodeFileHeader(this.#scratch, 0);
            this.#scratchLen = 0;
            this.#skip = this.#header.dataOffset - FLV_HEADER_SIZE;
            this.#expectedPrev = 0;
            this.#awaitingPrev = false;
            this.#prevOffset = this.#header.dataOffset;
            this.#state = this.#skip > 0 ? State.SkipToBody : State.PreviousTagSize;
            break;
          }
          case State.SkipToBody: {
            const k = Math.min(this.#skip, n - p);
            this.#skip -= k;
            p += k;
            if (this.#skip === 0) this.#state = State.PreviousTagSize;
            break;
          }
          case State.TagHeader: {
            let src: Uint8Array;
            let at: number;
            if (this.#scratchLen === 0 && n - p >= FLV_TAG_HEADER_SIZE) {
              this.#tagOffset = this.#base + p;
              src = chunk;
              at = p;
              p += FLV_TAG_HEADER_SIZE;
            } else {
              if (this.#scratchLen === 0) this.#tagOffset = this.#base + p;
              const k = Math.min(FLV_TAG_HEADER_SIZE - this.#scratchLen, n - p);
              chunk.copy(this.#scratch, this.#scratchLen, p, p + k);
              this.#scratchLen += k;
              p += k;
              if (this.#scratchLen < FLV_TAG_HEADER_SIZE) break;
              this.#scratchLen = 0;
              src = this.#scratch;
              at = 0;
            }
            this.#beginTag(src, at);
            if (this.#tagSize === 0) {
              this.#emit(out, EMPTY);
            } else if (n - p >= this.#tagSize) {
              // Fast path: the whole payload is in this chunk.
              const end = p + this.#tagSize;
              this.#emit(out, this.#wholePayload(chunk, p, end, src === chunk));
              p = end;
            } else {
              this.#state = State.Payload;
            }
            break;
          }
          case State.Payload:
            p = this.#fill(chunk, p, out);
            break;
          case State.PreviousTagSize: {
            let value: number;
            if (this.#scratchLen === 0 && n - p >= FLV_PREVIOUS_TAG_SIZE_SIZE) {
              value = readU32(chunk, p);
              p += FLV_PREVIOUS_TAG_SIZE_SIZE;
            } else {
              const k = Math.min(FLV_PREVIOUS_TAG_SIZE_SIZE - this.#scratchLen, n - p);
              chunk.copy(this.#scratch, this.#scratchLen, p, p + k);
              this.#scratchLen += k;
              p += k;
              if (this.#scratchLen < FLV_PREVIOUS_TAG_SIZE_SIZE) break;
              this.#scratchLen = 0;
              value = readU32(this.#scratch, 0);
            }
            this.#checkPrev(value);
            this.#state = State.TagHeader;
            break;
          }
          default:
            return;
        }
      }
    } finally {
      this.#base += p;
      this.#stats.bytes = this.#base;
    }
  }

  /** 'auto'/'required': matches the 'FLV' signature byte by byte; returns the new position. */
  #detect(chunk: Buffer, p: number): number {
    const n = chunk.length;
    while (this.#scratchLen < 3 && p < n) {
      if (chunk[p] !== SIGNATURE[this.#scratchLen]) {
        if (this.#headerMode === 'required') {
          throw flvError(ProtocolCode.FLV_BAD_HEADER, "FLV input does not start with the 'FLV' signature");
        }
        // A headerless stream: the bytes so far start the first tag header.
        this.#tagOffset = 0;
        this.#state = State.TagHeader;
        return p;
      }
      this.#scratch[this.#scratchLen++] = chunk[p++]!;
    }
    if (this.#scratchLen === 3) this.#state = State.FileHeader;
    return p;
  }

  /** Reads the tag header at `src[at..at+11)` and prepares for its payload. */
  #beginTag(src: Uint8Array, at: number): void {
    const b0 = src[at]!;
    if (b0 & 0xc0) {
      if (this.#strict) {
        throw flvError(
          ProtocolCode.FLV_BAD_TAG_HEADER,
          `FLV tag at offset ${this.#tagOffset} has reserved bits set (first byte 0x${b0.toString(16).padStart(2, '0')})`,
        );
      }
      this.#stats.reservedBitsSet++;
    }
    const size = (src[at + 1]! << 16) | (src[at + 2]! << 8) | src[at + 3]!;
    if (size > this.#maxTagSize) {
      throw flvError(
        ProtocolCode.FLV_TAG_TOO_LARGE,
        `FLV tag at offset ${this.#tagOffset} declares ${size} bytes, more than maxTagSize ${this.#maxTagSize}`,
      );
    }
    this.#tagType = b0 & 0x1f;
    this.#tagFilter = (b0 & 0x20) !== 0;
    this.#tagSize = size;
    this.#tagTimestamp = readTimestamp(src, at + 4);
    this.#tagStreamId = (src[at + 8]! << 16) | (src[at + 9]! << 8) | src[at + 10]!;
    this.#have = 0;
  }

  /** Adds payload bytes of a tag that spans pushes; returns the new position. */
  #fill(chunk: Buffer, p: number, out: FlvTag[]): number {
    const k = Math.min(this.#tagSize - this.#have, chunk.length - p);
    if (this.#have === 0 && this.#tagSize <= this.#preallocateLimit) {
      this.#pending = this.#frameRoom
        ? allocPayload(this.#tagSize, true, false)
        : Buffer.allocUnsafe(this.#tagSize);
    }
    if (this.#pending !== null) {
      chunk.copy(this.#pending, this.#have, p, p + k);
    } else {
      this.#parts.push(this.#zeroCopy ? chunk.subarray(p, p + k) : copyOf(chunk, p, p + k));
    }
    this.#have += k;
    p += k;
    if (this.#have === this.#tagSize) {
      let payload: Buffer;
      if (this.#pending !== null) {
        payload = this.#pending;
        this.#pending = null;
      } else {
        payload = this.#frameRoom
          ? joinWithRoom(this.#parts, this.#tagSize)
          : Buffer.concat(this.#parts, this.#tagSize);
        this.#parts = [];
      }
      this.#stats.assembledTags++;
      this.#emit(out, payload);
    }
    return p;
  }

  /**
   * The payload `chunk[p, end)`, whole in this push: a view (with the tag's own header
   * and PreviousTagSize as its room under `frameRoom`, when `headerInChunk` and both lie
   * in `chunk`), or a copy.
   */
  #wholePayload(chunk: Buffer, p: number, end: number, headerInChunk: boolean): Buffer {
    if (!this.#zeroCopy)
      return this.#frameRoom ? joinWithRoom([chunk.subarray(p, end)], end - p) : copyOf(chunk, p, end);
    const view = chunk.subarray(p, end);
    if (!this.#frameRoom) return view;
    if (headerInChunk && end + FLV_PREVIOUS_TAG_SIZE_SIZE <= chunk.length) return lendFrameRoom(view);
    return joinWithRoom([view], end - p);
  }

  #emit(out: FlvTag[], payload: Buffer): void {
    out.push({
      type: this.#tagType,
      timestamp: this.#tagTimestamp,
      streamId: this.#tagStreamId,
      payload,
      filter: this.#tagFilter,
      offset: this.#tagOffset,
    });
    this.#stats.tags++;
    this.#expectedPrev = FLV_TAG_HEADER_SIZE + this.#tagSize;
    this.#prevOffset = this.#tagOffset + this.#expectedPrev;
    this.#awaitingPrev = true;
    this.#state = State.PreviousTagSize;
  }

  #checkPrev(value: number): void {
    if (value === this.#expectedPrev) return;
    const mismatch = { offset: this.#prevOffset, expected: this.#expectedPrev, actual: value };
    if (this.#strict) {
      throw flvError(
        ProtocolCode.FLV_BAD_PREVIOUS_TAG_SIZE,
        `FLV PreviousTagSize at offset ${mismatch.offset} is ${value}, expected ${mismatch.expected}`,
      );
    }
    this.#stats.previousTagSizeMismatches++;
    this.#stats.lastMismatch = mismatch;
  }
}

/**
 * Demuxes a complete FLV byte string (file header optional) in one call.
 *
 * @throws RTMPProtocolError `ERR_FLV_*` as `FlvDemuxer` does (incl. `ERR_FLV_TRUNCATED`)
 */
export function demuxFlv(bytes: Buffer, options?: FlvDemuxerOptions): FlvTag[] {
  const d = new FlvDemuxer(options);
  const tags = d.push(bytes);
  d.end();
  return tags;
}

/** `parts` (`size` bytes in all) copied into one payload buffer with frame room. */
function joinWithRoom(parts: readonly Buffer[], size: number): Buffer {
  const b = allocPayload(size, true, false);
  let at = 0;
  for (const part of parts) {
    b.set(part, at);
    at += part.length;
  }
  return b;
}

function copyOf(src: Buffer, start: number, end: number): Buffer {
  const b = Buffer.allocUnsafe(end - start);
  src.copy(b, 0, start, end);
  return b;
}

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 0) throw flvUsageError(`${name} must be a non-negative integer, got ${v}`);
  return name === 'maxTagSize' ? Math.min(v, FLV_MAX_DATA_SIZE) : v;
}
