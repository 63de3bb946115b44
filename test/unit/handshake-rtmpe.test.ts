/**
 * RTMPE handshakes (types 6, 8, 9) between rtmpkit's client and server, sans-IO: C1 layout
 * (C0 6, version 128.0.3.2, DH key at the scheme-1 offset, digest over it) recomputed here
 * with node:crypto; both sides derive matching RC4 pairs at every tested split of the
 * input; `rest` comes back decrypted; the signature wrapping of types 8 and 9 follows
 * the per-block key choice `digest[i] % 15`; the server redraws its DH key when the
 * shared secret would start with a zero byte; and every refusal has its typed code. The
 * interop proofs against librtmp's client and server are test/interop/rtmpe-*.test.ts.
 */
import assert from 'node:assert/strict';
import { createDiffieHellman, createHmac, getDiffieHellman } from 'node:crypto';
import { describe, it } from 'node:test';
import { DH_PRIVATE_KEY_SIZE, DHKeyPair } from '../../src/crypto/dh.js';
import { Blowfish, RC4, XTEA } from '../../src/crypto/index.js';
import {
  ClientHandshake,
  type ClientHandshakeOptions,
  type HandshakeStep,
  RtmpeCipher,
  ServerHandshake,
  type ServerHandshakeOptions,
  writeServerDigest,
} from '../../src/handshake/index.js';
import { wrapSignature } from '../../src/handshake/rtmpe.js';
import { RTMPE8_KEYS, RTMPE9_KEYS } from '../../src/handshake/rtmpe-keys.js';
import { seqRandom } from '../helpers/random.js';

const sum4 = (p: Uint8Array, at: number) => p[at]! + p[at + 1]! + p[at + 2]! + p[at + 3]!;
/** One DH object, re-keyed per use (creating one checks the prime, ~100 ms). */
const DH = createDiffieHellman(getDiffieHellman('modp2').getPrime(), Buffer.from([2]));
/** 2^x mod p, 128 bytes, for the private key `x`. */
function publicKeyOf(x: Buffer): Buffer {
  DH.setPrivateKey(x);
  return Buffer.from(DH.generateKeys().toString('hex').padStart(256, '0'), 'hex');
}
/** The shared secret of private key `x` with `peer`. */
function secretOf(x: Buffer, peer: Uint8Array): Buffer {
  DH.setPrivateKey(x);
  return DH.computeSecret(peer);
}
const CHUNK = Buffer.from('030000000000190100000000020007636f6e6e656374', 'hex');

function client(options: ClientHandshakeOptions = {}): ClientHandshake {
  return new ClientHandshake({ rtmpe: true, random: seqRandom(7), epoch: 1, ...options });
}
function server(options: ServerHandshakeOptions = {}): ServerHandshake {
  return new ServerHandshake({ rtmpe: true, random: seqRandom(9), epoch: 2, ...options });
}

/** Feeds `input` in pieces cut at `cuts`; returns the concatenated sends and the final step. */
function feed<I>(m: { receive(d: Uint8Array): HandshakeStep<I> }, input: Buffer, cuts: number[]) {
  const sent: Buffer[] = [];
  let last: HandshakeStep<I> | undefined;
  let at = 0;
  for (const cut of [...cuts, input.length]) {
    last = m.receive(input.subarray(at, cut));
    sent.push(...last.send);
    at = cut;
    if (last.done) break;
  }
  return { sent: Buffer.concat(sent), step: last! };
}

/** A full exchange; returns both ends and the server's view of the client's first chunk bytes. */
function exchange(type: 6 | 8 | 9, cCuts: number[] = [], sCuts: number[] = []) {
  const c = client();
  const s = server({ rtmpeType: type });
  const c01 = c.start();
  const s012 = feed(
    s,
    c01,
    sCuts.filter((x) => x < c01.length),
  ).sent;
  const cr = feed(c, s012, cCuts);
  assert.equal(cr.step.done, true);
  const payload = c.info!.rtmpe!.cipher.encrypt(Buffer.from(CHUNK));
  const sr = feed(s, Buffer.concat([c01, cr.sent, payload]).subarray(c01.length), []);
  assert.equal(sr.step.done, true);
  return { c, s, rest: sr.step.rest };
}

