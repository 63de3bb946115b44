/**
 * `rtmpkit probe --live --seconds N` on a live stream that goes on: the binary, run as a
 * user runs it, stops after its window (a monitoring script's probe of a 24/7 stream
 * must return), and reports what arrived in it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createServer, makeTestFlv, RTMP, type RTMPServer } from '../../src/index.js';
import { runBounded, tempDir } from '../helpers/peers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

describe('rtmpkit probe --live: the window ends the probe', { timeout: 120_000 }, () => {
  let server: RTMPServer;
  let publisher: RTMP;
  let publishing: Promise<unknown>;
  const stop = new AbortController();
  let url: string;

  before(async () => {
    server = createServer();
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    url = `rtmp://127.0.0.1:${port}/live/cam`;
    const file = join(tempDir('rtmpkit-cli-probe-'), 'long.flv');
    writeFileSync(file, makeTestFlv(60));
    publisher = new RTMP(url, { publish: true, timeout: 10 });
    await publisher.connect();
    const stream = await publisher.createStream({ writeable: true });
    // In real time: the stream goes on for a minute, far past the probe's window.
    publishing = stream.publishFile(file, { signal: stop.signal }).catch(() => {});
  });
  after(async () => {
    stop.abort();
    await publishing;
    await publisher.close();
    await server.close();
  });

  it('--seconds 1 returns after about a second, with the media of that second', async () => {
    const began = performance.now();
    const r = await runBounded(
      process.execPath,
      [MAIN, 'probe', '--live', '--seconds', '1', '--json', url],
      20_000,
    );
    const wall = (performance.now() - began) / 1000;
    assert.equal(r.timedOut, false, 'probe did not stop at the end of its window');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(wall < 8, `took ${wall.toFixed(1)} s`);
    const report = JSON.parse(r.stdout.toString());
    assert.equal(report.ended, false, 'the stream did not end: the window did');
    assert.ok(report.video.frames > 0 && report.wallSeconds < 3, JSON.stringify(report.video));
  });
});
