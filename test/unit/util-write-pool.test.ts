/**
 * The write pool: buffers lent for output come back only through `returnWriteBuffer`,
 * whole and once; the next take of the same size class reuses them; anything else
 * offered is ignored, and the free lists stay bounded.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  freeWriteBytes,
  isWriteBuffer,
  returnWriteBuffer,
  takeWriteBuffer,
} from '../../src/util/write-pool.js';

describe('write pool', () => {
  it('a returned buffer is reused by the next take of its size class, as a view of the asked length', () => {
    const a = takeWriteBuffer(40_000);
    assert.equal(a.length, 40_000);
    assert.equal(a.buffer.byteLength, 65_536, 'the power-of-two class');
    returnWriteBuffer(a);
    assert.equal(isWriteBuffer(a), false);
    const b = takeWriteBuffer(33_000);
    assert.equal(b.buffer, a.buffer);
    assert.equal(b.length, 33_000);
    const c = takeWriteBuffer(33_000);
    assert.notEqual(c.buffer, a.buffer, 'a lent buffer is never lent twice');
    returnWriteBuffer(b);
    returnWriteBuffer(c);
  });

  it('a second return, a foreign buffer and a view of a lent buffer after its return are ignored', () => {
    const before = freeWriteBytes();
    const a = takeWriteBuffer(100_000);
    returnWriteBuffer(a);
    const after = freeWriteBytes();
    returnWriteBuffer(a);
    returnWriteBuffer(a.subarray(10, 20));
    returnWriteBuffer(Buffer.alloc(100_000));
    assert.equal(freeWriteBytes(), after);
    assert.ok(after - before <= 131_072);
    const x = takeWriteBuffer(100_000);
    const y = takeWriteBuffer(100_000);
    assert.notEqual(x.buffer, y.buffer, 'the buffer was on the free list once');
    returnWriteBuffer(x);
    returnWriteBuffer(y);
  });

  it('requests above the largest class are plain allocations; the free lists hold at most 8 MiB', () => {
    const big = takeWriteBuffer(5 * 1024 * 1024);
    assert.equal(isWriteBuffer(big), false);
    const lent = Array.from({ length: 6 }, () => takeWriteBuffer(3 * 1024 * 1024));
    for (const b of lent) returnWriteBuffer(b);
    assert.ok(freeWriteBytes() <= 8 * 1024 * 1024, `${freeWriteBytes()} bytes free`);
  });
});
