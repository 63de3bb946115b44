/**
 * `rtmpkit dump` follows a server's E-RTMP ReconnectRequest (ERTMP-V2 "Reconnect Request";
 * the tools offer capsEx Reconnect in connect): an rtmpkit publisher streams live to the
 * embedded server, `rtmpkit dump -v` records it, the server drains mid-stream; the
 * recording has every frame from where it joined, each once, and the console and `--json`
 * events say where the streams moved.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RealtimePacer } from '../../src/client/pacer.js';
import { RTMP } from '../../src/client/rtmp.js';
import { makeTestFlv } from '../../src/server/test-media.js';
import { assertLiveRun } from '../helpers/live-run.js';
import { tempDir } from '../helpers/peers.js';
import { rtmpkit } from '../helpers/serve-cli.js';
import { startServer } from './server-harness.js';

describe('rtmpkit dump and a ReconnectRequest', () => {
  it('dump -v moves to the new connection mid-stream: every frame once, reported as reconnecting/reconnected', async () => {
    const { server, port } = await startServer();
    const dir = tempDir('rtmpkit-cli-rr-');
    const url = `rtmp://127.0.0.1:${port}/live/s`;
    const source = makeTestFlv(5);
    const pub = new RTMP(url, { publish: true });
    try {
      await pub.connect();
      const out = await pub.createStream({ writeable: true });
      const publishing = out.write(source, { pacer: new RealtimePacer() }).then(() => out.close());
      const file = join(dir, 'live.flv');
      const dump = rtmpkit(['dump', '--json', '-v', '-r', url, '-o', file], 30_000);
      const drained = new Promise((res) => setTimeout(() => res(server.drain({ timeoutMs: 5000 })), 1500));
      await publishing;
      const r = await dump;
      assert.deepEqual(await drained, { asked: 1, closed: 0 });
      assert.equal(r.timedOut, false);
      const events = r.stdout
        .toString()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { event: string; request?: string });
      const moves = events.filter((e) => e.event.startsWith('reconnect'));
      assert.deepEqual(
        moves.map((e) => `${e.event} ${e.request}`),
        [`reconnecting rtmp://127.0.0.1:${port}`, `reconnected rtmp://127.0.0.1:${port}`],
        r.stderr,
      );
      assertLiveRun(readFileSync(file), source);
    } finally {
      await pub.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
