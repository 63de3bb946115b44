/**
 * Resume (rtmpdump -e/-k), both sides. `findResumePoint` on hand-built files: metadata,
 * the last video keyframe (sequence headers excluded), `--skip`, where to cut, a file cut
 * inside a tag, files without keyframes, audio-only files, empty/partial/foreign files,
 * random-access reads. FlvMuxer's `resume`: the stream's copy of the keyframe found again
 * with absolute timestamps, after a restart from 0, rebased to 0 (with librtmp's 0 ms
 * copies skipped), inside an aggregate; the file's metadata not written twice; a stream
 * that passed the keyframe fails with ERR_FLV_RESUME_FAILED; and `stopAt` (--stop).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { amf0 } from '../../src/amf/index.js';
import { demuxFlv } from '../../src/flv/demuxer.js';
import { FlvMuxer, type FlvMuxerOptions, type FlvMuxInput } from '../../src/flv/muxer.js';
import { type FlvResumeAt, findResumePoint, findResumePointIn } from '../../src/flv/resume.js';
import { buildAggregate } from '../../src/message/aggregate.js';

interface T {
  type: number;
  ts: number;
  body: Buffer;
}

function tag(t: T): Buffer {
  const b = Buffer.alloc(11 + t.body.length + 4);
  b[0] = t.type;
  b.writeUIntBE(t.body.length, 1, 3);
  b.writeUIntBE(t.ts & 0xffffff, 4, 3);
  b[7] = (t.ts >>> 24) & 0xff;
  t.body.copy(b, 11);
  b.writeUInt32BE(11 + t.body.length, 11 + t.body.length);
  return b;
}

function flv(flags: number, tags: T[]): Buffer {
  return Buffer.concat([Buffer.from([0x46, 0x4c, 0x56, 1, flags, 0, 0, 0, 9, 0, 0, 0, 0]), ...tags.map(tag)]);
}

const ecma = (o: Record<string, number>) => Object.assign(Object.create(null), o);
const meta: T = { type: 18, ts: 0, body: Buffer.from(amf0.encode('onMetaData', ecma({ duration: 3.5 }))) };
const avcHeader: T = { type: 9, ts: 0, body: Buffer.from('1700000000014d401eff', 'hex') };
const aacHeader: T = { type: 8, ts: 0, body: Buffer.from('af001210', 'hex') };
const key = (ts: number, fill: number): T => ({
  type: 9,
  ts,
  body: Buffer.from([0x17, 1, 0, 0, 0, fill, fill, fill]),
});
const inter = (ts: number): T => ({ type: 9, ts, body: Buffer.from([0x27, 1, 0, 0, 0, 9, 9]) });
const audio = (ts: number): T => ({ type: 8, ts, body: Buffer.from([0xaf, 1, ts & 0xff, 3]) });

const STREAM: T[] = [
  meta,
  avcHeader,
  aacHeader,
  key(0, 1),
  audio(0),
  inter(40),
  audio(46),
  key(1000, 2),
  audio(1010),
  inter(1040),
  key(2000, 3),
  inter(2040),
  audio(2050),
];
const FILE = flv(5, STREAM);

/** Byte offset where the tag with index `i` of STREAM ends (PreviousTagSize included). */
function endOf(i: number): number {
  return 13 + STREAM.slice(0, i + 1).reduce((s, t) => s + 11 + t.body.length + 4, 0);
}

function resumeAt(file: Buffer, skip = 0): FlvResumeAt {
  const p = findResumePointIn(file, { skipKeyframes: skip });
  assert.equal(p.kind, 'resume', p.reason);
  return p as FlvResumeAt;
}

