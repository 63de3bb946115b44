/**
 * ReplayFilter: after a reconnect a recorded stream plays again from the last delivered
 * keyframe; whatever the server sends again is dropped and the reader's timestamps go on,
 * whether the server keeps the file's timestamps (nginx-rtmp) or rebases the start to 0
 * (FMS, rtmpkit's server). Every cut point of a synthetic stream: delivered-before-cut +
 * delivered-after-replay = the uncut stream, tag for tag (type, timestamp, bytes). The
 * same with the stream packed in aggregates (RTMP-SPEC §7.1.6), as FMS and Wowza send VOD,
 * cut at every aggregate and re-sent in aggregates of other boundaries: the anchor is found
 * inside them and `admitMessage` trims a partly re-sent one to its new records.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tagPieces } from '../../src/flv/framing.js';
import { fingerprint, ReplayFilter } from '../../src/session/replay-filter.js';

interface Msg {
  type: number;
  ts: number;
  payload: Buffer;
}

/**
 * AVC/AAC sequence headers, then `frames` 40 ms video frames (keyframe every 10th) and 23 ms
 * audio, distinct bytes; then two messages at one timestamp, to cut between them.
 */
function stream(frames = 60): Msg[] {
  const out: Msg[] = [
    { type: 9, ts: 0, payload: Buffer.from([0x17, 0x00, 0, 0, 0, 1, 0x64]) },
    { type: 8, ts: 0, payload: Buffer.from([0xaf, 0x00, 0x12, 0x10]) },
  ];
  let a = 0;
  for (let v = 0; v < frames; v++) {
    const ts = v * 40;
    while (a * 23 <= ts) {
      out.push({
        type: 8,
        ts: a * 23,
        payload: Buffer.from([0xaf, 0x01, a & 0xff, (a >> 8) & 0xff, a >> 16, 7]),
      });
      a++;
    }
    const key = v % 10 === 0 ? 0x17 : 0x27;
    out.push({ type: 9, ts, payload: Buffer.from([key, 0x01, 0, 0, 0, v & 0xff, v >> 8, 0xee]) });
  }
  const end = frames * 40;
  out.push({ type: 8, ts: end, payload: Buffer.from([0xaf, 0x01, 0xaa]) });
  out.push({ type: 9, ts: end, payload: Buffer.from([0x27, 0x01, 0, 0, 0, 0xbb]) });
  return out;
}

const isKey = (m: Msg) => m.type === 9 && m.payload[0] === 0x17 && m.payload[1] === 1;

/** What a server sends for play(start): headers, then from the keyframe at or before start; `rebase` stamps it 0. */
function serve(all: Msg[], startMs: number, rebase: boolean): Msg[] {
  return serveFrom(all, all.filter((m) => isKey(m) && m.ts <= startMs).at(-1)!, rebase);
}

/** What nginx-rtmp sends for play(start) of a file without a keyframe index: the whole file again, file timestamps. */
const serveNginxUnindexed = (all: Msg[]): Msg[] => all;

