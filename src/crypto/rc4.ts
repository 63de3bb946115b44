/**
 * RC4 (Rivest's "alleged RC4"; test vectors RFC 6229), the stream cipher RTMPE runs over
 * every byte after the handshake. Node's OpenSSL 3 refuses `rc4` without the legacy
 * provider, so it is written here.
 *
 * Invariants: the state is 256 bytes plus two indices; `update` XORs the keystream into
 * the data in place without allocating, and `updatev` into a buffer it is given, only
 * reading its inputs; so a long download costs one pass over its bytes. Any split of a
 * stream into calls gives the same output as one call.
 *
 * Speed: inputs of `KERNEL_MIN` bytes and more run through a WebAssembly form of the
 * keystream loop (rc4-kernel.ts, ~1 GB/s on one core of the 2-core test machine, above
 * OpenSSL's assembly RC4 there): in place when the data was read into the kernel's read
 * area (plain-TCP sockets read there, transport/tcp.ts), else 64 KiB at a time copied
 * through its window. Short inputs, and hosts without WebAssembly, use the byte loop below
 * (the fastest TypeScript loop tried, 32-bit word XOR over the aligned middle, ran at
 * 600–620 MB/s: not worth its code next to the kernel).
 */
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import { checkKey } from './common.js';
import { kernelIndices, RC4_WINDOW, READ_AREA_AT, rc4Kernel, setKernelIndices } from './rc4-kernel.js';

/** From this many bytes on, `update` runs the WebAssembly kernel (its copies in and out cost ~1 %). */
export const KERNEL_MIN = 256;

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
    const n = data.length;
    const kernel = n >= KERNEL_MIN ? rc4Kernel() : undefined;
    if (kernel === undefined) return this.#updateBytes(data);
    const memory = kernel.memory;
    this.#lend(memory);
    if (data.buffer === memory.buffer && data.byteOffset >= READ_AREA_AT) {
      // Read into the kernel's read area: decrypted where it landed.
      kernel.run(data.byteOffset, n);
    } else {
      for (let at = 0; at < n; at += RC4_WINDOW) {
        const len = Math.min(RC4_WINDOW, n - at);
        memory.set(data.subarray(at, at + len), RC4_WINDOW);
        kernel.run(RC4_WINDOW, len);
        data.set(memory.subarray(RC4_WINDOW, RC4_WINDOW + len), at);
      }
    }
    this.#takeBack(memory);
    return data;
  }

  /**
   * XORs the next keystream bytes into the concatenation of `chunks`, written to `into`
   * (exactly as long as the chunks together), which it returns; the chunks are only read.
   * One copy per byte: the chunks go straight into the kernel's window (no joined copy).
   */
  updatev<T extends Uint8Array>(chunks: readonly Uint8Array[], into: T): T {
    const n = into.length;
    let total = 0;
    for (const c of chunks) total += c.length;
    if (total !== n) {
      throw new RTMPUsageError(`RC4.updatev: ${total} bytes of chunks for a ${n}-byte output`, {
        code: UsageCode.CRYPTO_ARGUMENT,
      });
    }
    const kernel = n >= KERNEL_MIN ? rc4Kernel() : undefined;
    if (kernel === undefined) {
      let at = 0;
      for (const c of chunks) {
        into.set(c, at);
        at += c.length;
      }
      return this.#updateBytes(into);
    }
    const memory = kernel.memory;
    this.#lend(memory);
    let done = 0;
    let fill = 0;
    const flush = (): void => {
      kernel.run(RC4_WINDOW, fill);
      into.set(memory.subarray(RC4_WINDOW, RC4_WINDOW + fill), done);
      done += fill;
      fill = 0;
    };
    for (const c of chunks) {
      for (let from = 0; from < c.length; ) {
        const take = Math.min(RC4_WINDOW - fill, c.length - from);
        memory.set(take === c.length ? c : c.subarray(from, from + take), RC4_WINDOW + fill);
        fill += take;
        from += take;
        if (fill === RC4_WINDOW) flush();
      }
    }
    if (fill > 0) flush();
    this.#takeBack(memory);
    return into;
  }

  /** Copies this keystream's state into the shared kernel's memory (the kernel keeps none). */
  #lend(memory: Uint8Array): void {
    memory.set(this.#s, 0);
    setKernelIndices(memory, this.#i, this.#j);
  }

  /** Copies the state back after the kernel ran. */
  #takeBack(memory: Uint8Array): void {
    this.#s.set(memory.subarray(0, 256));
    [this.#i, this.#j] = kernelIndices(memory);
  }

  /** `update` one byte at a time, in TypeScript. */
  #updateBytes<T extends Uint8Array>(data: T): T {
    const s = this.#s;
    let i = this.#i;
    let j = this.#j;
    const n = data.length;
    for (let k = 0; k < n; k++) {
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
