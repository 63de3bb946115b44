/**
 * `RTMP` — the public client (python-librtmp's `RTMP`, DESIGN.md §2; librtmp-parity §1,
 * §4.6–§4.10) over TCP or TLS, built on the sans-IO `ClientSession` and driven by an
 * `IoLoop`.
 *
 * The async design, and where it differs from python-librtmp (each on purpose):
 * - The protocol core always runs: once connected, every message is processed as it
 *   arrives — acknowledgements, pings, chunk sizes, `_checkbw`, `close`, result matching,
 *   invoke handlers. python-librtmp's "call handle_packet or the session desyncs"
 *   footgun is gone: `readPacket()` taps a bounded copy of incoming messages (from its
 *   first call on), and `handlePacket()` only classifies wire packets (they were already
 *   handled) or runs invoke handlers for packets you built.
 * - `connect()` waits for the server's answer and resolves with its info object (python
 *   returned before the answer); a refusal rejects with the server's info.
 * - Invoke handlers run whenever the server invokes, not only inside `processPackets`;
 *   invocations that arrive before `processPackets({ invokedMethod })` is called are
 *   remembered (`limits.invokeBacklog`, default 64) and satisfy it.
 * - `_error` rejects `RTMPCall.result()` with the server's info (python blocked forever).
 * - Units follow the seed's documentation (seconds for start/stop/seek/timeouts), not
 *   librtmp's milliseconds, except inside librtmp option strings.
 * - Several streams per connection (each `createStream` is independent; `RTMPStream.close`
 *   closes one stream, `RTMP.close` the connection).
 */

import { EventEmitter } from 'node:events';
import { decode as decodeAmf0 } from '../amf/amf0.js';
import { AMFObject, type AmfValue, newEcmaArray, setOwn } from '../amf/types.js';
import { RTMPConnectionError, RTMPError, RTMPTimeoutError, RTMPUsageError } from '../errors.js';
import type { ClientHandshakeInfo } from '../handshake/client.js';
import { createLogger } from '../log.js';
import { command, windowAckSize } from '../message/builders.js';
import { encodeMessage } from '../message/codec.js';
import { MessageType } from '../message/types.js';
import type { InvokeEvent, SessionEvent } from '../session/client-events.js';
import { ClientSession, type ClientSessionOptions, type SwfVerification } from '../session/client-session.js';
import type { ConnectParams } from '../session/connect-object.js';
import type { StatusInfo } from '../session/status.js';
import { hashSwf } from '../swf/index.js';
import { checkScheme, openTransport } from '../transport/index.js';
import { IoLoop } from '../transport/io-loop.js';
import { readsIntoReusedBuffer } from '../transport/tcp.js';
import {
  applyConstructorOptions,
  applyLibrtmpOption,
  parseLibrtmpUrl,
  type RTMPParams,
  setupLibrtmpUrl,
} from '../url/options.js';
import type { RTMPOptions } from './options.js';
import { type CallAnswer, RTMPCall } from './rtmp-call.js';
import { PacketType, RTMPPacket } from './rtmp-packet.js';
import { DEFAULT_HIGH_WATER_MARK, RTMPStream, type StreamHost } from './rtmp-stream.js';
import { decodeSecureToken, findSecureToken } from './secure-token.js';
import { checkSeconds, type Deferred, deferred, throwIfAborted, waitFor } from './waiters.js';

const log = createLogger('client');

/** A server-initiated call, as the `invoke` event and `processPackets` report it. */
export interface Invocation {
  /** Method name. */
  name: string;
  /** Transaction id (0 = the server expects no answer). */
  transactionId: number;
  /** Arguments after the command object (what handlers receive). */
  args: AmfValue[];
  /** The command object slot. */
  commandObject: AmfValue;
  /** Message stream id it arrived on. */
  streamId: number;
}

/** Typed events of `RTMP`. */
export interface RTMPEvents {
  /** The RTMP handshake completed (the TCP/TLS connection works and speaks RTMP). */
  handshake: [info: ClientHandshakeInfo];
  /** `connect` succeeded: the server's info and properties. */
  connect: [info: StatusInfo, properties: StatusInfo];
  /** An onStatus / onPlayStatus (streamId 0 = NetConnection). */
  status: [info: StatusInfo, streamId: number];
  /** The server invoked a method (after any handler ran). */
  invoke: [invocation: Invocation];
  /** A stream's onMetaData. */
  metadata: [metadata: Record<string, AmfValue>, streamId: number];
  /** A non-fatal protocol problem (one undecodable message, a dropped packet). */
  warning: [error: RTMPError];
  /** The connection failed (only emitted when someone listens; every pending promise rejects anyway). */
  error: [error: unknown];
  /** The connection closed; `error` when it was not a clean close. */
  close: [error: unknown];
}

/** An invoke handler: receives the call's arguments; its return value (or resolved promise) is sent as `_result`. */
export type InvokeHandler = (...args: AmfValue[]) => unknown;

/** Options of `connect`. */
export interface ConnectOptions {
  /** Cancels the attempt: the connection is torn down and the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Options of `createStream` (python-librtmp's `create_stream`). */
export interface CreateStreamOptions {
  /** Start playing at this position, **seconds** (overrides the `start` option). */
  seek?: number;
  /** Publish instead of play. */
  writeable?: boolean;
  /** python-librtmp's buffer hack: once the duration is known, SetBufferLength(duration + 5 s). Default true. */
  updateBuffer?: boolean;
  /** Cancels the wait (the half-created stream is deleted). */
  signal?: AbortSignal;
}

/** Options of `callWithOptions`. */
export interface CallOptions {
  /** Transaction id (default: the next one; 0 = no answer expected). */
  transactionId?: number;
  /** Command object (python-librtmp `obj`), default null. */
  commandObject?: AmfValue;
  /** Message stream id (default 0, the NetConnection). */
  streamId?: number;
  /** Chunk stream id (python-librtmp `channel`; default 3, or 8 on a stream). */
  channel?: number;
}

/** Options of `processPackets` (python-librtmp `process_packets`). */
export interface ProcessPacketsOptions {
  /** Resolve with the result of this transaction. */
  transactionId?: number;
  /** Resolve with the arguments of the next call of this method by the server. */
  invokedMethod?: string;
  /** Seconds to wait (RTMPTimeoutError after); default: no limit beyond the connection's. */
  timeout?: number;
  signal?: AbortSignal;
}

/** Options of `readPacket`. */
export interface ReadPacketOptions {
  /** Seconds to wait (RTMPTimeoutError after). */
  timeout?: number;
  signal?: AbortSignal;
}

interface PendingCreate {
  deferred: Deferred<number>;
}

const NOT_CONNECTED = 'not connected: call connect() first';

/** An RTMP client connection. */
export class RTMP extends EventEmitter<RTMPEvents> {
  #params: RTMPParams;
  readonly #options: RTMPOptions;
  #session: ClientSession | undefined;
  #loop: IoLoop | undefined;
  #state: 'idle' | 'connecting' | 'connected' | 'closing' | 'closed' = 'idle';
  #connectWait: Deferred<StatusInfo> | undefined;
  #connectTxn: number | undefined;
  #connectInfo: StatusInfo | undefined;
  #serverProperties: StatusInfo | undefined;
  #failure: unknown;
  #closeWait = deferred<void>();
  #nextTxn = 1;
  #publishMode: boolean;

