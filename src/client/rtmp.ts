/**
 * `RTMP` — the public client (python-librtmp's `RTMP`) over TCP, TLS or an HTTP tunnel:
 * its lifecycle (connect, createStream, close) and the routing of the session's events.
 * The protocol runs in the sans-IO `ClientSession` (session/), driven by an `IoLoop`;
 * calls and handlers live in remote-calls.ts, the raw packet API in raw-packets.ts (their
 * public methods in rtmp-faces.ts), the streams in rtmp-stream.ts, the connection's
 * state, connect answer, failure and end (close, reconnect, give up) in lifecycle.ts.
 *
 * The async design, and where it differs from python-librtmp (each on purpose):
 * - The protocol core always runs: once connected, every message is processed as it
 *   arrives — acknowledgements, pings, chunk sizes, `_checkbw`, `close`, result matching,
 *   invoke handlers, the NetStream rules.
 * - `connect()` waits for the server's answer and resolves with its info object (python
 *   returned before the answer); a refusal rejects with the server's info.
 * - Units follow python-librtmp's documentation (seconds for start/stop/seek/timeouts),
 *   not librtmp's milliseconds, except inside librtmp option strings.
 * - Several streams per connection (each `createStream` is independent; `RTMPStream.close`
 *   closes one stream, `RTMP.close` the connection).
 * - An unknown constructor option is refused, never ignored.
 *
 * Timeouts (`timeout`, seconds): the handshake, the connect answer, and "no byte from the
 * server for that long" while something needs server data (connecting, createStream, a
 * stream being played, `readPacket`) end the connection. A call the server never answers
 * does not: its own `result({ timeout })` times out the caller only. A played stream
 * without audio/video for `mediaTimeout` fails alone (the session's media deadline); an
 * answer that does not decode fails its wait at once.
 *
 * Connecting is connect-attempt.ts (one attempt; `connect()`'s retries). Reconnect
 * (`reconnect`, opt-in): a lost connection with a retriable cause starts a `Reconnection`
 * (reconnect.ts, started by lifecycle.ts) that keeps the streams waiting until it
 * reconnects or gives up. ReconnectRequest (E-RTMP v2, `followReconnect`): a `Handover`
 * (reconnect-request.ts) opens a successor — an `RTMP` of its own with this one's options
 * and parameters — and re-creates the streams there; `#adopt` then takes over its
 * transport and session in one step, and re-points the routes of both transports.
 */

import { UsageCode } from '../error-codes.js';
import { type RTMPConnectionError, RTMPUsageError } from '../errors.js';
import { createLogger } from '../log.js';
import type { SessionEvent } from '../session/client-events.js';
import type { ClientSession } from '../session/client-session.js';
import type { EnhancedCapabilities } from '../session/connect-object.js';
import { followsReconnectRequest, type ReconnectRequest } from '../session/connect-object.js';
import type { StatusInfo } from '../session/status.js';
import { checkScheme } from '../transport/index.js';
import type { IoLoop } from '../transport/io-loop.js';
import { applyConstructorOptions } from '../url/constructor-options.js';
import {
  applyLibrtmpOption,
  cloneParams,
  parseLibrtmpUrl,
  type RTMPParams,
  setupLibrtmpUrl,
} from '../url/options.js';
import {
  type AttemptHost,
  connectAttempts,
  connectOnce,
  type HashedSwf,
  type Route,
  type RouteTarget,
} from './connect-attempt.js';
import { checkConnectOptions, connectArguments, PublisherAuth } from './connect-setup.js';
import { type EventRoutes, routeEvent } from './event-routes.js';
import { checkBufferLead } from './lead-policy.js';
import { Lifecycle } from './lifecycle.js';
import { checkOptions } from './option-check.js';
import type { ConnectOptions, CreateStreamOptions, RTMPOptions } from './options.js';
import { RawPackets } from './raw-packets.js';
import {
  Handover,
  type HandoverPair,
  leaveOld,
  moveStreams,
  retarget,
  type Successor,
  successorOptions,
} from './reconnect-request.js';
import { RemoteCalls } from './remote-calls.js';
import { RTMPFaces } from './rtmp-faces.js';
import type { RTMPPacket } from './rtmp-packet.js';
import type { RTMPStream, StreamConnection } from './rtmp-stream.js';
import { openStream, type StreamOpenerLink } from './stream-opener.js';
import { anySignal, checkSeconds, type Deferred, throwIfAborted } from './waiters.js';

export type { ConnectOptions, CreateStreamOptions } from './options.js';
export type { RTMPEvents } from './rtmp-faces.js';

const log = createLogger('client');

