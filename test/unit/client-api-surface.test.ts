/**
 * The library's surface as issue 12 asked for it: typed call results (`call<T>()` →
 * `RTMPCall<T>`, checked by the compiler here and by value at run time),
 * `connect({ signal })` in both spellings, and unknown constructor and connect options
 * refused with a hint (the server's options as well).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServer, RTMP, type RTMPCall, type RTMPServer, UsageCode } from '../../src/index.js';

let server: RTMPServer;
let port: number;

before(async () => {
  server = createServer({
    onCall: (name, args) => (name === 'add' ? (args[0] as number) + (args[1] as number) : undefined),
  });
  ({ port } = await server.listen({ port: 0, host: '127.0.0.1' }));
});
after(() => server.close());

test('call<T>() gives an RTMPCall<T> whose result() is a Promise<T>', async () => {
  const conn = new RTMP(`rtmp://127.0.0.1:${port}/app`, { timeout: 10 });
  try {
    await conn.connect();
    const call: RTMPCall<number> = conn.call<number>('add', 40, 2);
    const sum: number = await call.result({ timeout: 10 }); // a compile error if result() were AmfValue
    assert.equal(sum + 1, 43);
    const untyped = await conn.call('add', 1, 2).result({ timeout: 10 });
    assert.equal(untyped, 3);
  } finally {
    await conn.close();
  }
});

test('connect({ signal }) and connect(undefined, { signal }) both honour an aborted signal', async () => {
  for (const run of [
    (c: RTMP, signal: AbortSignal) => c.connect({ signal }),
    (c: RTMP, signal: AbortSignal) => c.connect(undefined, { signal }),
  ]) {
    const conn = new RTMP(`rtmp://127.0.0.1:${port}/app`, { timeout: 10 });
    const reason = new Error('no');
    await assert.rejects(run(conn, AbortSignal.abort(reason)), (err) => err === reason);
    await conn.close();
  }
  const conn = new RTMP(`rtmp://127.0.0.1:${port}/app`, { timeout: 10 });
  await assert.rejects(conn.connect({ sigal: undefined } as never), {
    code: UsageCode.RTMP_OPTION,
    message: /unknown connect\(\) option "sigal"/,
  });
  await conn.close();
});

test('unknown constructor options are refused, with the closest known key', () => {
  assert.throws(() => new RTMP('rtmp://127.0.0.1/app', { timeoutt: 5 } as never), {
    name: 'RTMPUsageError',
    code: UsageCode.RTMP_OPTION,
    message: /unknown option "timeoutt".*timeout/,
  });
  assert.throws(() => new RTMP('rtmp://127.0.0.1/app', { limits: { chunksize: 1 } } as never), {
    code: UsageCode.RTMP_OPTION,
    message: /limits\.chunksize/,
  });
});

test('createServer refuses unknown options too', () => {
  assert.throws(() => createServer({ maxConections: 3 } as never), {
    name: 'RTMPUsageError',
    code: 'ERR_SERVER_OPTION',
    message: /unknown option "maxConections"/,
  });
  assert.throws(() => createServer(null as never), { code: 'ERR_SERVER_OPTION' });
});
