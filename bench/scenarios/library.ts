/**
 * The library in-process: a child Node process downloads the ~300 MB VOD from
 * nginx-rtmp with the public client, once with `for await` over the stream and once
 * with `toReadable()` piped to a file, timing itself from `connect()` to `close()`
 * (children/library.js) — the rate and CPU per GB of the library, without start-up.
 * Alternated with `rtmpdump -q`, whose rate is the one to reach (issue 9: "reach the
 * same rate at ≤ 0.5 CPU s per GB"). Checks: the `for await` byte count equals the
 * size of rtmpdump's output, and the piped file is byte-identical to it.
 *
 * Alternated with them run by run, Node's floors for the same bytes (no goal; ratio
 * against rtmpdump): children/library-floor.js receiving the raw file from the floor
 * sender (its CPU not counted) in-process, timed the same way — the socket reads alone,
 * then one fresh Buffer per FLV piece for a `for await`, and those pieces as a Readable
 * piped to a file. Checks: byte counts equal the file's, the piped file equals it.
 * The floors' rates stand beside the rate goal's rows (the least RTMP client's and the
 * Readable→file floor's, no goal). And `for await` once more with the young generation
 * held at 1 MiB (`YOUNG_1MIB`, no goal): what an application's V8 flags change.
 *
 * `for await` and its floor also run on the ~1 GB file, which gives the cost per byte
 * apart from the fixed cost of a process's first download (V8 compiling the media path,
 * buffers and pools growing): the CPU of the 1 GB run less the 300 MB one's, per GB of
 * the difference ("beyond the first"). Check: the 1 GB byte count is within 1 KiB of the
 * file's (nginx-rtmp rewrites onMetaData; the 300 MB count is checked exactly).
 */

import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sameBytes } from '../lib/flv-check.js';
import type { MediaFile } from '../lib/media.js';
import type { TimedRun } from '../lib/proc.js';
import type { Row } from '../lib/report.js';
import {
  acceptComplete,
  type Context,
  client,
  failureNote,
  notes,
  rtmpdump,
  type Scenario,
  scratch,
  sizeLabel,
  summarize,
} from '../lib/scenario.js';
import { CHILDREN_DIR, startFloorSender } from '../lib/servers.js';
import { cpuPerGb, mbPerSec, median } from '../lib/stats.js';

/** What a library or library-floor child prints. */
export interface LibraryRun {
  bytes: number;
  wallS: number;
  cpuS: number;
  minorFaults: number;
}

/** One run of a child (`nodeFlags` to its Node, `env` its environment) that prints a LibraryRun, or why it failed. */
export async function childRun(
  script: string,
  args: string[],
  nodeFlags: string[] = [],
  env?: NodeJS.ProcessEnv,
): Promise<LibraryRun | string> {
  const r = await client(
    process.execPath,
    [...nodeFlags, join(CHILDREN_DIR, script), ...args],
    env ? { env } : {},
  );
  if (r.code !== 0)
    return `exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').pop() ?? ''}`.slice(0, 100);
  return JSON.parse(r.stdout) as LibraryRun;
}

/**
 * Adds `r` to `into` when its child ran and counted `bytes` (within `slack`); else says
 * why in `problems` (prefixed with `label`).
 */
export function keepRun(
  into: LibraryRun[],
  problems: string[],
  r: LibraryRun | string,
  bytes: number,
  { slack = 0, label = '' } = {},
): void {
  if (typeof r === 'string') problems.push(`${label}${r}`);
  else if (Math.abs(r.bytes - bytes) > slack) problems.push(`${label}${r.bytes} bytes, file ${bytes}`);
  else into.push(r);
}

/** Median CPU seconds per GB of `runs`. */
export const cpuPerGbOf = (runs: LibraryRun[]): number | undefined =>
  median(runs.map((r) => (r.cpuS / r.bytes) * 1e9));

const library = (mode: 'iterate' | 'readable', url: string, out: string, nodeFlags: string[] = []) =>
  childRun('library.js', [mode, url, out], nodeFlags);

/**
 * V8 flags an application can run with: the young generation held at 1 MiB, as `rtmpkit
 * dump` sets for itself. At V8's default the library's young generation grows to 16 MiB
 * and V8 then starts a mark-compact whenever the old generation's headroom is no larger
 * than that (BENCHMARKS.md, "Round 7: Node's floors").
 */
