/**
 * Reconnect (`reconnect` option) through a fault-injecting proxy in front of the embedded
 * server: a VOD download cut mid-chunk (FIN) and at a message boundary (RST) is, byte for
 * byte, the uncut download (the server rebases a resumed play to 0: the replay filter
 * maps it back); `reconnecting`/`reconnected` fire with the cause; a cut during the
 * handshake without reconnect fails typed at once; a refusal on the new connection
 * (play → StreamNotFound) is not retried.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AMFObject } from '../../src/amf/types.js';
import { RTMP, RTMPConnectionError, type RTMPError } from '../../src/index.js';
import { command, streamBegin } from '../../src/message/builders.js';
import type { RawMessage } from '../../src/message/raw-message.js';
import { makeTestFlv } from '../../src/server/test-media.js';
import { type Cut, startFaultProxy } from '../helpers/fault-proxy.js';
import { tempDir } from '../helpers/peers.js';
import { startScriptedServer } from '../helpers/scripted-server.js';
import { download } from '../helpers/vod-download.js';
import { flvTags, startServer, until } from './server-harness.js';

const FILE = makeTestFlv(30);
describe('reconnect: VOD through cuts', () => {
  it('cut mid-chunk (FIN) and at a message boundary (RST): the download equals the uncut one byte for byte', async () => {
    const { server, port } = await startServer({ vodFiles: { clip: FILE } });
    const cuts: Record<number, Cut> = {
      0: { how: 'fin', afterBytes: 40_000, align: 'byte' },
      1: { how: 'rst', afterBytes: 30_000, align: 'read' },
    };
    const proxy = await startFaultProxy(port, (k) => cuts[k]);
    try {
      const uncut = await download(`rtmp://127.0.0.1:${port}/vod/clip`);
      assert.equal(uncut.error, undefined);
      const cut = await download(proxy.url('vod/clip'), { reconnect: { retries: 3, backoffMs: 20 } });
      assert.equal(cut.error, undefined, String(cut.error));
      assert.equal(proxy.cuts, 2);
      assert.deepEqual(cut.events, [
        'reconnecting 1/3',
        'reconnected 1',
        'reconnecting 1/3',
        'reconnected 1',
      ]);
      assert.ok(
        cut.causes.every((c) => c instanceof RTMPConnectionError),
        String(cut.causes),
      );
      assert.ok(flvTags(uncut.flv).length > 100);
      assert.equal(cut.flv.length, uncut.flv.length);
      assert.ok(cut.flv.equals(uncut.flv), 'byte-identical FLV');
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  it('a download started at an offset (start=3) resumes where it was cut from a server that restamps from 0', async () => {
    // rtmpkit's server, like FMS, answers play(start) with timestamps from 0: the reader's
    // timeline is then the file's minus the start, and the reconnect must play from the
    // file position (reader position + start), not from the reader position.
    const { server, port } = await startServer({ vodFiles: { clip: FILE } });
    const proxy = await startFaultProxy(port, (k) =>
      k === 0 ? { how: 'rst', afterBytes: 30_000 } : undefined,
    );
    try {
      const uncut = await download(`rtmp://127.0.0.1:${port}/vod/clip`, { start: 3 });
      assert.equal(uncut.error, undefined);
      assert.ok(flvTags(uncut.flv).length > 50);
      const cut = await download(proxy.url('vod/clip'), {
        start: 3,
        reconnect: { retries: 2, backoffMs: 20 },
      });
      assert.equal(cut.error, undefined, String(cut.error));
      assert.equal(proxy.cuts, 1);
      assert.deepEqual(cut.events, ['reconnecting 1/2', 'reconnected 1']);
      assert.equal(flvTags(cut.flv).length, flvTags(uncut.flv).length, 'no tag twice, none missing');
      assert.ok(cut.flv.equals(uncut.flv), 'byte-identical FLV');
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  it('a replay that ends before the last keyframe received comes again (the server has less now): RTMPStreamCutError after what was delivered, not a short file passed off as complete', async () => {
    const dir = tempDir('rtmpkit-rc-short-');
    const path = join(dir, 'clip.flv');
    writeFileSync(path, FILE);
    const { server, port } = await startServer({ vodDir: dir });
    const proxy = await startFaultProxy(port, (k) =>
      k === 0 ? { how: 'rst', afterBytes: 100_000, align: 'read' } : undefined,
    );
    try {
      const uncut = await download(`rtmp://127.0.0.1:${port}/vod/clip`);
      const running = download(proxy.url('vod/clip'), { reconnect: { retries: 2, backoffMs: 300 } });
      // While the client waits to reconnect, the file becomes another 3 s one (the test
      // media repeat their frames: each video frame's last byte changed, so none matches).
      await until(() => proxy.cuts === 1, 10_000, 'the cut');
      const other = makeTestFlv(3);
      for (const t of flvTags(other)) if (t.type === 9 && t.body[1] === 1) t.body[t.body.length - 1]! ^= 0xff;
      writeFileSync(path, other);
      const cut = await running;
      assert.deepEqual(cut.events, ['reconnecting 1/2', 'reconnected 1']);
      assert.equal((cut.error as RTMPError)?.code, 'ERR_RTMP_STREAM_CUT', String(cut.error));
      assert.match(String(cut.error), /ended before the last keyframe received \(\d+ ms\) came again/);
      assert.ok(
        cut.flv.length > 13 && cut.flv.length < uncut.flv.length,
        `${cut.flv.length} of ${uncut.flv.length}`,
      );
      assert.ok(
        uncut.flv.subarray(0, cut.flv.length).equals(cut.flv),
        'what was delivered is the start of the file',
      );
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  it('without reconnect, the same cut fails the download (RTMPStreamCutError)', async () => {
    const { server, port } = await startServer({ vodFiles: { clip: FILE } });
    const proxy = await startFaultProxy(port, (k) =>
      k === 0 ? { how: 'fin', afterBytes: 40_000 } : undefined,
    );
    try {
      const r = await download(proxy.url('vod/clip'));
      assert.equal((r.error as RTMPError)?.code, 'ERR_RTMP_STREAM_CUT');
      assert.deepEqual(r.events, []);
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});

describe('reconnect: what is not retried', () => {
  for (const how of ['fin', 'rst'] as const) {
    it(`a cut during the handshake (${how}) with retries 0 fails typed, at once`, async () => {
      const { server, port } = await startServer({});
      const proxy = await startFaultProxy(port, () => ({ how, afterBytes: 1000 }));
      try {
        const conn = new RTMP(proxy.url('live/x'), { timeout: 30, reconnect: { retries: 0 } });
        const t0 = performance.now();
        await assert.rejects(conn.connect(), (err: unknown) => {
          assert.ok(err instanceof RTMPConnectionError, String(err));
          return true;
        });
        assert.ok(performance.now() - t0 < 10_000);
      } finally {
        await proxy.close();
        await server.close();
      }
    });
  }

  it('play refused on the new connection (StreamNotFound): one attempt, the stream fails with the refusal', async () => {
    let conns = 0;
    const frames: RawMessage[] = [];
    for (let i = 0; i < 5; i++) {
      const payload = Buffer.alloc(200, 1);
      payload[0] = i === 0 ? 0x17 : 0x27;
      frames.push({ type: 9, streamId: 1, timestamp: i * 40, csid: 6, payload });
    }
    const s = await startScriptedServer((c, msg) => {
      if (msg?.kind !== 'command') return;
      if (msg.name === 'connect') {
        conns++;
        c.acceptConnect(msg.transactionId);
      } else if (msg.name === 'createStream') c.send(command('_result', msg.transactionId, null, 1));
      else if (msg.name === 'play' && conns === 1) {
        c.send(streamBegin(1), {
          ...command('onStatus', 0, null, new AMFObject({ level: 'status', code: 'NetStream.Play.Start' })),
          streamId: 1,
        });
        c.sendRaw(...frames);
        setTimeout(() => c.socket.destroy(), 50);
      } else if (msg.name === 'play') {
        const info = new AMFObject({
          level: 'error',
          code: 'NetStream.Play.StreamNotFound',
          description: 'gone',
        });
        c.send({ ...command('onStatus', 0, null, info), streamId: 1 });
      }
    });
    try {
      const r = await download(s.url('vod/x'), { reconnect: { retries: 5, backoffMs: 20 } });
      assert.equal((r.error as RTMPError)?.code, 'ERR_RTMP_PLAY_FAILED', String(r.error));
      assert.match(String((r.error as Error).message), /StreamNotFound/);
      assert.deepEqual(r.events, ['reconnecting 1/5']);
      assert.equal(conns, 2);
      assert.equal(flvTags(r.flv).length, 5, 'what came before the cut was delivered');
    } finally {
      await s.close();
    }
  });
});

/** One FLV tag's bytes (FLV-10.1 E.4.1: header, body, PreviousTagSize). */
function tagBytes(type: number, timestamp: number, body: Buffer): Buffer {
  const b = Buffer.alloc(11 + body.length + 4);
  b[0] = type;
  b.writeUIntBE(body.length, 1, 3);
  b.writeUIntBE(timestamp & 0xffffff, 4, 3);
  b[7] = timestamp >>> 24;
  body.copy(b, 11);
  b.writeUInt32BE(11 + body.length, 11 + body.length);
  return b;
}

