/**
 * `rtmpkit demo`, `serve`, `publish`, `call` and `probe` — the BUILT binary
 * (dist/src/cli/main.js) against the embedded server (run as `rtmpkit serve`, or as a
 * small test script with RPC and publish hooks) and against nginx-rtmp; ffprobe and
 * test/peers/flvcmp.py judge the files. Every child runs bounded; only the PIDs started
 * here are signalled; servers stop in `after`.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTestFlv } from '../../src/server/test-media.js';
import {
  freePort,
  makeMedia,
  PEERS_DIR,
  type Peer,
  type RunResult,
  requirePeers,
  runBounded,
  startNginx,
  tempDir,
  which,
} from '../helpers/peers.js';

const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const SERVER_MODULE = new URL('../../src/server/index.js', import.meta.url).href;
const NGINX = ['nginx', '/usr/lib/nginx/modules/ngx_rtmp_module.so', 'ffmpeg', 'ffprobe', '/usr/bin/python3'];
let nginx: Peer | undefined;
let media = '';
const out = tempDir('rtmpkit-cli-tools-');
const started: ChildProcess[] = [];

before(() => {
  if (NGINX.every((b) => which(b))) media = makeMedia();
});
after(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  nginx?.stop();
  rmSync(out, { recursive: true, force: true });
});

async function nginxServer(): Promise<Peer> {
  if (nginx === undefined) {
    nginx = await startNginx({ mediaDir: media });
  }
  return nginx;
}

const rtmpkit = (args: string[], timeoutMs = 60_000): Promise<RunResult> =>
  runBounded(process.execPath, [BIN, ...args], timeoutMs);

interface Launched {
  child: ChildProcess;
  done: Promise<RunResult>;
  /** Resolves with the first match of `re` in stdout+stderr. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
}

/** Starts a long-running child (SIGKILL after `timeoutMs`). */
function launch(args: string[], timeoutMs: number, opts: { cwd?: string; node?: boolean } = {}): Launched {
  const child = spawn(process.execPath, opts.node ? args : [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  started.push(child);
  const outBufs: Buffer[] = [];
  let text = '';
  let err = '';
  const waiters: (() => void)[] = [];
  const notify = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', (d: Buffer) => {
    outBufs.push(d);
    text += d.toString();
    notify();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    text += d.toString();
    notify();
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const done = new Promise<RunResult>((res) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      notify();
      res({ code, signal, stdout: Buffer.concat(outBufs), stderr: err, timedOut });
    });
  });
  const waitFor = async (re: RegExp, ms = 20_000): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = text.match(re);
      if (m) return m;
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no ${re} in the output of ${args.join(' ')}:\n${text}`);
      }
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  return { child, done, waitFor };
}

interface Tag {
  type: number;
  timestamp: number;
  body: Buffer;
}

function tags(file: Buffer): Tag[] {
  assert.equal(file.subarray(0, 3).toString(), 'FLV');
  const list: Tag[] = [];
  let pos = 13;
  while (pos < file.length) {
    const size = file.readUIntBE(pos + 1, 3);
    assert.ok(pos + 11 + size + 4 <= file.length, `tag at ${pos} cut`);
    list.push({
      type: file[pos]! & 0x1f,
      timestamp: (file.readUIntBE(pos + 4, 3) | (file[pos + 7]! << 24)) >>> 0,
      body: file.subarray(pos + 11, pos + 11 + size),
    });
    pos += 11 + size + 4;
  }
  return list;
}

async function ffprobeStreams(
  file: string,
): Promise<{ codec_name: string; width?: number; height?: number }[]> {
  const r = await runBounded(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', file],
    60_000,
  );
  assert.equal(r.code, 0, r.stderr);
  return (
    JSON.parse(r.stdout.toString()) as { streams: { codec_name: string; width?: number; height?: number }[] }
  ).streams;
}

test('demo: exit 0, demo.flv that ffprobe reads (H.264 160x90 + AAC), and the next step', async (t) => {
  if (!requirePeers(t, ['ffprobe'])) return;
  const cwd = tempDir('rtmpkit-cli-demo-');
  try {
    const d = launch(['demo'], 60_000, { cwd });
    const r = await d.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /kB \/ [\d.]+ sec \([\d.]+%\)/, 'a progress line');
    assert.match(r.stderr, /H\.264 Constrained Baseline 1\.2, 160x90/);
    assert.match(r.stderr, /AAC LC, 44100 Hz, stereo/);
    assert.match(r.stderr, /Next: rtmpkit dump -r rtmp:\/\/your\.server\/app\/stream -o out\.flv/);
    const streams = await ffprobeStreams(join(cwd, 'demo.flv'));
    assert.deepEqual(streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.deepEqual(
      streams.filter((s) => s.codec_name === 'h264').map((s) => [s.width, s.height]),
      [[160, 90]],
    );
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('serve: dump the built-in test stream (the source packets), probe it, publish --loop to it', async (t) => {
  if (!requirePeers(t, ['/usr/bin/python3'])) return;
  const port = await freePort();
  const serve = launch(['serve', '--show-keys', '--port', String(port)], 120_000);
  try {
    await serve.waitFor(/listening on rtmp:\/\/127\.0\.0\.1:\d+/);
    const base = `rtmp://127.0.0.1:${port}`;

    // dump: the packets of makeTestFlv(10).
    const ref = join(out, 'test-media.flv');
    writeFileSync(ref, makeTestFlv(10));
    const file = join(out, 'serve-test.flv');
    const d = await rtmpkit(['dump', '-q', '-r', `${base}/vod/test`, '-o', file]);
    assert.equal(d.code, 0, d.stderr);
    const cmp = await runBounded('python3', [join(PEERS_DIR, 'flvcmp.py'), ref, file], 60_000);
    assert.equal(cmp.code, 0, cmp.stdout.toString());

    // probe --json: codecs, size, frame rate, keyframe interval (a keyframe each second).
    const p = await rtmpkit(['probe', '--json', `${base}/vod/test`]);
    assert.equal(p.code, 0, p.stderr);
    const report = JSON.parse(p.stdout.toString());
    assert.equal(report.video.codec.codec, 'avc');
    assert.equal(report.video.codec.width, 160);
    assert.equal(report.video.codec.height, 90);
    assert.ok(Math.abs(report.video.frameRate - 10) < 0.1, `fps ${report.video.frameRate}`);
    assert.ok(Math.abs(report.video.keyframeInterval.average - 1) < 0.01);
    assert.equal(report.audio.codec.codec, 'aac');
    assert.equal(report.audio.codec.sampleRate, 44100);
    assert.equal(report.audio.codec.channels, 2);
    assert.equal(report.metadata.encoder, 'rtmpkit test media');

    // publish --loop a 2 s file; a live dump of 5 s sees timestamps run on past the file's end.
    const two = join(out, 'two.flv');
    writeFileSync(two, makeTestFlv(2));
    const pub = launch(['publish', '--loop', `${base}/live/loop`, two], 60_000);
    await pub.waitFor(/Publishing loop in real time, looping/);
    const live = join(out, 'loop.flv');
    const l = await rtmpkit(['dump', '-q', '-v', '-r', `${base}/live/loop`, '-B', '5', '-o', live], 30_000);
    assert.equal(l.code, 0, l.stderr);
    const video = tags(readFileSync(live)).filter((x) => x.type === 9);
    for (let i = 1; i < video.length; i++) {
      assert.ok(video[i]!.timestamp >= video[i - 1]!.timestamp, `video timestamps go forward at #${i}`);
    }
    const span = video.at(-1)!.timestamp - video[0]!.timestamp;
    assert.ok(span > 4000, `a 5 s dump of a looped 2 s file spans ${span} ms`);
    pub.child.kill('SIGINT');
    const pr = await pub.done;
    assert.equal(pr.code, 0, `publish --loop stopped by Ctrl-C exits 0: ${pr.stderr}`);
    assert.match(pr.stderr, /Caught signal: 2, closing the stream/);
  } finally {
    serve.child.kill('SIGINT');
    const s = await serve.done;
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stderr, /publishes live\/loop/);
  }
});