const YOUNG_1MIB = ['--max-semi-space-size=1', '--semi-space-growth-factor=1'];

/** The floor sides, in run order: mode of children/library-floor.js and the row's label. */
const LIBRARY_FLOORS = [
  { mode: 'receive', label: 'socket reads only' },
  { mode: 'iterate', label: 'fresh Buffer per tag, for await' },
  { mode: 'readable', label: 'fresh Buffer per tag, Readable→file' },
] as const;

async function run(ctx: Context): Promise<Row[]> {
  const nginx = await ctx.nginx();
  const file = ctx.media.big;
  const senders = [await startFloorSender(file.path)];
  try {
    senders.push(await startFloorSender(ctx.media.long.path));
    const short = await measure(ctx, file, nginx.port, senders[0]!.port);
    const long = await measureLong(ctx, ctx.media.long, nginx.port, senders[1]!.port);
    return [...short.rows, ...longRows(long, short, file)];
  } finally {
    for (const s of senders) await s.stop();
  }
}

/**
 * `for await` runs of the library, of its floor (fresh Buffer per tag) and of the least RTMP
 * client in process (children/floor-rtmp.js `iterate`: the protocol too) on one file.
 */
interface IterateRuns {
  iterate: LibraryRun[];
  floor: LibraryRun[];
  rtmpFloor: LibraryRun[];
  problems: string[];
  rtmpFloorProblems: string[];
}

const rtmpFloorRun = (url: string) => childRun('floor-rtmp.js', ['iterate', url]);

/** `for await` and its floor on the ~1 GB file, alternated. */
async function measureLong(
  ctx: Context,
  file: MediaFile,
  nginxPort: number,
  senderPort: number,
): Promise<IterateRuns> {
  const url = `rtmp://127.0.0.1:${nginxPort}/vod/${file.name}`;
  const out: IterateRuns = { iterate: [], floor: [], rtmpFloor: [], problems: [], rtmpFloorProblems: [] };
  for (let i = 0; i < ctx.runs; i++) {
    keepRun(out.iterate, out.problems, await library('iterate', url, ''), file.bytes, { slack: 1024 });
    const f = await childRun('library-floor.js', ['iterate', `${senderPort}`, file.path]);
    keepRun(out.floor, out.problems, f, file.bytes, { label: 'floor: ' });
    keepRun(out.rtmpFloor, out.rtmpFloorProblems, await rtmpFloorRun(url), file.bytes, { slack: 1024 });
  }
  return out;
}

/** Median CPU of `long` less that of `short`, per GB of the bytes between them (undefined when not more). */
function beyond(long: LibraryRun[], short: LibraryRun[]): number | undefined {
  const [cl, bl] = [median(long.map((r) => r.cpuS)), median(long.map((r) => r.bytes))];
  const [cs, bs] = [median(short.map((r) => r.cpuS)), median(short.map((r) => r.bytes))];
  if (cl === undefined || bl === undefined || cs === undefined || bs === undefined || bl <= bs)
    return undefined;
  // Not measurable when the larger download took no more CPU (run-to-run noise above the difference).
  return cl > cs ? ((cl - cs) / (bl - bs)) * 1e9 : undefined;
}

