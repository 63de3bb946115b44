/**
 * `RTMPStream` against the in-process fixture server: FLV output, packets(), Node stream
 * adapters, seek/pause/updateBuffer, several streams on one connection, publishing with
 * arbitrary splits, play errors, and the I/O loop's guarantees — bounded memory with a
 * slow consumer, data received before a reset stays readable, idle timeout, abort.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, test } from 'node:test';
import * as amf0 from '../../src/amf/amf0.js';
import { newEcmaArray, setOwn } from '../../src/amf/types.js';
import {
  RTMP,
  RTMPConnectionError,
  RTMPError,
  type RTMPStream,
  RTMPStreamCutError,
  RTMPTimeoutError,
  RTMPUsageError,
} from '../../src/index.js';
import { READ_BUFFER_SIZE } from '../../src/transport/tcp.js';
import { flvTag } from '../helpers/multi-chunk-flv.js';
import { type Fixture, type FixtureConn, sendSyntheticMedia, startFixture } from './client-fixture.js';

const fixtures: Fixture[] = [];
after(async () => {
  for (const f of fixtures) await f.close();
});
async function fixture(b: Parameters<typeof startFixture>[0] = {}): Promise<Fixture> {
  const f = await startFixture(b);
  fixtures.push(f);
  return f;
}

interface Tag {
  type: number;
  timestamp: number;
  size: number;
}

/** Parses a whole FLV byte stream strictly (header, back pointers). */
function parseFlv(b: Buffer): { flags: number; tags: Tag[] } {
  assert.equal(b.subarray(0, 3).toString(), 'FLV');
  assert.equal(b.readUInt32BE(9), 0, 'PreviousTagSize0');
  const tags: Tag[] = [];
  let p = 13;
  while (p < b.length) {
    const size = b.readUIntBE(p + 1, 3);
    const timestamp = (b.readUIntBE(p + 4, 3) | (b[p + 7]! << 24)) >>> 0;
    tags.push({ type: b[p]!, timestamp, size });
    assert.equal(b.readUInt32BE(p + 11 + size), size + 11, 'back pointer');
    p += 15 + size;
  }
  assert.equal(p, b.length);
  return { flags: b[4]!, tags };
}

async function readAll(stream: RTMPStream, size = 1000): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (;;) {
    const b = await stream.read(size);
    if (b.length === 0) return Buffer.concat(parts);
    assert.ok(b.length <= size);
    parts.push(b);
  }
}

/** Waits until `cond` holds (polling), failing after `ms`. */
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('play: FLV bytes laid out like RTMP_Read, duration, buffer hack, empty read at the end', async () => {
  const f = await fixture({ tags: 30 });
  const conn = new RTMP(f.url('app/movie'), { buffer: 1234 });
  await conn.connect();
  const stream = await conn.createStream();
  assert.equal(stream.writeable, false);
  const flv = await readAll(stream, 777);
  assert.equal(stream.complete, true);
  const { flags, tags } = parseFlv(flv);
  assert.equal(flags, 0x05);
  assert.equal(tags[0]!.type, 18, 'onMetaData first');
  assert.equal(tags.filter((t) => t.type === 9).length, 31);
  assert.equal(tags.filter((t) => t.type === 8).length, 30);
  assert.equal(stream.duration, 3);
  assert.equal((await stream.read(10)).length, 0);
  assert.equal((await stream.read(10)).length, 0);
  // play(name, 0) with SetBufferLength(buffer), then the python buffer hack: duration*1000 + 5000.
  assert.ok(f.log.bufferLengths.some((b) => b.streamId === stream.streamId && b.ms === 1234));
  await until(() => f.log.bufferLengths.some((b) => b.ms === 8000));
  await conn.close();
});

test('play options: start/stop become play(start ms, len ms); live plays -1000 with FCSubscribe', async () => {
  const plays: { start: number; duration: number; name: string }[] = [];
  const f = await fixture({
    onPlay: (c, sid, name, start, duration) => {
      plays.push({ name, start, duration });
      c.session.startPlay(sid);
      c.session.endPlay(sid);
    },
  });
  const conn = new RTMP(f.url('app/clip.mp4'), { start: 2.5, stop: 10 });
  await conn.connect();
  const s1 = await conn.createStream();
  await s1.close();
  const s2 = await conn.createStream({ seek: 4 });
  await s2.close();
  conn.setOption('live', 1);
  const s3 = await conn.createStream();
  await s3.close();
  assert.deepEqual(plays, [
    { name: 'mp4:clip', start: 2500, duration: 7500 },
    { name: 'mp4:clip', start: 4000, duration: 6000 },
    { name: 'mp4:clip', start: -1000, duration: 10000 },
  ]);
  await until(() => f.log.events.includes('fcSubscribe'));
  await conn.close();
});

