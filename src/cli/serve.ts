/**
 * `rtmpkit serve` — runs the embedded RTMP server (src/server) until Ctrl-C: live relay
 * on any app (publish to rtmp://HOST:PORT/live/NAME, play the same URL) and FLV files as
 * VOD from `--vod DIR` in the `vod` app, plus a built-in 10-second test stream
 * (`rtmp://HOST:PORT/vod/test`, H.264 + AAC, no files needed), and the demo
 * remote methods of demo-rpc.ts (`MyMath.MyAdd`, `echo`, `callClient`). `--record DIR`
 * records every publish, `--push URL` restreams, `--keys FILE` checks stream keys,
 * `--auth adobe|llnw --users FILE` makes publishers authenticate, `--http-port` serves
 * /stats, a status page, HTTP-FLV and RTMPT. RTMPE (rtmpe://, and rtmpte:// on the HTTP
 * port) is accepted alongside plain RTMP. Logs connections, publishers
 * and players on stderr — stream names of live streams are stream keys, so they are
 * masked unless `--show-keys` — or, with `--json`, NDJSON events on stdout. Loopback only
 * unless `--host` says otherwise.
 *
 * Exit codes: 0 stopped with Ctrl-C; 1 bad usage or the port cannot be bound (reported once).
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RTMPUsageError } from '../errors.js';
import { type PushTarget, resolvePushTarget } from '../server/push.js';
import { createServer, type RTMPServer } from '../server/server.js';
import { makeTestFlv } from '../server/test-media.js';
import {
  all,
  formatOptions,
  getopt,
  has,
  last,
  numberArg,
  type OptionSpec,
  type ParsedArgs,
} from './args.js';
import {
  commandConsole,
  JSON_OPTION,
  OUTPUT_OPTIONS,
  reportErrors,
  secretsOf,
  setupLibraryLog,
  VERBOSE_V,
} from './common.js';
import { DEMO_METHODS, demoCall } from './demo-rpc.js';
import { CliError, ExitCode, errorFields, UsageError } from './exit-codes.js';
import type { Console } from './progress.js';
import { LIMIT_OPTIONS, limitMessage, limitOptions } from './serve-limits.js';
import { maskSecret } from './terminal.js';

/** Options of `rtmpkit serve`. */
export const SERVE_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'host',
    long: 'host',
    arg: 'ADDR',
    help: 'Interface to listen on (default 127.0.0.1; 0.0.0.0 for all)',
  },
  { name: 'port', long: 'port', arg: 'PORT', help: 'TCP port (default 1935; 0 picks a free one)' },
  {
    name: 'vod',
    long: 'vod',
    arg: 'DIR',
    help: 'Serve the FLV files of DIR in the vod app (rtmp://…/vod/NAME)',
  },
  { name: 'noTestMedia', long: 'no-test-media', help: 'Do not serve the built-in test stream vod/test' },
  {
    name: 'record',
    long: 'record',
    arg: 'DIR',
    help: 'Record every published stream to DIR/<app>/<name>-<UTC time>.flv',
  },
  {
    name: 'push',
    long: 'push',
    arg: '[APP[/NAME]=]URL',
    help: 'Restream published streams (only APP[/NAME] when given) to URL; repeatable',
  },
  {
    name: 'keys',
    long: 'keys',
    arg: 'FILE',
    help: 'Allow publishing only the stream keys in FILE (app/name or key per line, # comments)',
  },
  {
    name: 'auth',
    long: 'auth',
    arg: 'adobe|llnw',
    help: 'Publishers must authenticate with this scheme (needs --users)',
  },
  {
    name: 'users',
    long: 'users',
    arg: 'FILE',
    help: 'Publisher accounts for --auth: user:password per line (# comments), read at each login',
  },
  {
    name: 'httpPort',
    long: 'http-port',
    arg: 'PORT',
    help: 'HTTP port for /stats (JSON), a status page at /, HTTP-FLV /<app>/<name>.flv and RTMPT (0 = free)',
  },
  {
    name: 'noDemoRpc',
    long: 'no-demo-rpc',
    help: `Do not answer the demo methods (${DEMO_METHODS.join(', ')})`,
  },
  JSON_OPTION,
  ...OUTPUT_OPTIONS,
  VERBOSE_V,
  ...LIMIT_OPTIONS,
];

