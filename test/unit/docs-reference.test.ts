/**
 * The generated references stay true: docs/events.md and docs/errors.md equal what scripts/reference.mjs
 * generates from the sources now (it reads the event maps and unions with the TypeScript
 * compiler API), and the API reference generator (TypeDoc, a dev dependency) runs
 * without errors on this repository's TypeScript.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

test('docs/events.md and docs/errors.md are what scripts/reference.mjs generates from the code', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'reference.mjs'), '--check'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const text = spawnSync(process.execPath, [join(ROOT, 'scripts', 'reference.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  for (const name of ['`handshake`', '`publish`', '`connectRejected`', '`clientError`']) {
    assert.ok(text.stdout.includes(name), `${name} is documented`);
  }
  // docs/errors.md: one row per registered code, under the class that carries it.
  assert.match(
    text.stdout,
    /## RTMPUsageError\n\n[^\n]*\n\n\| code \| meaning \|\n\| --- \| --- \|\n\| `ERR_RTMP_USAGE` \|/,
  );
  assert.match(text.stdout, /\| `ERR_HANDSHAKE_TLS` \| The peer speaks TLS \(try rtmps:\/\/\)\. \|/);
});

test('TypeDoc builds the API reference from the JSDoc without errors', { timeout: 180_000 }, () => {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none', '--logLevel', 'Error'],
    { cwd: ROOT, encoding: 'utf8', timeout: 170_000 },
  );
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.doesNotMatch(r.stdout + r.stderr, /\[error\]/);
});
