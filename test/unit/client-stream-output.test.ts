/**
 * `StreamOutput.abortWith` (client/stream-output.ts), the abort path of `rtmpkit dump`'s
 * tag reader: one listener on the signal for the output's life, not one per wait — a
 * download waits once per socket read — and never one left behind: closing the output or
 * reading its end removes it, so a long-lived signal does not keep a finished stream's
 * output (and its queue) alive. An abort rejects waits with the signal's reason, after
 * what was already delivered has been read.
 */
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { type OutputFlow, StreamOutput } from '../../src/client/stream-output.js';
import { MessageType } from '../../src/message/types.js';

const flow: OutputFlow = { pauseReading() {}, resumeReading() {}, waitStarted() {} };
/** An FLV output that writes each tag as it comes (no header pre-read holding the first back). */
const output = (): StreamOutput => {
  const out = new StreamOutput(flow, { live: false, highWaterMark: 1 << 20 });
  out.setMuxerOptions({ headerProbeLimit: 0 });
  return out;
};
const video = (timestamp: number) => ({
  type: MessageType.Video,
  timestamp,
  payload: Buffer.from([0x17, 0x01, 0, 0, 0, 1, 2, 3, 4]),
});
const listeners = (s: AbortSignal): number => getEventListeners(s, 'abort').length;
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('many waits share one listener; an abort rejects the waiting read with its reason', async () => {
  const ac = new AbortController();
  const out = output();
  out.abortWith(ac.signal);
  assert.equal(listeners(ac.signal), 1);
  let bytes = 0;
  for (let i = 0; i < 50; i++) {
    const p = out.readPieces();
    await tick(); // the read waits: nothing is queued
    out.push(video(i * 40));
    for (const b of await p) bytes += b.length;
  }
  assert.ok(bytes > 50 * 9, `got ${bytes} bytes of FLV`);
  assert.equal(listeners(ac.signal), 1, 'still the one listener after 50 waits');
  const waiting = out.readPieces();
  await tick();
  const reason = new Error('stop');
  ac.abort(reason);
  await assert.rejects(waiting, (err) => err === reason);
  assert.equal(listeners(ac.signal), 0);
});

test('data delivered before the abort is read first; the next wait rejects at once', async () => {
  const ac = new AbortController();
  const out = output();
  out.abortWith(ac.signal);
  out.push(video(0));
  out.push(video(40));
  ac.abort(new Error('late'));
  const pieces = await out.readPieces();
  assert.ok(pieces.length > 0);
  await assert.rejects(out.readPieces(), /late/);
});

test('an already aborted signal rejects the first wait', async () => {
  const out = output();
  out.abortWith(AbortSignal.abort(new Error('before')));
  await assert.rejects(out.readPieces(), /before/);
});

test('closing the output or reading its end removes the listener', async () => {
  const closed = new AbortController();
  const a = output();
  a.abortWith(closed.signal);
  const waiting = a.readPieces();
  await tick();
  a.close();
  assert.equal(listeners(closed.signal), 0, 'removed by close() itself');
  assert.deepEqual(await waiting, []);

  const ended = new AbortController();
  const b = output();
  b.abortWith(ended.signal);
  b.push(video(0));
  b.end();
  assert.ok((await b.readPieces()).length > 0);
  assert.equal(listeners(ended.signal), 1, 'the end is not read yet');
  assert.deepEqual(await b.readPieces(), []);
  assert.equal(listeners(ended.signal), 0);
  ended.abort();
  assert.deepEqual(await b.readPieces(), [], 'an abort after the end changes nothing');
});

test('a second abortWith moves the one listener to the new signal', () => {
  const first = new AbortController();
  const second = new AbortController();
  const out = output();
  out.abortWith(first.signal);
  out.abortWith(second.signal);
  assert.equal(listeners(first.signal), 0);
  assert.equal(listeners(second.signal), 1);
});
