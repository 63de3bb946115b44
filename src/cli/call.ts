/**
 * `rtmpkit call URL METHOD [ARGS]` — connects, calls `METHOD` on the server with the
 * arguments given as JSON, and prints the result as JSON on stdout (AMF → JSON as in
 * amf-json.ts: dates ISO 8601, byte arrays base64). `ARGS` is a JSON array of the
 * arguments (`'[1, 2]'` calls `METHOD(1, 2)`); any other JSON value is the single
 * argument. `--full` prints the whole answer: the command object and every value.
 * The JSON is printed with control and bidi characters escaped (`\uHHHH`, still valid
 * JSON): the answer is the server's text. Tokens in the URL and options are masked in
 * messages unless `--show-keys`.
 *
 * Exit codes: 0 answered with `_result`; 1 answered with `_error` (the server's
 * description is reported), bad usage, no answer in time; 3 could not connect.
 */

import type { AmfValue } from '../amf/types.js';
import { RTMP } from '../client/rtmp.js';
import { amfToJson, jsonToAmf } from './amf-json.js';
import { formatOptions, getopt, has, last, numberArg, type OptionSpec } from './args.js';
import {
  applyConn,
  CONNECTION_OPTIONS,
  commandConsole,
  connectionOptions,
  connectOrFail,
  OUTPUT_OPTIONS,
  reportErrors,
  secretsOf,
  setupLibraryLog,
  VERBOSE_V,
  within,
  wrap,
} from './common.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { safeJson } from './terminal.js';

/** Options of `rtmpkit call`. */
export const CALL_OPTIONS: readonly OptionSpec[] = [
  { name: 'full', long: 'full', help: 'Print the whole answer: {"commandObject": …, "values": […]}' },
  { name: 'compact', long: 'compact', help: 'Print JSON on one line' },
  {
    name: 'wait',
    long: 'wait',
    arg: 'SEC',
    help: 'Seconds to wait for the answer (default: the --timeout, 30)',
  },
  ...CONNECTION_OPTIONS,
  ...OUTPUT_OPTIONS,
  VERBOSE_V,
];

/** The help text of `rtmpkit call`. */
export function callHelp(): string {
  return `Usage: rtmpkit call [options] URL METHOD [ARGS]

Connects to URL (rtmp://host/app), calls METHOD and prints the result as JSON.
ARGS is a JSON array of the arguments ('[1, 2]' calls METHOD(1, 2)); any other
JSON value is one argument. JSON objects are sent as AMF objects.

${formatOptions(CALL_OPTIONS)}

Examples:
  rtmpkit call rtmp://localhost/app getStreamLength '["mystream"]'
  rtmpkit call rtmp://localhost/app MyMath.MyAdd '[1, 2]'

Exit codes: 0 result, 1 _error from the server, no answer within --wait, or bad usage,
3 could not connect.
`;
}

/**
 * Parses the ARGS operand: a JSON array is the argument list, another JSON value is one
 * argument, nothing is no arguments.
 *
 * @throws UsageError for text that is not JSON
 */
export function parseCallArgs(text: string | undefined): AmfValue[] {
  if (text === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`ARGS must be JSON, e.g. '[1, "two", {"three": 3}]': ${(err as Error).message}`);
  }
  return Array.isArray(value) ? value.map(jsonToAmf) : [jsonToAmf(value)];
}

/** Runs `rtmpkit call ARGS`; resolves with the exit code. */
export async function callCommand(argv: readonly string[]): Promise<ExitCode> {
  const parsed = getopt(argv, CALL_OPTIONS);
  if (has(parsed, 'help')) {
    process.stdout.write(callHelp());
    return ExitCode.SUCCESS;
  }
  const [url, method, argsText, ...extra] = parsed.operands;
  if (url === undefined || method === undefined) throw new UsageError('call needs a URL and a METHOD');
  if (extra.length > 0) {
    throw new UsageError(
      `unexpected argument '${extra[0]}': give the arguments as one JSON array, e.g. '[1, 2]'`,
    );
  }
  const args = parseCallArgs(argsText);
  const out = commandConsole(parsed, secretsOf(parsed).addUrl(url, false));
  return reportErrors('call', out, async () => {
    setupLibraryLog(out.verbosity, out);
    const { options, conn: connItems } = connectionOptions(parsed);
    const waitOpt = last(parsed, 'wait');
    const wait = waitOpt === undefined ? (options.timeout ?? 30) : numberArg(waitOpt, { min: 0 });
    let conn: RTMP;
    try {
      conn = new RTMP(url, options);
    } catch (err) {
      throw wrap(err, ExitCode.FAILED);
    }
    applyConn(conn, connItems);
    try {
      const info = await connectOrFail(conn);
      out.debug(`connected: ${JSON.stringify(amfToJson(info))}`);
      const call = conn.call(method, ...args);
      let printed: unknown;
      try {
        const answer = await call.answer(wait > 0 ? { timeout: wait } : {});
        printed = has(parsed, 'full')
          ? { commandObject: amfToJson(answer.commandObject), values: amfToJson(answer.values) }
          : amfToJson(answer.values.length > 0 ? answer.values[0] : null);
      } catch (err) {
        throw wrap(err, ExitCode.FAILED);
      }
      process.stdout.write(`${safeJson(printed, has(parsed, 'compact') ? undefined : 2)}\n`);
      return ExitCode.SUCCESS;
    } finally {
      await within(conn.close(), 2000);
    }
  });
}
