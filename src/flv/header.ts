/**
 * FLV file header and tag header codecs (FLV-10.1 Annex E.2/E.4.1).
 *
 * ```
 * file header  'F' 'L' 'V'  UI8 version (1)  UI8 flags (UB[5] 0 | audio 0x04 | UB[1] 0 | video 0x01)
 *              UI32 DataOffset (9)            then UI32 PreviousTagSize0 = 0
 * tag header   UB[2] reserved | UB[1] Filter | UB[5] TagType   UI24 DataSize
 *              UI24 Timestamp (low 24 bits)   UI8 TimestampExtended (high 8 bits)   UI24 StreamID (0)
 * after a tag  UI32 PreviousTagSize = 11 + DataSize
 * ```
 *
 * Timestamps: the spec types Timestamp + TimestampExtended as one SI32 (24 low bits, then
 * the high 8). rtmpkit keeps timestamps in the RTMP domain — the same 32 bits read as an
 * unsigned number (what a RawMessage carries) — so muxing and demuxing are inverse and a
 * tag's timestamp can be sent as is. `si32()` gives the signed reading the spec names.
 *
 * Invariants: encoders never allocate more than the 11/13 bytes they return (or write
 * into the caller's buffer); decoders check the length first and throw only
 * `ERR_FLV_TRUNCATED` / `ERR_FLV_BAD_HEADER`.
 */
import { ProtocolCode } from '../error-codes.js';
import { flvError, flvUsageError } from './errors.js';

/** Size of the FLV file header proper (signature, version, flags, DataOffset). */
export const FLV_HEADER_SIZE = 9;
/** Size of an FLV tag header. */
export const FLV_TAG_HEADER_SIZE = 11;
/** Size of a PreviousTagSize field. */
export const FLV_PREVIOUS_TAG_SIZE_SIZE = 4;
/** Largest DataSize a tag header can express (UI24). */
export const FLV_MAX_DATA_SIZE = 0xffffff;
/** The version every known writer uses. */
export const FLV_VERSION = 1;

/** FLV tag types (TagType, the low 5 bits of the tag header's first byte). */
export const FlvTagType = {
  Audio: 8,
  Video: 9,
  /** E-RTMP: script data in AMF3 (FLV readers predating E-RTMP skip it). */
  ScriptAMF3: 15,
  Script: 18,
} as const;
/** One of the `FlvTagType` values. */
export type FlvTagTypeId = (typeof FlvTagType)[keyof typeof FlvTagType];

/** Bits of the file header's flags byte (TypeFlagsAudio / TypeFlagsVideo). */
export const FlvHeaderFlag = {
  Audio: 0x04,
  Video: 0x01,
} as const;

const SIGNATURE_F = 0x46;
const SIGNATURE_L = 0x4c;
const SIGNATURE_V = 0x56;

/** A decoded FLV file header. */
export interface FlvFileHeader {
  /** Version byte (1 in every known file; other values are accepted and reported). */
  version: number;
  /** TypeFlagsAudio. */
  hasAudio: boolean;
  /** TypeFlagsVideo. */
  hasVideo: boolean;
  /** The whole flags byte, reserved bits included. */
  flags: number;
  /** DataOffset: where the body (PreviousTagSize0) starts; 9 in every known file. */
  dataOffset: number;
}

/** Which streams the file header announces. */
export interface FlvHeaderOptions {
  audio: boolean;
  video: boolean;
}

/**
 * The 13 bytes that start an FLV stream: the 9-byte header with DataOffset 9 and
 * PreviousTagSize0 = 0 — librtmp's `RTMP_Read` header `46 4C 56 01 <flags> 00 00 00 09 00 00 00 00`.
 */
export function encodeFileHeader(opts: FlvHeaderOptions): Buffer {
  const b = Buffer.alloc(FLV_HEADER_SIZE + FLV_PREVIOUS_TAG_SIZE_SIZE);
  b[0] = SIGNATURE_F;
  b[1] = SIGNATURE_L;
  b[2] = SIGNATURE_V;
  b[3] = FLV_VERSION;
  b[4] = (opts.audio ? FlvHeaderFlag.Audio : 0) | (opts.video ? FlvHeaderFlag.Video : 0);
  b[8] = FLV_HEADER_SIZE;
  return b;
}

/** True if `buf` (from `offset`) starts with the 'FLV' signature. Needs 3 bytes. */
export function hasFlvSignature(buf: Uint8Array, offset = 0): boolean {
  return (
    buf.length - offset >= 3 &&
    buf[offset] === SIGNATURE_F &&
    buf[offset + 1] === SIGNATURE_L &&
    buf[offset + 2] === SIGNATURE_V
  );
}

/**
 * Decodes the 9-byte file header at `offset`.
 *
 * @throws RTMPProtocolError `ERR_FLV_TRUNCATED` with fewer than 9 bytes;
 *   `ERR_FLV_BAD_HEADER` without the 'FLV' signature or with DataOffset < 9
 */
export function decodeFileHeader(buf: Uint8Array, offset = 0): FlvFileHeader {
  if (buf.length - offset < FLV_HEADER_SIZE) {
    throw flvError(
      ProtocolCode.FLV_TRUNCATED,
      `FLV file header truncated: ${Math.max(0, buf.length - offset)} of ${FLV_HEADER_SIZE} bytes`,
    );
  }
  if (!hasFlvSignature(buf, offset))
    throw flvError(ProtocolCode.FLV_BAD_HEADER, "FLV file header lacks the 'FLV' signature");
  const flags = buf[offset + 4]!;
  const dataOffset =
    (buf[offset + 5]! * 0x1000000 +
      ((buf[offset + 6]! << 16) | (buf[offset + 7]! << 8) | buf[offset + 8]!)) >>>
    0;
  if (dataOffset < FLV_HEADER_SIZE) {
    throw flvError(
      ProtocolCode.FLV_BAD_HEADER,
      `FLV DataOffset ${dataOffset} is smaller than the header (9)`,
    );
  }
  return {
    version: buf[offset + 3]!,
    hasAudio: (flags & FlvHeaderFlag.Audio) !== 0,
    hasVideo: (flags & FlvHeaderFlag.Video) !== 0,
    flags,
    dataOffset,
  };
}

