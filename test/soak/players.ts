/**
 * The soak's players: rtmpkit's `RTMP` client reading FLV bytes in this process, and
 * rtmpdump (librtmp) processes writing FLV to a pipe. Each counts the bytes it got and
 * when the last ones came, and says why it ended; `stop()` ends it on purpose, which
 * is not a drop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { RTMP } from '../../src/index.js';

/** What the driver watches on every player. */
export interface Player {
  readonly label: string;
  bytes: number;
  /** Date.now() of the last data (of the start until the first). */
  lastData: number;
  /** Set when the player ended without being stopped: why. */
  dropped: string | undefined;
  /** Resolves once the player has ended (stopped or dropped). */
  done: Promise<void>;
  /** Whether `stop()` was called. */
  stopping: boolean;
  stop(): void;
}

/** A player record whose `stop()` marks it stopping and then runs `halt`. */
function player(label: string, halt: () => void): Player {
  return {
    label,
    bytes: 0,
    lastData: Date.now(),
    dropped: undefined,
    done: Promise.resolve(),
    stopping: false,
    stop() {
      this.stopping = true;
      halt();
    },
  };
}

/** Counts `n` bytes that just arrived. */
function got(p: Player, n: number): void {
  p.bytes += n;
  p.lastData = Date.now();
}

/** Plays `url` live with rtmpkit until stopped. */
export function rtmpkitPlayer(label: string, url: string): Player {
  const conn = new RTMP(url, { live: true, timeout: 30 });
  const p = player(label, () => void conn.close().catch(() => {}));
  const run = async () => {
    try {
      await conn.connect();
      const stream = await conn.createStream();
      for await (const chunk of stream) {
        got(p, chunk.length);
        if (p.stopping) break;
      }
      if (!p.stopping) p.dropped = 'the stream ended';
    } catch (err) {
      if (!p.stopping) p.dropped = `${(err as Error).name}: ${(err as Error).message}`;
    } finally {
      await conn.close().catch(() => {});
    }
  };
  p.done = run();
  return p;
}

/** Plays `url` live with rtmpdump (FLV on a pipe) until stopped. */
export function rtmpdumpPlayer(label: string, url: string): Player {
  let stderr = '';
  const child: ChildProcess = spawn('rtmpdump', ['--live', '-q', '-r', url, '-o', '-'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p = player(label, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
  child.stdout!.on('data', (d: Buffer) => got(p, d.length));
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-400);
  });
  p.done = new Promise((resolve) => {
    child.on('error', (err) => {
      if (!p.stopping) p.dropped = `rtmpdump: ${err.message}`;
      resolve();
    });
    child.on('close', (code, signal) => {
      if (!p.stopping) p.dropped = `rtmpdump exited (${code ?? signal}): ${stderr.trim()}`;
      resolve();
    });
  });
  return p;
}
