/**
 * What the `rtmpkit` binary prints, run as a user runs it — into pipes, and into a real
 * pseudo-terminal (util-linux `script`) where it matters — against the embedded server:
 * no arguments → usage + exit 1; binary FLV refused on a terminal (curl-style, `-o -`
 * forces it); progress with `\r`, rate and ETA on a terminal and never `\r` into a pipe;
 * `--json` NDJSON for dump, publish and serve; each error once (also a non-RTMP port);
 * server strings with control characters escaped; stream keys masked unless
 * `--show-keys`; the README's `call … MyMath.MyAdd '[1, 2]'` against `rtmpkit serve`.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AMFObject, amf0 } from '../../src/amf/index.js';
import { FlvDemuxer } from '../../src/flv/demuxer.js';
import { FlvMuxer } from '../../src/flv/muxer.js';
import { createServer, makeTestFlv, type RTMPServer } from '../../src/index.js';
import { runBounded, tempDir, which } from '../helpers/peers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const KEY = 'SECRETKEY123';

const cli = (...args: string[]) => runBounded(process.execPath, [MAIN, ...args], 60_000);

/** Runs the CLI on a pseudo-terminal (stdin, stdout and stderr all a TTY); output as the terminal got it. */
async function onTerminal(...args: string[]): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, MAIN, ...args].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  const r = await runBounded('script', ['-qefc', command, '/dev/null'], 60_000);
  return { code: r.code, screen: r.stdout.toString('latin1') };
}

/** 2 s of test media whose onMetaData title tries to set the terminal's window title. */
function hostileFlv(): Buffer {
  const d = new FlvDemuxer();
  const tags = d.push(makeTestFlv(2));
  const m = new FlvMuxer();
  const meta = amf0.encode(
    'onMetaData',
    new AMFObject({ duration: 2, title: '\u001b]0;pwned\u0007x\u009b2J' }),
  );
  const parts: Buffer[] = [
    m.header({ audio: true, video: true }),
    ...m.writeTag({ type: 18, timestamp: 0, payload: meta }),
  ];
  for (const t of tags) if (t.type !== 18) parts.push(...m.writeTag(t));
  return Buffer.concat(parts);
}

