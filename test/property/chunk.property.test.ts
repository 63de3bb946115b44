/**
 * Chunk layer round trips with fast-check: for random message sequences (csids in all
 * three basic-header forms, types, msids, timestamps near 0xFFFFFF and across 2^32,
 * payloads of 0..20000 bytes) and random chunk-size changes announced in-stream by Set
 * Chunk Size, ChunkWriter → ChunkReader is the identity for any random split of the
 * byte stream — also when a peer omits the extended timestamp on type-3 chunks, and
 * with zero-copy off. unwrappedTimestamp follows the per-csid RFC 1982 model.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { basicHeaderSize, ChunkReader, ChunkWriter } from '../../src/chunk/index.js';
import type { RawMessage } from '../../src/message/raw-message.js';
import { serialDiff } from '../../src/util/serial.js';
import { rng } from '../fuzz/engine.js';

const RUNS = Number(process.env.PROPERTY_RUNS) || 300;

type TsMode = { kind: 'same' } | { kind: 'step'; delta: number } | { kind: 'abs'; value: number };

type Op =
  | { kind: 'msg'; csid: number; type: number; streamId: number; ts: TsMode; size: number; seed: number }
  | { kind: 'chunkSize'; size: number };

const csid = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(2, 3, 4, 5, 6, 8, 63, 64, 65, 319, 320, 365, 65599) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 65599 }) },
);
const type = fc.constantFrom(2, 3, 4, 5, 6, 8, 8, 9, 9, 15, 17, 18, 20, 22);
const streamId = fc.constantFrom(0, 1, 1, 2, 0xffffffff);
const NEAR = [0, 1, 0xfffffe, 0xffffff, 0x1000000, 0x1000001, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];
const ts: fc.Arbitrary<TsMode> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<TsMode>({ kind: 'same' }) },
  {
    weight: 4,
    arbitrary: fc.integer({ min: 0, max: 100 }).map<TsMode>((delta) => ({ kind: 'step', delta })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(0xfffffe, 0xffffff, 0x1000000, -1, -40, 0x7fffffff)
      .map<TsMode>((delta) => ({ kind: 'step', delta })),
  },
  { weight: 2, arbitrary: fc.constantFrom(...NEAR).map<TsMode>((value) => ({ kind: 'abs', value })) },
  { weight: 1, arbitrary: fc.nat({ max: 0xffffffff }).map<TsMode>((value) => ({ kind: 'abs', value })) },
);
const size = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 12 }) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 400 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 20000 }) },
);
const chunkSize = fc.oneof(
  fc.constantFrom(1, 2, 3, 4, 7, 127, 128, 129, 4096, 65536, 0x7fffffff),
  fc.integer({ min: 1, max: 70000 }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .record({ csid, type, streamId, ts, size, seed: fc.nat({ max: 255 }) })
      .map<Op>((r) => ({ kind: 'msg', ...r })),
  },
  { weight: 1, arbitrary: chunkSize.map<Op>((s) => ({ kind: 'chunkSize', size: s })) },
);
const scenario = fc.record({
  initialChunkSize: fc.constantFrom(128, 128, 1, 4, 4096),
  ops: fc.array(op, { minLength: 1, maxLength: 40 }),
  splitSeed: fc.nat(),
  splitScale: fc.constantFrom(1, 3, 50, 1000, 70000),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

interface Built {
  /** Buffers per message as the writer produced them. */
  writes: Buffer[][];
  writer: ChunkWriter;
  expected: Required<RawMessage>[];
}

/** Runs the scenario through a ChunkWriter; returns its output and the messages a reader must yield. */
function build(s: Scenario): Built {
  const w = new ChunkWriter({ chunkSize: s.initialChunkSize });
  const last = new Map<number, { ts: number; unwrapped: number }>();
  const writes: Buffer[][] = [];
  const expected: Required<RawMessage>[] = [];
  const record = (m: RawMessage) => {
    const prev = last.get(m.csid);
    const unwrapped = prev === undefined ? m.timestamp : prev.unwrapped + serialDiff(m.timestamp, prev.ts);
    last.set(m.csid, { ts: m.timestamp, unwrapped });
    expected.push({ ...m, unwrappedTimestamp: unwrapped });
  };
  for (const o of s.ops) {
    if (o.kind === 'chunkSize') {
      writes.push(w.writeSetChunkSize(o.size));
      const payload = Buffer.allocUnsafe(4);
      payload.writeUInt32BE(o.size);
      record({ type: 1, streamId: 0, timestamp: 0, csid: 2, payload });
      continue;
    }
    const prev = last.get(o.csid)?.ts ?? 0;
    const timestamp =
      o.ts.kind === 'same' ? prev : o.ts.kind === 'step' ? (prev + o.ts.delta) >>> 0 : o.ts.value >>> 0;
    // Abort messages name a csid in 4 bytes; nothing is ever partial between whole messages.
    const payload = o.type === 2 ? pattern(4, o.seed) : pattern(o.size, o.seed);
    const m: RawMessage = { type: o.type, streamId: o.streamId, timestamp, csid: o.csid, payload };
    writes.push(w.write(m));
    record(m);
  }
  return { writes, expected, writer: w };
}

