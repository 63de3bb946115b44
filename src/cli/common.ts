/**
 * What every `rtmpkit` command shares: the connection flags (rtmpdump's names and
 * letters, so `-a`, `-y`, `-C`, `-m`… mean the same in `dump`, `publish`, `call` and
 * `probe`), verbosity and library logging, Ctrl-C handling, and connecting with the
 * right exit code for each failure (see exit-codes.ts).
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import type { RTMPOptions } from '../client/options.js';
import type { RTMP } from '../client/rtmp.js';
import { RTMPError } from '../errors.js';
import { LogLevel, setLogLevel, setLogOutput } from '../log.js';
import type { StatusInfo } from '../session/status.js';
import type { TlsOptions } from '../transport/tls.js';
import { all, last, numberArg, type OptionSpec, type ParsedArgs } from './args.js';
import { CliError, describeError, ExitCode, errorFields, exitCodeFor, UsageError } from './exit-codes.js';
import { Console, type TextSink, type Verbosity } from './progress.js';
import { Secrets } from './terminal.js';

/** `--show-keys`: print stream keys and tokens instead of masking them. */
export const SHOW_KEYS_OPTION: OptionSpec = {
  name: 'showKeys',
  long: 'show-keys',
  help: 'Print stream keys and tokens in messages (masked by default)',
};

/** `--json`: NDJSON events instead of human-readable lines. */
export const JSON_OPTION: OptionSpec = {
  name: 'json',
  long: 'json',
  help: 'NDJSON on stdout: one JSON object per event or progress report',
};

/** `-h`, `-q`, `-V`, `-z`: help and verbosity (rtmpdump's letters). */
export const OUTPUT_OPTIONS: readonly OptionSpec[] = [
  { name: 'help', short: 'h', long: 'help', help: 'Print this help and exit' },
  { name: 'quiet', short: 'q', long: 'quiet', help: 'No progress or messages (errors are still reported)' },
  { name: 'verbose', short: 'V', long: 'verbose', help: 'Verbose output (library debug log on stderr)' },
  { name: 'debug', short: 'z', long: 'debug', help: 'Debug output (everything the library logs)' },
  SHOW_KEYS_OPTION,
];

/**
 * TLS flags for rtmps:// (rtmpkit's; rtmpdump has none and never verifies certificates —
 * rtmpkit verifies by default, as Node does).
 */
export const TLS_OPTIONS: readonly OptionSpec[] = [
  { name: 'tlsCa', long: 'tls-ca', arg: 'FILE', help: 'rtmps: trust the CA certificate(s) in this PEM file' },
  {
    name: 'tlsInsecure',
    long: 'tls-insecure',
    help: 'rtmps: do not verify the server certificate (what rtmpdump does)',
  },
];

/**
 * TLS options from `--tls-ca` / `--tls-insecure`, or undefined when none was given.
 *
 * @throws CliError when the CA file cannot be read
 */
export function tlsOptions(parsed: ParsedArgs): TlsOptions | undefined {
  const ca = last(parsed, 'tlsCa')?.value;
  const insecure = parsed.options.some((o) => o.name === 'tlsInsecure');
  if (ca === undefined && !insecure) return undefined;
  const tls: TlsOptions = {};
  if (ca !== undefined) {
    try {
      tls.ca = readFileSync(ca);
    } catch (err) {
      throw new CliError(`--tls-ca ${ca}: ${(err as Error).message}`);
    }
  }
  if (insecure) tls.rejectUnauthorized = false;
  return tls;
}

/** `--proxy URL`: any proxy for any scheme (rtmpkit's; rtmpdump's `-S` is SOCKS4 only). */
export const PROXY_OPTION: OptionSpec = {
  name: 'proxy',
  long: 'proxy',
  arg: 'URL',
  help: 'Connect through a proxy: socks5://[user:pass@]host[:port], socks4a://…, socks4://…, http://[user:pass@]host[:port]',
};

/** `--pubUser`/`--pubPasswd`: publisher authentication (adobe/llnw), also from `rtmp://user:pass@host/…`. */
export const CREDENTIAL_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'pubUser',
    long: 'pubUser',
    arg: 'USER',
    help: 'User name for publisher authentication (authmod=adobe/llnw; or rtmp://user:pass@host/…)',
  },
  { name: 'pubPasswd', long: 'pubPasswd', arg: 'PASS', help: 'Password for publisher authentication' },
];