  readonly #calls = new Map<number, RTMPCall>();
  readonly #answers = new Map<number, { ok: true; answer: CallAnswer } | { ok: false; error: RTMPError }>();
  readonly #creates = new Map<number, PendingCreate>();
  readonly #streams = new Map<number, RTMPStream>();
  readonly #handlers = new Map<string, InvokeHandler>();
  #invokeWaiters: { method: string; deferred: Deferred<AmfValue[]> }[] = [];
  #recentInvokes: Invocation[] = [];
  #packetTap: RTMPPacket[] | undefined;
  #packetWaiters: Deferred<void>[] = [];
  readonly #wirePackets = new WeakSet<RTMPPacket>();
  #droppedPackets = 0;
  #waits = 0;
  readonly #host: StreamHost;
  readonly #onAbort: () => void;

  /**
   * @param url `rtmp[s]://host[:port][/app[/playpath]]`, optionally followed by librtmp
   *   `key=value` options (librtmp units: start/stop ms), e.g. `"rtmp://h/vod/x live=1"`.
   * @param options python-librtmp's constructor options (seconds/ms as the seed
   *   documents) and rtmpkit's (signal, tls, publish, limits, …).
   * @throws RTMPUsageError `ERR_URL_*` / `ERR_RTMP_OPTION` for a bad URL or option
   */
  constructor(url: string, options: RTMPOptions = {}) {
    super();
    if (options === null || typeof options !== 'object') {
      throw new RTMPUsageError('options must be an object', { code: 'ERR_RTMP_OPTION' });
    }
    this.#options = options;
    this.#params = applyConstructorOptions(parseLibrtmpUrl(url), options);
    this.#publishMode = options.publish === true;
    if (
      options.objectEncoding !== undefined &&
      options.objectEncoding !== 0 &&
      options.objectEncoding !== 3
    ) {
      throw new RTMPUsageError(`objectEncoding must be 0 or 3, got ${String(options.objectEncoding)}`, {
        code: 'ERR_RTMP_OPTION',
      });
    }
    this.#onAbort = () => this.#fail(options.signal?.reason);
    this.#host = {
      session: () => this.#requireSession(),
      kick: () => this.#loop?.kick(),
      pauseReading: (key) => this.#loop?.pauseReading(key),
      resumeReading: (key) => this.#loop?.resumeReading(key),
      waitStarted: () => this.#loop?.waitStarted(),
      waitDrain: () => this.#loop?.waitDrain() ?? Promise.resolve(),
      needsDrain: () => this.#loop?.needsDrain ?? false,
      forget: (s) => {
        if (this.#streams.get(s.streamId) === s) this.#streams.delete(s.streamId);
      },
      metadata: (s, meta) => this.emit('metadata', meta, s.streamId),
    };
  }

  // ================================================================ properties

  /** True while connected to the server (python-librtmp `connected`). */
  get connected(): boolean {
    return this.#state === 'connected' && this.#loop !== undefined && !this.#loop.closed;
  }

  /** The current parameters (URL, options) as `src/url` normalized them. */
  get params(): Readonly<RTMPParams> {
    return this.#params;
  }

  /** The info object of the connect `_result` (code, description, objectEncoding, …). */
  get connectInfo(): StatusInfo | undefined {
    return this.#connectInfo;
  }

