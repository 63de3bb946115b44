/**
 * The test harness's `tempDir`: every directory it makes is removed, with its contents,
 * when the process that made it exits — at the end of a test file's process or at a
 * `process.exit` — so runs leave nothing in the temp dir (two full runs had left 90
 * directories there: tests made them and never removed them).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const HELPER = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '../helpers/peers.js')).href;

/** Runs a Node process that makes two temp dirs with a file in each, prints them, then runs `end`. */
async function makeDirsIn(end: string): Promise<{ dirs: string[]; code: number }> {
  const script = `
    import { writeFileSync, mkdirSync } from 'node:fs';
    import { join } from 'node:path';
    const { tempDir } = await import(${JSON.stringify(HELPER)});
    const dirs = [tempDir('rtmpkit-tempdir-test-'), tempDir('rtmpkit-tempdir-test-')];
    for (const d of dirs) { mkdirSync(join(d, 'sub')); writeFileSync(join(d, 'sub', 'f'), 'x'); }
    process.stdout.write(JSON.stringify(dirs));
    ${end}`;
  try {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script]);
    return { dirs: JSON.parse(stdout) as string[], code: 0 };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { dirs: JSON.parse(e.stdout) as string[], code: e.code };
  }
}

describe('test harness tempDir', () => {
  it('removes its directories and their contents when the process ends', async () => {
    const { dirs, code } = await makeDirsIn('');
    assert.equal(code, 0);
    assert.equal(dirs.length, 2);
    for (const d of dirs) assert.equal(existsSync(d), false, `${d} left behind`);
  });

  it('removes them on process.exit too', async () => {
    const { dirs, code } = await makeDirsIn('process.exit(3);');
    assert.equal(code, 3);
    for (const d of dirs) assert.equal(existsSync(d), false, `${d} left behind`);
  });
});
