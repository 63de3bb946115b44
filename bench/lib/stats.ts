/**
 * The harness's arithmetic: medians and percentiles of repeated runs, the rtmpkit ÷
 * peer ratio of a table row, and whether a row meets its goal. Pure functions, no I/O,
 * so the unit test can pin every edge (empty input, zero peer, NaN).
 *
 * Invariants: no function throws on an empty or non-finite input; a missing figure is
 * `undefined` and propagates to "no ratio" / "goal not decidable", never to a false "met".
 */

/** The middle value (mean of the two middle values for an even count); undefined when empty. */
export function median(xs: readonly number[]): number | undefined {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid] : (v[mid - 1]! + v[mid]!) / 2;
}

/** Nearest-rank percentile `p` (0 < p ≤ 100) of the finite values; undefined when empty. */
export function percentile(xs: readonly number[], p: number): number | undefined {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const rank = Math.min(v.length, Math.max(1, Math.ceil((p / 100) * v.length)));
  return v[rank - 1];
}

/** Largest finite value, or undefined. */
export function maximum(xs: readonly number[]): number | undefined {
  const v = xs.filter(Number.isFinite);
  return v.length === 0 ? undefined : Math.max(...v);
}

/** `ours / peer` when both are finite and the peer is positive; otherwise undefined. */
export function ratio(ours: number | undefined, peer: number | undefined): number | undefined {
  if (ours === undefined || peer === undefined) return undefined;
  if (!Number.isFinite(ours) || !Number.isFinite(peer) || peer <= 0) return undefined;
  return ours / peer;
}

/**
 * A goal: either on the ratio to the peer (`kind: 'ratio'`, e.g. wall ≤ 1.0× rtmpdump)
 * or on rtmpkit's own figure in the row's unit (`kind: 'value'`, e.g. peak RSS ≤ 64 MiB).
 */
export interface Goal {
  kind: 'ratio' | 'value';
  op: '<=' | '>=';
  target: number;
}

/** Whether the row meets its goal; undefined when there is no goal or the figure is missing. */
export function meets(
  goal: Goal | undefined,
  ours: number | undefined,
  r: number | undefined,
): boolean | undefined {
  if (goal === undefined) return undefined;
  const x = goal.kind === 'ratio' ? r : ours;
  if (x === undefined || !Number.isFinite(x)) return undefined;
  return goal.op === '<=' ? x <= goal.target : x >= goal.target;
}

/** Rate in MB/s (1 MB = 10^6 bytes, as rtmpdump and ffmpeg count) or undefined. */
export function mbPerSec(bytes: number, seconds: number | undefined): number | undefined {
  return seconds !== undefined && seconds > 0 ? bytes / seconds / 1e6 : undefined;
}

/** CPU seconds per GB (10^9 bytes) moved, or undefined. */
export function cpuPerGb(cpuSeconds: number | undefined, bytes: number): number | undefined {
  return cpuSeconds !== undefined && bytes > 0 ? cpuSeconds / (bytes / 1e9) : undefined;
}
