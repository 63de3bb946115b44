/**
 * The server's RTMPT endpoints (src/server/rtmpt-service.ts) with raw HTTP requests:
 * open gives an id, the Flash ident probe and unknown sessions get 404, a plain RTMP
 * handshake travels in /send and /idle bodies (S0+S1+S2 come back in idle replies
 * only, each led by the interval byte), an empty poll is held and answered with the
 * interval byte alone, an oversized body ends the session (413), close ends it, and
 * maxConnections counts tunnelled sessions.
 */
import assert from 'node:assert/strict';
import { type IncomingMessage, request, type ServerResponse } from 'node:http';
import { after, describe, it } from 'node:test';
import { ClientHandshake } from '../../src/handshake/client.js';
import { RtmptSessionSocket } from '../../src/server/rtmpt-service.js';
import type { RTMPServer } from '../../src/server/server.js';
import { startServer } from './server-harness.js';

function post(
  port: number,
  path: string,
  body: Buffer = Buffer.of(0),
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const r = request(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { 'Content-Type': 'application/x-fcs' } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

describe('RTMPT service', () => {
  const servers: RTMPServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  async function start(options: Parameters<typeof startServer>[0] = {}) {
    const { server } = await startServer(options);
    servers.push(server);
    const { port } = await server.listenHttp({ port: 0 });
    return { server, port };
  }

  it('open, handshake through send/idle, held empty poll, close', async () => {
    const { server, port } = await start();
    assert.equal((await post(port, '/fcs/ident2')).status, 404);
    assert.equal((await post(port, '/idle/nosuchsession/0')).status, 404);
    const open = await post(port, '/open/1');
    assert.equal(open.status, 200);
    const id = open.body.toString().trim();
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.equal(server.clients.size, 1);
    const hs = new ClientHandshake({ policy: 'simple' });
    const sent = await post(port, `/send/${id}/0`, hs.start());
    assert.deepEqual([...sent.body], [1], 'a send is answered with the interval byte only');
    const replies: Buffer[] = [];
    for (let seq = 1; Buffer.concat(replies).length < 3073 && seq < 50; seq++) {
      const r = await post(port, `/idle/${id}/${seq}`);
      assert.equal(r.status, 200);
      replies.push(r.body.subarray(1));
    }
    const step = hs.receive(Buffer.concat(replies));
    assert.equal(step.done, true, 'S0+S1+S2 arrived in idle replies');
    await post(port, `/send/${id}/60`, step.send[0]!);
    const t0 = performance.now();
    const empty = await post(port, `/idle/${id}/61`);
    assert.deepEqual([...empty.body], [9], 'nothing to send: the interval byte alone');
    assert.ok(performance.now() - t0 >= 30, 'the empty poll was held');
    assert.deepEqual([...(await post(port, `/close/${id}/62`)).body], [0]);
    assert.equal((await post(port, `/idle/${id}/63`)).status, 404);
    for (let i = 0; i < 50 && server.clients.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.clients.size, 0, 'the connection ended with the session');
  });

  it('an oversized send ends the session with 413; maxConnections counts sessions', async () => {
    const { server, port } = await start({ maxMessageSize: 1000, maxConnections: 1 });
    const id = (await post(port, '/open/1')).body.toString().trim();
    assert.equal((await post(port, '/open/1')).status, 503, 'the second session is refused');
    assert.equal((await post(port, `/send/${id}/0`, Buffer.alloc(5000))).status, 413);
    assert.equal((await post(port, `/idle/${id}/1`)).status, 404);
    for (let i = 0; i < 50 && server.clients.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.clients.size, 0);
  });

  it('GET requests still reach the HTTP side', async () => {
    const { port } = await start();
    const r = await new Promise<number>((resolve, reject) =>
      request({ host: '127.0.0.1', port, path: '/stats' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end(),
    );
    assert.equal(r, 200);
  });
});

describe('RtmptSessionSocket', () => {
  it('keeps what was written until a poll takes it, even when the writer reuses the memory after its callback', async () => {
    // The server recycles a relayed payload's buffer once the write carrying it called back;
    // the tunnel answers the bytes at a later poll, so it must hold its own copy.
    const req = { socket: { remoteAddress: '127.0.0.1', remotePort: 1 } } as unknown as IncomingMessage;
    const sock = new RtmptSessionSocket('s1', req, () => {});
    const payload = Buffer.from('media bytes the pool reuses');
    const want = Buffer.from(payload);
    await new Promise<void>((res, rej) => sock.write(payload, (err) => (err ? rej(err) : res())));
    payload.fill(0); // the pool hands the buffer to the next frame
    const sent: Buffer[] = [];
    const res = {
      writeHead: () => res,
      end: (body: Uint8Array) => sent.push(Buffer.from(body)),
    } as unknown as ServerResponse;
    sock.poll(res);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]!.subarray(1), want, 'the poll answers the bytes as written');
    sock.destroy();
  });
});
