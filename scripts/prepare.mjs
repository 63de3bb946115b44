#!/usr/bin/env node
// npm's `prepare` step: builds dist/src (the package's JavaScript, declarations and source
// maps) from src/ with tsconfig.build.json. npm runs it before `npm pack`/`npm publish`,
// after a plain `npm install`/`npm ci` in the repository, for git dependencies (npm has
// installed the dev dependencies then) and for `npm install <folder>` — where npm links the
// folder without installing its dev dependencies. Then only the three packages the build
// needs (typescript, @types/node, esbuild, at the versions package-lock.json pins) are
// installed into a temporary directory, used, and removed; the folder gets dist/ and
// nothing else. The build is `npm run build`'s: tsc, then the CLI and the library bundled
// (scripts/bundle.mjs). It is clean: stale output of a deleted or renamed source must
// not reach a tarball.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs a command in the package root; exits with its status when it fails. */
function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(
      `rtmpkit prepare: '${cmd} ${args.join(' ')}' failed (${r.error?.message ?? `exit ${r.status}`})`,
    );
    process.exit(r.status || 1);
  }
}

/** The version package-lock.json pins for a dev dependency (else package.json's range). */
function pinned(name) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return lock.packages?.[`node_modules/${name}`]?.version ?? pkg.devDependencies[name];
}

let tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
let esbuild = join(root, 'node_modules', 'esbuild');
const extra = [];
let tools;
if (!existsSync(tsc) || !existsSync(esbuild)) {
  tools = mkdtempSync(join(tmpdir(), 'rtmpkit-build-'));
  const specs = ['typescript', '@types/node', 'esbuild'].map((n) => `${n}@${pinned(n)}`);
  console.error(`rtmpkit prepare: installing ${specs.join(' ')} to build dist/`);
  const npm = process.env.npm_execpath;
  const args = ['install', '--prefix', tools, '--no-save', '--no-package-lock', '--ignore-scripts'];
  args.push('--no-audit', '--no-fund', ...specs);
  if (npm?.endsWith('.js')) run(process.execPath, [npm, ...args]);
  else run('npm', args);
  tsc = join(tools, 'node_modules', 'typescript', 'bin', 'tsc');
  esbuild = join(tools, 'node_modules', 'esbuild');
  extra.push('--typeRoots', join(tools, 'node_modules', '@types'));
}
try {
  rmSync(join(root, 'dist', 'src'), { recursive: true, force: true });
  run(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...extra]);
  run(process.execPath, [join(root, 'scripts', 'bundle.mjs'), '--esbuild', esbuild]);
} finally {
  if (tools !== undefined) rmSync(tools, { recursive: true, force: true });
}