/** `-v` as another spelling of `-V`, for the commands where it does not mean `--live`. */
export const VERBOSE_V: OptionSpec = { name: 'verbose', short: 'v', help: 'Same as -V', hidden: true };

/** Connection flags shared by publish, call and probe (same letters as rtmpdump). */
export const CONNECTION_OPTIONS: readonly OptionSpec[] = [
  { name: 'app', short: 'a', long: 'app', arg: 'APP', help: 'Application name (overrides the URL)' },
  { name: 'playpath', short: 'y', long: 'playpath', arg: 'PATH', help: 'Stream name (overrides the URL)' },
  {
    name: 'tcUrl',
    short: 't',
    long: 'tcUrl',
    arg: 'URL',
    help: 'tcUrl sent in connect (default from the URL)',
  },
  { name: 'pageUrl', short: 'p', long: 'pageUrl', arg: 'URL', help: 'Web page URL sent in connect' },
  { name: 'swfUrl', short: 's', long: 'swfUrl', arg: 'URL', help: 'SWF URL sent in connect' },
  {
    name: 'swfVfy',
    short: 'W',
    long: 'swfVfy',
    arg: 'URL',
    help: 'SWF verification: swfUrl, hash and size fetched from it (cached in ~/.swfinfo)',
  },
  {
    name: 'swfAge',
    short: 'X',
    long: 'swfAge',
    arg: 'DAYS',
    help: 'Days to use the cached SWF hash (default 30)',
  },
  {
    name: 'flashVer',
    short: 'f',
    long: 'flashVer',
    arg: 'STR',
    help: 'Flash version string sent in connect',
  },
  { name: 'auth', short: 'u', long: 'auth', arg: 'STR', help: 'Authentication string appended to connect' },
  {
    name: 'conn',
    short: 'C',
    long: 'conn',
    arg: 'TYPE:DATA',
    help: 'AMF value appended to connect (B:1 S:str N:1.5 Z: O:1 NS:name:str … O:0); repeatable',
  },
  { name: 'socks', short: 'S', long: 'socks', arg: 'HOST:PORT', help: 'Connect through this SOCKS4 proxy' },
  PROXY_OPTION,
  { name: 'token', short: 'T', long: 'token', arg: 'KEY', help: 'Key for the SecureToken response' },
  {
    name: 'timeout',
    short: 'm',
    long: 'timeout',
    arg: 'SEC',
    help: 'Give up after SEC seconds without data (default 30)',
  },
  ...CREDENTIAL_OPTIONS,
  ...TLS_OPTIONS,
];

/** The verbosity the flags ask for: `-q` 0, default 1, `-V` 2, `-z` 3 (the last one wins). */
export function verbosityOf(parsed: ParsedArgs): Verbosity {
  let v: Verbosity = 1;
  for (const o of parsed.options) {
    if (o.name === 'quiet') v = 0;
    else if (o.name === 'verbose') v = 2;
    else if (o.name === 'debug') v = 3;
  }
  return v;
}

/**
 * Routes the library's log through `console` (so it never lands in the middle of a
 * progress line, and is redacted and escaped like everything else) at the level
 * `verbosity` asks for: quiet nothing, normal warnings, `-V` debug, `-z` everything.
 * At normal verbosity the library's ERROR lines are left out: each comes with the
 * failure the command reports as its one error line. `NODE_DEBUG=rtmp*` works regardless.
 */
export function setupLibraryLog(verbosity: Verbosity, console: Console): void {
  if (verbosity === 0) {
    setLogOutput(null);
    return;
  }
  setLogOutput({
    write: (text: string) => {
      if (verbosity === 1 && /^(ERROR|CRIT): /.test(text)) return;
      console.raw(text);
    },
  });
  setLogLevel(verbosity === 1 ? LogLevel.WARNING : verbosity === 2 ? LogLevel.DEBUG : LogLevel.ALL);
}

