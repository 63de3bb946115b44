/**
 * `hashSwf` over HTTP (src/swf/index.ts, http.ts) against a local node:http server on
 * 127.0.0.1: librtmp's request headers, the cache (fresh → no request; stale or age 0 →
 * If-Modified-Since; 304 → reuse and refresh ctim), 404 / 302 (not followed) / slow
 * (timeout) / huge (bound) / refused, cancellation, `fetch` injection — and `RTMP` with
 * `swfVfy: true` hashing before it connects.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { RTMP } from '../../src/client/rtmp.js';
import { RTMPError, RTMPTimeoutError } from '../../src/errors.js';
import { hashSwf, hashSwfBytes, type SwfFetch, SwfHttpError } from '../../src/index.js';
import { findSwfRecord, httpDate, parseSwfInfo } from '../../src/swf/cache.js';
import { freePort, tempDir } from '../helpers/peers.js';

function makeFws(bodyLength: number, seed = 1): Buffer {
  const body = Buffer.alloc(bodyLength);
  let x = seed * 2654435761; // xorshift: barely compressible, so the CWS stays large
  for (let i = 0; i < bodyLength; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    body[i] = i % 4 === 0 ? 0 : x & 0xff;
  }
  const h = Buffer.from('FWS\x0a\0\0\0\0', 'latin1');
  h.writeUInt32LE(8 + bodyLength, 4);
  return Buffer.concat([h, body]);
}
const toCws = (fws: Buffer): Buffer =>
  Buffer.concat([Buffer.from('CWS', 'latin1'), fws.subarray(3, 8), deflateSync(fws.subarray(8))]);
const goldenHex = (fws: Buffer): string =>
  createHmac('sha256', Buffer.from('Genuine Adobe Flash Player 001')).update(fws).digest('hex');

const FWS = makeFws(50_000, 3);
const CWS = toCws(FWS);
assert.ok(CWS.length > 10_000 && CWS.length < FWS.length);
const LAST_MODIFIED = 'Sat, 01 Jun 2024 12:00:00 GMT';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  httpVersion: string;
}

/** A local HTTP server whose behaviour each test sets; it records every request. */
const requests: Seen[] = [];
let handler: Handler = (_req, res) => res.end();
const sockets = new Set<import('node:net').Socket>();
const server: Server = createServer((req, res) => {
  requests.push({ url: req.url ?? '', headers: req.headers, httpVersion: req.httpVersion });
  handler(req, res);
});
server.on('connection', (s) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const PORT = (server.address() as AddressInfo).port;
const BASE = `http://127.0.0.1:${PORT}`;
after(() => {
  for (const s of sockets) s.destroy();
  server.close();
});

function serveSwf(body: Buffer = CWS, lastModified = LAST_MODIFIED): Handler {
  return (req, res) => {
    if (req.headers['if-modified-since'] === lastModified) {
      res.writeHead(304).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/x-shockwave-flash', 'Last-Modified': lastModified });
    res.end(body);
  };
}

function isCode(code: string): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof RTMPError, `expected RTMPError, got ${String(err)}`);
    assert.equal(err.code, code, (err as Error).message);
    return true;
  };
}

test('200: hashes the CWS body, sends librtmp headers, writes the librtmp record', async () => {
  const dir = tempDir('rtmpkit-swf-');
  const cacheFile = join(dir, '.swfinfo');
  handler = serveSwf();
  requests.length = 0;
  const r = await hashSwf(`${BASE}/player.swf?v=1`, { cacheFile });
  assert.equal(r.hex, goldenHex(FWS));
  assert.equal(r.size, FWS.length);
  assert.deepEqual(r, hashSwfBytes(CWS));
  assert.equal(requests.length, 1);
  const h = requests[0]!.headers;
  assert.equal(requests[0]!.url, '/player.swf?v=1');
  assert.equal(h['user-agent'], 'Mozilla/5.0');
  assert.equal(h.referer, `${BASE}/`);
  assert.equal(h['if-modified-since'], undefined);
  const text = readFileSync(cacheFile, 'latin1');
  assert.match(
    text,
    new RegExp(
      `^url: ${BASE}/player\\.swf\\nctim: \\w{3}, \\d\\d \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d GMT\\n` +
        `date: ${LAST_MODIFIED}\\nsize: ${FWS.length.toString(16).padStart(8, '0')}\\nhash: ${r.hex}\\n$`,
    ),
  );

  // Fresh (age 30 by default): no request at all.
  const again = await hashSwf(`${BASE}/player.swf`, { cacheFile });
  assert.equal(again.hex, r.hex);
  assert.equal(requests.length, 1);
});