/** Drops the extended timestamp from every type-3 header (a 2009-spec / rtmpdump ≤ 2.3 peer). */
function omitType3Extended(writes: Buffer[][]): Buffer {
  const out: Buffer[] = [];
  for (const bufs of writes) {
    for (let i = 0; i < bufs.length; i++) {
      const b = bufs[i]!;
      const isHeader = i % 2 === 0;
      if (isHeader && b[0]! >>> 6 === 3) {
        const low = b[0]! & 0x3f;
        const basic = low === 0 ? 2 : low === 1 ? 3 : 1;
        out.push(b.subarray(0, basic));
      } else out.push(b);
    }
  }
  return Buffer.concat(out);
}

function split(stream: Buffer, seed: number, scale: number): Buffer[] {
  const next = rng(seed + 1);
  const pieces: Buffer[] = [];
  for (let at = 0; at < stream.length; ) {
    const n = 1 + (next() % scale);
    pieces.push(stream.subarray(at, at + n));
    at += n;
  }
  return pieces;
}

function read(
  pieces: Buffer[],
  initialChunkSize: number,
  zeroCopy = true,
): { msgs: RawMessage[]; reader: ChunkReader } {
  const reader = new ChunkReader({ chunkSize: initialChunkSize, zeroCopy });
  const msgs: RawMessage[] = [];
  for (const p of pieces) msgs.push(...reader.push(p));
  return { msgs, reader };
}

const view = (m: RawMessage) => [
  m.csid,
  m.type,
  m.streamId,
  m.timestamp,
  m.unwrappedTimestamp,
  m.payload.toString('hex'),
];

describe('chunk writer → reader round trip', () => {
  it('is the identity for any random split', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { writes, expected } = build(s);
        const stream = Buffer.concat(writes.flat());
        const { msgs, reader } = read(split(stream, s.splitSeed, s.splitScale), s.initialChunkSize);
        assert.deepEqual(msgs.map(view), expected.map(view));
        assert.equal(reader.bytesReceived, stream.length >>> 0);
        assert.equal(reader.stats.reservedBytes, 0);
        assert.equal(reader.stats.omittedExtendedTimestamps, 0);
        assert.equal(reader.stats.implicitAborts, 0);
      }),
      { numRuns: RUNS },
    );
  });

  it('is the identity when the peer omits extended timestamps on type-3 chunks', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { writes, expected, writer } = build(s);
        // A trailing message gives the last type-3 chunk's peek bytes to decide on.
        const tail: RawMessage = {
          type: 20,
          streamId: 0,
          timestamp: 0,
          csid: 3,
          payload: Buffer.from('end!'),
        };
        const flush = writer.write(tail);
        const stream = Buffer.concat([omitType3Extended(writes), ...flush]);
        const { msgs } = read(split(stream, s.splitSeed, s.splitScale), s.initialChunkSize);
        assert.deepEqual(msgs.slice(0, expected.length).map(view), expected.map(view));
        assert.equal(msgs.length, expected.length + 1);
      }),
      { numRuns: RUNS },
    );
  });

  it('gives the same messages with zero-copy off; writer output adds up to bytesWritten', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { writes, expected } = build(s);
        const stream = Buffer.concat(writes.flat());
        let total = 0;
        for (const bufs of writes) for (const b of bufs) total += b.length;
        assert.equal(total, stream.length);
        const { msgs } = read([stream], s.initialChunkSize, false);
        assert.deepEqual(msgs.map(view), expected.map(view));
        // Every header buffer starts with a basic header for its csid.
        for (const bufs of writes) {
          const h = bufs[0]!;
          const low = h[0]! & 0x3f;
          const basic = low === 0 ? 2 : low === 1 ? 3 : 1;
          const c = low >= 2 ? low : low === 0 ? h[1]! + 64 : h[1]! + h[2]! * 256 + 64;
          assert.equal(basic, basicHeaderSize(c));
        }
      }),
      { numRuns: Math.max(50, RUNS >> 2) },
    );
  });
});
