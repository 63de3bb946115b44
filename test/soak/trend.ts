/**
 * Memory trend of a soak run: least-squares slopes of the server's RSS and of its
 * post-GC JS memory (V8 heap in use + external, which holds Buffers, so queued media
 * is counted) over the samples after the warm-up, in MiB per minute, and the verdict
 * against thresholds. Pure functions: the soak driver and its test share them.
 */

/** One memory sample of the server process. */
export interface MemorySample {
  /** Milliseconds since the soak started. */
  t: number;
  rss: number;
  /** V8 heap in use after a full GC. */
  heapUsed: number;
  /** Memory of Buffers and other objects outside the V8 heap, after the same GC. */
  external: number;
}

/** Least-squares slope of y over x (units of y per unit of x); 0 with fewer than 2 distinct x. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const MIB = 1024 * 1024;

/** Growth figures after the warm-up. */
export interface MemoryTrend {
  samples: number;
  /** Length of the window the slopes cover, minutes. */
  minutes: number;
  /** RSS slope, MiB/min. */
  rssSlope: number;
  /** Post-GC heap + external slope, MiB/min. */
  heapSlope: number;
  rssFirst: number;
  rssLast: number;
  rssPeak: number;
  heapFirst: number;
  heapLast: number;
  heapPeak: number;
}

/** The trend of the samples taken at or after `warmupMs` (figures in MiB). */
export function memoryTrend(samples: readonly MemorySample[], warmupMs: number): MemoryTrend {
  const after = samples.filter((s) => s.t >= warmupMs);
  const min = (s: MemorySample) => s.t / 60_000;
  const js = (s: MemorySample) => (s.heapUsed + s.external) / MIB;
  const rss = (s: MemorySample) => s.rss / MIB;
  return {
    samples: after.length,
    minutes: after.length > 1 ? (after.at(-1)!.t - after[0]!.t) / 60_000 : 0,
    rssSlope: slope(after.map((s) => ({ x: min(s), y: rss(s) }))),
    heapSlope: slope(after.map((s) => ({ x: min(s), y: js(s) }))),
    rssFirst: after.length ? rss(after[0]!) : 0,
    rssLast: after.length ? rss(after.at(-1)!) : 0,
    rssPeak: Math.max(0, ...after.map(rss)),
    heapFirst: after.length ? js(after[0]!) : 0,
    heapLast: after.length ? js(after.at(-1)!) : 0,
    heapPeak: Math.max(0, ...after.map(js)),
  };
}

/** Growth a run may show before it counts as unbounded, MiB/min. */
export interface GrowthLimits {
  heapSlope: number;
  rssSlope: number;
}

/** Memory that bounded state may legitimately gain within a window, MiB (see `limitsFor`). */
export const BOUNDED_SWING_MIB = 8;

/**
 * The limits for a window of `minutes` after the warm-up. Bounded state — the GOP cache
 * (one 1 s GOP, ~150 KB), each player's queue (a player that lags by 2 s holds ~0.3 MB;
 * 25 of them ~7 MiB; one lagging 10 s is reported as stalled anyway) — can swing by about
 * `BOUNDED_SWING_MIB` when the machine is loaded, and a swing of A MiB across a window of
 * W minutes fits a least-squares line of at most ~A/W MiB/min. So the post-GC heap +
 * external limit is A/W, never under 1 MiB/min: 16 MiB/min for the 30 s window of the CI
 * run, 1 MiB/min on a 30-minute run. A real leak scales with what flows instead: 25
 * players of a ~1.1 Mbit/s stream move ~200 MiB/min, so keeping one message in 15 is
 * caught in CI and one in 200 on a long run. RSS follows the allocator (freed pages
 * come back late and in steps), so it gets three times the room.
 */
export function limitsFor(minutes: number): GrowthLimits {
  const heapSlope = Math.max(1, BOUNDED_SWING_MIB / Math.max(minutes, 1e-9));
  return { heapSlope, rssSlope: 3 * heapSlope };
}

/** Why a trend fails the limits (empty when it passes). */
export function growthFailures(
  trend: MemoryTrend,
  limits: GrowthLimits = limitsFor(trend.minutes),
): string[] {
  const out: string[] = [];
  if (trend.samples < 10) out.push(`only ${trend.samples} samples after the warm-up`);
  if (trend.heapSlope > limits.heapSlope)
    out.push(
      `post-GC heap+external grows ${trend.heapSlope.toFixed(2)} MiB/min (limit ${limits.heapSlope.toFixed(1)})`,
    );
  if (trend.rssSlope > limits.rssSlope)
    out.push(`RSS grows ${trend.rssSlope.toFixed(2)} MiB/min (limit ${limits.rssSlope.toFixed(1)})`);
  return out;
}
