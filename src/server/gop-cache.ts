/**
 * The bounded GOP cache of a live stream: the audio/video messages since the last
 * video keyframe, replayed to a late joiner right after the sequence headers so its
 * decoder starts at a keyframe without waiting for the next one.
 *
 * Invariants: the cache either is empty or starts with a video keyframe; its payload
 * bytes never exceed `maxBytes` — a GOP that outgrows the cap is dropped whole and
 * caching resumes at the next keyframe; `maxBytes` 0 disables it. Payloads are kept
 * by reference (views of received bytes), never copied, and retained (payload-refs.ts)
 * while cached: every cached payload is released exactly once when it leaves.
 */
import { release, retain } from './payload-refs.js';

/** One cached media message. */
export interface CachedMedia {
  type: 'audio' | 'video';
  timestamp: number;
  payload: Buffer;
}

/** The messages from the last keyframe on, bounded by bytes. */
export class GopCache {
  #items: CachedMedia[] = [];
  #bytes = 0;
  #active = false;

  constructor(readonly maxBytes: number) {}

  /** Adds a message; a keyframe starts a new GOP. Config messages are not cached here. */
  add(msg: CachedMedia, keyframe: boolean): void {
    if (this.maxBytes === 0) return;
    if (keyframe) {
      this.clear();
      this.#active = true;
    }
    if (!this.#active) return;
    this.#bytes += msg.payload.length;
    if (this.#bytes > this.maxBytes) {
      this.clear();
      return;
    }
    retain(msg.payload);
    this.#items.push(msg);
  }

  /** The cached messages in arrival order (the first is a keyframe). */
  get items(): readonly CachedMedia[] {
    return this.#items;
  }

  /** Payload bytes cached. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Forgets everything until the next keyframe. */
  clear(): void {
    for (const m of this.#items) release(m.payload);
    this.#items = [];
    this.#bytes = 0;
    this.#active = false;
  }
}
