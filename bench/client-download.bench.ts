/**
 * VOD download throughput against nginx-rtmp on loopback: rtmpkit (a child `node`
 * process, so its CPU and peak RSS are measured like the others'), rtmpdump and ffmpeg,
 * each N times (BENCH_RUNS, default 3) on a large FLV (test/peers/make-media.sh big.flv,
 * BIG_SECONDS × BIG_MBPS, ~300 MB by default). Reports wall MB/s, client CPU seconds per
 * GB, peak RSS and the ratios; every run is checked for completeness (rtmpkit and
 * rtmpdump: FLV tag count equal to the source's; ffmpeg: its muxed A/V byte total).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEERS_DIR, startNginx, tempDir, which } from '../test/helpers/peers.js';
import { table } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const INDEX = resolve(here, '../src/index.js');

/** Counts the tags of an FLV file; `librtmp` skips what RTMP_Read drops (video ≤ 5, audio ≤ 1 bytes). */
function countTags(buf: Buffer, librtmp = false): number {
  let p = buf.readUInt32BE(5) + 4;
  let n = 0;
  while (p + 11 <= buf.length) {
    const size = buf.readUIntBE(p + 1, 3);
    if (p + 11 + size + 4 > buf.length) break;
    const type = buf[p]! & 0x1f;
    if (!librtmp || !((type === 9 && size <= 5) || (type === 8 && size <= 1))) n++;
    p += 15 + size;
  }
  return n;
}

const CHILD = `
import { RTMP } from ${JSON.stringify(INDEX)};
const conn = new RTMP(process.argv[2], { timeout: 30 });
await conn.connect();
const stream = await conn.createStream();
let bytes = 0, tags = 0, pending = Buffer.alloc(0), skip = 13;
for await (const c of stream) {
  bytes += c.length;
  // Count tags by walking the headers (the body bytes are skipped, not copied).
  let p = 0;
  if (pending.length) { pending = Buffer.concat([pending, c.subarray(0, 11)]); }
  let buf = c;
  if (skip > 0) { const k = Math.min(skip, buf.length); skip -= k; p = k; }
  while (p < buf.length) {
    if (conn.__need === undefined) conn.__need = 0;
    if (conn.__need > 0) { const k = Math.min(conn.__need, buf.length - p); conn.__need -= k; p += k; continue; }
    if (conn.__hdr === undefined) conn.__hdr = Buffer.alloc(0);
    const k = Math.min(11 - conn.__hdr.length, buf.length - p);
    conn.__hdr = Buffer.concat([conn.__hdr, buf.subarray(p, p + k)]); p += k;
    if (conn.__hdr.length === 11) { conn.__need = conn.__hdr.readUIntBE(1, 3) + 4; conn.__hdr = undefined; tags++; }
  }
}
await conn.close();
process.stdout.write(JSON.stringify({ bytes, tags }));
`;

interface Run {
  wall: number;
  cpu: number;
  rssKb: number;
  ok: boolean;
}

function timed(
  cmd: string,
  args: string[],
): { wall: number; cpu: number; rssKb: number; stdout: string; stderr: string; code: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '__TIME__ %U %S %M', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const wall = (performance.now() - t0) / 1000;
  const m = /__TIME__ ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  return {
    wall,
    cpu: m ? Number(m[1]) + Number(m[2]) : Number.NaN,
    rssKb: m ? Number(m[3]) : Number.NaN,
    stdout: r.stdout,
    stderr: r.stderr,
    code: r.status ?? -1,
  };
}

/** The benchmark: prints a table. Skips (with a note) when a peer is missing. */
export default async function bench(): Promise<void> {
  const missing = ['nginx', 'rtmpdump', 'ffmpeg', '/usr/bin/time'].filter((b) => !which(b));
  if (missing.length > 0) {
    console.log(`skipped: missing ${missing.join(', ')}`);
    return;
  }
  const mediaDir = process.env.BENCH_MEDIA ?? join(tmpdir(), 'rtmpkit-bench-media');
  execFileSync('bash', [join(PEERS_DIR, 'make-media.sh'), mediaDir], {
    env: {
      ...process.env,
      BIG_SECONDS: process.env.BIG_SECONDS ?? '60',
      BIG_MBPS: process.env.BIG_MBPS ?? '40',
    },
    stdio: 'ignore',
    timeout: 600_000,
  });
  const src = join(mediaDir, 'big.flv');
  const srcBytes = statSync(src).size;
  const srcTags = countTags(readFileSync(src), true);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const work = tempDir('rtmpkit-bench-');
  const child = join(work, 'download.mjs');
  writeFileSync(child, CHILD);
  const shm = statSync('/dev/shm', { throwIfNoEntry: false }) ? '/dev/shm' : work;
  const nginx = await startNginx({ mediaDir });
  const url = `rtmp://127.0.0.1:${nginx.port}/vod/big.flv`;
  const results: Record<string, Run[]> = { rtmpkit: [], rtmpdump: [], ffmpeg: [] };
  try {
    for (let i = 0; i < runs; i++) {
      const a = timed(process.execPath, [child, url]);
      const got = JSON.parse(a.stdout || '{}') as { tags?: number };
      results.rtmpkit!.push({ wall: a.wall, cpu: a.cpu, rssKb: a.rssKb, ok: got.tags === srcTags });

      const out = join(shm, `rtmpkit-bench-rtmpdump-${process.pid}.flv`);
      const b = timed('rtmpdump', ['-q', '-r', url, '-o', out]);
      results.rtmpdump!.push({
        wall: b.wall,
        cpu: b.cpu,
        rssKb: b.rssKb,
        ok: countTags(readFileSync(out)) === srcTags,
      });
      rmSync(out, { force: true });

      const c = timed('ffmpeg', ['-hide_banner', '-nostats', '-i', url, '-c', 'copy', '-f', 'null', '-']);
      const m = /video:(\d+)\w*B audio:(\d+)\w*B/.exec(c.stderr);
      const kb = m ? Number(m[1]) + Number(m[2]) : 0;
      results.ffmpeg!.push({ wall: c.wall, cpu: c.cpu, rssKb: c.rssKb, ok: kb * 1024 > srcBytes * 0.95 });
    }
  } finally {
    nginx.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const row = (name: string) => {
    const r = results[name]!;
    const wall = median(r.map((x) => x.wall));
    const cpu = median(r.map((x) => x.cpu));
    return {
      name,
      mbps: srcBytes / wall / 1e6,
      cpuPerGb: cpu / (srcBytes / 1e9),
      rssMb: Math.max(...r.map((x) => x.rssKb)) / 1024,
      ok: r.every((x) => x.ok),
      wall,
    };
  };
  const rows = ['rtmpkit', 'rtmpdump', 'ffmpeg'].map(row);
  const ours = rows[0]!;
  console.log(
    `source ${(srcBytes / 1e6).toFixed(0)} MB, ${srcTags} tags, ${runs} runs each (median wall, median CPU, max RSS)`,
  );
  console.log(
    table(
      ['client', 'MB/s', 'CPU s/GB', 'peak RSS MB', 'complete', 'rtmpkit speed ×'],
      rows.map((r) => [r.name, r.mbps, r.cpuPerGb, r.rssMb, r.ok ? 'yes' : 'NO', ours.mbps / r.mbps]),
    ),
  );
}
