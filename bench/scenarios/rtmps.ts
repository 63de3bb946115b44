/**
 * RTMPS against plain RTMP: `rtmpkit dump` of a VOD file through stunnel (TLS terminated
 * in front of nginx-rtmp; its self-signed certificate trusted through NODE_EXTRA_CA_CERTS,
 * so verification stays on) and straight from nginx-rtmp, alternated. The goal is on
 * client CPU per GB; both outputs must be byte-identical. The ~300 MB row is the goal's;
 * the ~1 GB row shows the steady state, where start-up (the same for both) weighs less.
 *
 * Floor row (no goal): what Node's TLS alone adds for the same bytes — the raw file from
 * the floor sender received in a child, socket reads only (children/library-floor.js),
 * through stunnel against straight over TCP, alternated. The RTMPS row can sit no lower
 * than the plain row plus this difference.
 */
import type { MediaFile } from '../lib/media.js';
import type { Row } from '../lib/report.js';
import { alternate, type Context, rtmpkitDump, type Scenario, sizeLabel } from '../lib/scenario.js';
import { startFloorSender, startTls } from '../lib/servers.js';
import { againstPlainRows, downloadPair } from './dump.js';
import { childRun, cpuPerGbOf, keepRun, type LibraryRun } from './library.js';

/** Node's socket reads of `file`'s bytes over TLS against plain TCP (see the module comment). */
async function tlsFloor(ctx: Context, file: MediaFile): Promise<Row> {
  const sender = await startFloorSender(file.path);
  const tlsRuns: LibraryRun[] = [];
  const plainRuns: LibraryRun[] = [];
  const problems: string[] = [];
  try {
    const tls = await startTls(sender.port);
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: tls.cert };
    try {
      await alternate(
        ctx.runs,
        async () =>
          keepRun(
            tlsRuns,
            problems,
            await childRun('library-floor.js', ['receive-tls', `${tls.port}`, file.path], [], env),
            file.bytes,
          ),
        async () =>
          keepRun(
            plainRuns,
            problems,
            await childRun('library-floor.js', ['receive', `${sender.port}`, file.path]),
            file.bytes,
          ),
      );
    } finally {
      await tls.stop();
    }
  } finally {
    await sender.stop();
  }
  return {
    scenario: `RTMPS floor ${sizeLabel(file.bytes)}: Node socket reads, TLS`,
    metric: 'CPU per GB',
    unit: 's/GB',
    ours: cpuPerGbOf(tlsRuns),
    peer: { name: 'plain TCP', value: cpuPerGbOf(plainRuns) },
    note: problems[0] ?? 'no RTMP: the raw file through stunnel against straight, byte counts = source',
  };
}

async function rtmpsDump(ctx: Context, file: MediaFile): Promise<Row[]> {
  const nginx = await ctx.nginx();
  const tls = await startTls(nginx.port);
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: tls.cert };
  let pair: Awaited<ReturnType<typeof downloadPair>>;
  try {
    pair = await downloadPair(
      ctx,
      file,
      ['rtmps', 'rtmp'],
      (out) => rtmpkitDump(ctx, `rtmps://127.0.0.1:${tls.port}/vod/${file.name}`, out, { env }),
      (out) => rtmpkitDump(ctx, `rtmp://127.0.0.1:${nginx.port}/vod/${file.name}`, out),
    );
  } finally {
    await tls.stop();
  }
  return [
    ...againstPlainRows(`RTMPS dump ${sizeLabel(file.bytes)} (stunnel)`, file, pair, ['rtmps', 'rtmp'], 1.3),
    await tlsFloor(ctx, file),
  ];
}

/** The RTMPS scenario on the ~300 MB file (the goal's row). */
export const rtmps: Scenario = {
  id: 'rtmps',
  title: 'RTMPS through stunnel',
  needs: ['nginx', 'stunnel'],
  run: (ctx) => rtmpsDump(ctx, ctx.media.big),
};

/** The same on the ~1 GB file: the steady state. */
export const rtmpsLong: Scenario = {
  id: 'rtmps-1g',
  title: 'RTMPS through stunnel, 1 GB',
  needs: ['nginx', 'stunnel'],
  run: (ctx) => rtmpsDump(ctx, ctx.media.long),
};
