/**
 * SWF verification hash (librtmp `hashswf.c` `swfcrunch`, which
 * servers that verify SWFs expect byte for byte): HMAC-SHA256 keyed with "Genuine Adobe Flash Player 001"
 * (30 bytes) over the *decompressed* SWF, and the decompressed size (8-byte header
 * included). A `CWS` file is hashed as if it were `FWS`: the first byte becomes `F`,
 * the 8-byte header is hashed as is, the rest is zlib-inflated and hashed.
 *
 * Sans-IO: `hashSwfStream` consumes any async iterable of byte chunks (the HTTP body, a
 * file stream) and never holds more than one input chunk and one inflate output chunk;
 * `hashSwfBytes` does the same for bytes already in memory. Neither touches the network
 * or the file system.
 *
 * Stricter than librtmp, on purpose: librtmp hashes whatever it downloads (an HTML error
 * page, a `ZWS` file, a truncated or corrupt zlib stream) and reports success with a
 * meaningless hash; here every such input is a typed error:
 * - not `FWS`/`CWS`/`ZWS`, or fewer than 8 bytes → `ERR_SWF_FORMAT`;
 * - `ZWS` (LZMA) → `ERR_SWF_UNSUPPORTED` (librtmp does not support it either);
 * - corrupt or truncated zlib data → `ERR_SWF_FORMAT`;
 * - more than `maxSize` decompressed bytes (default 64 MiB) → `ERR_SWF_TOO_LARGE`.
 * Bytes after the end of a `CWS` file's zlib stream are ignored, as zlib (and librtmp) do.
 */
import { createHmac, type Hmac } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { GeneralCode, UsageCode } from '../error-codes.js';
import { RTMPError, RTMPUsageError } from '../errors.js';
import { nodeZlib } from '../util/builtins.js';

/** The HMAC key of the SWF hash: the 30-byte ASCII prefix of the Genuine FP key. */
export const SWF_HASH_KEY: Buffer = Buffer.from('Genuine Adobe Flash Player 001', 'latin1');
/** Bytes of a SWF header (signature, version, file length) — hashed as is. */
export const SWF_HEADER_SIZE = 8;
/** Default bound on the decompressed SWF size: 64 MiB. */
export const DEFAULT_SWF_MAX_SIZE = 64 * 1024 * 1024;

/** The result of hashing a SWF. */
export interface SwfDigest {
  /** HMAC-SHA256 of the decompressed SWF (32 bytes): librtmp's `swfHash`. */
  hash: Buffer;
  /** Decompressed size in bytes, header included: librtmp's `swfSize`. */
  size: number;
  /** `hash` as 64 lower-case hex digits (what `~/.swfinfo` and rtmpdump `-w` use). */
  hex: string;
}

/** Options of `hashSwfBytes` and `hashSwfStream`. */
export interface SwfHashOptions {
  /** Largest decompressed size accepted, bytes (default 64 MiB); beyond it `ERR_SWF_TOO_LARGE`. */
  maxSize?: number;
}

/** What kind of SWF the first bytes announce. */
export type SwfKind = 'FWS' | 'CWS';

function formatError(message: string, cause?: unknown): RTMPError {
  return new RTMPError(message, { code: GeneralCode.SWF_FORMAT, ...(cause === undefined ? {} : { cause }) });
}

function tooLarge(maxSize: number): RTMPError {
  return new RTMPError(`SWF is larger than ${maxSize} bytes decompressed (maxSize)`, {
    code: GeneralCode.SWF_TOO_LARGE,
  });
}

function checkMaxSize(v: number | undefined): number {
  if (v === undefined) return DEFAULT_SWF_MAX_SIZE;
  if (!Number.isSafeInteger(v) || v < SWF_HEADER_SIZE) {
    throw new RTMPUsageError(`maxSize must be an integer >= ${SWF_HEADER_SIZE}, got ${v}`, {
      code: UsageCode.SWF_ARGUMENT,
    });
  }
  return v;
}

/**
 * Classifies a SWF header (at least 3 bytes are looked at).
 *
 * @throws RTMPError `ERR_SWF_UNSUPPORTED` for `ZWS`, `ERR_SWF_FORMAT` for anything else
 */
export function swfKind(header: Uint8Array): SwfKind {
  const sig = Buffer.from(header.subarray(0, 3)).toString('latin1');
  if (sig === 'FWS' || sig === 'CWS') return sig;
  if (sig === 'ZWS') {
    throw new RTMPError('LZMA-compressed SWF (ZWS) is not supported', { code: GeneralCode.SWF_UNSUPPORTED });
  }
  const shown = JSON.stringify(Buffer.from(header.subarray(0, 8)).toString('latin1'));
  throw formatError(`not a SWF file: starts with ${shown}, not FWS or CWS`);
}

