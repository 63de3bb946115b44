/**
 * Embedded server, HTTP side (`listenHttp`): `/stats` JSON (streams with publisher,
 * codecs, bytes and bitrates; clients with address, state, bytes), the status page,
 * 404/405/HEAD, HTTP-FLV playback (a viewer that waits for the publisher gets the
 * whole stream and the response ends with the publish; a late joiner gets onMetaData,
 * sequence headers and the GOP first; a reader that does not read is dropped while the
 * publisher and other players go on), and `handleHttp` in an application's server.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, get, type IncomingMessage, request } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import * as amf0 from '../../src/amf/amf0.js';
import { flvPath } from '../../src/server/http/http-service.js';
import type { RTMPServer } from '../../src/server/server.js';
import type { ServerStats } from '../../src/server/stats.js';
import { makeTestFlv } from '../../src/server/test-media.js';
import {
  avRows,
  flvTags,
  mediaTags,
  sleep,
  startServer,
  type Tag,
  TestClient,
  until,
} from './server-harness.js';

const TAGS = flvTags(makeTestFlv(3));

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

function fetchRaw(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (r) => {
      const parts: Buffer[] = [];
      r.on('data', (d: Buffer) => parts.push(d));
      r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(parts) }));
      r.on('error', rej);
    });
    req.on('error', rej);
    req.end();
  });
}

async function stats(port: number): Promise<ServerStats> {
  const r = await fetchRaw(port, '/stats');
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^application\/json/);
  return JSON.parse(r.body.toString()) as ServerStats;
}

/** An HTTP-FLV GET whose body is collected; `done` resolves when the response ends. */
function flvGet(
  port: number,
  path: string,
): { body: Buffer[]; status: Promise<number>; done: Promise<Buffer> } {
  const body: Buffer[] = [];
  let onStatus: (n: number) => void = () => {};
  const status = new Promise<number>((r) => {
    onStatus = r;
  });
  const done = new Promise<Buffer>((res, rej) => {
    get({ host: '127.0.0.1', port, path }, (r) => {
      onStatus(r.statusCode ?? 0);
      r.on('data', (d: Buffer) => body.push(d));
      r.on('end', () => res(Buffer.concat(body)));
      r.on('error', rej);
    }).on('error', rej);
  });
  return { body, status, done };
}

async function withHttp(
  fn: (ctx: { server: RTMPServer; port: number; http: number }) => Promise<void>,
  options: Parameters<typeof startServer>[0] = {},
): Promise<void> {
  const { server, port } = await startServer(options);
  try {
    const { port: http } = await server.listenHttp({ port: 0 });
    await fn({ server, port, http });
  } finally {
    await server.close();
  }
}

const isConfig = (t: Tag) => (t.type === 9 || t.type === 8) && t.body[1] === 0;

