/**
 * XTEA (Needham & Wheeler, "Tea extensions", 1997): a 64-bit block cipher with a 128-bit
 * key, here with the usual 32 cycles (64 Feistel rounds) and delta 0x9E3779B9. RTMPE
 * type 8 wraps the handshake signatures with it, reading key and block words
 * little-endian (librtmp `rtmpe8_sig`, FFmpeg `av_xtea_le_*`); the reference vectors are
 * big-endian, so the byte order is an option.
 *
 * Invariants: a block is two 32-bit words; nothing allocates per block.
 */
import { checkKey, checkRange, readWord, writeWord } from './common.js';

const DELTA = 0x9e3779b9;
const CYCLES = 32;

/** Byte order of the key and block words. */
export interface XteaOptions {
  /** Read/write key and block words little-endian (RTMPE type 8). Default false (big-endian). */
  littleEndian?: boolean;
}

/** An XTEA key schedule. */
export class XTEA {
  readonly #k = new Uint32Array(4);
  readonly #le: boolean;

  /** `key`: 16 bytes, read as four words in the chosen byte order. */
  constructor(key: Uint8Array, options: XteaOptions = {}) {
    checkKey('XTEA', key, 16, 16);
    this.#le = options.littleEndian === true;
    for (let i = 0; i < 4; i++) this.#k[i] = readWord(key, 4 * i, this.#le);
  }

  /** Encrypts the 8 bytes at `src[srcOffset]` into `dst[dstOffset]` (may be the same place). */
  encryptBlock(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number): void {
    checkRange('XTEA', src, srcOffset, 8);
    checkRange('XTEA', dst, dstOffset, 8);
    const k = this.#k;
    let v0 = readWord(src, srcOffset, this.#le);
    let v1 = readWord(src, srcOffset + 4, this.#le);
    let sum = 0;
    for (let i = 0; i < CYCLES; i++) {
      v0 = (v0 + ((((v1 << 4) ^ (v1 >>> 5)) + v1) ^ (sum + k[sum & 3]!))) >>> 0;
      sum = (sum + DELTA) >>> 0;
      v1 = (v1 + ((((v0 << 4) ^ (v0 >>> 5)) + v0) ^ (sum + k[(sum >>> 11) & 3]!))) >>> 0;
    }
    writeWord(dst, dstOffset, v0, this.#le);
    writeWord(dst, dstOffset + 4, v1, this.#le);
  }

  /** Decrypts the 8 bytes at `src[srcOffset]` into `dst[dstOffset]` (may be the same place). */
  decryptBlock(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number): void {
    checkRange('XTEA', src, srcOffset, 8);
    checkRange('XTEA', dst, dstOffset, 8);
    const k = this.#k;
    let v0 = readWord(src, srcOffset, this.#le);
    let v1 = readWord(src, srcOffset + 4, this.#le);
    let sum = Math.imul(DELTA, CYCLES) >>> 0;
    for (let i = 0; i < CYCLES; i++) {
      v1 = (v1 - ((((v0 << 4) ^ (v0 >>> 5)) + v0) ^ (sum + k[(sum >>> 11) & 3]!))) >>> 0;
      sum = (sum - DELTA) >>> 0;
      v0 = (v0 - ((((v1 << 4) ^ (v1 >>> 5)) + v1) ^ (sum + k[sum & 3]!))) >>> 0;
    }
    writeWord(dst, dstOffset, v0, this.#le);
    writeWord(dst, dstOffset + 4, v1, this.#le);
  }
}