test('play error (StreamNotFound) rejects createStream with the server info', async () => {
  const f = await fixture({
    onPlay: (c, sid, name) =>
      c.session.status(sid, {
        level: 'error',
        code: 'NetStream.Play.StreamNotFound',
        description: `no ${name}`,
      }),
  });
  const conn = new RTMP(f.url('app/missing'));
  await conn.connect();
  await assert.rejects(conn.createStream(), (err: unknown) => {
    assert.ok(err instanceof RTMPError);
    assert.equal(err.code, 'ERR_RTMP_PLAY_FAILED');
    assert.equal((err.info as { code: string }).code, 'NetStream.Play.StreamNotFound');
    return true;
  });
  assert.equal(conn.connected, true, 'the connection stays usable');
  await conn.close();
});

test('async iteration, toReadable and packets()', async () => {
  const f = await fixture({ tags: 10 });
  const conn = new RTMP(f.url('app/a'));
  await conn.connect();
  const s1 = await conn.createStream();
  let n = 0;
  const parts: Buffer[] = [];
  for await (const chunk of s1) {
    n += chunk.length;
    parts.push(chunk);
  }
  assert.equal(parseFlv(Buffer.concat(parts)).tags.length, 22);
  assert.ok(s1.closed);
  const s2 = await conn.createStream();
  const sink: Buffer[] = [];
  await pipeline(
    s2.toReadable(),
    new Writable({
      write(c: Buffer, _e, cb) {
        sink.push(c);
        cb();
      },
    }),
  );
  assert.equal(Buffer.concat(sink).length, n);
  const s3 = await conn.createStream();
  const kinds: string[] = [];
  for await (const p of s3.packets())
    kinds.push(`${p.type}${p.keyframe && p.type === 'video' ? 'K' : ''}${p.sequenceHeader ? 'S' : ''}`);
  assert.deepEqual(
    kinds.slice(0, 3),
    ['data', 'data', 'videoKS'],
    '|RtmpSampleAccess, onMetaData, AVC header',
  );
  assert.equal(kinds.filter((k) => k.startsWith('audio')).length, 10);
  await assert.rejects(s3.read(), RTMPUsageError, 'read mode is fixed');
  await conn.close();
});

test('toReadable: one read() pushes the tags already received, one chunk each, up to its highWaterMark', async () => {
  const f = await fixture({ tags: 30 });
  const conn = new RTMP(f.url('app/a'));
  await conn.connect();
  const ref = await readAll(await conn.createStream(), 1 << 20);
  /** The chunks of `r` until its end ('data' events: as pushed), each the file header or one whole tag. */
  const collect = async (r: Readable): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    await once(r, 'end');
    assert.equal(chunks[0]!.length, 13, 'the file header is a chunk of its own');
    for (const c of chunks.slice(1)) assert.equal(c.length, 11 + c.readUIntBE(1, 3) + 4, 'one tag per chunk');
    return Buffer.concat(chunks);
  };

  // Everything has arrived: a read() takes it all at once when the Readable has room...
  const all = await conn.createStream();
  await until(() => all.ended);
  const big = all.toReadable({ highWaterMark: 1 << 20 });
  big.read(0);
  assert.equal(big.readableLength, ref.length, 'every tag pushed by the one read() call');
  assert.equal(all.bufferedBytes, 0);
  assert.deepEqual(await collect(big), ref);

  // ...and stops at its highWaterMark: the rest stays queued in the stream (backpressure).
  const some = await conn.createStream();
  await until(() => some.ended);
  const small = some.toReadable({ highWaterMark: 300 });
  small.read(0);
  const pushed = small.readableLength;
  assert.ok(
    pushed >= 300 && pushed < 300 + 222,
    `pushed ${pushed}: up to the mark and at most one tag past it`,
  );
  assert.ok(
    some.bufferedBytes > ref.length - pushed - 15 * 64,
    'the rest waits in the stream (as payloads: 15 bytes of framing a tag are added when muxed)',
  );
  assert.deepEqual(await collect(small), ref);
  await conn.close();
});

