/**
 * Where message payloads live: the one buffer each received payload is copied into
 * (RTMP-SPEC §5.3.1 chunks are reassembled into whole messages), laid out so a player
 * can frame it as an FLV tag without copying it again (FLV-10.1 E.4.1: an 11-byte tag
 * header before the body, a 4-byte PreviousTagSize after it).
 *
 * - `allocPayload(n, room)` returns an `n`-byte view; with `room`, the 11 bytes before
 *   it and the 4 after it belong to it too (`lendFrameRoom` says so of a view made
 *   elsewhere, e.g. a payload inside the FLV tag it was read from), and
 *   `takeFrameRoom(view)` hands them out
 *   exactly once (whoever takes them writes the tag header and PreviousTagSize there;
 *   a second muxer of the same payload gets false and frames it in separate pieces).
 * - Sizes: views of shared slabs for 4–64 KiB (an allocation per message would cost
 *   more than the copy), Node's own pool below, one ArrayBuffer each above.
 * - Recycling: a consumer that is provably done with a payload — `rtmpkit dump` once
 *   its `writev` returned — gives its buffer back with `recyclePayloads`. From the first
 *   such call on, every payload with room gets a whole buffer of a power-of-two size
 *   class that can come back, and later payloads reuse them: no allocation, no page
 *   faults, no garbage in the steady state. Only whole pool buffers are taken back
 *   (anything else is ignored); the free lists hold at most 4 MiB, or what
 *   `reserveFreeBytes` raised that to.
 * - `payloadBytesCopied()` counts every payload byte copied into these buffers (the
 *   chunk reader reports its copies), so a test can prove each byte is copied once.
 *
 * Invariants: a view's room is handed out at most once; a pool buffer is on a free list
 * at most once and never while a view of it is in use by the reader's caller (only the
 * caller that recycles it can know that, and it promises not to touch it afterwards).
 */

/** Bytes of room before a payload: an FLV tag header (FLV-10.1 E.4.1). */
export const FRAME_HEAD = 11;
/** Bytes of room after a payload: an FLV PreviousTagSize. */
export const FRAME_TAIL = 4;
const ROOM = FRAME_HEAD + FRAME_TAIL;

/** Shared slabs for payloads of SLAB_MIN..SLAB_MAX bytes (like Node's Buffer pool, but larger). */
const SLAB_SIZE = 512 * 1024;
const SLAB_MIN = 4096;
const SLAB_MAX = 64 * 1024;
let slab: Buffer | null = null;
let slabPos = 0;

/** Size classes of recyclable buffers: 2^MIN_CLASS … 2^MAX_CLASS bytes. */
const MIN_CLASS = 9;
const MAX_CLASS = 24;
/** Most bytes kept on the free lists by default (beyond that, returned buffers are left to the GC). */
const MAX_FREE_BYTES = 4 * 1024 * 1024;
let maxFreeBytes = MAX_FREE_BYTES;

/** Views whose surrounding room has not been taken yet. */
const rooms = new WeakSet<Buffer>();
/** Whole recyclable buffers → size class, while in use. */
const inUse = new WeakMap<ArrayBuffer, number>();
const free: ArrayBuffer[][] = Array.from({ length: MAX_CLASS + 1 }, () => []);
let freeBytes = 0;
let recycling = false;
let copied = 0;

function carve(n: number): Buffer {
  if (slab === null || SLAB_SIZE - slabPos < n) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabPos = 0;
  }
  const b = slab.subarray(slabPos, slabPos + n);
  slabPos = (slabPos + n + 7) & ~7;
  return b;
}

function sizeClass(n: number): number {
  const c = 32 - Math.clz32(n - 1);
  return Math.max(c, MIN_CLASS);
}

/**
 * An `n`-byte buffer for a message payload, uninitialised. With `room`, the view has
 * FRAME_HEAD bytes before it and FRAME_TAIL after it that `takeFrameRoom` hands out.
 * `pooled`: 4–64 KiB buffers may be views of a shared slab (a payload kept long-term
 * keeps its slab alive).
 */
export function allocPayload(n: number, room: boolean, pooled = true): Buffer {
  if (!room) return pooled && n > SLAB_MIN && n <= SLAB_MAX ? carve(n) : Buffer.allocUnsafe(n);
  const total = n + ROOM;
  let whole: Buffer;
  const c = sizeClass(total);
  if (recycling && c <= MAX_CLASS) {
    const ab = free[c]!.pop();
    if (ab !== undefined) freeBytes -= ab.byteLength;
    const b = ab === undefined ? Buffer.allocUnsafeSlow(1 << c) : Buffer.from(ab);
    inUse.set(b.buffer, c);
    whole = b;
  } else {
    whole = pooled && total > SLAB_MIN && total <= SLAB_MAX ? carve(total) : Buffer.allocUnsafe(total);
  }
  const view = whole.subarray(FRAME_HEAD, FRAME_HEAD + n);
  rooms.add(view);
  return view;
}

/**
 * Marks `view` as having frame room: the FRAME_HEAD bytes before it and FRAME_TAIL after
 * it in its ArrayBuffer belong to it (the caller vouches for that — an FLV demuxer lends
 * a tag's own header and PreviousTagSize bytes), and `takeFrameRoom` may hand them out
 * once. Returns `view`.
 */
export function lendFrameRoom(view: Buffer): Buffer {
  rooms.add(view);
  return view;
}

/**
 * Takes the room around `payload` (FRAME_HEAD bytes before, FRAME_TAIL after): true
 * once for a view `allocPayload` made with room, false otherwise.
 */
export function takeFrameRoom(payload: Buffer): boolean {
  return rooms.delete(payload);
}

/**
 * Gives the buffers behind `views` back for reuse. The caller promises that nothing
 * refers to them any more (every view of each buffer is done with). Views that are not
 * of a whole pool buffer in use are ignored, so passing a file header or a slab view is
 * harmless, and so is passing two views of one buffer.
 */
export function recyclePayloads(views: readonly Uint8Array[]): void {
  recycling = true;
  for (const v of views) {
    const ab = v.buffer as ArrayBuffer;
    const c = inUse.get(ab);
    if (c === undefined) continue;
    inUse.delete(ab);
    if (freeBytes + ab.byteLength > maxFreeBytes) continue;
    free[c]!.push(ab);
    freeBytes += ab.byteLength;
  }
}

/**
 * Lets the free lists keep up to `bytes` (never lowers the cap, default 4 MiB): for a
 * consumer that returns buffers in bursts larger than that — a live relay's GOP cache
 * is released whole at the next keyframe — and would otherwise see most of them
 * dropped and reallocated.
 */
export function reserveFreeBytes(bytes: number): void {
  if (bytes > maxFreeBytes) maxFreeBytes = bytes;
}

/** Counts `n` payload bytes copied into a payload buffer (see `payloadBytesCopied`). */
export function countCopied(n: number): void {
  copied += n;
}

/** Payload bytes copied into payload buffers in this process so far. */
export function payloadBytesCopied(): number {
  return copied;
}

/**
 * Whether `b` is a view of a whole pool buffer in use — once recycling is on, exactly the
 * buffers made for payloads with room (a test's identity check: the bytes a consumer got
 * are still in the buffer the reader copied them into).
 */
export function isRecyclable(b: Uint8Array): boolean {
  return inUse.has(b.buffer as ArrayBuffer);
}