test('findResumePoint: the last video keyframe, its metadata, where to cut; reads only what it needs', () => {
  const p = resumeAt(FILE);
  assert.deepEqual(p.header, { version: 1, hasAudio: true, hasVideo: true, flags: 5, dataOffset: 9 });
  assert.deepEqual(p.metadata, { payload: meta.body, duration: 3.5, offset: 13 });
  assert.deepEqual(p.keyframe, { type: 9, timestamp: 2000, payload: key(2000, 3).body, offset: endOf(9) });
  assert.equal(p.seek, 2000);
  assert.equal(p.appendAt, endOf(10));
  assert.equal(p.tags, STREAM.length);
  assert.equal(p.completeEnd, FILE.length);
  const reads: [number, number][] = [];
  const q = findResumePoint((pos, len) => {
    reads.push([pos, len]);
    return FILE.subarray(pos, pos + len);
  }, FILE.length);
  assert.deepEqual(q, p);
  assert.ok(reads.every(([, len]) => len <= 11 + 64));
});

test('findResumePoint: --skip N goes N keyframes back; at 0 ms it starts over; too many is an error', () => {
  const p = resumeAt(FILE, 1);
  assert.equal(p.seek, 1000);
  assert.equal(p.appendAt, endOf(7));
  const q = findResumePointIn(FILE, { skipKeyframes: 2 });
  assert.equal(q.kind, 'fresh');
  assert.match(q.reason ?? '', /first frame/);
  assert.throws(() => findResumePointIn(FILE, { skipKeyframes: 3 }), {
    code: 'ERR_FLV_NO_RESUME_POINT',
    message: /only 3 video keyframes/,
  });
  assert.throws(() => findResumePointIn(FILE, { skipKeyframes: -1 }), { code: 'ERR_FLV_INVALID_ARGUMENT' });
});

test('findResumePoint: a file cut inside a tag resumes from its complete tags (rtmpdump: "corrupt file")', () => {
  const p1 = resumeAt(FILE.subarray(0, endOf(10) + 5));
  assert.equal(p1.seek, 2000);
  assert.equal(p1.completeEnd, endOf(10));
  const p2 = resumeAt(FILE.subarray(0, endOf(10) - 3));
  assert.equal(p2.seek, 1000);
  assert.equal(p2.completeEnd, endOf(9));
});

test('findResumePoint: sequence headers are no resume points; no keyframe means starting over', () => {
  const p = findResumePointIn(flv(5, [meta, avcHeader, aacHeader, inter(40), audio(46)]));
  assert.equal(p.kind, 'fresh');
  assert.match(p.reason ?? '', /no video keyframe/);
  assert.equal(p.metadata?.duration, 3.5);
  assert.equal(findResumePointIn(flv(5, [])).kind, 'fresh');
});

test('findResumePoint: audio-only files resume at the last audio tag; metadata is found anywhere', () => {
  const p = resumeAt(flv(4, [aacHeader, audio(0), audio(23), meta, audio(46)]));
  assert.equal(p.audioOnly, true);
  assert.deepEqual([p.keyframe.type, p.keyframe.timestamp], [8, 46]);
  assert.equal(p.metadata?.offset, 13 + 3 * 19);
});

test('findResumePoint: empty, partial-header and foreign files', () => {
  assert.equal(findResumePointIn(Buffer.alloc(0)).kind, 'fresh');
  assert.equal(findResumePointIn(Buffer.from('FL')).kind, 'fresh');
  assert.equal(findResumePointIn(Buffer.from('FLV\x01\x05')).kind, 'fresh');
  const bad = (b: Buffer, message: RegExp) =>
    assert.throws(() => findResumePointIn(b), { code: 'ERR_FLV_BAD_HEADER', message });
  bad(Buffer.from('<html>not a video</html>'), /not an FLV file/);
  bad(Buffer.from('<h'), /not an FLV file/);
  bad(flv(0, STREAM), /neither video nor audio/);
  const v2 = Buffer.from(FILE);
  v2[3] = 2;
  bad(v2, /version 2/);
});

// ---- the stream side: FlvMuxer's resume option

const POINT = resumeAt(FILE);
const KEY = key(2000, 3).body;
const msg = (type: number, timestamp: number, payload: Buffer): FlvMuxInput => ({ type, timestamp, payload });

