/**
 * CI fuzz run of the sessions (session.target.ts), seeded from the committed corpus
 * (captures of nginx-rtmp, the embedded server, rtmpdump and ffmpeg) and from message
 * programs: FUZZ_RUNS × 0.3 inputs per target (each input is a whole conversation).
 * Neither session may throw from `receive`; only typed errors are reported; output
 * stays proportional to input; the heap stays small across the run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultRuns, fuzz } from './engine.js';
import { eventKinds, targets } from './session.target.js';

describe('session fuzz', () => {
  it('the message programs reach deep states: play, publish and media on the server, a created stream and media on the client', () => {
    const server = targets
      .find((t) => t.name === 'session/server-messages')!
      .seeds.map((s) => eventKinds('server', s));
    const client = targets
      .find((t) => t.name === 'session/client-messages')!
      .seeds.map((s) => eventKinds('client', s));
    for (const kind of ['connect', 'createStream', 'play', 'publish', 'media', 'data'])
      assert.ok(
        server.some((k) => k.includes(kind)),
        `no server seed reaches ${kind}: ${JSON.stringify(server)}`,
      );
    for (const kind of ['connected', 'streamCreated', 'status', 'media', 'data'])
      assert.ok(
        client.some((k) => k.includes(kind)),
        `no client seed reaches ${kind}: ${JSON.stringify(client)}`,
      );
  });

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
      // memory bounded: thousands of sessions (each capped at 256 KiB messages) leave no growth behind
      assert.ok(stats.peakHeapUsed < 256 * 1024 * 1024, `peak heap ${stats.peakHeapUsed} bytes`);
    });
  }
});
