/**
 * The NetStream rules of `ClientSession`, with bytes and a clock, no sockets: start
 * detection, seek (media dropped until Seek.Notify), librtmp's BUFX pause/unpause on
 * BufferEmpty and the re-sent media it drops, python-librtmp's update_buffer hack, the
 * ends (Play.Complete, onFCUnsubscribe, error statuses, cuts), routing of NetStream
 * messages sent on msid 0, and a truncated aggregate reported the same way by both
 * sessions. Every verdict rides on the one event of its message.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AMFObject } from '../../src/amf/types.js';
import { buildAggregate } from '../../src/message/aggregate.js';
import { command, dataMessage, userControl } from '../../src/message/builders.js';
import { encodeMessage } from '../../src/message/codec.js';
import type { Message } from '../../src/message/types.js';
import type { SessionEvent } from '../../src/session/client-events.js';
import type { PlayOptions } from '../../src/session/client-session.js';
import { ServerSession } from '../../src/session/server-session.js';
import {
  bytewise,
  Harness,
  media,
  only,
  SPLITS,
  type Splitter,
  transcript,
  whole,
} from '../helpers/session-harness.js';

/** A connected session with stream 1 created and `play` sent. */
function playing(options: PlayOptions = {}, split: Splitter = whole): Harness {
  const h = new Harness(split);
  h.connect();
  h.createStream(1);
  h.client.play(1, 'clip', options);
  h.pump();
  h.events();
  return h;
}

function status(code: string, streamId = 1, level = 'status'): Message {
  return { ...command('onStatus', 0, null, new AMFObject({ level, code })), streamId };
}

function video(ts: number): ReturnType<typeof media> {
  return media(9, 1, ts, Buffer.from([0x27, 1, 0, 0, 0, ts & 0xff]));
}

/** What the client sent since `from`: [name, msid, args] of commands, SetBufferLength as ['buffer', id, ms]. */
function sent(h: Harness, from: number): unknown[] {
  return h.server.inbox.slice(from).flatMap((m) => {
    if (m.kind === 'command') return [[m.name, m.streamId, m.args]];
    if (m.kind === 'userControl' && m.data.event === 'setBufferLength') {
      return [['buffer', m.data.streamId, m.data.bufferLength]];
    }
    return [];
  });
}

/** Media events as [timestamp, dropped reason or 'ok']. */
function mediaVerdicts(ev: SessionEvent[]): [number, string][] {
  return only(ev, 'media').map((e) => [e.timestamp, e.dropped ?? 'ok']);
}

/** Every phase change on the events, as `from>to:cause`. */
function changes(ev: SessionEvent[]): string[] {
  return ev.flatMap((e) =>
    'changes' in e && e.changes ? e.changes.map((c) => `${c.from}>${c.to}:${c.cause}`) : [],
  );
}

describe('NetStream start', () => {
  it('NetStream.Play.Start starts a player; its media is delivered', () => {
    const h = playing();
    h.server.send(status('NetStream.Play.Start'));
    h.server.sendRaw(video(0));
    h.pump();
    const ev = h.events();
    assert.deepEqual(changes(ev), ['starting>play:NetStream.Play.Start']);
    assert.deepEqual(mediaVerdicts(ev), [[0, 'ok']]);
    assert.equal(h.client.netStream(1)?.state.phase, 'play');
  });

  it('the first media starts a player whose server sends no Play.Start; PublishNotify does too', () => {
    const h = playing();
    h.server.sendRaw(video(40));
    h.pump();
    const [m] = only(h.events(), 'media');
    assert.deepEqual(
      m?.changes?.map((c) => [c.from, c.to, c.cause]),
      [['starting', 'play', 'media']],
    );
    const h2 = playing();
    h2.server.send(status('NetStream.Play.PublishNotify'));
    h2.pump();
    assert.deepEqual(changes(h2.events()), ['starting>play:NetStream.Play.PublishNotify']);
  });

  it('NetStream.Publish.Start starts a publisher; media sent to a publisher is dropped', () => {
    const h = new Harness(whole);
    h.connect();
    h.createStream(1);
    h.client.publish(1, 'key');
    h.pump();
    h.events();
    h.server.send(status('NetStream.Publish.Start'));
    h.server.sendRaw(video(0));
    h.pump();
    const ev = h.events();
    assert.deepEqual(changes(ev), ['starting>publish:NetStream.Publish.Start']);
    assert.deepEqual(mediaVerdicts(ev), [[0, 'publishing']]);
  });
});

