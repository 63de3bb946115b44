/**
 * The public client against REAL peers on loopback: nginx with the rtmp module (VOD,
 * live, recording), ffmpeg (publisher and prober), rtmpdump and python-librtmp (the
 * clients we replace). Packets are compared with `ffprobe -show_packets -show_data_hash`
 * (stream, pts, dts, flags, size, data hash); downloads with rtmpdump's byte for byte.
 * Every child runs bounded; servers stop in `after`.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { RTMP, RTMPStreamCutError } from '../../src/index.js';
import { download, packets } from '../helpers/client.js';
import { lazyNginx, PEERS_DIR, type Peer, requirePeers, runBounded } from '../helpers/peers.js';

const NEEDS = ['nginx', '/usr/lib/nginx/modules/ngx_rtmp_module.so', 'ffmpeg', 'ffprobe', 'rtmpdump'];
const nginx = lazyNginx('rtmpkit-client-');
let media = '';
let out = '';
const children: { kill(): void }[] = [];

after(async () => {
  for (const c of children) c.kill();
  await nginx.stop();
});

/** The file's nginx (started on first use); sets `media` and `out`. */
async function server(): Promise<Peer> {
  const s = await nginx.start();
  ({ media, out } = s);
  return s.peer;
}

function save(name: string, data: Buffer): string {
  const p = join(out, name);
  writeFileSync(p, data);
  return p;
}

test("VOD: FLV and MP4 played by rtmpkit have the source packets (ffprobe) and rtmpdump's exact bytes", async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const ng = await server();
  for (const [path, src] of [
    ['vod/short.flv', 'short.flv'],
    ['vod/mp4:short.mp4', 'short.mp4'],
  ] as const) {
    const url = `rtmp://127.0.0.1:${ng.port}/${path}`;
    const ours = save(`ours-${src}.flv`, await download(url));
    if (src.endsWith('.flv')) {
      assert.deepEqual(
        await packets(ours),
        await packets(join(media, src)),
        `${path}: packets differ from the source`,
      );
    } else {
      // nginx remuxes MP4 → RTMP with its own time base (DTS from 0) and drops the last
      // frames: every packet must be a source packet (stream, size, MD5), in order.
      const key = (r: string) =>
        r
          .split(' ')
          .filter((_, i) => i === 0 || i >= 4)
          .join(' ');
      const got = (await packets(ours)).map(key);
      const want = (await packets(join(media, src))).map(key);
      for (const stream of ['0 ', '1 ']) {
        const w = want.filter((r) => r.startsWith(stream));
        let j = 0;
        for (const g of got.filter((r) => r.startsWith(stream))) {
          while (j < w.length && w[j] !== g) j++;
          assert.ok(j < w.length, `${path}: packet ${g} not in the source (in order)`);
          j++;
        }
      }
      assert.ok(got.length >= want.length - 4, `${path}: ${got.length} of ${want.length} packets`);
    }
    const theirs = join(out, `rtmpdump-${src}.flv`);
    const r = await runBounded('rtmpdump', ['-q', '-r', url, '-o', theirs], 60_000);
    // 2 = "download may be incomplete": rtmpdump's guess from the last timestamp vs the duration.
    assert.ok(r.code === 0 || r.code === 2, r.stderr);
    assert.ok(readFileSync(ours).equals(readFileSync(theirs)), `${path}: rtmpkit and rtmpdump output differ`);
    const cmp = await runBounded('python3', [join(PEERS_DIR, 'flvcmp.py'), theirs, ours], 60_000);
    assert.equal(cmp.code, 0, cmp.stdout.toString());
  }
});

