/**
 * Publishing a file as fast as the server takes it, into nginx-rtmp's live app (no
 * player): `rtmpkit publish --no-realtime URL FILE` against ffmpeg reading the file
 * without `-re` and sending it with `-c copy -f flv`. Client CPU (GNU time) is the
 * goal; wall time is shown. A fresh stream name per run.
 */
import { type TimedRun, timed } from '../lib/proc.js';
import type { Row } from '../lib/report.js';
import { type Context, failureNote, notes, type Scenario, sizeLabel, summarize } from '../lib/scenario.js';

async function run(ctx: Context): Promise<Row[]> {
  const nginx = await ctx.nginx();
  const file = ctx.media.big;
  const base = `rtmp://127.0.0.1:${nginx.port}/live/publish${process.pid}`;
  const ours: TimedRun[] = [];
  const theirs: TimedRun[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    ours.push(
      await timed(process.execPath, [ctx.cli, 'publish', '-q', '--no-realtime', `${base}a${i}`, file.path], {
        timeoutMs: 600_000,
      }),
    );
    theirs.push(
      await timed(
        'ffmpeg',
        [
          '-hide_banner',
          '-loglevel',
          'error',
          '-nostdin',
          '-i',
          file.path,
          '-c',
          'copy',
          '-f',
          'flv',
          `${base}b${i}`,
        ],
        { timeoutMs: 600_000 },
      ),
    );
  }
  const a = summarize(ours);
  const b = summarize(theirs);
  const scenario = `publish ${sizeLabel(file.bytes)} into nginx-rtmp`;
  const peer = (value: number | undefined) => ({ name: 'ffmpeg', value });
  return [
    {
      scenario,
      metric: 'CPU',
      unit: 's',
      ours: a.cpuS,
      peer: peer(b.cpuS),
      goal: { kind: 'ratio', op: '<=', target: 1.0 },
      note: notes(failureNote('rtmpkit', ours), failureNote('ffmpeg', theirs)),
    },
    { scenario, metric: 'wall', unit: 's', ours: a.wallS, peer: peer(b.wallS) },
    { scenario, metric: 'peak RSS', unit: 'MiB', ours: a.maxRssMiB, peer: peer(b.maxRssMiB) },
  ];
}

/** The publish scenario. */
export const publish: Scenario = {
  id: 'publish',
  title: 'publish into nginx-rtmp',
  needs: ['nginx', 'ffmpeg'],
  run,
};
