/**
 * The make-before-break splice (session/handover-splice.ts) and the decision to follow a
 * ReconnectRequest (session/connect-object.ts), without sockets: two message sequences
 * with repeating content (identical keyframes every GOP, identical silent audio) are
 * spliced at every cut-over point; the reader's sequence has every message exactly once
 * in order — a live join (same timestamps), a recorded join (the new play rebased to 0),
 * the old connection reaching a message after the new one (lag), a forced cut-over, overflow.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CapsEx, followsReconnectRequest, offeredCapsEx } from '../../src/session/connect-object.js';
import { MAX_HELD, MAX_HELD_BYTES, Splice, Trail } from '../../src/session/handover-splice.js';

interface M {
  type: number;
  timestamp: number;
  payload: Buffer;
}

/** A stream of `n` messages: video every 100 ms (keyframe each 1 s, identical per GOP position) and identical audio between. */
function program(n: number): M[] {
  const out: M[] = [
    { type: 9, timestamp: 0, payload: Buffer.from([0x17, 0, 0, 0, 0, 1, 2]) },
    { type: 8, timestamp: 0, payload: Buffer.from([0xaf, 0, 0x12, 0x10]) },
  ];
  for (let i = 0; out.length < n; i++) {
    const key = i % 10 === 0;
    out.push({
      type: 9,
      timestamp: i * 100,
      payload: Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0, i % 10, 9]),
    });
    out.push({ type: 8, timestamp: i * 100 + 50, payload: Buffer.from([0xaf, 1, 0x21, 0, 0, 0, 0x1c]) });
  }
  return out.slice(0, n);
}

const row = (m: M): string => `${m.type} ${m.timestamp} ${m.payload.toString('hex')}`;

/**
 * Plays `all` on an old connection up to `oldUpTo`, starts a splice, feeds the new
 * connection from `newFrom` (its timestamps minus `rebase`), interleaving `oldMore`
 * further old deliveries, cuts over, and feeds the rest through `admit`.
 */
function handOver(
  all: M[],
  o: {
    oldUpTo: number;
    newFrom: number;
    oldMore: number;
    newBefore: number;
    rebase: number;
    recorded: boolean;
  },
): string[] {
  const trail = new Trail();
  const reader: string[] = [];
  const deliverOld = (m: M): void => {
    trail.push(m.type, m.timestamp, m.payload);
    splice?.oldDelivered(m.type, m.timestamp, m.payload);
    reader.push(row(m));
  };
  let splice: Splice | undefined;
  for (const m of all.slice(0, o.oldUpTo)) deliverOld(m);
  splice = new Splice(trail, o.recorded);
  const fresh = all.slice(o.newFrom).map((m) => ({ ...m, timestamp: m.timestamp - o.rebase }));
  let k = 0;
  for (; k < o.newBefore && k < fresh.length; k++)
    splice.offer(fresh[k]!.type, fresh[k]!.timestamp, fresh[k]!.payload);
  for (const m of all.slice(o.oldUpTo, o.oldUpTo + o.oldMore)) deliverOld(m);
  assert.ok(splice.joined, 'joined before the cut-over');
  for (const m of splice.cutover()) reader.push(row(m as M));
  for (; k < fresh.length; k++) {
    const m = fresh[k]!;
    const ts = splice.admit(m.type, m.timestamp, m.payload);
    if (ts !== undefined) reader.push(row({ ...m, timestamp: ts }));
  }
  return reader;
}

