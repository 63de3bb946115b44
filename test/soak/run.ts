/**
 * `npm run soak -- --minutes N [--warmup-minutes W] [--verbose] [--leak-kib-per-s K]`:
 * runs the soak (soak.ts) for N minutes (default 10), prints the report, and exits 1
 * when a player dropped or stalled, a short play failed, the publisher dropped, or the
 * server's memory kept growing after the warm-up (default: the first tenth of the run,
 * at least one minute and at most five; limits: `limitsFor` in trend.ts). Samples every
 * 5 s on runs of 10 minutes or more, else every second. `--verbose` prints each sample;
 * `--leak-kib-per-s` makes the server keep K KiB a second on purpose: the run must fail.
 */
import { parseArgs } from 'node:util';
import { failuresOf, formatReport, runSoak } from './soak.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    'warmup-minutes': { type: 'string' },
    verbose: { type: 'boolean', default: false },
    'leak-kib-per-s': { type: 'string', default: '0' },
  },
});
const minutes = Number(values.minutes);
if (!Number.isFinite(minutes) || minutes <= 0) {
  console.error(`--minutes must be a positive number, got ${values.minutes}`);
  process.exit(2);
}
const warmup =
  values['warmup-minutes'] !== undefined
    ? Number(values['warmup-minutes'])
    : Math.min(5, Math.max(1, minutes / 10));
const report = await runSoak({
  durationMs: minutes * 60_000,
  warmupMs: Math.min(warmup, minutes / 2) * 60_000,
  sampleMs: minutes >= 10 ? 5000 : 1000,
  leakKiBPerSecond: Number(values['leak-kib-per-s']),
  log: values.verbose ? (l) => console.log(l) : undefined,
});
console.log(formatReport(report));
process.exit(failuresOf(report).length ? 1 : 0);
