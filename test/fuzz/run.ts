/**
 * `npm run fuzz -- --seconds N [--runs R] [--seed S] [--only a,b] [--except a,b] [--findings DIR]`:
 * runs every fuzz target (modules in this folder ending in `.target.js`, each exporting
 * `targets`; `--only`/`--except` keep/skip those whose name contains one of the
 * parts), seeded from its vectors and its corpus, for N seconds each — or until R
 * inputs when `--runs` is given (then `--seconds` is a cap, default none) — and prints
 * inputs, seconds, rate, typed errors and peak heap per target. An input that breaks a
 * target's rules is written to DIR (default: a new temporary folder) and the run goes
 * on with the next target; the exit code is 1 if any target failed.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { corpusDirOf } from './corpus.js';
import { FuzzFailure, type FuzzTarget, fuzz } from './engine.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    runs: { type: 'string' },
    seed: { type: 'string' },
    only: { type: 'string' },
    except: { type: 'string' },
    findings: { type: 'string' },
  },
});
const positive = (name: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name} must be a positive number, got ${v}`);
    process.exit(2);
  }
  return n;
};
const runs = positive('runs', values.runs);
const seconds = positive('seconds', values.seconds) ?? (runs === undefined ? 10 : undefined);
/** Whether `name` contains one of the comma-separated parts of `list`. */
const matches = (name: string, list: string) => list.split(',').some((part) => name.includes(part));
const here = dirname(fileURLToPath(import.meta.url));
let failed = 0;
let findings = values.findings;
const mib = (n: number) => (n / 1048576).toFixed(0);
for (const file of readdirSync(here)
  .filter((f) => f.endsWith('.target.js'))
  .sort()) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { targets: FuzzTarget[] };
  for (const t of mod.targets) {
    if (values.only && !matches(t.name, values.only)) continue;
    if (values.except && matches(t.name, values.except)) continue;
    const seed = values.seed ? Number(values.seed) : (Date.now() & 0xffffffff) >>> 0;
    const started = process.hrtime.bigint();
    try {
      const s = fuzz(t, {
        ...(runs === undefined ? {} : { runs }),
        ...(seconds === undefined ? {} : { seconds }),
        seed,
      });
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      console.log(
        `${t.name}: ${s.runs} inputs in ${secs.toFixed(0)} s (${Math.round(s.runs / secs)}/s), ${s.typedErrors} typed errors, ${s.ok} accepted, ${s.seeds} seeds (${s.corpusFiles} corpus files), peak heap ${mib(s.peakHeapUsed)} MiB (seed ${seed})`,
      );
    } catch (err) {
      failed++;
      console.error(`${t.name}: FAILED (seed ${seed})\n${(err as Error).message}`);
      if (err instanceof FuzzFailure) {
        findings ??= mkdtempSync(join(tmpdir(), 'rtmpkit-findings-'));
        const dir = join(findings, corpusDirOf(t.name).split('/corpus/')[1]!);
        mkdirSync(dir, { recursive: true });
        const path = join(dir, `finding-${seed}.bin`);
        writeFileSync(path, err.input);
        console.error(`  input written to ${path}`);
      }
    }
  }
}
process.exit(failed ? 1 : 0);