test('serve: ffmpeg publishes to `rtmpkit serve`, rtmpdump records it back: the same A/V tags', async (t) => {
  if (!requirePeers(t, ['ffmpeg', 'rtmpdump', '/usr/bin/python3'])) return;
  const port = await freePort();
  const serve = launch(['serve', '--show-keys', '--port', String(port)], 120_000);
  try {
    await serve.waitFor(/listening on rtmp:\/\/127\.0\.0\.1:\d+/);
    const src = join(media || makeMedia(), 'short.flv');
    const rec = join(out, 'serve-rec.flv');
    const url = `rtmp://127.0.0.1:${port}/live/relay`;
    // The recorder subscribes first and waits for the publisher (a live app); -B bounds it.
    const recording = runBounded('rtmpdump', ['-q', '-r', url, '-v', '-B', '60', '-o', rec], 60_000);
    await serve.waitFor(/plays live\/relay/);
    const pub = await runBounded(
      'ffmpeg',
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', src, '-c', 'copy', '-f', 'flv', url],
      40_000,
    );
    assert.equal(pub.code, 0, pub.stderr);
    const r = await recording;
    assert.equal(r.timedOut, false, r.stderr);
    const cmp = await runBounded('/usr/bin/python3', [join(PEERS_DIR, 'flvcmp.py'), src, rec], 30_000);
    assert.equal(cmp.code, 0, `flvcmp: ${cmp.stdout}${cmp.stderr}`);
  } finally {
    serve.child.kill('SIGINT');
    await serve.done;
  }
});

