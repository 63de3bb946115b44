#!/usr/bin/env node
// `npm run build`'s second step: bundles the command line (dist/src/cli/main.js and every
// module it imports, the lazily loaded commands included) into one ESM file,
// dist/src/cli/rtmpkit.js, the package's `bin`. Node then reads, resolves and links one
// module instead of ~140 at start-up. The library entry (dist/src/index.js) and the
// per-module dist/ files stay as tsc wrote them; `node dist/src/cli/main.js` keeps working.
//
// Input is tsc's output, so the bundle runs exactly the code the tests run; esbuild only
// joins it, dropping whitespace and simplifying syntax (identifiers are kept, so stack
// traces keep their names; `rtmpkit dump --help` 51.5 → 49.8 MiB peak RSS); the source
// map, chained through tsc's maps, points at src/*.ts, which the package ships.
//
// Usage: node scripts/bundle-cli.mjs [ESBUILD_DIR] — ESBUILD_DIR is where the esbuild
// package is installed (default: this checkout's node_modules/esbuild; prepare.mjs passes a
// temporary install when the dev dependencies are absent).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const esbuildDir = process.argv[2] ?? join(root, 'node_modules', 'esbuild');
const entry = join(root, 'dist', 'src', 'cli', 'main.js');
const outfile = join(root, 'dist', 'src', 'cli', 'rtmpkit.js');

if (!existsSync(entry)) {
  console.error(`rtmpkit bundle: ${entry} is missing (run tsc first)`);
  process.exit(1);
}
const esbuild = await import(pathToFileURL(join(esbuildDir, 'lib', 'main.js')).href);
const { build } = esbuild.default ?? esbuild;
const result = await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  sourcemap: 'linked',
  // Paths in the map relative to the map itself (dist/src/cli → ../../../src/…).
  sourceRoot: '',
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
if (result.errors.length > 0) process.exit(1);
