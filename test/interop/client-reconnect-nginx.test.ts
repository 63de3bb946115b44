/**
 * Timeouts and reconnect against nginx-rtmp (which pings its clients every `ping` and
 * sends VOD with the file's own timestamps), the fault-injecting proxy in between:
 * - `rtmpkit dump -m 2` of a live stream nobody publishes (`live/typo`) ends with a clear
 *   error and exit 2 (rtmpdump's "incomplete") instead of hanging;
 * - `rtmpkit dump --retries 3` of a VOD file through a FIN mid-chunk and an RST at a
 *   message boundary writes the uncut download byte for byte;
 * - a live player (the library) with `reconnect` survives a cut while ffmpeg publishes:
 *   `reconnecting`/`reconnected` fire and media flows again after it;
 * - `rtmpkit publish --retries 3` through a cut arrives at nginx's recorder with
 *   timestamps that never go back.
 * Every child runs bounded; only PIDs started here are signalled; nginx stops in `after`.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTestFlv, RTMP } from '../../src/index.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { lazyNginx, type Peer, requirePeers, runBounded } from '../helpers/peers.js';
import { flvTags } from '../unit/server-harness.js';

const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const NEEDS = ['nginx', '/usr/lib/nginx/modules/ngx_rtmp_module.so', 'ffmpeg'];
const nginx = lazyNginx('rtmpkit-reconnect-');
let media = '';
let out = '';
const children: ChildProcess[] = [];
const proxies: FaultProxy[] = [];

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const p of proxies) await p.close();
  await nginx.stop();
});

/** The file's nginx (started on first use); sets `media` and `out`. */
async function server(): Promise<Peer> {
  const s = await nginx.start();
  ({ media, out } = s);
  return s.peer;
}

/**
 * short.flv with a keyframe index (`keyframes` in onMetaData), in nginx's media folder:
 * nginx-rtmp seeks only in such files, keeping the file's timestamps.
 */
async function indexedFile(): Promise<string> {
  const indexed = join(media, 'indexed.flv');
  if (!existsSync(indexed)) {
    const args = ['-v', 'error', '-y', '-i', join(media, 'short.flv'), '-c', 'copy'];
    const ff = await runBounded('ffmpeg', [...args, '-flvflags', 'add_keyframe_index', indexed], 60_000);
    assert.equal(ff.code, 0, String(ff.stderr));
  }
  return indexed;
}

/**
 * A low-bitrate file with a keyframe index (the test media's 30 s, one keyframe a second,
 * ~6 KB a GOP, remuxed by ffmpeg with `keyframes` in onMetaData): its last GOP and the end
 * of the file fit in one socket read.
 */
async function tinyIndexedFile(): Promise<string> {
  const tiny = join(media, 'tiny-indexed.flv');
  if (!existsSync(tiny)) {
    const source = join(out, 'tiny.flv');
    writeFileSync(source, makeTestFlv(30));
    const args = ['-v', 'error', '-y', '-i', source, '-c', 'copy', '-flvflags', 'add_keyframe_index', tiny];
    const ff = await runBounded('ffmpeg', args, 60_000);
    assert.equal(ff.code, 0, String(ff.stderr));
  }
  return tiny;
}

const rtmpkit = (args: string[], timeoutMs = 60_000) =>
  runBounded(process.execPath, [BIN, ...args], timeoutMs);

test('dump -m 2 of a live stream nobody publishes (nginx pings): a clear error, exit 2, no hang', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const n = await server();
  const t0 = performance.now();
  const r = await rtmpkit(
    ['dump', '-m', '2', '-r', `rtmp://127.0.0.1:${n.port}/live/typo`, '-o', join(out, 'typo.flv')],
    30_000,
  );
  assert.equal(r.timedOut, false);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /rtmpkit: no audio or video for 2 s/);
  assert.match(r.stderr, /Download may be incomplete/);
  assert.ok(performance.now() - t0 < 20_000);
});

