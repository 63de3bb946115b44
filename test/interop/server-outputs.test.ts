/**
 * The embedded server's outputs against REAL peers on loopback: ffmpeg publishes and
 * the recording equals the source (test/peers/flvcmp.py), also when ffmpeg is killed
 * with SIGKILL mid-stream (ffprobe reads the file; its tags are the source's up to
 * where it stopped); ffprobe and ffmpeg read HTTP-FLV from the HTTP port (flvcmp-equal
 * for a reader that was there first); headless Chromium renders the status page with
 * the stream's name and bitrate; a push into nginx-rtmp's recording app gives nginx the
 * same file as ffmpeg publishing the source to nginx directly (nginx adds its own
 * codec headers to recordings, so the source itself is not the reference there). Every child is bounded and only PIDs started here are
 * signalled; servers close in `finally`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createServer, type RTMPServer } from '../../src/server/server.js';
import type { RecordingInfo } from '../../src/server/types.js';
import { copyArgs, copyFlv, flvcmp, quiet } from '../helpers/ffmpeg.js';
import { makeMedia, requirePeers, runBounded, startNginx, tempDir } from '../helpers/peers.js';
import { until } from '../unit/server-harness.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dir(prefix: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
}

const FF = ['ffmpeg', 'ffprobe', '/usr/bin/python3'];

/** ffprobe's stream codecs of a file or URL; ffprobe must report no error. */
async function probeCodecs(input: string): Promise<string[]> {
  const r = await runBounded(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', input],
    60_000,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', 'ffprobe reports no error');
  return r.stdout.toString().trim().split('\n').sort();
}

/** A/V tags (type, timestamp, body) of an FLV file, checking it ends at a tag boundary. */
function avTags(file: Buffer): string[] {
  assert.equal(file.subarray(0, 3).toString(), 'FLV');
  const out: string[] = [];
  let pos = file.readUInt32BE(5) + 4;
  while (pos < file.length) {
    assert.ok(pos + 11 <= file.length, 'a whole tag header');
    const size = file.readUIntBE(pos + 1, 3);
    assert.ok(pos + 11 + size + 4 <= file.length, `tag at ${pos} is whole`);
    const type = file[pos]! & 0x1f;
    const ts = (file.readUIntBE(pos + 4, 3) | (file[pos + 7]! << 24)) >>> 0;
    if (type === 8 || type === 9)
      out.push(`${type} ${ts} ${file.subarray(pos + 11, pos + 11 + size).toString('base64')}`);
    pos += 11 + size + 4;
  }
  return out;
}

async function start(options: Parameters<typeof createServer>[0] = {}) {
  const server = createServer(options);
  const { port } = await server.listen({ port: 0 });
  const { port: http } = await server.listenHttp({ port: 0 });
  return { server, rtmp: `rtmp://127.0.0.1:${port}`, http: `http://127.0.0.1:${http}` };
}

function once<T>(server: RTMPServer, event: 'recordStop' | 'publish'): Promise<T> {
  return new Promise((res) => server.once(event, (x: unknown) => res(x as T)));
}

test('record: ffmpeg publishes; the file is flvcmp-equal to the source and ffprobe reads it', async (t) => {
  if (!requirePeers(t, FF)) return;
  const src = join(makeMedia(), 'short.flv');
  const rec = dir('rtmpkit-rec-ff-');
  const { server, rtmp } = await start({ record: rec });
  try {
    const stopped = once<RecordingInfo>(server, 'recordStop');
    const pub = await copyFlv(src, `${rtmp}/live/clean`);
    assert.equal(pub.code, 0, pub.stderr);
    const info = await stopped;
    assert.equal(info.error, undefined);
    assert.deepEqual(readdirSync(join(rec, 'live')), [info.path.slice(join(rec, 'live').length + 1)]);
    await flvcmp(src, info.path);
    assert.deepEqual(await probeCodecs(info.path), ['aac', 'h264']);
  } finally {
    await server.close();
  }
});

test('record: ffmpeg killed with SIGKILL mid-stream leaves a valid file, the source up to where it stopped', async (t) => {
  if (!requirePeers(t, FF)) return;
  const src = join(makeMedia(), 'short.flv');
  const { server, rtmp } = await start({ record: dir('rtmpkit-rec-kill-') });
  try {
    const stopped = once<RecordingInfo>(server, 'recordStop');
    const published = once(server, 'publish');
    const child = spawn('ffmpeg', quiet(copyArgs(src, `${rtmp}/live/cut`, ['-re'])), { stdio: 'ignore' });
    const exited = new Promise((res) => child.once('exit', res));
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await published;
    await new Promise((res) => setTimeout(res, 3000));
    child.kill('SIGKILL');
    await exited;
    clearTimeout(guard);
    const info = await stopped;
    assert.equal(info.error, undefined);
    const got = avTags(readFileSync(info.path));
    const want = avTags(readFileSync(src));
    assert.ok(got.length > 50 && got.length < want.length, `${got.length} of ${want.length} tags`);
    assert.deepEqual(got, want.slice(0, got.length), 'the source tags, in order, up to the kill');
    assert.deepEqual(await probeCodecs(info.path), ['aac', 'h264']);
    const decode = await runBounded('ffmpeg', ['-v', 'error', '-i', info.path, '-f', 'null', '-'], 60_000);
    assert.equal(decode.code, 0, decode.stderr);
    assert.equal(decode.stderr.trim(), '', 'decodes without an error');
  } finally {
    await server.close();
  }
});

test('HTTP-FLV: ffmpeg reading the URL first gets a flvcmp-equal copy; ffprobe reads the live URL', async (t) => {
  if (!requirePeers(t, FF)) return;
  const src = join(makeMedia(), 'short.flv');
  const { server, rtmp, http } = await start();
  try {
    const out = join(dir('rtmpkit-httpflv-'), 'out.flv');
    const reader = copyFlv(`${http}/live/x.flv`, out);
    await until(
      () => server.stats().clients.some((c) => c.protocol === 'http-flv'),
      10_000,
      'the reader waits',
    );
    const published = once(server, 'publish');
    const pub = copyFlv(src, `${rtmp}/live/x`, ['-re']);
    await published;
    assert.deepEqual(await probeCodecs(`${http}/live/x.flv`), ['aac', 'h264'], 'ffprobe of the live URL');
    assert.equal((await pub).code, 0);
    const r = await reader; // the response ends with the publish
    assert.equal(r.code, 0, r.stderr);
    await flvcmp(src, out);
  } finally {
    await server.close();
  }
});

test('status page in headless Chromium: it shows the published stream and its bitrate', async (t) => {
  if (!requirePeers(t, [...FF, 'chromium'])) return;
  const src = join(makeMedia(), 'short.flv');
  const { server, rtmp, http } = await start();
  try {
    const published = once(server, 'publish');
    const pub = copyFlv(src, `${rtmp}/live/chromium-cam`, ['-re']);
    await published;
    await new Promise((res) => setTimeout(res, 2500)); // a few seconds of bitrate history
    const profile = dir('rtmpkit-chromium-');
    const r = await runBounded(
      'chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        `--user-data-dir=${profile}`,
        // Lets the page's fetch('/stats') and rendering finish before the DOM is dumped.
        '--virtual-time-budget=5000',
        '--dump-dom',
        `${http}/`,
      ],
      90_000,
    );
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const dom = r.stdout.toString();
    const row = /<tr>(?:(?!<\/tr>).)*chromium-cam(?:(?!<\/tr>).)*<\/tr>/s.exec(dom)?.[0];
    assert.ok(row, `the stream's row is on the page:\n${dom.slice(0, 3000)}`);
    assert.match(row, /<td data-field="name">live\/chromium-cam<\/td>/);
    const kbps = /<td data-field="bitrateIn" class="n">(\d+) kbit\/s<\/td>/.exec(row);
    assert.ok(kbps && Number(kbps[1]) > 100, `a bitrate: ${row}`);
    assert.match(row, /avc 640x360 30 fps/);
    await pub;
  } finally {
    await server.close();
  }
});

