/**
 * Runs the handshake fuzz targets (handshake.target.ts) with FUZZ_RUNS inputs each
 * (default 100,000; the RTMPE targets, which run a DH agreement per accepted input, a
 * tenth): only RTMPHandshakeErrors may escape, and every input must give the same outcome
 * fed whole or split.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultRuns, fuzz } from './engine.js';
import { targets } from './handshake.target.js';

describe('handshake fuzz', () => {
  for (const target of targets) {
    const runs = Math.ceil(defaultRuns() * (target.runShare ?? 1));
    it(`${target.name}: ${runs} inputs, only typed handshake errors`, (t) => {
      const stats = fuzz(target, { runs, seed: 0x0a11ce });
      t.diagnostic(
        `${target.name}: ${stats.runs} inputs, ${stats.typedErrors} typed errors, ${stats.ok} accepted`,
      );
      assert.equal(stats.runs, runs);
      // the seeds are valid exchanges, so some inputs must get through
      assert.ok(stats.ok >= target.seeds.length, `only ${stats.ok} inputs accepted`);
    });
  }
});
