/**
 * The package as a new user gets it: `npm pack` of this checkout, installed offline into
 * fresh consumer projects in a temporary directory —
 * - ESM (`import`), CommonJS (`require`, Node >= 20.19's require(esm)) and TypeScript
 *   (ESM and CommonJS, `strict`, declarations checked: `skipLibCheck: false`), compiled
 *   with this repository's TypeScript and with the minimum version the README states
 *   (the `typescript-min` dev dependency), then run against the embedded server;
 * - the `rtmpkit` bin, an example from `examples/` run from the installed package;
 * - source maps: a stack trace under `--enable-source-maps` names `.ts` files that exist
 *   in the installed package; every map's sources are in the tarball;
 * - the tarball holds LICENSE, no tests, no `.d.ts` that is missing its map target, and
 *   of JavaScript only the two bundles (the library, the bin);
 * - installs that build on the user's machine through `prepare`: `npm install <folder>` of
 *   a checkout without `dist/` (npm links the folder without its dev dependencies) and
 *   `npm install git+file://…` (npm installs the dev dependencies in its clone).
 *
 * `npm test` has built dist/ already, so the tarball is packed with `--ignore-scripts`
 * (running `prepare` here would rewrite dist/src under the other test files running in
 * parallel); the two `prepare` installs work on copies.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createServer, makeTestFlv } from '../../src/index.js';
import { runBounded, tempDir } from '../helpers/peers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const TSC_MIN = join(ROOT, 'node_modules', 'typescript-min', 'bin', 'tsc');
const NPM_TIMEOUT = 180_000;

/** Runs a command; fails the test with its output when it exits non-zero. */
function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: NPM_TIMEOUT,
    env: { ...process.env, npm_config_update_notifier: 'false', ...env },
  });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} (in ${cwd}) → ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A consumer project: package.json of `type`, the given files. */
function project(dir: string, type: 'module' | 'commonjs', files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `consumer-${type}`, version: '1.0.0', private: true, type }),
  );
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** What every consumer does: play 2 s of test media from the embedded server, print a summary. */
const PLAY_BODY = `
const server = createServer({ vodFiles: { clip: makeTestFlv(2) } });
const { port } = await server.listen({ port: 0 });
const conn = new RTMP(\`rtmp://127.0.0.1:\${port}/vod/clip\`, { timeout: 10 });
const info = await conn.connect();
const stream = await conn.createStream();
let bytes = 0;
for await (const flv of stream) bytes += flv.length;
await conn.close();
await server.close();
console.log(String(info.code), bytes > 10000, stream.duration);
`;

const TS_CONSUMER = `import { createServer, makeTestFlv, RTMP, RTMPError, type RTMPOptions, RTMPUsageError, UsageCode } from 'rtmpkit';

const options: RTMPOptions = { timeout: 10 };
async function main(): Promise<void> {
  ${PLAY_BODY.replace('{ timeout: 10 }', 'options')}
  // Each class takes its own codes (the registry's groups), as a literal or a constant.
  const err: unknown = new RTMPUsageError('x', { code: 'ERR_RTMP_OPTION' });
  console.log(new RTMPError('y', { code: 'ERR_RTMP' }).code, UsageCode.RTMP_OPTION);
  console.log(err instanceof RTMPError);
}
main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
`;

function tsconfig(module: 'nodenext'): string {
  return JSON.stringify({
    compilerOptions: {
      target: 'es2022',
      lib: ['es2023'],
      module,
      moduleResolution: 'nodenext',
      types: ['node'],
      strict: true,
      skipLibCheck: false,
      outDir: 'out',
    },
    files: ['main.ts'],
  });
}