/**
 * The console of a command: stderr for people (terminal-aware), `--json` NDJSON on
 * `jsonSink` (stdout unless the command's data goes there), secrets masked unless
 * `--show-keys`.
 */
export function commandConsole(
  parsed: ParsedArgs,
  secrets: Secrets,
  jsonSink: TextSink = process.stdout,
): Console {
  const json = parsed.options.some((o) => o.name === 'json');
  return new Console(process.stderr, verbosityOf(parsed), {
    secrets,
    ...(json ? { json: jsonSink } : {}),
  });
}

/** The secrets of a command line: masking is on unless `--show-keys`. */
export function secretsOf(parsed: ParsedArgs): Secrets {
  const secrets = new Secrets(!parsed.options.some((o) => o.name === 'showKeys'));
  for (const o of parsed.options) {
    if (['token', 'auth', 'pubUser', 'jtv', 'swfhash'].includes(o.name)) secrets.add(o.value);
    if (o.name === 'pubPasswd') secrets.addPassword(o.value);
    if (o.name === 'conn' && o.value !== undefined) secrets.addUrl(`x:// conn=${o.value}`, false);
    if (o.name === 'proxy' && o.value !== undefined) secrets.addUrl(o.value, false);
  }
  return secrets;
}

/**
 * Runs a command's `body` and reports an error it throws exactly once, on `out` (the
 * one `rtmpkit: …` line, or a JSON `error` event), redacted; returns the exit code.
 */
export async function reportErrors(
  command: string,
  out: Console,
  body: () => Promise<ExitCode>,
): Promise<ExitCode> {
  try {
    return await body();
  } catch (err) {
    const exitCode = exitCodeFor(err, 'setup');
    out.endStatus();
    out.error(describeError(err), { exitCode, ...errorFields(err) });
    if (err instanceof UsageError && !out.json) {
      out.print(`Try 'rtmpkit ${command} --help' for more information.`);
    }
    return exitCode;
  }
}

/**
 * Constructor options of `RTMP` from the shared connection flags (later flags win;
 * `-C` items are returned separately, to be applied in order with `setOption('conn')`).
 */
export function connectionOptions(parsed: ParsedArgs): { options: RTMPOptions; conn: string[] } {
  // The tools handle every E-RTMP codec and track, so they say so in connect (servers
  // that predate E-RTMP ignore the extra properties; E-RTMP servers refuse legacy players
  // codecs they cannot decode), and they follow a ReconnectRequest (capsEx Reconnect).
  const options: RTMPOptions = { enhanced: true, followReconnect: true };
  const str = (name: string): string | undefined => last(parsed, name)?.value;
  const set = <K extends keyof RTMPOptions>(key: K, value: RTMPOptions[K] | undefined): void => {
    if (value !== undefined) options[key] = value;
  };
  set('app', str('app'));
  set('playpath', str('playpath'));
  set('tcUrl', str('tcUrl'));
  set('pageUrl', str('pageUrl'));
  set('swfUrl', str('swfUrl'));
  const swfVfy = str('swfVfy');
  if (swfVfy !== undefined) {
    options.swfUrl = swfVfy;
    options.swfVfy = true;
  }
  const swfAge = last(parsed, 'swfAge');
  if (swfAge !== undefined) options.swfAge = numberArg(swfAge, { integer: true, min: 0 });
  set('flashVer', str('flashVer'));
  set('auth', str('auth'));
  set('socks', str('socks'));
  set('proxy', str('proxy'));
  set('token', str('token'));
  set('pubUser', str('pubUser'));
  set('pubPasswd', str('pubPasswd'));
  const timeout = last(parsed, 'timeout');
  if (timeout !== undefined) options.timeout = numberArg(timeout, { min: 0 });
  const tls = tlsOptions(parsed);
  if (tls !== undefined) options.tls = tls;
  return { options, conn: all(parsed, 'conn') };
}

/**
 * Applies `-C` items to a client, in order (they accumulate, objects nest).
 *
 * @throws UsageError naming the item, like rtmpdump's "Invalid AMF parameter"
 */
