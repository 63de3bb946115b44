/**
 * Child process of the in-process scenarios: `node micro.js RUNS BUDGET_MS [quick]`.
 * Measures every pair of bench/micro.ts (MICRO_PAIRS order) alternately — peer, ours,
 * peer, ours… RUNS times, each a warm-up as long as the budget, then the budget — and
 * prints one JSON line `[{ id, ours: MB/s[], peer: MB/s[] }]` (MB per CPU second).
 * A child of its own, so the harness's heap and the other scenarios' garbage do not
 * weigh on these loops.
 */
import { MICRO_PAIRS, type MicroCase, microCases } from '../micro.js';

/** This process's user+system CPU time, ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * MB per CPU second of `c.fn` over about `budgetMs` of CPU time, after as long a
 * warm-up (the JIT settles). CPU time, not wall time: on a shared machine the time this
 * process waits for a core would otherwise count as the code's.
 */
function measure(c: MicroCase, budgetMs: number): number {
  const warm = cpuMs() + budgetMs;
  while (cpuMs() < warm) c.fn();
  let ops = 0;
  const start = cpuMs();
  const end = start + budgetMs;
  let now = start;
  while (now < end) {
    c.fn();
    ops++;
    now = cpuMs();
  }
  return (ops * c.bytes) / ((now - start) / 1000) / 1e6;
}

const [runsArg, budgetArg, quickArg] = process.argv.slice(2);
const runs = Number(runsArg) || 3;
const budget = Number(budgetArg) || 500;
const cases = microCases(quickArg === 'quick');
const out = MICRO_PAIRS.map(({ id }) => {
  const pair = cases.get(id)!;
  const ours: number[] = [];
  const peer: number[] = [];
  for (let i = 0; i < runs; i++) {
    peer.push(measure(pair.peer, budget));
    ours.push(measure(pair.ours, budget));
  }
  return { id, ours, peer };
});
process.stdout.write(`${JSON.stringify(out)}\n`);