describe('rtmpkit output', { timeout: 300_000 }, () => {
  let server: RTMPServer;
  let base: string;
  let dir: string;

  before(async () => {
    dir = tempDir('rtmpkit-cli-out-');
    server = createServer({
      vodFiles: { test: makeTestFlv(3), hostile: hostileFlv(), long: makeTestFlv(120) },
      onPublish: (r) =>
        r.name === KEY
          ? { code: 'NetStream.Publish.BadName', description: `stream ${r.name} is taken` }
          : true,
    });
    base = `rtmp://127.0.0.1:${(await server.listen({ host: '127.0.0.1', port: 0 })).port}`;
  });
  after(async () => {
    await server.close();
  });

  it('rtmpkit with no arguments prints the usage on stderr and exits 1', async () => {
    const r = await cli();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Usage: rtmpkit <command>/m);
    assert.equal(r.stdout.length, 0);
    assert.equal((await cli('--help')).code, 0);
  });

  it('dump refuses binary FLV on a terminal (with the hint), -o - forces it, -o FILE is fine', async (t) => {
    if (which('script') === undefined) return t.skip('util-linux script missing');
    const refused = await onTerminal('dump', '-r', `${base}/vod/test`);
    assert.equal(refused.code, 1);
    assert.match(refused.screen, /not writing binary FLV to a terminal: save it with -o FILE/);
    assert.doesNotMatch(refused.screen, /FLV\x01/);
    const forced = await onTerminal('dump', '-q', '-r', `${base}/vod/test`, '-o', '-');
    assert.equal(forced.code, 0);
    assert.match(forced.screen, /FLV\x01/);
  });

  it('progress: \\r with rate on a terminal; plain lines, never \\r, into a pipe', async (t) => {
    const file = join(dir, 'p.flv');
    const piped = await cli('dump', '-r', `${base}/vod/test`, '-o', file);
    assert.equal(piped.code, 0, piped.stderr);
    assert.ok(!piped.stderr.includes('\r'), JSON.stringify(piped.stderr));
    assert.match(
      piped.stderr,
      /^\d+\.\d{3} kB \/ \d\.\d\d sec \(100\.0%\) {2}[\d.]+ kB\/s {2}0:0\d elapsed$/m,
    );
    if (which('script') === undefined) return t.skip('util-linux script missing');
    const tty = await onTerminal('dump', '-r', `${base}/vod/test`, '-o', file);
    assert.equal(tty.code, 0);
    assert.match(tty.screen, /\r\d+\.\d{3} kB \/ \d+\.\d\d sec \([\d.]+%\) {2}[\d.]+ kB\/s {2}0:0\d elapsed/);
    assert.match(tty.screen, /\r\d+\.\d{3} kB \/ \d\.\d\d sec \(100\.0%\)\r?\n/); // rtmpdump's final line
  });

  it('dump --json: NDJSON on stdout (stderr when the FLV goes there), rounded numbers', async () => {
    const r = await cli('dump', '--json', '-r', `${base}/vod/test`, '-o', join(dir, 'j.flv'));
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    const events = r.stdout
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      [...new Set(events.map((e) => e.event))],
      ['start', 'connected', 'metadata', 'progress', 'end'],
    );
    const end = events.at(-1);
    assert.equal(end.result, 'complete');
    assert.equal(end.exitCode, 0);
    for (const e of events.filter((x) => x.event === 'progress')) {
      assert.equal(e.seconds, Math.round(e.seconds * 1000) / 1000);
      assert.equal(e.rateKBps, Math.round(e.rateKBps * 10) / 10);
    }
    const toStdout = await cli('dump', '--json', '-r', `${base}/vod/test`, '-o', '-');
    assert.equal(toStdout.stdout.subarray(0, 3).toString(), 'FLV');
    assert.match(toStdout.stderr, /^\{"event":"end","result":"complete"/m);
  });

  it('publish --json and the stream key: masked in every line, shown with --show-keys; the refusal once', async () => {
    const input = join(dir, 'in.flv');
    writeFileSync(input, makeTestFlv(1));
    const url = `${base}/live/${KEY}`;
    const text = await cli('publish', '--no-realtime', url, input);
    assert.equal(text.code, 1);
    assert.ok(!text.stderr.includes(KEY), text.stderr);
    assert.match(text.stderr, /^Connecting to rtmp:\/\/127\.0\.0\.1:\d+\/live\/SE\*\*\* \.\.\.$/m);
    assert.equal(text.stderr.match(/stream SE\*\*\* is taken/g)?.length, 1, text.stderr);
    const shown = await cli('publish', '--show-keys', '--no-realtime', url, input);
    assert.match(shown.stderr, new RegExp(`stream ${KEY} is taken`));
    const json = await cli('publish', '--json', '--no-realtime', `${base}/live/okstream`, input);
    assert.equal(json.code, 0, json.stderr);
    const events = json.stdout
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(events[0], {
      event: 'start',
      url: `${base}/live/ok***`,
      input,
      realtime: false,
      loop: false,
    });
    assert.deepEqual(events.at(-1).event, 'end');
  });

  it('server strings with control characters are escaped (dump metadata, probe report)', async () => {
    const dump = await cli('dump', '-r', `${base}/vod/hostile`, '-o', join(dir, 'h.flv'));
    assert.equal(dump.code, 0, dump.stderr);
    assert.ok(!/[\u001b\u0007\u009b]/.test(dump.stderr), JSON.stringify(dump.stderr));
    assert.match(dump.stderr, /INFO: {3}title {17}\\x1b\]0;pwned\\x07x\\x9b2J/);
    const probe = await cli('probe', '--seconds', '1', `${base}/vod/hostile`);
    assert.ok(!/[\u001b\u0007\u009b]/.test(probe.stdout.toString()));
    assert.match(probe.stdout.toString(), /title {17}\\x1b\]0;pwned/);
    const json = await cli('probe', '--json', '--seconds', '1', `${base}/vod/hostile`);
    const report = JSON.parse(json.stdout.toString());
    assert.equal(report.metadata.title, '\u001b]0;pwned\u0007x\u009b2J', 'JSON keeps the value, escaped');
    assert.match(json.stdout.toString(), /\\u009b/);
    assert.equal(report.bitrateKbps, Math.round(report.bitrateKbps * 1000) / 1000, 'rounded');
  });

  it("--json error events carry the library's stable code (a refused port, a missing stream); probe --json reports a failure as JSON", async () => {
    const events = (r: { stdout: Buffer }) =>
      r.stdout
        .toString()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    // A port nothing listens on: bind one, note it, close it.
    const probe: Server = createHttpServer();
    await new Promise<void>((res) => probe.listen(0, '127.0.0.1', () => res()));
    const closed = (probe.address() as { port: number }).port;
    await new Promise((res) => probe.close(res));
    const refused = await cli(
      'dump',
      '--json',
      '-r',
      `rtmp://127.0.0.1:${closed}/vod/x`,
      '-o',
      join(dir, 'r.flv'),
    );
    assert.equal(refused.code, 3);
    const refusedError = events(refused).find((e) => e.event === 'error');
    assert.equal(refusedError.code, 'ERR_RTMP_CONNECTION', JSON.stringify(refusedError));
    assert.equal(refusedError.exitCode, 3);

    const missing = await cli('dump', '--json', '-r', `${base}/vod/nosuch`, '-o', join(dir, 'm.flv'));
    assert.equal(missing.code, 1);
    const missingError = events(missing).find((e) => e.event === 'error');
    assert.equal(missingError.code, 'ERR_RTMP_PLAY_FAILED', JSON.stringify(missingError));

    const input = join(dir, 'code.flv');
    writeFileSync(input, makeTestFlv(1));
    const pub = await cli('publish', '--json', '--no-realtime', `rtmp://127.0.0.1:${closed}/live/x`, input);
    assert.equal(pub.code, 3);
    assert.equal(events(pub).find((e) => e.event === 'error').code, 'ERR_RTMP_CONNECTION');
    // probe --json: stdout is one JSON document, the failure included.
    const probed = await cli('probe', '--json', `${base}/vod/nosuch`);
    assert.equal(probed.code, 1);
    const report = JSON.parse(probed.stdout.toString());
    assert.equal(report.error.code, 'ERR_RTMP_PLAY_FAILED', probed.stdout.toString());
    assert.equal(report.error.exitCode, 1);
    assert.match(report.error.message, /StreamNotFound/);
    const down = await cli('probe', '--json', `rtmp://127.0.0.1:${closed}/vod/x`);
    assert.equal(down.code, 3);
    assert.equal(JSON.parse(down.stdout.toString()).error.code, 'ERR_RTMP_CONNECTION');
    // No library error behind a bad flag: no code, the event is still there.
    const usage = await cli('dump', '--json', '-r', `${base}/vod/test`, '-m', 'x');
    assert.equal(usage.code, 1);
  });

  it('dump -o into a missing folder or onto a folder: exit 1 before connecting; an existing file survives', async () => {
    const gone: Server = createHttpServer();
    await new Promise<void>((res) => gone.listen(0, '127.0.0.1', () => res()));
    const closed = (gone.address() as { port: number }).port;
    await new Promise((res) => gone.close(res));
    for (const target of [join(dir, 'no-such-folder', 'x.flv'), dir]) {
      // The server is down too: rtmpdump reports the file (exit 1), not the connection (3).
      const r = await cli('dump', '-r', `rtmp://127.0.0.1:${closed}/vod/x`, '-o', target);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /rtmpkit: Failed to open file! /);
      assert.doesNotMatch(r.stderr, /Connecting/);
    }
    const existing = join(dir, 'existing.flv');
    writeFileSync(existing, 'keep me');
    const refused = await cli('dump', '-r', `rtmp://127.0.0.1:${closed}/vod/x`, '-o', existing);
    assert.equal(refused.code, 3, refused.stderr);
    assert.equal(readFileSync(existing, 'utf8'), 'keep me');
  });

  it('dump --json -o - into a reader that goes away: the error event has exit code 2, as the exit', async () => {
    const child = spawn(process.execPath, [MAIN, 'dump', '--json', '-r', `${base}/vod/long`, '-o', '-'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    // The reader takes the first bytes and leaves (as `| head -c 1000` does).
    child.stdout!.once('data', () => child.stdout!.destroy());
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    clearTimeout(timer);
    assert.equal(code, 2, stderr);
    const events = stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const error = events.find((e) => e.event === 'error');
    assert.match(error.message, /the output was closed \(EPIPE\)/);
    assert.equal(error.exitCode, 2);
    assert.equal(events.at(-1).exitCode, 2);
  });

  it('an error is printed once: a port that speaks HTTP, not RTMP', async () => {
    const http: Server = createHttpServer((_q, s) => s.end('<!DOCTYPE html>'));
    await new Promise<void>((res) => http.listen(0, '127.0.0.1', () => res()));
    const port = (http.address() as { port: number }).port;
    try {
      const r = await cli('dump', '-r', `rtmp://127.0.0.1:${port}/app/x`, '-o', join(dir, 'e.flv'));
      assert.equal(r.code, 3);
      assert.equal(r.stderr.match(/server answered/g)?.length, 1, r.stderr);
      const j = await cli('probe', `rtmp://127.0.0.1:${port}/app/x`);
      assert.equal(j.stderr.match(/server answered/g)?.length, 1, j.stderr);
    } finally {
      await new Promise((res) => http.close(res));
    }
  });

  describe('rtmpkit serve', () => {
    let serve: ChildProcess;
    let url: string;
    const lines: string[] = [];

    before(async () => {
      serve = spawn(process.execPath, [MAIN, 'serve', '--json', '--port', '0'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let buf = '';
      url = await new Promise<string>((res, rej) => {
        serve.once('exit', (code) => rej(new Error(`serve exited ${code}`)));
        serve.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          for (;;) {
            const nl = buf.indexOf('\n');
            if (nl < 0) break;
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            lines.push(line);
            const e = JSON.parse(line);
            if (e.event === 'listening') res(e.url);
          }
        });
      });
    });
    after(async () => {
      const exited = new Promise((res) => serve.once('exit', res));
      serve.kill('SIGINT'); // by PID: the process this test started
      await exited;
    });

    it("the README's call example works: MyMath.MyAdd '[1, 2]' prints 3", async () => {
      const r = await cli('call', `${url}/app`, 'MyMath.MyAdd', '[1, 2]');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), '3\n');
      const unknown = await cli('call', `${url}/app`, 'nope');
      assert.equal(unknown.code, 1);
      assert.equal(unknown.stderr.match(/no method 'nope'/g)?.length, 1, unknown.stderr);
    });

    it('serve --json: NDJSON events, live stream names masked', async () => {
      const input = join(dir, 's.flv');
      writeFileSync(input, makeTestFlv(1));
      assert.equal((await cli('publish', '--no-realtime', `${url}/live/${KEY}`, input)).code, 0);
      await new Promise((res) => setTimeout(res, 200));
      const events = lines.map((l) => JSON.parse(l));
      const names = events.map((e) => e.event);
      for (const e of ['listening', 'connect', 'call', 'publish', 'unpublish', 'disconnect']) {
        assert.ok(names.includes(e), `${e} in ${names.join(',')}`);
      }
      const publish = events.find((e) => e.event === 'publish');
      assert.equal(publish.name, 'SE***');
      assert.ok(!lines.join('\n').includes(KEY));
      assert.match(publish.time, /^\d{4}-\d\d-\d\dT/);
    });

    it('a port in use: serve reports it once and exits 1', async () => {
      const port = new URL(url.replace('rtmp:', 'http:')).port;
      const r = await cli('serve', '--port', port);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.match(/cannot listen on 127\.0\.0\.1:\d+/g)?.length, 1, r.stderr);
    });
  });
});
