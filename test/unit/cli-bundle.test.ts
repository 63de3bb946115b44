/**
 * The `rtmpkit` bin is bundled by scripts/bundle-cli.mjs after tsc (`npm run build` writes
 * dist/src/bin/, which package.json names as the bin). Here the script bundles the code
 * just compiled into a scratch folder at the same depth below the package root, and that
 * bundle is checked: its files import nothing but Node's built-ins and each other;
 * `--version` loads a few small files (the commands stay lazy); and it behaves as the
 * per-module CLI (dist/src/cli/main.js) does — the same `--version` and help texts, the
 * same exit code for a bad command, and a whole `rtmpkit demo` (embedded server → client →
 * FLV file) writing the same bytes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MODULES = join(ROOT, 'dist', 'src', 'cli', 'main.js');
// Three levels below the root, as dist/src/bin/ is (the CLI finds package.json from there).
mkdirSync(join(ROOT, 'dist', 'bundle-test'), { recursive: true });
const BIN_DIR = mkdtempSync(join(ROOT, 'dist', 'bundle-test', 'bin-'));
const BUNDLE = join(BIN_DIR, 'rtmpkit.js');

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
  const work = join(BIN_DIR, 'work');
  before(() => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'bundle-cli.mjs'), '--outdir', BIN_DIR], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    mkdirSync(work);
  });
  after(() => rmSync(BIN_DIR, { recursive: true, force: true }));

  it('is what `npm run build` writes and package.json names as the bin; it imports only node: built-ins and its own files', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    assert.equal(pkg.bin.rtmpkit, 'dist/src/bin/rtmpkit.js');
    assert.match(pkg.scripts.build!, /^tsc -p tsconfig\.json && node scripts\/bundle-cli\.mjs$/);
    assert.match(readFileSync(BUNDLE, 'utf8'), /^#!\/usr\/bin\/env node\n/);
    const files = readdirSync(BIN_DIR).filter((f) => f.endsWith('.js'));
    assert.ok(files.length > 1, 'commands are split out of the entry');
    for (const file of files) {
      const code = readFileSync(join(BIN_DIR, file), 'utf8');
      // Static imports (`import{a as b}from"node:fs"`) and dynamic ones (`import("./x.js")`).
      const specifiers = [...code.matchAll(/\bimport\s*(?:[\w$*{}\s,]*from\s*)?\(?\s*["']([^"']+)["']/g)].map(
        (m) => m[1]!,
      );
      for (const s of specifiers) {
        if (s.startsWith('node:')) continue;
        assert.match(s, /^\.\/rtmpkit-[\w-]+\.js$/, `${file} imports ${s}`);
        assert.ok(existsSync(join(BIN_DIR, s)), `${file} imports ${s}, which exists`);
      }
    }
  });

  it('`--version` loads a few small files: the commands are imported only dynamically', () => {
    /** Files `file` imports statically (`import{…}from"./x.js"`, `import"./x.js"`). */
    const staticImports = (file: string): string[] =>
      [
        ...readFileSync(join(BIN_DIR, file), 'utf8').matchAll(
          /\bimport\s*[\w$*{}\s,]*from\s*["']\.\/([^"']+)["']|\bimport\s*["']\.\/([^"']+)["']/g,
        ),
      ].map((m) => (m[1] ?? m[2])!);
    const loaded = new Set(['rtmpkit.js']);
    for (const file of loaded) for (const dep of staticImports(file)) loaded.add(dep);
    const bytes = [...loaded].reduce((n, f) => n + readFileSync(join(BIN_DIR, f)).length, 0);
    assert.ok(loaded.size <= 4 && bytes < 64 * 1024, `${[...loaded].join(', ')}: ${bytes} bytes`);
    const entry = readFileSync(BUNDLE, 'utf8');
    const dynamic = [...entry.matchAll(/\bimport\(\s*["']\.\/([^"']+)["']\s*\)/g)].map((m) => m[1]!);
    assert.deepEqual(
      dynamic.map((f) => f.replace(/-\w+\.js$/, '')),
      ['rtmpkit-dump', 'rtmpkit-publish', 'rtmpkit-call', 'rtmpkit-probe', 'rtmpkit-serve', 'rtmpkit-demo'],
    );
    for (const f of dynamic) assert.ok(!loaded.has(f), `${f} is not loaded at start`);
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
