/**
 * `rtmpkit dump --resume` reads the partial file through its descriptor (`resumeScan`):
 * a missing file means a normal download, the scan's findings come back as they are
 * (flv/resume.ts has the cases), and what cannot be resumed is a CliError (exit 1) that
 * names the file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { resumeScan } from '../../src/cli/dump.js';
import { CliError } from '../../src/cli/exit-codes.js';
import { FlvMuxer } from '../../src/flv/muxer.js';

const dir = mkdtempSync(join(tmpdir(), 'rtmpkit-cli-resume-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(bytes: Buffer): string {
  const p = join(dir, `f${n++}.flv`);
  writeFileSync(p, bytes);
  return p;
}

const m = new FlvMuxer();
const key = (ts: number) => ({
  type: 9,
  timestamp: ts,
  payload: Buffer.from([0x17, 1, 0, 0, 0, ts & 0xff, 1]),
});
const FILE = Buffer.concat([
  m.header({ audio: false, video: true }),
  ...[0, 1000, 2000].flatMap((t) => m.writeTag(key(t))),
]);

test('resumeScan: the scan of the file on disk, read in pieces', () => {
  const p = resumeScan(file(FILE), 1);
  assert.equal(p?.kind, 'resume');
  assert.equal(p?.seek, 1000);
  assert.equal(p?.appendAt, 13 + 2 * (11 + 7 + 4));
  assert.equal(resumeScan(join(dir, 'nope.flv'), 0), undefined, 'no file: a normal download');
  assert.equal(resumeScan(file(Buffer.alloc(0)), 0)?.kind, 'fresh');
});

test('resumeScan: files that cannot be resumed are CliErrors (exit 1) naming the file', () => {
  const foreign = file(Buffer.from('<html>not a video</html>'));
  const isCli = (re: RegExp) => (e: unknown) =>
    e instanceof CliError && e.exitCode === 1 && re.test(e.message) && e.message.includes(dir);
  assert.throws(() => resumeScan(foreign, 0), isCli(/not an FLV file/));
  assert.throws(() => resumeScan(file(FILE), 3), isCli(/only 3 video keyframes/));
  assert.throws(() => resumeScan(dir, 0), isCli(/cannot read/));
});
