/**
 * Remote calls and raw reads as python-librtmp users know them, against real peers:
 * - a call nginx-rtmp never answers (it ignores unknown commands) leaves python-librtmp
 *   connected; rtmpkit's connection must outlive its idle timeout too, and the call's own
 *   `result({ timeout })` times out the caller only;
 * - a `readPacket({ timeout })` that timed out leaves nothing behind that would later
 *   kill the connection;
 * - `process_packets(transaction_id=…)` after the `_result` already arrived returns it
 *   (python-librtmp keeps answers it read on the way); `processPackets` resolves at once.
 * Every child runs bounded; servers stop in `after`.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createServer, RTMP, RTMPTimeoutError } from '../../src/index.js';
import { type Peer, requirePeers, runBounded, startNginx } from '../helpers/peers.js';

const PYTHON = '/usr/bin/python3';
const NGINX = ['nginx', '/usr/lib/nginx/modules/ngx_rtmp_module.so'];
let nginx: Peer | undefined;
after(() => nginx?.stop());

async function nginxUrl(path: string): Promise<string> {
  nginx ??= await startNginx();
  return `rtmp://127.0.0.1:${nginx.port}/${path}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('nginx-rtmp ignores an unknown call: python-librtmp stays connected, and so does rtmpkit', async (t) => {
  if (!requirePeers(t, [...NGINX, PYTHON])) return;
  const url = await nginxUrl('live/nothing');
  const script = [
    'import librtmp, time',
    `c = librtmp.RTMP("${url}", timeout=1)`,
    'c.connect()',
    'call = c.call("noSuchMethod", 1)',
    'try:',
    '    call.result(timeout=1)',
    '    print("answered")',
    'except librtmp.RTMPTimeoutError:',
    '    print("timeout")',
    'time.sleep(2)',
    'print("connected" if c.connected else "disconnected")',
  ].join('\n');
  const py = await runBounded(PYTHON, ['-c', script], 30_000);
  assert.equal(py.code, 0, py.stderr);
  assert.deepEqual(py.stdout.toString().trim().split('\n'), ['timeout', 'connected']);

  const conn = new RTMP(url, { timeout: 1 });
  await conn.connect();
  const call = conn.call('noSuchMethod', 1);
  await assert.rejects(call.result({ timeout: 1 }), RTMPTimeoutError);
  await sleep(2500); // more than twice the connection's timeout, with the call still unanswered
  assert.equal(conn.connected, true, 'an unanswered call must not kill the connection');
  assert.equal(call.done, false);
  // The connection still works: a stream plays (nginx starts a live play at once).
  const stream = await conn.createStream();
  assert.equal(stream.writeable, false);
  await conn.close();
});

test('a readPacket that timed out leaves no waiter: the connection outlives its idle timeout', async (t) => {
  if (!requirePeers(t, NGINX)) return;
  const conn = new RTMP(await nginxUrl('live/nothing'), { timeout: 1 });
  await conn.connect();
  // Drain what nginx sent after connect, then time out on a quiet connection.
  for (;;) {
    try {
      await conn.readPacket({ timeout: 0.3 });
    } catch (err) {
      assert.ok(err instanceof RTMPTimeoutError, String(err));
      break;
    }
  }
  await assert.rejects(conn.readPacket({ signal: AbortSignal.timeout(100) }), { name: 'TimeoutError' });
  await sleep(2500);
  assert.equal(conn.connected, true, 'a given-up readPacket must not keep the idle clock running');
  await conn.close();
});

test('processPackets({ transactionId }) after the _result arrived returns it at once, as python-librtmp', async (t) => {
  if (!requirePeers(t, [PYTHON])) return;
  const server = createServer({
    onCall: (name, args) => (name === 'add' ? Number(args[0]) + Number(args[1]) : null),
  });
  const { port } = await server.listen({ port: 0 });
  const url = `rtmp://127.0.0.1:${port}/app`;
  try {
    // python-librtmp reads call1's answer while waiting for call2's, keeps it, and returns it.
    const script = [
      'import librtmp, time',
      `c = librtmp.RTMP("${url}", timeout=5)`,
      'c.connect()',
      // python's connect() does not wait for the answer; a call right behind it races
      // the embedded server's connect hook (a server issue of its own), so wait a little.
      'time.sleep(0.5)',
      'call1 = c.call("add", 1, 2)',
      'call2 = c.call("add", 3, 4)',
      'print(int(call2.result(timeout=5)))',
      't0 = time.time()',
      'print(int(c.process_packets(transaction_id=call1.transaction_id, timeout=2)))',
      'print("fast" if time.time() - t0 < 1 else "slow")',
    ].join('\n');
    const py = await runBounded(PYTHON, ['-c', script], 30_000);
    assert.equal(py.code, 0, py.stderr);
    assert.deepEqual(py.stdout.toString().trim().split('\n'), ['7', '3', 'fast']);

    const conn = new RTMP(url, { timeout: 5 });
    await conn.connect();
    const call1 = conn.call('add', 1, 2);
    assert.equal(await conn.call('add', 3, 4).result({ timeout: 5 }), 7);
    assert.equal(call1.done, true);
    const t0 = performance.now();
    assert.equal(await conn.processPackets({ transactionId: call1.transactionId, timeout: 2 }), 3);
    assert.ok(performance.now() - t0 < 500, 'resolved at once');
    await conn.close();
  } finally {
    await server.close();
  }
});
