/**
 * RTMPE against plain RTMP: `rtmpkit dump` of the ~300 MB VOD from the embedded server
 * (which accepts RTMPE on its RTMP port) over rtmpe:// — Diffie-Hellman handshake, then RC4
 * both ways, written in TypeScript because Node's OpenSSL 3 refuses RC4 — and over rtmp://,
 * alternated. The goal is on client CPU per GB (librtmp's rtmpdump pays ~6.7× for RTMPE);
 * both outputs must be byte-identical.
 */
import type { Row } from '../lib/report.js';
import { failureNote, notes, rtmpkitDump, type Scenario, sizeLabel, summarize } from '../lib/scenario.js';
import { cpuPerGb } from '../lib/stats.js';
import { downloadPair } from './dump.js';

/** The RTMPE scenario. */
export const rtmpe: Scenario = {
  id: 'rtmpe',
  title: 'RTMPE from the embedded server',
  // ffmpeg makes the media; the server is rtmpkit's own.
  needs: ['ffmpeg'],
  async run(ctx): Promise<Row[]> {
    const server = await ctx.embedded();
    const file = ctx.media.big;
    const url = (scheme: string) => `${scheme}://127.0.0.1:${server.port}/vod/${file.name}`;
    const pair = await downloadPair(
      ctx,
      file,
      ['rtmpe', 'rtmp'],
      (out) => rtmpkitDump(ctx, url('rtmpe'), out),
      (out) => rtmpkitDump(ctx, url('rtmp'), out),
    );
    const a = summarize(pair.a);
    const b = summarize(pair.b);
    const scenario = `RTMPE dump ${sizeLabel(file.bytes)} (embedded server)`;
    const peer = (value: number | undefined) => ({ name: 'plain RTMP', value });
    return [
      {
        scenario,
        metric: 'CPU per GB',
        unit: 's/GB',
        ours: cpuPerGb(a.cpuS, file.bytes),
        peer: peer(cpuPerGb(b.cpuS, file.bytes)),
        goal: { kind: 'ratio', op: '<=', target: 1.5 },
        note: notes(pair.check, failureNote('rtmpe', pair.a), failureNote('rtmp', pair.b)),
      },
      { scenario, metric: 'wall', unit: 's', ours: a.wallS, peer: peer(b.wallS) },
    ];
  },
};
