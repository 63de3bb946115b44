/**
 * `rtmpkit dump` — the BUILT binary (dist/src/cli/main.js) against REAL peers on loopback:
 * nginx with the rtmp module (VOD, live), ffmpeg publishing live, rtmpdump as the
 * reference client, ffprobe and test/peers/flvcmp.py as judges. Covers: VOD downloads
 * (source packets, rtmpdump's exact bytes, stdout), exit codes side by side with rtmpdump
 * (refused, missing stream, unknown app, bad flags), `--resume` of a file cut mid-tag,
 * `--stop` on VOD and live, and Ctrl-C mid-download (exit 2, a valid partial FLV).
 * Every child runs bounded and only the PIDs started here are signalled; nginx stops in `after`.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTestFlv } from '../../src/server/test-media.js';
import {
  freePort,
  lazyNginx,
  PEERS_DIR,
  type Peer,
  type RunResult,
  requirePeers,
  runBounded,
  tempDir,
} from '../helpers/peers.js';

const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const NEEDS = [
  'nginx',
  '/usr/lib/nginx/modules/ngx_rtmp_module.so',
  'ffmpeg',
  'ffprobe',
  'rtmpdump',
  '/usr/bin/python3',
];
const nginx = lazyNginx('rtmpkit-cli-dump-');
let media = '';
let out = '';
const started: ChildProcess[] = [];

after(async () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await nginx.stop();
});

/** The file's nginx (started on first use); sets `media` and `out`. */
async function server(): Promise<Peer> {
  const s = await nginx.start();
  ({ media, out } = s);
  return s.peer;
}

const rtmpkit = (args: string[], timeoutMs = 60_000): Promise<RunResult> =>
  runBounded(process.execPath, [BIN, ...args], timeoutMs);

/** Starts a child we may signal mid-run; `done` settles when it exits (SIGKILL after `timeoutMs`). */
function launch(
  cmd: string,
  args: string[],
  timeoutMs: number,
): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  const outBufs: Buffer[] = [];
  let err = '';
  let timedOut = false;
  child.stdout!.on('data', (d: Buffer) => outBufs.push(d));
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const done = new Promise<RunResult>((res) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout: Buffer.concat(outBufs), stderr: err, timedOut });
    });
  });
  return { child, done };
}

