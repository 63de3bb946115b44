/**
 * BufferLead, the buffer-length controller of `rtmpkit dump` (src/client/buffer-lead.ts):
 * its arithmetic, and a millisecond-step model of nginx-rtmp's recorded-file sender
 * driven by it. The model follows ngx_rtmp_flv_send / ngx_rtmp_send_message: send the
 * next message (into the socket path while it has room, else into the queue; with 255
 * queued the message is discarded and the sender waits until the queue is empty), then
 * sleep when that message's timestamp is past (time since the first message) + start +
 * buffer length + 1 s, for the difference, without looking at the buffer length again
 * until it wakes. The client drains the socket path at a given rate and announces what
 * BufferLead says after every batch it consumes; an announcement reaches the server a
 * millisecond later. Everything runs on the model's clock: deterministic, no sockets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferLead, type BufferLeadOptions, SERVER_BUFFER_ADDON_MS } from '../../src/session/buffer-lead.js';

describe('BufferLead arithmetic', () => {
  it('announces nothing until 32 messages past the origin, then media + lead − elapsed − 1 s', () => {
    const lead = new BufferLead({ messages: 100, bytes: 0 });
    assert.equal(lead.restart(1000), 0);
    assert.equal(lead.consumed(1000, 0, 1, 500), undefined, 'the origin');
    // 10 ms and 500 bytes per message; consumed 20× faster than real time.
    assert.equal(lead.consumed(1000 + 15, 300, 31, 15_500), undefined);
    const ms = lead.consumed(1000 + 20, 400, 41, 20_500);
    // lead = 100 messages × 10 ms = 1000 ms, capped by media + 1000 = 1400: 1000.
    assert.equal(ms, 400 + 1000 - 20 - SERVER_BUFFER_ADDON_MS);
  });

  it('adds the messages the bytes hold at the average size seen', () => {
    const lead = new BufferLead({ messages: 100, bytes: 1_000_000 });
    lead.restart(0);
    lead.consumed(0, 0, 0, 0);
    // 10 ms and 1000 bytes per message: 100 + 1000 messages = 11 s; the bytes' 10 s are
    // held to the media received + 1 s at first.
    assert.equal(lead.consumed(100, 4000, 400, 400_000), 4000 + (1000 + 4000 + 1000) - 100 - 1000);
    assert.equal(lead.consumed(200, 20_000, 2000, 2_000_000), 20_000 + 11_000 - 200 - 1000);
  });

  it('never announces less than before, and stays quiet while the change is under an eighth of the lead', () => {
    const lead = new BufferLead({ messages: 100, bytes: 0 });
    lead.restart(0);
    lead.consumed(0, 0, 0, 0);
    const first = lead.consumed(50, 1000, 100, 100_000);
    assert.equal(first, 1000 + 1000 - 50 - 1000);
    // Slower than real time now: the wanted length falls; nothing is announced.
    assert.equal(lead.consumed(5000, 2000, 200, 200_000), undefined);
    // 10 ms per message still: wanted 6050 + 1000 − 5000 − 1000 = 1050, 100 ms above the
    // last against a 1000 ms lead: under an eighth.
    assert.equal(lead.consumed(5000, 6050, 605, 605_000), undefined);
  });

  it('a restart takes the first media consumed after it as the origin (the server starts its clock at the first message it sends)', () => {
    const lead = new BufferLead({ messages: 100, bytes: 0 });
    lead.restart(0);
    lead.consumed(0, 0, 0, 0);
    assert.ok((lead.consumed(10, 60_000, 6000, 1) ?? 0) > 60_000 - 1000);
    assert.equal(lead.restart(20_000), 0);
    assert.equal(lead.consumed(20_010, 50_000, 6100, 2), undefined); // the origin
    assert.equal(lead.consumed(20_020, 50_500, 6150, 3), 500 + 1000 - 20 - 1000);
  });

  it('caps at the largest length asked for', () => {
    const lead = new BufferLead({ messages: 100, bytes: 0, maxMs: 5000 });
    lead.restart(0);
    lead.consumed(0, 0, 0, 0);
    assert.equal(lead.consumed(1, 100_000, 10_000, 1), 5000);
  });
});

/** What one run of the model gave. */
interface ModelRun {
  /** Messages the server discarded. */
  dropped: number;
  /** Model time when the client had consumed the last message, ms. */
  doneMs: number;
}

