/**
 * nginx-rtmp's behaviour, pinned down, and how `rtmpkit dump` avoids it: when a VOD client
 * stops reading for a moment, nginx-rtmp's send queue (`out_queue`, 256 messages as
 * shipped) fills and its FLV sender discards the message it was about to queue (it
 * advances its file offset and its last-timestamp before `ngx_rtmp_send_message` refuses
 * the message, then waits for the queue to drain). The next message of that track is sent
 * with a timestamp delta (RTMP-SPEC §5.3.1.2, chunk types 1/2) computed from the
 * discarded one, so every later message of that track arrives one frame interval early.
 * Nothing on the wire tells the client: rtmpdump, whose 10-hour buffer lets nginx read
 * the whole file at once, loses the message and exits 0. rtmpkit's dump announces a
 * buffer length that keeps nginx a bounded lead ahead of what it has written
 * (src/client/buffer-lead.ts), so the stall holds nginx back instead, and nothing is lost.
 *
 * The scenario: a proxy in front of nginx stops reading from it for 1.5 s after 64 KB.
 * Loopback socket buffers absorb about 4.3 MB first (tcp_wmem's 4 MB maximum on nginx's
 * side, which it reaches at once, plus the proxy's receive buffer, which stays small
 * because the stall comes early); the file carries far more than that after the stall
 * point, in small messages (≈ 650 bytes, a realistic 300 kbit/s stream), so nginx's queue
 * must fill when nothing holds it back. The reference — rtmpdump straight from nginx, no
 * stall — is complete. rtmpdump through the proxy must show the signature: source
 * messages missing, nothing foreign, and every later message of the affected track
 * restamped back by the missing messages' deltas; rtmpkit through the proxy, every
 * message with its own timestamp. The library likewise: `for await` over a stream with a
 * 10-hour buffer loses a message as rtmpdump does, with `createStream({ bufferLead: true })`
 * none.
 *
 * A remote server, the same way: a SOCKS4 proxy that shapes its connections like a
 * 20 Mbit/s link 20 ms away (test/helpers/shaped-socks-proxy.ts) — nginx reads the file
 * far faster than that link carries it. rtmpdump through it loses messages with no stall
 * at all; rtmpkit's dump (a proxy: not this host, so its lead is the messages plus one
 * measured round trip of media) none.
 *
 * Every child runs bounded; only PIDs started here are signalled; nginx stops in `after`.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RTMP } from '../../src/client/rtmp.js';
import { type Peer, requirePeers, runBounded, startNginx, tempDir } from '../helpers/peers.js';
import { type ShapedSocksProxy, startShapedSocksProxy } from '../helpers/shaped-socks-proxy.js';
import { smallMessageMedia } from '../helpers/small-msgs-media.js';
import { type StallProxy, startStallProxy } from '../helpers/stall-proxy.js';
import { flvTags } from '../unit/server-harness.js';

const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const NEEDS = ['nginx', '/usr/lib/nginx/modules/ngx_rtmp_module.so', 'ffmpeg', 'rtmpdump'];
/** nginx-rtmp's default `out_queue` (ngx_rtmp_core_module), which the test peers raise. */
const OUT_QUEUE = 256;
const STALL = { afterBytes: 64 * 1024, stallMs: 1500 };

let nginx: Peer | undefined;
const proxies: (StallProxy | ShapedSocksProxy)[] = [];
const out = tempDir('rtmpkit-vod-drop-');

after(async () => {
  for (const p of proxies) await p.close();
  nginx?.stop();
  rmSync(out, { recursive: true, force: true });
});

/** nginx-rtmp with its shipped out_queue, serving the media folder as app `vod`. */
async function server(mediaDir: string): Promise<Peer> {
  if (nginx) return nginx;
  nginx = await startNginx({ mediaDir, outQueue: OUT_QUEUE });
  return nginx;
}

/** One track's A/V tags (those librtmp keeps: video over 5 bytes, audio over 1). */
interface Track {
  bodies: Buffer[];
  times: number[];
}

function tracks(file: string): Record<8 | 9, Track> {
  const t: Record<8 | 9, Track> = { 8: { bodies: [], times: [] }, 9: { bodies: [], times: [] } };
  for (const tag of flvTags(readFileSync(file))) {
    if ((tag.type === 8 && tag.body.length > 1) || (tag.type === 9 && tag.body.length > 5)) {
      t[tag.type].bodies.push(tag.body);
      t[tag.type].times.push(tag.timestamp);
    }
  }
  return t;
}