  /** The properties object of the connect `_result` (fmsVer, capabilities, mode). */
  get serverProperties(): StatusInfo | undefined {
    return this.#serverProperties;
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
        code: 'ERR_RTMP_BAD_ARGUMENT',
      });
    }
    this.#nextTxn = value + 1;
    if (this.#session) this.#session.nextTransactionId = value + 1;
  }

  /** Packets `readPacket()` dropped because nobody read them in time. */
  get droppedPackets(): number {
    return this.#droppedPackets;
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
    if (typeof key !== 'string') {
      throw new RTMPUsageError('option key must be a string', { code: 'ERR_RTMP_OPTION' });
    }
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
    if (this.#state === 'connecting' || this.#state === 'connected') {
      throw new RTMPUsageError('setupUrl() while connected: close() first', { code: 'ERR_RTMP_STATE' });
    }
    setupLibrtmpUrl(this.#params, url);
  }

  // ================================================================ connection

  /**
   * Connects: TCP (or TLS for rtmps://, through SOCKS4 if `socks` is set), handshake,
   * `connect` (or `packet`, sent as is, instead) — and waits for the answer. Resolves with
   * the server's info object (`{ level, code: 'NetConnection.Connect.Success', … }`).
   *
   * Rejects with `RTMPError` `ERR_RTMP_CONNECT_REJECTED` carrying the server's info on
   * `_error` or an onStatus Connect.Rejected/Failed/InvalidApp; `RTMPConnectionError` when
   * the connection is refused or reset; `RTMPTimeoutError` after `timeout` seconds without
   * progress; `ERR_RTMP_UNSUPPORTED_PROTOCOL` for rtmpe/rtmpte.
   *
   * With `swfVfy` and no `swfHash`/`swfSize`, the SWF at `swfUrl` is hashed first
   * (`hashSwf`, librtmp's `~/.swfinfo` cache, `swfAge` days, 5 s HTTP timeout); its
   * failures reject with `ERR_SWF_*` errors before any RTMP connection is made.
   */
  async connect(packet?: RTMPPacket, options: ConnectOptions = {}): Promise<StatusInfo> {
    if (packet !== undefined && !(packet instanceof RTMPPacket)) {
      throw new RTMPUsageError('connect(packet) needs an RTMPPacket', { code: 'ERR_RTMP_BAD_ARGUMENT' });
    }
    if (this.#state === 'connecting' || this.#state === 'connected' || this.#state === 'closing') {
      throw new RTMPUsageError(`connect() while ${this.#state}`, { code: 'ERR_RTMP_STATE' });
    }
    const p = this.#params;
    checkScheme(p.url.protocol);
    // swfVfy without a given hash: fetch and hash swfUrl before connecting (librtmp's
    // RTMP_HashSWF at setup; python-librtmp's hash_swf). An explicit swfHash/swfSize wins.
    const swfFetch = p.swfVfy && p.swfHash === undefined;
    if (swfFetch && (p.swfUrl === undefined || p.swfUrl === '')) {
      throw new RTMPUsageError('swfVfy needs swfUrl (or swfHash and swfSize)', { code: 'ERR_RTMP_OPTION' });
    }
    throwIfAborted(options.signal);
    throwIfAborted(this.#options.signal);
    this.#reset();
    this.#state = 'connecting';
    const signals = [options.signal, this.#options.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal =
      signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    const timeoutMs = p.timeout > 0 ? p.timeout * 1000 : 0;
    let transport: Awaited<ReturnType<typeof openTransport>>;
    let swf: SwfVerification | undefined;
    try {
      if (swfFetch) {
        const digest = await hashSwf(p.swfUrl!, { age: p.swfAge, ...(signal ? { signal } : {}) });
        swf = { hash: digest.hash, size: digest.size };
        log.info(`SWF verification: ${p.swfUrl} size ${digest.size} hash ${digest.hex}`);
      }
      transport = await openTransport({
        scheme: p.url.protocol,
        host: p.url.host,
        port: p.url.port,
        ...(timeoutMs > 0 ? { timeoutMs } : {}),
        ...(signal ? { signal } : {}),
        ...(p.socks ? { socks: p.socks } : {}),
        ...(this.#options.tls ? { tls: this.#options.tls } : {}),
      });
    } catch (err) {
      this.#state = 'closed';
      this.#failure = err;
      this.#closeWait.resolve();
      throw err;
    }
    // A plain-TCP socket reads into one reused buffer: the session must copy what it keeps.
    const reuseReadBuffer = readsIntoReusedBuffer(transport.socket);
    const sessionOptions = this.#sessionOptions(timeoutMs, swf);
    if (reuseReadBuffer) sessionOptions.chunkReader = { zeroCopy: false };
    const session = new ClientSession(sessionOptions);
    session.nextTransactionId = this.#nextTxn;
    this.#session = session;
    const wait = deferred<StatusInfo>();
    this.#connectWait = wait;
    const loop = new IoLoop(
      session,
      transport,
      {
        onEvents: (events) => this.#onEvents(events),
        onClose: (error) => this.#onTransportClose(error),
        isWaiting: () => this.#isWaiting(),
      },
      { idleTimeoutMs: timeoutMs, writeStallTimeoutMs: timeoutMs, reuseReadBuffer },
    );
    this.#loop = loop;
    this.#options.signal?.addEventListener('abort', this.#onAbort, { once: true });
    log.info(`connecting to ${transport.description}`);
    loop.start();
    if (packet !== undefined) {
      const raw = packet.toRawMessage();
      const txn = invokeTxn(packet);
      session.sendRaw(raw, { track: true });
      this.#connectTxn = txn;
    } else {
      this.#connectTxn = session.connect(this.#connectParams());
    }
    loop.kick();
    try {
      return await waitFor(wait.promise, {
        signal: options.signal,
        what: 'connect',
        onGiveUp: () => this.#fail(options.signal?.reason),
      });
    } catch (err) {
      if (!this.connected) this.#fail(err);
      throw err;
    }
  }

  /**
   * Closes the connection (python-librtmp `close`): open streams are deleted (publishers
   * get FCUnpublish first), pending output is flushed, then the socket ends. Pending
   * calls and reads reject with `RTMPConnectionError`. Idempotent; never rejects.
   */
  async close(): Promise<void> {
    const loop = this.#loop;
    if (this.#state === 'idle' || this.#state === 'closed' || loop === undefined || loop.closed) {
      this.#state = this.#state === 'idle' ? 'idle' : 'closed';
      return;
    }
    if (this.#state !== 'closing') {
      this.#state = 'closing';
      for (const s of [...this.#streams.values()]) await s.close().catch(() => {});
      this.#session?.close();
      loop.kick();
      loop.end();
    }
    // Closing never fails (python-librtmp's close does not raise either): a connection
    // that already failed reported that through the call that was waiting.
    await this.#closeWait.promise.catch(() => {});
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
    const session = this.#requireConnected();
    const p = this.#params;
    const writeable = options.writeable === true;
    const seekSec = checkSeconds('seek', options.seek);
    if (p.playpath === '') {
      throw new RTMPUsageError(
        'no playpath: put it in the URL (rtmp://host/app/playpath) or set the playpath option',
        {
          code: 'ERR_RTMP_NO_PLAYPATH',
        },
      );
    }
    throwIfAborted(options.signal);
    const timeoutSec = p.timeout > 0 ? p.timeout : undefined;
    if (writeable) {
      if (!this.#publishMode) {
        log.warn(
          'publishing on a connection made as a player (pass { publish: true } to connect as a publisher)',
        );
      }
      session.releaseStream(p.playpath);
      session.fcPublish(p.playpath);
    } else if (p.subscribe !== undefined || p.live) {
      session.fcSubscribe(p.subscribe ?? p.playpath);
    }
    const txn = session.createStream();
    const pending: PendingCreate = { deferred: deferred<number>() };
    this.#creates.set(txn, pending);
    this.#kickWait();
    let streamId: number;
    try {
      streamId = await waitFor(pending.deferred.promise, { signal: options.signal, what: 'createStream' });
    } finally {
      this.#creates.delete(txn);
    }
    if (this.#streams.has(streamId)) {
      throw new RTMPError(
        `the server answered createStream with stream id ${streamId}, which another stream of this connection uses (nginx-rtmp gives every stream id 1: one stream per connection there)`,
        { code: 'ERR_RTMP_STREAM_ID_IN_USE' },
      );
    }
    const limits = this.#options.limits ?? {};
    const stream = new RTMPStream(this.#host, {
      streamId,
      writeable,
      playpath: p.playpath,
      live: p.live,
      updateBuffer: options.updateBuffer ?? true,
      bufx: this.#options.realtime !== true,
      highWaterMark: limits.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
      timeoutSec: p.timeout,
    });
    this.#streams.set(streamId, stream);
    if (writeable) {
      session.publish(streamId, p.playpath, this.#options.publishType ?? 'live');
    } else {
      if (p.playlist) {
        const list = newEcmaArray();
        setOwn(list, '0', p.playpath);
        session.call('set_playlist', [list], { streamId, transactionId: 0, expectResult: false });
      }
      const startMs = p.live ? -1000 : Math.max(0, Math.round((seekSec ?? p.start) * 1000));
      const play: { start: number; duration?: number } = { start: startMs };
      if (p.stop > 0) play.duration = Math.max(0, Math.round(p.stop * 1000) - Math.max(0, startMs));
      session.play(streamId, p.playpath, play);
      session.setBufferLength(streamId, p.buffer);
    }
    this.#kickWait();
    try {
      await waitFor(stream.started, {
        timeoutSec,
        signal: options.signal,
        what: `${writeable ? 'publishing' : 'playing'} ${p.playpath}`,
      });
    } catch (err) {
      await stream.close().catch(() => {});
      throw err;
    }
    return stream;
  }

  // ================================================================ remote calls

  /**
   * Calls `method` on the server with `args` (python-librtmp `call`): AMF0 command
   * `[method, txn, null, ...args]` on chunk stream 3. Returns the `RTMPCall`; await
   * `call.result()` for the answer.
   */
  call(method: string, ...args: AmfValue[]): RTMPCall {
    return this.callWithOptions(method, args);
  }

  /**
   * `call` with python-librtmp's keyword parameters: `transactionId`, `commandObject`
   * (python `obj`), `channel`, and `streamId` (which python could not set). A separate
   * method because a trailing options object could not be told from an AMF object argument.
   */
  callWithOptions(method: string, args: readonly AmfValue[] = [], options: CallOptions = {}): RTMPCall {
    if (typeof method !== 'string' || method === '') {
      throw new RTMPUsageError('call() needs a method name', { code: 'ERR_RTMP_BAD_ARGUMENT' });
    }
    const session = this.#requireConnected();
    const txn = session.call(method, [...args], {
      ...(options.transactionId !== undefined ? { transactionId: options.transactionId } : {}),
      ...(options.commandObject !== undefined ? { commandObject: options.commandObject } : {}),
      ...(options.streamId !== undefined ? { streamId: options.streamId } : {}),
      ...(options.channel !== undefined ? { csid: options.channel } : {}),
      expectResult: false,
    });
    const call = this.#callFor(txn, method);
    this.#kickWait();
    return call;
  }

  /**
   * A function that calls `method` (python-librtmp `remote_method`); its `.name` is
   * `method`. With `block: true` it returns a promise of the result, else the `RTMPCall`.
   */
  remoteMethod(
    method: string,
    options: { block: true } & CallOptions,
  ): (...args: AmfValue[]) => Promise<AmfValue>;
  remoteMethod(method: string, options?: { block?: false } & CallOptions): (...args: AmfValue[]) => RTMPCall;
  remoteMethod(
    method: string,
    options: { block?: boolean } & CallOptions = {},
  ): (...args: AmfValue[]) => Promise<AmfValue> | RTMPCall {
    if (typeof method !== 'string' || method === '') {
      throw new RTMPUsageError('remoteMethod() needs a method name', { code: 'ERR_RTMP_BAD_ARGUMENT' });
    }
    const { block, ...callOptions } = options;
    const fn = (...args: AmfValue[]): Promise<AmfValue> | RTMPCall => {
      const call = this.callWithOptions(method, args, callOptions);
      return block ? call.result() : call;
    };
    Object.defineProperty(fn, 'name', { value: method, configurable: true });
    return fn;
  }

  /**
   * Registers a handler for server calls (python-librtmp `invoke_handler`):
   * `invokeHandler(function myAdd(a, b) {…})` uses the function's name,
   * `invokeHandler('MyMath.MyAdd', fn)` an explicit one. The handler gets the call's
   * arguments; a returned value (or resolved promise) other than `undefined` is sent as
   * `_result` (python: not None); a thrown error (or rejection) as `_error` with
   * `NetConnection.Call.Failed`. Nothing is sent for transaction 0. Returns the handler.
   */
  invokeHandler<F extends InvokeHandler>(handler: F): F;
  invokeHandler<F extends InvokeHandler>(name: string, handler: F): F;
  invokeHandler<F extends InvokeHandler>(a: string | F, b?: F): F {
    const handler = typeof a === 'function' ? a : b;
    const name = typeof a === 'function' ? a.name : a;
    if (typeof handler !== 'function') {
      throw new RTMPUsageError('invokeHandler() needs a function', { code: 'ERR_RTMP_BAD_ARGUMENT' });
    }
    if (typeof name !== 'string' || name === '') {
      throw new RTMPUsageError(
        'invokeHandler() needs a method name (an anonymous function has none: pass one)',
        {
          code: 'ERR_RTMP_BAD_ARGUMENT',
        },
      );
    }
    this.#handlers.set(name, handler);
    return handler;
  }

  /** Removes the handler for `name`; returns whether one was registered. */
  removeInvokeHandler(name: string): boolean {
    return this.#handlers.delete(name);
  }

  /**
   * Waits (python-librtmp `process_packets`): for the result of `transactionId` (resolves
   * with it, like `RTMPCall.result()`), or for the server to call `invokedMethod`
   * (resolves with its arguments; a call that arrived earlier counts), or — with neither —
   * until the connection closes (resolves undefined). Packets are processed all along.
   *
   * @throws RTMPTimeoutError after `timeout` seconds; RTMPConnectionError if the connection fails
   */
  async processPackets(options: ProcessPacketsOptions = {}): Promise<AmfValue | AmfValue[] | undefined> {
    const timeoutSec = checkSeconds('timeout', options.timeout);
    const { transactionId, invokedMethod, signal } = options;
    if (transactionId !== undefined && transactionId !== 0) {
      if (!Number.isFinite(transactionId) || transactionId < 0) {
        throw new RTMPUsageError(`transactionId must be a positive number, got ${transactionId}`, {
          code: 'ERR_RTMP_BAD_ARGUMENT',
        });
      }
      const call = this.#callFor(transactionId, undefined);
      if (!call.done) this.#requireSession();
      return this.#track(
        call.result({
          ...(timeoutSec !== undefined ? { timeout: timeoutSec } : {}),
          ...(signal ? { signal } : {}),
        }),
      );
    }
    if (invokedMethod !== undefined) {
      if (typeof invokedMethod !== 'string' || invokedMethod === '') {
        throw new RTMPUsageError('invokedMethod must be a method name', { code: 'ERR_RTMP_BAD_ARGUMENT' });
      }
      const i = this.#recentInvokes.findIndex((inv) => inv.name === invokedMethod);
      if (i >= 0) return this.#recentInvokes.splice(i, 1)[0]!.args;
      this.#requireSession();
      const d = deferred<AmfValue[]>();
      const entry = { method: invokedMethod, deferred: d };
      this.#invokeWaiters.push(entry);
      return this.#track(
        waitFor(d.promise, {
          timeoutSec,
          signal,
          what: `waiting for the server to call ${invokedMethod}`,
          onGiveUp: () => {
            this.#invokeWaiters = this.#invokeWaiters.filter((w) => w !== entry);
          },
        }),
      );
    }
    if (this.#loop === undefined || this.#loop.closed) return undefined;
    await this.#track(waitFor(this.#closeWait.promise, { timeoutSec, signal, what: 'processing packets' }));
    return undefined;
  }

  // ================================================================ raw packets

  /**
   * The next message from the server (python-librtmp `read_packet`), as an `RTMPPacket`.
   * From the first call on, incoming messages are copied to a queue (at most
   * `limits.packetQueue`, oldest dropped — see `droppedPackets`); they are processed by
   * the core as well (no `handlePacket` needed).
   *
   * @throws RTMPTimeoutError after `timeout` seconds; RTMPConnectionError when the
   *   connection ended and the queue is empty
   */
  async readPacket(options: ReadPacketOptions = {}): Promise<RTMPPacket> {
    const timeoutSec = checkSeconds('timeout', options.timeout);
    this.#packetTap ??= [];
    for (;;) {
      const p = this.#packetTap.shift();
      if (p !== undefined) return p;
      if (this.#loop === undefined || this.#loop.closed) {
        throw this.#closedError('read a packet');
      }
      const d = deferred<void>();
      this.#packetWaiters.push(d);
      await this.#track(waitFor(d.promise, { timeoutSec, signal: options.signal, what: 'reading a packet' }));
    }
  }

  /**
   * Sends a packet as is (python-librtmp `send_packet`). With `queue` (default true) an
   * INVOKE's transaction is remembered so its `_result` resolves `processPackets({
   * transactionId })`. Resolves once written to the socket buffer.
   */
  async sendPacket(packet: RTMPPacket, options: { queue?: boolean } = {}): Promise<void> {
    if (!(packet instanceof RTMPPacket)) {
      throw new RTMPUsageError('sendPacket() needs an RTMPPacket', { code: 'ERR_RTMP_BAD_ARGUMENT' });
    }
    const session = this.#requireConnected();
    const queue = options.queue ?? true;
    const isInvoke = packet.type === PacketType.INVOKE || packet.type === PacketType.FLEX_MESSAGE;
    session.sendRaw(packet.toRawMessage(), { track: queue && isInvoke });
    if (queue && isInvoke) {
      const txn = invokeTxn(packet);
      if (txn !== undefined && txn !== 0) this.#callFor(txn, invokeName(packet));
    }
    this.#loop?.kick();
    if (this.#loop?.needsDrain) await this.#loop.waitDrain();
  }

  /**
   * python-librtmp's `handle_packet`, for an always-running core: a packet from
   * `readPacket()` was already handled when it arrived, so this only classifies it; a
   * packet you built that is an INVOKE runs the matching invoke handler (and sends its
   * `_result`). Resolves with librtmp's classification: 1 media (audio, video, aggregate,
   * onMetaData), 2 end of stream (onStatus Play.Complete/Stop/UnpublishNotify), 0 other.
   */
  async handlePacket(packet: RTMPPacket): Promise<number> {
    if (!(packet instanceof RTMPPacket)) {
      throw new RTMPUsageError('handlePacket() needs an RTMPPacket', { code: 'ERR_RTMP_BAD_ARGUMENT' });
    }
    const cls = classifyPacket(packet);
    if (this.#wirePackets.has(packet)) return cls;
    if (packet.type === PacketType.INVOKE || packet.type === PacketType.FLEX_MESSAGE) {
      const body = packet.type === PacketType.FLEX_MESSAGE ? packet.body.subarray(1) : packet.body;
      const values = decodeAmf0(body);
      const [name, txn, obj, ...args] = values;
      if (typeof name === 'string') {
        await this.#runHandler(
          {
            name,
            transactionId: typeof txn === 'number' ? txn : 0,
            commandObject: obj ?? null,
            args,
            streamId: packet.streamId,
          },
          false,
        );
      }
    }
    return cls;
  }

  // ================================================================ internals: setup

  #sessionOptions(timeoutMs: number, fetchedSwf?: SwfVerification): ClientSessionOptions {
    const p = this.#params;
    const swf =
      fetchedSwf ??
      (p.swfHash !== undefined && p.swfSize !== undefined ? { hash: p.swfHash, size: p.swfSize } : undefined);
    const limits = this.#options.limits ?? {};
    const o: ClientSessionOptions = { emitRawMessages: true };
    if (timeoutMs > 0) {
      o.commandTimeoutMs = timeoutMs;
      o.handshakeTimeoutMs = timeoutMs;
    }
    const policy = this.#options.handshake ?? (swf !== undefined ? 'fp9' : undefined);
    if (policy !== undefined) o.handshake = policy;
    if (swf !== undefined) o.swfVerification = swf;
    if (limits.maxMessageSize !== undefined) o.maxMessageSize = limits.maxMessageSize;
    if (limits.maxChunkStreams !== undefined) o.maxChunkStreams = limits.maxChunkStreams;
    if (limits.chunkSize !== undefined) o.chunkSize = limits.chunkSize;
    return o;
  }

  #connectParams(): ConnectParams {
    const p = this.#params;
    const c: ConnectParams = { app: p.app, tcUrl: p.tcUrl, mode: this.#publishMode ? 'publish' : 'play' };
    if (p.flashVer !== undefined) c.flashVer = p.flashVer;
    if (p.swfUrl !== undefined) c.swfUrl = p.swfUrl;
    if (p.pageUrl !== undefined) c.pageUrl = p.pageUrl;
    if (this.#options.objectEncoding !== undefined) c.objectEncoding = this.#options.objectEncoding;
    if (p.auth !== undefined) c.auth = p.auth;
    if (p.connectArgs.length > 0) c.extraArgs = p.connectArgs;
    if (this.#options.fourCcList !== undefined) c.extra = { fourCcList: [...this.#options.fourCcList] };
    return c;
  }

  #reset(): void {
    this.#failure = undefined;
    this.#closeWait = deferred<void>();
    this.#connectInfo = undefined;
    this.#serverProperties = undefined;
    this.#calls.clear();
    this.#answers.clear();
    this.#creates.clear();
    this.#streams.clear();
    this.#invokeWaiters = [];
    this.#recentInvokes = [];
    this.#packetTap = undefined;
    this.#packetWaiters = [];
    this.#nextTxn = 1;
  }

  #requireSession(): ClientSession {
    const s = this.#session;
    if (s === undefined || this.#loop === undefined || this.#loop.closed || s.state === 'closed') {
      if (this.#failure !== undefined) throw this.#failure;
      throw new RTMPUsageError(NOT_CONNECTED, { code: 'ERR_RTMP_NOT_CONNECTED' });
    }
    return s;
  }

  #requireConnected(): ClientSession {
    const s = this.#requireSession();
    if (this.#state !== 'connected') {
      throw new RTMPUsageError(
        this.#state === 'connecting' ? 'still connecting: await connect()' : NOT_CONNECTED,
        {
          code: 'ERR_RTMP_NOT_CONNECTED',
        },
      );
    }
    return s;
  }

  #kickWait(): void {
    this.#loop?.waitStarted();
    this.#loop?.kick();
  }

  /** Counts a wait on the server while `p` is pending (the idle timeout applies then). */
  async #track<T>(p: Promise<T>): Promise<T> {
    this.#waits++;
    this.#loop?.waitStarted();
    try {
      return await p;
    } finally {
      this.#waits--;
    }
  }

  #isWaiting(): boolean {
    if (
      this.#state === 'connecting' ||
      this.#waits > 0 ||
      this.#creates.size > 0 ||
      this.#packetWaiters.length > 0
    ) {
      return true;
    }
    for (const c of this.#calls.values()) if (!c.done) return true;
    for (const s of this.#streams.values()) if (!s.writeable && !s.ended) return true;
    return false;
  }

  #callFor(txn: number, method: string | undefined): RTMPCall {
    let call = this.#calls.get(txn);
    if (call !== undefined) return call;
    call = new RTMPCall(method ?? 'call', txn);
    const early = this.#answers.get(txn);
    if (early !== undefined) {
      this.#answers.delete(txn);
      if (early.ok) call.settleResult(early.answer);
      else call.settleError(early.error);
      return call;
    }
    if (txn !== 0) this.#calls.set(txn, call);
    return call;
  }

  #settleCall(
    txn: number,
    outcome: { ok: true; answer: CallAnswer } | { ok: false; error: RTMPError },
  ): void {
    const call = this.#calls.get(txn);
    if (call === undefined) {
      this.#answers.set(txn, outcome);
      if (this.#answers.size > 64) this.#answers.delete(this.#answers.keys().next().value!);
      return;
    }
    this.#calls.delete(txn);
    if (outcome.ok) call.settleResult(outcome.answer);
    else call.settleError(outcome.error);
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
    switch (ev.kind) {
      case 'raw':
        this.#onRaw(ev.message);
        return;
      case 'handshake':
        log.debug(`handshake done (${ev.info.mode})`);
        this.emit('handshake', ev.info);
        return;
      case 'connected':
        this.#onConnected(ev.info, ev.properties);
        return;
      case 'connectRejected':
        this.#onConnectRejected(ev.info);
        return;
      case 'result':
        if (ev.txn === this.#connectTxn && this.#state === 'connecting') {
          const info = ev.values[0];
          this.#onConnected(
            (info && typeof info === 'object' ? info : {}) as StatusInfo,
            (ev.commandObject && typeof ev.commandObject === 'object' ? ev.commandObject : {}) as StatusInfo,
          );
          return;
        }
        this.#settleCall(ev.txn, {
          ok: true,
          answer: { commandObject: ev.commandObject, values: ev.values },
        });
        return;
      case 'error': {
        if (ev.txn === this.#connectTxn && this.#state === 'connecting') {
          this.#onConnectRejected(ev.info);
          return;
        }
        const create = this.#creates.get(ev.txn);
        if (create !== undefined) {
          create.deferred.reject(
            new RTMPError(`createStream failed${ev.info.code ? `: ${ev.info.code}` : ''}`, {
              code: 'ERR_RTMP_CREATE_STREAM_FAILED',
              info: ev.info,
            }),
          );
          return;
        }
        this.#settleCall(ev.txn, { ok: false, error: RTMPCall.callFailed(ev.method ?? 'call', ev.info) });
        return;
      }
      case 'streamCreated':
        this.#creates.get(ev.txn)?.deferred.resolve(ev.streamId);
        return;
      case 'invoke':
        this.#onInvoke(ev);
        return;
      case 'status': {
        const stream = this.#streamFor(ev.streamId, ev.info.code);
        stream?.onStatus(ev.info);
        this.emit('status', ev.info, ev.streamId);
        if (stream === undefined && ev.streamId === 0 && ev.info.code === 'NetConnection.Connect.Closed') {
          this.#loop?.end();
        }
        return;
      }
      case 'data':
        this.#streamFor(ev.streamId, undefined)?.onData(ev.name, ev.values);
        return;
      case 'userControl':
        if ('streamId' in ev) this.#streams.get(ev.streamId)?.onUserControl(ev.event);
        return;
      case 'media':
      case 'control':
      case 'sharedObject':
        return;
      case 'timeout':
        this.#onTimeout(ev.what, ev.txn);
        return;
      case 'protocolError':
        if (ev.fatal) {
          this.#failure ??= ev.error;
          log.error(`protocol error: ${ev.error.message}`);
        } else {
          log.warn(`protocol warning: ${ev.error.message}`);
          this.emit('warning', ev.error);
        }
        return;
      case 'closed':
        if (ev.reason === 'server') {
          this.#failure ??= new RTMPConnectionError('the server closed the connection (close command)', {
            code: 'ERR_RTMP_SERVER_CLOSED',
          });
        } else if (ev.error !== undefined) {
          this.#failure ??= ev.error;
        }
        this.#loop?.end();
        return;
    }
  }

  #onRaw(raw: import('../message/raw-message.js').RawMessage): void {
    const tap = this.#packetTap;
    if (tap !== undefined) {
      const packet = RTMPPacket.fromRawMessage(raw);
      this.#wirePackets.add(packet);
      tap.push(packet);
      const limit = this.#options.limits?.packetQueue ?? 1024;
      while (tap.length > limit) {
        tap.shift();
        this.#droppedPackets++;
      }
      const w = this.#packetWaiters;
      this.#packetWaiters = [];
      for (const d of w) d.resolve();
    }
    const t = raw.type;
    if (
      t === MessageType.Audio ||
      t === MessageType.Video ||
      t === MessageType.DataAMF0 ||
      t === MessageType.DataAMF3 ||
      t === MessageType.Aggregate
    ) {
      this.#streamFor(raw.streamId, undefined)?.onMessage(raw);
    }
  }

  /**
   * The stream a message or status belongs to: by msid; a NetStream status or media on an
   * unknown msid goes to the only stream when there is exactly one (servers that use msid 0).
   */
  #streamFor(streamId: number, code: string | undefined): RTMPStream | undefined {
    const s = this.#streams.get(streamId);
    if (s !== undefined) return s;
    if (code !== undefined && !code.startsWith('NetStream.')) return undefined;
    if (this.#streams.size === 1) return this.#streams.values().next().value;
    return undefined;
  }

  #onConnected(info: StatusInfo, properties: StatusInfo): void {
    const session = this.#session;
    if (session === undefined || this.#state !== 'connecting') return;
    this.#state = 'connected';
    this.#connectInfo = info;
    this.#serverProperties = properties;
    const p = this.#params;
    // SecureToken (librtmp): answer the challenge before anything else.
    if (p.token !== undefined) {
      const challenge = findSecureToken(properties, info);
      if (challenge !== undefined) {
        try {
          const response = decodeSecureToken(p.token, challenge);
          session.sendRaw(encodeMessage(command('secureTokenResponse', 0, null, response)));
        } catch (err) {
          log.warn(`secureToken: ${(err as Error).message}`);
        }
      }
    }
    if (!this.#publishMode) {
      // librtmp after the connect _result: Window Ack Size, SetBufferLength(0, 300).
      session.sendRaw(encodeMessage(windowAckSize(session.ackWindow ?? 2_500_000)));
      session.setBufferLength(0, 300);
    }
    if (p.jtv !== undefined) {
      session.call('NetStream.Authenticate.UsherToken', [p.jtv], { expectResult: false });
    }
    log.info(`connected: ${String(info.code ?? '')}`);
    this.#connectWait?.resolve(info);
    this.emit('connect', info, properties);
  }

  #onConnectRejected(info: StatusInfo): void {
    if (this.#state !== 'connecting') return;
    const code = typeof info.code === 'string' ? info.code : 'NetConnection.Connect.Rejected';
    const desc =
      typeof info.description === 'string' && info.description !== '' ? `: ${info.description}` : '';
    const err = new RTMPError(`the server rejected connect (${code})${desc}`, {
      code: 'ERR_RTMP_CONNECT_REJECTED',
      info,
    });
    this.#connectWait?.reject(err);
    this.#fail(err);
  }

  #onTimeout(what: 'handshake' | 'command', txn: number | undefined): void {
    if (what === 'handshake') {
      this.#fail(
        new RTMPTimeoutError('the server did not complete the handshake in time', {
          code: 'ERR_RTMP_HANDSHAKE_TIMEOUT',
        }),
      );
      return;
    }
    if (txn === this.#connectTxn && this.#state === 'connecting') {
      this.#fail(
        new RTMPTimeoutError('the server did not answer connect in time', {
          code: 'ERR_RTMP_CONNECT_TIMEOUT',
        }),
      );
      return;
    }
    const create = txn === undefined ? undefined : this.#creates.get(txn);
    create?.deferred.reject(new RTMPTimeoutError('the server did not answer createStream in time'));
  }

  #onInvoke(ev: InvokeEvent): void {
    const inv: Invocation = {
      name: ev.name,
      transactionId: ev.txn,
      args: ev.args,
      commandObject: ev.commandObject,
      streamId: ev.streamId,
    };
    if (ev.name === 'onFCUnsubscribe') {
      // librtmp: the live stream is over.
      for (const s of this.#streams.values())
        if (!s.writeable) s.onStatus({ level: 'status', code: 'NetStream.Play.UnpublishNotify' });
    }
    void this.#runHandler(inv, ev.handled);
    const i = this.#invokeWaiters.findIndex((w) => w.method === ev.name);
    if (i >= 0) {
      this.#invokeWaiters.splice(i, 1)[0]!.deferred.resolve(ev.args);
    } else if (!ev.handled) {
      this.#recentInvokes.push(inv);
      const limit = this.#options.limits?.invokeBacklog ?? 64;
      while (this.#recentInvokes.length > limit) this.#recentInvokes.shift();
    }
    this.emit('invoke', inv);
  }

  /** Runs the handler for `inv` (if any) and answers: value → `_result`, throw → `_error`. */
  async #runHandler(inv: Invocation, alreadyAnswered: boolean): Promise<void> {
    const handler = this.#handlers.get(inv.name);
    if (handler === undefined) return;
    const answer = !alreadyAnswered && inv.transactionId !== 0;
    let value: unknown;
    try {
      value = handler(...inv.args);
      if (
        value !== null &&
        typeof value === 'object' &&
        typeof (value as Promise<unknown>).then === 'function'
      ) {
        value = await value;
      }
    } catch (err) {
      log.warn(`invoke handler ${inv.name} failed: ${(err as Error)?.message ?? String(err)}`);
      if (!answer || !this.connected) return;
      const info = new AMFObject({
        level: 'error',
        code: 'NetConnection.Call.Failed',
        description: err instanceof Error ? err.message : String(err),
      });
      this.#session?.respondError(inv.transactionId, info, { streamId: inv.streamId });
      this.#loop?.kick();
      return;
    }
    if (!answer || value === undefined || !this.connected) return;
    try {
      this.#session?.respond(inv.transactionId, value as AmfValue, { streamId: inv.streamId });
    } catch (err) {
      log.warn(`invoke handler ${inv.name} returned a value AMF cannot carry: ${(err as Error).message}`);
      this.#session?.respondError(
        inv.transactionId,
        new AMFObject({
          level: 'error',
          code: 'NetConnection.Call.Failed',
          description: 'unencodable result',
        }),
        { streamId: inv.streamId },
      );
    }
    this.#loop?.kick();
  }

  // ================================================================ internals: closing

  /** Tears the connection down with `error` as the reason everything pending fails. */
  #fail(error: unknown): void {
    this.#failure ??= error ?? new RTMPConnectionError('connection aborted', { code: 'ERR_RTMP_ABORTED' });
    if (this.#loop !== undefined && !this.#loop.closed) {
      this.#loop.destroy();
    }
  }

  #closedError(what: string): unknown {
    if (this.#failure !== undefined) return this.#failure;
    return new RTMPConnectionError(`cannot ${what}: the connection is closed`, { code: 'ERR_RTMP_CLOSED' });
  }

  #onTransportClose(error: RTMPError | undefined): void {
    const clean = this.#state === 'closing' && this.#failure === undefined;
    if (error !== undefined) this.#failure ??= error;
    // The server ended the connection in order (FIN, or its `close` command): librtmp's
    // RTMP_Read reports EOF then, so streams end normally (their `complete` stays false).
    const orderly =
      !clean &&
      (this.#failure === undefined ||
        (this.#failure instanceof RTMPConnectionError && this.#failure.code === 'ERR_RTMP_SERVER_CLOSED'));
    if (this.#failure === undefined && !clean) {
      this.#failure = new RTMPConnectionError('the server closed the connection', {
        code: 'ERR_RTMP_CONNECTION_CLOSED',
      });
    }
    const reason =
      this.#failure ?? new RTMPConnectionError('the connection was closed', { code: 'ERR_RTMP_CLOSED' });
    const wasConnecting = this.#state === 'connecting';
    this.#state = 'closed';
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#session?.close();
    log.info(
      `connection closed${this.#failure ? `: ${(this.#failure as Error)?.message ?? String(this.#failure)}` : ''}`,
    );
    this.#connectWait?.reject(reason);
    for (const c of this.#creates.values()) c.deferred.reject(reason);
    this.#creates.clear();
    const asRtmp =
      reason instanceof RTMPError
        ? reason
        : new RTMPConnectionError('connection aborted', { code: 'ERR_RTMP_ABORTED', cause: reason });
    for (const call of this.#calls.values()) call.settleError(asRtmp);
    this.#calls.clear();
    for (const w of this.#invokeWaiters) w.deferred.reject(reason);
    this.#invokeWaiters = [];
    for (const s of [...this.#streams.values()]) s.onConnectionClosed(clean || orderly ? undefined : reason);
    this.#streams.clear();
    const pw = this.#packetWaiters;
    this.#packetWaiters = [];
    for (const d of pw) d.resolve();
    if (
      clean ||
      (this.#failure instanceof RTMPConnectionError && this.#failure.code === 'ERR_RTMP_SERVER_CLOSED')
    ) {
      this.#closeWait.resolve();
    } else {
      this.#closeWait.reject(reason);
      if (!wasConnecting && this.listenerCount('error') > 0) this.emit('error', reason);
    }
    this.emit('close', clean ? undefined : reason);
  }
}

/** The transaction id of an INVOKE packet (2nd AMF value), if it decodes. */
function invokeTxn(packet: RTMPPacket): number | undefined {
  try {
    const body = packet.type === PacketType.FLEX_MESSAGE ? packet.body.subarray(1) : packet.body;
    const v = decodeAmf0(body);
    return typeof v[1] === 'number' ? v[1] : undefined;
  } catch {
    return undefined;
  }
}

function invokeName(packet: RTMPPacket): string | undefined {
  try {
    const body = packet.type === PacketType.FLEX_MESSAGE ? packet.body.subarray(1) : packet.body;
    const v = decodeAmf0(body);
    return typeof v[0] === 'string' ? v[0] : undefined;
  } catch {
    return undefined;
  }
}

/** librtmp's `RTMP_ClientPacket` return value for a packet: 1 media, 2 end of stream, 0 other. */
function classifyPacket(packet: RTMPPacket): number {
  const t = packet.type;
  if (t === PacketType.AUDIO || t === PacketType.VIDEO || t === PacketType.FLASH_VIDEO) return 1;
  if (t === PacketType.INFO) {
    try {
      return decodeAmf0(packet.body)[0] === 'onMetaData' ? 1 : 0;
    } catch {
      return 0;
    }
  }
  if (t === PacketType.INVOKE) {
    try {
      const v = decodeAmf0(packet.body);
      if (v[0] === 'onStatus') {
        const info = v[3] as { code?: unknown } | undefined;
        const code = info && typeof info === 'object' ? info.code : undefined;
        if (
          code === 'NetStream.Play.Complete' ||
          code === 'NetStream.Play.Stop' ||
          code === 'NetStream.Play.UnpublishNotify'
        ) {
          return 2;
        }
      }
    } catch {
      return 0;
    }
  }
  return 0;
}