test('dump --retries 3 of VOD through a FIN mid-chunk and an RST at a message boundary = the uncut download, byte for byte', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const n = await server();
  const whole = join(out, 'whole.flv');
  const r0 = await rtmpkit(['dump', '-r', `rtmp://127.0.0.1:${n.port}/vod/short.flv`, '-o', whole]);
  assert.equal(r0.code, 0, r0.stderr);
  const size = readFileSync(whole).length;
  const proxy = await startFaultProxy(n.port, (k) =>
    k === 0
      ? { how: 'fin', afterBytes: Math.floor(size / 3) + 77, align: 'byte' }
      : k === 1
        ? { how: 'rst', afterBytes: Math.floor(size / 4), align: 'read' }
        : undefined,
  );
  proxies.push(proxy);
  const cut = join(out, 'cut.flv');
  const r1 = await rtmpkit(['dump', '--retries', '3', '-r', proxy.url('vod/short.flv'), '-o', cut]);
  assert.equal(r1.code, 0, r1.stderr);
  assert.equal(proxy.cuts, 2);
  assert.equal((r1.stderr.match(/reconnected \(attempt 1\)/g) ?? []).length, 2, r1.stderr);
  const a = readFileSync(whole);
  const b = readFileSync(cut);
  assert.ok(flvTags(a).length > 100);
  assert.equal(b.length, a.length);
  assert.ok(b.equals(a), 'byte-identical');
  // Without --retries the same cut keeps rtmpdump's exit code for an incomplete download.
  const proxy2 = await startFaultProxy(n.port, (k) =>
    k === 0 ? { how: 'fin', afterBytes: Math.floor(size / 3) } : undefined,
  );
  proxies.push(proxy2);
  const r2 = await rtmpkit(['dump', '-r', proxy2.url('vod/short.flv'), '-o', join(out, 'cut2.flv')]);
  assert.equal(r2.code, 2, r2.stderr);
});

/** What a cut download test runs for each cut: (url through the proxy, url of nginx, run) → the file it wrote. */
type EachCut = (url: string, direct: string, run: number) => Promise<string>;

/**
 * `file` (in nginx's media folder) downloaded uncut, then 3 times through the proxy with a
 * FIN after `cutAt(uncut FLV, run, bytes of the whole download on the wire)` bytes,
 * `each(…)` for each: the output it wrote must be the uncut download byte for byte.
 */
async function cutDownloads(
  file: string,
  cutAt: (a: Buffer, run: number, wire: number) => number,
  each: EachCut,
): Promise<void> {
  const n = await server();
  const direct = `rtmp://127.0.0.1:${n.port}/vod/${file}`;
  const whole = join(out, `${file}-whole.flv`);
  const r0 = await rtmpkit(['dump', '-r', direct, '-o', whole]);
  assert.equal(r0.code, 0, r0.stderr);
  const a = readFileSync(whole);
  // The same download through a proxy that cuts nothing: its bytes on the wire.
  const probe = await startFaultProxy(n.port, () => undefined);
  proxies.push(probe);
  const rp = await rtmpkit([
    'dump',
    '-q',
    '-r',
    probe.url(`vod/${file}`),
    '-o',
    join(out, `${file}-probe.flv`),
  ]);
  assert.equal(rp.code, 0, rp.stderr);
  const wire = probe.down[0]!;
  for (let run = 0; run < 3; run++) {
    const at = cutAt(a, run, wire);
    const proxy = await startFaultProxy(n.port, (k) =>
      k === 0 ? { how: 'fin', afterBytes: at, align: 'byte' } : undefined,
    );
    proxies.push(proxy);
    const b = readFileSync(await each(proxy.url(`vod/${file}`), direct, run));
    assert.equal(proxy.cuts, 1);
    assert.ok(b.equals(a), `run ${run}: byte-identical (${b.length} of ${a.length} bytes)`);
  }
}

/** The indexed file cut at 33/50/67 % of it. */
async function indexedCuts(each: EachCut): Promise<void> {
  await indexedFile();
  await cutDownloads('indexed.flv', (a, run) => Math.floor((a.length * (run + 2)) / 6), each);
}

