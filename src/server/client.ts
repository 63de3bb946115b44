/**
 * One client connection of the embedded server (`ClientConnection`, the `ServerClient`
 * that hooks and events see): a sans-IO `ServerSession` driven over the socket by the
 * shared `IoLoop`. It answers the NetConnection side (connect + `onConnect`,
 * createStream, custom calls + `onCall`, `getStreamLength`) and hands NetStream events
 * to `ClientStreams`. `client.call()` invokes a method on the client and resolves with
 * its `_result`.
 *
 * Liveness is the session's (its deadlines): a connected client silent for half of
 * `idleTimeoutMs` is pinged (User Control PingRequest, which librtmp and FFmpeg answer),
 * so a quiet player stays while a dead socket is closed at `idleTimeoutMs`. A client
 * that takes none of our bytes for `idleTimeoutMs` (stalled write) is dropped by the loop.
 *
 * With the server's `auth` option a publisher's connect first goes through the
 * publisher-auth dance (publisher-auth.ts); its steps are logged at info level, its
 * refusals (unknown user, wrong password) as rate-limited warnings naming the user —
 * never with the description (it carries the challenge).
 *
 * Invariants: output is written in session order (cork/uncork batches); live relay
 * output is flushed on a microtask and counted as backlog until then; every pending
 * call is rejected when the connection closes; the close cleanup runs once.
 */
import type { Socket } from 'node:net';
import type { AmfValue } from '../amf/types.js';
import { ConnectionCode, GeneralCode, LimitCode, TimeoutCode, UsageCode } from '../error-codes.js';
import {
  RTMPConnectionError,
  RTMPError,
  RTMPLimitError,
  RTMPTimeoutError,
  RTMPUsageError,
} from '../errors.js';
import {
  CapsEx,
  ENHANCED_FOURCCS,
  type EnhancedCapabilities,
  enhancedConnectFields,
  FourCcInfo,
  readEnhancedCapabilities,
} from '../session/connect-object.js';
import type { ServerEvent } from '../session/server-events.js';
import { ServerSession } from '../session/server-session.js';
import { messageTracer } from '../trace.js';
import { IoLoop } from '../transport/io-loop.js';
import { readsIntoReusedBuffer } from '../transport/tcp.js';
import { ClientStreams } from './client-streams.js';
import { brief, decide, errorInfo, type ServerContext, splitQuery } from './context.js';
import { releaseAll, retain } from './payload-refs.js';
import type { CallRequest, ConnectRequest, ServerClient, ServerClientState } from './types.js';

interface PendingCall {
  name: string;
  resolve: (v: AmfValue) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * What the server answers an E-RTMP offer with: it relays any FourCC (CanForward), can
 * send ReconnectRequest (`drain`), relays Multitrack, ModEx and nano offsets untouched.
 */
const SERVER_CAPABILITIES: EnhancedCapabilities = {
  fourCcList: [...ENHANCED_FOURCCS],
  videoFourCcInfoMap: { '*': FourCcInfo.CanForward },
  audioFourCcInfoMap: { '*': FourCcInfo.CanForward },
  capsEx: CapsEx.Reconnect | CapsEx.Multitrack | CapsEx.ModEx | CapsEx.TimestampNanoOffset,
};

/** One connected RTMP client of an `RTMPServer`. */
export class ClientConnection implements ServerClient {
  readonly id: number;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly acceptedAt = Date.now();

  readonly #socket: Socket;
  readonly #loop: IoLoop<ServerEvent>;
  readonly #session: ServerSession;
  readonly #server: ServerContext;
  readonly #streams: ClientStreams;
  #app: string | undefined;
  #query = '';
  #tcUrl: string | undefined;
  #commandObject: AmfValue = null;
  #connectArgs: readonly AmfValue[] = [];
  #enhanced: EnhancedCapabilities | undefined;
  #connected = false;
  #closed = false;
  #user: string | undefined;
  #encrypted = false;
  /** Set once cleanup ran: resolves when the streams' files are closed. */
  #cleanedUp: Promise<void> | undefined;
  readonly #calls = new Map<number, PendingCall>();
  #unflushed = 0;
  #flushQueued = false;
  /** Relayed payloads sent since the last write was handed to the socket (see `#writing`). */
  #held: Buffer[] = [];

