/**
 * ChunkReader golden vectors (test/fuzz/chunk.target.ts): every vector decodes to its
 * messages when pushed whole, byte by byte, split in two at every offset and in random
 * pieces; plus zero-copy, limits, typed errors, failed state and counters.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkReader, type ChunkReaderOptions, MAX_CHUNK_HEADER_SIZE } from '../../src/chunk/index.js';
import { ProtocolCode, UsageCode } from '../../src/error-codes.js';
import { RTMPProtocolError, RTMPUsageError } from '../../src/errors.js';
import type { RawMessage } from '../../src/message/raw-message.js';
import { CHUNK_VECTORS, type ChunkVector, hx, pat, type VectorMessage } from '../fuzz/chunk.target.js';
import { rng } from '../fuzz/engine.js';

type Plain = {
  type: number;
  streamId: number;
  timestamp: number;
  csid: number;
  payload: string;
  unwrappedTimestamp: number;
};

const plain = (msgs: readonly (RawMessage | VectorMessage)[]): Plain[] =>
  msgs.map((x) => ({
    type: x.type,
    streamId: x.streamId,
    timestamp: x.timestamp,
    csid: x.csid,
    payload: x.payload.toString('hex'),
    unwrappedTimestamp: x.unwrappedTimestamp ?? x.timestamp,
  }));

function optionsOf(v: ChunkVector): ChunkReaderOptions {
  return { chunkSize: v.chunkSize ?? 128, ...v.readerOptions };
}

function readPieces(v: ChunkVector, pieces: Buffer[]): { messages: Plain[]; reader: ChunkReader } {
  const reader = new ChunkReader(optionsOf(v));
  const out: RawMessage[] = [];
  for (const p of pieces) out.push(...reader.push(p));
  return { messages: plain(out), reader };
}

function check(v: ChunkVector, pieces: Buffer[], how: string): void {
  const { messages, reader } = readPieces(v, pieces);
  assert.deepEqual(messages, plain(v.messages), `${v.name}: ${how}`);
  const stats = reader.stats;
  for (const [k, want] of Object.entries(v.stats ?? {})) {
    assert.equal(stats[k as keyof typeof stats], want, `${v.name}: stats.${k} (${how})`);
  }
  assert.equal(stats.reservedBytes, 0, 'nothing reserved at a message boundary');
  assert.equal(reader.bytesReceived, v.bytes.length);
}

/** True if the two views share bytes. */
function aliases(a: Buffer, b: Buffer): boolean {
  return (
    a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length
  );
}

function bytewise(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i++) out.push(b.subarray(i, i + 1));
  return out;
}

describe('ChunkReader golden vectors', () => {
  for (const v of CHUNK_VECTORS) {
    describe(v.name, () => {
      it('whole', () => check(v, [v.bytes], 'whole'));
      it('byte by byte', () => check(v, bytewise(v.bytes), 'byte by byte'));
      it('split in two at every offset', () => {
        const n = v.bytes.length;
        // Every offset for small vectors; for the 150 KB one every offset in the first
        // and last 4 KiB and every 7th in between (byte-by-byte covers the rest).
        for (let i = 0; i <= n; i++) {
          if (n > 16384 && i > 4096 && i < n - 4096 && i % 7 !== 0) continue;
          check(v, [v.bytes.subarray(0, i), v.bytes.subarray(i)], `split at ${i}`);
        }
      });
      it('random pieces (copied, so no view aliases the vector)', () => {
        const next = rng(v.bytes.length + 1);
        for (let run = 0; run < 40; run++) {
          const pieces: Buffer[] = [];
          for (let at = 0; at < v.bytes.length; ) {
            const max = run % 3 === 0 ? 4 : run % 3 === 1 ? 40 : 3000;
            const n = 1 + (next() % max);
            pieces.push(Buffer.from(v.bytes.subarray(at, at + n)));
            at += n;
          }
          check(v, pieces, `random pieces run ${run}`);
        }
      });
    });
  }
});

