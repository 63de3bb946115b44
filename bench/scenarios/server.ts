/**
 * The embedded server against nginx-rtmp for the same workload, rtmpdump as the player
 * of both, alternated server by server:
 * - VOD serving: `rtmpdump -q -r …/vod/big.flv`;
 * - live relay: an rtmpdump `--live` player subscribes (its "Starting Live Stream"),
 *   then ffmpeg publishes big.flv as fast as it goes (`-c copy`, no `-re`); the player
 *   ends at NetStream.Play.UnpublishNotify.
 * The figure is the server processes' CPU (/proc, nginx: master + worker) per GB the
 * player received; the player's wall time / rate is shown. Check: the player's A/V
 * tags equal the source's (count and digest of type, timestamp, payload).
 */
import { rmSync, statSync } from 'node:fs';
import { avDigest } from '../lib/flv-check.js';
import type { MediaFile } from '../lib/media.js';
import { cpuSecondsOf, type TimedRun, timed } from '../lib/proc.js';
import type { Row } from '../lib/report.js';
import {
  acceptComplete,
  type Context,
  failureNote,
  notes,
  type Scenario,
  scratch,
  sizeLabel,
} from '../lib/scenario.js';
import type { RunningServer } from '../lib/servers.js';
import { cpuPerGb, mbPerSec, median } from '../lib/stats.js';

/** One delivery measured on the server side. */
interface Delivery {
  serverCpuS: number;
  wallS: number;
  bytes: number;
  complete: boolean;
  run: TimedRun;
}

function delivered(out: string, source: MediaFile): { bytes: number; complete: boolean } {
  const bytes = statSync(out, { throwIfNoEntry: false })?.size ?? 0;
  if (bytes === 0) return { bytes, complete: false };
  const d = avDigest(out);
  return { bytes, complete: d.tags === source.digest.tags && d.sha1 === source.digest.sha1 };
}

async function vod(server: RunningServer, file: MediaFile, out: string): Promise<Delivery> {
  const url = `rtmp://127.0.0.1:${server.port}/vod/${file.name}`;
  const cpu0 = cpuSecondsOf(server.pids());
  const run = await timed('rtmpdump', ['-q', '-r', url, '-o', out], { timeoutMs: 600_000 });
  const serverCpuS = cpuSecondsOf(server.pids()) - cpu0;
  return { serverCpuS, wallS: run.wallS, run: acceptComplete(run, out, file), ...delivered(out, file) };
}

async function relay(server: RunningServer, file: MediaFile, out: string, name: string): Promise<Delivery> {
  const url = `rtmp://127.0.0.1:${server.port}/live/${name}`;
  let started: () => void = () => {};
  const playing = new Promise<void>((res) => (started = res));
  let seen = '';
  const player = timed('rtmpdump', ['--live', '-r', url, '-o', out], {
    timeoutMs: 600_000,
    onStderr(text) {
      seen = (seen + text).slice(-256);
      if (seen.includes('Starting Live Stream')) started();
    },
  });
  // A player that fails before it plays must not hang the wait.
  void player.then(() => started());
  await Promise.race([playing, new Promise((r) => setTimeout(r, 15_000))]);
  const cpu0 = cpuSecondsOf(server.pids());
  const t0 = performance.now();
  const pub = await timed(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', file.path, '-c', 'copy', '-f', 'flv', url],
    { timeoutMs: 600_000 },
  );
  const run = acceptComplete(await player, out, file);
  const wallS = (performance.now() - t0) / 1000;
  const serverCpuS = cpuSecondsOf(server.pids()) - cpu0;
  const got = delivered(out, file);
  // rtmpdump exits 0 at UnpublishNotify only when the stream was complete; a failed
  // publisher shows as the note's failure.
  return { serverCpuS, wallS, run: pub.code === 0 ? run : pub, ...got };
}

function rows(scenario: string, ours: Delivery[], theirs: Delivery[], file: MediaFile): Row[] {
  const perGb = (d: Delivery[]) => median(d.map((x) => cpuPerGb(x.serverCpuS, x.bytes) ?? Number.NaN));
  const rate = (d: Delivery[]) => median(d.map((x) => mbPerSec(x.bytes, x.wallS) ?? Number.NaN));
  const incomplete = (who: string, d: Delivery[]) => {
    const n = d.filter((x) => !x.complete).length;
    return n === 0 ? '' : `${who}: player missed tags in ${n}/${d.length} runs`;
  };
  return [
    {
      scenario,
      metric: 'server CPU per GB',
      unit: 's/GB',
      ours: perGb(ours),
      peer: { name: 'nginx-rtmp', value: perGb(theirs) },
      goal: { kind: 'ratio', op: '<=', target: 1.0 },
      note:
        notes(
          incomplete('rtmpkit', ours),
          incomplete('nginx', theirs),
          failureNote(
            'rtmpkit side',
            ours.map((d) => d.run),
          ),
          failureNote(
            'nginx side',
            theirs.map((d) => d.run),
          ),
        ) || `every A/V tag of ${sizeLabel(file.bytes)} arrived`,
    },
    {
      scenario,
      metric: 'rate',
      unit: 'MB/s',
      ours: rate(ours),
      peer: { name: 'nginx-rtmp', value: rate(theirs) },
    },
  ];
}

async function serveVod(ctx: Context): Promise<Row[]> {
  const [ours, theirs] = [await ctx.embedded(), await ctx.nginx()];
  const file = ctx.media.big;
  const out = scratch(ctx, 'server-vod.flv');
  const a: Delivery[] = [];
  const b: Delivery[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    a.push(await vod(ours, file, out));
    rmSync(out, { force: true });
    b.push(await vod(theirs, file, out));
    rmSync(out, { force: true });
  }
  return rows(`server VOD ${sizeLabel(file.bytes)} → rtmpdump`, a, b, file);
}

async function serveRelay(ctx: Context): Promise<Row[]> {
  const [ours, theirs] = [await ctx.embedded(), await ctx.nginx()];
  const file = ctx.media.big;
  const out = scratch(ctx, 'server-relay.flv');
  const a: Delivery[] = [];
  const b: Delivery[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    a.push(await relay(ours, file, out, `relay${process.pid}a${i}`));
    rmSync(out, { force: true });
    b.push(await relay(theirs, file, out, `relay${process.pid}b${i}`));
    rmSync(out, { force: true });
  }
  return rows(`server live relay ${sizeLabel(file.bytes)} → 1 player`, a, b, file);
}

/** Embedded server VOD serving against nginx-rtmp. */
export const serverVod: Scenario = {
  id: 'server-vod',
  title: 'server VOD serving',
  needs: ['nginx', 'rtmpdump'],
  run: serveVod,
};

/** Embedded server live relay against nginx-rtmp. */
export const serverRelay: Scenario = {
  id: 'server-relay',
  title: 'server live relay',
  needs: ['nginx', 'rtmpdump', 'ffmpeg'],
  run: serveRelay,
};
