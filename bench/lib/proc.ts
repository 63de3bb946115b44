/**
 * Measuring processes on Linux.
 *
 * Clients (one child per run) are measured by GNU time (`/usr/bin/time -f`): it reads
 * the child's rusage from wait4(2), so user+sys CPU and peak RSS (ru_maxrss) are exact
 * totals of that one process — nothing is sampled, nothing is missed between samples,
 * and the same tool measures Node, rtmpdump and ffmpeg alike. Wall time is taken here
 * with performance.now() around the spawn (GNU time's %e has 10 ms resolution).
 *
 * Servers (long-lived: nginx's master and workers, the embedded server's child) are
 * measured from /proc: utime+stime deltas of /proc/PID/stat around a workload (clock
 * ticks, 10 ms at USER_HZ 100) and VmHWM/VmRSS of /proc/PID/status.
 *
 * The parsers are pure (tested); `timed` and the /proc readers do the I/O.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** GNU time's output format: elapsed, user, system seconds and max RSS in KiB. */
export const TIME_FORMAT = '%e %U %S %M';

/** What GNU time reports for one child. */
export interface Rusage {
  userS: number;
  sysS: number;
  /** user + sys. */
  cpuS: number;
  /** Peak resident set (ru_maxrss), MiB. */
  maxRssMiB: number;
}

/**
 * Parses the `-o FILE` output of `/usr/bin/time -f '%e %U %S %M'`. GNU time writes
 * "Command exited with non-zero status N" or "Command terminated by signal N" before the
 * figures; the figures are the last line of four numbers. Undefined when there is none.
 */
export function parseTimeOutput(text: string): Rusage | undefined {
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    const m = /^([\d.]+) ([\d.]+) ([\d.]+) (\d+)$/.exec(line.trim());
    if (!m) continue;
    const userS = Number(m[2]);
    const sysS = Number(m[3]);
    return { userS, sysS, cpuS: userS + sysS, maxRssMiB: Number(m[4]) / 1024 };
  }
  return undefined;
}

/**
 * utime + stime (clock ticks) from the text of /proc/PID/stat. The command name (field 2)
 * may hold spaces and parentheses, so fields are counted after the last ')': there,
 * state is field 3, utime field 14 and stime field 15 (proc(5)).
 */
export function parseStatTicks(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = stat
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
}

/** The parent PID (field 4) from the text of /proc/PID/stat. */
export function parseStatPpid(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const ppid = Number(stat.slice(close + 2).split(/\s+/)[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** A `kB` field (VmHWM, VmRSS…) of /proc/PID/status, in KiB. */
export function parseStatusKiB(status: string, field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : undefined;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Total user+sys CPU seconds of the given processes so far (exited ones count 0). */
export function cpuSecondsOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += parseStatTicks(readProc(pid, 'stat') ?? '') ?? 0;
  return ticks / clockTicks();
}

/** Sum of a /proc/PID/status memory field (VmHWM, VmRSS) over the processes, MiB. */
export function memoryMiBOf(pids: readonly number[], field: 'VmHWM' | 'VmRSS'): number {
  let kib = 0;
  for (const pid of pids) kib += parseStatusKiB(readProc(pid, 'status') ?? '', field) ?? 0;
  return kib / 1024;
}

/**
 * TCP connections reset on close, from the text of /proc/net/netstat (TcpExt
 * TCPAbortOnClose): a process closed its socket with received data unread, which Linux
 * answers with a reset, discarding what that socket had not sent yet. Undefined when the
 * counter is missing.
 */
export function parseResetsOnClose(netstat: string): number | undefined {
  const lines = netstat.split('\n').filter((l) => l.startsWith('TcpExt:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const at = names.indexOf('TCPAbortOnClose');
  const v = at < 0 ? Number.NaN : Number(values[at]);
  return Number.isFinite(v) ? v : undefined;
}

/** This host's `parseResetsOnClose` count so far; undefined where /proc/net/netstat is missing. */
export function tcpResetsOnClose(): number | undefined {
  try {
    return parseResetsOnClose(readFileSync('/proc/net/netstat', 'utf8'));
  } catch {
    return undefined;
  }
}

/** The PIDs whose parent is `pid` (e.g. nginx's workers under its master). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (parseStatPpid(readProc(Number(name), 'stat') ?? '') === pid) out.push(Number(name));
  }
  return out;
}

/** One measured child run. */
export interface TimedRun extends Partial<Rusage> {
  wallS: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Options of `timed`. */
export interface TimedOptions {
  env?: NodeJS.ProcessEnv;
  /** Hard limit; the child (GNU time, which passes the signal on) is killed after it. */
  timeoutMs?: number;
  /** Called with each stderr piece while the child runs (e.g. to wait for "Starting"). */
  onStderr?: (text: string) => void;
}

/**
 * Runs `cmd args` under `/usr/bin/time` and resolves with its wall time, rusage, exit
 * status and output (stdout/stderr capped at 1 MiB each). Never rejects for a non-zero exit.
 */
export function timed(cmd: string, args: readonly string[], opts: TimedOptions = {}): Promise<TimedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'rtmpkit-bench-time-'));
  const out = join(dir, 'rusage');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-o', out, '-f', TIME_FORMAT, cmd, ...args], {
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < 1 << 20) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 1 << 20) stderr += d;
      opts.onStderr?.(d);
    });
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      reject(err);
    });
    child.on('close', (code, signal) => {
      const wallS = (performance.now() - t0) / 1000;
      clearTimeout(timer);
      let usage: Rusage | undefined;
      try {
        usage = parseTimeOutput(readFileSync(out, 'utf8'));
      } catch {
        usage = undefined;
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ wallS, code, signal, stdout, stderr, timedOut, ...usage });
    });
  });
}

/** The first match of `pattern` in the output (stdout or stderr) of `cmd args`, or "?". */
export function versionOf(cmd: string, args: readonly string[], pattern: RegExp): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  return pattern.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[0] ?? '?';
}