  /** Created by the server for each accepted socket; starts reading it. */
  constructor(id: number, socket: Socket, server: ServerContext) {
    this.id = id;
    this.#server = server;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    this.#socket = socket;
    const o = server.options;
    // Reads that arrive as views of the accepted sockets' shared buffer (server.ts) must be
    // copied by the chunk reader.
    const reuseReadBuffer = readsIntoReusedBuffer(socket);
    this.#session = new ServerSession({
      ...o.session,
      ...o.limits,
      amf: { ...o.session?.amf, maxDepth: o.amfMaxDepth },
      // `frameRoom`: payloads land in recyclable buffers, which the relay reuses (payload-refs.ts).
      chunkReader: {
        ...o.session?.chunkReader,
        frameRoom: true,
        ...(reuseReadBuffer ? { zeroCopy: false } : {}),
      },
      chunkSize: o.chunkSize,
      idleTimeoutMs: o.idleTimeoutMs,
      maxStreams: o.maxStreams,
      now: performance.now(),
      rtmpe: o.rtmpe,
      ...(o.rtmpeType === undefined ? {} : { rtmpeType: o.rtmpeType }),
      trace: messageTracer(`server client ${id} (${socket.remoteAddress}:${socket.remotePort})`, o.logger),
    });
    this.#loop = new IoLoop(
      this.#session,
      { socket, description: `client ${id} (${socket.remoteAddress}:${socket.remotePort})` },
      {
        onEvents: (events) => this.#onEvents(events),
        onClose: (error) => this.#onClose(error),
        // The idle rule is the session's (its deadline and pings), not the loop's read timer.
        isWaiting: () => false,
        writing: () => this.#writing(),
      },
      {
        idleTimeoutMs: 0,
        reuseReadBuffer,
        writeStallTimeoutMs: o.idleTimeoutMs,
        readPauseBytes: o.outputHighWaterMark,
      },
    );
    this.#streams = new ClientStreams({
      client: this,
      session: this.#session,
      server,
      app: () => this.#app ?? '',
      flush: () => this.#flush(),
      flushSoon: (bytes) => this.#flushSoon(bytes),
      backlog: () => this.backlog,
      hold: (payload) => {
        retain(payload);
        this.#held.push(payload);
      },
      drained: () => this.#loop.waitDrain(),
      closed: () => this.#closed,
      reportError: (err) => this.#reportError(err),
    });
    socket.setNoDelay(true);
    this.#loop.start();
  }

  get app(): string | undefined {
    return this.#app;
  }

  get query(): string {
    return this.#query;
  }

  get tcUrl(): string | undefined {
    return this.#tcUrl;
  }

  get commandObject(): AmfValue {
    return this.#commandObject;
  }

  get connectArgs(): readonly AmfValue[] {
    return this.#connectArgs;
  }

  get user(): string | undefined {
    return this.#user;
  }

  get encrypted(): boolean {
    return this.#encrypted;
  }

  get enhancedCapabilities(): EnhancedCapabilities | undefined {
    return this.#enhanced;
  }

  get state(): ServerClientState {
    if (this.#closed || this.#session.state === 'closed') return 'closed';
    if (this.#connected) return 'connected';
    return this.#session.state === 'handshake' ? 'handshake' : 'connecting';
  }

  get streams(): ReadonlyMap<number, { kind: string; name?: string }> {
    return this.#streams.roles;
  }

  get backlog(): number {
    return this.#loop.writableLength + this.#unflushed;
  }

  get bytesIn(): number {
    return this.#socket.bytesRead;
  }

  get bytesOut(): number {
    return this.#socket.bytesWritten;
  }

  call(name: string, ...args: AmfValue[]): Promise<AmfValue> {
    if (this.#closed) {
      return Promise.reject(
        new RTMPConnectionError('connection closed', { code: ConnectionCode.SERVER_CLIENT_CLOSED }),
      );
    }
    if (!this.#connected) {
      return Promise.reject(
        new RTMPUsageError('call() needs a connected client', { code: UsageCode.SERVER_NOT_CONNECTED }),
      );
    }
    const txn = this.#session.call(name, args);
    this.#flush();
    const ms = this.#server.options.callTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#calls.delete(txn);
        reject(new RTMPTimeoutError(`client ${this.id} did not answer ${name} in ${ms} ms`));
      }, ms);
      timer.unref();
      this.#calls.set(txn, { name, resolve, reject, timer });
    });
  }

  notify(name: string, ...args: AmfValue[]): void {
    if (this.#closed || !this.#connected) return;
    this.#session.call(name, args, { expectResult: false });
    this.#flush();
  }

  /**
   * Sends onStatus NetConnection.Connect.ReconnectRequest on stream 0 (ERTMP-V2
   * "Reconnect Request"; `tcUrl` absent = reconnect to the same server); false when the
   * client is not connected.
   */
  requestReconnect(info: { tcUrl?: string | undefined; description?: string | undefined }): boolean {
    if (this.#closed || !this.#connected) return false;
    const status: Record<string, AmfValue> = { code: 'NetConnection.Connect.ReconnectRequest' };
    if (info.description !== undefined) status.description = info.description;
    if (info.tcUrl !== undefined) status.tcUrl = info.tcUrl;
    this.#session.status(0, status);
    this.#flush();
    return true;
  }

  close(): void {
    if (this.#closed) return;
    this.#session.close();
    this.#flush();
  }

  /** Drops the connection at once (server shutdown); resolves when its VOD files are closed. */
  destroy(): Promise<void> {
    this.#closed = true;
    this.#loop.destroy();
    return this.#cleanup();
  }

  // ------------------------------------------------------------- output

  /** Writes the session's output (and dispatches events its answers produced); false when the socket wants 'drain'. */
  #flush(): boolean {
    this.#unflushed = 0;
    this.#loop.kick();
    this.#checkOutput();
    return !this.#loop.needsDrain;
  }

  /**
   * A batch of output goes to the socket: the payloads held for it are released once the
   * write completed. (A closed connection's held payloads are left to the GC.)
   */
  #writing(): (() => void) | undefined {
    if (this.#held.length === 0) return undefined;
    const batch = this.#held;
    this.#held = [];
    return () => releaseAll(batch);
  }

  #flushSoon(bytes: number): void {
    this.#unflushed += bytes;
    this.#checkOutput();
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      if (!this.#closed) this.#flush();
    });
  }

  /**
   * Output cap: above `maxOutputBuffer` unsent bytes the client is cut off. (Above
   * `outputHighWaterMark` the loop stops reading it until it drains, so a client that
   * does not read cannot make us queue answers to what it sends.)
   */
  #checkOutput(): void {
    if (this.#closed) return;
    const o = this.#server.options;
    const backlog = this.backlog;
    if (backlog > o.maxOutputBuffer) {
      this.#cut(
        new RTMPLimitError(
          `${backlog} bytes queued to a client that does not read fast enough (maxOutputBuffer ${o.maxOutputBuffer})`,
          LimitCode.SERVER_LIMIT_OUTPUT,
          'maxOutputBuffer',
        ),
      );
    }
  }

  /** Drops the connection for going over a limit. */
  #cut(error: RTMPLimitError): void {
    this.#closed = true;
    this.#server.limit(error, this, this.remoteAddress);
    this.#loop.destroy();
    void this.#cleanup();
  }

  #onEvents(events: ServerEvent[]): void {
    for (const e of events) {
      try {
        this.#handle(e);
      } catch (err) {
        this.#reportError(err);
      }
    }
  }

  /** The socket closed (peer, error, `destroy`, or after our `end`). */
  #onClose(error: RTMPError | undefined): void {
    const wasClosed = this.#closed;
    this.#closed = true;
    this.#session.end();
    this.#session.takeEvents();
    if (error?.code === TimeoutCode.RTMP_WRITE_TIMEOUT && !wasClosed) {
      this.#server.limit(
        new RTMPLimitError(
          `the client read none of our bytes for ${this.#server.options.idleTimeoutMs} ms`,
          LimitCode.SERVER_LIMIT_SLOW_READER,
          'idleTimeoutMs',
          { cause: error },
        ),
        this,
        this.remoteAddress,
      );
    } else if (error) this.#server.log.debug(`client ${this.id}: ${error.code}: ${error.message}`);
    void this.#cleanup();
  }

  #reportError(err: unknown): void {
    const e =
      err instanceof RTMPError
        ? err
        : new RTMPError(err instanceof Error ? err.message : String(err), {
            code: GeneralCode.SERVER_INTERNAL,
            cause: err,
          });
    if (e instanceof RTMPLimitError) {
      this.#server.limit(e, this, this.remoteAddress);
      return;
    }
    this.#server.fault(this.remoteAddress, e.code, `client ${this.id}: ${e.code}: ${e.message}`);
    this.#server.emit('clientError', e, this);
  }

  #cleanup(): Promise<void> {
    if (this.#cleanedUp) return this.#cleanedUp;
    this.#cleanedUp = this.#streams.endAll();
    for (const [, c] of this.#calls) {
      clearTimeout(c.timer);
      c.reject(
        new RTMPConnectionError(`connection closed before ${c.name} was answered`, {
          code: ConnectionCode.SERVER_CLIENT_CLOSED,
        }),
      );
    }
    this.#calls.clear();
    this.#server.clientClosed(this);
    return this.#cleanedUp;
  }

  // ------------------------------------------------------------- events

  #handle(e: ServerEvent): void {
    if (this.#streams.handle(e)) return;
    const log = this.#server.log;
    switch (e.kind) {
      case 'handshakeDone':
        this.#encrypted = e.info.rtmpe !== undefined;
        log.debug(
          `client ${this.id}: handshake done (${e.info.mode}${e.info.rtmpe ? `, RTMPE type ${e.info.rtmpe.type}` : ''})`,
        );
        return;
      case 'connect':
        this.#connect(e).catch((err: unknown) => this.#reportError(err));
        return;
      case 'createStream':
        this.#session.createdStream(e.txn);
        return;
      case 'call':
        this.#call(e);
        return;
      case 'result':
      case 'error':
        this.#answer(e);
        return;
      case 'timeout':
        if (this.#loop.readingPaused || this.#loop.needsDrain) {
          // Silent because it is not read (output over the mark), or not taking our bytes: a slow reader.
          this.#server.limit(
            new RTMPLimitError(
              `no byte read from a client that is not taking ours, for ${Math.round(e.idleMs)} ms`,
              LimitCode.SERVER_LIMIT_SLOW_READER,
              'idleTimeoutMs',
            ),
            this,
            this.remoteAddress,
          );
        } else log.info(`client ${this.id}: idle for ${Math.round(e.idleMs)} ms, closing`);
        this.#session.close();
        return;
      case 'protocolError':
        this.#reportError(e.error);
        return;
      case 'closed':
        // The session ended the connection (close, rejected connect, idle, fatal error):
        // write what it produced, then FIN.
        if (e.reason !== 'local') log.debug(`client ${this.id}: closed (${e.reason})`);
        this.#closed = true;
        this.#loop.end();
        void this.#cleanup();
        return;
      default:
        return; // FC* (answered by the session), bufferLength, pong, sharedObject
    }
  }

  async #connect(e: Extract<ServerEvent, { kind: 'connect' }>): Promise<void> {
    const o = this.#server.options;
    const [rawApp, query] = splitQuery(e.app ?? '');
    const app = rawApp.replace(/\/+$/, '');
    this.#app = app;
    this.#query = query;
    this.#tcUrl = e.tcUrl;
    this.#commandObject = e.commandObject;
    this.#connectArgs = e.args;
    this.#enhanced = readEnhancedCapabilities(e.commandObject);
    const reject = (info: Record<string, AmfValue>, why = brief(info)): void => {
      if (this.#closed) return;
      this.#session.rejectConnect(e.txn, info);
      this.#server.log.info(`client ${this.id}: connect to ${app} rejected: ${why}`);
      this.#session.close();
      this.#flush();
    };
    if (o.apps && !o.apps.has(app)) {
      reject({ code: 'NetConnection.Connect.InvalidApp', description: `Application ${app} not found.` });
      return;
    }
    if (o.auth) {
      const v = await o.auth.verdict(e.app ?? '', e.commandObject);
      if (this.#closed) return;
      if (v.kind === 'rejected') {
        const why = `${o.auth.mode} auth: ${v.step}`;
        if (v.user !== undefined) {
          // A refusal, not a step of the dance: a warning, once per address and kind per interval.
          const who = `client ${this.id} (${this.remoteAddress ?? '?'}): publisher ${JSON.stringify(v.user.slice(0, 64))}`;
          this.#server.fault(this.remoteAddress, why, `${who} refused (${why})`);
        }
        reject({ code: 'NetConnection.Connect.Rejected', description: v.description }, why);
        return;
      }
      if (v.kind === 'accepted') {
        this.#user = v.user;
        this.#query = v.query;
      }
    }
    const request: ConnectRequest = {
      client: this,
      app,
      query: this.#query,
      tcUrl: e.tcUrl,
      commandObject: e.commandObject,
      args: e.args,
    };
    const verdict = await decide(o.onConnect, request);
    if (this.#closed) return;
    if (!verdict.allow) {
      reject(verdict.info);
      return;
    }
    // E-RTMP: a client that offered gets the server's answer in the _result properties
    // (ERTMP-V2 "Enhancing NetConnection connect Command"); legacy clients see nothing new.
    const answer = this.#enhanced ? enhancedConnectFields(SERVER_CAPABILITIES) : undefined;
    const properties = answer || o.connectProperties ? { ...answer, ...o.connectProperties } : undefined;
    this.#session.acceptConnect(e.txn, properties ? { properties } : {});
    this.#connected = true;
    this.#server.log.info(
      `client ${this.id} connected to ${app} from ${this.remoteAddress}:${this.remotePort}`,
    );
    this.#server.emit('connect', this);
    // Writes the _result, then runs the commands the client sent behind connect.
    this.#flush();
  }

  #call(e: Extract<ServerEvent, { kind: 'call' }>): void {
    // Answers may come after an await: a failure to answer is reported, never thrown.
    const respond = (value: AmfValue): void => {
      if (e.txn === 0 || this.#closed) return;
      try {
        this.#session.respond(e.txn, value ?? null);
        this.#flush();
      } catch (err) {
        this.#reportError(err);
      }
    };
    const fail = (info: Record<string, AmfValue>): void => {
      if (e.txn === 0 || this.#closed) return;
      try {
        this.#session.respondError(e.txn, info);
        this.#flush();
      } catch (err) {
        this.#reportError(err);
      }
    };
    switch (e.name) {
      case 'getStreamLength': {
        const name = typeof e.args[0] === 'string' ? e.args[0] : '';
        this.#streams.streamLength(name).then(respond, () => respond(0));
        return;
      }
      case 'receiveAudio':
      case 'receiveVideo':
        this.#streams.receive(e.streamId, e.name === 'receiveAudio' ? 'audio' : 'video', e.args[0] !== false);
        return;
      case '_checkbw':
        respond(null);
        return;
    }
    const request: CallRequest = {
      client: this,
      name: e.name,
      args: e.args,
      commandObject: e.commandObject,
      streamId: e.streamId,
      expectsResult: e.txn !== 0,
    };
    this.#server.emit('call', request);
    const hook = this.#server.options.onCall;
    if (!hook) {
      fail({ code: 'NetConnection.Call.Failed', description: `Method ${e.name} not found.` });
      return;
    }
    let result: AmfValue | Promise<AmfValue>;
    try {
      result = hook(e.name, e.args, this, request);
    } catch (err) {
      fail(errorInfo(err));
      return;
    }
    Promise.resolve(result).then(respond, (err: unknown) => fail(errorInfo(err)));
  }

  #answer(e: Extract<ServerEvent, { kind: 'result' | 'error' }>): void {
    const c = this.#calls.get(e.txn);
    if (!c) return;
    this.#calls.delete(e.txn);
    clearTimeout(c.timer);
    if (e.kind === 'result') {
      c.resolve(e.values[0] ?? null);
    } else {
      const desc =
        typeof e.info.description === 'string' ? e.info.description : String(e.info.code ?? 'error');
      c.reject(
        new RTMPError(`${c.name} failed: ${desc}`, { code: GeneralCode.SERVER_CALL_FAILED, info: e.info }),
      );
    }
  }
}