test('age 0 → conditional GET; 304 reuses the hash and refreshes only ctim', async () => {
  const dir = tempDir('rtmpkit-swf-');
  const cacheFile = join(dir, '.swfinfo');
  const old = httpDate(Date.now() - 5 * 86_400_000);
  const hex = goldenHex(FWS);
  const other = `url: http://elsewhere/x.swf\nctim: ${old}\ndate: \nsize: 00000009\nhash: ${'ee'.repeat(32)}\n`;
  writeFileSync(
    cacheFile,
    `url: ${BASE}/p.swf\nctim: ${old}\ndate: ${LAST_MODIFIED}\nsize: ${FWS.length.toString(16).padStart(8, '0')}\nhash: ${hex}\n${other}`,
  );
  handler = serveSwf();
  requests.length = 0;
  const r = await hashSwf(`${BASE}/p.swf`, { cacheFile, age: 0 });
  assert.equal(r.hex, hex);
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.headers['if-modified-since'], LAST_MODIFIED);
  const f = parseSwfInfo(readFileSync(cacheFile, 'latin1'));
  const rec = findSwfRecord(f, `${BASE}/p.swf`)!;
  assert.notEqual(rec.ctim, old);
  assert.ok(Math.abs(Date.parse(rec.ctim) - Date.now()) < 5000);
  assert.equal(rec.date, LAST_MODIFIED);
  assert.ok(readFileSync(cacheFile, 'latin1').endsWith(other), 'foreign record kept byte for byte');
});

test('stale record (older than age) → conditional GET; a new SWF replaces the record', async () => {
  const dir = tempDir('rtmpkit-swf-');
  const cacheFile = join(dir, '.swfinfo');
  const old = httpDate(Date.now() - 40 * 86_400_000);
  writeFileSync(
    cacheFile,
    `url: ${BASE}/p.swf\nctim: ${old}\ndate: Mon, 01 Jan 2024 00:00:00 GMT\nsize: 00000010\nhash: ${'ab'.repeat(32)}\n`,
  );
  const fws2 = makeFws(20_000, 11);
  handler = serveSwf(fws2, 'Tue, 02 Jul 2024 00:00:00 GMT');
  requests.length = 0;
  const r = await hashSwf(`${BASE}/p.swf`, { cacheFile, age: 30 });
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.headers['if-modified-since'], 'Mon, 01 Jan 2024 00:00:00 GMT');
  assert.equal(r.hex, goldenHex(fws2));
  assert.equal(r.size, fws2.length);
  const f = parseSwfInfo(readFileSync(cacheFile, 'latin1'));
  assert.equal(f.records.length, 1);
  assert.equal(f.records[0]!.hash!.toString('hex'), r.hex);
  assert.equal(f.records[0]!.date, 'Tue, 02 Jul 2024 00:00:00 GMT');
});

test('cacheFile: null → no cache read or written', async () => {
  handler = serveSwf();
  requests.length = 0;
  await hashSwf(`${BASE}/p.swf`, { cacheFile: null });
  await hashSwf(`${BASE}/p.swf`, { cacheFile: null });
  assert.equal(requests.length, 2);
});

test('404 → SwfHttpError ERR_SWF_HTTP status 404; nothing cached', async () => {
  const cacheFile = join(tempDir('rtmpkit-swf-'), '.swfinfo');
  handler = (_req, res) => res.writeHead(404).end('<html>nope</html>');
  await assert.rejects(hashSwf(`${BASE}/missing.swf`, { cacheFile }), (err) => {
    assert.ok(err instanceof SwfHttpError);
    assert.equal(err.code, 'ERR_SWF_HTTP');
    assert.equal(err.status, 404);
    assert.match(err.message, /not found \(HTTP 404\)/);
    return true;
  });
  assert.throws(() => readFileSync(cacheFile), /ENOENT/);
  handler = (_req, res) => res.writeHead(500).end();
  await assert.rejects(
    hashSwf(`${BASE}/x.swf`, { cacheFile }),
    (err) => (err as SwfHttpError).status === 500,
  );
});

