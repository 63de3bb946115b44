/**
 * The chunk reader's options and the limits it enforces on peer input (RTMP-SPEC §5.3.1
 * message header, §5.4.1 Set Chunk Size, §5.4.2 Abort Message): option defaults and
 * their validation, and the errors for a peer over a limit.
 *
 * Invariants: an option is either absent (its default applies) or an integer in its
 * range, else the reader is not built (`RTMPUsageError` `ERR_CHUNK_INVALID_ARGUMENT`);
 * every peer fault here is an `RTMPProtocolError` with an `ERR_CHUNK_*` code. Nothing
 * here runs per chunk: the reader calls these on a new message's header, a new chunk
 * stream, a control message, or to build the error it throws.
 */
import { ProtocolCode } from '../error-codes.js';
import type { RTMPProtocolError } from '../errors.js';
import { chunkProtocolError, chunkUsageError } from './errors.js';
import { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MAX_MESSAGE_LENGTH } from './header.js';

/** Options of a ChunkReader; every limit has a default. */
export interface ChunkReaderOptions {
  /** Incoming chunk size before any Set Chunk Size (default 128). */
  chunkSize?: number;
  /** Largest message length accepted from a header (default 16 MiB, i.e. any UI24). */
  maxMessageSize?: number;
  /** Most chunk streams the peer may open (default 1024). */
  maxChunkStreams?: number;
  /** Largest Set Chunk Size accepted (default 0x7FFFFFFF, the protocol maximum). */
  maxChunkSize?: number;
  /** Messages up to this length get their exact buffer at the first byte (default 64 KiB). */
  preallocateLimit?: number;
  /** Budget for bytes allocated ahead of received data, over all partial messages (default 4 MiB). */
  maxReservedBytes?: number;
  /** Return single-chunk messages as views of the pushed Buffer (default true). */
  zeroCopy?: boolean;
  /**
   * Carve payloads of 4 KiB–`preallocateLimit` from shared 512 KiB slabs (default true):
   * faster, but a payload kept long-term keeps its slab alive (copy what you keep).
   */
  pooled?: boolean;
  /**
   * Give audio, video, data and aggregate payloads room for an FLV tag header and
   * PreviousTagSize around them (`allocPayload`; default false), so a player frames them
   * in place. Such payloads are always copied once, never returned as views of `push`'s
   * input.
   */
  frameRoom?: boolean;
}

/** ChunkReaderOptions with every default applied and every value checked. */
export type ReaderLimits = Required<ChunkReaderOptions>;

const DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
const DEFAULT_MAX_CHUNK_STREAMS = 1024;
/** Every csid a basic header can name (RTMP-SPEC §5.3.1.1: 2–65599). */
const MAX_CHUNK_STREAMS = 65_598;
const DEFAULT_PREALLOCATE_LIMIT = 64 * 1024;
const DEFAULT_MAX_RESERVED = 4 * 1024 * 1024;

type IntOption =
  | 'chunkSize'
  | 'maxMessageSize'
  | 'maxChunkStreams'
  | 'maxChunkSize'
  | 'preallocateLimit'
  | 'maxReservedBytes';

function positiveInt(options: ChunkReaderOptions, name: IntOption, def: number, max: number): number {
  const v = options[name];
  if (v === undefined) return def;
  if (!Number.isSafeInteger(v) || v < 1 || v > max) {
    throw chunkUsageError(`${name} must be an integer in 1..${max}, got ${v}`);
  }
  return v;
}

/**
 * The reader's settings from `options`: defaults applied, integers range-checked
 * (`chunkSize` against `maxChunkSize`).
 *
 * @throws RTMPUsageError `ERR_CHUNK_INVALID_ARGUMENT` for a value out of range
 */
export function readerLimits(options: ChunkReaderOptions): ReaderLimits {
  const maxChunkSize = positiveInt(options, 'maxChunkSize', MAX_CHUNK_SIZE, MAX_CHUNK_SIZE);
  return {
    maxChunkSize,
    chunkSize: positiveInt(options, 'chunkSize', DEFAULT_CHUNK_SIZE, maxChunkSize),
    maxMessageSize: positiveInt(options, 'maxMessageSize', DEFAULT_MAX_MESSAGE_SIZE, Number.MAX_SAFE_INTEGER),
    maxChunkStreams: positiveInt(options, 'maxChunkStreams', DEFAULT_MAX_CHUNK_STREAMS, MAX_CHUNK_STREAMS),
    preallocateLimit: positiveInt(options, 'preallocateLimit', DEFAULT_PREALLOCATE_LIMIT, MAX_MESSAGE_LENGTH),
    maxReservedBytes: positiveInt(options, 'maxReservedBytes', DEFAULT_MAX_RESERVED, Number.MAX_SAFE_INTEGER),
    zeroCopy: options.zeroCopy ?? true,
    pooled: options.pooled ?? true,
    frameRoom: options.frameRoom ?? false,
  };
}

/** The error for a header on `csid` declaring a `length`-byte message over `maxMessageSize`. */
export function messageTooLarge(csid: number, length: number, maxMessageSize: number): RTMPProtocolError {
  return chunkProtocolError(
    ProtocolCode.CHUNK_MESSAGE_TOO_LARGE,
    `chunk stream ${csid} declares a ${length}-byte message; maxMessageSize is ${maxMessageSize}`,
  );
}

/** The error for a peer opening chunk stream `csid` beyond `maxChunkStreams`. */
export function tooManyStreams(csid: number, maxChunkStreams: number): RTMPProtocolError {
  return chunkProtocolError(
    ProtocolCode.CHUNK_TOO_MANY_STREAMS,
    `peer opened more than ${maxChunkStreams} chunk streams (csid ${csid})`,
  );
}

/**
 * The chunk size a Set Chunk Size payload sets (RTMP-SPEC §5.4.1): bit 31 is reserved
 * and ignored; 0, a short payload or a size over `maxChunkSize` is fatal.
 *
 * @throws RTMPProtocolError `ERR_CHUNK_INVALID_CHUNK_SIZE`, `ERR_CHUNK_CHUNK_SIZE_TOO_LARGE`
 */
export function setChunkSizeOf(payload: Buffer, maxChunkSize: number): number {
  if (payload.length < 4) {
    throw chunkProtocolError(
      ProtocolCode.CHUNK_INVALID_CHUNK_SIZE,
      `Set Chunk Size needs a 4-byte payload, got ${payload.length} bytes`,
    );
  }
  const size = ((payload[0]! & 0x7f) << 24) | (payload[1]! << 16) | (payload[2]! << 8) | payload[3]!;
  if (size === 0) {
    throw chunkProtocolError(ProtocolCode.CHUNK_INVALID_CHUNK_SIZE, 'Set Chunk Size of 0');
  }
  if (size > maxChunkSize) {
    throw chunkProtocolError(
      ProtocolCode.CHUNK_CHUNK_SIZE_TOO_LARGE,
      `Set Chunk Size ${size} exceeds maxChunkSize ${maxChunkSize}`,
    );
  }
  return size;
}

/**
 * The chunk stream id an Abort Message names (RTMP-SPEC §5.4.2: a UI32).
 *
 * @throws RTMPProtocolError `ERR_CHUNK_INVALID_ABORT` for a payload under 4 bytes
 */
export function abortedCsidOf(payload: Buffer): number {
  if (payload.length < 4) {
    throw chunkProtocolError(
      ProtocolCode.CHUNK_INVALID_ABORT,
      `Abort Message needs a 4-byte payload, got ${payload.length} bytes`,
    );
  }
  return payload.readUInt32BE(0);
}
