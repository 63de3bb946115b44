/**
 * The servers a benchmark run starts, each on a free loopback port, each stopped by
 * the PID the harness started (never by name):
 * - nginx with the rtmp module, from a config written here in the style of
 *   test/peers/nginx-rtmp.conf.in, sized for 10,000 connections (worker_connections,
 *   worker_rlimit_nofile) and with `publish_notify on` in the live app, so a player gets
 *   NetStream.Play.UnpublishNotify when the publisher leaves — as from the embedded
 *   server — and rtmpdump ends there (librtmp closes on that status);
 * - the embedded server (`createServer`) in a child Node process (children/server.js),
 *   so its CPU and memory are its own;
 * - the floor sender (children/floor-sender.js), writing a file's raw bytes to each
 *   connection, for the rows that measure what Node itself spends receiving them;
 * - stunnel for RTMPS, through test/peers/start-stunnel-rtmps.sh.
 * Server processes get the hard `ulimit -n` as their soft limit (idle-connection runs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort, startStunnel } from '../../test/helpers/peers.js';
import { childrenOf } from './proc.js';

/** dist/bench/lib → dist/bench/children. */
export const CHILDREN_DIR = join(dirname(fileURLToPath(import.meta.url)), '../children');

/** A server the harness started. */
export interface RunningServer {
  /** "nginx-rtmp", "rtmpkit server", "stunnel". */
  name: string;
  port: number;
  /** The processes whose CPU counts as the server's (nginx: master + workers). */
  pids(): number[];
  /** The processes that hold the connections, whose memory counts (nginx: the workers). */
  workerPids(): number[];
  stop(): Promise<void>;
}

/** Most file descriptors a server or load process is given (10,000 sockets + slack). */
export const NOFILE = 32_768;

/** Shell prefix that raises the soft fd limit as far as allowed, then execs "$@" (same PID). */
function withFdLimit(cmd: string, args: readonly string[]): [string, string[]] {
  return [
    'sh',
    ['-c', `ulimit -n ${NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`, cmd, ...args],
  ];
}

/** Spawns `cmd args` with the raised fd limit in its own process group. */
export function spawnWithFdLimit(cmd: string, args: readonly string[], ipc = false): ChildProcess {
  const [sh, shArgs] = withFdLimit(cmd, args);
  return spawn(sh, shArgs, { stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? (['ipc'] as const) : [])] });
}

