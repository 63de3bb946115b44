/**
 * RTMPT state machine (src/transport/rtmpt-protocol.ts; RTMPT as FFmpeg's rtmphttp.c and librtmp speak it): golden
 * request sequences — open → session id, send/idle/close paths and sequence numbers,
 * the 1-byte polling-interval prefix, empty-reply backoff, at most one request in flight.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RTMPProtocolError } from '../../src/errors.js';
import { parseSessionId, RtmptProtocol } from '../../src/transport/rtmpt-protocol.js';

const b = (...x: number[]): Uint8Array => Uint8Array.from(x);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

test('rtmpt protocol: golden sequence open → send → idle → close (librtmp numbering)', () => {
  const p = new RtmptProtocol();
  const open = p.open();
  assert.deepEqual([open.kind, open.path, [...open.body]], ['open', '/open/1', [0]]);
  assert.equal(p.nextRequest(0, true), undefined, 'nothing while open is in flight');
  assert.deepEqual(p.receive(200, text('a1b2c3\n'), 0), { kind: 'opened', sessionId: 'a1b2c3' });
  assert.equal(p.state, 'open');
  p.write(b(3, 1, 2));
  p.write(b(4));
  const send = p.nextRequest(0, true)!;
  assert.deepEqual(
    [send.kind, send.path, [...send.body], send.ackMark],
    ['send', '/send/a1b2c3/0', [3, 1, 2, 4], 4],
  );
  assert.equal(p.nextRequest(0, true), undefined, 'at most one request outstanding');
  p.write(b(9));
  const r1 = p.receive(200, b(0x01), 0);
  assert.deepEqual(r1, { kind: 'data', data: new Uint8Array(0) });
  assert.equal(p.acked, 4);
  assert.equal(p.serverInterval, 1);
  const send2 = p.nextRequest(0, false)!;
  assert.deepEqual([send2.path, [...send2.body]], ['/send/a1b2c3/1', [9]]);
  p.receive(200, b(0x01, 0xaa, 0xbb), 0);
  const idle = p.nextRequest(0, true)!;
  assert.deepEqual([idle.kind, idle.path, [...idle.body]], ['idle', '/idle/a1b2c3/2', [0]]);
  const r2 = p.receive(200, b(0x05, 7, 8, 9), 0);
  assert.deepEqual(r2.kind === 'data' && [...r2.data], [7, 8, 9], 'interval byte stripped');
  assert.equal(p.serverInterval, 5);
  assert.equal(p.nextRequest(0, false), undefined, 'no idle poll when nobody wants data');
  p.write(b(1, 2));
  p.end();
  assert.equal(p.nextRequest(0, false)!.path, '/send/a1b2c3/3', 'pending bytes go before the close');
  p.receive(200, b(1), 0);
  const close = p.nextRequest(0, false)!;
  assert.deepEqual([close.kind, close.path, [...close.body]], ['close', '/close/a1b2c3/4', [0]]);
  assert.equal(p.state, 'closing');
  assert.deepEqual(p.receive(200, b(0), 0), { kind: 'closed' });
  assert.equal(p.state, 'closed');
  assert.equal(p.nextRequest(0, true), undefined);
  assert.throws(() => p.write(b(1)), RTMPProtocolError);
});

test('rtmpt protocol: empty idle replies back off exponentially to maxPollMs; data resets', () => {
  const p = new RtmptProtocol({ minPollMs: 10, maxPollMs: 50 });
  p.open();
  p.receive(200, text('id\n'), 0);
  let t = 0;
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = p.nextRequest(t, true);
    assert.equal(r?.kind, 'idle');
    p.receive(200, b(0x09), t);
    const at = p.nextPollAt()!;
    delays.push(at - t);
    assert.equal(p.nextRequest(at - 1, true), undefined, 'not before the poll is due');
    t = at;
  }
  assert.deepEqual(delays, [10, 20, 40, 50, 50]);
  assert.equal(p.emptyPolls, 5);
  // A write is sent at once, regardless of the poll backoff.
  p.write(b(1));
  assert.equal(p.nextRequest(t - 1000, true)?.kind, 'send');
  p.receive(200, b(0x01), t);
  assert.equal(p.emptyPolls, 5, 'an empty send reply is not an empty poll');
  const r = p.nextRequest(t, true)!;
  assert.equal(r.kind, 'idle');
  p.receive(200, b(0x01, 42), t);
  assert.equal(p.emptyPolls, 0);
  assert.equal(p.nextPollAt(), t, 'after data, poll again at once');
  assert.equal(p.nextRequest(t, true)?.path, '/idle/id/7');
});

test('rtmpt protocol: 404 ends the session; other HTTP errors and bad ids throw', () => {
  const p = new RtmptProtocol();
  p.open();
  p.receive(200, text('  xyz \r\n'), 0);
  assert.equal(p.sessionId, 'xyz');
  p.nextRequest(0, true);
  assert.deepEqual(p.receive(404, new Uint8Array(0), 0), { kind: 'closed' });
  assert.equal(p.state, 'closed');

  const q = new RtmptProtocol();
  q.open();
  assert.throws(() => q.receive(500, new Uint8Array(0), 0), { code: 'ERR_RTMPT_HTTP' });
  const r = new RtmptProtocol();
  r.open();
  r.receive(200, text('s\n'), 0);
  r.nextRequest(0, true);
  assert.throws(() => r.receive(503, b(1), 0), { code: 'ERR_RTMPT_HTTP' });
  for (const bad of ['', '\n', 'a/b', 'x'.repeat(65), 'a b', 'a?b']) {
    assert.throws(() => parseSessionId(text(bad)), { code: 'ERR_RTMPT_BAD_SESSION' }, bad);
  }
  assert.equal(parseSessionId(text('0123456789abcdef\n')), '0123456789abcdef');
});

test('rtmpt protocol: sends are split at maxSendBytes and acked in order', () => {
  const p = new RtmptProtocol({ maxSendBytes: 4 });
  p.open();
  p.receive(200, text('s\n'), 0);
  assert.equal(p.write(b(1, 2, 3)), 3);
  assert.equal(p.write(b(4, 5, 6)), 6);
  const s1 = p.nextRequest(0, false)!;
  assert.deepEqual([[...s1.body], s1.ackMark], [[1, 2, 3, 4], 4]);
  p.receive(200, b(1), 0);
  assert.equal(p.acked, 4);
  const s2 = p.nextRequest(0, false)!;
  assert.deepEqual([[...s2.body], s2.ackMark, s2.path], [[5, 6], 6, '/send/s/1']);
  p.receive(200, new Uint8Array(0), 0);
  assert.equal(p.acked, 6, 'an empty body (no interval byte) is tolerated');
});