test('several streams on one connection, each with its own data', async () => {
  const f = await fixture({
    onPlay: (c, sid, name) => {
      c.session.startPlay(sid);
      sendSyntheticMedia(c, sid, name === 'one' ? 5 : 9, name === 'one' ? 1000 : 0);
      c.session.endPlay(sid);
    },
  });
  const conn = new RTMP(f.url('app/one'));
  await conn.connect();
  const a = await conn.createStream();
  conn.setOption('playpath', 'two');
  const b = await conn.createStream();
  assert.notEqual(a.streamId, b.streamId);
  const [fa, fb] = await Promise.all([readAll(a), readAll(b)]);
  assert.equal(parseFlv(fa).tags.filter((t) => t.type === 8).length, 5);
  assert.equal(parseFlv(fb).tags.filter((t) => t.type === 8).length, 9);
  assert.equal(parseFlv(fa).tags[2]!.timestamp, 1000);
  await conn.close();
});

test('seek (seconds → ms on the stream msid, waits for Seek.Notify), pause/unpause, updateBuffer', async () => {
  let conn0: FixtureConn | undefined;
  const f = await fixture({
    onPlay: (c, sid) => {
      conn0 = c;
      c.session.startPlay(sid);
      sendSyntheticMedia(c, sid, 3);
    },
  });
  const conn = new RTMP(f.url('app/x'));
  await conn.connect();
  const s = await conn.createStream();
  await s.read(13);
  await s.seek(1.5);
  assert.deepEqual(f.log.seeks, [1500]);
  await s.pause();
  await s.unpause();
  await s.updateBuffer(5000);
  await until(() => f.log.pauses.length === 2 && f.log.bufferLengths.some((b) => b.ms === 5000));
  assert.deepEqual(
    f.log.pauses.map((p) => p.pause),
    [true, false],
  );
  await assert.rejects(s.seek(-1), RTMPUsageError);
  assert.ok(conn0);
  await conn.close();
});

test('seek after the server ended a recorded stream, before the reader got to the end, plays it again from there (as a Flash NetStream does)', async () => {
  const f = await fixture({
    onPlay: (c, sid) => {
      c.session.startPlay(sid);
      sendSyntheticMedia(c, sid, 2);
      c.session.endPlay(sid);
    },
    onSeek: (c, sid, ms) => {
      sendSyntheticMedia(c, sid, 3, ms);
      c.session.endPlay(sid);
    },
  });
  const conn = new RTMP(f.url('app/x'), { timeout: 30 });
  await conn.connect();
  const s = await conn.createStream();
  await until(() => s.ended);
  assert.equal(s.complete, true);
  await s.seek(1);
  assert.deepEqual(f.log.seeks, [1000]);
  const tags = parseFlv(await readAll(s)).tags.filter((t) => t.type === 8 || t.type === 9);
  assert.ok(tags.length > 2, `${tags.length} tags`);
  assert.ok(
    tags.some((t) => t.timestamp >= 1000),
    'the media sent after the seek is read after what came before the end',
  );
  assert.equal(s.complete, true, 'and the new end is the end');
  await conn.close();
});

test('seek after the reader got to the end, or after a live stream ended, fails at once with ERR_RTMP_STATE and sends nothing (it used to wait for the timeout)', async () => {
  const ends: [string, (c: FixtureConn, sid: number) => void][] = [
    ['read to the end', (c, sid) => c.session.endPlay(sid)],
    [
      'UnpublishNotify',
      (c, sid) => c.session.status(sid, { level: 'status', code: 'NetStream.Play.UnpublishNotify' }),
    ],
  ];
  for (const [what, end] of ends) {
    const f = await fixture({
      onPlay: (c, sid) => {
        c.session.startPlay(sid);
        sendSyntheticMedia(c, sid, 2);
        end(c, sid);
      },
    });
    const conn = new RTMP(f.url('app/x'), { timeout: 30 });
    await conn.connect();
    const s = await conn.createStream();
    await until(() => s.ended);
    assert.equal(s.complete, true, what);
    let flv: Buffer = Buffer.alloc(0);
    if (what === 'read to the end') flv = await readAll(s);
    const began = performance.now();
    await assert.rejects(s.seek(1), (err: unknown) => {
      assert.ok(err instanceof RTMPUsageError, what);
      assert.equal(err.code, 'ERR_RTMP_STATE', what);
      assert.match(err.message, /has ended/);
      return true;
    });
    assert.ok(performance.now() - began < 5000, `${what}: refused at once, not after the 30 s timeout`);
    assert.deepEqual(f.log.seeks, [], `${what}: nothing sent`);
    // What was received before the end is (or was) readable.
    if (what !== 'read to the end') flv = await readAll(s);
    assert.ok(flv.length > 13, what);
    await conn.close();
  }
});

