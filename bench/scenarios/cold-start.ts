/**
 * CLI cold start: `rtmpkit --version` (Node, ESM loading of the CLI's modules, printing
 * the version) against `node -e 0` (Node's own floor), both whole processes under GNU
 * time, alternated. Start-up is short and noisy, so this scenario runs five times as
 * many pairs as the others.
 */
import { type TimedRun, timed } from '../lib/proc.js';
import type { Row } from '../lib/report.js';
import { type Context, failureNote, notes, type Scenario, summarize } from '../lib/scenario.js';

async function run(ctx: Context): Promise<Row[]> {
  const ours: TimedRun[] = [];
  const floor: TimedRun[] = [];
  for (let i = 0; i < ctx.runs * 5; i++) {
    ours.push(await timed(process.execPath, [ctx.cli, '--version'], { timeoutMs: 30_000 }));
    floor.push(await timed(process.execPath, ['-e', '0'], { timeoutMs: 30_000 }));
  }
  const a = summarize(ours);
  const b = summarize(floor);
  const peer = (value: number | undefined) => ({ name: 'node -e 0', value });
  return [
    {
      scenario: 'CLI cold start (--version)',
      metric: 'wall',
      unit: 's',
      ours: a.wallS,
      peer: peer(b.wallS),
      goal: { kind: 'ratio', op: '<=', target: 1.3 },
      note: notes(`${ours.length} runs each`, failureNote('rtmpkit', ours)),
    },
    { scenario: 'CLI cold start (--version)', metric: 'CPU', unit: 's', ours: a.cpuS, peer: peer(b.cpuS) },
  ];
}

/** The cold-start scenario. */
export const coldStart: Scenario = { id: 'cold-start', title: 'CLI cold start', needs: [], run };
