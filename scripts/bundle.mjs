#!/usr/bin/env node
// `npm run build`'s second step: joins tsc's output into the two bundles the package runs.
//
// - The command line (dist/src/cli/main.js and every module it imports) into dist/src/bin/:
//   `rtmpkit.js`, the package's `bin` (main.js's own code), and one file per command plus
//   the code they share (esbuild code splitting), so each command still loads only what it
//   runs — `rtmpkit --version` reads one small file — and Node resolves, reads and links a
//   handful of files instead of ~140 modules. dist/src/bin/ sits three levels below the
//   package root, as dist/src/cli/ does: version.ts finds package.json from either.
// - The library (dist/src/index.js and everything it imports) into one file,
//   dist/src/rtmpkit.js, which package.json's `exports` and `main` name: Node's ESM loader
//   spends about a millisecond per module resolving, reading and linking, so
//   `import 'rtmpkit'` of ~230 files took ~0.26 s and the one file takes ~0.08 s (BENCHMARKS
//   "Round 10"). The declarations stay per module (dist/src/index.d.ts and its imports).
//
// The per-module dist/ files stay as tsc wrote them (the tests import them, and
// `node dist/src/cli/main.js` keeps working). Input is tsc's output, so the bundles run
// exactly the code the tests run; esbuild only joins it, dropping whitespace and
// simplifying syntax (identifiers are kept, so stack traces keep their names); the source
// maps, chained through tsc's maps, point at src/*.ts, which the package ships.
//
// Usage: node scripts/bundle.mjs [--esbuild DIR] [--outdir DIR] [--libout FILE]
//   --esbuild DIR  where the esbuild package is installed (default: this checkout's
//                  node_modules/esbuild; prepare.mjs passes a temporary install when the
//                  dev dependencies are absent)
//   --outdir DIR   where to write the CLI (default dist/src/bin)
//   --libout FILE  where to write the library (default dist/src/rtmpkit.js)
//   test/unit/bundle.test.ts bundles both into a scratch folder, so it checks the code
//   just compiled.
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { esbuild: { type: 'string' }, outdir: { type: 'string' }, libout: { type: 'string' } },
});
const esbuildDir = values.esbuild ?? join(root, 'node_modules', 'esbuild');
const cliEntry = join(root, 'dist', 'src', 'cli', 'main.js');
const libEntry = join(root, 'dist', 'src', 'index.js');
const outdir = resolve(values.outdir ?? join(root, 'dist', 'src', 'bin'));
const libout = resolve(values.libout ?? join(root, 'dist', 'src', 'rtmpkit.js'));

for (const entry of [cliEntry, libEntry]) {
  if (!existsSync(entry)) {
    console.error(`rtmpkit bundle: ${entry} is missing (run tsc first)`);
    process.exit(1);
  }
}
const esbuild = await import(pathToFileURL(join(esbuildDir, 'lib', 'main.js')).href);
const { build } = esbuild.default ?? esbuild;
/** What both bundles share: Node ESM, whitespace dropped, names kept, maps chained to src/. */
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  sourcemap: 'linked',
  // Paths in the maps relative to the maps themselves (dist/src/bin → ../../../src/…).
  sourceRoot: '',
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};
rmSync(outdir, { recursive: true, force: true }); // no stale chunks
const results = [
  await build({
    ...common,
    entryPoints: { rtmpkit: cliEntry },
    outdir,
    chunkNames: 'rtmpkit-[name]-[hash]',
    splitting: true,
  }),
  await build({ ...common, entryPoints: [libEntry], outfile: libout }),
];
if (results.some((r) => r.errors.length > 0)) process.exit(1);
