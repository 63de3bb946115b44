/**
 * Real-time publishing (src/client/pacer.ts, publish-file.ts): the pacer's delays on a
 * fake clock (origin, skip of ≤ 1 ms, re-anchoring on a jump back); `toWritable({
 * realtime: true })` takes the media's duration where `toWritable()` takes a fraction
 * of it; `publishFile` sends FLV and MP4 files whole — the embedded server's recording
 * holds every media tag — paced unless `realtime: false` (a file of large frames across
 * its reads arrives byte for byte), and stops on its signal.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { FlvDemuxer } from '../../src/flv/demuxer.js';
import { createServer, makeTestFlv, RealtimePacer, RTMP, type RTMPServer } from '../../src/index.js';
import { avc1, mp4a, progressive, samples } from '../helpers/mp4-builder.js';
import { largeFramesFlv } from '../helpers/multi-chunk-flv.js';
import { tempDir } from '../helpers/peers.js';

test('RealtimePacer: the first timestamp is the origin; later ones wait for the wall clock', () => {
  let now = 1000;
  const pacer = new RealtimePacer(() => now);
  assert.equal(pacer.delay(5000), 0); // origin
  assert.equal(pacer.delay(5040), 40);
  now += 30;
  assert.equal(pacer.delay(5040), 10);
  now += 9.5;
  assert.equal(pacer.delay(5040), 0, 'a wait of 1 ms or less is skipped');
  now += 500;
  assert.equal(pacer.delay(5100), 0, 'late media goes at once');
  assert.equal(pacer.delay(6000), 1000 - 539.5);
  // A jump back of more than a second (a loop) re-anchors rather than bursting.
  assert.equal(pacer.delay(0), 0);
  assert.equal(pacer.delay(100), 100);
  pacer.reset();
  assert.equal(pacer.delay(100_000), 0);
});

test('RealtimePacer.wait resolves early, without rejecting, when its signal aborts', async () => {
  const pacer = new RealtimePacer();
  pacer.delay(0);
  const ac = new AbortController();
  const t0 = performance.now();
  setTimeout(() => ac.abort(new Error('stop')), 30);
  await pacer.wait(10_000, ac.signal);
  assert.ok(performance.now() - t0 < 2000);
});

let server: RTMPServer;
let port: number;
let dir: string;
const recordings: string[] = [];

before(async () => {
  dir = tempDir('rtmpkit-pacer-');
  server = createServer({ record: { dir, pattern: '{name}.flv' } });
  server.on('recordStop', (info) => recordings.push(info.path));
  ({ port } = await server.listen({ port: 0, host: '127.0.0.1' }));
});
after(() => server.close());

/** Publishes with `send` on a fresh connection; returns the elapsed ms and the media tags the server recorded. */
async function publish(
  name: string,
  send: (s: Awaited<ReturnType<RTMP['createStream']>>) => Promise<unknown>,
) {
  const conn = new RTMP(`rtmp://127.0.0.1:${port}/live/${name}`, { publish: true, timeout: 10 });
  await conn.connect();
  const stream = await conn.createStream({ writeable: true });
  const stopped = once(server, 'recordStop');
  const t0 = performance.now();
  await send(stream);
  const ms = performance.now() - t0;
  await stream.close();
  await conn.close();
  await stopped;
  const file = recordings.find((p) => p.endsWith(`${name}.flv`));
  assert.ok(file, `recorded ${name}`);
  const d = new FlvDemuxer();
  const tags = d.push(readFileSync(file)).filter((t) => t.type === 8 || t.type === 9);
  return { ms, tags };
}

const FLV = makeTestFlv(2);
const flvMedia = new FlvDemuxer().push(FLV).filter((t) => t.type === 8 || t.type === 9);
const lastTs = Math.max(...flvMedia.map((t) => t.timestamp));

