/**
 * The bookkeeping both test proxies share (fault-proxy.ts, stall-proxy.ts): a TCP server on
 * 127.0.0.1 (free port) that refuses connections past `maxConnections` with an RST, hands
 * each accepted client to the proxy with its upstream socket to the target, and tracks
 * every socket and timer it made so that `close()` ends them all. Test-only.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** What a proxy gets for each accepted connection. */
export interface RelayParts {
  /** Accept order, from 0. */
  k: number;
  client: Socket;
  /** Already connecting to the target. */
  upstream: Socket;
  /** Runs `fn` after `ms` unless `close()` comes first. */
  later(fn: () => void, ms: number): void;
}

/** The listening relay. */
export interface RelayServer {
  port: number;
  url(path: string): string;
  /** Connections accepted so far (refused ones included). */
  readonly accepted: number;
  close(): Promise<void>;
}

/** Listens on a free port; `onConnection` wires each accepted client to its upstream. */
export async function startRelayServer(
  targetPort: number,
  maxConnections: number,
  onConnection: (parts: RelayParts) => void,
): Promise<RelayServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let accepted = 0;
  const track = (s: Socket): Socket => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    return s;
  };
  const later = (fn: () => void, ms: number): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const server: Server = createServer((client) => {
    track(client);
    const k = accepted++;
    if (k >= maxConnections) {
      client.resetAndDestroy();
      return;
    }
    onConnection({ k, client, upstream: track(connect(targetPort, '127.0.0.1')), later });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: (path) => `rtmp://127.0.0.1:${port}/${path}`,
    get accepted() {
      return accepted;
    },
    close: () =>
      new Promise<void>((res) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}
