/**
 * A tiny table-driven getopt for the `rtmpkit` commands, with GNU `getopt_long`'s
 * semantics as rtmpdump 2.4 relies on them:
 * - short options cluster (`-vR`), and a short option's argument may be glued or
 *   separate (`-ofile`, `-o file`, `-vofile`);
 * - long options take `--opt=value` or `--opt value`, and may be abbreviated to any
 *   unambiguous prefix (`--pla` is ambiguous between `--playpath` and `--playlist`; an
 *   exact name always wins); names are case-sensitive (`--swfUrl` vs `--swfhash`);
 * - options and operands mix freely (the operands are collected in order); `--` ends the
 *   options; a lone `-` is an operand (stdin/stdout);
 * - an option may repeat: every occurrence is kept, in command-line order, because
 *   rtmpdump's meaning depends on it (`-C` accumulates, `-r` fills only what earlier
 *   flags left unset).
 *
 * `node:util` `parseArgs` cannot do this (no abbreviations, no ordered repeats across
 * different options, no `-ofile` for every option), hence this module.
 *
 * Invariant: `getopt` either returns every occurrence or throws `UsageError` naming
 * the offending argument; it never reads `process.argv` itself.
 */
import { UsageError } from './exit-codes.js';

/** One option a command accepts. */
export interface OptionSpec {
  /** Key the occurrences are reported under (e.g. `'rtmp'`). */
  readonly name: string;
  /** One-character short form, without the dash (e.g. `'r'`, `'#'`). */
  readonly short?: string;
  /** Long form(s), without the dashes (e.g. `'rtmp'`); the first is shown in help. */
  readonly long?: string | readonly string[];
  /** Present when the option takes an argument: the placeholder shown in help (e.g. `'URL'`). */
  readonly arg?: string;
  /** One line of help text. */
  readonly help: string;
  /** Leave the option out of `--help` (aliases, compatibility flags). */
  readonly hidden?: boolean;
}

/** One occurrence of an option on the command line. */
export interface OptionOccurrence {
  /** The spec's `name`. */
  readonly name: string;
  /** The argument, for options that take one. */
  readonly value: string | undefined;
  /** How the user wrote it (`-o`, `--flv`), for error messages. */
  readonly flag: string;
}

/** The result of `getopt`. */
export interface ParsedArgs {
  /** Every option occurrence, in command-line order. */
  readonly options: readonly OptionOccurrence[];
  /** The operands, in order. */
  readonly operands: readonly string[];
}

function longNames(spec: OptionSpec): readonly string[] {
  if (spec.long === undefined) return [];
  return typeof spec.long === 'string' ? [spec.long] : spec.long;
}

/** Finds the spec for `--name` (exact, else a unique prefix), or throws. */
function findLong(specs: readonly OptionSpec[], name: string): { spec: OptionSpec; long: string } {
  const matches: { spec: OptionSpec; long: string }[] = [];
  for (const spec of specs) {
    for (const long of longNames(spec)) {
      if (long === name) return { spec, long };
      if (long.startsWith(name)) matches.push({ spec, long });
    }
  }
  const distinct = new Set(matches.map((m) => m.spec));
  if (distinct.size === 1 && name !== '') return matches[0]!;
  if (distinct.size > 1) {
    throw new UsageError(
      `option '--${name}' is ambiguous; possibilities: ${matches.map((m) => `'--${m.long}'`).join(' ')}`,
    );
  }
  throw new UsageError(`unrecognized option '--${name}'`);
}

/**
 * Parses `argv` (without the program and command names) against `specs`.
 *
 * @throws UsageError for an unknown or ambiguous option, a missing argument, or an
 *   argument given to an option that takes none
 */
export function getopt(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const options: OptionOccurrence[] = [];
  const operands: string[] = [];
  const byShort = new Map<string, OptionSpec>();
  for (const s of specs) if (s.short !== undefined) byShort.set(s.short, s);

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const { spec, long } = findLong(specs, name);
      const flag = `--${long}`;
      if (spec.arg === undefined) {
        if (eq >= 0) throw new UsageError(`option '${flag}' doesn't allow an argument`);
        options.push({ name: spec.name, value: undefined, flag });
      } else if (eq >= 0) {
        options.push({ name: spec.name, value: arg.slice(eq + 1), flag });
      } else {
        if (i + 1 >= argv.length) throw new UsageError(`option '${flag}' requires an argument`);
        options.push({ name: spec.name, value: argv[++i]!, flag });
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j]!;
        const spec = byShort.get(c);
        if (spec === undefined) throw new UsageError(`invalid option -- '${c}'`);
        const flag = `-${c}`;
        if (spec.arg === undefined) {
          options.push({ name: spec.name, value: undefined, flag });
          continue;
        }
        if (j + 1 < arg.length) {
          options.push({ name: spec.name, value: arg.slice(j + 1), flag });
        } else {
          if (i + 1 >= argv.length) throw new UsageError(`option requires an argument -- '${c}'`);
          options.push({ name: spec.name, value: argv[++i]!, flag });
        }
        break;
      }
      continue;
    }
    operands.push(arg);
  }
  return { options, operands };
}

/** Whether the option `name` occurred at least once. */
export function has(parsed: ParsedArgs, name: string): boolean {
  return parsed.options.some((o) => o.name === name);
}

/** The last occurrence of `name` (later flags override earlier ones), if any. */
export function last(parsed: ParsedArgs, name: string): OptionOccurrence | undefined {
  for (let i = parsed.options.length - 1; i >= 0; i--) {
    if (parsed.options[i]!.name === name) return parsed.options[i];
  }
  return undefined;
}

/** The values of every occurrence of `name`, in order. */
export function all(parsed: ParsedArgs, name: string): string[] {
  return parsed.options.filter((o) => o.name === name && o.value !== undefined).map((o) => o.value!);
}

/** The `--help` table of `specs`: one `  -x, --long ARG   help` line per visible option. */
export function formatOptions(specs: readonly OptionSpec[]): string {
  const rows: [string, string][] = [];
  for (const s of specs) {
    if (s.hidden) continue;
    const long = longNames(s)[0];
    const names =
      s.short === undefined
        ? `    --${long ?? ''}`
        : long === undefined
          ? `-${s.short}`
          : `-${s.short}, --${long}`;
    rows.push([`${names}${s.arg !== undefined ? ` ${s.arg}` : ''}`, s.help]);
  }
  const width = Math.min(30, Math.max(...rows.map(([l]) => l.length)) + 2);
  return rows
    .map(([l, h]) =>
      l.length + 2 > width ? `  ${l}\n  ${' '.repeat(width)}${h}` : `  ${l.padEnd(width)}${h}`,
    )
    .join('\n');
}

/**
 * Parses a number argument the strict way (the whole text must be a number; rtmpdump's
 * `atoi`/`atof` would read `5s` as 5 and `x` as 0).
 *
 * @throws UsageError naming the flag
 */
export function numberArg(
  o: OptionOccurrence,
  what: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const text = (o.value ?? '').trim();
  const n = text === '' ? Number.NaN : Number(text);
  const kind = what.integer ? 'an integer' : 'a number';
  if (!Number.isFinite(n) || (what.integer && !Number.isInteger(n))) {
    throw new UsageError(`option '${o.flag}' needs ${kind}, got '${o.value ?? ''}'`);
  }
  if (what.min !== undefined && n < what.min) {
    throw new UsageError(`option '${o.flag}' must be at least ${what.min}, got ${text}`);
  }
  if (what.max !== undefined && n > what.max) {
    throw new UsageError(`option '${o.flag}' must be at most ${what.max}, got ${text}`);
  }
  return n;
}
