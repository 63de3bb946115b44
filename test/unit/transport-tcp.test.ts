/**
 * Accepted sockets reading into one shared buffer (`adoptReusedReads` + `setReadSink`):
 * every byte arrives in order as views of that one buffer, for every connection;
 * pausing stops the reads (TCP flow control) and resuming brings the rest; and bytes
 * that arrive before a sink claims the socket come out as ordinary 'data'.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { adoptReusedReads, readsIntoReusedBuffer, setReadSink } from '../../src/transport/tcp.js';

async function listen(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

async function send(port: number, bytes: Buffer): Promise<void> {
  const c = connect(port, '127.0.0.1');
  await new Promise<void>((r) => c.once('connect', r));
  await new Promise<void>((r) => c.end(bytes, r));
}

describe('transport: accepted sockets read into one shared buffer', () => {
  it('two connections: every byte in order, each read a view of the same buffer', async () => {
    const got: Buffer[][] = [[], []];
    const buffers = new Set<ArrayBufferLike>();
    let n = 0;
    const ended: Promise<void>[] = [];
    const { server, port } = await listen((s) => {
      const i = n++;
      assert.equal(adoptReusedReads(s), true);
      assert.equal(readsIntoReusedBuffer(s), true);
      assert.equal(
        setReadSink(s, (b) => {
          buffers.add(b.buffer);
          got[i]!.push(Buffer.from(b));
        }),
        true,
      );
      ended.push(new Promise((r) => s.once('end', r)));
      s.resume();
    });
    try {
      const a = randomBytes(600_000);
      const b = randomBytes(300_000);
      await send(port, a);
      await send(port, b);
      for (let t = 0; t < 200 && ended.length < 2; t++) await new Promise((r) => setTimeout(r, 10));
      await Promise.all(ended);
      assert.deepEqual(Buffer.concat(got[0]!), a);
      assert.deepEqual(Buffer.concat(got[1]!), b);
      assert.equal(buffers.size, 1, 'one buffer for every read of both sockets');
    } finally {
      server.close();
    }
  });

  it('pause stops the reads, resume delivers the rest', async () => {
    const got: Buffer[] = [];
    let socket: Socket | undefined;
    let ended: Promise<void> | undefined;
    const { server, port } = await listen((s) => {
      socket = s;
      adoptReusedReads(s);
      setReadSink(s, (b) => got.push(Buffer.from(b)));
      ended = new Promise((r) => s.once('end', r));
      s.pause();
    });
    try {
      const data = randomBytes(100_000);
      await send(port, data);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(got.length, 0, 'nothing read while paused');
      socket!.resume();
      await ended;
      assert.deepEqual(Buffer.concat(got), data);
    } finally {
      server.close();
    }
  });

  it('before a sink claims the socket, reads are copied out as data events', async () => {
    const chunks: Buffer[] = [];
    let ended: Promise<void> | undefined;
    const { server, port } = await listen((s) => {
      adoptReusedReads(s);
      s.on('data', (b: Buffer) => chunks.push(b));
      ended = new Promise((r) => s.once('end', r));
    });
    try {
      const data = randomBytes(50_000);
      await send(port, data);
      for (let t = 0; t < 200 && ended === undefined; t++) await new Promise((r) => setTimeout(r, 10));
      await ended;
      assert.deepEqual(
        Buffer.concat(chunks),
        data,
        'kept chunks stay intact: copies, not views of the read buffer',
      );
    } finally {
      server.close();
    }
  });
});
