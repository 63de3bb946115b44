/**
 * CI fuzz run of the FLV layer (FUZZ_RUNS inputs per target, default 100,000): only
 * `ERR_FLV_*` RTMPErrors may escape the demuxer and the parsers, any split of a stream
 * must demux the same, and the muxer must never throw nor write an FLV that does not
 * demux strictly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRuns, fuzz } from './engine.js';
import { targets } from './flv.target.js';

for (const target of targets) {
  test(`fuzz ${target.name}`, () => {
    const stats = fuzz(target, { runs: defaultRuns() });
    assert.equal(stats.runs, Math.max(defaultRuns(), target.seeds.length));
    assert.ok(stats.ok > 0, 'some inputs are accepted');
    if (target.name === 'flv-muxer') assert.equal(stats.typedErrors, 0, 'the muxer never throws');
    else assert.ok(stats.typedErrors > 0, 'some inputs are rejected');
    console.log(
      `${target.name}: ${stats.runs} inputs, ${stats.typedErrors} typed errors, ${stats.ok} accepted`,
    );
  });
}
