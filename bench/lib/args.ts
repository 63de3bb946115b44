/**
 * The command line of `npm run bench -- [options]`, parsed without side effects so
 * the unit test can pin it. Unknown options and bad values are usage errors (thrown
 * as plain Errors; the runner prints them with the help text and exits 1).
 */
import { parseArgs } from 'node:util';

/** The runner's options. */
export interface BenchOptions {
  /** Runs per side, alternating (default 3). */
  runs: number;
  /** Small media and few clients, for development. */
  quick: boolean;
  /** Also write the table as JSON to this file. */
  json: string | undefined;
  /** Scenario ids to run (empty: all). */
  only: string[];
  help: boolean;
}

/** The help text; `ids` are the scenario ids. */
export function usage(ids: readonly string[]): string {
  return `Usage: npm run bench -- [--quick] [--runs N] [--only ID,…] [--json FILE]

Runs every scenario of the performance issue side by side with its peer (rtmpdump,
ffmpeg, nginx-rtmp, stunnel) and prints one table: rtmpkit's figure, the peer's, the
ratio and the goal. Peers are started on free loopback ports and stopped afterwards;
media are made once with ffmpeg under /tmp/rtmpkit-bench-media.

  --quick       small media (≈25/50 MB), 20 players, 500 idle clients: for development
  --runs N      runs per side, alternating A B A B (default 3); medians are reported
  --only IDS    comma-separated scenario ids: ${ids.join(', ')}
  --json FILE   also write the table (and the machine) as JSON to FILE
  -h, --help    this text
`;
}

/** Parses `argv` (without node and the script). Throws on bad usage. */
export function parseBenchArgs(argv: readonly string[], ids: readonly string[]): BenchOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: {
      runs: { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new Error(`unexpected argument '${positionals[0]}'`);
  const runs = values.runs === undefined ? 3 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
    throw new Error(`--runs must be an integer from 1 to 100, got '${values.runs}'`);
  }
  const only = values.only === undefined ? [] : values.only.split(',').filter((s) => s !== '');
  const unknown = only.filter((id) => !ids.includes(id));
  if (unknown.length > 0) throw new Error(`unknown scenario '${unknown[0]}' (ids: ${ids.join(', ')})`);
  if (values.json === '') throw new Error('--json needs a file name');
  return { runs, quick: values.quick, json: values.json, only, help: values.help };
}
