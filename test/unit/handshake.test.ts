/**
 * Client and server handshake state machines (RTMP-SPEC §5.2, librtmp/FFmpeg digest form):
 * C0+C1 / S0+S1+S2 vectors with injected randomness (digests recomputed here with
 * node:crypto, not with the library's helpers), every client×server policy pair fed at
 * every split, rest bytes, tolerated quirks, strict-policy failures, first-byte diagnosis
 * and usage errors.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { RTMPProtocolError, RTMPUsageError } from '../../src/errors.js';
import {
  ClientHandshake,
  type ClientHandshakeOptions,
  type HandshakePolicy,
  type HandshakeStep,
  RTMPHandshakeError,
  ServerHandshake,
  type ServerHandshakeOptions,
  signServerResponse,
  writeServerDigest,
} from '../../src/handshake/index.js';
import { seqRandom } from '../helpers/random.js';

// ---- helpers -------------------------------------------------------------------------

const CLIENT_EPOCH = 0x01020304;
const SERVER_EPOCH = 0x0a0b0c0d;
const FP_KEY_30 = 'Genuine Adobe Flash Player 001';
const FMS_KEY_36 = 'Genuine Adobe Flash Media Server 001';
const TAIL = Buffer.from('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae', 'hex');
const FP_KEY_62 = Buffer.concat([Buffer.from(FP_KEY_30), TAIL]);
const FMS_KEY_68 = Buffer.concat([Buffer.from(FMS_KEY_36), TAIL]);
/** A chunk-stream start: fmt 0 csid 3 basic header + some header bytes. */
const CHUNK_TAIL = Buffer.from('030000000000190100000000020007636f6e6e656374', 'hex');

function hmac(key: Uint8Array | string, ...parts: Uint8Array[]): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}
const sum4 = (p: Uint8Array, at: number) => p[at]! + p[at + 1]! + p[at + 2]! + p[at + 3]!;
const pos0 = (p: Uint8Array) => (sum4(p, 8) % 728) + 12;
const pos1 = (p: Uint8Array) => (sum4(p, 772) % 728) + 776;

function mkClient(opts: ClientHandshakeOptions = {}): ClientHandshake {
  return new ClientHandshake({ random: seqRandom(1), epoch: CLIENT_EPOCH, ...opts });
}
function mkServer(opts: ServerHandshakeOptions = {}): ServerHandshake {
  return new ServerHandshake({ random: seqRandom(2), epoch: SERVER_EPOCH, ...opts });
}

interface Machine {
  receive(data: Uint8Array): HandshakeStep<unknown>;
}

interface Outcome {
  sent: string;
  done: boolean;
  rest: string;
  info?: unknown;
  code?: string;
  /** Input offset after which the first send happened (C2 / S0+S1+S2). */
  sentAt?: number;
}

/**
 * Feeds `bytes` cut at `cuts` the way an I/O shell would: stop at `done` and treat the
 * remaining input as chunk-stream bytes.
 */
function feed(m: Machine, bytes: Buffer, cuts: number[]): Outcome {
  const sent: Buffer[] = [];
  const bounds = [0, ...cuts, bytes.length];
  let sentAt: number | undefined;
  try {
    for (let i = 0; i + 1 < bounds.length; i++) {
      const step = m.receive(bytes.subarray(bounds[i], bounds[i + 1]));
      sent.push(...step.send);
      if (step.send.length && sentAt === undefined) sentAt = bounds[i + 1];
      if (step.done) {
        const rest = Buffer.concat([step.rest ?? Buffer.alloc(0), bytes.subarray(bounds[i + 1])]);
        return {
          sent: Buffer.concat(sent).toString('hex'),
          done: true,
          rest: rest.toString('hex'),
          info: step.info,
          sentAt,
        };
      }
    }
  } catch (err) {
    assert.ok(err instanceof RTMPHandshakeError, `unexpected error ${String(err)}`);
    return { sent: Buffer.concat(sent).toString('hex'), done: false, rest: '', code: err.code, sentAt };
  }
  return { sent: Buffer.concat(sent).toString('hex'), done: false, rest: '', sentAt };
}

