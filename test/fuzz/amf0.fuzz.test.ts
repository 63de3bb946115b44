/**
 * Runs the AMF0 fuzz targets inside node:test: FUZZ_RUNS inputs each (default 100,000),
 * failing on any error that is not an `AMFError` with an `ERR_AMF_` code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { targets } from './amf0.target.js';
import { fuzz } from './engine.js';

describe('AMF0 fuzz', () => {
  for (const target of targets) {
    it(target.name, { timeout: 120_000 }, (t) => {
      const stats = fuzz(target);
      t.diagnostic(`${stats.runs} inputs, ${stats.typedErrors} typed errors, ${stats.ok} accepted`);
      assert.equal(stats.runs, stats.ok + stats.typedErrors);
      assert.ok(stats.ok > 0, 'some inputs decode');
    });
  }
});