test('a publisher cut by the connection says how many tags it sent, not "0 bytes delivered"', async () => {
  let server: FixtureConn | undefined;
  const f = await fixture({
    onConnect: (c, txn) => {
      server = c;
      c.session.acceptConnect(txn);
    },
  });
  const conn = new RTMP(f.url('app/pub'), { publish: true, timeout: 10 });
  await conn.connect();
  const s = await conn.createStream({ writeable: true });
  await s.write(Buffer.from('464c5601050000000900000000', 'hex'));
  for (let i = 0; i < 3; i++) await s.write(flvTag(9, i * 40, Buffer.alloc(500, 0x27)));
  await until(() => f.log.published.length === 3);
  server!.socket.destroy();
  let failure: unknown;
  for (let i = 3; i < 500 && failure === undefined; i++) {
    try {
      await s.write(flvTag(9, i * 40, Buffer.alloc(500, 0x27)));
      await new Promise((r) => setTimeout(r, 5));
    } catch (err) {
      failure = err;
    }
  }
  assert.ok(failure instanceof RTMPStreamCutError, `failed with ${String(failure)}`);
  assert.doesNotMatch(failure.message, /bytes delivered/);
  assert.match(failure.message, /\(\d+ tags sent\)/);
  assert.ok(s.tagsWritten >= 3);
  await conn.close();
});

test('publish: FLV in arbitrary splits, @setDataFrame once, media on the stream msid', async () => {
  const f = await fixture();
  const conn = new RTMP(f.url('app/pub'), { publish: true });
  await conn.connect();
  const s = await conn.createStream({ writeable: true });
  assert.equal(s.writeable, true);
  // An FLV file: header, onMetaData (plain), @setDataFrame-prefixed onMetaData, video, audio.
  const meta = newEcmaArray();
  setOwn(meta, 'duration', 1);
  const header = Buffer.from('464c560105000000090000000000', 'hex').subarray(0, 13);
  const file = Buffer.concat([
    header,
    flvTag(18, 0, amf0.encode('onMetaData', meta)),
    flvTag(18, 0, amf0.encode('@setDataFrame', 'onMetaData', meta)),
    flvTag(9, 0, Buffer.from([0x17, 0, 0, 0, 0, 1, 2])),
    flvTag(8, 0, Buffer.from([0xaf, 0, 0x12, 0x10])),
    flvTag(9, 40, Buffer.alloc(3000, 0x27)),
    flvTag(8, 23, Buffer.alloc(100, 0xaf)),
    flvTag(9, 0x01000000, Buffer.alloc(10, 0x27)),
  ]);
  // Byte by byte for the first part, then in odd chunks.
  let written = 0;
  for (let i = 0; i < 60; i++) written += await s.write(file.subarray(i, i + 1));
  for (let i = 60; i < file.length; i += 777) written += await s.write(file.subarray(i, i + 777));
  assert.equal(written, file.length);
  await until(() => f.log.published.length === 5);
  assert.deepEqual(
    f.log.published.map((p) => `${p.type}@${p.timestamp}:${p.size}`),
    ['video@0:7', 'audio@0:4', 'video@40:3000', 'audio@23:100', 'video@16777216:10'],
  );
  assert.ok(f.log.published.every((p) => p.streamId === s.streamId));
  assert.equal(f.log.data.length, 2);
  assert.ok(f.log.data.every((d) => d.name === 'onMetaData' && d.dataFrame));
  assert.ok(
    f.log.data.every((d) => d.values.length === 1),
    'no double @setDataFrame',
  );
  await assert.rejects(s.read(), RTMPUsageError);
  await s.close();
  await until(() => f.log.events.includes('fcUnpublish') && f.log.events.includes('deleteStream'));
  await assert.rejects(s.write(Buffer.alloc(1)), RTMPUsageError);
  await conn.close();
});