/** Headers, then from `key` (and the audio of its time just before it); `rebase` stamps `key` 0. */
function serveFrom(all: Msg[], key: Msg, rebase: boolean): Msg[] {
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
          const ts = f.admitMessage(m.type, m.ts, m.payload)?.timestamp;
          assert.equal(ts, m.ts);
          got.push({ ...m, ts: ts! });
        }
        const at = f.resumeAt!;
        f.replay();
        assert.ok(f.replaying);
        assert.equal(f.admitData(0), undefined, 'onMetaData again is dropped while replaying');
        for (const m of serve(all, at, rebase)) {
          const ts = f.admitMessage(m.type, m.ts, m.payload)?.timestamp;
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
    for (const m of all.slice(0, -1)) f.admitMessage(m.type, m.ts, m.payload);
    f.replay();
    const again = serve(all, f.resumeAt!, false).filter(
      (m) => f.admitMessage(m.type, m.ts, m.payload) !== undefined,
    );
    assert.deepEqual(again.map(row), [row(all.at(-1)!)]);
  });

  it('nothing delivered: no replay (the stream starts over)', () => {
    const f = new ReplayFilter();
    assert.equal(f.resumeAt, undefined);
    f.replay();
    assert.equal(f.replaying, false);
    assert.equal(f.admitMessage(9, 0, Buffer.from([0x17, 0]))?.timestamp, 0);
  });

  it('timestamps keep their offset after a rebased replay, for data too', () => {
    const all = stream();
    const f = new ReplayFilter();
    for (const m of all.slice(0, 50)) f.admitMessage(m.type, m.ts, m.payload);
    const at = f.resumeAt!;
    f.replay();
    const sent = serve(all, at, true);
    for (const m of sent) f.admitMessage(m.type, m.ts, m.payload);
    // The server stamped the keyframe it started at 0: its 100 ms is that keyframe's + 100.
    const started = all.filter((m) => isKey(m) && m.ts <= at).at(-1)!;
    assert.equal(f.admitData(100), started.ts + 100);
  });

  it('a replay that has not met its anchor says what it waits for; once met, nothing', () => {
    const all = stream();
    const f = new ReplayFilter();
    for (const m of all.slice(0, 50)) f.admitMessage(m.type, m.ts, m.payload);
    assert.equal(f.unmatched, undefined, 'no replay yet');
    const anchorTs = all.slice(0, 50).filter(isKey).at(-1)!.ts;
    f.replay();
    // The server plays the file's first second only (something else, or less): no anchor.
    for (const m of all.filter((x) => x.ts < 300))
      assert.equal(f.admitMessage(m.type, m.ts, m.payload), undefined);
    assert.deepEqual(f.unmatched, { anchorTs, lastTs: all[49]!.ts });
    for (const m of serve(all, anchorTs, false)) f.admitMessage(m.type, m.ts, m.payload);
    assert.equal(f.unmatched, undefined);
  });

  it('nginx-rtmp without an index sends the whole file again: all of it before the anchor is dropped, however long', () => {
    // 30,000 messages; the cut after 25,000 (a replay limit of 10,000 delivered the file's
    // start a second time).
    const all = stream(11_700);
    assert.ok(all.length > 30_000, String(all.length));
    const f = new ReplayFilter();
    let delivered = 0;
    for (const m of all.slice(0, 25_000)) if (f.admitMessage(m.type, m.ts, m.payload)) delivered++;
    f.replay();
    const again: Msg[] = [];
    for (const m of serveNginxUnindexed(all)) {
      const ts = f.admitMessage(m.type, m.ts, m.payload)?.timestamp;
      if (ts !== undefined) again.push({ ...m, ts });
    }
    assert.equal(delivered, 25_000);
    assert.deepEqual(again.map(row), all.slice(25_000).map(row));
  });
});

/** One aggregate of `msgs` (FLV tag records with their file timestamps), stamped `ts`. */
function aggregate(msgs: readonly Msg[], ts: number): Msg {
  const parts = msgs.map((m) => Buffer.concat(tagPieces(m.type, m.ts, m.payload)));
  return { type: 22, ts, payload: Buffer.concat(parts) };
}

/** `msgs` (after the two sequence headers, sent alone) in aggregates of `size` records; `base` is subtracted from their stamps. */
function pack(msgs: readonly Msg[], size: number, base = 0): Msg[] {
  const out: Msg[] = msgs.slice(0, 2).map((m) => ({ ...m }));
  for (let i = 2; i < msgs.length; i += size) {
    const part = msgs.slice(i, i + size);
    out.push(aggregate(part, part[0]!.ts - base));
  }
  return out;
}

/** The records of a delivered aggregate as tags, rebased from its first record as a muxer does. */
function unpack(m: Msg): Msg[] {
  if (m.type !== 22) return [m];
  const out: Msg[] = [];
  let first: number | undefined;
  for (let p = 0; p + 11 <= m.payload.length; ) {
    const size = m.payload.readUIntBE(p + 1, 3);
    const ts = (m.payload.readUIntBE(p + 4, 3) | (m.payload[p + 7]! << 24)) >>> 0;
    first ??= ts;
    out.push({
      type: m.payload[p]!,
      ts: (m.ts + ts - first) >>> 0,
      payload: m.payload.subarray(p + 11, p + 11 + size),
    });
    p += 11 + size + 4;
  }
  return out;
}