/** The media: 30 fps video (4,000 bytes, every 30th 40,000) and 43 audio messages a second (300 bytes), 300 s. */
function media(): { ts: number[]; size: number[] } {
  const ts: number[] = [];
  const size: number[] = [];
  let v = 0;
  let a = 0;
  for (;;) {
    const tv = Math.round((v * 1000) / 30);
    const ta = Math.round((a * 1024 * 1000) / 44_100);
    if (Math.min(tv, ta) > 300_000) break;
    if (tv <= ta) {
      ts.push(tv);
      size.push(v % 30 === 0 ? 40_000 : 4000);
      v++;
    } else {
      ts.push(ta);
      size.push(300);
      a++;
    }
  }
  return { ts, size };
}

const MEDIA = media();
/** The media's bytes per ms. */
const MEDIA_RATE = MEDIA.size.reduce((a, b) => a + b, 0) / MEDIA.ts[MEDIA.ts.length - 1]!;
const QUEUE = 256;

/**
 * nginx-rtmp sending MEDIA to a client that drains `rate` bytes per ms through a socket
 * path holding `path` bytes, consuming in batches of `batch` messages. `delay`: one way,
 * ms — a message reaches the client, and an announcement the server, that much later; the
 * path then also holds a round trip at `rate` (TCP keeps what it sent unacknowledged, so
 * carrying `rate` over a round trip needs that much room), and the lead is told the round
 * trip. `lead` undefined: the client announces a fixed `buffer` (rtmpdump's 10 hours).
 */
function runModel(o: {
  rate: number;
  path: number;
  batch: number;
  delay?: number;
  lead?: BufferLeadOptions;
  buffer?: number;
}): ModelRun {
  const { ts, size } = MEDIA;
  const n = ts.length;
  const delay = o.delay ?? 0;
  const capacity = o.path + o.rate * 2 * delay;
  const controller = o.lead ? new BufferLead({ rttMs: 2 * delay, ...o.lead }) : undefined;
  const readyAt = new Array<number>(n).fill(0);
  let buflen = controller ? controller.restart(0) : (o.buffer ?? 0);
  let pending: { at: number; ms: number }[] = [];
  let next = 0; // the server's next message
  let wake = 0; // the server sleeps until then
  let waitDry = false;
  const inPath: number[] = []; // indexes in the socket path, FIFO
  let pathBytes = 0;
  const queue: number[] = [];
  let dropped = 0;
  let consumed = 0; // messages the client consumed (delivered ones)
  let consumedBytes = 0;
  let sinceAnnounce = 0;
  let lastTs = 0;
  let credit = 0;
  /** The socket path takes queued messages as room frees. */
  const refill = (now: number): void => {
    while (queue.length > 0 && pathBytes + size[queue[0]!]! <= Math.max(capacity, size[queue[0]!]!)) {
      const i = queue.shift()!;
      inPath.push(i);
      pathBytes += size[i]!;
      readyAt[i] = now + delay;
    }
  };
  for (let now = 0; now < 3_600_000; now++) {
    // Announcements arriving.
    pending = pending.filter((p) => {
      if (p.at > now) return true;
      buflen = p.ms;
      return false;
    });
    if (waitDry && queue.length === 0) waitDry = false;
    // The server.
    while (!waitDry && now >= wake && next < n) {
      const i = next++;
      if (queue.length === 0 && pathBytes + size[i]! <= Math.max(capacity, pathBytes === 0 ? size[i]! : 0)) {
        inPath.push(i);
        pathBytes += size[i]!;
        readyAt[i] = now + delay;
      } else if (queue.length + 1 >= QUEUE) {
        dropped++;
        waitDry = true;
        break;
      } else {
        queue.push(i);
      }
      const end = now + buflen + SERVER_BUFFER_ADDON_MS;
      if (ts[i]! > end) wake = now + (ts[i]! - end);
    }
    // The client drains the path.
    credit += o.rate;
    while (inPath.length > 0 && readyAt[inPath[0]!]! <= now && credit >= size[inPath[0]!]!) {
      const i = inPath.shift()!;
      credit -= size[i]!;
      pathBytes -= size[i]!;
      refill(now);
      consumed++;
      consumedBytes += size[i]!;
      lastTs = ts[i]!;
      // The first message sets the origin; then one look per batch.
      if ((consumed === 1 || ++sinceAnnounce >= o.batch) && controller) {
        sinceAnnounce = 0;
        const ms = controller.consumed(now, lastTs, consumed, consumedBytes);
        if (ms !== undefined) pending.push({ at: now + Math.max(1, delay), ms });
      }
    }
    // No saving up while idle.
    if (inPath.length === 0 || readyAt[inPath[0]!]! > now) credit = Math.min(credit, o.rate);
    if (next >= n && inPath.length === 0 && queue.length === 0) return { dropped, doneMs: now };
  }
  throw new Error('the model did not finish in an hour of model time');
}

