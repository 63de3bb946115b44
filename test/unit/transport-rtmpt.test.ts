/**
 * RTMPT shell (src/transport/rtmpt.ts; RTMPT as FFmpeg's rtmphttp.c and librtmp speak it)
 * against a tiny in-test node:http RTMPT server relaying each session over TCP to the
 * client fixture (a ServerSession): an RPC call works over rtmpt://, a keep-alive
 * connection the HTTP server drops mid-session is reopened and the request retried, a
 * server-side end of the RTMP connection closes the client, and /close is sent on close.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { RTMP } from '../../src/client/index.js';
import { RTMPConnectionError, RTMPError } from '../../src/errors.js';
import { checkScheme, connectRtmpt } from '../../src/transport/index.js';
import { type Fixture, startFixture } from './client-fixture.js';

interface Relay {
  port: number;
  paths: string[];
  /** Drop (destroy without answering) the socket on these request numbers (1-based) if it was used before. */
  dropOn: Set<number>;
  dropped: number;
  close(): Promise<void>;
}

/** A minimal RTMPT server: sessions relayed to `backendPort`; idle answers at once. */
async function startRelay(backendPort: number): Promise<Relay> {
  const sessions = new Map<string, { sock: Socket; buf: Buffer[]; closed: boolean }>();
  let n = 0;
  let nextId = 1;
  const relay: Relay = { port: 0, paths: [], dropOn: new Set(), dropped: 0, close: async () => {} };
  const used = new WeakSet<object>();
  const server: Server = createServer((req, res) => {
    n++;
    const reused = used.has(req.socket);
    used.add(req.socket);
    if (reused && relay.dropOn.has(n)) {
      // A keep-alive connection closed by the server before it read the request.
      relay.dropped++;
      req.socket.destroy();
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      relay.paths.push(req.url ?? '');
      assert.equal(req.method, 'POST');
      assert.equal(req.headers['content-type'], 'application/x-fcs');
      const answer = (status: number, body: Buffer): void => {
        res.writeHead(status, { 'Content-Type': 'application/x-fcs', 'Content-Length': body.length });
        res.end(body);
      };
      const [, cmd, id] = (req.url ?? '').split('/');
      if (cmd === 'open') {
        const sid = `s${nextId++}`;
        const s = { sock: netConnect(backendPort, '127.0.0.1'), buf: [] as Buffer[], closed: false };
        s.sock.on('data', (d: Buffer) => s.buf.push(d));
        s.sock.on('close', () => {
          s.closed = true;
        });
        s.sock.on('error', () => {});
        sessions.set(sid, s);
        answer(200, Buffer.from(`${sid}\n`));
        return;
      }
      const s = sessions.get(id ?? '');
      if (s === undefined) return answer(404, Buffer.alloc(0));
      if (cmd === 'send') s.sock.write(Buffer.concat(parts));
      if (cmd === 'close') {
        s.sock.end();
        sessions.delete(id!);
        return answer(200, Buffer.from([0]));
      }
      if (s.buf.length === 0 && s.closed) return answer(404, Buffer.alloc(0));
      const data = Buffer.concat(s.buf.splice(0));
      answer(200, Buffer.concat([Buffer.from([data.length ? 1 : 9]), data]));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  relay.port = (server.address() as { port: number }).port;
  relay.close = () =>
    new Promise<void>((r) => {
      for (const s of sessions.values()) s.sock.destroy();
      server.closeAllConnections();
      server.close(() => r());
    });
  return relay;
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(b: Parameters<typeof startFixture>[0] = {}): Promise<{ f: Fixture; relay: Relay }> {
  const f = await startFixture(b);
  const relay = await startRelay(f.port);
  cleanups.push(
    () => relay.close(),
    () => f.close(),
  );
  return { f, relay };
}

const adder: Parameters<typeof startFixture>[0] = {
  onCall: (c, name, txn, args) => {
    if (name === 'add') c.session.respond(txn, (args[0] as number) + (args[1] as number));
  },
};

test('rtmpt: checkScheme lets the tunnel schemes through (rtmpte too), rtmfp and unknown ones refused', () => {
  for (const s of ['rtmpt', 'RTMPTS', 'rtmpte', 'rtmpe']) checkScheme(s);
  for (const s of ['rtmfp', 'http'])
    assert.throws(() => checkScheme(s), { code: 'ERR_RTMP_UNSUPPORTED_PROTOCOL' });
});

test('rtmpt: connect and an RPC call over the HTTP tunnel; close sends /close', async () => {
  const { relay } = await setup(adder);
  const conn = new RTMP(`rtmpt://127.0.0.1:${relay.port}/app`, { timeout: 10 });
  await conn.connect();
  assert.equal(await conn.call('add', 2, 3).result({ timeout: 5 }), 5);
  await conn.close();
  const p = relay.paths;
  assert.equal(p[0], '/open/1');
  assert.match(p[1]!, /^\/send\/s\d+\/0$/, 'the first request after open has seq 0');
  const seqs = p.slice(1).map((x) => Number(x.split('/')[3]));
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => i),
    'consecutive sequence numbers',
  );
  assert.match(p.at(-1)!, /^\/close\/s\d+\/\d+$/);
});

test('rtmpt: a keep-alive connection dropped by the server is reopened and the request retried', async () => {
  const { relay } = await setup(adder);
  for (let i = 3; i < 400; i += 4) relay.dropOn.add(i);
  const conn = new RTMP(`rtmpt://127.0.0.1:${relay.port}/app`, { timeout: 10 });
  await conn.connect();
  for (let i = 0; i < 5; i++) assert.equal(await conn.call('add', i, 10).result({ timeout: 5 }), i + 10);
  await conn.close();
  assert.ok(relay.dropped >= 2, `dropped ${relay.dropped}`);
  const seqs = relay.paths.slice(1).map((x) => Number(x.split('/')[3]));
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => i),
    'no gap and no duplicate: each dropped request was retried with its own seq',
  );
});

