/**
 * rtmpdump's console output (rtmpdump 2.4 `rtmpdump.c` `Download`, librtmp
 * `log.c`): the progress line `\r%.3f kB / %.2f sec (%.1f%%)` (without the
 * percentage while the duration is unknown), rewritten at most every 200 ms, or one `#`
 * per percent with `-#`; and messages that start on a fresh line after a progress line
 * (librtmp's `RTMP_LogPrintf` prints the pending newline first).
 *
 * Numbers are formatted as C's `printf("%.Nf")` does — round half to even on exact
 * binary ties (`0.0625` → `0.062`), where JavaScript's `toFixed` rounds up — so the
 * lines are byte-identical to rtmpdump's. The percentage is truncated to one decimal
 * first, as rtmpdump does (`(int)(percent * 10) / 10`).
 *
 * Deliberate differences from rtmpdump:
 * - with `-#` rtmpdump prints one `#` per update however many percent passed since the
 *   last one; rtmpkit prints one `#` per whole percent, so a complete download always
 *   shows 100 of them;
 * - the progress line knows where it goes. On a terminal it is rtmpdump's line plus the
 *   transfer rate, the elapsed time and, when the duration is known, the estimated time
 *   left (`\r… kB / … sec (…%)  312.5 kB/s  0:04 elapsed  0:05 left`). Into a pipe or a
 *   file (stderr is not a terminal) no `\r` is ever written: a plain line every 5 s
 *   and a final one. With `--json` the same numbers go out as NDJSON `progress` events,
 *   once a second (rounded).
 *
 * Everything printed goes through the command's `Secrets` (stream keys masked) and
 * `escapeControl` (text from the server cannot drive the terminal).
 */

import { escapeControl, type Secrets, safeJson } from './terminal.js';

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
  /** Set (true) by Node on streams that are terminals. */
  readonly isTTY?: boolean;
}

/** Verbosity: 0 quiet (errors only), 1 normal, 2 verbose (-V), 3 debug (-z). */
export type Verbosity = 0 | 1 | 2 | 3;

/** Options of `Console`. */
export interface ConsoleOptions {
  /** Whether the sink is a terminal (default: its `isTTY`). */
  tty?: boolean;
  /** `--json`: NDJSON events go here and the human lines are not printed. */
  json?: TextSink;
  /** Masks stream keys in everything printed. */
  secrets?: Secrets;
}

/** A JSON event's fields (the `event` name is added by `Console.event`). */
export type EventFields = Record<string, unknown>;

/**
 * The console of a command: status lines that rewrite themselves (`\r…`, terminals only)
 * and messages that start on a fresh line, librtmp-style; or, with `--json`, one JSON
 * object per line. Errors are always shown, even when quiet. Every line is redacted
 * (secrets) and escaped (control characters) before it is written.
 */
export class Console {
  readonly #sink: TextSink;
  readonly verbosity: Verbosity;
  /** The sink is a terminal: `\r` status lines are allowed. */
  readonly tty: boolean;
  readonly #json: TextSink | undefined;
  readonly #secrets: Secrets | undefined;
  #needNewline = false;

  constructor(sink: TextSink, verbosity: Verbosity = 1, options: ConsoleOptions = {}) {
    this.#sink = sink;
    this.verbosity = verbosity;
    this.tty = options.tty ?? sink.isTTY === true;
    this.#json = options.json;
    this.#secrets = options.secrets;
  }

  /** Whether output is NDJSON (`--json`). */
  get json(): boolean {
    return this.#json !== undefined;
  }

  /** `text` with secrets masked (for values that go into JSON events or other channels). */
  redact(text: string): string {
    return this.#secrets?.redact(text) ?? text;
  }

  /**
   * Writes a status text (normally starting with `\r`) without ending the line. Quiet,
   * JSON or not a terminal: nothing (a `\r` must never reach a pipe).
   */
  status(text: string): void {
    if (this.verbosity === 0 || this.json || (!this.tty && text.includes('\r'))) return;
    const cr = text.startsWith('\r') ? '\r' : '';
    this.#sink.write(cr + this.#clean(text.slice(cr.length)));
    this.#needNewline = true;
  }

  /** A message line (rtmpdump's `RTMP_LogPrintf`). Quiet or JSON: nothing. */
  print(text: string): void {
    if (this.verbosity === 0 || this.json) return;
    this.#line(text);
  }

  /** An `INFO: …` line (shown at normal verbosity, like rtmpdump's default level). */
  info(text: string): void {
    if (this.verbosity >= 1 && !this.json) this.#line(`INFO: ${text}`);
  }

  /** A `DEBUG: …` line (-V and above). */
  debug(text: string): void {
    if (this.verbosity >= 2 && !this.json) this.#line(`DEBUG: ${text}`);
  }

  /** A `WARNING: …` line (not when quiet); JSON: a `warning` event. */
  warn(text: string): void {
    if (this.json) this.event('warning', { message: text });
    else if (this.verbosity >= 1) this.#line(`WARNING: ${text}`);
  }

  /** The one-line error report `rtmpkit: <message>` — always shown; JSON: an `error` event. */
  error(text: string, fields: EventFields = {}): void {
    if (this.json) this.event('error', { message: text, ...fields });
    else this.#line(`rtmpkit: ${text}`);
  }

  /** Writes text as is (already terminated), on a fresh line after a status line — for the library's log. */
  raw(text: string): void {
    if (this.json) {
      for (const line of text.split('\n')) if (line !== '') this.event('log', { message: line });
      return;
    }
    this.endStatus();
    this.#sink.write(
      text
        .split('\n')
        .map((l) => this.#clean(l))
        .join('\n'),
    );
  }