/** The 1 GB `for await` row and the cost per GB beyond the first file's, each against Node's floor. */
function longRows(long: IterateRuns, short: IterateRuns, shortFile: MediaFile): Row[] {
  const bytes = median(long.iterate.map((r) => r.bytes)) ?? 0;
  const marginal = beyond(long.iterate, short.iterate);
  return [
    {
      scenario: `library for await ${sizeLabel(bytes)}`,
      metric: 'CPU per GB',
      unit: 's/GB',
      ours: cpuPerGbOf(long.iterate),
      peer: { name: 'Node floor', value: cpuPerGbOf(long.floor) },
      goal: { kind: 'value', op: '<=', target: 0.5 },
      note:
        long.problems[0] ??
        'byte count within 1 KiB of the file; Node floor: fresh Buffer per tag, for await',
    },
    {
      scenario: `library for await, per GB beyond the first ${sizeLabel(shortFile.bytes)}`,
      metric: 'CPU per GB',
      unit: 's/GB',
      ours: marginal,
      peer: { name: 'Node floor', value: beyond(long.floor, short.floor) },
      note:
        marginal === undefined
          ? `not measurable: the ${sizeLabel(bytes)} downloads took no more CPU than the ${sizeLabel(shortFile.bytes)} ones (noise; more --runs)`
          : `(CPU at ${sizeLabel(bytes)} − CPU at ${sizeLabel(shortFile.bytes)}) ÷ the bytes between: the cost per byte once the first download paid the fixed cost`,
    },
    rtmpFloorRow(
      `library floor ${sizeLabel(bytes)}: least RTMP client, for await`,
      long.rtmpFloor,
      long.rtmpFloorProblems,
      {
        name: 'Node floor',
        value: cpuPerGbOf(long.floor),
      },
    ),
  ];
}

/** The in-process RTMP floor's row: its CPU per GB against `peer` (no goal). */
function rtmpFloorRow(scenario: string, runs: LibraryRun[], problems: string[], peer: Row['peer']): Row {
  return {
    scenario,
    metric: 'CPU per GB',
    unit: 's/GB',
    ours: cpuPerGbOf(runs),
    peer,
    note:
      problems[0] ??
      'no library (children/floor-rtmp.js iterate: the protocol, then a fresh Buffer per tag to a for await); byte count as the library’s',
  };
}

