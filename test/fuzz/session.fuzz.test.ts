/**
 * CI fuzz run of the sessions (session.target.ts), seeded from the committed corpus
 * (captures of nginx-rtmp, the embedded server, rtmpdump and ffmpeg) and from message
 * programs: FUZZ_RUNS × 0.3 inputs per target (each input is a whole conversation).
 * Neither session may throw from `receive`; only typed errors are reported; output
 * stays proportional to input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultRuns, fuzz } from './engine.js';
import { targets } from './session.target.js';

describe('session fuzz', () => {
  for (const target of targets) {
    const runs = Math.ceil(defaultRuns() * (target.runShare ?? 1));
    it(`${target.name}: ${runs} inputs, receive never throws, only typed errors`, (t) => {
      const stats = fuzz(target, { runs, seed: 0x5e55 });
      t.diagnostic(
        `${target.name}: ${stats.runs} inputs (${stats.seeds} seeds, ${stats.corpusFiles} from the corpus), ${stats.typedErrors} typed errors, ${stats.ok} accepted`,
      );
      assert.equal(stats.runs, runs);
      assert.ok(stats.ok > 0, 'some conversations end without a protocol error');
      assert.ok(stats.typedErrors > 0, 'some conversations end in a protocol error');
      if (target.name.endsWith('-stream')) assert.ok(stats.corpusFiles > 0, 'the corpus seeds the run');
    });
  }
});
