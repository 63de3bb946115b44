/**
 * A stalling TCP proxy on 127.0.0.1 (free port) for tests of what a server does when its
 * client stops reading for a while: it relays a client to a target both ways, and once
 * `afterBytes` went downstream (server → client) on a connection it stops reading from
 * the server for `stallMs`, then relays on. While it stalls the kernel's socket buffers
 * fill and the server's own send queue backs up, as behind a client that falls behind.
 * Downstream it honours the client's backpressure (never buffers more than one read).
 *
 * Bounded: at most `maxConnections` relayed (further ones are reset), every socket and
 * timer ended by `close()`. Test-only.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** The stall each connection gets. */
export interface Stall {
  /** Stall once this many bytes went server → client. */
  afterBytes: number;
  /** How long to stop reading from the server, ms. */
  stallMs: number;
}

/** A running stall proxy. */
export interface StallProxy {
  port: number;
  url(path: string): string;
  /** Connections stalled so far (each stalls once). */
  readonly stalls: number;
  close(): Promise<void>;
}

/** Starts a proxy to `127.0.0.1:targetPort` that stalls each connection as `stall` says. */
export async function startStallProxy(
  targetPort: number,
  stall: Stall,
  maxConnections = 16,
): Promise<StallProxy> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let accepted = 0;
  let stalls = 0;
  const track = (s: Socket): Socket => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    return s;
  };
  const server: Server = createServer((client) => {
    track(client);
    if (accepted++ >= maxConnections) {
      client.resetAndDestroy();
      return;
    }
    const upstream = track(connect(targetPort, '127.0.0.1'));
    client.pipe(upstream);
    let down = 0;
    let stalled = false;
    let stalledOnce = false;
    let waitingDrain = false;
    upstream.on('data', (d: Buffer) => {
      down += d.length;
      if (!client.write(d)) {
        waitingDrain = true;
        upstream.pause();
        client.once('drain', () => {
          waitingDrain = false;
          if (!stalled) upstream.resume();
        });
      }
      if (!stalledOnce && down >= stall.afterBytes) {
        stalled = true;
        stalledOnce = true;
        stalls++;
        upstream.pause();
        const timer = setTimeout(() => {
          timers.delete(timer);
          stalled = false;
          if (!waitingDrain) upstream.resume();
        }, stall.stallMs);
        timers.add(timer);
      }
    });
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroySoon());
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: (path) => `rtmp://127.0.0.1:${port}/${path}`,
    get stalls() {
      return stalls;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}