async function measure(
  ctx: Context,
  file: MediaFile,
  nginxPort: number,
  senderPort: number,
): Promise<IterateRuns & { rows: Row[] }> {
  const url = `rtmp://127.0.0.1:${nginxPort}/vod/${file.name}`;
  const ref = scratch(ctx, 'library-rtmpdump.flv');
  const piped = scratch(ctx, 'library-readable.flv');
  const iterate: LibraryRun[] = [];
  const readable: LibraryRun[] = [];
  const dumps: TimedRun[] = [];
  const young: LibraryRun[] = [];
  const problems = { iterate: [] as string[], readable: [] as string[], young: [] as string[] };
  const floors = LIBRARY_FLOORS.map(() => ({ runs: [] as LibraryRun[], problems: [] as string[] }));
  const rtmpFloor: LibraryRun[] = [];
  const rtmpFloorProblems: string[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    const a = await library('iterate', url, '');
    const y = await library('iterate', url, '', YOUNG_1MIB);
    const d = await rtmpdump(url, ref);
    dumps.push(acceptComplete(d, ref, file));
    const c = await library('readable', url, piped);
    const refBytes = statSync(ref, { throwIfNoEntry: false })?.size ?? -1;
    if (typeof a === 'string') problems.iterate.push(a);
    else {
      iterate.push(a);
      if (a.bytes !== refBytes) problems.iterate.push(`${a.bytes} bytes, rtmpdump ${refBytes}`);
    }
    if (typeof y === 'string') problems.young.push(y);
    else {
      young.push(y);
      if (y.bytes !== refBytes) problems.young.push(`${y.bytes} bytes, rtmpdump ${refBytes}`);
    }
    keepRun(rtmpFloor, rtmpFloorProblems, await rtmpFloorRun(url), refBytes);
    if (typeof c === 'string') problems.readable.push(c);
    else {
      readable.push(c);
      if (!sameBytes(piped, ref)) problems.readable.push('file differs from rtmpdump output');
    }
    rmSync(ref, { force: true });
    rmSync(piped, { force: true });
    for (const [j, f] of LIBRARY_FLOORS.entries()) {
      const r = await childRun('library-floor.js', [f.mode, `${senderPort}`, file.path, piped]);
      const into = floors[j]!;
      if (typeof r === 'string') into.problems.push(r);
      else {
        into.runs.push(r);
        if (r.bytes !== file.bytes) into.problems.push(`${r.bytes} bytes, file ${file.bytes}`);
        else if (f.mode === 'readable' && !sameBytes(piped, file.path))
          into.problems.push('file differs from source');
      }
      rmSync(piped, { force: true });
    }
  }
  const d = summarize(dumps);
  const dumpRate = mbPerSec(file.bytes, d.wallS);
  const dumpCpu = cpuPerGb(d.cpuS, file.bytes);
  const rows = (label: string, runs: LibraryRun[], issues: string[], ok: string): Row[] => {
    const scenario = `library ${label} ${sizeLabel(file.bytes)}`;
    return [
      {
        scenario,
        metric: 'rate',
        unit: 'MB/s',
        ours: median(runs.map((r) => r.bytes / r.wallS / 1e6)),
        peer: { name: 'rtmpdump', value: dumpRate },
        goal: { kind: 'ratio', op: '>=', target: 1.0 },
        note: notes(issues.length === 0 ? ok : issues[0], failureNote('rtmpdump', dumps)),
      },
      {
        scenario,
        metric: 'CPU per GB',
        unit: 's/GB',
        ours: cpuPerGbOf(runs),
        peer: { name: 'rtmpdump', value: dumpCpu },
        goal: { kind: 'value', op: '<=', target: 0.5 },
      },
    ];
  };
  const floorRows = LIBRARY_FLOORS.map(
    (f, j): Row => ({
      scenario: `library floor ${sizeLabel(file.bytes)}: ${f.label}`,
      metric: 'CPU per GB',
      unit: 's/GB',
      ours: cpuPerGbOf(floors[j]!.runs),
      peer: { name: 'rtmpdump', value: dumpCpu },
      note: notes(
        floors[j]!.problems[0] ??
          `${f.mode === 'readable' ? 'file = source' : 'byte count = source'} (sent by a process not counted)`,
        `minor faults ${Math.round(median(floors[j]!.runs.map((r) => r.minorFaults)) ?? 0)}`,
      ),
    }),
  );
  // The rates the floors reach, beside the rate goal's rows: what Node's stream machinery
  // and the protocol alone allow a reader in process (no goal).
  const rate = (runs: LibraryRun[]) => median(runs.map((r) => r.bytes / r.wallS / 1e6));
  const readableFloor = floors[LIBRARY_FLOORS.findIndex((f) => f.mode === 'readable')]!;
  const floorRateRows: Row[] = [
    {
      scenario: `library floor ${sizeLabel(file.bytes)}: least RTMP client, for await`,
      metric: 'rate',
      unit: 'MB/s',
      ours: rate(rtmpFloor),
      peer: { name: 'rtmpdump', value: dumpRate },
      note: rtmpFloorProblems[0] ?? 'from connect to the end, as the library’s rate',
    },
    {
      scenario: `library floor ${sizeLabel(file.bytes)}: fresh Buffer per tag, Readable→file`,
      metric: 'rate',
      unit: 'MB/s',
      ours: rate(readableFloor.runs),
      peer: { name: 'rtmpdump', value: dumpRate },
      note: readableFloor.problems[0] ?? 'the Readable and the file alone (no protocol)',
    },
  ];
  const youngRow: Row = {
    scenario: `library for await ${sizeLabel(file.bytes)}, young gen 1 MiB`,
    metric: 'CPU per GB',
    unit: 's/GB',
    ours: cpuPerGbOf(young),
    peer: { name: 'rtmpdump', value: dumpCpu },
    note:
      problems.young[0] ??
      `node ${YOUNG_1MIB.join(' ')} (an application's choice); byte count = rtmpdump output`,
  };
  return {
    rows: [
      ...rows('for await', iterate, problems.iterate, 'byte count = rtmpdump output'),
      youngRow,
      ...rows('toReadable→file', readable, problems.readable, 'file byte-identical to rtmpdump output'),
      ...floorRows,
      rtmpFloorRow(
        `library floor ${sizeLabel(file.bytes)}: least RTMP client, for await`,
        rtmpFloor,
        rtmpFloorProblems,
        {
          name: 'rtmpdump',
          value: dumpCpu,
        },
      ),
      ...floorRateRows,
    ],
    iterate,
    floor: floors[LIBRARY_FLOORS.findIndex((f) => f.mode === 'iterate')]!.runs,
    rtmpFloor,
    problems: problems.iterate,
    rtmpFloorProblems,
  };
}

/** The library scenario. */
export const libraryScenario: Scenario = {
  id: 'library',
  title: 'library for await / toReadable',
  needs: ['nginx', 'rtmpdump'],
  run,
};
