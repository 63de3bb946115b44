/**
 * Runs the AMF3 fuzz targets inside node:test: FUZZ_RUNS inputs each (default 100,000),
 * failing on any error that is not an `AMFError` with an `ERR_AMF_` code, or on a
 * re-encoding that is not a fixed point.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { targets } from './amf3.target.js';
import { fuzz } from './engine.js';

describe('AMF3 fuzz', () => {
  for (const target of targets) {
    it(target.name, { timeout: 120_000 }, (t) => {
      const t0 = performance.now();
      const stats = fuzz(target);
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      t.diagnostic(`${stats.runs} inputs in ${s} s, ${stats.typedErrors} typed errors, ${stats.ok} accepted`);
      assert.equal(stats.runs, stats.ok + stats.typedErrors);
      assert.ok(stats.ok > 0, 'some inputs decode');
    });
  }
});
