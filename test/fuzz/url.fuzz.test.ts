/**
 * Runs the URL/option-string fuzz targets inside node:test: FUZZ_RUNS inputs each (default
 * 100,000), failing on any error that is not an `RTMPError` with an `ERR_URL_*` or
 * `ERR_RTMP_OPTION` code, and on any formatLibrtmpUrl round-trip mismatch.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fuzz } from './engine.js';
import { targets } from './url.target.js';

describe('URL fuzz', () => {
  for (const target of targets) {
    it(target.name, { timeout: 300_000 }, (t) => {
      const stats = fuzz(target);
      t.diagnostic(`${stats.runs} inputs, ${stats.typedErrors} typed errors, ${stats.ok} accepted`);
      assert.equal(stats.runs, stats.ok + stats.typedErrors);
      assert.ok(stats.ok > 0, 'some inputs parse');
    });
  }
});
