/**
 * rtmpdump's console output (notes/librtmp-parity.md §5.4; `rtmpdump.c` `Download`,
 * librtmp `log.c`): the progress line `\r%.3f kB / %.2f sec (%.1f%%)` (without the
 * percentage while the duration is unknown), rewritten at most every 200 ms, or one `#`
 * per percent with `-#`; and messages that start on a fresh line after a progress line
 * (librtmp's `RTMP_LogPrintf` prints the pending newline first).
 *
 * Numbers are formatted as C's `printf("%.Nf")` does — round half to even on exact
 * binary ties (`0.0625` → `0.062`), where JavaScript's `toFixed` rounds up — so the
 * lines are byte-identical to rtmpdump's. The percentage is truncated to one decimal
 * first, as rtmpdump does (`(int)(percent * 10) / 10`).
 *
 * Deliberate difference: with `-#` rtmpdump prints one `#` per update however many
 * percent passed since the last one; rtmpkit prints one `#` per whole percent, so a
 * complete download always shows 100 of them.
 */

/** Formats `x` with `digits` decimals exactly as C's `printf("%.<digits>f", x)`. */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const plain = x.toFixed(digits);
  // An exact binary tie has a finite decimal expansion: a 5 right after the kept digits,
  // then zeros (70 more digits cover every double of the magnitudes printed here).
  const wide = Math.abs(x).toFixed(Math.min(100, digits + 70));
  const cut = wide.indexOf('.') + 1 + digits;
  if (!/^50*$/.test(wide.slice(cut))) return plain;
  // toFixed rounded the tie away from zero; C rounds it to even.
  const truncated = wide.slice(0, digits === 0 ? cut - 1 : cut);
  if (Number(truncated[truncated.length - 1]) % 2 !== 0) return plain;
  return `${x < 0 ? '-' : ''}${truncated}`;
}

/** rtmpdump's percentage: `timestamp / duration`, truncated to one decimal. */
export function downloadPercent(timestampMs: number, durationSec: number): number {
  if (!(durationSec > 0)) return 0;
  const p = (timestampMs / (durationSec * 1000)) * 100;
  return Math.trunc(p * 10) / 10;
}

/**
 * The progress line (with its leading `\r`): `\r%.3f kB / %.2f sec (%.1f%%)`, or
 * `\r%.3f kB / %.2f sec` when the duration is unknown (0).
 */
export function formatProgress(bytes: number, timestampMs: number, durationSec: number): string {
  const head = `\r${formatFixed(bytes / 1024, 3)} kB / ${formatFixed(timestampMs / 1000, 2)} sec`;
  if (!(durationSec > 0)) return head;
  return `${head} (${formatFixed(downloadPercent(timestampMs, durationSec), 1)}%)`;
}

/** Where console output goes: anything with `write(string)` (stderr, or a test buffer). */
export interface TextSink {
  write(text: string): unknown;
}

/** Verbosity: 0 quiet (errors only), 1 normal, 2 verbose (-V), 3 debug (-z). */
export type Verbosity = 0 | 1 | 2 | 3;

/**
 * The console of a command: status lines that rewrite themselves (`\r…`) and messages
 * that start on a fresh line, librtmp-style. Errors are always shown, even when quiet.
 */
export class Console {
  readonly #sink: TextSink;
  readonly verbosity: Verbosity;
  #needNewline = false;

  constructor(sink: TextSink, verbosity: Verbosity = 1) {
    this.#sink = sink;
    this.verbosity = verbosity;
  }

  /** Writes a status text (normally starting with `\r`) without ending the line. Quiet: nothing. */
  status(text: string): void {
    if (this.verbosity === 0) return;
    this.#sink.write(text);
    this.#needNewline = true;
  }

  /** A message line (rtmpdump's `RTMP_LogPrintf`). Quiet: nothing. */
  print(text: string): void {
    if (this.verbosity === 0) return;
    this.#line(text);
  }

  /** An `INFO: …` line (shown at normal verbosity, like rtmpdump's default level). */
  info(text: string): void {
    if (this.verbosity >= 1) this.#line(`INFO: ${text}`);
  }

  /** A `DEBUG: …` line (-V and above). */
  debug(text: string): void {
    if (this.verbosity >= 2) this.#line(`DEBUG: ${text}`);
  }

  /** A `WARNING: …` line (not when quiet). */
  warn(text: string): void {
    if (this.verbosity >= 1) this.#line(`WARNING: ${text}`);
  }

  /** The one-line error report `rtmpkit: <message>` — always shown. */
  error(text: string): void {
    this.#line(`rtmpkit: ${text}`);
  }

  /** Writes text as is (already terminated), on a fresh line after a status line — for the library's log. */
  raw(text: string): void {
    this.endStatus();
    this.#sink.write(text);
  }

  /** Ends a pending status line. */
  endStatus(): void {
    if (this.#needNewline) {
      this.#sink.write('\n');
      this.#needNewline = false;
    }
  }

  #line(text: string): void {
    this.endStatus();
    this.#sink.write(`${text}\n`);
  }
}

/** Options of `Progress`. */
export interface ProgressOptions {
  /** `-#`: one `#` per percent instead of the byte counter. */
  hashes?: boolean;
  /** Minimum ms between two progress lines (rtmpdump: more than 200). */
  intervalMs?: number;
  /** Clock in ms (injectable for tests). */
  now?: () => number;
}

/** rtmpdump's progress reporting over a `Console`. */
export class Progress {
  readonly #console: Console;
  readonly #hashes: boolean;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #lastUpdate: number;
  #lastPercent = 0;

  constructor(console: Console, options: ProgressOptions = {}) {
    this.#console = console;
    this.#hashes = options.hashes ?? false;
    this.#intervalMs = options.intervalMs ?? 200;
    this.#now = options.now ?? (() => performance.now());
    this.#lastUpdate = this.#now() - 1000; // rtmpdump: the first update prints at once
  }

  /** Reports the state after some data arrived (rate-limited). */
  update(bytes: number, timestampMs: number, durationSec: number): void {
    if (this.#hashes && durationSec > 0) {
      const percent = Math.floor(downloadPercent(timestampMs, durationSec));
      if (percent > this.#lastPercent) {
        this.#console.status('#'.repeat(Math.min(100, percent) - Math.min(100, this.#lastPercent)));
        this.#lastPercent = percent;
      }
      return;
    }
    const now = this.#now();
    if (Math.abs(now - this.#lastUpdate) <= this.#intervalMs) return;
    this.#lastUpdate = now;
    this.#console.status(this.#hashes ? '#' : formatProgress(bytes, timestampMs, durationSec));
  }

  /** The final status line (always printed, except in hash mode — as rtmpdump). */
  final(bytes: number, timestampMs: number, durationSec: number): void {
    if (!this.#hashes) this.#console.status(formatProgress(bytes, timestampMs, durationSec));
  }
}