/** ffmpeg publishing short.flv in real time to `url`. */
function publishLive(url: string): { child: ChildProcess; done: Promise<RunResult> } {
  return launch(
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
}

interface Tag {
  type: number;
  timestamp: number;
  body: Buffer;
}

/** Parses an FLV strictly: header, every tag complete with a right PreviousTagSize, nothing after the last one. */
function strictTags(file: Buffer): Tag[] {
  assert.equal(file.subarray(0, 3).toString(), 'FLV', 'FLV signature');
  assert.equal(file.readUInt32BE(9), 0, 'PreviousTagSize0');
  const tags: Tag[] = [];
  let pos = 13;
  while (pos < file.length) {
    assert.ok(pos + 11 <= file.length, `tag header cut at ${pos}`);
    const size = file.readUIntBE(pos + 1, 3);
    assert.ok(pos + 11 + size + 4 <= file.length, `tag at ${pos} cut`);
    assert.equal(file.readUInt32BE(pos + 11 + size), 11 + size, `PreviousTagSize after the tag at ${pos}`);
    tags.push({
      type: file[pos]! & 0x1f,
      timestamp: (file.readUIntBE(pos + 4, 3) | (file[pos + 7]! << 24)) >>> 0,
      body: file.subarray(pos + 11, pos + 11 + size),
    });
    pos += 11 + size + 4;
  }
  return tags;
}

async function flvcmp(a: string, b: string): Promise<RunResult> {
  return runBounded('python3', [join(PEERS_DIR, 'flvcmp.py'), a, b], 60_000);
}

async function ffprobeDuration(file: string): Promise<number> {
  const r = await runBounded(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', file],
    60_000,
  );
  assert.equal(r.code, 0, r.stderr);
  return Number(r.stdout.toString().trim());
}

test("VOD: the source's packets, rtmpdump's exact bytes, exit 0 (rtmpdump: 2 at 99.8 %), stdout", async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const ng = await server();
  const url = `rtmp://127.0.0.1:${ng.port}/vod/short.flv`;
  const mine = join(out, 'vod-rtmpkit.flv');
  const theirs = join(out, 'vod-rtmpdump.flv');
  const r = await rtmpkit(['dump', '-r', url, '-o', mine]);
  assert.equal(r.code, 0, r.stderr);
  // stderr is a pipe here: rtmpdump's numbers on a plain line (no \r), plus rate and elapsed time.
  assert.match(
    r.stderr,
    /\n1381\.282 kB \/ 10\.05 sec \(99\.8%\) {2}[\d.]+ kB\/s {2}\d+:\d\d elapsed\nDownload complete\n/,
  );
  assert.ok(!r.stderr.includes('\r'));
  const rd = await runBounded('rtmpdump', ['-q', '-r', url, '-o', theirs], 60_000);
  // rtmpdump: last timestamp 10.052 s of a 10.067 s duration is < 99.9 % → "incomplete".
  assert.ok(rd.code === 2 || rd.code === 0, `rtmpdump exit ${rd.code}`);
  assert.ok(readFileSync(mine).equals(readFileSync(theirs)), "byte-identical to rtmpdump's file");
  const cmp = await flvcmp(join(media, 'short.flv'), mine);
  assert.equal(cmp.code, 0, cmp.stdout.toString());
  strictTags(readFileSync(mine));

  // -o - writes the same bytes to stdout; the console stays on stderr.
  const s = await rtmpkit(['dump', '-q', '-r', url, '-o', '-']);
  assert.equal(s.code, 0, s.stderr);
  assert.ok(s.stdout.equals(readFileSync(mine)), 'stdout bytes = file bytes');

  // MP4 through nginx (mp4: playpath), -i with a librtmp option string.
  const mp4 = join(out, 'mp4-rtmpkit.flv');
  const mp4Ref = join(out, 'mp4-rtmpdump.flv');
  const m = await rtmpkit([
    'dump',
    '-q',
    '-i',
    `rtmp://127.0.0.1:${ng.port}/vod/short.mp4 timeout=20`,
    '-o',
    mp4,
  ]);
  assert.equal(m.code, 0, m.stderr);
  await runBounded(
    'rtmpdump',
    ['-q', '-r', `rtmp://127.0.0.1:${ng.port}/vod/short.mp4`, '-o', mp4Ref],
    60_000,
  );
  assert.ok(readFileSync(mp4).equals(readFileSync(mp4Ref)), "mp4: byte-identical to rtmpdump's file");
});

test('exit codes match rtmpdump: refused (3), missing stream, unknown app, bad flags (1)', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const ng = await server();
  const closed = await freePort();
  const cases: [string, string[], number][] = [
    ['refused', ['-r', `rtmp://127.0.0.1:${closed}/vod/x`], 3],
    ['missing stream', ['-r', `rtmp://127.0.0.1:${ng.port}/vod/missing.flv`], 1],
    ['unknown app', ['-r', `rtmp://127.0.0.1:${ng.port}/noapp/x`], 1],
    ['unknown flag', ['-r', `rtmp://127.0.0.1:${ng.port}/vod/short.flv`, '-Z'], 1],
    ['no playpath', ['-r', `rtmp://127.0.0.1:${ng.port}/vod`], 1],
    ['bad protocol', ['-r', `rtmp://127.0.0.1:${ng.port}/vod/x`, '-l', '9'], 1],
    ['bad AMF in -C', ['-r', `rtmp://127.0.0.1:${ng.port}/vod/x`, '-C', 'Q:1'], 1],
  ];
  for (const [name, args, expected] of cases) {
    const file = join(out, `code-${name.replace(/\s/g, '-')}.flv`);
    const rd = await runBounded('rtmpdump', ['-q', ...args, '-o', file], 30_000);
    const mine = await rtmpkit(['dump', '-q', ...args, '-o', file], 30_000);
    assert.equal(rd.code, expected, `rtmpdump ${name}: ${rd.stderr}`);
    assert.equal(mine.code, rd.code, `${name}: rtmpkit ${mine.code} vs rtmpdump ${rd.code}: ${mine.stderr}`);
    const lines = mine.stderr.trim().split('\n');
    assert.equal(
      lines.filter((l) => l.startsWith('rtmpkit: ')).length,
      1,
      `${name}: one error line\n${mine.stderr}`,
    );
  }
  const missing = await rtmpkit([
    'dump',
    '-q',
    '-r',
    `rtmp://127.0.0.1:${ng.port}/vod/missing.flv`,
    '-o',
    join(out, 'm.flv'),
  ]);
  assert.match(missing.stderr, /NetStream\.Play\.StreamNotFound/);
  assert.match(missing.stderr, /Video on demand stream not found/, "the server's description");
});

