/**
 * The built-in test media (`makeTestFlv`, what `rtmpkit demo` serves without FFmpeg)
 * checked by REAL decoders and clients: ffprobe reads every packet and ffmpeg decodes
 * every frame without a single error message; rtmpdump downloads it from the server
 * (exit 0: its onMetaData duration satisfies rtmpdump's 99.9 % rule) with identical
 * tags; ffmpeg plays it from the server and decodes it cleanly. Every child runs bounded.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createServer } from '../../src/server/server.js';
import { makeTestFlv } from '../../src/server/test-media.js';
import { PEERS_DIR, requirePeers, runBounded, tempDir } from '../helpers/peers.js';
import { flvTags } from '../unit/server-harness.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function file(name: string, bytes?: Buffer): string {
  const d = tempDir('rtmpkit-srv-tm-');
  dirs.push(d);
  const p = join(d, name);
  if (bytes) writeFileSync(p, bytes);
  return p;
}

/** ffmpeg decodes every frame of `input`: exit 0 and nothing on stderr at -v error. */
async function assertDecodes(input: string): Promise<void> {
  const r = await runBounded(
    'ffmpeg',
    ['-hide_banner', '-nostdin', '-v', 'error', '-i', input, '-f', 'null', '-'],
    60_000,
  );
  assert.equal(r.timedOut, false);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'no decoder errors or warnings');
}

test('ffprobe and ffmpeg read and decode makeTestFlv() without errors', async (t) => {
  if (!requirePeers(t, ['ffmpeg', 'ffprobe'])) return;
  const path = file('test.flv', makeTestFlv(10));
  const probe = await runBounded('ffprobe', ['-v', 'error', '-show_packets', '-of', 'csv=p=0', path], 30_000);
  assert.equal(probe.code, 0, probe.stderr);
  assert.equal(probe.stderr, '');
  const lines = probe.stdout.toString().trim().split('\n');
  assert.equal(lines.filter((l) => l.startsWith('video')).length, 100);
  assert.equal(lines.filter((l) => l.startsWith('audio')).length, Math.ceil((10 * 44100) / 1024));
  const streams = await runBounded(
    'ffprobe',
    [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name,profile,width,height,sample_rate,channels',
      '-of',
      'csv=p=0',
      path,
    ],
    30_000,
  );
  assert.deepEqual(streams.stdout.toString().trim().split('\n').sort(), [
    'aac,LC,44100,2',
    'h264,Constrained Baseline,160,90',
  ]);
  await assertDecodes(path);
  // The decoded audio is digital silence.
  const pcm = await runBounded(
    'ffmpeg',
    ['-hide_banner', '-nostdin', '-v', 'error', '-i', path, '-map', '0:a', '-f', 's16le', '-'],
    30_000,
  );
  assert.equal(pcm.code, 0, pcm.stderr);
  assert.ok(pcm.stdout.length > 4 * 44100 * 9, 'about 10 s of stereo samples');
  assert.ok(pcm.stdout.every((b) => b === 0));
});

test('rtmpdump downloads the test media from the server: exit 0, identical tags, decodable', async (t) => {
  if (!requirePeers(t, ['rtmpdump', 'ffmpeg', '/usr/bin/python3'])) return;
  const media = makeTestFlv(5);
  const src = file('test.flv', media);
  const server = createServer({ vodFiles: { test: media } });
  const { port } = await server.listen({ port: 0 });
  try {
    const out = file('out.flv');
    const r = await runBounded('rtmpdump', ['-r', `rtmp://127.0.0.1:${port}/vod/test`, '-o', out], 30_000);
    assert.equal(r.timedOut, false, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Download complete/);
    const cmp = await runBounded('/usr/bin/python3', [join(PEERS_DIR, 'flvcmp.py'), src, out], 30_000);
    assert.equal(cmp.code, 0, cmp.stdout.toString());
    const av = (b: Buffer) =>
      flvTags(b)
        .filter((g) => g.type !== 18)
        .map((g) => `${g.type} ${g.timestamp} ${g.body.toString('hex')}`);
    assert.deepEqual(av(readFileSync(out)), av(media));
    await assertDecodes(out);
  } finally {
    await server.close();
  }
});

test('ffmpeg plays the test media from the server and decodes it cleanly', async (t) => {
  if (!requirePeers(t, ['ffmpeg'])) return;
  const server = createServer({ vodFiles: { test: makeTestFlv(3) } });
  const { port } = await server.listen({ port: 0 });
  try {
    await assertDecodes(`rtmp://127.0.0.1:${port}/vod/test`);
  } finally {
    await server.close();
  }
});
