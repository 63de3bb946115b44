/**
 * RTMPE against plain RTMP: `rtmpkit dump` of a VOD file from the embedded server (which
 * accepts RTMPE on its RTMP port) over rtmpe:// — Diffie-Hellman handshake, then RC4 both
 * ways, written in TypeScript/WebAssembly because Node's OpenSSL 3 refuses RC4 — and over
 * rtmp://, alternated. The goal is on client CPU per GB (librtmp's rtmpdump pays ~6.7× for
 * RTMPE); both outputs must be byte-identical. The ~300 MB row is the goal's; the ~1 GB
 * row shows the steady state, where start-up (the same for both) weighs less and the ratio
 * is RC4's cost against the plain download's.
 */
import type { MediaFile } from '../lib/media.js';
import type { Row } from '../lib/report.js';
import { type Context, rtmpkitDump, type Scenario, sizeLabel } from '../lib/scenario.js';
import { againstPlainRows, downloadPair } from './dump.js';

async function rtmpeDump(ctx: Context, file: MediaFile): Promise<Row[]> {
  const server = await ctx.embedded();
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
}

/** The RTMPE scenario on the ~300 MB file (the goal's row). */
export const rtmpe: Scenario = {
  id: 'rtmpe',
  title: 'RTMPE from the embedded server',
  // ffmpeg makes the media; the server is rtmpkit's own.
  needs: ['ffmpeg'],
  run: (ctx) => rtmpeDump(ctx, ctx.media.big),
};

/** The same on the ~1 GB file: the steady state. */
export const rtmpeLong: Scenario = {
  id: 'rtmpe-1g',
  title: 'RTMPE from the embedded server, 1 GB',
  needs: ['ffmpeg'],
  run: (ctx) => rtmpeDump(ctx, ctx.media.long),
};
