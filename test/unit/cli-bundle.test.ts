/**
 * The `rtmpkit` bin is one bundled file (dist/src/cli/rtmpkit.js, built by
 * scripts/bundle-cli.mjs after tsc): package.json points at it, it imports nothing but
 * Node's built-ins, and it behaves as the per-module CLI (dist/src/cli/main.js) does — the
 * same `--version` and help texts, the same exit code for a bad command, and a whole
 * `rtmpkit demo` (embedded server → client → FLV file) writing the same bytes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUNDLE = join(ROOT, 'dist', 'src', 'cli', 'rtmpkit.js');
const MODULES = join(ROOT, 'dist', 'src', 'cli', 'main.js');

/** Runs one CLI entry with `args` in `cwd`; its exit code and output. */
function cli(
  entry: string,
  args: string[],
  cwd = ROOT,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [entry, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the bundled rtmpkit bin', () => {
  const work = mkdtempSync(join(tmpdir(), 'rtmpkit-bundle-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('is what package.json names as the bin, and imports only node: built-ins', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    assert.equal(pkg.bin.rtmpkit, 'dist/src/cli/rtmpkit.js');
    assert.ok(existsSync(BUNDLE), 'built by `npm run build` (scripts/bundle-cli.mjs)');
    const code = readFileSync(BUNDLE, 'utf8');
    assert.match(code, /^#!\/usr\/bin\/env node\n/);
    // Static imports (`import{a as b}from"node:fs"`) and dynamic ones (`import("x")`).
    const specifiers = [...code.matchAll(/\bimport\s*(?:[\w$*{}\s,]*from\s*)?\(?\s*["']([^"']+)["']/g)].map(
      (m) => m[1],
    );
    assert.ok(specifiers.length > 0);
    assert.deepEqual(
      specifiers.filter((s) => !s!.startsWith('node:')),
      [],
    );
  });

  it('prints the same version and help texts, and fails a bad command the same way', () => {
    for (const args of [['--version'], ['--help'], ['dump', '--help'], ['serve', '--help'], ['nosuch']]) {
      const bundled = cli(BUNDLE, args);
      const modular = cli(MODULES, args);
      assert.deepEqual(bundled, modular, args.join(' '));
    }
    assert.match(cli(BUNDLE, ['--version']).stdout, /^rtmpkit \d+\.\d+\.\d+/);
    assert.equal(cli(BUNDLE, ['nosuch']).status, 1);
  });

  it('runs `rtmpkit demo` end to end: the same FLV bytes as the per-module CLI', () => {
    const a = join(work, 'bundled.flv');
    const b = join(work, 'modules.flv');
    const bundled = cli(BUNDLE, ['demo', '-q', '--seconds', '2', '-o', a], work);
    assert.equal(bundled.status, 0, bundled.stderr);
    const modular = cli(MODULES, ['demo', '-q', '--seconds', '2', '-o', b], work);
    assert.equal(modular.status, 0, modular.stderr);
    const flv = readFileSync(a);
    assert.ok(flv.length > 10_000, `${flv.length} bytes`);
    assert.deepEqual(flv, readFileSync(b));
  });
});
