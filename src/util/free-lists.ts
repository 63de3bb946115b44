/**
 * Free lists of reusable buffers. A lender hands out views of whole buffers of
 * power-of-two size classes and takes each back once its borrower is done, so steady
 * same-sized work reuses memory already mapped and cache-warm instead of faulting in
 * new pages and leaving garbage. Payloads and write buffers each have their own lender.
 *
 * Invariants: a buffer is lent to one borrower at a time and taken back only by the
 * lender that lent it — whole, once, after its borrower gave it back (promising not to
 * touch it afterwards); anything else given is ignored. The free lists hold at most the
 * cap; a buffer beyond it, one never given back, or one above the largest class (a
 * plain allocation, never lent) is left to the garbage collector.
 */

/** One lender: its free lists, the buffers it has lent, its cap. */
export class FreeLists {
  readonly #minClass: number;
  readonly #maxSize: number;
  #cap: number;
  #freeBytes = 0;
  /** Free whole buffers by size class (log2 of their size). */
  readonly #free: Buffer[][];
  /** The whole buffer behind each lent view's memory, while it is lent. */
  readonly #lent = new WeakMap<ArrayBufferLike, Buffer>();

  /** Size classes 2^`minClass` … 2^`maxClass` bytes; at most `cap` bytes free in all. */
  constructor(minClass: number, maxClass: number, cap: number) {
    this.#minClass = minClass;
    this.#maxSize = 2 ** maxClass;
    this.#cap = cap;
    this.#free = Array.from({ length: maxClass + 1 }, () => []);
  }

  /** An `n`-byte view (uninitialised) at the start of a whole buffer, reused when one is free. */
  take(n: number): Buffer {
    if (n > this.#maxSize) return Buffer.allocUnsafeSlow(n);
    const c = Math.max(this.#minClass, 32 - Math.clz32(Math.max(n, 1) - 1));
    let whole = this.#free[c]!.pop();
    if (whole === undefined) whole = Buffer.allocUnsafeSlow(2 ** c);
    else this.#freeBytes -= whole.length;
    this.#lent.set(whole.buffer, whole);
    return whole.subarray(0, n);
  }

  /** Puts the whole buffer behind `view` back on its free list if this lender lent it (else ignored). */
  give(view: Uint8Array): void {
    const whole = this.#lent.get(view.buffer);
    if (whole === undefined) return;
    this.#lent.delete(view.buffer);
    if (this.#freeBytes + whole.length > this.#cap) return;
    this.#free[31 - Math.clz32(whole.length)]!.push(whole);
    this.#freeBytes += whole.length;
  }

  /** Whether `view` is of a buffer this lender lent and that was not given back yet. */
  lends(view: Uint8Array): boolean {
    return this.#lent.has(view.buffer);
  }

  /** Lets the free lists hold up to `bytes` (never lowers the cap). */
  reserve(bytes: number): void {
    if (bytes > this.#cap) this.#cap = bytes;
  }

  /** Bytes on the free lists now. */
  get freeBytes(): number {
    return this.#freeBytes;
  }
}
