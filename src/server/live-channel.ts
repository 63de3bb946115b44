/**
 * A live stream of the relay: one (app, name), at most one publisher, any number of
 * players — nginx-rtmp's `live` application. The channel keeps what a late joiner
 * needs before the live edge: the latest onMetaData (from `@setDataFrame`), the
 * decoder configuration of every codec/track (AVC/HEVC/AAC sequence headers, E-RTMP
 * SequenceStart, colorInfo, MultichannelConfig) and the current GOP (bounded).
 *
 * Timestamps: the publisher's timestamps are kept. A late joiner's catch-up
 * (onMetaData, sequence headers) is stamped with the timestamp of the first cached GOP
 * message (else the latest timestamp seen), so its timeline never jumps backwards;
 * the GOP and live messages keep their original timestamps. A new publisher after an
 * unpublish starts its own timeline (usually at 0).
 *
 * Unpublish: RTMP players get onStatus NetStream.Play.UnpublishNotify and stay
 * subscribed; a new publisher's players get NetStream.Play.PublishNotify and its
 * headers. Outputs that follow one publish (recording, push, HTTP-FLV: those whose
 * `LiveOutput` has `end`) are ended and removed instead.
 *
 * Statistics: bytes in (the publisher's audio/video/data payloads) and out (what
 * reached the players), with recent bitrates, and the codecs seen.
 *
 * Payload reuse: a publisher's payload is shared by reference with the GOP cache and
 * every player; each holds it (payload-refs.ts) until done, and the last one done puts
 * its buffer back for the next frame. Outputs that cannot say when they are done
 * (`LiveOutput.holdsPayloads` unset) make the channel pin what they are sent.
 *
 * Invariants: stored configs are copies (small, long-lived); GOP payloads are
 * references; everything stored is cleared on unpublish; the channel holds a payload
 * for the duration of `media` only.
 */
import type { AmfValue } from '../amf/types.js';
import { GopCache } from './gop-cache.js';
import type { LivePlayer } from './live-player.js';
import { classifyMedia, codecOf, type MediaKind } from './media-kind.js';
import { pin, release, retain } from './payload-refs.js';
import { RateMeter } from './rate-meter.js';
import type { PublishRequest } from './types.js';

/** Who publishes into a channel (compared by identity). */
export interface Publisher {
  readonly request: PublishRequest;
}

interface StoredConfig {
  type: 'audio' | 'video';
  payload: Buffer;
  kind: MediaKind;
}

/** One live stream. */
export class LiveChannel {
  #publisher: Publisher | undefined;
  readonly players = new Set<LivePlayer>();
  /** onMetaData values (after the handler name), or undefined. */
  metadata: AmfValue[] | undefined;
  readonly #configs = new Map<string, StoredConfig>();
  readonly #gop: GopCache;
  #lastTimestamp: number | undefined;
  /** Payload bytes from the publishers. */
  readonly bytesIn = new RateMeter();
  /** Payload bytes sent to players, HTTP-FLV viewers and pushes (catch-up included; recordings are not). */
  readonly bytesOut = new RateMeter();
  /** When the current publisher started (epoch ms), if any. */
  publishedAt: number | undefined;
  /** Codecs of the current publish, by the FLV layer's names. */
  readonly codecs: { video?: string; audio?: string } = {};

  constructor(
    readonly app: string,
    readonly name: string,
    gopCacheMaxBytes: number,
  ) {
    this.#gop = new GopCache(gopCacheMaxBytes);
  }

  /** The current publisher, if any. */
  get publisher(): Publisher | undefined {
    return this.#publisher;
  }

  /** Nobody publishes or plays: the server may forget the channel. */
  get idle(): boolean {
    return this.#publisher === undefined && this.players.size === 0;
  }

  /** Payload bytes in the GOP cache. */
  get gopBytes(): number {
    return this.#gop.bytes;
  }

