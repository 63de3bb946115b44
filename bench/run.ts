/**
 * `npm run bench`: runs every benchmark module in this folder (files ending in
 * `.bench.js`, each default-exporting an async function that prints its table)
 * in one process, one after another. `npm run bench -- name` runs only those whose
 * file name contains `name`.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const filter = process.argv[2];
const here = dirname(fileURLToPath(import.meta.url));
for (const file of readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .sort()) {
  if (filter && !file.includes(filter)) continue;
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<void> };
  console.log(`\n## ${file.replace(/\.bench\.js$/, '')}`);
  await mod.default();
}
