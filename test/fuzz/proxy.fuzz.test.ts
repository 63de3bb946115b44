/**
 * Runs the proxy and publisher-auth fuzz targets (proxy.target.ts) with FUZZ_RUNS inputs
 * each (default 100,000): only typed errors may escape, and every proxy answer must give
 * the same outcome fed whole or split.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultRuns, fuzz } from './engine.js';
import { targets } from './proxy.target.js';

describe('proxy and auth fuzz', () => {
  for (const target of targets) {
    it(`${target.name}: ${defaultRuns()} inputs, only typed errors`, (t) => {
      const stats = fuzz(target, { runs: defaultRuns(), seed: 0x5050 });
      t.diagnostic(
        `${target.name}: ${stats.runs} inputs, ${stats.typedErrors} typed errors, ${stats.ok} accepted`,
      );
      assert.equal(stats.runs, defaultRuns());
      assert.ok(stats.ok >= 1, `only ${stats.ok} inputs accepted`);
    });
  }
});
