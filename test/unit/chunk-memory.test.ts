/**
 * Memory bounds of ChunkReader against hostile input: a declared 0xFFFFFF-byte message
 * followed by a few bytes, Set Chunk Size 0x7FFFFFFF, and a thousand chunk streams each
 * declaring a large message, must not allocate ahead of the data beyond small bounds
 * (process.memoryUsage().arrayBuffers, with the reader kept alive while measuring).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkReader } from '../../src/chunk/index.js';
import { hx } from '../fuzz/chunk.target.js';

const MiB = 1024 * 1024;

/** Growth of ArrayBuffer memory while `fn`'s result is still referenced. */
function arrayBufferGrowth(fn: () => unknown): number {
  const before = process.memoryUsage().arrayBuffers;
  const keep = fn();
  const after = process.memoryUsage().arrayBuffers;
  assert.ok(keep !== undefined);
  return after - before;
}

describe('ChunkReader memory bounds', () => {
  it('the measurement sees a 16 MiB allocation (control)', () => {
    const grown = arrayBufferGrowth(() => Buffer.allocUnsafe(16 * MiB));
    assert.ok(grown >= 16 * MiB, `grew ${grown}`);
  });

  it('a 0xFFFFFF-byte declared length followed by a few bytes allocates < 1 MiB', () => {
    let reader!: ChunkReader;
    const grown = arrayBufferGrowth(() => {
      reader = new ChunkReader({ maxMessageSize: 16 * MiB });
      reader.push(hx('04 000000 ffffff 09 01000000', '00112233445566778899'));
      return reader;
    });
    assert.ok(grown < MiB, `grew ${grown}`);
    assert.ok(reader.stats.reservedBytes <= 64 * 1024, `reserved ${reader.stats.reservedBytes}`);
  });

  it('Set Chunk Size 0x7FFFFFFF and then a 0xFFFFFF-byte declared length allocates < 1 MiB', () => {
    let reader!: ChunkReader;
    const grown = arrayBufferGrowth(() => {
      reader = new ChunkReader({ maxMessageSize: 16 * MiB });
      reader.push(hx('02 000000 000004 01 00000000 7fffffff'));
      reader.push(hx('04 000000 ffffff 09 01000000', Buffer.alloc(1000, 0x5a)));
      return reader;
    });
    assert.equal(reader.chunkSize, 0x7fffffff);
    assert.ok(grown < MiB, `grew ${grown}`);
  });

  it('1023 chunk streams each declaring a 0xFFFFFF-byte message stay within the reservation budget', () => {
    let reader!: ChunkReader;
    // Chunk size 1, so each stream's first chunk carries one byte.
    const parts: Buffer[] = [hx('02 000000 000004 01 00000000 00000001')];
    for (let csid = 64; csid < 64 + 1023; csid++) {
      const v = csid - 64;
      parts.push(hx('01', Buffer.from([v & 0xff, v >> 8]), 'ffffff ffffff 09 01000000 01000000 ee'));
    }
    const input = Buffer.concat(parts);
    const grown = arrayBufferGrowth(() => {
      reader = new ChunkReader({ maxMessageSize: 16 * MiB });
      reader.push(input);
      return reader;
    });
    assert.equal(reader.stats.streams, 1024, 'csid 2 + 1023 streams: the default limit');
    const bound = 4 * MiB + 1024 * 257;
    assert.ok(reader.stats.reservedBytes <= bound, `reserved ${reader.stats.reservedBytes}`);
    assert.ok(grown < bound + MiB, `grew ${grown}`);
    // Preallocating the declared lengths would have needed 16 GiB; preallocating 64 KiB each, 64 MiB.
  });

  it('1023 chunk streams each declaring a 60 KiB message (the exact-preallocation path) stay within budget', () => {
    let reader!: ChunkReader;
    const parts: Buffer[] = [hx('02 000000 000004 01 00000000 00000001')];
    for (let csid = 64; csid < 64 + 1023; csid++) {
      const v = csid - 64;
      parts.push(hx('01', Buffer.from([v & 0xff, v >> 8]), '000000 00f000 09 01000000 ee'));
    }
    const input = Buffer.concat(parts);
    const grown = arrayBufferGrowth(() => {
      reader = new ChunkReader();
      reader.push(input);
      return reader;
    });
    assert.equal(reader.stats.streams, 1024, 'csid 2 + 1023 streams: the default limit');
    assert.ok(reader.stats.reservedBytes <= 4 * MiB + 1024 * 257, `reserved ${reader.stats.reservedBytes}`);
    assert.ok(grown < 6 * MiB, `grew ${grown}`);
  });
});
