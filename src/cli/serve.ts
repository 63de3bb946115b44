/**
 * `rtmpkit serve` — runs the embedded RTMP server (src/server) until Ctrl-C: live relay
 * on any app (publish to rtmp://HOST:PORT/live/NAME, play the same URL) and FLV files as
 * VOD from `--vod DIR` in the `vod` app, plus a built-in 10-second test stream
 * (`rtmp://HOST:PORT/vod/test`, H.264 + AAC, no files needed), and the demo remote
 * methods of demo-rpc.ts (`MyMath.MyAdd`, `echo`, `callClient`). Logs connections,
 * publishers and players on stderr — stream names of live streams are stream keys, so
 * they are masked unless `--show-keys` — or, with `--json`, NDJSON events on stdout.
 * Loopback only unless `--host` says otherwise.
 *
 * Exit codes: 0 stopped with Ctrl-C; 1 bad usage or the port cannot be bound (reported once).
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServer } from '../server/server.js';
import { makeTestFlv } from '../server/test-media.js';
import type { PlayRequest, PublishRequest } from '../server/types.js';
import { formatOptions, getopt, has, last, numberArg, type OptionSpec, type ParsedArgs } from './args.js';
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
import { CliError, ExitCode, UsageError } from './exit-codes.js';
import type { Console } from './progress.js';
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
    name: 'noDemoRpc',
    long: 'no-demo-rpc',
    help: `Do not answer the demo methods (${DEMO_METHODS.join(', ')})`,
  },
  JSON_OPTION,
  ...OUTPUT_OPTIONS,
  VERBOSE_V,
];

/** The help text of `rtmpkit serve`. */
export function serveHelp(): string {
  return `Usage: rtmpkit serve [--host 127.0.0.1] [--port 1935] [--vod DIR]

Runs the embedded RTMP server until Ctrl-C: publish to and play from
rtmp://HOST:PORT/<app>/<name> (live relay), play FLV files of DIR as
rtmp://HOST:PORT/vod/<file>, and the built-in test stream rtmp://HOST:PORT/vod/test.
Meant for tests and demos, not as a production media server.

Demo remote methods (any app), for 'rtmpkit call' and the examples:
  MyMath.MyAdd(a, b)          returns a + b
  echo(...args)               returns the arguments as an array
  callClient(method, ...args) calls method on the calling client, returns its answer
Other calls get _error NetConnection.Call.Failed.

Live stream names are stream keys: the log masks them unless --show-keys.
--json prints NDJSON events on stdout instead (listening, connect, publish, play,
call, stop, unpublish, disconnect, clientError, stopping).

${formatOptions(SERVE_OPTIONS)}

Examples:
  rtmpkit serve --port 1935 --vod ./media
  rtmpkit publish rtmp://127.0.0.1/live/x movie.flv   # in another terminal
  rtmpkit dump -v -r rtmp://127.0.0.1/live/x -o x.flv
  rtmpkit call rtmp://127.0.0.1/app MyMath.MyAdd '[1, 2]'
`;
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
  let vodDir: string | undefined;
  if (vodOpt !== undefined) {
    vodDir = resolve(vodOpt);
    let isDir = false;
    try {
      isDir = statSync(vodDir).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw new CliError(`--vod ${vodOpt}: not a directory`);
  }
  const testMedia = !has(parsed, 'noTestMedia');
  const server = createServer({
    ...(vodDir === undefined ? {} : { vodDir }),
    ...(testMedia ? { vodFiles: { test: makeTestFlv(10) } } : {}),
    ...(has(parsed, 'noDemoRpc') ? {} : { onCall: demoCall }),
  });
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
  const name = (r: PublishRequest | PlayRequest): string =>
    showKeys || ('kind' in r && r.kind === 'vod') ? r.name : maskSecret(r.name);
  const stream = (r: PublishRequest | PlayRequest): string => `${r.app}/${name(r)}`;
  const event = (e: string, fields: Record<string, unknown>): void =>
    out.event(e, { time: new Date().toISOString(), ...fields });
  server.on('connect', (c) => {
    log(`${who(c)} connected to app '${c.app ?? ''}'`);
    event('connect', { ...client(c), app: c.app ?? '' });
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

  let address: { host: string; port: number };
  try {
    address = await server.listen({ host, port });
  } catch (err) {
    throw new CliError(`cannot listen on ${host}:${port}: ${(err as Error).message}`);
  }
  const h = address.host.includes(':') ? `[${address.host}]` : address.host;
  const base = `rtmp://${h}:${address.port}`;
  event('listening', { url: base, host: address.host, port: address.port });
  if (!out.json) {
    // The address is the command's result: shown even with -q.
    process.stderr.write(`rtmpkit serve: listening on ${base}\n`);
    out.print(`  live:  publish and play ${base}/live/NAME (any app name works)`);
    if (vodDir !== undefined) out.print(`  vod:   ${base}/vod/NAME plays ${vodDir}/NAME.flv`);
    if (testMedia) out.print(`  test:  ${base}/vod/test (built-in 10 s H.264 + AAC)`);
    if (!has(parsed, 'noDemoRpc')) out.print(`  rpc:   ${DEMO_METHODS.join(', ')} (see --help)`);
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
