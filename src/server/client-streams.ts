/**
 * The NetStream side of one client connection: what each of its message streams is
 * doing — publishing into a live channel, playing a live channel, or playing a VOD
 * file — and the answers to play, publish, pause, seek, closeStream and deleteStream
 * (RTMP-SPEC §7.2.2 NetStream commands; closeStream as FMS and librtmp use it).
 *
 * Routing: an app in `vodApps` plays files (`vodFiles`, then `<vodDir>/<name>.flv`;
 * missing or unsafe names → NetStream.Play.StreamNotFound) and refuses publishing;
 * every other app is a live relay where a play waits for its publisher. A second
 * publisher of a live name gets NetStream.Publish.BadName. `record`/`append` publishes
 * are relayed live like `live` ones (the server's `record` option records every publish).
 * With stream keys configured, a publish of an unknown key gets NetStream.Publish.Denied
 * before `onPublish` runs, and the key is not logged.
 *
 * Invariants: at most one role per message stream (a new play/publish replaces the
 * old one); async hooks are re-checked against the stream still existing and still
 * being the same request; every role ends exactly once, emitting unpublish/stop.
 */

import type { AmfValue } from '../amf/types.js';
import { LimitCode } from '../error-codes.js';
import { RTMPLimitError } from '../errors.js';
import type { ServerEvent } from '../session/server-events.js';
import type { ServerSession } from '../session/server-session.js';
import { decide, type ServerContext, splitQuery } from './context.js';
import { vodName } from './flv-source.js';
import type { LiveChannel } from './live-channel.js';
import { type LiveOutput, LivePlayer } from './live-player.js';
import { mediaFilterFor } from './media-kind.js';
import { maskedStream } from './stream-keys.js';
import type { PlayRequest, PublishRequest, ServerClient, StatusInit } from './types.js';
import { VodPlayback } from './vod-playback.js';

/** What the streams need from their connection. */
export interface StreamContext {
  readonly client: ServerClient;
  readonly session: ServerSession;
  readonly server: ServerContext;
  /** The connected app (query removed). */
  app(): string;
  /** Writes pending output now; false when the socket wants 'drain'. */
  flush(): boolean;
  /** Flushes soon (microtask), counting `bytes` as backlog until then. */
  flushSoon(bytes: number): void;
  /** Unsent bytes: socket buffer + not yet flushed. */
  backlog(): number;
  /** Retains a relayed payload (payload-refs.ts) until the socket write carrying it completed. */
  hold(payload: Buffer): void;
  drained(): Promise<void>;
  closed(): boolean;
  /** Reports a failure (clientError event); never throws. */
  reportError(err: unknown): void;
}

/**
 * A received payload to keep (GOP cache, players' queues): itself, or a copy when it is a
 * view that would keep a much larger buffer alive — a small frame in a socket read or a
 * reader slab pins the whole of it for as long as a slow player's queue holds it.
 */
export function unpinned(payload: Buffer): Buffer {
  const extra = payload.buffer.byteLength - payload.length;
  return extra > payload.length && extra > PIN_SLACK ? Buffer.from(payload) : payload;
}

/** Bytes a kept view may pin beyond itself without being copied (Node's own small-Buffer pool slab). */
const PIN_SLACK = 8192;

/** VOD lead when the client announced no buffer (FFmpeg's default `rtmp_buffer`). */
const DEFAULT_VOD_LEAD_MS = 3000;
/** Smallest VOD lead, whatever the client's buffer. */
const MIN_VOD_LEAD_MS = 1000;

type Role =
  | { kind: 'pending'; token: object; pause?: boolean; seek?: number }
  | { kind: 'publish'; channel: LiveChannel; request: PublishRequest }
  | { kind: 'live'; channel: LiveChannel; player: LivePlayer; request: PlayRequest }
  | { kind: 'vod'; playback: VodPlayback; request: PlayRequest; stopped: boolean };

/** The roles of one connection's message streams. */
export class ClientStreams {
  readonly #ctx: StreamContext;
  readonly #roles = new Map<number, Role>();
  /** SetBufferLength per stream (ms), which paces VOD; it may arrive before the play is set up. */
  readonly #bufferMs = new Map<number, number>();

  constructor(ctx: StreamContext) {
    this.#ctx = ctx;
  }