/**
 * How `got` differs from `src` in one track, matching in order by payload: the source
 * indexes whose payload never arrived, received payloads found nowhere ahead (`foreign`),
 * and received tags whose timestamp is not the source's minus the deltas of the
 * messages lost before it (`misstamped`: 0 is nginx's signature).
 */
function compareTrack(src: Track, got: Track): { lost: number[]; foreign: number; misstamped: number } {
  const lost: number[] = [];
  let foreign = 0;
  let misstamped = 0;
  let at = 0;
  let shift = 0;
  for (let i = 0; i < got.bodies.length; i++) {
    let j = at;
    while (j < src.bodies.length && !src.bodies[j]!.equals(got.bodies[i]!)) j++;
    if (j === src.bodies.length) {
      foreign++;
      continue;
    }
    for (let k = at; k < j; k++) {
      lost.push(k);
      shift += src.times[k]! - (k > 0 ? src.times[k - 1]! : 0);
    }
    if (got.times[i] !== src.times[j]! - shift) misstamped++;
    at = j + 1;
  }
  for (let k = at; k < src.bodies.length; k++) lost.push(k);
  return { lost, foreign, misstamped };
}

/** The signature, per track: what was lost and how many later tags came restamped. */
function signature(source: string, received: string): { lost: number; restamped: number; detail: string } {
  const src = tracks(source);
  const got = tracks(received);
  let lost = 0;
  let restamped = 0;
  const detail: string[] = [];
  for (const type of [9, 8] as const) {
    const c = compareTrack(src[type], got[type]);
    const name = type === 9 ? 'video' : 'audio';
    assert.equal(c.foreign, 0, `${name}: every received payload is one of the source's`);
    assert.equal(
      c.misstamped,
      0,
      `${name}: each timestamp is the source's shifted by the deltas lost before it`,
    );
    lost += c.lost.length;
    if (c.lost.length > 0) {
      const first = c.lost[0]!;
      assert.ok(first > 0 && first < src[type].bodies.length - 1, `${name}: the first loss is mid-stream`);
      // Every later tag of the track carries a shifted timestamp (the deltas are positive).
      const after = got[type].bodies.length - first;
      restamped += after;
      detail.push(
        `${name}: lost #${c.lost.join(', #')} of ${src[type].bodies.length}, ${after} later restamped`,
      );
    }
  }
  return { lost, restamped, detail: detail.join('; ') };
}

const rtmpkitDump = (url: string, file: string) =>
  runBounded(process.execPath, [BIN, 'dump', '-q', '-r', url, '-o', file], 60_000);
const rtmpdump = (url: string, file: string) => runBounded('rtmpdump', ['-q', '-r', url, '-o', file], 60_000);

test('nginx-rtmp drops a VOD message when its send queue fills: rtmpdump loses it, the rest of its track restamped; rtmpkit dump holds nginx back and loses nothing', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const m = await smallMessageMedia();
  const n = await server(m.dir);
  const source = join(m.dir, m.name);
  const direct = `rtmp://127.0.0.1:${n.port}/vod/${m.name}`;

  // The reference: rtmpdump straight from nginx, no stall, gets every message. On a loaded
  // machine rtmpdump can fall behind by itself, and nginx then discards a message here too
  // (once in a full CI=true run on 2 cores: video #5247 of 5401) — the behaviour this test
  // pins down, not a fault of the media — so the reference gets three tries, each logged.
  const reference = join(out, 'reference.flv');
  let ref = { lost: 0, restamped: 0, detail: '' };
  for (let attempt = 1; attempt <= 3; attempt++) {
    const r0 = await rtmpdump(direct, reference);
    assert.equal(r0.code, 0, r0.stderr);
    ref = signature(source, reference);
    if (ref.lost === 0) break;
    t.diagnostic(`rtmpdump without a stall, try ${attempt}: ${ref.detail}`);
  }
  assert.equal(ref.lost, 0, `rtmpdump without a stall, three tries: ${ref.detail}`);

  /** One download through a proxy that stalls once: its exit and signature. */
  const stalled = async (name: string, dump: typeof rtmpdump) => {
    const proxy = await startStallProxy(n.port, STALL);
    proxies.push(proxy);
    const file = join(out, `${name}-stalled.flv`);
    const r = await dump(proxy.url(`vod/${m.name}`), file);
    assert.equal(proxy.stalls, 1, `${name}: the proxy stalled`);
    assert.equal(r.code, 0, `${name} exits 0 (${r.stderr})`);
    const s = signature(source, file);
    t.diagnostic(`${name} through the stall: ${s.detail || 'every message'}`);
    return s;
  };

  const librtmp = await stalled('rtmpdump', rtmpdump);
  assert.ok(librtmp.lost >= 1, 'rtmpdump: nginx discarded a message');
  assert.ok(librtmp.restamped > 100, `rtmpdump: the rest of the track came restamped (${librtmp.detail})`);

  const ours = await stalled('rtmpkit', rtmpkitDump);
  assert.equal(ours.lost, 0, `rtmpkit: nothing lost (${ours.detail})`);
});

