/**
 * Cipher round trips with fast-check: RC4 decrypts what it encrypted for any key, data and
 * split; XTEA and Blowfish (both byte orders) decrypt every block they encrypt and
 * encrypt distinct blocks to distinct blocks. RC4's speed is measured by `npm run bench`
 * (pair `rc4`), not asserted here: tests never time anything.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Blowfish, RC4, XTEA } from '../../src/crypto/index.js';

const RUNS = Number(process.env.PROPERTY_RUNS) || 300;

describe('cipher round trips', () => {
  it('RC4: decrypt(encrypt(data)) = data for any key and any split points', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        fc.uint8Array({ maxLength: 2048 }),
        fc.array(fc.nat(2048), { maxLength: 5 }),
        (key, data, cuts) => {
          const buf = Buffer.from(data);
          const enc = new RC4(key);
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          let at = 0;
          for (const p of [...points, data.length]) {
            enc.update(buf.subarray(at, p));
            at = p;
          }
          new RC4(key).update(buf);
          assert.deepEqual(buf, Buffer.from(data));
        },
      ),
      { numRuns: RUNS },
    );
  });

  for (const [name, make] of [
    ['XTEA', (k: Uint8Array, le: boolean) => new XTEA(k.subarray(0, 16), { littleEndian: le })],
    ['Blowfish', (k: Uint8Array, le: boolean) => new Blowfish(k, { littleEndian: le })],
  ] as const) {
    it(`${name}: decryptBlock inverts encryptBlock, both byte orders`, () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 16, maxLength: 56 }),
          fc.boolean(),
          fc.uint8Array({ minLength: 8, maxLength: 8 }),
          fc.uint8Array({ minLength: 8, maxLength: 8 }),
          (key, le, a, b) => {
            const c = make(key, le);
            const ea = Buffer.alloc(8);
            const eb = Buffer.alloc(8);
            c.encryptBlock(a, 0, ea, 0);
            c.encryptBlock(b, 0, eb, 0);
            assert.equal(ea.equals(eb), Buffer.from(a).equals(Buffer.from(b)), 'a permutation of blocks');
            c.decryptBlock(ea, 0, ea, 0);
            assert.deepEqual(ea, Buffer.from(a));
          },
        ),
        { numRuns: RUNS },
      );
    });
  }
});
