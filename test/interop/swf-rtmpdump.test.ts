/**
 * SWF verification against real librtmp (rtmpdump 2.4):
 * 1. rtmpdump `-W` hashes a CWS SWF served from 127.0.0.1 and writes `$HOME/.swfinfo`
 *    even though the RTMP connect then fails: its hash and size equal ours (and an
 *    independent HMAC), and its record text is exactly what our formatter writes.
 * 2. A `.swfinfo` written by rtmpkit is used by rtmpdump without any HTTP request (age
 *    allows), and with `-X 0` rtmpdump revalidates with our `date:` (If-Modified-Since),
 *    takes our 304, and leaves a file we still parse.
 * 3. On the wire: a test RTMP server (ServerHandshake + ChunkReader/ChunkWriter over
 *    node:net; ServerSession cannot send User Control 26) sends SWFVerifyRequest after the
 *    handshake; rtmpdump `-W url` and rtmpkit `new RTMP(url, { swfUrl, swfVfy: true })`
 *    both answer with User Control 27 whose 42-byte data equals `01 01 | size | size |
 *    HMAC-SHA256(key = last 32 bytes of S1, msg = SWF hash)` computed here.
 * rtmpdump missing: fail under CI=true, else skip (requirePeers).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { deflateSync } from 'node:zlib';
import { ChunkReader } from '../../src/chunk/reader.js';
import { ChunkWriter } from '../../src/chunk/writer.js';
import { RTMP } from '../../src/client/rtmp.js';
import { ServerHandshake } from '../../src/handshake/server.js';
import { userControl } from '../../src/message/builders.js';
import { encodeMessage } from '../../src/message/codec.js';
import { findSwfRecord, formatSwfRecord, parseSwfInfo } from '../../src/swf/cache.js';
import { hashSwf, hashSwfBytes } from '../../src/swf/index.js';
import { freePort, requirePeers, runBounded, tempDir } from '../helpers/peers.js';

// ------------------------------------------------------------------ the SWF

function makeFws(bodyLength: number): Buffer {
  const body = Buffer.alloc(bodyLength);
  let x = 0x12345678;
  for (let i = 0; i < bodyLength; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    body[i] = i % 3 === 0 ? 0x41 : x & 0xff;
  }
  const h = Buffer.from('FWS\x0a\0\0\0\0', 'latin1');
  h.writeUInt32LE(8 + bodyLength, 4);
  return Buffer.concat([h, body]);
}
const FWS = makeFws(40_000);
const CWS = Buffer.concat([Buffer.from('CWS', 'latin1'), FWS.subarray(3, 8), deflateSync(FWS.subarray(8))]);
const GOLDEN_HASH = createHmac('sha256', Buffer.from('Genuine Adobe Flash Player 001')).update(FWS).digest();
const LAST_MODIFIED = 'Sat, 01 Jun 2024 12:00:00 GMT';

// ------------------------------------------------------------------ HTTP server

interface HttpSeen {
  url: string;
  headers: IncomingMessage['headers'];
}
const httpSeen: HttpSeen[] = [];
let httpMode: 'serve' | '404' = 'serve';
const http = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
  httpSeen.push({ url: req.url ?? '', headers: req.headers });
  if (httpMode === '404') {
    res.writeHead(404).end();
    return;
  }
  if (req.headers['if-modified-since'] === LAST_MODIFIED) {
    res.writeHead(304).end();
    return;
  }
  res.writeHead(200, {
    'Content-Type': 'application/x-shockwave-flash',
    'Content-Length': String(CWS.length),
    'Last-Modified': LAST_MODIFIED,
  });
  res.end(CWS);
});
await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
const SWF_URL = `http://127.0.0.1:${(http.address() as AddressInfo).port}/player.swf`;

// ------------------------------------------------------------------ RTMP test server

interface Verify {
  /** S1 as sent (1536 bytes, without S0). */
  s1: Buffer;
  /** The client's User Control 27 payload (event type + data). */
  payload: Buffer;
  mode: string;
}