describe('RTMPE handshake: rtmpkit client ↔ rtmpkit server', () => {
  for (const type of [6, 8, 9] as const) {
    it(`type ${type}: S0 ${type}, signatures valid both ways, ciphers agree, rest decrypted`, () => {
      const { c, s, rest } = exchange(type);
      assert.equal(c.info!.serverVersion, type);
      assert.equal(c.info!.rtmpe!.type, type);
      assert.equal(s.info!.rtmpe!.type, type);
      assert.equal(c.info!.mode, 'fp9');
      assert.equal(c.info!.s2Valid, true);
      assert.equal(s.info!.c2Valid, true);
      assert.deepEqual(c.info!.warnings, []);
      assert.deepEqual(rest, CHUNK, 'the bytes after C2 arrive decrypted');
      const down = s.info!.rtmpe!.cipher.encrypt(Buffer.from('server to client'));
      assert.equal(c.info!.rtmpe!.cipher.decrypt(down).toString(), 'server to client');
    });
  }

  it('the same bytes and keys for every tested split of S0+S1+S2 and of C0+C1+C2', () => {
    const base = exchange(8);
    const want = base.c.info!.rtmpe!.cipher.encrypt(Buffer.alloc(64));
    for (const cut of [0, 1, 2, 100, 1536, 1537, 1538, 2000, 3072, 3073]) {
      const { c, rest } = exchange(8, [cut], [cut]);
      assert.deepEqual(c.info!.rtmpe!.cipher.encrypt(Buffer.alloc(64)), want, `cut ${cut}`);
      assert.deepEqual(rest, CHUNK, `cut ${cut}`);
    }
  });

  it('C1: C0 6, version 128.0.3.2, DH public key at the scheme-1 offset, scheme-1 digest over it', () => {
    const c = client();
    const c01 = c.start();
    assert.equal(c01[0], 6);
    const c1 = c01.subarray(1);
    assert.deepEqual([...c1.subarray(4, 8)], [128, 0, 3, 2]);
    // The key: 2^x mod p with x = the 127 random bytes drawn after C1's 1528.
    const random = seqRandom(7);
    random(1528);
    const dhAt = (sum4(c1, 768) % 632) + 8;
    assert.deepEqual(c1.subarray(dhAt, dhAt + 128), publicKeyOf(random(127)));
    const dgAt = (sum4(c1, 772) % 728) + 776;
    const digest = createHmac('sha256', 'Genuine Adobe Flash Player 001')
      .update(c1.subarray(0, dgAt))
      .update(c1.subarray(dgAt + 32))
      .digest();
    assert.deepEqual(c1.subarray(dgAt, dgAt + 32), digest);
  });

  it('the server answers in kind by default (C0 8 → S0 8) and a plain client plainly', () => {
    const c = client({ version: 8 });
    const s = server();
    const s0 = Buffer.concat(s.receive(c.start()).send)[0];
    assert.equal(s0, 8);
    const plain = new ClientHandshake({ random: seqRandom(3) });
    const s2 = server();
    assert.equal(Buffer.concat(s2.receive(plain.start()).send)[0], 3);
  });

  it('the server redraws its DH key when the shared secret would start with a zero byte', () => {
    const c = client();
    const c01 = c.start();
    // Find the first of a run of private keys whose secret with this client has a zero top byte.
    const random = seqRandom(4242);
    const probe = seqRandom(4242);
    const c1 = c01.subarray(1);
    const dhAt = (sum4(c1, 768) % 632) + 8;
    const clientKey = c1.subarray(dhAt, dhAt + 128);
    let skip = 0;
    for (; ; skip++) {
      if (secretOf(probe(127), clientKey)[0] === 0) break;
      assert.ok(skip < 5000, 'no zero-top-byte secret found');
    }
    random(127 * skip);
    // The server's source: S1's 1528 bytes, then the bad key, then a good one.
    const bad = random(127);
    const good = random(127);
    const tail = seqRandom(99);
    const queue = [seqRandom(1)(1528), bad, good];
    const s = server({ random: (n) => queue.shift() ?? tail(n) });
    const s012 = Buffer.concat(s.receive(c01).send);
    const cr = c.receive(s012);
    s.receive(Buffer.concat(cr.send));
    const badPub = publicKeyOf(bad).toString('hex');
    assert.equal(s012.toString('hex').includes(badPub), false, 'S1 must not carry the first key');
    const msg = c.info!.rtmpe!.cipher.encrypt(Buffer.from('agreed'));
    assert.equal(s.info!.rtmpe!.cipher.decrypt(msg).toString(), 'agreed');
  });
});

