/**
 * The embedded server's hardening, on loopback with scripted clients: per-address and
 * total connection limits refuse with a `limit` event (RTMPLimitError, client
 * undefined); a handshake dripper is cut at handshakeTimeoutMs; a client that sends but
 * never reads is no longer read once its output passes outputHighWaterMark and is cut
 * as a slow reader; an oversized onMetaData is dropped (not relayed, not stored) while
 * the publish goes on; a re-sent play does not queue the late-joiner state again;
 * repeated refusals are logged once per address and kind per interval, with a count;
 * a kept payload that is a small view of a large buffer is copied out.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { ChunkWriter } from '../../src/chunk/writer.js';
import { RTMPLimitError } from '../../src/errors.js';
import { pingRequest } from '../../src/message/builders.js';
import { encodeMessage } from '../../src/message/codec.js';
import { unpinned } from '../../src/server/client-streams.js';
import { RefusalLog } from '../../src/server/refusal-log.js';
import type { ServerClient } from '../../src/server/types.js';
import { sleep, startServer, TestClient, until } from './server-harness.js';

type Limit = { error: RTMPLimitError; client: ServerClient | undefined };

function rawSocket(port: number): { socket: Socket; closed: Promise<number> } {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const t0 = Date.now();
  const closed = new Promise<number>((res) => socket.on('close', () => res(Date.now() - t0)));
  return { socket, closed };
}

describe('server: hardening', () => {
  it('maxConnectionsPerAddress refuses the extra socket from one address with a limit event', async () => {
    const { server, port } = await startServer({ maxConnections: 10, maxConnectionsPerAddress: 2 });
    const limits: Limit[] = [];
    server.on('limit', (error, client) => limits.push({ error, client }));
    try {
      const a = await TestClient.connect(port, 'live');
      const b = await TestClient.connect(port, 'live');
      const extra = rawSocket(port);
      assert.ok((await extra.closed) < 1000);
      assert.equal(limits.length, 1);
      assert.ok(limits[0]!.error instanceof RTMPLimitError);
      assert.equal(limits[0]!.error.code, 'ERR_SERVER_LIMIT_CONNECTIONS_PER_ADDRESS');
      assert.equal(limits[0]!.error.limit, 'maxConnectionsPerAddress');
      assert.equal(limits[0]!.client, undefined);
      a.destroy();
      await until(() => server.clients.size === 1);
      const c = await TestClient.connect(port, 'live'); // the slot is free again
      assert.ok(c.events.some((e) => e.kind === 'connected'));
      b.destroy();
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('a client dripping the handshake is cut at handshakeTimeoutMs, whatever it sends', async () => {
    const { server, port } = await startServer({ handshakeTimeoutMs: 400, idleTimeoutMs: 5000 });
    const limits: Limit[] = [];
    server.on('limit', (error, client) => limits.push({ error, client }));
    try {
      const d = rawSocket(port);
      d.socket.write(Buffer.from([3]));
      const drip = setInterval(() => d.socket.write(Buffer.from([0])), 50);
      const ms = await d.closed;
      clearInterval(drip);
      assert.ok(ms >= 350 && ms < 2000, `closed after ${ms} ms`);
      await until(() => limits.length > 0);
      assert.equal(limits[0]!.error.code, 'ERR_SERVER_LIMIT_HANDSHAKE_TIMEOUT');
      assert.ok(limits[0]!.client !== undefined);
    } finally {
      await server.close();
    }
  });

  it('a client that floods pings and never reads stops being read past outputHighWaterMark, then is cut', async () => {
    const { server, port } = await startServer({
      outputHighWaterMark: 64 << 10,
      maxOutputBuffer: 1 << 20,
      idleTimeoutMs: 1500,
    });
    const limits: Limit[] = [];
    server.on('limit', (error, client) => limits.push({ error, client }));
    try {
      const c = await TestClient.connect(port, 'live');
      c.socket.pause(); // never reads again
      // PingRequests (each answered with an 18-byte PingResponse), batches of 10,000.
      const w = new ChunkWriter();
      const one = Buffer.concat(w.writeMany([encodeMessage(pingRequest(1))]));
      const batch = Buffer.concat(Array.from({ length: 10_000 }, () => one));
      let sent = 0;
      const client = [...server.clients][0]!;
      const end = Date.now() + 5000;
      for (let i = 0; i < 500 && !c.closed && Date.now() < end; i++) {
        if (c.socket.write(batch)) sent += batch.length;
        else {
          sent += batch.length;
          await Promise.race([new Promise((r) => c.socket.once('drain', r)), sleep(50)]);
        }
      }
      // The server stopped reading: far fewer bytes read than sent, and the queue stayed bounded.
      await sleep(200);
      if (!c.closed) {
        assert.ok(client.bytesIn < sent - (1 << 20), `read ${client.bytesIn} of ${sent}`);
        assert.ok(client.backlog <= (1 << 20) + (64 << 10), `backlog ${client.backlog}`);
      }
      await until(() => limits.length > 0, 8000);
      assert.match(limits[0]!.error.code, /^ERR_SERVER_LIMIT_(SLOW_READER|OUTPUT)$/);
      await until(() => server.clients.size === 0, 8000);
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('an onMetaData over maxMetadataSize is dropped (limit event), the publish goes on', async () => {
    const { server, port } = await startServer({ maxMetadataSize: 10_000 });
    const limits: Limit[] = [];
    server.on('limit', (error, client) => limits.push({ error, client }));
    try {
      const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
      const sid = await pub.publish('m');
      const player = await TestClient.connect(port, 'live');
      await player.play('m');
      pub.session.sendData(sid, ['@setDataFrame', 'onMetaData', { big: 'x'.repeat(20_000) }], 0);
      pub.session.sendData(sid, ['@setDataFrame', 'onMetaData', { small: 1 }], 0);
      pub.session.sendMedia(sid, 'video', 0, Buffer.from([0x17, 1, 0, 0, 0, 1]));
      pub.flush();
      await player.next((e) => e.kind === 'media');
      const data = player.events.filter((e) => e.kind === 'data' && e.name === 'onMetaData');
      assert.equal(data.length, 1, 'only the small onMetaData was relayed');
      assert.equal(limits.length, 1);
      assert.equal(limits[0]!.error.code, 'ERR_SERVER_LIMIT_METADATA_SIZE');
      assert.equal(limits[0]!.client?.streams.get(sid)?.kind, 'publish');
      assert.ok(!pub.closed);
      pub.destroy();
      player.destroy();
    } finally {
      await server.close();
    }
  });

  it('a re-sent play queues the late-joiner state (onMetaData, headers) once', async () => {
    const { server, port } = await startServer();
    try {
      const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
      const sid = await pub.publish('r');
      pub.session.sendData(sid, ['@setDataFrame', 'onMetaData', { w: 1 }], 0);
      pub.session.sendMedia(sid, 'video', 0, Buffer.from([0x17, 0, 0, 0, 0, 1, 2, 3])); // AVC sequence header
      pub.flush();
      await sleep(50);
      const player = await TestClient.connect(port, 'live');
      const id = await player.play('r');
      for (let i = 0; i < 5; i++) {
        player.session.play(id, 'r');
        player.flush();
        await player.next((e) => e.kind === 'status' && e.info.code === 'NetStream.Play.Start');
      }
      await sleep(100);
      const meta = player.events.filter((e) => e.kind === 'data' && e.name === 'onMetaData');
      assert.equal(meta.length, 1, 'one onMetaData');
      assert.equal(player.events.filter((e) => e.kind === 'media').length, 1, 'one sequence header');
      pub.destroy();
      player.destroy();
    } finally {
      await server.close();
    }
  });

  it('RefusalLog: one line per address and kind per interval, with a count; bounded kinds', () => {
    const lines: string[] = [];
    const log = new RefusalLog((l) => lines.push(l), 1000, 3);
    for (let i = 0; i < 100_000; i++) log.report(i / 1000, '10.0.0.1', 'ERR_X', `refused #${i}`);
    assert.equal(lines.length, 1, 'the first is logged; the rest within the interval are counted');
    log.flush(1000);
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, /repeated 99999 times/);
    log.report(1500, '10.0.0.2', 'ERR_X', 'other address');
    log.report(1500, '10.0.0.1', 'ERR_Y', 'other code');
    assert.equal(lines.length, 4);
    for (let i = 0; i < 50; i++) log.report(1600, `10.1.0.${i}`, 'ERR_X', 'many addresses');
    assert.ok(log.size <= 4, `${log.size} kinds tracked`);
    assert.equal(lines.length, 5, 'addresses beyond the cap share one overflow line');
    log.flush(5000);
    log.flush(10_000);
    assert.equal(log.size, 0, 'quiet kinds are forgotten');
  });

  it('unpinned: a small view of a large buffer is copied; a whole or small-pool buffer is kept', () => {
    const big = Buffer.alloc(512 << 10);
    const view = big.subarray(1000, 1100);
    const copy = unpinned(view);
    assert.notEqual(copy.buffer, big.buffer);
    assert.deepEqual(copy, view);
    const whole = Buffer.alloc(100_000);
    assert.equal(unpinned(whole), whole);
    const half = big.subarray(0, 300 << 10);
    assert.equal(unpinned(half), half, 'a view holding most of its buffer is kept');
    const small = Buffer.from('tiny pooled');
    assert.equal(unpinned(small), small, "a view of Node's 8 KiB pool is kept");
  });
});
