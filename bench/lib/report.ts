/**
 * One benchmark table: the rows the scenarios return, their ratio and goal verdict,
 * and the two renderings — aligned text for people, JSON for machines (`--json`).
 * Pure: rows in, strings and plain objects out.
 *
 * Invariants: a row never shows a verdict it cannot prove (missing figures give "—");
 * every number is printed with its unit; a skipped or failed scenario keeps its rows
 * with the reason in the note column.
 */
import { type Goal, meets, ratio } from './stats.js';

/** Units a figure can carry. `x` is a plain multiple (e.g. "× memcpy"); `count` an integer. */
export type Unit = 's' | 'ms' | 'MiB' | 'KiB' | 'MB/s' | 's/GB' | 's/10k msg' | 'count' | 'x';

/** One line of the table as a scenario reports it. */
export interface Row {
  /** e.g. "dump VOD 303 MB". */
  scenario: string;
  /** e.g. "wall", "CPU", "peak RSS". */
  metric: string;
  unit: Unit;
  /** rtmpkit's figure (median of the runs), if measured. */
  ours?: number | undefined;
  /** The peer's name, and its figure if measured. */
  peer?: { name: string; value?: number | undefined };
  goal?: Goal;
  /** Checks (byte-identical…), "skipped: nginx missing", "error: …". */
  note?: string;
}

/** A row with its derived ratio and verdict, as printed and written to JSON. */
export interface ReportRow extends Row {
  ratio: number | undefined;
  met: boolean | undefined;
}

/** Adds the ratio and the verdict to each row. */
export function evaluate(rows: readonly Row[]): ReportRow[] {
  return rows.map((row) => {
    const r = ratio(row.ours, row.peer?.value);
    return { ...row, ratio: r, met: meets(row.goal, row.ours, r) };
  });
}

/** Three significant digits, no exponent: 0.0631, 1.54, 22.5, 303, 12345. */
export function sig3(n: number): string {
  const a = Math.abs(n);
  if (a >= 100 || a === 0) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toPrecision(3);
}

/** A figure with its unit ("0.751 s", "101 MiB", "500"); "—" when missing. */
export function formatValue(v: number | undefined, unit: Unit): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  if (unit === 'count') return String(Math.round(v));
  if (unit === 'x') return `${sig3(v)}×`;
  return `${sig3(v)} ${unit}`;
}

/** "≤ 1.0× peer", "≥ 0.5× peer", "≤ 64 MiB", "≥ 500"; "—" without a goal. */
export function formatGoal(goal: Goal | undefined, unit: Unit): string {
  if (goal === undefined) return '—';
  const op = goal.op === '<=' ? '≤' : '≥';
  if (goal.kind === 'ratio') return `${op} ${goal.target.toFixed(1)}× peer`;
  return unit === 'count' || unit === 'x' ? `${op} ${goal.target}` : `${op} ${goal.target} ${unit}`;
}

function verdict(met: boolean | undefined): string {
  if (met === undefined) return '—';
  return met ? 'yes' : 'NO';
}

/** The table as aligned text (one header line, one line per row). */
export function renderTable(rows: readonly ReportRow[]): string {
  const header = ['scenario', 'metric', 'rtmpkit', 'peer', 'ratio', 'goal', 'met', 'note'];
  const cells = rows.map((r) => [
    r.scenario,
    r.metric,
    formatValue(r.ours, r.unit),
    r.peer ? `${r.peer.name} ${formatValue(r.peer.value, r.unit)}` : '—',
    formatValue(r.ratio, 'x'),
    formatGoal(r.goal, r.unit),
    verdict(r.met),
    r.note ?? '',
  ]);
  const all = [header, ...cells];
  const widths = header.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((s, i) => s.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** What `--json FILE` writes. */
export interface JsonReport {
  machine: Record<string, string | number>;
  options: Record<string, string | number | boolean>;
  rows: ReportRow[];
}

/** The JSON document (missing figures become null, so the shape is stable). */
export function toJson(report: JsonReport): string {
  return `${JSON.stringify(report, (_k, v) => (v === undefined ? null : v), 2)}\n`;
}
