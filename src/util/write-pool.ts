/**
 * Reusable buffers for output a session must build in memory of its own — RTMPE's
 * encrypted copy of each output batch (its inputs are shared payloads that must stay
 * plain). A fresh buffer per batch cost as much as the encryption: new pages to fault in
 * and garbage for every batch. Here the I/O shell gives a buffer back once its socket
 * write completed (`returnWriteBuffer`), and the next batch reuses it.
 *
 * - `takeWriteBuffer(n)` returns an `n`-byte view of a whole buffer of a power-of-two
 *   size class (`MIN_CLASS`…`MAX_CLASS`), reused when one is free; larger requests get a
 *   plain allocation that never comes back.
 * - `returnWriteBuffer(view)` puts the whole buffer behind a view `takeWriteBuffer` lent
 *   back on its free list; any other buffer is ignored, so the shell may offer it every
 *   buffer it wrote. Free lists hold at most `MAX_FREE_BYTES` in all.
 *
 * Invariants: a buffer is lent to one caller at a time; it is on a free list at most once,
 * and only after the caller returned it (the caller promises not to touch it afterwards);
 * a buffer never returned is simply collected.
 */

/** Smallest and largest pooled size classes. */
const MIN_CLASS = 16 * 1024;
const MAX_CLASS = 4 * 1024 * 1024;
/** Bytes the free lists may hold, over all classes (one process: every connection shares them). */
const MAX_FREE_BYTES = 8 * 1024 * 1024;

/** Free buffers per size class (log2 of the size). */
const free = new Map<number, Buffer[]>();
let freeBytes = 0;
/** The whole buffer behind each lent view's memory, while it is lent. */
const lent = new WeakMap<ArrayBufferLike, Buffer>();

function sizeClass(n: number): number {
  return Math.max(MIN_CLASS, 2 ** Math.ceil(Math.log2(n)));
}

/** An `n`-byte buffer for output; give it back with `returnWriteBuffer` once it was written. */
export function takeWriteBuffer(n: number): Buffer {
  if (n > MAX_CLASS) return Buffer.allocUnsafeSlow(n);
  const size = sizeClass(n);
  const list = free.get(size);
  let whole = list?.pop();
  if (whole === undefined) whole = Buffer.allocUnsafeSlow(size);
  else freeBytes -= size;
  lent.set(whole.buffer, whole);
  return whole.subarray(0, n);
}

/** Gives back a view `takeWriteBuffer` returned (others are ignored): its memory may be reused now. */
export function returnWriteBuffer(view: Uint8Array): void {
  const whole = lent.get(view.buffer);
  if (whole === undefined) return;
  lent.delete(view.buffer);
  if (freeBytes + whole.length > MAX_FREE_BYTES) return;
  const list = free.get(whole.length);
  if (list === undefined) free.set(whole.length, [whole]);
  else list.push(whole);
  freeBytes += whole.length;
}

/** Whether `view` is lent by `takeWriteBuffer` (and not yet returned). */
export function isWriteBuffer(view: Uint8Array): boolean {
  return lent.has(view.buffer);
}

/** Bytes on the free lists now (for tests). */
export function freeWriteBytes(): number {
  return freeBytes;
}
