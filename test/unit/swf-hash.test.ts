/**
 * SWF hash (src/swf/hash.ts): golden HMAC vectors computed independently here with
 * node:crypto + node:zlib over a synthetic SWF (FWS, and its CWS form via deflateSync),
 * chunking independence of the streaming hasher, and the typed failures (ZWS, not a SWF,
 * too short, truncated/corrupt zlib, the decompressed-size bound).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { RTMPError } from '../../src/errors.js';
import { hashSwfBytes, hashSwfStream, SWF_HASH_KEY } from '../../src/swf/hash.js';

/** A small valid-looking FWS: header (FWS, version 10, UI32LE file length) + body. */
function makeFws(bodyLength = 100_000): Buffer {
  const body = Buffer.alloc(bodyLength);
  for (let i = 0; i < bodyLength; i++) body[i] = (i * 7 + (i >> 8)) & 0xff;
  body.write('\x78\x00\x05\x5f\x00\x00\x0f\xa0\x00\x00\x18\x01\x00', 0, 'latin1'); // RECT, rate, count
  const h = Buffer.from('FWS\x0a\0\0\0\0', 'latin1');
  h.writeUInt32LE(8 + bodyLength, 4);
  return Buffer.concat([h, body]);
}

function toCws(fws: Buffer): Buffer {
  return Buffer.concat([Buffer.from('CWS', 'latin1'), fws.subarray(3, 8), deflateSync(fws.subarray(8))]);
}

/** Independent expectation: HMAC-SHA256 keyed "Genuine Adobe Flash Player 001" over the FWS bytes. */
function golden(fws: Buffer): { hex: string; size: number } {
  return {
    hex: createHmac('sha256', Buffer.from('Genuine Adobe Flash Player 001')).update(fws).digest('hex'),
    size: fws.length,
  };
}

async function* chunked(buf: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield new Uint8Array(buf.subarray(i, i + size));
}

function isCode(code: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof RTMPError, `expected RTMPError, got ${String(err)}`);
    assert.equal(err.code, code, (err as Error).message);
    return true;
  };
}

test('the key is the 30-byte ASCII prefix of the Genuine FP key', () => {
  assert.equal(SWF_HASH_KEY.length, 30);
  assert.equal(SWF_HASH_KEY.toString('latin1'), 'Genuine Adobe Flash Player 001');
});

test('a hand-checked vector: the 8-byte FWS header alone', () => {
  const fws = Buffer.from('465753 0a 08000000'.replace(/ /g, ''), 'hex');
  const r = hashSwfBytes(fws);
  assert.equal(r.size, 8);
  assert.equal(r.hex, golden(fws).hex);
  assert.equal(r.hash.length, 32);
  assert.equal(r.hex, r.hash.toString('hex'));
});

test('FWS and CWS give the same hash and size (bytes and stream)', async () => {
  const fws = makeFws();
  const cws = toCws(fws);
  assert.ok(cws.length < fws.length / 2, 'the CWS form is really compressed');
  const want = golden(fws);
  for (const input of [fws, cws]) {
    const r = hashSwfBytes(input);
    assert.equal(r.hex, want.hex);
    assert.equal(r.size, want.size);
    for (const size of [1, 3, 7, 8, 9, 4096, input.length]) {
      const s = await hashSwfStream(chunked(input, size));
      assert.equal(s.hex, want.hex, `chunks of ${size}`);
      assert.equal(s.size, want.size, `chunks of ${size}`);
    }
  }
});

test('CWS: the header is hashed with F, as is (its length field is not checked)', () => {
  const fws = makeFws(1000);
  fws.writeUInt32LE(12345, 4); // lies about the length: librtmp does not care either
  const r = hashSwfBytes(toCws(fws));
  assert.equal(r.hex, golden(fws).hex);
  assert.equal(r.size, 1008);
});

test('CWS: bytes after the zlib stream are ignored (zlib and librtmp stop there)', async () => {
  const fws = makeFws(5000);
  const cws = Buffer.concat([toCws(fws), Buffer.from('trailing junk')]);
  assert.equal(hashSwfBytes(cws).hex, golden(fws).hex);
  assert.equal((await hashSwfStream(chunked(cws, 100))).hex, golden(fws).hex);
});