/**
 * The low-bitrate indexed file cut 40 % into its next-to-last GOP (counted from the end
 * of the file: the wire carries the handshake and connect before the media, the same tail
 * after it). What comes after the cut — the last GOP, then Play.Complete and Play.Stop —
 * fits in one socket read, so the stream has ended before the client's seek back to the
 * keyframe goes out; that seek plays the recorded stream again. Before, both uses failed
 * (exit 2: "the stream ended before the last keyframe received came again").
 */
async function tinyEndCuts(each: EachCut): Promise<void> {
  await tinyIndexedFile();
  await cutDownloads(
    'tiny-indexed.flv',
    (a, _run, wire) => {
      const keys = flvTags(a).filter((x) => x.type === 9 && x.body[0]! >> 4 === 1 && x.body[1] === 1);
      assert.ok(keys.length >= 3, `${keys.length} keyframes`);
      const at = (x: { body: Buffer }): number => x.body.byteOffset - a.byteOffset;
      const cut = at(keys.at(-2)!) + 0.4 * (at(keys.at(-1)!) - at(keys.at(-2)!));
      return wire - (a.length - Math.round(cut));
    },
    each,
  );
}

/** `dump --retries 3` through the cut: it reconnects once and exits 0. */
function retried(name: string): EachCut {
  return async (url, _direct, run) => {
    const cut = join(out, `${name}-${run}.flv`);
    const r = await rtmpkit(['dump', '--retries', '3', '-r', url, '-o', cut]);
    assert.match(r.stderr, /reconnected \(attempt 1\)/);
    assert.equal(r.code, 0, r.stderr);
    return cut;
  };
}

test('dump --retries of a keyframe-indexed FLV, which nginx resumes at the keyframe after the one asked for: asked again 1 ms before it, the whole file byte for byte, 3 runs of 3', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  // With `keyframes` in onMetaData nginx-rtmp honours play's start at the first keyframe
  // whose index time is after it: asked for the anchor, it usually starts one GOP later;
  // the client seeks 1 ms before the anchor and gets it.
  await indexedCuts(retried('indexed-cut'));
});

test('dump --retries of a low-bitrate keyframe-indexed FLV cut in its next-to-last GOP: nginx answers with the last GOP and the end at once; the seek back gets the rest, byte for byte, 3 runs', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  await tinyEndCuts(retried('tiny-end'));
});

/**
 * A download cut by the proxy (exit 2), then `dump --resume` of it from nginx directly
 * (exit 0, not "Couldn't resume"): what `indexedCuts`/`tinyEndCuts` run for each cut.
 */
function cutThenResume(name: string): EachCut {
  return async (url, direct, run) => {
    const cut = join(out, `${name}-${run}.flv`);
    const r1 = await rtmpkit(['dump', '-r', url, '-o', cut]);
    assert.equal(r1.code, 2, r1.stderr);
    const r2 = await rtmpkit(['dump', '--resume', '-r', direct, '-o', cut]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.doesNotMatch(r2.stderr, /Couldn't resume/);
    return cut;
  };
}

test('dump --resume of a low-bitrate keyframe-indexed FLV cut in its next-to-last GOP: the same crossing, exit 0, the file equals the uncut download, 3 runs', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  await tinyEndCuts(cutThenResume('tiny-resume'));
});

test('dump --resume of a cut download of a keyframe-indexed FLV (nginx starts after the keyframe asked for): seeks 1 ms before it, exit 0, the file equals the uncut download — 3 cut positions', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  await indexedCuts(cutThenResume('indexed-resume'));
});

