/**
 * Resume (rtmpdump -e; notes/librtmp-parity.md §4.17): `findResumePoint` on hand-built
 * files (metadata, last video keyframe, audio-only, --skip, restart at 0 ms, corrupt
 * PreviousTagSize chains) and FlvMuxer's `resume` matching (metadata compare, re-sent
 * keyframe skipped plain or inside an aggregate, 0 ms copies ignored, the 50-frame limit).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { amf0 } from '../../src/amf/index.js';
import { demuxFlv } from '../../src/flv/demuxer.js';
import { FlvMuxer, type FlvMuxInput } from '../../src/flv/muxer.js';
import { type FlvResumePoint, findResumePoint, findResumePointIn } from '../../src/flv/resume.js';
import { buildAggregate } from '../../src/message/aggregate.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ecma = (o: Record<string, number>) => Object.assign(Object.create(null), o);
const META = amf0.encode('onMetaData', ecma({ duration: 12.5, width: 320 }));
const KEY1 = hex('17 01 000000 AAAA');
const KEY2 = hex('17 01 000000 BBBB');
const INTER = hex('27 01 000000 CCCC');
const AUD = hex('AF 01 DD');

function file(flags: number, tags: { type: number; timestamp: number; payload: Buffer }[]): Buffer {
  const m = new FlvMuxer();
  return Buffer.concat([
    m.header({ audio: (flags & 4) !== 0, video: (flags & 1) !== 0 }),
    ...tags.flatMap((t) => m.writeTag(t)),
  ]);
}

const FILE = file(5, [
  { type: 18, timestamp: 0, payload: META },
  { type: 9, timestamp: 0, payload: KEY1 },
  { type: 8, timestamp: 0, payload: AUD },
  { type: 9, timestamp: 2000, payload: KEY2 },
  { type: 8, timestamp: 2010, payload: AUD },
  { type: 9, timestamp: 2033, payload: INTER },
]);

test('findResumePoint: metadata, the last video keyframe, where to append', () => {
  const p = findResumePointIn(FILE)!;
  const tags = demuxFlv(FILE);
  assert.deepEqual(p.header, { version: 1, hasAudio: true, hasVideo: true, flags: 5, dataOffset: 9 });
  assert.deepEqual(p.metadata, { payload: META, duration: 12.5, offset: 13 });
  assert.deepEqual(p.keyframe, { type: 9, timestamp: 2000, payload: KEY2, offset: tags[3]!.offset });
  assert.equal(p.seek, 2000);
  assert.equal(p.appendAt, tags[4]!.offset);
  assert.equal(p.restart, false);
  // the random-access form reads only what it needs
  const reads: [number, number][] = [];
  const q = findResumePoint((pos, len) => {
    reads.push([pos, len]);
    return FILE.subarray(pos, pos + len);
  }, FILE.length);
  assert.deepEqual(q, p);
  assert.ok(reads.every(([, len]) => len <= 64));
});

test('findResumePoint: --skip steps back a keyframe more; at 0 ms it says restart', () => {
  const p = findResumePointIn(FILE, { skipKeyframes: 1 })!;
  assert.equal(p.keyframe.timestamp, 0);
  assert.deepEqual(p.keyframe.payload, KEY1);
  assert.equal(p.restart, true);
  assert.throws(() => findResumePointIn(FILE, { skipKeyframes: 2 }), { code: 'ERR_FLV_NO_RESUME_POINT' });
});

test('findResumePoint: audio-only files resume at the last audio tag', () => {
  const a = file(4, [
    { type: 8, timestamp: 0, payload: AUD },
    { type: 8, timestamp: 23, payload: hex('AF01EE') },
    { type: 18, timestamp: 30, payload: META },
  ]);
  const p = findResumePointIn(a)!;
  assert.deepEqual(
    [p.keyframe.type, p.keyframe.timestamp, p.keyframe.payload.toString('hex')],
    [8, 23, 'af01ee'],
  );
  assert.equal(p.metadata!.offset, 13 + 2 * 18); // the forward scan finds onMetaData wherever it is
});

test('findResumePoint: rejected files', () => {
  assert.equal(findResumePointIn(Buffer.alloc(0)), undefined);
  assert.throws(() => findResumePointIn(FILE.subarray(0, 10)), { code: 'ERR_FLV_TRUNCATED' });
  assert.throws(() => findResumePointIn(hex('464C5602 05 00000009 00000000')), {
    code: 'ERR_FLV_BAD_HEADER',
  });
  assert.throws(() => findResumePointIn(hex('464C5601 00 00000009 00000000')), {
    code: 'ERR_FLV_BAD_HEADER',
  });
  // cut inside a tag: the last 4 bytes are no PreviousTagSize
  assert.throws(() => findResumePointIn(FILE.subarray(0, FILE.length - 3)), {
    code: 'ERR_FLV_NO_RESUME_POINT',
  });
  // no keyframe at all
  const noKey = file(1, [{ type: 9, timestamp: 0, payload: INTER }]);
  assert.throws(() => findResumePointIn(noKey), { code: 'ERR_FLV_NO_RESUME_POINT' });
  assert.throws(() => findResumePointIn(FILE, { skipKeyframes: -1 }), { code: 'ERR_FLV_INVALID_ARGUMENT' });
});

// ---- FlvMuxer resume matching (librtmp Read_1_Packet RESUME branch)

const POINT = findResumePointIn(FILE)!;
const msg = (type: number, timestamp: number, payload: Buffer): FlvMuxInput => ({ type, timestamp, payload });
const run = (msgs: FlvMuxInput[], point: FlvResumePoint = POINT) => {
  const m = new FlvMuxer({ resume: point });
  const tags = demuxFlv(Buffer.concat(msgs.flatMap((x) => m.push(x)).concat(m.end())), { header: 'none' });
  return tags.map((t) => `${t.type}@${t.timestamp}:${t.payload.toString('hex')}`);
};

test('resume: the re-sent metadata and keyframe are skipped, 0 ms copies ignored, the rest offset by the seek', () => {
  assert.deepEqual(
    run([
      msg(18, 0, META),
      msg(9, 0, hex('1700000000 0102')), // sequence header at 0 ms: before the keyframe → ignored (counted)
      msg(9, 0, KEY2),
      msg(8, 0, AUD), // 0 ms after the keyframe: ignored until the first later message
      msg(8, 10, AUD),
      msg(9, 33, INTER),
      msg(8, 0, AUD), // once past, 0 ms is written
    ]),
    [`8@2010:af01dd`, `9@2033:${INTER.toString('hex')}`, `8@2000:af01dd`],
  );
  // no header is written, lastTimestamp starts at the seek
  const m = new FlvMuxer({ resume: POINT });
  assert.equal(m.lastTimestamp, 2000);
  assert.equal(m.probing, false);
});

test('resume: a different onMetaData at 0 ms is fatal; later ones are fine', () => {
  const other = amf0.encode('onMetaData', ecma({ duration: 99 }));
  assert.throws(() => run([msg(18, 0, other)]), { code: 'ERR_FLV_RESUME_FAILED' });
  assert.deepEqual(run([msg(9, 0, KEY2), msg(8, 5, AUD), msg(18, 7, other)]).length, 2);
});

test('resume: more than 50 messages before the keyframe is fatal (MAX_IGNORED_FRAMES)', () => {
  const before = Array.from({ length: 50 }, (_, i) => (i % 2 ? msg(9, 0, INTER) : msg(8, 0, AUD)));
  assert.deepEqual(run([...before, msg(9, 0, KEY2), msg(8, 1, AUD)]), ['8@2001:af01dd']);
  assert.throws(() => run([...before, msg(8, 0, AUD)]), { code: 'ERR_FLV_RESUME_FAILED' });
  // non-zero timestamps before the keyframe count too
  assert.throws(() => run(Array.from({ length: 51 }, (_, i) => msg(8, i + 1, AUD))), {
    code: 'ERR_FLV_RESUME_FAILED',
  });
});

test('resume: the keyframe inside an aggregate (at the resume timestamp) is cut off with what precedes it', () => {
  const agg = buildAggregate([
    { type: 8, timestamp: 1990, payload: AUD },
    { type: 9, timestamp: 2000, payload: KEY2 },
    { type: 8, timestamp: 2010, payload: AUD },
    { type: 9, timestamp: 2033, payload: INTER },
  ]);
  // the records after the keyframe keep their recorded timestamps (librtmp: 0 − 2010 + 2000 → 2000, 2023)
  assert.deepEqual(run([msg(22, 0, agg.payload), msg(8, 50, AUD)]), [
    '8@2010:af01dd',
    `9@2033:${INTER.toString('hex')}`,
    '8@2050:af01dd',
  ]);
  // a different keyframe at the resume timestamp is fatal
  const wrong = buildAggregate([{ type: 9, timestamp: 2000, payload: KEY1 }]);
  assert.throws(() => run([msg(22, 0, wrong.payload)]), { code: 'ERR_FLV_RESUME_FAILED' });
  // no keyframe record yet (all earlier): ignored; a later-only aggregate stops the search: ignored
  const early = buildAggregate([{ type: 9, timestamp: 1500, payload: INTER }]);
  const late = buildAggregate([{ type: 9, timestamp: 2500, payload: INTER }]);
  assert.deepEqual(run([msg(22, 0, early.payload), msg(22, 0, late.payload)]), []);
});

test('resume: without a keyframe payload there is no matching, only the offset (librtmp sets RESUME only then)', () => {
  const point = { ...POINT, keyframe: { ...POINT.keyframe, payload: Buffer.alloc(0) } };
  assert.deepEqual(run([msg(8, 0, AUD)], point), ['8@2000:af01dd']);
  assert.throws(() => new FlvMuxer({ resume: POINT, timestampOffset: 1 }), {
    code: 'ERR_FLV_INVALID_ARGUMENT',
  });
});
