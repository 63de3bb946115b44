/**
 * Sample tables and movie fragments from hand-built vectors: stts/ctts (v0 and v1,
 * negative offsets)/stsc/stco/co64/stsz/stz2 (4, 8, 16 bits)/stss/stps walked sample by
 * sample with the offsets, sizes, times and sync flags the spec gives; every
 * inconsistency is the typed error it should be. Fragments: tfhd defaults over trex,
 * first_sample_flags, the three base-data-offset forms, runs without data_offset, tfdt
 * present / absent, trun v1 negative offsets, unknown and unwanted tracks, the
 * maxSamples bound.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readBoxHeader } from '../../src/mp4/box.js';
import { type FragmentTrackState, parseMoof } from '../../src/mp4/fragment.js';
import {
  parseSampleTables,
  type RawSample,
  type SampleSource,
  TableCursor,
} from '../../src/mp4/sample-table.js';
import { errorCode as code } from '../helpers/errors.js';
import { box, cat, fullbox, i32, u8, u16, u32, u64 } from '../helpers/mp4-builder.js';

function all(source: SampleSource): RawSample[] {
  const out: RawSample[] = [];
  for (let s = source.next(); s; s = source.next()) out.push(s);
  return out;
}

function tables(...children: Buffer[]) {
  const stbl = box('stbl', ...children);
  return parseSampleTables(stbl, readBoxHeader(stbl, 0, stbl.length));
}

const entries = (...rows: number[][]) => [
  u32(rows.length),
  ...rows.map((r) => cat(...r.map((v) => (v < 0 ? i32(v) : u32(v))))),
];

const STTS = fullbox('stts', 0, 0, ...entries([3, 10], [2, 20]));
const STSC = fullbox('stsc', 0, 0, ...entries([1, 2, 1], [3, 1, 1]));
const STCO = fullbox('stco', 0, 0, ...entries([100], [200], [300], [400]));
const STSZ = fullbox('stsz', 0, 0, u32(0), ...entries([5], [6], [7], [8], [9]));

const row = (
  offset: number,
  size: number,
  decodeTime: number,
  duration: number,
  ctsOffset: number,
  sync: boolean,
) => ({
  offset,
  size,
  decodeTime,
  duration,
  ctsOffset,
  sync,
});

describe('progressive sample tables', () => {
  it('walks chunks, sizes, decode deltas, ctts v1 negative offsets and stss', () => {
    const t = tables(
      STTS,
      fullbox('ctts', 1, 0, ...entries([1, 20], [1, -10], [3, 0])),
      STSC,
      STCO,
      STSZ,
      fullbox('stss', 0, 0, ...entries([1], [4])),
    );
    assert.equal(t.sampleCount, 5);
    assert.equal(t.ctsShift, 10);
    assert.deepEqual(all(new TableCursor(t)), [
      row(100, 5, 0, 10, 20, true),
      row(105, 6, 10, 10, -10, false),
      row(200, 7, 20, 10, 0, false),
      row(207, 8, 30, 20, 0, true),
      row(300, 9, 50, 20, 0, false),
    ]);
  });

  it('ctts version 0 is read signed too; a short ctts leaves 0; no stss means every sample is sync', () => {
    const t = tables(STTS, fullbox('ctts', 0, 0, ...entries([2, -5])), STSC, STCO, STSZ);
    assert.equal(t.ctsShift, 5);
    const s = all(new TableCursor(t));
    assert.deepEqual(
      s.map((x) => [x.ctsOffset, x.sync]),
      [
        [-5, true],
        [-5, true],
        [0, true],
        [0, true],
        [0, true],
      ],
    );
  });

  it('stps (partial sync) adds keyframes; an empty stss is no stss', () => {
    const t = tables(
      STTS,
      STSC,
      STCO,
      STSZ,
      fullbox('stss', 0, 0, ...entries([1])),
      fullbox('stps', 0, 0, ...entries([3], [5])),
    );
    assert.deepEqual(
      all(new TableCursor(t)).map((x) => x.sync),
      [true, false, true, false, true],
    );
    const empty = tables(STTS, STSC, STCO, STSZ, fullbox('stss', 0, 0, u32(0)));
    assert.ok(all(new TableCursor(empty)).every((x) => x.sync));
  });

  it('constant stsz, stz2 with 4-, 8- and 16-bit fields, co64 beyond 4 GiB', () => {
    const co64 = fullbox('co64', 0, 0, ...[u32(4), u64(2 ** 33), u64(2 ** 33 + 100), u64(2 ** 40), u64(7)]);
    const constant = tables(STTS, STSC, co64, fullbox('stsz', 0, 0, u32(4), u32(5)));
    assert.deepEqual(
      all(new TableCursor(constant)).map((x) => [x.offset, x.size]),
      [
        [2 ** 33, 4],
        [2 ** 33 + 4, 4],
        [2 ** 33 + 100, 4],
        [2 ** 33 + 104, 4],
        [2 ** 40, 4],
      ],
    );
    const sizesOf = (bits: number, body: Buffer, count: number) =>
      all(
        new TableCursor(
          tables(STTS, STSC, STCO, fullbox('stz2', 0, 0, u8(0), u16(0), u8(bits), u32(count), body)),
        ),
      ).map((x) => x.size);
    assert.deepEqual(sizesOf(4, Buffer.from([0x12, 0x3f, 0xa0]), 5), [1, 2, 3, 15, 10]);
    assert.deepEqual(sizesOf(8, Buffer.from([1, 2, 3, 200, 255]), 5), [1, 2, 3, 200, 255]);
    assert.deepEqual(
      sizesOf(16, cat(u16(1), u16(2), u16(3), u16(0x1234), u16(0xffff)), 5),
      [1, 2, 3, 0x1234, 0xffff],
    );
  });

  it('chunks without samples are skipped', () => {
    const t = tables(
      fullbox('stts', 0, 0, ...entries([2, 1])),
      fullbox('stsc', 0, 0, ...entries([1, 1, 1], [2, 0, 1], [4, 1, 1])),
      fullbox('stco', 0, 0, ...entries([10], [20], [30], [40])),
      fullbox('stsz', 0, 0, u32(1), u32(2)),
    );
    assert.deepEqual(
      all(new TableCursor(t)).map((x) => x.offset),
      [10, 40],
    );
  });

  it('tables that run out or go backwards are ERR_MP4_BAD_TABLE, at the sample that needs them', () => {
    const walk = (...children: Buffer[]) => code(() => all(new TableCursor(tables(...children))));
    assert.equal(walk(fullbox('stts', 0, 0, ...entries([4, 10])), STSC, STCO, STSZ), 'ERR_MP4_BAD_TABLE');
    assert.equal(
      walk(STTS, STSC, fullbox('stco', 0, 0, ...entries([100], [200])), STSZ),
      'ERR_MP4_BAD_TABLE',
    );
    assert.equal(walk(STTS, fullbox('stsc', 0, 0, ...entries([2, 2, 1])), STCO, STSZ), 'ERR_MP4_BAD_TABLE');
    assert.equal(
      walk(STTS, fullbox('stsc', 0, 0, ...entries([1, 1, 1], [3, 1, 1], [2, 1, 1])), STCO, STSZ),
      'ERR_MP4_BAD_TABLE',
    );
    // samples_per_chunk 0 everywhere: the chunks run out instead of looping
    assert.equal(walk(STTS, fullbox('stsc', 0, 0, ...entries([1, 0, 1])), STCO, STSZ), 'ERR_MP4_BAD_TABLE');
    const cursor = new TableCursor(tables(fullbox('stts', 0, 0, ...entries([4, 10])), STSC, STCO, STSZ));
    assert.equal(all({ next: () => (cursor.remaining > 1 ? cursor.next() : undefined) }).length, 4);
  });

  it('bad or missing boxes are typed errors before any sample', () => {
    assert.equal(
      code(() => tables(STTS, STSC, STCO, fullbox('stz2', 0, 0, u32(12), u32(1), u16(0)))),
      'ERR_MP4_BAD_TABLE',
    );
    assert.equal(
      code(() => tables(STTS, STSC, STCO, fullbox('stz2', 0, 0, u32(8), u32(3), u16(0)))),
      'ERR_MP4_TRUNCATED',
    );
    assert.equal(
      code(() => tables(STTS, STSC, STCO, fullbox('stsz', 0, 0, u32(0), u32(1000), u32(1)))),
      'ERR_MP4_TRUNCATED',
    );
    assert.equal(
      code(() => tables(fullbox('stts', 0, 0, u32(0x20000000)), STSC, STCO, STSZ)),
      'ERR_MP4_TRUNCATED',
    );
    assert.equal(
      code(() => tables(STTS, STSC, STSZ)),
      'ERR_MP4_NO_MOVIE',
    );
    assert.equal(
      code(() => tables(STTS, STCO, STSZ)),
      'ERR_MP4_NO_MOVIE',
    );
  });
});

// --------------------------------------------------------------------------------- fragments

const NON_SYNC = 0x01010000;

function state(audio = false, trex = { duration: 0, size: 0, flags: 0 }): FragmentTrackState {
  return { audio, trex, decodeTime: 0, ctsShift: 0, samples: 0 };
}

function moof(at: number, ...trafs: Buffer[]) {
  const b = cat(Buffer.alloc(at), box('moof', fullbox('mfhd', 0, 0, u32(1)), ...trafs));
  return { buf: b, header: readBoxHeader(b, at, b.length) };
}

describe('movie fragments', () => {
  it('tfhd defaults over trex, first_sample_flags, moof-relative data, tfdt', () => {
    const s = new Map([[1, state(false, { duration: 7, size: 3, flags: NON_SYNC })]]);
    const { buf, header } = moof(
      10,
      box(
        'traf',
        fullbox('tfhd', 0, 0x020008, u32(1), u32(40)), // default-base-is-moof, default duration
        fullbox('tfdt', 1, 0, u64(1000)),
        fullbox('trun', 0, 0x000205, u32(3), i32(100), u32(0x02000000), u32(5), u32(6), u32(7)),
      ),
    );
    const runs = parseMoof(buf, header, 500, s, new Set([1]), 100);
    assert.equal(runs.length, 1);
    assert.deepEqual(all(runs[0]!.source), [
      row(610, 5, 1000, 40, 0, true),
      row(615, 6, 1040, 40, 0, false),
      row(621, 7, 1080, 40, 0, false),
    ]);
    assert.equal(s.get(1)!.decodeTime, 1120);
    assert.equal(s.get(1)!.samples, 3);
  });

  it('implicit bases: traf 2 starts where traf 1 data ended, a run without data_offset continues', () => {
    const s = new Map([
      [1, state(false, { duration: 1, size: 4, flags: 0 })],
      [2, state(true, { duration: 2, size: 2, flags: NON_SYNC })],
    ]);
    const { buf, header } = moof(
      0,
      box(
        'traf',
        fullbox('tfhd', 0, 0, u32(1)),
        fullbox('trun', 0, 0x001, u32(2), i32(200)),
        fullbox('trun', 0, 0, u32(1)),
      ),
      box('traf', fullbox('tfhd', 0, 0, u32(2)), fullbox('trun', 0, 0, u32(2))),
    );
    const runs = parseMoof(buf, header, 1000, s, new Set([1, 2]), 100);
    assert.deepEqual(
      runs.map((r) => [r.trackId, all(r.source).map((x) => [x.offset, x.decodeTime, x.sync])]),
      [
        [
          1,
          [
            [1200, 0, true],
            [1204, 1, true],
          ],
        ],
        [1, [[1208, 2, true]]],
        [
          2,
          [
            [1212, 0, true], // audio: every sample is a keyframe
            [1214, 2, true],
          ],
        ],
      ],
    );
    // no tfdt: the next fragment continues the decode times
    const next = moof(
      0,
      box('traf', fullbox('tfhd', 0, 0x020000, u32(2)), fullbox('trun', 0, 0x001, u32(1), i32(0))),
    );
    assert.equal(all(parseMoof(next.buf, next.header, 0, s, new Set([2]), 100)[0]!.source)[0]!.decodeTime, 4);
  });

  it('explicit base_data_offset; unwanted tracks still move the implicit base, unknown ones are skipped (as FFmpeg)', () => {
    const s = new Map([
      [1, state(false, { duration: 1, size: 10, flags: 0 })],
      [2, state(false, { duration: 1, size: 10, flags: 0 })],
    ]);
    const { buf, header } = moof(
      0,
      box('traf', fullbox('tfhd', 0, 0, u32(9)), fullbox('trun', 0, 0x001, u32(1), i32(50))),
      box('traf', fullbox('tfhd', 0, 0, u32(1)), fullbox('trun', 0, 0x001, u32(2), i32(50))),
      box('traf', fullbox('tfhd', 0, 0, u32(2)), fullbox('trun', 0, 0, u32(1))),
      box('traf', fullbox('tfhd', 0, 0x000001, u32(2), u64(9000)), fullbox('trun', 0, 0, u32(1))),
    );
    const runs = parseMoof(buf, header, 0, s, new Set([2]), 100);
    assert.deepEqual(
      runs.map((r) => all(r.source).map((x) => x.offset)),
      [[70], [9000]],
    );
    assert.equal(s.get(1)!.samples, 2);
  });

  it('trun v1 negative composition offsets raise the track ctsShift; sample_depends_on = 1 is not a keyframe', () => {
    const s = new Map([[1, state()]]);
    const { buf, header } = moof(
      0,
      box(
        'traf',
        fullbox('tfhd', 0, 0x020000, u32(1)),
        fullbox(
          'trun',
          1,
          0x000f01,
          u32(3),
          i32(0),
          ...[
            [10, 1, 0x02000000, 512],
            [10, 1, 0x01000000, -1024],
            [10, 1, 0x00010000, 0],
          ].map((r) => cat(u32(r[0]!), u32(r[1]!), u32(r[2]!), i32(r[3]!))),
        ),
      ),
    );
    const runs = parseMoof(buf, header, 0, s, new Set([1]), 100);
    assert.equal(runs[0]!.ctsShift, 1024);
    assert.deepEqual(
      all(runs[0]!.source).map((x) => [x.ctsOffset, x.sync]),
      [
        [512, true],
        [-1024, false],
        [0, false],
      ],
    );
  });

  it('maxSamples, overlong truns and a traf without tfhd are typed errors', () => {
    const trun = fullbox('trun', 0, 0x000200, u32(3), u32(1), u32(1), u32(1));
    const one = moof(0, box('traf', fullbox('tfhd', 0, 0x020000, u32(1)), trun));
    assert.equal(
      code(() => parseMoof(one.buf, one.header, 0, new Map([[1, state()]]), new Set([1]), 2)),
      'ERR_MP4_TOO_LARGE',
    );
    assert.equal(
      code(() => parseMoof(one.buf, one.header, 0, new Map([[1, state()]]), new Set([1]), 3)),
      'none',
    );
    // no per-sample fields: the count is bounded by maxSamples, not by bytes
    const many = moof(
      0,
      box('traf', fullbox('tfhd', 0, 0x020000, u32(1)), fullbox('trun', 0, 0, u32(0xffffffff))),
    );
    assert.equal(
      code(() => parseMoof(many.buf, many.header, 0, new Map([[1, state()]]), new Set([1]), 2 ** 27)),
      'ERR_MP4_TOO_LARGE',
    );
    const long = moof(
      0,
      box('traf', fullbox('tfhd', 0, 0x020000, u32(1)), fullbox('trun', 0, 0x000200, u32(4), u32(1))),
    );
    assert.equal(
      code(() => parseMoof(long.buf, long.header, 0, new Map([[1, state()]]), new Set([1]), 100)),
      'ERR_MP4_TRUNCATED',
    );
    const bare = moof(0, box('traf', fullbox('trun', 0, 0, u32(1))));
    assert.equal(
      code(() => parseMoof(bare.buf, bare.header, 0, new Map([[1, state()]]), new Set([1]), 100)),
      'ERR_MP4_NO_MOVIE',
    );
  });
});
