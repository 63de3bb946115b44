/**
 * A deterministic random source for sans-IO code that takes `random(n)` (handshakes):
 * an xorshift32 stream from `seed`, so vectors are reproducible.
 */

/** `random(n)`: the next `n` bytes of the xorshift32 stream started at `seed`. */
export function seqRandom(seed: number): (n: number) => Buffer {
  let x = seed >>> 0 || 1;
  return (n) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      b[i] = x & 0xff;
    }
    return b;
  };
}
