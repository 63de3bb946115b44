/**
 * The session's clock is the shell's to keep: a command issued after a quiet spell (no
 * byte from the server, no timer of the session) must get its full timeout from the
 * moment it is issued. Reproduces a createStream that failed 2 ms after it was sent,
 * "the server did not answer createStream in time", because its deadline was counted
 * from the last time the session had heard the clock — 2.5 s earlier (nginx-rtmp, which
 * sends nothing between commands, showed it in about one run of six).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createServer, RTMP } from '../../src/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a command after a quiet spell longer than its timeout gets its whole timeout', async () => {
  const server = createServer();
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  const conn = new RTMP(`rtmp://127.0.0.1:${port}/live/x`, { timeout: 1, mediaTimeout: 0 });
  try {
    await conn.connect();
    await sleep(1500); // the embedded server sends nothing meanwhile (its pings come at half its 30 s idle limit)
    const t0 = performance.now();
    const stream = await conn.createStream();
    assert.ok(performance.now() - t0 < 1000, 'answered within its timeout');
    assert.equal(stream.writeable, false);
    const answered = await conn
      .call('echo', 'hi')
      .result({ timeout: 1 })
      .catch((err: Error) => err);
    // The embedded server without handlers answers an unknown call with _error at once.
    assert.ok(!(answered instanceof Error && /in time/.test(answered.message)), String(answered));
  } finally {
    await conn.close();
    await server.close();
  }
});
