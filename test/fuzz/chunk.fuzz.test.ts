/**
 * CI fuzz run of the chunk reader (FUZZ_RUNS inputs per target, default 100,000): only
 * RTMPProtocolErrors with `ERR_CHUNK_*` codes may escape, any split of an input gives the
 * same result as pushing it whole, and the reservation stays within its bound.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { targets } from './chunk.target.js';
import { defaultRuns, fuzz } from './engine.js';

for (const target of targets) {
  test(`fuzz ${target.name}`, () => {
    const stats = fuzz(target, { runs: defaultRuns() });
    assert.equal(stats.runs, Math.max(defaultRuns(), target.seeds.length));
    assert.ok(stats.ok > 0, 'some inputs decode');
    assert.ok(stats.typedErrors > 0, 'some inputs are rejected');
    console.log(
      `${target.name}: ${stats.runs} inputs, ${stats.typedErrors} typed errors, ${stats.ok} accepted`,
    );
  });
}