describe('NetStream seek', () => {
  it('drops media until Seek.Notify, then delivers again', () => {
    const h = playing();
    h.server.send(status('NetStream.Play.Start'));
    h.server.sendRaw(video(0));
    h.pump();
    h.events();
    const from = h.server.inbox.length;
    h.client.seek(1, 30_000);
    h.server.sendRaw(video(40)); // still the old position
    h.server.send(status('NetStream.Seek.Notify'));
    h.server.sendRaw(video(30_000));
    h.pump();
    const ev = h.events();
    assert.deepEqual(sent(h, from), [['seek', 1, [30_000]]]);
    assert.deepEqual(mediaVerdicts(ev), [
      [40, 'seeking'],
      [30_000, 'ok'],
    ]);
    assert.deepEqual(changes(ev), ['seeking>play:NetStream.Seek.Notify']);
  });

  it('an end of stream that arrives before Seek.Notify is the old position’s: the seek restarts play (nginx-rtmp sends a file’s end as fast as the socket drains)', () => {
    for (const code of ['NetStream.Play.Complete', 'NetStream.Play.Stop']) {
      const h = playing();
      h.server.send(status('NetStream.Play.Start'));
      h.server.sendRaw(video(0));
      h.pump();
      h.events();
      h.client.seek(1, 999);
      h.server.sendRaw(video(9_960)); // the old position, to the end of the file
      h.server.send(status(code));
      h.server.send(status('NetStream.Seek.Notify'));
      h.server.sendRaw(video(1_000));
      h.server.send(status(code)); // the new position's end
      h.pump();
      const ev = h.events();
      assert.deepEqual(
        mediaVerdicts(ev),
        [
          [9_960, 'seeking'],
          [1_000, 'ok'],
        ],
        code,
      );
      assert.deepEqual(
        changes(ev),
        ['seeking>play:NetStream.Seek.Notify', `play>ended-complete:${code}`],
        code,
      );
    }
  });

  it('a seek after the end of a recorded stream (Play.Complete, Play.Stop) plays it again; after a live end or a failure it changes nothing', () => {
    for (const code of ['NetStream.Play.Complete', 'NetStream.Play.Stop']) {
      const h = playing();
      h.server.send(status('NetStream.Play.Start'));
      h.server.sendRaw(video(0));
      h.server.send(status(code));
      h.pump();
      assert.deepEqual(changes(h.events()), [
        'starting>play:NetStream.Play.Start',
        `play>ended-complete:${code}`,
      ]);
      const from = h.server.inbox.length;
      h.client.seek(1, 500);
      h.pump();
      assert.deepEqual(sent(h, from), [['seek', 1, [500]]], code);
      assert.equal(h.client.netStream(1)?.state.phase, 'seeking', code);
      h.server.send(status('NetStream.Seek.Notify'));
      h.server.sendRaw(video(500));
      h.server.send(status(code));
      h.pump();
      const ev = h.events();
      assert.deepEqual(mediaVerdicts(ev), [[500, 'ok']], code);
      assert.deepEqual(
        changes(ev),
        ['seeking>play:NetStream.Seek.Notify', `play>ended-complete:${code}`],
        code,
      );
    }
    const ends: [string, Message][] = [
      ['UnpublishNotify', status('NetStream.Play.UnpublishNotify')],
      [
        'onFCUnsubscribe',
        command('onFCUnsubscribe', 0, null, new AMFObject({ code: 'NetStream.Play.Stop' })),
      ],
      ['an error status', status('NetStream.Play.StreamNotFound', 1, 'error')],
    ];
    for (const [what, end] of ends) {
      const h = playing();
      h.server.send(status('NetStream.Play.Start'));
      h.server.send(end);
      h.pump();
      h.events();
      const phase = h.client.netStream(1)?.state.phase;
      assert.ok(phase === 'ended-complete' || phase === 'failed', `${what}: ${phase}`);
      h.client.seek(1, 500);
      h.server.send(status('NetStream.Seek.Notify'));
      h.server.sendRaw(video(500));
      h.pump();
      const ev = h.events();
      assert.equal(h.client.netStream(1)?.state.phase, phase, what);
      assert.deepEqual(mediaVerdicts(ev), [[500, 'ended']], what);
      assert.deepEqual(changes(ev), [], what);
    }
  });

  it('Seek.Failed and Seek.InvalidTime fail the seek (ERR_RTMP_SEEK_FAILED) and return to playing', () => {
    for (const code of ['NetStream.Seek.Failed', 'NetStream.Seek.InvalidTime']) {
      const h = playing();
      h.server.send(status('NetStream.Play.Start'));
      h.pump();
      h.client.seek(1, 99_000);
      h.server.send(status(code, 1, 'error'));
      h.server.sendRaw(video(80));
      h.pump();
      const ev = h.events();
      const change = only(ev, 'status').at(-1)?.changes?.[0];
      assert.equal(change?.from, 'seeking', code);
      assert.equal(change?.to, 'play', code);
      assert.equal(change?.error?.code, 'ERR_RTMP_SEEK_FAILED', code);
      assert.deepEqual(mediaVerdicts(ev), [[80, 'ok']], code);
    }
  });
});

