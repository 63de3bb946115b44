/**
 * Child process of the in-process scenarios: `node micro.js RUNS BUDGET_MS [quick]`.
 * Measures every pair of bench/micro.ts (MICRO_PAIRS order) alternately — peer, ours,
 * peer, ours… RUNS times, each a warm-up as long as the budget, then the budget — and
 * prints one JSON line `[{ id, ours: MB/s[], peer: MB/s[] }]` (MB per CPU second).
 * A child of its own, so the harness's heap and the other scenarios' garbage do not
 * weigh on these loops.
 */
import { MICRO_PAIRS, measure, microCases } from '../micro.js';

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
