/**
 * What a scenario is and what it gets: the run's options, the media, a scratch folder
 * (in /dev/shm when there is one, so output files cost no disk I/O), the shared
 * servers (started on first use, stopped by the runner), and helpers that turn
 * repeated runs into table figures.
 *
 * Invariants: a scenario alternates its sides run by run (A B A B…), reports medians,
 * and says in the row's note what its checks found; it never throws for a failed run
 * of a client — that is a note — only for a broken set-up.
 */
import { join } from 'node:path';
import { which } from '../../test/helpers/peers.js';
import { avDigest, sameTags } from './flv-check.js';
import type { Media, MediaFile } from './media.js';
import { type TimedOptions, type TimedRun, timed } from './proc.js';
import type { Row, Unit } from './report.js';
import type { RunningServer } from './servers.js';
import { type Goal, median } from './stats.js';

/** Everything a scenario may use. */
export interface Context {
  quick: boolean;
  /** Runs per side (alternating). */
  runs: number;
  media: Media;
  /** Scratch folder, removed after the run. */
  work: string;
  /** The CLI as installed: the `bin`, dist/src/bin/rtmpkit.js (bundled). */
  cli: string;
  /** The library as installed: package.json's `exports`, dist/src/rtmpkit.js (bundled). */
  library: string;
  /** Shared nginx-rtmp (vod app on the media folder, live app). */
  nginx(): Promise<RunningServer>;
  /** Shared embedded server child (same media folder as vod). */
  embedded(): Promise<RunningServer>;
  /** Progress on stderr. */
  log(msg: string): void;
}

/** One benchmark scenario of the table. */
export interface Scenario {
  /** Short id for `--only` (e.g. "dump", "fanout"). */
  id: string;
  /** The table's scenario label when it cannot run. */
  title: string;
  /** Binaries (or absolute paths) it needs; a missing one skips it. */
  needs: string[];
  run(ctx: Context): Promise<Row[]>;
}

/** The first of `bins` that is missing, if any. */
export function missingPeer(bins: readonly string[]): string | undefined {
  return bins.find((b) => !which(b));
}

/** Median wall, CPU and peak RSS of timed runs. */
export interface RunSummary {
  wallS: number | undefined;
  cpuS: number | undefined;
  maxRssMiB: number | undefined;
  /** Runs that did not exit 0 (or timed out). */
  failed: number;
}

/** Medians of `runs`' figures; failed runs are counted, and left out of the medians. */
export function summarize(runs: readonly TimedRun[]): RunSummary {
  const ok = runs.filter((r) => r.code === 0 && !r.timedOut);
  return {
    wallS: median(ok.map((r) => r.wallS)),
    cpuS: median(ok.map((r) => r.cpuS ?? Number.NaN)),
    maxRssMiB: median(ok.map((r) => r.maxRssMiB ?? Number.NaN)),
    failed: runs.length - ok.length,
  };
}

const SUMMARY_METRICS = {
  wall: { unit: 's', pick: (s: RunSummary) => s.wallS },
  CPU: { unit: 's', pick: (s: RunSummary) => s.cpuS },
  'peak RSS': { unit: 'MiB', pick: (s: RunSummary) => s.maxRssMiB },
} satisfies Record<string, { unit: Unit; pick: (s: RunSummary) => number | undefined }>;

/**
 * Table rows comparing two sides' summaries, one per metric in the order given (with
 * its goal, if any); the first row carries `note`.
 */
export function summaryRows(
  scenario: string,
  peerName: string,
  ours: RunSummary,
  theirs: RunSummary,
  metrics: [keyof typeof SUMMARY_METRICS, Goal?][],
  note: string,
): Row[] {
  return metrics.map(([metric, goal], i) => {
    const m = SUMMARY_METRICS[metric];
    return {
      scenario,
      metric,
      unit: m.unit,
      ours: m.pick(ours),
      peer: { name: peerName, value: m.pick(theirs) },
      ...(goal ? { goal } : {}),
      ...(i === 0 && note ? { note } : {}),
    };
  });
}

