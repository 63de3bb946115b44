/**
 * The server side of one RTMP connection, sans-IO: bytes and `now` in; bytes
 * (`takeOutput`), events (`takeEvents`, server-events.ts) and a deadline (`nextDeadline`)
 * out, over the message pipeline both sessions share (inbound.ts). The host (the
 * embedded server, a test) makes every decision by calling methods in answer to events
 * (most answers in server-answers.ts; the NetStream side in server-net-streams.ts; the
 * command dispatch in server-commands.ts).
 *
 * Flows (RTMP-SPEC §7.2; what FMS and nginx-rtmp send, which clients expect):
 * - connect → `acceptConnect`: Window Ack Size, Set Peer Bandwidth, [Set Chunk Size],
 *   StreamBegin 0, `_result` {fmsVer, capabilities, mode} {level, code
 *   NetConnection.Connect.Success, description, objectEncoding}.
 * - createStream → `createdStream`: `_result` with a new message stream id.
 * - play → `startPlay` … `endPlay`; publish → `acceptPublish`, then `media`/`data` events.
 *
 * Automatic: Acknowledgements of the chunk-stream bytes (handshake excluded, as FFmpeg
 * counts) by the client's window, else ours; PingResponse; RTT from PingResponse;
 * answers to releaseStream/FCPublish/FCUnpublish/FCSubscribe (option `autoFC`, the
 * SRS/FMS behaviour FFmpeg, OBS and librtmp publishers expect).
 *
 * Encodings: commands arrive as type 20 or 17. The connect `_result` goes out in the
 * form connect came in; after it, our commands use type 17 when the client offered
 * `objectEncoding: 3`, else type 20. Data messages are always type 18: FFmpeg only reads
 * type 18 as script data.
 *
 * Invariants: no sockets, timers or clocks; randomness is injected. Peer faults never
 * throw out of `receive` (fatal: handshake and chunk errors; non-fatal: one bad or
 * misplaced message, a truncated aggregate). Caller faults throw `RTMPUsageError`.
 * After close every method is a no-op and input is ignored. Memory is bounded by the
 * chunk reader's limits, `maxStreams` and `maxPendingCalls`. The limits of
 * server-limits.ts (deadlines, input held, command size and rate), when set, end the
 * session with a fatal `protocolError` carrying an `RTMPLimitError`.
 */
import type { AmfValue } from '../amf/types.js';
import type { AckTracker } from '../chunk/ack.js';
import type { ChunkWriter } from '../chunk/writer.js';
import { ProtocolCode } from '../error-codes.js';
import { RTMPProtocolError } from '../errors.js';
import type { ServerHandshakeInfo } from '../handshake/server.js';
import {
  command,
  pingRequest,
  pingResponse,
  setPeerBandwidth,
  streamBegin,
  windowAckSize,
} from '../message/builders.js';
import type { RawMessage } from '../message/raw-message.js';
import type { CommandMessage, Message } from '../message/types.js';
import { checkStreamId, usage } from './checks.js';
import { InboundPipeline, toRTMPError } from './inbound.js';
import { Liveness } from './liveness.js';
import { ServerAnswers } from './server-answers.js';
import { MAX_EARLY_COMMANDS, ServerCommands } from './server-commands.js';
import type { ServerEvent } from './server-events.js';
import { ServerLimits } from './server-limits.js';
import { ServerNetStreams } from './server-net-streams.js';
import {
  infoObject,
  num,
  prop,
  type ResolvedServerOptions,
  readerOptionsFor,
  resolveServerOptions,
  type ServerSessionOptions,
  type ServerSessionState,
  type ServerSessionStats,
  type ServerStreamInfo,
  serverHandshakeFor,
  str,
} from './server-session-options.js';
import { type PendingRequest, RequestTable } from './transactions.js';

export type * from './server-events.js';
export type { EndPlayOptions, StartPlayOptions } from './server-net-streams.js';
export type {
  ServerSessionOptions,
  ServerSessionState,
  ServerSessionStats,
  ServerStreamInfo,
} from './server-session-options.js';

