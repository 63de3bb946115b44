/**
 * `--resume` scanning (src/cli/resume.ts) on synthetic FLV files: the last video keyframe
 * (sequence headers excluded), `--skip N`, the cut position after the keyframe's tag, a
 * file cut in the middle of a tag, files without keyframes, audio-only files (last audio
 * tag), empty/missing/foreign files; and the dump TagFilter that finds the keyframe again
 * in the stream (absolute timestamps, restart from 0, rebased timestamps) and gives up
 * with rtmpdump's "try --skip N+1".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { amf0 } from '../../src/amf/index.js';
import { TagFilter } from '../../src/cli/dump.js';
import { CliError } from '../../src/cli/exit-codes.js';
import { findResumePoint } from '../../src/cli/resume.js';

const dir = mkdtempSync(join(tmpdir(), 'rtmpkit-cli-resume-'));
after(() => rmSync(dir, { recursive: true, force: true }));

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

let n = 0;
function file(bytes: Buffer): string {
  const p = join(dir, `f${n++}.flv`);
  writeFileSync(p, bytes);
  return p;
}

const meta: T = { type: 18, ts: 0, body: Buffer.from(amf0.encode('onMetaData', { duration: 3.5 })) };
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

/** Byte offset where the tag with index `i` of STREAM ends (PreviousTagSize included). */
function endOf(i: number): number {
  return 13 + STREAM.slice(0, i + 1).reduce((s, t) => s + 11 + t.body.length + 4, 0);
}

test('resumes at the last video keyframe and cuts right after its tag', () => {
  const path = file(flv(5, STREAM));
  const r = findResumePoint(path);
  assert.equal(r.kind, 'resume');
  assert.equal(r.duration, 3.5);
  assert.equal(r.tags, STREAM.length);
  assert.ok(r.metadataPayload?.equals(meta.body));
  assert.equal(r.point?.timestamp, 2000);
  assert.equal(r.point?.keyframeType, 9);
  assert.ok(r.point?.keyframePayload.equals(key(2000, 3).body));
  assert.equal(r.point?.truncateAt, endOf(10));
  assert.equal(r.point?.keyframeOffset, endOf(9));
});

test('--skip N goes N keyframes further back; ts 0 means starting over; too many is an error', () => {
  const path = file(flv(5, STREAM));
  const r1 = findResumePoint(path, 1);
  assert.equal(r1.kind, 'resume');
  assert.equal(r1.point?.timestamp, 1000);
  assert.equal(r1.point?.truncateAt, endOf(7));
  assert.equal(r1.point?.skipped, 1);
  const r2 = findResumePoint(path, 2);
  assert.equal(r2.kind, 'fresh');
  assert.match(r2.reason ?? '', /first frame/);
  assert.throws(
    () => findResumePoint(path, 3),
    (e: unknown) => e instanceof CliError && e.exitCode === 1 && /only 3/.test(e.message),
  );
});

test('a file cut in the middle of a tag resumes from the complete tags (rtmpdump: "corrupt file")', () => {
  const whole = flv(5, STREAM);
  // Cut inside the last keyframe's successor, then inside the keyframe itself.
  const cut1 = file(whole.subarray(0, endOf(10) + 5));
  const r1 = findResumePoint(cut1);
  assert.equal(r1.point?.timestamp, 2000);
  assert.equal(r1.completeEnd, endOf(10));
  const cut2 = file(whole.subarray(0, endOf(10) - 3));
  const r2 = findResumePoint(cut2);
  assert.equal(r2.point?.timestamp, 1000);
  assert.equal(r2.completeEnd, endOf(9));
});

test('AVC sequence headers are not resume points; no keyframe at all means starting over', () => {
  const path = file(flv(5, [meta, avcHeader, aacHeader, inter(40), audio(46)]));
  const r = findResumePoint(path);
  assert.equal(r.kind, 'fresh');
  assert.match(r.reason ?? '', /no video keyframe/);
  const headerOnly = findResumePoint(file(flv(5, [])));
  assert.equal(headerOnly.kind, 'fresh');
});

