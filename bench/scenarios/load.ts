/**
 * Many connections on one server process, the embedded server against nginx-rtmp,
 * driven by the load-generator child (children/load.js, SkimClients):
 * - fan-out: P players (500; quick 20) subscribe to one live stream, then ffmpeg
 *   publishes the 6 Mbit/s file in real time (`-re -c copy`). A player kept up when it
 *   got every A/V message and none arrived more than KEEP_UP_LAG_MS later than the
 *   earliest delivery schedule seen in that run (lag = arrival − timestamp − the run's
 *   smallest arrival − timestamp, so the publisher's start is the zero);
 * - idle: N clients (10,000; quick 500) connect (handshake + `connect`) at most 100 at
 *   a time and stay; a fresh server per run, so peak RSS is that run's. Per-connection
 *   memory is the server's RSS growth divided by the clients connected. nginx's figure
 *   is its worker's (the master holds no connection), with nginx's default out_queue.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { LoadReport, LoadStart, PlayerStats } from '../children/load.js';
import { cpuSecondsOf, memoryMiBOf } from '../lib/proc.js';
import type { Row } from '../lib/report.js';
import {
  alternate,
  type Context,
  failureNote,
  ffmpegPublish,
  notes,
  type Scenario,
} from '../lib/scenario.js';
import {
  CHILDREN_DIR,
  type RunningServer,
  spawnWithFdLimit,
  startEmbedded,
  startNginx,
} from '../lib/servers.js';
import { cpuPerGb, maximum, median, percentile } from '../lib/stats.js';

/** A player that fell this far behind (ms) did not keep up. */
export const KEEP_UP_LAG_MS = 1000;

/** The load-generator child and its IPC. */
class LoadChild {
  readonly #child: ChildProcess;
  readonly #queue: LoadReport[] = [];
  #waiter: ((r: LoadReport) => void) | undefined;
  readonly exited: Promise<void>;
  #stderr = '';