  /** What each message stream does (for logs and introspection). */
  get roles(): ReadonlyMap<number, { kind: string; name?: string }> {
    const out = new Map<number, { kind: string; name?: string }>();
    for (const [id, r] of this.#roles)
      out.set(id, r.kind === 'pending' ? { kind: r.kind } : { kind: r.kind, name: r.request.name });
    return out;
  }

  /** Handles the stream-related session events; false for events it does not own. */
  handle(e: ServerEvent): boolean {
    switch (e.kind) {
      case 'play':
        this.#play(e).catch((err: unknown) => this.#ctx.reportError(err));
        return true;
      case 'publish':
        this.#publish(e).catch((err: unknown) => this.#ctx.reportError(err));
        return true;
      case 'media': {
        const r = this.#roles.get(e.streamId);
        if (r?.kind === 'publish') r.channel.media(e.type, e.timestamp, unpinned(e.payload));
        return true;
      }
      case 'data': {
        const r = this.#roles.get(e.streamId);
        if (r?.kind !== 'publish') return true;
        const max = this.#ctx.server.options.maxMetadataSize;
        if (e.payload.length > max) {
          this.#ctx.server.limit(
            new RTMPLimitError(
              `a ${e.name ?? 'data'} message of ${e.payload.length} bytes on ${r.request.app}/${r.request.name} dropped (maxMetadataSize ${max})`,
              LimitCode.SERVER_LIMIT_METADATA_SIZE,
              'maxMetadataSize',
            ),
            this.#ctx.client,
            this.#ctx.client.remoteAddress,
          );
          return true;
        }
        r.channel.data(e.name, e.values, e.timestamp);
        return true;
      }
      case 'pause':
        this.#pause(e.streamId, e.pause);
        return true;
      case 'seek':
        this.#seek(e.streamId, e.milliseconds);
        return true;
      case 'bufferLength':
        if (e.streamId !== 0 && this.#ctx.session.streams.has(e.streamId)) {
          this.#bufferMs.set(e.streamId, e.milliseconds);
        }
        return true;
      case 'closeStream':
        void this.end(e.streamId);
        return true;
      case 'deleteStream':
        void this.end(e.streamId);
        this.#bufferMs.delete(e.streamId);
        return true;
      default:
        return false;
    }
  }

  /** `receiveAudio`/`receiveVideo` on a live play. */
  receive(streamId: number, what: 'audio' | 'video', on: boolean): void {
    const r = this.#roles.get(streamId);
    if (r?.kind !== 'live') return;
    if (what === 'audio') r.player.receiveAudio = on;
    else {
      if (on && !r.player.receiveVideo) r.player.waitKeyframe = true;
      r.player.receiveVideo = on;
    }
  }

