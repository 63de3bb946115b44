/**
 * Blowfish (Schneier 1993; vectors: Eric Young's ECB and set_key tables): a 64-bit block
 * cipher with 16 rounds and keys of 4…56 bytes (the set_key vectors go down to 1 byte,
 * which the schedule handles too). RTMPE type 9 wraps the handshake signatures with it,
 * using 24-byte keys and reading each block's two words little-endian (librtmp
 * `rtmpe9_sig`); the published vectors are big-endian, so the byte order is an option.
 * Node's OpenSSL 3 refuses `bf-ecb` without the legacy provider, so it is written here.
 *
 * Invariants: the schedule is 18 + 1024 words, derived from the key once; nothing
 * allocates per block.
 */
import { PI_HEX_DIGITS } from './blowfish-pi.js';
import { checkKey, checkRange, readWord, writeWord } from './common.js';

const ROUNDS = 16;
const P_WORDS = ROUNDS + 2;
const S_WORDS = 4 * 256;

/** π's words, decoded on first use: P-array (18) then S-boxes (4 × 256). */
let initial: Uint32Array | undefined;
function initialWords(): Uint32Array {
  if (initial === undefined) {
    const w = new Uint32Array(P_WORDS + S_WORDS);
    for (let i = 0; i < w.length; i++) w[i] = Number.parseInt(PI_HEX_DIGITS.slice(8 * i, 8 * i + 8), 16);
    initial = w;
  }
  return initial;
}

/** Byte order of the block words. */
export interface BlowfishOptions {
  /** Read/write the two block words little-endian (RTMPE type 9). Default false (big-endian). */
  littleEndian?: boolean;
}

/** A Blowfish key schedule. */
export class Blowfish {
  readonly #p = new Uint32Array(P_WORDS);
  readonly #s = new Uint32Array(S_WORDS);
  readonly #le: boolean;
  /** The block being worked on: [left, right]. */
  readonly #lr = new Uint32Array(2);

  /** `key`: 1…56 bytes (RTMPE uses 24). */
  constructor(key: Uint8Array, options: BlowfishOptions = {}) {
    checkKey('Blowfish', key, 1, 56);
    this.#le = options.littleEndian === true;
    const init = initialWords();
    const p = this.#p;
    this.#s.set(init.subarray(P_WORDS));
    // The key, cycled as big-endian words, is XORed into the P-array (Schneier §"Subkeys").
    for (let i = 0, j = 0; i < P_WORDS; i++) {
      let data = 0;
      for (let k = 0; k < 4; k++) {
        data = (data << 8) | key[j]!;
        j = (j + 1) % key.length;
      }
      p[i] = init[i]! ^ data;
    }
    // Then the all-zero block is encrypted repeatedly, each result replacing the next two words.
    const lr = this.#lr;
    lr[0] = 0;
    lr[1] = 0;
    for (let i = 0; i < P_WORDS; i += 2) {
      this.#encrypt();
      p[i] = lr[0]!;
      p[i + 1] = lr[1]!;
    }
    const s = this.#s;
    for (let i = 0; i < S_WORDS; i += 2) {
      this.#encrypt();
      s[i] = lr[0]!;
      s[i + 1] = lr[1]!;
    }
  }

  /** Encrypts the 8 bytes at `src[srcOffset]` into `dst[dstOffset]` (may be the same place). */
  encryptBlock(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number): void {
    this.#load(src, srcOffset, dst, dstOffset);
    this.#encrypt();
    this.#store(dst, dstOffset);
  }

  /** Decrypts the 8 bytes at `src[srcOffset]` into `dst[dstOffset]` (may be the same place). */
  decryptBlock(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number): void {
    this.#load(src, srcOffset, dst, dstOffset);
    this.#decrypt();
    this.#store(dst, dstOffset);
  }

  #load(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number): void {
    checkRange('Blowfish', src, srcOffset, 8);
    checkRange('Blowfish', dst, dstOffset, 8);
    this.#lr[0] = readWord(src, srcOffset, this.#le);
    this.#lr[1] = readWord(src, srcOffset + 4, this.#le);
  }

  #store(dst: Uint8Array, dstOffset: number): void {
    writeWord(dst, dstOffset, this.#lr[0]!, this.#le);
    writeWord(dst, dstOffset + 4, this.#lr[1]!, this.#le);
  }

  /** F(x) = ((S1[a] + S2[b]) XOR S3[c]) + S4[d], the bytes of x from the most significant. */
  #f(x: number): number {
    const s = this.#s;
    return (
      (((s[x >>> 24]! + s[256 + ((x >>> 16) & 0xff)]!) ^ s[512 + ((x >>> 8) & 0xff)]!) +
        s[768 + (x & 0xff)]!) >>>
      0
    );
  }

  #encrypt(): void {
    const p = this.#p;
    let l = this.#lr[0]!;
    let r = this.#lr[1]!;
    for (let i = 0; i < ROUNDS; i += 2) {
      l ^= p[i]!;
      r ^= this.#f(l >>> 0);
      r ^= p[i + 1]!;
      l ^= this.#f(r >>> 0);
    }
    this.#lr[0] = r ^ p[ROUNDS + 1]!;
    this.#lr[1] = l ^ p[ROUNDS]!;
  }

  #decrypt(): void {
    const p = this.#p;
    let l = this.#lr[0]!;
    let r = this.#lr[1]!;
    for (let i = ROUNDS + 1; i > 1; i -= 2) {
      l ^= p[i]!;
      r ^= this.#f(l >>> 0);
      r ^= p[i - 1]!;
      l ^= this.#f(r >>> 0);
    }
    this.#lr[0] = r ^ p[0]!;
    this.#lr[1] = l ^ p[1]!;
  }
}