describe('NetStream BUFX (librtmp RTMP_LF_BUFX)', () => {
  /** Recorded playback with BUFX: media to 1000 ms, BufferEmpty, StreamEOF, BufferEmpty, re-sent media. */
  function bufxScenario(
    split: Splitter,
    options: PlayOptions = { bufx: true },
  ): { h: Harness; from: number; ev: SessionEvent[] } {
    const h = playing(options, split);
    const s = h.server;
    s.send(userControl({ event: 'streamIsRecorded', streamId: 1 }));
    s.send(status('NetStream.Play.Start'));
    for (let ts = 0; ts <= 1000; ts += 250) s.sendRaw(video(ts));
    h.pump();
    const from = h.server.inbox.length;
    s.send(userControl({ event: 'bufferEmpty', streamId: 1 }));
    s.send(userControl({ event: 'streamEOF', streamId: 1 }));
    s.send(userControl({ event: 'bufferEmpty', streamId: 1 }));
    // After the unpause the server sends again from the pause point.
    for (const ts of [750, 1000, 1250, 1500]) s.sendRaw(video(ts));
    h.pump();
    return { h, from, ev: h.events() };
  }

  it('BufferEmpty → pause(true, last ts); StreamEOF + BufferEmpty → pause(false); re-sent media dropped', () => {
    const { h, from, ev } = bufxScenario(whole);
    assert.deepEqual(sent(h, from), [
      ['pause', 1, [true, 1000]],
      ['pause', 1, [false, 1000]],
    ]);
    assert.deepEqual(mediaVerdicts(ev).slice(-4), [
      [750, 'resent'],
      [1000, 'resent'],
      [1250, 'ok'],
      [1500, 'ok'],
    ]);
    assert.deepEqual(h.client.netStream(1)?.state, { phase: 'play', bufx: 'idle' });
    assert.equal(h.client.netStream(1)?.lastMediaTimestamp, 1500);
  });

  it('gives the same events and commands for every split of the server bytes', () => {
    const base = bufxScenario(whole);
    for (const split of [bytewise, SPLITS[2]![1]]) {
      const other = bufxScenario(split);
      assert.equal(transcript(other.ev), transcript(base.ev));
      assert.deepEqual(sent(other.h, other.from), sent(base.h, base.from));
    }
  });

  it('NetStream.Pause.Notify also unpauses', () => {
    const h = playing({ bufx: true });
    h.server.send(status('NetStream.Play.Start'));
    h.server.sendRaw(video(500));
    h.pump();
    const from = h.server.inbox.length;
    h.server.send(userControl({ event: 'bufferEmpty', streamId: 1 }));
    h.server.send(status('NetStream.Pause.Notify'));
    h.pump();
    assert.deepEqual(sent(h, from), [
      ['pause', 1, [true, 500]],
      ['pause', 1, [false, 500]],
    ]);
  });

  it('no BUFX for live streams, without the option (rtmpdump --realtime), or while the user paused', () => {
    for (const options of [{ bufx: true, live: true }, {}]) {
      const { h, from } = bufxScenario(whole, options);
      assert.deepEqual(sent(h, from), [], JSON.stringify(options));
    }
    const h = playing({ bufx: true });
    h.server.send(status('NetStream.Play.Start'));
    h.server.sendRaw(video(100));
    h.pump();
    h.client.pause(1, true);
    const from = h.server.inbox.length;
    h.server.send(userControl({ event: 'bufferEmpty', streamId: 1 }));
    h.pump();
    // Only the user's pause (at the last media timestamp); BufferEmpty sends nothing while paused.
    assert.deepEqual(sent(h, from), [['pause', 1, [true, 100]]]);
  });
});

