/**
 * Timeouts that mean what users think, against scripted TCP servers: a server that pings
 * every 100 ms but never sends media makes `read()` reject with `ERR_RTMP_NO_MEDIA`; one
 * that drips a media message a byte at a time too; one that sends whole but tiny media
 * messages fails a recorder's `minMediaRate` (`ERR_RTMP_MEDIA_TOO_SLOW`); one that sends
 * endless junk after NetStream.Play.Start makes `rtmpkit dump` fail with a typed error,
 * exit 2 (rtmpdump's "incomplete"), keeping the valid partial FLV — no junk in it.
 * Waits are bounded generously (a 1 s timeout must fire before 10 s).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AMFObject } from '../../src/amf/types.js';
import { FlvDemuxer } from '../../src/flv/demuxer.js';
import { RTMP, RTMPTimeoutError } from '../../src/index.js';
import { command, dataMessage, pingRequest, streamBegin } from '../../src/message/builders.js';
import type { RawMessage } from '../../src/message/raw-message.js';
import { runBounded, tempDir } from '../helpers/peers.js';
import { type ScriptedConn, startScriptedServer } from '../helpers/scripted-server.js';

const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function frame(type: 8 | 9, ts: number, size: number): RawMessage {
  const payload = Buffer.alloc(size, 0x11);
  payload[0] = type === 9 ? (ts === 0 ? 0x17 : 0x27) : 0xaf;
  payload[1] = 1;
  return { type, streamId: 1, timestamp: ts, csid: type === 8 ? 4 : 6, payload };
}

function playStart(c: ScriptedConn): void {
  c.send(
    streamBegin(1),
    {
      ...command('onStatus', 0, null, new AMFObject({ level: 'status', code: 'NetStream.Play.Start' })),
      streamId: 1,
    },
    { ...dataMessage('onMetaData', new AMFObject({ duration: 0, videocodecid: 7 })), streamId: 1 },
  );
}

/** A server that answers play with `onPlay`; every timer it starts is cleared on close. */
async function server(onPlay: (c: ScriptedConn, timers: NodeJS.Timeout[]) => void) {
  const timers: NodeJS.Timeout[] = [];
  const s = await startScriptedServer((c, msg) => {
    if (msg?.kind !== 'command') return;
    if (msg.name === 'connect') c.acceptConnect(msg.transactionId);
    else if (msg.name === 'createStream') c.send(command('_result', msg.transactionId, null, 1));
    else if (msg.name === 'play') onPlay(c, timers);
  });
  return {
    s,
    close: async () => {
      for (const t of timers) clearInterval(t);
      await s.close();
    },
  };
}

async function readAll(conn: RTMP): Promise<{ bytes: number; error: unknown; ms: number }> {
  const t0 = performance.now();
  await conn.connect();
  const stream = await conn.createStream();
  let bytes = 0;
  try {
    for (let b = await stream.read(); b.length > 0; b = await stream.read()) bytes += b.length;
    return { bytes, error: undefined, ms: performance.now() - t0 };
  } catch (error) {
    return { bytes, error, ms: performance.now() - t0 };
  }
}

test('pings every 100 ms and no media: read() rejects with ERR_RTMP_NO_MEDIA within the timeout', async () => {
  const srv = await server((c, timers) => {
    playStart(c);
    let t = 0;
    timers.push(
      setInterval(() => {
        t += 100;
        c.send(pingRequest(t));
      }, 100),
    );
  });
  try {
    const conn = new RTMP(srv.s.url('live/typo'), { timeout: 30, mediaTimeout: 1 });
    const r = await readAll(conn);
    assert.ok(r.error instanceof RTMPTimeoutError, String(r.error));
    assert.equal(r.error.code, 'ERR_RTMP_NO_MEDIA');
    assert.ok(r.ms < 10_000, `${r.ms} ms`);
    // The pings were answered all along: the connection itself was fine.
    assert.ok(
      srv.s.conns[0]!.messages.some((m) => m?.kind === 'userControl' && m.data.event === 'pingResponse'),
    );
    await conn.close();
  } finally {
    await srv.close();
  }
});

