/**
 * `rtmpkit dump -q -r URL -o FILE` against `rtmpdump -q -r URL -o FILE`, VOD from
 * nginx-rtmp, on the ~300 MB file and on the ~1 GB one (steady state apart from
 * start-up). Both are whole processes measured by GNU time: wall, user+sys CPU, peak
 * RSS. Every run's two outputs must be byte-identical (issue 9).
 *
 * Alternated with them run by run, Node's floors (no goal; ratio against rtmpdump, the
 * peer the goal names): `node -e 0` (start-up alone); children/floor-dump.js receiving
 * the file's raw bytes from the floor sender (its CPU not counted) into a file — with a
 * reused buffer and `fs.writeSync`, and with `socket.pipe(createWriteStream)` — whose
 * output must equal the source file; and children/floor-rtmp.js, the least RTMP client
 * (no library, fixed messages, no copy of media) downloading from the same nginx, whose
 * output must equal the one rtmpkit and rtmpdump agreed on.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileDigest, sameBytes } from '../lib/flv-check.js';
import type { MediaFile } from '../lib/media.js';
import type { TimedRun } from '../lib/proc.js';
import type { Row } from '../lib/report.js';
import {
  acceptComplete,
  alternate,
  type Context,
  client,
  failureNote,
  hasSourceTags,
  notes,
  rtmpdump,
  rtmpkitDump,
  type Scenario,
  scratch,
  sizeLabel,
  summarize,
  summaryRows,
} from '../lib/scenario.js';
import { CHILDREN_DIR, startFloorSender } from '../lib/servers.js';
import { cpuPerGb } from '../lib/stats.js';

/** Two downloads of `file` alternated, each run's outputs compared byte for byte. */
export interface DownloadPair {
  a: TimedRun[];
  b: TimedRun[];
  /** "outputs byte-identical", or in how many runs they differed and which side lost source tags. */
  check: string;
  /** The runs of each of `more`'s sides, in its order. */
  more: TimedRun[][];
  /** The digest of the output both sides produced (in the last run they agreed). */
  agreed: string | undefined;
}

/**
 * Runs `a(out)` and `b(out)` alternately and compares their outputs by digest; each output
 * is digested and removed before the other side runs — a 1 GB file just written and still
 * in /dev/shm made the next download's writes cost more (rtmpdump after rtmpkit: 0.75 →
 * 1.3–2.7 s of CPU; rtmpkit after rtmpdump: 1.22 → 1.36–2.15 s; a file copied there
 * beforehand did not), which put the second side of every pair at a disadvantage. An
 * output that matches neither the other side's nor one both agreed on earlier is checked
 * against the source's A/V tags before it goes, so the note tells a client that lost or
 * shifted tags from a server that dropped them for both. Each of `more` runs after each
 * pair (A B M1 M2… A B M1 M2…), bounds measured in the same rounds.
 */
export async function downloadPair(
  ctx: Context,
  file: MediaFile,
  names: [string, string],
  a: (out: string) => Promise<TimedRun>,
  b: (out: string) => Promise<TimedRun>,
  more: (() => Promise<TimedRun>)[] = [],
): Promise<DownloadPair> {
  const outA = scratch(ctx, 'download-a.flv');
  const outB = scratch(ctx, 'download-b.flv');
  let differ = 0;
  const notSource = [0, 0];
  /** The digest both sides produced in an earlier run. */
  let agreed: string | undefined;
  /** Side A's output of the current run: its digest, and whether it had the source's tags. */
  let lastA: { digest: string | undefined; sourceTags: boolean } = { digest: undefined, sourceTags: false };
  const settle = (out: string): { digest: string | undefined; sourceTags: boolean } => {
    let digest: string | undefined;
    try {
      digest = fileDigest(out);
    } catch {}
    const sourceTags = digest !== undefined && digest === agreed ? true : hasSourceTags(out, file);
    rmSync(out, { force: true });
    return { digest, sourceTags };
  };
  const moreRuns = more.map((): TimedRun[] => []);
  const [as, bs] = await alternate(
    ctx.runs,
    async () => {
      const run = acceptComplete(await a(outA), outA, file);
      lastA = settle(outA);
      return run;
    },
    async () => {
      const run = acceptComplete(await b(outB), outB, file);
      const lastB = settle(outB);
      if (lastA.digest !== undefined && lastA.digest === lastB.digest) agreed = lastA.digest;
      else {
        differ++;
        if (!lastA.sourceTags) notSource[0]!++;
        if (!lastB.sourceTags) notSource[1]!++;
      }
      for (const [i, side] of more.entries()) moreRuns[i]!.push(await side());
      return run;
    },
  );
  return {
    a: as,
    b: bs,
    check:
      differ === 0
        ? 'outputs byte-identical'
        : `OUTPUTS DIFFER in ${differ}/${ctx.runs} runs (runs without the source's A/V tags: ` +
          `${names[0]} ${notSource[0]}, ${names[1]} ${notSource[1]})`,
    more: moreRuns,
    agreed,
  };
}

/** "0.75 0.81 2.9" — each run's CPU seconds (a dash for a run without a figure). */
function cpuList(runs: readonly TimedRun[]): string {
  return runs.map((r) => (r.cpuS === undefined ? '–' : r.cpuS.toFixed(2))).join(' ');
}

/**
 * The floor sides of the dump rows: `node -e 0`, children/floor-dump.js in each mode, and
 * children/floor-rtmp.js; `args` given the RTMP URL, the floor sender's port and the output
 * file; `output` what that output must equal.
 */
