/**
 * The make-before-break splice of a played stream when the client follows an E-RTMP
 * ReconnectRequest (ERTMP-V2 "Reconnect Request": the client opens the new connection,
 * resumes play there, and only then drops the old one). While both connections deliver,
 * the new one's messages are held; the splice finds where the new stream joins what the
 * old one already delivered, and at the cut-over hands on only what the reader does not
 * have yet, on the reader's timeline — no message twice, none missing.
 *
 * - `Trail` remembers the last `TRAIL` media messages delivered (type, length, byte
 *   fingerprint, timestamp): the join lies before the request (a live server starts a
 *   new player at its last keyframe; a recorded one plays from where we ask).
 * - The join: for a live stream, the first media message of the new connection the old
 *   one delivered with the same bytes and timestamp (live servers keep the publisher's
 *   timestamps); for a recorded stream played again from the trail's anchor (its last
 *   video keyframe, else its last audio message), the first copy of the anchor — its
 *   timestamp gives the offset to the reader's timeline (FMS and rtmpkit's server rebase
 *   a play that starts later to 0; nginx-rtmp keeps the file's timestamps). Sequence
 *   headers never join: they repeat identically.
 * - After the join two queues cancel each other: what the old connection delivered that
 *   the new one has not sent yet (`expect`), and what the new one sent that the old one
 *   has not delivered (`held`); `cutover` hands out `held`, `admit` then drops what is
 *   left in `expect` as it comes again.
 *
 * Invariants: pure bookkeeping (payloads are referenced, never copied; a fingerprint
 * reads at most 64 bytes); bounded: `TRAIL` entries, at most `MAX_HELD` messages and
 * `MAX_HELD_BYTES` of payload held (`overflow` says when more came), cancellation scans at most `SCAN` entries; nothing of
 * the new connection is handed out before the join, except by a forced cut-over.
 */
import { isKeyframe, isSequenceHeader } from '../flv/media.js';
import { MessageType } from '../message/types.js';
import { fingerprint, type Print, print, same } from './replay-filter.js';

/** Media messages the trail remembers. */
export const TRAIL = 4096;
/** Messages of the new connection held before the cut-over, at most. */
export const MAX_HELD = 8192;
/** Payload bytes of the new connection held before the cut-over, at most. */
export const MAX_HELD_BYTES = 64 * 1024 * 1024;
const SCAN = 256;
const { Audio: AUDIO, Video: VIDEO, Aggregate: AGGREGATE } = MessageType;

/** A message of the new connection (type: the RTMP message type, 8 audio, 9 video, 22 aggregate, 15/18 data). */
export interface SpliceMessage {
  type: number;
  timestamp: number;
  payload: Buffer;
}

interface Entry extends Print {
  ts: number;
  key: boolean;
}

const isMedia = (type: number): boolean => type === AUDIO || type === VIDEO || type === AGGREGATE;

/**
 * The last media messages a player delivered (a ring). Kept as columns of typed arrays,
 * not an object per message: an entry lives for `TRAIL` messages, so objects would all
 * outlive the young generation and make every message a promotion into the old one.
 */
export class Trail {
  readonly #type = new Uint8Array(TRAIL);
  readonly #length = new Uint32Array(TRAIL);
  readonly #hash = new Uint32Array(TRAIL);
  readonly #ts = new Float64Array(TRAIL);
  readonly #key = new Uint8Array(TRAIL);
  #count = 0;

  /** A media message was delivered with `ts` (the reader's timeline); `hash`: its `fingerprint`, when known. */
  push(type: number, ts: number, payload: Uint8Array, hash = fingerprint(payload)): void {
    const i = this.#count % TRAIL;
    this.#type[i] = type;
    this.#length[i] = payload.length;
    this.#hash[i] = hash;
    this.#ts[i] = ts;
    this.#key[i] = type === VIDEO && isKeyframe(type, payload) && !isSequenceHeader(type, payload) ? 1 : 0;
    this.#count++;
  }