  constructor(start: LoadStart) {
    this.#child = spawnWithFdLimit(process.execPath, [join(CHILDREN_DIR, 'load.js')], true);
    this.#child.stdout!.resume();
    this.#child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      if (this.#stderr.length < 4096) this.#stderr += d;
    });
    this.#child.on('message', (m: LoadReport) => {
      if (this.#waiter) this.#waiter(m);
      else this.#queue.push(m);
    });
    this.#child.on('error', () => {}); // a send to a dead child; `next` reports the exit
    this.exited = new Promise((res) => this.#child.once('exit', () => res()));
    this.#child.send(start);
  }

  /** The next report; rejects when the child exits first or after `ms`. */
  next(ms: number): Promise<LoadReport> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error(`load generator silent for ${ms} ms ${this.#stderr}`));
      }, ms);
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`load generator exited: ${this.#stderr.trim() || 'no output'}`));
      });
      this.#waiter = (r) => {
        clearTimeout(timer);
        this.#waiter = undefined;
        resolve(r);
      };
    });
  }

  /** The child's PID (its CPU shows whether the players themselves kept up). */
  get pid(): number {
    return this.#child.pid!;
  }

  send(cmd: 'close' | 'finish'): void {
    if (this.#child.connected) this.#child.send({ cmd });
  }

  /** Waits for the exit (bounded), then kills it. */
  async stop(): Promise<void> {
    const t = setTimeout(() => this.#child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(t);
  }
}

interface FanoutRun {
  keptUp: number;
  maxLagS: number | undefined;
  dropped: number;
  cpuPerGb: number | undefined;
  note: string;
}

async function fanoutOnce(
  ctx: Context,
  server: RunningServer,
  players: number,
  name: string,
): Promise<FanoutRun> {
  const file = ctx.media.live;
  const load = new LoadChild({
    mode: 'play',
    port: server.port,
    app: 'live',
    stream: name,
    count: players,
    concurrency: 50,
    timeoutMs: 30_000,
    quietMs: 2000,
  });
  try {
    const ready = await load.next(300_000);
    if (ready.kind !== 'ready') throw new Error('load generator out of order');
    const url = `rtmp://127.0.0.1:${server.port}/live/${name}`;
    const cpu0 = cpuSecondsOf(server.pids());
    const load0 = cpuSecondsOf([load.pid]);
    const t0 = performance.now();
    const pub = await ffmpegPublish(file.path, url, true);
    load.send('finish');
    const result = await load.next(120_000);
    const cpuS = cpuSecondsOf(server.pids()) - cpu0;
    const loadShare = (cpuSecondsOf([load.pid]) - load0) / ((performance.now() - t0) / 1000);
    if (result.kind !== 'result') throw new Error('load generator out of order');
    const stats: PlayerStats[] = result.players;
    const zero = Math.min(...stats.map((p) => p.minOffset));
    const expected = file.digest.tags;
    let keptUp = 0;
    let dropped = 0;
    const lags: number[] = [];
    for (const p of stats) {
      const lag = p.tags > 0 ? p.maxOffset - zero : Number.POSITIVE_INFINITY;
      lags.push(lag);
      dropped += Math.max(0, expected - p.tags);
      if (p.tags >= expected && lag <= KEEP_UP_LAG_MS) keptUp++;
    }
    const bytes = stats.reduce((n, p) => n + p.bytes, 0);
    return {
      keptUp,
      maxLagS: (maximum(lags) ?? Number.NaN) / 1000,
      dropped,
      cpuPerGb: cpuPerGb(cpuS, bytes),
      note: notes(
        `players' process at ${Math.round(loadShare * 100)}% of a core`,
        ready.failed > 0 && `${ready.failed} players did not start (${ready.errors[0] ?? ''})`,
        result.dropped > 0 && `${result.dropped} players disconnected`,
        failureNote('publisher', [pub]),
      ),
    };
  } finally {
    load.send('close');
    await load.stop();
  }
}

async function fanout(ctx: Context): Promise<Row[]> {
  const players = ctx.quick ? 20 : 500;
  const [ours, theirs] = [await ctx.embedded(), await ctx.nginx()];
  const [a, b] = await alternate(
    ctx.runs,
    (i) => fanoutOnce(ctx, ours, players, `fan${process.pid}a${i}`),
    (i) => fanoutOnce(ctx, theirs, players, `fan${process.pid}b${i}`),
  );
  const scenario = `fan-out 6 Mbit/s live → ${players} players`;
  const peer = (value: number | undefined) => ({ name: 'nginx-rtmp', value });
  const med = (runs: FanoutRun[], f: (r: FanoutRun) => number | undefined) =>
    median(runs.map((r) => f(r) ?? Number.NaN));
  return [
    {
      scenario,
      metric: 'players kept up',
      unit: 'count',
      ours: med(a, (r) => r.keptUp),
      peer: peer(med(b, (r) => r.keptUp)),
      goal: { kind: 'value', op: '>=', target: players },
      note: notes(
        `kept up = every A/V tag, lag ≤ ${KEEP_UP_LAG_MS / 1000} s`,
        a.find((r) => r.note)?.note && `rtmpkit: ${a.find((r) => r.note)!.note}`,
        b.find((r) => r.note)?.note && `nginx: ${b.find((r) => r.note)!.note}`,
      ),
    },
    {
      scenario,
      metric: 'worst player lag',
      unit: 's',
      ours: med(a, (r) => r.maxLagS),
      peer: peer(med(b, (r) => r.maxLagS)),
    },
    {
      scenario,
      metric: 'tags dropped (all players)',
      unit: 'count',
      ours: med(a, (r) => r.dropped),
      peer: peer(med(b, (r) => r.dropped)),
    },
    {
      scenario,
      metric: 'server CPU per GB',
      unit: 's/GB',
      ours: med(a, (r) => r.cpuPerGb),
      peer: peer(med(b, (r) => r.cpuPerGb)),
    },
  ];
}

interface IdleRun {
  peakMiB: number;
  perConnKiB: number | undefined;
  connectMs: number[];
  note: string;
}

async function idleOnce(
  ctx: Context,
  start: (mediaDir: string) => Promise<RunningServer>,
  clients: number,
): Promise<IdleRun> {
  const server = await start(ctx.media.dir);
  try {
    await new Promise((r) => setTimeout(r, 300)); // let start-up allocation settle
    const before = memoryMiBOf(server.workerPids(), 'VmRSS');
    const load = new LoadChild({
      mode: 'idle',
      port: server.port,
      app: 'live',
      count: clients,
      concurrency: 100,
      timeoutMs: 60_000,
      quietMs: 0,
    });
    try {
      const ready = await load.next(600_000);
      if (ready.kind !== 'ready') throw new Error('load generator out of order');
      await new Promise((r) => setTimeout(r, 1000)); // the last connections' buffers settle
      const after = memoryMiBOf(server.workerPids(), 'VmRSS');
      const peakMiB = memoryMiBOf(server.workerPids(), 'VmHWM');
      const connected = ready.connectMs.length;
      return {
        peakMiB,
        perConnKiB: connected > 0 ? ((after - before) * 1024) / connected : undefined,
        connectMs: ready.connectMs,
        note: ready.failed > 0 ? `${ready.failed} of ${clients} failed (${ready.errors[0] ?? ''})` : '',
      };
    } finally {
      load.send('close');
      await load.stop();
    }
  } finally {
    await server.stop();
  }
}

async function idle(ctx: Context): Promise<Row[]> {
  const clients = ctx.quick ? 500 : 10_000;
  const [a, b] = await alternate(
    ctx.runs,
    () => idleOnce(ctx, startEmbedded, clients),
    () => idleOnce(ctx, (dir) => startNginx(dir, true), clients),
  );
  const scenario = `${clients} idle connections`;
  const peer = (value: number | undefined) => ({ name: 'nginx-rtmp', value });
  const med = (runs: IdleRun[], f: (r: IdleRun) => number | undefined) =>
    median(runs.map((r) => f(r) ?? Number.NaN));
  const pct = (p: number) => (r: IdleRun) => percentile(r.connectMs, p);
  return [
    {
      scenario,
      metric: 'server peak RSS',
      unit: 'MiB',
      ours: med(a, (r) => r.peakMiB),
      peer: peer(med(b, (r) => r.peakMiB)),
      goal: { kind: 'value', op: '<=', target: 1024 },
      note: notes(
        'nginx: its worker, default out_queue',
        a.find((r) => r.note) && `rtmpkit: ${a.find((r) => r.note)!.note}`,
        b.find((r) => r.note) && `nginx: ${b.find((r) => r.note)!.note}`,
      ),
    },
    {
      scenario,
      metric: 'RSS per connection',
      unit: 'KiB',
      ours: med(a, (r) => r.perConnKiB),
      peer: peer(med(b, (r) => r.perConnKiB)),
    },
    ...[50, 90, 99].map(
      (p): Row => ({
        scenario,
        metric: `connect p${p}`,
        unit: 'ms',
        ours: med(a, pct(p)),
        peer: peer(med(b, pct(p))),
      }),
    ),
  ];
}

/** One live stream fanned out to many players in one server process. */
export const fanoutScenario: Scenario = {
  id: 'fanout',
  title: 'fan-out 6 Mbit/s live',
  needs: ['nginx', 'ffmpeg'],
  run: fanout,
};

/** Many idle connected clients in one server process. */
export const idleScenario: Scenario = { id: 'idle', title: 'idle connections', needs: ['nginx'], run: idle };