test('VOD: read(size) output equals python-librtmp stream.read() output', async (t) => {
  if (!requirePeers(t, [...NEEDS, '/usr/bin/python3'])) return;
  const probe = await runBounded('/usr/bin/python3', ['-c', 'import librtmp'], 10_000);
  if (probe.code !== 0) {
    if (process.env.CI === 'true') assert.fail(`python3-librtmp missing: ${probe.stderr}`);
    t.skip('python3-librtmp not installed');
    return;
  }
  const ng = await server();
  const url = `rtmp://127.0.0.1:${ng.port}/vod/short.flv`;
  const py = [
    'import librtmp, sys',
    'conn = librtmp.RTMP(sys.argv[1])',
    'conn.connect()',
    's = conn.create_stream()',
    'out = bytearray()',
    'while True:',
    '    d = s.read(1024)',
    '    if not d: break',
    '    out += d',
    'sys.stdout.buffer.write(bytes(out))',
  ].join('\n');
  const r = await runBounded('/usr/bin/python3', ['-c', py, url], 60_000);
  assert.equal(r.code, 0, r.stderr);
  const conn = new RTMP(url, { timeout: 20 });
  await conn.connect();
  const stream = await conn.createStream();
  const parts: Buffer[] = [];
  for (;;) {
    const b = await stream.read(1024);
    if (b.length === 0) break;
    parts.push(b);
  }
  await conn.close();
  assert.ok(r.stdout.length > 1_000_000);
  assert.ok(Buffer.concat(parts).equals(r.stdout), 'python-librtmp and rtmpkit bytes differ');
  assert.equal(stream.duration > 9.9 && stream.duration < 10.2, true);
});

test('live: ffmpeg publishes, rtmpkit plays; ffprobe reads the output', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const ng = await server();
  const url = `rtmp://127.0.0.1:${ng.port}/live1/cam`;
  const ff = runBounded(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-i',
      join(media, 'short.flv'),
      '-c',
      'copy',
      '-f',
      'flv',
      url,
    ],
    60_000,
  );
  // live1 refuses players until the publisher is there: retry briefly. When the publisher
  // stops, nginx-rtmp (idle_streams off) closes the player's connection without a status:
  // a cut, which the readers report after every byte received (rtmpdump exits 2 there too).
  let data: Buffer | undefined;
  for (let i = 0; i < 50 && data === undefined; i++) {
    const parts: Buffer[] = [];
    try {
      const conn = new RTMP(url, { timeout: 20, live: true });
      await conn.connect();
      const stream = await conn.createStream();
      try {
        for await (const chunk of stream) parts.push(chunk);
        assert.fail('nginx-rtmp ends a live1 play by closing the connection');
      } catch (err) {
        assert.ok(err instanceof RTMPStreamCutError, String(err));
        data = Buffer.concat(parts);
        assert.equal(err.bytesDelivered, data.length);
      } finally {
        await conn.close();
      }
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const fr = await ff;
  assert.equal(fr.code, 0, fr.stderr);
  assert.ok(data && data.length > 500_000, `got ${data?.length} bytes`);
  const file = save('live.flv', data);
  const rows = await packets(file);
  assert.ok(rows.filter((r) => r.startsWith('0 ')).length > 150, 'video packets');
  assert.ok(rows.filter((r) => r.startsWith('1 ')).length > 150, 'audio packets');
});

test('publish: rtmpkit publishes short.flv to nginx `rec`; the recording has the source packets', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const ng = await server();
  const conn = new RTMP(`rtmp://127.0.0.1:${ng.port}/rec/mine`, { publish: true, timeout: 20 });
  await conn.connect();
  const stream = await conn.createStream({ writeable: true });
  const file = readFileSync(join(media, 'short.flv'));
  // Arbitrary splits, as a pipe would deliver them.
  for (let i = 0; i < file.length; i += 65_521) await stream.write(file.subarray(i, i + 65_521));
  await stream.close();
  await conn.close();
  // The reference: the same file published by ffmpeg (nginx's recorder adds its own AAC
  // header tag to every recording, so compare recordings, not recording vs source).
  const ff = await runBounded(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      join(media, 'short.flv'),
      '-c',
      'copy',
      '-f',
      'flv',
      `rtmp://127.0.0.1:${ng.port}/rec/ffm`,
    ],
    60_000,
  );
  assert.equal(ff.code, 0, ff.stderr);
  const rec = join(ng.runDir, 'rec', 'mine.flv');
  const ref = join(ng.runDir, 'rec', 'ffm.flv');
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(statSync(rec).size > 1_000_000, 'recording written');
  const cmp = await runBounded('python3', [join(PEERS_DIR, 'flvcmp.py'), ref, rec], 60_000);
  assert.equal(cmp.code, 0, cmp.stdout.toString());
  assert.deepEqual(await packets(rec), await packets(ref));
});