  /** Duration (seconds) for `getStreamLength`: the VOD file's, 0 for live or unknown names. */
  async streamLength(name: string): Promise<number> {
    const app = this.#ctx.app();
    if (!this.#ctx.server.options.vodApps.has(app)) return 0;
    const v = vodName(splitQuery(name)[0]);
    if (!v) return 0;
    const found = await this.#ctx.server.openVod(v);
    if ('error' in found) return 0;
    await found.source.close();
    return found.index.durationMs / 1000;
  }

  /** Ends the role of `streamId` (unpublish / stop playing); resolves when a VOD file is closed. */
  end(streamId: number): Promise<void> {
    const r = this.#roles.get(streamId);
    if (!r) return Promise.resolve();
    this.#roles.delete(streamId);
    const { server } = this.#ctx;
    switch (r.kind) {
      case 'pending':
        return Promise.resolve();
      case 'publish':
        if (r.channel.unpublish(r)) {
          server.unpublished(r.channel);
          server.log.info(`unpublish ${r.request.app}/${r.request.name} (client ${this.#ctx.client.id})`);
          server.emit('unpublish', r.request);
        }
        server.releaseChannel(r.channel);
        return Promise.resolve();
      case 'live':
        r.channel.removePlayer(r.player);
        server.releaseChannel(r.channel);
        server.emit('stop', r.request);
        return Promise.resolve();
      case 'vod': {
        const closed = r.playback
          .stop()
          .catch((err) => server.log.warn(`closing VOD source: ${String(err)}`));
        if (!r.stopped) server.emit('stop', r.request);
        r.stopped = true;
        return closed;
      }
    }
  }

  /** Ends every role (the connection closed); resolves when every VOD file is closed. */
  async endAll(): Promise<void> {
    await Promise.all([...this.#roles.keys()].map((id) => this.end(id)));
  }

  #status(streamId: number, info: StatusInit): void {
    if (this.#ctx.closed() || !this.#ctx.session.streams.has(streamId)) return;
    this.#ctx.session.status(streamId, { level: 'status', ...info });
    this.#ctx.flush();
  }

  #refuse(streamId: number, code: string, description: string, info: StatusInit = {}): void {
    this.#status(streamId, { level: 'error', code, description, ...info });
  }

  /**
   * Registers a pending role (pause/seek arriving while a hook or file open is pending
   * are remembered on it); returns a check that the request is still current after an await.
   */
  #begin(streamId: number): () => boolean {
    void this.end(streamId);
    const token = {};
    this.#roles.set(streamId, { kind: 'pending', token });
    return () => {
      const r = this.#roles.get(streamId);
      return (
        !this.#ctx.closed() &&
        this.#ctx.session.streams.has(streamId) &&
        r?.kind === 'pending' &&
        r.token === token
      );
    };
  }

  async #publish(e: Extract<ServerEvent, { kind: 'publish' }>): Promise<void> {
    const { server, client } = this.#ctx;
    const app = this.#ctx.app();
    const [name, query] = splitQuery(e.name);
    const current = this.#begin(e.streamId);
    const fail = (code: string, description: string, info?: StatusInit): void => {
      if (current()) this.#roles.delete(e.streamId);
      this.#refuse(e.streamId, code, description, info);
    };
    if (server.options.vodApps.has(app)) {
      fail('NetStream.Publish.Denied', `Publishing to the VOD app ${app} is not allowed.`);
      return;
    }
    if (name === '') {
      fail('NetStream.Publish.BadName', 'Empty stream name.');
      return;
    }
    const keys = server.options.keys;
    if (keys) {
      const k = await keys.check(app, name);
      if (!current()) return;
      if (!k.allow) {
        // A refusal like the limits': one warning per address per interval (key guessing floods).
        const why = `publish to ${maskedStream(app, name)} refused: ${k.reason} (client ${client.id})`;
        server.fault(client.remoteAddress, 'stream key refused', why);
        fail('NetStream.Publish.Denied', 'Publishing denied: unknown stream key.');
        return;
      }
    }
    const request: PublishRequest = { client, app, name, query, streamId: e.streamId, type: e.type };
    const verdict = await decide(server.options.onPublish, request);
    if (!current()) return;
    if (!verdict.allow) {
      fail('NetStream.Publish.Denied', `Publishing ${name} denied.`, verdict.info);
      return;
    }
    const channel = server.channel(app, name);
    const role: Role = { kind: 'publish', channel, request };
    if (!channel.publish(role)) {
      server.releaseChannel(channel);
      fail('NetStream.Publish.BadName', `${name} is already being published.`);
      return;
    }
    this.#roles.set(e.streamId, role);
    server.published(channel);
    this.#ctx.session.acceptPublish(e.streamId, { name });
    this.#ctx.flush();
    server.log.info(`publish ${app}/${name} (client ${client.id}, ${e.type})`);
    server.emit('publish', request);
  }