/** The header as hashed: a copy with `CWS` rewritten to `FWS`. */
function hashedHeader(header: Uint8Array): Buffer {
  const h = Buffer.from(header.subarray(0, SWF_HEADER_SIZE));
  h[0] = 0x46; // 'F'
  return h;
}

/** Lets the source clean up without waiting for it (a stalled source must not hang us). */
function release(it: AsyncIterator<Uint8Array>): void {
  try {
    Promise.resolve(it.return?.()).catch(() => {});
  } catch {
    // a source whose return() throws synchronously has nothing left to clean up
  }
}

function finish(hmac: Hmac, size: number): SwfDigest {
  const hash = hmac.digest();
  return { hash, size, hex: hash.toString('hex') };
}

/**
 * Hashes a whole SWF held in memory (python-librtmp has no equivalent; for users who
 * already have the file). `CWS` is inflated with the size bound applied by zlib itself.
 *
 * @throws RTMPError `ERR_SWF_FORMAT` / `ERR_SWF_UNSUPPORTED` / `ERR_SWF_TOO_LARGE`
 */
export function hashSwfBytes(swf: Uint8Array, options: SwfHashOptions = {}): SwfDigest {
  const maxSize = checkMaxSize(options.maxSize);
  if (swf.length < SWF_HEADER_SIZE) throw formatError(`SWF too short: ${swf.length} bytes, the header is 8`);
  const kind = swfKind(swf);
  const hmac = createHmac('sha256', SWF_HASH_KEY).update(hashedHeader(swf));
  const body = swf.subarray(SWF_HEADER_SIZE);
  if (kind === 'FWS') {
    if (swf.length > maxSize) throw tooLarge(maxSize);
    return finish(hmac.update(body), swf.length);
  }
  let inflated: Buffer;
  try {
    inflated = nodeZlib().inflateSync(body, { maxOutputLength: maxSize - SWF_HEADER_SIZE });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxSize);
    throw formatError(`corrupt CWS body: ${(err as Error).message}`, err);
  }
  return finish(hmac.update(inflated), SWF_HEADER_SIZE + inflated.length);
}

/**
 * Hashes a SWF arriving in chunks of any size (the sans-IO core of `hashSwf`): the header
 * is assembled from the first 8 bytes, the rest is hashed as it arrives (`FWS`) or piped
 * through a streaming zlib inflater (`CWS`). Memory stays bounded by the chunk sizes,
 * whatever the file size; the source is not consumed past the point of failure.
 *
 * @throws RTMPError `ERR_SWF_FORMAT` / `ERR_SWF_UNSUPPORTED` / `ERR_SWF_TOO_LARGE`; the
 *   source's own errors propagate unchanged
 */
export async function hashSwfStream(
  source: AsyncIterable<Uint8Array>,
  options: SwfHashOptions = {},
): Promise<SwfDigest> {
  const maxSize = checkMaxSize(options.maxSize);
  const it = source[Symbol.asyncIterator]();
  // Collect the 8-byte header (it may be split across chunks).
  const parts: Buffer[] = [];
  let have = 0;
  let rest: Buffer | undefined;
  try {
    while (have < SWF_HEADER_SIZE) {
      const r = await it.next();
      if (r.done) {
        if (have >= 3) swfKind(Buffer.concat(parts)); // a ZWS stub still says "ZWS"
        throw formatError(`SWF too short: ${have} bytes, the header is 8`);
      }
      const chunk = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      parts.push(chunk);
      have += chunk.length;
      // Fail fast on a wrong signature before reading further.
      if (have >= 3) swfKind(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
    }
  } catch (err) {
    release(it);
    throw err;
  }
  const first = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const kind = swfKind(first);
  const hmac = createHmac('sha256', SWF_HASH_KEY).update(hashedHeader(first));
  if (first.length > SWF_HEADER_SIZE) rest = first.subarray(SWF_HEADER_SIZE);
  let size = SWF_HEADER_SIZE;

  async function* body(): AsyncGenerator<Buffer> {
    if (rest !== undefined) yield rest;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    }
  }

  const consume = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > maxSize) throw tooLarge(maxSize);
    hmac.update(chunk);
  };

  if (kind === 'FWS') {
    try {
      for await (const chunk of body()) consume(chunk);
    } finally {
      release(it);
    }
    return finish(hmac, size);
  }
  try {
    await pipeline(body(), nodeZlib().createInflate(), async (inflated) => {
      for await (const chunk of inflated as AsyncIterable<Buffer>) consume(chunk);
    });
  } catch (err) {
    if (err instanceof RTMPError) throw err;
    // zlib errors carry errno/code (Z_DATA_ERROR, Z_BUF_ERROR); source errors do not.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw formatError(`corrupt CWS body: ${(err as Error).message}`, err);
    }
    throw err;
  } finally {
    release(it);
  }
  return finish(hmac, size);
}
