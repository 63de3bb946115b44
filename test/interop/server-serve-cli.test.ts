/**
 * `rtmpkit serve --record DIR --push URL --keys FILE --http-port 0`, the BUILT binary,
 * with real peers: ffmpeg publishes with a key from the file (recorded: flvcmp-equal to
 * the source; pushed into nginx-rtmp: equal to nginx's recording of ffmpeg publishing
 * directly), /stats and the status page answer on the printed HTTP port, ffprobe reads
 * HTTP-FLV; a publish with an unknown key is refused and the key is not printed. The
 * limit flags reach the server: with `--max-per-address 1` a second connection from
 * 127.0.0.1 (rtmpdump) is refused and logged while a first one is open, and
 * `--handshake-timeout` cuts that first one. Bad flag values exit 1 with a message.
 * Every child is bounded and killed by its PID.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { copyFlv, flvcmp } from '../helpers/ffmpeg.js';
import {
  makeMedia,
  type RunResult,
  requirePeers,
  runBounded,
  startNginx,
  tempDir,
} from '../helpers/peers.js';
import { startServe } from '../helpers/serve-cli.js';
import { until } from '../unit/server-harness.js';

const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const out = tempDir('rtmpkit-serve-cli-');
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(out, { recursive: true, force: true });
});

const rtmpkit = (args: string[], timeoutMs = 30_000): Promise<RunResult> =>
  runBounded(process.execPath, [BIN, ...args], timeoutMs);

test('serve --record --push --keys --http-port: recorded, pushed, reported; an unknown key is refused unprinted', async (t) => {
  if (
    !requirePeers(t, [
      'ffmpeg',
      'ffprobe',
      '/usr/bin/python3',
      'nginx',
      '/usr/lib/nginx/modules/ngx_rtmp_module.so',
    ])
  )
    return;
  const media = makeMedia();
  const src = join(media, 'short.flv');
  const nginx = await startNginx({ mediaDir: media });
  const rec = join(out, 'rec');
  const keys = join(out, 'keys.txt');
  writeFileSync(keys, '# publishing keys\nlive/cam-K3Y\n');
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--port',
      '0',
      '--http-port',
      '0',
      '--record',
      rec,
      '--keys',
      keys,
      '--push',
      `live=rtmp://127.0.0.1:${nginx.port}/rec`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let text = '';
  child.stdout!.on('data', (d: Buffer) => {
    text += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    text += d.toString();
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  try {
    // The banner may arrive in several reads: wait for its push line, printed after http.
    await until(
      () => /http:\s+http:\/\/127\.0\.0\.1:\d+\//.test(text) && /push:/.test(text),
      20_000,
      'serve started',
    );
    const rtmp = `rtmp://127.0.0.1:${/listening on rtmp:\/\/127\.0\.0\.1:(\d+)/.exec(text)![1]}`;
    const http = `http://127.0.0.1:${/http:\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(text)![1]}`;
    assert.match(text, /record: every publish to /);
    assert.match(text, new RegExp(`push:\\s+app live to rtmp://127\\.0\\.0\\.1:${nginx.port}/rec`));

    const refused = await copyFlv(src, `${rtmp}/live/GUESSED-key`, [], 30_000);
    assert.notEqual(refused.code, 0, 'ffmpeg fails on a refused publish');

    const pub = copyFlv(src, `${rtmp}/live/cam-K3Y`, ['-re', '-t', '4']);
    await until(() => /publishes live\/ca\*\*\* /.test(text), 20_000, 'publishing');
    await new Promise((res) => setTimeout(res, 2000));
    const stats = JSON.parse(await (await fetch(`${http}/stats`)).text()) as {
      apps: {
        streams: { name: string; bitrateIn: number; recording: unknown; pushes: { state: string }[] }[];
      }[];
    };
    const st = stats.apps[0]!.streams[0]!;
    assert.equal(st.name, 'cam-K3Y');
    assert.ok(st.bitrateIn > 0 && st.recording !== null);
    assert.equal(st.pushes[0]?.state, 'publishing');
    assert.match(await (await fetch(`${http}/`)).text(), /<title>rtmpkit server<\/title>/);
    const probe = await runBounded(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', `${http}/live/cam-K3Y.flv`],
      30_000,
    );
    assert.equal(probe.code, 0, probe.stderr);
    assert.deepEqual(probe.stdout.toString().trim().split('\n').sort(), ['aac', 'h264']);
    assert.equal((await pub).code, 0);
    await until(() => /recorded .*ca\*\*\*-\d{8}-\d{6}\.flv/.test(text), 20_000, 'recording closed');
    await until(() => /stopped publishing live\/ca\*\*\*/.test(text), 20_000, 'unpublished');

    // The recording is the first 4 s of the source; ffmpeg -t cut the same from the file.
    const cut = join(out, 'cut.flv');
    assert.equal((await copyFlv(src, cut, ['-t', '4'])).code, 0);
    const [file] = readdirSync(join(rec, 'live'));
    await flvcmp(cut, join(rec, 'live', file!));
    const direct = await copyFlv(src, `rtmp://127.0.0.1:${nginx.port}/rec/direct`, ['-t', '4']);
    assert.equal(direct.code, 0);
    await new Promise((res) => setTimeout(res, 1500)); // nginx finishes both recordings
    await flvcmp(join(nginx.runDir, 'rec', 'direct.flv'), join(nginx.runDir, 'rec', 'cam-K3Y.flv'));

    assert.match(text, /refused|denied/i);
    assert.ok(!text.includes('GUESSED-key'), 'the refused key is not printed');
    assert.ok(!text.includes('cam-K3Y'), 'the accepted key is masked in the log (no --show-keys)');
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  } finally {
    clearTimeout(guard);
    if (child.exitCode === null) child.kill('SIGKILL');
    nginx.stop();
  }
});

