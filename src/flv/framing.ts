/**
 * Tag framing: the one place an FLV tag is laid out around a payload (FLV-10.1 E.4.1:
 * 11-byte tag header, the body, UI32 PreviousTagSize = 11 + DataSize).
 *
 * - `frameTag`: a payload the chunk reader gave frame room (util/payload-pool.ts) gets
 *   its header and PreviousTagSize written into that room, and the tag comes back as
 *   ONE view — the payload's own buffer, never copied. Any other payload comes back as
 *   `tagPieces`.
 * - `tagPieces`: `[header, payload (the same Buffer), PreviousTagSize]`, for `writev`.
 *
 * Invariants: the payload's bytes are never copied or changed; header and
 * PreviousTagSize pieces are carved from a shared slab (15 bytes per tag instead of two
 * allocations) and never written again once returned — a retained piece keeps its
 * 16 KiB slab alive.
 */
import { takeFrameRoom } from '../util/payload-pool.js';
import { FLV_TAG_HEADER_SIZE, writeTagHeader, writeU32 } from './header.js';

const TAG_OVERHEAD = FLV_TAG_HEADER_SIZE + 4;
const SLAB_SIZE = 16 * 1024;
let slab: Buffer = Buffer.allocUnsafeSlow(SLAB_SIZE);
let slabPos = 0;

/** `n` fresh bytes of the shared header slab. */
export function carveHeader(n: number): Buffer {
  if (SLAB_SIZE - slabPos < n) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabPos = 0;
  }
  const b = slab.subarray(slabPos, slabPos + n);
  slabPos += n;
  return b;
}

/**
 * One tag as three pieces: 11-byte header, the payload (not copied), 4-byte
 * PreviousTagSize. `timestamp` is taken mod 2^32; values are not checked (hot path).
 */
export function tagPieces(
  type: number,
  timestamp: number,
  payload: Buffer,
  streamId = 0,
  filter = false,
): [Buffer, Buffer, Buffer] {
  const size = payload.length;
  const b = carveHeader(TAG_OVERHEAD);
  writeTagHeader(b, 0, type, size, timestamp >>> 0, streamId, filter);
  writeU32(b, FLV_TAG_HEADER_SIZE, size + FLV_TAG_HEADER_SIZE);
  return [b.subarray(0, FLV_TAG_HEADER_SIZE), payload, b.subarray(FLV_TAG_HEADER_SIZE)];
}

/**
 * One tag: a single view of the payload's own buffer when it has frame room (taken
 * here, once), else `tagPieces`.
 */
export function frameTag(type: number, timestamp: number, payload: Buffer): Buffer[] {
  const tag = takeFrameRoom(payload);
  if (tag === undefined) return tagPieces(type, timestamp, payload);
  const size = payload.length;
  writeTagHeader(tag, 0, type, size, timestamp >>> 0);
  writeU32(tag, FLV_TAG_HEADER_SIZE + size, size + FLV_TAG_HEADER_SIZE);
  return [tag];
}