describe('ReplayFilter: aggregates', () => {
  for (const rebase of [false, true]) {
    it(`every cut between aggregates, re-sent in other boundaries: before + replay = uncut (admitMessage; ${rebase ? 'rebased' : 'file timestamps'})`, () => {
      const all = stream();
      const sent = pack(all, 7);
      for (let cut = 3; cut < sent.length; cut++) {
        const f = new ReplayFilter();
        const got: Msg[] = [];
        for (const m of sent.slice(0, cut)) {
          const a = f.admitMessage(m.type, m.ts, m.payload);
          assert.ok(a);
          got.push(...unpack({ type: m.type, ts: a.timestamp, payload: Buffer.from(a.payload) }));
        }
        const at = f.resumeAt;
        assert.notEqual(at, undefined, 'the anchor is found inside the aggregates');
        f.replay();
        const again = serve(all, at!, rebase);
        for (const m of pack(again, 5)) {
          const a = f.admitMessage(m.type, m.ts, m.payload);
          if (a !== undefined)
            got.push(...unpack({ type: m.type, ts: a.timestamp, payload: Buffer.from(a.payload) }));
        }
        assert.deepEqual(got.map(row), all.map(row), `cut at aggregate ${cut}`);
      }
    });
  }

  it('aggregates aligned on keyframes (one per GOP) resume exactly', () => {
    const all = stream();
    const gops = (msgs: readonly Msg[]): Msg[] => {
      const out: Msg[] = msgs.slice(0, 2).map((m) => ({ ...m }));
      let part: Msg[] = [];
      for (const m of msgs.slice(2)) {
        if (m.type === 9 && m.payload[0] === 0x17 && part.length > 0) {
          out.push(aggregate(part, part[0]!.ts));
          part = [];
        }
        part.push(m);
      }
      out.push(aggregate(part, part[0]!.ts));
      return out;
    };
    const sent = gops(all);
    for (let cut = 3; cut < sent.length; cut++) {
      const f = new ReplayFilter();
      const got: Msg[] = [];
      for (const m of sent.slice(0, cut))
        got.push(...unpack({ ...m, ts: f.admitMessage(m.type, m.ts, m.payload)!.timestamp }));
      f.replay();
      for (const m of gops(serve(all, f.resumeAt!, false))) {
        const a = f.admitMessage(m.type, m.ts, m.payload);
        if (a !== undefined) got.push(...unpack({ ...m, ts: a.timestamp, payload: a.payload }));
      }
      assert.deepEqual(got.map(row), all.map(row), `cut at GOP ${cut}`);
    }
  });
});

describe('ReplayFilter.resumeAt after a play that started at an offset', () => {
  /** Delivers what a server sends for play(startMs), up to the reader's cut at `cutAt` messages. */
  function played(startMs: number, rebase: boolean, cutAt: number): ReplayFilter {
    const f = new ReplayFilter(startMs);
    for (const m of serve(stream(), startMs, rebase).slice(0, cutAt)) f.admitMessage(m.type, m.ts, m.payload);
    return f;
  }

  it('a server that restamps from 0 (FMS, rtmpkit): the file position is the anchor plus the start', () => {
    // play(1200) starts at the keyframe of 1200 ms, stamped 0; the cut comes after the
    // next keyframe (file 1600 ms, reader 400 ms): play again from 1600, not from 400.
    const f = played(1200, true, 40);
    assert.equal(f.resumeAt, 1600);
  });

  it('a server that keeps the file timestamps (nginx-rtmp): the anchor is already a file position', () => {
    const f = played(1200, false, 40);
    assert.equal(f.resumeAt, 1600);
  });

  it('a play from the start is unchanged whichever way the server stamps', () => {
    assert.equal(played(0, true, 40).resumeAt, played(0, false, 40).resumeAt);
    assert.equal(played(0, false, 40).resumeAt, 400);
  });
});

/**
 * What nginx-rtmp sends for play(askMs) / seek(askMs) of a file with a keyframe index: from
 * the first indexed keyframe whose time is after askMs (the last one when none is), file
 * timestamps, no sequence headers (they are at the file's start); the whole file for 0.
 */
