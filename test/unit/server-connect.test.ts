/**
 * Embedded server, NetConnection side: connect accepted/rejected (hook, apps list),
 * custom calls answered by `onCall` (value, promise, thrown error, no hook), and
 * server-initiated `client.call()` / `notify()` — with a scripted ClientSession client
 * over a real loopback socket.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AmfValue } from '../../src/amf/types.js';
import { RTMPError } from '../../src/errors.js';
import type { ConnectRequest, ServerClient } from '../../src/server/types.js';
import type { SessionEvent } from '../../src/session/client-events.js';
import { startServer, TestClient, until } from './server-harness.js';

type Ev<K extends SessionEvent['kind']> = Extract<SessionEvent, { kind: K }>;

describe('server: connect', () => {
  it('accepts a connect; emits connection and connect; the client sees Connect.Success', async () => {
    const seen: string[] = [];
    const { server, port } = await startServer({ connectProperties: { fmsVer: 'rtmpkit/test' } });
    server.on('connection', () => seen.push('connection'));
    server.on('connect', (c) => seen.push(`connect:${c.app}`));
    try {
      const c = await TestClient.connect(port, 'live?token=1');
      const ev = c.events.find((e) => e.kind === 'connected') as Ev<'connected'>;
      assert.equal(ev.info.code, 'NetConnection.Connect.Success');
      assert.equal(ev.properties.fmsVer, 'rtmpkit/test');
      assert.deepEqual(seen, ['connection', 'connect:live']);
      const [client] = server.clients;
      assert.equal(client?.app, 'live');
      assert.equal(client?.query, 'token=1');
      assert.equal(client?.state, 'connected');
      c.destroy();
      await until(() => server.clients.size === 0);
    } finally {
      await server.close();
    }
  });

  it('onConnect false rejects with NetConnection.Connect.Rejected and closes the connection', async () => {
    const { server, port } = await startServer({ onConnect: () => false });
    try {
      const c = await TestClient.connect(port, 'live');
      const ev = c.events.find((e) => e.kind === 'connectRejected') as Ev<'connectRejected'>;
      assert.equal(ev.info.code, 'NetConnection.Connect.Rejected');
      await c.closedPromise;
    } finally {
      await server.close();
    }
  });

  it('an async onConnect sees app, query, args and can reject with its own info', async () => {
    const requests: ConnectRequest[] = [];
    const { server, port } = await startServer({
      onConnect: async (r) => {
        requests.push(r);
        await new Promise((res) => setTimeout(res, 10));
        return r.args[0] === 'secret'
          ? true
          : { code: 'NetConnection.Connect.Rejected', description: 'bad token' };
      },
    });
    try {
      const bad = await TestClient.connect(port, 'app?x=1', { args: ['nope'] });
      const rej = bad.events.find((e) => e.kind === 'connectRejected') as Ev<'connectRejected'>;
      assert.equal(rej.info.description, 'bad token');
      const good = await TestClient.connect(port, 'app', { args: ['secret'] });
      assert.ok(good.events.some((e) => e.kind === 'connected'));
      assert.equal(requests[0]?.app, 'app');
      assert.equal(requests[0]?.query, 'x=1');
      assert.deepEqual(requests[0]?.args, ['nope']);
      assert.match(String(requests[0]?.tcUrl), /^rtmp:\/\/127\.0\.0\.1:\d+\/app\?x=1$/);
      good.destroy();
    } finally {
      await server.close();
    }
  });

  it('a throwing onConnect rejects with the error message as description', async () => {
    const { server, port } = await startServer({
      onConnect: () => {
        throw new Error('auth backend down');
      },
    });
    try {
      const c = await TestClient.connect(port, 'live');
      const ev = c.events.find((e) => e.kind === 'connectRejected') as Ev<'connectRejected'>;
      assert.equal(ev.info.description, 'auth backend down');
      assert.equal(ev.info.code, 'NetConnection.Connect.Rejected');
    } finally {
      await server.close();
    }
  });

  it('apps restricts app names: others get NetConnection.Connect.InvalidApp', async () => {
    const { server, port } = await startServer({ apps: ['live'] });
    try {
      const c = await TestClient.connect(port, 'other');
      const ev = c.events.find((e) => e.kind === 'connectRejected') as Ev<'connectRejected'>;
      assert.equal(ev.info.code, 'NetConnection.Connect.InvalidApp');
      const ok = await TestClient.connect(port, 'live/');
      assert.ok(
        ok.events.some((e) => e.kind === 'connected'),
        'trailing slash is normalized',
      );
      ok.destroy();
    } finally {
      await server.close();
    }
  });
});

describe('server: RPC', () => {
  async function callFrom(c: TestClient, name: string, ...args: AmfValue[]): Promise<SessionEvent> {
    const txn = c.session.call(name, args);
    c.flush();
    return c.next((e) => (e.kind === 'result' || e.kind === 'error') && e.txn === txn);
  }

  it('onCall answers custom calls (value, promise); a throw becomes _error NetConnection.Call.Failed', async () => {
    const calls: string[] = [];
    const { server, port } = await startServer({
      onCall: async (name, args, client) => {
        calls.push(`${name}@${client.app}`);
        if (name === 'add') return Number(args[0]) + Number(args[1]);
        if (name === 'slow') return new Promise<AmfValue>((res) => setTimeout(() => res('done'), 20));
        if (name === 'nothing') return undefined;
        throw new Error(`no method ${name}`);
      },
    });
    const events: string[] = [];
    server.on('call', (r) => events.push(`${r.name}:${r.expectsResult}`));
    try {
      const c = await TestClient.connect(port, 'live');
      const add = (await callFrom(c, 'add', 1, 2)) as Ev<'result'>;
      assert.equal(add.kind, 'result');
      assert.deepEqual(add.values, [3]);
      const slow = (await callFrom(c, 'slow')) as Ev<'result'>;
      assert.deepEqual(slow.values, ['done']);
      const nothing = (await callFrom(c, 'nothing')) as Ev<'result'>;
      assert.deepEqual(nothing.values, [null]);
      const err = (await callFrom(c, 'missing')) as Ev<'error'>;
      assert.equal(err.kind, 'error');
      assert.equal(err.info.code, 'NetConnection.Call.Failed');
      assert.equal(err.info.description, 'no method missing');
      assert.deepEqual(calls, ['add@live', 'slow@live', 'nothing@live', 'missing@live']);
      assert.deepEqual(events, ['add:true', 'slow:true', 'nothing:true', 'missing:true']);
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('an RTMPError with info from onCall is sent as the _error info', async () => {
    const { server, port } = await startServer({
      onCall: () => {
        throw new RTMPError('x', { info: { code: 'App.Custom', description: 'custom failure', extra: 7 } });
      },
    });
    try {
      const c = await TestClient.connect(port, 'live');
      const err = (await callFrom(c, 'any')) as Ev<'error'>;
      assert.equal(err.info.code, 'App.Custom');
      assert.equal(err.info.extra, 7);
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('without onCall a custom call gets _error "Method … not found"; getStreamLength is answered', async () => {
    const { server, port } = await startServer();
    try {
      const c = await TestClient.connect(port, 'live');
      const err = (await callFrom(c, 'foo')) as Ev<'error'>;
      assert.equal(err.info.code, 'NetConnection.Call.Failed');
      assert.match(String(err.info.description), /foo not found/);
      const len = (await callFrom(c, 'getStreamLength', 'x')) as Ev<'result'>;
      assert.equal(len.kind, 'result');
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('client.call invokes a client method and resolves with its _result; _error rejects with info', async () => {
    const { server, port } = await startServer();
    let client: ServerClient | undefined;
    server.on('connect', (c) => {
      client = c;
    });
    try {
      const c = await TestClient.connect(port, 'live');
      await until(() => client !== undefined);
      const p = client!.call('myAdd', 20, 22);
      const inv = (await c.next((e) => e.kind === 'invoke' && e.name === 'myAdd')) as Ev<'invoke'>;
      assert.deepEqual(inv.args, [20, 22]);
      c.session.respond(inv.txn, Number(inv.args[0]) + Number(inv.args[1]));
      c.flush();
      assert.equal(await p, 42);

      const p2 = client!.call('broken');
      const inv2 = (await c.next((e) => e.kind === 'invoke' && e.name === 'broken')) as Ev<'invoke'>;
      c.session.respondError(inv2.txn, { level: 'error', code: 'Client.Oops', description: 'nope' });
      c.flush();
      await assert.rejects(p2, (err: RTMPError) => {
        assert.equal(err.code, 'ERR_SERVER_CALL_FAILED');
        assert.equal((err.info as Record<string, unknown>).code, 'Client.Oops');
        return true;
      });

      client!.notify('hello', 'world');
      const n = (await c.next((e) => e.kind === 'invoke' && e.name === 'hello')) as Ev<'invoke'>;
      assert.equal(n.txn, 0);
      assert.deepEqual(n.args, ['world']);

      // A pending call is rejected when the connection goes away.
      const p3 = client!.call('never');
      await c.next((e) => e.kind === 'invoke' && e.name === 'never');
      c.destroy();
      await assert.rejects(p3, { code: 'ERR_SERVER_CLIENT_CLOSED' });
    } finally {
      await server.close();
    }
  });

  it('client.call times out after callTimeoutMs', async () => {
    const { server, port } = await startServer({ callTimeoutMs: 50 });
    let client: ServerClient | undefined;
    server.on('connect', (c) => {
      client = c;
    });
    try {
      const c = await TestClient.connect(port, 'live');
      await until(() => client !== undefined);
      await assert.rejects(client!.call('silent'), { code: 'ERR_RTMP_TIMEOUT' });
      c.destroy();
    } finally {
      await server.close();
    }
  });
});