test('302 → ERR_SWF_HTTP naming the redirect; it is not followed', async () => {
  requests.length = 0;
  handler = (req, res) => {
    if (req.url === '/moved.swf') res.writeHead(302, { Location: `${BASE}/real.swf` }).end();
    else serveSwf()(req, res);
  };
  await assert.rejects(hashSwf(`${BASE}/moved.swf`, { cacheFile: null }), (err) => {
    assert.ok(err instanceof SwfHttpError);
    assert.equal(err.status, 302);
    assert.equal(err.location, `${BASE}/real.swf`);
    assert.match(err.message, /redirect not followed/);
    return true;
  });
  assert.deepEqual(
    requests.map((r) => r.url),
    ['/moved.swf'],
  );
});

test('slow server → RTMPTimeoutError ERR_SWF_TIMEOUT (no answer, and a stall mid-body)', async () => {
  handler = () => {}; // never answers
  const t0 = Date.now();
  await assert.rejects(hashSwf(`${BASE}/slow.swf`, { cacheFile: null, timeoutMs: 300 }), (err) => {
    assert.ok(err instanceof RTMPTimeoutError);
    assert.equal((err as RTMPError).code, 'ERR_SWF_TIMEOUT');
    return true;
  });
  assert.ok(Date.now() - t0 < 3000);
  handler = (_req, res) => {
    res.writeHead(200, { 'Content-Length': String(CWS.length) });
    res.write(CWS.subarray(0, 1000)); // then stalls
  };
  await assert.rejects(
    hashSwf(`${BASE}/stall.swf`, { cacheFile: null, timeoutMs: 300 }),
    isCode('ERR_SWF_TIMEOUT'),
  );
});