describe('NetStream buffer hack (python-librtmp update_buffer)', () => {
  function meta(duration: number): Message {
    return { ...dataMessage('onMetaData', new AMFObject({ duration, width: 640 })), streamId: 1 };
  }

  it('once the duration is known: SetBufferLength(duration + 5 s), once', () => {
    const h = playing({ updateBuffer: true });
    const from = h.server.inbox.length;
    h.server.send(status('NetStream.Play.Start'));
    h.server.send(meta(12.5));
    h.server.send(meta(12.5));
    h.pump();
    assert.deepEqual(sent(h, from), [['buffer', 1, 17_500]]);
    assert.equal(h.client.netStream(1)?.duration, 12.5);
  });

  it('not without the option, not for a duration of 0; an onMetaData record of an aggregate counts', () => {
    const off = playing();
    const from = off.server.inbox.length;
    off.server.send(meta(12.5));
    off.pump();
    assert.deepEqual(sent(off, from), []);
    const zero = playing({ updateBuffer: true });
    const from0 = zero.server.inbox.length;
    zero.server.send(meta(0));
    zero.pump();
    assert.deepEqual(sent(zero, from0), []);
    const agg = playing({ updateBuffer: true });
    const fromA = agg.server.inbox.length;
    const metaBody = encodeMessage(dataMessage('onMetaData', new AMFObject({ duration: 3 }))).payload;
    agg.server.sendRaw(
      buildAggregate(
        [
          { type: 18, timestamp: 0, payload: metaBody },
          { type: 9, timestamp: 0, payload: Buffer.from([0x17, 0, 0, 0, 0, 1]) },
        ],
        { streamId: 1 },
      ),
    );
    agg.pump();
    assert.deepEqual(sent(agg, fromA), [['buffer', 1, 8000]]);
    assert.equal(agg.client.netStream(1)?.duration, 3);
  });
});

