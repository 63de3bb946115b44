/**
 * Continuity of a recorded (VOD) stream played again after a reconnect. The new play
 * starts at the last delivered keyframe (the anchor: the last video keyframe, or the last
 * audio message of a stream without video); the server starts there and sends again
 * what the reader already has — with the file's timestamps (nginx-rtmp) or rebased so
 * the start is 0 (FMS, rtmpkit's server). This filter drops exactly that:
 * - everything until the stream's copy of the anchor (same type, length and byte
 *   fingerprint); its timestamp gives the offset every later message gets, so the
 *   reader's timestamps go on from where they were whichever way the server stamps;
 * - after it, media before the last delivered timestamp, and at that timestamp the
 *   messages that were delivered before (a message there the reader never got is
 *   delivered: nothing is missing), and sequence headers equal to the ones in force
 *   (FLV-10.1 E.4.3.1 AVCPacketType 0, E.4.2.2 AACPacketType 0);
 * - script data (the re-sent onMetaData) until the stream passes the last timestamp.
 *
 * Aggregates (RTMP-SPEC §7.1.6; FMS and Wowza send VOD as them) are looked into: their
 * audio and video records are what is delivered, the anchor is found among them, and a
 * re-sent aggregate is judged record by record. `admitMessage` returns the part of an
 * aggregate the reader does not have yet — a view from its first new record on (record
 * timestamps rebase from the first record, so that part carries its own first timestamp).
 *
 * Where a replay plays from (`resumeAt`) is a position in the file: the reader's timeline is
 * the file's when the server keeps the file's timestamps, and the file's minus the play's
 * start when it restamps from 0 — which a stream started at an offset tells by its first
 * keyframe (its first audio message without video): below half the start, the server
 * restamped (the audio a server sends just before that keyframe can be stamped anyhow).
 *
 * A server may start the file over (nginx-rtmp without a keyframe index in the file):
 * everything before the anchor comes again and is dropped, however long that is (a limit
 * on it delivered the file's start a second time). A server can also start after the
 * anchor (nginx-rtmp, given a keyframe index, starts at the first keyframe whose index time
 * is after the position asked for — for a keyframe's own time, usually the next one): a
 * message stamped past the last delivered timestamp before the anchor came means the
 * anchor will not come and what lies between is not coming either (such a message also
 * shows the server keeps the file's timestamps). The first time, the filter asks for the
 * stream again 1 ms before the anchor (`takeReask`: nginx-rtmp's lookup then lands on the
 * anchor itself), drops everything until the server confirmed that seek (`seeked`: what
 * was still in flight is from the old position), and replays strictly: the anchor counts
 * only with its own timestamp, so a keyframe repeated byte for byte earlier in the file is
 * never taken for it. A second gap, or a seek that failed, stops the filter: it reports
 * the `gap` instead of delivering a stream with a hole in it. A stream that ends before
 * the anchor came is `unmatched`: the reader must not take it as complete.
 *
 * Invariants: pure bookkeeping, no copies of payloads (a fingerprint reads at most 64
 * bytes; an aggregate's part is a view of its payload); bounded memory (the messages of
 * one timestamp, at most `MAX_AT_LAST`; one sequence header per type; the anchor); a replay
 * ends at the anchor or at the gap, nowhere else; one re-ask per replay at most.
 */
import { isKeyframe, isSequenceHeader, playRestamped, seekBefore } from '../flv/media.js';
import { AGGREGATE_RECORD_HEADER_SIZE, aggregateRecords } from '../message/aggregate.js';
import { MessageType } from '../message/types.js';

const MAX_AT_LAST = 64;
const EDGE = 32;
const AUDIO = MessageType.Audio;
const VIDEO = MessageType.Video;

/** A message to deliver: its timestamp and payload (an aggregate's may be a tail view of it). */
export interface AdmittedMessage {
  timestamp: number;
  payload: Buffer;
}

