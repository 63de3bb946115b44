/**
 * rtmpt:// and rtmpts:// against real peers: nginx-rtmp behind
 * test/peers/rtmpt-bridge.js (an independent RTMPT server-side bridge, also tested with
 * rtmpdump and ffmpeg), and stunnel in front of the bridge for RTMPTS. A VOD downloaded
 * over the tunnel equals the plain rtmp:// download (and rtmpdump's rtmpt download);
 * a publish over rtmpt records the same packets as a plain-rtmp publish; RTMPTS verifies
 * the certificate (refused without the CA, works with it).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RTMP, RTMPError } from '../../src/index.js';
import { download, packets } from '../helpers/client.js';
import {
  freePort,
  makeMedia,
  PEERS_DIR,
  type Peer,
  requirePeers,
  runBounded,
  startNginx,
  tempDir,
  which,
} from '../helpers/peers.js';

const NEEDS = [
  'nginx',
  '/usr/lib/nginx/modules/ngx_rtmp_module.so',
  'ffmpeg',
  'ffprobe',
  'stunnel',
  'openssl',
];
let media = '';
let nginx: Peer | undefined;
let bridgePort = 0;
let bridgeDir = '';
let tlsPort = 0;
let tlsDir = '';
let cert = '';

function script(name: string, args: string[], env: Record<string, string>): Record<string, string> {
  const out = execFileSync('bash', [join(PEERS_DIR, name), ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const vars: Record<string, string> = {};
  for (const m of out.matchAll(/(\w+)=(\S+)/g)) vars[m[1]!] = m[2]!;
  return vars;
}

function stop(dir: string): void {
  if (dir !== '')
    execFileSync('bash', [join(PEERS_DIR, 'stop-peer.sh'), dir], { stdio: 'ignore', timeout: 15_000 });
}

before(async () => {
  if (!NEEDS.every((b) => which(b))) return;
  media = makeMedia();
  nginx = await startNginx({ mediaDir: media });
  bridgePort = await freePort();
  bridgeDir = tempDir('rtmpkit-rtmpt-');
  script('start-rtmpt-bridge.sh', [bridgeDir], {
    HTTP_PORT: String(bridgePort),
    BACKEND: `127.0.0.1:${nginx.port}`,
  });
  tlsPort = await freePort();
  tlsDir = tempDir('rtmpkit-rtmpts-');
  cert = script('start-stunnel-rtmps.sh', [tlsDir], { TLS_PORT: String(tlsPort), PORT: String(bridgePort) })
    .CERT!;
});
after(() => {
  stop(tlsDir);
  stop(bridgeDir);
  nginx?.stop();
});

async function publish(url: string): Promise<void> {
  const conn = new RTMP(url, { publish: true, timeout: 20 });
  await conn.connect();
  const stream = await conn.createStream({ writeable: true });
  const file = readFileSync(join(media, 'short.flv'));
  for (let i = 0; i < file.length; i += 65_521) await stream.write(file.subarray(i, i + 65_521));
  await stream.close();
  await conn.close();
}

test('rtmpt: a VOD over the HTTP tunnel equals the plain rtmp:// download (and rtmpdump -r rtmpt://)', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const tunnelled = await download(`rtmpt://127.0.0.1:${bridgePort}/vod/short.flv`);
  const plain = await download(`rtmp://127.0.0.1:${nginx!.port}/vod/short.flv`);
  assert.ok(tunnelled.length > 1_000_000, `got ${tunnelled.length} bytes`);
  assert.ok(tunnelled.equals(plain), 'rtmpt and rtmp downloads differ');
  if (which('rtmpdump')) {
    const r = await runBounded(
      'rtmpdump',
      ['-q', '-r', `rtmpt://127.0.0.1:${bridgePort}/vod/short.flv`, '-o', '-'],
      60_000,
    );
    if (r.code === 0 && !r.timedOut)
      assert.ok(r.stdout.equals(tunnelled), "rtmpdump's rtmpt download differs");
    else t.diagnostic(`rtmpdump rtmpt: exit ${r.code} timedOut ${r.timedOut}: ${r.stderr.slice(-300)}`);
  }
});

test('rtmpt: publish over the tunnel records the same packets as a plain-rtmp publish', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  await publish(`rtmpt://127.0.0.1:${bridgePort}/rec/tun`);
  await publish(`rtmp://127.0.0.1:${nginx!.port}/rec/plain`);
  await new Promise((r) => setTimeout(r, 500));
  const tun = join(nginx!.runDir, 'rec', 'tun.flv');
  const plain = join(nginx!.runDir, 'rec', 'plain.flv');
  assert.ok(statSync(tun).size > 1_000_000, 'recording written');
  const [a, b] = [await packets(tun), await packets(plain)];
  assert.ok(a.length > 300, `${a.length} packets`);
  assert.deepEqual(a, b);
});

test('rtmpts: an untrusted certificate is refused; with the CA a VOD plays identically', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const bad = new RTMP(`rtmpts://127.0.0.1:${tlsPort}/vod/short.flv`, { timeout: 10 });
  await assert.rejects(bad.connect(), (err: unknown) => {
    assert.ok(err instanceof RTMPError, String(err));
    assert.equal(err.code, 'ERR_RTMP_TLS');
    assert.match(err.message + String((err as { cause?: unknown }).cause), /certificate|self.signed/i);
    return true;
  });
  await bad.close();
  const ca = readFileSync(cert);
  const overTls = await download(`rtmpts://127.0.0.1:${tlsPort}/vod/short.flv`, { tls: { ca } });
  const plain = await download(`rtmp://127.0.0.1:${nginx!.port}/vod/short.flv`);
  assert.ok(overTls.equals(plain), 'rtmpts and rtmp downloads differ');
});
