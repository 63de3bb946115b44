/**
 * Test harness for real peers on loopback: finds the binaries, starts nginx-rtmp
 * (and friends) through the scripts in test/peers/ on private ports and run dirs,
 * runs reference clients (rtmpdump, ffmpeg) with hard time limits, and stops only
 * the PIDs it started. Under CI=true a missing peer fails the test; elsewhere the
 * test is skipped with the reason.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

/** test/peers in the source tree (this file runs from dist/test/helpers). */
export const PEERS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/peers');

/** Whether the tests run under CI, where a missing peer is a failure. */
export const IN_CI = process.env.CI === 'true';

/** Debian package that provides each binary the tests use. */
const PACKAGES: Record<string, string> = {
  rtmpdump: 'rtmpdump',
  ffmpeg: 'ffmpeg',
  ffprobe: 'ffmpeg',
  nginx: 'nginx-light + libnginx-mod-rtmp',
  stunnel: 'stunnel4',
  '/usr/bin/python3': 'python3',
  '/usr/lib/nginx/modules/ngx_rtmp_module.so': 'libnginx-mod-rtmp',
  '/usr/lib/python3/dist-packages/librtmp': 'python3-librtmp',
  chromium: 'chromium',
};

/** Resolves a binary on PATH (or an absolute path), or undefined. */
export function which(bin: string): string | undefined {
  if (bin.startsWith('/')) return existsSync(bin) ? bin : undefined;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir || '.', bin);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Ensures every binary/file in `needs` exists. Returns true when all are present.
 * Missing: throws under CI=true (the test fails, naming the package); otherwise
 * marks the test skipped and returns false.
 */
export function requirePeers(t: TestContext, needs: string[]): boolean {
  const missing = needs.filter((b) => !which(b));
  if (missing.length === 0) return true;
  const what = missing.map((b) => `${b} (Debian: ${PACKAGES[b] ?? b})`).join(', ');
  if (IN_CI) throw new Error(`required peer missing under CI=true: ${what} — .ci/run should install it`);
  t.skip(`peer missing: ${what}`);
  return false;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

/** A new private temporary directory. */
export function tempDir(prefix = 'rtmpkit-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A running peer started from test/peers. */
export interface Peer {
  pid: number;
  port: number;
  httpPort?: number;
  runDir: string;
  stop(): void;
}

function runScript(script: string, args: string[], env: Record<string, string>): Record<string, string> {
  const out = execFileSync('bash', [join(PEERS_DIR, script), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const vars: Record<string, string> = {};
  for (const m of out.matchAll(/(\w+)=(\S+)/g)) vars[m[1]!] = m[2]!;
  return vars;
}

/** Starts nginx with the rtmp module (apps live, live1, rec, vod) on free ports. */
export async function startNginx(opts: { mediaDir?: string; chunk?: number } = {}): Promise<Peer> {
  const runDir = tempDir('rtmpkit-nginx-');
  // nginx workers run as nobody: they must reach the run dir to write recordings (rec app).
  chmodSync(runDir, 0o755);
  const port = await freePort();
  const httpPort = await freePort();
  const env: Record<string, string> = { PORT: String(port), HTTP_PORT: String(httpPort) };
  if (opts.chunk) env.CHUNK = String(opts.chunk);
  const v = runScript('start-nginx-rtmp.sh', [runDir, opts.mediaDir ?? tempDir('rtmpkit-media-')], env);
  return peer(Number(v.PID), port, runDir, httpPort);
}

/** Starts stunnel terminating TLS (self-signed CN=localhost, IP 127.0.0.1) in front of `backendPort`. */
export async function startStunnel(backendPort: number): Promise<Peer & { cert: string }> {
  const runDir = tempDir('rtmpkit-stunnel-');
  const port = await freePort();
  const v = runScript('start-stunnel-rtmps.sh', [runDir], {
    TLS_PORT: String(port),
    PORT: String(backendPort),
  });
  return { ...peer(Number(v.PID), port, runDir), cert: v.CERT! };
}

function peer(pid: number, port: number, runDir: string, httpPort?: number): Peer {
  return {
    pid,
    port,
    runDir,
    ...(httpPort === undefined ? {} : { httpPort }),
    stop() {
      execFileSync('bash', [join(PEERS_DIR, 'stop-peer.sh'), runDir], { stdio: 'ignore', timeout: 15_000 });
    },
  };
}

/** Makes the short test media (10 s H.264 + AAC FLV and MP4) in `dir` (default: a shared cache dir). */
export function makeMedia(dir = join(tmpdir(), 'rtmpkit-media')): string {
  execFileSync('bash', [join(PEERS_DIR, 'make-media.sh'), dir], {
    env: {
      ...process.env,
      BIG_SECONDS: process.env.BIG_SECONDS ?? '1',
      BIG_MBPS: process.env.BIG_MBPS ?? '2',
    },
    stdio: 'ignore',
    timeout: 300_000,
  });
  return dir;
}

/** Result of a bounded child process run. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs a command with a hard time limit; on timeout it is killed (by PID) and the
 * result says so. Never throws for a non-zero exit.
 */
export function runBounded(
  cmd: string,
  args: string[],
  timeoutMs: number,
  input?: Buffer,
): Promise<RunResult> {
  return new Promise((res, rej) => {
    const child: ChildProcess = spawn(cmd, args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let timedOut = false;
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => {
      if (err.length < 1 << 20) err += d.toString();
    });
    if (input) child.stdin!.end(input);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout: Buffer.concat(out), stderr: err, timedOut });
    });
  });
}
