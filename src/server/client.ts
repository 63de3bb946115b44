/**
 * One client connection of the embedded server: the I/O shell around a sans-IO
 * `ServerSession` (DESIGN.md §1) — it owns the socket and the timers, pumps bytes in
 * and out, answers the NetConnection side (connect + `onConnect`, createStream,
 * custom calls + `onCall`, `getStreamLength`) and hands NetStream events to
 * `ClientStreams`. `client.call()` invokes a method on the client and resolves with
 * its `_result`.
 *
 * Liveness: a connection silent for `idleTimeoutMs` is closed; after half of it a
 * connected client is pinged (User Control PingRequest), which librtmp and FFmpeg
 * answer, so a quiet player stays while a dead socket goes.
 *
 * Invariants: output is written in session order (cork/uncork batches); live relay
 * output is flushed on a microtask and counted as backlog until then; every timer is
 * cleared and every pending call rejected when the connection closes; the close
 * cleanup runs once.
 */
import type { Socket } from 'node:net';
import type { AmfValue } from '../amf/types.js';
import { RTMPConnectionError, RTMPError, RTMPTimeoutError, RTMPUsageError } from '../errors.js';
import type { ServerEvent } from '../session/server-events.js';
import { ServerSession } from '../session/server-session.js';
import { ClientStreams } from './client-streams.js';
import { brief, type ClientHost, decide, errorInfo, splitQuery } from './host.js';
import type { CallRequest, ConnectRequest } from './types.js';

/** Where a client connection is. */
export type ServerClientState = 'handshake' | 'connecting' | 'connected' | 'closed';

interface PendingCall {
  name: string;
  resolve: (v: AmfValue) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

const now = (): number => performance.now();

/** One connected RTMP client, as the server and its hooks see it. */
export class ServerClient {
  /** Connection number, unique per server. */
  readonly id: number;
  /** Peer address and port. */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;

  readonly #socket: Socket;
  readonly #session: ServerSession;
  readonly #host: ClientHost;
  readonly #streams: ClientStreams;
  #app: string | undefined;
  #query = '';
  #tcUrl: string | undefined;
  #commandObject: AmfValue = null;
  #connectArgs: readonly AmfValue[] = [];
  #connected = false;
  #closed = false;
  /** Set once cleanup ran: resolves when the streams' files are closed. */
  #cleanedUp: Promise<void> | undefined;
  readonly #calls = new Map<number, PendingCall>();
  #unflushed = 0;
  #flushQueued = false;
  #drainWaiters: (() => void)[] = [];
  #deadlineTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #lastReceived = now();
  #destroyTimer: NodeJS.Timeout | undefined;

