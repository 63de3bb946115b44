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
 * Invariants: payloads of sequence headers and metadata are copied (they are small, and
 * the caller may reuse its buffers); nothing else is kept; all of it is bounded (one
 * metadata, one sequence header per message type).
 */
import { isSequenceHeader } from '../flv/media.js';
import { ReplayFilter } from '../session/replay-filter.js';

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

  constructor(kind: 'vod' | 'live' | 'publish') {
    this.replay = kind === 'vod' ? new ReplayFilter() : undefined;
  }

  /** The timestamp a player's reader gets a media message with, or undefined: a copy of one it already had. */
  admitMedia(type: number, timestamp: number, payload: Uint8Array): number | undefined {
    return this.replay === undefined ? timestamp : this.replay.admitMedia(type, timestamp, payload);
  }

  /** The timestamp a player's reader gets a data message with, or undefined while a replay re-sends what came before. */
  admitData(timestamp: number): number | undefined {
    return this.replay === undefined ? timestamp : this.replay.admitData(timestamp);
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
