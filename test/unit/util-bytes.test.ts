import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RTMPError, RTMPProtocolError, RTMPTimeoutError, RTMPUsageError } from '../../src/errors.js';
import { ByteReader } from '../../src/util/byte-reader.js';
import { ByteWriter } from '../../src/util/byte-writer.js';

const truncated = (n: number, left: number, at: number) =>
  new RTMPProtocolError(`need ${n} have ${left} at ${at}`, { code: 'ERR_MESSAGE_TRUNCATED' });

test('ByteReader reads big-endian fields and the little-endian msid', () => {
  const r = new ByteReader(Buffer.from('01020304050607fffffe3ff000000000000039300000', 'hex'), truncated);
  assert.equal(r.u8(), 0x01);
  assert.equal(r.u16(), 0x0203);
  assert.equal(r.u24(), 0x040506);
  assert.equal(r.i24(), 0x07ffff);
  assert.equal(r.u8(), 0xfe);
  assert.equal(r.f64(), 1);
  assert.equal(r.u32le(), 12345);
  assert.equal(r.remaining, 0);
});

test('ByteReader throws the factory error on short reads, without moving', () => {
  const r = new ByteReader(Buffer.from([1, 2, 3]), truncated);
  r.u8();
  assert.throws(() => r.u32(), { code: 'ERR_MESSAGE_TRUNCATED', message: 'need 4 have 2 at 1' });
  assert.equal(r.pos, 1);
  assert.throws(() => r.bytes(0xffffffff), { code: 'ERR_MESSAGE_TRUNCATED' });
});

test('ByteReader.i24 sign-extends (FLV composition time)', () => {
  assert.equal(new ByteReader(Buffer.from('ffffff', 'hex'), truncated).i24(), -1);
  assert.equal(new ByteReader(Buffer.from('800000', 'hex'), truncated).i24(), -0x800000);
});

test('ByteReader.bytes returns a view, not a copy', () => {
  const src = Buffer.from([9, 8, 7, 6]);
  const v = new ByteReader(src, truncated, 1).bytes(2);
  src[1] = 0;
  assert.deepEqual([...v], [0, 7]);
});

test('ByteWriter grows and encodes every width', () => {
  const w = new ByteWriter(1);
  w.u8(0x1ff).u16(0x10203).u24(0xabcdef).u32(0xfffffffe).i32(-2).u32le(12345).f64(1).i16(-1);
  assert.equal(w.utf8('é'), 2);
  assert.equal(w.toBuffer().toString('hex'), 'ff0203abcdeffffffffefffffffe393000003ff0000000000000ffffc3a9');
  w.patchU16(1, 0xbeef);
  w.patchU32(3, 1);
  assert.equal(w.view().subarray(0, 7).toString('hex'), 'ffbeef00000001');
});

test('errors carry a stable code, cause and server info', () => {
  const cause = new Error('boom');
  const e = new RTMPTimeoutError('Timed out while reading packet', { cause, info: { code: 'x' } });
  assert.ok(e instanceof RTMPError);
  assert.equal(e.code, 'ERR_RTMP_TIMEOUT');
  assert.equal(e.name, 'RTMPTimeoutError');
  assert.equal(e.cause, cause);
  assert.deepEqual(e.info, { code: 'x' });
  assert.equal(new RTMPUsageError('bad', { code: 'ERR_RTMP_OPTION' }).code, 'ERR_RTMP_OPTION');
});