describe('NetStream buffer lead (a recorded stream paced by nginx-rtmp)', () => {
  /** Feeds `n` video messages 40 ms apart from `from` ms, 1000 bytes each, the clock at `speed`× real time. */
  function feed(h: Harness, from: number, n: number, speed: number, t0: number): void {
    for (let i = 0; i < n; i++) {
      const ts = from + i * 40;
      h.now = t0 + (ts - from) / speed;
      h.server.sendRaw(media(9, 1, ts, Buffer.alloc(1000, 0x27)));
      h.pump();
    }
  }

  /** The SetBufferLength values sent for stream 1 since `from`. */
  const buffers = (h: Harness, from: number) =>
    sent(h, from).flatMap((x) => ((x as unknown[])[0] === 'buffer' ? [(x as number[])[2]!] : []));

  it('raises the buffer length as media arrives: after 32 messages, by at least an eighth of the lead, never lower', () => {
    const h = playing({ lead: { messages: 10, bytes: 0 }, start: 0 });
    const from = h.server.inbox.length;
    h.server.send(status('NetStream.Play.Start'));
    feed(h, 0, 31, 10, 0);
    assert.deepEqual(buffers(h, from), [], 'nothing before 32 messages');
    feed(h, 31 * 40, 200, 10, (31 * 40) / 10);
    const got = buffers(h, from);
    assert.ok(got.length >= 10, `raised as media came: ${got.join(', ')}`);
    for (let i = 1; i < got.length; i++)
      assert.ok(got[i]! - got[i - 1]! >= 50, `steps of ≥ 400/8 ms: ${got.join(', ')}`);
    // The lead is 10 messages × 40 ms: media received + 400 − time since play − 1000.
    const last = got.at(-1)!;
    const media230 = 230 * 40;
    assert.ok(last <= media230 + 400 - media230 / 10 - 1000, `at most the lead ahead: ${last}`);
    assert.ok(last >= media230 + 400 - media230 / 10 - 1000 - 50 - 40, `close to it: ${last}`);
    // Slower than real time now: the wanted length falls; nothing lower is sent.
    const before = h.server.inbox.length;
    feed(h, 231 * 40, 20, 0.5, 100_000);
    assert.deepEqual(buffers(h, before), []);
  });

  it('the session measures the round trip — the handshake, then any shorter answer — and the lead adds one round trip of media', (t) => {
    const run = (handshakeMs: number, commandMs: number): { rtt: number | undefined; last: number } => {
      const h = new Harness(whole);
      h.roundTrip = handshakeMs;
      assert.equal(h.client.rttMs, undefined);
      h.connect(); // C0+C1 at 0, S0+S1 at handshakeMs; connect, deferred to the handshake, answered later
      h.roundTrip = commandMs;
      h.client.advance(h.now); // as the shell does before each command (client/rtmp.ts)
      h.createStream(1);
      h.roundTrip = 0;
      h.client.play(1, 'clip', { lead: { messages: 10, bytes: 0 } });
      h.pump();
      const from = h.server.inbox.length;
      h.server.send(status('NetStream.Play.Start'));
      const t0 = h.now;
      feed(h, 0, 200, 10, t0); // 10× real time: 100 ms of media per 10 ms
      return { rtt: h.client.rttMs, last: buffers(h, from).at(-1)! };
    };
    const near = run(0, 0);
    const far = run(30, 10);
    assert.equal(near.rtt, 0);
    assert.equal(far.rtt, 10, 'the createStream answer (10 ms) beat the handshake (30 ms)');
    assert.equal(run(30, 50).rtt, 30, 'a slower answer does not raise it');
    // One round trip at 10× real time is 100 ms of media more lead (within an announcement
    // step of the lead's eighth, ~60 ms, and a message, 40 ms).
    const extra = far.last - near.last;
    t.diagnostic(`last buffer length: ${near.last} ms near, ${far.last} ms 10 ms away`);
    assert.ok(
      extra >= 100 - 60 - 40 && extra <= 100 + 40,
      `in flight: ${extra} ms (${near.last} → ${far.last})`,
    );
  });

  it('a seek sends SetBufferLength(0) before the seek and starts the lead again from its position', () => {
    const h = playing({ lead: { messages: 10, bytes: 0 } });
    h.server.send(status('NetStream.Play.Start'));
    feed(h, 0, 100, 10, 0);
    const from = h.server.inbox.length;
    h.now = 1000;
    h.client.seek(1, 60_000);
    h.pump();
    assert.deepEqual(sent(h, from), [
      ['buffer', 1, 0],
      ['seek', 1, [60_000]],
    ]);
    h.server.send(status('NetStream.Seek.Notify'));
    feed(h, 60_000, 60, 10, 1000);
    const got = buffers(h, from).slice(1);
    assert.ok(
      got.length > 0 && got[0]! < 2000,
      `the lead counts from the seek's position: ${got.join(', ')}`,
    );
  });

  it('an unpause sends SetBufferLength(0) before pause(false); a live stream and a publisher have no lead; it turns the update_buffer hack off', () => {
    const h = playing({ lead: { messages: 10, bytes: 0 } });
    h.server.send(status('NetStream.Play.Start'));
    feed(h, 0, 50, 10, 0);
    h.client.pause(1, true);
    h.pump();
    const from = h.server.inbox.length;
    h.client.pause(1, false);
    h.pump();
    assert.deepEqual(sent(h, from), [
      ['buffer', 1, 0],
      ['pause', 1, [false, 49 * 40]],
    ]);

    const live = playing({ lead: { messages: 10, bytes: 0 }, live: true });
    const fromLive = live.server.inbox.length;
    feed(live, 0, 100, 10, 0);
    assert.deepEqual(buffers(live, fromLive), []);

    const hack = playing({ lead: { messages: 10, bytes: 0 }, updateBuffer: true });
    const fromHack = hack.server.inbox.length;
    hack.server.send({ ...dataMessage('onMetaData', new AMFObject({ duration: 12.5 })), streamId: 1 });
    hack.pump();
    assert.deepEqual(buffers(hack, fromHack), []);
  });
});

