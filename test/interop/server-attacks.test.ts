/**
 * Attacks on the embedded server, each run in bounded loops while an rtmpkit publisher
 * streams live to a real rtmpdump and an rtmpkit player (server-attack-flow.ts): the
 * attacker is refused or cut with its `ERR_SERVER_LIMIT_*` code (the `limit` event),
 * the process's RSS growth stays bounded, and both legitimate players receive every
 * A/V tag the publisher sent. The attacks are those measured against `rtmpkit serve`:
 * a never-reading client flooding pings; an ever-growing onMetaData; 100,000
 * createStream; 98 connections dripping the handshake, or a chunk; `play` re-sent
 * every 100 ms by a non-reader of a stream with a big onMetaData; a stalled player of
 * an 8 Mbit/s stream.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { ChunkWriter } from '../../src/chunk/writer.js';
import type { RTMPLimitError } from '../../src/errors.js';
import { command, pingRequest } from '../../src/message/builders.js';
import { encodeMessage } from '../../src/message/codec.js';
import type { Message } from '../../src/message/types.js';
import type { RTMPServer } from '../../src/server/server.js';
import { requirePeers } from '../helpers/peers.js';
import { sleep, TestClient, until } from '../unit/server-harness.js';
import { startServer, underAttack } from './server-attack-flow.js';

const MiB = 2 ** 20;
/** RSS growth allowed during an attack (the unprotected server grew by 0.5–4 GiB). */
const RSS_BOUND = 200 * MiB;

function limits(server: RTMPServer): RTMPLimitError[] {
  const seen: RTMPLimitError[] = [];
  server.on('limit', (e) => seen.push(e));
  return seen;
}

function chunks(...msgs: Message[]): Buffer {
  const w = new ChunkWriter();
  return Buffer.concat(w.writeMany(msgs.map((m) => encodeMessage(m))));
}

/** Writes `batch` until `stop()` or `ms` pass, waiting (bounded) for the socket to drain. */
async function flood(socket: Socket, batch: Buffer, ms: number, stop = () => false): Promise<number> {
  const end = Date.now() + ms;
  let sent = 0;
  while (Date.now() < end && !socket.destroyed && !stop()) {
    if (!socket.write(batch)) await Promise.race([new Promise((r) => socket.once('drain', r)), sleep(100)]);
    sent += batch.length;
    await sleep(1);
  }
  return sent;
}

test('a client that floods pings and never reads is cut; the stream flows', async (t) => {
  if (!requirePeers(t, ['rtmpdump'])) return;
  const { server, port } = await startServer({ idleTimeoutMs: 3000, outputHighWaterMark: 1 * MiB });
  const seen = limits(server);
  try {
    const r = await underAttack(t, server, port, { seconds: 10, videoBytes: 4000 }, async () => {
      const c = await TestClient.connect(port, 'live');
      c.socket.pause();
      const batch = Buffer.concat(Array.from({ length: 5000 }, () => chunks(pingRequest(7))));
      await flood(c.socket, batch, 10_000, () => c.closed);
      assert.ok(c.closed, 'cut within 10 s');
    });
    assert.ok(r.peakRss < RSS_BOUND, `peak RSS +${r.peakRss}`);
    assert.ok(
      seen.some((e) => e.code === 'ERR_SERVER_LIMIT_SLOW_READER' || e.code === 'ERR_SERVER_LIMIT_OUTPUT'),
    );
  } finally {
    await server.close();
  }
});