test('huge SWF → ERR_SWF_TOO_LARGE without reading it all', async () => {
  const chunk = deflateSync(Buffer.alloc(1 << 20)); // not used as a stream, just sizing
  assert.ok(chunk.length > 0);
  let sent = 0;
  handler = (_req, res) => {
    res.writeHead(200);
    res.write(Buffer.from('FWS\x0a\xff\xff\xff\x7f', 'latin1'));
    const block = Buffer.alloc(64 * 1024, 1);
    const pump = (): void => {
      while (sent < 512 << 20) {
        sent += block.length;
        if (!res.write(block)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    res.on('close', () => {
      sent = Number.POSITIVE_INFINITY;
    });
    pump();
  };
  await assert.rejects(
    hashSwf(`${BASE}/huge.swf`, { cacheFile: null, maxSize: 2 << 20 }),
    isCode('ERR_SWF_TOO_LARGE'),
  );
  // And a CWS bomb: 32 MiB of zeros in ~32 KiB.
  const bomb = toCws(Buffer.concat([Buffer.from('FWS\x0a\0\0\0\0', 'latin1'), Buffer.alloc(32 << 20)]));
  handler = (_req, res) => res.writeHead(200).end(bomb);
  await assert.rejects(
    hashSwf(`${BASE}/bomb.swf`, { cacheFile: null, maxSize: 1 << 20 }),
    isCode('ERR_SWF_TOO_LARGE'),
  );
});

test('not a SWF (an HTML page with 200) and ZWS → typed errors', async () => {
  handler = (_req, res) => res.writeHead(200).end('<!doctype html><p>login</p>');
  await assert.rejects(hashSwf(`${BASE}/login.swf`, { cacheFile: null }), isCode('ERR_SWF_FORMAT'));
  handler = (_req, res) => res.writeHead(200).end(Buffer.from('ZWS\x0d\0\0\0\0aaaaaaaaaaaaaaaa', 'latin1'));
  await assert.rejects(hashSwf(`${BASE}/lzma.swf`, { cacheFile: null }), isCode('ERR_SWF_UNSUPPORTED'));
});

test('body cut short (Content-Length not reached) and refused connections → ERR_SWF_CONNECTION', async () => {
  handler = (req, res) => {
    res.writeHead(200, { 'Content-Length': String(CWS.length) });
    res.write(CWS.subarray(0, 2000), () => req.socket.destroy());
  };
  await assert.rejects(hashSwf(`${BASE}/cut.swf`, { cacheFile: null }), (err) => {
    assert.ok(err instanceof RTMPError);
    assert.ok(['ERR_SWF_CONNECTION', 'ERR_SWF_FORMAT'].includes(err.code), err.code);
    return true;
  });
  const closed = await freePort();
  await assert.rejects(
    hashSwf(`http://127.0.0.1:${closed}/p.swf`, { cacheFile: null }),
    isCode('ERR_SWF_CONNECTION'),
  );
});

test('bad URLs and options → ERR_SWF_ARGUMENT; the caller’s signal aborts with its reason', async () => {
  await assert.rejects(hashSwf('ftp://h/p.swf'), isCode('ERR_SWF_ARGUMENT'));
  await assert.rejects(hashSwf('not a url'), isCode('ERR_SWF_ARGUMENT'));
  await assert.rejects(hashSwf(`${BASE}/p.swf`, { age: -1 }), isCode('ERR_SWF_ARGUMENT'));
  handler = () => {};
  const ctl = new AbortController();
  const reason = new Error('user gave up');
  setTimeout(() => ctl.abort(reason), 100);
  await assert.rejects(
    hashSwf(`${BASE}/slow.swf`, { cacheFile: null, signal: ctl.signal, timeoutMs: 10_000 }),
    (err) => err === reason,
  );
});

test('fetch injection: globalThis.fetch fits the interface (redirect: manual)', async () => {
  handler = serveSwf();
  const viaFetch = await hashSwf(`${BASE}/p.swf`, { cacheFile: null, fetch: globalThis.fetch });
  assert.equal(viaFetch.hex, goldenHex(FWS));
  handler = (_req, res) => res.writeHead(301, { Location: '/p.swf' }).end();
  await assert.rejects(
    hashSwf(`${BASE}/moved.swf`, { cacheFile: null, fetch: globalThis.fetch }),
    (err) => err instanceof SwfHttpError && err.status === 301,
  );
  // A fetch that ignores its signal still times out.
  const stuck: SwfFetch = () => new Promise(() => {});
  await assert.rejects(
    hashSwf(`${BASE}/p.swf`, { cacheFile: null, fetch: stuck, timeoutMs: 200 }),
    isCode('ERR_SWF_TIMEOUT'),
  );
});

test('RTMP swfVfy: hashes swfUrl before connecting (and caches it in $HOME/.swfinfo)', async () => {
  const home = tempDir('rtmpkit-swf-home-');
  const saved = process.env.HOME;
  process.env.HOME = home;
  try {
    handler = serveSwf();
    requests.length = 0;
    const closed = await freePort();
    const conn = new RTMP(`rtmp://127.0.0.1:${closed}/app/x`, {
      swfUrl: `${BASE}/player.swf`,
      swfVfy: true,
      timeout: 5,
    });
    await assert.rejects(
      conn.connect(),
      (err) => err instanceof RTMPError && !err.code.startsWith('ERR_SWF_'),
    );
    assert.equal(requests.length, 1, 'the SWF was fetched first');
    const rec = findSwfRecord(
      parseSwfInfo(readFileSync(join(home, '.swfinfo'), 'latin1')),
      `${BASE}/player.swf`,
    )!;
    assert.equal(rec.hash!.toString('hex'), goldenHex(FWS));

    handler = (_req, res) => res.writeHead(404).end();
    const bad = new RTMP(`rtmp://127.0.0.1:${closed}/app/x`, {
      swfUrl: `${BASE}/gone.swf`,
      swfVfy: true,
      timeout: 5,
    });
    await assert.rejects(bad.connect(), isCode('ERR_SWF_HTTP'));
    assert.equal(bad.connected, false);

    const noUrl = new RTMP(`rtmp://127.0.0.1:${closed}/app/x`, { swfVfy: true });
    await assert.rejects(noUrl.connect(), /swfVfy needs swfUrl/);
  } finally {
    if (saved === undefined) delete process.env.HOME;
    else process.env.HOME = saved;
  }
});
