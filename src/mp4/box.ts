/**
 * ISO-BMFF box headers (ISO/IEC 14496-12 §4.2): `UI32 size | UI32 type`, `size == 1` →
 * `UI64 largesize` follows, `size == 0` → the box runs to the end of its container,
 * `type == 'uuid'` → a 16-byte extended type follows. FullBox (§4.2.2) adds
 * `UI8 version | UI24 flags`.
 *
 * Invariants: every header is checked against the bytes present and against its
 * container's end before anything uses it; a box can never claim more than its parent.
 * Sizes above 2^53 are refused (JavaScript numbers stay exact). The only errors are
 * `ERR_MP4_TRUNCATED` and `ERR_MP4_BAD_BOX`.
 */
import { ProtocolCode } from '../error-codes.js';
import { ByteReader } from '../util/byte-reader.js';
import { mp4Error } from './errors.js';

/** One box header, positions relative to the buffer it was read from. */
export interface BoxHeader {
  /** The four type characters (latin1), e.g. `'moov'`. */
  type: string;
  /** Offset of the box (its size field). */
  start: number;
  /** Offset of the box body (after size, type, largesize and uuid). */
  bodyStart: number;
  /** Offset just past the box. */
  end: number;
}

/** Largest header: size + type + largesize + uuid extended type. */
export const MAX_BOX_HEADER = 32;

/** The four characters of a box type UI32 (latin1). */
export function typeString(v: number): string {
  return String.fromCharCode((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/**
 * Reads the box header at `at` of a container that ends at `end` (≤ `buf.length` for
 * boxes held in memory; a file scan passes a short header buffer and the file's end).
 *
 * @throws RTMPProtocolError `ERR_MP4_TRUNCATED` (header or box beyond `end`), `ERR_MP4_BAD_BOX`
 */
export function readBoxHeader(buf: Buffer, at: number, end: number): BoxHeader {
  const have = Math.min(buf.length, end) - at;
  const need = (n: number, what: string) => {
    if (have < n) {
      throw mp4Error(
        ProtocolCode.MP4_TRUNCATED,
        `box header at ${at} cut: ${what} needs ${n} bytes, ${have} left`,
      );
    }
  };
  need(8, 'size and type');
  const size32 = buf.readUInt32BE(at);
  const type = typeString(buf.readUInt32BE(at + 4));
  let headerSize = 8;
  let size: number;
  if (size32 === 1) {
    need(16, `'${type}' largesize`);
    const hi = buf.readUInt32BE(at + 8);
    if (hi >= 0x200000) throw mp4Error(ProtocolCode.MP4_BAD_BOX, `'${type}' box at ${at}: size beyond 2^53`);
    size = hi * 0x100000000 + buf.readUInt32BE(at + 12);
    headerSize = 16;
  } else if (size32 === 0) {
    size = end - at;
  } else {
    size = size32;
  }
  if (type === 'uuid') {
    need(headerSize + 16, "'uuid' extended type");
    headerSize += 16;
  }
  if (size < headerSize) {
    throw mp4Error(ProtocolCode.MP4_BAD_BOX, `'${type}' box at ${at}: size ${size} < header ${headerSize}`);
  }
  if (size > end - at) {
    throw mp4Error(
      ProtocolCode.MP4_TRUNCATED,
      `'${type}' box at ${at}: size ${size} runs past its container (${end - at} bytes left)`,
    );
  }
  return { type, start: at, bodyStart: at + headerSize, end: at + size };
}

/**
 * The child boxes of a container body `[start, end)` in order. Fewer than 8 bytes left
 * at the end are ignored (QuickTime ends some lists with a 4-byte zero terminator).
 */
export function* childBoxes(buf: Buffer, start: number, end: number): Generator<BoxHeader> {
  let at = start;
  while (end - at >= 8) {
    const h = readBoxHeader(buf, at, end);
    yield h;
    at = h.end;
  }
}

/** The first child of type `type` in `[start, end)`, or undefined. */
export function findBox(buf: Buffer, start: number, end: number, type: string): BoxHeader | undefined {
  for (const h of childBoxes(buf, start, end)) if (h.type === type) return h;
  return undefined;
}

/** A bounds-checked reader over one box body whose truncation error is `ERR_MP4_TRUNCATED`. */
export function boxReader(buf: Buffer, box: Pick<BoxHeader, 'type' | 'bodyStart' | 'end'>): ByteReader {
  return new ByteReader(
    buf,
    (needed, available, offset) =>
      mp4Error(
        ProtocolCode.MP4_TRUNCATED,
        `'${box.type}' box truncated at offset ${offset}: needed ${needed} bytes, ${available} left`,
      ),
    box.bodyStart,
    box.end,
  );
}

/** Reads a FullBox version and flags. */
export function fullBox(r: ByteReader): { version: number; flags: number } {
  const version = r.u8();
  const flags = r.u24();
  return { version, flags };
}

/** Reads a UI64 as a number (exact up to 2^53; `ERR_MP4_BAD_BOX` above). */
export function u64(r: ByteReader, what: string): number {
  const hi = r.u32();
  const lo = r.u32();
  if (hi >= 0x200000) throw mp4Error(ProtocolCode.MP4_BAD_BOX, `${what} is beyond 2^53`);
  return hi * 0x100000000 + lo;
}

/** Reads an SI64 as a number (exact within ±2^53; `ERR_MP4_BAD_BOX` beyond). */
export function i64(r: ByteReader, what: string): number {
  const hi = r.i32();
  const lo = r.u32();
  if (hi >= 0x200000 || hi < -0x200000) throw mp4Error(ProtocolCode.MP4_BAD_BOX, `${what} is beyond ±2^53`);
  return hi * 0x100000000 + lo;
}