test('an ever-growing onMetaData is dropped over maxMetadataSize; the stream flows', async (t) => {
  if (!requirePeers(t, ['rtmpdump'])) return;
  const { server, port } = await startServer({});
  const seen = limits(server);
  try {
    const r = await underAttack(t, server, port, { seconds: 8, videoBytes: 4000 }, async () => {
      const evil = await TestClient.connect(port, 'live', { mode: 'publish' });
      const sid = await evil.publish('evil');
      const watcher = await TestClient.connect(port, 'live');
      await watcher.play('evil');
      for (let i = 1; i <= 40 && !evil.closed; i++) {
        evil.session.sendData(sid, ['@setDataFrame', 'onMetaData', { pad: 'm'.repeat(i * 150_000) }], 0);
        evil.flush();
        await sleep(100);
      }
      await sleep(300);
      const relayed = watcher.events.filter((e) => e.kind === 'data' && e.name === 'onMetaData');
      assert.equal(relayed.length, 6, 'the six under 1 MiB were relayed, no bigger one');
      evil.destroy();
      watcher.destroy();
    });
    assert.ok(r.peakRss < RSS_BOUND, `peak RSS +${r.peakRss}`);
    const refused = seen.filter((e) => e.code === 'ERR_SERVER_LIMIT_METADATA_SIZE').length;
    assert.ok(refused >= 30, `${refused} refused`);
    assert.ok(r.logLines <= 5, `${r.logLines} warning lines for ${refused} refusals`);
  } finally {
    await server.close();
  }
});

test('100,000 createStream on one connection: cut by maxCommandsPerSecond; the stream flows', async (t) => {
  if (!requirePeers(t, ['rtmpdump'])) return;
  const { server, port } = await startServer({});
  const seen = limits(server);
  try {
    const r = await underAttack(t, server, port, { seconds: 6, videoBytes: 4000 }, async () => {
      const c = await TestClient.connect(port, 'live');
      const one = chunks(command('createStream', 2, null));
      const batch = Buffer.concat(Array.from({ length: 10_000 }, () => one));
      for (let i = 0; i < 10 && !c.closed; i++) {
        c.socket.write(batch);
        await sleep(50);
      }
      await until(() => c.closed, 5000);
    });
    assert.ok(r.peakRss < RSS_BOUND, `peak RSS +${r.peakRss}`);
    assert.equal(seen.filter((e) => e.code === 'ERR_SERVER_LIMIT_COMMAND_RATE').length, 1);
    assert.ok(r.logLines <= 5, `${r.logLines} warning lines`);
  } finally {
    await server.close();
  }
});

test('98 connections dripping the handshake: refused per address or cut at handshakeTimeoutMs; the stream flows', async (t) => {
  if (!requirePeers(t, ['rtmpdump'])) return;
  const { server, port } = await startServer({ handshakeTimeoutMs: 3000, idleTimeoutMs: 30_000 });
  const seen = limits(server);
  try {
    const r = await underAttack(t, server, port, { seconds: 8, videoBytes: 4000 }, async () => {
      const sockets = Array.from({ length: 98 }, () => {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => {});
        return s;
      });
      const closed = sockets.map((s) => new Promise<void>((res) => s.on('close', () => res())));
      await sleep(100);
      let open = sockets.length;
      for (const c of closed) void c.then(() => open--);
      const t0 = Date.now();
      for (let i = 0; i < 12 && open > 0; i++) {
        for (const s of sockets) if (!s.destroyed) s.write(Buffer.from([i === 0 ? 3 : 0]));
        await sleep(500);
      }
      await Promise.all(closed);
      const ms = Date.now() - t0;
      assert.ok(ms < 6000, `all 98 closed after ${ms} ms`);
      // The slots are free again.
      const late = await TestClient.connect(port, 'live');
      assert.ok(late.events.some((e) => e.kind === 'connected'));
      late.destroy();
    });
    assert.ok(r.peakRss < RSS_BOUND, `peak RSS +${r.peakRss}`);
    const cut = seen.filter((e) => e.code === 'ERR_SERVER_LIMIT_HANDSHAKE_TIMEOUT').length;
    const refused = seen.filter((e) => e.code === 'ERR_SERVER_LIMIT_CONNECTIONS_PER_ADDRESS').length;
    assert.equal(cut + refused, 98, `${cut} cut, ${refused} refused`);
    assert.ok(refused > 0 && cut > 0);
    assert.ok(r.logLines <= 10, `${r.logLines} warning lines for 98 refusals`);
  } finally {
    await server.close();
  }
});