test('call: JSON in, JSON out; _error → exit 1 with the description; refused publish → 1; no server → 3', async () => {
  const script = join(out, 'rpc-server.mjs');
  writeFileSync(
    script,
    `import { createServer } from ${JSON.stringify(SERVER_MODULE)};
const server = createServer({
  onCall: (name, args) => {
    if (name === 'add') return args.reduce((a, b) => a + b, 0);
    if (name === 'echo') return args[0];
    if (name === 'when') return new Date(Date.UTC(2020, 0, 2));
    throw new Error('no method ' + name + ' here');
  },
  onPublish: (r) => r.name !== 'denied',
});
const { port } = await server.listen({ port: 0 });
console.log('PORT=' + port);
process.on('SIGINT', () => server.close().then(() => process.exit(0)));
`,
  );
  const srv = launch([script], 60_000, { node: true });
  try {
    const port = (await srv.waitFor(/PORT=(\d+)/))[1]!;
    const url = `rtmp://127.0.0.1:${port}/app`;
    const add = await rtmpkit(['call', url, 'add', '[1, 2, 3.5]']);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(JSON.parse(add.stdout.toString()), 6.5);
    const obj = { a: [1, 'two', null], b: { c: true } };
    const echo = await rtmpkit(['call', '--compact', url, 'echo', JSON.stringify([obj])]);
    assert.equal(echo.stdout.toString(), `${JSON.stringify(obj)}\n`);
    const when = await rtmpkit(['call', url, 'when']);
    assert.equal(JSON.parse(when.stdout.toString()), '2020-01-02T00:00:00.000Z');
    const full = await rtmpkit(['call', '--full', url, 'add', '[1]']);
    assert.deepEqual(JSON.parse(full.stdout.toString()), { commandObject: null, values: [1] });

    const bad = await rtmpkit(['call', url, 'nope', '[]']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout.length, 0);
    assert.match(bad.stderr, /^rtmpkit: .*NetConnection\.Call\.Failed.*no method nope here/m);

    // publish refused by the server's hook → exit 1.
    const flv = join(out, 'one.flv');
    writeFileSync(flv, makeTestFlv(1));
    const denied = await rtmpkit(['publish', '-q', '--no-realtime', `${url}/denied`, flv]);
    assert.equal(denied.code, 1, denied.stderr);
    assert.match(denied.stderr, /NetStream\.Publish/);
    const ok = await rtmpkit(['publish', '-q', '--no-realtime', `${url}/fine`, flv]);
    assert.equal(ok.code, 0, ok.stderr);

    const closed = await freePort();
    const none = await rtmpkit(['call', `rtmp://127.0.0.1:${closed}/app`, 'add']);
    assert.equal(none.code, 3, none.stderr);
    const usage = await rtmpkit(['call', url]);
    assert.equal(usage.code, 1);
  } finally {
    srv.child.kill('SIGINT');
    await srv.done;
  }
});

