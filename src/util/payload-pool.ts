/**
 * Where message payloads live: the one buffer each received payload is copied into
 * (RTMP-SPEC §5.3.1 chunks are reassembled into whole messages), laid out so a player
 * can frame it as an FLV tag without copying it again (FLV-10.1 E.4.1: an 11-byte tag
 * header before the body, a 4-byte PreviousTagSize after it).
 *
 * - `allocPayload(n, room)` returns an `n`-byte view; with `room`, the 11 bytes before
 *   it and the 4 after it belong to it too (`lendFrameRoom` says so of a view made
 *   elsewhere, e.g. a payload inside the FLV tag it was read from), and
 *   `takeFrameRoom(view)` hands them out exactly once, as one view from the room before
 *   to the room after (whoever takes them writes the tag header and PreviousTagSize
 *   there; a second muxer of the same payload gets undefined and frames it in separate
 *   pieces).
 * - Sizes: views of shared slabs for 4–64 KiB (an allocation per message would cost
 *   more than the copy), Node's own pool below, one ArrayBuffer each above.
 * - Recycling: a consumer provably done with a payload — `rtmpkit dump` once its
 *   `writev` returned — gives its buffer back with `recyclePayloads`. From the first such
 *   call on, payloads with room are lent by the payload free lists (free-lists.ts: whole
 *   power-of-two buffers, taken back once, anything else ignored — a write buffer too)
 *   and later payloads reuse them: no allocation, no page faults, no garbage in the
 *   steady state. At most 4 MiB stay free, or what `reserveFreeBytes` raised that to.
 * - `payloadBytesCopied()` counts every payload byte copied into these buffers (the
 *   chunk reader reports its copies), so a test can prove each byte is copied once.
 *
 * Invariants: a view's room is handed out at most once; a pool buffer is on a free list
 * at most once and never while a view of it is in use by the reader's caller (only the
 * caller that recycles it can know that, and it promises not to touch it afterwards).
 */
import { FreeLists } from './free-lists.js';

/** Bytes of room before a payload: an FLV tag header (FLV-10.1 E.4.1). */
export const FRAME_HEAD = 11;
/** Bytes of room after a payload: an FLV PreviousTagSize. */
export const FRAME_TAIL = 4;
const AROUND = FRAME_HEAD + FRAME_TAIL;

/** Shared slabs for payloads of SLAB_MIN..SLAB_MAX bytes (like Node's Buffer pool, but larger). */
const SLAB_SIZE = 512 * 1024;
const SLAB_MIN = 4096;
const SLAB_MAX = 64 * 1024;
let slab: Buffer | null = null;
let slabPos = 0;

/** Recyclable payload buffers: classes 512 B … 16 MiB, at most 4 MiB free unless raised. */
const payloads = new FreeLists(9, 24, 4 * 1024 * 1024);
/**
 * Views whose surrounding room has not been taken yet (those not in a recycled buffer),
 * each with the buffer it was cut from — the framed view `takeFrameRoom` hands out, made
 * once at allocation rather than again per tag — or null for a lent view (made when taken).
 */
const rooms = new WeakMap<Buffer, Buffer | null>();
/**
 * A recycled buffer holds one payload view: its ArrayBuffer carries that view under this
 * symbol while the view's room is untaken (a property store instead of a WeakMap entry per
 * message, see free-lists.ts).
 */
const ROOM = Symbol('frame room');
type RoomMarked = ArrayBufferLike & { [ROOM]?: Buffer | undefined };
let recycling = false;
let copied = 0;

/** `n` bytes: with `pooled`, 4–64 KiB come from the shared slab. */
function alloc(n: number, pooled: boolean): Buffer {
  if (!pooled || n <= SLAB_MIN || n > SLAB_MAX) return Buffer.allocUnsafe(n);
  if (slab === null || SLAB_SIZE - slabPos < n) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    slabPos = 0;
  }
  const b = slab.subarray(slabPos, slabPos + n);
  slabPos = (slabPos + n + 7) & ~7;
  return b;
}

/**
 * An `n`-byte buffer for a message payload, uninitialised. With `room`, the view has
 * FRAME_HEAD bytes before it and FRAME_TAIL after it that `takeFrameRoom` hands out.
 * `pooled`: 4–64 KiB buffers may be views of a shared slab (a payload kept long-term
 * keeps its slab alive).
 */
export function allocPayload(n: number, room: boolean, pooled = true): Buffer {
  if (!room) return alloc(n, pooled);
  if (recycling) {
    const whole = payloads.takeWhole(n + AROUND);
    const view = whole.subarray(FRAME_HEAD, FRAME_HEAD + n);
    (whole.buffer as RoomMarked)[ROOM] = view;
    return view;
  }
  const whole = alloc(n + AROUND, pooled);
  const view = whole.subarray(FRAME_HEAD, FRAME_HEAD + n);
  rooms.set(view, whole);
  return view;
}

/**
 * Marks `view` as having frame room: the FRAME_HEAD bytes before it and FRAME_TAIL after
 * it in its ArrayBuffer belong to it (the caller vouches for that — an FLV demuxer lends
 * a tag's own header and PreviousTagSize bytes), and `takeFrameRoom` may hand them out
 * once. Returns `view`.
 */
export function lendFrameRoom(view: Buffer): Buffer {
  rooms.set(view, null);
  return view;
}

/**
 * Takes the room around `payload` (FRAME_HEAD bytes before, FRAME_TAIL after): once for
 * a view with room (`allocPayload`'s, or lent), the view of its buffer from FRAME_HEAD
 * bytes before it to FRAME_TAIL after it; undefined otherwise.
 */
export function takeFrameRoom(payload: Buffer): Buffer | undefined {
  const memory = payload.buffer as RoomMarked;
  if (memory[ROOM] === payload) {
    memory[ROOM] = undefined;
    return framedView(payload);
  }
  const whole = rooms.get(payload);
  if (whole === undefined) return undefined;
  rooms.delete(payload);
  return whole ?? framedView(payload);
}

/** `payload` with its room around it, as one view of the same memory. */
function framedView(payload: Buffer): Buffer {
  return Buffer.from(payload.buffer, payload.byteOffset - FRAME_HEAD, payload.length + AROUND);
}

/**
 * Gives the buffers behind `views` back for reuse; the caller promises nothing refers to
 * them any more. Anything but a whole pool buffer in use is ignored, so a file header, a
 * slab view or a second view of one buffer is harmless.
 */
export function recyclePayloads(views: readonly Uint8Array[]): void {
  recycling = true;
  for (const v of views) payloads.give(v);
}

/**
 * Lets the free lists keep up to `bytes` (never lowers the cap, default 4 MiB): for a
 * consumer that returns buffers in bursts larger than that — a live relay's GOP cache
 * is released whole at the next keyframe — and would otherwise see most of them
 * dropped and reallocated.
 */
export function reserveFreeBytes(bytes: number): void {
  payloads.reserve(bytes);
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
 * Whether `b` is of a pool buffer in use — once recycling is on, a payload with room (a
 * test's identity check: the bytes a consumer got are where the reader copied them).
 */
export function isRecyclable(b: Uint8Array): boolean {
  return payloads.lends(b);
}