describe('npm pack → install offline → ESM, CommonJS, TypeScript consumers', { timeout: 600_000 }, () => {
  let work: string;
  let tarball: string;
  let files: string[];

  before(() => {
    work = tempDir('rtmpkit-pack-');
    const out = sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
    const info = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    tarball = join(work, info[0]!.filename);
    files = info[0]!.files.map((f) => f.path);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** Installs the tarball offline into `dir` (rtmpkit has no dependencies to fetch). */
  function install(dir: string): void {
    sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', tarball], dir);
    // The consumer's Node types: this repository's @types/node (offline, pinned).
    mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'));
  }

  it('the tarball: LICENSE, README, CHANGELOG, dist/src, src, examples; no tests; every map resolves', () => {
    for (const f of ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json', 'dist/src/rtmpkit.js']) {
      assert.ok(files.includes(f), `${f} is in the tarball`);
    }
    // The JavaScript a user runs is the two bundles (scripts/bundle.mjs); tsc's per-module
    // files stay out, their declarations in.
    const js = files.filter((f) => f.startsWith('dist/') && f.endsWith('.js'));
    assert.deepEqual(
      js.filter((f) => f !== 'dist/src/rtmpkit.js' && !/^dist\/src\/bin\/rtmpkit[\w-]*\.js$/.test(f)),
      [],
    );
    assert.ok(js.includes('dist/src/bin/rtmpkit.js'));
    assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /Copyright \(c\) 2026, the rtmpkit authors/);
    assert.ok(files.includes('dist/src/index.d.ts') && files.includes('dist/src/index.d.ts.map'));
    assert.ok(
      files.some((f) => f.startsWith('examples/')),
      'examples ship',
    );
    assert.equal(files.filter((f) => f.startsWith('dist/test') || f.startsWith('test/')).length, 0);
    const maps = files.filter((f) => f.endsWith('.map'));
    assert.ok(maps.length > 50, `${maps.length} maps`);
    const shipped = new Set(files);
    for (const map of maps) {
      const m = JSON.parse(readFileSync(join(ROOT, map), 'utf8')) as { sources: string[] };
      for (const s of m.sources) {
        const target = join(dirname(map), s);
        assert.ok(shipped.has(target), `${map} points at ${target}, which is not in the tarball`);
      }
    }
  });

  it('ESM: import works, the example and the bin run', async () => {
    const dir = project(join(work, 'esm'), 'module', {
      'main.mjs': `import { createServer, makeTestFlv, RTMP } from 'rtmpkit';\n${PLAY_BODY}`,
    });
    install(dir);
    const out = sh(process.execPath, ['main.mjs'], dir);
    assert.match(out, /^NetConnection\.Connect\.Success true 1\.997$/m);
    const bin = sh(join(dir, 'node_modules', '.bin', 'rtmpkit'), ['--version'], dir);
    assert.equal(bin.trim(), `rtmpkit ${PKG.version}`);
    const example = join(dir, 'node_modules', 'rtmpkit', 'examples', 'probe.mjs');
    assert.ok(existsSync(example), 'examples/probe.mjs is installed');
    const server = createServer({ vodFiles: { test: makeTestFlv(2) } });
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const r = await runBounded(
        process.execPath,
        [example, `rtmp://127.0.0.1:${port}/vod/test`, '1'],
        60_000,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.toString(), /^video: avc, /m);
    } finally {
      await server.close();
    }
  });

  it('CommonJS: require() works (require(esm), Node >= 20.19)', () => {
    const dir = project(join(work, 'cjs'), 'commonjs', {
      'main.cjs': `const { createServer, makeTestFlv, RTMP, RTMPError } = require('rtmpkit');
(async () => {${PLAY_BODY}
  console.log(typeof RTMPError);
})().catch((err) => { console.error(err); process.exitCode = 1; });
`,
    });
    install(dir);
    const out = sh(process.execPath, ['main.cjs'], dir);
    assert.match(out, /^NetConnection\.Connect\.Success true 1\.997$/m);
    assert.match(out, /^function$/m);
  });

  it('source maps: an error thrown inside rtmpkit names .ts files that exist in the package', () => {
    const dir = project(join(work, 'maps'), 'module', {
      'main.mjs': `import { decodeAmf } from 'rtmpkit';
try { decodeAmf(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff])); } catch (err) { console.log(err.stack); }
`,
    });
    install(dir);
    const out = sh(process.execPath, ['--enable-source-maps', 'main.mjs'], dir);
    const frames = [...out.matchAll(/\((\/[^()]*?\.ts):\d+:\d+\)/g)].map((m) => m[1]!);
    assert.ok(frames.length > 0, `no .ts frame in\n${out}`);
    for (const f of frames) {
      assert.ok(f.includes('/node_modules/rtmpkit/src/'), f);
      assert.ok(existsSync(f), `${f} exists`);
    }
  });

  for (const [label, type] of [
    ['TypeScript ESM', 'module'],
    ['TypeScript CommonJS', 'commonjs'],
  ] as const) {
    it(`${label}: type-checks (strict, declarations checked) with this repo's TypeScript and the minimum, and runs`, () => {
      const dir = project(join(work, `ts-${type}`), type, {
        'main.ts': TS_CONSUMER,
        'tsconfig.json': tsconfig('nodenext'),
      });
      install(dir);
      const min = JSON.parse(
        readFileSync(join(ROOT, 'node_modules', 'typescript-min', 'package.json'), 'utf8'),
      ).version as string;
      assert.equal(`>=${min.split('.').slice(0, 2).join('.')}`, PKG.peerDependencies.typescript);
      sh(process.execPath, [TSC_MIN, '-p', '.', '--noEmit'], dir);
      sh(process.execPath, [TSC, '-p', '.'], dir);
      const out = sh(process.execPath, ['out/main.js'], dir);
      assert.match(out, /^NetConnection\.Connect\.Success true 1\.997$/m);
      assert.match(out, /^true$/m);
      assert.match(out, /^ERR_RTMP ERR_RTMP_OPTION$/m);
    });
  }
});