describe('RTMPE: makeDhKeyPair', () => {
  it('each side keys with the pairs its maker returns (drawn from its random source); a non-function is refused', () => {
    const made: { side: string; pair: DHKeyPair }[] = [];
    const maker =
      (side: string) =>
      (random: (n: number) => Uint8Array): DHKeyPair => {
        const pair = new DHKeyPair(random(DH_PRIVATE_KEY_SIZE));
        made.push({ side, pair });
        return pair;
      };
    const c = client({ makeDhKeyPair: maker('client') });
    const s = server({ rtmpeType: 6, makeDhKeyPair: maker('server') });
    const c01 = c.start();
    assert.deepEqual(
      made.map((m) => m.side),
      ['client'],
    );
    // The client's public key is in C1 (scheme 1: its offset is found by the server, which agrees below).
    assert.ok(c01.includes(made[0]!.pair.publicKey), 'C1 carries the made public key');
    const s012 = feed(s, c01, []).sent;
    const cr = feed(c, s012, []);
    assert.equal(cr.step.done, true);
    const serverPair = made.filter((m) => m.side === 'server').at(-1)!.pair;
    assert.ok(s012.includes(serverPair.publicKey), 'S1 carries the server pair made last');
    assert.equal(feed(s, cr.sent, []).step.done, true);
    const down = s.info!.rtmpe!.cipher;
    assert.equal(
      c.info!.rtmpe!.cipher.decrypt(down.encrypt(Buffer.from('made keys'))).toString(),
      'made keys',
    );
    assert.throws(() => client({ makeDhKeyPair: 5 as never }), {
      code: 'ERR_HANDSHAKE_OPTION',
      message: /makeDhKeyPair/,
    });
    assert.throws(() => server({ makeDhKeyPair: 'x' as never }), {
      code: 'ERR_HANDSHAKE_OPTION',
      message: /makeDhKeyPair/,
    });
  });
});

describe('RTMPE signature wrapping', () => {
  it('type 8 encrypts block i with XTEA key digest[i] % 15 (little-endian words); type 6 leaves it', () => {
    const sig = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7));
    const digest = Buffer.from(Array.from({ length: 32 }, (_, i) => 14 + i * 3));
    const want = Buffer.from(sig);
    for (let i = 0; i < 32; i += 8) {
      new XTEA(RTMPE8_KEYS[digest[i]! % 15]!, { littleEndian: true }).encryptBlock(want, i, want, i);
    }
    const got = Buffer.from(sig);
    wrapSignature(got, digest, 8);
    assert.deepEqual(got, want);
    const same = Buffer.from(sig);
    wrapSignature(same, digest, 6);
    assert.deepEqual(same, sig);
  });

  it('type 9 uses the 24-byte Blowfish keys; digest byte 15 selects key 0, never key 15', () => {
    const sig = Buffer.alloc(32, 0xab);
    const digest = Buffer.alloc(32, 15);
    const got = Buffer.from(sig);
    wrapSignature(got, digest, 9);
    const want = Buffer.from(sig);
    const bf = new Blowfish(RTMPE9_KEYS[0]!, { littleEndian: true });
    for (let i = 0; i < 32; i += 8) bf.encryptBlock(want, i, want, i);
    assert.deepEqual(got, want);
    assert.equal(RTMPE9_KEYS[0]!.length, 24);
  });
});