test('push into nginx-rtmp (its recording app): nginx records the push as it records ffmpeg publishing the source itself', async (t) => {
  if (!requirePeers(t, [...FF, 'nginx', '/usr/lib/nginx/modules/ngx_rtmp_module.so'])) return;
  const media = makeMedia();
  const src = join(media, 'short.flv');
  const nginx = await startNginx({ mediaDir: media });
  const { server, rtmp } = await start({ push: [`rtmp://127.0.0.1:${nginx.port}/rec`] });
  /** nginx's recording of `name`, once it has tags and stopped growing. */
  const recording = async (name: string): Promise<string> => {
    const file = join(nginx.runDir, 'rec', `${name}.flv`);
    let last = -1;
    await until(
      () => {
        let size = -2;
        try {
          size = readFileSync(file).length;
        } catch {}
        const settled = size > 13 && size === last;
        last = size;
        return settled;
      },
      15_000,
      `nginx recording ${name}`,
    );
    return file;
  };
  try {
    const pushed = new Promise((res) => server.once('pushStart', res));
    const pub = await copyFlv(src, `${rtmp}/live/pushed`);
    assert.equal(pub.code, 0, pub.stderr);
    await pushed;
    // The relay sends what it queued, then unpublishes: nginx closes its recording.
    await until(() => server.stats().apps.length === 0, 15_000, 'push finished');
    const direct = await copyFlv(src, `rtmp://127.0.0.1:${nginx.port}/rec/direct`);
    assert.equal(direct.code, 0, direct.stderr);
    await flvcmp(await recording('direct'), await recording('pushed'));
    assert.deepEqual(await probeCodecs(await recording('pushed')), ['aac', 'h264']);
  } finally {
    await server.close();
    nginx.stop();
  }
});