test('publish: an array of buffers is written as their concatenation, tags cut anywhere between them', async () => {
  const f = await fixture();
  const conn = new RTMP(f.url('app/pub'), { publish: true });
  await conn.connect();
  const s = await conn.createStream({ writeable: true });
  const file = Buffer.concat([
    Buffer.from('464c5601050000000900000000', 'hex'),
    flvTag(9, 0, Buffer.from([0x17, 0, 0, 0, 0, 1, 2])),
    flvTag(9, 40, Buffer.alloc(9000, 0x27)),
    flvTag(8, 23, Buffer.alloc(100, 0xaf)),
    flvTag(9, 80, Buffer.alloc(20, 0x27)),
  ]);
  // Pieces of 1, 13, 500… bytes: one ends inside a header, one inside a payload.
  const cuts = [0, 1, 14, 20, 514, 5000, 9040, file.length];
  const pieces = cuts.slice(1).map((end, i) => new Uint8Array(file.subarray(cuts[i], end)));
  assert.equal(await s.write(pieces), file.length);
  await until(() => f.log.published.length === 4);
  assert.deepEqual(
    f.log.published.map((p) => `${p.type}@${p.timestamp}:${p.size}`),
    ['video@0:7', 'video@40:9000', 'audio@23:100', 'video@80:20'],
  );
  await assert.rejects(s.write([file.subarray(0, 0), 'FLV' as never]), (err: unknown) => {
    assert.ok(err instanceof RTMPUsageError);
    assert.equal(err.code, 'ERR_RTMP_BAD_ARGUMENT');
    assert.match(err.message, /or an array of them/);
    return true;
  });
  await conn.close();
});