  /** Takes the publisher slot; false when another publisher holds it (→ NetStream.Publish.BadName). */
  publish(p: Publisher): boolean {
    if (this.#publisher && this.#publisher !== p) return false;
    if (this.#publisher !== p) this.publishedAt = Date.now();
    this.#publisher = p;
    this.#notifyPlayers('NetStream.Play.PublishNotify', 'published');
    return true;
  }

  /** Releases the slot (only `p`'s); players get UnpublishNotify and stay. */
  unpublish(p: Publisher): boolean {
    if (this.#publisher !== p) return false;
    this.#publisher = undefined;
    this.metadata = undefined;
    this.#configs.clear();
    this.#gop.clear();
    this.#lastTimestamp = undefined;
    this.publishedAt = undefined;
    delete this.codecs.video;
    delete this.codecs.audio;
    for (const player of this.players) {
      if (player.out.end === undefined) continue;
      this.players.delete(player);
      player.out.end();
    }
    this.#notifyPlayers('NetStream.Play.UnpublishNotify', 'unpublished');
    return true;
  }

  /** Tells every player the publisher came or went; their video restarts at a keyframe. */
  #notifyPlayers(code: string, now: string): void {
    for (const player of this.players) {
      if (player.out.end !== undefined) continue; // an FLV output starts with its own publish
      player.waitKeyframe = true;
      player.out.status({ code, description: `${this.name} is now ${now}.`, details: this.name });
    }
  }

  /** Audio/video from the publisher: stored as needed and relayed to every player. */
  media(type: 'audio' | 'video', timestamp: number, payload: Buffer): void {
    const kind = classifyMedia(type, payload);
    this.#lastTimestamp = timestamp;
    this.bytesIn.add(payload.length);
    if (kind.config || this.codecs[type] === undefined) {
      const codec = codecOf(type, payload);
      if (codec !== undefined) this.codecs[type] = codec;
    }
    if (kind.config) {
      this.#configs.set(`${type}:${kind.key}`, { type, payload: Buffer.from(payload), kind });
    } else if (type === 'video' || this.#gop.items.length > 0) {
      this.#gop.add({ type, timestamp, payload }, kind.keyframe && type === 'video');
    }
    let sent = 0;
    retain(payload);
    try {
      for (const player of this.players) {
        if (!player.media(type, timestamp, payload, kind)) continue;
        this.#sent(player, payload);
        if (!player.out.local) sent++;
      }
    } finally {
      release(payload);
    }
    if (sent > 0) this.bytesOut.add(sent * payload.length);
  }

  /** `payload` went to `player`: an output that does not hold payloads keeps it for good. */
  #sent(player: LivePlayer, payload: Buffer): void {
    if (player.out.holdsPayloads !== true) pin(payload);
  }

  /**
   * A data message from the publisher. `onMetaData` (with or without `@setDataFrame`) is
   * stored and relayed as `onMetaData`; `@clearDataFrame` clears it; others are relayed.
   */
  data(name: string | undefined, values: readonly AmfValue[], timestamp: number): void {
    if (name === '@clearDataFrame') {
      this.metadata = undefined;
      return;
    }
    if (name === 'onMetaData') this.metadata = [...values];
    const out = name === undefined ? values : [name, ...values];
    for (const player of this.players) player.data(out, timestamp);
  }

  /**
   * Adds a player. When a publisher is live it gets the catch-up first: onMetaData,
   * the stored sequence headers, then the cached GOP.
   */
  addPlayer(player: LivePlayer): void {
    this.players.add(player);
    if (this.#publisher) this.catchUp(player, true);
  }

  /** Removes a player. */
  removePlayer(player: LivePlayer): void {
    this.players.delete(player);
  }

  /** Sends onMetaData + sequence headers (+ the GOP when `withGop`) to `player`, e.g. after join or unpause. */
  catchUp(player: LivePlayer, withGop: boolean): void {
    const gop = withGop ? this.#gop.items : [];
    const stamp = gop[0]?.timestamp ?? this.#lastTimestamp ?? 0;
    if (this.metadata) player.data(['onMetaData', ...this.metadata], stamp);
    // Video configuration first, as encoders send it.
    const configs = [...this.#configs.values()].sort((a, b) =>
      a.type === b.type ? 0 : a.type === 'video' ? -1 : 1,
    );
    let bytes = 0;
    for (const c of configs) if (player.config(c.type, stamp, c.payload, c.kind)) bytes += c.payload.length;
    player.waitKeyframe = true;
    for (const m of gop) {
      if (!player.media(m.type, m.timestamp, m.payload, classifyMedia(m.type, m.payload))) continue;
      this.#sent(player, m.payload);
      bytes += m.payload.length;
    }
    if (bytes > 0 && !player.out.local) this.bytesOut.add(bytes);
  }
}
