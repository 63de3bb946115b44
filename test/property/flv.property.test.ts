/**
 * FLV round trips with fast-check: for random tag sequences (any type, timestamps near
 * 0xFFFFFF / 2^31 / 2^32, stream ids, filter bits, payloads of 0..~70 KB) FlvMuxer →
 * FlvDemuxer is the identity for any random split of the bytes, with and without the
 * file header, zero-copy on or off, any preallocateLimit; RTMP messages (audio, video,
 * aggregates of random records) come back as the rebased tags librtmp would write; and
 * every prefix of a stream yields a prefix of the tags, ending cleanly only at a tag
 * boundary.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RTMPProtocolError } from '../../src/errors.js';
import { FlvDemuxer, type FlvTag } from '../../src/flv/demuxer.js';
import { FlvMuxer } from '../../src/flv/muxer.js';
import { buildAggregate, splitAggregate } from '../../src/message/aggregate.js';

const RUNS = Number(process.env.PROPERTY_RUNS) || 300;

const NEAR = [0, 1, 0xfffffe, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];
const timestamp = fc.oneof(fc.constantFrom(...NEAR), fc.nat({ max: 0xffffffff }));
const payload = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 64 }) },
  { weight: 3, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 2000 }) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 60_000, max: 70_000 }).map((n) => new Uint8Array(n).fill(n & 0xff)),
  },
);
const tag = fc.record({
  type: fc.oneof(fc.constantFrom(8, 9, 18, 15), fc.integer({ min: 0, max: 31 })),
  timestamp,
  streamId: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffff })),
  filter: fc.boolean(),
  payload: payload.map((u) => Buffer.from(u)),
});

/** Cut points (sorted, within [0, len]) from random fractions. */
const cutsOf = (fractions: number[], len: number) =>
  [...new Set(fractions.map((f) => Math.floor(f * (len + 1))))].filter((c) => c <= len).sort((a, b) => a - b);

function demuxIn(stream: Buffer, cuts: number[], d: FlvDemuxer): FlvTag[] {
  const out: FlvTag[] = [];
  let at = 0;
  for (const c of [...cuts, stream.length]) {
    out.push(...d.push(stream.subarray(at, c)));
    at = c;
  }
  d.end();
  return out;
}

const view = (t: {
  type: number;
  timestamp: number;
  streamId?: number;
  filter?: boolean;
  payload: Buffer;
}) => ({
  type: t.type,
  timestamp: t.timestamp >>> 0,
  streamId: t.streamId ?? 0,
  filter: t.filter ?? false,
  payload: t.payload.toString('hex'),
});

describe('FLV properties', () => {
  it('writeTag → FlvDemuxer is the identity for any split (header or not, zero-copy or not)', () => {
    fc.assert(
      fc.property(
        fc.array(tag, { maxLength: 12 }),
        fc.boolean(),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 3000 }),
        (tags, withHeader, fractions, zeroCopy, preallocateLimit) => {
          const m = new FlvMuxer();
          const parts = withHeader ? [m.header({ audio: true, video: false })] : [];
          for (const t of tags) parts.push(...m.writeTag(t));
          const stream = Buffer.concat(parts);
          const d = new FlvDemuxer({ strict: true, zeroCopy, preallocateLimit });
          const got = demuxIn(stream, cutsOf(fractions, stream.length), d);
          assert.deepEqual(got.map(view), tags.map(view));
          // offsets: each tag header sits where the previous tag ended
          let pos = withHeader ? 13 : 0;
          for (const [i, g] of got.entries()) {
            assert.equal(g.offset, pos, `tag ${i}`);
            pos += 15 + g.payload.length;
          }
          assert.equal(d.stats.bytes, stream.length);
          assert.equal(d.header?.hasAudio, withHeader ? true : undefined);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('writeMessage → FlvDemuxer: A/V tags and aggregate records come back rebased (mod 2^32, + resume offset)', () => {
    const record = fc.record({
      type: fc.constantFrom(8, 9, 18),
      timestamp,
      payload: payload.map((u) => Buffer.from(u)),
    });
    const message = fc.oneof(
      fc.record({ type: fc.constantFrom(8, 9), timestamp, payload: payload.map((u) => Buffer.from(u)) }),
      fc
        .record({ records: fc.array(record, { minLength: 1, maxLength: 5 }), timestamp })
        .map(({ records, timestamp: ts }) => ({
          type: 22,
          timestamp: ts,
          payload: buildAggregate(records).payload,
        })),
    );
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 8 }),
        fc.constantFrom(0, 1000, 0xffffff, 0xffffffff),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        (msgs, offset, fractions) => {
          const m = new FlvMuxer({ timestampOffset: offset });
          const expected: ReturnType<typeof view>[] = [];
          const parts: Buffer[] = [];
          for (const msg of msgs) {
            parts.push(...m.writeMessage(msg));
            if (msg.type === 22) {
              for (const s of splitAggregate({
                ...msg,
                timestamp: (msg.timestamp + offset) >>> 0,
                streamId: 0,
              })) {
                expected.push(view({ ...s, payload: s.payload }));
              }
            } else if (msg.payload.length > (msg.type === 9 ? 5 : 1)) {
              expected.push(view({ ...msg, timestamp: (msg.timestamp + offset) >>> 0 }));
            }
          }
          const stream = Buffer.concat(parts);
          const got = demuxIn(stream, cutsOf(fractions, stream.length), new FlvDemuxer({ strict: true }));
          assert.deepEqual(got.map(view), expected);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('every prefix yields a prefix of the tags; end() is clean only at a boundary (or a missing final PreviousTagSize)', () => {
    fc.assert(
      fc.property(
        fc.array(tag, { minLength: 1, maxLength: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (tags, f) => {
          const m = new FlvMuxer();
          const parts = [m.header({ audio: true, video: true })];
          for (const t of tags) parts.push(...m.writeTag({ ...t, payload: t.payload.subarray(0, 300) }));
          const stream = Buffer.concat(parts);
          const len = Math.min(stream.length, Math.floor(f * (stream.length + 1)));
          const d = new FlvDemuxer();
          const got = d.push(stream.subarray(0, len));
          const ends: number[] = [];
          let pos = 13;
          for (const t of tags) {
            pos += 11 + Math.min(300, t.payload.length);
            ends.push(pos);
            pos += 4;
          }
          const complete = ends.filter((e) => e <= len).length;
          assert.equal(got.length, complete);
          const boundary = len === 0 || len === 13 || ends.some((e) => e === len || e + 4 === len);
          if (boundary) d.end();
          else
            assert.throws(
              () => d.end(),
              (e: unknown) => e instanceof RTMPProtocolError && e.code === 'ERR_FLV_TRUNCATED',
            );
        },
      ),
      { numRuns: RUNS },
    );
  });
});