/** A media message's identity without its timestamp: type, length and a fingerprint of its edges. */
export interface Print {
  type: number;
  length: number;
  hash: number;
}

/** The `Print` of a message (reads at most 64 bytes); `hash`: its `fingerprint`, when known. */
export function print(type: number, payload: Uint8Array, hash = fingerprint(payload)): Print {
  return { type, length: payload.length, hash };
}

/**
 * A `Print`'s hash alone (no object): FNV-1a's mixing over the first and last EDGE bytes,
 * a little-endian 32-bit word at a time (byte by byte below 2 × EDGE bytes). It runs for
 * every media message of a player that can resume, so it takes 16 steps, not 64: ~35 ns
 * instead of ~75 optimised, and far less before V8 optimises it.
 */
export function fingerprint(payload: Uint8Array): number {
  let h = 0x811c9dc5;
  const n = payload.length;
  if (n < 2 * EDGE) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ payload[i]!, 0x01000193);
    return h >>> 0;
  }
  for (let i = 0; i < EDGE; i += 4) h = Math.imul(h ^ word(payload, i), 0x01000193);
  for (let i = n - EDGE; i < n; i += 4) h = Math.imul(h ^ word(payload, i), 0x01000193);
  return h >>> 0;
}

/** The little-endian 32-bit word at `payload[i..i+4)` (as a signed int; only its bits matter). */
function word(p: Uint8Array, i: number): number {
  return p[i]! | (p[i + 1]! << 8) | (p[i + 2]! << 16) | (p[i + 3]! << 24);
}

/** Whether two prints name the same message. */
export const same = (a: Print, b: Print): boolean =>
  a.type === b.type && a.length === b.length && a.hash === b.hash;

/** A replay that cannot continue: the server resumed at `resumedAt`, past the anchor and the last delivered timestamp. */
export interface ReplayGap {
  /** The last keyframe delivered (where the new play was asked to start), ms. */
  readonly anchorTs: number;
  /** The last timestamp delivered, ms. */
  readonly lastTs: number;
  /** The timestamp of the server's first message past `lastTs`, ms. */
  readonly resumedAt: number;
}

/** A delivered message the replay may anchor on: its timestamp and print. */
interface Delivered {
  ts: number;
  print: Print;
}

/** `slot` set to (`ts`, `print`), reusing its object (this runs for every media message). */
function remember(slot: Delivered | undefined, ts: number, print: Print): Delivered {
  if (slot === undefined) return { ts, print };
  slot.ts = ts;
  slot.print = print;
  return slot;
}

/** Records what a player delivered; after `replay()`, drops what the server sends again. */
export class ReplayFilter {
  #lastTs: number | undefined;
  readonly #atLast: Print[] = [];
  #videoKey: Delivered | undefined;
  #lastAudio: Delivered | undefined;
  readonly #config = new Map<number, Print>();
  /** Added to the server's timestamps (0 until a rebasing server's anchor came). */
  #offset = 0;
  /** Where the first play started, ms, and the first keyframe's and audio message's timestamps after it. */
  readonly #startMs: number;
  #firstKeyTs: number | undefined;
  #firstAudioTs: number | undefined;
  #gap: ReplayGap | undefined;
  #replay:
    | {
        anchor: Print;
        anchorTs: number;
        lastTs: number;
        pending: Print[];
        matched: boolean;
        /**
         * After a first gap (the server stamped `resumedAt`): `ask` (the shell must seek 1 ms
         * before the anchor, at file position `at`), `held` (seek sent, all dropped until
         * `seeked`), `strict` (the anchor matches only stamped `at`).
         */
        reask?: { state: 'ask' | 'held' | 'strict'; at: number; resumedAt: number };
      }
    | undefined;

  /** `startMs`: where the stream's first play started in the file (its `start`), ms. */
  constructor(startMs = 0) {
    this.#startMs = startMs;
  }

