/**
 * ChunkWriter: golden vectors byte for byte, the header-compression rules (FFmpeg's,
 * with the nginx-rtmp-safe fmt-3 rule), extended timestamps on every type-3 chunk,
 * payload views (no copies), chunk-size changes at message boundaries, validation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkReader, ChunkWriter } from '../../src/chunk/index.js';
import { UsageCode } from '../../src/error-codes.js';
import { RTMPUsageError } from '../../src/errors.js';
import type { RawMessage } from '../../src/message/raw-message.js';
import { CHUNK_VECTORS, hx, pat } from '../fuzz/chunk.target.js';

function writeVector(w: ChunkWriter, msgs: readonly RawMessage[]): Buffer[] {
  const out: Buffer[] = [];
  for (const msg of msgs) {
    if (msg.type === 1) {
      const size = msg.payload.readUInt32BE(0);
      out.push(...w.writeSetChunkSize(size, msg.timestamp));
    } else out.push(...w.write(msg));
  }
  return out;
}

const msg = (
  csid: number,
  type: number,
  streamId: number,
  timestamp: number,
  payload: Buffer,
): RawMessage => ({
  type,
  streamId,
  timestamp,
  csid,
  payload,
});

const bytes = (bufs: Buffer[]) => Buffer.concat(bufs).toString('hex');

function aliases(a: Buffer, b: Buffer): boolean {
  return (
    a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length
  );
}

describe('ChunkWriter golden vectors', () => {
  for (const v of CHUNK_VECTORS.filter((x) => x.write)) {
    it(v.name, () => {
      const w = new ChunkWriter({ chunkSize: v.chunkSize ?? 128 });
      const out = writeVector(w, v.messages);
      assert.equal(bytes(out), v.bytes.toString('hex'));
      assert.equal(w.bytesWritten, v.bytes.length);
      // writeMany gives the same bytes.
      const w2 = new ChunkWriter({ chunkSize: v.chunkSize ?? 128 });
      if (!v.messages.some((x) => x.type === 1))
        assert.equal(bytes(w2.writeMany(v.messages)), v.bytes.toString('hex'));
    });
  }
});

describe('ChunkWriter header compression', () => {
  const p = pat(10);

  it('starts every csid with fmt 0, and uses fmt 0 when the msid changes', () => {
    const w = new ChunkWriter();
    assert.equal(bytes(w.write(msg(4, 9, 1, 100, p))).slice(0, 2), '04');
    assert.equal(bytes(w.write(msg(5, 9, 1, 100, p))).slice(0, 2), '05');
    assert.equal(bytes(w.write(msg(4, 9, 2, 110, p))).slice(0, 24), '0400006e00000a0902000000');
  });

  it('uses fmt 0 when the timestamp goes backwards, a delta when it moves forward across 2^32', () => {
    const w = new ChunkWriter();
    w.write(msg(4, 9, 1, 1000, p));
    assert.equal(bytes(w.write(msg(4, 9, 1, 999, p))).slice(0, 24), '040003e700000a0901000000');
    const x = new ChunkWriter();
    x.write(msg(4, 9, 1, 0xfffffff0, p));
    assert.equal(bytes(x.write(msg(4, 9, 1, 0x10, p))).slice(0, 8), '84000020');
  });

  it('uses fmt 1 when length or type changes, fmt 2 when only the delta differs, fmt 3 when it is equal', () => {
    const w = new ChunkWriter();
    w.write(msg(4, 9, 1, 0, p));
    assert.equal(bytes(w.write(msg(4, 9, 1, 10, pat(11)))).slice(0, 16), '4400000a00000b09');
    assert.equal(bytes(w.write(msg(4, 8, 1, 20, pat(11)))).slice(0, 16), '4400000a00000b08');
    assert.equal(bytes(w.write(msg(4, 8, 1, 35, pat(11)))).slice(0, 8), '8400000f');
    assert.equal(bytes(w.write(msg(4, 8, 1, 50, pat(11)))).slice(0, 2), 'c4');
    assert.equal(bytes(w.write(msg(4, 8, 1, 65, pat(11)))).slice(0, 2), 'c4');
  });

  it('never uses fmt 3 right after a fmt 0 with a non-zero timestamp (nginx-rtmp re-applies 0)', () => {
    const w = new ChunkWriter();
    w.write(msg(4, 8, 1, 26, p));
    assert.equal(bytes(w.write(msg(4, 8, 1, 52, p))).slice(0, 8), '8400001a', 'fmt 2, not fmt 3');
    // After a fmt 0 at timestamp 0 both readings agree, so fmt 3 is used.
    const z = new ChunkWriter();
    z.write(msg(3, 20, 0, 0, p));
    assert.equal(bytes(z.write(msg(3, 20, 0, 0, p))).slice(0, 2), 'c3');
  });

  it("does not compress an equal absolute timestamp to fmt 3 (librtmp's rule)", () => {
    const w = new ChunkWriter();
    w.write(msg(4, 9, 1, 0, p));
    w.write(msg(4, 9, 1, 40, p)); // fmt 2 delta 40
    assert.equal(bytes(w.write(msg(4, 9, 1, 40, p))).slice(0, 8), '84000000', 'fmt 2 delta 0');
  });

  it('writes timestamps modulo 2^32', () => {
    const w = new ChunkWriter();
    assert.equal(bytes(w.write(msg(3, 20, 0, 0x1_0000_0005, p))).slice(0, 8), '03000005');
    const n = new ChunkWriter();
    assert.equal(bytes(n.write(msg(3, 20, 0, -1, p))).slice(0, 32), '03ffffff00000a1400000000ffffffff');
  });
});

describe('ChunkWriter output buffers', () => {
  it('emits header buffers interleaved with payload views, reusing one continuation header', () => {
    const w = new ChunkWriter();
    const payload = pat(1000);
    const out = w.write(msg(70, 9, 1, 0x1000000, payload));
    // 8 chunks: header + 7 continuations, each followed by a view.
    assert.equal(out.length, 16);
    for (let i = 1; i < out.length; i += 2)
      assert.ok(aliases(out[i]!, payload), `buffer ${i} is a payload view`);
    for (let i = 0; i < out.length; i += 2) assert.ok(!aliases(out[i]!, payload), `buffer ${i} is a header`);
    const cont = out[2]!;
    assert.equal(cont.toString('hex'), 'c00601000000', '2-byte basic header + extended timestamp');
    for (let i = 2; i < out.length; i += 2) assert.equal(out[i], cont, 'the same continuation Buffer');
    assert.equal(out[0]!.toString('hex'), '0006ffffff0003e80901000000' + '01000000');
    // The continuation header is cached per csid while its bytes stay the same, and a
    // fmt-3 message start is that same header.
    const second = w.write(msg(70, 9, 1, 0x2000000, payload));
    assert.equal(second[0]!.toString('hex'), '8006ffffff01000000', 'fmt 2 after a non-zero fmt 0');
    assert.equal(second[2], cont);
    const third = w.write(msg(70, 9, 1, 0x3000000, payload));
    assert.equal(third[0], cont, 'fmt 3 start with the same extended delta');
    assert.equal(third.length, 16);
  });

  it('passes a single-chunk payload through as is', () => {
    const w = new ChunkWriter();
    const payload = pat(128);
    const out = w.write(msg(3, 20, 0, 0, payload));
    assert.equal(out.length, 2);
    assert.equal(out[1], payload);
    assert.deepEqual(
      w.write(msg(3, 20, 0, 0, Buffer.alloc(0))).map((b) => b.toString('hex')),
      ['4300000000000014'],
      'an empty message is only a header',
    );
  });

  it('applies a chunk size change from the next message; writeSetChunkSize chunks itself with the old size', () => {
    const w = new ChunkWriter({ chunkSize: 1 });
    const scs = w.writeSetChunkSize(4096);
    assert.equal(bytes(scs), '020000000000040100000000' + '00c200c210c200');
    assert.equal(w.chunkSize, 4096);
    const out = w.write(msg(4, 9, 1, 0, pat(4096)));
    assert.equal(out.length, 2, 'one chunk at the new size');
    w.setChunkSize(100);
    assert.equal(w.write(msg(4, 9, 1, 0, pat(250))).length, 6);
  });

  it('round-trips through ChunkReader at awkward chunk sizes and csids', () => {
    for (const size of [1, 2, 3, 7, 127, 128, 129, 4095, 65536]) {
      const w = new ChunkWriter({ chunkSize: size });
      const r = new ChunkReader({ chunkSize: size });
      const msgs = [
        msg(2, 4, 0, 0, pat(6)),
        msg(64, 9, 1, 0xfffffe, pat(300, 1)),
        msg(65599, 8, 1, 0xffffff, pat(5, 2)),
        msg(320, 18, 1, 0x1000000, pat(0)),
        msg(64, 9, 1, 0x2000000, pat(300, 3)),
        msg(64, 9, 1, 0x3000000, pat(300, 4)),
        msg(64, 9, 1, 0x4000000, pat(301, 5)),
      ];
      const got = r.push(Buffer.concat(w.writeMany(msgs)));
      assert.deepEqual(
        got.map((m) => [m.csid, m.type, m.streamId, m.timestamp, m.payload.toString('hex')]),
        msgs.map((m) => [m.csid, m.type, m.streamId, m.timestamp, m.payload.toString('hex')]),
        `chunk size ${size}`,
      );
      assert.equal(r.stats.omittedExtendedTimestamps, 0);
    }
  });

  it('encodes Set Chunk Size 4096 on csid 2 as hand-built', () => {
    assert.equal(
      bytes(new ChunkWriter().writeSetChunkSize(4096)),
      hx('02 000000 000004 01 00000000 00001000').toString('hex'),
    );
  });
});

describe('ChunkWriter validation', () => {
  const bad: [string, RawMessage][] = [
    ['csid 1', msg(1, 9, 1, 0, pat(1))],
    ['csid 65600', msg(65600, 9, 1, 0, pat(1))],
    ['csid 3.5', msg(3.5, 9, 1, 0, pat(1))],
    ['type 256', msg(3, 256, 1, 0, pat(1))],
    ['msid -1', msg(3, 9, -1, 0, pat(1))],
    ['msid 2^32', msg(3, 9, 2 ** 32, 0, pat(1))],
  ];
  for (const [name, m] of bad) {
    it(`rejects ${name} with a usage error`, () => {
      assert.throws(
        () => new ChunkWriter().write(m),
        (e) => e instanceof RTMPUsageError && e.code === UsageCode.CHUNK_INVALID_ARGUMENT,
      );
    });
  }

  it('rejects payloads over 0xFFFFFF bytes and bad chunk sizes', () => {
    assert.throws(
      () => new ChunkWriter().write(msg(3, 9, 1, 0, Buffer.allocUnsafe(0x1000000))),
      RTMPUsageError,
    );
    for (const size of [0, -1, 1.5, 0x80000000]) {
      assert.throws(() => new ChunkWriter({ chunkSize: size }), RTMPUsageError);
      assert.throws(() => new ChunkWriter().setChunkSize(size), RTMPUsageError);
      assert.throws(() => new ChunkWriter().writeSetChunkSize(size), RTMPUsageError);
    }
    assert.equal(new ChunkWriter({ chunkSize: 0x7fffffff }).chunkSize, 0x7fffffff);
  });
});