/** A decoded (or to-be-encoded) FLV tag header. */
export interface FlvTagHeader {
  /** TagType: the low 5 bits (8 audio, 9 video, 18 script, 15 E-RTMP AMF3 script). */
  type: number;
  /** The Filter bit (FLV-10.1 Annex F: the payload is encrypted / pre-processed). */
  filter: boolean;
  /** DataSize: payload length (UI24). */
  dataSize: number;
  /** Timestamp + TimestampExtended as an unsigned 32-bit number (see `si32` for the signed reading). */
  timestamp: number;
  /** StreamID (UI24; always 0 in files). */
  streamId: number;
}

/**
 * Writes an 11-byte tag header into `out` at `at` (no allocation). Values are not
 * checked here (hot path): `type` is masked to 5 bits, `dataSize` and `streamId` to
 * 24, `timestamp` to 32.
 */
export function writeTagHeader(
  out: Uint8Array,
  at: number,
  type: number,
  dataSize: number,
  timestamp: number,
  streamId = 0,
  filter = false,
): void {
  out[at] = (type & 0x1f) | (filter ? 0x20 : 0);
  out[at + 1] = (dataSize >>> 16) & 0xff;
  out[at + 2] = (dataSize >>> 8) & 0xff;
  out[at + 3] = dataSize & 0xff;
  writeTimestamp(out, at + 4, timestamp);
  out[at + 8] = (streamId >>> 16) & 0xff;
  out[at + 9] = (streamId >>> 8) & 0xff;
  out[at + 10] = streamId & 0xff;
}

/**
 * Encodes an 11-byte tag header (a new Buffer).
 *
 * @throws RTMPUsageError `ERR_FLV_INVALID_ARGUMENT` for a type outside 0..31, a size or
 *   stream id outside UI24, or a timestamp that is not an integer in [-2^31, 2^32)
 */
export function encodeTagHeader(h: {
  type: number;
  dataSize: number;
  timestamp: number;
  streamId?: number;
  filter?: boolean;
}): Buffer {
  checkInt('type', h.type, 0, 31);
  checkInt('dataSize', h.dataSize, 0, FLV_MAX_DATA_SIZE);
  checkInt('timestamp', h.timestamp, -0x80000000, 0xffffffff);
  checkInt('streamId', h.streamId ?? 0, 0, 0xffffff);
  const b = Buffer.allocUnsafe(FLV_TAG_HEADER_SIZE);
  writeTagHeader(b, 0, h.type, h.dataSize, h.timestamp >>> 0, h.streamId ?? 0, h.filter ?? false);
  return b;
}

/**
 * Decodes the 11-byte tag header at `offset`. The two reserved bits are ignored (as
 * FFmpeg does); `tagHeaderReservedBits` reads them.
 *
 * @throws RTMPProtocolError `ERR_FLV_TRUNCATED` with fewer than 11 bytes
 */
export function decodeTagHeader(buf: Uint8Array, offset = 0): FlvTagHeader {
  if (buf.length - offset < FLV_TAG_HEADER_SIZE) {
    throw flvError(
      ProtocolCode.FLV_TRUNCATED,
      `FLV tag header truncated: ${Math.max(0, buf.length - offset)} of ${FLV_TAG_HEADER_SIZE} bytes`,
    );
  }
  const b0 = buf[offset]!;
  return {
    type: b0 & 0x1f,
    filter: (b0 & 0x20) !== 0,
    dataSize: (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!,
    timestamp: readTimestamp(buf, offset + 4),
    streamId: (buf[offset + 8]! << 16) | (buf[offset + 9]! << 8) | buf[offset + 10]!,
  };
}

/** The two reserved bits of a tag header's first byte (0 in a conforming file). */
export function tagHeaderReservedBits(firstByte: number): number {
  return firstByte >>> 6;
}

/** Writes a 32-bit timestamp in FLV order (UI24 low bits, then UI8 high bits) at `at`. */
export function writeTimestamp(out: Uint8Array, at: number, timestamp: number): void {
  out[at] = (timestamp >>> 16) & 0xff;
  out[at + 1] = (timestamp >>> 8) & 0xff;
  out[at + 2] = timestamp & 0xff;
  out[at + 3] = (timestamp >>> 24) & 0xff;
}

/** Reads a 32-bit timestamp in FLV order (UI24 low bits, then UI8 high bits) at `at`, unsigned. */
export function readTimestamp(buf: Uint8Array, at: number): number {
  return buf[at + 3]! * 0x1000000 + ((buf[at]! << 16) | (buf[at + 1]! << 8) | buf[at + 2]!);
}

/** The spec's signed (SI32) reading of an FLV timestamp: 0x80000000 and above are negative. */
export function si32(timestamp: number): number {
  return timestamp | 0;
}

/** Writes a big-endian UI32 (a PreviousTagSize) at `at`. */
export function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = (v >>> 24) & 0xff;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

/** Reads a big-endian UI32 at `at`. */
export function readU32(buf: Uint8Array, at: number): number {
  return buf[at]! * 0x1000000 + ((buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!);
}

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw flvUsageError(`FLV tag ${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
}