/** Waits until 127.0.0.1:port accepts a TCP connection (bounded). */
export async function waitPort(port: number, timeoutMs = 15_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    const ok = await new Promise<boolean>((res) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        res(true);
      });
      s.on('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** Sends SIGTERM, waits up to `ms` for the exit, then SIGKILL. */
async function terminate(child: ChildProcess, ms = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

/**
 * nginx-rtmp's out_queue (messages queued per client). When a client's queue is full
 * nginx drops the message, and the delta-compressed timestamps of the next ones on that
 * chunk stream come out shifted; a VOD play with rtmpdump's 10-hour buffer queues as
 * far ahead as the client lags. 32768 holds every message of the ~1 GB file (≈15,400),
 * so no download loses one; the default (256) is kept for the idle-connection scenario.
 */
const VOD_OUT_QUEUE = 32_768;

function nginxConfig(run: string, media: string, port: number, outQueue: boolean): string {
  return `load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile ${NOFILE};
pid ${run}/nginx.pid;
error_log ${run}/error.log warn;
events { worker_connections ${NOFILE - 256}; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    chunk_size 4096;
${outQueue ? `    out_queue ${VOD_OUT_QUEUE};\n` : ''}    ping 30s;
    application live { live on; publish_notify on; }
    application vod { play ${media}; }
  }
}
`;
}

/**
 * Starts nginx-rtmp serving `mediaDir` in app `vod`, live relay in app `live`.
 * `defaultQueue`: keep nginx's default out_queue (256 messages) instead of
 * VOD_OUT_QUEUE — the queue is allocated per connection, so the idle-connection
 * scenario measures nginx as it ships.
 */
export async function startNginx(mediaDir: string, defaultQueue = false): Promise<RunningServer> {
  const run = mkdtempSync(join(tmpdir(), 'rtmpkit-bench-nginx-'));
  const port = await freePort();
  writeFileSync(join(run, 'nginx.conf'), nginxConfig(run, mediaDir, port, !defaultQueue));
  const [sh, args] = withFdLimit('nginx', [
    '-p',
    run,
    '-e',
    join(run, 'error.log'),
    '-c',
    join(run, 'nginx.conf'),
  ]);
  const child = spawn(sh, args, { stdio: 'ignore' });
  try {
    await waitPort(port);
  } catch (err) {
    await terminate(child);
    let log = '';
    try {
      log = readFileSync(join(run, 'error.log'), 'utf8');
    } catch {}
    throw new Error(`nginx did not start: ${(err as Error).message}\n${log}`);
  }
  const master = child.pid!;
  return {
    name: 'nginx-rtmp',
    port,
    pids: () => [master, ...childrenOf(master)],
    workerPids: () => childrenOf(master),
    async stop() {
      const workers = childrenOf(master);
      await terminate(child);
      for (const pid of workers) {
        try {
          process.kill(pid, 'SIGKILL'); // only if the master died without taking them along
        } catch {}
      }
      rmSync(run, { recursive: true, force: true });
    },
  };
}

/**
/**
 * Runs `node [nodeFlags] CHILDREN_DIR/script args` and waits for the JSON line it prints
 * once listening (`{"port":N,…}`); the child serves until SIGTERM.
 */
async function startChild(
  what: string,
  script: string,
  args: readonly string[],
  nodeFlags: readonly string[],
): Promise<{ child: ChildProcess; ports: Record<string, number> }> {
  const child = spawnWithFdLimit(process.execPath, [...nodeFlags, join(CHILDREN_DIR, script), ...args]);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 65536) stderr += d;
  });
  const lines = createInterface({ input: child.stdout! });
  const ports = await new Promise<Record<string, number>>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${what} did not start: ${stderr}`)), 15_000);
    lines.once('line', (l) => {
      clearTimeout(timer);
      res(JSON.parse(l) as Record<string, number>);
    });
    child.once('exit', () => {
      clearTimeout(timer);
      rej(new Error(`${what} exited: ${stderr}`));
    });
  });
  lines.close();
  child.stdout!.resume();
  return { child, ports };
}

/** A started child process as a RunningServer (its own CPU and memory). */
function childServer(name: string, child: ChildProcess, port: number): RunningServer {
  const pid = child.pid!;
  return { name, port, pids: () => [pid], workerPids: () => [pid], stop: () => terminate(child) };
}

/**
 * Starts the embedded server (children/server.js) serving `mediaDir` in app `vod`;
 * `nodeFlags` go to its Node (e.g. `--cpu-prof`).
 */
export async function startEmbedded(
  mediaDir: string,
  nodeFlags: readonly string[] = [],
): Promise<RunningServer> {
  const { child, ports } = await startChild('embedded server', 'server.js', [mediaDir], nodeFlags);
  return childServer('rtmpkit server', child, ports.port!);
}

/**
 * Starts the relay floor (children/relay-floor.js): players fetch `http://127.0.0.1:port/`,
 * a publisher sends raw bytes to `publishPort`, which go to the player as they are.
 */
export async function startRelayFloor(): Promise<RunningServer & { publishPort: number }> {
  const { child, ports } = await startChild('relay floor', 'relay-floor.js', [], []);
  return { ...childServer('Node byte relay', child, ports.port!), publishPort: ports.publishPort! };
}

/**
 * Starts the RTMP relay floor (children/floor-relay.js): the least RTMP server Node can be,
 * relaying a publisher's media to the players of its stream.
 */
export async function startRtmpRelayFloor(): Promise<RunningServer> {
  const { child, ports } = await startChild('RTMP relay floor', 'floor-relay.js', [], []);
  return childServer('least RTMP relay', child, ports.port!);
}

/**
 * Starts the floor sender (children/floor-sender.js): every connection to it gets the
 * bytes of `file` as fast as the socket takes them, then a FIN — the raw input of the
 * floor rows, from a process whose CPU is not counted.
 */
export async function startFloorSender(file: string): Promise<RunningServer> {
  const { child, ports } = await startChild('floor sender', 'floor-sender.js', [file], []);
  return childServer('floor sender', child, ports.port!);
}

/** Starts stunnel terminating TLS on a free port in front of `backendPort`; `cert` is its CA. */
export async function startTls(backendPort: number): Promise<RunningServer & { cert: string }> {
  const p = await startStunnel(backendPort);
  return {
    name: 'stunnel',
    port: p.port,
    cert: p.cert,
    pids: () => [p.pid],
    workerPids: () => [p.pid],
    async stop() {
      p.stop();
      rmSync(p.runDir, { recursive: true, force: true });
    },
  };
}
