/**
 * `rtmpkit serve` — runs the embedded RTMP server (src/server) until Ctrl-C: live relay
 * on any app (publish to rtmp://HOST:PORT/live/NAME, play the same URL) and FLV files as
 * VOD from `--vod DIR` in the `vod` app, plus a built-in 10-second test stream
 * (`rtmp://HOST:PORT/vod/test`, H.264 + AAC, no files needed). Logs connections,
 * publishers and players on stderr. Loopback only unless `--host` says otherwise.
 * `--record DIR` records every publish, `--push URL` restreams, `--keys FILE` checks
 * stream keys, `--http-port` serves /stats, a status page and HTTP-FLV.
 *
 * Exit codes: 0 stopped with Ctrl-C; 1 bad usage or the port cannot be bound.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { RTMPUsageError } from '../errors.js';
import { type PushTarget, resolvePushTarget } from '../server/push.js';
import { createServer, type RTMPServer } from '../server/server.js';
import { makeTestFlv } from '../server/test-media.js';
import type { PlayRequest, PublishRequest } from '../server/types.js';
import { all, formatOptions, getopt, has, last, numberArg, type OptionSpec } from './args.js';
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
    name: 'httpPort',
    long: 'http-port',
    arg: 'PORT',
    help: 'HTTP port for /stats (JSON), a status page at / and HTTP-FLV /<app>/<name>.flv (0 = free)',
  },
  ...OUTPUT_OPTIONS,
  VERBOSE_V,
];

/** The help text of `rtmpkit serve`. */
export function serveHelp(): string {
  return `Usage: rtmpkit serve [--host 127.0.0.1] [--port 1935] [--vod DIR] [--record DIR]
                     [--push [APP[/NAME]=]URL]... [--keys FILE] [--http-port PORT]

Runs the embedded RTMP server until Ctrl-C: publish to and play from
rtmp://HOST:PORT/<app>/<name> (live relay), play FLV files of DIR as
rtmp://HOST:PORT/vod/<file>, and the built-in test stream rtmp://HOST:PORT/vod/test.
Meant for tests and demos, not as a production media server.

${formatOptions(SERVE_OPTIONS)}

Examples:
  rtmpkit serve --port 1935 --vod ./media
  rtmpkit publish rtmp://127.0.0.1/live/x movie.flv   # in another terminal
  rtmpkit dump -v -r rtmp://127.0.0.1/live/x -o x.flv
  rtmpkit serve --record ./rec --http-port 8080        # then open http://127.0.0.1:8080/
  rtmpkit serve --push rtmp://backup.example/live --push live/cam=rtmp://cdn.example/in/KEY
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
  if (parsed.operands.length > 0) throw new UsageError(`unexpected argument '${parsed.operands[0]}'`);
  const verbosity = verbosityOf(parsed);
  const out = new Console(process.stderr, verbosity);
  setupLibraryLog(verbosity, out);
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
  let server: RTMPServer;
  try {
    server = createServer({
      ...(vodDir === undefined ? {} : { vodDir }),
      ...(testMedia ? { vodFiles: { test: makeTestFlv(10) } } : {}),
      ...(recordDir === undefined ? {} : { record: recordDir }),
      ...(push.length === 0 ? {} : { push }),
      ...(keysFile === undefined ? {} : { keysFile }),
    });
  } catch (err) {
    // The library names the option (push URL, keysFile…); say it as a usage error.
    if (err instanceof RTMPUsageError) throw new UsageError(err.message.replace(/^keysFile /, '--keys '));
    throw err;
  }
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
  server.on('recordStart', (r) => log(`recording ${r.app}/${r.name} to ${r.path}`));
  server.on('recordStop', (r) =>
    log(r.error ? `recording ${r.path} stopped: ${r.error}` : `recorded ${r.path} (${r.bytes} bytes)`),
  );
  server.on('pushStart', (p) =>
    log(`pushing ${p.app}/${p.name} to ${p.url}${p.targetName === null ? '' : `/${p.targetName}`}`),
  );
  server.on('pushError', (err, p) => log(`push of ${p.app}/${p.name} to ${p.url} failed: ${err.message}`));

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
  process.stderr.write(`rtmpkit serve: listening on ${base}\n`);
  process.stderr.write(`  live:  publish and play ${base}/live/NAME (any app name works)\n`);
  if (vodDir !== undefined) process.stderr.write(`  vod:   ${base}/vod/NAME plays ${vodDir}/NAME.flv\n`);
  if (testMedia) process.stderr.write(`  test:  ${base}/vod/test (built-in 10 s H.264 + AAC)\n`);
  if (httpAddress !== undefined) {
    const web = `http://${h}:${httpAddress.port}`;
    process.stderr.write(
      `  http:  ${web}/ (status page), ${web}/stats (JSON), ${web}/APP/NAME.flv (HTTP-FLV)\n`,
    );
  }
  if (recordDir !== undefined)
    process.stderr.write(`  record: every publish to ${recordDir}/APP/NAME-TIME.flv\n`);
  for (const p of push) {
    const what =
      p.app === undefined ? 'every stream' : p.name === undefined ? `app ${p.app}` : `${p.app}/${p.name}`;
    process.stderr.write(`  push:  ${what} to ${resolvePushTarget(p).safeUrl}\n`);
  }
  if (keysFile !== undefined)
    process.stderr.write(`  keys:  publishing needs a key from ${resolve(keysFile)}\n`);
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
