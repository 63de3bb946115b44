/**
 * Diffie-Hellman over RFC 2409 §6.2: the prime is the one the RFC prints, two key pairs agree,
 * public keys and secrets are 128 bytes left-padded, and invalid peer keys (0, 1, p − 1,
 * p, ≥ p, outside the order-q subgroup) are refused.
 */
import assert from 'node:assert/strict';
import { createHash, getDiffieHellman } from 'node:crypto';
import { describe, it } from 'node:test';
import { DH_PRIME, DHKeyPair, isValidDhPublicKey } from '../../src/crypto/index.js';

/** RFC 2409 §6.2, the prime as printed there. */
const RFC2409_GROUP2 =
  'FFFFFFFF FFFFFFFF C90FDAA2 2168C234 C4C6628B 80DC1CD1 29024E08 8A67CC74 020BBEA6 3B139B22 514A0879 8E3404DD ' +
  'EF9519B3 CD3A431B 302B0A6D F25F1437 4FE1356D 6D51C245 E485B576 625E7EC6 F44C42E9 A637ED6B 0BFF5CB6 F406B7ED ' +
  'EE386BFB 5A899FA5 AE9F2411 7C4B1FE6 49286651 ECE65381 FFFFFFFF FFFFFFFF';

const big = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex')}`);

/** base^exp mod m by square-and-multiply: the textbook check for the library's results. */
function powMod(base: bigint, exp: bigint, m: bigint): bigint {
  let r = 1n;
  let b = base % m;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
  }
  return r;
}
const bytes128 = (n: bigint) => Buffer.from(n.toString(16).padStart(256, '0'), 'hex');

/** Deterministic "random" bytes for reproducible keys. */
function seeded(seed: string, n: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < n; i++) out.push(createHash('sha256').update(`${seed}/${i}`).digest());
  return Buffer.concat(out).subarray(0, n);
}

describe('DH (RFC 2409 group 2)', () => {
  it("uses the RFC 2409 §6.2 prime (as printed there, and OpenSSL's modp2)", () => {
    assert.equal(DH_PRIME.toString('hex').toUpperCase(), RFC2409_GROUP2.replaceAll(' ', ''));
    assert.deepEqual(DH_PRIME, getDiffieHellman('modp2').getPrime());
  });

  it('two key pairs compute the same 128-byte secret', () => {
    const a = new DHKeyPair(seeded('a', 127));
    const b = new DHKeyPair(seeded('b', 127));
    assert.equal(a.publicKey.length, 128);
    const s1 = a.sharedSecret(b.publicKey)!;
    const s2 = b.sharedSecret(a.publicKey)!;
    assert.equal(s1.length, 128);
    assert.deepEqual(s1, s2);
    // y = 2^x mod p, checked with BigInt.
    assert.deepEqual(a.publicKey, bytes128(powMod(2n, big(seeded('a', 127)), big(DH_PRIME))));
  });

  it('a small private key gives a short public key, left-padded to 128 bytes', () => {
    // 2^100 < p: the public key is the number itself, 13 significant bytes.
    const pair = new DHKeyPair(Buffer.from([100]));
    assert.deepEqual(pair.publicKey, bytes128(1n << 100n));
  });

  it('a secret whose top byte is zero stays 128 bytes, left-padded', () => {
    const a = new DHKeyPair(seeded('lead', 127));
    let found = false;
    for (let i = 0; i < 4000 && !found; i++) {
      const b = new DHKeyPair(seeded(`peer${i}`, 127));
      const s = a.sharedSecret(b.publicKey)!;
      if (s[0] === 0) {
        found = true;
        assert.equal(s.length, 128);
        assert.deepEqual(s, b.sharedSecret(a.publicKey));
      }
    }
    assert.ok(found, 'no secret with a zero top byte in 4000 tries (expected about 1 in 256)');
  });

  it('refuses peer keys outside 1 < y < p − 1 or outside the order-q subgroup', () => {
    const p = big(DH_PRIME);
    const a = new DHKeyPair(seeded('a', 127));
    for (const y of [0n, 1n, p - 1n, p, p + 1n, (1n << 1024n) - 1n]) {
      const key = y < 1n << 1024n ? bytes128(y) : Buffer.alloc(128, 0xff);
      assert.equal(isValidDhPublicKey(key), false, `y = ${y.toString(16).slice(0, 8)}`);
      assert.equal(a.sharedSecret(key), undefined);
    }
    // 2 generates the order-q subgroup; p − 2 = −2 does not (−1 is a non-residue when p ≡ 3 mod 4).
    assert.equal(isValidDhPublicKey(bytes128(2n)), true);
    assert.equal(isValidDhPublicKey(bytes128(p - 2n)), false);
    assert.equal(isValidDhPublicKey(Buffer.alloc(127, 1)), false, 'wrong length');
  });

  it('the subgroup test agrees with y^q mod p = 1 (BigInt modular exponentiation) on 64 values', () => {
    const p = big(DH_PRIME);
    const q = (p - 1n) / 2n;
    for (let i = 0; i < 64; i++) {
      const y = (big(seeded(`y${i}`, 128)) % (p - 3n)) + 2n;
      assert.equal(isValidDhPublicKey(bytes128(y)), powMod(y, q, p) === 1n, `y${i}`);
    }
  });

  it('rejects an empty private key and one that gives a degenerate public key', () => {
    assert.throws(() => new DHKeyPair(Buffer.alloc(0)), { code: 'ERR_CRYPTO_KEY' });
    assert.throws(() => new DHKeyPair(Buffer.alloc(127)), { code: 'ERR_CRYPTO_KEY' });
  });
});
