/**
 * The shared free lists: a returned buffer is reused by the next take of its size
 * class; foreign buffers, second returns and another lender's buffers are ignored; the
 * free bytes never exceed the cap (which `reserve` only raises); the payload and write
 * pools are separate lenders.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FreeLists } from '../../src/util/free-lists.js';
import { allocPayload, isRecyclable, recyclePayloads } from '../../src/util/payload-pool.js';
import {
  freeWriteBytes,
  isWriteBuffer,
  returnWriteBuffer,
  takeWriteBuffer,
} from '../../src/util/write-pool.js';

const KiB = 1024;

describe('FreeLists', () => {
  it('lends a view of a whole power-of-two buffer and reuses it once it is given back', () => {
    const lists = new FreeLists(10, 20, 1024 * KiB);
    const a = lists.take(3000);
    assert.equal(a.length, 3000);
    assert.equal(a.byteOffset, 0);
    assert.equal(a.buffer.byteLength, 4096, 'the smallest power of two that holds it');
    assert.ok(lists.lends(a));
    lists.give(a);
    assert.equal(lists.lends(a), false);
    assert.equal(lists.freeBytes, 4096);
    const b = lists.take(2049);
    assert.equal(b.buffer, a.buffer, 'same class: the returned buffer');
    assert.equal(b.length, 2049);
    assert.equal(lists.freeBytes, 0);
    const c = lists.take(4096);
    assert.notEqual(c.buffer, a.buffer, 'a lent buffer is never lent twice');
    const d = lists.take(4097);
    assert.equal(d.buffer.byteLength, 8192);
  });

  it('gives the smallest class to tiny requests, including 0 and 1 bytes', () => {
    const lists = new FreeLists(10, 20, 1024 * KiB);
    for (const n of [0, 1, 2, 1024]) {
      const v = lists.take(n);
      assert.equal(v.length, n);
      assert.equal(v.buffer.byteLength, 1024, `${n} bytes`);
      assert.ok(lists.lends(v));
    }
    assert.equal(lists.take(1025).buffer.byteLength, 2048);
  });

  it('ignores foreign buffers, a second return and a view of a returned buffer', () => {
    const lists = new FreeLists(10, 20, 1024 * KiB);
    const a = lists.take(5000);
    lists.give(Buffer.alloc(5000));
    lists.give(Buffer.allocUnsafeSlow(8192));
    assert.equal(lists.freeBytes, 0, 'never lent here');
    lists.give(a.subarray(100, 200));
    assert.equal(lists.freeBytes, 8192, 'any view of a lent buffer returns the whole of it');
    lists.give(a);
    lists.give(a.subarray(10, 20));
    assert.equal(lists.freeBytes, 8192, 'returned once');
    const x = lists.take(5000);
    const y = lists.take(5000);
    assert.equal(x.buffer, a.buffer);
    assert.notEqual(y.buffer, a.buffer, 'the buffer was on the free list once');
  });

  it('holds at most its cap; a buffer beyond it is dropped, not reused', () => {
    const lists = new FreeLists(10, 20, 16 * KiB);
    const lent = Array.from({ length: 5 }, () => lists.take(4 * KiB));
    for (const v of lent) lists.give(v);
    assert.equal(lists.freeBytes, 16 * KiB, 'four of five fit');
    const again = Array.from({ length: 5 }, () => lists.take(4 * KiB).buffer);
    assert.equal(lent.filter((v) => again.includes(v.buffer)).length, 4);
    assert.ok(!again.includes(lent[4]!.buffer), 'the fifth was dropped');
    assert.equal(lists.freeBytes, 0);
  });

  it('reserve raises the cap and never lowers it', () => {
    const lists = new FreeLists(10, 20, 8 * KiB);
    lists.reserve(4 * KiB);
    const lent = Array.from({ length: 4 }, () => lists.take(4 * KiB));
    for (const v of lent) lists.give(v);
    assert.equal(lists.freeBytes, 8 * KiB, 'still 8 KiB');
    lists.reserve(32 * KiB);
    const more = Array.from({ length: 8 }, () => lists.take(4 * KiB));
    for (const v of more) lists.give(v);
    assert.equal(lists.freeBytes, 32 * KiB);
  });

  it('lends nothing above its largest class: a plain allocation of the asked size', () => {
    const lists = new FreeLists(10, 16, 1024 * KiB);
    const at = lists.take(64 * KiB);
    assert.ok(lists.lends(at), '2^16 is the largest class');
    const big = lists.take(64 * KiB + 1);
    assert.equal(big.length, 64 * KiB + 1);
    assert.equal(lists.lends(big), false);
    lists.give(big);
    assert.equal(lists.freeBytes, 0);
  });

  it("refuses another lender's buffer, even of the same classes", () => {
    const one = new FreeLists(10, 20, 1024 * KiB);
    const two = new FreeLists(10, 20, 1024 * KiB);
    const a = one.take(2000);
    assert.equal(two.lends(a), false);
    two.give(a);
    assert.equal(two.freeBytes, 0);
    assert.ok(one.lends(a), 'still lent by its own lender');
    assert.notEqual(two.take(2000).buffer, a.buffer);
    one.give(a);
    assert.equal(one.take(2000).buffer, a.buffer);
  });
});

describe('payload and write pools', () => {
  it('never take back what the other lent', () => {
    recyclePayloads([]); // from now on payloads with room are lent by the payload pool
    const payload = allocPayload(40_000, true);
    const write = takeWriteBuffer(40_000);
    assert.ok(isRecyclable(payload));
    assert.ok(isWriteBuffer(write));
    assert.equal(isWriteBuffer(payload), false);
    assert.equal(isRecyclable(write), false);
    const free = freeWriteBytes();
    returnWriteBuffer(payload);
    assert.equal(freeWriteBytes(), free, 'a payload is not a write buffer');
    assert.ok(isRecyclable(payload), 'and is still lent as a payload');
    recyclePayloads([write]);
    assert.ok(isWriteBuffer(write), 'a write buffer is not a payload');
    assert.notEqual(allocPayload(40_000, true).buffer, write.buffer);
    returnWriteBuffer(write);
    assert.equal(takeWriteBuffer(40_000).buffer, write.buffer);
    recyclePayloads([payload]);
    assert.equal(allocPayload(40_000, true).buffer, payload.buffer);
  });
});
