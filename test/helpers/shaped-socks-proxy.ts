/**
 * A SOCKS4 proxy on 127.0.0.1 (free port) that stands for a remote network path in front of
 * a server on this host, so that clients which take a proxy (rtmpdump `-S`, rtmpkit
 * `--socks`) meet what a real distance does to a download: every byte crosses it `delayMs`
 * later in either direction, server → client at most `rateBytesPerMs`, through a bottleneck
 * that holds `bufferBytes` (a router's queue) — past that it stops reading from the server,
 * so TCP's backpressure reaches the server as on a slow link. It answers every SOCKS4
 * CONNECT with "granted" and relays to the one target it was started for (the request's
 * address is not used).
 *
 * Bounded: at most `maxConnections` relayed (further ones are reset); every socket and
 * timer ends with `close()`. Test-only.
 */
import type { Socket } from 'node:net';
import { startRelayServer } from './relay-server.js';

/** The path a connection crosses. */
export interface PathShape {
  /** Server → client bottleneck rate, bytes per ms (12,500 = 100 Mbit/s). */
  rateBytesPerMs: number;
  /** One way, ms (the round trip is twice this). */
  delayMs: number;
  /** What the bottleneck holds before the proxy stops reading from the server, bytes. */
  bufferBytes: number;
}

/** A running shaped proxy. */
export interface ShapedSocksProxy {
  /** `127.0.0.1:PORT`, for `-S` / `--socks` / `socks=`. */
  readonly address: string;
  close(): Promise<void>;
}

/** The SOCKS4 request's length once complete (VN CD DSTPORT DSTIP USERID NUL [HOST NUL]), or 0. */
function requestLength(b: Buffer): number {
  if (b.length < 9) return 0;
  const user = b.indexOf(0, 8);
  if (user < 0) return 0;
  // SOCKS4a: DSTIP 0.0.0.x (x ≠ 0) is followed by the host name.
  const socks4a = b[4] === 0 && b[5] === 0 && b[6] === 0 && b[7] !== 0;
  if (!socks4a) return user + 1;
  const host = b.indexOf(0, user + 1);
  return host < 0 ? 0 : host + 1;
}

/** Starts a SOCKS4 proxy to `127.0.0.1:targetPort` whose connections cross `shape`. */
export async function startShapedSocksProxy(
  targetPort: number,
  shape: PathShape,
  maxConnections = 16,
): Promise<ShapedSocksProxy> {
  const relay = await startRelayServer(targetPort, maxConnections, ({ client, upstream, later }) => {
    let closed = false;
    const delayed = (to: Socket, b: Buffer): void =>
      later(() => {
        if (!to.destroyed) to.write(b);
      }, shape.delayMs);

    // Client → server: the SOCKS4 request first (answered at once), then every byte late.
    let head: Buffer | undefined = Buffer.alloc(0);
    client.on('data', (d: Buffer) => {
      if (head === undefined) {
        delayed(upstream, d);
        return;
      }
      head = Buffer.concat([head, d]);
      const n = requestLength(head);
      if (n === 0) return;
      client.write(Buffer.from([0, 90, 0, 0, 0, 0, 0, 0]));
      if (head.length > n) delayed(upstream, head.subarray(n));
      head = undefined;
    });
    client.on('end', () => later(() => upstream.end(), shape.delayMs + 1));
    client.on('close', () => {
      closed = true;
      upstream.destroy();
    });

    // Server → client: through the bottleneck at the rate, then late.
    const queue: Buffer[] = [];
    let queued = 0;
    let credit = 0;
    let last = performance.now();
    let serverEnded = false;
    upstream.on('data', (d: Buffer) => {
      queue.push(d);
      queued += d.length;
      if (queued > shape.bufferBytes) upstream.pause();
    });
    upstream.on('end', () => {
      serverEnded = true;
    });
    upstream.on('close', () => {
      if (!serverEnded) client.destroy();
    });
    const tick = (): void => {
      if (closed) return;
      const now = performance.now();
      credit = Math.min(credit + (now - last) * shape.rateBytesPerMs, shape.rateBytesPerMs * 5);
      last = now;
      while (queue.length > 0 && credit >= 1) {
        const n = Math.floor(credit);
        let b = queue[0]!;
        if (b.length > n) {
          queue[0] = b.subarray(n);
          b = b.subarray(0, n);
        } else {
          queue.shift();
        }
        credit -= b.length;
        queued -= b.length;
        delayed(client, b);
      }
      if (queued <= shape.bufferBytes && upstream.isPaused() && !upstream.destroyed) upstream.resume();
      if (serverEnded && queue.length === 0) {
        later(() => client.end(), shape.delayMs + 1);
        return;
      }
      later(tick, 1);
    };
    later(tick, 1);
  });
  return { address: `127.0.0.1:${relay.port}`, close: () => relay.close() };
}