test('--resume: a file cut in the middle of a tag is completed to the full download', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const ng = await server();
  const url = `rtmp://127.0.0.1:${ng.port}/vod/short.flv`;
  const full = join(out, 'resume-full.flv');
  assert.equal((await rtmpkit(['dump', '-q', '-r', url, '-o', full])).code, 0);
  const whole = readFileSync(full);
  for (const [cut, skip] of [
    [Math.floor(whole.length * 0.55) + 3, 0],
    [Math.floor(whole.length * 0.8) + 1, 2],
  ] as const) {
    const part = join(out, `resume-${cut}.flv`);
    writeFileSync(part, whole.subarray(0, cut));
    const r = await rtmpkit(['dump', '-r', url, '-o', part, '--resume', '--skip', String(skip)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Resuming download at: [\d.]+ kB \/ [\d.]+ sec \([\d.]+%\)/);
    const cmp = await flvcmp(join(media, 'short.flv'), part);
    assert.equal(cmp.code, 0, cmp.stdout.toString());
    assert.ok(
      readFileSync(part).equals(whole),
      `cut at ${cut}, --skip ${skip}: byte-identical to the full download`,
    );
  }
  // A file of another stream: its keyframe never comes → exit 1, "try --skip 1", file untouched.
  const other = join(out, 'resume-other.flv');
  const otherBytes = makeTestFlv(10).subarray(0, 40_000);
  writeFileSync(other, otherBytes);
  const o = await rtmpkit(['dump', '-r', url, '-o', other, '--resume']);
  assert.equal(o.code, 1, o.stderr);
  assert.match(o.stderr, /Couldn't resume FLV file, try --skip 1/);
  assert.ok(readFileSync(other).equals(otherBytes), 'a failed resume leaves the file as it was');
  // An already complete file: nothing to do (rtmpdump: "Already Completed").
  const done = await rtmpkit(['dump', '-r', url, '-o', full, '-e']);
  assert.equal(done.code, 0, done.stderr);
  assert.ok(readFileSync(full).equals(whole));
});

test('--stop on VOD: exactly the source tags before the stop time, exit 0', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const ng = await server();
  const file = join(out, 'stop.flv');
  const r = await rtmpkit([
    'dump',
    '-q',
    '-r',
    `rtmp://127.0.0.1:${ng.port}/vod/short.flv`,
    '-B',
    '3',
    '-o',
    file,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const got = strictTags(readFileSync(file)).filter((x) => x.type === 8 || x.type === 9);
  const src = strictTags(readFileSync(join(media, 'short.flv'))).filter(
    (x) => (x.type === 8 || x.type === 9) && x.timestamp < 3000,
  );
  assert.ok(got.length > 100);
  assert.deepEqual(
    got.map((x) => `${x.type} ${x.timestamp} ${x.body.toString('base64')}`),
    src.map((x) => `${x.type} ${x.timestamp} ${x.body.toString('base64')}`),
  );
});

test('live: --live -B 3 stops after 3 s of stream; ffprobe reads the file', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const ng = await server();
  const url = `rtmp://127.0.0.1:${ng.port}/live/cli-stop`;
  const pub = publishLive(url);
  try {
    const file = join(out, 'live-stop.flv');
    const began = Date.now();
    const r = await rtmpkit(['dump', '-v', '-r', url, '-B', '3', '-o', file], 30_000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Starting Live Stream/);
    assert.ok(Date.now() - began < 15_000);
    const tags = strictTags(readFileSync(file)).filter((x) => x.type === 8 || x.type === 9);
    const span = tags.at(-1)!.timestamp - tags[0]!.timestamp;
    assert.ok(span >= 2800 && span < 3000, `span ${span} ms`);
    const d = await ffprobeDuration(file);
    assert.ok(d > 2.5, `ffprobe duration ${d}`);
  } finally {
    pub.child.kill('SIGINT');
    await pub.done;
  }
});

test('Ctrl-C mid-download: exit 2, "Download may be incomplete", a valid partial FLV', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const ng = await server();
  const url = `rtmp://127.0.0.1:${ng.port}/live/cli-int`;
  const pub = publishLive(url);
  try {
    const file = join(out, 'interrupted.flv');
    const dump = launch(process.execPath, [BIN, 'dump', '-v', '-r', url, '-o', file], 30_000);
    // Interrupt once enough media is on disk (not after a fixed delay: under load the
    // download may not have started yet), within a bounded wait.
    for (let i = 0; i < 200 && videoTagsOnDisk(file) < 40; i++) await new Promise((r) => setTimeout(r, 100));
    dump.child.kill('SIGINT');
    const r = await dump.done;
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Caught signal: 2, cleaning up, just a second\.\.\./);
    assert.match(r.stderr, /Download may be incomplete \(downloaded about [\d.]+%\), try resuming/);
    const tags = strictTags(readFileSync(file));
    assert.ok(tags.filter((x) => x.type === 9).length > 20, 'video received before the interrupt');
    const d = await ffprobeDuration(file);
    assert.ok(d > 1, `ffprobe duration ${d}`);
  } finally {
    pub.child.kill('SIGINT');
    await pub.done;
  }
});

