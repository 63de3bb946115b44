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
import { startRelayServer } from './relay-server.js';

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
  let stalls = 0;
  const relay = await startRelayServer(targetPort, maxConnections, ({ client, upstream, later }) => {
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
        later(() => {
          stalled = false;
          if (!waitingDrain) upstream.resume();
        }, stall.stallMs);
      }
    });
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroySoon());
  });
  return {
    port: relay.port,
    url: relay.url,
    get stalls() {
      return stalls;
    },
    close: () => relay.close(),
  };
}
