/**
 * The server side of one RTMP connection, sans-IO (DESIGN.md §1): bytes and `now` in;
 * bytes (`takeOutput`), events (`takeEvents`) and a deadline (`nextDeadline`) out. It
 * composes `ServerHandshake`, `ChunkReader`, `ChunkWriter`, `AckTracker` and the
 * message codecs; the host (the embedded server, a test) makes every decision by
 * calling methods in answer to events.
 *
 * Flows (notes/protocol.md §1.8–§1.12; RTMP-SPEC §7.2):
 * - connect → `acceptConnect`: Window Ack Size, Set Peer Bandwidth, [Set Chunk Size],
 *   StreamBegin 0, `_result` {fmsVer, capabilities, mode} {level, code
 *   NetConnection.Connect.Success, description, objectEncoding}.
 * - createStream → `createdStream`: `_result` with a new message stream id.
 * - play → `startPlay`: [StreamIsRecorded], StreamBegin, onStatus Play.Reset, Play.Start,
 *   `|RtmpSampleAccess`; then `sendData`/`sendMedia`; `endPlay`: StreamEOF,
 *   onPlayStatus Play.Complete, onStatus Play.Stop.
 * - publish → `acceptPublish`: StreamBegin, onStatus Publish.Start; then `media`/`data` events.
 *
 * Automatic (no host decision needed): an Acknowledgement (running total of chunk-stream
 * bytes, handshake excluded as FFmpeg counts) at the end of any `receive` that crossed
 * the window — the client's Window Ack Size if it sent one, else the one we announce;
 * PingResponse to a client PingRequest, RTT from the client's PingResponse; Set Chunk
 * Size/Abort (applied by the chunk reader); `releaseStream`/`FCPublish`/`FCUnpublish`
 * get `_result` (+ `onFCPublish`/`onFCUnpublish`) and `FCSubscribe` gets `onFCSubscribe`
 * (option `autoFC`, the SRS/FMS behaviour FFmpeg, OBS and librtmp publishers expect).
 *
 * Encodings: commands arrive as type 20 or 17 (format byte, then AMF0 with 0x11 AMF3
 * values). The `_result` of connect goes out in the form connect came in; after it, our
 * commands use type 17 when the client offered `objectEncoding: 3`, else type 20. Data
 * messages (onMetaData, `|RtmpSampleAccess`, onPlayStatus) are always type 18: FFmpeg
 * only reads type 18 as script data.
 *
 * Invariants: no sockets, timers or clocks — time is the `now` the host passes;
 * randomness (the handshake's) is injected. Peer faults never throw out of `receive`:
 * handshake and chunk errors are fatal (`protocolError` fatal + `closed`), one
 * undecodable or misplaced message is a non-fatal `protocolError` and is skipped.
 * Caller faults (bad arguments, wrong state) throw `RTMPUsageError`. After the session
 * is closed every method is a no-op and input is ignored. Memory is bounded by the
 * chunk reader's limits (`maxMessageSize`, …), `maxStreams` and `maxPendingCalls`.
 */
import { AMFObject, type AmfDecodeOptions, type AmfValue } from '../amf/types.js';
import { AckTracker } from '../chunk/ack.js';
import { ChunkReader } from '../chunk/reader.js';
import { ChunkWriter } from '../chunk/writer.js';
import { RTMPError, RTMPProtocolError, RTMPUsageError } from '../errors.js';
import type { RandomSource } from '../handshake/common.js';
import { ServerHandshake } from '../handshake/server.js';
import { splitAggregate } from '../message/aggregate.js';
import {
  ack as ackMessage,
  command,
  dataMessage,
  pingRequest,
  pingResponse,
  setPeerBandwidth,
  streamBegin,
  userControl,
  windowAckSize,
} from '../message/builders.js';
import { decodeMessage, encodeMessage } from '../message/codec.js';
import type { RawMessage } from '../message/raw-message.js';
import {
  type CommandMessage,
  type DataMessage,
  type Message,
  MessageType,
  PeerBandwidthLimit,
} from '../message/types.js';
import type { ServerEvent } from './server-events.js';
import type { StatusInfo } from './status.js';

export type * from './server-events.js';

/** Options of a `ServerSession`; every one has a default. */
export interface ServerSessionOptions {
  /** Random source for S1/S2 (default `crypto.randomBytes`); inject for reproducible bytes. */
  random?: RandomSource;
  /** `'auto'` (default) answers a signed C1 digest-style (FFmpeg verifies it); `'simple'` never does. */
  handshake?: 'auto' | 'simple';
  /** S1 time field (default 0). */
  epoch?: number;
  /**
   * Outgoing chunk size announced in `acceptConnect`, 1…0xFFFFFF (default: none, i.e. 128
   * and no Set Chunk Size; nginx-rtmp and OBS use 4096).
   */
  chunkSize?: number;
  /** Window Acknowledgement Size we announce (default 2,500,000). */
  windowAckSize?: number;
  /** Set Peer Bandwidth window we announce (default 2,500,000). */
  peerBandwidth?: number;
  /** Set Peer Bandwidth limit type (default 2, Dynamic, as FMS/nginx-rtmp/FFmpeg's server). */
  peerBandwidthLimit?: number;
  /** Largest message the client may send (chunk reader limit; default 16 MiB). */
  maxMessageSize?: number;
  /** Most chunk streams the client may open (default 1024). */
  maxChunkStreams?: number;
  /** Largest Set Chunk Size accepted from the client (default 0x7FFFFFFF). */
  maxChunkSize?: number;
  /** Limits for AMF bodies of commands and data. */
  amf?: AmfDecodeOptions;
  /** `fmsVer` in the connect `_result` (default `FMS/3,5,7,7009`, Twitch's). */
  fmsVer?: string;
  /** `capabilities` in the connect `_result` (default 31). */
  capabilities?: number;
  /** `mode` in the connect `_result` (default 1). */
  mode?: number;
  /** Accept `objectEncoding: 3` from clients and then send type-17 commands (default true). */
  amf3?: boolean;
  /** Answer releaseStream/FCPublish/FCUnpublish/FCSubscribe automatically (default true). */
  autoFC?: boolean;
  /** `|RtmpSampleAccess` values `startPlay` sends (default `[true, true]`, as nginx-rtmp). */
  sampleAccess?: readonly [boolean, boolean];
  /** Most message streams open at once; further createStreams get `_error` (default 64). */
  maxStreams?: number;
  /** Most client transactions awaiting an answer; the oldest is forgotten beyond it (default 1024). */
  maxPendingCalls?: number;
  /** No byte from the client for this long → `timeout` event (default: no idle deadline). */
  idleTimeoutMs?: number;
  /** When the connection was accepted (arms the idle deadline before the first byte). */
  now?: number;
}

