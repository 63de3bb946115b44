/**
 * A growable big-endian byte writer for encoders of small-to-medium values
 * (AMF, control messages). It doubles its backing store as needed and hands out
 * one Buffer at the end; large media payloads never pass through it.
 */

/**
 * Appends big-endian integers, doubles and bytes to a growing buffer.
 * (Always reserve before touching `#buf`: reserving may replace it.)
 */
export class ByteWriter {
  #buf: Buffer;
  #len = 0;

  constructor(initialCapacity = 256) {
    this.#buf = Buffer.allocUnsafe(Math.max(16, initialCapacity));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#len;
  }

  #reserve(n: number): number {
    const at = this.#len;
    const need = at + n;
    if (need > this.#buf.length) {
      let cap = this.#buf.length * 2;
      while (cap < need) cap *= 2;
      const next = Buffer.allocUnsafe(cap);
      this.#buf.copy(next, 0, 0, at);
      this.#buf = next;
    }
    this.#len = need;
    return at;
  }

  u8(v: number): this {
    const at = this.#reserve(1);
    this.#buf[at] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    const at = this.#reserve(2);
    this.#buf.writeUInt16BE(v & 0xffff, at);
    return this;
  }

  i16(v: number): this {
    const at = this.#reserve(2);
    this.#buf.writeInt16BE(v, at);
    return this;
  }

  u24(v: number): this {
    const at = this.#reserve(3);
    const b = this.#buf;
    b[at] = (v >>> 16) & 0xff;
    b[at + 1] = (v >>> 8) & 0xff;
    b[at + 2] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    const at = this.#reserve(4);
    this.#buf.writeUInt32BE(v >>> 0, at);
    return this;
  }

  i32(v: number): this {
    const at = this.#reserve(4);
    this.#buf.writeInt32BE(v | 0, at);
    return this;
  }

  u32le(v: number): this {
    const at = this.#reserve(4);
    this.#buf.writeUInt32LE(v >>> 0, at);
    return this;
  }

  f64(v: number): this {
    const at = this.#reserve(8);
    this.#buf.writeDoubleBE(v, at);
    return this;
  }

  bytes(src: Uint8Array): this {
    const at = this.#reserve(src.length);
    this.#buf.set(src, at);
    return this;
  }

  /** Writes `s` as UTF-8 and returns the number of bytes written. */
  utf8(s: string): number {
    const max = s.length * 3;
    const at = this.#reserve(max);
    const n = this.#buf.write(s, at, 'utf8');
    this.#len = at + n;
    return n;
  }

  /** Overwrites a big-endian UI16 at an earlier offset. */
  patchU16(at: number, v: number): void {
    this.#buf.writeUInt16BE(v, at);
  }

  /** Overwrites a big-endian UI32 at an earlier offset. */
  patchU32(at: number, v: number): void {
    this.#buf.writeUInt32BE(v >>> 0, at);
  }

  /** A copy of the written bytes, sized exactly. */
  toBuffer(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#len));
  }

  /** A view of the written bytes (valid until the next write). */
  view(): Buffer {
    return this.#buf.subarray(0, this.#len);
  }
}
