/**
 * Embedded server limits and lifecycle: maxConnections refuses the extra socket, an
 * idle socket is closed while a connected client that answers pings stays, an
 * oversized message closes the connection, bad options throw, listen errors reject,
 * and close() ends everything (players, publishers, VOD playbacks) promptly.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import type { RTMPError } from '../../src/errors.js';
import { createServer } from '../../src/server/server.js';
import { makeTestFlv } from '../../src/server/test-media.js';
import { sleep, startServer, TestClient, until } from './server-harness.js';

function rawSocket(port: number): { socket: Socket; closed: Promise<number>; bytes: () => number } {
  const socket = connect(port, '127.0.0.1');
  let n = 0;
  socket.on('data', (d: Buffer) => {
    n += d.length;
  });
  socket.on('error', () => {});
  const t0 = Date.now();
  const closed = new Promise<number>((res) => socket.on('close', () => res(Date.now() - t0)));
  return { socket, closed, bytes: () => n };
}

describe('server: limits', () => {
  it('maxConnections: the extra socket is closed at once; a slot frees when a client leaves', async () => {
    const { server, port } = await startServer({ maxConnections: 2, maxConnectionsPerAddress: 2 });
    try {
      const a = await TestClient.connect(port, 'live');
      const b = await TestClient.connect(port, 'live');
      const extra = rawSocket(port);
      const ms = await extra.closed;
      assert.ok(ms < 1000, `closed after ${ms} ms`);
      assert.equal(extra.bytes(), 0);
      assert.equal(server.clients.size, 2);
      a.destroy();
      await until(() => server.clients.size === 1);
      const c = await TestClient.connect(port, 'live');
      assert.ok(c.events.some((e) => e.kind === 'connected'));
      b.destroy();
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('idle timeout closes a silent socket; a connected client that answers pings stays', async () => {
    const { server, port } = await startServer({ idleTimeoutMs: 200 });
    try {
      const silent = rawSocket(port);
      const live = await TestClient.connect(port, 'live');
      const sentAtConnect = live.session.bytesSent;
      const ms = await silent.closed;
      assert.ok(ms >= 150 && ms < 1500, `silent socket closed after ${ms} ms`);
      await sleep(700);
      assert.equal(live.closed, false, 'pinged client still connected');
      assert.ok(live.session.bytesSent > sentAtConnect, 'the client answered PingRequests (PingResponse)');
      // Once the client stops answering pings it is closed too.
      live.deaf = true;
      const t0 = Date.now();
      await live.closedPromise;
      assert.ok(Date.now() - t0 < 1500);
    } finally {
      await server.close();
    }
  });

  it('a message larger than maxMessageSize closes the connection (clientError)', async () => {
    const { server, port } = await startServer({ maxMessageSize: 1000 });
    const errors: RTMPError[] = [];
    server.on('clientError', (e) => errors.push(e));
    try {
      const c = await TestClient.connect(port, 'live', { mode: 'publish' });
      const id = await c.publish('big');
      c.session.sendMedia(id, 'video', 0, Buffer.alloc(5000, 1));
      c.flush();
      await c.closedPromise;
      await until(() => errors.length > 0);
      assert.equal(errors[0]?.code, 'ERR_CHUNK_MESSAGE_TOO_LARGE');
      await until(() => server.clients.size === 0);
    } finally {
      await server.close();
    }
  });

  it('bad options throw ERR_SERVER_OPTION; listen errors reject', async () => {
    assert.throws(() => createServer({ maxConnections: 0 }), { code: 'ERR_SERVER_OPTION' });
    assert.throws(() => createServer({ chunkSize: 1.5 }), { code: 'ERR_SERVER_OPTION' });
    assert.throws(() => createServer({ onCall: 'x' as never }), { code: 'ERR_SERVER_OPTION' });
    assert.throws(() => createServer({ vodFiles: { a: 'x' as never } }), { code: 'ERR_SERVER_OPTION' });
    const { server, port } = await startServer();
    const other = createServer();
    try {
      await assert.rejects(other.listen({ port }), { code: 'EADDRINUSE' });
      assert.equal(other.address(), undefined);
      assert.deepEqual(server.address(), { host: '127.0.0.1', port });
    } finally {
      await server.close();
      await other.close();
    }
  });

  it('close() drops players, publishers and VOD playbacks and resolves promptly', async () => {
    const { server, port } = await startServer({ vodFiles: { big: makeTestFlv(600) } });
    const vod = await TestClient.connect(port, 'vod');
    const sid = await vod.createStream();
    vod.socket.pause(); // keeps the VOD playback blocked on 'drain'
    vod.session.play(sid, 'big');
    vod.flush();
    const player = await TestClient.connect(port, 'live');
    await player.play('x');
    const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
    await pub.publish('x');
    await sleep(50);
    let closed = false;
    server.on('close', () => {
      closed = true;
    });
    const t0 = Date.now();
    await server.close();
    const ms = Date.now() - t0;
    assert.ok(ms < 1000, `close took ${ms} ms`);
    assert.ok(closed);
    vod.socket.resume();
    await Promise.all([vod.closedPromise, player.closedPromise, pub.closedPromise]);
    assert.equal(server.clients.size, 0);
    assert.equal(server.address(), undefined);
    await server.close(); // idempotent
    await assert.rejects(server.listen({ port: 0 }), { code: 'ERR_SERVER_STATE' });
  });
});
