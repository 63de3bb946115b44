/**
 * Free lists of reusable buffers. A lender hands out views of whole buffers of
 * power-of-two size classes and takes each back once its borrower is done, so steady
 * same-sized work reuses memory already mapped and cache-warm instead of faulting in
 * new pages and leaving garbage. Payloads and write buffers each have their own lender.
 *
 * Each whole buffer has an ArrayBuffer of its own; while it is lent, that ArrayBuffer
 * carries the whole buffer under the lender's own symbol. Marking the ArrayBuffer costs
 * a property store, where a WeakMap of lent buffers cost an entry per message (and a
 * scavenge's share of them) — measured on a 300 kbit/s download's ~88,000 small messages.
 *
 * Invariants: a buffer is lent to one borrower at a time and taken back only by the
 * lender that lent it — whole, once, after its borrower gave it back (promising not to
 * touch it afterwards); anything else given is ignored. The free lists hold at most the
 * cap; a buffer beyond it, one never given back, or one above the largest class (a
 * plain allocation, never lent) is left to the garbage collector.
 */

/** An ArrayBuffer as a lender marks it: the whole buffer lent, under the lender's symbol. */
type Marked = ArrayBufferLike & { [lent: symbol]: Buffer | undefined };

/** One lender: its free lists, the buffers it has lent, its cap. */
export class FreeLists {
  readonly #minClass: number;
  readonly #maxSize: number;
  #cap: number;
  #freeBytes = 0;
  /** Free whole buffers by size class (log2 of their size). */
  readonly #free: Buffer[][];
  /** The property a lent buffer's ArrayBuffer holds its whole buffer under, while it is lent. */
  readonly #lent = Symbol('lent');

  /** Size classes 2^`minClass` … 2^`maxClass` bytes; at most `cap` bytes free in all. */
  constructor(minClass: number, maxClass: number, cap: number) {
    this.#minClass = minClass;
    this.#maxSize = 2 ** maxClass;
    this.#cap = cap;
    this.#free = Array.from({ length: maxClass + 1 }, () => []);
  }

  /** An `n`-byte view (uninitialised) at the start of a whole buffer, reused when one is free. */
  take(n: number): Buffer {
    return this.takeWhole(n).subarray(0, n);
  }

  /**
   * A whole buffer of at least `n` bytes (uninitialised; its own ArrayBuffer), reused when
   * one is free — for a borrower that places its own view in it.
   */
  takeWhole(n: number): Buffer {
    if (n > this.#maxSize) return Buffer.allocUnsafeSlow(n);
    const c = Math.max(this.#minClass, 32 - Math.clz32(Math.max(n, 1) - 1));
    let whole = this.#free[c]!.pop();
    if (whole === undefined) whole = Buffer.allocUnsafeSlow(2 ** c);
    else this.#freeBytes -= whole.length;
    (whole.buffer as Marked)[this.#lent] = whole;
    return whole;
  }

  /** Puts the whole buffer behind `view` back on its free list if this lender lent it (else ignored). */
  give(view: Uint8Array): void {
    const memory = view.buffer as Marked;
    const whole = memory[this.#lent];
    if (whole === undefined) return;
    memory[this.#lent] = undefined;
    if (this.#freeBytes + whole.length > this.#cap) return;
    this.#free[31 - Math.clz32(whole.length)]!.push(whole);
    this.#freeBytes += whole.length;
  }

  /** Whether `view` is of a buffer this lender lent and that was not given back yet. */
  lends(view: Uint8Array): boolean {
    return (view.buffer as Marked)[this.#lent] !== undefined;
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
