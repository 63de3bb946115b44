/**
 * The README's API examples are runnable: every ```js block is written next to the
 * package (so `import ... from 'rtmpkit'` resolves to this build by self-reference),
 * run with node in a temporary directory, and must exit 0 and print what its
 * comments promise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/peers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const blocks = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/```js\n([\s\S]*?)```/g)].map(
  (m) => m[1]!,
);

/** What each block must print (in order of the blocks). */
const EXPECT: RegExp[][] = [
  [/NetConnection\.Connect\.Success/, /\d+(\.\d+)? s of media/],
  [/^3$/m, /^11$/m, /client said 42/],
  [/publishing mystream/],
  [/^mp4:film\.mp4$/m, /true 5 \[ 'token' \]/, /true ERR_RTMP_OPTION/, /ERR_AMF_TRUNCATED/],
  [
    /video track 0 hvc1 sequenceStart/,
    /audio track 0 aac sequenceStart/,
    /audio track 1 Opus sequenceStart/,
    /video track 0 hvc1 codedFrames cts 40/,
  ],
];

test('the README has the API examples this test knows about', () => {
  assert.equal(blocks.length, EXPECT.length);
});

blocks.forEach((code, i) => {
  test(`README example ${i + 1} runs`, () => {
    const dir = join(ROOT, 'dist', 'readme-check');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `example-${i + 1}.mjs`);
    writeFileSync(file, code);
    const cwd = tempDir('rtmpkit-readme-');
    try {
      const r = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
      for (const re of EXPECT[i] ?? []) assert.match(r.stdout, re);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
