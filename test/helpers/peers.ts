/**
 * Test harness for real peers on loopback: finds the binaries, starts nginx-rtmp
 * (and friends) through the scripts in test/peers/ on private ports and run dirs, and
 * the proxies (danted, tinyproxy) from generated configs,
 * runs reference clients (rtmpdump, ffmpeg) with hard time limits, and stops only
 * the PIDs it started. Under CI=true a missing peer fails the test; elsewhere the
 * test is skipped with the reason.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
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
  '/usr/sbin/rtmpsuck': 'rtmpdump',
  danted: 'dante-server',
  tinyproxy: 'tinyproxy-bin',
  unshare: 'util-linux',
  ip: 'iproute2',
  openssl: 'openssl',
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

/** Directories `tempDir` made in this process: removed when it exits. */
const madeDirs: string[] = [];

/**
 * A new private temporary directory, removed with its contents when this process exits
 * (node:test runs each test file in a process of its own), so test runs leave nothing in
 * the temp dir — two full runs had left 90 directories there. Peers started into one
 * are stopped by their tests before that.
 */
export function tempDir(prefix = 'rtmpkit-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (madeDirs.push(dir) === 1) process.once('exit', removeTempDirs);
  return dir;
}

function removeTempDirs(): void {
  for (const dir of madeDirs.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {}
  }
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

/**
 * Starts nginx with the rtmp module (apps live, live1, rec, vod) on free ports. `outQueue`: its per-client send queue in
 * messages (the script's default 8192; nginx's own 256 — a VOD client that falls that far
 * behind loses a message, see test/interop/nginx-vod-drop.test.ts).
 */
export async function startNginx(
  opts: { mediaDir?: string; chunk?: number; outQueue?: number } = {},
): Promise<Peer> {
  const runDir = tempDir('rtmpkit-nginx-');
  // nginx workers run as nobody: they must reach the run dir to write recordings (rec app).
  chmodSync(runDir, 0o755);
  const port = await freePort();
  const httpPort = await freePort();
  const env: Record<string, string> = { PORT: String(port), HTTP_PORT: String(httpPort) };
  if (opts.chunk) env.CHUNK = String(opts.chunk);
  if (opts.outQueue) env.OUT_QUEUE = String(opts.outQueue);
  const v = runScript('start-nginx-rtmp.sh', [runDir, opts.mediaDir ?? tempDir('rtmpkit-media-')], env);
  return peer(Number(v.PID), port, runDir, httpPort);
}

/** What `lazyNginx().start()` gives: the running nginx, the media folder it serves as VOD, a scratch folder. */
export interface NginxFixture {
  peer: Peer;
  media: string;
  out: string;
}

/**
 * One nginx-rtmp for a test file, started on its first use: the shared test media (made
 * then) as its VOD folder, its run folder readable by other users' processes, and a
 * scratch folder (`scratchPrefix`); `stop()` (in `after`) ends nginx and removes the
 * scratch folder. Call `start()` only after `requirePeers`.
 */
export function lazyNginx(scratchPrefix: string): { start(): Promise<NginxFixture>; stop(): Promise<void> } {
  let started: Promise<NginxFixture> | undefined;
  return {
    start() {
      started ??= (async () => {
        const media = makeMedia();
        const peer = await startNginx({ mediaDir: media });
        chmodSync(peer.runDir, 0o755);
        return { peer, media, out: tempDir(scratchPrefix) };
      })();
      return started;
    },
    async stop() {
      const s = await started?.catch(() => undefined);
      s?.peer.stop();
      if (s) rmSync(s.out, { recursive: true, force: true });
    },
  };
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

/** Starts rtmpsuck (RTMP/RTMPE proxy; fixed port 0.0.0.0:1935 — run it in a private network namespace). */
export function startRtmpsuck(runDir = tempDir('rtmpkit-rtmpsuck-')): Peer {
  const v = runScript('start-rtmpsuck-rtmpe.sh', [runDir], {});
  return peer(Number(v.PID), 1935, runDir);
}

/** Starts the RTMPT bridge (test/peers/rtmpt-bridge.js) on a free port in front of `backend` (`host:port`). */
export async function startRtmptBridge(backend: string): Promise<Peer> {
  const runDir = tempDir('rtmpkit-rtmpt-bridge-');
  const port = await freePort();
  const v = runScript('start-rtmpt-bridge.sh', [runDir], { HTTP_PORT: String(port), BACKEND: backend });
  return peer(Number(v.PID), port, runDir);
}

/** Resolves once something accepts on 127.0.0.1:`port`, or rejects after `ms`. */
async function waitListening(port: number, ms: number, log: () => string): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        res(true);
      });
      s.once('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A proxy the tests started: its port, and `stop()` (kills the PID it started). */
export interface ProxyPeer extends Peer {
  /** The user and password it accepts (when it authenticates). */
  user: string;
  password: string;
}

function startDaemon(cmd: string, args: string[], runDir: string): ChildProcess {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'ignore', 'ignore'], cwd: runDir });
  child.unref();
  return child;
}

