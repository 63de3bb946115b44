/**
 * The embedded server against REAL ffmpeg on loopback: ffmpeg publishes into the live
 * relay while another ffmpeg plays it (`-c copy -f flv`), a late joiner, VOD playback
 * and VOD seeking (`-ss`, which FFmpeg implements with the RTMP seek command).
 * Packets are compared with `ffprobe -show_packets -show_data_hash MD5`. Every child
 * runs bounded (runBounded kills only the PID it started); servers close in `finally`.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { RTMPServerOptions } from '../../src/server/options.js';
import { createServer, type RTMPServer } from '../../src/server/server.js';
import { makeMedia, requirePeers, runBounded, tempDir } from '../helpers/peers.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function outFile(name = 'out.flv'): string {
  const d = tempDir('rtmpkit-srv-ff-');
  dirs.push(d);
  return join(d, name);
}

async function start(options: RTMPServerOptions = {}): Promise<{ server: RTMPServer; url: string }> {
  const server = createServer(options);
  const { port } = await server.listen({ port: 0 });
  return { server, url: `rtmp://127.0.0.1:${port}` };
}

interface Packet {
  type: string;
  pts: number;
  dts: number;
  flags: string;
  size: number;
  hash: string;
}

/** ffprobe's packets of a file. */
async function packets(file: string): Promise<Packet[]> {
  const r = await runBounded(
    'ffprobe',
    [
      '-v',
      'error',
      '-show_packets',
      '-show_data_hash',
      'MD5',
      '-show_entries',
      'packet=codec_type,pts,dts,flags,size,data_hash',
      '-of',
      'json',
      file,
    ],
    60_000,
  );
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout.toString()) as {
    packets: {
      codec_type: string;
      pts: number;
      dts: number;
      flags: string;
      size: string;
      data_hash: string;
    }[];
  };
  return j.packets.map((p) => ({
    type: p.codec_type,
    pts: p.pts,
    dts: p.dts,
    flags: p.flags,
    size: Number(p.size),
    hash: p.data_hash,
  }));
}

const row = (p: Packet) => `${p.type} ${p.pts} ${p.dts} ${p.flags} ${p.size} ${p.hash}`;
const content = (p: Packet) => `${p.type} ${p.flags} ${p.size} ${p.hash}`;

/** Per type: packets of `got` equal `src` from the position of got's first packet on, with timestamps shifted by one constant. */
function assertSuffix(src: Packet[], got: Packet[], type: string): number {
  const s = src.filter((p) => p.type === type);
  const g = got.filter((p) => p.type === type);
  assert.ok(g.length > 0, `no ${type} packets received`);
  const at = s.findIndex((p) => content(p) === content(g[0]!));
  assert.ok(at >= 0, `first received ${type} packet is not in the source`);
  assert.deepEqual(
    g.map(content),
    s.slice(at).map(content),
    `${type}: same packets as the source from #${at} on`,
  );
  const shift = s[at]!.dts - g[0]!.dts;
  assert.deepEqual(
    g.map((p) => [p.pts + shift, p.dts + shift]),
    s.slice(at).map((p) => [p.pts, p.dts]),
    `${type}: same timing`,
  );
  return at;
}

function ffmpeg(args: string[], timeoutMs = 40_000) {
  return runBounded('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args], timeoutMs);
}

function publish(src: string, url: string, realtime = false) {
  return ffmpeg([...(realtime ? ['-re'] : []), '-i', src, '-c', 'copy', '-f', 'flv', url]);
}

function play(url: string, out: string, extra: string[] = []) {
  return ffmpeg([...extra, '-i', url, '-c', 'copy', '-f', 'flv', '-y', out]);
}

function nextPlay(server: RTMPServer): Promise<void> {
  return new Promise((res) => server.once('play', () => res()));
}

const PEERS = ['ffmpeg', 'ffprobe'];

test('ffmpeg publishes into the live relay while ffmpeg plays it: every packet identical (pts, dts, flags, size, MD5)', async (t) => {
  if (!requirePeers(t, PEERS)) return;
  const src = join(makeMedia(), 'short.flv');
  const { server, url } = await start();
  try {
    const out = outFile();
    const playing = nextPlay(server);
    const player = play(`${url}/live/x`, out);
    await playing; // the player waits for the publisher
    const pub = await publish(src, `${url}/live/x`);
    assert.equal(pub.code, 0, pub.stderr);
    const r = await player; // ends at NetStream.Play.UnpublishNotify
    assert.equal(r.timedOut, false, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await packets(out)).map(row), (await packets(src)).map(row));
  } finally {
    await server.close();
  }
});

test('a late joiner (publisher at real speed) gets the stream from a keyframe on: the source packets from there', async (t) => {
  if (!requirePeers(t, PEERS)) return;
  const src = join(makeMedia(), 'short.flv');
  const { server, url } = await start();
  try {
    const out = outFile();
    const published = new Promise<void>((res) => server.once('publish', () => res()));
    const pub = publish(src, `${url}/live/late`, true);
    await published;
    await new Promise((res) => setTimeout(res, 3500));
    const r = await play(`${url}/live/late`, out);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await pub).code, 0);
    const srcPackets = await packets(src);
    const got = await packets(out);
    const v = assertSuffix(srcPackets, got, 'video');
    const firstVideo = srcPackets.filter((p) => p.type === 'video')[v]!;
    assert.equal(firstVideo.flags[0], 'K', 'starts at a keyframe');
    assert.ok(firstVideo.dts >= 2000, `joined mid-stream (at ${firstVideo.dts} ms)`);
    assertSuffix(srcPackets, got, 'audio');
    t.diagnostic(`late joiner started at the keyframe at ${firstVideo.dts} ms`);
  } finally {
    await server.close();
  }
});

test('ffmpeg plays a VOD file from vodDir (-c copy): every packet identical', async (t) => {
  if (!requirePeers(t, PEERS)) return;
  const dir = makeMedia();
  const { server, url } = await start({ vodDir: dir });
  try {
    const out = outFile();
    // A large client buffer: the server meters VOD to it, so this downloads at full speed.
    const r = await play(`${url}/vod/short`, out, ['-rtmp_buffer', '100000000']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await packets(out)).map(row), (await packets(join(dir, 'short.flv'))).map(row));
  } finally {
    await server.close();
  }
});

test('ffmpeg -ss on a VOD stream (RTMP seek): output starts at the keyframe at/before the target', async (t) => {
  if (!requirePeers(t, PEERS)) return;
  const dir = makeMedia();
  const seeks: string[] = [];
  const { server, url } = await start({ vodDir: dir });
  server.on('play', (r) => seeks.push(`play ${r.start}`));
  try {
    const out = outFile();
    const r = await play(`${url}/vod/short`, out, ['-ss', '5']);
    assert.equal(r.code, 0, r.stderr);
    const srcPackets = await packets(join(dir, 'short.flv'));
    const at = assertSuffix(srcPackets, await packets(out), 'video');
    const kf = srcPackets.filter((p) => p.type === 'video')[at]!;
    assert.equal(kf.flags[0], 'K');
    // FFmpeg asks for 5 s minus its preroll (≈4.9 s): the keyframe at or before it is at 4 s.
    assert.ok(kf.dts >= 4000 && kf.dts <= 5000, `started at ${kf.dts}`);
    assert.deepEqual(seeks, ['play -2000'], 'one play, then a seek command');
  } finally {
    await server.close();
  }
});