function catchErr(fn: () => unknown): RTMPHandshakeError | RTMPUsageError {
  try {
    fn();
  } catch (err) {
    assert.ok(
      err instanceof RTMPHandshakeError || err instanceof RTMPUsageError,
      `unexpected ${String(err)}`,
    );
    return err;
  }
  assert.fail('expected an error');
}

/** Builds S0+S1+S2 by hand. */
function serverBytes(
  s1Version: number[],
  opts: { sign?: 0 | 1; s2?: Buffer; s0?: number } = {},
): {
  s1: Buffer;
  bytes: Buffer;
} {
  const r = seqRandom(3);
  const s1 = Buffer.concat([Buffer.from([0, 0, 0, 9]), Buffer.from(s1Version), r(1528)]);
  if (opts.sign !== undefined) writeServerDigest(s1, opts.sign);
  const s2 = opts.s2 ?? r(1536);
  return { s1, bytes: Buffer.concat([Buffer.from([opts.s0 ?? 3]), s1, s2]) };
}

// ---- client vectors ------------------------------------------------------------------

describe('ClientHandshake C0+C1', () => {
  it("'simple': C0 = 3, time, four zero bytes, 1528 random bytes", () => {
    const out = mkClient({ policy: 'simple' }).start();
    const expected = Buffer.concat([Buffer.from('030102030400000000', 'hex'), seqRandom(1)(1528)]);
    assert.equal(out.toString('hex'), expected.toString('hex'));
  });

  it("'fp9': version 9.0.124.2 and a scheme-0 digest with FPKey[0..30)", () => {
    const out = mkClient({ policy: 'fp9' }).start();
    assert.equal(out.length, 1537);
    assert.equal(out[0], 3);
    const c1 = out.subarray(1);
    assert.equal(c1.subarray(0, 8).toString('hex'), '0102030409007c02');
    const rnd = seqRandom(1)(1528);
    const pos = pos0(c1);
    // everything but the digest is the injected randomness
    assert.deepEqual(c1.subarray(8, pos), rnd.subarray(0, pos - 8));
    assert.deepEqual(c1.subarray(pos + 32), rnd.subarray(pos + 24));
    // the digest position comes from the random bytes 8..11
    assert.equal(pos, ((rnd[0]! + rnd[1]! + rnd[2]! + rnd[3]!) % 728) + 12);
    const digest = hmac(FP_KEY_30, c1.subarray(0, pos), c1.subarray(pos + 32));
    assert.equal(c1.subarray(pos, pos + 32).toString('hex'), digest.toString('hex'));
  });

  it("'auto' sends the same signed C1 as 'fp9'", () => {
    assert.deepEqual(mkClient({ policy: 'auto' }).start(), mkClient({ policy: 'fp9' }).start());
    assert.deepEqual(mkClient().start(), mkClient({ policy: 'fp9' }).start());
  });

  it('scheme 1 and custom version bytes / C0', () => {
    const out = mkClient({ scheme: 1, fp9Version: [10, 0, 45, 2], version: 6, epoch: 0 }).start();
    assert.equal(out.subarray(0, 9).toString('hex'), '06000000000a002d02');
    const c1 = out.subarray(1);
    const pos = pos1(c1);
    assert.ok(pos >= 776 && pos <= 1503);
    assert.deepEqual(c1.subarray(pos, pos + 32), hmac(FP_KEY_30, c1.subarray(0, pos), c1.subarray(pos + 32)));
  });
});

// ---- server vectors ------------------------------------------------------------------