function serveNginxIndexed(all: Msg[], askMs: number): Msg[] {
  if (askMs <= 0) return all; // nginx-rtmp: from the start of the file
  const keys = all.filter(isKey);
  const key = keys.find((k, i) => i === keys.length - 1 || askMs < k.ts)!;
  return all.slice(all.indexOf(key));
}

/**
 * A replay against an nginx-like server, driven as RTMPStream drives it: replay(), and the
 * server sends `first` for play(resumeAt);
 * when the filter asks again, `inFlight` more messages of the old position arrive before
 * the seek's answer (`seeked`), then the server sends from `seekServe(position)`.
 */
function replayAgainst(
  f: ReplayFilter,
  first: Msg[],
  seekServe: (askMs: number) => Msg[],
  inFlight = 5,
): { got: Msg[]; asked: number[] } {
  const got: Msg[] = [];
  const asked: number[] = [];
  f.replay();
  let sent = first;
  for (let i = 0; i < sent.length; i++) {
    const m = sent[i]!;
    const ts = f.admitMessage(m.type, m.ts, m.payload)?.timestamp;
    if (ts !== undefined) {
      got.push({ ...m, ts });
      continue;
    }
    const at = f.takeReask();
    if (at === undefined) continue;
    asked.push(at);
    for (const x of sent.slice(i + 1, i + 1 + inFlight)) {
      assert.equal(f.admitMessage(x.type, x.ts, x.payload), undefined, 'in flight from before the seek');
      assert.equal(f.takeReask(), undefined, 'one re-ask');
    }
    assert.equal(f.gap, undefined, 'messages in flight do not end the replay');
    f.seeked(true);
    sent = seekServe(at);
    i = -1;
  }
  return { got, asked };
}