test('the library through the same stall: a 10-hour buffer loses a message as rtmpdump does; createStream({ bufferLead: true }) loses none', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const m = await smallMessageMedia();
  const n = await server(m.dir);
  const source = join(m.dir, m.name);

  /** Reads the whole stream through a stalling proxy with `for await`; its signature. */
  const read = async (name: string, bufferLead: boolean) => {
    const proxy = await startStallProxy(n.port, STALL);
    proxies.push(proxy);
    const conn = new RTMP(proxy.url(`vod/${m.name}`), { buffer: 36_000_000, timeout: 30 });
    try {
      await conn.connect();
      const stream = await conn.createStream({ bufferLead, updateBuffer: false });
      const parts: Buffer[] = [];
      for await (const flv of stream) parts.push(flv);
      assert.ok(stream.complete, `${name}: the server's end was read`);
      const file = join(out, `library-${name}.flv`);
      writeFileSync(file, Buffer.concat(parts));
      assert.equal(proxy.stalls, 1, `${name}: the proxy stalled`);
      const s = signature(source, file);
      t.diagnostic(`library ${name} through the stall: ${s.detail || 'every message'}`);
      return s;
    } finally {
      await conn.close();
    }
  };

  const plain = await read('10-hour buffer', false);
  assert.ok(plain.lost >= 1, 'without the lead nginx discarded a message');
  const led = await read('bufferLead', true);
  assert.equal(led.lost, 0, `with the lead nothing is lost (${led.detail})`);
});

test("a remote path: through a 20 Mbit/s link 20 ms away, rtmpdump loses messages to nginx-rtmp's queue; rtmpkit dump, its lead sized by the measured round trip, none", async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const m = await smallMessageMedia();
  const n = await server(m.dir);
  const source = join(m.dir, m.name);
  const url = `rtmp://127.0.0.1:${n.port}/vod/${m.name}`;
  // 20 Mbit/s, 64 KB bottleneck: nginx outruns it even on a loaded machine (at 50 Mbit/s
  // under a full test run rtmpdump once lost nothing).
  const shape = { rateBytesPerMs: 2500, delayMs: 10, bufferBytes: 64 * 1024 };

  const remote = async (name: string, run: (proxy: string, file: string) => ReturnType<typeof rtmpdump>) => {
    const proxy = await startShapedSocksProxy(n.port, shape);
    proxies.push(proxy);
    const file = join(out, `${name}-remote.flv`);
    const r = await run(proxy.address, file);
    assert.equal(r.code, 0, `${name} exits 0 (${r.stderr})`);
    const s = signature(source, file);
    t.diagnostic(`${name} over the remote path: ${s.detail || 'every message'}`);
    return s;
  };

  const librtmp = await remote('rtmpdump', (proxy, file) =>
    runBounded('rtmpdump', ['-q', '-S', proxy, '-r', url, '-o', file], 60_000),
  );
  assert.ok(librtmp.lost >= 1, `rtmpdump: nginx discarded messages (${librtmp.detail})`);

  const ours = await remote('rtmpkit', (proxy, file) =>
    runBounded(process.execPath, [BIN, 'dump', '-q', '--socks', proxy, '-r', url, '-o', file], 60_000),
  );
  assert.equal(ours.lost, 0, `rtmpkit: nothing lost (${ours.detail})`);
});