describe('handover splice', () => {
  const all = program(200);
  const want = all.map(row);

  it('live: the new connection starts at the last keyframe with the same timestamps; every cut-over point', () => {
    for (let oldMore = 0; oldMore < 30; oldMore += 3) {
      for (let newBefore = 1; newBefore < 40; newBefore += 4) {
        // Old delivered up to message 105; the server's GOP starts at video 100 (index 2 + 2·100/… ): find it.
        const gop = all.findIndex((m, i) => i > 60 && m.type === 9 && m.payload[0] === 0x17 && i <= 105 - 1);
        const got = handOver(all, {
          oldUpTo: 105,
          newFrom: gop,
          oldMore,
          newBefore,
          rebase: 0,
          recorded: false,
        });
        assert.deepEqual(got, want, `oldMore ${oldMore} newBefore ${newBefore}`);
      }
    }
  });

  it('recorded: the new play starts at the anchor keyframe rebased to 0 (identical keyframes earlier do not mislead)', () => {
    for (let oldMore = 0; oldMore < 30; oldMore += 5) {
      for (let newBefore = 1; newBefore < 40; newBefore += 6) {
        const trail = new Trail();
        for (const m of all.slice(0, 125)) trail.push(m.type, m.timestamp, m.payload);
        const anchorTs = new Splice(trail, true).anchorTs!;
        const anchor = all.findIndex((m) => m.type === 9 && m.timestamp === anchorTs);
        const got = handOver(all, {
          oldUpTo: 125,
          newFrom: anchor,
          oldMore,
          newBefore,
          rebase: anchorTs,
          recorded: true,
        });
        assert.deepEqual(got, want, `oldMore ${oldMore} newBefore ${newBefore}`);
      }
    }
  });

  it('live: the old connection delivers the join after the new one sent it (lag)', () => {
    const gop = 122; // a keyframe the old connection has not delivered at the request
    assert.equal(all[gop]!.payload[0], 0x17);
    const got = handOver(all, {
      oldUpTo: 115,
      newFrom: gop,
      oldMore: 20,
      newBefore: 5,
      rebase: 0,
      recorded: false,
    });
    assert.deepEqual(got, want);
  });

  it('a forced cut-over (the old connection ended before the join) hands out what is after the last delivered timestamp', () => {
    const trail = new Trail();
    for (const m of all.slice(0, 50)) trail.push(m.type, m.timestamp, m.payload);
    const splice = new Splice(trail, false);
    // The new connection's stream does not contain the old one's messages (a different GOP layout).
    for (const m of all.slice(40, 60))
      splice.offer(m.type, m.timestamp, Buffer.concat([m.payload, Buffer.from([0xee])]));
    assert.equal(splice.joined, false);
    const out = splice.cutover();
    assert.deepEqual(
      out.map((m) => m.timestamp),
      all.slice(50, 60).map((m) => m.timestamp),
    );
  });

  it('an empty trail joins at once; too much held before a join is overflow', () => {
    assert.equal(new Splice(new Trail(), false).joined, true);
    const trail = new Trail();
    trail.push(9, 0, Buffer.from([0x17, 1, 0, 0, 0, 42]));
    const splice = new Splice(trail, false);
    for (let i = 0; i <= MAX_HELD && !splice.overflow; i++)
      splice.offer(8, i, Buffer.from([0xaf, 1, i & 0xff]));
    assert.equal(splice.overflow, true);
    assert.equal(splice.joined, false);
    const big = new Splice(trail, false);
    const frame = Buffer.alloc(1024 * 1024, 0x27);
    for (let i = 0; i < MAX_HELD_BYTES / frame.length; i++) big.offer(9, i, frame);
    assert.equal(big.overflow, false);
    big.offer(9, 64, frame);
    assert.equal(big.overflow, true, 'more than MAX_HELD_BYTES');
  });
});

describe('following a ReconnectRequest: the decision', () => {
  it('follows when connect offers capsEx Reconnect, unless followReconnect is false', () => {
    assert.equal(followsReconnectRequest({}), false);
    assert.equal(
      followsReconnectRequest({ enhanced: true }),
      false,
      'enhanced alone does not offer Reconnect',
    );
    assert.equal(followsReconnectRequest({ capsEx: CapsEx.Reconnect }), true);
    assert.equal(followsReconnectRequest({ capsEx: CapsEx.Reconnect, followReconnect: false }), false);
    assert.equal(followsReconnectRequest({ followReconnect: true }), true);
    assert.equal(offeredCapsEx({ followReconnect: true }), CapsEx.Reconnect);
    assert.equal(
      offeredCapsEx({ enhanced: true, followReconnect: true }),
      CapsEx.Reconnect | CapsEx.Multitrack | CapsEx.ModEx | CapsEx.TimestampNanoOffset,
    );
    assert.equal(offeredCapsEx({ capsEx: CapsEx.Multitrack }), CapsEx.Multitrack);
  });
});
