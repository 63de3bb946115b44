/**
 * The bundles `npm run build` writes after tsc (scripts/bundle.mjs): the `rtmpkit` bin
 * (dist/src/bin/, which package.json names as the bin) and the library (dist/src/rtmpkit.js,
 * which package.json's `exports` and `main` name). Here the script bundles the code just
 * compiled into scratch folders (the CLI at the same depth below the package root), and
 * the bundles are checked:
 * - the CLI: its files import nothing but Node's built-ins and each other; `--version`
 *   loads a few small files (the commands stay lazy); and it behaves as the per-module CLI
 *   (dist/src/cli/main.js) does — the same `--version` and help texts, the same exit code
 *   for a bad command, and a whole `rtmpkit demo` (embedded server → client → FLV file)
 *   writing the same bytes;
 * - the library: one file importing only Node's built-ins, exporting what
 *   dist/src/index.js exports (same names, same kinds), and a play from its own embedded
 *   server through its own client yielding the bytes the per-module build yields.
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
const LIB_DIR = mkdtempSync(join(ROOT, 'dist', 'bundle-test', 'lib-'));
const LIB = join(LIB_DIR, 'rtmpkit.js');
const LIB_MODULES = join(ROOT, 'dist', 'src', 'index.js');

before(() => {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'scripts', 'bundle.mjs'), '--outdir', BIN_DIR, '--libout', LIB],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(r.status, 0, r.stderr);
});
after(() => {
  rmSync(BIN_DIR, { recursive: true, force: true });
  rmSync(LIB_DIR, { recursive: true, force: true });
});

/** Module specifiers `code` imports, statically (`import{a as b}from"node:fs"`) or dynamically. */
function specifiersOf(code: string): string[] {
  return [...code.matchAll(/\bimport\s*(?:[\w$*{}\s,]*from\s*)?\(?\s*["']([^"']+)["']/g)].map((m) => m[1]!);
}

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
  before(() => mkdirSync(work));

  it('is what `npm run build` writes and package.json names as the bin; it imports only node: built-ins and its own files', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      scripts: Record<string, string>;
    };
    assert.equal(pkg.bin.rtmpkit, 'dist/src/bin/rtmpkit.js');
    assert.match(pkg.scripts.build!, /^tsc -p tsconfig\.json && node scripts\/bundle\.mjs$/);
    assert.match(readFileSync(BUNDLE, 'utf8'), /^#!\/usr\/bin\/env node\n/);
    const files = readdirSync(BIN_DIR).filter((f) => f.endsWith('.js'));
    assert.ok(files.length > 1, 'commands are split out of the entry');
    for (const file of files) {
      for (const s of specifiersOf(readFileSync(join(BIN_DIR, file), 'utf8'))) {
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

describe('the bundled library (dist/src/rtmpkit.js)', () => {
  type Lib = typeof import('../../src/index.js');

  it("is what package.json's exports and main name; one file that imports only node: built-ins", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      main: string;
      types: string;
      exports: Record<string, Record<string, string>>;
    };
    assert.equal(pkg.main, './dist/src/rtmpkit.js');
    assert.deepEqual(pkg.exports['.'], {
      types: './dist/src/index.d.ts',
      import: './dist/src/rtmpkit.js',
      default: './dist/src/rtmpkit.js',
    });
    assert.deepEqual(
      readdirSync(LIB_DIR).sort(),
      ['rtmpkit.js', 'rtmpkit.js.map'],
      'no chunks beside the bundle',
    );
    const specifiers = specifiersOf(readFileSync(LIB, 'utf8'));
    assert.ok(specifiers.length > 0);
    for (const s of specifiers) assert.match(s, /^node:[\w/]+$/, `the library bundle imports ${s}`);
  });

  it('exports what dist/src/index.js exports: the same names, the same kinds', async () => {
    const bundled = (await import(LIB)) as Record<string, unknown>;
    const modular = (await import(LIB_MODULES)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(bundled).sort(), Object.keys(modular).sort());
    assert.ok(Object.keys(bundled).length > 50, `${Object.keys(bundled).length} exports`);
    for (const name of Object.keys(modular)) {
      assert.equal(typeof bundled[name], typeof modular[name], name);
      if (typeof modular[name] !== 'object' || modular[name] === null) continue;
      assert.deepEqual(Object.keys(bundled[name]!).sort(), Object.keys(modular[name]!).sort(), name);
    }
  });

  it('plays from its own embedded server through its own client: the bytes the per-module build plays', async () => {
    /** Plays 2 s of test media from `lib`'s server with `lib`'s client; the FLV bytes. */
    const play = async (lib: Lib): Promise<Buffer> => {
      const server = lib.createServer({ vodFiles: { clip: lib.makeTestFlv(2) } });
      const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
      const conn = new lib.RTMP(`rtmp://127.0.0.1:${port}/vod/clip`, { timeout: 10 });
      try {
        await conn.connect();
        const stream = await conn.createStream();
        const parts: Buffer[] = [];
        for await (const flv of stream) parts.push(Buffer.from(flv));
        return Buffer.concat(parts);
      } finally {
        await conn.close();
        await server.close();
      }
    };
    const bundled = await play((await import(LIB)) as Lib);
    const modular = await play((await import(LIB_MODULES)) as Lib);
    assert.ok(bundled.length > 10_000, `${bundled.length} bytes`);
    assert.deepEqual(bundled, modular);
  });
});