function daemonPeer(
  child: ChildProcess,
  port: number,
  runDir: string,
  user: string,
  password: string,
): ProxyPeer {
  return {
    pid: child.pid!,
    port,
    runDir,
    user,
    password,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts Dante's danted (SOCKS4 and SOCKS5) on a free loopback port. `auth: 'username'`
 * demands RFC 1929 credentials, checked by danted against the system password files: it
 * runs in a private mount namespace (`unshare --mount`, root) where copies of /etc/passwd
 * and /etc/shadow with the test user are bind-mounted, so the host's are never touched.
 * `denyPort`: CONNECTs to 127.0.0.1 on that port are refused by rule (SOCKS5 reply 2).
 */
export async function startDanted(
  opts: { auth: 'none' | 'username'; denyPort?: number } = { auth: 'none' },
): Promise<ProxyPeer> {
  const runDir = tempDir('rtmpkit-danted-');
  const port = await freePort();
  const user = 'rtmpkit-proxy';
  const password = 'pr0xy s3cret';
  copyFileSync('/etc/passwd', join(runDir, 'passwd'));
  copyFileSync('/etc/shadow', join(runDir, 'shadow'));
  const hash = execFileSync('openssl', ['passwd', '-6', password], { encoding: 'utf8' }).trim();
  appendFileSync(join(runDir, 'passwd'), `${user}:x:64999:64999::/nonexistent:/usr/sbin/nologin\n`);
  appendFileSync(join(runDir, 'shadow'), `${user}:${hash}:19000:0:99999:7:::\n`);
  const deny = opts.denyPort
    ? `socks block { from: 0.0.0.0/0 to: 127.0.0.1/32 port = ${opts.denyPort} }\n`
    : '';
  writeFileSync(
    join(runDir, 'danted.conf'),
    `logoutput: ${join(runDir, 'danted.log')}\n` +
      `internal: 127.0.0.1 port = ${port}\nexternal: 127.0.0.1\n` +
      `socksmethod: ${opts.auth}\nclientmethod: none\n` +
      'user.privileged: root\nuser.unprivileged: nobody\n' +
      'client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }\n' +
      deny +
      'socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 command: connect }\n',
  );
  const script =
    'mount --bind "$0/passwd" /etc/passwd && mount --bind "$0/shadow" /etc/shadow && ' +
    'exec danted -f "$0/danted.conf" -p "$0/danted.pid"';
  const child = startDaemon('unshare', ['--mount', 'sh', '-c', script, runDir], runDir);
  const p = daemonPeer(child, port, runDir, user, password);
  try {
    await waitListening(port, 10_000, () => readLog(join(runDir, 'danted.log')));
  } catch (err) {
    p.stop();
    throw err;
  }
  return p;
}

/**
 * Starts tinyproxy (HTTP CONNECT) on a free loopback port, allowing CONNECT only to
 * `connectPorts`, with Basic credentials when `auth` is set.
 */
export async function startTinyproxy(opts: { connectPorts: number[]; auth?: boolean }): Promise<ProxyPeer> {
  const runDir = tempDir('rtmpkit-tinyproxy-');
  chmodSync(runDir, 0o755);
  const port = await freePort();
  const user = 'rtmpkit';
  const password = 'http-s3cret';
  writeFileSync(
    join(runDir, 'tinyproxy.conf'),
    'User nobody\nGroup nogroup\n' +
      `Port ${port}\nListen 127.0.0.1\nTimeout 30\nLogLevel Info\nMaxClients 20\nAllow 127.0.0.1\n` +
      'DisableViaHeader Yes\n' +
      opts.connectPorts.map((p) => `ConnectPort ${p}\n`).join('') +
      (opts.auth ? `BasicAuth ${user} ${password}\n` : ''),
  );
  const child = spawn('tinyproxy', ['-d', '-c', join(runDir, 'tinyproxy.conf')], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => {
    if (log.length < 1 << 16) log += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    if (log.length < 1 << 16) log += d.toString();
  });
  child.unref();
  const p = daemonPeer(child, port, runDir, user, password);
  try {
    await waitListening(port, 10_000, () => log);
  } catch (err) {
    p.stop();
    throw err;
  }
  return p;
}

function readLog(path: string): string {
  try {
    return execFileSync('tail', ['-c', '4000', path], { encoding: 'utf8' });
  } catch {
    return '(no log)';
  }
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
