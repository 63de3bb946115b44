/**
 * Runs the BUILT `rtmpkit serve` (dist/src/cli/main.js) on free loopback ports for
 * interop tests and reads the ports it prints; `rtmpkit(args)` runs any other command
 * of the built binary, bounded. Every child is stopped by its PID (SIGINT, then SIGKILL).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { until } from '../unit/server-harness.js';
import { type RunResult, runBounded } from './peers.js';

/** The CLI entry point of the build. */
export const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Runs `rtmpkit ARGS` with a time limit. */
export function rtmpkit(args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return runBounded(process.execPath, [BIN, ...args], timeoutMs);
}

/** A running `rtmpkit serve`. */
export interface Serve {
  port: number;
  /** The HTTP port (when `--http-port` was given). */
  httpPort: number | undefined;
  /** Everything it printed so far (stdout and stderr). */
  text(): string;
  /** Stops it (SIGINT; SIGKILL after 10 s); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `rtmpkit serve --port 0 ARGS` and waits until it printed its address(es). */
export async function startServe(args: string[]): Promise<Serve> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => {
    text += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    text += d.toString();
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const wantHttp = args.includes('--http-port');
  try {
    await until(
      () => /Ctrl-C to stop/.test(text) && (!wantHttp || /http:\s+http:\/\//.test(text)),
      20_000,
      'serve started',
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}:\n${text}`);
  }
  const port = Number(/listening on rtmp:\/\/127\.0\.0\.1:(\d+)/.exec(text)![1]);
  const http = /http:\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
  return {
    port,
    httpPort: http ? Number(http[1]) : undefined,
    text: () => text,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      try {
        return await exited;
      } finally {
        clearTimeout(t);
      }
    },
  };
}