describe('ServerHandshake S0+S1+S2', () => {
  it('answers a librtmp-style C1 (version 0) simple: S1 = time + zero + random, S2 = C1 echo', () => {
    const c0c1 = mkClient({ policy: 'simple' }).start();
    const step = mkServer().receive(c0c1);
    assert.equal(step.done, false);
    assert.equal(step.send.length, 1);
    const out = step.send[0]!;
    assert.equal(out.length, 3073);
    const expected = Buffer.concat([
      Buffer.from('030a0b0c0d00000000', 'hex'),
      seqRandom(2)(1528),
      c0c1.subarray(1),
    ]);
    assert.equal(out.toString('hex'), expected.toString('hex'));
  });

  for (const scheme of [0, 1] as const) {
    it(`answers a signed C1 (scheme ${scheme}) digest-style in the same scheme`, () => {
      const c0c1 = mkClient({ scheme }).start();
      const c1 = c0c1.subarray(1);
      const cpos = scheme === 0 ? pos0(c1) : pos1(c1);
      const clientDigest = c1.subarray(cpos, cpos + 32);
      const out = Buffer.concat(mkServer().receive(c0c1).send);
      assert.equal(out[0], 3);
      const s1 = out.subarray(1, 1537);
      const s2 = out.subarray(1537);
      assert.equal(s1.subarray(0, 8).toString('hex'), '0a0b0c0d03050101');
      const spos = scheme === 0 ? pos0(s1) : pos1(s1);
      assert.deepEqual(
        s1.subarray(spos, spos + 32),
        hmac(FMS_KEY_36, s1.subarray(0, spos), s1.subarray(spos + 32)),
      );
      const sigKey = hmac(FMS_KEY_68, clientDigest);
      assert.deepEqual(s2.subarray(1504), hmac(sigKey, s2.subarray(0, 1504)));
    });
  }

  it("policy 'simple' answers even a signed C1 simple", () => {
    const c0c1 = mkClient({ policy: 'fp9' }).start();
    const out = Buffer.concat(mkServer({ policy: 'simple' }).receive(c0c1).send);
    assert.equal(out.subarray(5, 9).toString('hex'), '00000000');
    assert.deepEqual(out.subarray(1537), c0c1.subarray(1));
  });

  it('sends nothing before C1 is complete and everything at once after', () => {
    const c0c1 = mkClient().start();
    const s = mkServer();
    assert.deepEqual(s.receive(c0c1.subarray(0, 1536)), { send: [], done: false });
    const step = s.receive(c0c1.subarray(1536));
    assert.equal(step.send[0]?.length, 3073);
  });

  it('is done after C2 and returns the bytes after it; C2 checked for information only', () => {
    const c0c1 = mkClient({ policy: 'simple' }).start();
    const s = mkServer();
    const s1 = Buffer.concat(s.receive(c0c1).send).subarray(1, 1537);
    const bogusC2 = Buffer.alloc(1536, 7);
    const step = s.receive(Buffer.concat([bogusC2, CHUNK_TAIL]));
    assert.equal(step.done, true);
    assert.deepEqual(step.rest, CHUNK_TAIL);
    assert.equal(step.info?.c2Valid, false);
    assert.match(step.info?.warnings[0] ?? '', /C2 does not echo S1/);
    assert.equal(s.done, true);
    // an echoed C2 validates
    const s2 = mkServer();
    s2.receive(c0c1);
    const step2 = s2.receive(s1);
    assert.equal(step2.done, true);
    assert.equal(step2.rest, undefined);
    assert.equal(step2.info?.c2Valid, true);
    assert.deepEqual(step2.info?.warnings, []);
    assert.equal(step2.info?.mode, 'simple');
    assert.equal(step2.info?.clientTime, CLIENT_EPOCH);
    assert.deepEqual(step2.info?.clientFlashVersion, [0, 0, 0, 0]);
  });

  it('input after done is a usage error', () => {
    const s = mkServer();
    s.receive(Buffer.concat([mkClient({ policy: 'simple' }).start(), Buffer.alloc(1536)]));
    const err = catchErr(() => s.receive(Buffer.from([1])));
    assert.ok(err instanceof RTMPUsageError);
    assert.equal(err.code, 'ERR_HANDSHAKE_STATE');
  });
});