const NOT_CONNECTED = 'not connected: call connect() first';

/** An RTMP client connection. */
export class RTMP extends RTMPFaces {
  #params: RTMPParams;
  readonly #options: RTMPOptions;
  #session: ClientSession | undefined;
  #loop: IoLoop | undefined;
  /** State, connect answer, failure and end of the connection (lifecycle.ts). */
  readonly #life: Lifecycle;
  #hashed: HashedSwf = {};
  #nextTxn = 1;
  readonly #publishMode: boolean;
  readonly #creates = new Map<number, Deferred<number>>();
  readonly #streams = new Map<number, RTMPStream>();
  protected readonly calls: RemoteCalls;
  protected readonly packets: RawPackets;
  readonly #conn: StreamConnection;
  readonly #opener: StreamOpenerLink;
  readonly #routes: EventRoutes;
  /** This connection's event handlers, and the route of its current transport to them. */
  readonly #target: RouteTarget = {
    onEvents: (events) => this.#onEvents(events),
    onClose: (error) => this.#life.onTransportClose(error),
    isWaiting: () => this.#isWaiting(),
  };
  #route: Route = { to: this.#target };
  /** Connecting (connect-attempt.ts). */
  readonly #attempt: AttemptHost;
  #handover: Handover | undefined;

  /**
   * @param url `rtmp[s]://host[:port][/app[/playpath]]`, optionally followed by librtmp
   *   `key=value` options (librtmp units: start/stop ms), e.g. `"rtmp://h/vod/x live=1"`.
   * @param options python-librtmp's constructor options (seconds/ms as python-librtmp
   *   documents them, camelCased) and rtmpkit's (signal, tls, publish, limits, …).
   * @throws RTMPUsageError `ERR_URL_*` / `ERR_RTMP_OPTION` for a bad URL or option — an
   *   unknown key too (python-librtmp's spellings get a hint naming rtmpkit's)
   */
  constructor(url: string, options: RTMPOptions = {}) {
    super();
    checkOptions(options);
    this.#options = options;
    this.#params = applyConstructorOptions(parseLibrtmpUrl(url), options);
    this.#publishMode = options.publish === true;
    const limits = options.limits ?? {};
    const common = {
      kick: () => this.#loop?.kick(),
      waitDrain: () => this.#loop?.waitDrain() ?? Promise.resolve(),
      needsDrain: () => this.#loop?.needsDrain ?? false,
      waitStarted: () => this.#loop?.waitStarted(),
      open: () => this.#loop !== undefined && !this.#loop.closed,
      connectedSession: () => this.#requireConnected(),
    };
    this.calls = new RemoteCalls({
      ...common,
      liveSession: () => this.#requireSession(),
      connected: () => this.connected,
      closed: () => this.#life.closeWait.promise.catch(() => {}),
      invoked: (inv) => this.emit('invoke', inv),
      invokeBacklog: limits.invokeBacklog ?? 64,
    });
    this.packets = new RawPackets({
      ...common,
      currentSession: () => this.#session,
      closedError: (what) => this.#life.closedError(what),
      calls: this.calls,
      packetQueue: limits.packetQueue ?? 1024,
    });
    this.#conn = {
      ...common,
      bufferedAmount: () => this.bufferedAmount,
      session: () => this.#requireSession(),
      pauseReading: (key) => this.#loop?.pauseReading(key),
      resumeReading: (key) => this.#loop?.resumeReading(key),
      whenUp: () => this.#life.reconnect?.up.promise ?? this.#handover?.whenUp() ?? Promise.resolve(),
      forget: (s) => {
        if (this.#streams.get(s.streamId) === s) this.#streams.delete(s.streamId);
      },
      metadata: (s, meta) => this.emit('metadata', meta, s.streamId),
    };
    this.#routes = {
      streams: this.#streams,
      creates: this.#creates,
      calls: this.calls,
      emit: this.emit.bind(this),
      tcUrl: () => this.#params.tcUrl,
      end: () => this.#loop?.end(),
      failure: () => this.#life.failure,
      follow: (request) => this.#follow(request),
    };
    this.#opener = {
      options,
      publishMode: this.#publishMode,
      conn: this.#conn,
      params: () => this.#params,
      session: () => this.#requireConnected(),
      creates: this.#creates,
      streams: this.#streams,
      kickWait: () => this.#kickWait(),
    };
    this.#life = new Lifecycle({
      options,
      streams: this.#streams,
      creates: this.#creates,
      calls: this.calls,
      packets: this.packets,
      opener: this.#opener,
      emit: this.emit.bind(this),
      hasErrorListener: () => this.listenerCount('error') > 0,
      loop: () => this.#loop,
      session: () => this.#session,
      handover: () => this.#handover,
      onEvents: (events) => this.#onEvents(events),
      connectAgain: async (signal) => {
        await connectOnce(this.#attempt, undefined, undefined, signal, this.#hashed, true);
      },
    });
    this.#attempt = {
      options,
      life: this.#life,
      packets: this.packets,
      target: this.#target,
      params: () => this.#params,
      emit: this.emit.bind(this),
      connected: () => this.connected,
      reset: (keepStreams) => this.#reset(keepStreams),
      nextTransactionId: () => this.#nextTxn,
      install: (opened) => {
        this.#session = opened.session;
        this.#route = opened.route;
        this.#loop = opened.loop;
      },
    };
  }

  // ================================================================ properties

  /** True while connected to the server (python-librtmp `connected`). */
  get connected(): boolean {
    return this.#life.state === 'connected' && this.#loop !== undefined && !this.#loop.closed;
  }

  /**
   * Bytes handed to the connection that its transport has not finished writing yet (0
   * when nothing is pending, or when not connected), like a WebSocket's
   * `bufferedAmount`: a publisher can watch it for congestion. Once it is 0 after a
   * write resolved, the transport no longer points into the payloads written before
   * (the session copies what it keeps, e.g. the sequence headers a reconnect resends).
   */
  get bufferedAmount(): number {
    return this.#loop?.writableLength ?? 0;
  }

  /** The current parameters (URL, options) as `src/url` normalized them. */
  get params(): Readonly<RTMPParams> {
    return this.#params;
  }

  /** The info object of the connect `_result` (code, description, objectEncoding, …). */
  get connectInfo(): StatusInfo | undefined {
    return this.#life.connectInfo;
  }

  /** The properties object of the connect `_result` (fmsVer, capabilities, mode). */
  get serverProperties(): StatusInfo | undefined {
    return this.#life.serverProperties;
  }

  /**
   * The server's Enhanced RTMP answer to connect (`fourCcList`, `videoFourCcInfoMap`,
   * `audioFourCcInfoMap`, `capsEx` of its `_result`), or undefined when it sent none —
   * a server that predates E-RTMP, or one that does not say.
   */
  get enhancedCapabilities(): EnhancedCapabilities | undefined {
    return this.#life.enhanced;
  }

  /**
   * The last transaction id used (python-librtmp `transaction_id`, librtmp's invoke
   * counter); the next call uses this + 1. Settable.
   */
  get transactionId(): number {
    return (this.#session?.nextTransactionId ?? this.#nextTxn) - 1;
  }

  set transactionId(value: number) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RTMPUsageError(`transactionId must be a non-negative integer, got ${String(value)}`, {
        code: UsageCode.RTMP_BAD_ARGUMENT,
      });
    }
    this.#nextTxn = value + 1;
    if (this.#session) this.#session.nextTransactionId = value + 1;
  }

  // ================================================================ configuration

  /**
   * Sets a librtmp option (python-librtmp `set_option`; librtmp keys and units, e.g.
   * `setOption('live', 1)`, `setOption('start', 5000)` ms). Takes effect for what is
   * sent afterwards (connect options before `connect()`, play options before `createStream()`).
   *
   * @throws RTMPUsageError `ERR_RTMP_OPTION` for an unknown key or a bad value (python: ValueError)
   */
  setOption(key: string, value: string | number | boolean): void {
    if (typeof key !== 'string')
      throw new RTMPUsageError('option key must be a string', { code: UsageCode.RTMP_OPTION });
    applyLibrtmpOption(this.#params, key, value);
  }

  /**
   * Re-parses a URL with optional librtmp options (python-librtmp `setup_url`): host,
   * app and playpath are replaced; options set before stay unless the string sets them.
   * Not while connected.
   *
   * @throws RTMPUsageError `ERR_URL_*` / `ERR_RTMP_OPTION`; `ERR_RTMP_STATE` while connected
   */
  setupUrl(url: string): void {
    if (this.#life.state === 'connecting' || this.#life.state === 'connected') {
      throw new RTMPUsageError('setupUrl() while connected: close() first', { code: UsageCode.RTMP_STATE });
    }
    setupLibrtmpUrl(this.#params, url);
  }

  // ================================================================ connection

  /**
   * Connects: TCP, TLS (rtmps://) or the HTTP tunnel (rtmpt://), through `proxy` or `socks`
   * when set; handshake (RTMPE for rtmpe:// and rtmpte://: everything after it encrypted);
   * `connect` (or `packet`, sent as is, instead) — and waits for the answer. Resolves with
   * the server's info object (`{ level, code: 'NetConnection.Connect.Success', … }`).
   * `connect(options)` and `connect(packet, options)` both take `{ signal }`.
   *
   * A rejection naming `authmod=adobe` or `authmod=llnw` is answered with `pubUser`/
   * `pubPasswd` (or the URL's `user:pass@`): at most two reconnects, as FFmpeg does.
   *
   * Rejects with `RTMPError` `ERR_RTMP_CONNECT_REJECTED` carrying the server's info on
   * `_error` or an onStatus Connect.Rejected/Failed/InvalidApp; `RTMPAuthError`
   * (`ERR_AUTH_FAILED`, `ERR_AUTH_NO_SUCH_USER`, `ERR_AUTH_UNSUPPORTED`,
   * `ERR_AUTH_NO_CREDENTIALS`, `ERR_AUTH_BAD_CHALLENGE`) when authentication fails;
   * `RTMPConnectionError` when the connection is refused or reset (`RTMPProxyError` when
   * a proxy refuses); `RTMPTimeoutError` after `timeout` seconds without progress.
   *
   * With `swfVfy` and no `swfHash`/`swfSize`, the SWF at `swfUrl` is hashed first
   * (`hashSwf`, librtmp's `~/.swfinfo` cache, `swfAge` days, 5 s HTTP timeout); its
   * failures reject with `ERR_SWF_*` errors before any RTMP connection is made.
   */
  async connect(packet?: RTMPPacket | ConnectOptions, options: ConnectOptions = {}): Promise<StatusInfo> {
    [packet, options] = connectArguments(packet, options);
    if (
      this.#life.state === 'connecting' ||
      this.#life.state === 'connected' ||
      this.#life.state === 'closing'
    ) {
      throw new RTMPUsageError(`connect() while ${this.#life.state}`, { code: UsageCode.RTMP_STATE });
    }
    if (this.#life.reconnect !== undefined)
      throw new RTMPUsageError('connect() while reconnecting', { code: UsageCode.RTMP_STATE });
    const p = this.#params;
    checkScheme(p.url.protocol);
    checkConnectOptions(p, this.#options);
    throwIfAborted(options.signal);
    throwIfAborted(this.#options.signal);
    const signal = anySignal(options.signal, this.#options.signal);
    // A raw connect packet is sent as is: there is no app to add an auth answer to.
    this.#life.auth = packet === undefined ? new PublisherAuth(p) : undefined;
    const hashed: HashedSwf = {};
    this.#hashed = hashed;
    return connectAttempts(this.#attempt, packet, options.signal, signal, hashed);
  }

  /**
   * Closes the connection (python-librtmp `close`): open streams are deleted (publishers
   * get FCUnpublish first), pending output is flushed, then the socket ends. Pending
   * calls and reads reject with `RTMPConnectionError`. Idempotent; never rejects.
   */
  async close(): Promise<void> {
    await this.#life.close();
  }

  // ================================================================ streams

  /**
   * Prepares a stream (python-librtmp `create_stream`) and waits until it runs.
   *
   * Play: [FCSubscribe when live or `subscribe`], createStream, [set_playlist], play(playpath,
   * start, len) — start = −1000 for live, else `seek`/`start` in ms; len = stop − start when
   * `stop` is set — and SetBufferLength(`buffer`); resolves on NetStream.Play.Start (or the
   * first media). Publish (`writeable`): releaseStream, FCPublish, createStream,
   * publish(playpath, `publishType`); resolves on NetStream.Publish.Start.
   *
   * Rejects with `RTMPError` (`ERR_RTMP_PLAY_FAILED` / `ERR_RTMP_PUBLISH_FAILED` /
   * `ERR_RTMP_CREATE_STREAM_FAILED`, server info attached), `RTMPTimeoutError` after
   * `timeout` seconds, or `signal.reason`.
   */
  async createStream(options: CreateStreamOptions = {}): Promise<RTMPStream> {
    this.#requireConnected();
    const p = this.#params;
    const writeable = options.writeable === true;
    const seekSec = checkSeconds('seek', options.seek);
    const bufferLead = checkBufferLead(options.bufferLead);
    if (p.playpath === '') {
      throw new RTMPUsageError(
        'no playpath: put it in the URL (rtmp://host/app/playpath) or set the playpath option',
        {
          code: UsageCode.RTMP_NO_PLAYPATH,
        },
      );
    }
    throwIfAborted(options.signal);
    return openStream(this.#opener, {
      writeable,
      seekSec,
      updateBuffer: options.updateBuffer ?? true,
      bufferLead,
      signal: options.signal,
    });
  }

  // ================================================================ internals: ReconnectRequest

  /** Follows a ReconnectRequest when this connection offered to (see `followReconnect`). */
  #follow(request: ReconnectRequest): void {
    const busy = this.#handover !== undefined || this.#life.reconnect !== undefined;
    if (busy || this.#life.state !== 'connected' || !followsReconnectRequest(this.#options)) return;
    this.#handover = new Handover(request, {
      streams: () => [...this.#streams.values()],
      successor: (tcUrl) => this.#successor(tcUrl),
      timeoutSec: this.#params.timeout,
      signal: this.#options.signal,
      reconnecting: (info) => this.emit('reconnecting', info),
      reconnected: (info) => {
        this.#handover = undefined;
        this.emit('reconnected', info);
      },
      failed: (error, req, lost) => {
        this.#handover = undefined;
        this.emit('reconnectFailed', error, req);
        if (lost !== undefined) this.#life.onTransportClose(lost.error as RTMPConnectionError | undefined);
      },
    });
  }

  /** The new connection of a hand-over: this one's options and parameters, aimed at `tcUrl`. */
  #successor(tcUrl: string): Successor {
    const next = new RTMP(tcUrl, successorOptions(this.#options));
    next.#params = retarget(cloneParams(this.#params), tcUrl);
    return {
      connect: async (signal) => {
        await next.connect({ signal });
      },
      open: (stream, seekSec, tap, signal) =>
        openStream(next.#opener, {
          writeable: stream.writeable,
          seekSec,
          updateBuffer: true,
          bufferLead: stream.bufferLead,
          signal,
          tap,
        }),
      get closed() {
        return next.#loop === undefined || next.#loop.closed;
      },
      adopt: (pairs) => this.#adopt(next, pairs),
      close: () => next.close(),
    };
  }

  /** The switch of a hand-over: `next`'s transport and session become this connection's; the old one is left. */
  #adopt(next: RTMP, pairs: readonly HandoverPair[]): void {
    const old = { session: this.#session, loop: this.#loop, streams: [...this.#streams] };
    const creates = [...this.#creates.values()];
    this.#route.to = undefined;
    next.#route.to = this.#target;
    this.#route = next.#route;
    this.#session = next.#session;
    this.#loop = next.#loop;
    this.#params = next.#params;
    this.#hashed = next.#hashed;
    this.#life.adopt(next.#life);
    this.#creates.clear();
    moveStreams(pairs, this.#streams, this.#session!);
    this.#loop?.kick();
    leaveOld({ ...old, creates, calls: this.calls }, pairs);
  }

  // ================================================================ internals: setup

  #reset(keepStreams = false): void {
    this.#life.reset();
    this.#creates.clear();
    if (!keepStreams) this.#streams.clear();
    this.calls.reset();
    this.packets.reset();
    this.#nextTxn = 1;
  }

  #requireSession(): ClientSession {
    const s = this.#session;
    if (s === undefined || this.#loop === undefined || this.#loop.closed || s.state === 'closed') {
      if (this.#life.failure !== undefined) throw this.#life.failure;
      throw new RTMPUsageError(NOT_CONNECTED, { code: UsageCode.RTMP_NOT_CONNECTED });
    }
    // The session knows the time only from what the shell tells it: a command's deadline
    // must count from now, not from the last byte or timer it saw.
    s.advance(performance.now());
    return s;
  }

  #requireConnected(): ClientSession {
    const s = this.#requireSession();
    if (this.#life.state !== 'connected') {
      const msg = this.#life.state === 'connecting' ? 'still connecting: await connect()' : NOT_CONNECTED;
      throw new RTMPUsageError(msg, { code: UsageCode.RTMP_NOT_CONNECTED });
    }
    return s;
  }

  #kickWait(): void {
    this.#loop?.waitStarted();
    this.#loop?.kick();
  }

  /** Whether something waits for server data (the idle timeout applies only then; calls never count). */
  #isWaiting(): boolean {
    if (this.#life.state === 'connecting' || this.#creates.size > 0 || this.packets.waiting) return true;
    for (const s of this.#streams.values()) if (!s.writeable && !s.ended) return true;
    return false;
  }

  // ================================================================ internals: events

  #onEvents(events: SessionEvent[]): void {
    for (const ev of events) {
      try {
        this.#onEvent(ev);
      } catch (err) {
        log.error(`internal error handling ${ev.kind}: ${(err as Error)?.stack ?? String(err)}`);
      }
    }
  }

  #onEvent(ev: SessionEvent): void {
    this.packets.onEvent(ev);
    this.#life.onEvent(ev);
    routeEvent(ev, this.#routes);
  }
}
