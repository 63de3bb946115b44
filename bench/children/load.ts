/**
 * Load-generator child (IPC): many SkimClients in one process, for the fan-out and
 * idle-connection scenarios. The harness sends one `LoadStart`; the child connects
 * `count` clients, at most `concurrency` handshakes at a time, and answers `ready`
 * (connect times, failures). Then:
 * - idle: on `close` it closes every client and exits;
 * - play: it records, per player, how many A/V messages arrived and the spread of
 *   (arrival time − media timestamp); on `finish` (the publisher is done) it waits
 *   until no media arrived for `quietMs` (bounded by `timeoutMs`), sends `result`,
 *   closes every client and exits.
 */
import { SkimClient } from '../lib/skim-client.js';

/** The harness's first message. */
export interface LoadStart {
  mode: 'idle' | 'play';
  port: number;
  app: string;
  stream?: string;
  count: number;
  concurrency: number;
  /** Per client: connect (idle) or Play.Start (play) must come within this. */
  timeoutMs: number;
  quietMs: number;
}

/** What one player saw. */
export interface PlayerStats {
  tags: number;
  /** min and max of (arrival ms − timestamp ms) over its A/V messages. */
  minOffset: number;
  maxOffset: number;
  bytes: number;
}

/** Messages to the harness. */
export type LoadReport =
  | { kind: 'ready'; connectMs: number[]; failed: number; errors: string[] }
  | { kind: 'result'; players: PlayerStats[]; dropped: number };

function send(msg: LoadReport): void {
  process.send!(msg);
}

async function run(start: LoadStart): Promise<void> {
  const clients: SkimClient[] = [];
  const connectMs: number[] = [];
  const errors = new Set<string>();
  let failed = 0;
  let dropped = 0;
  let lastMedia = performance.now();
  let closing = false;
  const playing: { stats: PlayerStats; client: SkimClient }[] = [];

  const one = (): Promise<void> =>
    new Promise((resolve) => {
      let ready = false;
      const s: PlayerStats = { tags: 0, minOffset: Infinity, maxOffset: -Infinity, bytes: 0 };
      const done = (ok: boolean, why?: string): void => {
        clearTimeout(timer);
        if (ready) return;
        ready = true;
        if (ok) {
          if (start.mode === 'play') playing.push({ stats: s, client });
        } else {
          failed++;
          errors.add(why ?? 'closed');
          client.close();
        }
        resolve();
      };
      const client = new SkimClient(
        { port: start.port, app: start.app, ...(start.stream === undefined ? {} : { stream: start.stream }) },
        {
          connected(ms) {
            connectMs.push(ms);
            if (start.mode === 'idle') done(true);
          },
          playing: () => done(true),
          media(_type, timestamp) {
            const now = performance.now();
            lastMedia = now;
            const off = now - timestamp;
            if (off < s.minOffset) s.minOffset = off;
            if (off > s.maxOffset) s.maxOffset = off;
            s.tags++;
          },
          closed(error) {
            if (!ready) done(false, error?.message);
            else if (!closing) dropped++;
          },
        },
      );
      const timer = setTimeout(
        () => done(false, `no ${start.mode === 'idle' ? 'connect' : 'Play.Start'} in time`),
        start.timeoutMs,
      );
      clients.push(client);
      client.start();
    });

  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(start.concurrency, start.count) }, async () => {
      while (next < start.count) {
        next++;
        await one();
      }
    }),
  );
  send({ kind: 'ready', connectMs, failed, errors: [...errors].slice(0, 3) });

  const closeAll = (): void => {
    closing = true;
    for (const c of clients) c.close();
  };
  process.on('message', async (msg: { cmd: 'close' | 'finish' }) => {
    if (msg.cmd === 'finish') {
      const end = performance.now() + start.timeoutMs;
      while (performance.now() - lastMedia < start.quietMs && performance.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const p of playing) p.stats.bytes = p.client.bytesIn;
      send({ kind: 'result', players: playing.map((p) => p.stats), dropped });
    }
    closeAll();
    process.disconnect();
  });
}

process.once('message', (msg: LoadStart) => {
  run(msg).catch((err: unknown) => {
    process.stderr.write(`load: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
});