/** Counters of a `ServerSession` (a snapshot). */
export interface ServerSessionStats {
  /** Chunk-stream bytes received (after the handshake), exact. */
  bytesReceived: number;
  /** Bytes produced for the client (handshake included; acks count only the chunk stream). */
  bytesSent: number;
  /** Acknowledgements we sent. */
  acksSent: number;
  /** Our bytes the client has not acknowledged (advisory, mod 2^32). */
  inFlight: number;
  /** Media/data messages dropped because their stream was not publishing. */
  droppedMessages: number;
  /** Messages received, by the chunk reader. */
  messagesReceived: number;
}

/** Where the session is in the connection's life. */
export type ServerSessionState =
  | 'handshake'
  | 'awaitingConnect'
  | 'connecting'
  | 'connected'
  | 'rejected'
  | 'closed';

/** A message stream the client created. */
export interface ServerStreamInfo {
  readonly id: number;
  readonly state: 'idle' | 'playing' | 'publishing';
  /** Name of the last play/publish on it ('' before). */
  readonly name: string;
}

interface StreamState {
  id: number;
  state: 'idle' | 'playing' | 'publishing';
  name: string;
}

interface PendingIn {
  /** What the transaction is for: which answer method may settle it. */
  what: 'connect' | 'createStream' | 'call';
  streamId: number;
  amf3: boolean;
}

const DEFAULTS = {
  windowAckSize: 2_500_000,
  peerBandwidth: 2_500_000,
  fmsVer: 'FMS/3,5,7,7009',
  capabilities: 31,
  mode: 1,
  maxStreams: 64,
  maxPendingCalls: 1024,
} as const;

/** First chunk stream id used for a stream's audio/video/data: each stream gets its own three. */
const MEDIA_CSID_BASE = 20;

function usage(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: 'ERR_SESSION_USAGE' });
}

