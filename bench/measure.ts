/**
 * Shared timing helpers for in-process benchmarks: run a function repeatedly for
 * a time budget after a warm-up and report operations and bytes per second.
 */

/** Result of one measured loop. */
export interface Measurement {
  ops: number;
  seconds: number;
  opsPerSec: number;
  mbPerSec: number;
}

/** Runs `fn` (which processes `bytesPerOp` bytes) for about `budgetMs` after a warm-up. */
export function measure(fn: () => void, bytesPerOp: number, budgetMs = 1000): Measurement {
  const warm = performance.now() + budgetMs / 5;
  while (performance.now() < warm) fn();
  let ops = 0;
  const start = performance.now();
  const end = start + budgetMs;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 16; i++) fn();
    ops += 16;
    now = performance.now();
  }
  const seconds = (now - start) / 1000;
  return { ops, seconds, opsPerSec: ops / seconds, mbPerSec: (ops * bytesPerOp) / seconds / 1e6 };
}

/** Formats rows as an aligned text table. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => String(c).padEnd(widths[i]!)).join('  ')).join('\n');
}

function fmt(n: number): string {
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}