test('serve: bad --push, --keys, --record, --http-port and limit values exit 1 with a message', async () => {
  const file = join(out, 'not-a-dir');
  mkdirSync(out, { recursive: true });
  writeFileSync(file, 'x');
  const cases: [string[], RegExp][] = [
    [['--push', 'bogus'], /--push bogus: expected URL or APP\[\/NAME\]=URL/],
    [['--push', 'live=http://h/app'], /push URL/],
    [['--push', '=rtmp://h/app'], /expected URL or APP/],
    [['--keys', join(out, 'missing.txt')], /--keys .*missing\.txt: ENOENT/],
    [['--record', file], /--record .*not-a-dir: not a directory/],
    [['--http-port', '70000'], /http-port/],
    [['--max-connections', '0'], /--max-connections must be an integer in 1\.\.1000000, got 0/],
    [['--max-per-address', 'two'], /option '--max-per-address' needs a whole number, got 'two'/],
    [['--handshake-timeout', '1.5'], /option '--handshake-timeout' needs a whole number/],
    [['--max-output-buffer', '64Q'], /option '--max-output-buffer' needs a byte count/],
    [['--max-command-rate', '5k'], /option '--max-command-rate' needs a whole number, got '5k'/],
    [['--max-chunk-size', '12'], /--max-chunk-size must be an integer in 128\.\./],
    [
      ['--max-output-buffer', '1M', '--output-high-water', '2M'],
      /--max-output-buffer must be an integer in 2097152\.\./,
    ],
    [['--max-c', '5'], /option '--max-c' is ambiguous/],
  ];
  for (const [args, re] of cases) {
    const r = await rtmpkit(['serve', '--port', '0', ...args]);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
  }
  assert.equal(readFileSync(file, 'utf8'), 'x');
});

test('serve --max-per-address 1 --handshake-timeout: a second connection is refused and logged; a stalled one is cut', async (t) => {
  if (!requirePeers(t, ['rtmpdump'])) return;
  const serve = await startServe([
    '--max-per-address',
    '1',
    '--handshake-timeout',
    '3000',
    '--max-output-buffer',
    '2M',
  ]);
  try {
    // --max-output-buffer 2M alone is accepted: the output high-water mark follows it down.
    assert.match(
      serve.text(),
      /limits: maxConnectionsPerAddress 1, handshakeTimeoutMs 3000, maxOutputBuffer 2097152/,
    );
    const url = `rtmp://127.0.0.1:${serve.port}/vod/test`;
    // The first connection from 127.0.0.1 holds the only slot (it never handshakes).
    const holder = tcpConnect(serve.port, '127.0.0.1');
    const holderClosed = new Promise<number>((res) => holder.once('close', () => res(performance.now())));
    holder.on('error', () => {});
    await new Promise<void>((res) => holder.once('connect', () => res()));
    const heldAt = performance.now();
    const refused = await runBounded('rtmpdump', ['-q', '-r', url, '-o', '/dev/null'], 20_000);
    assert.notEqual(refused.code, 0, 'rtmpdump is refused while the slot is taken');
    await until(() => /ERR_SERVER_LIMIT_CONNECTIONS_PER_ADDRESS/.test(serve.text()), 5000, 'refusal logged');
    assert.match(
      serve.text(),
      /refused 127\.0\.0\.1: 1 connections open from it \(maxConnectionsPerAddress 1\)/,
    );
    // --handshake-timeout cuts the holder 3 s after its accept, whatever it does.
    const cutAfter = (await holderClosed) - heldAt;
    assert.ok(cutAfter > 2500 && cutAfter < 8000, `holder cut after ${Math.round(cutAfter)} ms`);
    await until(() => /ERR_SERVER_LIMIT_HANDSHAKE_TIMEOUT/.test(serve.text()), 5000, 'handshake cut logged');
    // The slot is free again: the same command now downloads the test stream.
    const ok = await runBounded('rtmpdump', ['-q', '-r', url, '-o', '/dev/null'], 30_000);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    assert.equal(await serve.stop(), 0);
  }
});
