/**
 * `rtmpkit dump` against `rtmpdump` of msgs.flv — 5 minutes at a realistic bitrate
 * (300 kbit/s video + 64 kbit/s audio, ≈ 14 MB in ~22,000 small messages) — VOD from
 * nginx-rtmp, so the per-message cost shows apart from the per-byte cost the big files
 * measure. Whole processes measured by GNU time, alternated run by run, medians; the
 * goal row is CPU per 10,000 A/V messages (the source's count), ≤ 1.0× rtmpdump; a row
 * without goal shows it above Node's own start-up (`node -e 0`, alternated in the same
 * rounds), so the cost per message stands apart from the fixed one, and a floor row the
 * least RTMP client Node can be (children/floor-rtmp.js `play`, also in the same rounds,
 * from the `dump` rows' nginx, whose queue discards nothing), its output checked against
 * the source's A/V messages.
 *
 * This nginx keeps its shipped `out_queue` (256 messages): when a client reads slower
 * than nginx sends, the queue fills and nginx-rtmp's VOD sender discards the message it
 * was about to queue, and the next message of that track carries a timestamp delta from
 * the discarded one (RTMP-SPEC §5.3.1.2), so the rest of that track comes out one frame
 * interval early. No client can recover the message; the note counts, per run, the
 * source's A/V messages each side's output lacks (matched by payload, in order) and how
 * many received messages came restamped.
 *
 * `dump-shipped` downloads big.flv (the `dump` row's 303 MB) from the same nginx with its
 * shipped queue: with the 10-hour buffer nginx reads the file faster than a client takes
 * it, so rtmpdump loses messages there; rtmpkit's dump keeps nginx a bounded lead ahead
 * (`createStream({ bufferLead })`). The row counts the messages lost in all runs (goal 0),
 * with wall and CPU beside rtmpdump's.
 *
 * `dump-remote` downloads msgs.flv from the same nginx as from a server 20 ms away: both
 * clients go through a SOCKS4 proxy (`-S`) that shapes their connection like a 50 Mbit/s
 * path with a 20 ms round trip and a 256 KB bottleneck (test/helpers/shaped-socks-proxy.ts,
 * in this process; its CPU is nobody's figure). nginx reads the file far faster than that
 * path carries it, so rtmpdump loses messages; rtmpkit's lead (not this host: the messages
 * plus one measured round trip of media) holds nginx back. Rows: messages lost (goal 0),
 * wall and CPU.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startShapedSocksProxy } from '../../test/helpers/shaped-socks-proxy.js';
import { avTags, type TagLoss, tagLoss } from '../lib/flv-check.js';
import type { MediaFile } from '../lib/media.js';
import type { TimedRun } from '../lib/proc.js';
import type { Row } from '../lib/report.js';
import {
  acceptComplete,
  alternate,
  type Context,
  client,
  failureNote,
  notes,
  rtmpdump,
  rtmpkitDump,
  type Scenario,
  scratch,
  sizeLabel,
  summarize,
  summaryRows,
} from '../lib/scenario.js';
import { CHILDREN_DIR, startNginx } from '../lib/servers.js';

/** One download and what its output lacks against the source (undefined: unreadable). */
interface LossRun {
  run: TimedRun;
  loss: TagLoss | undefined;
}

/** "1 0 2 0 1" (a dash for an unreadable output). */
function perRun(runs: readonly LossRun[]): string {
  return runs.map((r) => (r.loss ? String(r.loss.missing) : '–')).join(' ');
}

function total(runs: readonly LossRun[], pick: (l: TagLoss) => number): number {
  return runs.reduce((n, r) => n + (r.loss ? pick(r.loss) : 0), 0);
}

/** The note: messages lost per run by each side, restamped and unmatched messages in total, failed runs. */
function lossNote(ours: readonly LossRun[], theirs: readonly LossRun[]): string {
  const sides: [string, readonly LossRun[]][] = [
    ['rtmpkit', ours],
    ['rtmpdump', theirs],
  ];
  const restamped = sides
    .filter(([, runs]) => total(runs, (l) => l.shifted) > 0)
    .map(([name, runs]) => `${name} ${total(runs, (l) => l.shifted)}`);
  const unmatched = sides
    .filter(([, runs]) => total(runs, (l) => l.extra) > 0)
    .map(([name, runs]) => `${name} ${total(runs, (l) => l.extra)}`);
  return notes(
    `A/V messages lost per run (nginx out_queue 256): rtmpkit ${perRun(ours)}, rtmpdump ${perRun(theirs)}`,
    restamped.length > 0 ? `restamped after a loss, all runs: ${restamped.join(', ')}` : '',
    unmatched.length > 0 ? `NOT IN SOURCE: ${unmatched.join(', ')}` : '',
    failureNote(
      'rtmpkit',
      ours.map((r) => r.run),
    ),
    failureNote(
      'rtmpdump',
      theirs.map((r) => r.run),
    ),
  );
}

