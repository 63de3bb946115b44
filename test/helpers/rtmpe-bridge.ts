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
  type HandshakeStep,
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
  /** Times the downstream client hung up with a reset (not counted as errors). */
  clientResets: number;
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
    // `writable`, not `destroyed`: once this side sent FIN, Node ends the socket for writing
    // (allowHalfOpen off) and a write would fail with "ended by the other party"; the
    // peer that hung up no longer wants the bytes still in flight from the other side.
    if (this.socket.writable)
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
    const conn: BridgeConnection = { up: 0, down: 0, errors: [], clientResets: 0 };
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
      s.on('error', (err: NodeJS.ErrnoException) => {
        // A reference client that has what it wants exits with bytes still unread (rtmpdump
        // stops at the stream's duration while the end-of-stream statuses are in flight):
        // its kernel answers with a reset. That is how it hangs up, not a relay failure.
        if (s === client && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) conn.clientResets++;
        else conn.errors.push(`${s === client ? 'client' : 'upstream'}: ${err.message}`);
      });
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
    /**
     * Wires one side: its bytes go through its handshake until done (then `onDone` records
     * the info), afterwards they are decrypted with its cipher and sent on to `other`.
     */
    const wire = <I extends { rtmpe?: { cipher: RtmpeCipher } }>(
      self: Side,
      other: Side,
      hs: { receive(d: Uint8Array): HandshakeStep<I> },
      onDone: (info: I) => void,
      count: (n: number) => void,
      where: string,
    ): void => {
      self.socket.on('data', (d: Buffer) => {
        try {
          let plain: Buffer | undefined = d;
          if (!self.done) {
            const step = hs.receive(d);
            for (const b of step.send) self.socket.write(b);
            if (!step.done) return;
            onDone(step.info!);
            self.finish(step.info!.rtmpe?.cipher);
            plain = step.rest;
          } else {
            self.cipher?.decrypt(d);
          }
          if (plain) {
            count(plain.length);
            other.send(plain);
          }
        } catch (err) {
          fail(where, err);
        }
      });
    };
    upstreamSocket.on('connect', () => upstreamSocket.write(clientHs.start()));
    wire(
      down,
      up,
      serverHs,
      (i) => {
        conn.downstream = i;
      },
      (n) => {
        conn.up += n;
      },
      'client side',
    );
    wire(
      up,
      down,
      clientHs,
      (i) => {
        conn.upstream = i;
      },
      (n) => {
        conn.down += n;
      },
      'upstream side',
    );
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