test("publish to nginx: --no-realtime recording equals ffmpeg's; real time takes the file's duration", async (t) => {
  if (!requirePeers(t, NGINX)) return;
  const ng = await nginxServer();
  const src = join(media, 'short.flv');
  const p = await rtmpkit(['publish', '--no-realtime', `rtmp://127.0.0.1:${ng.port}/rec/cli-fast`, src]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stderr, /Publish complete/);
  const ff = await runBounded(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      src,
      '-c',
      'copy',
      '-f',
      'flv',
      `rtmp://127.0.0.1:${ng.port}/rec/cli-ffm`,
    ],
    60_000,
  );
  assert.equal(ff.code, 0, ff.stderr);
  await new Promise((r) => setTimeout(r, 500));
  const rec = join(ng.runDir, 'rec', 'cli-fast.flv');
  const ref = join(ng.runDir, 'rec', 'cli-ffm.flv');
  assert.ok(statSync(rec).size > 1_000_000);
  const cmp = await runBounded('python3', [join(PEERS_DIR, 'flvcmp.py'), ref, rec], 60_000);
  assert.equal(cmp.code, 0, cmp.stdout.toString());

  const three = join(out, 'three.flv');
  writeFileSync(three, makeTestFlv(3));
  const began = Date.now();
  const rt = await rtmpkit(['publish', '-q', `rtmp://127.0.0.1:${ng.port}/rec/cli-rt`, three]);
  const took = Date.now() - began;
  assert.equal(rt.code, 0, rt.stderr);
  assert.ok(took >= 2800, `real-time publish of 3 s took ${took} ms`);
  await new Promise((r) => setTimeout(r, 500));
  const got = tags(readFileSync(join(ng.runDir, 'rec', 'cli-rt.flv'))).filter((x) => x.type === 9);
  const want = tags(readFileSync(three)).filter((x) => x.type === 9);
  assert.deepEqual(
    got.map((x) => `${x.timestamp} ${x.body.toString('base64')}`),
    want.map((x) => `${x.timestamp} ${x.body.toString('base64')}`),
  );
});

test('probe nginx VOD: H.264 Main 640x360 30 fps, keyframe every 1 s (-g 30), AAC 44.1 kHz stereo', async (t) => {
  if (!requirePeers(t, NGINX)) return;
  const ng = await nginxServer();
  const url = `rtmp://127.0.0.1:${ng.port}/vod/short.flv`;
  const j = await rtmpkit(['probe', '--json', url]);
  assert.equal(j.code, 0, j.stderr);
  const r = JSON.parse(j.stdout.toString());
  assert.equal(r.server.properties.fmsVer, 'FMS/3,0,1,123');
  assert.equal(r.server.connect.code, 'NetConnection.Connect.Success');
  assert.deepEqual(
    [r.video.codec.codec, r.video.codec.profile, r.video.codec.width, r.video.codec.height],
    ['avc', 'Main', 640, 360],
  );
  assert.ok(Math.abs(r.video.frameRate - 30) < 0.1, `fps ${r.video.frameRate}`);
  assert.ok(Math.abs(r.video.keyframeInterval.average - 1) < 0.05, JSON.stringify(r.video.keyframeInterval));
  assert.deepEqual(
    [r.audio.codec.codec, r.audio.codec.sampleRate, r.audio.codec.channels],
    ['aac', 44100, 2],
  );
  assert.ok(r.bitrateKbps > 900 && r.bitrateKbps < 1400, `bitrate ${r.bitrateKbps}`);
  assert.equal(r.video.firstTimestamp, 0);
  assert.ok(r.metadata.duration > 10);
  const text = await rtmpkit(['probe', url]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout.toString(), /^Video: +H\.264 Main 3\.0, 640x360$/m);
  assert.match(text.stdout.toString(), /keyframe every 1\.000 s/);
  assert.match(text.stdout.toString(), /^Audio: +AAC LC, 44100 Hz, stereo$/m);
  const missing = await rtmpkit(['probe', `rtmp://127.0.0.1:${ng.port}/vod/nothing.flv`]);
  assert.equal(missing.code, 1, missing.stderr);
});
