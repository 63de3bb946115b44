/**
 * The client side of an RTMP session — NetConnection (RTMP-SPEC §7.2.1) and its
 * NetStreams (§7.2.2, net-stream.ts) — as a sans-IO state machine over the message
 * pipeline (inbound.ts: handshake, chunk reader/writer, acknowledgements). Bytes and
 * `now` go in (`start`, `receive`, `handleTimeout`, `end`); bytes (`takeOutput`),
 * events (`takeEvents`, client-events.ts) and the next deadline (`nextDeadline`) come
 * out. No sockets, timers, clocks or callbacks into user code.
 *
 * Invariants:
 * - Every received message yields exactly one event, in arrival order; any split of
 *   the server's bytes yields the same events and output, except for Acknowledgement
 *   timing (at most one per `receive`).
 * - Nothing but C0+C1 and C2 goes out before S2 has been read; then Set Chunk Size with
 *   our own outgoing size, then whatever was queued meanwhile (servers read the first
 *   chunks at 128 bytes until they see it; client-outbound.ts). The server's Set Chunk
 *   Size only ever changes the incoming direction.
 * - Automatic duties (no user code): PingResponse for PingRequest; Acknowledgement when
 *   the bytes received since the last one reach the server's window; Window Ack Size in
 *   reply to Set Peer Bandwidth when it differs from the last one sent (§5.4.5);
 *   `_result` for `_onbwcheck`; `_checkbw` once for `onBWDone`; `pong` for `ping`;
 *   SWFVerifyResponse when configured; `close` from the server ends the session;
 *   the `ConnectDuties` asked for once connect succeeds; the NetStream rules.
 * - Transaction ids count up from 1 (connect = 1 on a fresh session); a tracked
 *   transaction maps its `_result`/`_error` back to the method. releaseStream,
 *   FCPublish, FCUnpublish, FCSubscribe, play, publish, seek and pause are tracked but
 *   never awaited (no deadline): old Wowza servers never answer them.
 * - NetStream commands go on the stream's msid (librtmp sends seek and pause on msid 0,
 *   which servers that track streams by msid ignore) on csid 8; NetConnection commands
 *   on msid 0, csid 3; audio csid 4, video csid 6, data csid 4; control csid 2.
 * - Peer faults are reported as `protocolError` events, never thrown; caller faults
 *   (bad arguments, use after close) throw `RTMPUsageError`. An answer that does not
 *   decode fails the transaction it answers at once (command-head.ts).
 * - A played stream with no audio/video for `mediaTimeoutMs` (or under `minMediaRate`)
 *   fails by deadline, whatever control traffic flows (media-watch.ts).
 */

import type { AmfValue } from '../amf/types.js';
import { ProtocolCode } from '../error-codes.js';
import { type RTMPError, RTMPProtocolError } from '../errors.js';
import {
  ClientHandshake,
  type ClientHandshakeInfo,
  type ClientHandshakeOptions,
} from '../handshake/client.js';
import { command, setBufferLength } from '../message/builders.js';
import { encodeMessage } from '../message/codec.js';
import type { RawMessage } from '../message/raw-message.js';
import type { CommandMessage, Message } from '../message/types.js';
import type { ClosedEvent, SessionEvent } from './client-events.js';
import { ClientInbound } from './client-inbound.js';
import {
  type ClientSessionOptions,
  type ClientSessionState,
  type ConnectDuties,
  checkChunkSize,
  checkNetStream,
  checkSessionOptions,
  checkStreamId,
  type RespondOptions,
  type SessionCallOptions,
  usage,
} from './client-options.js';
import { ClientOutbound } from './client-outbound.js';
import { answerCommand, commandOf, errorInfo } from './client-packets.js';
import { NetStreamCommands } from './client-stream-commands.js';
import { malformedAnswer } from './command-head.js';
import { buildConnectArgs, buildConnectCommandObject, type ConnectParams } from './connect-object.js';
import { InboundPipeline, toRTMPError } from './inbound.js';
import { MediaWatch } from './media-watch.js';
import { NetStreamTable } from './net-stream.js';
import { TransactionTable } from './transactions.js';

export type {
  ClientSessionOptions,
  ClientSessionState,
  ConnectDuties,
  Play2Options,
  PlayOptions,
  RespondOptions,
  SessionCallOptions,
  SwfVerification,
} from './client-options.js';