/** Accepts one client: handshake, SWFVerifyRequest, waits for SWFVerifyResponse. */
function verifyServer(): { port: Promise<number>; result: Promise<Verify>; close(): void } {
  let resolveResult!: (v: Verify) => void;
  let rejectResult!: (e: unknown) => void;
  const result = new Promise<Verify>((res, rej) => {
    resolveResult = res;
    rejectResult = rej;
  });
  const sockets = new Set<Socket>();
  const server: Server = createNetServer((socket) => {
    sockets.add(socket);
    const hs = new ServerHandshake({ policy: 'auto' });
    const reader = new ChunkReader();
    const writer = new ChunkWriter();
    let s1: Buffer | undefined;
    let mode = '';
    const onChunks = (bytes: Buffer): void => {
      for (const raw of reader.push(bytes)) {
        if (raw.type === 4 && raw.payload.length >= 2 && raw.payload.readUInt16BE(0) === 27) {
          resolveResult({ s1: s1!, payload: Buffer.from(raw.payload), mode });
          socket.destroy();
          return;
        }
      }
    };
    socket.on('data', (d: Buffer) => {
      try {
        if (!hs.done) {
          const step = hs.receive(d);
          for (const b of step.send) {
            if (s1 === undefined && b.length >= 1537) s1 = Buffer.from(b.subarray(1, 1537));
            socket.write(b);
          }
          if (step.done) {
            mode = step.info!.mode;
            // SWFVerifyRequest: event 26 with one data byte (type 1), what FMS sends.
            const req = encodeMessage(userControl({ event: 'swfVerifyRequest', data: Buffer.from([1]) }));
            for (const b of writer.write(req)) socket.write(b);
            if (step.rest !== undefined && step.rest.length > 0) onChunks(Buffer.from(step.rest));
          }
        } else {
          onChunks(d);
        }
      } catch (err) {
        rejectResult(err);
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  const port = new Promise<number>((res) =>
    server.listen(0, '127.0.0.1', () => res((server.address() as AddressInfo).port)),
  );
  return {
    port,
    result,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** What the test expects in User Control 27: event 0x1B, then 01 01 | size | size | HMAC(S1 tail, hash). */
function expectedResponse(s1: Buffer, hash: Buffer, size: number): Buffer {
  const out = Buffer.alloc(44);
  out.writeUInt16BE(0x1b, 0);
  out[2] = 1;
  out[3] = 1;
  out.writeUInt32BE(size, 4);
  out.writeUInt32BE(size, 8);
  createHmac('sha256', s1.subarray(1536 - 32))
    .update(hash)
    .digest()
    .copy(out, 12);
  return out;
}

function rtmpdump(home: string, args: string[]) {
  return runBounded('env', [`HOME=${home}`, 'rtmpdump', ...args], 20_000);
}

function readRecord(home: string) {
  const text = readFileSync(join(home, '.swfinfo'), 'latin1');
  return { text, record: findSwfRecord(parseSwfInfo(text), SWF_URL) };
}

after(() => {
  http.closeAllConnections();
  http.close();
});

const need = (t: TestContext): boolean => requirePeers(t, ['rtmpdump']);

describe('SWF verification vs librtmp (rtmpdump)', () => {
  it('rtmpdump -W writes the same hash and size as hashSwf, in the exact record format', {
    timeout: 60_000,
  }, async (t) => {
    if (!need(t)) return;
    const home = tempDir('rtmpkit-swf-rd-');
    const closed = await freePort();
    httpMode = 'serve';
    httpSeen.length = 0;
    const r = await rtmpdump(home, [
      '-r',
      `rtmp://127.0.0.1:${closed}/app/x`,
      '-W',
      SWF_URL,
      '-m',
      '2',
      '-o',
      '/dev/null',
    ]);
    assert.equal(r.timedOut, false);
    assert.notEqual(r.code, 0, 'the RTMP connect fails (nothing listens)');
    assert.equal(httpSeen.length, 1, 'rtmpdump fetched the SWF once');
    t.diagnostic(`rtmpdump request headers: ${JSON.stringify(httpSeen[0]!.headers)}`);
    assert.equal(httpSeen[0]!.headers['user-agent'], 'Mozilla/5.0');

    const { text, record } = readRecord(home);
    assert.ok(record, `.swfinfo has a record for ${SWF_URL}:\n${text}`);
    const ours = await hashSwf(SWF_URL, { cacheFile: null });
    t.diagnostic(
      `librtmp: size ${record.size} hash ${record.hash?.toString('hex')}; rtmpkit: size ${ours.size} hash ${ours.hex}`,
    );
    assert.equal(record.size, ours.size);
    assert.equal(record.hash!.toString('hex'), ours.hex);
    assert.equal(ours.hex, GOLDEN_HASH.toString('hex'));
    assert.equal(ours.size, FWS.length);
    assert.deepEqual(hashSwfBytes(CWS).hash, ours.hash);
    assert.equal(record.date, LAST_MODIFIED);
    // Our formatter reproduces librtmp's record byte for byte.
    const { raw: _raw, ...fields } = record;
    assert.equal(formatSwfRecord(fields), text);
  });

  it('rtmpdump uses a .swfinfo written by rtmpkit (no request; -X 0 revalidates with 304)', {
    timeout: 60_000,
  }, async (t) => {
    if (!need(t)) return;
    const home = tempDir('rtmpkit-swf-rk-');
    const cacheFile = join(home, '.swfinfo');
    httpMode = 'serve';
    httpSeen.length = 0;
    const ours = await hashSwf(SWF_URL, { cacheFile });
    assert.equal(httpSeen.length, 1);

    // Fresh record: rtmpdump must not fetch, and must send the cached hash on the wire.
    httpMode = '404';
    const srv = verifyServer();
    const port = await srv.port;
    try {
      const run = rtmpdump(home, [
        '-r',
        `rtmp://127.0.0.1:${port}/app/x`,
        '-W',
        SWF_URL,
        '-m',
        '3',
        '-o',
        '/dev/null',
      ]);
      const v = await Promise.race([
        srv.result,
        run.then((r) => Promise.reject(new Error(`rtmpdump ended before answering: ${r.stderr}`))),
      ]);
      await run;
      assert.equal(httpSeen.length, 1, 'rtmpdump did not fetch the SWF: it used our record');
      assert.equal(v.mode, 'fp9');
      assert.deepEqual(v.payload, expectedResponse(v.s1, ours.hash, ours.size));
    } finally {
      srv.close();
    }

    // -X 0: librtmp revalidates with our date: line; our 304 keeps the hash.
    httpMode = 'serve';
    httpSeen.length = 0;
    const before = readRecord(home).record!;
    const closed = await freePort();
    const r = await rtmpdump(home, [
      '-r',
      `rtmp://127.0.0.1:${closed}/app/x`,
      '-W',
      SWF_URL,
      '-X',
      '0',
      '-m',
      '2',
      '-o',
      '/dev/null',
    ]);
    assert.equal(r.timedOut, false);
    assert.equal(httpSeen.length, 1);
    assert.equal(httpSeen[0]!.headers['if-modified-since'], LAST_MODIFIED);
    const afterRec = readRecord(home).record!;
    t.diagnostic(`ctim before ${before.ctim}, after librtmp's 304 ${afterRec.ctim}`);
    assert.equal(afterRec.hash!.toString('hex'), ours.hex);
    assert.equal(afterRec.size, ours.size);
    // And we still read librtmp's in-place rewrite (fresh → no request).
    httpSeen.length = 0;
    assert.equal((await hashSwf(SWF_URL, { cacheFile })).hex, ours.hex);
    assert.equal(httpSeen.length, 0);
  });

  it('on the wire: rtmpdump -W and rtmpkit swfVfy send the same, correct User Control 27', {
    timeout: 60_000,
  }, async (t) => {
    if (!need(t)) return;
    httpMode = 'serve';

    // rtmpdump, fresh HOME: fetches, hashes, answers.
    const home = tempDir('rtmpkit-swf-wire-');
    const srv = verifyServer();
    const port = await srv.port;
    let rd: Verify;
    try {
      const run = rtmpdump(home, [
        '-r',
        `rtmp://127.0.0.1:${port}/app/x`,
        '-W',
        SWF_URL,
        '-m',
        '3',
        '-o',
        '/dev/null',
      ]);
      rd = await Promise.race([
        srv.result,
        run.then((r) => Promise.reject(new Error(`rtmpdump ended before answering: ${r.stderr}`))),
      ]);
      await run;
    } finally {
      srv.close();
    }
    assert.equal(rd.mode, 'fp9');
    const want = expectedResponse(rd.s1, GOLDEN_HASH, FWS.length);
    t.diagnostic(`rtmpdump 0x1B: ${rd.payload.toString('hex')}`);
    assert.deepEqual(rd.payload, want);

    // rtmpkit, its own fresh HOME: the same computation from its own fetch.
    const saved = process.env.HOME;
    process.env.HOME = tempDir('rtmpkit-swf-wire-rk-');
    const srv2 = verifyServer();
    const port2 = await srv2.port;
    const conn = new RTMP(`rtmp://127.0.0.1:${port2}/app/x`, { swfUrl: SWF_URL, swfVfy: true, timeout: 5 });
    try {
      const connecting = conn.connect().catch((err: unknown) => err);
      const rk = await srv2.result;
      await connecting; // the server hangs up after the answer
      t.diagnostic(`rtmpkit 0x1B: ${rk.payload.toString('hex')}`);
      assert.equal(rk.mode, 'fp9');
      assert.deepEqual(rk.payload, expectedResponse(rk.s1, GOLDEN_HASH, FWS.length));
      // Same bytes as librtmp's up to the S1-dependent HMAC.
      assert.deepEqual(rk.payload.subarray(0, 12), rd.payload.subarray(0, 12));
    } finally {
      await conn.close();
      srv2.close();
      if (saved === undefined) delete process.env.HOME;
      else process.env.HOME = saved;
    }
  });
});