/** "rtmpkit failed 1/3 (exit 2: <stderr line>)" for the runs that failed, else "". */
export function failureNote(who: string, runs: readonly TimedRun[]): string {
  const bad = runs.filter((r) => r.code !== 0 || r.timedOut);
  if (bad.length === 0) return '';
  const r = bad[0]!;
  const why = r.timedOut ? 'timed out' : `exit ${r.code ?? r.signal}`;
  const line = r.stderr.trim().split('\n').pop()?.slice(0, 80) ?? '';
  return `${who} failed ${bad.length}/${runs.length} (${why}${line ? `: ${line}` : ''})`;
}

/** Joins the non-empty notes with "; ". */
export function notes(...parts: (string | undefined | false)[]): string {
  return parts.filter((p): p is string => typeof p === 'string' && p !== '').join('; ');
}

/**
 * rtmpdump exits 2 ("Download may be incomplete") when the last timestamp is under
 * 99.9 % of the metadata duration, which a file of a few seconds never reaches. A run
 * whose output holds every A/V tag of the source is complete all the same: it counts
 * as exit 0. Any other run is returned unchanged.
 */
export function acceptComplete(run: TimedRun, out: string, source: MediaFile): TimedRun {
  if (run.code !== 2 || run.timedOut) return run;
  return hasSourceTags(out, source) ? { ...run, code: 0 } : run;
}

/** Whether the FLV file `out` holds exactly the source's A/V tags (false also when unreadable). */
export function hasSourceTags(out: string, source: MediaFile): boolean {
  try {
    return sameTags(avDigest(out), source.digest);
  } catch {
    return false;
  }
}

/** "303 MB" for a byte count. */
export function sizeLabel(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

/** A file in the scratch folder. */
export function scratch(ctx: Context, name: string): string {
  return join(ctx.work, name);
}

/**
 * Runs `a(i)` then `b(i)` for each i < runs: the two sides alternate (A B A B…), so a
 * change of the machine's load during the scenario weighs on both alike.
 */
export async function alternate<A, B>(
  runs: number,
  a: (i: number) => Promise<A>,
  b: (i: number) => Promise<B>,
): Promise<[A[], B[]]> {
  const as: A[] = [];
  const bs: B[] = [];
  for (let i = 0; i < runs; i++) {
    as.push(await a(i));
    bs.push(await b(i));
  }
  return [as, bs];
}

/** A measured client run, bounded at 10 minutes. */
export function client(cmd: string, args: readonly string[], opts: TimedOptions = {}): Promise<TimedRun> {
  return timed(cmd, args, { timeoutMs: 600_000, ...opts });
}

/** `rtmpkit dump -q [FLAGS] -r URL -o OUT`. */
export function rtmpkitDump(
  ctx: Context,
  url: string,
  out: string,
  opts: TimedOptions = {},
  flags: readonly string[] = [],
): Promise<TimedRun> {
  return client(process.execPath, [ctx.cli, 'dump', '-q', ...flags, '-r', url, '-o', out], opts);
}

/** `rtmpdump -q [FLAGS] -r URL -o OUT`. */
export function rtmpdump(url: string, out: string, flags: readonly string[] = []): Promise<TimedRun> {
  return client('rtmpdump', ['-q', ...flags, '-r', url, '-o', out]);
}

/** ffmpeg sending FILE to URL as FLV without re-encoding, as fast as it goes or (`realtime`) paced. */
export function ffmpegPublish(path: string, url: string, realtime = false): Promise<TimedRun> {
  const pace = realtime ? ['-re'] : [];
  return client('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', ...pace],
    ...['-i', path, '-c', 'copy', '-f', 'flv', url],
  ]);
}

/**
 * An `rtmpdump --live` player recording URL to OUT. `playing` resolves when it prints
 * "Starting Live Stream" (it has NetStream.Play.Start), when it ends before that, or
 * after 15 s; `done` with its measured run (it ends at UnpublishNotify).
 */
export function livePlayer(url: string, out: string): { playing: Promise<void>; done: Promise<TimedRun> } {
  let started: () => void = () => {};
  const playing = new Promise<void>((res) => {
    started = res;
    setTimeout(res, 15_000).unref();
  });
  let seen = '';
  const done = client('rtmpdump', ['--live', '-r', url, '-o', out], {
    onStderr(text) {
      seen = (seen + text).slice(-256);
      if (seen.includes('Starting Live Stream')) started();
    },
  });
  void done.then(() => started());
  return { playing, done };
}
