/**
 * What the block ciphers share: 32-bit word access in either byte order, and argument
 * checks (a key is a `Uint8Array` of an allowed length, a block is 8 bytes inside its
 * buffer). A bad argument is the caller's fault, an
 * `RTMPUsageError` with code `ERR_CRYPTO_KEY` or `ERR_CRYPTO_ARGUMENT`.
 */
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';

/** Throws unless `key` is a Uint8Array of `min`…`max` bytes; returns it. */
export function checkKey(cipher: string, key: unknown, min: number, max: number): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length < min || key.length > max) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
    const want = min === max ? `${min} bytes` : `${min}…${max} bytes`;
    throw new RTMPUsageError(`${cipher} key must be a Uint8Array of ${want}, got ${got}`, {
      code: UsageCode.CRYPTO_KEY,
    });
  }
  return key;
}

/** Throws unless `n` bytes at `offset` lie inside `buf` (`n` = 8 for a cipher block). */
export function checkRange(cipher: string, buf: Uint8Array, offset: number, n: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + n > buf.length) {
    throw new RTMPUsageError(
      `${cipher}: ${n} bytes at offset ${String(offset)} do not fit in ${buf.length} bytes`,
      { code: UsageCode.CRYPTO_ARGUMENT },
    );
  }
}

/** Reads a 32-bit word at `at`, little- or big-endian. */
export function readWord(b: Uint8Array, at: number, le: boolean): number {
  return le
    ? (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0
    : ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** Writes the 32-bit word `v` at `at`, little- or big-endian. */
export function writeWord(b: Uint8Array, at: number, v: number, le: boolean): void {
  if (le) {
    b[at] = v;
    b[at + 1] = v >>> 8;
    b[at + 2] = v >>> 16;
    b[at + 3] = v >>> 24;
  } else {
    b[at] = v >>> 24;
    b[at + 1] = v >>> 16;
    b[at + 2] = v >>> 8;
    b[at + 3] = v;
  }
}