test('dump -A 3 from nginx, which keeps the file timestamps after play(start): the tags carry the file’s own, not the start twice (rtmpdump adds it)', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const n = await server();
  const indexed = await indexedFile();
  const out3 = join(out, 'indexed-a3.flv');
  const r = await rtmpkit([
    'dump',
    '-q',
    '-r',
    `rtmp://127.0.0.1:${n.port}/vod/indexed.flv`,
    '-A',
    '3',
    '-o',
    out3,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const row = (x: { type: number; timestamp: number; body: Buffer }) =>
    `${x.type}@${x.timestamp}:${x.body.length}`;
  const media = (file: Buffer) =>
    flvTags(file).filter((x) => (x.type === 8 || x.type === 9) && x.body[1] !== 0); // no sequence headers
  const source = media(readFileSync(indexed));
  const got = media(readFileSync(out3));
  assert.ok(got.length > 100, `${got.length} media tags`);
  const first = source.findIndex((x) => row(x) === row(got[0]!));
  assert.ok(first > 0, `the first tag written (${row(got[0]!)}) is one of the file's, with its timestamp`);
  assert.ok(got[0]!.timestamp >= 2000 && got[0]!.timestamp <= 5000, String(got[0]!.timestamp));
  assert.deepEqual(got.map(row), source.slice(first, first + got.length).map(row));
});

test('a live player with reconnect survives a cut while ffmpeg publishes; the events fire', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const n = await server();
  const ff = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-stream_loop',
      '2',
      '-i',
      join(media, 'short.flv'),
      '-c',
      'copy',
      '-f',
      'flv',
      `rtmp://127.0.0.1:${n.port}/live/rc`,
    ],
    { stdio: 'ignore' },
  );
  children.push(ff);
  const proxy = await startFaultProxy(n.port, (k) => (k === 0 ? { how: 'rst', afterMs: 2500 } : undefined));
  proxies.push(proxy);
  await new Promise((r) => setTimeout(r, 1000));
  const conn = new RTMP(proxy.url('live/rc'), {
    live: true,
    timeout: 10,
    reconnect: { retries: 3, backoffMs: 100 },
  });
  const events: string[] = [];
  let before = 0;
  let afterReconnect = 0;
  let reconnected = false;
  conn.on('reconnecting', (i) =>
    events.push(`reconnecting ${i.attempt} ${(i.cause as Error).constructor.name}`),
  );
  conn.on('reconnected', (i) => {
    events.push(`reconnected ${i.attempt}`);
    reconnected = true;
  });
  try {
    await conn.connect();
    const stream = await conn.createStream();
    const deadline = performance.now() + 15_000;
    for await (const p of stream.packets()) {
      if (p.type === 'audio' || p.type === 'video') {
        if (reconnected) afterReconnect++;
        else before++;
      }
      if (afterReconnect >= 50 || performance.now() > deadline) break;
    }
  } finally {
    await conn.close();
    ff.kill('SIGKILL');
  }
  assert.deepEqual(events, ['reconnecting 1 RTMPConnectionError', 'reconnected 1']);
  assert.ok(before > 10, `${before} packets before the cut`);
  assert.ok(afterReconnect >= 50, `${afterReconnect} packets after the reconnect`);
});

test('publish --retries 3 through a cut arrives at nginx recording, timestamps never going back', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const n = await server();
  const proxy = await startFaultProxy(n.port, (k) =>
    k === 0 ? { how: 'fin', afterMs: 3000, direction: 'up' } : undefined,
  );
  proxies.push(proxy);
  const r = await rtmpkit(
    ['publish', '--retries', '3', proxy.url('rec/pub'), join(media, 'short.flv')],
    60_000,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /reconnected \(attempt 1\)/);
  assert.equal(proxy.cuts, 1);
  const rec = join(n.runDir, 'rec', 'pub.flv');
  for (let i = 0; i < 50 && !existsSync(rec); i++) await new Promise((res) => setTimeout(res, 100));
  const tags = flvTags(readFileSync(rec)).filter((x) => x.type === 9);
  assert.ok(tags.length > 100, `${tags.length} video tags recorded`);
  // nginx starts a recording per publish (record_unique off: the one after the reconnect
  // replaces the first) and rebases it to 0: it holds the rest of the file after the cut
  // (~3 s of 10), its timestamps never going back.
  for (let i = 1; i < tags.length; i++) assert.ok(tags[i]!.timestamp >= tags[i - 1]!.timestamp, `tag ${i}`);
  assert.ok(tags.at(-1)!.timestamp > 5000, `recording of ${tags.at(-1)!.timestamp} ms`);
  // The publisher went on to the end of the file: 10 s sent.
  assert.match(r.stderr, /Publish complete \([\d.]+ kB, \d+ tags, (9\.9\d|10\.\d\d) sec\)/);
});