describe('NetStream end', () => {
  it('Play.Complete ends the stream (complete); later media and data are not delivered', () => {
    const h = playing();
    h.server.send(status('NetStream.Play.Start'));
    h.server.send({
      ...dataMessage('onPlayStatus', new AMFObject({ level: 'status', code: 'NetStream.Play.Complete' })),
      streamId: 1,
    });
    h.server.sendRaw(video(9000));
    h.server.send({ ...dataMessage('onCuePoint', new AMFObject({ name: 'late' })), streamId: 1 });
    h.pump();
    const ev = h.events();
    assert.deepEqual(changes(ev), [
      'starting>play:NetStream.Play.Start',
      'play>ended-complete:NetStream.Play.Complete',
    ]);
    assert.deepEqual(mediaVerdicts(ev), [[9000, 'ended']]);
    assert.equal(only(ev, 'data')[0]?.dropped, 'ended');
  });

  it('onFCUnsubscribe ends players (librtmp closes the stream there), without a made-up status', () => {
    const h = playing({ live: true });
    h.server.send(status('NetStream.Play.Start'));
    h.server.send(command('onFCUnsubscribe', 0, null, new AMFObject({ code: 'NetStream.Play.Stop' })));
    h.pump();
    const ev = h.events();
    assert.deepEqual(
      ev.map((e) => e.kind),
      ['status', 'invoke'],
    );
    assert.deepEqual(changes(ev), [
      'starting>play:NetStream.Play.Start',
      'play>ended-complete:onFCUnsubscribe',
    ]);
  });

  it('an error status fails the stream with the server info (ERR_RTMP_PLAY_FAILED)', () => {
    const h = playing();
    h.server.send(status('NetStream.Play.StreamNotFound', 1, 'error'));
    h.pump();
    const [st] = only(h.events(), 'status');
    const change = st?.changes?.[0];
    assert.equal(change?.to, 'failed');
    assert.equal(change?.error?.code, 'ERR_RTMP_PLAY_FAILED');
    assert.equal(
      (change?.error?.info as { code?: string } | undefined)?.code,
      'NetStream.Play.StreamNotFound',
    );
    assert.match(String(change?.error?.message), /playing clip failed: NetStream\.Play\.StreamNotFound/);
  });

  it("the server's close command cuts the stream (on the invoke event); end() cuts it on the closed event", () => {
    const h = playing();
    h.server.send(status('NetStream.Play.Start'));
    h.server.send(command('close', 0, null));
    h.pump();
    const ev = h.events();
    assert.deepEqual(changes(ev), ['starting>play:NetStream.Play.Start', 'play>ended-cut:server']);
    assert.deepEqual(only(ev, 'closed'), [{ kind: 'closed', reason: 'server' }]);

    const h2 = playing();
    h2.server.send(status('NetStream.Play.Start'));
    h2.pump();
    h2.events();
    h2.client.end();
    const [closed] = h2.events();
    assert.equal(closed?.kind, 'closed');
    assert.equal(closed?.kind === 'closed' && closed.reason, 'peer');
    assert.deepEqual(changes([closed!]), ['play>ended-cut:peer']);
    assert.deepEqual(h2.client.netStream(1)?.state, { phase: 'ended-cut', cause: 'peer' });
  });

  it('an ended stream is not cut again; a complete one stays complete', () => {
    const h = playing();
    h.server.send(status('NetStream.Play.Stop'));
    h.pump();
    h.events();
    h.client.end();
    assert.deepEqual(h.events(), [{ kind: 'closed', reason: 'peer' }]);
    assert.equal(h.client.netStream(1)?.state.phase, 'ended-complete');
  });
});

