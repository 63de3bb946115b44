/**
 * ReplayFilter: after a reconnect a recorded stream plays again from the last delivered
 * keyframe; whatever the server sends again is dropped and the reader's timestamps go on,
 * whether the server keeps the file's timestamps (nginx-rtmp) or rebases the start to 0
 * (FMS, rtmpkit's server). Every cut point of a synthetic stream: delivered-before-cut +
 * delivered-after-replay = the uncut stream, tag for tag (type, timestamp, bytes).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplayFilter } from '../../src/session/replay-filter.js';

interface Msg {
  type: number;
  ts: number;
  payload: Buffer;
}

/** AVC/AAC sequence headers, then 40 ms video (keyframe every 10th) and 23 ms audio, distinct bytes. */
function stream(): Msg[] {
  const out: Msg[] = [
    { type: 9, ts: 0, payload: Buffer.from([0x17, 0x00, 0, 0, 0, 1, 0x64]) },
    { type: 8, ts: 0, payload: Buffer.from([0xaf, 0x00, 0x12, 0x10]) },
  ];
  let a = 0;
  for (let v = 0; v < 60; v++) {
    const ts = v * 40;
    while (a * 23 <= ts) {
      out.push({ type: 8, ts: a * 23, payload: Buffer.from([0xaf, 0x01, a & 0xff, a >> 8, 7]) });
      a++;
    }
    out.push({ type: 9, ts, payload: Buffer.from([v % 10 === 0 ? 0x17 : 0x27, 0x01, 0, 0, 0, v, 0xee]) });
  }
  // Two messages at one timestamp, to cut between them.
  out.push({ type: 8, ts: 2400, payload: Buffer.from([0xaf, 0x01, 0xaa]) });
  out.push({ type: 9, ts: 2400, payload: Buffer.from([0x27, 0x01, 0, 0, 0, 0xbb]) });
  return out;
}

/** What a server sends for play(start): headers, then from the keyframe at or before start; `rebase` stamps it 0. */
function serve(all: Msg[], startMs: number, rebase: boolean): Msg[] {
  const keys = all.filter(
    (m) => m.type === 9 && m.payload[0] === 0x17 && m.payload[1] === 1 && m.ts <= startMs,
  );
  const key = keys.at(-1)!;
  const from = all.indexOf(key);
  const base = rebase ? key.ts : 0;
  const headers = all.slice(0, 2).map((h) => ({ ...h, ts: 0 }));
  // Servers send audio of the keyframe's time just before it (as files interleave).
  let i = from;
  while (i > 2 && all[i - 1]!.type === 8 && all[i - 1]!.ts >= key.ts - 23) i--;
  return [...headers, ...all.slice(i).map((m) => ({ ...m, ts: m.ts - base }))];
}

const row = (m: Msg) => `${m.type} ${m.ts} ${m.payload.toString('hex')}`;

describe('ReplayFilter', () => {
  for (const rebase of [false, true]) {
    it(`every cut point: before + replay = uncut, tag for tag (${rebase ? 'server rebases to 0' : 'file timestamps'})`, () => {
      const all = stream();
      for (let cut = 3; cut < all.length; cut++) {
        const f = new ReplayFilter();
        const got: Msg[] = [];
        for (const m of all.slice(0, cut)) {
          const ts = f.admitMedia(m.type, m.ts, m.payload);
          assert.equal(ts, m.ts);
          got.push({ ...m, ts: ts! });
        }
        const at = f.resumeAt!;
        f.replay();
        assert.ok(f.replaying);
        assert.equal(f.admitData(0), undefined, 'onMetaData again is dropped while replaying');
        for (const m of serve(all, at, rebase)) {
          const ts = f.admitMedia(m.type, m.ts, m.payload);
          if (ts !== undefined) got.push({ ...m, ts });
        }
        assert.deepEqual(got.map(row), all.map(row), `cut at ${cut}`);
      }
    });
  }

  it('a message at the last timestamp the reader never got is delivered', () => {
    const all = stream();
    const f = new ReplayFilter();
    // Cut between the two messages at 2400 ms.
    for (const m of all.slice(0, -1)) f.admitMedia(m.type, m.ts, m.payload);
    f.replay();
    const again = serve(all, f.resumeAt!, false).filter(
      (m) => f.admitMedia(m.type, m.ts, m.payload) !== undefined,
    );
    assert.deepEqual(again.map(row), [row(all.at(-1)!)]);
  });

  it('nothing delivered: no replay (the stream starts over)', () => {
    const f = new ReplayFilter();
    assert.equal(f.resumeAt, undefined);
    f.replay();
    assert.equal(f.replaying, false);
    assert.equal(f.admitMedia(9, 0, Buffer.from([0x17, 0])), 0);
  });

  it('timestamps keep their offset after a rebased replay, for data too', () => {
    const all = stream();
    const f = new ReplayFilter();
    for (const m of all.slice(0, 50)) f.admitMedia(m.type, m.ts, m.payload);
    const at = f.resumeAt!;
    f.replay();
    const sent = serve(all, at, true);
    for (const m of sent) f.admitMedia(m.type, m.ts, m.payload);
    assert.equal(f.admitData(100), at + 100);
  });
});
