/**
 * Relay payload reuse: a publisher's payload buffer goes back to the pool only after
 * every holder (the channel during `media`, the GOP cache, each player until its
 * socket write completed) released it, never while one still holds it, and never once
 * an output that cannot say when it is done (a recording, a push) was sent it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AmfValue } from '../../src/amf/types.js';
import { GopCache } from '../../src/server/gop-cache.js';
import { LiveChannel } from '../../src/server/live-channel.js';
import { type LiveOutput, LivePlayer } from '../../src/server/live-player.js';
import { pin, release, retain, startRecycling } from '../../src/server/payload-refs.js';
import { allocPayload, isRecyclable } from '../../src/util/payload-pool.js';

startRecycling(0);

/** A fresh recyclable payload of a size class no other test of this file uses. */
function payload(n: number): Buffer {
  const p = allocPayload(n, true);
  assert.ok(isRecyclable(p), 'a payload with room is a pool buffer once recycling is on');
  return p;
}

/** Whether the next payload of `p`'s size class reuses `p`'s buffer (and takes it off the free list). */
function reused(p: Buffer): boolean {
  return allocPayload(p.length, true).buffer === p.buffer;
}

/** A player's output that holds what it is sent until `written()`, as a connection does. */
class HoldingOutput implements LiveOutput {
  readonly streamId = 1;
  readonly holdsPayloads: boolean = true;
  held: Buffer[] = [];
  backlog(): number {
    return 0;
  }
  media(_type: 'audio' | 'video', _ts: number, p: Buffer): void {
    retain(p);
    this.held.push(p);
  }
  data(_values: readonly AmfValue[]): void {}
  status(): void {}
  written(): void {
    for (const p of this.held.splice(0)) release(p);
  }
}

/** An output that keeps what it is sent (no `holdsPayloads`): a recording, say. */
class KeepingOutput extends HoldingOutput {
  override readonly holdsPayloads: boolean = false;
  override media(_type: 'audio' | 'video', _ts: number, p: Buffer): void {
    this.held.push(p);
  }
}

const KEYFRAME = (p: Buffer): Buffer => {
  p[0] = 0x17; // AVC keyframe (FLV-10.1 E.4.3.1)
  p[1] = 1; // NALU
  return p;
};
const INTER = (p: Buffer): Buffer => {
  p[0] = 0x27;
  p[1] = 1;
  return p;
};

describe('server: relay payload reuse', () => {
  it('a buffer comes back after its last release, not before', () => {
    const p = payload(3000);
    retain(p);
    retain(p);
    release(p);
    assert.equal(reused(p), false, 'one holder left');
    release(p);
    assert.equal(reused(p), true, 'the last release recycled it');
  });

  it('a pinned buffer never comes back', () => {
    const p = payload(6000);
    retain(p);
    pin(p);
    release(p);
    release(p);
    assert.equal(reused(p), false);
  });

  it('the GOP cache holds its payloads until the next keyframe starts a new GOP', () => {
    const gop = new GopCache(1 << 20);
    const key = KEYFRAME(payload(12000));
    gop.add({ type: 'video', timestamp: 0, payload: key }, true);
    assert.equal(reused(key), false, 'cached');
    gop.add({ type: 'video', timestamp: 40, payload: KEYFRAME(payload(100)) }, true);
    assert.equal(reused(key), true, 'released when the GOP was replaced');
  });

  it('the channel recycles a frame once the GOP dropped it and every player wrote it', () => {
    const channel = new LiveChannel('live', 'cam', 1 << 20);
    channel.publish({ request: {} as never });
    const a = new HoldingOutput();
    const b = new HoldingOutput();
    for (const out of [a, b]) channel.addPlayer(new LivePlayer(out, 1 << 20));
    const key = KEYFRAME(payload(20000));
    channel.media('video', 0, key);
    assert.deepEqual([a.held.length, b.held.length], [1, 1]);
    channel.media('video', 40, KEYFRAME(payload(50)));
    a.written();
    assert.equal(reused(key), false, 'player b has not written it yet');
    b.written();
    assert.equal(reused(key), true);
  });

  it('a frame sent to an output that keeps it is never recycled', () => {
    const channel = new LiveChannel('live', 'rec', 0);
    channel.publish({ request: {} as never });
    const holding = new HoldingOutput();
    const keeping = new KeepingOutput();
    channel.addPlayer(new LivePlayer(holding, 1 << 20));
    channel.addPlayer(new LivePlayer(keeping, 1 << 20));
    const key = KEYFRAME(payload(40000));
    channel.media('video', 0, key);
    const inter = INTER(payload(90000));
    channel.media('video', 40, inter);
    holding.written();
    assert.equal(reused(key), false);
    assert.equal(reused(inter), false);
    assert.equal(keeping.held[1], inter, 'the keeping output still has its bytes');
  });
});
