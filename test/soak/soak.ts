/**
 * The soak run: the embedded server in a child process (server-child.ts), one rtmpkit
 * publisher looping a 10 s H.264/AAC file in real time (`rtmpkit publish --loop`), 20
 * rtmpkit players and 5 rtmpdump players on the live stream, and a churn of short
 * rtmpkit plays (one every few seconds, each a few seconds long) so connection setup
 * and teardown are soaked too. Every `sampleMs` the server is asked for its memory
 * after a full GC; every player must keep receiving (a gap longer than `stallMs` is a
 * stall) and none may end on its own (a drop). Loopback only; everything it starts is
 * stopped by PID at the end, whatever happens.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeMedia } from '../helpers/peers.js';
import { type Player, rtmpdumpPlayer, rtmpkitPlayer } from './players.js';
import { growthFailures, type MemorySample, type MemoryTrend, memoryTrend } from './trend.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(here, '../../src/cli/main.js');

/** Options of a soak run. */
export interface SoakOptions {
  durationMs: number;
  /** Samples before this are the warm-up (queues, caches, JIT and heap sizing settle). */
  warmupMs: number;
  sampleMs?: number;
  rtmpkitPlayers?: number;
  rtmpdumpPlayers?: number;
  /** A short play starts this often (0: no churn). */
  churnEveryMs?: number;
  /** A player with no data for this long has stalled. */
  stallMs?: number;
  /** Makes the server keep this many KiB a second on purpose (to see the growth check fail). */
  leakKiBPerSecond?: number;
  /** Called with a line per sample (progress). */
  log?: (line: string) => void;
}

/** What a soak run found. */
export interface SoakReport {
  seconds: number;
  samples: MemorySample[];
  trend: MemoryTrend;
  /** Limits the trend broke (empty: bounded). */
  growth: string[];
  players: { label: string; mbytes: number }[];
  /** Players that ended on their own, or stalled, with why. */
  dropped: string[];
  stalled: string[];
  churned: number;
  churnFailures: string[];
  publisherEvents: string[];
  /** The publisher unpublished or exited during the run. */
  publisherFailures: string[];
  /** Connected clients at the last sample (players + publisher + live churn). */
  clients: number;
}

interface ServerChild {
  child: ChildProcess;
  port: number;
  sample(): Promise<MemorySample & { clients: number }>;
  published: Promise<void>;
  events: string[];
}

