/**
 * rtmpkit's client against rtmpkit's embedded server, in process on 127.0.0.1: rtmpe://
 * (types 6, 8, 9) on the RTMP port, rtmpt:// and rtmpte:// on the HTTP port (RTMPT
 * service), each download equal to the plain rtmp:// one byte for byte; and publisher
 * authentication (adobe, llnw) end to end: the right password publishes in exactly three
 * connects, a wrong password, an unknown user, no credentials and an unsupported authmod
 * each end in their typed error after the connects the dance needs (no retry loop), and
 * neither the password nor the response ever appears in an error or in the library log.
 * The real peers (rtmpdump, rtmpsuck, FFmpeg) check both sides in test/interop.
 */
import assert from 'node:assert/strict';
import { createServer as createNetServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { RTMP } from '../../src/client/rtmp.js';
import { RTMPError } from '../../src/errors.js';
import { addLogCallback, getLogLevel, LogLevel, removeLogCallback, setLogLevel } from '../../src/log.js';
import { makeTestFlv } from '../../src/server/test-media.js';
import { RTMPAuthError } from '../../src/session/auth.js';
import { ServerSession } from '../../src/session/server-session.js';
import { download } from '../helpers/client.js';
import { startServer } from './server-harness.js';

const flv = makeTestFlv(3);

describe('RTMPE and RTMPTE against the embedded server', () => {
  let plain: Buffer;
  const servers: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  before(async () => {
    const { server, port } = await startServer({ vodFiles: { clip: flv }, vodPacing: 'none' });
    servers.push(server);
    plain = await download(`rtmp://127.0.0.1:${port}/vod/clip`);
    assert.ok(plain.length > 10_000);
  });

  for (const type of [6, 8, 9] as const) {
    it(`rtmpe:// with S0 ${type} downloads the same FLV bytes as rtmp://`, async () => {
      const { server, port } = await startServer({
        vodFiles: { clip: flv },
        vodPacing: 'none',
        rtmpeType: type,
      });
      servers.push(server);
      const seen: { encrypted: boolean }[] = [];
      server.on('connect', (c) => seen.push({ encrypted: c.encrypted }));
      const conn = new RTMP(`rtmpe://127.0.0.1:${port}/vod/clip`, { timeout: 10 });
      let rtmpeType: number | undefined;
      conn.on('handshake', (info) => {
        rtmpeType = info.rtmpe?.type;
      });
      await conn.connect();
      const stream = await conn.createStream();
      const parts: Buffer[] = [];
      for await (const c of stream) parts.push(c);
      await conn.close();
      assert.equal(rtmpeType, type);
      assert.deepEqual(seen, [{ encrypted: true }]);
      assert.ok(Buffer.concat(parts).equals(plain), 'rtmpe download = plain download');
    });
  }

  it('rtmpt:// and rtmpte:// through the HTTP port download the same FLV bytes as rtmp://', async () => {
    const { server } = await startServer({ vodFiles: { clip: flv }, vodPacing: 'none' });
    servers.push(server);
    const http = await server.listenHttp({ port: 0 });
    const encrypted: boolean[] = [];
    server.on('connect', (c) => encrypted.push(c.encrypted));
    for (const scheme of ['rtmpt', 'rtmpte']) {
      const got = await download(`${scheme}://127.0.0.1:${http.port}/vod/clip`);
      assert.ok(got.equals(plain), `${scheme} download = plain download`);
    }
    assert.deepEqual(encrypted, [false, true]);
  });

  it('rtmpte:// publishes through the tunnel, rtmp:// plays what arrived', async () => {
    const { server, port } = await startServer({});
    servers.push(server);
    const http = await server.listenHttp({ port: 0 });
    const pub = new RTMP(`rtmpte://127.0.0.1:${http.port}/live/cam`, { publish: true, timeout: 10 });
    await pub.connect();
    const out = await pub.createStream({ writeable: true });
    const player = new RTMP(`rtmp://127.0.0.1:${port}/live/cam`, { live: true, timeout: 10 });
    await player.connect();
    const stream = await player.createStream();
    const got: Buffer[] = [];
    const reading = (async () => {
      for await (const c of stream) got.push(c);
    })();
    await out.write(flv);
    await out.close();
    await pub.close();
    await reading;
    await player.close();
    // Every A/V tag of the source went through the encrypted tunnel and out again.
    const count = (b: Buffer) => {
      let n = 0;
      for (let p = 13; p + 11 <= b.length; p += 11 + b.readUIntBE(p + 1, 3) + 4)
        if ((b[p]! & 0x1f) !== 18) n++;
      return n;
    };
    assert.equal(count(Buffer.concat(got)), count(flv));
  });

  it('a server with rtmpe: false refuses an rtmpe:// client in the handshake', async () => {
    const { server, port } = await startServer({ rtmpe: false });
    servers.push(server);
    const conn = new RTMP(`rtmpe://127.0.0.1:${port}/vod/clip`, { timeout: 5 });
    await assert.rejects(conn.connect(), (err: RTMPError) => err instanceof RTMPError);
  });
});

/** The library log while `fn` runs (every level). */
async function logged<T>(
  fn: () => Promise<T>,
): Promise<{ result: T | undefined; error: unknown; log: string }> {
  const lines: string[] = [];
  const cb = (_level: LogLevel, message: string) => lines.push(message);
  const level = getLogLevel();
  setLogLevel(LogLevel.ALL);
  addLogCallback(cb);
  try {
    return { result: await fn(), error: undefined, log: lines.join('\n') };
  } catch (error) {
    return { result: undefined, error, log: lines.join('\n') };
  } finally {
    removeLogCallback(cb);
    setLogLevel(level);
  }
}

describe('publisher authentication against the embedded server', () => {
  const users: Record<string, string> = { alice: 'pa55 w0rd' };
  for (const mode of ['adobe', 'llnw'] as const) {
    it(`${mode}: the right password publishes in three connects; the server knows the user`, async () => {
      const { server, port } = await startServer({ auth: { mode, lookup: (u) => users[u] } });
      try {
        let connections = 0;
        server.on('connection', () => connections++);
        const published: (string | undefined)[] = [];
        server.on('publish', (r) => published.push(r.client.user));
        const { error, log } = await logged(async () => {
          const conn = new RTMP(`rtmp://alice:pa55%20w0rd@127.0.0.1:${port}/live/cam`, {
            publish: true,
            timeout: 10,
          });
          let closes = 0;
          conn.on('close', () => closes++);
          await conn.connect();
          assert.equal(closes, 0, 'the reconnects are not the user’s close');
          const s = await conn.createStream({ writeable: true });
          await s.write(flv.subarray(0, 20_000));
          await conn.close();
        });
        assert.equal(error, undefined);
        assert.equal(connections, 3);
        assert.deepEqual(published, ['alice']);
        assert.ok(!log.includes('pa55'), 'no password in the log');
        assert.ok(!log.includes('response='), 'no response in the log');
      } finally {
        await server.close();
      }
    });

    const failures: [string, ConstructorParameters<typeof RTMP>[1], string, number][] = [
      ['a wrong password', { pubUser: 'alice', pubPasswd: 'wrong-pw' }, 'ERR_AUTH_FAILED', 3],
      ['an unknown user', { pubUser: 'mallory', pubPasswd: 'wrong-pw' }, 'ERR_AUTH_NO_SUCH_USER', 2],
      ['no credentials', {}, 'ERR_AUTH_NO_CREDENTIALS', 1],
    ];
    for (const [what, creds, code, connects] of failures) {
      it(`${mode}: ${what} ends in ${code} after ${connects} connect(s)`, async () => {
        const { server, port } = await startServer({ auth: { mode, lookup: (u) => users[u] } });
        try {
          let connections = 0;
          server.on('connection', () => connections++);
          const { error, log } = await logged(() =>
            new RTMP(`rtmp://127.0.0.1:${port}/live/cam`, { publish: true, timeout: 10, ...creds }).connect(),
          );
          assert.ok(error instanceof RTMPAuthError, String(error));
          assert.equal(error.code, code);
          assert.equal(connections, connects);
          for (const text of [error.message, log]) {
            assert.ok(!text.includes('wrong-pw'), 'no password');
            assert.ok(!text.includes('response='), 'no response');
          }
        } finally {
          await server.close();
        }
      });
    }
  }

  it('players are not challenged, but a player connection cannot publish', async () => {
    const { server, port } = await startServer({
      vodFiles: { clip: flv },
      auth: { mode: 'adobe', lookup: (u) => users[u] },
    });
    try {
      assert.ok((await download(`rtmp://127.0.0.1:${port}/vod/clip`)).length > 10_000);
      const conn = new RTMP(`rtmp://127.0.0.1:${port}/live/cam`, { timeout: 10 });
      await conn.connect();
      await assert.rejects(conn.createStream({ writeable: true }), (err: RTMPError) => {
        assert.equal(err.code, 'ERR_RTMP_PUBLISH_FAILED');
        assert.match(err.message, /NetStream\.Publish\.Denied.*adobe authentication/);
        return true;
      });
      await conn.close();
    } finally {
      await server.close();
    }
  });

  it('a server asking for an unsupported authmod: ERR_AUTH_UNSUPPORTED after one connect', async () => {
    let connects = 0;
    const sockets = new Set<Socket>();
    const srv = createNetServer((socket) => {
      sockets.add(socket);
      const s = new ServerSession();
      socket.on('data', (d: Buffer) => {
        s.receive(d, 0);
        for (const e of s.takeEvents()) {
          if (e.kind !== 'connect') continue;
          connects++;
          s.rejectConnect(e.txn, {
            description: '[ AccessManager.Reject ] : [ code=403 need auth; authmod=ldap ] : ',
          });
        }
        for (const b of s.takeOutput()) socket.write(b);
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
    const { port } = srv.address() as { port: number };
    try {
      const conn = new RTMP(`rtmp://alice:pw@127.0.0.1:${port}/live/cam`, { publish: true, timeout: 5 });
      await assert.rejects(conn.connect(), (err: RTMPError) => {
        assert.ok(err instanceof RTMPAuthError);
        assert.equal(err.code, 'ERR_AUTH_UNSUPPORTED');
        assert.match(err.message, /authmod=ldap/);
        return true;
      });
      assert.equal(connects, 1);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => srv.close(() => res()));
    }
  });
});
