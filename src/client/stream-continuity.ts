/**
 * What a stream must remember to go on after a reconnect (`reconnect` option):
 * - a recorded player: where to play from and what not to deliver twice (ReplayFilter,
 *   session/replay-filter.ts) — a live player needs nothing (it re-subscribes and takes
 *   the stream from where it is);
 * - a publisher: the last timestamp it sent, its last `@setDataFrame onMetaData` and the
 *   sequence headers in force (FLV-10.1 E.4.3.1 AVC/HEVC, E.4.2.2 AAC; E-RTMP
 *   SequenceStart), which a new publish must carry again before more frames, or players
 *   joining after the reconnect cannot decode.
 *
 * - a player following a ReconnectRequest (make-before-break): the trail of what it
 *   delivered and, during the hand-over, the splice that joins the new connection's
 *   stream to it (session/handover-splice.ts).
 *
 * Invariants: payloads of sequence headers and metadata are copied (they are small, and
 * the caller may reuse its buffers); nothing else is kept but the bounded trail of
 * fingerprints and, during a hand-over, the splice's held messages; all of it is bounded
 * (one metadata, one sequence header per message type, `TRAIL`, `MAX_HELD`).
 */
import { isSequenceHeader } from '../flv/media.js';
import { MessageType } from '../message/types.js';
import { Splice, type SpliceMessage, Trail } from '../session/handover-splice.js';
import { type AdmittedMessage, fingerprint, ReplayFilter } from '../session/replay-filter.js';

/** A message a publisher sends again after re-publishing. */
export interface ResentMessage {
  type: 'audio' | 'video' | 'data';
  timestamp: number;
  payload: Buffer;
}

const TYPE = { audio: 8, video: 9, data: 18 } as const;

/** One stream's memory across reconnects. */
export class StreamContinuity {
  /** A recorded player's replay filter; undefined for live players and publishers. */
  readonly replay: ReplayFilter | undefined;
  #lastSent = 0;
  readonly #headers = new Map<'audio' | 'video' | 'data', Buffer>();
  readonly #trail: Trail | undefined;
  /** The splice of a ReconnectRequest's hand-over: before the cut-over it watches, after it filters. */
  #splice: Splice | undefined;
  #cut = false;

  /**
   * `startMs`: where a recorded player's first play started, ms (see ReplayFilter).
   * `resumes`: whether the stream can ever go on over another connection (the `reconnect`
   * option, or following a ReconnectRequest); a player that cannot keeps no replay filter
   * and no trail, so its messages pass with no bookkeeping (two fingerprints and a record
   * per message otherwise: ~3 % of a 1 GB download's CPU in process).
   */
  constructor(kind: 'vod' | 'live' | 'publish', startMs = 0, resumes = true) {
    this.replay = kind === 'vod' && resumes ? new ReplayFilter(startMs) : undefined;
    this.#trail = kind === 'publish' || !resumes ? undefined : new Trail();
  }

  /** False when a player's media pass as they come (`admitMedia` would return them unchanged). */
  get filters(): boolean {
    return this.replay !== undefined || this.#trail !== undefined || this.#splice !== undefined;
  }

  /**
   * What a player's reader gets of a media message — its timestamp and payload (after a
   * reconnect, the new part of a partly re-sent aggregate) — or undefined: a copy of what
   * it already had.
   */
  admitMedia(type: number, timestamp: number, payload: Buffer): AdmittedMessage | undefined {
    let out: AdmittedMessage | undefined;
    // The replay filter and the trail both fingerprint a message: once for both.
    const hash = type === MessageType.Aggregate ? undefined : fingerprint(payload);
    if (this.#cut) {
      const ts = this.#splice!.admit(type, timestamp, payload);
      if (ts !== undefined) this.replay?.record(type, ts, payload, hash);
      out = ts === undefined ? undefined : { timestamp: ts, payload };
    } else {
      out =
        this.replay === undefined
          ? { timestamp, payload }
          : this.replay.admitMessage(type, timestamp, payload, hash);
    }
    if (out === undefined) return undefined;
    this.#trail?.push(type, out.timestamp, out.payload, out.payload === payload ? hash : undefined);
    if (!this.#cut) this.#splice?.oldDelivered(type, out.timestamp, out.payload);
    return out;
  }

  /** The timestamp a player's reader gets a data message with, or undefined while a replay re-sends what came before. */
  admitData(timestamp: number, type: number, payload: Uint8Array): number | undefined {
    if (this.#cut) return this.#splice!.admit(type, timestamp, payload);
    return this.replay === undefined ? timestamp : this.replay.admitData(timestamp);
  }

  /**
   * A player's ReconnectRequest hand-over begins: returns the splice that the new
   * connection's messages are offered to (`anchorTs`: where a recorded stream plays from).
   */
  beginSplice(): Splice {
    this.#cut = false;
    this.#splice = new Splice(this.#trail ?? new Trail(), this.replay !== undefined);
    return this.#splice;
  }

  /** The hand-over switches to the new connection: what the reader gets from it now (see `Splice.cutover`). */
  cutover(): SpliceMessage[] {
    const out = this.#splice?.cutover() ?? [];
    this.#cut = this.#splice !== undefined;
    for (const m of out) {
      if (m.type === 8 || m.type === 9 || m.type === 22) {
        this.replay?.record(m.type, m.timestamp, m.payload);
        this.#trail?.push(m.type, m.timestamp, m.payload);
      }
    }
    return out;
  }

  /** The hand-over was abandoned, or a reconnect re-opened the stream: no splice any more. */
  endSplice(): void {
    this.#splice = undefined;
    this.#cut = false;
  }

  /** A publisher sent a message. */
  sent(type: 'audio' | 'video' | 'data', timestamp: number, payload: Buffer): void {
    this.#lastSent = timestamp;
    if (type === 'data' || isSequenceHeader(TYPE[type], payload))
      this.#headers.set(type, Buffer.from(payload));
  }

  /** The last timestamp a publisher sent. */
  get lastSent(): number {
    return this.#lastSent;
  }

  /** What a publisher sends again after re-publishing: metadata, then the sequence headers, at the last timestamp. */
  resend(): ResentMessage[] {
    const out: ResentMessage[] = [];
    for (const type of ['data', 'video', 'audio'] as const) {
      const payload = this.#headers.get(type);
      if (payload !== undefined) out.push({ type, timestamp: this.#lastSent, payload });
    }
    return out;
  }
}