// ---- every pair, every split ---------------------------------------------------------

describe('client <-> server in memory', () => {
  const clientPolicies: HandshakePolicy[] = ['simple', 'fp9', 'auto'];
  const serverPolicies = ['simple', 'auto'] as const;
  for (const cp of clientPolicies) {
    for (const sp of serverPolicies) {
      const fp9 = cp !== 'simple' && sp === 'auto';
      it(`client '${cp}' × server '${sp}' → ${fp9 ? 'fp9' : 'simple'}, any split of S0+S1+S2 and C2`, () => {
        const client = mkClient({ policy: cp });
        const server = mkServer({ policy: sp });
        const c0c1 = client.start();
        const s012 = Buffer.concat(server.receive(c0c1).send);
        const fromServer = Buffer.concat([s012, CHUNK_TAIL]);
        const ref = feed(mkClientStarted(cp), fromServer, []);
        assert.equal(ref.done, true);
        assert.equal(ref.rest, CHUNK_TAIL.toString('hex'));
        assert.equal(ref.sent.length, 1536 * 2);
        const info = ref.info as ClientHandshake['info'];
        assert.equal(info?.mode, fp9 ? 'fp9' : 'simple');
        assert.equal(info?.serverDigest, fp9);
        assert.equal(info?.s2Valid, true);
        assert.equal(info?.serverTime, SERVER_EPOCH);
        assert.equal(info?.serverVersion, 3);
        if (cp !== 'simple' && !fp9) {
          assert.equal(info?.warnings.length, 1);
          assert.match(info?.warnings[0] ?? '', /server answered a simple handshake \(S1 version 0\)/);
        } else {
          assert.deepEqual(info?.warnings, []);
        }
        if (fp9) assert.equal(info?.scheme, 0);
        else assert.equal(ref.sent, s012.subarray(1, 1537).toString('hex'), 'simple C2 echoes S1');

        // C2 is sent once S0+S1 are in, before S2
        const early = mkClientStarted(cp).receive(s012.subarray(0, 1537));
        assert.equal(early.done, false);
        assert.equal(Buffer.concat(early.send).toString('hex'), ref.sent);

        // every single cut point, byte by byte, and a few three-way cuts give the same outcome
        for (let cut = 0; cut <= fromServer.length; cut++) {
          const o = feed(mkClientStarted(cp), fromServer, [cut]);
          assert.deepEqual(o.done, ref.done, `cut ${cut}`);
          assert.equal(o.sent, ref.sent, `cut ${cut}`);
          assert.equal(o.rest, ref.rest, `cut ${cut}`);
          assert.deepEqual(o.info, ref.info, `cut ${cut}`);
          assert.equal(o.sentAt, cut >= 1537 ? cut : fromServer.length, `C2 timing, cut ${cut}`);
        }
        const everyByte = Array.from({ length: fromServer.length - 1 }, (_, i) => i + 1);
        const bb = feed(mkClientStarted(cp), fromServer, everyByte);
        assert.deepEqual({ ...bb, sentAt: undefined }, { ...ref, sentAt: undefined });
        assert.equal(bb.sentAt, 1537);
        for (const cuts of [
          [1, 1537],
          [1536, 1538],
          [100, 3072],
          [1537, 3073],
          [0, 0, 3074],
        ]) {
          assert.deepEqual(
            { ...feed(mkClientStarted(cp), fromServer, cuts), sentAt: 0 },
            { ...ref, sentAt: 0 },
          );
        }

        // the server side: C0+C1+C2+chunk bytes at every split
        const fromClient = Buffer.concat([c0c1, Buffer.from(ref.sent, 'hex'), CHUNK_TAIL]);
        const sref = feed(mkServer({ policy: sp }), fromClient, []);
        assert.equal(sref.done, true);
        assert.equal(sref.sent, s012.toString('hex'));
        assert.equal(sref.rest, CHUNK_TAIL.toString('hex'));
        const sinfo = sref.info as ServerHandshake['info'];
        assert.equal(sinfo?.mode, fp9 ? 'fp9' : 'simple');
        assert.equal(sinfo?.clientDigest, fp9);
        assert.equal(sinfo?.c2Valid, true);
        assert.deepEqual(sinfo?.warnings, []);
        for (let cut = 0; cut <= fromClient.length; cut++) {
          const o = feed(mkServer({ policy: sp }), fromClient, [cut]);
          assert.deepEqual({ ...o, sentAt: 0 }, { ...sref, sentAt: 0 }, `cut ${cut}`);
          assert.equal(o.sentAt, cut >= 1537 ? cut : fromClient.length);
        }
        assert.deepEqual(
          {
            ...feed(
              mkServer({ policy: sp }),
              fromClient,
              Array.from({ length: fromClient.length - 1 }, (_, i) => i + 1),
            ),
            sentAt: 0,
          },
          { ...sref, sentAt: 0 },
        );
      });
    }
  }

  function mkClientStarted(policy: HandshakePolicy): ClientHandshake {
    const c = mkClient({ policy });
    c.start();
    return c;
  }
});

