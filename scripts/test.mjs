#!/usr/bin/env node
// Runs every compiled test file under dist/test with node:test.
// Node 20 has no globs for --test, so the file list is built here.
// usage: node scripts/test.mjs [--only unit,property,fuzz,interop,peer] [extra node --test flags]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
let only = null;
const i = args.indexOf('--only');
if (i >= 0) {
  only = new Set(args[i + 1].split(','));
  args.splice(i, 2);
}
const root = 'dist/test';
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js')) files.push(p);
  }
})(root);
const picked = only ? files.filter((f) => only.has(f.split('/')[2])) : files;
if (picked.length === 0) {
  console.error('no test files found under dist/test (did the build run?)');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...args, ...picked], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
