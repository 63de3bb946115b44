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
 *
 * Before its measured runs the relay scenario makes one unmeasured relay through each
 * server (the same file): a long-running relay runs JIT-compiled code, and a fresh
 * Node server spends its first relays compiling (measured per run of a fresh server
 * at load 4–5: 5.2, 4.2, 3.0, 2.7, 2.7 s/GB; V8 optimized 100, 64, 33, 18, 9
 * functions). nginx gets the same warm-up, which changes nothing for it.
 *
 * The relay also gets two floor rows (no goal), each run after nginx in the same rounds:
 * a few-line Node process forwarding ffmpeg's FLV bytes (`-f flv tcp://…`) read by read to
 * one player (`curl`), no RTMP — what Node's socket reads and writes alone cost for this
 * workload; and children/floor-relay.js, the least RTMP server Node can be (no library;
 * the media relayed as views of the publisher's reads, one write per read and player),
 * with the same ffmpeg publisher and rtmpdump player as the servers, after its own warm-up
 * relay — against nginx's figure.
 */
import { rmSync, statSync } from 'node:fs';
import { which } from '../../test/helpers/peers.js';
import { avDigest, sameTags } from '../lib/flv-check.js';
import type { MediaFile } from '../lib/media.js';
import { cpuSecondsOf, type TimedRun, tcpResetsOnClose } from '../lib/proc.js';
import type { Row } from '../lib/report.js';
import {
  acceptComplete,
  alternate,
  type Context,
  client,
  failureNote,
  ffmpegPublish,
  livePlayer,
  notes,
  rtmpdump,
  type Scenario,
  scratch,
  sizeLabel,
} from '../lib/scenario.js';
import { type RunningServer, startRelayFloor, startRtmpRelayFloor } from '../lib/servers.js';
import { cpuPerGb, mbPerSec, median } from '../lib/stats.js';

/** One delivery measured on the server side. */
interface Delivery {
  serverCpuS: number;
  wallS: number;
  bytes: number;
  complete: boolean;
  /** A/V tags the player wrote (librtmp's rule). */
  tags: number;
  run: TimedRun;
  /**
   * Connections reset on close on this host during the run (`tcpResetsOnClose`). ffmpeg
   * ends a publish by closing its socket without reading what the server sent last
   * (acknowledgements, the answers to FCUnpublish and deleteStream): its kernel resets
   * the connection and drops the tail it had not sent yet. Measured with the server's
   * stream statistics: its bytes in were short in exactly the runs where the counter
   * rose (3 of 12; TCPAbortOnData, which also rose once, did so in a complete run). A
   * server that reads slower than ffmpeg writes loses that tail; nothing on its side can
   * keep it.
   */
  resets?: number;
}

function delivered(out: string, source: MediaFile): { bytes: number; complete: boolean; tags: number } {
  const bytes = statSync(out, { throwIfNoEntry: false })?.size ?? 0;
  if (bytes === 0) return { bytes, complete: false, tags: 0 };
  const d = avDigest(out);
  return { bytes, complete: sameTags(d, source.digest), tags: d.tags };
}

async function vod(server: RunningServer, file: MediaFile, out: string): Promise<Delivery> {
  const url = `rtmp://127.0.0.1:${server.port}/vod/${file.name}`;
  const cpu0 = cpuSecondsOf(server.pids());
  const run = await rtmpdump(url, out);
  const serverCpuS = cpuSecondsOf(server.pids()) - cpu0;
  return { serverCpuS, wallS: run.wallS, run: acceptComplete(run, out, file), ...delivered(out, file) };
}

async function relay(server: RunningServer, file: MediaFile, out: string, name: string): Promise<Delivery> {
  const url = `rtmp://127.0.0.1:${server.port}/live/${name}`;
  const player = livePlayer(url, out);
  await player.playing;
  const cpu0 = cpuSecondsOf(server.pids());
  const resets0 = tcpResetsOnClose();
  const t0 = performance.now();
  const pub = await ffmpegPublish(file.path, url);
  const played = await player.done;
  const wallS = (performance.now() - t0) / 1000;
  const serverCpuS = cpuSecondsOf(server.pids()) - cpu0;
  const resets1 = tcpResetsOnClose();
  const resets = resets0 === undefined || resets1 === undefined ? undefined : resets1 - resets0;
  // A failed publisher is the run's failure; else the player's exit status is.
  const run = pub.code === 0 ? acceptComplete(played, out, file) : pub;
  return { serverCpuS, wallS, run, resets, ...delivered(out, file) };
}

/** The floor: ffmpeg's FLV bytes through the Node byte relay to `curl`, CPU of the relay process. */
async function floorRelay(
  floor: RunningServer & { publishPort: number },
  file: MediaFile,
  out: string,
): Promise<Delivery> {
  const cpu0 = cpuSecondsOf(floor.pids());
  const t0 = performance.now();
  const player = client('curl', ['-sS', '-o', out, `http://127.0.0.1:${floor.port}/`]);
  const pub = await ffmpegPublish(file.path, `tcp://127.0.0.1:${floor.publishPort}`);
  const played = await player;
  const wallS = (performance.now() - t0) / 1000;
  const serverCpuS = cpuSecondsOf(floor.pids()) - cpu0;
  return { serverCpuS, wallS, run: pub.code === 0 ? played : pub, ...delivered(out, file) };
}

/** Median server CPU per delivered GB of `d`. */
function perGb(d: readonly Delivery[]): number | undefined {
  return median(d.map((x) => cpuPerGb(x.serverCpuS, x.bytes) ?? Number.NaN));
}

function rows(scenario: string, ours: Delivery[], theirs: Delivery[], file: MediaFile): Row[] {
  const rate = (d: Delivery[]) => median(d.map((x) => mbPerSec(x.bytes, x.wallS) ?? Number.NaN));
  const incomplete = (who: string, d: Delivery[]) => {
    const bad = d.filter((x) => !x.complete);
    if (bad.length === 0) return '';
    const fewest = Math.min(...bad.map((x) => x.tags));
    const reset = bad.filter((x) => (x.resets ?? 0) > 0).length;
    const why =
      reset > 0
        ? `; a connection was reset on close in ${reset} of them (ffmpeg's, dropping its unsent tail)`
        : '';
    return `${who}: player incomplete in ${bad.length}/${d.length} runs (fewest ${fewest}/${file.digest.tags} A/V tags${why})`;
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
  const once = async (server: RunningServer): Promise<Delivery> => {
    const d = await vod(server, file, out);
    rmSync(out, { force: true });
    return d;
  };
  const [a, b] = await alternate(
    ctx.runs,
    () => once(ours),
    () => once(theirs),
  );
  return rows(`server VOD ${sizeLabel(file.bytes)} → rtmpdump`, a, b, file);
}

async function serveRelay(ctx: Context): Promise<Row[]> {
  const [ours, theirs] = [await ctx.embedded(), await ctx.nginx()];
  const file = ctx.media.big;
  const out = scratch(ctx, 'server-relay.flv');
  const once = async (server: RunningServer, name: string): Promise<Delivery> => {
    const d = await relay(server, file, out, name);
    rmSync(out, { force: true });
    return d;
  };
  const floor = which('curl') ? await startRelayFloor() : undefined;
  const floorRuns: Delivery[] = [];
  const rtmpFloor = await startRtmpRelayFloor();
  const rtmpFloorRuns: Delivery[] = [];
  try {
    await once(ours, `relay${process.pid}warm`);
    await once(theirs, `relay${process.pid}warm`);
    await once(rtmpFloor, `relay${process.pid}warm`);
    if (floor) await floorRelay(floor, file, out);
    rmSync(out, { force: true });
    const [a, b] = await alternate(
      ctx.runs,
      (i) => once(ours, `relay${process.pid}a${i}`),
      async (i) => {
        const d = await once(theirs, `relay${process.pid}b${i}`);
        rtmpFloorRuns.push(await once(rtmpFloor, `relay${process.pid}c${i}`));
        if (floor) {
          floorRuns.push(await floorRelay(floor, file, out));
          rmSync(out, { force: true });
        }
        return d;
      },
    );
    const label = `server live relay ${sizeLabel(file.bytes)} → 1 player`;
    const warmed = rows(label, a, b, file).map((r) =>
      r.metric === 'server CPU per GB'
        ? { ...r, note: notes('after 1 warm-up relay per server', r.note) }
        : r,
    );
    return [
      ...warmed,
      floorRow(label, floorRuns, b, file),
      floorRow(label, rtmpFloorRuns, b, file, {
        metric: 'floor: least RTMP relay CPU/GB',
        how: 'no library (children/floor-relay.js), the same publisher and player, after 1 warm-up relay',
      }),
    ];
  } finally {
    await floor?.stop();
    await rtmpFloor.stop();
  }
}

/** A floor row: a floor relay's CPU per GB against nginx-rtmp's (no goal); by default the Node byte relay's. */
function floorRow(
  scenario: string,
  floor: Delivery[],
  nginx: Delivery[],
  file: MediaFile,
  what = {
    metric: 'floor: Node byte relay CPU/GB',
    how: 'no RTMP: ffmpeg -f flv tcp:// → Node socket reads written as they are → curl',
  },
): Row {
  const bad = floor.filter((d) => !d.complete).length;
  return {
    scenario,
    metric: what.metric,
    unit: 's/GB',
    ours: perGb(floor),
    peer: { name: 'nginx-rtmp', value: perGb(nginx) },
    note:
      floor.length === 0
        ? 'skipped: curl missing'
        : notes(
            what.how,
            bad > 0
              ? `incomplete in ${bad}/${floor.length} runs`
              : `every A/V tag of ${sizeLabel(file.bytes)} arrived`,
            failureNote(
              'floor',
              floor.map((d) => d.run),
            ),
          ),
  };
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