describe('server: HTTP side', () => {
  it('maps /<app…>/<name>.flv paths', () => {
    assert.deepEqual(flvPath('/live/cam.flv'), ['live', 'cam']);
    assert.deepEqual(flvPath('/a/b/c%20d.flv'), ['a/b', 'c d']);
    for (const p of ['/cam.flv', '/live/.flv', '/live/cam', '//cam.flv', '/live/%zz.flv', '/live//x.flv'])
      assert.equal(flvPath(p), undefined, p);
  });

  it('/stats: the published stream (publisher, codecs, bytes, bitrate) and every client; the page; 404, 405, HEAD', async () => {
    await withHttp(async ({ server, port, http }) => {
      const player = await TestClient.connect(port, 'live');
      const pid = await player.play('cam');
      const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
      const sid = await pub.publish('cam');
      pub.sendTags(sid, TAGS);
      const want = avRows(TAGS);
      await until(() => mediaTags(player.events, pid).length >= want.length, 5000, 'relayed');
      const s = await stats(http);
      assert.equal(s.server.name, 'rtmpkit');
      assert.deepEqual(s.server.rtmp, server.address());
      assert.deepEqual(s.server.http, server.httpAddress());
      assert.equal(s.server.connections, 2);
      assert.equal(s.apps.length, 1);
      assert.equal(s.apps[0]!.name, 'live');
      const st = s.apps[0]!.streams[0]!;
      const mediaBytes = TAGS.filter((t) => t.type !== 18).reduce((n, t) => n + t.body.length, 0);
      assert.equal(st.name, 'cam');
      assert.equal(st.publishing, true);
      assert.equal(st.publisher?.type, 'live');
      assert.equal(st.publisher?.address, '127.0.0.1');
      assert.deepEqual(st.codecs, {
        video: { codec: 'avc', width: 160, height: 90, fps: 10 },
        audio: { codec: 'aac', sampleRate: 44100, channels: 2 },
      });
      assert.equal(st.bytesIn, mediaBytes);
      assert.equal(st.bytesOut, mediaBytes, 'one player got everything');
      assert.ok(st.bitrateIn > 0 && st.bitrateOut > 0, `bitrates ${st.bitrateIn}/${st.bitrateOut}`);
      assert.equal(st.players, 1);
      assert.equal(st.httpPlayers, 0);
      assert.equal(st.recording, null);
      assert.deepEqual(st.pushes, []);
      const kinds = s.clients.map(
        (c) => `${c.protocol} ${c.state} ${c.app} ${c.streams.map((x) => `${x.kind}:${x.name}`)}`,
      );
      assert.deepEqual(kinds, ['rtmp connected live live:cam', 'rtmp connected live publish:cam']);
      for (const c of s.clients) assert.ok(c.bytesIn > 0 && c.bytesOut > 0 && c.port !== null);
      assert.ok(s.clients[1]!.bytesIn >= mediaBytes, 'the publisher sent the media');
      assert.equal(s.server.bytesIn, s.clients[0]!.bytesIn + s.clients[1]!.bytesIn);
      assert.deepEqual(server.stats().apps[0]!.streams[0]!.codecs, st.codecs, 'stats() is the same snapshot');

      const page = await fetchRaw(http, '/');
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(page.body.toString(), /fetch\('stats'/);
      assert.equal((await fetchRaw(http, '/nothing')).status, 404);
      assert.equal((await fetchRaw(http, '/vod/test.flv')).status, 404, 'VOD apps have no HTTP-FLV');
      const post = await fetchRaw(http, '/stats', 'POST');
      assert.equal(post.status, 405);
      assert.equal(post.headers.allow, 'GET, HEAD');
      const head = await fetchRaw(http, '/stats', 'HEAD');
      assert.equal(head.status, 200);
      assert.equal(head.body.length, 0);
      player.destroy();
      pub.destroy();
    });
  });

  it('HTTP-FLV: a viewer waiting for the publisher gets the whole stream; the response ends with the publish', async () => {
    await withHttp(async ({ server, port, http }) => {
      const viewer = flvGet(http, '/live/cam.flv');
      assert.equal(await viewer.status, 200);
      await until(() => server.stats().clients.some((c) => c.protocol === 'http-flv'), 5000, 'viewer listed');
      assert.equal(server.stats().clients[0]!.state, 'waiting');
      const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
      const sid = await pub.publish('cam');
      pub.sendTags(sid, TAGS);
      await until(
        () => server.stats().apps[0]?.streams[0]?.bytesOut === server.stats().apps[0]?.streams[0]?.bytesIn,
        5000,
      );
      assert.equal(server.liveStreams()[0]!.players, 1, 'the viewer counts as a player');
      pub.session.deleteStream(sid);
      pub.flush();
      const file = await viewer.done;
      assert.equal(file.subarray(0, 5).toString('hex'), '464c560105');
      const tags = flvTags(file);
      assert.equal(amf0.decode(tags[0]!.body)[0], 'onMetaData');
      assert.deepEqual(avRows(tags), avRows(TAGS));
      await until(() => server.liveStreams().length === 0, 5000, 'channel released');
      pub.destroy();
    });
  });

  it('HTTP-FLV: a late joiner gets onMetaData, the sequence headers, then the GOP from the last keyframe, then live', async () => {
    await withHttp(async ({ port, http }) => {
      const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
      const sid = await pub.publish('late');
      const cut = TAGS.findLastIndex(
        (t, i) => i < TAGS.length - 10 && t.type === 9 && t.body[0] === 0x17 && t.body[1] === 1,
      );
      const before = TAGS.slice(0, cut + 5);
      pub.sendTags(sid, before);
      await sleep(100);
      const viewer = flvGet(http, '/live/late.flv');
      await until(() => viewer.body.length > 0, 5000, 'catch-up');
      await sleep(100);
      pub.sendTags(sid, TAGS.slice(cut + 5));
      await sleep(100);
      pub.session.deleteStream(sid);
      pub.flush();
      const tags = flvTags(await viewer.done);
      assert.equal(amf0.decode(tags[0]!.body)[0], 'onMetaData');
      assert.equal(tags[0]!.timestamp, 0, 'onMetaData at 0, where FFmpeg reads it as the metadata');
      assert.ok(tags[1]!.timestamp > 0, 'the catch-up keeps the GOP timeline');
      const configs = TAGS.filter(isConfig);
      assert.deepEqual(
        avRows(tags.slice(1, 1 + configs.length)).map((r) => r.split(' ')[2]),
        avRows(configs).map((r) => r.split(' ')[2]),
        'sequence headers',
      );
      assert.deepEqual(
        avRows(tags.slice(1 + configs.length)),
        avRows(TAGS.slice(cut).filter((t) => !isConfig(t))),
        'the GOP, then live',
      );
      pub.destroy();
    });
  });

  it('HTTP-FLV: a reader that stops reading is dropped (bounded), the publisher and an RTMP player go on', async () => {
    await withHttp(
      async ({ server, port, http }) => {
        const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
        const sid = await pub.publish('slow');
        const player = await TestClient.connect(port, 'live');
        const pid = await player.play('slow');
        const sock = connect(http, '127.0.0.1');
        sock.write('GET /live/slow.flv HTTP/1.1\r\nHost: x\r\n\r\n');
        await until(() => server.stats().clients.some((c) => c.protocol === 'http-flv'), 5000, 'viewer');
        sock.pause(); // reads nothing from here on
        const frame = Buffer.alloc(64 * 1024, 0x27);
        frame[0] = 0x17;
        frame[1] = 1;
        let sent = 0;
        const deadline = Date.now() + 20_000;
        while (server.stats().clients.some((c) => c.protocol === 'http-flv')) {
          assert.ok(Date.now() < deadline, 'the stalled reader was never dropped');
          pub.sendTags(sid, [{ type: 9, timestamp: sent * 40, body: frame }]);
          sent++;
          await sleep(5);
        }
        await until(
          () => mediaTags(player.events, pid).length === sent,
          10_000,
          'the RTMP player got every frame',
        );
        assert.ok(sent > 10);
        sock.destroy();
        player.destroy();
        pub.destroy();
      },
      { liveHighWaterMark: 256 * 1024, idleTimeoutMs: 500 },
    );
  });

  it('handleHttp answers inside an application’s own node:http server', async () => {
    const { server, port } = await startServer();
    const app = createHttpServer((req, res) => {
      if (req.url?.startsWith('/rtmp/')) {
        req.url = req.url.slice(5);
        server.handleHttp(req, res);
      } else res.end('app');
    });
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', () => r()));
    try {
      const p = (app.address() as { port: number }).port;
      const s = JSON.parse((await fetchRaw(p, '/rtmp/stats')).body.toString()) as ServerStats;
      assert.deepEqual(s.server.rtmp, { host: '127.0.0.1', port });
      assert.equal(s.server.http, null, 'no HTTP port of its own');
      assert.equal((await fetchRaw(p, '/other')).body.toString(), 'app');
    } finally {
      await new Promise((r) => app.close(r));
      await server.close();
    }
  });

  it('listenHttp twice, or after close, is a usage error', async () => {
    const { server } = await startServer();
    await server.listenHttp({ port: 0 });
    await assert.rejects(server.listenHttp({ port: 0 }), { code: 'ERR_SERVER_STATE' });
    await server.close();
    await assert.rejects(server.listenHttp({ port: 0 }), { code: 'ERR_SERVER_STATE' });
  });
});