test('rtmpt: the RTMP server ending the connection closes the client (404 = EOF)', async () => {
  const { relay } = await setup({ onCall: (c) => c.socket.destroy() });
  const conn = new RTMP(`rtmpt://127.0.0.1:${relay.port}/app`, { timeout: 10 });
  await conn.connect();
  await assert.rejects(conn.call('x').result({ timeout: 5 }), RTMPConnectionError);
  await conn.close();
});

test('rtmpt: open failures are typed (refused, HTTP error, timeout)', async () => {
  const { f } = await setup();
  // The RTMP port speaks no HTTP: the server answers garbage / closes.
  await assert.rejects(connectRtmpt({ host: '127.0.0.1', port: 1, timeoutMs: 2000 }), (err: unknown) => {
    assert.ok(err instanceof RTMPError);
    assert.equal(err.code, 'ERR_RTMP_CONNECTION');
    return true;
  });
  const http404 = createServer((_q, s) => {
    s.writeHead(404);
    s.end();
  });
  await new Promise<void>((r) => http404.listen(0, '127.0.0.1', r));
  const port404 = (http404.address() as { port: number }).port;
  await assert.rejects(connectRtmpt({ host: '127.0.0.1', port: port404 }), { code: 'ERR_RTMPT_HTTP' });
  http404.closeAllConnections();
  http404.close();
  const silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const portSilent = (silent.address() as { port: number }).port;
  await assert.rejects(connectRtmpt({ host: '127.0.0.1', port: portSilent, timeoutMs: 200 }), {
    code: 'ERR_RTMP_CONNECT_TIMEOUT',
  });
  const ac = new AbortController();
  const p = connectRtmpt({ host: '127.0.0.1', port: portSilent, signal: ac.signal });
  ac.abort(new Error('stop'));
  await assert.rejects(p, /stop/);
  silent.closeAllConnections();
  silent.close();
  assert.ok(f.port > 0);
});
