/**
 * One player of a live stream: what the relay sends to it and what it drops. The
 * backpressure policy lives here: a player whose unsent bytes exceed the high-water
 * mark skips video until the next keyframe (so it resumes with a decodable picture
 * instead of growing memory); above four times the mark it also skips audio. Sequence
 * headers, metadata and status messages are never dropped. Pause and
 * receiveAudio/receiveVideo(false) stop the respective sends.
 *
 * Enhanced RTMP: a player with a `MediaFilter` (an RTMP client, by what its connect
 * offered) gets only the E-RTMP tracks and codecs it can take; when the default track
 * (track 0) is in a codec it cannot take — a legacy player of an HEVC stream, say — it
 * gets one onStatus NetStream.Play.Failed naming the codec instead of undecodable
 * media, and nothing after it.
 *
 * Invariants: after any gap in video (drop, pause, late join without a cached GOP) the
 * next video frame sent is a keyframe; frames are sent in the order the publisher sent them.
 */
import type { AmfValue } from '../amf/types.js';
import { type MediaFilter, type MediaKind, screen } from './media-kind.js';
import type { StatusInit } from './types.js';

/** Where a live player's messages go (implemented by the client connection). */
export interface LiveOutput {
  /** Message stream id on the player's connection. */
  readonly streamId: number;
  /** Bytes accepted but not yet written to the network (socket buffer + pending output). */
  backlog(): number;
  media(type: 'audio' | 'video', timestamp: number, payload: Buffer): void;
  data(values: readonly AmfValue[], timestamp: number): void;
  status(info: StatusInit): void;
  /**
   * Present on outputs that follow one publish (a recording, a push, an HTTP-FLV
   * response: one FLV stream each): called when the publisher leaves, after which the
   * channel forgets the player. Outputs without it stay subscribed and get
   * NetStream.Play.UnpublishNotify instead, as RTMP players do.
   */
  end?(): void;
  /** A local output (a recording): its bytes are not counted as the stream's bytes out. */
  readonly local?: boolean;
  /**
   * `media` retains the payload (payload-refs.ts) until it is written and releases it
   * then. The channel pins payloads sent to outputs without it (never reused).
   */
  readonly holdsPayloads?: boolean;
}

/** Counters of a live player. */
export interface LivePlayerStats {
  sentMessages: number;
  droppedVideo: number;
  droppedAudio: number;
}

/** A subscriber of a live channel. */
export class LivePlayer {
  /** Pause requested by the client: nothing is sent until unpaused. */
  paused = false;
  receiveAudio = true;
  receiveVideo = true;
  /** Drop video until a keyframe (after a gap). */
  waitKeyframe = true;
  readonly stats: LivePlayerStats = { sentMessages: 0, droppedVideo: 0, droppedAudio: 0 };
  /** The FourCC the player was refused for (nothing is sent after the refusal). */
  refused: string | undefined;

  constructor(
    readonly out: LiveOutput,
    readonly highWaterMark: number,
    readonly filter?: MediaFilter,
  ) {}

  /** Whether `kind` passes the player's E-RTMP filter; refuses the stream on its first undecodable default track. */
  #screened(type: 'audio' | 'video', kind: MediaKind): boolean {
    if (this.refused !== undefined) return false;
    const verdict = screen(this.filter, type, kind);
    if (verdict === 'send') return true;
    if (verdict === 'skip') return false;
    this.refused = verdict.refuse;
    this.out.status({
      level: 'error',
      code: 'NetStream.Play.Failed',
      description: `The stream's ${type} is Enhanced RTMP ${JSON.stringify(verdict.refuse)}, which this player did not offer in connect (fourCcList / ${type}FourCcInfoMap).`,
    });
    return false;
  }

  /** Sends decoder configuration or metadata (never dropped, except while paused); true when sent. */
  config(type: 'audio' | 'video', timestamp: number, payload: Buffer, kind: MediaKind): boolean {
    if (this.paused || !this.#screened(type, kind)) return false;
    this.out.media(type, timestamp, payload);
    this.stats.sentMessages++;
    return true;
  }

  /** Relays one audio/video frame under the backpressure policy; true when sent. */
  media(type: 'audio' | 'video', timestamp: number, payload: Buffer, kind: MediaKind): boolean {
    if (this.paused) return false;
    if (kind.config) return this.config(type, timestamp, payload, kind);
    if (!this.#screened(type, kind)) return false;
    const backlog = this.out.backlog();
    if (type === 'audio') {
      if (!this.receiveAudio) return false;
      if (backlog > 4 * this.highWaterMark) {
        this.stats.droppedAudio++;
        return false;
      }
    } else {
      if (!this.receiveVideo) return false;
      if (backlog > this.highWaterMark) {
        this.waitKeyframe = true;
        this.stats.droppedVideo++;
        return false;
      }
      if (this.waitKeyframe) {
        if (!kind.keyframe) {
          this.stats.droppedVideo++;
          return false;
        }
        this.waitKeyframe = false;
      }
    }
    this.out.media(type, timestamp, payload);
    this.stats.sentMessages++;
    return true;
  }

  /** Relays a data message (onMetaData, onTextData, onCuePoint…); true when sent. */
  data(values: readonly AmfValue[], timestamp: number): boolean {
    if (this.paused || this.refused !== undefined) return false;
    this.out.data(values, timestamp);
    this.stats.sentMessages++;
    return true;
  }
}