test('98 connections dripping a chunk after connect: cut at messageTimeoutMs; the stream flows', async (t) => {
  if (!requirePeers(t, ['rtmpdump'])) return;
  const { server, port } = await startServer({
    messageTimeoutMs: 3000,
    maxConnections: 120,
    maxConnectionsPerAddress: 120,
  });
  const seen = limits(server);
  try {
    const r = await underAttack(t, server, port, { seconds: 9, videoBytes: 4000 }, async () => {
      const clients = await Promise.all(Array.from({ length: 40 }, () => TestClient.connect(port, 'live')));
      const more = await Promise.all(Array.from({ length: 58 }, () => TestClient.connect(port, 'live')));
      const all = [...clients, ...more];
      const msg = chunks(command('someCall', 5, null, 'x'.repeat(100)));
      const t0 = Date.now();
      for (let i = 0; i < 12 && all.some((c) => !c.closed); i++) {
        for (const c of all) if (!c.closed) c.socket.write(msg.subarray(i, i + 1));
        await sleep(500);
      }
      await until(() => all.every((c) => c.closed), 5000);
      assert.ok(Date.now() - t0 < 6000);
    });
    assert.ok(r.peakRss < RSS_BOUND, `peak RSS +${r.peakRss}`);
    assert.equal(seen.filter((e) => e.code === 'ERR_SERVER_LIMIT_MESSAGE_TIMEOUT').length, 98);
  } finally {
    await server.close();
  }
});

test('play re-sent every 100 ms by a non-reader of a stream with a 2 MB onMetaData; the stream flows', async (t) => {
  if (!requirePeers(t, ['rtmpdump'])) return;
  const { server, port } = await startServer({ idleTimeoutMs: 4000, maxMetadataSize: 8 * MiB });
  const seen = limits(server);
  try {
    const flow = { seconds: 10, videoBytes: 20_000, metadataBytes: 2_000_000 };
    const r = await underAttack(t, server, port, flow, async () => {
      await sleep(300); // the onMetaData is stored
      const c = await TestClient.connect(port, 'live');
      const id = await c.createStream();
      c.socket.pause();
      for (let i = 0; i < 90 && !c.closed; i++) {
        c.session.play(id, 'x');
        c.flush();
        await sleep(100);
      }
      assert.ok(c.closed, 'cut within 9 s');
    });
    assert.ok(r.peakRss < RSS_BOUND, `peak RSS +${r.peakRss}`);
    assert.ok(
      seen.some((e) => e.code === 'ERR_SERVER_LIMIT_SLOW_READER' || e.code === 'ERR_SERVER_LIMIT_OUTPUT'),
    );
  } finally {
    await server.close();
  }
});

test('a stalled player of an 8 Mbit/s stream costs bounded memory and is cut; the stream flows', async (t) => {
  if (!requirePeers(t, ['rtmpdump'])) return;
  const { server, port } = await startServer({ idleTimeoutMs: 6000 });
  const seen = limits(server);
  try {
    const r = await underAttack(t, server, port, { seconds: 10, videoBytes: 40_000 }, async () => {
      const c = await TestClient.connect(port, 'live');
      await c.play('x');
      c.socket.pause();
      const client = [...server.clients].at(-1)!;
      let maxBacklog = 0;
      // A paused socket may never see its close: watch the server's side.
      for (let i = 0; i < 300 && server.clients.has(client); i++) {
        maxBacklog = Math.max(maxBacklog, client.backlog);
        await sleep(50);
      }
      assert.ok(!server.clients.has(client), 'cut within 15 s');
      c.destroy();
      t.diagnostic(`stalled player's backlog peaked at ${(maxBacklog / MiB).toFixed(1)} MiB`);
      assert.ok(maxBacklog <= 8 * MiB, `backlog ${maxBacklog}`);
    });
    assert.ok(r.peakRss < RSS_BOUND, `peak RSS +${r.peakRss}`);
    assert.ok(seen.some((e) => e.code === 'ERR_SERVER_LIMIT_SLOW_READER'));
  } finally {
    await server.close();
  }
});
