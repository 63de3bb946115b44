/**
 * HTTP-FLV playback of a live stream: `GET /<app>/<name>.flv` answers with one FLV
 * stream (FLV-10.1 Annex E) over a chunked HTTP/1.1 response (RFC 9112 §7.1), as
 * nginx-http-flv-module and SRS serve it — what flv.js, ffplay and VLC read.
 *
 * The response is a live player of the channel: a late joiner gets the FLV header,
 * onMetaData, the sequence headers and the cached GOP, then the live tags. A request
 * made before anyone publishes waits for the publisher, as an RTMP play does; when
 * the publisher leaves, the response ends (an FLV stream has one timeline).
 *
 * Slow readers: the player's backlog is the response's unsent bytes; above the live
 * high-water mark video is dropped to the next keyframe, above four times it audio too
 * (`LivePlayer`), so memory stays bounded; a reader that stays above the mark for
 * `stallMs` is disconnected.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FlvOutput } from '../flv-output.js';
import type { LiveChannel } from '../live-channel.js';
import { LivePlayer } from '../live-player.js';

/** An HTTP-FLV viewer, as `stats()` lists it. */
export interface HttpFlvInfo {
  readonly id: number;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly app: string;
  readonly name: string;
  /** Epoch ms of the request. */
  readonly acceptedAt: number;
  /** Response bytes written (socket counter). */
  readonly bytesOut: number;
  /** Waiting for a publisher, or playing. */
  readonly state: 'waiting' | 'playing';
  /** Frames dropped for a slow reader. */
  readonly dropped: number;
}

/** One HTTP-FLV response subscribed to a channel. */
export class HttpFlvPlayer implements HttpFlvInfo {
  readonly id: number;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly acceptedAt = Date.now();
  readonly channel: LiveChannel;
  readonly #res: ServerResponse;
  readonly #player: LivePlayer;
  readonly #highWaterMark: number;
  readonly #stallMs: number;
  #stalledSince: number | undefined;

  /**
   * Starts the response (200, `video/x-flv`) and subscribes it to `channel`; `closed`
   * runs once when the response is over, whatever the reason.
   */
  constructor(
    id: number,
    req: IncomingMessage,
    res: ServerResponse,
    channel: LiveChannel,
    limits: { highWaterMark: number; stallMs: number },
    closed: (p: HttpFlvPlayer) => void,
  ) {
    this.id = id;
    this.remoteAddress = req.socket.remoteAddress;
    this.remotePort = req.socket.remotePort;
    this.channel = channel;
    this.#res = res;
    this.#highWaterMark = limits.highWaterMark;
    this.#stallMs = limits.stallMs;
    res.writeHead(200, {
      'Content-Type': 'video/x-flv',
      'Cache-Control': 'no-cache, no-store',
      // flv.js and other in-page players fetch across origins.
      'Access-Control-Allow-Origin': '*',
    });
    res.flushHeaders();
    const output = new FlvOutput({
      write: (chunks) => {
        if (res.destroyed) return;
        res.cork();
        for (const c of chunks) res.write(c);
        res.uncork();
      },
      backlog: () => this.#backlog(),
      end: () => res.end(),
    });
    this.#player = new LivePlayer(output, limits.highWaterMark);
    res.once('close', () => {
      channel.removePlayer(this.#player);
      closed(this);
    });
    channel.addPlayer(this.#player);
  }

  get app(): string {
    return this.channel.app;
  }

  get name(): string {
    return this.channel.name;
  }

  get bytesOut(): number {
    return this.#res.socket?.bytesWritten ?? 0;
  }

  get state(): 'waiting' | 'playing' {
    return this.channel.publisher ? 'playing' : 'waiting';
  }

  get dropped(): number {
    return this.#player.stats.droppedAudio + this.#player.stats.droppedVideo;
  }

  /** Ends the response now (server shutdown). */
  destroy(): void {
    this.#res.destroy();
  }

  /** Unsent bytes; a reader above the mark for longer than `stallMs` is dropped. */
  #backlog(): number {
    const backlog = this.#res.writableLength;
    if (backlog <= this.#highWaterMark) {
      this.#stalledSince = undefined;
    } else {
      const now = performance.now();
      this.#stalledSince ??= now;
      if (now - this.#stalledSince > this.#stallMs) this.#res.destroy();
    }
    return backlog;
  }
}