test('toWritable({ realtime: true }) takes the media duration; toWritable() does not wait', async () => {
  const paced = await publish('paced', (s) =>
    pipeline(Readable.from([FLV]), s.toWritable({ realtime: true })),
  );
  assert.ok(paced.ms >= lastTs - 50, `paced: ${paced.ms.toFixed(0)} ms for ${lastTs} ms of media`);
  assert.equal(paced.tags.length, flvMedia.length);
  const fast = await publish('fast', (s) => pipeline(Readable.from([FLV]), s.toWritable()));
  assert.ok(fast.ms < lastTs / 2, `unpaced: ${fast.ms.toFixed(0)} ms`);
  assert.equal(fast.tags.length, flvMedia.length);
});

test('publishFile: an FLV file, paced, every media tag recorded with its timestamp', async () => {
  const path = join(dir, 'in.flv');
  writeFileSync(path, FLV);
  let result: unknown;
  const r = await publish('file-flv', async (s) => {
    result = await s.publishFile(path);
  });
  assert.deepEqual(result, { format: 'flv', bytes: FLV.length });
  assert.ok(r.ms >= lastTs - 50, `${r.ms.toFixed(0)} ms`);
  assert.deepEqual(
    r.tags.map((t) => [t.type, t.timestamp]),
    flvMedia.map((t) => [t.type, t.timestamp]),
  );
});

test('publishFile: an MP4 file (H.264 + AAC) as fast as the socket takes it with realtime: false', async () => {
  const AVCC = Buffer.from(
    '014d400bffe10018674d400beca1423f2e0220000003002000000641e28532c001000468ce0fc8',
    'hex',
  );
  const mp4 = progressive([
    { id: 1, handler: 'vide', timescale: 90000, entry: avc1(AVCC), samples: samples(30, 40, 9000, 1) },
    {
      id: 2,
      handler: 'soun',
      timescale: 44100,
      entry: mp4a(Buffer.from('1210', 'hex'), 2, 44100),
      samples: samples(40, 12, 1024, 2),
    },
  ]);
  const path = join(dir, 'in.mp4');
  writeFileSync(path, mp4);
  let result: { format: string; bytes: number } | undefined;
  const r = await publish('file-mp4', async (s) => {
    result = await s.publishFile(path, { realtime: false });
  });
  assert.equal(result?.format, 'mp4');
  assert.ok(r.ms < 1000, `${r.ms.toFixed(0)} ms`);
  // 30 video + 40 audio samples, one configuration tag per track, the video's end of sequence.
  assert.equal(r.tags.length, 30 + 40 + 2 + 1);
  assert.ok(
    r.tags.some((t) => t.type === 9 && t.timestamp >= 29 * 100 - 1),
    'the last video sample (≈2.9 s)',
  );
});

test('publishFile, realtime: false: frames up to 2.5 MiB across its reads arrive byte for byte', async () => {
  // publishFile reads into buffers it reuses once nothing points into them; a frame whose
  // pieces the demuxer still held in a reused buffer would arrive corrupted.
  const source = largeFramesFlv();
  const path = join(dir, 'large.flv');
  writeFileSync(path, source);
  const r = await publish('file-large', (s) => s.publishFile(path, { realtime: false }));
  const sent = new FlvDemuxer().push(source).filter((t) => t.type === 8 || t.type === 9);
  assert.equal(r.tags.length, sent.length);
  r.tags.forEach((t, i) => {
    assert.equal(t.timestamp, sent[i]!.timestamp);
    assert.ok(t.payload.equals(sent[i]!.payload), `tag ${i} (${t.payload.length} bytes) arrived as sent`);
  });
});

test('publishFile stops on its signal with the signal reason', async () => {
  const path = join(dir, 'in2.flv');
  writeFileSync(path, makeTestFlv(5));
  const ac = new AbortController();
  const reason = new Error('enough');
  const t0 = performance.now();
  await publish('aborted', async (s) => {
    setTimeout(() => ac.abort(reason), 300);
    await assert.rejects(s.publishFile(path, { signal: ac.signal }), (err) => err === reason);
  });
  assert.ok(performance.now() - t0 < 3000);
});
