/**
 * `rtmpkit dump -q -r URL -o FILE` against `rtmpdump -q -r URL -o FILE`, VOD from
 * nginx-rtmp, on the ~300 MB file and on the ~1 GB one (steady state apart from
 * start-up). Both are whole processes measured by GNU time: wall, user+sys CPU, peak
 * RSS. Every run's two outputs must be byte-identical (issue 9).
 */
import { rmSync } from 'node:fs';
import { sameBytes } from '../lib/flv-check.js';
import type { MediaFile } from '../lib/media.js';
import { type TimedRun, timed } from '../lib/proc.js';
import type { Row } from '../lib/report.js';
import {
  acceptComplete,
  type Context,
  failureNote,
  notes,
  type Scenario,
  scratch,
  sizeLabel,
  summarize,
} from '../lib/scenario.js';

async function dump(ctx: Context, file: MediaFile): Promise<Row[]> {
  const nginx = await ctx.nginx();
  const url = `rtmp://127.0.0.1:${nginx.port}/vod/${file.name}`;
  const ours: TimedRun[] = [];
  const theirs: TimedRun[] = [];
  let differ = 0;
  const outA = scratch(ctx, 'dump-rtmpkit.flv');
  const outB = scratch(ctx, 'dump-rtmpdump.flv');
  for (let i = 0; i < ctx.runs; i++) {
    const a = await timed(process.execPath, [ctx.cli, 'dump', '-q', '-r', url, '-o', outA], {
      timeoutMs: 600_000,
    });
    ours.push(acceptComplete(a, outA, file));
    const b = await timed('rtmpdump', ['-q', '-r', url, '-o', outB], { timeoutMs: 600_000 });
    theirs.push(acceptComplete(b, outB, file));
    try {
      if (!sameBytes(outA, outB)) differ++;
    } catch {
      differ++;
    }
    rmSync(outA, { force: true });
    rmSync(outB, { force: true });
  }
  const a = summarize(ours);
  const b = summarize(theirs);
  const scenario = `dump VOD ${sizeLabel(file.bytes)}`;
  const peer = (value: number | undefined) => ({ name: 'rtmpdump', value });
  return [
    {
      scenario,
      metric: 'wall',
      unit: 's',
      ours: a.wallS,
      peer: peer(b.wallS),
      goal: { kind: 'ratio', op: '<=', target: 1.0 },
      note: notes(
        differ === 0 ? 'outputs byte-identical' : `OUTPUTS DIFFER in ${differ}/${ctx.runs} runs`,
        failureNote('rtmpkit', ours),
        failureNote('rtmpdump', theirs),
      ),
    },
    {
      scenario,
      metric: 'CPU',
      unit: 's',
      ours: a.cpuS,
      peer: peer(b.cpuS),
      goal: { kind: 'ratio', op: '<=', target: 1.0 },
    },
    {
      scenario,
      metric: 'peak RSS',
      unit: 'MiB',
      ours: a.maxRssMiB,
      peer: peer(b.maxRssMiB),
      goal: { kind: 'value', op: '<=', target: 64 },
    },
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
