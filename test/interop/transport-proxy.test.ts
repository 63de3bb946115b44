/**
 * openTransport through real proxies on loopback, then a plain RTMP handshake and play of
 * nginx-rtmp's VOD over the tunnel (rtmpkit's ClientSession): Dante's danted for SOCKS5
 * (no auth, and RFC 1929 username/password checked by danted against its own password
 * files) and SOCKS4 (librtmp's `socks=`), tinyproxy for HTTP CONNECT with Basic auth,
 * rtmps:// (stunnel) through SOCKS5 too. The media that arrive equal the file's A/V tags.
 * Each refusal gives its typed code: bad password, no credentials, destination denied
 * by rule, destination refused, a proxy that hangs up. Every peer starts on a free port
 * with a generated config and is stopped by PID.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type OpenTransportOptions, openTransport } from '../../src/transport/index.js';
import {
  freePort,
  makeMedia,
  type Peer,
  type ProxyPeer,
  requirePeers,
  startDanted,
  startNginx,
  startStunnel,
  startTinyproxy,
  which,
} from '../helpers/peers.js';
import { playOverSocket } from '../helpers/session-play.js';

const NEEDS = [
  'nginx',
  '/usr/lib/nginx/modules/ngx_rtmp_module.so',
  'danted',
  'tinyproxy',
  'unshare',
  'openssl',
];
const peers: { stop(): void }[] = [];
let media = '';
let nginx: Peer;
let sourceRows: string[] = [];

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** The A/V tags of an FLV file (FLV-10.1 Annex E) as comparable rows. */
function flvRows(file: Buffer): string[] {
  const rows: string[] = [];
  let pos = file.readUInt32BE(5) + 4;
  while (pos + 11 <= file.length) {
    const type = file[pos]! & 0x1f;
    const size = file.readUIntBE(pos + 1, 3);
    const ts = (file.readUIntBE(pos + 4, 3) | (file[pos + 7]! << 24)) >>> 0;
    if (type === 8 || type === 9) rows.push(`${type} ${ts} ${md5(file.subarray(pos + 11, pos + 11 + size))}`);
    pos += 11 + size + 4;
  }
  return rows;
}

before(async () => {
  if (!NEEDS.every((b) => which(b))) return;
  media = makeMedia();
  nginx = await startNginx({ mediaDir: media });
  peers.push(nginx);
  sourceRows = flvRows(readFileSync(join(media, 'short.flv')));
});
after(() => {
  for (const p of peers) p.stop();
});

/** Opens the transport with `options` and plays vod/short.flv over it; returns the media rows. */
async function playThrough(options: Partial<OpenTransportOptions>, host = '127.0.0.1'): Promise<string[]> {
  const t = await openTransport({ scheme: 'rtmp', host, port: nginx.port, timeoutMs: 10_000, ...options });
  const r = await playOverSocket(t.socket, {
    app: 'vod',
    tcUrl: `rtmp://${host}:${nginx.port}/vod`,
    name: 'short.flv',
  });
  assert.ok(r.statuses.includes('NetStream.Play.Start'), r.statuses.join(', '));
  return r.media.map((m) => `${m.type === 'audio' ? 8 : 9} ${m.timestamp} ${md5(m.payload)}`);
}

async function proxy<T extends ProxyPeer>(start: () => Promise<T>): Promise<T> {
  const p = await start();
  peers.push(p);
  return p;
}

