/**
 * Who still holds a relayed payload, so its buffer can be reused once nobody does. A
 * publisher's audio/video payloads are reassembled from its chunks (RTMP-SPEC §5.3.1)
 * into recyclable buffers (util/payload-pool.ts); the relay shares each one, by
 * reference, with the GOP cache and with every player's socket writes. Each holder
 * `retain`s it and `release`s it when done (the cache when it drops the GOP, a player
 * when the socket write carrying it completed); the last release puts the buffer back
 * on the free lists, so the next frame is reassembled into memory already mapped and
 * cache-warm, and the steady state allocates nothing. A VOD playback's file reads go
 * the same way: each batch's buffer is held until the write of its tags completed.
 *
 * A holder that cannot tell when it is done (a recording's file writes, a push, an
 * HTTP-FLV response) `pin`s the payload instead: its buffer is then never reused and
 * is left to the garbage collector, as every payload was before.
 *
 * Memory: only whole pool buffers are counted (anything else is ignored). The free lists
 * keep at most max(4 MiB, 2 × the largest GOP cache cap) for the whole process — what one
 * full GOP cache occupies in pool buffers, released at once at its next keyframe, so
 * the process never holds more than it did just before. A held buffer is memory its
 * holders (GOP cache, players' unsent output, both capped) keep alive anyway.
 *
 * Invariants: a buffer goes back to the pool only when every `retain` of it has been
 * matched by a `release` and it was never pinned; counts are per buffer (views of one
 * buffer, as an aggregate message's records are, share one count).
 */
import { isRecyclable, recyclePayloads, reserveFreeBytes } from '../util/payload-pool.js';

const PINNED = Number.POSITIVE_INFINITY;
/** Holders per pool buffer in use by the relay (absent: none yet). */
const holders = new WeakMap<ArrayBuffer, number>();

/**
 * Switches the payload pool to recyclable buffers (idempotent), called when a server is
 * created; its free lists may keep what a full GOP cache of `gopBytes` releases
 * at once (pool buffers are up to twice their payload).
 */
export function startRecycling(gopBytes: number): void {
  recyclePayloads([]);
  reserveFreeBytes(2 * gopBytes);
}

/** One more holder of `payload`'s buffer. */
export function retain(payload: Buffer): void {
  const ab = payload.buffer as ArrayBuffer;
  if (!isRecyclable(payload)) return;
  holders.set(ab, (holders.get(ab) ?? 0) + 1);
}

/** A holder of `payload`'s buffer is done with it; the last one recycles it. */
export function release(payload: Buffer): void {
  const ab = payload.buffer as ArrayBuffer;
  const n = holders.get(ab);
  if (n === undefined || n === PINNED) return;
  if (n > 1) {
    holders.set(ab, n - 1);
    return;
  }
  holders.delete(ab);
  recyclePayloads([payload]);
}

/** Releases every payload of `payloads`. */
export function releaseAll(payloads: readonly Buffer[]): void {
  for (const p of payloads) release(p);
}

/** `payload` is kept by a holder that cannot say when it is done: its buffer is never reused. */
export function pin(payload: Buffer): void {
  if (isRecyclable(payload)) holders.set(payload.buffer as ArrayBuffer, PINNED);
}
