/**
 * The short soak (CI): the embedded server relays a looped live publish to 20 rtmpkit
 * and 5 rtmpdump players, with a short play starting every 3 s, for 45 s; the server's
 * memory is sampled each second after a full GC. Fails on any dropped or stalled
 * player, a short play that got nothing or ended on its own, or memory that keeps
 * growing after the 15 s warm-up (limits, and why they hold on a loaded machine:
 * `limitsFor` in trend.ts). The
 * same check is first shown to fail on a leaking series and to pass a noisy flat one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requirePeers } from '../helpers/peers.js';
import { failuresOf, formatReport, runSoak } from '../soak/soak.js';
import { growthFailures, limitsFor, type MemorySample, memoryTrend, slope } from '../soak/trend.js';

const MIB = 1024 * 1024;

/** One sample a second for 45 s: `base` + `leak` MiB/min + a deterministic ±`noise` MiB swing. */
function series(leakPerMin: number, noise: number): MemorySample[] {
  return Array.from({ length: 45 }, (_, i) => {
    const swing = (((i * 7919) % 13) / 6 - 1) * noise;
    const mib = 60 + (leakPerMin * i) / 60 + swing;
    return { t: i * 1000, rss: (mib + 50) * MIB, heapUsed: mib * MIB, external: 0 };
  });
}

test('soak trend: the least-squares slope finds a leak and passes a noisy flat line', () => {
  assert.equal(
    slope([
      { x: 0, y: 1 },
      { x: 1, y: 3 },
      { x: 2, y: 5 },
    ]),
    2,
  );
  assert.equal(slope([{ x: 1, y: 1 }]), 0);
  // queues swinging by ±4 MiB without a trend: bounded
  assert.deepEqual(growthFailures(memoryTrend(series(0, 4), 15_000)), []);
  // a window of 29 s after the warm-up: 16 MiB/min allowed; a leak of twice that is caught
  const window = memoryTrend(series(0, 0), 15_000).minutes;
  assert.ok(Math.abs(limitsFor(window).heapSlope - 8 / window) < 1e-9);
  const leak = growthFailures(memoryTrend(series(2 * limitsFor(window).heapSlope, 4), 15_000));
  assert.equal(leak.length, 1, leak.join('; '));
  assert.match(leak[0]!, /post-GC heap\+external grows/);
  // too few samples after the warm-up is a failure, not a pass
  assert.match(growthFailures(memoryTrend(series(0, 0), 40_000)).join(), /only 5 samples/);
});

test('soak: 25 live players for 45 s, none dropped or stalled, server memory bounded', {
  timeout: 180_000,
}, async (t) => {
  if (!requirePeers(t, ['rtmpdump', 'ffmpeg'])) return;
  const report = await runSoak({ durationMs: 45_000, warmupMs: 15_000, sampleMs: 1000, churnEveryMs: 3000 });
  const text = formatReport(report);
  for (const line of text.split('\n')) t.diagnostic(line);
  assert.deepEqual(failuresOf(report), [], text);
  assert.ok(report.churned >= 10, `only ${report.churned} short plays`);
  // every player got the stream: 1.1 Mbit/s for ~40 s is ~5 MB; half of it at least
  for (const p of report.players) assert.ok(p.mbytes > 2.5, `${p.label} got ${p.mbytes} MB\n${text}`);
});