export function applyConn(conn: RTMP, items: readonly string[]): void {
  for (const item of items) {
    try {
      conn.setOption('conn', item);
    } catch (err) {
      throw new UsageError(`invalid AMF parameter for --conn: ${item} (${(err as Error).message})`);
    }
  }
}

/**
 * Connects `conn` and maps a failure to its exit code: the TCP connection or the
 * handshake failing → 3 (rtmpdump's `RTMP_Connect`); the server refusing `connect` or
 * closing the connection after the handshake → 1; bad options → 1.
 *
 * @throws CliError carrying that exit code and the original error as cause
 */
export async function connectOrFail(conn: RTMP, signal?: AbortSignal): Promise<StatusInfo> {
  // A completed handshake is what separates rtmpdump's exit code 3 from 1.
  let handshakeDone = false;
  const onHandshake = (): void => {
    handshakeDone = true;
  };
  conn.once('handshake', onHandshake);
  try {
    return await conn.connect(undefined, signal === undefined ? {} : { signal });
  } catch (err) {
    // -W: the SWF could not be fetched or hashed — a setup failure (exit 1), not a connection one.
    if (err instanceof RTMPError && err.code.startsWith('ERR_SWF_')) {
      throw new CliError(`SWF verification failed: ${err.message}`, ExitCode.FAILED, { cause: err });
    }
    const code = exitCodeFor(err, handshakeDone ? 'session' : 'connect');
    if (err instanceof Error && /certificate/i.test(err.message)) {
      throw new CliError(
        `${err.message} (trust its CA with --tls-ca FILE, or skip the check with --tls-insecure)`,
        code,
        {
          cause: err,
        },
      );
    }
    throw wrap(err, code);
  } finally {
    conn.off('handshake', onHandshake);
  }
}

/** A CliError with `code` whose message describes `err` (kept as the cause). */
export function wrap(err: unknown, code: ExitCode, prefix = ''): CliError {
  if (err instanceof CliError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CliError(`${prefix}${message}`, code, { cause: err });
}

/** Signal numbers for rtmpdump's "Caught signal: N" line. */
export function signalNumber(sig: NodeJS.Signals): number {
  return (constants.signals as Record<string, number>)[sig] ?? 0;
}

/**
 * Ctrl-C (and SIGTERM/SIGHUP) handling: the first signal calls `onSignal` and aborts
 * `signal`, so the command can stop cleanly (close the file at a tag boundary, close the
 * stream); a second one exits at once with `forceCode`.
 */
export class Interrupts {
  readonly #controller = new AbortController();
  readonly #onSignal: (sig: NodeJS.Signals) => void;
  readonly #forceCode: number;
  readonly #handler = (sig: NodeJS.Signals): void => this.#handle(sig);
  #caught: NodeJS.Signals | undefined;
  #installed = false;

  constructor(onSignal: (sig: NodeJS.Signals) => void, forceCode: number) {
    this.#onSignal = onSignal;
    this.#forceCode = forceCode;
  }

  /** Aborted at the first signal (or by `trigger`). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** The signal caught, if any. */
  get caught(): NodeJS.Signals | undefined {
    return this.#caught;
  }

  /** Starts listening for SIGINT, SIGTERM and SIGHUP. */
  install(): this {
    if (!this.#installed) {
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, this.#handler);
      this.#installed = true;
    }
    return this;
  }

  /** Stops listening (the default signal behaviour returns). */
  uninstall(): void {
    if (!this.#installed) return;
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, this.#handler);
    this.#installed = false;
  }

  /** Aborts as a signal would, without one (e.g. stdout closed). */
  trigger(reason: string): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(new CliError(reason));
  }

  #handle(sig: NodeJS.Signals): void {
    if (this.#caught !== undefined) {
      process.exit(this.#forceCode);
    }
    this.#caught = sig;
    this.#onSignal(sig);
    if (!this.#controller.signal.aborted) this.#controller.abort(new CliError(`interrupted by ${sig}`));
  }
}

/** Resolves with `p`, or with `undefined` after `ms` (cleanup that must not hang the exit). */
export async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<undefined>((res) => {
    timer = setTimeout(() => res(undefined), ms);
  });
  try {
    return await Promise.race([p.catch(() => undefined), t]);
  } finally {
    clearTimeout(timer);
  }
}
