/**
 * rtmps:// against a real TLS terminator: stunnel (self-signed certificate for
 * localhost/127.0.0.1) in front of nginx-rtmp. Certificates are verified by default:
 * without the CA the connection fails with a typed error; with it, a VOD plays and
 * equals the plain-RTMP download byte for byte.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { RTMP, RTMPError } from '../../src/index.js';
import { download } from '../helpers/client.js';
import { makeMedia, type Peer, requirePeers, startNginx, startStunnel, which } from '../helpers/peers.js';

const NEEDS = ['nginx', '/usr/lib/nginx/modules/ngx_rtmp_module.so', 'ffmpeg', 'stunnel', 'openssl'];
let nginx: Peer | undefined;
let stunnel: (Peer & { cert: string }) | undefined;

before(async () => {
  if (!NEEDS.every((b) => which(b))) return;
  nginx = await startNginx({ mediaDir: makeMedia() });
  stunnel = await startStunnel(nginx.port);
});
after(() => {
  stunnel?.stop();
  nginx?.stop();
});

test('rtmps: an untrusted certificate is refused by default, with a typed error', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const conn = new RTMP(`rtmps://127.0.0.1:${stunnel!.port}/vod/short.flv`, { timeout: 10 });
  await assert.rejects(conn.connect(), (err: unknown) => {
    assert.ok(err instanceof RTMPError, String(err));
    assert.match(err.message + String((err as { cause?: unknown }).cause), /certificate|self.signed/i);
    return true;
  });
  await conn.close();
});

test('rtmps: with the CA given, a VOD plays and equals the plain RTMP download', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const ca = readFileSync(stunnel!.cert);
  const overTls = await download(`rtmps://127.0.0.1:${stunnel!.port}/vod/short.flv`, { tls: { ca } });
  const plain = await download(`rtmp://127.0.0.1:${nginx!.port}/vod/short.flv`);
  assert.ok(overTls.length > 1_000_000, `got ${overTls.length} bytes`);
  assert.ok(overTls.equals(plain), 'rtmps and rtmp downloads differ');
});

test('rtmps: the host name is checked (localhost is in the certificate, example.com is not)', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const ca = readFileSync(stunnel!.cert);
  const ok = new RTMP(`rtmps://localhost:${stunnel!.port}/vod/short.flv`, { timeout: 10, tls: { ca } });
  await ok.connect();
  await ok.close();
  const wrongName = new RTMP(`rtmps://127.0.0.1:${stunnel!.port}/vod/short.flv`, {
    timeout: 10,
    tls: { ca, servername: 'example.com' },
  });
  await assert.rejects(wrongName.connect(), RTMPError);
  await wrongName.close();
});