/** The files of this checkout that git knows or would add (what a clone or a folder holds). */
function checkoutFiles(): string[] {
  return execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(ROOT, f)) && statSync(join(ROOT, f)).isFile());
}

describe('installs that build through prepare: a folder and a git repository', { timeout: 600_000 }, () => {
  let work: string;
  before(() => {
    work = tempDir('rtmpkit-prepare-');
    const src = join(work, 'rtmpkit');
    for (const f of checkoutFiles()) cpSync(join(ROOT, f), join(src, f));
    assert.ok(!existsSync(join(src, 'dist')) && !existsSync(join(src, 'node_modules')));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  function check(dir: string): void {
    const out = sh(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { RTMP } from 'rtmpkit'; console.log(typeof RTMP);
         const { createRequire } = await import('node:module');
         console.log(typeof createRequire(import.meta.url)('rtmpkit').RTMP);`,
      ],
      dir,
    );
    assert.equal(out, 'function\nfunction\n');
    assert.equal(
      sh(join(dir, 'node_modules', '.bin', 'rtmpkit'), ['--version'], dir).trim(),
      `rtmpkit ${PKG.version}`,
    );
  }

  it('npm install <folder>: prepare builds dist/ with only typescript and @types/node fetched', () => {
    const folder = join(work, 'folder');
    cpSync(join(work, 'rtmpkit'), folder, { recursive: true });
    const dir = project(join(work, 'folder-consumer'), 'module', {});
    sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', folder], dir);
    assert.ok(existsSync(join(folder, 'dist', 'src', 'rtmpkit.js')), 'prepare built dist/src');
    assert.ok(!existsSync(join(folder, 'node_modules')), 'the folder got no dev dependencies');
    check(dir);
  });

  it('npm install git+file://…: npm installs the dev dependencies in its clone, prepare builds', () => {
    const repo = join(work, 'git');
    cpSync(join(work, 'rtmpkit'), repo, { recursive: true });
    const git = (...args: string[]) =>
      sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], repo);
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'snapshot');
    const dir = project(join(work, 'git-consumer'), 'module', {});
    sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', `git+file://${repo}`], dir);
    assert.ok(existsSync(join(dir, 'node_modules', 'rtmpkit', 'dist', 'src', 'rtmpkit.js')));
    assert.ok(existsSync(join(dir, 'node_modules', 'rtmpkit', 'LICENSE')));
    check(dir);
  });
});
