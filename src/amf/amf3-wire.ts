/**
 * AMF3 wire primitives (AMF3-SPEC §1.3.1, §3.1): the type
 * markers and the U29 variable-length integer.
 *
 * Invariants: `writeU29` only accepts integers in 0..0x1FFFFFFF (throws
 * `ERR_AMF_RANGE` otherwise) and always emits the shortest form; `readU29` accepts
 * any 1–4 byte form and throws `ERR_AMF_TRUNCATED` (through the reader) when the
 * input ends inside the integer.
 */
import { AmfCode } from '../error-codes.js';
import { AMFError } from '../errors.js';
import type { ByteReader } from '../util/byte-reader.js';
import type { ByteWriter } from '../util/byte-writer.js';

/** AMF3 type markers (AMF3-SPEC §3.1). */
export const AMF3 = {
  UNDEFINED: 0x00,
  NULL: 0x01,
  FALSE: 0x02,
  TRUE: 0x03,
  INTEGER: 0x04,
  DOUBLE: 0x05,
  STRING: 0x06,
  XML_DOC: 0x07,
  DATE: 0x08,
  ARRAY: 0x09,
  OBJECT: 0x0a,
  XML: 0x0b,
  BYTE_ARRAY: 0x0c,
  VECTOR_INT: 0x0d,
  VECTOR_UINT: 0x0e,
  VECTOR_DOUBLE: 0x0f,
  VECTOR_OBJECT: 0x10,
  DICTIONARY: 0x11,
} as const;

/** Largest value a U29 can carry. */
export const U29_MAX = 0x1fffffff;
/** Largest length/count/index that fits a U29 after the one-bit inline/reference flag. */
export const U28_MAX = 0x0fffffff;
/** Smallest integer written with the AMF3 integer marker (-2^28). */
export const AMF3_INT_MIN = -0x10000000;
/** Largest integer written with the AMF3 integer marker (2^28 - 1). */
export const AMF3_INT_MAX = 0x0fffffff;

/**
 * Writes `v` as a U29 in its shortest form.
 * @throws AMFError `ERR_AMF_RANGE` unless `v` is an integer in 0..0x1FFFFFFF.
 */
export function writeU29(w: ByteWriter, v: number): void {
  if (!(v >= 0 && v <= U29_MAX && Math.floor(v) === v)) {
    throw new AMFError(`U29 value out of range: ${v}`, AmfCode.AMF_RANGE);
  }
  if (v < 0x80) {
    w.u8(v);
  } else if (v < 0x4000) {
    w.u16((((v >>> 7) | 0x80) << 8) | (v & 0x7f));
  } else if (v < 0x200000) {
    w.u24((((v >>> 14) | 0x80) << 16) | ((((v >>> 7) & 0x7f) | 0x80) << 8) | (v & 0x7f));
  } else {
    w.u32(
      ((((v >>> 22) | 0x80) << 24) |
        ((((v >>> 15) & 0x7f) | 0x80) << 16) |
        ((((v >>> 8) & 0x7f) | 0x80) << 8) |
        (v & 0xff)) >>>
        0,
    );
  }
}

/**
 * Reads a U29 (0..0x1FFFFFFF) at `r.pos`.
 * @throws AMFError `ERR_AMF_TRUNCATED` (from the reader) when the input ends inside it.
 */
export function readU29(r: ByteReader): number {
  if (r.end - r.pos >= 4) {
    // Fast path: all four possible bytes are in range, no per-byte bounds check.
    const buf = r.buf;
    let p = r.pos;
    let b = buf[p++]!;
    if (b < 0x80) {
      r.pos = p;
      return b;
    }
    let v = (b & 0x7f) << 7;
    b = buf[p++]!;
    if (b < 0x80) {
      r.pos = p;
      return v | b;
    }
    v = (v | (b & 0x7f)) << 7;
    b = buf[p++]!;
    if (b < 0x80) {
      r.pos = p;
      return v | b;
    }
    v = (v | (b & 0x7f)) << 8;
    r.pos = p + 1;
    return v | buf[p]!;
  }
  let b = r.u8();
  if (b < 0x80) return b;
  let v = (b & 0x7f) << 7;
  b = r.u8();
  if (b < 0x80) return v | b;
  v = (v | (b & 0x7f)) << 7;
  b = r.u8();
  if (b < 0x80) return v | b;
  v = (v | (b & 0x7f)) << 8;
  return v | r.u8();
}

/** Interprets a U29 as the signed 29-bit two's complement of the AMF3 integer type. */
export function u29ToInt(v: number): number {
  return v & 0x10000000 ? v - 0x20000000 : v;
}