function startServer(t0: number, leakKiBPerSecond: number): Promise<ServerChild> {
  const args = leakKiBPerSecond > 0 ? ['--leak-kib-per-s', String(leakKiBPerSecond)] : [];
  const child = fork(join(here, 'server-child.js'), args, {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const events: string[] = [];
  let onPublish: () => void = () => {};
  const published = new Promise<void>((r) => {
    onPublish = r;
  });
  const waiting: ((m: MemorySample & { clients: number }) => void)[] = [];
  return new Promise((res, rej) => {
    child.once('error', rej);
    child.once('exit', (code) => rej(new Error(`server child exited (${code}) before listening`)));
    child.on(
      'message',
      (m: {
        kind: string;
        port?: number;
        rss?: number;
        heapUsed?: number;
        external?: number;
        clients?: number;
      }) => {
        if (m.kind === 'listening') {
          res({
            child,
            port: m.port!,
            published,
            events,
            sample: () =>
              new Promise((r) => {
                waiting.push(r);
                child.send({ kind: 'sample' });
              }),
          });
        } else if (m.kind === 'publish') {
          events.push(`publish at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
          onPublish();
        } else if (m.kind === 'unpublish') {
          events.push(`unpublish at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        } else if (m.kind === 'sample') {
          waiting.shift()?.({
            t: Date.now() - t0,
            rss: m.rss!,
            heapUsed: m.heapUsed!,
            external: m.external!,
            clients: m.clients!,
          });
        }
      },
    );
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one soak and reports; never throws for what it measures (the caller judges). */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const sampleMs = options.sampleMs ?? 1000;
  const stallMs = options.stallMs ?? 10_000;
  const churnEveryMs = options.churnEveryMs ?? 3000;
  const churnMs = Math.max(2000, Math.min(churnEveryMs * 2, 6000));
  const log = options.log ?? (() => {});
  const media = join(makeMedia(), 'short.flv');
  const t0 = Date.now();
  const server = await startServer(t0, options.leakKiBPerSecond ?? 0);
  const url = `rtmp://127.0.0.1:${server.port}/live/soak`;
  const publisher = spawn(process.execPath, [CLI, 'publish', '--loop', '--quiet', url, media], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let publisherErr = '';
  publisher.stderr!.on('data', (d: Buffer) => {
    publisherErr = (publisherErr + d.toString()).slice(-400);
  });
  const players: Player[] = [];
  const churn: Player[] = [];
  const samples: MemorySample[] = [];
  const stalled = new Set<string>();
  const churnFailures: string[] = [];
  const publisherFailures: string[] = [];
  let churned = 0;
  let clients = 0;
  try {
    await Promise.race([
      server.published,
      sleep(20_000).then(() => {
        throw new Error(`the publisher did not start within 20 s: ${publisherErr}`);
      }),
    ]);
    for (let i = 0; i < (options.rtmpkitPlayers ?? 20); i++)
      players.push(rtmpkitPlayer(`rtmpkit-${i + 1}`, url));
    for (let i = 0; i < (options.rtmpdumpPlayers ?? 5); i++)
      players.push(rtmpdumpPlayer(`rtmpdump-${i + 1}`, url));
    let nextChurn = Date.now() + churnEveryMs;
    while (Date.now() - t0 < options.durationMs) {
      await sleep(sampleMs);
      const now = Date.now();
      const s = await Promise.race([
        server.sample(),
        sleep(15_000).then((): never => {
          throw new Error('the server did not answer a memory sample within 15 s');
        }),
      ]);
      clients = s.clients;
      samples.push({ t: s.t, rss: s.rss, heapUsed: s.heapUsed, external: s.external });
      for (const p of players)
        if (p.dropped === undefined && now - p.lastData > stallMs) stalled.add(p.label);
      if (churnEveryMs > 0 && now >= nextChurn) {
        nextChurn = now + churnEveryMs;
        const c = rtmpkitPlayer(`short-${++churned}`, url);
        churn.push(c);
        // A short play must get data before it is stopped, and end only when stopped.
        setTimeout(() => {
          if (c.stopping) return; // the run ended first and stopped it
          if (c.dropped === undefined && c.bytes === 0)
            churnFailures.push(`${c.label}: no data in ${churnMs} ms`);
          c.stop();
          void c.done.then(() => {
            if (c.dropped !== undefined) churnFailures.push(`${c.label}: ${c.dropped}`);
            churn.splice(churn.indexOf(c), 1);
          });
        }, churnMs).unref();
      }
      log(
        `${(s.t / 1000).toFixed(0)} s: rss ${(s.rss / 1048576).toFixed(1)} MiB, heap+external ${((s.heapUsed + s.external) / 1048576).toFixed(1)} MiB, ${s.clients} clients`,
      );
    }
    // Anything but the one publish before the end of the run: the publisher dropped.
    publisherFailures.push(...server.events.slice(1));
    if (publisher.exitCode !== null)
      publisherFailures.push(`publisher exited ${publisher.exitCode}: ${publisherErr}`);
  } finally {
    for (const p of [...players, ...churn]) p.stop();
    await Promise.race([Promise.all([...players, ...churn].map((p) => p.done)), sleep(10_000)]);
    if (publisher.exitCode === null) publisher.kill('SIGINT');
    server.child.send({ kind: 'stop' });
    await Promise.race([new Promise((r) => server.child.once('exit', r)), sleep(5000)]);
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    if (publisher.exitCode === null) publisher.kill('SIGKILL');
  }
  const trend = memoryTrend(samples, options.warmupMs);
  return {
    seconds: (Date.now() - t0) / 1000,
    samples,
    trend,
    growth: growthFailures(trend),
    players: players.map((p) => ({ label: p.label, mbytes: p.bytes / 1e6 })),
    dropped: players.filter((p) => p.dropped !== undefined).map((p) => `${p.label}: ${p.dropped}`),
    stalled: [...stalled],
    churned,
    churnFailures,
    publisherEvents: server.events,
    publisherFailures,
    clients,
  };
}

/** Every failure of a run (empty: it passed). */
export function failuresOf(r: SoakReport): string[] {
  return [
    ...r.dropped.map((d) => `dropped ${d}`),
    ...r.stalled.map((p) => `stalled ${p}`),
    ...r.churnFailures.map((c) => `short play ${c}`),
    ...r.publisherFailures.map((p) => `publisher: ${p}`),
    ...r.growth,
  ];
}

/** A soak run's findings as text. */
export function formatReport(r: SoakReport): string {
  const t = r.trend;
  const mb = r.players.map((p) => p.mbytes);
  return [
    `soak: ${r.seconds.toFixed(0)} s, ${r.players.length} players (+${r.churned} short plays), ${r.samples.length} samples (${t.samples} after warm-up)`,
    `server RSS: ${t.rssFirst.toFixed(1)} → ${t.rssLast.toFixed(1)} MiB (peak ${t.rssPeak.toFixed(1)}), slope ${t.rssSlope.toFixed(2)} MiB/min`,
    `server heap+external after GC: ${t.heapFirst.toFixed(1)} → ${t.heapLast.toFixed(1)} MiB (peak ${t.heapPeak.toFixed(1)}), slope ${t.heapSlope.toFixed(2)} MiB/min`,
    `received per player: ${Math.min(...mb).toFixed(1)}–${Math.max(...mb).toFixed(1)} MB`,
    `publisher: ${r.publisherEvents.join('; ')}${r.publisherFailures.length ? ` — FAILED: ${r.publisherFailures.join('; ')}` : ''}`,
    `dropped: ${r.dropped.length ? r.dropped.join('; ') : 'none'}`,
    `stalled: ${r.stalled.length ? r.stalled.join(', ') : 'none'}`,
    `short plays failed: ${r.churnFailures.length ? r.churnFailures.join('; ') : 'none'}`,
    `growth: ${r.growth.length ? r.growth.join('; ') : 'bounded'}`,
  ].join('\n');
}
