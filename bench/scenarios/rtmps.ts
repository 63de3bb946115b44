/**
 * RTMPS against plain RTMP: `rtmpkit dump` of the ~300 MB VOD through stunnel (TLS
 * terminated in front of nginx-rtmp; its self-signed certificate trusted through
 * NODE_EXTRA_CA_CERTS, so verification stays on) and straight from nginx-rtmp,
 * alternated. The goal is on client CPU per GB; both outputs must be byte-identical.
 */
import { rmSync } from 'node:fs';
import { sameBytes } from '../lib/flv-check.js';
import { type TimedRun, timed } from '../lib/proc.js';
import type { Row } from '../lib/report.js';
import {
  type Context,
  failureNote,
  notes,
  type Scenario,
  scratch,
  sizeLabel,
  summarize,
} from '../lib/scenario.js';
import { startTls } from '../lib/servers.js';
import { cpuPerGb } from '../lib/stats.js';

async function run(ctx: Context): Promise<Row[]> {
  const nginx = await ctx.nginx();
  const tls = await startTls(nginx.port);
  const file = ctx.media.big;
  const secure: TimedRun[] = [];
  const plain: TimedRun[] = [];
  let differ = 0;
  const outA = scratch(ctx, 'rtmps.flv');
  const outB = scratch(ctx, 'rtmp.flv');
  try {
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: tls.cert };
    for (let i = 0; i < ctx.runs; i++) {
      const rtmps = `rtmps://127.0.0.1:${tls.port}/vod/${file.name}`;
      const rtmp = `rtmp://127.0.0.1:${nginx.port}/vod/${file.name}`;
      secure.push(
        await timed(process.execPath, [ctx.cli, 'dump', '-q', '-r', rtmps, '-o', outA], {
          env,
          timeoutMs: 600_000,
        }),
      );
      plain.push(
        await timed(process.execPath, [ctx.cli, 'dump', '-q', '-r', rtmp, '-o', outB], {
          timeoutMs: 600_000,
        }),
      );
      try {
        if (!sameBytes(outA, outB)) differ++;
      } catch {
        differ++;
      }
      rmSync(outA, { force: true });
      rmSync(outB, { force: true });
    }
  } finally {
    await tls.stop();
  }
  const a = summarize(secure);
  const b = summarize(plain);
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
      note: notes(
        differ === 0 ? 'outputs byte-identical' : `OUTPUTS DIFFER in ${differ}/${ctx.runs} runs`,
        failureNote('rtmps', secure),
        failureNote('rtmp', plain),
      ),
    },
    { scenario, metric: 'wall', unit: 's', ours: a.wallS, peer: peer(b.wallS) },
  ];
}

/** The RTMPS scenario. */
export const rtmps: Scenario = {
  id: 'rtmps',
  title: 'RTMPS through stunnel',
  needs: ['nginx', 'stunnel'],
  run,
};