/** The sans-IO RTMP client session. */
export class ClientSession extends NetStreamCommands {
  /**
   * Attach each received message's RawMessage to its event (`raw`) — for a raw packet
   * tap (python-librtmp `read_packet`). May be switched at any time.
   */
  tapRaw: boolean;
  readonly #opts: ClientSessionOptions;
  readonly #handshake: ClientHandshake;
  readonly #pipe: InboundPipeline<ClientHandshakeInfo>;
  #state: ClientSessionState = 'new';
  #now = 0;
  /** When C0+C1 were queued (`start`). */
  #startedAt = 0;
  /** The shortest round trip measured so far (see `rttMs`). */
  #rttMs: number | undefined;
  #events: SessionEvent[] = [];
  /** Deferred sends and our chunk-size announcement (client-outbound.ts). */
  readonly #out: ClientOutbound;
  #handshakeDeadline: number | undefined;
  #handshakeInfo: ClientHandshakeInfo | undefined;

  #nextTxn = 1;
  readonly #txns = new TransactionTable();
  #connectTxn: number | undefined;
  #duties: ConnectDuties = {};
  /** @internal The NetStreams by msid. */
  protected readonly streams = new NetStreamTable();
  readonly #inbound: ClientInbound;
  readonly #media: MediaWatch;
  /** @internal What the NetStreams send through. */
  protected readonly port = {
    pause: (id: number, paused: boolean, ms: number) => void this.invoke('pause', id, [paused, ms], false),
    setBufferLength: (id: number, ms: number) => this.sendMessage(setBufferLength(id, ms)),
    now: () => this.#now,
    rttMs: () => this.#rttMs,
  };