function checkInt(name: string, v: number | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw usage(`${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  }
  return v;
}

function checkStreamId(streamId: number): void {
  if (!Number.isSafeInteger(streamId) || streamId < 0 || streamId > 0xffffffff) {
    throw usage(`streamId must be a 32-bit unsigned integer, got ${String(streamId)}`);
  }
}

function str(v: AmfValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: AmfValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A property of an AMF object-like value, or undefined. */
function prop(obj: AmfValue, key: string): AmfValue | undefined {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj) || obj instanceof Date) return undefined;
  if (obj instanceof Map) return obj.get(key);
  if (!Object.hasOwn(obj, key)) return undefined;
  return (obj as Record<string, AmfValue>)[key];
}

/** An AMFObject of `defaults` overridden by `given` (own enumerable properties). */
function infoObject(defaults: Record<string, AmfValue>, given?: Record<string, AmfValue> | null): AMFObject {
  const o = new AMFObject(defaults);
  if (given)
    for (const [k, v] of Object.entries(given)) if (v !== undefined) (o as Record<string, AmfValue>)[k] = v;
  return o;
}

function asStatusInfo(v: AmfValue | undefined): StatusInfo {
  if (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Date) &&
    !(v instanceof Map)
  ) {
    return v as StatusInfo;
  }
  return {};
}

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
export class ServerSession {
  readonly #hs: ServerHandshake;
  readonly #reader: ChunkReader;
  readonly #writer = new ChunkWriter();
  readonly #ack = new AckTracker();
  readonly #opts: {
    chunkSize: number | undefined;
    windowAckSize: number;
    peerBandwidth: number;
    peerBandwidthLimit: number;
    fmsVer: string;
    capabilities: number;
    mode: number;
    amf3: boolean;
    autoFC: boolean;
    sampleAccess: readonly [boolean, boolean];
    maxStreams: number;
    maxPendingCalls: number;
    idleTimeoutMs: number | undefined;
    amf: AmfDecodeOptions | undefined;
  };

  #state: ServerSessionState = 'handshake';
  #out: Buffer[] = [];
  #events: ServerEvent[] = [];
  #bytesSent = 0;
  #acksSent = 0;
  #dropped = 0;

  /** Negotiated encoding: 3 = our commands go out as type 17. */
  #objectEncoding: 0 | 3 = 0;
  /**
   * Client requests awaiting our answer, by transaction id; a list because a peer may
   * reuse an id (each request still gets exactly one answer, oldest first).
   */
  readonly #pendingIn = new Map<number, PendingIn[]>();
  #pendingCount = 0;
  /** Our calls awaiting the client's `_result`/`_error`: txn → method. */
  readonly #calls = new Map<number, string>();
  #nextTxn = 1;
  readonly #streams = new Map<number, StreamState>();
  #lastPlayed = 0;

  /** PingRequest values sent → host time. */
  readonly #pings = new Map<number, number>();
  #rtt: number | undefined;

  #lastActivity: number | undefined;
  #idleFired = false;

  /** Creates the session for one accepted connection. Throws `RTMPUsageError` for bad options. */
  constructor(options: ServerSessionOptions = {}) {
    const policy = options.handshake ?? 'auto';
    if (policy !== 'auto' && policy !== 'simple') throw usage(`handshake must be 'auto' or 'simple'`);
    this.#hs = new ServerHandshake({
      policy,
      ...(options.random ? { random: options.random } : {}),
      ...(options.epoch === undefined ? {} : { epoch: options.epoch }),
    });
    const reader: ConstructorParameters<typeof ChunkReader>[0] = {};
    if (options.maxMessageSize !== undefined) reader.maxMessageSize = options.maxMessageSize;
    if (options.maxChunkStreams !== undefined) reader.maxChunkStreams = options.maxChunkStreams;
    if (options.maxChunkSize !== undefined) reader.maxChunkSize = options.maxChunkSize;
    this.#reader = new ChunkReader(reader);
    const sampleAccess = options.sampleAccess ?? [true, true];
    this.#opts = {
      chunkSize:
        options.chunkSize === undefined
          ? undefined
          : checkInt('chunkSize', options.chunkSize, 128, 1, 0xffffff),
      windowAckSize: checkInt('windowAckSize', options.windowAckSize, DEFAULTS.windowAckSize, 1, 0xffffffff),
      peerBandwidth: checkInt('peerBandwidth', options.peerBandwidth, DEFAULTS.peerBandwidth, 1, 0xffffffff),
      peerBandwidthLimit: checkInt(
        'peerBandwidthLimit',
        options.peerBandwidthLimit,
        PeerBandwidthLimit.Dynamic,
        0,
        2,
      ),
      fmsVer: options.fmsVer ?? DEFAULTS.fmsVer,
      capabilities: options.capabilities ?? DEFAULTS.capabilities,
      mode: options.mode ?? DEFAULTS.mode,
      amf3: options.amf3 ?? true,
      autoFC: options.autoFC ?? true,
      sampleAccess: [sampleAccess[0], sampleAccess[1]],
      maxStreams: checkInt('maxStreams', options.maxStreams, DEFAULTS.maxStreams, 1, 65_535),
      maxPendingCalls: checkInt(
        'maxPendingCalls',
        options.maxPendingCalls,
        DEFAULTS.maxPendingCalls,
        1,
        1 << 20,
      ),
      idleTimeoutMs:
        options.idleTimeoutMs === undefined
          ? undefined
          : checkInt('idleTimeoutMs', options.idleTimeoutMs, 0, 1, Number.MAX_SAFE_INTEGER),
      amf: options.amf,
    };
    // Until the client announces its own window, acknowledge by the one we announce.
    this.#ack.setWindowSize(this.#opts.windowAckSize);
    if (options.now !== undefined) this.#lastActivity = options.now;
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
    return this.#rtt;
  }

  /** The message streams the client created, by id. */
  get streams(): ReadonlyMap<number, ServerStreamInfo> {
    return this.#streams;
  }

  /** A snapshot of the counters. */
  get stats(): ServerSessionStats {
    return {
      bytesReceived: this.#reader.totalBytesReceived,
      bytesSent: this.#bytesSent,
      acksSent: this.#acksSent,
      inFlight: this.#ack.inFlight,
      droppedMessages: this.#dropped,
      messagesReceived: this.#reader.stats.messages,
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
    this.#lastActivity = now;
    this.#idleFired = false;
    let data: Buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.#state === 'handshake') {
      try {
        const step = this.#hs.receive(data);
        // Handshake bytes are not chunk-stream bytes: acks count from after the handshake (FFmpeg's rule).
        for (const b of step.send) this.#emitBytes(b, false);
        if (!step.done) return;
        this.#state = 'awaitingConnect';
        this.#events.push({ kind: 'handshakeDone', info: step.info! });
        if (!step.rest) return;
        data = step.rest;
      } catch (err) {
        this.#fatal(err);
        return;
      }
    }
    let messages: RawMessage[];
    try {
      messages = this.#reader.push(data);
    } catch (err) {
      this.#fatal(err);
      return;
    }
    for (const raw of messages) {
      if (this.#isClosed()) return;
      this.#onRaw(raw, now);
    }
    // A protocol error after complete messages: they were delivered first.
    if (this.#reader.error !== null && !this.#isClosed()) {
      this.#fatal(this.#reader.error);
      return;
    }
    const seq = this.#ack.ackDue(this.#reader.bytesReceived);
    if (seq !== undefined && !this.#isClosed()) {
      this.#send(ackMessage(seq));
      this.#acksSent++;
    }
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
    const out = this.#out;
    this.#out = [];
    return out;
  }

  /** Events since the last call, in order. */
  takeEvents(): ServerEvent[] {
    const ev = this.#events;
    this.#events = [];
    return ev;
  }

  /** The `#lastActivity` of the silence in which a PingRequest went out (one ping per silence). */
  #pingedFor: number | undefined;

  /** When `handleTimeout` must next run (host time), or undefined when nothing is armed. */
  nextDeadline(): number | undefined {
    if (this.#state === 'closed' || this.#idleFired) return undefined;
    const idle = this.#opts.idleTimeoutMs;
    const last = this.#lastActivity;
    if (idle === undefined || last === undefined) return undefined;
    return this.#pingDue() ? last + idle / 2 : last + idle;
  }

  /**
   * Runs deadlines due at `now`. Halfway through a silence of a connected client a User
   * Control PingRequest goes out (RTMP-SPEC §7.1.7; librtmp and FFmpeg answer it), so a
   * quiet player that is alive sends bytes; at the idle deadline `timeout` is emitted,
   * once per silence.
   */
  handleTimeout(now: number): void {
    const deadline = this.nextDeadline();
    if (deadline === undefined || now < deadline) return;
    const last = this.#lastActivity!;
    if (now < last + this.#opts.idleTimeoutMs!) {
      this.#pingedFor = last;
      this.ping(now);
      return;
    }
    this.#idleFired = true;
    this.#events.push({ kind: 'timeout', idleMs: now - last });
  }

  #pingDue(): boolean {
    return this.#state === 'connected' && this.#pingedFor !== this.#lastActivity;
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
      for (const b of this.#writer.writeSetChunkSize(this.#opts.chunkSize)) this.#emitBytes(b);
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
    const early = this.#early;
    this.#early = [];
    for (const m of early) if (!this.#isClosed()) this.#onCommand(m);
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
    this.#early = [];
  }

  /**
   * Answers the `createStream` `txn`: allocates the lowest free message stream id ≥ 1,
   * sends `_result(txn, null, id)` and returns the id.
   */
  createdStream(txn: number): number {
    if (this.#state === 'closed') return 0;
    const p = this.#takePending(txn, ['createStream'], 'createdStream');
    let id = 1;
    while (this.#streams.has(id)) id++;
    this.#streams.set(id, { id, state: 'idle', name: '' });
    this.#sendCommand(command('_result', txn, null, id), p.streamId);
    return id;
  }

  /** Answers a client call (`call` event, or an FC* event when `autoFC` is off) with `_result(txn, null, ...values)`. */
  respond(txn: number, ...values: AmfValue[]): void {
    if (this.#state === 'closed') return;
    const p = this.#takePending(txn, ['call'], 'respond');
    this.#sendCommand(command('_result', txn, null, ...values), p.streamId);
  }

  /**
   * Answers a client call or refuses a `createStream` with `_error(txn, null, info)`
   * (default level `error`, code `NetConnection.Call.Failed`).
   */
  respondError(txn: number, info: Record<string, AmfValue> = {}): void {
    if (this.#state === 'closed') return;
    const p = this.#takePending(txn, ['call', 'createStream'], 'respondError');
    const obj = infoObject(
      { level: 'error', code: 'NetConnection.Call.Failed', description: 'Call failed.' },
      info,
    );
    this.#sendCommand(command('_error', txn, null, obj), p.streamId);
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
      txn = this.#nextTxn++;
      this.#calls.set(txn, name);
      if (this.#calls.size > this.#opts.maxPendingCalls) this.#calls.delete(this.#calls.keys().next().value!);
    }
    this.#sendCommand(command(name, txn, options.commandObject ?? null, ...args), streamId);
    return txn;
  }

  /** Sends `onStatus(0, null, info)` on `streamId` (0 = NetConnection); `level` defaults to `status`. */
  status(streamId: number, info: Record<string, AmfValue>): void {
    checkStreamId(streamId);
    if (this.#state === 'closed') return;
    this.#requireConnected('status');
    this.#sendCommand(command('onStatus', 0, null, infoObject({ level: 'status' }, info)), streamId);
  }

  /** Sends a User Control PingRequest carrying `now` (mod 2^32); the `pong` event reports the RTT. */
  ping(now: number): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'handshake') throw usage('ping() before the handshake completed');
    const value = Math.floor(now) >>> 0;
    this.#pings.set(value, now);
    if (this.#pings.size > 16) this.#pings.delete(this.#pings.keys().next().value!);
    this.#send(pingRequest(value));
  }

  // ---------------------------------------------------------------- NetStream answers

  /**
   * Starts playback on `streamId` (after a `play` event): [StreamIsRecorded],
   * StreamBegin, onStatus NetStream.Play.Reset (when `reset`, default true) and
   * NetStream.Play.Start, then `|RtmpSampleAccess`. Then send `sendData`/`sendMedia`.
   */
  startPlay(streamId: number, options: { reset?: boolean; recorded?: boolean; name?: string } = {}): void {
    if (this.#state === 'closed') return;
    const s = this.#stream(streamId, 'startPlay');
    const name = options.name ?? s.name;
    s.name = name;
    s.state = 'playing';
    this.#lastPlayed = streamId;
    if (options.recorded) this.#send(userControl({ event: 'streamIsRecorded', streamId }));
    this.#send(streamBegin(streamId));
    if (options.reset ?? true) {
      this.#streamStatus(streamId, 'NetStream.Play.Reset', `Playing and resetting ${name}.`, name);
    }
    this.#streamStatus(streamId, 'NetStream.Play.Start', `Started playing ${name}.`, name);
    const [audio, video] = this.#opts.sampleAccess;
    this.#sendRaw(this.#dataRaw(streamId, ['|RtmpSampleAccess', audio, video], 0));
  }

  /**
   * Sends one audio or video message (an FLV tag body) on `streamId` at `timestamp`
   * (ms, taken mod 2^32). The payload is not copied: keep it unchanged until written.
   */
  sendMedia(streamId: number, type: 'audio' | 'video', timestamp: number, payload: Buffer): void {
    if (this.#state === 'closed') return;
    this.#stream(streamId, 'sendMedia');
    if (type !== 'audio' && type !== 'video') throw usage(`sendMedia type must be 'audio' or 'video'`);
    this.#sendRaw({
      type: type === 'audio' ? MessageType.Audio : MessageType.Video,
      streamId,
      timestamp: Math.floor(timestamp) >>> 0,
      csid: this.#mediaCsid(streamId, type === 'audio' ? 0 : 1),
      payload,
    });
  }

  /** Sends a data message (type 18), e.g. `['onMetaData', {...}]`, on `streamId` at `timestamp`. */
  sendData(streamId: number, values: readonly AmfValue[], timestamp = 0): void {
    if (this.#state === 'closed') return;
    this.#stream(streamId, 'sendData');
    this.#sendRaw(this.#dataRaw(streamId, values, timestamp));
  }

  /**
   * Ends playback on `streamId`: StreamEOF, then (unless `complete: false`) onPlayStatus
   * NetStream.Play.Complete (data message at `timestamp`, with `playStatus` fields such
   * as FMS's `duration`/`bytes` merged in), then onStatus NetStream.Play.Stop —
   * librtmp/rtmpdump and FFmpeg treat Play.Stop as the end of the stream.
   */
  endPlay(
    streamId: number,
    options: { complete?: boolean; timestamp?: number; playStatus?: Record<string, AmfValue> } = {},
  ): void {
    if (this.#state === 'closed') return;
    const s = this.#stream(streamId, 'endPlay');
    s.state = 'idle';
    this.#send(userControl({ event: 'streamEOF', streamId }));
    if (options.complete ?? true) {
      const info = infoObject({ level: 'status', code: 'NetStream.Play.Complete' }, options.playStatus);
      this.#sendRaw(this.#dataRaw(streamId, ['onPlayStatus', info], options.timestamp ?? 0));
    }
    this.#streamStatus(streamId, 'NetStream.Play.Stop', `Stopped playing ${s.name}.`, s.name);
  }

  /** Accepts the publish on `streamId`: StreamBegin, onStatus NetStream.Publish.Start; media then arrives as events. */
  acceptPublish(streamId: number, options: { name?: string } = {}): void {
    if (this.#state === 'closed') return;
    const s = this.#stream(streamId, 'acceptPublish');
    const name = options.name ?? s.name;
    s.name = name;
    s.state = 'publishing';
    this.#send(streamBegin(streamId));
    this.#streamStatus(streamId, 'NetStream.Publish.Start', `${name} is now published.`, name);
  }

  /** Answers `pause`: StreamEOF + Pause.Notify when pausing, StreamBegin + Unpause.Notify when resuming (nginx-rtmp's order). */
  pauseNotify(streamId: number, paused: boolean): void {
    if (this.#state === 'closed') return;
    const s = this.#stream(streamId, 'pauseNotify');
    if (paused) {
      this.#send(userControl({ event: 'streamEOF', streamId }));
      this.#streamStatus(streamId, 'NetStream.Pause.Notify', `Pausing ${s.name}.`, s.name);
    } else {
      this.#send(streamBegin(streamId));
      this.#streamStatus(streamId, 'NetStream.Unpause.Notify', `Unpausing ${s.name}.`, s.name);
    }
  }

  /** Answers `seek`: StreamBegin, onStatus NetStream.Seek.Notify, then NetStream.Play.Start (FMS). */
  seekNotify(streamId: number, milliseconds: number): void {
    if (this.#state === 'closed') return;
    const s = this.#stream(streamId, 'seekNotify');
    this.#send(streamBegin(streamId));
    this.#streamStatus(
      streamId,
      'NetStream.Seek.Notify',
      `Seeking ${milliseconds} (stream ID: ${streamId}).`,
      s.name,
    );
    this.#streamStatus(streamId, 'NetStream.Play.Start', `Started playing ${s.name}.`, s.name);
  }

  // ---------------------------------------------------------------- inbound dispatch

  #onRaw(raw: RawMessage, now: number): void {
    let msg: Message;
    try {
      msg = decodeMessage(raw, this.#opts.amf ? { amf: this.#opts.amf } : undefined);
    } catch (err) {
      this.#nonFatal(err);
      return;
    }
    switch (msg.kind) {
      case 'setChunkSize':
      case 'abort':
        return; // applied by the chunk reader
      case 'ack':
        this.#ack.acknowledge(msg.sequenceNumber);
        return;
      case 'windowAckSize':
        this.#ack.setWindowSize(msg.windowSize);
        return;
      case 'setPeerBandwidth': {
        const w = this.#ack.setPeerBandwidth(msg.windowSize, msg.limitType);
        if (w !== undefined) this.#send(windowAckSize(w));
        return;
      }
      case 'userControl':
        this.#onUserControl(msg.data, now);
        return;
      case 'audio':
      case 'video':
        this.#onMedia(msg.streamId, msg.kind, raw, false);
        return;
      case 'aggregate':
        for (const sub of splitAggregate(raw)) {
          if (sub.type === MessageType.Audio) this.#onMedia(sub.streamId, 'audio', sub, true);
          else if (sub.type === MessageType.Video) this.#onMedia(sub.streamId, 'video', sub, true);
          else if (sub.type === MessageType.DataAMF0 || sub.type === MessageType.DataAMF3) {
            let d: Message;
            try {
              d = decodeMessage(sub, this.#opts.amf ? { amf: this.#opts.amf } : undefined);
            } catch (err) {
              this.#nonFatal(err);
              continue;
            }
            if (d.kind === 'data') this.#onData(d, true);
          }
        }
        return;
      case 'data':
        this.#onData(msg, false);
        return;
      case 'command':
        this.#onCommand(msg);
        return;
      case 'sharedObject':
        this.#events.push({ kind: 'sharedObject', message: msg });
        return;
      case 'unknown':
        return; // unknown types are not errors
    }
  }

  #onUserControl(data: Extract<Message, { kind: 'userControl' }>['data'], now: number): void {
    switch (data.event) {
      case 'pingResponse': {
        const sent = this.#pings.get(data.timestamp);
        if (sent === undefined) return;
        this.#pings.delete(data.timestamp);
        this.#rtt = now - sent;
        this.#events.push({ kind: 'pong', timestamp: data.timestamp, rtt: this.#rtt });
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

  #publishing(streamId: number): boolean {
    return this.#state === 'connected' && this.#streams.get(streamId)?.state === 'publishing';
  }

  #onMedia(streamId: number, type: 'audio' | 'video', raw: RawMessage, aggregated: boolean): void {
    if (!this.#publishing(streamId)) {
      this.#dropped++;
      return;
    }
    this.#events.push({
      kind: 'media',
      streamId,
      type,
      timestamp: raw.timestamp,
      unwrappedTimestamp: raw.unwrappedTimestamp ?? raw.timestamp,
      payload: raw.payload,
      aggregated,
    });
  }

  #onData(msg: DataMessage, aggregated: boolean): void {
    if (!this.#publishing(msg.streamId)) {
      this.#dropped++;
      return;
    }
    let values = msg.values;
    let dataFrame = false;
    if (values[0] === '@setDataFrame') {
      dataFrame = true;
      values = values.slice(1);
    }
    const name = str(values[0]);
    this.#events.push({
      kind: 'data',
      streamId: msg.streamId,
      name,
      values: name === undefined ? values : values.slice(1),
      dataFrame,
      timestamp: msg.timestamp,
      unwrappedTimestamp: msg.unwrappedTimestamp ?? msg.timestamp,
      amf3: msg.amf3,
      aggregated,
    });
  }

  /**
   * Commands that arrived behind `connect` while the host decides it, in arrival order:
   * a client may send its next commands without awaiting the connect `_result` (librtmp's
   * `RTMP_Connect` returns once connect is sent; python-librtmp `connect(); call(...)`).
   * Run after `acceptConnect`, dropped by `rejectConnect`.
   */
  #early: CommandMessage[] = [];

  /** Most commands held behind a pending connect (`ERR_SESSION_TOO_MANY_EARLY_COMMANDS` beyond). */
  static readonly MAX_EARLY_COMMANDS = 32;

  #onCommand(msg: CommandMessage): void {
    const { name, transactionId: txn, streamId } = msg;
    if (name === 'connect') {
      this.#onConnect(msg);
      return;
    }
    if (this.#state === 'connecting') {
      this.#holdEarly(msg);
      return;
    }
    if (this.#state !== 'connected') {
      this.#nonFatal(
        new RTMPProtocolError(`command ${JSON.stringify(name)} before the connection was accepted; ignored`, {
          code: 'ERR_SESSION_NOT_CONNECTED',
        }),
      );
      return;
    }
    switch (name) {
      case '_result':
      case '_error': {
        const method = this.#calls.get(txn);
        this.#calls.delete(txn);
        if (name === '_result') {
          this.#events.push({
            kind: 'result',
            txn,
            method,
            streamId,
            commandObject: msg.commandObject,
            values: msg.args,
          });
        } else {
          this.#events.push({
            kind: 'error',
            txn,
            method,
            streamId,
            info: asStatusInfo(msg.args[0]),
            commandObject: msg.commandObject,
            values: msg.args,
          });
        }
        return;
      }
      case 'createStream':
        if (this.#streams.size >= this.#opts.maxStreams) {
          this.#sendCommand(
            command(
              '_error',
              txn,
              null,
              infoObject({
                level: 'error',
                code: 'NetConnection.Call.Failed',
                description: `Too many streams (${this.#opts.maxStreams}).`,
              }),
            ),
            streamId,
          );
          this.#nonFatal(
            new RTMPProtocolError(`createStream beyond maxStreams ${this.#opts.maxStreams}; refused`, {
              code: 'ERR_SESSION_TOO_MANY_STREAMS',
            }),
          );
          return;
        }
        this.#addPending(txn, { what: 'createStream', streamId, amf3: msg.amf3 });
        this.#events.push({ kind: 'createStream', txn, commandObject: msg.commandObject, args: msg.args });
        return;
      case 'deleteStream': {
        // Why both: the spec sends it on msid 0 with the id as argument; some clients use the stream's msid.
        const id = num(msg.args[0]) ?? streamId;
        if (this.#streams.delete(id)) {
          if (this.#lastPlayed === id) this.#lastPlayed = 0;
          this.#events.push({ kind: 'deleteStream', streamId: id, txn });
        }
        return;
      }
      case 'closeStream': {
        const s = this.#streams.get(streamId);
        if (s) {
          s.state = 'idle';
          this.#events.push({ kind: 'closeStream', streamId });
        }
        return;
      }
      case 'play':
        this.#onPlay(msg);
        return;
      case 'publish':
        this.#onPublish(msg);
        return;
      case 'pause': {
        const id = this.#resolveStream(streamId, 'pause');
        if (id === undefined) return;
        this.#events.push({
          kind: 'pause',
          streamId: id,
          pause: msg.args[0] === true || (typeof msg.args[0] === 'number' && msg.args[0] !== 0),
          milliseconds: num(msg.args[1]) ?? 0,
        });
        return;
      }
      case 'seek': {
        const id = this.#resolveStream(streamId, 'seek');
        if (id === undefined) return;
        this.#events.push({ kind: 'seek', streamId: id, milliseconds: num(msg.args[0]) ?? 0 });
        return;
      }
      case 'releaseStream':
        this.#onFC(msg, 'releaseStream');
        return;
      case 'FCPublish':
        this.#onFC(msg, 'fcPublish');
        return;
      case 'FCUnpublish':
        this.#onFC(msg, 'fcUnpublish');
        return;
      case 'FCSubscribe':
        this.#onFC(msg, 'fcSubscribe');
        return;
      case 'FCUnsubscribe':
        this.#onFC(msg, 'fcUnsubscribe');
        return;
      default:
        if (txn !== 0) this.#addPending(txn, { what: 'call', streamId, amf3: msg.amf3 });
        this.#events.push({
          kind: 'call',
          name,
          txn,
          commandObject: msg.commandObject,
          args: msg.args,
          streamId,
          amf3: msg.amf3,
        });
    }
  }

  /** Holds a command until the connect is answered; beyond `MAX_EARLY_COMMANDS` refuses it (`_error` when it awaits an answer). */
  #holdEarly(msg: CommandMessage): void {
    if (this.#early.length < ServerSession.MAX_EARLY_COMMANDS) {
      this.#early.push(msg);
      return;
    }
    if (msg.transactionId !== 0) {
      const info = infoObject({
        level: 'error',
        code: 'NetConnection.Call.Failed',
        description: `Too many commands before the connect was answered (${ServerSession.MAX_EARLY_COMMANDS}).`,
      });
      this.#sendCommand(command('_error', msg.transactionId, null, info), msg.streamId, msg.amf3);
    }
    this.#nonFatal(
      new RTMPProtocolError(
        `command ${JSON.stringify(msg.name)} beyond the ${ServerSession.MAX_EARLY_COMMANDS} held while the connect is pending; refused`,
        { code: 'ERR_SESSION_TOO_MANY_EARLY_COMMANDS' },
      ),
    );
  }

  #onConnect(msg: CommandMessage): void {
    if (this.#state !== 'awaitingConnect') {
      this.#nonFatal(
        new RTMPProtocolError(`connect in state ${this.#state}; ignored`, {
          code: 'ERR_SESSION_DUPLICATE_CONNECT',
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

  #onPlay(msg: CommandMessage): void {
    const s = this.#streams.get(msg.streamId);
    if (!s) {
      this.#nonFatal(this.#noStream('play', msg.streamId));
      return;
    }
    const name = str(msg.args[0]);
    // Why: CVE-2015-8272 (rtmpsrv crashed on a play without a string name).
    if (name === undefined) {
      this.#nonFatal(
        new RTMPProtocolError('play without a stream name; ignored', { code: 'ERR_SESSION_BAD_COMMAND' }),
      );
      return;
    }
    const reset = msg.args[3];
    s.name = name;
    this.#lastPlayed = s.id;
    this.#events.push({
      kind: 'play',
      streamId: s.id,
      txn: msg.transactionId,
      name,
      start: num(msg.args[1]) ?? -2000,
      duration: num(msg.args[2]) ?? -1,
      reset:
        reset === undefined || reset === null
          ? true
          : reset === true || (typeof reset === 'number' && reset !== 0),
      args: msg.args,
    });
  }

  #onPublish(msg: CommandMessage): void {
    const s = this.#streams.get(msg.streamId);
    if (!s) {
      this.#nonFatal(this.#noStream('publish', msg.streamId));
      return;
    }
    const name = str(msg.args[0]);
    if (name === undefined) {
      this.#nonFatal(
        new RTMPProtocolError('publish without a stream name; ignored', { code: 'ERR_SESSION_BAD_COMMAND' }),
      );
      return;
    }
    s.name = name;
    this.#events.push({
      kind: 'publish',
      streamId: s.id,
      txn: msg.transactionId,
      name,
      type: str(msg.args[1]) ?? 'live',
    });
  }

  #onFC(
    msg: CommandMessage,
    kind: 'releaseStream' | 'fcPublish' | 'fcUnpublish' | 'fcSubscribe' | 'fcUnsubscribe',
  ): void {
    const name = str(msg.args[0]) ?? '';
    const txn = msg.transactionId;
    const handled = this.#opts.autoFC;
    if (handled) {
      const sid = msg.streamId;
      // Why _result then onFC*: SRS/FMS; FFmpeg/OBS/librtmp only match the txn and ignore the rest.
      if (kind === 'releaseStream' || kind === 'fcPublish' || kind === 'fcUnpublish') {
        if (txn !== 0) this.#sendCommand(command('_result', txn, null, undefined), sid);
      }
      if (kind === 'fcPublish') {
        this.#sendCommand(
          command('onFCPublish', 0, null, infoObject({ code: 'NetStream.Publish.Start', description: name })),
          sid,
        );
      } else if (kind === 'fcUnpublish') {
        this.#sendCommand(
          command(
            'onFCUnpublish',
            0,
            null,
            infoObject({ code: 'NetStream.Unpublish.Success', description: name }),
          ),
          sid,
        );
      } else if (kind === 'fcSubscribe') {
        this.#sendCommand(
          command('onFCSubscribe', 0, null, infoObject({ code: 'NetStream.Play.Start', description: name })),
          sid,
        );
      }
    } else if (txn !== 0) {
      this.#addPending(txn, { what: 'call', streamId: msg.streamId, amf3: msg.amf3 });
    }
    this.#events.push({ kind, txn, name, streamId: msg.streamId, handled });
  }

  /** Stream a pause/seek applies to: its msid, or (librtmp sends them on msid 0) the stream last played. */
  #resolveStream(streamId: number, what: string): number | undefined {
    if (this.#streams.has(streamId)) return streamId;
    if (streamId === 0 && this.#streams.has(this.#lastPlayed)) return this.#lastPlayed;
    this.#nonFatal(this.#noStream(what, streamId));
    return undefined;
  }

  #noStream(what: string, streamId: number): RTMPProtocolError {
    return new RTMPProtocolError(
      `${what} on message stream ${streamId}, which the client did not create; ignored`,
      {
        code: 'ERR_SESSION_UNKNOWN_STREAM',
      },
    );
  }

  // ---------------------------------------------------------------- helpers

  /** Records a client request that awaits an answer (calls with txn 0 expect none; connect/createStream always do). */
  #addPending(txn: number, p: PendingIn): void {
    if (txn === 0 && p.what === 'call') return;
    const list = this.#pendingIn.get(txn);
    if (list) list.push(p);
    else this.#pendingIn.set(txn, [p]);
    if (++this.#pendingCount > this.#opts.maxPendingCalls) {
      // Forget the oldest request: a peer that never lets us answer must not grow memory.
      const [oldTxn, oldList] = this.#pendingIn.entries().next().value!;
      oldList.shift();
      if (oldList.length === 0) this.#pendingIn.delete(oldTxn);
      this.#pendingCount--;
    }
  }

  /** Removes and returns the oldest request `txn` of an `allowed` kind; throws `RTMPUsageError` if there is none. */
  #takePending(txn: number, allowed: readonly PendingIn['what'][], method: string): PendingIn {
    const list = this.#pendingIn.get(txn);
    const i = list ? list.findIndex((p) => allowed.includes(p.what)) : -1;
    if (!list || i < 0) {
      const what = list
        ? `it is a ${list[0]!.what} request`
        : 'no client request with that transaction id awaits an answer';
      throw usage(`${method}(${String(txn)}): ${what}`);
    }
    const [p] = list.splice(i, 1);
    if (list.length === 0) this.#pendingIn.delete(txn);
    this.#pendingCount--;
    return p!;
  }

  /** A method, not a field read, so TypeScript does not narrow across handlers that may close. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #requireConnected(method: string): void {
    if (this.#state !== 'connected')
      throw usage(`${method}() needs an accepted connection (state ${this.#state})`);
  }

  #stream(streamId: number, method: string): StreamState {
    checkStreamId(streamId);
    this.#requireConnected(method);
    const s = this.#streams.get(streamId);
    if (!s) throw usage(`${method}(${streamId}): no such stream (create it with createdStream)`);
    return s;
  }

  #streamStatus(streamId: number, code: string, description: string, details: string): void {
    this.#sendCommand(
      command('onStatus', 0, null, infoObject({ level: 'status', code, description, details })),
      streamId,
    );
  }

  /**
   * Chunk streams of a message stream's audio (slot 0), video (1) and data (2): three
   * per stream from csid 20, so each keeps its own header compression (1-byte basic
   * headers up to stream 14).
   */
  #mediaCsid(streamId: number, slot: 0 | 1 | 2): number {
    const index = streamId === 0 ? 0 : (streamId - 1) % 21_000;
    return MEDIA_CSID_BASE + 3 * index + slot;
  }

  #dataRaw(streamId: number, values: readonly AmfValue[], timestamp: number): RawMessage {
    const msg = { ...dataMessage(...values), streamId, timestamp: Math.floor(timestamp) >>> 0 };
    return encodeMessage(msg, { csid: this.#mediaCsid(streamId, 2) });
  }

  /** Sends a command on `streamId` in the negotiated encoding (or `amf3` when given). */
  #sendCommand(msg: CommandMessage, streamId: number, amf3?: boolean): void {
    this.#send({ ...msg, streamId, amf3: amf3 ?? this.#objectEncoding === 3 });
  }

  #send(msg: Message): void {
    this.#sendRaw(encodeMessage(msg));
  }

  #sendRaw(raw: RawMessage): void {
    for (const b of this.#writer.write(raw)) this.#emitBytes(b);
  }

  #emitBytes(b: Buffer, counted = true): void {
    this.#out.push(b);
    this.#bytesSent += b.length;
    if (counted) this.#ack.recordSent(b.length);
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

function toRTMPError(err: unknown): RTMPError {
  if (err instanceof RTMPError) return err;
  // Anything else is a bug in a decoder; surface it rather than mislabel it.
  throw err;
}
