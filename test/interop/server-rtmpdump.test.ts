/**
 * The embedded server against REAL rtmpdump (librtmp) on loopback: VOD download from
 * vodDir, `--start` (play with a start offset), `--stop` then `--resume` (librtmp's
 * resume protocol), and recording a live stream that ffmpeg publishes. Tags are
 * compared with test/peers/flvcmp.py and in TypeScript. Exit codes follow rtmpdump's
 * completeness rule (rtmpdump.c `Download`): 2 unless the last timestamp reaches
 * 99.9 % of onMetaData `duration` — FFmpeg-made files set duration = last timestamp +
 * one frame, so a complete 10 s download ends at 99.8 % and exits 2, as with nginx-rtmp
 * (see session-server-real.test.ts). Every child runs bounded.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as amf0 from '../../src/amf/amf0.js';
import type { RTMPServerOptions } from '../../src/server/options.js';
import { createServer, type RTMPServer } from '../../src/server/server.js';
import { makeMedia, PEERS_DIR, requirePeers, runBounded, tempDir } from '../helpers/peers.js';
import { flvTags, type Tag } from '../unit/server-harness.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function outFile(name = 'out.flv'): string {
  const d = tempDir('rtmpkit-srv-rd-');
  dirs.push(d);
  return join(d, name);
}

async function start(options: RTMPServerOptions = {}): Promise<{ server: RTMPServer; url: string }> {
  const server = createServer(options);
  const { port } = await server.listen({ port: 0 });
  return { server, url: `rtmp://127.0.0.1:${port}` };
}

function rtmpdump(args: string[]) {
  return runBounded('rtmpdump', args, 40_000);
}

async function flvcmp(src: string, out: string): Promise<void> {
  const r = await runBounded('/usr/bin/python3', [join(PEERS_DIR, 'flvcmp.py'), src, out], 30_000);
  assert.equal(r.code, 0, `flvcmp: ${r.stdout}${r.stderr}`);
}

/** A/V tags rtmpdump writes (librtmp drops video bodies ≤ 5 bytes: the AVC end of sequence). */
const written = (tags: Tag[]) =>
  tags.filter((g) => (g.type === 9 && g.body.length > 5) || (g.type === 8 && g.body.length > 1));
const rows = (tags: Tag[]) =>
  written(tags).map((g) => `${g.type} ${g.timestamp} ${g.body.toString('base64')}`);

/** rtmpdump's completeness percent for a downloaded file: last written timestamp / onMetaData duration. */
function percentOf(file: string): number {
  const tags = flvTags(readFileSync(file));
  const meta = tags.find((g) => g.type === 18 && amf0.decode(g.body)[0] === 'onMetaData');
  const duration = Number((amf0.decode(meta!.body)[1] as Record<string, unknown>).duration);
  if (!(duration > 0)) return 100;
  return Math.trunc((written(tags).at(-1)!.timestamp / (duration * 1000)) * 1000) / 10;
}

/** The exit code rtmpdump owes for a complete download of `file`. */
function expectedExit(file: string): number {
  return percentOf(file) < 99.9 ? 2 : 0;
}

const PEERS = ['rtmpdump', '/usr/bin/python3'];

