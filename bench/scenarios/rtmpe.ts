/**
 * RTMPE against plain RTMP: `rtmpkit dump` of the ~300 MB VOD from the embedded server
 * (which accepts RTMPE on its RTMP port) over rtmpe:// — Diffie-Hellman handshake, then RC4
 * both ways, written in TypeScript because Node's OpenSSL 3 refuses RC4 — and over rtmp://,
 * alternated. The goal is on client CPU per GB (librtmp's rtmpdump pays ~6.7× for RTMPE);
 * both outputs must be byte-identical.
 */
import type { Row } from '../lib/report.js';
import { rtmpkitDump, type Scenario, sizeLabel } from '../lib/scenario.js';
import { againstPlainRows, downloadPair } from './dump.js';

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
    return againstPlainRows(
      `RTMPE dump ${sizeLabel(file.bytes)} (embedded server)`,
      file,
      pair,
      ['rtmpe', 'rtmp'],
      1.5,
    );
  },
};