describe('BufferLead against a model of nginx-rtmp (out_queue 256)', () => {
  const MEDIA_MS = 300_000;

  it('the model loses messages with a 10-hour buffer whenever the client is slower than the server', () => {
    for (const rate of [500, 5000, 50_000]) {
      const r = runModel({ rate, path: 256 * 1024, batch: 64, buffer: 36_000_000 });
      assert.ok(r.dropped > 0, `rate ${rate} B/ms: ${r.dropped} dropped`);
    }
  });

  it('with the messages alone: no loss for any socket path, and the download stays well ahead of real time', (t) => {
    for (const path of [0, 64 * 1024, 1 << 20, 8 << 20]) {
      for (const rate of [500, 5000, 50_000, 500_000]) {
        const r = runModel({ rate, path, batch: 64, lead: { messages: 128, bytes: 0 } });
        assert.equal(r.dropped, 0, `path ${path} B, rate ${rate} B/ms`);
        // The client's own limit is `rate` over the media's rate; the lead keeps at least
        // 80 % of it, up to 100× real time.
        const speed = MEDIA_MS / r.doneMs;
        const floor = Math.min(100, (0.8 * rate) / MEDIA_RATE);
        t.diagnostic(
          `path ${path} B, rate ${rate} B/ms: ${speed.toFixed(1)}× real time (the client's limit ${(rate / MEDIA_RATE).toFixed(1)}×)`,
        );
        assert.ok(speed > floor, `path ${path}, rate ${rate}: ${speed.toFixed(1)}× real time`);
      }
    }
  });

  it('with the bytes term: no loss while the socket path holds at least those bytes', () => {
    for (const path of [2 << 20, 6 << 20]) {
      for (const rate of [500, 50_000, 500_000]) {
        const r = runModel({ rate, path, batch: 256, lead: { messages: 128, bytes: 2 << 20 } });
        assert.equal(r.dropped, 0, `path ${path} B, rate ${rate} B/ms`);
      }
    }
  });

  it('the same bytes through a smaller path would overflow the queue: why the bytes term is for this host only', () => {
    const r = runModel({
      rate: 50_000,
      path: 64 * 1024,
      batch: 256,
      lead: { messages: 128, bytes: 2 << 20 },
    });
    assert.ok(r.dropped > 0, `${r.dropped} dropped`);
  });
});

describe('BufferLead over a remote path (the in-flight part)', () => {
  const MEDIA_MS = 300_000;

  it('the messages alone cap the download at about lead ÷ round trip; the in-flight part lifts the cap, losing nothing', (t) => {
    for (const delay of [2, 10, 25, 50, 100]) {
      for (const path of [0, 64 * 1024, 1 << 20, 4 << 20]) {
        const rate = 50_000; // 50 MB/s: ~300× this media's rate
        const lead = { messages: 128, bytes: 0 };
        const without = runModel({ rate, path, batch: 16, delay, lead: { ...lead, rttMs: 0 } });
        const within = runModel({ rate, path, batch: 16, delay, lead });
        const [a, b] = [MEDIA_MS / without.doneMs, MEDIA_MS / within.doneMs];
        t.diagnostic(
          `delay ${delay} ms, path ${path} B: ${a.toFixed(0)}× real time without, ${b.toFixed(0)}× with`,
        );
        assert.equal(within.dropped, 0, `delay ${delay}, path ${path}`);
        assert.equal(without.dropped, 0, `delay ${delay}, path ${path}`);
        // Without it the speed falls with the round trip (lead ÷ round trip); with it the
        // download keeps most of nginx's own pace (~190× here with no delay at all).
        assert.ok(b >= a, `delay ${delay}, path ${path}: ${b.toFixed(0)}× vs ${a.toFixed(0)}×`);
        if (delay >= 10)
          assert.ok(b > 2.5 * a, `delay ${delay}, path ${path}: ${b.toFixed(0)}× vs ${a.toFixed(0)}×`);
      }
    }
  });

  it('a slow reader far away (3× real time) loses nothing either', () => {
    for (const delay of [10, 50]) {
      const r = runModel({ rate: 500, path: 64 * 1024, batch: 16, delay, lead: { messages: 128, bytes: 0 } });
      assert.equal(r.dropped, 0, `delay ${delay}`);
    }
  });
});