test('audio-only files resume at the last audio tag', () => {
  const path = file(flv(4, [meta, aacHeader, audio(0), audio(23), audio(46)]));
  const r = findResumePoint(path);
  assert.equal(r.kind, 'resume');
  assert.equal(r.audioOnly, true);
  assert.equal(r.point?.timestamp, 46);
  assert.equal(r.point?.keyframeType, 8);
});

test('missing, empty, partial-header and foreign files', () => {
  assert.equal(findResumePoint(join(dir, 'nope.flv')).kind, 'missing');
  assert.equal(findResumePoint(file(Buffer.alloc(0))).kind, 'fresh');
  assert.equal(findResumePoint(file(Buffer.from('FL'))).kind, 'fresh');
  assert.equal(findResumePoint(file(Buffer.from('FLV\x01\x05'))).kind, 'fresh');
  assert.throws(() => findResumePoint(file(Buffer.from('<html>not a video</html>'))), /not an FLV file/);
  assert.throws(() => findResumePoint(file(flv(0, STREAM))), /neither video nor audio/);
});

test('TagFilter: skips until the keyframe went by, then continues with its timestamps', () => {
  const k = key(2000, 3);
  const resume = { type: 9, payload: k.body, timestamp: 2000, skip: 0 };
  // A server that restarts from 0 with absolute timestamps (nginx-rtmp without a keyframe index).
  const f = new TagFilter({ resume, metadataPayload: meta.body });
  const decide = (t: T) => f.decide({ type: t.type, timestamp: t.ts, payload: t.body });
  for (const t of STREAM.slice(0, 10)) assert.deepEqual(decide(t), { action: 'skip' });
  assert.deepEqual(decide(k), { action: 'skip' });
  assert.equal(f.resumed, true);
  assert.deepEqual(decide(inter(2040)), { action: 'write', timestamp: 2040 });
  assert.deepEqual(decide(meta), { action: 'skip' }, 'the same onMetaData is not written twice');

  // A server that rebases the seek point to 0.
  const g = new TagFilter({ resume });
  assert.deepEqual(g.decide({ type: 18, timestamp: 0, payload: meta.body }), { action: 'skip' });
  assert.deepEqual(g.decide({ type: 9, timestamp: 0, payload: k.body }), { action: 'skip' });
  assert.deepEqual(g.decide({ type: 9, timestamp: 40, payload: inter(0).body }), {
    action: 'write',
    timestamp: 2040,
  });

  // The stream passed the keyframe's time without it.
  const h = new TagFilter({ resume: { ...resume, skip: 1 } });
  assert.deepEqual(h.decide({ type: 9, timestamp: 1000, payload: key(1000, 2).body }), { action: 'skip' });
  assert.throws(
    () => h.decide({ type: 9, timestamp: 3000, payload: key(3000, 4).body }),
    (e: unknown) => e instanceof CliError && e.message === "Couldn't resume FLV file, try --skip 2",
  );
});

test('TagFilter: --stop (absolute for recorded streams, from the first media tag for live ones)', () => {
  const vod = new TagFilter({ stopMs: 1000 });
  assert.deepEqual(vod.decide({ type: 18, timestamp: 5000, payload: meta.body }), {
    action: 'write',
    timestamp: 5000,
  });
  assert.deepEqual(vod.decide({ type: 9, timestamp: 999, payload: inter(0).body }), {
    action: 'write',
    timestamp: 999,
  });
  assert.deepEqual(vod.decide({ type: 8, timestamp: 1000, payload: audio(0).body }), { action: 'stop' });
  const live = new TagFilter({ stopMs: 1000, live: true });
  assert.deepEqual(live.decide({ type: 9, timestamp: 70_000, payload: key(0, 1).body }), {
    action: 'write',
    timestamp: 70_000,
  });
  assert.deepEqual(live.decide({ type: 8, timestamp: 70_999, payload: audio(0).body }), {
    action: 'write',
    timestamp: 70_999,
  });
  assert.deepEqual(live.decide({ type: 9, timestamp: 71_000, payload: inter(0).body }), { action: 'stop' });
});