test('ZWS (LZMA) → ERR_SWF_UNSUPPORTED', async () => {
  const zws = Buffer.concat([Buffer.from('ZWS\x0d', 'latin1'), Buffer.alloc(40, 1)]);
  assert.throws(() => hashSwfBytes(zws), isCode('ERR_SWF_UNSUPPORTED'));
  assert.throws(() => hashSwfBytes(zws), /LZMA-compressed SWF \(ZWS\) is not supported/);
  await assert.rejects(hashSwfStream(chunked(zws, 2)), isCode('ERR_SWF_UNSUPPORTED'));
  await assert.rejects(hashSwfStream(chunked(zws.subarray(0, 5), 5)), isCode('ERR_SWF_UNSUPPORTED'));
});

test('not a SWF, or shorter than the header → ERR_SWF_FORMAT', async () => {
  const html = Buffer.from('<html><body>404 Not Found</body></html>');
  assert.throws(() => hashSwfBytes(html), isCode('ERR_SWF_FORMAT'));
  assert.throws(() => hashSwfBytes(html), /not a SWF file/);
  await assert.rejects(hashSwfStream(chunked(html, 1)), isCode('ERR_SWF_FORMAT'));
  for (const short of [Buffer.alloc(0), Buffer.from('FWS\x0a'), Buffer.from('CWS\x0a\0\0\0')]) {
    assert.throws(() => hashSwfBytes(short), isCode('ERR_SWF_FORMAT'));
    await assert.rejects(hashSwfStream(chunked(short, 2)), isCode('ERR_SWF_FORMAT'));
  }
});

test('truncated or corrupt CWS → ERR_SWF_FORMAT', async () => {
  const cws = toCws(makeFws());
  const truncated = cws.subarray(0, cws.length - 100);
  assert.throws(() => hashSwfBytes(truncated), isCode('ERR_SWF_FORMAT'));
  await assert.rejects(hashSwfStream(chunked(truncated, 1000)), isCode('ERR_SWF_FORMAT'));
  const corrupt = Buffer.from(cws);
  corrupt[8] = 0xff; // zlib header
  assert.throws(() => hashSwfBytes(corrupt), isCode('ERR_SWF_FORMAT'));
  await assert.rejects(hashSwfStream(chunked(corrupt, 1000)), isCode('ERR_SWF_FORMAT'));
  const headerOnly = cws.subarray(0, 8); // CWS without any zlib data
  assert.throws(() => hashSwfBytes(headerOnly), isCode('ERR_SWF_FORMAT'));
  await assert.rejects(hashSwfStream(chunked(headerOnly, 8)), isCode('ERR_SWF_FORMAT'));
});

test('the decompressed size is bounded (decompression bombs) → ERR_SWF_TOO_LARGE', async () => {
  const bigFws = Buffer.concat([Buffer.from('FWS\x0a\0\0\0\0', 'latin1'), Buffer.alloc(4 << 20)]);
  const bomb = toCws(bigFws); // 4 MiB of zeros: a few KiB compressed
  assert.ok(bomb.length < 10_000);
  const maxSize = 1 << 20;
  assert.throws(() => hashSwfBytes(bomb, { maxSize }), isCode('ERR_SWF_TOO_LARGE'));
  assert.throws(() => hashSwfBytes(bigFws, { maxSize }), isCode('ERR_SWF_TOO_LARGE'));
  await assert.rejects(hashSwfStream(chunked(bomb, 512), { maxSize }), isCode('ERR_SWF_TOO_LARGE'));
  await assert.rejects(hashSwfStream(chunked(bigFws, 65536), { maxSize }), isCode('ERR_SWF_TOO_LARGE'));
  // Exactly at the bound is fine.
  const exact = bigFws.length;
  assert.equal(hashSwfBytes(bomb, { maxSize: exact }).size, exact);
  assert.equal((await hashSwfStream(chunked(bomb, 512), { maxSize: exact })).size, exact);
  assert.throws(() => hashSwfBytes(bomb, { maxSize: 3 }), isCode('ERR_SWF_ARGUMENT'));
});

test('errors of the source propagate unchanged', async () => {
  const boom = new Error('disk on fire');
  async function* failing(): AsyncGenerator<Uint8Array> {
    yield toCws(makeFws()).subarray(0, 500);
    throw boom;
  }
  await assert.rejects(hashSwfStream(failing()), (err) => err === boom);
});
