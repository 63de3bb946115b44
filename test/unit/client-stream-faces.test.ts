/**
 * `RTMPStream`'s read and write faces (rtmp-stream-faces.ts) against the in-process
 * fixture server: every reader refuses a publishing stream and every writer a played one
 * with its typed error, before either side is touched — the refused call neither closes
 * the stream nor takes its reading mode, so the stream goes on working its own way.
 * (Bounded: without the guards a read on a publishing stream would wait forever.)
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { RTMP, UsageCode } from '../../src/index.js';
import { type Fixture, startFixture } from './client-fixture.js';

const fixtures: Fixture[] = [];
after(async () => {
  for (const f of fixtures) await f.close();
});

const notReadable = { name: 'RTMPUsageError', code: UsageCode.RTMP_NOT_READABLE };
const notWriteable = { name: 'RTMPUsageError', code: UsageCode.RTMP_NOT_WRITEABLE };

test('a publishing stream refuses every reader and play control, and publishes afterwards', {
  timeout: 20_000,
}, async () => {
  const f = await startFixture();
  fixtures.push(f);
  const conn = new RTMP(f.url('app/pub'), { publish: true });
  await conn.connect();
  const s = await conn.createStream({ writeable: true });
  await assert.rejects(s.read(10), { ...notReadable, message: /^read\(\) on a publishing stream/ });
  await assert.rejects(s[Symbol.asyncIterator]().next(), { ...notReadable, message: /^iterate\(\)/ });
  await assert.rejects(s.packets().next(), { ...notReadable, message: /^packets\(\)/ });
  assert.throws(() => s.toReadable(), { ...notReadable, message: /^toReadable\(\)/ });
  assert.throws(() => s.tagReader(), { ...notReadable, message: /^tagReader\(\)/ });
  await assert.rejects(s.seek(1), { ...notReadable, message: /^seek\(\)/ });
  await assert.rejects(s.pause(), { ...notReadable, message: /^pause\(\)/ });
  await assert.rejects(s.unpause(), { ...notReadable, message: /^unpause\(\)/ });
  // None of them closed the stream (an iterator's cleanup would have): it still publishes.
  assert.equal(s.closed, false);
  const header = Buffer.from('464c5601050000000900000000', 'hex');
  const body = Buffer.from([0x17, 0x01, 0, 0, 0, 1, 2, 3]);
  const tag = Buffer.alloc(11 + body.length + 4);
  tag[0] = 9;
  tag.writeUIntBE(body.length, 1, 3);
  body.copy(tag, 11);
  tag.writeUInt32BE(11 + body.length, 11 + body.length);
  assert.equal(await s.write(Buffer.concat([header, tag])), header.length + tag.length);
  assert.equal(s.tagsWritten, 1);
  await s.close();
  await conn.close();
  assert.deepEqual(
    f.log.published.map((p) => [p.type, p.size]),
    [['video', body.length]],
  );
});

test('a played stream refuses every writer, and reads the whole stream afterwards', {
  timeout: 20_000,
}, async () => {
  const f = await startFixture({ tags: 5 });
  fixtures.push(f);
  const conn = new RTMP(f.url('app/movie'));
  await conn.connect();
  const s = await conn.createStream();
  const message = /on a stream opened for playing/;
  await assert.rejects(s.write(Buffer.alloc(13)), { ...notWriteable, message });
  await assert.rejects(s.writePacket({ type: 'data', timestamp: 0, values: ['x'] }), {
    ...notWriteable,
    message,
  });
  await assert.rejects(s.writeMetadata([]), { ...notWriteable, message });
  assert.throws(() => s.toWritable(), { ...notWriteable, message });
  assert.equal(s.tagsWritten, 0);
  assert.equal(s.closed, false);
  // The FLV readers are still free to choose (no mode was taken): iterate to the end.
  let bytes = 0;
  let tags = 0;
  for await (const b of s) {
    bytes += b.length;
    if (bytes > 13) tags++;
  }
  assert.equal(s.complete, true);
  assert.ok(tags >= 10, `${tags} tags read`);
  await conn.close();
  assert.equal(f.log.published.length, 0);
});
