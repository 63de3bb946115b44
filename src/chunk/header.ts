/**
 * Chunk header constants and the basic-header codec (RTMP-SPEC §5.3.1.1, §5.3.1.2).
 *
 * Basic header forms: 1 byte `fmt<<6 | csid` for csid 2–63; 2 bytes `fmt<<6 | 0`,
 * `csid − 64` for 64–319; 3 bytes `fmt<<6 | 1`, then `csid − 64` as a little-endian
 * UI16 for 64–65599. Writers use the smallest form; readers accept the 3-byte form
 * for any csid ≥ 64. The reader inlines this parsing in its hot loop; these helpers
 * serve the writer and tests.
 */

/** Incoming and outgoing chunk size until a Set Chunk Size says otherwise (RTMP-SPEC §5.4.1). */
export const DEFAULT_CHUNK_SIZE = 128;
/** Largest value a Set Chunk Size may carry (bit 31 must be 0): the message layer's constant, one for both layers. */
export { MAX_CHUNK_SIZE } from '../message/control.js';
/** Largest message length a chunk header can declare (UI24). */
export const MAX_MESSAGE_LENGTH = 0xff_ffff;
/** The 24-bit timestamp value that announces a 4-byte extended timestamp. */
export const EXTENDED_TIMESTAMP = 0xff_ffff;
/** Smallest usable chunk stream id (0 and 1 are escape values; 2 is protocol control). */
export const MIN_CSID = 2;
/** Largest chunk stream id (3-byte basic header). */
export const MAX_CSID = 65_599;
/** Chunk stream id reserved for protocol-control messages. */
export const CONTROL_CSID = 2;
/** Longest possible chunk header: 3-byte basic + 11-byte type-0 + 4-byte extended timestamp. */
export const MAX_CHUNK_HEADER_SIZE = 18;

/** Chunk message header sizes by fmt (0–3). */
export const MESSAGE_HEADER_SIZE: readonly [11, 7, 3, 0] = [11, 7, 3, 0];

/** Bytes the smallest basic header for `csid` takes (1, 2 or 3). */
export function basicHeaderSize(csid: number): 1 | 2 | 3 {
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

/**
 * Writes the smallest basic header for (`fmt`, `csid`) at `off` and returns the
 * offset after it. `csid` must be in 2–65599 and `fmt` in 0–3 (not checked here).
 */
export function writeBasicHeader(buf: Uint8Array, off: number, fmt: number, csid: number): number {
  const top = fmt << 6;
  if (csid < 64) {
    buf[off] = top | csid;
    return off + 1;
  }
  const v = csid - 64;
  if (csid < 320) {
    buf[off] = top;
    buf[off + 1] = v;
    return off + 2;
  }
  buf[off] = top | 1;
  buf[off + 1] = v & 0xff;
  buf[off + 2] = v >>> 8;
  return off + 3;
}

/** A decoded basic header. */
export interface BasicHeader {
  fmt: number;
  csid: number;
  /** Bytes it took (1, 2 or 3). */
  size: number;
}

/**
 * Decodes a basic header at `off`, or returns `undefined` if `buf` ends first.
 * Accepts the 3-byte form for every csid ≥ 64 (RTMP-SPEC §5.3.1.1).
 */
export function readBasicHeader(buf: Uint8Array, off = 0, end = buf.length): BasicHeader | undefined {
  if (off >= end) return undefined;
  const b0 = buf[off]!;
  const fmt = b0 >>> 6;
  const low = b0 & 0x3f;
  if (low >= 2) return { fmt, csid: low, size: 1 };
  if (low === 0) {
    if (off + 2 > end) return undefined;
    return { fmt, csid: buf[off + 1]! + 64, size: 2 };
  }
  if (off + 3 > end) return undefined;
  return { fmt, csid: buf[off + 1]! + (buf[off + 2]! << 8) + 64, size: 3 };
}