/**
 * One RTMP connection, server side. Feed it the socket's bytes with `receive`, write
 * `takeOutput()` to the socket, act on `takeEvents()`, and call `handleTimeout` at
 * `nextDeadline()`.
 *
 * ```ts
 * const s = new ServerSession({ chunkSize: 4096 });
 * socket.on('data', (b) => { s.receive(b, performance.now()); pump(); });
 * function pump() {
 *   for (const e of s.takeEvents()) if (e.kind === 'connect') s.acceptConnect(e.txn);
 *   socket.cork(); for (const b of s.takeOutput()) socket.write(b); socket.uncork();
 * }
 * ```
 */
export class ServerSession extends ServerAnswers {
  readonly #pipe: InboundPipeline<ServerHandshakeInfo>;
  readonly #opts: ResolvedServerOptions;

  #state: ServerSessionState = 'handshake';
  #events: ServerEvent[] = [];

  /** Negotiated encoding: 3 = our commands go out as type 17. */
  #objectEncoding: 0 | 3 = 0;
  /** Client requests awaiting our answer. */
  readonly #pendingIn: RequestTable;
  /** Command dispatch, early commands and our calls' answers. */
  readonly #commands: ServerCommands;
  /** @internal The NetStream side. */
  protected readonly net: ServerNetStreams;

  /** Idle deadline and ping round trips. */
  readonly #live: Liveness;
  /** Handshake, connect and message deadlines; input, command size and rate limits. */
  readonly #limits: ServerLimits;

