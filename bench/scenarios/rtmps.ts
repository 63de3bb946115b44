/**
 * RTMPS against plain RTMP: `rtmpkit dump` of the ~300 MB VOD through stunnel (TLS
 * terminated in front of nginx-rtmp; its self-signed certificate trusted through
 * NODE_EXTRA_CA_CERTS, so verification stays on) and straight from nginx-rtmp,
 * alternated. The goal is on client CPU per GB; both outputs must be byte-identical.
 */
import type { Row } from '../lib/report.js';
import { rtmpkitDump, type Scenario, sizeLabel } from '../lib/scenario.js';
import { startTls } from '../lib/servers.js';
import { againstPlainRows, downloadPair } from './dump.js';

/** The RTMPS scenario. */
export const rtmps: Scenario = {
  id: 'rtmps',
  title: 'RTMPS through stunnel',
  needs: ['nginx', 'stunnel'],
  async run(ctx): Promise<Row[]> {
    const nginx = await ctx.nginx();
    const tls = await startTls(nginx.port);
    const file = ctx.media.big;
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
    return againstPlainRows(
      `RTMPS dump ${sizeLabel(file.bytes)} (stunnel)`,
      file,
      pair,
      ['rtmps', 'rtmp'],
      1.3,
    );
  },
};