  /** @internal Created by the server for each accepted socket. */
  constructor(id: number, socket: Socket, host: ClientHost) {
    this.id = id;
    this.#socket = socket;
    this.#host = host;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
    const o = host.options;
    this.#session = new ServerSession({
      ...o.session,
      chunkSize: o.chunkSize,
      maxMessageSize: o.maxMessageSize,
      idleTimeoutMs: o.idleTimeoutMs,
      maxStreams: o.maxStreams,
      now: now(),
    });
    this.#streams = new ClientStreams({
      client: this,
      session: this.#session,
      host,
      app: () => this.#app ?? '',
      flush: () => this.#flush(),
      flushSoon: (bytes) => this.#flushSoon(bytes),
      backlog: () => this.#socket.writableLength + this.#unflushed,
      drained: () => this.#drained(),
      closed: () => this.#closed,
      reportError: (err) => this.#reportError(err),
    });
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.#lastReceived = now();
      this.#session.receive(d, this.#lastReceived);
      this.#pump();
    });
    socket.on('drain', () => this.#wakeDrain());
    socket.on('error', (err) => host.log.debug(`client ${id}: socket error: ${err.message}`));
    socket.on('close', () => {
      this.#closed = true;
      clearTimeout(this.#destroyTimer);
      this.#session.end();
      this.#pump();
      void this.#cleanup();
    });
    // Checked every quarter of the idle time: a ping goes out after half of it in silence.
    const quarter = Math.max(2, Math.floor(o.idleTimeoutMs / 4));
    this.#pingTimer = setInterval(() => this.#maybePing(2 * quarter), quarter);
    this.#pingTimer.unref();
    this.#armDeadline();
  }

  /** The connected app without `?query` (undefined before connect). */
  get app(): string | undefined {
    return this.#app;
  }

  /** The query string of the connect `app` (`''` when none). */
  get query(): string {
    return this.#query;
  }

  /** The connect `tcUrl`. */
  get tcUrl(): string | undefined {
    return this.#tcUrl;
  }

  /** The connect command object. */
  get commandObject(): AmfValue {
    return this.#commandObject;
  }

  /** Extra connect arguments. */
  get connectArgs(): readonly AmfValue[] {
    return this.#connectArgs;
  }

  /** handshake → connecting → connected, then closed. */
  get state(): ServerClientState {
    if (this.#closed || this.#session.state === 'closed') return 'closed';
    if (this.#connected) return 'connected';
    return this.#session.state === 'handshake' ? 'handshake' : 'connecting';
  }

  /** What each message stream does: `publish`, `live` (playing), `vod` or `pending`, with the stream name. */
  get streams(): ReadonlyMap<number, { kind: string; name?: string }> {
    return this.#streams.roles;
  }

  /** Bytes queued for the socket but not yet sent. */
  get backlog(): number {
    return this.#socket.writableLength + this.#unflushed;
  }

  /**
   * Invokes `name` on the client and resolves with the first value of its `_result`
   * (null when none). Rejects with `RTMPError` (code `ERR_SERVER_CALL_FAILED`, the
   * client's info as `info`) on `_error`, `RTMPTimeoutError` after `callTimeoutMs`, and
   * `RTMPConnectionError` when the connection closes first.
   */
  call(name: string, ...args: AmfValue[]): Promise<AmfValue> {
    if (this.#closed) {
      return Promise.reject(
        new RTMPConnectionError('connection closed', { code: 'ERR_SERVER_CLIENT_CLOSED' }),
      );
    }
    if (!this.#connected) {
      return Promise.reject(
        new RTMPUsageError('call() needs a connected client', { code: 'ERR_SERVER_NOT_CONNECTED' }),
      );
    }
    const txn = this.#session.call(name, args);
    this.#flush();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#calls.delete(txn);
        reject(
          new RTMPTimeoutError(
            `client ${this.id} did not answer ${name} in ${this.#host.options.callTimeoutMs} ms`,
          ),
        );
      }, this.#host.options.callTimeoutMs);
      timer.unref();
      this.#calls.set(txn, { name, resolve, reject, timer });
    });
  }

  /** Invokes `name` on the client without awaiting an answer (transaction id 0). */
  notify(name: string, ...args: AmfValue[]): void {
    if (this.#closed || !this.#connected) return;
    this.#session.call(name, args, { expectResult: false });
    this.#flush();
  }

  /** Closes the connection: pending output is written, then the socket ends (destroyed after 2 s at most). */
  close(): void {
    if (this.#closed) return;
    this.#session.close();
    this.#pump();
  }

  /** @internal Drops the connection at once (server shutdown); resolves when its VOD files are closed. */
  destroy(): Promise<void> {
    this.#closed = true;
    this.#socket.destroy();
    return this.#cleanup();
  }

  // ------------------------------------------------------------- pump

  #pump(): void {
    for (;;) {
      const events = this.#session.takeEvents();
      if (events.length === 0) break;
      for (const e of events) {
        try {
          this.#handle(e);
        } catch (err) {
          this.#reportError(err);
        }
      }
    }
    this.#flush();
    this.#armDeadline();
  }

  #flush(): boolean {
    this.#unflushed = 0;
    const out = this.#session.takeOutput();
    const socket = this.#socket;
    if (out.length > 0 && !socket.destroyed && socket.writable) {
      socket.cork();
      for (const b of out) socket.write(b);
      socket.uncork();
    }
    if (this.#session.state === 'closed' && !this.#closed) this.#endSocket();
    return !socket.writableNeedDrain;
  }

  #flushSoon(bytes: number): void {
    this.#unflushed += bytes;
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      if (!this.#closed) this.#flush();
    });
  }

  #drained(): Promise<void> {
    if (this.#closed || !this.#socket.writableNeedDrain) return Promise.resolve();
    return new Promise((res) => this.#drainWaiters.push(res));
  }

  #wakeDrain(): void {
    const w = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const f of w) f();
  }

  #endSocket(): void {
    this.#closed = true;
    this.#socket.end();
    this.#destroyTimer = setTimeout(() => this.#socket.destroy(), 2000);
    this.#destroyTimer.unref();
    void this.#cleanup();
  }

  #armDeadline(): void {
    clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    if (this.#closed) return;
    const at = this.#session.nextDeadline();
    if (at === undefined) return;
    this.#deadlineTimer = setTimeout(
      () => {
        this.#session.handleTimeout(now());
        this.#pump();
      },
      Math.max(0, at - now()),
    );
    this.#deadlineTimer.unref();
  }

  #maybePing(half: number): void {
    if (this.#closed || !this.#connected) return;
    if (now() - this.#lastReceived < half) return;
    this.#session.ping(now());
    this.#flush();
  }

  #reportError(err: unknown): void {
    const e =
      err instanceof RTMPError
        ? err
        : new RTMPError(err instanceof Error ? err.message : String(err), {
            code: 'ERR_SERVER_INTERNAL',
            cause: err,
          });
    this.#host.log.warn(`client ${this.id}: ${e.code}: ${e.message}`);
    this.#host.emit('clientError', e, this);
  }

  #cleanup(): Promise<void> {
    if (this.#cleanedUp) return this.#cleanedUp;
    clearTimeout(this.#deadlineTimer);
    clearInterval(this.#pingTimer);
    this.#cleanedUp = this.#streams.endAll();
    for (const [, c] of this.#calls) {
      clearTimeout(c.timer);
      c.reject(
        new RTMPConnectionError(`connection closed before ${c.name} was answered`, {
          code: 'ERR_SERVER_CLIENT_CLOSED',
        }),
      );
    }
    this.#calls.clear();
    this.#wakeDrain();
    this.#host.clientClosed(this);
    return this.#cleanedUp;
  }

  // ------------------------------------------------------------- events

  #handle(e: ServerEvent): void {
    if (this.#streams.handle(e)) return;
    const log = this.#host.log;
    switch (e.kind) {
      case 'handshakeDone':
        log.debug(`client ${this.id}: handshake done (${e.info.mode})`);
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
        log.info(`client ${this.id}: idle for ${Math.round(e.idleMs)} ms, closing`);
        this.#session.close();
        return;
      case 'protocolError':
        this.#reportError(e.error);
        return;
      case 'closed':
        if (e.reason !== 'local') log.debug(`client ${this.id}: closed (${e.reason})`);
        return;
      default:
        return; // FC* (answered by the session), bufferLength, pong, sharedObject
    }
  }

  async #connect(e: Extract<ServerEvent, { kind: 'connect' }>): Promise<void> {
    const o = this.#host.options;
    const [rawApp, query] = splitQuery(e.app ?? '');
    const app = rawApp.replace(/\/+$/, '');
    this.#app = app;
    this.#query = query;
    this.#tcUrl = e.tcUrl;
    this.#commandObject = e.commandObject;
    this.#connectArgs = e.args;
    const reject = (info: Record<string, AmfValue>): void => {
      if (this.#closed) return;
      this.#session.rejectConnect(e.txn, info);
      this.#host.log.info(`client ${this.id}: connect to ${app} rejected: ${brief(info)}`);
      this.#session.close();
      this.#pump();
    };
    if (o.apps && !o.apps.has(app)) {
      reject({ code: 'NetConnection.Connect.InvalidApp', description: `Application ${app} not found.` });
      return;
    }
    const request: ConnectRequest = {
      client: this,
      app,
      query,
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
    this.#session.acceptConnect(e.txn, o.connectProperties ? { properties: o.connectProperties } : {});
    this.#connected = true;
    this.#pump();
    this.#host.log.info(
      `client ${this.id} connected to ${app} from ${this.remoteAddress}:${this.remotePort}`,
    );
    this.#host.emit('connect', this);
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
    this.#host.emit('call', request);
    const hook = this.#host.options.onCall;
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
      c.reject(new RTMPError(`${c.name} failed: ${desc}`, { code: 'ERR_SERVER_CALL_FAILED', info: e.info }));
    }
  }
}
