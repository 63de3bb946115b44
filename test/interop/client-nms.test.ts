/**
 * The public client against Node-Media-Server 4 (test/peers/start-nms.sh, which npm-installs
 * it into a private directory): play a live stream ffmpeg publishes (NMS sends media on
 * message stream 0 and nothing at the end of a live stream — the idle timeout ends it, as
 * with rtmpdump), and publish with rtmpkit while ffmpeg plays it back.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RTMP, RTMPTimeoutError } from '../../src/index.js';
import { freePort, makeMedia, PEERS_DIR, requirePeers, runBounded, tempDir } from '../helpers/peers.js';

const NEEDS = ['ffmpeg', 'ffprobe', 'npm', 'openssl'];
const dirs: string[] = [];
let runDir: string | undefined;
after(() => {
  if (runDir)
    execFileSync('bash', [join(PEERS_DIR, 'stop-peer.sh'), runDir], { stdio: 'ignore', timeout: 15_000 });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function startNms(): Promise<number> {
  const port = await freePort();
  runDir = tempDir('rtmpkit-nms-');
  execFileSync('bash', [join(PEERS_DIR, 'start-nms.sh'), runDir], {
    env: {
      ...process.env,
      PORT: String(port),
      TLS_PORT: String(await freePort()),
      HTTP_PORT: String(await freePort()),
    },
    stdio: 'ignore',
    timeout: 180_000,
  });
  return port;
}

test('node-media-server: play what ffmpeg publishes; publish what ffmpeg plays', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const media = makeMedia();
  let port: number;
  try {
    port = await startNms();
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    t.skip(`node-media-server could not start: ${(err as Error).message}`);
    return;
  }
  const out = tempDir('rtmpkit-nms-out-');
  dirs.push(out);
  const src = join(media, 'short.flv');

  // 1. ffmpeg publishes, rtmpkit plays.
  const url = `rtmp://127.0.0.1:${port}/live/cam`;
  const ff = runBounded(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-re', '-i', src, '-c', 'copy', '-f', 'flv', url],
    60_000,
  );
  await new Promise((r) => setTimeout(r, 1000));
  const conn = new RTMP(url, { live: true, timeout: 3 });
  await conn.connect();
  const stream = await conn.createStream();
  const parts: Buffer[] = [];
  try {
    for (;;) {
      const b = await stream.read();
      if (b.length === 0) break;
      parts.push(b);
    }
  } catch (err) {
    assert.ok(err instanceof RTMPTimeoutError, String(err));
  }
  assert.equal((await ff).code, 0);
  const played = join(out, 'played.flv');
  writeFileSync(played, Buffer.concat(parts));
  const probe = await runBounded(
    'ffprobe',
    ['-v', 'error', '-count_packets', '-show_streams', '-of', 'json', played],
    60_000,
  );
  assert.equal(probe.code, 0, probe.stderr);
  const streams = (JSON.parse(probe.stdout.toString()) as { streams: { nb_read_packets: string }[] }).streams;
  assert.equal(streams.length, 2);
  assert.ok(
    streams.every((s) => Number(s.nb_read_packets) > 100),
    JSON.stringify(streams),
  );

  // 2. rtmpkit publishes (real time, like -re), ffmpeg plays it back.
  const pubUrl = `rtmp://127.0.0.1:${port}/live/mine`;
  const got = join(out, 'got.flv');
  const reader = runBounded(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-rw_timeout',
      '5000000',
      '-i',
      pubUrl,
      '-c',
      'copy',
      '-f',
      'flv',
      '-y',
      got,
    ],
    60_000,
  );
  const pub = new RTMP(pubUrl, { publish: true, timeout: 10 });
  await pub.connect();
  const ps = await pub.createStream({ writeable: true });
  await new Promise((r) => setTimeout(r, 1500)); // let ffmpeg subscribe first
  const file = readFileSync(src);
  const step = Math.ceil(file.length / 50);
  for (let i = 0; i < file.length; i += step) {
    await ps.write(file.subarray(i, i + step));
    await new Promise((r) => setTimeout(r, 100));
  }
  await ps.close();
  await pub.close();
  const rr = await reader;
  assert.ok(rr.code === 0 || rr.code === 1, rr.stderr);
  const cmp = await runBounded('python3', [join(PEERS_DIR, 'flvcmp.py'), src, got], 60_000);
  // ffmpeg joined a live stream: compare what it received (a suffix) tag by tag.
  const lines = cmp.stdout.toString();
  assert.match(lines, /video: \w+ source=301 received=(\d+)/);
  const received = Number(/video: \w+ source=301 received=(\d+)/.exec(lines)![1]);
  assert.ok(received > 100, lines);
});
