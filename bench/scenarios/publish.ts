/**
 * Publishing a file as fast as the server takes it, into nginx-rtmp's live app (no
 * player): `rtmpkit publish --no-realtime URL FILE` against ffmpeg reading the file
 * without `-re` and sending it with `-c copy -f flv`. Client CPU (GNU time) is the
 * goal; wall time and peak RSS are shown. A fresh stream name per run.
 *
 * After each ffmpeg run, Node's floor (no goal; ratio against ffmpeg): children/floor-rtmp.js
 * publishing the same file with no library, which counts only when nginx acknowledged
 * all of it but the last 2 MiB (its exit code).
 */
import { join } from 'node:path';
import type { TimedRun } from '../lib/proc.js';
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
import { CHILDREN_DIR } from '../lib/servers.js';

/** The publish scenario. */
export const publish: Scenario = {
  id: 'publish',
  title: 'publish into nginx-rtmp',
  needs: ['nginx', 'ffmpeg'],
  async run(ctx): Promise<Row[]> {
    const nginx = await ctx.nginx();
    const file = ctx.media.big;
    const base = `rtmp://127.0.0.1:${nginx.port}/live/publish${process.pid}`;
    const floor: TimedRun[] = [];
    const floorScript = join(CHILDREN_DIR, 'floor-rtmp.js');
    const [ours, theirs] = await alternate(
      ctx.runs,
      (i) => client(process.execPath, [ctx.cli, 'publish', '-q', '--no-realtime', `${base}a${i}`, file.path]),
      async (i) => {
        const run = await ffmpegPublish(file.path, `${base}b${i}`);
        floor.push(await client(process.execPath, [floorScript, 'publish', `${base}c${i}`, file.path]));
        return run;
      },
    );
    const peer = summarize(theirs);
    return [
      ...summaryRows(
        `publish ${sizeLabel(file.bytes)} into nginx-rtmp`,
        'ffmpeg',
        summarize(ours),
        peer,
        [['CPU', { kind: 'ratio', op: '<=', target: 1.0 }], ['wall'], ['peak RSS']],
        notes(failureNote('rtmpkit', ours), failureNote('ffmpeg', theirs)),
      ),
      ...summaryRows(
        `publish floor ${sizeLabel(file.bytes)}: least RTMP publisher, no library`,
        'ffmpeg',
        summarize(floor),
        peer,
        [['CPU'], ['wall'], ['peak RSS']],
        notes(
          floor.every((r) => r.code === 0) ? 'nginx acknowledged all but the last 2 MiB' : '',
          failureNote('floor', floor),
        ),
      ),
    ];
  },
};
