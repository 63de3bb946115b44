/**
 * Basic-header codec (RTMP-SPEC §5.3.1.1; hand-built vectors) and the 32-bit serial
 * arithmetic in src/util/serial.ts that chunk timestamps use (RFC 1982).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basicHeaderSize, readBasicHeader, writeBasicHeader } from '../../src/chunk/index.js';
import {
  SERIAL_HALF,
  serialAdd,
  serialDiff,
  serialGreaterThan,
  serialLessThan,
  unwrapSerial,
} from '../../src/util/serial.js';

describe('basic header', () => {
  // Hand-built vectors plus the spec's csid 365 example and the form boundaries.
  const vectors: [number, number, string][] = [
    [0, 3, '03'],
    [3, 63, 'ff'],
    [0, 64, '0000'],
    [1, 319, '40ff'],
    [0, 320, '010001'],
    [2, 365, '812d01'],
    [2, 65599, '81ffff'],
    [3, 2, 'c2'],
  ];
  for (const [fmt, csid, hex] of vectors) {
    it(`fmt ${fmt} csid ${csid} ⇄ ${hex}`, () => {
      const b = Buffer.alloc(3);
      const end = writeBasicHeader(b, 0, fmt, csid);
      assert.equal(b.subarray(0, end).toString('hex'), hex);
      assert.equal(basicHeaderSize(csid), hex.length / 2);
      assert.deepEqual(readBasicHeader(Buffer.from(hex, 'hex')), { fmt, csid, size: hex.length / 2 });
      // Any proper prefix is incomplete.
      for (let i = 0; i < hex.length / 2; i++)
        assert.equal(readBasicHeader(Buffer.from(hex, 'hex'), 0, i), undefined);
    });
  }

  it('accepts the 3-byte form for every csid ≥ 64', () => {
    for (const csid of [64, 100, 319, 320, 65599]) {
      const v = csid - 64;
      assert.deepEqual(readBasicHeader(Buffer.from([0xc1, v & 0xff, v >> 8])), { fmt: 3, csid, size: 3 });
    }
  });

  it('round-trips every csid', () => {
    const b = Buffer.alloc(3);
    for (let csid = 2; csid <= 65599; csid++) {
      const end = writeBasicHeader(b, 0, csid & 3, csid);
      assert.deepEqual(readBasicHeader(b, 0, end), { fmt: csid & 3, csid, size: end });
    }
  });
});

describe('serial arithmetic (RFC 1982, 32 bits)', () => {
  it('adds modulo 2^32', () => {
    assert.equal(serialAdd(0xfffffff0, 0x20), 0x10);
    assert.equal(serialAdd(5, -10), 0xfffffffb);
    assert.equal(serialAdd(2 ** 40 + 7, 0), 7);
  });

  it('gives the signed distance in (-2^31, 2^31]', () => {
    assert.equal(serialDiff(10000, 4000000000), 294977296);
    assert.equal(serialDiff(4000000000, 10000), -294977296);
    assert.equal(serialDiff(0x10, 0xfffffff0), 0x20);
    assert.equal(serialDiff(7, 7), 0);
    assert.equal(serialDiff(SERIAL_HALF, 0), SERIAL_HALF, 'half way counts forward');
    assert.equal(serialDiff(SERIAL_HALF + 1, 0), -(SERIAL_HALF - 1));
  });

  it('compares like RFC 1982 (undefined half-way pairs are neither)', () => {
    assert.ok(serialLessThan(4000000000, 10000));
    assert.ok(serialGreaterThan(10000, 4000000000));
    assert.ok(!serialLessThan(5, 5) && !serialGreaterThan(5, 5));
    assert.ok(!serialLessThan(0, SERIAL_HALF) && !serialGreaterThan(0, SERIAL_HALF));
    assert.ok(serialLessThan(0, SERIAL_HALF - 1));
  });

  it('unwraps across 2^32 in both directions', () => {
    let u = 0xfffffff0;
    u = unwrapSerial(u, 0x10);
    assert.equal(u, 0x1_0000_0010);
    u = unwrapSerial(u, 0xfffffff8);
    assert.equal(u, 0xfffffff8, 'a small step back across the wrap');
    assert.equal(unwrapSerial(0x5_0000_0000, 3), 0x5_0000_0003);
    assert.equal(unwrapSerial(-256, 0xffffff00), -256, 'negative unwrapped values stay consistent');
  });
});