test('rtmps through stunnel: verified with --tls-ca, refused without it (exit 3), --tls-insecure as rtmpdump', async (t) => {
  if (!requirePeers(t, [...NEEDS, 'stunnel'])) return;
  const ng = await server();
  const runDir = tempDir('rtmpkit-cli-stunnel-');
  const tlsPort = await freePort();
  execFileSync('bash', [join(PEERS_DIR, 'start-stunnel-rtmps.sh'), runDir], {
    env: { ...process.env, TLS_PORT: String(tlsPort), PORT: String(ng.port) },
    stdio: 'ignore',
    timeout: 60_000,
  });
  try {
    const url = `rtmps://127.0.0.1:${tlsPort}/vod/short.flv`;
    const plainFile = join(out, 'tls-plain.flv');
    const p = await rtmpkit([
      'dump',
      '-q',
      '-r',
      `rtmp://127.0.0.1:${ng.port}/vod/short.flv`,
      '-o',
      plainFile,
    ]);
    assert.equal(p.code, 0, p.stderr);
    const plain = readFileSync(plainFile);
    const verified = join(out, 'tls-verified.flv');
    const ok = await rtmpkit(['dump', '-q', '-r', url, '--tls-ca', join(runDir, 'cert.pem'), '-o', verified]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(readFileSync(verified).equals(plain), 'same bytes as over plain RTMP');
    const untrusted = await rtmpkit(['dump', '-q', '-r', url, '-o', join(out, 'tls-untrusted.flv')]);
    assert.equal(untrusted.code, 3, untrusted.stderr);
    assert.match(untrusted.stderr, /^rtmpkit: .*(certificate|self.signed)/im);
    const insecure = await rtmpkit([
      'dump',
      '-q',
      '-l',
      '4',
      '-n',
      '127.0.0.1',
      '-c',
      String(tlsPort),
      '-a',
      'vod',
      '-y',
      'short',
      '--tls-insecure',
      '-o',
      join(out, 'tls-insecure.flv'),
    ]);
    assert.equal(insecure.code, 0, insecure.stderr);
    assert.ok(readFileSync(join(out, 'tls-insecure.flv')).equals(plain));
  } finally {
    execFileSync('bash', [join(PEERS_DIR, 'stop-peer.sh'), runDir], { stdio: 'ignore', timeout: 15_000 });
    rmSync(runDir, { recursive: true, force: true });
  }
});

/** Video tags in the complete tags of a (possibly still growing) FLV file; 0 when it does not exist yet. */
function videoTagsOnDisk(file: string): number {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return 0;
  }
  let n = 0;
  for (let pos = 13; pos + 11 <= buf.length; ) {
    const size = buf.readUIntBE(pos + 1, 3);
    if (pos + 11 + size + 4 > buf.length) break;
    if (buf[pos] === 9) n++;
    pos += 11 + size + 4;
  }
  return n;
}
