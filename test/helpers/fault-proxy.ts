/**
 * A fault-injecting TCP proxy on 127.0.0.1 (free port) for reconnect tests: it relays a
 * client to a target and cuts chosen connections — with a FIN (both sides end) or an RST
 * (`resetAndDestroy`) — after N bytes in one direction (N inside a chunk: mid-chunk;
 * N < 3073 downstream: during the handshake), at the end of the read that crosses N
 * (servers write whole messages: a message boundary), or after a delay. Connection k
 * (0-based, in accept order) gets `plan(k)`; undefined relays it untouched.
 *
 * Bounded: at most `maxConnections` relayed (further ones are refused with an RST), every
 * socket destroyed by `close()`. Test-only.
 */
import type { Socket } from 'node:net';
import { startRelayServer } from './relay-server.js';

/** How one connection is cut. */
export interface Cut {
  /** FIN: both sides end cleanly; RST: both sides reset. */
  how: 'fin' | 'rst';
  /** Cut once this many bytes went `direction` (default: down, server → client). */
  afterBytes?: number;
  /** Or cut this long after the connection was accepted, ms. */
  afterMs?: number;
  /** `byte`: exactly `afterBytes` pass (mid-chunk); `read`: the whole read that crosses it (a message boundary). */
  align?: 'byte' | 'read';
  direction?: 'down' | 'up';
}

/** What the proxy did. */
export interface FaultProxy {
  port: number;
  url(path: string): string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections cut so far. */
  readonly cuts: number;
  /** Bytes relayed downstream per connection. */
  readonly down: number[];
  close(): Promise<void>;
}

/** Starts a proxy to `127.0.0.1:targetPort` that cuts connection k as `plan(k)` says. */
export async function startFaultProxy(
  targetPort: number,
  plan: (k: number) => Cut | undefined,
  maxConnections = 64,
): Promise<FaultProxy> {
  const down: number[] = [];
  let cuts = 0;
  const proxy = await startRelayServer(targetPort, maxConnections, ({ k, client, upstream, later }) => {
    down[k] = 0;
    const cut = plan(k);
    let done = false;
    const doCut = (): void => {
      if (done) return;
      done = true;
      cuts++;
      if (cut!.how === 'rst') {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      } else {
        client.end();
        upstream.end();
        client.destroySoon();
        upstream.destroySoon();
      }
    };
    const relay = (from: Socket, to: Socket, dir: 'down' | 'up'): void => {
      let sent = 0;
      from.on('data', (d: Buffer) => {
        if (done) return;
        let out = d;
        const limit = cut?.afterBytes;
        const cutting = limit !== undefined && (cut!.direction ?? 'down') === dir && sent + d.length >= limit;
        if (cutting && (cut!.align ?? 'byte') === 'byte') out = d.subarray(0, Math.max(0, limit - sent));
        sent += out.length;
        if (dir === 'down') down[k]! += out.length;
        if (out.length > 0) to.write(out);
        if (cutting) doCut();
      });
      from.on('end', () => {
        if (!done) to.end();
      });
      from.on('close', () => {
        if (!done) to.destroy();
      });
    };
    relay(upstream, client, 'down');
    relay(client, upstream, 'up');
    if (cut?.afterMs !== undefined) later(doCut, cut.afterMs);
  });
  return {
    port: proxy.port,
    url: proxy.url,
    get accepted() {
      return proxy.accepted;
    },
    get cuts() {
      return cuts;
    },
    down,
    close: () => proxy.close(),
  };
}
