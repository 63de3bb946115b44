/**
 * Digest handshake primitives (librtmp `HandShake`, FFmpeg `rtmp_handshake`; the Genuine
 * Adobe keys): key bytes, digest and DH offsets per scheme, digest and C2/S2 signature
 * values. Expected values are computed here independently with node:crypto from those formulas.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { RTMPUsageError } from '../../src/errors.js';
import {
  clientResponseSignature,
  dhKeyOffset,
  digestOffset,
  findClientDigest,
  findServerDigest,
  genuineFmsKey,
  genuineFpKey,
  responseKey,
  serverResponseSignature,
  signClientResponse,
  signServerResponse,
  verifyClientResponse,
  verifyServerResponse,
  writeClientDigest,
  writeServerDigest,
} from '../../src/handshake/index.js';
import { seqRandom } from '../helpers/random.js';

const TAIL_HEX = 'f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae';

/** `n` bytes of the xorshift32 stream from `seed`. */
const seqBytes = (n: number, seed: number): Buffer => seqRandom(seed)(n);

function hmac(key: Uint8Array | string, ...parts: Uint8Array[]): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

describe('handshake keys', () => {
  it('FPKey is 62 bytes: "Genuine Adobe Flash Player 001" + the shared tail', () => {
    assert.equal(genuineFpKey.length, 62);
    assert.equal(genuineFpKey.subarray(0, 30).toString('latin1'), 'Genuine Adobe Flash Player 001');
    assert.equal(genuineFpKey.subarray(30).toString('hex'), TAIL_HEX);
  });
  it('FMSKey is 68 bytes: "Genuine Adobe Flash Media Server 001" + the shared tail', () => {
    assert.equal(genuineFmsKey.length, 68);
    assert.equal(genuineFmsKey.subarray(0, 36).toString('latin1'), 'Genuine Adobe Flash Media Server 001');
    assert.equal(genuineFmsKey.subarray(36).toString('hex'), TAIL_HEX);
  });
});

describe('digest and DH offsets', () => {
  it('follow the sum-of-four-bytes formulas for many packets', () => {
    for (let seed = 1; seed < 200; seed++) {
      const p = seqBytes(1536, seed);
      const s = (a: number) => p[a]! + p[a + 1]! + p[a + 2]! + p[a + 3]!;
      assert.equal(digestOffset(p, 0), (s(8) % 728) + 12);
      assert.equal(digestOffset(p, 1), (s(772) % 728) + 776);
      assert.equal(dhKeyOffset(p, 0), (s(1532) % 632) + 772);
      assert.equal(dhKeyOffset(p, 1), (s(768) % 632) + 8);
    }
  });
  it('extremes stay inside the packet', () => {
    const zero = Buffer.alloc(1536);
    const ff = Buffer.alloc(1536, 0xff);
    assert.deepEqual([digestOffset(zero, 0), digestOffset(zero, 1)], [12, 776]);
    assert.deepEqual([digestOffset(ff, 0), digestOffset(ff, 1)], [(1020 % 728) + 12, (1020 % 728) + 776]);
    assert.deepEqual([dhKeyOffset(zero, 0), dhKeyOffset(zero, 1)], [772, 8]);
    // the largest offsets: digest 727+776 = 1503 (+32 = 1535), DH key 631+772 = 1403 (+128 = 1531)
    const worst = Buffer.alloc(1536);
    worst.set([182, 182, 182, 181], 772); // sum 727
    assert.equal(digestOffset(worst, 1), 1503);
  });
  it('a short packet is a usage error', () => {
    assert.throws(
      () => digestOffset(Buffer.alloc(1535), 0),
      (e: unknown) => e instanceof RTMPUsageError && e.code === 'ERR_HANDSHAKE_ARGUMENT',
    );
  });
});

describe('C1/S1 digests', () => {
  for (const scheme of [0, 1] as const) {
    it(`client digest, scheme ${scheme}: HMAC(FPKey[0..30), packet minus digest) at the scheme offset`, () => {
      const c1 = seqBytes(1536, 7 + scheme);
      const m = writeClientDigest(c1, scheme);
      const s = (a: number) => c1[a]! + c1[a + 1]! + c1[a + 2]! + c1[a + 3]!;
      const pos = scheme === 0 ? (s(8) % 728) + 12 : (s(772) % 728) + 776;
      assert.equal(m.offset, pos);
      const expected = hmac('Genuine Adobe Flash Player 001', c1.subarray(0, pos), c1.subarray(pos + 32));
      assert.deepEqual(c1.subarray(pos, pos + 32), expected);
      assert.deepEqual(m.digest, expected);
      assert.equal(findClientDigest(c1)?.scheme, scheme);
      assert.equal(findServerDigest(c1), undefined, 'the server key does not validate a client digest');
    });
    it(`server digest, scheme ${scheme}: HMAC(FMSKey[0..36), packet minus digest)`, () => {
      const s1 = seqBytes(1536, 70 + scheme);
      const m = writeServerDigest(s1, scheme);
      const expected = hmac(
        'Genuine Adobe Flash Media Server 001',
        s1.subarray(0, m.offset),
        s1.subarray(m.offset + 32),
      );
      assert.deepEqual(m.digest, expected);
      assert.equal(findServerDigest(s1)?.scheme, scheme);
      assert.equal(findServerDigest(s1, [(1 - scheme) as 0 | 1]), undefined);
      s1[m.offset + 5]! ^= 1;
      assert.equal(findServerDigest(s1), undefined);
    });
  }
  it('random packets carry no digest', () => {
    for (let seed = 1; seed < 50; seed++) {
      assert.equal(findClientDigest(seqBytes(1536, seed)), undefined);
      assert.equal(findServerDigest(seqBytes(1536, seed)), undefined);
    }
  });
});

describe('C2/S2 signatures', () => {
  const peerDigest = seqBytes(32, 99);
  it('C2: HMAC(HMAC(FPKey 62, S1 digest), C2[0..1504)) in the last 32 bytes', () => {
    const c2 = seqBytes(1536, 5);
    signClientResponse(c2, peerDigest);
    const key = hmac(
      Buffer.concat([Buffer.from('Genuine Adobe Flash Player 001'), Buffer.from(TAIL_HEX, 'hex')]),
      peerDigest,
    );
    assert.deepEqual(responseKey(peerDigest, genuineFpKey), key);
    assert.deepEqual(c2.subarray(1504), hmac(key, c2.subarray(0, 1504)));
    assert.deepEqual(clientResponseSignature(c2, peerDigest), c2.subarray(1504));
    assert.ok(verifyClientResponse(c2, peerDigest));
    assert.ok(!verifyServerResponse(c2, peerDigest));
    c2[3]! ^= 0x80;
    assert.ok(!verifyClientResponse(c2, peerDigest));
  });
  it('S2: HMAC(HMAC(FMSKey 68, C1 digest), S2[0..1504)) in the last 32 bytes', () => {
    const s2 = seqBytes(1536, 6);
    signServerResponse(s2, peerDigest);
    const key = hmac(
      Buffer.concat([Buffer.from('Genuine Adobe Flash Media Server 001'), Buffer.from(TAIL_HEX, 'hex')]),
      peerDigest,
    );
    assert.deepEqual(s2.subarray(1504), hmac(key, s2.subarray(0, 1504)));
    assert.deepEqual(serverResponseSignature(s2, peerDigest), s2.subarray(1504));
    assert.ok(verifyServerResponse(s2, peerDigest));
    s2[1535]! ^= 1;
    assert.ok(!verifyServerResponse(s2, peerDigest));
  });
});
