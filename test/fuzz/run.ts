/**
 * `npm run fuzz -- --seconds N [--seed S] [--only name]`: runs every fuzz target
 * (modules in this folder ending in `.target.js`, each exporting `targets`) for N
 * seconds each, longer than CI does.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type FuzzTarget, fuzz } from './engine.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, seed: { type: 'string' }, only: { type: 'string' } },
});
const seconds = Number(values.seconds);
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error(`--seconds must be a positive number, got ${values.seconds}`);
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
let failed = 0;
for (const file of readdirSync(here)
  .filter((f) => f.endsWith('.target.js'))
  .sort()) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { targets: FuzzTarget[] };
  for (const t of mod.targets) {
    if (values.only && !t.name.includes(values.only)) continue;
    const seed = values.seed ? Number(values.seed) : (Date.now() & 0xffffffff) >>> 0;
    try {
      const s = fuzz(t, { seconds, seed });
      console.log(
        `${t.name}: ${s.runs} inputs, ${s.typedErrors} typed errors, ${s.ok} accepted (seed ${seed})`,
      );
    } catch (err) {
      failed++;
      console.error(`${t.name}: FAILED (seed ${seed})\n${(err as Error).message}`);
    }
  }
}
process.exit(failed ? 1 : 0);
