/**
 * One media path: between the socket's read buffer and the consumer each media payload is
 * copied once (into a buffer framed as an FLV tag in place), whatever the consumer —
 * `read(size)`, iteration, `toReadable()`, `packets()`, or `rtmpkit dump` to a file or to
 * stdout. Proven by counting the bytes copied through every public copying method
 * (test/helpers/copy-counter.ts) while a 10 s H.264 + AAC file (1.4 MB, made by ffmpeg)
 * served by `rtmpkit serve --vod` (a child, so the server's own copies are not counted) is
 * played to the end, against the payload bytes delivered. Two copies per payload would
 * double the count.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { demuxFlv } from '../../src/flv/demuxer.js';
import { RTMP } from '../../src/index.js';
import { copied, installCopyCounter } from '../helpers/copy-counter.js';
import { makeMedia, requirePeers, tempDir } from '../helpers/peers.js';
import { BIN, type Serve, startServe } from '../helpers/serve-cli.js';

const PRELOAD = fileURLToPath(new URL('../helpers/copy-counter-preload.js', import.meta.url));
/** Bytes of commands, metadata and FLV headers that may be copied besides the payloads. */
const SLACK = 64 * 1024;

/** Payload bytes (tag bodies) of an FLV file's bytes. */
function payloadBytes(flv: Buffer): { bytes: number; tags: number } {
  const tags = demuxFlv(flv);
  return { bytes: tags.reduce((n, t) => n + t.payload.length, 0), tags: tags.length };
}

/**
 * Asserts `n` copied bytes are one copy of `payload` bytes at most — and at least half of
 * one: the socket's read buffer is reused, so the chunk reader must copy each payload out
 * of it, and a counter that did not see that copy would prove nothing.
 */
function assertOneCopy(what: string, n: number, payload: number): string {
  assert.ok(payload > 500_000, `${what}: only ${payload} payload bytes delivered`);
  assert.ok(
    n >= payload / 2,
    `${what}: the counter saw ${n} bytes copied for ${payload}: it misses the reader's copy`,
  );
  assert.ok(
    n <= payload + SLACK,
    `${what}: ${n} bytes copied for ${payload} payload bytes (${(n / payload).toFixed(2)} copies each)`,
  );
  return `${what}: ${n} bytes copied for ${payload} payload bytes (${(n / payload).toFixed(3)} copies each)`;
}

describe('one media path: each payload copied once, socket to consumer', { timeout: 180_000 }, () => {
  let serve: Serve;
  let url: string;
  const dir = tempDir('rtmpkit-copies-');
  let ready = false;
  before(async () => {
    if (spawnSync('ffmpeg', ['-version']).status !== 0) return; // each test says so (requirePeers)
    serve = await startServe(['--vod', makeMedia()]);
    url = `rtmp://127.0.0.1:${serve.port}/vod/short.flv`;
    installCopyCounter();
    ready = true;
  });
  after(async () => {
    await serve?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Plays the test stream with `consume`, counting the bytes copied meanwhile. */
  async function play(consume: (s: Awaited<ReturnType<RTMP['createStream']>>) => Promise<Buffer>) {
    assert.ok(ready, 'the server with the test file is running');
    const conn = new RTMP(url, { timeout: 10 });
    await conn.connect();
    const stream = await conn.createStream();
    const start = copied.bytes;
    const out = await consume(stream);
    const n = copied.bytes - start;
    await conn.close();
    return { n, out };
  }

  it('read(size)', async (t) => {
    if (!requirePeers(t, ['ffmpeg'])) return;
    const parts: Buffer[] = [];
    const { n } = await play(async (s) => {
      for (;;) {
        const b = await s.read(64 * 1024);
        if (b.length === 0) break;
        parts.push(b);
      }
      return Buffer.alloc(0);
    });
    t.diagnostic(assertOneCopy('read(size)', n, payloadBytes(Buffer.concat(parts)).bytes));
  });

  it('for await (iteration)', async (t) => {
    if (!requirePeers(t, ['ffmpeg'])) return;
    const parts: Buffer[] = [];
    const { n } = await play(async (s) => {
      for await (const b of s) parts.push(b);
      return Buffer.alloc(0);
    });
    t.diagnostic(assertOneCopy('iteration', n, payloadBytes(Buffer.concat(parts)).bytes));
  });

  it('toReadable() piped to a file', async (t) => {
    if (!requirePeers(t, ['ffmpeg'])) return;
    const file = join(dir, 'readable.flv');
    const { n } = await play(async (s) => {
      await pipeline(s.toReadable(), createWriteStream(file));
      return Buffer.alloc(0);
    });
    t.diagnostic(assertOneCopy('toReadable', n, payloadBytes(readFileSync(file)).bytes));
  });

  it('packets()', async (t) => {
    if (!requirePeers(t, ['ffmpeg'])) return;
    let payload = 0;
    const { n } = await play(async (s) => {
      for await (const p of s.packets()) payload += p.payload.length;
      return Buffer.alloc(0);
    });
    t.diagnostic(assertOneCopy('packets()', n, payload));
  });

  for (const to of ['file', 'stdout'] as const) {
    it(`rtmpkit dump to ${to}`, async (t) => {
      if (!requirePeers(t, ['ffmpeg'])) return;
      const report = join(dir, `dump-${to}.json`);
      const file = join(dir, `dump-${to}.flv`);
      const args = [BIN, 'dump', '-q', '-r', url, '-o', to === 'file' ? file : '-'];
      const child = spawn(process.execPath, args, {
        env: { ...process.env, NODE_OPTIONS: `--import=${PRELOAD}`, RTMPKIT_COPY_REPORT: report },
        stdio: ['ignore', to === 'stdout' ? 'pipe' : 'ignore', 'pipe'],
      });
      const chunks: Buffer[] = [];
      child.stdout?.on('data', (d: Buffer) => chunks.push(d));
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
      });
      const code = await new Promise<number | null>((res) => child.once('exit', res));
      assert.equal(code, 0, err);
      const flv = to === 'file' ? readFileSync(file) : Buffer.concat(chunks);
      assert.ok(to === 'stdout' || statSync(file).size === flv.length);
      const { bytes } = JSON.parse(readFileSync(report, 'utf8')) as { bytes: number };
      t.diagnostic(assertOneCopy(`dump to ${to}`, bytes, payloadBytes(flv).bytes));
    });
  }
});
