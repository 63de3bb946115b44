/**
 * In-process pairs of bench/micro.ts (chunk demux at 4 KiB chunks against memcpy —
 * issue 9's goal — and, without goals, chunk mux, FLV demux/mux against memcpy and the
 * AMF0 codec against V8's JSON), measured in a child process (children/micro.js),
 * alternated pair by pair. Figures are MB of the workload's bytes per CPU second of
 * the child (not wall time, which a shared machine inflates).
 */
import { join } from 'node:path';
import { timed } from '../lib/proc.js';
import type { Row } from '../lib/report.js';
import type { Context, Scenario } from '../lib/scenario.js';
import { CHILDREN_DIR } from '../lib/servers.js';
import { median } from '../lib/stats.js';
import { MICRO_PAIRS } from '../micro.js';

async function run(ctx: Context): Promise<Row[]> {
  const budget = ctx.quick ? 150 : 500;
  const args = [
    join(CHILDREN_DIR, 'micro.js'),
    String(ctx.runs),
    String(budget),
    ctx.quick ? 'quick' : 'full',
  ];
  const r = await timed(process.execPath, args, { timeoutMs: 600_000 });
  if (r.code !== 0)
    throw new Error(`micro child: exit ${r.code ?? r.signal}: ${r.stderr.trim().slice(-200)}`);
  const measured = JSON.parse(r.stdout) as { id: string; ours: number[]; peer: number[] }[];
  const pairs = new Map(MICRO_PAIRS.map((p) => [p.id, p]));
  const rows = measured.map((m): Row => {
    const pair = pairs.get(m.id)!;
    return {
      scenario: pair.scenario,
      metric: 'throughput',
      unit: 'MB/s',
      ours: median(m.ours),
      peer: { name: pair.peer, value: median(m.peer) },
      ...(pair.goalAtLeast === undefined
        ? {}
        : { goal: { kind: 'ratio', op: '>=', target: pair.goalAtLeast } }),
    };
  });
  rows.push(await rc4AgainstOpenSsl(ctx));
  return rows;
}

/**
 * RTMPE's cipher against the fastest RC4 on the machine: OpenSSL's assembly RC4
 * (`openssl speed -evp rc4`, legacy provider; it reports bytes per CPU second by
 * default), alternated run by run with a child running ours the same way
 * (children/rc4.js). Node's own OpenSSL cannot be the peer: it refuses RC4 without
 * `--openssl-legacy-provider`, and with it runs RC4 at ~160 MB/s here.
 */
async function rc4AgainstOpenSsl(ctx: Context): Promise<Row> {
  const row: Row = {
    scenario: 'RC4 in place (RTMPE) vs OpenSSL asm',
    metric: 'throughput',
    unit: 'MB/s',
    peer: { name: 'openssl speed rc4' },
  };
  const seconds = String(ctx.quick ? 1 : 2);
  const args = ['speed', '-provider', 'legacy', '-provider', 'default', '-evp', 'rc4', '-bytes', '262144'];
  const ours: number[] = [];
  const peer: number[] = [];
  for (let i = 0; i < ctx.runs; i++) {
    const o = await timed(process.execPath, [join(CHILDREN_DIR, 'rc4.js'), seconds], { timeoutMs: 60_000 });
    if (o.code !== 0) return { ...row, note: `error: rc4 child: ${o.stderr.trim().slice(-120)}` };
    ours.push(Number(o.stdout.trim()));
    const r = await timed('openssl', [...args, '-seconds', seconds], { timeoutMs: 60_000 }).catch(
      () => undefined,
    );
    // The result line: "RC4   802483.89k" (thousands of bytes per second).
    const kb = /^RC4\s+([\d.]+)k\s*$/m.exec(r?.stdout ?? '')?.[1];
    if (kb === undefined) {
      return {
        ...row,
        note: `skipped: openssl speed failed (${(r?.stderr ?? 'not found').trim().slice(-120)})`,
      };
    }
    peer.push(Number(kb) / 1000);
  }
  return { ...row, ours: median(ours), peer: { name: 'openssl speed rc4', value: median(peer) } };
}

/** The in-process scenario. */
export const micro: Scenario = { id: 'micro', title: 'in-process codecs', needs: [], run };