/** The help text of `rtmpkit serve`. */
export function serveHelp(): string {
  return `Usage: rtmpkit serve [--host 127.0.0.1] [--port 1935] [--vod DIR] [--record DIR]
                     [--push [APP[/NAME]=]URL]... [--keys FILE] [--http-port PORT]
                     [--auth adobe|llnw --users FILE] [LIMIT FLAGS]

Runs the embedded RTMP server until Ctrl-C: publish to and play from
rtmp://HOST:PORT/<app>/<name> (live relay), play FLV files of DIR as
rtmp://HOST:PORT/vod/<file>, and the built-in test stream rtmp://HOST:PORT/vod/test.
RTMPE clients (rtmpe://HOST:PORT/…) are accepted on the same port; with --http-port,
rtmpt:// and rtmpte:// clients connect to the HTTP port.
Meant for tests and demos, not as a production media server.

Demo remote methods (any app), for 'rtmpkit call' and the examples:
  MyMath.MyAdd(a, b)          returns a + b
  echo(...args)               returns the arguments as an array
  callClient(method, ...args) calls method on the calling client, returns its answer
Other calls get _error NetConnection.Call.Failed.

Live stream names are stream keys: the log masks them unless --show-keys.
--json prints NDJSON events on stdout instead (listening, connect, publish, play,
call, stop, unpublish, disconnect, clientError, recordStart, recordStop, pushStart,
pushError, stopping).

${formatOptions(SERVE_OPTIONS.filter((o) => !LIMIT_OPTIONS.includes(o)))}

Server limits (a client over one is refused or cut off, logged once per address and
kind per --log-interval; README "Server limits"). BYTES take K, M or G (×1024):
${formatOptions(LIMIT_OPTIONS)}

Examples:
  rtmpkit serve --port 1935 --vod ./media
  rtmpkit publish rtmp://127.0.0.1/live/x movie.flv   # in another terminal
  rtmpkit dump -v -r rtmp://127.0.0.1/live/x -o x.flv
  rtmpkit call rtmp://127.0.0.1/app MyMath.MyAdd '[1, 2]'
  rtmpkit serve --record ./rec --http-port 8080        # then open http://127.0.0.1:8080/
  rtmpkit serve --push rtmp://backup.example/live --push live/cam=rtmp://cdn.example/in/KEY
  rtmpkit serve --auth adobe --users ./users.txt       # ffmpeg … rtmp://user:pass@127.0.0.1/live/x
  rtmpkit serve --host 0.0.0.0 --max-connections 500 --max-per-address 4 --max-output-buffer 64M
  ffplay http://127.0.0.1:8080/live/x.flv               # HTTP-FLV of a live stream
`;
}

/** `--push [APP[/NAME]=]URL` → a push target. */
export function pushArg(value: string): PushTarget {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return { url: value };
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`--push ${value}: expected URL or APP[/NAME]=URL`);
  const sel = value.slice(0, eq);
  const url = value.slice(eq + 1);
  const slash = sel.indexOf('/');
  const app = slash < 0 ? sel : sel.slice(0, slash);
  const name = slash < 0 ? undefined : sel.slice(slash + 1);
  if (app === '' || name === '') throw new UsageError(`--push ${value}: expected APP or APP/NAME before '='`);
  return name === undefined ? { url, app } : { url, app, name };
}

/** `--users FILE` lines (`user:password`, `#` comments) → the password of `user`, or undefined. */
export function findPassword(text: string, user: string): string | undefined {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon) === user) return line.slice(colon + 1);
  }
  return undefined;
}

/** `--auth MODE --users FILE` → the server's `auth` option (the file is read at each login). */
function authOption(
  parsed: ParsedArgs,
): { mode: 'adobe' | 'llnw'; lookup(user: string): Promise<string | undefined> } | undefined {
  const mode = last(parsed, 'auth')?.value;
  const users = last(parsed, 'users')?.value;
  if (mode === undefined && users === undefined) return undefined;
  if (mode !== 'adobe' && mode !== 'llnw')
    throw new UsageError(`--auth takes adobe or llnw, got '${mode ?? ''}'`);
  if (users === undefined) throw new UsageError('--auth needs --users FILE (user:password per line)');
  const file = resolve(users);
  try {
    statSync(file);
  } catch (err) {
    throw new CliError(`--users ${users}: ${(err as Error).message}`);
  }
  return { mode, lookup: async (user) => findPassword(await readFile(file, 'utf8'), user) };
}

/** The directory of a `--record`/`--vod` flag: it must exist (`--record` creates it when missing). */
function directoryArg(flag: string, value: string, create: boolean): string {
  const dir = resolve(value);
  try {
    if (statSync(dir).isDirectory()) return dir;
  } catch (err) {
    if (create && (err as NodeJS.ErrnoException).code === 'ENOENT') return dir;
  }
  throw new CliError(`${flag} ${value}: not a directory`);
}

function time(): string {
  return new Date().toISOString().slice(11, 19);
}

