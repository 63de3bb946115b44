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
  notes,
  rtmpdump,
  rtmpkitDump,
  type Scenario,
  scratch,
  sizeLabel,
  summarize,
  summaryRows,
} from '../lib/scenario.js';

/** Two downloads of `file` alternated, each run's outputs compared byte for byte. */
export interface DownloadPair {
  a: TimedRun[];
  b: TimedRun[];
  /** "outputs byte-identical" or how many runs differed. */
  check: string;
}

/** Runs `a(out)` and `b(out)` alternately, compares their outputs, removes them. */
export async function downloadPair(
  ctx: Context,
  file: MediaFile,
  a: (out: string) => Promise<TimedRun>,
  b: (out: string) => Promise<TimedRun>,
): Promise<DownloadPair> {
  const outA = scratch(ctx, 'download-a.flv');
  const outB = scratch(ctx, 'download-b.flv');
  let differ = 0;
  const [as, bs] = await alternate(
    ctx.runs,
    async () => acceptComplete(await a(outA), outA, file),
    async () => {
      const run = acceptComplete(await b(outB), outB, file);
      try {
        if (!sameBytes(outA, outB)) differ++;
      } catch {
        differ++;
      }
      rmSync(outA, { force: true });
      rmSync(outB, { force: true });
      return run;
    },
  );
  return {
    a: as,
    b: bs,
    check: differ === 0 ? 'outputs byte-identical' : `OUTPUTS DIFFER in ${differ}/${ctx.runs} runs`,
  };
}

async function dump(ctx: Context, file: MediaFile): Promise<Row[]> {
  const nginx = await ctx.nginx();
  const url = `rtmp://127.0.0.1:${nginx.port}/vod/${file.name}`;
  const pair = await downloadPair(
    ctx,
    file,
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
