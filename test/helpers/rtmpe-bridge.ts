/**
 * A test-only RTMP(E) bridge: accepts a connection with rtmpkit's ServerHandshake (plain
 * or RTMPE), opens one upstream with rtmpkit's ClientHandshake (plain or RTMPE), and
 * relays the chunk stream in between, decrypting and encrypting with each side's
 * `RtmpeCipher`. Neither handshake is forwarded: each side completes its own, so a
 * reference client and a reference server on either end check one side of rtmpkit's
 * RTMPE each (rtmpdump → bridge(RTMPE server) → nginx; rtmpdump → bridge(RTMPE client)
 * → rtmpsuck → nginx). Listens on 127.0.0.1, port 0; closes only the sockets it made.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import {
  ClientHandshake,
  type ClientHandshakeInfo,
  type ClientHandshakeOptions,
  ServerHandshake,
  type ServerHandshakeInfo,
  type ServerHandshakeOptions,
} from '../../src/handshake/index.js';
import type { RtmpeCipher } from '../../src/handshake/rtmpe-cipher.js';

/** What the bridge saw, per connection. */
export interface BridgeConnection {
  downstream?: ServerHandshakeInfo;
  upstream?: ClientHandshakeInfo;
  /** Chunk-stream bytes relayed client → server and server → client (after both handshakes). */
  up: number;
  down: number;
  errors: string[];
}

/** A running bridge. */
export interface Bridge {
  port: number;
  connections: BridgeConnection[];
  close(): Promise<void>;
}

/** Where and how the bridge connects upstream. */
export interface BridgeOptions {
  /** Handshake towards the client that connects to the bridge. */
  server: ServerHandshakeOptions;
  /** The upstream server and the handshake towards it. */
  upstream: { host: string; port: number; handshake: ClientHandshakeOptions };
}

/** One side's handshake state: the bytes it could not pass on yet, and its cipher once done. */
class Side {
  queue: Buffer[] = [];
  done = false;
  cipher: RtmpeCipher | undefined;

  constructor(readonly socket: Socket) {}

  /** Writes chunk-stream bytes to this side (encrypted when it speaks RTMPE), or queues them. */
  send(plain: Buffer): void {
    if (!this.done) {
      this.queue.push(Buffer.from(plain));
      return;
    }
    if (!this.socket.destroyed)
      this.socket.write(this.cipher ? this.cipher.encrypt(Buffer.from(plain)) : plain);
  }

  /** The handshake finished: flush what waited. */
  finish(cipher: RtmpeCipher | undefined): void {
    this.done = true;
    this.cipher = cipher;
    const q = this.queue;
    this.queue = [];
    for (const b of q) this.send(b);
  }
}

/** Starts a bridge on 127.0.0.1 (free port). */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const connections: BridgeConnection[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const conn: BridgeConnection = { up: 0, down: 0, errors: [] };
    connections.push(conn);
    const upstreamSocket = connect(options.upstream.port, options.upstream.host);
    for (const s of [client, upstreamSocket]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstreamSocket.destroy();
      });
      s.on('error', (err) => conn.errors.push(`${s === client ? 'client' : 'upstream'}: ${err.message}`));
    }
    const down = new Side(client);
    const up = new Side(upstreamSocket);
    const serverHs = new ServerHandshake(options.server);
    const clientHs = new ClientHandshake(options.upstream.handshake);
    const fail = (where: string, err: unknown): void => {
      conn.errors.push(`${where}: ${(err as Error).message}`);
      client.destroy();
      upstreamSocket.destroy();
    };
    upstreamSocket.on('connect', () => upstreamSocket.write(clientHs.start()));
    client.on('data', (d: Buffer) => {
      try {
        if (!down.done) {
          const step = serverHs.receive(d);
          for (const b of step.send) client.write(b);
          if (!step.done) return;
          conn.downstream = step.info!;
          down.finish(step.info!.rtmpe?.cipher);
          if (step.rest) {
            conn.up += step.rest.length;
            up.send(step.rest);
          }
          return;
        }
        down.cipher?.decrypt(d);
        conn.up += d.length;
        up.send(d);
      } catch (err) {
        fail('client side', err);
      }
    });
    upstreamSocket.on('data', (d: Buffer) => {
      try {
        if (!up.done) {
          const step = clientHs.receive(d);
          for (const b of step.send) upstreamSocket.write(b);
          if (!step.done) return;
          conn.upstream = step.info!;
          up.finish(step.info!.rtmpe?.cipher);
          if (step.rest) {
            conn.down += step.rest.length;
            down.send(step.rest);
          }
          return;
        }
        up.cipher?.decrypt(d);
        conn.down += d.length;
        down.send(d);
      } catch (err) {
        fail('upstream side', err);
      }
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as { port: number };
  return {
    port,
    connections,
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}
