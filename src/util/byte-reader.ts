/**
 * A bounds-checked cursor over one Buffer, for decoders of complete messages
 * (AMF, message payloads). Every read checks the remaining length first and
 * throws the error built by the `onTruncated` factory, so callers can make it the
 * typed error of their layer (`ERR_AMF_TRUNCATED`, `ERR_MESSAGE_TRUNCATED`, ...).
 * Reads of byte ranges return views, never copies.
 */

/** Builds the error thrown when a read needs more bytes than remain. */
export type TruncatedErrorFactory = (needed: number, available: number, offset: number) => Error;

/** A forward-only, bounds-checked reader over a Buffer. */
export class ByteReader {
  /** Current read offset into `buf`. */
  pos: number;
  readonly buf: Buffer;
  readonly end: number;
  readonly #onTruncated: TruncatedErrorFactory;

  constructor(buf: Buffer, onTruncated: TruncatedErrorFactory, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.#onTruncated = onTruncated;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number): void {
    if (n > this.end - this.pos) throw this.#onTruncated(n, this.end - this.pos, this.pos);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  peekU8(): number {
    this.need(1);
    return this.buf[this.pos]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  i16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const b = this.buf;
    const p = this.pos;
    this.pos += 3;
    return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
  }

  i24(): number {
    const v = this.u24();
    return v & 0x800000 ? v - 0x1000000 : v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  u32le(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A view of the next `n` bytes (no copy). */
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}
