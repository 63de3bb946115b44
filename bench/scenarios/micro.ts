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
  return measured.map((m): Row => {
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
}

/** The in-process scenario. */
export const micro: Scenario = { id: 'micro', title: 'in-process codecs', needs: [], run };
