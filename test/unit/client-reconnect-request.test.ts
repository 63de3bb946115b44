/**
 * Following an E-RTMP ReconnectRequest (ERTMP-V2 "Reconnect Request"), make-before-break,
 * rtmpkit client ↔ rtmpkit server (`server.drain()` sends the request):
 * - a live player handed over (to the same server) gets every tag of the publisher
 *   exactly once, in order, one set of sequence headers; the old connection closes
 *   only after the switch (drain: asked 1, closed 0);
 * - a recorded (VOD) play handed over mid-download equals the uncut download byte for byte;
 * - a publisher asked to move from server A to server B publishes on B before A's
 *   publish ends, and B's player gets the frames written after the switch;
 * - a target that refuses the connection: `reconnectFailed` (ERR_RTMP_RECONNECT_REQUEST_FAILED),
 *   the old connection serves on, no hang;
 * - a call waiting on the old connection at the switch rejects at once;
 * - `followReconnect: false` (and a client that did not offer capsEx Reconnect) only emits
 *   `reconnectRequest`.
 */
import assert from 'node:assert/strict';
import { createServer as createNetServer } from 'node:net';
import { describe, it } from 'node:test';
import type { AmfValue } from '../../src/amf/types.js';
import { RealtimePacer } from '../../src/client/pacer.js';
import type { ReconnectedInfo, ReconnectingInfo } from '../../src/client/reconnect.js';
import { retarget } from '../../src/client/reconnect-request.js';
import { RTMP } from '../../src/client/rtmp.js';
import type { RTMPStream } from '../../src/client/rtmp-stream.js';
import type { RTMPError } from '../../src/errors.js';
import type { DrainOptions } from '../../src/server/server.js';
import { makeTestFlv } from '../../src/server/test-media.js';
import { cloneParams, parseLibrtmpUrl } from '../../src/url/options.js';
import { assertLiveRun, rows } from '../helpers/live-run.js';
import { flvTags, startServer, until } from './server-harness.js';

/** Reads a played stream's FLV until it ends. */
async function readAll(stream: RTMPStream, onBytes?: (n: number) => unknown): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for (let b = await stream.read(); b.length > 0; b = await stream.read()) {
    parts.push(Buffer.from(b));
    n += b.length;
    await onBytes?.(n);
  }
  return Buffer.concat(parts);
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  const { port } = s.address() as { port: number };
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}

function events(conn: RTMP): string[] {
  const out: string[] = [];
  conn.on('reconnectRequest', (r) => out.push(`reconnectRequest ${r.tcUrl}`));
  conn.on('reconnecting', (i: ReconnectingInfo) => out.push(`reconnecting ${i.request?.tcUrl}`));
  conn.on('reconnected', (i: ReconnectedInfo) => out.push(`reconnected ${i.request?.tcUrl}`));
  conn.on('reconnectFailed', (e: RTMPError) => out.push(`reconnectFailed ${e.code}`));
  return out;
}

/**
 * A live player of an rtmpkit publisher (`seconds` of test media, paced) on one server,
 * which `drain`s after `afterMs`; the player reads until the publisher ends.
 */
async function liveThroughDrain(seconds: number, drain: DrainOptions, afterMs: number) {
  const { server, port } = await startServer();
  const url = `rtmp://127.0.0.1:${port}/live/s`;
  const source = makeTestFlv(seconds);
  const pub = new RTMP(url, { publish: true });
  const player = new RTMP(`${url} live=1`, { followReconnect: true, timeout: 10 });
  try {
    await pub.connect();
    const out = await pub.createStream({ writeable: true });
    const publishing = out.write(source, { pacer: new RealtimePacer() }).then(() => out.close());
    await player.connect();
    const seen = events(player);
    const stream = await player.createStream();
    let drained: Promise<unknown> | undefined;
    setTimeout(() => {
      drained = server.drain(drain);
    }, afterMs);
    const flv = await readAll(stream);
    await publishing;
    assert.ok(drained !== undefined, 'the drain happened mid-stream');
    return { flv, source, seen, port, drained: await drained, connected: player.connected };
  } finally {
    await player.close();
    await pub.close();
    await server.close();
  }
}

