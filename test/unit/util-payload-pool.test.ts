/**
 * The payload pool's frame room: handed out once per payload view, also for payloads in
 * recycled buffers (whose room is marked on the buffer's memory, not in a WeakMap), and
 * never for a view whose buffer went back and was lent again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allocPayload,
  FRAME_HEAD,
  FRAME_TAIL,
  isRecyclable,
  lendFrameRoom,
  recyclePayloads,
  takeFrameRoom,
} from '../../src/util/payload-pool.js';

/** Whether `view`'s frame room was handed out now. */
const took = (view: Buffer): boolean => takeFrameRoom(view) !== undefined;

describe('payload pool: frame room', () => {
  it('a view made with room gives it once; one made without, or a foreign view, never', () => {
    const v = allocPayload(100, true);
    const framed = takeFrameRoom(v);
    assert.ok(framed !== undefined);
    assert.equal(framed.buffer, v.buffer, 'the same memory');
    assert.equal(framed.byteOffset, v.byteOffset - FRAME_HEAD);
    assert.equal(framed.length, v.length + FRAME_HEAD + FRAME_TAIL);
    assert.equal(took(v), false);
    assert.equal(took(allocPayload(100, false)), false);
    assert.equal(took(Buffer.alloc(100)), false);
    const lent = lendFrameRoom(Buffer.alloc(200).subarray(FRAME_HEAD, 200 - FRAME_TAIL));
    assert.equal(took(lent), true);
    assert.equal(took(lent), false);
  });

  it('recycled: the room is the view’s, once; after the buffer is given back and lent again, only the new view has it', () => {
    recyclePayloads([]); // recycling on
    const a = allocPayload(300, true);
    assert.ok(isRecyclable(a));
    const tag = Buffer.from(a.buffer, a.byteOffset - FRAME_HEAD, a.length + FRAME_HEAD + FRAME_TAIL);
    assert.equal(took(a), true);
    assert.equal(took(a), false);
    recyclePayloads([tag]);
    assert.equal(isRecyclable(a), false, 'given back');
    const b = allocPayload(300, true);
    assert.equal(b.buffer, a.buffer, 'the same memory, lent again');
    assert.equal(took(a), false, 'the old view has no room in it any more');
    const c = allocPayload(300, true);
    assert.notEqual(c.buffer, b.buffer);
    assert.equal(took(b), true);
    assert.equal(took(c), true);
    assert.equal(took(b), false);
    // A room never taken does not outlive its buffer's return either.
    recyclePayloads([c]);
    const d = allocPayload(300, true);
    assert.equal(d.buffer, c.buffer);
    assert.equal(took(c), false);
    assert.equal(took(d), true);
  });
});