describe('NetStream routing', () => {
  it('a NetStream status or media on msid 0 goes to the only NetStream; NetConnection statuses do not', () => {
    const h = playing();
    h.server.send(status('NetStream.Play.Start', 0));
    h.server.sendRaw(media(9, 0, 40, Buffer.from([0x27, 1, 0, 0, 0, 1])));
    h.server.send(status('NetConnection.Connect.Closed', 0));
    h.pump();
    const ev = h.events();
    assert.deepEqual(
      ev.map((e) => [e.kind, 'streamId' in e ? e.streamId : undefined]),
      [
        ['status', 1],
        ['media', 1],
        ['status', 0],
      ],
    );
    assert.deepEqual(changes(ev), ['starting>play:NetStream.Play.Start']);
  });

  it('closeStream / deleteStream forget the NetStream', () => {
    const h = playing();
    assert.ok(h.client.netStream(1));
    h.client.closeStream(1);
    assert.equal(h.client.netStream(1), undefined);
  });
});

describe('truncated aggregates', () => {
  const records = [
    { type: 9, timestamp: 0, payload: Buffer.from([0x17, 1, 0, 0, 0, 7]) },
    { type: 8, timestamp: 20, payload: Buffer.from([0xaf, 1, 2]) },
  ];

  it('both sessions report one the same way: a non-fatal ERR_SESSION_AGGREGATE_TRUNCATED after the media', () => {
    const full = buildAggregate(records, { streamId: 1 });
    const cut = { ...full, payload: full.payload.subarray(0, full.payload.length - 6) };

    const h = playing();
    h.server.sendRaw(cut);
    h.pump();
    const clientEv = h.events();
    assert.deepEqual(
      clientEv.map((e) => e.kind),
      ['media', 'protocolError'],
    );

    // A publisher sends the same aggregate to a ServerSession.
    const serverEv = publishAggregate(new ServerSession(), cut.payload);
    assert.deepEqual(
      serverEv.map((e) => e.kind),
      ['media', 'protocolError'],
    );
    const c = only(clientEv, 'protocolError')[0]!;
    const s = serverEv.find((e) => e.kind === 'protocolError');
    assert.ok(s?.kind === 'protocolError');
    assert.deepEqual([s.error.code, s.error.message, s.fatal], [c.error.code, c.error.message, c.fatal]);
    assert.equal(c.error.code, 'ERR_SESSION_AGGREGATE_TRUNCATED');
  });
});

/** Drives a ServerSession through connect, createStream and publish, then feeds it an aggregate; its events. */
function publishAggregate(server: ServerSession, payload: Buffer): ReturnType<ServerSession['takeEvents']> {
  const h = new Harness(whole);
  // The harness's client talks to its own scripted server; here the ServerSession is the peer.
  h.client.start(0);
  h.client.connect({ app: 'live' });
  const pump = (): void => {
    for (let i = 0; i < 50; i++) {
      const c = Buffer.concat(h.client.takeOutput());
      if (c.length > 0) server.receive(c, 0);
      const s = Buffer.concat(server.takeOutput());
      if (s.length > 0) h.client.receive(s, 0);
      if (c.length === 0 && s.length === 0) return;
    }
  };
  pump();
  for (const e of server.takeEvents()) if (e.kind === 'connect') server.acceptConnect(e.txn);
  pump();
  h.client.createStream();
  pump();
  for (const e of server.takeEvents()) if (e.kind === 'createStream') server.createdStream(e.txn);
  pump();
  h.client.publish(1, 'key');
  pump();
  for (const e of server.takeEvents()) if (e.kind === 'publish') server.acceptPublish(e.streamId);
  pump();
  server.takeEvents();
  h.client.sendRaw({ type: 22, streamId: 1, timestamp: 0, csid: 6, payload });
  pump();
  return server.takeEvents().filter((e) => e.kind === 'media' || e.kind === 'protocolError');
}