describe('ChunkReader behaviour', () => {
  const ex1 = CHUNK_VECTORS.find((v) => v.name.startsWith('spec example 1'))!;
  const ex2 = CHUNK_VECTORS.find((v) => v.name.startsWith('spec example 2'))!;

  it('returns single-chunk messages pushed whole as views of the pushed buffer', () => {
    const input = Buffer.from(ex1.bytes);
    const msgs = new ChunkReader().push(input);
    for (const msg of msgs) assert.ok(aliases(msg.payload, input), 'zero-copy view');
    input[12] = 0xee;
    assert.equal(msgs[0]!.payload[0], 0xee, 'the view aliases the pushed bytes');
  });

  it('copies when zeroCopy is off, and multi-chunk messages always', () => {
    const input = Buffer.from(ex1.bytes);
    for (const msg of new ChunkReader({ zeroCopy: false }).push(input))
      assert.ok(!aliases(msg.payload, input));
    const input2 = Buffer.from(ex2.bytes);
    const [msg] = new ChunkReader().push(input2);
    assert.ok(!aliases(msg!.payload, input2));
    assert.equal(msg!.payload.length, 307);
  });

  it('waits on a type-3 chunk only while the buffered bytes match the expected extended timestamp', () => {
    const p = pat(6, 11);
    const head = hx('05 ffffff 000006 08 01000000 01000000', p.subarray(0, 4));
    // Bytes that cannot start the repeated value decide "payload" at once.
    const a = new ChunkReader({ chunkSize: 4 });
    a.push(head);
    assert.equal(a.push(hx('c5', p.subarray(4))).length, 1);
    assert.equal(a.stats.omittedExtendedTimestamps, 1);
    // A prefix of the repeated value waits for the 4th byte, then decides.
    const b = new ChunkReader({ chunkSize: 4 });
    b.push(head);
    assert.equal(b.push(hx('c5 01 00')).length, 0, 'undecided');
    assert.equal(b.push(hx('00 00', p.subarray(4))).length, 1);
    assert.equal(b.stats.omittedExtendedTimestamps, 0);
    // Payload that merely starts like it: decided once 4 bytes differ.
    const c = new ChunkReader({ chunkSize: 4 });
    c.push(head);
    assert.equal(c.push(hx('c5 01 00')).length, 0);
    const [msg] = c.push(hx('03 000000 000000 14 00000000'));
    assert.equal(msg!.payload.toString('hex'), `${p.subarray(0, 4).toString('hex')}0100`);
    assert.equal(c.stats.omittedExtendedTimestamps, 1);
  });

  it('carves 4–64 KiB payloads from shared slabs unless pooled is off; larger limits still work', () => {
    const p = pat(10_000, 7);
    const stream = hx(
      '02 000000 000004 01 00000000 00010000',
      '04 000000 002710 09 01000000',
      p.subarray(0, 6000),
    );
    const rest = p.subarray(6000);
    const pooled = new ChunkReader();
    pooled.push(stream);
    const [m1] = pooled.push(rest);
    assert.ok(m1!.payload.equals(p));
    assert.ok(m1!.payload.buffer.byteLength > 10_000, 'a view into a larger slab');
    const own = new ChunkReader({ pooled: false });
    own.push(stream);
    const [m2] = own.push(rest);
    assert.ok(m2!.payload.equals(p));
    assert.equal(m2!.payload.buffer.byteLength, 10_000, 'its own ArrayBuffer');
    // preallocateLimit above the slab's share: exact allocation, no slab.
    const big = pat(300_000, 9);
    const r = new ChunkReader({ preallocateLimit: 1024 * 1024 });
    r.push(hx('02 000000 000004 01 00000000 00100000'));
    r.push(hx('04 000000 0493e0 09 01000000', big.subarray(0, 1000)));
    const [m3] = r.push(big.subarray(1000));
    assert.ok(m3!.payload.equals(big));
  });

  it('holds back at most one incomplete header between pushes', () => {
    const r = new ChunkReader();
    // A type-0 header with an extended timestamp is 16 bytes; push all but its last byte.
    const b = ex2.bytes;
    assert.deepEqual(r.push(b.subarray(0, 11)), []);
    assert.ok(11 <= MAX_CHUNK_HEADER_SIZE);
    assert.equal(r.stats.chunks, 0);
    assert.deepEqual(r.push(b.subarray(11, 12)), []);
    assert.equal(r.stats.chunks, 1);
    assert.equal(plain(r.push(b.subarray(12))).length, 1);
  });

  it('accepts a plain Uint8Array', () => {
    const u8 = new Uint8Array(ex2.bytes.length);
    u8.set(ex2.bytes);
    const msgs = new ChunkReader().push(u8);
    assert.equal(msgs.length, 1);
    assert.ok(Buffer.isBuffer(msgs[0]!.payload));
    assert.ok(msgs[0]!.payload.equals(ex2.messages[0]!.payload));
  });

  it('counts every pushed byte, modulo 2^32 for bytesReceived', () => {
    const r = new ChunkReader();
    r.push(Buffer.alloc(0));
    r.push(ex1.bytes);
    assert.equal(r.bytesReceived, ex1.bytes.length);
    assert.equal(r.totalBytesReceived, ex1.bytes.length);
  });

  it('applies Set Chunk Size to the chunks after it, in both directions of size change', () => {
    const r = new ChunkReader();
    assert.equal(r.chunkSize, 128);
    r.push(hx('02 000000 000004 01 00000000 00001000'));
    assert.equal(r.chunkSize, 4096);
    r.push(hx('42 000000 000004 01 00000010'));
    assert.equal(r.chunkSize, 16);
  });

  it('rejects Set Chunk Size 0 and short ones with typed errors, then stays failed', () => {
    const r = new ChunkReader();
    const err = assert.throws(() => r.push(hx('02 000000 000004 01 00000000 00000000')), {
      name: 'RTMPProtocolError',
      code: ProtocolCode.CHUNK_INVALID_CHUNK_SIZE,
    }) as unknown;
    void err;
    const first = r.error;
    assert.ok(first instanceof RTMPProtocolError);
    assert.throws(
      () => r.push(ex1.bytes),
      (e) => e === first,
      'the same error again',
    );
    assert.throws(() => new ChunkReader().push(hx('02 000000 000003 01 00000000 001000')), {
      code: ProtocolCode.CHUNK_INVALID_CHUNK_SIZE,
    });
    // Bit 31 alone set: masked to 0 → invalid.
    assert.throws(() => new ChunkReader().push(hx('02 000000 000004 01 00000000 80000000')), {
      code: ProtocolCode.CHUNK_INVALID_CHUNK_SIZE,
    });
  });

  it('returns the messages completed before a protocol error in the same push, then fails', () => {
    // A 1-byte audio message on csid 4, then Set Chunk Size 0, in one buffer.
    const r = new ChunkReader();
    const got = r.push(hx('04 000000 000001 08 01000000 AA   02 000000 000004 01 00000000 00000000'));
    assert.equal(got.length, 1);
    assert.deepEqual([...got[0]!.payload], [0xaa]);
    assert.ok(r.error instanceof RTMPProtocolError);
    assert.equal((r.error as RTMPProtocolError).code, ProtocolCode.CHUNK_INVALID_CHUNK_SIZE);
    assert.throws(
      () => r.push(hx('c4 aa')),
      (e) => e === r.error,
    );
  });

  it('enforces maxChunkSize', () => {
    const r = new ChunkReader({ maxChunkSize: 65536 });
    r.push(hx('02 000000 000004 01 00000000 00010000'));
    assert.throws(() => r.push(hx('c2 00010001')), { code: ProtocolCode.CHUNK_CHUNK_SIZE_TOO_LARGE });
  });

  it('rejects a short Abort Message', () => {
    assert.throws(() => new ChunkReader().push(hx('02 000000 000002 02 00000000 0004')), {
      code: ProtocolCode.CHUNK_INVALID_ABORT,
    });
  });

  it('rejects a declared length above maxMessageSize before allocating', () => {
    const r = new ChunkReader({ maxMessageSize: 100 });
    assert.deepEqual(plain(r.push(hx('04 000000 000064 09 01000000', pat(100)))).length, 1);
    assert.throws(() => r.push(hx('44 000000 000065 09')), {
      name: 'RTMPProtocolError',
      code: ProtocolCode.CHUNK_MESSAGE_TOO_LARGE,
    });
    assert.equal(r.stats.reservedBytes, 0);
    // The default accepts every UI24 length.
    const d = new ChunkReader();
    d.push(hx('04 000000 ffffff 09 01000000 00'));
    assert.equal(d.stats.reservedBytes < 1024 * 1024, true);
  });

  it('limits the number of chunk streams the peer may open', () => {
    const r = new ChunkReader({ maxChunkStreams: 3 });
    r.push(
      hx('03 000000 000000 14 00000000', '04 000000 000000 14 00000000', '05 000000 000000 14 00000000'),
    );
    r.push(hx('c3 c4 c5'));
    assert.throws(() => r.push(hx('06 000000 000000 14 00000000')), {
      code: ProtocolCode.CHUNK_TOO_MANY_STREAMS,
    });
    const many = new ChunkReader();
    const parts: Buffer[] = [];
    for (let csid = 64; csid < 64 + 1025; csid++) {
      const v = csid - 64;
      parts.push(hx('01', Buffer.from([v & 0xff, v >> 8]), '000000 000000 14 00000000'));
    }
    // The 1024 messages before the limit are delivered; the reader then reports the error.
    assert.equal(many.push(Buffer.concat(parts)).length, 1024);
    assert.equal((many.error as RTMPProtocolError).code, ProtocolCode.CHUNK_TOO_MANY_STREAMS);
  });

  it('validates its options with usage errors', () => {
    for (const bad of [
      { chunkSize: 0 },
      { chunkSize: 1.5 },
      { maxChunkStreams: 70000 },
      { maxMessageSize: -1 },
    ]) {
      assert.throws(
        () => new ChunkReader(bad),
        (e) => e instanceof RTMPUsageError && e.code === UsageCode.CHUNK_INVALID_ARGUMENT,
      );
    }
    assert.throws(() => new ChunkReader({ chunkSize: 5000, maxChunkSize: 4096 }), RTMPUsageError);
  });

  it('keeps messages completed earlier in a push that fails, whole or split', () => {
    const bad = hx(ex1.bytes, '02 000000 000004 01 00000000 00000000');
    const whole = new ChunkReader();
    assert.equal(whole.push(bad).length, 4);
    assert.equal((whole.error as RTMPProtocolError).code, ProtocolCode.CHUNK_INVALID_CHUNK_SIZE);
    const split = new ChunkReader();
    assert.equal(split.push(ex1.bytes).length, 4);
    assert.throws(() => split.push(bad.subarray(ex1.bytes.length)), {
      code: ProtocolCode.CHUNK_INVALID_CHUNK_SIZE,
    });
  });

  /** A 1,000,000-byte video message in 64 KiB chunks, pushed in 10,000-byte pieces. */
  function pushLarge(r: ChunkReader, check: (reserved: number, pushed: number) => void): Buffer {
    r.push(hx('02 000000 000004 01 00000000 00010000'));
    const p = pat(1_000_000, 3);
    const parts: (string | Buffer)[] = ['04 000000 0f4240 09 01000000'];
    for (let at = 0; at < p.length; at += 65536)
      parts.push(...(at ? ['c4'] : []), p.subarray(at, at + 65536));
    const stream = hx(...parts);
    const out: RawMessage[] = [];
    for (let at = 0; at < stream.length; at += 10_000) {
      out.push(...r.push(stream.subarray(at, at + 10_000)));
      check(r.stats.reservedBytes, Math.min(stream.length, at + 10_000));
    }
    assert.equal(out.length, 1);
    assert.ok(out[0]!.payload.equals(p));
    assert.equal(r.stats.reservedBytes, 0);
    return out[0]!.payload;
  }

  it('allocates a large message once, at its length, when the rest fits the budget', () => {
    // The budget (default 4 MiB) is the bound on memory ahead of data: a 1 MB frame
    // within it gets its exact buffer at the first byte, so no byte is copied twice.
    let peak = 0;
    const payload = pushLarge(new ChunkReader(), (reserved) => {
      assert.ok(reserved <= 4 * 1024 * 1024, `reserved ${reserved}`);
      peak = Math.max(peak, reserved);
    });
    assert.ok(peak >= 1_000_000 - 10_000, `one exact allocation (peak ${peak})`);
    assert.equal(payload.buffer.byteLength, 1_000_000);
  });

  it('grows large messages proportionally to the bytes received beyond the budget', () => {
    const budget = 256 * 1024;
    let peak = 0;
    pushLarge(new ChunkReader({ maxReservedBytes: budget }), (reserved, pushed) => {
      // Ahead of the data: the budget plus ½ of the bytes received (the growth slack).
      assert.ok(reserved <= budget + pushed / 2 + 256, `reserved ${reserved} after ${pushed}`);
      if (pushed <= 20_000) assert.ok(reserved <= 64 * 1024, 'first allocation: the preallocate limit');
      peak = Math.max(peak, reserved);
    });
    assert.ok(peak > 0);
  });

  it('keeps the reservation within budget when many streams start large messages', () => {
    const r = new ChunkReader({ maxReservedBytes: 1024 * 1024 });
    const parts: Buffer[] = [];
    for (let csid = 3; csid < 3 + 60; csid++)
      parts.push(hx(Buffer.from([csid]), '000000 00f000 09 01000000', pat(10)));
    r.push(Buffer.concat(parts));
    // 60 × 61440 bytes declared: preallocating all would reserve 3.5 MiB.
    assert.ok(r.stats.reservedBytes <= 1024 * 1024 + 60 * 256, `reserved ${r.stats.reservedBytes}`);
  });
});
