/**
 * Pieces shared by the AMF0 and AMF3 codecs: the typed truncation error, strict or
 * lenient UTF-8 decoding, the depth guard and option defaults.
 */
import { isUtf8 } from 'node:buffer';
import { AmfCode } from '../error-codes.js';
import { AMFError } from '../errors.js';
import { asBuffer } from '../util/buffer-view.js';
import { ByteReader } from '../util/byte-reader.js';
import { type AmfDecodeOptions, DEFAULT_MAX_DEPTH } from './types.js';

/** Decode options with every default filled in. */
export interface ResolvedAmfOptions {
  maxDepth: number;
  utf8: 'error' | 'replace';
  externalizable: AmfDecodeOptions['externalizable'];
}

/** Fills in the defaults of `options`. */
export function resolveAmfOptions(options: AmfDecodeOptions = {}): ResolvedAmfOptions {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 1) {
    throw new AMFError(`maxDepth must be a positive integer, got ${maxDepth}`, AmfCode.AMF_OPTION);
  }
  return { maxDepth, utf8: options.utf8 ?? 'error', externalizable: options.externalizable };
}

/** A ByteReader over `buf` whose short reads throw `ERR_AMF_TRUNCATED`. */
export function amfReader(buf: Uint8Array, start = 0, end = buf.length): ByteReader {
  const b = asBuffer(buf);
  return new ByteReader(b, amfTruncated, start, end);
}

/** The error for a read past the end of AMF data. */
export function amfTruncated(needed: number, available: number, offset: number): AMFError {
  return new AMFError(
    `AMF data truncated at offset ${offset}: needed ${needed} bytes, ${available} left`,
    AmfCode.AMF_TRUNCATED,
  );
}

/** Reads `n` bytes of UTF-8 (length already known) as a string. */
export function readUtf8(r: ByteReader, n: number, opts: ResolvedAmfOptions): string {
  const bytes = r.bytes(n);
  if (n === 0) return '';
  if (opts.utf8 === 'error' && !isAscii(bytes) && !isUtf8(bytes)) {
    throw new AMFError(`invalid UTF-8 in AMF string at offset ${r.pos - n}`, AmfCode.AMF_INVALID_UTF8);
  }
  return bytes.toString('utf8');
}

function isAscii(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) if (b[i]! > 0x7f) return false;
  return true;
}

/** Throws `ERR_AMF_DEPTH` when `depth` exceeds the limit. */
export function checkDepth(depth: number, opts: ResolvedAmfOptions): void {
  if (depth > opts.maxDepth) {
    throw new AMFError(`AMF nesting deeper than ${opts.maxDepth}`, AmfCode.AMF_DEPTH);
  }
}