// ---- tolerated quirks and strict failures --------------------------------------------

describe('ClientHandshake quirks', () => {
  function started(opts: ClientHandshakeOptions): ClientHandshake {
    const c = mkClient(opts);
    c.start();
    return c;
  }

  it("'simple' tolerates an S2 that does not echo C1 (nginx-rtmp, many servers)", () => {
    const { bytes } = serverBytes([0, 0, 0, 0]);
    const step = started({ policy: 'simple' }).receive(Buffer.concat([bytes, CHUNK_TAIL]));
    assert.equal(step.done, true);
    assert.deepEqual(step.rest, CHUNK_TAIL);
    assert.equal(step.info?.s2Valid, false);
    assert.equal(step.info?.mode, 'simple');
    assert.match(step.info?.warnings.join() ?? '', /S2 does not echo C1/);
  });

  it("'simple' accepts an S2 that echoes C1 but with a different time2 (RTMP-SPEC)", () => {
    const c = mkClient({ policy: 'simple' });
    const c1 = c.start().subarray(1);
    const s2 = Buffer.from(c1);
    s2.writeUInt32BE(12345, 4);
    const { bytes } = serverBytes([0, 0, 0, 0], { s2 });
    const step = c.receive(bytes);
    assert.equal(step.info?.s2Valid, true);
    assert.deepEqual(step.info?.warnings, []);
  });

  it("'auto' falls back to echoing S1 when S1 has a version but no digest", () => {
    const { s1, bytes } = serverBytes([4, 0, 0, 1]);
    const step = started({ policy: 'auto' }).receive(bytes);
    assert.equal(step.done, true);
    assert.deepEqual(step.send[0], s1);
    assert.equal(step.info?.mode, 'simple');
    assert.equal(step.info?.serverDigest, false);
    assert.match(step.info?.warnings[0] ?? '', /no valid server digest; fell back/);
  });

  it("'fp9' rejects an S1 with a version but no digest", () => {
    const { bytes } = serverBytes([4, 0, 0, 1]);
    const err = catchErr(() => started({ policy: 'fp9' }).receive(bytes));
    assert.ok(err instanceof RTMPHandshakeError);
    assert.equal(err.code, 'ERR_HANDSHAKE_BAD_DIGEST');
    assert.match(err.message, /couldn't verify the server digest: S1 claims version 4\.0\.0\.1/);
  });

  it("'fp9' falls back to simple when S1's version is zero (librtmp does the same)", () => {
    const { s1, bytes } = serverBytes([0, 0, 0, 0]);
    const step = started({ policy: 'fp9' }).receive(bytes);
    assert.deepEqual(step.send[0], s1);
    assert.equal(step.info?.mode, 'simple');
    assert.match(step.info?.warnings[0] ?? '', /simple handshake \(S1 version 0\)/);
  });

  it('accepts a server digest in scheme 1 although C1 used scheme 0', () => {
    const c = mkClient({ policy: 'fp9' });
    const c1 = c.start().subarray(1);
    const { s1, bytes } = serverBytes([13, 14, 10, 13], { sign: 1 });
    const s2 = bytes.subarray(1537);
    signServerResponse(s2, c1.subarray(pos0(c1), pos0(c1) + 32));
    const step = c.receive(bytes);
    assert.equal(step.done, true);
    assert.equal(step.info?.scheme, 1);
    assert.equal(step.info?.s2Valid, true);
    // C2 = random + HMAC(HMAC(FPKey 62, S1 digest), C2[0..1504)), computed independently
    const c2 = step.send[0]!;
    const sdig = s1.subarray(pos1(s1), pos1(s1) + 32);
    assert.deepEqual(c2.subarray(1504), hmac(hmac(FP_KEY_62, sdig), c2.subarray(0, 1504)));
    assert.deepEqual(step.info?.s1, s1);
    assert.deepEqual(step.info?.serverFlashVersion, [13, 14, 10, 13]);
  });

  for (const [policy, fails] of [
    ['fp9', true],
    ['auto', false],
  ] as const) {
    it(`a bad S2 signature ${fails ? "fails under 'fp9'" : "is accepted with a warning under 'auto'"}`, () => {
      const { bytes } = serverBytes([3, 5, 1, 1], { sign: 0 });
      const c = started({ policy });
      const first = c.receive(bytes.subarray(0, 2000));
      assert.equal(first.send.length, 1, 'C2 goes out before S2 is checked');
      if (fails) {
        const err = catchErr(() => c.receive(bytes.subarray(2000)));
        assert.ok(err instanceof RTMPHandshakeError && err instanceof RTMPProtocolError);
        assert.equal(err.code, 'ERR_HANDSHAKE_BAD_SIGNATURE');
        assert.match(err.message, /server not genuine/);
        assert.equal(catchErr(() => c.receive(Buffer.alloc(1))).code, 'ERR_HANDSHAKE_STATE');
      } else {
        const step = c.receive(bytes.subarray(2000));
        assert.equal(step.done, true);
        assert.equal(step.info?.mode, 'fp9');
        assert.equal(step.info?.s2Valid, false);
        assert.match(step.info?.warnings[0] ?? '', /S2 signature does not match/);
      }
    });
  }
});

// ---- first-byte diagnosis ------------------------------------------------------------

describe('first-byte diagnosis (client)', () => {
  const cases: [string, Buffer, string, RegExp][] = [
    [
      'HTTP reply',
      Buffer.from('HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n\r\n'),
      'ERR_HANDSHAKE_HTTP',
      /^server answered HTTP \(text "HTTP\/1\.1 400 Bad Request"…\); try rtmpt:\/\/$/,
    ],
    [
      'TLS alert',
      Buffer.from('150303000202', 'hex'),
      'ERR_HANDSHAKE_TLS',
      /^server speaks TLS \(record type 0x15\); try rtmps:\/\/$/,
    ],
    ['TLS handshake', Buffer.from('160303', 'hex'), 'ERR_HANDSHAKE_TLS', /try rtmps:\/\//],
    [
      'RTMPE 6',
      Buffer.from([6]),
      'ERR_HANDSHAKE_RTMPE',
      /^server answered with RTMPE version 6; try rtmpe:\/\/$/,
    ],
    ['RTMPE 8', Buffer.from([8, 0, 0]), 'ERR_HANDSHAKE_RTMPE', /RTMPE version 8; try rtmpe:\/\//],
    ['RTMPE 9', Buffer.from([9]), 'ERR_HANDSHAKE_RTMPE', /RTMPE version 9; try rtmpe:\/\//],
    [
      'version 0',
      Buffer.from([0, 1, 2]),
      'ERR_HANDSHAKE_VERSION',
      /^server answered RTMP version 0 \(0x00\); expected 3$/,
    ],
    ['version 2', Buffer.from([2]), 'ERR_HANDSHAKE_VERSION', /RTMP version 2 \(0x02\); expected 3/],
    ['version 4', Buffer.from([4]), 'ERR_HANDSHAKE_VERSION', /RTMP version 4 \(0x04\); expected 3/],
    ['version 31', Buffer.from([31]), 'ERR_HANDSHAKE_VERSION', /RTMP version 31 \(0x1f\); expected 3/],
    [
      'JSON text',
      Buffer.from('{"error":"nope"}'),
      'ERR_HANDSHAKE_VERSION',
      /^server answered 0x7b, which is not an RTMP version \(expected 3\); not an RTMP server\? \(received text "\{\\"error\\":\\"nope\\"\}"\)$/,
    ],
    [
      'binary garbage',
      Buffer.from('ff00fe', 'hex'),
      'ERR_HANDSHAKE_VERSION',
      /0xff, which is not an RTMP version.*bytes ff00fe/,
    ],
  ];
  for (const [name, bytes, code, message] of cases) {
    it(`${name} → ${code}`, () => {
      const c = mkClient();
      c.start();
      const err = catchErr(() => c.receive(bytes));
      assert.ok(err instanceof RTMPHandshakeError);
      assert.equal(err.code, code);
      assert.match(err.message, message);
      // the code does not depend on how much arrived: the first byte decides, at once
      const c1 = mkClient();
      c1.start();
      assert.equal(catchErr(() => c1.receive(bytes.subarray(0, 1))).code, code);
    });
  }

  it('an RTMPE client (C0 = 6) is told when the server answers plain RTMP', () => {
    const c = mkClient({ version: 6 });
    c.start();
    const err = catchErr(() => c.receive(Buffer.from([3])));
    assert.equal(err.code, 'ERR_HANDSHAKE_VERSION');
    assert.match(err.message, /RTMP version 3 \(0x03\); expected 6/);
  });

  it('empty input is fine before the first byte', () => {
    const c = mkClient();
    c.start();
    assert.deepEqual(c.receive(Buffer.alloc(0)), { send: [], done: false });
  });
});

describe('first-byte diagnosis (server)', () => {
  const cases: [string, Buffer, string, RegExp][] = [
    [
      'GET',
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      'ERR_HANDSHAKE_HTTP',
      /^client sent an HTTP request \(text "GET \/ HTTP\/1\.1"…\)/,
    ],
    [
      'POST (RTMPT)',
      Buffer.from('POST /open/1 HTTP/1.1\r\n'),
      'ERR_HANDSHAKE_HTTP',
      /HTTP request \(text "POST \/open\/1 HTTP\/1\.1"…\); this port speaks RTMP/,
    ],
    ['TLS ClientHello', Buffer.from('16030100', 'hex'), 'ERR_HANDSHAKE_TLS', /^client speaks TLS/],
    ['RTMPE', Buffer.from([6]), 'ERR_HANDSHAKE_RTMPE', /client asked for RTMPE \(version 6\)/],
    ['RTMPE 8', Buffer.from([8]), 'ERR_HANDSHAKE_RTMPE', /version 8/],
    [
      'version 0',
      Buffer.from([0]),
      'ERR_HANDSHAKE_VERSION',
      /client sent RTMP version 0 \(0x00\); only version 3/,
    ],
    [
      'garbage',
      Buffer.from('ff', 'hex'),
      'ERR_HANDSHAKE_VERSION',
      /client sent 0xff, which is not an RTMP version/,
    ],
  ];
  for (const [name, bytes, code, message] of cases) {
    it(`${name} → ${code}`, () => {
      const err = catchErr(() => mkServer().receive(bytes));
      assert.ok(err instanceof RTMPHandshakeError);
      assert.equal(err.code, code);
      assert.match(err.message, message);
      assert.equal(catchErr(() => mkServer().receive(bytes.subarray(0, 1))).code, code);
    });
  }
});

// ---- usage errors --------------------------------------------------------------------

describe('usage errors', () => {
  const usage = (fn: () => unknown, code: string, re?: RegExp) => {
    const err = catchErr(fn);
    assert.ok(err instanceof RTMPUsageError, `expected a usage error, got ${err.name}`);
    assert.equal(err.code, code);
    if (re) assert.match(err.message, re);
  };

  it('calls out of order', () => {
    usage(() => mkClient().receive(Buffer.alloc(1)), 'ERR_HANDSHAKE_STATE', /before start/);
    const c = mkClient();
    c.start();
    usage(() => c.start(), 'ERR_HANDSHAKE_STATE', /twice/);
    const d = mkClient({ policy: 'simple' });
    d.start();
    const step = d.receive(serverBytes([0, 0, 0, 0]).bytes);
    assert.equal(step.done, true);
    assert.equal(d.done, true);
    assert.equal(d.info, step.info);
    usage(() => d.receive(Buffer.alloc(0)), 'ERR_HANDSHAKE_STATE', /after the handshake completed/);
    const e = mkServer();
    assert.equal(catchErr(() => e.receive(Buffer.from([0x47]))).code, 'ERR_HANDSHAKE_HTTP');
    usage(() => e.receive(Buffer.from([3])), 'ERR_HANDSHAKE_STATE', /after the handshake failed/);
  });

  it('bad options', () => {
    usage(() => new ClientHandshake({ policy: 'fast' as HandshakePolicy }), 'ERR_HANDSHAKE_OPTION', /policy/);
    usage(() => new ClientHandshake({ version: 256 }), 'ERR_HANDSHAKE_OPTION', /version/);
    usage(() => new ClientHandshake({ epoch: -1 }), 'ERR_HANDSHAKE_OPTION', /epoch/);
    usage(() => new ClientHandshake({ epoch: 2 ** 32 }), 'ERR_HANDSHAKE_OPTION', /epoch/);
    usage(
      () => new ClientHandshake({ fp9Version: [9, 0, 124] as never }),
      'ERR_HANDSHAKE_OPTION',
      /fp9Version/,
    );
    usage(() => new ClientHandshake({ fp9Version: [9, 0, 124, 256] }), 'ERR_HANDSHAKE_OPTION', /fp9Version/);
    usage(() => new ClientHandshake({ scheme: 2 as never }), 'ERR_HANDSHAKE_OPTION', /scheme/);
    usage(() => new ClientHandshake({ random: 5 as never }), 'ERR_HANDSHAKE_OPTION', /random/);
    usage(() => new ServerHandshake({ policy: 'fp9' as never }), 'ERR_HANDSHAKE_OPTION', /policy/);
    usage(
      () => new ServerHandshake({ serverVersion: [1, 2, 3, -1] }),
      'ERR_HANDSHAKE_OPTION',
      /serverVersion/,
    );
    usage(
      () => new ClientHandshake({ random: () => Buffer.alloc(3) }).start(),
      'ERR_HANDSHAKE_OPTION',
      /1528 bytes/,
    );
    usage(() => mkServer().receive('abc' as never), 'ERR_HANDSHAKE_ARGUMENT');
  });

  it('the default random source works and differs between handshakes', () => {
    const a = new ClientHandshake().start();
    const b = new ClientHandshake().start();
    assert.equal(a.length, 1537);
    assert.notDeepEqual(a, b);
    const s = new ServerHandshake();
    assert.equal(Buffer.concat(s.receive(a).send).length, 3073);
  });

  it('accepts a Uint8Array that is not a Buffer', () => {
    const c = mkClient({ policy: 'simple' });
    const c0c1 = new Uint8Array(c.start());
    const step = mkServer().receive(c0c1);
    assert.equal(step.send[0]?.length, 3073);
  });
});