test('publish: writeTags sends demuxed tags as they are, restamped, @setDataFrame added; a bad tag sends nothing', async () => {
  const f = await fixture();
  const conn = new RTMP(f.url('app/pub'), { publish: true });
  await conn.connect();
  const s = await conn.createStream({ writeable: true });
  const meta = newEcmaArray();
  setOwn(meta, 'duration', 1);
  const tags = [
    { type: 18, timestamp: 0, payload: amf0.encode('onMetaData', meta) },
    { type: 9, timestamp: 0, payload: new Uint8Array([0x17, 0, 0, 0, 0, 1, 2]) },
    { type: 9, timestamp: 40, payload: Buffer.alloc(9000, 0x27) },
    { type: 7, timestamp: 41, payload: Buffer.alloc(3) }, // not a publishable type: skipped
    { type: 8, timestamp: 23, payload: Buffer.alloc(100, 0xaf) },
  ].map((t) => ({ ...t, timestamp: t.timestamp + 1000 }));
  assert.equal(await s.writeTags(tags), 5);
  await until(() => f.log.published.length === 3 && f.log.data.length === 1);
  assert.deepEqual(
    f.log.published.map((p) => `${p.type}@${p.timestamp}:${p.size}`),
    ['video@1000:7', 'video@1040:9000', 'audio@1023:100'],
  );
  assert.ok(f.log.data[0]!.name === 'onMetaData' && f.log.data[0]!.dataFrame);
  for (const bad of [
    { type: 9, timestamp: -1, payload: Buffer.alloc(9) },
    { type: 9, timestamp: 0, payload: 'x' },
  ]) {
    await assert.rejects(s.writeTags([tags[1]!, bad as never]), (err: unknown) => {
      assert.ok(err instanceof RTMPUsageError);
      assert.equal(err.code, 'ERR_RTMP_BAD_ARGUMENT');
      return true;
    });
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(f.log.published.length, 3, 'a refused batch sends none of its tags');
  await conn.close();
});

test('slow consumer: the socket pauses, memory stays bounded, every byte arrives', async () => {
  const TOTAL = 4000;
  const f = await fixture({
    onPlay: (c, sid) => {
      c.session.startPlay(sid);
      let i = 0;
      const payload = Buffer.alloc(8192, 0x27);
      payload[0] = 0x27;
      const more = (): void => {
        while (i < TOTAL) {
          c.session.sendMedia(sid, 'video', i * 10, payload);
          i++;
          const out = c.session.takeOutput();
          let ok = true;
          for (const b of out) ok = c.socket.write(b) && ok;
          if (!ok) {
            c.socket.once('drain', more);
            return;
          }
        }
        c.session.endPlay(sid);
        c.pump();
      };
      more();
    },
  });
  const HWM = 256 * 1024;
  // The socket pauses once the queue passes the mark, so it can overshoot by one read
  // (the reused read buffer) plus the messages a read completes.
  const BOUND = HWM + READ_BUFFER_SIZE + 8192 * 8;
  const conn = new RTMP(f.url('app/big'), { limits: { highWaterMark: HWM } });
  await conn.connect();
  const s = await conn.createStream();
  // Do not read for a while: the queue must stop growing near the high-water mark.
  await new Promise((r) => setTimeout(r, 300));
  const peak1 = s.bufferedBytes;
  await new Promise((r) => setTimeout(r, 300));
  const peak2 = s.bufferedBytes;
  assert.ok(peak1 <= BOUND, `buffered ${peak1}`);
  assert.equal(peak2, peak1, 'nothing more is read while paused');
  let total = 0;
  let tags = 0;
  let maxBuffered = 0;
  for (;;) {
    const b = await s.read(50_000);
    if (b.length === 0) break;
    total += b.length;
    maxBuffered = Math.max(maxBuffered, s.bufferedBytes);
    await new Promise((r) => setImmediate(r));
  }
  tags = (total - 13) / (8192 + 15);
  assert.equal(tags, TOTAL);
  assert.ok(maxBuffered <= BOUND, `max buffered ${maxBuffered}`);
  await conn.close();
});

test('connection reset mid-stream: data received before stays readable, then the error', async () => {
  const f = await fixture({
    onPlay: (c, sid) => {
      c.session.startPlay(sid);
      sendSyntheticMedia(c, sid, 10);
      c.pump();
      setTimeout(() => c.socket.resetAndDestroy(), 50);
    },
  });
  const conn = new RTMP(f.url('app/x'));
  await conn.connect();
  const s = await conn.createStream();
  await new Promise((r) => setTimeout(r, 200));
  const parts: Buffer[] = [];
  const err = await (async () => {
    try {
      for (;;) {
        const b = await s.read(100);
        if (b.length === 0) return undefined;
        parts.push(b);
      }
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof RTMPConnectionError, String(err));
  const { tags } = parseFlv(Buffer.concat(parts));
  assert.equal(tags.filter((t) => t.type === 8).length, 10);
  assert.equal(conn.connected, false);
});

test('idle read timeout: no data for `timeout` seconds while reading → RTMPTimeoutError', async () => {
  const f = await fixture({ onPlay: (c, sid) => c.session.startPlay(sid) });
  // The no-media deadline (same default) is off: this is the connection's own idle timeout.
  const conn = new RTMP(f.url('app/x'), { timeout: 0.4, mediaTimeout: 0 });
  await conn.connect();
  const s = await conn.createStream();
  const t0 = performance.now();
  await assert.rejects(
    s.read(),
    (e: unknown) => e instanceof RTMPTimeoutError && e.code === 'ERR_RTMP_IDLE_TIMEOUT',
  );
  const ms = performance.now() - t0;
  assert.ok(ms > 300 && ms < 1500, `${ms} ms`);
  assert.equal(conn.connected, false);
});

test('AbortSignal cancels a read; queued data and the stream stay usable', async () => {
  let fc: FixtureConn | undefined;
  let sid = 0;
  const f = await fixture({
    onPlay: (c, id) => {
      fc = c;
      sid = id;
      c.session.startPlay(id);
    },
  });
  const conn = new RTMP(f.url('app/x'), { timeout: 10 });
  await conn.connect();
  const s = await conn.createStream();
  await assert.rejects(
    s.read(100, { signal: AbortSignal.timeout(50) }),
    (e: unknown) => (e as Error).name === 'TimeoutError',
  );
  assert.ok(fc);
  sendSyntheticMedia(fc, sid, 2);
  fc.session.endPlay(sid);
  fc.pump();
  const flv = await readAll(s);
  assert.equal(parseFlv(flv).tags.length, 6);
  await conn.close();
});

test('server close command: the data before it is read, then RTMPStreamCutError (not a normal end)', async () => {
  const f = await fixture({
    onPlay: (c, sid) => {
      c.session.startPlay(sid);
      sendSyntheticMedia(c, sid, 3);
      c.session.call('close', [], { expectResult: false });
    },
  });
  const conn = new RTMP(f.url('app/x'));
  await conn.connect();
  const s = await conn.createStream();
  const parts: Buffer[] = [];
  const err = await (async () => {
    try {
      for (;;) {
        const b = await s.read(1000);
        if (b.length === 0) return undefined;
        parts.push(b);
      }
    } catch (e) {
      return e;
    }
  })();
  assert.ok(err instanceof RTMPStreamCutError, String(err));
  assert.equal(err.code, 'ERR_RTMP_STREAM_CUT');
  const flv = Buffer.concat(parts);
  assert.equal(parseFlv(flv).tags.length, 8);
  assert.equal(err.bytesDelivered, flv.length);
  assert.equal(err.lastTimestamp, 200);
  assert.equal(s.complete, false);
  await until(() => !conn.connected);
  assert.throws(
    () => conn.call('late'),
    (e: unknown) => e instanceof RTMPConnectionError,
  );
});