  async #play(e: Extract<ServerEvent, { kind: 'play' }>): Promise<void> {
    const { server, client } = this.#ctx;
    const app = this.#ctx.app();
    const [name, query] = splitQuery(e.name);
    if (this.#replay(e.streamId, app, name)) return;
    const current = this.#begin(e.streamId);
    const kind = server.options.vodApps.has(app) ? 'vod' : 'live';
    const request: PlayRequest = {
      client,
      app,
      name,
      query,
      streamId: e.streamId,
      kind,
      start: e.start,
      duration: e.duration,
    };
    const notFound = (): void => {
      if (current()) this.#roles.delete(e.streamId);
      this.#refuse(e.streamId, 'NetStream.Play.StreamNotFound', `Failed to play ${name}; stream not found.`, {
        details: name,
      });
    };
    const verdict = await decide(server.options.onPlay, request);
    if (!current()) return;
    if (!verdict.allow) {
      this.#roles.delete(e.streamId);
      this.#refuse(e.streamId, 'NetStream.Play.Failed', `Playing ${name} denied.`, verdict.info);
      return;
    }
    if (kind === 'live') {
      if (name === '') {
        notFound();
        return;
      }
      const pending = this.#roles.get(e.streamId) as Extract<Role, { kind: 'pending' }>;
      this.#playLive(e.streamId, request);
      if (pending.pause) this.#pause(e.streamId, true);
      return;
    }
    const file = vodName(name);
    if (!file) {
      notFound();
      return;
    }
    const found = await server.openVod(file);
    if (!current()) {
      if (!('error' in found)) await found.source.close();
      return;
    }
    if ('error' in found) {
      if (found.error === 'invalid') {
        this.#roles.delete(e.streamId);
        this.#refuse(e.streamId, 'NetStream.Play.FileStructureInvalid', `${name}: ${found.message}`);
      } else {
        notFound();
      }
      return;
    }
    const ctx = this.#ctx;
    const playback = new VodPlayback(
      {
        session: ctx.session,
        streamId: e.streamId,
        flush: () => ctx.flush(),
        drained: () => ctx.drained(),
        closed: () => ctx.closed(),
        hold: (buffer) => ctx.hold(buffer),
        ended: () => {
          server.log.debug(`VOD ${name} complete (client ${client.id})`);
          if (!role.stopped) server.emit('stop', request);
          role.stopped = true;
        },
      },
      found.index,
      found.source,
      {
        name,
        startMs: e.start,
        durationMs: e.duration,
        leadMs: () =>
          server.options.vodPacing === 'none'
            ? Number.POSITIVE_INFINITY
            : Math.max(MIN_VOD_LEAD_MS, this.#bufferMs.get(e.streamId) ?? DEFAULT_VOD_LEAD_MS),
        log: server.log,
      },
    );
    const pending = this.#roles.get(e.streamId) as Extract<Role, { kind: 'pending' }>;
    const role: Extract<Role, { kind: 'vod' }> = { kind: 'vod', playback, request, stopped: false };
    this.#roles.set(e.streamId, role);
    server.log.info(
      `play vod ${app}/${name} (client ${client.id}, start ${e.start}, duration ${e.duration})`,
    );
    server.emit('play', request);
    playback.start();
    if (pending.seek !== undefined) playback.seek(pending.seek);
    if (pending.pause) playback.pause(true);
  }

  /**
   * A play of the live stream this message stream already plays: answered again
   * (NetStream.Play.Reset/Start) but the player stays subscribed, so the late-joiner
   * state (onMetaData, sequence headers, GOP) is queued once per play, not once per
   * re-sent command. True when handled.
   */
  #replay(streamId: number, app: string, name: string): boolean {
    const r = this.#roles.get(streamId);
    if (r?.kind !== 'live' || r.request.app !== app || r.request.name !== name) return false;
    this.#ctx.session.startPlay(streamId, { name });
    this.#ctx.flush();
    return true;
  }

  #playLive(streamId: number, request: PlayRequest): void {
    const { server, session } = this.#ctx;
    const ctx = this.#ctx;
    const out: LiveOutput = {
      streamId,
      backlog: () => ctx.backlog(),
      holdsPayloads: true,
      // Called from the publisher's connection: a failure here is this player's, never the publisher's.
      media: (type, ts, payload) => {
        if (ctx.closed() || !session.streams.has(streamId)) return;
        ctx.hold(payload);
        try {
          session.sendMedia(streamId, type, ts, payload);
        } catch (err) {
          ctx.reportError(err);
        }
        ctx.flushSoon(payload.length + 18);
      },
      data: (values: readonly AmfValue[], ts) => {
        if (ctx.closed() || !session.streams.has(streamId)) return;
        try {
          session.sendData(streamId, values, ts);
        } catch (err) {
          ctx.reportError(err);
        }
        ctx.flushSoon(64);
      },
      status: (info) => {
        if (ctx.closed() || !session.streams.has(streamId)) return;
        try {
          session.status(streamId, { level: 'status', ...info });
        } catch (err) {
          ctx.reportError(err);
        }
        ctx.flushSoon(128);
      },
    };
    const channel = server.channel(request.app, request.name);
    const player = new LivePlayer(out, server.options.liveHighWaterMark, mediaFilterFor(ctx.client));
    this.#roles.set(streamId, { kind: 'live', channel, player, request });
    session.startPlay(streamId, { name: request.name });
    ctx.flush();
    channel.addPlayer(player);
    ctx.flush();
    server.log.info(
      `play live ${request.app}/${request.name} (client ${this.#ctx.client.id}${channel.publisher ? '' : ', waiting for a publisher'})`,
    );
    server.emit('play', request);
  }

  /** The role of `streamId` once its play is set up; a pending one gets `remember` (applied when it starts). */
  #started(
    streamId: number,
    remember: (pending: Extract<Role, { kind: 'pending' }>) => void,
  ): Role | undefined {
    const r = this.#roles.get(streamId);
    if (r?.kind !== 'pending') return r;
    remember(r);
    return undefined;
  }

  #pause(streamId: number, paused: boolean): void {
    const r = this.#started(streamId, (p) => {
      p.pause = paused;
    });
    if (r?.kind === 'vod') r.playback.pause(paused);
    if (r?.kind !== 'live') return;
    this.#ctx.session.pauseNotify(streamId, paused);
    this.#ctx.flush();
    r.player.paused = paused;
    if (!paused && r.channel.publisher) r.channel.catchUp(r.player, false);
  }

  #seek(streamId: number, ms: number): void {
    const r = this.#started(streamId, (p) => {
      p.seek = ms;
    });
    if (r?.kind === 'vod') r.playback.seek(ms);
    if (r?.kind !== 'live') return;
    // Live: nothing to seek, but librtmp drops media until Seek.Notify, so always answer.
    this.#ctx.session.seekNotify(streamId, ms);
    this.#ctx.flush();
  }
}
