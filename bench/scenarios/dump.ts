/**
 * `rtmpkit dump -q -r URL -o FILE` against `rtmpdump -q -r URL -o FILE`, VOD from
 * nginx-rtmp, on the ~300 MB file and on the ~1 GB one (steady state apart from
 * start-up). Both are whole processes measured by GNU time: wall, user+sys CPU, peak
 * RSS. Every run's two outputs must be byte-identical (issue 9).
 */
import { rmSync } from 'node:fs';
import { sameBytes } from '../lib/flv-check.js';
import type { MediaFile } from '../lib/media.js';
import type { TimedRun } from '../lib/proc.js';
import type { Row } from '../lib/report.js';
import {
  acceptComplete,
  alternate,
  type Context,
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
import { cpuPerGb } from '../lib/stats.js';

/** Two downloads of `file` alternated, each run's outputs compared byte for byte. */
export interface DownloadPair {
  a: TimedRun[];
  b: TimedRun[];
  /** "outputs byte-identical", or in how many runs they differed and which side lost source tags. */
  check: string;
}

/**
 * Runs `a(out)` and `b(out)` alternately, compares their outputs, removes them. When
 * the outputs differ, each is compared with the source too, so the note tells a client
 * that lost or shifted tags from a server that dropped them for both.
 */
export async function downloadPair(
  ctx: Context,
  file: MediaFile,
  names: [string, string],
  a: (out: string) => Promise<TimedRun>,
  b: (out: string) => Promise<TimedRun>,
): Promise<DownloadPair> {
  const outA = scratch(ctx, 'download-a.flv');
  const outB = scratch(ctx, 'download-b.flv');
  let differ = 0;
  const notSource = [0, 0];
  const [as, bs] = await alternate(
    ctx.runs,
    async () => acceptComplete(await a(outA), outA, file),
    async () => {
      const run = acceptComplete(await b(outB), outB, file);
      let same = false;
      try {
        same = sameBytes(outA, outB);
      } catch {}
      if (!same) {
        differ++;
        if (!hasSourceTags(outA, file)) notSource[0]!++;
        if (!hasSourceTags(outB, file)) notSource[1]!++;
      }
      rmSync(outA, { force: true });
      rmSync(outB, { force: true });
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
  };
}

async function dump(ctx: Context, file: MediaFile): Promise<Row[]> {
  const nginx = await ctx.nginx();
  const url = `rtmp://127.0.0.1:${nginx.port}/vod/${file.name}`;
  const pair = await downloadPair(
    ctx,
    file,
    ['rtmpkit', 'rtmpdump'],
    (out) => rtmpkitDump(ctx, url, out),
    (out) => rtmpdump(url, out),
  );
  return summaryRows(
    `dump VOD ${sizeLabel(file.bytes)}`,
    'rtmpdump',
    summarize(pair.a),
    summarize(pair.b),
    [
      ['wall', { kind: 'ratio', op: '<=', target: 1.0 }],
      ['CPU', { kind: 'ratio', op: '<=', target: 1.0 }],
      ['peak RSS', { kind: 'value', op: '<=', target: 64 }],
    ],
    notes(pair.check, failureNote('rtmpkit', pair.a), failureNote('rtmpdump', pair.b)),
  );
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