describe('RtmpeCipher', () => {
  it('sends with HMAC(secret, peer key)[0..16), receives with HMAC(secret, own key)[0..16), both after 1536 bytes', () => {
    const secret = Buffer.alloc(128, 0x5c);
    const own = Buffer.alloc(128, 1);
    const peer = Buffer.alloc(128, 2);
    const cipher = new RtmpeCipher(secret, own, peer);
    const keystream = (pub: Buffer) => {
      const rc4 = new RC4(createHmac('sha256', secret).update(pub).digest().subarray(0, 16));
      return rc4.update(Buffer.alloc(1536 + 40)).subarray(1536);
    };
    assert.deepEqual(cipher.encrypt(Buffer.alloc(40)), keystream(peer));
    assert.deepEqual(cipher.decrypt(Buffer.alloc(40)), keystream(own));
  });

  it('encryptv encrypts a copy of its chunks, as one buffer, continuing the same keystream', () => {
    const secret = Buffer.alloc(128, 7);
    const a = new RtmpeCipher(secret, Buffer.alloc(128, 1), Buffer.alloc(128, 2));
    const b = new RtmpeCipher(secret, Buffer.alloc(128, 1), Buffer.alloc(128, 2));
    const chunks = [
      Buffer.from('header'),
      Buffer.from('payload shared with other players'),
      Buffer.from('x'),
    ];
    const before = chunks.map((c) => Buffer.from(c));
    const out = a.encryptv(chunks);
    assert.deepEqual(chunks, before, 'the inputs stay plain');
    assert.deepEqual(out, b.encrypt(Buffer.concat(before)));
    assert.deepEqual(a.encrypt(Buffer.from('next')), b.encrypt(Buffer.from('next')));
  });
});

describe('RTMPE refusals', () => {
  it('client: S0 3 → ERR_HANDSHAKE_RTMPE; S0 outside 3/6/8/9 → ERR_HANDSHAKE_VERSION', () => {
    const c = client();
    c.start();
    assert.throws(() => c.receive(Buffer.from([3])), { code: 'ERR_HANDSHAKE_RTMPE' });
    const c2 = client();
    c2.start();
    assert.throws(() => c2.receive(Buffer.from([7])), { code: 'ERR_HANDSHAKE_VERSION' });
  });

  it('client: an unsigned S1 → ERR_HANDSHAKE_BAD_DIGEST; a signed S1 without a valid DH key → ERR_HANDSHAKE_BAD_DH_KEY', () => {
    const c = client();
    c.start();
    const s1 = Buffer.alloc(1536, 0x11);
    s1.set([3, 5, 1, 1], 4);
    assert.throws(() => c.receive(Buffer.concat([Buffer.from([6]), s1])), {
      code: 'ERR_HANDSHAKE_BAD_DIGEST',
    });
    const c2 = client();
    c2.start();
    const signed = Buffer.alloc(1536, 0);
    signed.set([3, 5, 1, 1], 4);
    writeServerDigest(signed, 1); // DH key region all zeros: y = 0
    assert.throws(() => c2.receive(Buffer.concat([Buffer.from([6]), signed])), {
      code: 'ERR_HANDSHAKE_BAD_DH_KEY',
    });
  });

  it('server: RTMPE off → ERR_HANDSHAKE_RTMPE; an unsigned RTMPE C1 → ERR_HANDSHAKE_BAD_DIGEST', () => {
    const plainServer = new ServerHandshake({ random: seqRandom(1) });
    assert.throws(() => plainServer.receive(client().start()), { code: 'ERR_HANDSHAKE_RTMPE' });
    const s = server();
    const c1 = Buffer.alloc(1537, 0x22);
    c1[0] = 6;
    assert.throws(() => s.receive(c1), { code: 'ERR_HANDSHAKE_BAD_DIGEST' });
  });

  it("options: rtmpe with policy 'simple', with C0 3, and an unknown rtmpeType are usage errors", () => {
    assert.throws(() => new ClientHandshake({ rtmpe: true, policy: 'simple' }), {
      code: 'ERR_HANDSHAKE_OPTION',
    });
    assert.throws(() => new ClientHandshake({ rtmpe: true, version: 3 }), { code: 'ERR_HANDSHAKE_OPTION' });
    assert.throws(() => new ServerHandshake({ rtmpe: true, rtmpeType: 7 as 6 }), {
      code: 'ERR_HANDSHAKE_OPTION',
    });
  });
});