describe('SOCKS5 (danted)', () => {
  it('no auth: play through the tunnel; a host name is resolved by the proxy', async (t) => {
    if (!requirePeers(t, NEEDS)) return;
    const d = await proxy(() => startDanted({ auth: 'none' }));
    const url = `socks5://127.0.0.1:${d.port}`;
    assert.deepEqual(await playThrough({ proxy: url }), sourceRows);
    assert.deepEqual(await playThrough({ proxy: url }, 'localhost'), sourceRows);
  });

  it('username/password (RFC 1929): the right password plays; wrong, missing → typed errors', async (t) => {
    if (!requirePeers(t, NEEDS)) return;
    const d = await proxy(() => startDanted({ auth: 'username' }));
    const creds = `${encodeURIComponent(d.user)}:${encodeURIComponent(d.password)}`;
    assert.deepEqual(await playThrough({ proxy: `socks5://${creds}@127.0.0.1:${d.port}` }), sourceRows);
    await assert.rejects(
      openTransport({
        scheme: 'rtmp',
        host: '127.0.0.1',
        port: nginx.port,
        proxy: `socks5://${d.user}:wrong@127.0.0.1:${d.port}`,
      }),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_PROXY_AUTH_FAILED');
        assert.equal(err.name, 'RTMPProxyError');
        assert.ok(!err.message.includes('wrong'), 'no password in the message');
        return true;
      },
    );
    await assert.rejects(
      openTransport({
        scheme: 'rtmp',
        host: '127.0.0.1',
        port: nginx.port,
        proxy: `socks5://127.0.0.1:${d.port}`,
      }),
      { code: 'ERR_PROXY_AUTH_REQUIRED' },
    );
  });

  it('a destination denied by rule → ERR_PROXY_DENIED; a closed port → ERR_PROXY_UNREACHABLE', async (t) => {
    if (!requirePeers(t, NEEDS)) return;
    const closed = await freePort();
    const d = await proxy(() => startDanted({ auth: 'none', denyPort: nginx.httpPort! }));
    const url = `socks5://127.0.0.1:${d.port}`;
    await assert.rejects(
      openTransport({ scheme: 'rtmp', host: '127.0.0.1', port: nginx.httpPort!, proxy: url }),
      {
        code: 'ERR_PROXY_DENIED',
        info: { proxy: 'socks5', status: 2 },
      },
    );
    await assert.rejects(openTransport({ scheme: 'rtmp', host: '127.0.0.1', port: closed, proxy: url }), {
      code: 'ERR_PROXY_UNREACHABLE',
      info: { proxy: 'socks5', status: 5 },
    });
  });

  it('rtmps:// through SOCKS5: TLS (stunnel, verified against its certificate) inside the tunnel', async (t) => {
    if (!requirePeers(t, [...NEEDS, 'stunnel'])) return;
    const d = await proxy(() => startDanted({ auth: 'none' }));
    const st = await startStunnel(nginx.port);
    peers.push(st);
    const tr = await openTransport({
      scheme: 'rtmps',
      host: '127.0.0.1',
      port: st.port,
      proxy: `socks5://127.0.0.1:${d.port}`,
      tls: { ca: readFileSync(st.cert) },
      timeoutMs: 10_000,
    });
    assert.match(tr.description, /via socks5 proxy .* \(TLS\)$/);
    const r = await playOverSocket(tr.socket, {
      app: 'vod',
      tcUrl: `rtmps://127.0.0.1:${st.port}/vod`,
      name: 'short.flv',
    });
    assert.deepEqual(
      r.media.map((m) => `${m.type === 'audio' ? 8 : 9} ${m.timestamp} ${md5(m.payload)}`),
      sourceRows,
    );
  });
});

describe('SOCKS4 and SOCKS4a (danted)', () => {
  it("librtmp's socks=host:port (SOCKS4, resolved locally) plays; so does socks4a:// to an IP literal", async (t) => {
    if (!requirePeers(t, NEEDS)) return;
    const d = await proxy(() => startDanted({ auth: 'none' }));
    assert.deepEqual(
      await playThrough({ socks: { host: '127.0.0.1', port: d.port } }, 'localhost'),
      sourceRows,
    );
    assert.deepEqual(await playThrough({ proxy: `socks4a://127.0.0.1:${d.port}` }), sourceRows);
  });

  it('danted has no SOCKS4a: a host name sent the 4a way comes back refused (91) → ERR_PROXY_DENIED', async (t) => {
    if (!requirePeers(t, NEEDS)) return;
    const d = await proxy(() => startDanted({ auth: 'none' }));
    await assert.rejects(
      openTransport({
        scheme: 'rtmp',
        host: 'localhost',
        port: nginx.port,
        proxy: `socks4a://127.0.0.1:${d.port}`,
      }),
      { code: 'ERR_PROXY_DENIED', info: { proxy: 'socks4a', status: 0x5b } },
    );
  });
});

describe('HTTP CONNECT (tinyproxy)', () => {
  it('Basic auth: the right password plays; wrong (401), missing (407), denied port (403) → typed errors', async (t) => {
    if (!requirePeers(t, NEEDS)) return;
    const tp = await proxy(() => startTinyproxy({ connectPorts: [nginx.port], auth: true }));
    const at = `127.0.0.1:${tp.port}`;
    assert.deepEqual(await playThrough({ proxy: `http://${tp.user}:${tp.password}@${at}` }), sourceRows);
    const target = { scheme: 'rtmp', host: '127.0.0.1', port: nginx.port };
    await assert.rejects(openTransport({ ...target, proxy: `http://${tp.user}:nope@${at}` }), {
      code: 'ERR_PROXY_AUTH_FAILED',
      info: { proxy: 'http', status: 401 },
    });
    await assert.rejects(openTransport({ ...target, proxy: `http://${at}` }), {
      code: 'ERR_PROXY_AUTH_REQUIRED',
      info: { proxy: 'http', status: 407 },
    });
    await assert.rejects(
      openTransport({ ...target, port: nginx.httpPort!, proxy: `http://${tp.user}:${tp.password}@${at}` }),
      { code: 'ERR_PROXY_DENIED', info: { proxy: 'http', status: 403 } },
    );
  });
});

describe('a proxy that hangs up', () => {
  it('closing before answering → ERR_PROXY_CLOSED, for every protocol', async (t) => {
    if (!requirePeers(t, NEEDS)) return;
    const server = createServer((s) => s.destroy());
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const { port } = server.address() as { port: number };
    try {
      for (const scheme of ['socks4', 'socks4a', 'socks5', 'http']) {
        await assert.rejects(
          openTransport({
            scheme: 'rtmp',
            host: '127.0.0.1',
            port: nginx.port,
            proxy: `${scheme}://127.0.0.1:${port}`,
          }),
          { code: 'ERR_PROXY_CLOSED', info: { proxy: scheme } },
          scheme,
        );
      }
    } finally {
      server.close();
    }
  });
});