function run(msgs: FlvMuxInput[], options: FlvMuxerOptions = { resume: POINT }): string[] {
  const m = new FlvMuxer(options);
  const out = Buffer.concat(msgs.flatMap((x) => m.push(x)).concat(m.end()));
  return demuxFlv(out, { header: options.resume ? 'none' : 'auto' }).map(
    (t) => `${t.type}@${t.timestamp}:${t.payload.toString('hex')}`,
  );
}
const hexOf = (t: T) => `${t.type}@${t.ts}:${t.body.toString('hex')}`;

test('resume: absolute timestamps (or a restart from 0): nothing until the keyframe, then the rest as sent', () => {
  const m = new FlvMuxer({ resume: POINT });
  assert.equal(m.lastTimestamp, 2000, 'progress starts at the resume point');
  assert.equal(m.probing, false, 'no file header when appending');
  assert.equal(m.resumed, false);
  const all = STREAM.map((t) => msg(t.type, t.ts, t.body));
  assert.deepEqual(run(all), [hexOf(inter(2040)), hexOf(audio(2050))]);
  // the file's onMetaData sent again after the keyframe is not written twice
  assert.deepEqual(run([...all, msg(18, 3000, meta.body)]), [hexOf(inter(2040)), hexOf(audio(2050))]);
});

test("resume: a server that rebases the seek point to 0 (FMS): the keyframe's offset, 0 ms copies skipped", () => {
  assert.deepEqual(
    run([
      msg(18, 0, meta.body),
      msg(9, 0, avcHeader.body), // before the keyframe: skipped
      msg(9, 0, KEY),
      msg(8, 0, audio(0).body), // a 0 ms copy after a keyframe re-sent at 0 (librtmp ignores these)
      msg(8, 10, audio(10).body),
      msg(9, 40, inter(0).body),
      msg(8, 0, audio(0).body), // once past, 0 ms is written
    ]),
    ['8@2010:af010a03', `9@2040:${inter(0).body.toString('hex')}`, '8@2000:af010003'],
  );
});

test('resume: the keyframe inside an aggregate: the records before it dropped, the rest on its timeline', () => {
  const agg = buildAggregate([
    { type: 8, timestamp: 1990, payload: audio(1990).body },
    { type: 9, timestamp: 2000, payload: KEY },
    { type: 8, timestamp: 2010, payload: audio(2010).body },
    { type: 9, timestamp: 2040, payload: inter(0).body },
  ]);
  // the aggregate comes at 0 ms: its records are rebased to 0, 10, 20, 50; the keyframe's 10 is the
  // file's 2000, so the stream's timeline is offset by 1990 from there on
  assert.deepEqual(run([msg(22, 0, agg.payload), msg(8, 50, audio(50).body)]), [
    '8@2010:af01da03',
    `9@2040:${inter(0).body.toString('hex')}`,
    '8@2040:af013203',
  ]);
});

test('resume: a stream that passes the keyframe without it fails (rtmpdump: "try --skip N+1")', () => {
  // Restamped from 0 (its first media below half the keyframe's time): no second ask.
  assert.throws(() => run([msg(9, 0, key(0, 2).body), msg(9, 3000, key(3000, 4).body)]), {
    code: 'ERR_FLV_RESUME_FAILED',
  });
  // an inter frame or a keyframe before the resume time is no proof
  const m = new FlvMuxer({ resume: POINT });
  assert.deepEqual(m.push(msg(9, 1000, key(1000, 2).body)), []);
  assert.deepEqual(m.push(msg(9, 3000, inter(3000).body)), []);
  assert.equal(m.resumed, false);
});

