/**
 * `rtmpkit serve` — runs the embedded RTMP server (src/server) until Ctrl-C: live relay
 * on any app (publish to rtmp://HOST:PORT/live/NAME, play the same URL) and FLV files as
 * VOD from `--vod DIR` in the `vod` app, plus a built-in 10-second test stream
 * (`rtmp://HOST:PORT/vod/test`, H.264 + AAC, no files needed). Logs connections,
 * publishers and players on stderr. Loopback only unless `--host` says otherwise.
 *
 * Exit codes: 0 stopped with Ctrl-C; 1 bad usage or the port cannot be bound.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServer } from '../server/server.js';
import { makeTestFlv } from '../server/test-media.js';
import type { PlayRequest, PublishRequest } from '../server/types.js';
import { formatOptions, getopt, has, last, numberArg, type OptionSpec } from './args.js';
import { OUTPUT_OPTIONS, setupLibraryLog, VERBOSE_V, verbosityOf } from './common.js';
import { CliError, ExitCode, UsageError } from './exit-codes.js';
import { Console } from './progress.js';

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

${formatOptions(SERVE_OPTIONS)}

Examples:
  rtmpkit serve --port 1935 --vod ./media
  rtmpkit publish rtmp://127.0.0.1/live/x movie.flv   # in another terminal
  rtmpkit dump -v -r rtmp://127.0.0.1/live/x -o x.flv
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
  if (parsed.operands.length > 0) throw new UsageError(`unexpected argument '${parsed.operands[0]}'`);
  const verbosity = verbosityOf(parsed);
  const out = new Console(process.stderr, verbosity);
  setupLibraryLog(verbosity, out);
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
  });
  const log = (text: string): void => out.print(`[${time()}] ${text}`);
  const who = (c: {
    id: number;
    remoteAddress: string | undefined;
    remotePort: number | undefined;
  }): string => `#${c.id} ${c.remoteAddress ?? '?'}:${c.remotePort ?? '?'}`;
  const stream = (r: PublishRequest | PlayRequest): string => `${r.app}/${r.name}`;
  server.on('connect', (c) => log(`${who(c)} connected to app '${c.app ?? ''}'`));
  server.on('publish', (r) => log(`${who(r.client)} publishes ${stream(r)} (${r.type})`));
  server.on('unpublish', (r) => log(`${who(r.client)} stopped publishing ${stream(r)}`));
  server.on('play', (r) => log(`${who(r.client)} plays ${stream(r)} (${r.kind})`));
  server.on('stop', (r) => log(`${who(r.client)} stopped playing ${stream(r)}`));
  server.on('disconnect', (c) => log(`${who(c)} disconnected`));
  server.on('clientError', (err, c) => log(`${who(c)} error: ${err.message}`));

  let address: { host: string; port: number };
  try {
    address = await server.listen({ host, port });
  } catch (err) {
    throw new CliError(`cannot listen on ${host}:${port}: ${(err as Error).message}`);
  }
  const h = address.host.includes(':') ? `[${address.host}]` : address.host;
  const base = `rtmp://${h}:${address.port}`;
  process.stderr.write(`rtmpkit serve: listening on ${base}\n`);
  process.stderr.write(`  live:  publish and play ${base}/live/NAME (any app name works)\n`);
  if (vodDir !== undefined) process.stderr.write(`  vod:   ${base}/vod/NAME plays ${vodDir}/NAME.flv\n`);
  if (testMedia) process.stderr.write(`  test:  ${base}/vod/test (built-in 10 s H.264 + AAC)\n`);
  process.stderr.write('  Ctrl-C to stop\n');

  const sig = await new Promise<NodeJS.Signals>((res) => {
    const on = (s: NodeJS.Signals): void => {
      for (const x of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(x, on);
      res(s);
    };
    for (const x of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(x, on);
  });
  log(`caught ${sig}, stopping`);
  await server.close();
  return ExitCode.SUCCESS;
}