const DUMP_FLOORS: {
  label: string;
  args: (url: string, port: number, out: string) => string[];
  output?: 'source' | 'download';
}[] = [
  { label: 'node -e 0 (start-up)', args: () => ['-e', '0'] },
  {
    label: 'net onread + fs.writeSync',
    args: (_, port, out) => [join(CHILDREN_DIR, 'floor-dump.js'), 'reused', `${port}`, out],
    output: 'source',
  },
  {
    label: 'socket.pipe(createWriteStream)',
    args: (_, port, out) => [join(CHILDREN_DIR, 'floor-dump.js'), 'pipe', `${port}`, out],
    output: 'source',
  },
  {
    label: 'least RTMP client, no library',
    args: (url, _, out) => [join(CHILDREN_DIR, 'floor-rtmp.js'), 'play', url, out],
    output: 'download',
  },
];

async function dump(ctx: Context, file: MediaFile): Promise<Row[]> {
  const nginx = await ctx.nginx();
  const sender = await startFloorSender(file.path);
  try {
    const url = `rtmp://127.0.0.1:${nginx.port}/vod/${file.name}`;
    const floorOut = scratch(ctx, 'floor.flv');
    const floorDiffer = DUMP_FLOORS.map(() => 0);
    /** The digests of the floors' downloads, checked against rtmpkit's and rtmpdump's at the end. */
    const floorDigests = DUMP_FLOORS.map((): (string | undefined)[] => []);
    const floor = (i: number) => async (): Promise<TimedRun> => {
      const { args, output } = DUMP_FLOORS[i]!;
      const run = await client(process.execPath, args(url, sender.port, floorOut));
      if (run.code === 0 && output === 'source' && !sameBytes(floorOut, file.path)) floorDiffer[i]!++;
      if (run.code === 0 && output === 'download') floorDigests[i]!.push(fileDigest(floorOut));
      rmSync(floorOut, { force: true });
      return run;
    };
    const pair = await downloadPair(
      ctx,
      file,
      ['rtmpkit', 'rtmpdump'],
      (out) => rtmpkitDump(ctx, url, out),
      (out) => rtmpdump(url, out),
      DUMP_FLOORS.map((_, i) => floor(i)),
    );
    for (const [i, digests] of floorDigests.entries()) {
      floorDiffer[i]! += digests.filter((d) => d !== pair.agreed).length;
    }
    const same = {
      source: 'output = source file (sent by a process not counted)',
      download: 'output = what rtmpkit and rtmpdump wrote',
    };
    const peer = summarize(pair.b);
    const floorRows = DUMP_FLOORS.flatMap((f, i) =>
      summaryRows(
        `dump floor ${sizeLabel(file.bytes)}: ${f.label}`,
        'rtmpdump',
        summarize(pair.more[i]!),
        peer,
        f.output === 'download' ? [['CPU'], ['wall'], ['peak RSS']] : [['CPU'], ['peak RSS']],
        notes(
          f.output && floorDiffer[i] === 0 ? same[f.output] : '',
          floorDiffer[i]! > 0
            ? `FLOOR OUTPUT ≠ ${f.output === 'source' ? 'SOURCE' : 'THE DOWNLOADS'} in ${floorDiffer[i]}/${ctx.runs} runs`
            : '',
          failureNote('floor', pair.more[i]!),
        ),
      ),
    );
    const rows = summaryRows(
      `dump VOD ${sizeLabel(file.bytes)}`,
      'rtmpdump',
      summarize(pair.a),
      peer,
      [
        ['wall', { kind: 'ratio', op: '<=', target: 1.0 }],
        ['CPU', { kind: 'ratio', op: '<=', target: 1.0 }],
        ['peak RSS', { kind: 'value', op: '<=', target: 64 }],
      ],
      notes(pair.check, failureNote('rtmpkit', pair.a), failureNote('rtmpdump', pair.b)),
    );
    // Each run's CPU: rtmpdump's own swings (0.7–3.9 s for the 1 GB file from one table to
    // the next, in its kernel time) can decide a median on their own.
    rows[1]!.note = `CPU per run: rtmpkit ${cpuList(pair.a)}; rtmpdump ${cpuList(pair.b)}`;
    return [...rows, ...floorRows];
  } finally {
    await sender.stop();
  }
}

/**
 * The two rows of a transport-against-plain comparison (RTMPS, RTMPE): client CPU per GB
 * with its ratio goal against plain RTMP, and wall time; `names` label the failure notes.
 */
export function againstPlainRows(
  scenario: string,
  file: MediaFile,
  pair: DownloadPair,
  names: [string, string],
  target: number,
): Row[] {
  const a = summarize(pair.a);
  const b = summarize(pair.b);
  const peer = (value: number | undefined) => ({ name: 'plain RTMP', value });
  return [
    {
      scenario,
      metric: 'CPU per GB',
      unit: 's/GB',
      ours: cpuPerGb(a.cpuS, file.bytes),
      peer: peer(cpuPerGb(b.cpuS, file.bytes)),
      goal: { kind: 'ratio', op: '<=', target },
      note: notes(pair.check, failureNote(names[0], pair.a), failureNote(names[1], pair.b)),
    },
    { scenario, metric: 'wall', unit: 's', ours: a.wallS, peer: peer(b.wallS) },
  ];
}

/** The dump download of the ~300 MB file. */
export const dumpBig: Scenario = {
  id: 'dump',
  title: 'dump VOD 300 MB',
  needs: ['nginx', 'rtmpdump'],
  run: (ctx) => dump(ctx, ctx.media.big),
};

/** The dump download of the ~1 GB file. */
export const dumpLong: Scenario = {
  id: 'dump-1g',
  title: 'dump VOD 1 GB',
  needs: ['nginx', 'rtmpdump'],
  run: (ctx) => dump(ctx, ctx.media.long),
};