describe('reconnect: publish and live play through cuts (embedded server)', () => {
  it('a publisher cut mid-file (RST upstream) publishes again: metadata and sequence headers first, timestamps going on', async () => {
    const dir = tempDir('rtmpkit-rc-rec-');
    const { server, port } = await startServer({ record: dir });
    const file = makeTestFlv(6);
    const proxy = await startFaultProxy(port, (k) =>
      k === 0 ? { how: 'rst', afterBytes: Math.floor(file.length / 2), direction: 'up' } : undefined,
    );
    const stops: { path: string }[] = [];
    server.on('recordStop', (info: { path: string }) => stops.push(info));
    const conn = new RTMP(proxy.url('live/cam'), {
      publish: true,
      timeout: 10,
      reconnect: { retries: 3, backoffMs: 20 },
    });
    const events: string[] = [];
    conn.on('reconnected', (i) => events.push(`reconnected ${i.attempt}`));
    try {
      await conn.connect();
      const stream = await conn.createStream({ writeable: true });
      // In 1 KiB writes 30 ms apart, so the cut is noticed mid-file and later writes wait for the reconnect.
      for (let i = 0; i < file.length; i += 1024) {
        await stream.write(file.subarray(i, i + 1024));
        await new Promise((r) => setTimeout(r, 30));
      }
      await stream.close();
      await conn.close();
      await until(() => stops.length === 2, 5000, 'two recordings closed');
    } finally {
      await proxy.close();
      await server.close();
    }
    assert.deepEqual(events, ['reconnected 1']);
    const [first, second] = stops.map((s) => flvTags(readFileSync(s.path)));
    const av1 = first!.filter((t) => t.type !== 18);
    const av2 = second!.filter((t) => t.type !== 18);
    assert.ok(av1.length > 10 && av2.length > 10, `${av1.length} + ${av2.length} tags`);
    // The second publish starts with onMetaData, then the video and audio sequence headers,
    // stamped with the last timestamp sent before the cut.
    assert.equal(second![0]!.type, 18);
    assert.deepEqual(
      av2.slice(0, 2).map((t) => [t.type, t.body[1]]),
      [
        [9, 0],
        [8, 0],
      ],
    );
    const lastBefore = av1.at(-1)!.timestamp;
    assert.ok(av2[0]!.timestamp >= lastBefore, `${av2[0]!.timestamp} ≥ ${lastBefore}`);
    const all = [...av1, ...av2];
    for (let i = 1; i < all.length; i++)
      assert.ok(all[i]!.timestamp >= all[i - 1]!.timestamp - 50, `tag ${i}`);
    const srcLast = flvTags(file)
      .filter((t) => t.type === 9)
      .at(-1)!.timestamp;
    assert.equal(
      av2.filter((t) => t.type === 9).at(-1)!.timestamp,
      srcLast,
      'published to the end of the file',
    );
  });

  it('a live player re-subscribes after a cut (FIN) and gets media again; the events carry the cause', async () => {
    const { server, port } = await startServer({});
    const proxy = await startFaultProxy(port, (k) => (k === 0 ? { how: 'fin', afterMs: 700 } : undefined));
    const pub = new RTMP(`rtmp://127.0.0.1:${port}/live/tv`, { publish: true, timeout: 10 });
    const conn = new RTMP(proxy.url('live/tv'), {
      live: true,
      timeout: 10,
      reconnect: { retries: 2, backoffMs: 20 },
    });
    const events: string[] = [];
    conn.on('reconnecting', (i) => events.push(`reconnecting ${i.attempt} ${(i.cause as RTMPError).code}`));
    conn.on('reconnected', (i) => events.push(`reconnected ${i.attempt}`));
    let stop = false;
    try {
      await pub.connect();
      const ps = await pub.createStream({ writeable: true });
      const tags = flvTags(makeTestFlv(30)).filter((t) => t.type !== 18);
      const publishing = (async () => {
        const t0 = performance.now();
        for (const t of tags) {
          if (stop) break;
          const wait = t0 + t.timestamp - performance.now();
          if (wait > 1) await new Promise((r) => setTimeout(r, wait));
          await ps.write(tagBytes(t.type, t.timestamp, t.body));
        }
      })();
      await conn.connect();
      const stream = await conn.createStream();
      let before = 0;
      let after = 0;
      const deadline = performance.now() + 10_000;
      for await (const p of stream.packets()) {
        if (p.type !== 'audio' && p.type !== 'video') continue;
        if (events.includes('reconnected 1')) after++;
        else before++;
        if (after >= 30 || performance.now() > deadline) break;
      }
      stop = true;
      await publishing;
      assert.deepEqual(events, ['reconnecting 1 ERR_RTMP_CONNECTION_CLOSED', 'reconnected 1']);
      assert.ok(before > 5, `${before} before`);
      assert.ok(after >= 30, `${after} after`);
    } finally {
      stop = true;
      await conn.close();
      await pub.close();
      await proxy.close();
      await server.close();
    }
  });
});