/** CPU seconds per 10,000 messages, or undefined. */
function cpuPer10k(cpuS: number | undefined, messages: number): number | undefined {
  return cpuS !== undefined && messages > 0 ? (cpuS / messages) * 1e4 : undefined;
}

/** The A/V tags of each source file, read once. */
const sourceTags = new Map<string, ReturnType<typeof avTags>>();

/** Runs `side(out)`, checks its output against `file`'s A/V tags, removes it. */
async function lossRun(
  ctx: Context,
  file: MediaFile,
  side: (out: string) => Promise<TimedRun>,
  name: string,
): Promise<LossRun> {
  const out = scratch(ctx, `loss-${name}.flv`);
  const run = acceptComplete(await side(out), out, file);
  let loss: TagLoss | undefined;
  try {
    let source = sourceTags.get(file.path);
    if (source === undefined) {
      source = avTags(file.path);
      sourceTags.set(file.path, source);
    }
    loss = tagLoss(source, avTags(out));
  } catch {}
  rmSync(out, { force: true });
  return { run, loss };
}

/**
 * `ctx.runs` alternated downloads of `file` by each side from `url` (both given `flags`),
 * each output checked against the source's A/V tags and removed; `after` runs after each
 * rtmpdump run (rows measured in the same rounds).
 */
async function lossyDownloads(
  ctx: Context,
  file: MediaFile,
  url: string,
  after?: () => Promise<void>,
  flags: readonly string[] = [],
): Promise<[LossRun[], LossRun[]]> {
  return alternate(
    ctx.runs,
    () => lossRun(ctx, file, (out) => rtmpkitDump(ctx, url, out, {}, flags), 'rtmpkit'),
    async () => {
      const run = await lossRun(ctx, file, (out) => rtmpdump(url, out, flags), 'rtmpdump');
      await after?.();
      return run;
    },
  );
}

/** Runs `fn` with the URL of `file` on an nginx-rtmp with its shipped queue, stopped after. */
async function onShippedNginx(
  ctx: Context,
  file: MediaFile,
  fn: (url: string, port: number) => Promise<Row[]>,
): Promise<Row[]> {
  const nginx = await startNginx(ctx.media.dir, true);
  try {
    return await fn(`rtmp://127.0.0.1:${nginx.port}/vod/${file.name}`, nginx.port);
  } finally {
    await nginx.stop();
  }
}

function dumpMessages(ctx: Context): Promise<Row[]> {
  const file = ctx.media.msgs;
  return onShippedNginx(ctx, file, async (url) => {
    const startUps: TimedRun[] = [];
    const floors: LossRun[] = [];
    const unqueued = `rtmp://127.0.0.1:${(await ctx.nginx()).port}/vod/${file.name}`;
    const floorScript = join(CHILDREN_DIR, 'floor-rtmp.js');
    const [ours, theirs] = await lossyDownloads(ctx, file, url, async () => {
      startUps.push(await client(process.execPath, ['-e', '0']));
      floors.push(
        await lossRun(
          ctx,
          file,
          (out) => client(process.execPath, [floorScript, 'play', unqueued, out]),
          'floor',
        ),
      );
    });
    const a = summarize(ours.map((r) => r.run));
    const b = summarize(theirs.map((r) => r.run));
    const floor = summarize(floors.map((r) => r.run));
    const floorLost = floors.every((r) => r.loss !== undefined) ? total(floors, (l) => l.missing) : undefined;
    const startUp = summarize(startUps).cpuS;
    const aboveStartUp = a.cpuS !== undefined && startUp !== undefined ? a.cpuS - startUp : undefined;
    const messages = file.digest.tags;
    const scenario = `dump VOD ${sizeLabel(file.bytes)}, ${messages} msgs`;
    return [
      {
        scenario,
        metric: 'CPU per 10k msgs',
        unit: 's/10k msg',
        ours: cpuPer10k(a.cpuS, messages),
        peer: { name: 'rtmpdump', value: cpuPer10k(b.cpuS, messages) },
        goal: { kind: 'ratio', op: '<=', target: 1.0 },
        note: lossNote(ours, theirs),
      },
      {
        scenario,
        metric: 'CPU per 10k msgs above Node start-up',
        unit: 's/10k msg',
        ours: cpuPer10k(aboveStartUp, messages),
        peer: { name: 'rtmpdump', value: cpuPer10k(b.cpuS, messages) },
        note: `rtmpkit's CPU less the median of \`node -e 0\` (${startUp?.toFixed(3) ?? '—'} s), run in the same rounds`,
      },
      {
        scenario,
        metric: 'floor: least RTMP client, CPU per 10k msgs',
        unit: 's/10k msg',
        ours: cpuPer10k(floor.cpuS, messages),
        peer: { name: 'rtmpdump', value: cpuPer10k(b.cpuS, messages) },
        note: notes(
          'no library (children/floor-rtmp.js), from an nginx whose queue discards nothing',
          floorLost === 0
            ? 'every source A/V message arrived'
            : `A/V MESSAGES LOST: ${floorLost ?? 'output unreadable'}`,
          failureNote(
            'floor',
            floors.map((r) => r.run),
          ),
        ),
      },
      ...summaryRows(scenario, 'rtmpdump', a, b, [['CPU'], ['wall'], ['peak RSS']], ''),
    ];
  });
}