test('stopAt: absolute for recorded streams, from the first media tag for live ones; data is not media', () => {
  const vod = run(
    [
      msg(18, 5000, meta.body),
      msg(9, 999, inter(0).body),
      msg(8, 1000, audio(0).body),
      msg(9, 10, inter(0).body),
    ],
    {
      stopAt: 1000,
    },
  );
  assert.deepEqual(
    vod.map((s) => s.split(':')[0]),
    ['18@5000', '9@999'],
  );
  const m = new FlvMuxer({ stopAt: 1000, live: true, headerProbeLimit: 0 });
  assert.ok(m.push(msg(9, 70_000, key(0, 1).body)).length > 0);
  assert.ok(m.push(msg(8, 70_999, audio(0).body)).length > 0);
  assert.equal(m.stopped, false);
  assert.deepEqual(m.push(msg(9, 71_000, inter(0).body)), []);
  assert.equal(m.stopped, true);
  assert.deepEqual(m.push(msg(8, 71_001, audio(0).body)), [], 'nothing after the stop');
});

/** Pushes `msgs` into `m`; the codes of what it threw, and the tags it wrote. */
function pushAll(m: FlvMuxer, msgs: FlvMuxInput[]): { thrown: string[]; tags: string[] } {
  const thrown: string[] = [];
  const out: Buffer[] = [];
  for (const x of msgs) {
    try {
      out.push(...m.push(x));
    } catch (err) {
      thrown.push((err as { code: string }).code);
    }
  }
  const tags = demuxFlv(Buffer.concat(out), { header: 'none' }).map(
    (t) => `${t.type}@${t.timestamp}:${t.payload.toString('hex')}`,
  );
  return { thrown, tags };
}

test('resume against nginx-rtmp with a keyframe index: it starts at the next keyframe (ERR_FLV_RESUME_PASSED, once); after the seek 1 ms before, the keyframe and the rest as sent', () => {
  const m = new FlvMuxer({ resume: POINT });
  // play(2000): nginx lands on the keyframe of 3000 ms (file timestamps)
  const first = pushAll(m, [
    msg(18, 0, meta.body),
    msg(9, 3000, key(3000, 4).body),
    msg(8, 3010, audio(3010).body),
  ]);
  assert.deepEqual(first, { thrown: ['ERR_FLV_RESUME_PASSED'], tags: [] });
  assert.equal(m.resumed, false);
  // seek(1999): the keyframe of 2000 ms itself
  const after = pushAll(m, [msg(9, 2000, KEY), msg(9, 2040, inter(0).body), msg(8, 2050, audio(2050).body)]);
  assert.deepEqual(after, {
    thrown: [],
    tags: [`9@2040:${inter(0).body.toString('hex')}`, hexOf(audio(2050))],
  });
  assert.equal(m.resumed, true);
});

test('resume with identical keyframes (a static scene): a copy stamped later is not the file’s last one; strict after the second ask, an earlier copy is not either', () => {
  const m = new FlvMuxer({ resume: POINT });
  assert.deepEqual(pushAll(m, [msg(9, 3000, KEY)]).thrown, ['ERR_FLV_RESUME_PASSED']);
  // the server lands earlier than asked, on a copy of the keyframe (a static scene)
  const got = pushAll(m, [
    msg(9, 1000, KEY),
    msg(8, 1010, audio(1010).body),
    msg(9, 2000, KEY),
    msg(8, 2010, audio(2010).body),
  ]);
  assert.deepEqual(got, { thrown: [], tags: [hexOf(audio(2010))] });
  // a restamping server's copy (stamped 0) is still found by its bytes
  const loose = new FlvMuxer({ resume: { keyframe: { type: 9, timestamp: 2000, payload: KEY } } });
  assert.deepEqual(pushAll(loose, [msg(9, 0, KEY), msg(8, 10, audio(10).body)]).tags, ['8@2010:af010a03']);
});

test('resume: a second landing past the keyframe fails (ERR_FLV_RESUME_FAILED: "try --skip N+1")', () => {
  const m = new FlvMuxer({ resume: POINT });
  const got = pushAll(m, [
    msg(9, 3000, key(3000, 4).body),
    msg(9, 3000, key(3000, 4).body),
    msg(9, 2000, KEY),
  ]);
  assert.deepEqual(got.thrown, ['ERR_FLV_RESUME_PASSED', 'ERR_FLV_RESUME_FAILED']);
});
