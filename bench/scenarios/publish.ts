/**
 * Publishing a file as fast as the server takes it, into nginx-rtmp's live app (no
 * player): `rtmpkit publish --no-realtime URL FILE` against ffmpeg reading the file
 * without `-re` and sending it with `-c copy -f flv`. Client CPU (GNU time) is the
 * goal; wall time and peak RSS are shown. A fresh stream name per run.
 */
import type { Row } from '../lib/report.js';
import {
  alternate,
  client,
  failureNote,
  ffmpegPublish,
  notes,
  type Scenario,
  sizeLabel,
  summarize,
  summaryRows,
} from '../lib/scenario.js';

/** The publish scenario. */
export const publish: Scenario = {
  id: 'publish',
  title: 'publish into nginx-rtmp',
  needs: ['nginx', 'ffmpeg'],
  async run(ctx): Promise<Row[]> {
    const nginx = await ctx.nginx();
    const file = ctx.media.big;
    const base = `rtmp://127.0.0.1:${nginx.port}/live/publish${process.pid}`;
    const [ours, theirs] = await alternate(
      ctx.runs,
      (i) => client(process.execPath, [ctx.cli, 'publish', '-q', '--no-realtime', `${base}a${i}`, file.path]),
      (i) => ffmpegPublish(file.path, `${base}b${i}`),
    );
    return summaryRows(
      `publish ${sizeLabel(file.bytes)} into nginx-rtmp`,
      'ffmpeg',
      summarize(ours),
      summarize(theirs),
      [['CPU', { kind: 'ratio', op: '<=', target: 1.0 }], ['wall'], ['peak RSS']],
      notes(failureNote('rtmpkit', ours), failureNote('ffmpeg', theirs)),
    );
  },
};