describe('reconnect: connect() itself', () => {
  it('a cut during the handshake with retries 2: connect() tries again and succeeds', async () => {
    const { server, port } = await startServer({});
    const proxy = await startFaultProxy(port, (k) =>
      k === 0 ? { how: 'rst', afterBytes: 1000 } : undefined,
    );
    try {
      const conn = new RTMP(proxy.url('live/x'), { timeout: 10, reconnect: { retries: 2, backoffMs: 20 } });
      const events: string[] = [];
      conn.on('reconnecting', (i) => events.push(`reconnecting ${i.attempt} ${(i.cause as RTMPError).code}`));
      conn.on('reconnected', (i) => events.push(`reconnected ${i.attempt} ${(i.cause as RTMPError).code}`));
      const info = await conn.connect();
      assert.equal(info.code, 'NetConnection.Connect.Success');
      assert.equal(proxy.accepted, 2);
      assert.equal(events.length, 2, String(events));
      assert.match(events[0]!, /^reconnecting 1 ERR_RTMP_/);
      assert.match(events[1]!, /^reconnected 1 ERR_RTMP_/);
      await conn.close();
    } finally {
      await proxy.close();
      await server.close();
    }
  });

  it('a refused connect is not retried', async () => {
    let connects = 0;
    const s = await startScriptedServer((c, msg) => {
      if (msg?.kind !== 'command' || msg.name !== 'connect') return;
      connects++;
      const info = new AMFObject({
        level: 'error',
        code: 'NetConnection.Connect.Rejected',
        description: 'no',
      });
      c.send(command('_error', msg.transactionId, null, info));
    });
    try {
      const conn = new RTMP(s.url('live/x'), { timeout: 10, reconnect: { retries: 3, backoffMs: 20 } });
      await assert.rejects(conn.connect(), { code: 'ERR_RTMP_CONNECT_REJECTED' });
      assert.equal(connects, 1);
    } finally {
      await s.close();
    }
  });
});