describe('ReplayFilter: a server that resumes past the anchor', () => {
  it('nginx-rtmp with a keyframe index, every cut point: lands after the anchor, the re-ask 1 ms before it lands on it; before + replay = uncut', () => {
    const all = stream();
    let reasks = 0;
    for (let cut = 3; cut < all.length; cut++) {
      const f = new ReplayFilter();
      const got: Msg[] = [];
      for (const m of all.slice(0, cut))
        got.push({ ...m, ts: f.admitMessage(m.type, m.ts, m.payload)!.timestamp });
      const at = f.resumeAt!;
      const r = replayAgainst(f, serveNginxIndexed(all, at), (ask) => serveNginxIndexed(all, ask));
      assert.equal(f.gap, undefined, `cut at ${cut}`);
      assert.equal(f.unmatched, undefined, `cut at ${cut}`);
      // Asked for a keyframe's own time, nginx lands on the next one (not for 0 ms, nor the last).
      const landed = serveNginxIndexed(all, at)[0]!.ts;
      assert.deepEqual(r.asked, landed > at ? [at - 1] : [], `cut at ${cut}`);
      reasks += r.asked.length;
      got.push(...r.got);
      assert.deepEqual(got.map(row), all.map(row), `cut at ${cut}`);
    }
    assert.ok(reasks > 100, String(reasks));
  });

  it('identical keyframes (a static scene): the strict replay never takes an earlier copy for the anchor', () => {
    // Every keyframe and every other frame the same bytes; after the re-ask the server
    // lands two GOPs early (file timestamps): only the anchor's own timestamp matches.
    const all = stream().map((m) =>
      m.type === 9 && m.payload[1] === 1
        ? { ...m, payload: Buffer.from([m.payload[0]!, 1, 0, 0, 0, 0xcc]) }
        : m,
    );
    for (let cut = 40; cut < all.length; cut += 7) {
      const f = new ReplayFilter();
      const got: Msg[] = [];
      for (const m of all.slice(0, cut))
        got.push({ ...m, ts: f.admitMessage(m.type, m.ts, m.payload)!.timestamp });
      const at = f.resumeAt!;
      const early = (ask: number) => {
        const keys = all.filter((k) => isKey(k) && k.ts <= ask);
        return all.slice(all.indexOf(keys.at(-2) ?? keys[0]!));
      };
      const r = replayAgainst(f, serveNginxIndexed(all, at), early);
      // The next keyframe, the same bytes as the anchor, is not taken for it either.
      const landed = serveNginxIndexed(all, at)[0]!.ts;
      assert.deepEqual(r.asked, landed > at ? [at - 1] : [], `cut at ${cut}`);
      got.push(...r.got);
      assert.deepEqual(got.map(row), all.map(row), `cut at ${cut}`);
    }
  });

  it('a second landing past the anchor ends the replay with the gap; nothing after the hole is delivered', () => {
    const all = stream();
    const f = new ReplayFilter();
    for (const m of all.slice(0, 50)) assert.ok(f.admitMessage(m.type, m.ts, m.payload));
    const anchorTs = all.slice(0, 50).filter(isKey).at(-1)!.ts;
    assert.equal(f.resumeAt, anchorTs);
    const lastTs = all[49]!.ts;
    const next = all.find((m) => isKey(m) && m.ts > anchorTs)!;
    assert.ok(next.ts > lastTs);
    const r = replayAgainst(f, serveNginxIndexed(all, anchorTs), () => serveNginxIndexed(all, anchorTs));
    assert.deepEqual(r.asked, [anchorTs - 1]);
    assert.deepEqual(r.got, [], 'nothing after the hole is delivered');
    assert.deepEqual(f.gap, { anchorTs, lastTs, resumedAt: next.ts });
    assert.equal(f.takeReask(), undefined, 'one re-ask only');
    assert.equal(f.admitData(next.ts + 10), undefined);
  });

  it('a re-ask the server refuses (Seek.Failed) or never answers ends the replay with the first gap', () => {
    const all = stream();
    const f = new ReplayFilter();
    for (const m of all.slice(0, 50)) f.admitMessage(m.type, m.ts, m.payload);
    const anchorTs = f.resumeAt!;
    f.replay();
    const next = all.find((m) => isKey(m) && m.ts > anchorTs)!;
    assert.equal(f.admitMessage(next.type, next.ts, next.payload), undefined);
    assert.equal(f.takeReask(), anchorTs - 1);
    assert.ok(f.replaying);
    assert.deepEqual(f.unmatched, { anchorTs, lastTs: all[49]!.ts }, 'a stream that ends now is cut');
    f.seeked(false);
    assert.deepEqual(f.gap, { anchorTs, lastTs: all[49]!.ts, resumedAt: next.ts });
  });

  it('a seek that is not a re-ask changes nothing', () => {
    const all = stream();
    const f = new ReplayFilter();
    for (const m of all.slice(0, 50)) f.admitMessage(m.type, m.ts, m.payload);
    f.seeked(true);
    f.replay();
    f.seeked(false);
    assert.equal(f.gap, undefined);
    for (const m of serve(all, f.resumeAt!, true)) f.admitMessage(m.type, m.ts, m.payload);
    assert.equal(f.gap, undefined);
    assert.equal(f.unmatched, undefined);
  });

  it('a server that resumes at or before the anchor reports no gap and is not asked again, whichever way it stamps', () => {
    for (const rebase of [false, true]) {
      const all = stream();
      const f = new ReplayFilter();
      for (const m of all.slice(0, 50)) f.admitMessage(m.type, m.ts, m.payload);
      const at = f.resumeAt!;
      f.replay();
      for (const m of serve(all, at, rebase)) {
        f.admitMessage(m.type, m.ts, m.payload);
        assert.equal(f.takeReask(), undefined);
      }
      assert.equal(f.gap, undefined, rebase ? 'rebased' : 'file timestamps');
    }
  });
});

it('fingerprint: every byte of the first and last 32 counts (all of a shorter payload), the middle does not', () => {
  for (const n of [0, 1, 3, 31, 63, 64, 65, 67, 100, 4099]) {
    const base = Buffer.alloc(n);
    for (let i = 0; i < n; i++) base[i] = (i * 151 + 7) & 0xff;
    const h = fingerprint(base);
    assert.equal(fingerprint(Buffer.from(base)), h, `n=${n}: the same bytes, the same hash`);
    for (let i = 0; i < n; i++) {
      const changed = Buffer.from(base);
      changed[i]! ^= 0x5a;
      const edge = n < 64 || i < 32 || i >= n - 32;
      if (edge) assert.notEqual(fingerprint(changed), h, `n=${n}: byte ${i} counts`);
      else assert.equal(fingerprint(changed), h, `n=${n}: byte ${i} is not read`);
    }
  }
});
