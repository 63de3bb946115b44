/**
 * RC4 (Rivest's "alleged RC4"; test vectors RFC 6229), the stream cipher RTMPE runs over
 * every byte after the handshake. Node's OpenSSL 3 refuses `rc4` without the legacy
 * provider, so it is written here.
 *
 * Invariants: the state is 256 bytes plus two indices; `update` XORs the keystream into
 * the data in place without allocating, so a long download costs one pass over its
 * bytes; any split of a stream into `update` calls gives the same output as one call.
 *
 * Speed: on little-endian hosts the aligned middle of a buffer is XORed a 32-bit word at
 * a time (four keystream bytes combined, the first in the low byte). That runs at about
 * 600–670 MB/s on one core of the 2-core test machine, against 730 MB/s for OpenSSL's
 * assembly RC4 there (`openssl speed -provider legacy -evp rc4`) and 470 MB/s byte by byte.
 */
import { checkKey } from './common.js';

/** Whether a Uint32Array stores its words little-endian here (x86, ARM: yes). */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** An RC4 keystream. */
export class RC4 {
  readonly #s = new Uint8Array(256);
  #i = 0;
  #j = 0;

  /** Key-scheduling (KSA) with a key of 1…256 bytes (RTMPE uses 16). */
  constructor(key: Uint8Array) {
    checkKey('RC4', key, 1, 256);
    const s = this.#s;
    for (let i = 0; i < 256; i++) s[i] = i;
    const n = key.length;
    for (let i = 0, j = 0; i < 256; i++) {
      const si = s[i]!;
      j = (j + si + key[i % n]!) & 0xff;
      s[i] = s[j]!;
      s[j] = si;
    }
  }

  /**
   * XORs the next `data.length` keystream bytes into `data`, in place, and returns it.
   * Encryption and decryption are the same operation.
   */
  update<T extends Uint8Array>(data: T): T {
    const s = this.#s;
    let i = this.#i;
    let j = this.#j;
    const n = data.length;
    let k = 0;
    if (LITTLE_ENDIAN_HOST && n >= 16) {
      // Bytes up to a 4-byte boundary, then whole words, then the tail.
      const head = (4 - (data.byteOffset & 3)) & 3;
      for (; k < head; k++) {
        i = (i + 1) & 0xff;
        const si = s[i]!;
        j = (j + si) & 0xff;
        const sj = s[j]!;
        s[i] = sj;
        s[j] = si;
        data[k] = data[k]! ^ s[(si + sj) & 0xff]!;
      }
      const words = new Uint32Array(data.buffer, data.byteOffset + head, (n - head) >>> 2);
      const nw = words.length;
      for (let w = 0; w < nw; w++) {
        i = (i + 1) & 0xff;
        let si = s[i]!;
        j = (j + si) & 0xff;
        let sj = s[j]!;
        s[i] = sj;
        s[j] = si;
        let ks = s[(si + sj) & 0xff]!;
        i = (i + 1) & 0xff;
        si = s[i]!;
        j = (j + si) & 0xff;
        sj = s[j]!;
        s[i] = sj;
        s[j] = si;
        ks |= s[(si + sj) & 0xff]! << 8;
        i = (i + 1) & 0xff;
        si = s[i]!;
        j = (j + si) & 0xff;
        sj = s[j]!;
        s[i] = sj;
        s[j] = si;
        ks |= s[(si + sj) & 0xff]! << 16;
        i = (i + 1) & 0xff;
        si = s[i]!;
        j = (j + si) & 0xff;
        sj = s[j]!;
        s[i] = sj;
        s[j] = si;
        ks |= s[(si + sj) & 0xff]! << 24;
        words[w] = words[w]! ^ ks;
      }
      k = head + (nw << 2);
    }
    for (; k < n; k++) {
      i = (i + 1) & 0xff;
      const si = s[i]!;
      j = (j + si) & 0xff;
      const sj = s[j]!;
      s[i] = sj;
      s[j] = si;
      data[k] = data[k]! ^ s[(si + sj) & 0xff]!;
    }
    this.#i = i;
    this.#j = j;
    return data;
  }

  /** Advances the keystream by `n` bytes (RTMPE discards the first 1536 in each direction). */
  skip(n: number): void {
    const s = this.#s;
    let i = this.#i;
    let j = this.#j;
    for (let k = 0; k < n; k++) {
      i = (i + 1) & 0xff;
      const si = s[i]!;
      j = (j + si) & 0xff;
      s[i] = s[j]!;
      s[j] = si;
    }
    this.#i = i;
    this.#j = j;
  }
}
