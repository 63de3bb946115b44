/**
 * `for await` over a played stream (client/flv-iterator.ts) on a sans-IO `StreamOutput`:
 * tags in order whether they were queued or had to be waited for, steps asked for at once
 * answered in the order asked, the stream closed exactly once when the iteration ends —
 * at the end, after an error (data received before it first), or at a `break` — and a
 * refused start that closes nothing. The same FLV bytes as `read()` gives.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlvIterator } from '../../src/client/flv-iterator.js';
import { type OutputFlow, StreamOutput } from '../../src/client/stream-output.js';
import { MessageType } from '../../src/message/types.js';
import { allocPayload } from '../../src/util/payload-pool.js';

const flow: OutputFlow = { pauseReading() {}, resumeReading() {}, waitStarted() {} };
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
/** Video message `i`, its payload with frame room as the chunk reader makes it (so a tag is one piece). */
const video = (i: number) => {
  const payload = allocPayload(9, true);
  payload.set([0x17, 0x01, 0, 0, 0, i & 0xff, 2, 3, 4]);
  return { type: MessageType.Video, timestamp: i * 40, payload };
};

/** An output writing each tag as it comes (no header pre-read), its iterator, and the closes seen. */
function setup(begin: () => void = () => {}) {
  const output = new StreamOutput(flow, { live: false, highWaterMark: 1 << 20 });
  output.setMuxerOptions({ headerProbeLimit: 0 });
  const closes: number[] = [];
  const it = new FlvIterator(
    {
      begin,
      close: async () => {
        closes.push(closes.length);
        output.close();
      },
    },
    output,
  );
  return { output, it, closes };
}

/** The FLV a plain `read()` loop gives for messages like `messages` (fresh payloads: frame room is taken once). */
async function readAll(messages: ReturnType<typeof video>[]): Promise<Buffer[]> {
  const { output } = setup();
  for (const m of messages) output.push(video(m.timestamp / 40));
  output.end();
  const out: Buffer[] = [];
  for (
    let b = await output.read(Infinity, undefined);
    b.length > 0;
    b = await output.read(Infinity, undefined)
  )
    out.push(b);
  return out;
}

test('queued and awaited tags come in order, the same bytes as read(); the end closes the stream once', async () => {
  const messages = Array.from({ length: 6 }, (_, i) => video(i));
  const { output, it, closes } = setup();
  output.push(messages[0]!);
  output.push(messages[1]!);
  const got: Buffer[] = [];
  const loop = (async () => {
    for await (const b of it) got.push(Buffer.from(b));
  })();
  await tick(); // the loop took the queued tags and now waits
  for (const m of messages.slice(2)) {
    output.push(m);
    await tick();
  }
  assert.equal(closes.length, 0, 'not closed while the stream goes on');
  output.end();
  await loop;
  assert.deepEqual(got, await readAll(messages));
  assert.equal(got.length, 1 + messages.length, 'the file header, then one tag per message');
  assert.deepEqual(closes, [0], 'closed once, at the end');
  assert.deepEqual(await it.next(), { value: undefined, done: true });
  assert.equal(closes.length, 1);
});

test('steps asked for at once are answered in the order asked', async () => {
  const { output, it } = setup();
  const steps = [it.next(), it.next(), it.next()];
  await tick();
  output.push(video(1));
  output.push(video(2));
  output.end();
  const results = await Promise.all(steps);
  assert.deepEqual(
    results.map((r) => (r.done ? 'done' : r.value[0])),
    [0x46, 9, 9], // 'F' of the file header, then the two video tags
  );
  // Byte 5 of each video payload (after the 11-byte tag header) numbers the message.
  assert.deepEqual(
    results.slice(1).map((r) => (r.done ? -1 : r.value[11 + 5])),
    [1, 2],
  );
  assert.deepEqual(await it.next(), { value: undefined, done: true });
});

test('an error comes after the data received before it, with the stream closed first', async () => {
  const { output, it, closes } = setup();
  output.push(video(0));
  const cut = new Error('cut');
  output.end(() => cut);
  const first = await it.next();
  assert.equal(first.done, false, 'the file header');
  const second = await it.next();
  assert.equal(second.done === false && second.value[0], 9, 'the tag received before the error');
  await assert.rejects(
    it.next().then(() => closes.length),
    (err) => err === cut && closes.length === 1,
  );
  assert.deepEqual(await it.next(), { value: undefined, done: true }, 'done after the error');
});

test('return() while a step waits closes the stream and ends both', async () => {
  const { it, closes } = setup();
  const waiting = it.next();
  await tick();
  assert.deepEqual(await it.return(), { value: undefined, done: true });
  assert.deepEqual(await waiting, { value: undefined, done: true });
  assert.equal(closes.length >= 1, true);
  assert.deepEqual(await it.next(), { value: undefined, done: true });
});

test('a refused start rejects the first step and closes nothing', async () => {
  const refused = new Error('refused');
  const { it, closes } = setup(() => {
    throw refused;
  });
  await assert.rejects(it.next(), (err) => err === refused);
  assert.deepEqual(await it.next(), { value: undefined, done: true });
  assert.deepEqual(closes, []);
});