describe('following a ReconnectRequest (make-before-break)', () => {
  it('a live player handed over to the same server gets every tag exactly once, in order', async () => {
    const r = await liveThroughDrain(5, { timeoutMs: 5000 }, 1500);
    assert.deepEqual(r.drained, { asked: 1, closed: 0 });
    const tcUrl = `rtmp://127.0.0.1:${r.port}/live`;
    assert.deepEqual(r.seen, [`reconnectRequest ${tcUrl}`, `reconnecting ${tcUrl}`, `reconnected ${tcUrl}`]);
    assertLiveRun(r.flv, r.source);
    assert.equal(r.connected, true);
  });

  it('the server cuts the old connection right after asking: the player goes on via the new one, every tag once', async () => {
    const r = await liveThroughDrain(4, { timeoutMs: 1 }, 1200);
    assert.deepEqual(r.drained, { asked: 1, closed: 1 });
    assert.equal(r.seen.at(-1), `reconnected rtmp://127.0.0.1:${r.port}/live`);
    assertLiveRun(r.flv, r.source);
    assert.equal(r.connected, true);
  });

  it('a VOD play handed over mid-download equals the uncut download byte for byte', async () => {
    const { server, port } = await startServer({ vodFiles: { clip: makeTestFlv(120) } });
    try {
      const url = `rtmp://127.0.0.1:${port}/vod/clip`;
      const plain = new RTMP(url, { buffer: 500 });
      await plain.connect();
      const uncut = await readAll(await plain.createStream());
      await plain.close();
      // A small high-water mark and a slow reader: the server is held back, the hand-over comes mid-file.
      const conn = new RTMP(url, {
        buffer: 500,
        followReconnect: true,
        timeout: 10,
        limits: { highWaterMark: 8192 },
      });
      const seen = events(conn);
      let read = 0;
      let readAtSwitch = -1;
      conn.on('reconnected', () => {
        readAtSwitch = read;
      });
      await conn.connect();
      let drained: Promise<unknown> | undefined;
      const flv = await readAll(await conn.createStream(), async (n) => {
        read = n;
        if (n > uncut.length / 10 && drained === undefined) drained = server.drain({ timeoutMs: 5000 });
        if (readAtSwitch < 0) await new Promise((res) => setImmediate(res));
      });
      assert.deepEqual(await drained, { asked: 1, closed: 0 });
      assert.equal(seen.at(-1), `reconnected rtmp://127.0.0.1:${port}/vod`);
      assert.ok(
        readAtSwitch > 0 && readAtSwitch < uncut.length * 0.95,
        `switched at ${readAtSwitch} of ${uncut.length}`,
      );
      assert.equal(flv.length, uncut.length);
      assert.ok(flv.equals(uncut), 'byte-identical FLV');
      await conn.close();
    } finally {
      await server.close();
    }
  });

  it('a publisher moved from server A to B publishes on B before A loses it', async () => {
    const a = await startServer();
    const b = await startServer();
    const order: string[] = [];
    a.server.on('publish', () => order.push('A publish'));
    a.server.on('unpublish', () => order.push('A unpublish'));
    b.server.on('publish', () => order.push('B publish'));
    const pub = new RTMP(`rtmp://127.0.0.1:${a.port}/live/s`, { publish: true, followReconnect: true });
    const seen = events(pub);
    try {
      await pub.connect();
      const out = await pub.createStream({ writeable: true });
      const file = makeTestFlv(4);
      const source = flvTags(file);
      const publishing = out.write(file, { pacer: new RealtimePacer() });
      await new Promise((res) => setTimeout(res, 1000));
      void a.server.drain({ tcUrl: `rtmp://127.0.0.1:${b.port}/live` });
      await until(() => seen.some((e) => e.startsWith('reconnected')), 5000, 'reconnected');
      const playerConn = new RTMP(`rtmp://127.0.0.1:${b.port}/live/s live=1`);
      await playerConn.connect();
      const flv = readAll(await playerConn.createStream());
      await publishing;
      await out.close();
      assert.deepEqual(order.slice(0, 3), ['A publish', 'B publish', 'A unpublish']);
      assert.equal(seen.at(-1), `reconnected rtmp://127.0.0.1:${b.port}/live`);
      const bTags = flvTags(await flv).filter((t) => t.type === 8 || t.type === 9);
      assert.deepEqual(
        bTags.slice(0, 2).map((t) => t.body[1]),
        [0, 0],
        'B has the sequence headers the publisher sent again',
      );
      const got = rows(bTags);
      const all = rows(source);
      const tail = got.slice(got.length - 10);
      assert.deepEqual(tail, all.slice(all.length - 10), 'B relays what was written after the switch');
      await playerConn.close();
    } finally {
      await pub.close();
      await a.server.close();
      await b.server.close();
    }
  });

  it('a target that refuses: reconnectFailed, the old connection serves on', async () => {
    const dead = await closedPort();
    const r = await liveThroughDrain(3, { tcUrl: `rtmp://127.0.0.1:${dead}/live`, timeoutMs: 20_000 }, 1000);
    assert.deepEqual(r.seen, [
      `reconnectRequest rtmp://127.0.0.1:${dead}/live`,
      `reconnecting rtmp://127.0.0.1:${dead}/live`,
      'reconnectFailed ERR_RTMP_RECONNECT_REQUEST_FAILED',
    ]);
    assertLiveRun(r.flv, r.source);
    assert.equal(r.connected, true, 'the old connection serves on');
  });

  it('close() during a hand-over to a silent target ends it at once (no hang)', async () => {
    const { server, port } = await startServer();
    // It reads (and so sees the client's FIN) but never answers the handshake.
    const silent = createNetServer((socket) => socket.on('error', () => {}).resume());
    await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
    const sockets: Promise<void>[] = [];
    silent.on('connection', (socket) => sockets.push(new Promise((res) => socket.on('close', () => res()))));
    try {
      const conn = new RTMP(`rtmp://127.0.0.1:${port}/live/x`, { followReconnect: true, timeout: 30 });
      const failures: RTMPError[] = [];
      conn.on('reconnectFailed', (e) => failures.push(e));
      await conn.connect();
      const silentPort = (silent.address() as { port: number }).port;
      void server.drain({ tcUrl: `rtmp://127.0.0.1:${silentPort}/live`, timeoutMs: 30_000 });
      await until(() => sockets.length === 1, 5000, 'the hand-over connecting');
      const t0 = Date.now();
      await conn.close();
      assert.ok(Date.now() - t0 < 2000, `close() took ${Date.now() - t0} ms`);
      assert.equal(failures.length, 1);
      assert.equal(failures[0]!.code, 'ERR_RTMP_RECONNECT_REQUEST_FAILED');
      assert.equal((failures[0]!.cause as RTMPError).code, 'ERR_RTMP_ABORTED');
      await sockets[0];
      assert.equal(conn.connected, false);
    } finally {
      await new Promise((res) => silent.close(res));
      await server.close();
    }
  });

  it("retarget: the request's tcUrl gives protocol, host, port and app; playpath and options stay", () => {
    const base = parseLibrtmpUrl('rtmp://a.example/live/show live=1 timeout=7');
    base.pubUser = 'u';
    const moved = retarget(cloneParams(base), 'rtmps://b.example:444/app/inst?token=1');
    assert.equal(moved.url.protocol, 'rtmps');
    assert.equal(moved.url.host, 'b.example');
    assert.equal(moved.url.port, 444);
    assert.equal(moved.app, 'app/inst?token=1');
    assert.equal(moved.tcUrl, 'rtmps://b.example:444/app/inst?token=1');
    assert.equal(moved.playpath, 'show');
    assert.equal(moved.live, true);
    assert.equal(moved.timeout, 7);
    assert.equal(moved.pubUser, 'u');
    assert.equal(base.url.host, 'a.example', 'the original is not changed');
    assert.throws(() => retarget(cloneParams(base), 'http://b.example/app'), { code: 'ERR_URL_SCHEME' });
  });

  it('a call still waiting on the old connection at the switch rejects (ERR_RTMP_CLOSED); calls after it go to the new one', async () => {
    let release: (v: AmfValue) => void = () => {};
    const held = new Promise<AmfValue>((res) => {
      release = res;
    });
    const { server, port } = await startServer({
      onCall: (name, args) => (name === 'slow' ? held : (args[0] as number) + 1),
    });
    try {
      const conn = new RTMP(`rtmp://127.0.0.1:${port}/live/x`, { followReconnect: true, timeout: 10 });
      const seen = events(conn);
      await conn.connect();
      // Settled (either way) into a value at once, so its rejection is never unhandled.
      const slow = conn
        .call('slow')
        .result({ timeout: 20 })
        .then(
          () => undefined,
          (err: RTMPError) => err,
        );
      const t0 = Date.now();
      await server.drain({ timeoutMs: 5000 });
      await until(() => seen.some((e) => e.startsWith('reconnected')), 5000, 'the hand-over');
      assert.equal((await slow)?.code, 'ERR_RTMP_CLOSED');
      assert.ok(Date.now() - t0 < 5000, 'rejected at the switch, not at its 20 s timeout');
      assert.equal(await conn.call('inc', 41).result({ timeout: 5 }), 42);
      await conn.close();
    } finally {
      release(null);
      await server.close();
    }
  });

  it('followReconnect: false only emits reconnectRequest', async () => {
    const { server, port } = await startServer();
    try {
      const conn = new RTMP(`rtmp://127.0.0.1:${port}/live/x`, { capsEx: 1, followReconnect: false });
      const seen = events(conn);
      await conn.connect();
      const result = await server.drain({ timeoutMs: 300 });
      assert.deepEqual(result, { asked: 1, closed: 1 });
      assert.deepEqual(seen, [`reconnectRequest rtmp://127.0.0.1:${port}/live`]);
      await conn.close();
    } finally {
      await server.close();
    }
  });
});
