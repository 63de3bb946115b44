/**
 * XTEA against the reference vectors (32 cycles, big-endian words; the table FFmpeg's
 * libavutil/xtea.c self-test uses), decryption back, and the little-endian variant RTMPE
 * type 8 uses, which is the same cipher on byte-swapped words.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XTEA } from '../../src/crypto/index.js';

const K1 = '000102030405060708090a0b0c0d0e0f';
const K0 = '00000000000000000000000000000000';
/** [key, plaintext, ciphertext] */
const VECTORS: [string, string, string][] = [
  [K1, '4142434445464748', '497df3d072612cb5'],
  [K1, '4141414141414141', 'e78f2d13744341d8'],
  [K1, '5a5b6e278948d77f', '4141414141414141'],
  [K0, '4142434445464748', 'a0390589f8b8efa5'],
  [K0, '4141414141414141', 'ed23375a821a8c2d'],
  [K0, '70e1225d6e4e7655', '4141414141414141'],
];

/** Reverses the bytes of each 32-bit word. */
function swapWords(hex: string): Buffer {
  const b = Buffer.from(hex, 'hex');
  for (let i = 0; i < b.length; i += 4) b.subarray(i, i + 4).reverse();
  return b;
}

describe('XTEA (reference vectors)', () => {
  for (const [key, plain, cipher] of VECTORS) {
    it(`key ${key.slice(0, 8)}… ${plain} → ${cipher}, and back`, () => {
      const x = new XTEA(Buffer.from(key, 'hex'));
      const out = Buffer.alloc(8);
      x.encryptBlock(Buffer.from(plain, 'hex'), 0, out, 0);
      assert.equal(out.toString('hex'), cipher);
      x.decryptBlock(out, 0, out, 0);
      assert.equal(out.toString('hex'), plain);
    });
  }

  it('little-endian words (RTMPE type 8) are the same cipher on byte-swapped words', () => {
    for (const [key, plain, cipher] of VECTORS) {
      const x = new XTEA(swapWords(key), { littleEndian: true });
      const buf = Buffer.concat([Buffer.alloc(3), swapWords(plain)]);
      x.encryptBlock(buf, 3, buf, 3);
      assert.deepEqual(buf.subarray(3), swapWords(cipher));
    }
  });

  it('rejects a key that is not 16 bytes and a block outside its buffer', () => {
    assert.throws(() => new XTEA(Buffer.alloc(15)), { code: 'ERR_CRYPTO_KEY' });
    const x = new XTEA(Buffer.alloc(16));
    assert.throws(() => x.encryptBlock(Buffer.alloc(8), 1, Buffer.alloc(8), 0), {
      code: 'ERR_CRYPTO_ARGUMENT',
    });
  });
});
