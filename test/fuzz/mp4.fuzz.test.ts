/**
 * CI fuzz run of the MP4 reader (FUZZ_RUNS inputs per target, default 100,000): only
 * `ERR_MP4_*` RTMPProtocolErrors may escape the reader and its box parsers, every sample
 * is a view inside the input, and what the reader yields always writes as E-RTMP tags
 * that media.ts parses back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultRuns, fuzz } from './engine.js';
import { targets } from './mp4.target.js';

for (const target of targets) {
  test(`fuzz ${target.name}`, () => {
    const stats = fuzz(target, { runs: defaultRuns() });
    assert.equal(stats.runs, Math.max(defaultRuns(), target.seeds.length));
    assert.ok(stats.ok > 0, 'some inputs are accepted');
    assert.ok(stats.typedErrors > 0, 'some inputs are rejected');
    console.log(
      `${target.name}: ${stats.runs} inputs, ${stats.typedErrors} typed errors, ${stats.ok} accepted`,
    );
  });
}
