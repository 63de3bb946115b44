/**
 * rtmpkit's RTMPE ServerHandshake against librtmp's client (rtmpdump, Debian's GnuTLS
 * build): a test-only bridge (test/helpers/rtmpe-bridge.ts) completes the RTMPE handshake
 * with `rtmpdump -r rtmpe://…`, then decrypts and re-encrypts the chunk stream it relays to
 * nginx-rtmp (over its own plain client handshake). The FLV rtmpdump writes must equal the
 * plain `rtmpdump -r rtmp://…` download byte for byte, for S0 = 6, 8 (XTEA-wrapped
 * signatures) and 9 (Blowfish-wrapped): librtmp's client always sends C0 6 and follows the
 * type S0 announces, and rejects a wrong S2 signature ("Server not genuine Adobe!").
 * Debian's FFmpeg has no RTMPE (`rtmpe://: Protocol not found`), so librtmp is the client.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  makeMedia,
  type Peer,
  requirePeers,
  runBounded,
  startNginx,
  tempDir,
  which,
} from '../helpers/peers.js';
import { startBridge } from '../helpers/rtmpe-bridge.js';

const NEEDS = ['nginx', '/usr/lib/nginx/modules/ngx_rtmp_module.so', 'rtmpdump'];
let nginx: Peer | undefined;
let media = '';
let out = '';

before(() => {
  if (!NEEDS.every((b) => which(b))) return;
  media = makeMedia();
  out = tempDir('rtmpkit-rtmpe-');
});
after(() => {
  nginx?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
});

/** rtmpdump's download of `url` into `name`; returns the file's bytes and the exit code. */
async function rtmpdump(
  url: string,
  name: string,
): Promise<{ bytes: Buffer; code: number | null; stderr: string }> {
  const file = join(out, name);
  const r = await runBounded('rtmpdump', ['-r', url, '-o', file], 60_000);
  assert.equal(r.timedOut, false, `rtmpdump ${url} timed out:\n${r.stderr}`);
  return { bytes: readFileSync(file), code: r.code, stderr: r.stderr };
}

for (const type of [6, 8, 9] as const) {
  test(`RTMPE type ${type}: rtmpdump -r rtmpe:// through rtmpkit's server handshake = the plain rtmp:// download`, async (t) => {
    if (!requirePeers(t, NEEDS)) return;
    nginx ??= await startNginx({ mediaDir: media });
    const plain = await rtmpdump(`rtmp://127.0.0.1:${nginx.port}/vod/short.flv`, `plain-${type}.flv`);
    assert.ok(
      plain.bytes.length > 1_000_000,
      `plain download only ${plain.bytes.length} bytes:\n${plain.stderr}`,
    );
    const bridge = await startBridge({
      server: { rtmpe: true, rtmpeType: type },
      upstream: { host: '127.0.0.1', port: nginx.port, handshake: {} },
    });
    try {
      const enc = await rtmpdump(`rtmpe://127.0.0.1:${bridge.port}/vod/short.flv`, `rtmpe-${type}.flv`);
      assert.equal(bridge.connections.length, 1);
      const conn = bridge.connections[0]!;
      assert.deepEqual(conn.errors, []);
      assert.equal(conn.downstream?.clientVersion, 6, 'librtmp sends C0 6');
      assert.deepEqual(conn.downstream?.clientFlashVersion, [128, 0, 3, 2]);
      assert.equal(conn.downstream?.rtmpe?.type, type);
      assert.equal(conn.downstream?.c2Valid, true, "librtmp's C2 signature (wrapped for this type) verifies");
      assert.ok(conn.down > 1_000_000, `only ${conn.down} bytes relayed to rtmpdump`);
      assert.equal(enc.code, plain.code, `exit codes differ:\n${enc.stderr}`);
      assert.ok(
        enc.bytes.equals(plain.bytes),
        `RTMPE download (${enc.bytes.length} B) != plain (${plain.bytes.length} B)`,
      );
    } finally {
      await bridge.close();
    }
  });
}