  /** Creates the session for one accepted connection. Throws `RTMPUsageError` for bad options. */
  constructor(options: ServerSessionOptions = {}) {
    super();
    this.#pipe = new InboundPipeline(
      serverHandshakeFor(options),
      {
        onHandshake: (info) => {
          this.#state = 'awaitingConnect';
          this.#events.push({ kind: 'handshakeDone', info });
        },
        onMessage: (msg, raw) => this.#onMessage(msg, raw),
        onProtocolError: (error, fatal) => (fatal ? this.#fatal(error) : this.#nonFatal(error)),
        isClosed: () => this.#isClosed(),
      },
      {
        reader: readerOptionsFor(options),
        amf: options.amf,
        countHandshakeBytes: false,
        trace: options.trace,
      },
    );
    this.#opts = resolveServerOptions(options);
    this.#pendingIn = new RequestTable(this.#opts.maxPendingCalls);
    this.net = new ServerNetStreams(
      {
        send: (msg) => this.#send(msg),
        sendRaw: (raw) => this.#sendRaw(raw),
        sendCommand: (msg, streamId) => this.#sendCommand(msg, streamId),
        emit: (ev) => this.#events.push(ev),
        nonFatal: (err) => this.#nonFatal(err),
        connected: () => this.#state === 'connected',
        requireConnected: (method) => this.#requireConnected(method),
        addPending: (txn, p) => this.#addPending(txn, p),
      },
      this.#opts.sampleAccess,
    );
    this.#commands = new ServerCommands(
      {
        state: () => this.#state,
        isClosed: () => this.#isClosed(),
        onConnect: (msg) => this.#onConnect(msg),
        sendCommand: (msg, streamId, amf3) => this.#sendCommand(msg, streamId, amf3),
        emit: (ev) => this.#events.push(ev),
        nonFatal: (err) => this.#nonFatal(err),
        addPending: (txn, p) => this.#addPending(txn, p),
      },
      this.net,
      this.#opts,
    );
    // Until the client announces its own window, acknowledge by the one we announce.
    this.#pipe.acks.setWindowSize(this.#opts.windowAckSize);
    this.#live = new Liveness(this.#opts.idleTimeoutMs, options.now);
    this.#limits = new ServerLimits(options, options.now);
  }

  // ---------------------------------------------------------------- state

  /** Where the connection is: handshake → awaitingConnect → connecting → connected (or rejected), then closed. */
  get state(): ServerSessionState {
    return this.#state;
  }

  /** The negotiated object encoding (0 until a connect with `objectEncoding: 3` was accepted). */
  get objectEncoding(): 0 | 3 {
    return this.#objectEncoding;
  }

  /** The last measured ping round trip (host time units), or undefined. */
  get rtt(): number | undefined {
    return this.#live.rtt;
  }

  /** The message streams the client created, by id. */
  get streams(): ReadonlyMap<number, ServerStreamInfo> {
    return this.net.streams;
  }

  /** A snapshot of the counters. */
  get stats(): ServerSessionStats {
    return {
      bytesReceived: this.#pipe.reader.totalBytesReceived,
      bytesSent: this.#pipe.bytesSent,
      acksSent: this.#pipe.acksSent,
      inFlight: this.#pipe.acks.inFlight,
      droppedMessages: this.net.dropped,
      messagesReceived: this.#pipe.reader.stats.messages,
    };
  }

  // ---------------------------------------------------------------- I/O

  /**
   * Feeds bytes from the client, received at host time `now` (milliseconds). Never
   * throws for bad input: peer faults become `protocolError` events. Payloads of
   * `media` events may be views of `bytes`: do not reuse the buffer.
   */
  receive(bytes: Uint8Array, now: number): void {
    if (this.#state === 'closed') return;
    this.#live.activity(now);
    const reader = this.#pipe.reader;
    const before = reader.stats.messages;
    this.#pipe.receive(bytes);
    if (this.#isClosed()) return;
    const over = this.#limits.input(now, reader.held, reader.stats.messages !== before);
    if (over) this.#fatal(over);
  }

  /** The transport ended (EOF, reset): emits `closed` with reason `peer`. */
  end(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#events.push({ kind: 'closed', reason: 'peer' });
  }

  /** Closes the session: emits `closed` (reason `local`); later input and calls are ignored. The host ends the socket after writing `takeOutput()`. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#events.push({ kind: 'closed', reason: 'local' });
  }

  /** Bytes to write to the client, in order (header buffers and payload views; treat as read-only). */
  takeOutput(): Buffer[] {
    return this.#pipe.takeOutput();
  }

  /** Events since the last call, in order. */
  takeEvents(): ServerEvent[] {
    const ev = this.#events;
    this.#events = [];
    return ev;
  }

  /** When `handleTimeout` must next run (host time), or undefined when nothing is armed. */
  nextDeadline(): number | undefined {
    if (this.#state === 'closed') return undefined;
    const live = this.#live.deadline(this.#state === 'connected');
    const limit = this.#limits.deadline(this.#phase());
    return live === undefined ? limit : limit === undefined ? live : Math.min(live, limit);
  }

  /** Where the connection is for the handshake and connect deadlines. */
  #phase(): 'handshake' | 'awaitingConnect' | 'later' {
    return this.#state === 'handshake' || this.#state === 'awaitingConnect' ? this.#state : 'later';
  }

  /**
   * Runs deadlines due at `now`. Halfway through a silence of a connected client a User
   * Control PingRequest goes out (RTMP-SPEC §7.1.7; librtmp and FFmpeg answer it), so a
   * quiet player that is alive sends bytes; at the idle deadline `timeout` is emitted,
   * once per silence. A handshake, connect or message deadline that passed ends the
   * session (see `ServerLimitOptions`).
   */
  handleTimeout(now: number): void {
    if (this.#state === 'closed') return;
    const over = this.#limits.due(now, this.#phase());
    if (over) {
      this.#fatal(over);
      return;
    }
    const due = this.#live.due(now, this.#state === 'connected');
    if (due === 'ping') this.ping(now);
    else if (due !== undefined) this.#events.push({ kind: 'timeout', idleMs: due });
  }

  // ---------------------------------------------------------------- NetConnection answers

  /**
   * Accepts the connect `txn`: Window Ack Size, Set Peer Bandwidth, Set Chunk Size (when
   * the option is set), StreamBegin 0, then `_result` with `properties` (default
   * `{fmsVer, capabilities, mode}`) and `info` (default level `status`, code
   * `NetConnection.Connect.Success`, description, objectEncoding) — given fields override.
   * Then the commands the client sent behind connect run, in order (their events follow).
   */
  acceptConnect(
    txn: number,
    options: { properties?: Record<string, AmfValue>; info?: Record<string, AmfValue> } = {},
  ): void {
    if (this.#state === 'closed') return;
    const p = this.#takePending(txn, ['connect'], 'acceptConnect');
    this.#send(windowAckSize(this.#opts.windowAckSize));
    this.#ack.setAnnouncedWindowSize(this.#opts.windowAckSize);
    this.#send(setPeerBandwidth(this.#opts.peerBandwidth, this.#opts.peerBandwidthLimit));
    if (this.#opts.chunkSize !== undefined && this.#opts.chunkSize !== this.#writer.chunkSize) {
      this.#pipe.setChunkSize(this.#opts.chunkSize);
    }
    this.#send(streamBegin(0));
    const properties = infoObject(
      { fmsVer: this.#opts.fmsVer, capabilities: this.#opts.capabilities, mode: this.#opts.mode },
      options.properties,
    );
    const info = infoObject(
      {
        level: 'status',
        code: 'NetConnection.Connect.Success',
        description: 'Connection succeeded.',
        objectEncoding: this.#objectEncoding,
      },
      options.info,
    );
    // The host may refuse the AMF3 offer by answering objectEncoding 0.
    if (info.objectEncoding === 0) this.#objectEncoding = 0;
    this.#sendCommand(command('_result', txn, properties, info), 0, p.amf3);
    this.#state = 'connected';
    this.#commands.runEarly();
  }

  /**
   * Rejects the connect `txn` with `_error` and `info` (default level `error`, code
   * `NetConnection.Connect.Rejected`; Adobe/llnw auth challenges go in `description`).
   * Commands the client sent behind connect are dropped; the session then ignores
   * commands; the host closes the connection.
   */
  rejectConnect(txn: number, info: Record<string, AmfValue> = {}): void {
    if (this.#state === 'closed') return;
    const p = this.#takePending(txn, ['connect'], 'rejectConnect');
    const obj = infoObject(
      { level: 'error', code: 'NetConnection.Connect.Rejected', description: 'Connection rejected.' },
      info,
    );
    this.#sendCommand(command('_error', txn, null, obj), 0, p.amf3);
    this.#state = 'rejected';
    this.#commands.dropEarly();
  }

  /**
   * Invokes `name` on the client (`onBWDone`, an application method…). Returns the
   * transaction id its `_result`/`_error` will carry (`result`/`error` events), or 0
   * with `expectResult: false`.
   */
  call(
    name: string,
    args: readonly AmfValue[] = [],
    options: { streamId?: number; commandObject?: AmfValue; expectResult?: boolean } = {},
  ): number {
    if (typeof name !== 'string' || name === '') throw usage('call() needs a method name');
    if (this.#state === 'closed') return 0;
    this.#requireConnected('call');
    const streamId = options.streamId ?? 0;
    checkStreamId(streamId);
    let txn = 0;
    if (options.expectResult !== false) {
      txn = this.#commands.track(name);
    }
    this.#sendCommand(command(name, txn, options.commandObject ?? null, ...args), streamId);
    return txn;
  }

  /** Sends a User Control PingRequest carrying `now` (mod 2^32); the `pong` event reports the RTT. */
  ping(now: number): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'handshake') throw usage('ping() before the handshake completed');
    this.#send(pingRequest(this.#live.ping(now)));
  }

  // ---------------------------------------------------------------- inbound dispatch

  #onMessage(msg: Message, raw: RawMessage): void {
    switch (msg.kind) {
      case 'setChunkSize':
      case 'abort':
      case 'ack':
      case 'windowAckSize':
        return; // applied by the chunk reader and the pipeline
      case 'setPeerBandwidth': {
        const w = this.#ack.setPeerBandwidth(msg.windowSize, msg.limitType);
        if (w !== undefined) this.#send(windowAckSize(w));
        return;
      }
      case 'userControl':
        this.#onUserControl(msg.data);
        return;
      case 'audio':
      case 'video':
      case 'aggregate':
      case 'data':
        this.net.onStreamMessage(msg, raw, this.#pipe);
        return;
      case 'command': {
        const over = this.#limits.command(this.#live.now, raw.payload.length);
        if (over) this.#fatal(over);
        else this.#commands.dispatch(msg);
        return;
      }
      case 'sharedObject':
        this.#events.push({ kind: 'sharedObject', message: msg });
        return;
      case 'unknown':
        return; // unknown types are not errors
    }
  }

  #onUserControl(data: Extract<Message, { kind: 'userControl' }>['data']): void {
    switch (data.event) {
      case 'pingResponse': {
        const rtt = this.#live.pong(data.timestamp, this.#live.now);
        if (rtt !== undefined) this.#events.push({ kind: 'pong', timestamp: data.timestamp, rtt });
        return;
      }
      case 'pingRequest':
        if (this.#state !== 'handshake') this.#send(pingResponse(data.timestamp));
        return;
      case 'setBufferLength':
        this.#events.push({ kind: 'bufferLength', streamId: data.streamId, milliseconds: data.bufferLength });
        return;
      default:
        return;
    }
  }

  /** Most commands held behind a pending connect (`ERR_SESSION_TOO_MANY_EARLY_COMMANDS` beyond). */
  static readonly MAX_EARLY_COMMANDS = MAX_EARLY_COMMANDS;

  /** `connect` (RTMP-SPEC §7.2.1.1): the offered encoding, a pending request, a `connect` event. */
  #onConnect(msg: CommandMessage): void {
    if (this.#state !== 'awaitingConnect') {
      this.#nonFatal(
        new RTMPProtocolError(`connect in state ${this.#state}; ignored`, {
          code: ProtocolCode.SESSION_DUPLICATE_CONNECT,
        }),
      );
      return;
    }
    const co = msg.commandObject;
    const offered = num(prop(co, 'objectEncoding'));
    this.#objectEncoding = this.#opts.amf3 && offered === 3 ? 3 : 0;
    this.#state = 'connecting';
    this.#addPending(msg.transactionId, { what: 'connect', streamId: msg.streamId, amf3: msg.amf3 });
    this.#events.push({
      kind: 'connect',
      txn: msg.transactionId,
      commandObject: co,
      args: msg.args,
      app: str(prop(co, 'app')),
      tcUrl: str(prop(co, 'tcUrl')),
      objectEncoding: this.#objectEncoding,
      amf3: msg.amf3,
    });
  }

  // ---------------------------------------------------------------- helpers

  #addPending(txn: number, p: PendingRequest): void {
    this.#pendingIn.add(txn, p);
  }

  /** Removes and returns the oldest request `txn` of an `allowed` kind; throws `RTMPUsageError` if there is none. */
  #takePending(txn: number, allowed: readonly PendingRequest['what'][], method: string): PendingRequest {
    const p = this.#pendingIn.take(txn, allowed);
    if (typeof p === 'string') throw usage(`${method}(${String(txn)}): ${p}`);
    return p;
  }

  /** A method, not a field read, so TypeScript does not narrow across handlers that may close. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  /** @internal Whether the session closed (every answer is a no-op then). */
  protected isClosed(): boolean {
    return this.#isClosed();
  }

  /** @internal See `#takePending`. */
  protected takePending(
    txn: number,
    allowed: readonly PendingRequest['what'][],
    method: string,
  ): PendingRequest {
    return this.#takePending(txn, allowed, method);
  }

  /** @internal See `#sendCommand`. */
  protected sendCommand(msg: CommandMessage, streamId: number): void {
    this.#sendCommand(msg, streamId);
  }

  /** @internal See `#requireConnected`. */
  protected requireConnected(method: string): void {
    this.#requireConnected(method);
  }

  #requireConnected(method: string): void {
    if (this.#state !== 'connected')
      throw usage(`${method}() needs an accepted connection (state ${this.#state})`);
  }

  /** Sends a command on `streamId` in the negotiated encoding (or `amf3` when given). */
  #sendCommand(msg: CommandMessage, streamId: number, amf3?: boolean): void {
    this.#send({ ...msg, streamId, amf3: amf3 ?? this.#objectEncoding === 3 });
  }

  #send(msg: Message): void {
    this.#pipe.send(msg);
  }

  #sendRaw(raw: RawMessage): void {
    this.#pipe.sendRaw(raw);
  }

  /** The chunk writer (our outgoing chunk size). */
  get #writer(): ChunkWriter {
    return this.#pipe.writer;
  }

  /** Acknowledgement and flow-control accounting. */
  get #ack(): AckTracker {
    return this.#pipe.acks;
  }

  #nonFatal(err: unknown): void {
    this.#events.push({ kind: 'protocolError', error: toRTMPError(err), fatal: false });
  }

  #fatal(err: unknown): void {
    const error = toRTMPError(err);
    this.#events.push({ kind: 'protocolError', error, fatal: true });
    this.#state = 'closed';
    this.#events.push({ kind: 'closed', reason: 'protocolError', error });
  }
}