  /** With `--json`: writes `{"event": name, ...fields}` as one line. Otherwise nothing. */
  event(name: string, fields: EventFields = {}): void {
    if (this.#json === undefined) return;
    this.#json.write(`${this.redact(safeJson({ event: name, ...fields }, undefined, 3))}\n`);
  }

  /** Ends a pending status line. */
  endStatus(): void {
    if (this.#needNewline) {
      this.#sink.write('\n');
      this.#needNewline = false;
    }
  }

  #clean(text: string): string {
    return escapeControl(this.redact(text));
  }

  #line(text: string): void {
    this.endStatus();
    this.#sink.write(`${this.#clean(text)}\n`);
  }
}

/** Options of `Progress`. */
export interface ProgressOptions {
  /** `-#`: one `#` per percent instead of the byte counter. */
  hashes?: boolean;
  /** Minimum ms between two progress lines on a terminal (rtmpdump: more than 200). */
  intervalMs?: number;
  /** Minimum ms between two plain lines when stderr is not a terminal (default 5000). */
  plainIntervalMs?: number;
  /** Minimum ms between two JSON `progress` events (default 1000). */
  jsonIntervalMs?: number;
  /** Clock in ms (injectable for tests). */
  now?: () => number;
}

/** `m:ss` or `h:mm:ss` for a number of seconds. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The numbers of one progress report (all rounded for printing and JSON). */
export interface ProgressFigures {
  /** Bytes in the output. */
  bytes: number;
  /** Media position, seconds (3 decimals). */
  seconds: number;
  /** The stream's duration, seconds (0 = unknown). */
  duration: number;
  /** Percent of the duration (rtmpdump's truncation; absent when the duration is unknown). */
  percent?: number;
  /** kB/s over this run (1 decimal). */
  rateKBps: number;
  /** Seconds since the transfer started (1 decimal). */
  elapsed: number;
  /** Estimated seconds left (whole; only when the duration is known and media has advanced). */
  eta?: number;
}

/** rtmpdump's progress reporting over a `Console`, aware of where the console goes. */
export class Progress {
  readonly #console: Console;
  readonly #hashes: boolean;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #startWall: number;
  readonly #startBytes: number;
  #startTs: number | undefined;
  #lastUpdate: number;
  #lastPercent = 0;

  constructor(console: Console, options: ProgressOptions = {}, startBytes = 0) {
    this.#console = console;
    this.#hashes = (options.hashes ?? false) && !console.json;
    this.#intervalMs = console.json
      ? (options.jsonIntervalMs ?? 1000)
      : console.tty
        ? (options.intervalMs ?? 200)
        : (options.plainIntervalMs ?? 5000);
    this.#now = options.now ?? (() => performance.now());
    this.#startWall = this.#now();
    this.#startBytes = startBytes;
    // rtmpdump prints the first update at once; plain lines start after one interval.
    this.#lastUpdate = console.tty || console.json ? this.#startWall - 1e9 : this.#startWall;
  }

  /** The figures for `bytes` written and media at `timestampMs` of `durationSec`. */
  figures(bytes: number, timestampMs: number, durationSec: number): ProgressFigures {
    this.#startTs ??= timestampMs;
    const elapsedMs = this.#now() - this.#startWall;
    const f: ProgressFigures = {
      bytes,
      seconds: round(timestampMs / 1000, 3),
      duration: durationSec > 0 ? round(durationSec, 3) : 0,
      rateKBps: elapsedMs > 0 ? round((bytes - this.#startBytes) / 1024 / (elapsedMs / 1000), 1) : 0,
      elapsed: round(elapsedMs / 1000, 1),
    };
    if (durationSec > 0) {
      f.percent = downloadPercent(timestampMs, durationSec);
      const advanced = timestampMs - this.#startTs;
      const left = durationSec * 1000 - timestampMs;
      if (elapsedMs >= 1000 && advanced > 0 && left > 0)
        f.eta = Math.round((left * elapsedMs) / advanced / 1000);
    }
    return f;
  }

  /** Reports the state after some data arrived (rate-limited). */
  update(bytes: number, timestampMs: number, durationSec: number): void {
    this.#startTs ??= timestampMs;
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
    if (this.#hashes) this.#console.status('#');
    else this.#report(bytes, timestampMs, durationSec, false);
  }

  /** The final report (always printed, except in hash mode — as rtmpdump). */
  final(bytes: number, timestampMs: number, durationSec: number): void {
    if (!this.#hashes) this.#report(bytes, timestampMs, durationSec, true);
  }

  #report(bytes: number, timestampMs: number, durationSec: number, final: boolean): void {
    const c = this.#console;
    if (c.json) {
      c.event('progress', { ...this.figures(bytes, timestampMs, durationSec), final });
      return;
    }
    const line = formatProgress(bytes, timestampMs, durationSec);
    if (c.tty) {
      // The final line is rtmpdump's exactly; the running one adds rate, time and ETA.
      c.status(final ? line : `${line}${formatRate(this.figures(bytes, timestampMs, durationSec))}`);
    } else {
      c.print(`${line.slice(1)}${formatRate(this.figures(bytes, timestampMs, durationSec))}`);
    }
  }
}

/** `  312.5 kB/s  0:04 elapsed  0:05 left` (the ETA only when known). */
export function formatRate(f: ProgressFigures): string {
  const eta = f.eta === undefined ? '' : `  ${formatClock(f.eta)} left`;
  return `  ${formatFixed(f.rateKBps, 1)} kB/s  ${formatClock(f.elapsed)} elapsed${eta}`;
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