  /** The sequence number the next message gets (= messages recorded so far). */
  get end(): number {
    return this.#count;
  }

  /** The entry of sequence number `seq`, while the ring holds it. */
  at(seq: number): Entry | undefined {
    if (seq < 0 || seq >= this.#count || seq < this.#count - TRAIL) return undefined;
    const i = seq % TRAIL;
    return {
      type: this.#type[i]!,
      length: this.#length[i]!,
      hash: this.#hash[i]!,
      ts: this.#ts[i]!,
      key: this.#key[i] === 1,
    };
  }

  /** The latest entry with print `p` and timestamp `ts`. */
  find(p: Print, ts: number): number | undefined {
    for (let seq = this.#count - 1; seq >= Math.max(0, this.#count - TRAIL); seq--) {
      const i = seq % TRAIL;
      if (
        this.#ts[i] === ts &&
        this.#type[i] === p.type &&
        this.#length[i] === p.length &&
        this.#hash[i] === p.hash
      )
        return seq;
    }
    return undefined;
  }

  /** Where a recorded stream plays from again: the last video keyframe, else the last audio message. */
  anchor(): number | undefined {
    let audio: number | undefined;
    for (let seq = this.#count - 1; seq >= Math.max(0, this.#count - TRAIL); seq--) {
      const i = seq % TRAIL;
      if (this.#key[i] === 1) return seq;
      if (audio === undefined && this.#type[i] === AUDIO) audio = seq;
    }
    return audio;
  }
}

/** One stream's splice of a hand-over (see the module comment). */
export class Splice {
  readonly #trail: Trail;
  readonly #recorded: boolean;
  readonly #anchor: number | undefined;
  #pre: SpliceMessage[] = [];
  #held: SpliceMessage[] = [];
  #expect: Print[] = [];
  #offset = 0;
  #joined: boolean;
  #cut = false;
  #lastOld: number;
  /** Payload bytes offered so far (an upper bound of what is held). */
  #offered = 0;

  /** `recorded`: the new connection plays from `anchorTs` (a recorded stream); else it joins live. */
  constructor(trail: Trail, recorded: boolean) {
    this.#trail = trail;
    this.#recorded = recorded;
    this.#anchor = recorded ? trail.anchor() : undefined;
    // Nothing delivered yet: everything the new connection sends is new to the reader.
    this.#joined = trail.end === 0;
    this.#lastOld = trail.at(trail.end - 1)?.ts ?? 0;
  }

  /** Where the new connection must play a recorded stream from, ms (undefined: from the start / live). */
  get anchorTs(): number | undefined {
    return this.#anchor === undefined ? undefined : this.#trail.at(this.#anchor)?.ts;
  }

  /** True once the new connection's stream joined the old one's. */
  get joined(): boolean {
    return this.#joined;
  }

  /** True when more than `MAX_HELD` messages wait: the hand-over cannot go on. */
  get overflow(): boolean {
    return (
      this.#pre.length + this.#held.length + this.#expect.length > MAX_HELD || this.#offered > MAX_HELD_BYTES
    );
  }

  /** A message of the new connection, before the cut-over. */
  offer(type: number, timestamp: number, payload: Buffer): void {
    const m = { type, timestamp, payload };
    this.#offered += payload.length;
    if (this.#joined) {
      this.#fromNew(m);
      return;
    }
    this.#pre.push(m);
    if (isMedia(type) && !isSequenceHeader(type, payload)) this.#tryJoin(m, this.#pre.length - 1);
  }

  /** The old connection delivered a media message (already pushed to the trail), before the cut-over. */
  oldDelivered(type: number, ts: number, payload: Uint8Array): void {
    this.#lastOld = ts;
    if (this.#cut || !isMedia(type)) return;
    const p = print(type, payload);
    if (!this.#joined) {
      // A live join the old connection reaches late: the new one sent it first.
      if (this.#recorded) return;
      const i = this.#pre.findIndex((m) => m.timestamp === ts && same(print(m.type, m.payload), p));
      if (i >= 0) this.#join(this.#trail.end - 1, 0, i);
      return;
    }
    const n = Math.min(this.#held.length, SCAN);
    for (let i = 0; i < n; i++) {
      const m = this.#held[i]!;
      if (isMedia(m.type) && same(print(m.type, m.payload), p)) {
        // What the new connection held before it the old one skipped: the reader is past it.
        this.#held.splice(0, i + 1);
        return;
      }
    }
    this.#expect.push(p);
  }

  /**
   * The old connection is left: what the reader gets from the new one now, on its
   * timeline. Unjoined (the old connection ended first), the timelines are taken as one
   * and what comes after the last delivered timestamp is handed out.
   */
  cutover(): SpliceMessage[] {
    this.#cut = true;
    let out: SpliceMessage[];
    if (this.#joined) {
      out = this.#held;
    } else {
      this.#joined = true;
      out = this.#pre.filter((m) => m.timestamp > this.#lastOld && !isSequenceHeader(m.type, m.payload));
    }
    this.#pre = [];
    this.#held = [];
    return out.map((m) => ({ ...m, timestamp: (m.timestamp + this.#offset) >>> 0 }));
  }

  /** After the cut-over: a new connection's message's timestamp on the reader's timeline, or undefined (the reader has it). */
  admit(type: number, timestamp: number, payload: Uint8Array): number | undefined {
    const ts = (timestamp + this.#offset) >>> 0;
    if (this.#expect.length === 0) return ts;
    if (!isMedia(type)) return undefined;
    if (this.#cancel(print(type, payload))) return undefined;
    if (ts <= this.#lastOld) return undefined;
    this.#expect = [];
    return ts;
  }

  #tryJoin(m: SpliceMessage, index: number): void {
    const p = print(m.type, m.payload);
    if (!this.#recorded) {
      const seq = this.#trail.find(p, m.timestamp);
      if (seq !== undefined) this.#join(seq, 0, index);
      return;
    }
    const a = this.#anchor === undefined ? undefined : this.#trail.at(this.#anchor);
    if (a === undefined || !same(a, p)) return;
    // A server that keeps the file's timestamps (or a live stream played as recorded) may
    // start at a later copy of the same bytes the reader also has: that one is the join.
    const exact = m.timestamp >= a.ts ? this.#trail.find(p, m.timestamp) : undefined;
    if (exact !== undefined) this.#join(exact, 0, index);
    else this.#join(this.#anchor!, (a.ts - m.timestamp) | 0, index);
  }

  /** The new connection's `pre[index]` is the old one's message `seq`. */
  #join(seq: number, offset: number, index: number): void {
    this.#joined = true;
    this.#offset = offset;
    this.#expect = [];
    for (let s = seq + 1; s < this.#trail.end; s++) this.#expect.push(this.#trail.at(s)!);
    const rest = this.#pre.slice(index + 1);
    this.#pre = [];
    for (const m of rest) this.#fromNew(m);
  }

  #fromNew(m: SpliceMessage): void {
    if (!isMedia(m.type)) {
      // Script data (a re-sent onMetaData) is new only once the new connection is ahead.
      if (this.#expect.length === 0) this.#held.push(m);
      return;
    }
    if (this.#expect.length > 0) {
      if (this.#cancel(print(m.type, m.payload))) return;
      // Something the old connection never delivered, from before where it is: too late.
      if ((m.timestamp + this.#offset) >>> 0 <= this.#lastOld) return;
      this.#expect = [];
    }
    this.#held.push(m);
  }

  /** Drops `p` and what precedes it from `expect`; false when it is not among the first `SCAN`. */
  #cancel(p: Print): boolean {
    const n = Math.min(this.#expect.length, SCAN);
    for (let i = 0; i < n; i++) {
      if (same(this.#expect[i]!, p)) {
        this.#expect.splice(0, i + 1);
        return true;
      }
    }
    return false;
  }
}
