/**
 * CI fuzz run of the message layer (FUZZ_RUNS inputs, default 100,000): only
 * `ERR_MESSAGE_*` / `ERR_AMF_*` RTMPErrors may escape decoding.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRuns, fuzz } from './engine.js';
import { targets } from './message.target.js';

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