/** Runs `rtmpkit serve ARGS` until a signal; resolves with the exit code. */
export async function serveCommand(argv: readonly string[]): Promise<ExitCode> {
  const parsed = getopt(argv, SERVE_OPTIONS);
  if (has(parsed, 'help')) {
    process.stdout.write(serveHelp());
    return ExitCode.SUCCESS;
  }
  const out = commandConsole(parsed, secretsOf(parsed));
  return reportErrors('serve', out, () => serve(parsed, out));
}

async function serve(parsed: ParsedArgs, out: Console): Promise<ExitCode> {
  if (parsed.operands.length > 0) throw new UsageError(`unexpected argument '${parsed.operands[0]}'`);
  setupLibraryLog(out.verbosity, out);
  const showKeys = has(parsed, 'showKeys');
  const host = last(parsed, 'host')?.value ?? '127.0.0.1';
  const portOpt = last(parsed, 'port');
  const port = portOpt === undefined ? 1935 : numberArg(portOpt, { integer: true, min: 0, max: 65535 });
  const vodOpt = last(parsed, 'vod')?.value;
  const vodDir = vodOpt === undefined ? undefined : directoryArg('--vod', vodOpt, false);
  const recordOpt = last(parsed, 'record')?.value;
  const recordDir = recordOpt === undefined ? undefined : directoryArg('--record', recordOpt, true);
  const push = all(parsed, 'push').map(pushArg);
  const keysFile = last(parsed, 'keys')?.value;
  const httpOpt = last(parsed, 'httpPort');
  const httpPort =
    httpOpt === undefined ? undefined : numberArg(httpOpt, { integer: true, min: 0, max: 65535 });
  const testMedia = !has(parsed, 'noTestMedia');
  const auth = authOption(parsed);
  const limits = limitOptions(parsed);
  let server: RTMPServer;
  try {
    server = createServer({
      ...limits,
      ...(vodDir === undefined ? {} : { vodDir }),
      ...(testMedia ? { vodFiles: { test: makeTestFlv(10) } } : {}),
      ...(has(parsed, 'noDemoRpc') ? {} : { onCall: demoCall }),
      ...(recordDir === undefined ? {} : { record: recordDir }),
      ...(push.length === 0 ? {} : { push }),
      ...(keysFile === undefined ? {} : { keysFile }),
      ...(auth === undefined ? {} : { auth }),
    });
  } catch (err) {
    // The library names the option (push URL, keysFile…); say it as a usage error.
    if (err instanceof RTMPUsageError)
      throw new UsageError(limitMessage(err.message.replace(/^keysFile /, '--keys ')));
    throw err;
  }
  const log = (text: string): void => out.print(`[${time()}] ${text}`);
  const who = (c: {
    id: number;
    remoteAddress: string | undefined;
    remotePort: number | undefined;
  }): string => `#${c.id} ${c.remoteAddress ?? '?'}:${c.remotePort ?? '?'}`;
  const client = (c: { id: number; remoteAddress: string | undefined; remotePort: number | undefined }) => ({
    client: c.id,
    address: c.remoteAddress ?? null,
    port: c.remotePort ?? null,
  });
  // A live stream's name is its stream key (publishers and players use the same one).
  const name = (r: { name: string; kind?: string }): string =>
    showKeys || r.kind === 'vod' ? r.name : maskSecret(r.name);
  const stream = (r: { app: string; name: string; kind?: string }): string => `${r.app}/${name(r)}`;
  const event = (e: string, fields: Record<string, unknown>): void =>
    out.event(e, { time: new Date().toISOString(), ...fields });
  server.on('connect', (c) => {
    const how = `${c.encrypted ? ' (RTMPE)' : ''}${c.user === undefined ? '' : ` as ${c.user}`}`;
    log(`${who(c)} connected to app '${c.app ?? ''}'${how}`);
    event('connect', { ...client(c), app: c.app ?? '', encrypted: c.encrypted, user: c.user ?? null });
  });
  server.on('publish', (r) => {
    log(`${who(r.client)} publishes ${stream(r)} (${r.type})`);
    event('publish', { ...client(r.client), app: r.app, name: name(r), type: r.type });
  });
  server.on('unpublish', (r) => {
    log(`${who(r.client)} stopped publishing ${stream(r)}`);
    event('unpublish', { ...client(r.client), app: r.app, name: name(r) });
  });
  server.on('play', (r) => {
    log(`${who(r.client)} plays ${stream(r)} (${r.kind})`);
    event('play', { ...client(r.client), app: r.app, name: name(r), kind: r.kind });
  });
  server.on('stop', (r) => {
    log(`${who(r.client)} stopped playing ${stream(r)}`);
    event('stop', { ...client(r.client), app: r.app, name: name(r) });
  });
  server.on('call', (r) => {
    if (out.verbosity >= 2) log(`${who(r.client)} calls ${r.name}`);
    event('call', { ...client(r.client), method: r.name });
  });
  server.on('disconnect', (c) => {
    log(`${who(c)} disconnected`);
    event('disconnect', client(c));
  });
  server.on('clientError', (err, c) => {
    log(`${who(c)} error: ${err.message}`);
    event('clientError', { ...client(c), code: err.code, message: err.message });
  });
  // A recording's path contains the stream name, i.e. the key: masked like the name.
  const path = (r: { name: string; path: string }): string =>
    showKeys ? r.path : r.path.split(r.name).join(name(r));
  server.on('recordStart', (r) => {
    log(`recording ${stream(r)} to ${path(r)}`);
    event('recordStart', { app: r.app, name: name(r), path: path(r) });
  });
  server.on('recordStop', (r) => {
    log(r.error ? `recording ${path(r)} stopped: ${r.error}` : `recorded ${path(r)} (${r.bytes} bytes)`);
    event('recordStop', { app: r.app, name: name(r), path: path(r), bytes: r.bytes, error: r.error ?? null });
  });
  server.on('pushStart', (p) => {
    log(`pushing ${stream(p)} to ${p.url}${p.targetName === null ? '' : `/${maskSecret(p.targetName)}`}`);
    event('pushStart', { app: p.app, name: name(p), url: p.url });
  });
  server.on('pushError', (err, p) => {
    log(`push of ${stream(p)} to ${p.url} failed: ${err.message}`);
    event('pushError', { app: p.app, name: name(p), url: p.url, message: err.message, ...errorFields(err) });
  });

  let address: { host: string; port: number };
  let httpAddress: { host: string; port: number } | undefined;
  try {
    address = await server.listen({ host, port });
  } catch (err) {
    throw new CliError(`cannot listen on ${host}:${port}: ${(err as Error).message}`);
  }
  if (httpPort !== undefined) {
    try {
      httpAddress = await server.listenHttp({ host, port: httpPort });
    } catch (err) {
      await server.close();
      throw new CliError(`cannot listen for HTTP on ${host}:${httpPort}: ${(err as Error).message}`);
    }
  }
  const h = address.host.includes(':') ? `[${address.host}]` : address.host;
  const base = `rtmp://${h}:${address.port}`;
  event('listening', {
    url: base,
    host: address.host,
    port: address.port,
    ...(httpAddress === undefined ? {} : { httpPort: httpAddress.port }),
  });
  if (!out.json) {
    // The address is the command's result: shown even with -q.
    process.stderr.write(`rtmpkit serve: listening on ${base}\n`);
    out.print(`  live:  publish and play ${base}/live/NAME (any app name works)`);
    out.print(`  rtmpe: rtmpe://${h}:${address.port}/… (RTMPE on the same port)`);
    if (vodDir !== undefined) out.print(`  vod:   ${base}/vod/NAME plays ${vodDir}/NAME.flv`);
    if (testMedia) out.print(`  test:  ${base}/vod/test (built-in 10 s H.264 + AAC)`);
    if (!has(parsed, 'noDemoRpc')) out.print(`  rpc:   ${DEMO_METHODS.join(', ')} (see --help)`);
    if (httpAddress !== undefined) {
      const web = `http://${h}:${httpAddress.port}`;
      out.print(`  http:  ${web}/ (status page), ${web}/stats (JSON), ${web}/APP/NAME.flv (HTTP-FLV)`);
      out.print(`  rtmpt: rtmpt://${h}:${httpAddress.port}/… and rtmpte://${h}:${httpAddress.port}/…`);
    }
    if (recordDir !== undefined) out.print(`  record: every publish to ${recordDir}/APP/NAME-TIME.flv`);
    for (const p of push) {
      const what =
        p.app === undefined ? 'every stream' : p.name === undefined ? `app ${p.app}` : `${p.app}/${p.name}`;
      out.print(`  push:  ${what} to ${resolvePushTarget(p).safeUrl}`);
    }
    const set = Object.entries(limits);
    if (set.length > 0) out.print(`  limits: ${set.map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (keysFile !== undefined) out.print(`  keys:  publishing needs a key from ${resolve(keysFile)}`);
    if (auth !== undefined)
      out.print(
        `  auth:  publishers authenticate (authmod=${auth.mode}) as users of ${resolve(last(parsed, 'users')!.value!)}`,
      );
    out.print('  Ctrl-C to stop');
  }

  const sig = await new Promise<NodeJS.Signals>((res) => {
    const on = (s: NodeJS.Signals): void => {
      for (const x of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(x, on);
      res(s);
    };
    for (const x of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(x, on);
  });
  log(`caught ${sig}, stopping`);
  event('stopping', { signal: sig });
  await server.close();
  return ExitCode.SUCCESS;
}
