/**
 * `StreamContinuity` (client/stream-continuity.ts): a player that can resume over another
 * connection remembers what it delivered, so a replay drops what the server sends again;
 * a player that cannot (no `reconnect`, no ReconnectRequest followed) keeps nothing and
 * passes every message as it came (`filters` false).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamContinuity } from '../../src/client/stream-continuity.js';

const key = (n: number): Buffer => Buffer.from([0x17, 0x01, 0, 0, 0, n, 1, 2, 3]);
const inter = (n: number): Buffer => Buffer.from([0x27, 0x01, 0, 0, 0, n, 1, 2, 3]);

test('a recorded player that can resume drops what a replay sends again', () => {
  const c = new StreamContinuity('vod', 0, true);
  assert.equal(c.filters, true);
  for (const [ts, p] of [
    [0, key(0)],
    [40, inter(1)],
    [80, inter(2)],
  ] as const)
    assert.deepEqual(c.admitMedia(9, ts, p), { timestamp: ts, payload: p });
  c.replay!.replay();
  // The server plays again from the last keyframe: everything up to 80 ms is a copy.
  assert.equal(c.admitMedia(9, 0, key(0)), undefined);
  assert.equal(c.admitMedia(9, 40, inter(1)), undefined);
  assert.equal(c.admitMedia(9, 80, inter(2)), undefined);
  const next = inter(3);
  assert.deepEqual(c.admitMedia(9, 120, next), { timestamp: 120, payload: next });
});

test('a player that cannot resume keeps no replay state and passes every message', () => {
  for (const kind of ['vod', 'live'] as const) {
    const c = new StreamContinuity(kind, 0, false);
    assert.equal(c.filters, false, kind);
    assert.equal(c.replay, undefined, kind);
    const p = key(0);
    // The same message twice: nothing remembered, nothing dropped.
    assert.deepEqual(c.admitMedia(9, 0, p), { timestamp: 0, payload: p });
    assert.deepEqual(c.admitMedia(9, 0, p), { timestamp: 0, payload: p });
  }
  assert.equal(
    new StreamContinuity('live', 0, true).filters,
    true,
    'a live player that can resume keeps its trail',
  );
});
