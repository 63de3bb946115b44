/**
 * rtmps:// against a real TLS terminator: stunnel (self-signed certificate for
 * localhost/127.0.0.1) in front of nginx-rtmp. Certificates are verified by default:
 * without the CA the connection fails with a typed error; with it, a VOD plays and
 * equals the plain-RTMP download byte for byte — through the reused read buffer, which
 * a TLS connection of its own reads into (not one over a given socket).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { after, before, test } from 'node:test';
import { RTMP, RTMPError } from '../../src/index.js';
import { readsIntoReusedBuffer } from '../../src/transport/tcp.js';
import { connectTls } from '../../src/transport/tls.js';
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

test('rtmps: a TLS connection of its own reads into the reused buffer; TLS over a given socket does not', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const ca = readFileSync(stunnel!.cert);
  const target = { host: '127.0.0.1', port: stunnel!.port, timeoutMs: 10_000 };
  const own = await connectTls(target, { ca });
  assert.equal(readsIntoReusedBuffer(own), true);
  own.destroy();
  const tcp = netConnect({ host: '127.0.0.1', port: stunnel!.port });
  await new Promise<void>((res, rej) => tcp.once('connect', res).once('error', rej));
  const over = await connectTls(target, { ca }, tcp);
  assert.equal(readsIntoReusedBuffer(over), false);
  over.destroy();
});