/** The dump download of the realistic-bitrate file (many small messages). */
export const dumpMsgs: Scenario = {
  id: 'dump-msgs',
  title: 'dump VOD 14 MB, many messages',
  needs: ['nginx', 'rtmpdump'],
  run: dumpMessages,
};

/** The rows of a download compared by messages lost (goal none), then wall and CPU. */
function lossRows(ctx: Context, scenario: string, ours: LossRun[], theirs: LossRun[]): Row[] {
  const lost = (runs: readonly LossRun[]) =>
    runs.every((r) => r.loss !== undefined) ? total(runs, (l) => l.missing) : undefined;
  const a = summarize(ours.map((r) => r.run));
  const b = summarize(theirs.map((r) => r.run));
  return [
    {
      scenario,
      metric: `A/V messages lost in ${ctx.runs} runs`,
      unit: 'count',
      ours: lost(ours),
      peer: { name: 'rtmpdump', value: lost(theirs) },
      goal: { kind: 'value', op: '<=', target: 0 },
      note: lossNote(ours, theirs),
    },
    ...summaryRows(scenario, 'rtmpdump', a, b, [['wall'], ['CPU']], ''),
  ];
}

function dumpFromShippedNginx(ctx: Context): Promise<Row[]> {
  const file = ctx.media.big;
  return onShippedNginx(ctx, file, async (url) => {
    const [ours, theirs] = await lossyDownloads(ctx, file, url);
    return lossRows(ctx, `dump VOD ${sizeLabel(file.bytes)}, nginx out_queue 256`, ours, theirs);
  });
}

/**
 * The 303 MB download from an nginx-rtmp as shipped (`out_queue` 256; the `dump` rows raise
 * it to compare speed alone): with a 10-hour buffer nginx reads the file faster than a
 * client takes it and discards a message whenever its queue is full; rtmpkit's dump keeps
 * it a bounded lead ahead (`bufferLead`). Goal: nothing lost.
 */
export const dumpShipped: Scenario = {
  id: 'dump-shipped',
  title: 'dump VOD big.flv from nginx as shipped (out_queue 256)',
  needs: ['nginx', 'rtmpdump'],
  run: dumpFromShippedNginx,
};

/** The path `dump-remote` puts between the clients and nginx: 50 Mbit/s, 20 ms round trip, 256 KB bottleneck. */
const REMOTE_PATH = { rateBytesPerMs: 6250, delayMs: 10, bufferBytes: 256 * 1024 };

function dumpFromRemoteNginx(ctx: Context): Promise<Row[]> {
  const file = ctx.media.msgs;
  return onShippedNginx(ctx, file, async (url, port) => {
    const proxy = await startShapedSocksProxy(port, REMOTE_PATH, 2 * ctx.runs);
    try {
      const [ours, theirs] = await lossyDownloads(ctx, file, url, undefined, ['-S', proxy.address]);
      return lossRows(ctx, `dump VOD ${sizeLabel(file.bytes)} from 20 ms away (50 Mbit/s)`, ours, theirs);
    } finally {
      await proxy.close();
    }
  });
}

/**
 * msgs.flv from nginx-rtmp as shipped, through a SOCKS4 proxy shaped like a 50 Mbit/s path
 * 20 ms away: rtmpdump loses messages to nginx's queue; the goal is none lost.
 */
export const dumpRemote: Scenario = {
  id: 'dump-remote',
  title: 'dump VOD msgs.flv from nginx 20 ms away (50 Mbit/s, out_queue 256)',
  needs: ['nginx', 'rtmpdump'],
  run: dumpFromRemoteNginx,
};
