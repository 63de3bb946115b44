/**
 * `rtmpkit dump --start` against the embedded server, which answers play(start) as FMS
 * does — from the keyframe at or before the start, timestamps from 0 — run as a user
 * runs the binary: the file gets its own timeline back (rtmpdump writes every timestamp
 * plus the start), `--stop` counts from the stream's beginning, and a `--resume` of such
 * a file continues at the right position.
 */
import assert from 'node:assert/strict';
import { readFileSync, truncateSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FlvDemuxer } from '../../src/flv/demuxer.js';
import { createServer, makeTestFlv, type RTMPServer } from '../../src/index.js';
import { runBounded, tempDir } from '../helpers/peers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const cli = (...args: string[]) => runBounded(process.execPath, [MAIN, ...args], 60_000);

/** Audio/video tags as `type@timestamp:payload-hex-prefix` rows (sequence headers included). */
function media(flv: Buffer): string[] {
  return new FlvDemuxer()
    .push(flv)
    .filter((t) => t.type === 8 || t.type === 9)
    .map((t) => `${t.type}@${t.timestamp}:${t.payload.subarray(0, 24).toString('hex')}:${t.payload.length}`);
}

describe('rtmpkit dump --start', { timeout: 120_000 }, () => {
  const source = makeTestFlv(10); // H.264 keyframes every second, AAC
  let server: RTMPServer;
  let base: string;
  let dir: string;

  before(async () => {
    dir = tempDir('rtmpkit-cli-start-');
    server = createServer({ vodFiles: { test: source } });
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    base = `rtmp://127.0.0.1:${port}`;
  });
  after(async () => {
    await server.close();
  });

  const sourceRows = media(source);
  const from = (ms: number) => sourceRows.findIndex((r) => r.startsWith(`9@${ms}:17`));

  it('-A 5: the tags from the keyframe at 5 s, with the source file’s timestamps', async () => {
    const out = join(dir, 'a5.flv');
    const r = await cli('dump', '-q', '-r', `${base}/vod/test`, '-A', '5', '-o', out);
    assert.equal(r.code, 0, r.stderr);
    const rows = media(readFileSync(out));
    // The decoder configuration first (re-sent at the start, stamped with it), then the
    // source's tags from the keyframe at 5 s on, timestamps unchanged.
    const headers = rows.filter((x) => /^(9@\d+:1700|8@\d+:af00)/.test(x));
    assert.equal(headers.length, 2, rows.slice(0, 4).join('\n'));
    assert.ok(
      headers.every((x) => x.includes('@5000:')),
      headers.join('\n'),
    );
    const body = rows.filter((x) => !headers.includes(x));
    assert.deepEqual(
      body,
      sourceRows.slice(from(5000)).filter((x) => !/^(9@0:1700|8@0:af00)/.test(x)),
    );
  });

  it('-A 2 -B 5: three seconds, 2 s to 5 s of the stream', async () => {
    const out = join(dir, 'ab.flv');
    const r = await cli('dump', '-q', '-r', `${base}/vod/test`, '-A', '2', '-B', '5', '-o', out);
    assert.equal(r.code, 0, r.stderr);
    const stamps = new FlvDemuxer()
      .push(readFileSync(out))
      .filter((t) => t.type === 9)
      .map((t) => t.timestamp);
    assert.equal(stamps[0], 2000);
    assert.ok(Math.max(...stamps) < 5000 && Math.max(...stamps) >= 4800, String(Math.max(...stamps)));
  });

  it('-A 3 cut short, then --resume: the same file as one -A 3 download', async () => {
    const whole = join(dir, 'whole.flv');
    assert.equal((await cli('dump', '-q', '-r', `${base}/vod/test`, '-A', '3', '-o', whole)).code, 0);
    const part = join(dir, 'part.flv');
    assert.equal((await cli('dump', '-q', '-r', `${base}/vod/test`, '-A', '3', '-o', part)).code, 0);
    const full = readFileSync(whole);
    truncateSync(part, Math.floor(full.length * 0.6)); // cut mid-file, mid-tag
    const r = await cli('dump', '-q', '-r', `${base}/vod/test`, '-e', '-o', part);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(media(readFileSync(part)), media(full));
  });
});