test('rtmpdump downloads a VOD file from vodDir: identical A/V tags; exit code by the 99.9 % duration rule', async (t) => {
  if (!requirePeers(t, PEERS)) return;
  const dir = makeMedia();
  const src = join(dir, 'short.flv');
  const { server, url } = await start({ vodDir: dir });
  try {
    const out = outFile();
    const r = await rtmpdump(['-r', `${url}/vod/short`, '-o', out]);
    assert.equal(r.timedOut, false, r.stderr);
    const want = expectedExit(out);
    assert.equal(r.code, want, r.stderr);
    assert.match(
      r.stderr,
      want === 0 ? /Download complete/ : /Download may be incomplete \(downloaded about 99\.8/,
    );
    await flvcmp(src, out);
    assert.deepEqual(rows(flvTags(readFileSync(out))), rows(flvTags(readFileSync(src))));
    t.diagnostic(`rtmpdump exit ${r.code} at ${percentOf(out)} %`);
  } finally {
    await server.close();
  }
});

test('rtmpdump --start 5: the file from the keyframe at 5 s, with the file’s own timestamps', async (t) => {
  if (!requirePeers(t, PEERS)) return;
  const dir = makeMedia();
  const src = join(dir, 'short.flv');
  const { server, url } = await start({ vodDir: dir });
  try {
    const out = outFile();
    const r = await rtmpdump(['-r', `${url}/vod/short`, '-A', '5', '-o', out]);
    assert.equal(r.timedOut, false, r.stderr);
    const srcTags = written(flvTags(readFileSync(src)));
    const kf = srcTags.findIndex(
      (g) => g.type === 9 && g.body[0] === 0x17 && g.body[1] === 1 && g.timestamp === 5000,
    );
    const got = written(flvTags(readFileSync(out)));
    // Sequence headers first (stamped at the start), then the tags from the keyframe on.
    assert.deepEqual(
      got.slice(0, 2).map((g) => [g.type, g.body[1]]),
      [
        [9, 0],
        [8, 0],
      ],
    );
    assert.deepEqual(rows(got.slice(2)), rows(srcTags.slice(kf)));
  } finally {
    await server.close();
  }
});

test('rtmpdump --stop 4.5 then --resume: the resumed file equals the source', async (t) => {
  if (!requirePeers(t, PEERS)) return;
  const dir = makeMedia();
  const src = join(dir, 'short.flv');
  const { server, url } = await start({ vodDir: dir });
  try {
    const out = outFile();
    const first = await rtmpdump(['-r', `${url}/vod/short`, '-B', '4.5', '-o', out]);
    assert.equal(first.code, 2, first.stderr); // stopped early: incomplete
    const partial = written(flvTags(readFileSync(out)));
    assert.ok(partial.at(-1)!.timestamp <= 4500 && partial.at(-1)!.timestamp > 4000);
    const resumed = await rtmpdump(['-r', `${url}/vod/short`, '-e', '-o', out]);
    assert.equal(resumed.timedOut, false, resumed.stderr);
    assert.doesNotMatch(resumed.stderr, /Couldn't resume|Keyframe doesn't match|ERROR/);
    assert.equal(resumed.code, expectedExit(out), resumed.stderr);
    await flvcmp(src, out);
    assert.deepEqual(rows(flvTags(readFileSync(out))), rows(flvTags(readFileSync(src))));
  } finally {
    await server.close();
  }
});

test('ffmpeg publishes, rtmpdump records the live stream (-v): identical A/V tags', async (t) => {
  if (!requirePeers(t, [...PEERS, 'ffmpeg'])) return;
  const src = join(makeMedia(), 'short.flv');
  const { server, url } = await start();
  try {
    const out = outFile('rec.flv');
    const playing = new Promise<void>((res) => server.once('play', () => res()));
    // -B bounds the recording too (play duration 60 s); the stream ends at UnpublishNotify.
    const rec = rtmpdump(['-r', `${url}/live/x`, '-v', '-B', '60', '-o', out]);
    await playing;
    const pub = await runBounded(
      'ffmpeg',
      [
        '-hide_banner',
        '-nostdin',
        '-loglevel',
        'error',
        '-i',
        src,
        '-c',
        'copy',
        '-f',
        'flv',
        `${url}/live/x`,
      ],
      40_000,
    );
    assert.equal(pub.code, 0, pub.stderr);
    const r = await rec;
    assert.equal(r.timedOut, false, r.stderr);
    assert.equal(r.code, expectedExit(out), r.stderr);
    await flvcmp(src, out);
    assert.deepEqual(rows(flvTags(readFileSync(out))), rows(flvTags(readFileSync(src))));
    t.diagnostic(`rtmpdump exit ${r.code} at ${percentOf(out)} %`);
  } finally {
    await server.close();
  }
});
