/**
 * The player's "no media" deadline in the sans-IO session: once a stream plays, no
 * audio/video for `mediaTimeoutMs` fails it (`timeout` event `what: 'media'`,
 * `ERR_RTMP_NO_MEDIA`, its NetStream to `failed`) whatever control traffic flows —
 * pings, acks, status, metadata; a user pause suspends it; `minMediaRate` fails a
 * drip-fed stream (`ERR_RTMP_MEDIA_TOO_SLOW`). All as `nextDeadline`/`handleTimeout`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AMFObject } from '../../src/amf/types.js';
import { RTMPTimeoutError } from '../../src/errors.js';
import { command, dataMessage, pingRequest } from '../../src/message/builders.js';
import type { ClientSessionOptions } from '../../src/session/client-session.js';
import { Harness, media, only, SPLITS } from '../helpers/session-harness.js';

function playing(options: ClientSessionOptions, split = SPLITS[0]![1]): Harness {
  const h = new Harness(split, options);
  h.connect();
  const id = h.createStream(1);
  h.now = 1000;
  h.client.play(id, 'live1', { live: true });
  h.pump();
  h.server.send({
    ...command('onStatus', 0, null, new AMFObject({ level: 'status', code: 'NetStream.Play.Start' })),
    streamId: 1,
  });
  h.pump();
  h.events();
  return h;
}

/** Advances to `t`, feeding what `serve` queues, then fires deadlines due. */
function at(h: Harness, t: number, serve?: () => void): void {
  h.now = t;
  serve?.();
  h.pump();
  h.client.handleTimeout(t);
}

describe('ClientSession no-media deadline', () => {
  for (const [label, split] of SPLITS) {
    it(`pings, acks, status and metadata do not keep a stream alive (${label})`, () => {
      const h = playing({ mediaTimeoutMs: 2000 }, split);
      assert.equal(h.client.nextDeadline(), 3000);
      for (let t = 1100; t < 3000; t += 100) {
        at(h, t, () => {
          h.server.send(pingRequest(t));
          h.server.send({ ...dataMessage('onMetaData', new AMFObject({ duration: 0 })), streamId: 1 });
          h.server.send({
            ...command('onStatus', 0, null, new AMFObject({ level: 'status', code: 'NetStream.Play.Reset' })),
            streamId: 1,
          });
        });
        assert.deepEqual(only(h.events(), 'timeout'), [], `nothing at ${t}`);
      }
      at(h, 3000);
      const [ev, ...rest] = only(h.events(), 'timeout');
      assert.equal(rest.length, 0);
      assert.equal(ev!.what, 'media');
      assert.equal(ev!.streamId, 1);
      assert.ok(ev!.error instanceof RTMPTimeoutError);
      assert.equal(ev!.error.code, 'ERR_RTMP_NO_MEDIA');
      assert.deepEqual(
        ev!.changes!.map((c) => [c.streamId, c.from, c.to, c.error?.code]),
        [[1, 'play', 'failed', 'ERR_RTMP_NO_MEDIA']],
      );
      assert.equal(h.client.netStream(1)!.state.phase, 'failed');
      // Fires once: nothing left to wait for, and the PingResponses still went out.
      assert.equal(h.client.nextDeadline(), undefined);
      assert.ok(h.server.inbox.some((m) => m.kind === 'userControl' && m.data.event === 'pingResponse'));
    });
  }

  it('each media message restarts the clock; audio and video both count', () => {
    const h = playing({ mediaTimeoutMs: 2000 });
    at(h, 2500, () => h.server.sendRaw(media(9, 1, 0, Buffer.from([0x17, 0, 0, 0, 0]))));
    assert.equal(h.client.nextDeadline(), 4500);
    at(h, 4000, () => h.server.sendRaw(media(8, 1, 40, Buffer.from([0xaf, 1, 2]))));
    assert.equal(h.client.nextDeadline(), 6000);
    at(h, 5999);
    assert.deepEqual(only(h.events(), 'timeout'), []);
    at(h, 6000);
    assert.equal(only(h.events(), 'timeout')[0]?.error?.code, 'ERR_RTMP_NO_MEDIA');
  });

  it('arms when the first media starts the stream (servers that send no Play.Start)', () => {
    const h = new Harness(SPLITS[0]![1], { mediaTimeoutMs: 1000 });
    h.connect();
    h.client.play(h.createStream(1), 'vod');
    h.pump();
    assert.equal(h.client.nextDeadline(), undefined, 'not before the stream plays');
    at(h, 50, () => h.server.sendRaw(media(9, 1, 0, Buffer.from([0x17, 0]))));
    assert.equal(h.client.nextDeadline(), 1050);
  });

  it('a user pause suspends it; unpausing restarts it from the unpause', () => {
    const h = playing({ mediaTimeoutMs: 2000 });
    h.client.pause(1, true);
    assert.equal(h.client.nextDeadline(), undefined);
    at(h, 60_000);
    assert.deepEqual(only(h.events(), 'timeout'), []);
    h.client.advance(70_000);
    h.client.pause(1, false);
    assert.equal(h.client.nextDeadline(), 72_000);
  });

  it('ends with the stream: Play.Stop, closeStream', () => {
    const h = playing({ mediaTimeoutMs: 2000 });
    h.server.send({
      ...command('onStatus', 0, null, new AMFObject({ level: 'status', code: 'NetStream.Play.Stop' })),
      streamId: 1,
    });
    h.pump();
    assert.equal(h.client.nextDeadline(), undefined);
  });

  it('off by default', () => {
    const h = playing({});
    assert.equal(h.client.nextDeadline(), undefined);
  });
});

describe('ClientSession minimum media rate', () => {
  it('a drip-fed stream fails at the end of a window under the rate; a fast one rolls over', () => {
    const h = playing({ mediaTimeoutMs: 5000, minMediaRate: { bytesPerSecond: 1000, windowMs: 2000 } });
    // 2 s window from 1000: 2500 bytes ≥ 2000 needed.
    for (let t = 1100; t <= 2900; t += 200)
      at(h, t, () => h.server.sendRaw(media(9, 1, t, Buffer.alloc(250, 0x27))));
    at(h, 3000);
    assert.deepEqual(only(h.events(), 'timeout'), []);
    assert.equal(h.client.nextDeadline(), 5000);
    // Next window: a 10-byte message every 500 ms (20 B/s) — media flows, too slowly.
    for (let t = 3500; t < 5000; t += 500)
      at(h, t, () => h.server.sendRaw(media(9, 1, t, Buffer.alloc(10, 0x27))));
    at(h, 5000);
    const [ev] = only(h.events(), 'timeout');
    assert.equal(ev?.error?.code, 'ERR_RTMP_MEDIA_TOO_SLOW');
    assert.match(ev!.error!.message, /15 B\/s over 2 s, under the minimum of 1000 B\/s/);
  });
});