test('`timeout` is the default no-media timeout (librtmp read timeout semantic)', async () => {
  const srv = await server((c, timers) => {
    playStart(c);
    timers.push(setInterval(() => c.send(pingRequest(1)), 100));
  });
  try {
    const r = await readAll(new RTMP(srv.s.url('live/typo'), { timeout: 1 }));
    assert.equal((r.error as RTMPTimeoutError)?.code, 'ERR_RTMP_NO_MEDIA');
    assert.ok(r.ms < 10_000);
  } finally {
    await srv.close();
  }
});

test('a media message dripped a byte at a time never completes: ERR_RTMP_NO_MEDIA', async () => {
  const srv = await server((c, timers) => {
    playStart(c);
    c.sendRaw(frame(9, 0, 100));
    const bytes = c.chunks(frame(9, 40, 5000));
    let i = 0;
    timers.push(setInterval(() => c.socket.write(bytes.subarray(i, ++i)), 50));
  });
  try {
    const conn = new RTMP(srv.s.url('live/drip'), { timeout: 30, mediaTimeout: 1 });
    const r = await readAll(conn);
    assert.equal((r.error as RTMPTimeoutError)?.code, 'ERR_RTMP_NO_MEDIA', String(r.error));
    assert.ok(r.bytes > 100, 'the first frame was delivered before the error');
    assert.ok(r.ms < 10_000);
    await conn.close();
  } finally {
    await srv.close();
  }
});

test('minMediaRate: whole but tiny media messages fail a recorder with ERR_RTMP_MEDIA_TOO_SLOW', async () => {
  const srv = await server((c, timers) => {
    playStart(c);
    let ts = 0;
    timers.push(
      setInterval(() => {
        ts += 100;
        c.sendRaw(frame(8, ts, 10));
      }, 100),
    );
  });
  try {
    const conn = new RTMP(srv.s.url('live/slow'), {
      timeout: 30,
      minMediaRate: { bytesPerSecond: 10_000, window: 1 },
    });
    const r = await readAll(conn);
    assert.equal((r.error as RTMPTimeoutError)?.code, 'ERR_RTMP_MEDIA_TOO_SLOW', String(r.error));
    assert.ok(r.ms < 10_000);
    await conn.close();
  } finally {
    await srv.close();
  }
});

test('rtmpkit dump: endless junk after Play.Start fails typed, exit 2, the valid partial FLV kept', async () => {
  const good: RawMessage[] = [];
  for (let i = 0; i < 10; i++) good.push(frame(9, i * 40, 300), frame(8, i * 40, 40));
  const srv = await server((c, timers) => {
    playStart(c);
    c.sendRaw(...good);
    let seed = 12345;
    const junk = Buffer.alloc(64 * 1024);
    timers.push(
      setInterval(() => {
        for (let i = 0; i < junk.length; i++) {
          seed = (seed * 1103515245 + 12345) >>> 0;
          junk[i] = seed >>> 24;
        }
        if (!c.socket.destroyed) c.socket.write(junk);
      }, 20),
    );
  });
  try {
    const file = join(tempDir('rtmpkit-junk-'), 'junk.flv');
    const r = await runBounded(
      process.execPath,
      [BIN, 'dump', '-m', '2', '-r', srv.s.url('live/junk'), '-o', file],
      30_000,
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Download may be incomplete/);
    assert.match(r.stderr, /rtmpkit: (no audio or video for 2 s|.*(chunk|protocol))/i);
    const flv = readFileSync(file);
    const d = new FlvDemuxer();
    const tags = [...d.push(flv)];
    d.end();
    // Metadata + the 20 valid frames, nothing else (no junk was written).
    assert.equal(tags.length, 21);
    assert.deepEqual(
      tags.slice(1).map((t) => [t.type, t.timestamp, t.payload.length]),
      good.map((g) => [g.type, g.timestamp, g.payload.length]),
    );
  } finally {
    await srv.close();
  }
});
