#!/usr/bin/env node
// `npm run build`'s second step: bundles the command line (dist/src/cli/main.js and every
// module it imports) into dist/src/bin/: `rtmpkit.js`, the package's `bin` (main.js's own
// code), and one file per command plus the code they share (esbuild code splitting), so
// each command still loads only what it runs — `rtmpkit --version` reads one small file —
// and Node resolves, reads and links a handful of files instead of ~140 modules. The
// library entry (dist/src/index.js) and the per-module dist/ files stay as tsc wrote them;
// `node dist/src/cli/main.js` keeps working.
//
// Input is tsc's output, so the bundle runs exactly the code the tests run; esbuild only
// joins it, dropping whitespace and simplifying syntax (identifiers are kept, so stack
// traces keep their names); the source maps, chained through tsc's maps, point at
// src/*.ts, which the package ships. dist/src/bin/ sits three levels below the package
// root, as dist/src/cli/ does: version.ts finds package.json from either.
//
// Usage: node scripts/bundle-cli.mjs [--esbuild DIR] [--outdir DIR]
//   --esbuild DIR  where the esbuild package is installed (default: this checkout's
//                  node_modules/esbuild; prepare.mjs passes a temporary install when the
//                  dev dependencies are absent)
//   --outdir DIR   where to write (default dist/src/bin; test/unit/cli-bundle.test.ts
//                  bundles into a scratch folder, so it checks the code just compiled)
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { esbuild: { type: 'string' }, outdir: { type: 'string' } } });
const esbuildDir = values.esbuild ?? join(root, 'node_modules', 'esbuild');
const entry = join(root, 'dist', 'src', 'cli', 'main.js');
const outdir = resolve(values.outdir ?? join(root, 'dist', 'src', 'bin'));

if (!existsSync(entry)) {
  console.error(`rtmpkit bundle: ${entry} is missing (run tsc first)`);
  process.exit(1);
}
const esbuild = await import(pathToFileURL(join(esbuildDir, 'lib', 'main.js')).href);
const { build } = esbuild.default ?? esbuild;
rmSync(outdir, { recursive: true, force: true }); // no stale chunks
const result = await build({
  entryPoints: { rtmpkit: entry },
  outdir,
  chunkNames: 'rtmpkit-[name]-[hash]',
  bundle: true,
  splitting: true,
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
});
if (result.errors.length > 0) process.exit(1);