  /**
   * Where a replay plays from, ms in the file: the anchor's timestamp, plus the first play's
   * start when the server restamped from 0 (undefined before any media).
   */
  get resumeAt(): number | undefined {
    const ts = (this.#videoKey ?? this.#lastAudio)?.ts;
    if (ts === undefined) return undefined;
    const first = this.#firstKeyTs ?? this.#firstAudioTs;
    return first !== undefined && playRestamped(this.#startMs, first) ? ts + this.#startMs : ts;
  }

  /**
   * Set when a replay's server started past the anchor (see the module comment): from then
   * on nothing more is admitted; the stream should end here with an error.
   */
  get gap(): ReplayGap | undefined {
    return this.#gap;
  }

  /**
   * While a replay waits for its anchor, what it waits for (the anchor's timestamp and the
   * last delivered one); undefined otherwise. A stream that ends in this state is cut.
   */
  get unmatched(): { readonly anchorTs: number; readonly lastTs: number } | undefined {
    const r = this.#replay;
    return r === undefined || r.matched ? undefined : { anchorTs: r.anchorTs, lastTs: r.lastTs };
  }

  /** True while re-sent messages are being dropped. */
  get replaying(): boolean {
    return this.#replay !== undefined;
  }

  /**
   * After a first gap, once: the position to seek the stream to (ms in the file, 1 ms before
   * the anchor); from now on everything is dropped until `seeked`. Undefined otherwise.
   */
  takeReask(): number | undefined {
    const q = this.#replay?.reask;
    if (q?.state !== 'ask') return undefined;
    q.state = 'held';
    return seekBefore(q.at);
  }

  /**
   * The server answered the seek of `takeReask` (NetStream.Seek.Notify: `ok`; Seek.Failed:
   * not): the replay goes on strictly, or stops with the gap. A no-op for any other seek.
   */
  seeked(ok: boolean): void {
    const r = this.#replay;
    if (r?.reask?.state !== 'held') return;
    if (ok) r.reask.state = 'strict';
    else this.#stop(r, r.reask.resumedAt);
  }

  /** The stream plays again from `resumeAt`: drop what comes again. */
  replay(): void {
    const anchor = this.#videoKey ?? this.#lastAudio;
    if (anchor === undefined || this.#lastTs === undefined) return;
    this.#replay = {
      anchor: anchor.print,
      anchorTs: anchor.ts,
      lastTs: this.#lastTs,
      pending: [...this.#atLast],
      matched: false,
    };
  }

  /**
   * A media message from the server (audio, video or aggregate): what to deliver, or
   * undefined when the reader already has it all. Delivered records are recorded. An
   * aggregate that is partly re-sent comes back as the view of its new records only, with
   * the timestamp of the first of them: nothing twice, nothing missing. `hash`: the
   * payload's `fingerprint`, when the caller computed it already (not for an aggregate).
   */
  admitMessage(type: number, timestamp: number, payload: Buffer, hash?: number): AdmittedMessage | undefined {
    if (type === MessageType.Aggregate) return this.#admitAggregate(timestamp, payload);
    const ts = this.#admitOne(type, timestamp, payload, hash);
    return ts === undefined ? undefined : { timestamp: ts, payload };
  }

  /**
   * Each audio/video record of an aggregate goes through `#admitOne`; the result starts at
   * the first record admitted (at the start when none before it was dropped). An
   * aggregate without audio or video records is script data.
   */
  #admitAggregate(timestamp: number, payload: Buffer): AdmittedMessage | undefined {
    let media = false;
    let dropped = false;
    let first: AdmittedMessage | undefined;
    for (const rec of aggregateRecords({ payload, timestamp, streamId: 0 })) {
      if (rec.type !== AUDIO && rec.type !== VIDEO) continue;
      media = true;
      const ts = this.#admitOne(rec.type, rec.timestamp, rec.payload);
      if (ts === undefined) dropped ||= first === undefined;
      else if (first === undefined) {
        const start = rec.payload.byteOffset - payload.byteOffset - AGGREGATE_RECORD_HEADER_SIZE;
        first = dropped
          ? { timestamp: ts, payload: payload.subarray(start) }
          : { timestamp: (timestamp + this.#offset) >>> 0, payload };
      }
    }
    if (media) return first;
    const ts = this.admitData(timestamp);
    return ts === undefined ? undefined : { timestamp: ts, payload };
  }

  #admitOne(type: number, timestamp: number, payload: Uint8Array, hash?: number): number | undefined {
    if (this.#gap !== undefined) return undefined;
    const r = this.#replay;
    let ts = (timestamp + this.#offset) >>> 0;
    const p = print(type, payload, hash);
    if (r !== undefined) {
      if (!r.matched) {
        const q = r.reask;
        if (q !== undefined && q.state !== 'strict') return undefined; // from before the seek
        const anchor = same(p, r.anchor) && (q === undefined || timestamp === q.at);
        // Stamped past everything delivered (serial-number order: a stamp just below 0 that
        // wrapped is before, not after), and no anchor yet: the server started after it —
        // even when the message looks like the anchor (a keyframe repeated byte for byte).
        if (((timestamp - r.lastTs) | 0) > 0 && (q === undefined || !anchor)) {
          if (q === undefined) r.reask = { state: 'ask', at: this.resumeAt!, resumedAt: timestamp };
          else this.#stop(r, timestamp);
          return undefined;
        }
        if (!anchor) return undefined;
        r.matched = true;
        this.#offset = (r.anchorTs - timestamp) | 0;
        ts = r.anchorTs;
      }
      if (ts < r.lastTs) return undefined;
      if (ts === r.lastTs) {
        const i = r.pending.findIndex((x) => same(x, p));
        if (i >= 0) {
          r.pending.splice(i, 1);
          return undefined;
        }
        const config = this.#config.get(type);
        if (config !== undefined && same(config, p) && isSequenceHeader(type, payload)) return undefined;
      } else {
        this.#replay = undefined;
      }
    }
    this.#delivered(type, ts, payload, p);
    return ts;
  }

  /** The replay cannot go on: the server resumed at `resumedAt`, past the anchor. */
  #stop(r: { anchorTs: number; lastTs: number }, resumedAt: number): void {
    this.#gap = { anchorTs: r.anchorTs, lastTs: r.lastTs, resumedAt };
    this.#replay = undefined;
  }

  /** A data message (onMetaData, cue points): the timestamp to deliver it with, or undefined while a replay re-sends. */
  admitData(timestamp: number): number | undefined {
    if (this.#gap !== undefined) return undefined;
    const r = this.#replay;
    const ts = (timestamp + this.#offset) >>> 0;
    if (r !== undefined && (!r.matched || ts <= r.lastTs)) return undefined;
    return ts;
  }

  /**
   * Records a message delivered with `ts` (on the reader's timeline) by another path (a
   * ReconnectRequest's hand-over); `hash`: its `fingerprint`, when known.
   */
  record(type: number, ts: number, payload: Uint8Array, hash?: number): void {
    this.#delivered(type, ts, payload, print(type, payload, hash));
  }

  #delivered(type: number, ts: number, payload: Uint8Array, p: Print): void {
    // Runs for every media message: the records are updated in place and the list of the
    // last timestamp's prints is emptied, not replaced (`replay()` copies what it keeps).
    if (isSequenceHeader(type, payload)) this.#config.set(type, p);
    else if (type === VIDEO && isKeyframe(type, payload)) {
      this.#videoKey = remember(this.#videoKey, ts, p);
      this.#firstKeyTs ??= ts;
    } else if (type === AUDIO) {
      this.#lastAudio = remember(this.#lastAudio, ts, p);
      this.#firstAudioTs ??= ts;
    }
    if (ts !== this.#lastTs) {
      this.#lastTs = ts;
      this.#atLast.length = 0;
    }
    if (this.#atLast.length < MAX_AT_LAST) this.#atLast.push(p);
  }
}
