/**
 * RTMPE and RTMPTE served by rtmpkit, with librtmp's client as the independent check:
 * against the BUILT `rtmpkit serve --vod DIR --http-port 0`, `rtmpdump -r rtmpe://…` (RTMP
 * port) and `rtmpdump -r rtmpte://…` (HTTP port, RTMPT service) download files
 * byte-identical to `rtmpdump -r rtmp://…` and `rtmpt://…` of the same FLV; S0 8 (XTEA)
 * and 9 (Blowfish) through the library server's `rtmpeType`. Then rtmpkit's side against
 * the same serve: `rtmpkit dump` with rtmpe:// and rtmpte:// URLs and with `-l 2`/`-l 3`
 * writes rtmpdump's bytes, and the API's rtmpe/rtmpte downloads equal its rtmp one.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createServer } from '../../src/server/server.js';
import { download } from '../helpers/client.js';
import { makeMedia, requirePeers, runBounded, tempDir, which } from '../helpers/peers.js';
import { rtmpkit, type Serve, startServe } from '../helpers/serve-cli.js';

const out = tempDir('rtmpkit-rtmpe-serve-');
let serve: Serve | undefined;
let media = '';
before(async () => {
  if (!which('rtmpdump')) return;
  media = makeMedia();
  serve = await startServe(['--vod', media, '--http-port', '0', '--no-test-media']);
});
after(async () => {
  await serve?.stop();
  rmSync(out, { recursive: true, force: true });
});

/**
 * rtmpdump's download of `url` into `name`. Its exit code may be 2 for this file ("may be
 * incomplete": the last frame ends at 99.8 % of FFmpeg's duration), whatever the protocol;
 * the files compared must then be whole and equal.
 */
async function rtmpdump(url: string, name: string): Promise<Buffer> {
  const file = join(out, name);
  const r = await runBounded('rtmpdump', ['-r', url, '-o', file], 60_000);
  assert.equal(r.timedOut, false, `rtmpdump ${url} timed out:\n${r.stderr}`);
  assert.ok(r.code === 0 || r.code === 2, `rtmpdump ${url}:\n${r.stderr}`);
  return readFileSync(file);
}

test('rtmpdump: rtmpe:// and rtmpte:// from rtmpkit serve = its rtmp:// and rtmpt:// downloads', async (t) => {
  if (!requirePeers(t, ['rtmpdump'])) return;
  const s = serve!;
  const plain = await rtmpdump(`rtmp://127.0.0.1:${s.port}/vod/short.flv`, 'plain.flv');
  assert.ok(plain.length > 1_000_000, `plain download only ${plain.length} bytes`);
  const cases: [string, string][] = [
    ['rtmpe', `rtmpe://127.0.0.1:${s.port}/vod/short.flv`],
    ['rtmpt', `rtmpt://127.0.0.1:${s.httpPort}/vod/short.flv`],
    ['rtmpte', `rtmpte://127.0.0.1:${s.httpPort}/vod/short.flv`],
  ];
  for (const [name, url] of cases) {
    const got = await rtmpdump(url, `${name}.flv`);
    assert.ok(got.equals(plain), `${name}: ${got.length} B != plain ${plain.length} B`);
  }
  assert.equal((s.text().match(/connected to app 'vod' \(RTMPE\)/g) ?? []).length, 2, s.text());
});

for (const type of [8, 9] as const) {
  test(`rtmpdump: rtmpe:// with S0 ${type} (the library server's rtmpeType) = the plain download`, async (t) => {
    if (!requirePeers(t, ['rtmpdump'])) return;
    const server = createServer({ vodDir: media, rtmpeType: type });
    const { port } = await server.listen({ port: 0 });
    try {
      const types: boolean[] = [];
      server.on('connect', (c) => types.push(c.encrypted));
      const plain = await rtmpdump(`rtmp://127.0.0.1:${port}/vod/short.flv`, `plain-${type}.flv`);
      const enc = await rtmpdump(`rtmpe://127.0.0.1:${port}/vod/short.flv`, `rtmpe-${type}.flv`);
      assert.ok(enc.equals(plain), `type ${type}: ${enc.length} B != plain ${plain.length} B`);
      assert.deepEqual(types, [false, true]);
    } finally {
      await server.close();
    }
  });
}

test("rtmpkit dump and the API: rtmpe:// and rtmpte:// from rtmpkit serve = rtmpdump's plain file", async (t) => {
  if (!requirePeers(t, ['rtmpdump'])) return;
  const s = serve!;
  const plain = await rtmpdump(`rtmp://127.0.0.1:${s.port}/vod/short.flv`, 'plain-ref.flv');
  const cases: [string, string[]][] = [
    ['rtmpe', ['-r', `rtmpe://127.0.0.1:${s.port}/vod/short.flv`]],
    ['rtmpte', ['-r', `rtmpte://127.0.0.1:${s.httpPort}/vod/short.flv`]],
    ['-l 2', ['-n', '127.0.0.1', '-c', String(s.port), '-l', '2', '-a', 'vod', '-y', 'short.flv']],
    ['-l 3', ['-n', '127.0.0.1', '-c', String(s.httpPort), '-l', '3', '-a', 'vod', '-y', 'short.flv']],
  ];
  for (const [name, args] of cases) {
    const file = join(out, `kit-${name.replace(/\W/g, '')}.flv`);
    const r = await rtmpkit(['dump', '-q', ...args, '-o', file]);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.ok(readFileSync(file).equals(plain), `rtmpkit dump ${name}: byte-identical to rtmpdump's file`);
  }
  const api = await download(`rtmp://127.0.0.1:${s.port}/vod/short.flv`);
  for (const url of [
    `rtmpe://127.0.0.1:${s.port}/vod/short.flv`,
    `rtmpte://127.0.0.1:${s.httpPort}/vod/short.flv`,
  ]) {
    assert.ok((await download(url)).equals(api), `API ${url.split(':')[0]} = API rtmp`);
  }
});