  /** Creates an idle session; nothing is sent until `start()`. */
  constructor(options: ClientSessionOptions = {}) {
    super();
    checkSessionOptions(options);
    this.#opts = options;
    this.tapRaw = options.tapRaw ?? false;
    this.#media = new MediaWatch({ timeoutMs: options.mediaTimeoutMs, minRate: options.minMediaRate });
    const hsOpts: ClientHandshakeOptions = { ...options.handshakeOptions };
    if (options.handshake !== undefined) hsOpts.policy = options.handshake;
    if (options.random !== undefined) hsOpts.random = options.random;
    this.#handshake = new ClientHandshake(hsOpts);
    const reader = { ...options.chunkReader };
    if (options.maxMessageSize !== undefined) reader.maxMessageSize = options.maxMessageSize;
    if (options.maxChunkStreams !== undefined) reader.maxChunkStreams = options.maxChunkStreams;
    this.#pipe = new InboundPipeline(
      this.#handshake,
      {
        onHandshake: (info) => this.#onHandshakeDone(info),
        onMessage: (msg, raw) => this.#inbound.dispatch(msg, raw),
        onProtocolError: (error, fatal, raw) => (fatal ? this.#fatal(error) : this.#nonFatal(error, raw)),
        isClosed: () => this.#state === 'closed',
      },
      { reader, amf: options.amf, countHandshakeBytes: true, trace: options.trace },
    );
    this.#out = new ClientOutbound(this.#pipe, options.chunkSize);
    this.#inbound = new ClientInbound({
      options,
      pipe: this.#pipe,
      streams: this.streams,
      txns: this.#txns,
      handshakeInfo: () => this.#handshakeInfo,
      connectTxn: () => this.#connectTxn,
      duties: () => this.#duties,
      settleConnect: (ok) => {
        this.#connectTxn = undefined;
        if (this.#state === 'connecting') this.#state = ok ? 'connected' : this.#readyState();
      },
      emit: (raw, ev) => this.#emit(raw, ev),
      answered: (p) => this.#roundTrip(this.#now - p.sentAt),
      send: (msg) => this.sendMessage(msg),
      invoke: (name, streamId, args) => this.invoke(name, streamId, args, false),
      closedByServer: () => this.#closeWith('server'),
    });
  }

  // ---------------------------------------------------------------- state

  /** Where the session is. */
  get state(): ClientSessionState {
    return this.#state;
  }

  /** True once S2 has been read (the state may already be `connecting`). */
  get handshakeDone(): boolean {
    return this.#pipe.handshakeDone;
  }

  /**
   * The round trip to the server, ms: the shortest of the handshake's (C0+C1 queued by
   * `start` to the server's first bytes: S0+S1 answer C1 at once) and each answered
   * command's (sent to its `_result`/`_error`) — the shortest, because a server's work or
   * a busy event loop only ever adds to one. Undefined before the server's first bytes. A
   * recorded play's buffer lead adds the media of one round trip (session/buffer-lead.ts).
   */
  get rttMs(): number | undefined {
    return this.#rttMs;
  }

  #roundTrip(ms: number): void {
    if (this.#rttMs === undefined || ms < this.#rttMs) this.#rttMs = Math.max(0, ms);
  }

  /** What the handshake learned about the server, once done. */
  get handshakeInfo(): ClientHandshakeInfo | undefined {
    return this.#handshakeInfo;
  }

  /** Bytes received so far, handshake included (exact up to 2^53). */
  get bytesReceived(): number {
    return this.#pipe.bytesReceived;
  }

  /** Bytes produced so far, handshake included (exact up to 2^53). */
  get bytesSent(): number {
    return this.#pipe.bytesSent;
  }

  /** The last Acknowledgement sequence number from the server (mod 2^32), if any — advisory. */
  get peerAcknowledged(): number | undefined {
    return this.#pipe.peerAcknowledged;
  }

  /** The server's Window Ack Size: we acknowledge every this many bytes. */
  get ackWindow(): number | undefined {
    return this.#pipe.acks.windowSize || undefined;
  }

  /** The server's Set Peer Bandwidth window, if it sent one. */
  get peerBandwidth(): number | undefined {
    return this.#pipe.acks.peerBandwidth || undefined;
  }

  /** Our bytes the server has not acknowledged yet, mod 2^32 (advisory: peers' acks are unreliable). */
  get inFlight(): number {
    return this.#pipe.acks.inFlight;
  }

  /** False while in-flight bytes reach the server's Set Peer Bandwidth (advisory; never enforced here). */
  get sendWindowOpen(): boolean {
    return this.#pipe.acks.sendWindowOpen;
  }

  /** Our outgoing chunk size: announced, or to be announced (see the `chunkSize` option). */
  get outgoingChunkSize(): number {
    return this.#out.chunkSize;
  }

  /** The server's chunk size now in force for incoming chunks. */
  get incomingChunkSize(): number {
    return this.#pipe.reader.chunkSize;
  }

  /** The transaction id the next tracked command will use (python-librtmp `transaction_id` + 1). */
  get nextTransactionId(): number {
    return this.#nextTxn;
  }

  /** Sets the next transaction id (python-librtmp lets callers set `transaction_id`). */
  set nextTransactionId(txn: number) {
    if (!Number.isSafeInteger(txn) || txn < 1)
      throw usage(`transaction id must be a positive integer, got ${txn}`);
    this.#nextTxn = txn;
  }

  // ---------------------------------------------------------------- I/O

  /** Queues C0+C1 and arms the handshake deadline. */
  start(now: number): void {
    if (this.#state !== 'new') throw usage(`start() called in state ${this.#state}`);
    this.#now = now;
    this.#startedAt = now;
    this.#pipe.push(this.#handshake.start());
    this.#state = 'handshaking';
    if (this.#opts.handshakeTimeoutMs !== undefined)
      this.#handshakeDeadline = now + this.#opts.handshakeTimeoutMs;
  }

  /**
   * Feeds bytes from the server, in any split. Payloads in the events may be views of
   * `bytes`: do not reuse or modify the Buffer afterwards (unless the chunk reader copies:
   * `chunkReader.zeroCopy: false`). Ignored after close.
   */
  receive(bytes: Uint8Array, now: number): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'new') throw usage('receive() called before start()');
    this.#now = Math.max(this.#now, now);
    if (this.#rttMs === undefined) this.#roundTrip(this.#now - this.#startedAt);
    this.#pipe.receive(bytes);
  }

  /** The bytes to write, in order (header buffers and payload views for `writev`). */
  takeOutput(): Buffer[] {
    return this.#pipe.takeOutput();
  }

  /** The events since the last call, in order. */
  takeEvents(): SessionEvent[] {
    const ev = this.#events;
    this.#events = [];
    return ev;
  }

  /** The earliest pending deadline (ms, same clock as `now`), or undefined. */
  nextDeadline(): number | undefined {
    if (this.#state === 'closed') return undefined;
    // Asked after every read: plain comparisons, no array to iterate.
    let d = this.#txns.nextDeadline();
    const hs = this.#pipe.handshakeDone ? undefined : this.#handshakeDeadline;
    if (hs !== undefined && (d === undefined || hs < d)) d = hs;
    const media = this.#media.nextDeadline();
    if (media !== undefined && (d === undefined || media < d)) d = media;
    return d;
  }

  /** Fires every deadline at or before `now` (as `timeout` events) and advances the clock. */
  handleTimeout(now: number): void {
    this.#now = Math.max(this.#now, now);
    if (this.#state === 'closed') return;
    if (
      !this.#pipe.handshakeDone &&
      this.#handshakeDeadline !== undefined &&
      now >= this.#handshakeDeadline
    ) {
      this.#handshakeDeadline = undefined;
      this.#events.push({ kind: 'timeout', what: 'handshake' });
    }
    for (const [txn, p] of this.#txns.expire(now)) {
      if (txn === this.#connectTxn) {
        this.#connectTxn = undefined;
        if (this.#state === 'connecting') this.#state = this.#readyState();
      }
      this.#events.push({ kind: 'timeout', what: 'command', txn, method: p.method });
    }
    for (const [streamId, error] of this.#media.expire(now)) {
      const change = this.streams.get(streamId)?.timedOut(error);
      this.#events.push({
        kind: 'timeout',
        what: 'media',
        streamId,
        error,
        ...(change === undefined ? {} : { changes: [change] }),
      });
    }
  }

  /**
   * Advances the session clock to `now` without feeding bytes: call it before a command
   * that arms a deadline long after the last input (resuming a paused stream).
   */
  advance(now: number): void {
    this.#now = Math.max(this.#now, now);
  }

  /** Sends `pause` (see `NetStreamCommands.pause`); the stream's media deadline is suspended while paused. */
  override pause(streamId: number, paused: boolean, ms?: number): number {
    const txn = super.pause(streamId, paused, ms);
    const phase = this.streams.get(streamId)?.state.phase;
    if (phase === 'paused') this.#media.suspend(streamId);
    else if (!paused && phase === 'play') this.#media.arm(streamId, this.#now);
    return txn;
  }

  /** Ends the session: no further output is produced and input is ignored. Queued output stays takeable. */
  close(): void {
    if (this.#state !== 'closed') this.#closeWith('local');
  }

  /** The transport ended (EOF, reset): the session closes (`closed`, reason `peer`), cutting unfinished streams. */
  end(): void {
    if (this.#state !== 'closed') this.#closeWith('peer');
  }

  // ---------------------------------------------------------------- NetConnection

  /**
   * Sends `connect` (csid 3, msid 0) with the librtmp/FFmpeg command object (see
   * `buildConnectCommandObject`) and returns its transaction id (1 on a fresh session).
   * May be called right after `start()`: it goes out after the handshake. `duties` are
   * done once the server accepts.
   */
  connect(params: ConnectParams, duties: ConnectDuties = {}): number {
    this.#checkCanConnect();
    if (typeof params?.app !== 'string') throw usage('connect() needs params.app (a string, may be empty)');
    const txn = this.#nextTxn;
    this.sendMessage(command('connect', txn, buildConnectCommandObject(params), ...buildConnectArgs(params)));
    this.#nextTxn++;
    this.#startConnect(txn, duties);
    return txn;
  }

  /**
   * Sends a prepared connect command as is instead of `connect` (python-librtmp's
   * `connect(packet)`): its transaction id (decoded from it) is the one whose answer
   * connects. Throws `RTMPUsageError` unless it is an AMF0/AMF3 command.
   */
  connectWith(raw: RawMessage, duties: ConnectDuties = {}): number {
    this.#checkCanConnect();
    const txn = commandOf(raw, this.#pipe.decodeOptions)?.transactionId;
    if (txn === undefined)
      throw usage('a connect packet must be an AMF command (INVOKE) with a transaction id');
    this.sendRawMessage(raw);
    if (txn >= this.#nextTxn) this.#nextTxn = Math.floor(txn) + 1;
    this.#startConnect(txn, duties);
    return txn;
  }

  /**
   * Sends a command `[name, txn, commandObject, ...args]` and returns its transaction
   * id. Its `_result`/`_error` arrives as a `result`/`error` event.
   */
  call(name: string, args: readonly AmfValue[] = [], options: SessionCallOptions = {}): number {
    this.checkOpen();
    if (typeof name !== 'string' || name === '') throw usage('call() needs a method name');
    if (options.now !== undefined) this.#now = Math.max(this.#now, options.now);
    const streamId = checkStreamId(options.streamId ?? 0);
    const txn = options.transactionId ?? this.#nextTxn;
    if (!Number.isFinite(txn) || txn < 0)
      throw usage(`transactionId must be a non-negative number, got ${txn}`);
    const msg: CommandMessage = {
      ...command(name, txn, options.commandObject ?? null, ...args),
      streamId,
      amf3: options.amf3 ?? false,
    };
    this.sendMessage(msg, options.csid);
    if (options.transactionId === undefined) this.#nextTxn++;
    if (txn !== 0) this.#track(txn, name, streamId, options.expectResult ?? true, options.timeoutMs);
    return txn;
  }

  /** Sends `createStream`; the answer is a `streamCreated` event (or `error`/`timeout`). */
  createStream(): number {
    return this.invoke('createStream', 0, [], true);
  }

  /** Sends `deleteStream(streamId)` on msid 0 (transaction 0, no answer expected); forgets its NetStream. */
  deleteStream(streamId: number): void {
    this.checkOpen();
    this.sendMessage(command('deleteStream', 0, null, checkNetStream(streamId)));
    this.streams.delete(streamId);
    this.#media.forget(streamId);
  }

  /** Sends `closeStream` on the stream's msid (transaction 0, no answer expected); forgets its NetStream. */
  closeStream(streamId: number): void {
    this.checkOpen();
    this.sendMessage({ ...command('closeStream', 0, null), streamId: checkNetStream(streamId) });
    this.streams.delete(streamId);
    this.#media.forget(streamId);
  }

  /** Sends `releaseStream(name)` (publishers, before createStream; answer not awaited). */
  releaseStream(name: string): number {
    return this.invoke('releaseStream', 0, [name], false);
  }

  /** Sends `FCPublish(name)` (publishers, before createStream; answer not awaited). */
  fcPublish(name: string): number {
    return this.invoke('FCPublish', 0, [name], false);
  }

  /** Sends `FCUnpublish(name)` (publishers, before deleteStream on stop). */
  fcUnpublish(name: string): number {
    return this.invoke('FCUnpublish', 0, [name], false);
  }

  /** Sends `FCSubscribe(name)` (players of live streams on CDN edges, which start the stream on it). */
  fcSubscribe(name: string): number {
    return this.invoke('FCSubscribe', 0, [name], false);
  }

  /** Sends `FCUnsubscribe(name)`. */
  fcUnsubscribe(name: string): number {
    return this.invoke('FCUnsubscribe', 0, [name], false);
  }

  /**
   * Answers a server-initiated invoke with `_result` (same transaction id).
   * `result` becomes the 4th value; the 3rd is `options.commandObject` (default null).
   */
  respond(txn: number, result: AmfValue, options: RespondOptions = {}): void {
    this.checkOpen();
    this.sendMessage(answerCommand('_result', txn, result, options));
  }

  /** Answers a server-initiated invoke with `_error` carrying `info` (e.g. `{level:'error', code, description}`). */
  respondError(txn: number, info: AmfValue, options: RespondOptions = {}): void {
    this.checkOpen();
    this.sendMessage(answerCommand('_error', txn, errorInfo(info), options));
  }

  /**
   * Announces a new outgoing chunk size (Set Chunk Size on csid 2) and switches the
   * writer after that message. Before the handshake completes it only changes the size
   * announced then.
   */
  setChunkSize(size: number): void {
    this.checkOpen();
    this.#out.setChunkSize(checkChunkSize(size));
  }

  // ---------------------------------------------------------------- raw

  /**
   * Sends a prepared message as is (python-librtmp `send_packet`). With `track`, an
   * AMF0/AMF3 command's transaction is tracked so its answer maps to its name.
   */
  sendRaw(message: RawMessage, options: { track?: boolean } = {}): void {
    this.checkOpen();
    const m = options.track ? commandOf(message, this.#pipe.decodeOptions) : undefined;
    if (m !== undefined && m.transactionId !== 0) this.#track(m.transactionId, m.name, m.streamId, true);
    this.sendRawMessage(message);
  }
  // ---------------------------------------------------------------- internals: sending

  /** @internal Throws unless the session runs. */
  protected checkOpen(): void {
    if (this.#state === 'closed') throw usage('the session is closed');
    if (this.#state === 'new') throw usage('start() the session first');
  }

  #checkCanConnect(): void {
    this.checkOpen();
    if (this.#state === 'connecting' || this.#state === 'connected')
      throw usage(`connect() called while ${this.#state}`);
  }

  #startConnect(txn: number, duties: ConnectDuties): void {
    this.#track(txn, 'connect', 0, true);
    this.#connectTxn = txn;
    this.#duties = duties;
    this.#state = 'connecting';
  }

  /** Sends a command with the next transaction id on `streamId` (csid 3 on 0, 8 otherwise). */
  protected invoke(name: string, streamId: number, args: AmfValue[], awaited: boolean): number {
    this.checkOpen();
    const txn = this.#nextTxn;
    this.sendMessage({ ...command(name, txn, null, ...args), streamId });
    this.#nextTxn++;
    this.#track(txn, name, streamId, awaited);
    return txn;
  }

  #track(txn: number, method: string, streamId: number, awaited: boolean, timeoutMs?: number): void {
    const t = awaited ? (timeoutMs ?? this.#opts.commandTimeoutMs) : undefined;
    const deadline = t !== undefined ? this.#now + t : undefined;
    this.#txns.track(txn, { method, streamId, deadline, sentAt: this.#now }, this.#connectTxn);
  }

  /** Encodes a typed message (throws on bad caller values) and sends or defers it. */
  protected sendMessage(msg: Message, csid?: number): void {
    this.sendRawMessage(encodeMessage(msg, csid === undefined ? {} : { csid }));
  }

  /** @internal Sends now, or after the handshake. */
  protected sendRawMessage(raw: RawMessage): void {
    if (this.#state === 'closed') return;
    this.#out.send(raw);
  }

  // ---------------------------------------------------------------- internals: session events

  /** Emits an event; the one made from message `raw` gets it attached while tapping. */
  #emit(raw: RawMessage | undefined, ev: SessionEvent): void {
    if (
      raw !== undefined &&
      this.tapRaw &&
      ev.kind !== 'handshake' &&
      ev.kind !== 'timeout' &&
      ev.kind !== 'closed'
    ) {
      ev.raw = raw;
    }
    if (ev.kind === 'media') this.#media.media(ev.streamId, ev.payload.length, this.#now);
    if ('changes' in ev && ev.changes !== undefined) this.#media.changes(ev.changes, this.#now);
    this.#events.push(ev);
  }

  #closeWith(reason: ClosedEvent['reason'], error?: RTMPError): void {
    this.#state = 'closed';
    this.#txns.clear();
    this.#connectTxn = undefined;
    this.#out.clear();
    this.#handshakeDeadline = undefined;
    const ev: ClosedEvent = { kind: 'closed', reason };
    if (error !== undefined) ev.error = error;
    const changes = this.streams.cutAll(reason);
    if (changes !== undefined) ev.changes = changes;
    this.#events.push(ev);
  }

  #fatal(err: unknown): void {
    const error = toRTMPError(err);
    this.#events.push({ kind: 'protocolError', error, fatal: true });
    this.#closeWith('protocolError', error);
  }

  #nonFatal(err: unknown, raw: RawMessage | undefined): void {
    const error = toRTMPError(err);
    const answer = raw === undefined ? undefined : this.#malformedAnswer(raw);
    if (answer === undefined) {
      this.#emit(raw, { kind: 'protocolError', error, fatal: false });
      return;
    }
    const bad = new RTMPProtocolError(
      `the server's answer to ${answer.method} (transaction ${answer.txn}) does not decode: ${error.message}`,
      { code: ProtocolCode.RTMP_MALFORMED_ANSWER, cause: error, info: { raw } },
    );
    this.#emit(raw, { kind: 'protocolError', error: bad, fatal: false, answer });
  }

  /** Which transaction an undecodable message answered, taken off the table (see `malformedAnswer`). */
  #malformedAnswer(raw: RawMessage): { txn: number; method: string } | undefined {
    const answer = malformedAnswer(raw, this.#txns, this.#connectTxn);
    if (answer?.method === 'connect' && answer.txn === this.#connectTxn) {
      this.#connectTxn = undefined;
      if (this.#state === 'connecting') this.#state = this.#readyState();
    }
    return answer;
  }

  #onHandshakeDone(info: ClientHandshakeInfo): void {
    this.#handshakeInfo = info;
    this.#handshakeDeadline = undefined;
    if (this.#state === 'handshaking') this.#state = 'ready';
    this.#events.push({ kind: 'handshake', info });
    // A chosen chunk size first, then everything queued meanwhile.
    this.#out.handshakeDone((raw) => this.sendRawMessage(raw));
  }

  #readyState(): ClientSessionState {
    return this.#pipe.handshakeDone ? 'ready' : 'handshaking';
  }
}
