/**
 * RTMPS against plain RTMP: `rtmpkit dump` of the ~300 MB VOD through stunnel (TLS
 * terminated in front of nginx-rtmp; its self-signed certificate trusted through
 * NODE_EXTRA_CA_CERTS, so verification stays on) and straight from nginx-rtmp,
 * alternated. The goal is on client CPU per GB; both outputs must be byte-identical.
 */
import type { Row } from '../lib/report.js';
import { failureNote, notes, rtmpkitDump, type Scenario, sizeLabel, summarize } from '../lib/scenario.js';
import { startTls } from '../lib/servers.js';
import { cpuPerGb } from '../lib/stats.js';
import { downloadPair } from './dump.js';

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
    const a = summarize(pair.a);
    const b = summarize(pair.b);
    const scenario = `RTMPS dump ${sizeLabel(file.bytes)} (stunnel)`;
    const peer = (value: number | undefined) => ({ name: 'plain RTMP', value });
    return [
      {
        scenario,
        metric: 'CPU per GB',
        unit: 's/GB',
        ours: cpuPerGb(a.cpuS, file.bytes),
        peer: peer(cpuPerGb(b.cpuS, file.bytes)),
        goal: { kind: 'ratio', op: '<=', target: 1.3 },
        note: notes(pair.check, failureNote('rtmps', pair.a), failureNote('rtmp', pair.b)),
      },
      { scenario, metric: 'wall', unit: 's', ours: a.wallS, peer: peer(b.wallS) },
    ];
  },
};
