/**
 * The client side of an RTMP session — NetConnection and NetStream logic (RTMP-SPEC
 * §5.4, §6.2, §7.2; notes/protocol.md §1.8–§1.12; librtmp-parity §4.6–§4.10) — as a
 * sans-IO state machine composed of `ClientHandshake`, `ChunkReader`, `ChunkWriter`
 * and the message codecs. Bytes and `now` go in (`start`, `receive`, `handleTimeout`);
 * bytes (`takeOutput`), events (`takeEvents`) and the next deadline (`nextDeadline`)
 * come out. No sockets, timers, clocks or callbacks into user code.
 *
 * Invariants:
 * - Any split of the server's bytes yields the same events and the same output, except
 *   for Acknowledgement timing: at most one Acknowledgement per `receive`, carrying the
 *   total at the end of that input, once the window has been reached.
 * - Nothing but C0+C1 and C2 goes out before S2 has been read; then Set Chunk Size
 *   with our own outgoing size, then whatever was queued meanwhile (P5/P6). The
 *   server's Set Chunk Size only ever changes the incoming direction.
 * - Automatic duties (no user code): PingResponse for PingRequest; Acknowledgement
 *   when the bytes received since the last one reach the server's window (P3);
 *   Window Ack Size in reply to Set Peer Bandwidth when it differs from the last one
 *   sent; `_result` for `_onbwcheck`; `_checkbw` once for `onBWDone`; `pong` for
 *   `ping`; SWFVerifyResponse when configured; `close` from the server ends the session.
 * - Transaction ids count up from 1 (connect = 1 on a fresh session); a tracked
 *   transaction maps its `_result`/`_error` back to the method. releaseStream,
 *   FCPublish, FCUnpublish, FCSubscribe, play, publish, seek and pause are tracked
 *   but never awaited (no deadline; old Wowza never answers — P26).
 * - NetStream commands go on the stream's msid (never msid 0 — librtmp's bug, P23)
 *   on csid 8; NetConnection commands on msid 0, csid 3; audio csid 4, video csid 6,
 *   data csid 4; control csid 2.
 * - Peer faults are reported as `protocolError` events, never thrown; caller faults
 *   (bad arguments, use after close) throw `RTMPUsageError`.
 */
import { createHmac } from 'node:crypto';
import type { AmfDecodeOptions, AmfValue } from '../amf/types.js';
import { AMFObject } from '../amf/types.js';
import { AckTracker } from '../chunk/ack.js';
import { ChunkReader, type ChunkReaderOptions } from '../chunk/reader.js';
import { ChunkWriter } from '../chunk/writer.js';
import { RTMPError, RTMPProtocolError, RTMPUsageError } from '../errors.js';
import {
  ClientHandshake,
  type ClientHandshakeInfo,
  type ClientHandshakeOptions,
} from '../handshake/client.js';
import type { HandshakePolicy } from '../handshake/common.js';
import { readAggregate } from '../message/aggregate.js';
import {
  ack,
  command,
  dataMessage,
  pingResponse,
  setBufferLength,
  swfVerifyResponse,
  windowAckSize,
} from '../message/builders.js';
import { decodeMessage, encodeMessage } from '../message/codec.js';
import type { RawMessage } from '../message/raw-message.js';
import {
  type CommandMessage,
  type DataMessage,
  DefaultCsid,
  type Message,
  MessageType,
  PeerBandwidthLimit,
  type SetPeerBandwidthMessage,
  type UserControlMessage,
} from '../message/types.js';
import type { SessionEvent } from './client-events.js';
import { buildConnectArgs, buildConnectCommandObject, type ConnectParams } from './connect-object.js';
import { CONNECT_REJECT_CODES, classifyStatus, toStatusInfo } from './status.js';

/** SWF verification data (librtmp `swfVfy`): the HMAC-SHA256 of the decompressed SWF and its size. */
export interface SwfVerification {
  /** 32-byte SWF hash (librtmp `RTMP_HashSWF`). */
  hash: Uint8Array;
  /** Decompressed SWF size in bytes. */
  size: number;
}

/** Options of a `ClientSession`. Every field has a default. */
export interface ClientSessionOptions {
  /** Random source for the handshake (default `crypto.randomBytes`); inject for reproducible bytes. */
  random?: (n: number) => Uint8Array;
  /** Handshake policy: `'auto'` (default), `'simple'` or `'fp9'`. */
  handshake?: HandshakePolicy;
  /** Further ClientHandshake options (C0 version, epoch, fp9 version, scheme). */
  handshakeOptions?: Omit<ClientHandshakeOptions, 'random' | 'policy'>;
  /** Our outgoing chunk size, announced right after the handshake (default 4096; 1…0xFFFFFF). */
  chunkSize?: number;
  /**
   * Window Ack Size to announce in reply to Set Peer Bandwidth. Default: the window
   * the server's Set Peer Bandwidth asks for (RTMP-SPEC §5.4.5; librtmp echoes the
   * server's value too). A number pins the announced value.
   */
  windowAckSize?: number;
  /** Largest incoming message (default 16 MiB). */
  maxMessageSize?: number;
  /** Most chunk streams the server may open (default 1024). */
  maxChunkStreams?: number;
  /**
   * Further ChunkReader options (`maxMessageSize`/`maxChunkStreams` above take precedence),
   * e.g. `zeroCopy: false` when the Buffers given to `receive` are reused afterwards.
   */
  chunkReader?: ChunkReaderOptions;
  /** Deadline for an answer to connect, createStream and awaited calls, in ms (default: none). */
  commandTimeoutMs?: number;
  /** Deadline for the handshake from `start(now)`, in ms (default: none). */
  handshakeTimeoutMs?: number;
  /** Limits for AMF bodies of commands and data messages. */
  amf?: AmfDecodeOptions;
  /** Answer the first `onBWDone` with `_checkbw` as librtmp does (default true). */
  checkBandwidth?: boolean;
  /** Emit a `raw` event for every received message before its typed events (default false). */
  emitRawMessages?: boolean;
  /** Answer SWFVerifyRequest with this (requires the digest handshake the server expects). */
  swfVerification?: SwfVerification;
}

/** Where a session is. */
export type ClientSessionState =
  | 'new' // constructed, start() not called
  | 'handshaking' // C0+C1 sent, waiting for S0..S2
  | 'ready' // handshake done, not connected (or connect rejected/timed out)
  | 'connecting' // connect sent, no answer yet
  | 'connected' // connect _result received
  | 'closed'; // close(), server close, or a fatal protocol error

/** Options of `call`. */
export interface CallOptions {
  /** The command object (3rd value); default null. */
  commandObject?: AmfValue;
  /** Message stream id (default 0 = NetConnection; non-zero sends on csid 8). */
  streamId?: number;
  /** Transaction id (default: the next one). 0 means "no response expected" and is never tracked. */
  transactionId?: number;
  /** Whether a `_result`/`_error` is awaited with a deadline (default true). */
  expectResult?: boolean;
  /** Deadline for this call in ms (default `commandTimeoutMs`). */
  timeoutMs?: number;
  /** Chunk stream id (default 3 on msid 0, 8 otherwise). */
  csid?: number;
  /** Send as a type-17 (AMF3) command (default false). */
  amf3?: boolean;
  /** The current time, when newer than the last `now` given to the session. */
  now?: number;
}

/** Options of `play` (values go on the wire as given: milliseconds, see P24). */
export interface PlayOptions {
  /** -2000 live then recorded (default), -1000 live only, ≥ 0 recorded from that ms. */
  start?: number;
  /** -1 to the end (sent only when given), 0 a single frame, > 0 that many ms. */
  duration?: number;
  /** Flush the playlist (sent only when given; needs `duration` too, which defaults to -1 then). */
  reset?: boolean;
}

/** `play2` NetStreamPlayOptions (sent as an AMF0 object; undefined fields omitted). */
export interface Play2Options {
  streamName: string;
  oldStreamName?: string;
  start?: number;
  len?: number;
  offset?: number;
  transition?: 'switch' | 'swap' | 'stop' | 'reset' | 'append' | 'appendAndWait' | string;
  /** Further properties. */
  [key: string]: AmfValue;
}

/** Options of `respond` / `respondError`. */
export interface RespondOptions {
  /** Message stream id the invoke came on (default 0). */
  streamId?: number;
  /** Properties slot (3rd value); default null. */
  commandObject?: AmfValue;
  /** Send as a type-17 (AMF3) command. */
  amf3?: boolean;
}

/** A transaction waiting for its `_result`/`_error`. */
interface Pending {
  method: string;
  streamId: number;
  /** Deadline in ms, or undefined when not awaited. */
  deadline: number | undefined;
}

const DEFAULT_CHUNK_SIZE = 4096;
const MAX_OUT_CHUNK_SIZE = 0xffffff;
/** How many never-awaited transactions are remembered for mapping late answers. */
const MAX_UNAWAITED = 128;

function usage(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: 'ERR_SESSION_USAGE' });
}

function checkStreamId(streamId: number): number {
  if (!Number.isInteger(streamId) || streamId < 0 || streamId > 0xffffffff) {
    throw usage(`streamId must be a UI32, got ${streamId}`);
  }
  return streamId;
}

function checkNetStream(streamId: number): number {
  checkStreamId(streamId);
  if (streamId === 0) throw usage('NetStream commands need the stream id from createStream, not 0');
  return streamId;
}

function checkMs(name: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (v < 0 || !Number.isSafeInteger(v)) throw usage(`${name} must be a non-negative integer (ms), got ${v}`);
  return v;
}

/** The sans-IO RTMP client session. */
export class ClientSession {
  readonly #opts: ClientSessionOptions;
  readonly #handshake: ClientHandshake;
  readonly #reader: ChunkReader;
  readonly #writer: ChunkWriter;
  #state: ClientSessionState = 'new';
  #now = 0;

  #out: Buffer[] = [];
  #events: SessionEvent[] = [];
  /** Messages queued before the handshake completed. */
  #deferred: RawMessage[] = [];
  #chunkSize: number;

  #handshakeDone = false;
  #handshakeDeadline: number | undefined;
  #handshakeInfo: ClientHandshakeInfo | undefined;
  /** Bytes produced, handshake included (exact up to 2^53). */
  #bytesOut = 0;

  #nextTxn = 1;
  readonly #pending = new Map<number, Pending>();
  #unawaited = 0;
  #connectTxn: number | undefined;

  #bytesIn = 0;
  /** Inbound acks (the server's window), outbound in-flight and Set Peer Bandwidth (chunk/ack.ts). */
  readonly #acks = new AckTracker();
  #peerAcked: number | undefined;
  #pinnedWindowSent = false;
  #checkBwSent = false;
  #bwCheckCounter = 0;

  /** Creates an idle session; nothing is sent until `start()`. */
  constructor(options: ClientSessionOptions = {}) {
    this.#opts = options;
    const cs = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.#chunkSize = checkChunkSize(cs);
    if (options.windowAckSize !== undefined) checkU32('windowAckSize', options.windowAckSize);
    checkMs('commandTimeoutMs', options.commandTimeoutMs);
    checkMs('handshakeTimeoutMs', options.handshakeTimeoutMs);
    if (options.swfVerification) {
      const { hash, size } = options.swfVerification;
      if (!(hash instanceof Uint8Array) || hash.length !== 32)
        throw usage('swfVerification.hash must be 32 bytes');
      checkU32('swfVerification.size', size);
    }
    const hsOpts: ClientHandshakeOptions = { ...options.handshakeOptions };
    if (options.handshake !== undefined) hsOpts.policy = options.handshake;
    if (options.random !== undefined) hsOpts.random = options.random;
    this.#handshake = new ClientHandshake(hsOpts);
    const readerOpts: ChunkReaderOptions = { ...options.chunkReader };
    if (options.maxMessageSize !== undefined) readerOpts.maxMessageSize = options.maxMessageSize;
    if (options.maxChunkStreams !== undefined) readerOpts.maxChunkStreams = options.maxChunkStreams;
    this.#reader = new ChunkReader(readerOpts);
    this.#writer = new ChunkWriter();
  }

  // ---------------------------------------------------------------- state

  /** Where the session is. */
  get state(): ClientSessionState {
    return this.#state;
  }

  /** True once S2 has been read (the state may already be `connecting`). */
  get handshakeDone(): boolean {
    return this.#handshakeDone;
  }

  /** What the handshake learned about the server, once done. */
  get handshakeInfo(): ClientHandshakeInfo | undefined {
    return this.#handshakeInfo;
  }

  /** Bytes received so far, handshake included (exact up to 2^53). */
  get bytesReceived(): number {
    return this.#bytesIn;
  }

  /** Bytes produced so far, handshake included (exact up to 2^53). */
  get bytesSent(): number {
    return this.#bytesOut;
  }

  /** The last Acknowledgement sequence number from the server (mod 2^32), if any — advisory (ACK-3). */
  get peerAcknowledged(): number | undefined {
    return this.#peerAcked;
  }

  /** The server's Window Ack Size: we acknowledge every this many bytes. */
  get ackWindow(): number | undefined {
    return this.#acks.windowSize || undefined;
  }

  /** The server's Set Peer Bandwidth window, if it sent one. */
  get peerBandwidth(): number | undefined {
    return this.#acks.peerBandwidth || undefined;
  }

  /** Our bytes the server has not acknowledged yet, mod 2^32 (advisory: acks are unreliable — ACK-3). */
  get inFlight(): number {
    return this.#acks.inFlight;
  }

  /** False while in-flight bytes reach the server's Set Peer Bandwidth (advisory; never enforced here). */
  get sendWindowOpen(): boolean {
    return this.#acks.sendWindowOpen;
  }

  /** Our outgoing chunk size (announced, or to be announced after the handshake). */
  get outgoingChunkSize(): number {
    return this.#chunkSize;
  }

  /** The server's chunk size now in force for incoming chunks. */
  get incomingChunkSize(): number {
    return this.#reader.chunkSize;
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
    const hello = this.#handshake.start();
    this.#push(hello);
    this.#state = 'handshaking';
    if (this.#opts.handshakeTimeoutMs !== undefined)
      this.#handshakeDeadline = now + this.#opts.handshakeTimeoutMs;
  }

  /**
   * Feeds bytes from the server, in any split. Payloads in the events may be views of
   * `bytes`: do not reuse or modify the Buffer afterwards. Ignored after close.
   */
  receive(bytes: Uint8Array, now: number): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'new') throw usage('receive() called before start()');
    this.#now = Math.max(this.#now, now);
    let data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#bytesIn += data.length;
    if (!this.#handshakeDone) {
      let step: ReturnType<ClientHandshake['receive']>;
      try {
        step = this.#handshake.receive(data);
      } catch (err) {
        this.#fatal(err);
        return;
      }
      for (const b of step.send) this.#push(b);
      if (!step.done) return;
      this.#onHandshakeDone(step.info!);
      data = step.rest ?? Buffer.alloc(0);
    }
    if (data.length > 0) {
      let messages: RawMessage[];
      try {
        messages = this.#reader.push(data);
      } catch (err) {
        this.#fatal(err);
        return;
      }
      for (const raw of messages) {
        this.#dispatch(raw);
        if (this.#closed()) return;
      }
      // A protocol error after complete messages: they were delivered first.
      if (this.#reader.error !== null) {
        this.#fatal(this.#reader.error);
        return;
      }
    }
    this.#maybeAck();
  }

  /** The bytes to write, in order (header buffers and payload views for `writev`). */
  takeOutput(): Buffer[] {
    const out = this.#out;
    this.#out = [];
    return out;
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
    let d = this.#handshakeDone ? undefined : this.#handshakeDeadline;
    for (const p of this.#pending.values()) {
      if (p.deadline !== undefined && (d === undefined || p.deadline < d)) d = p.deadline;
    }
    return d;
  }

  /** Fires every deadline at or before `now` (as `timeout` events) and advances the clock. */
  handleTimeout(now: number): void {
    this.#now = Math.max(this.#now, now);
    if (this.#state === 'closed') return;
    if (!this.#handshakeDone && this.#handshakeDeadline !== undefined && now >= this.#handshakeDeadline) {
      this.#handshakeDeadline = undefined;
      this.#emit({ kind: 'timeout', what: 'handshake' });
    }
    for (const [txn, p] of [...this.#pending]) {
      if (p.deadline === undefined || now < p.deadline) continue;
      this.#pending.delete(txn);
      if (txn === this.#connectTxn) {
        this.#connectTxn = undefined;
        if (this.#state === 'connecting') this.#state = this.#handshakeDone ? 'ready' : 'handshaking';
      }
      this.#emit({ kind: 'timeout', what: 'command', txn, method: p.method });
    }
  }

  /** Ends the session: no further output is produced and input is ignored. Queued output stays takeable. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#closeWith({ kind: 'closed', reason: 'local' });
  }

  // ---------------------------------------------------------------- NetConnection

  /**
   * Sends `connect` (csid 3, msid 0) with the librtmp/FFmpeg command object (see
   * `buildConnectCommandObject`) and returns its transaction id (1 on a fresh session).
   * May be called right after `start()`: it goes out after the handshake.
   */
  connect(params: ConnectParams): number {
    this.#checkOpen();
    if (this.#state === 'connecting' || this.#state === 'connected') {
      throw usage(`connect() called while ${this.#state}`);
    }
    if (typeof params?.app !== 'string') throw usage('connect() needs params.app (a string, may be empty)');
    const obj = buildConnectCommandObject(params);
    const args = buildConnectArgs(params);
    const txn = this.#nextTxn;
    this.#sendMessage(command('connect', txn, obj, ...args));
    this.#nextTxn++;
    this.#track(txn, 'connect', 0, true);
    this.#connectTxn = txn;
    this.#state = 'connecting';
    return txn;
  }

  /**
   * Sends a command `[name, txn, commandObject, ...args]` and returns its transaction
   * id. Its `_result`/`_error` arrives as a `result`/`error` event.
   */
  call(name: string, args: readonly AmfValue[] = [], options: CallOptions = {}): number {
    this.#checkOpen();
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
    this.#sendMessage(msg, options.csid);
    if (options.transactionId === undefined) this.#nextTxn++;
    if (txn !== 0) this.#track(txn, name, streamId, options.expectResult ?? true, options.timeoutMs);
    return txn;
  }

  /** Sends `createStream`; the answer is a `streamCreated` event (or `error`/`timeout`). */
  createStream(): number {
    return this.#invoke('createStream', 0, [], true);
  }

  /** Sends `deleteStream(streamId)` on msid 0 (transaction 0, no answer expected). */
  deleteStream(streamId: number): void {
    this.#checkOpen();
    this.#sendMessage(command('deleteStream', 0, null, checkNetStream(streamId)));
  }

  /** Sends `closeStream` on the stream's msid (transaction 0, no answer expected). */
  closeStream(streamId: number): void {
    this.#checkOpen();
    this.#sendMessage({ ...command('closeStream', 0, null), streamId: checkNetStream(streamId) });
  }

  /** Sends `releaseStream(name)` (publishers, before createStream; answer not awaited — P26). */
  releaseStream(name: string): number {
    return this.#invoke('releaseStream', 0, [name], false);
  }

  /** Sends `FCPublish(name)` (publishers, before createStream; answer not awaited — P26). */
  fcPublish(name: string): number {
    return this.#invoke('FCPublish', 0, [name], false);
  }

  /** Sends `FCUnpublish(name)` (publishers, before deleteStream on stop). */
  fcUnpublish(name: string): number {
    return this.#invoke('FCUnpublish', 0, [name], false);
  }

  /** Sends `FCSubscribe(name)` (players of live streams on CDN edges — P14). */
  fcSubscribe(name: string): number {
    return this.#invoke('FCSubscribe', 0, [name], false);
  }

  /** Sends `FCUnsubscribe(name)`. */
  fcUnsubscribe(name: string): number {
    return this.#invoke('FCUnsubscribe', 0, [name], false);
  }

  /**
   * Answers a server-initiated invoke with `_result` (same transaction id).
   * `result` becomes the 4th value; the 3rd is `options.commandObject` (default null).
   */
  respond(txn: number, result: AmfValue, options: RespondOptions = {}): void {
    this.#respond('_result', txn, result, options);
  }

  /** Answers a server-initiated invoke with `_error` carrying `info` (e.g. `{level:'error', code, description}`). */
  respondError(txn: number, info: AmfValue, options: RespondOptions = {}): void {
    this.#respond(
      '_error',
      txn,
      info instanceof AMFObject || !isPlainObject(info) ? info : new AMFObject(info),
      options,
    );
  }

  /**
   * Announces a new outgoing chunk size (Set Chunk Size on csid 2) and switches the
   * writer after that message. Before the handshake completes it only changes the size
   * announced then.
   */
  setChunkSize(size: number): void {
    this.#checkOpen();
    checkChunkSize(size);
    this.#chunkSize = size;
    if (!this.#handshakeDone) return;
    this.#pushAll(this.#writer.writeSetChunkSize(size));
  }

  // ---------------------------------------------------------------- NetStream

  /** Sends `play(name, start[, duration[, reset]])` on the stream's msid, csid 8. Times in ms (P24). */
  play(streamId: number, name: string, options: PlayOptions = {}): number {
    const args: AmfValue[] = [name, options.start ?? -2000];
    if (options.duration !== undefined || options.reset !== undefined) args.push(options.duration ?? -1);
    if (options.reset !== undefined) args.push(options.reset);
    return this.#invoke('play', checkNetStream(streamId), args, false);
  }

  /** Sends `play2(NetStreamPlayOptions)` on the stream's msid. */
  play2(streamId: number, options: Play2Options): number {
    const obj = new AMFObject();
    for (const k of Object.keys(options)) if (options[k] !== undefined) obj[k] = options[k];
    return this.#invoke('play2', checkNetStream(streamId), [obj], false);
  }

  /** Sends `publish(name, type)` on the stream's msid (type `live` default, `record`, `append`). */
  publish(streamId: number, name: string, type: 'live' | 'record' | 'append' | string = 'live'): number {
    return this.#invoke('publish', checkNetStream(streamId), [name, type], false);
  }

  /** Sends `pause(paused, ms)` on the stream's msid (not msid 0 — P23). */
  pause(streamId: number, paused: boolean, ms: number): number {
    return this.#invoke('pause', checkNetStream(streamId), [paused, ms], false);
  }

  /** Sends `seek(ms)` on the stream's msid (not msid 0 — P23). */
  seek(streamId: number, ms: number): number {
    return this.#invoke('seek', checkNetStream(streamId), [ms], false);
  }

  /** Sends `receiveAudio(on)` (transaction 0) on the stream's msid. */
  receiveAudio(streamId: number, on: boolean): void {
    this.#checkOpen();
    this.#sendMessage({ ...command('receiveAudio', 0, null, on), streamId: checkNetStream(streamId) });
  }

  /** Sends `receiveVideo(on)` (transaction 0) on the stream's msid. */
  receiveVideo(streamId: number, on: boolean): void {
    this.#checkOpen();
    this.#sendMessage({ ...command('receiveVideo', 0, null, on), streamId: checkNetStream(streamId) });
  }

  /** Sends User Control SetBufferLength(streamId, ms); stream 0 is allowed (librtmp sends 300 ms there). */
  setBufferLength(streamId: number, ms: number): void {
    this.#checkOpen();
    this.#sendMessage(setBufferLength(checkStreamId(streamId), checkU32('bufferLength', ms)));
  }

  /** Sends one audio or video message (csid 4 / 6) on the stream; `payload` is sent as a view. */
  sendMedia(streamId: number, type: 'audio' | 'video', timestamp: number, payload: Buffer): void {
    this.#checkOpen();
    if (type !== 'audio' && type !== 'video')
      throw usage(`media type must be 'audio' or 'video', got ${String(type)}`);
    this.#sendRawMessage({
      type: type === 'audio' ? MessageType.Audio : MessageType.Video,
      streamId: checkStreamId(streamId),
      timestamp: checkTimestamp(timestamp),
      csid: type === 'audio' ? DefaultCsid.audio : DefaultCsid.video,
      payload,
    });
  }

  /** Sends a data message (type 18, csid 4), e.g. `['@setDataFrame', 'onMetaData', meta]`. */
  sendData(streamId: number, values: readonly AmfValue[], timestamp = 0): void {
    this.#checkOpen();
    this.#sendMessage({
      ...dataMessage(...values),
      streamId: checkStreamId(streamId),
      timestamp: checkTimestamp(timestamp),
    });
  }

  /**
   * Sends a prepared message as is (python-librtmp `send_packet`). With `track`, an
   * AMF0/AMF3 command's transaction is tracked so its answer maps to its name.
   */
  sendRaw(message: RawMessage, options: { track?: boolean } = {}): void {
    this.#checkOpen();
    if (
      options.track &&
      (message.type === MessageType.CommandAMF0 || message.type === MessageType.CommandAMF3)
    ) {
      const m = decodeMessage(message, this.#decodeOptions());
      if (m.kind === 'command' && m.transactionId !== 0)
        this.#track(m.transactionId, m.name, m.streamId, true);
    }
    this.#sendRawMessage(message);
  }

  // ---------------------------------------------------------------- internals: sending

  #checkOpen(): void {
    if (this.#state === 'closed') throw usage('the session is closed');
    if (this.#state === 'new') throw usage('start() the session first');
  }

  #decodeOptions(): { amf?: AmfDecodeOptions } {
    return this.#opts.amf ? { amf: this.#opts.amf } : {};
  }

  /** Sends a command with the next transaction id on `streamId` (csid 3 on 0, 8 otherwise). */
  #invoke(name: string, streamId: number, args: AmfValue[], awaited: boolean): number {
    this.#checkOpen();
    const txn = this.#nextTxn;
    this.#sendMessage({ ...command(name, txn, null, ...args), streamId });
    this.#nextTxn++;
    this.#track(txn, name, streamId, awaited);
    return txn;
  }

  #respond(name: '_result' | '_error', txn: number, value: AmfValue, options: RespondOptions): void {
    this.#checkOpen();
    if (!Number.isFinite(txn) || txn < 0)
      throw usage(`transaction id must be a non-negative number, got ${txn}`);
    this.#sendMessage({
      ...command(name, txn, options.commandObject ?? null, value),
      streamId: checkStreamId(options.streamId ?? 0),
      amf3: options.amf3 ?? false,
    });
  }

  #track(txn: number, method: string, streamId: number, awaited: boolean, timeoutMs?: number): void {
    const old = this.#pending.get(txn);
    if (old !== undefined && old.deadline === undefined) this.#unawaited--;
    this.#pending.delete(txn);
    const t = awaited ? (timeoutMs ?? this.#opts.commandTimeoutMs) : undefined;
    const deadline = awaited && t !== undefined ? this.#now + t : undefined;
    this.#pending.set(txn, { method, streamId, deadline });
    if (deadline === undefined) {
      this.#unawaited++;
      if (this.#unawaited > MAX_UNAWAITED) {
        for (const [k, p] of this.#pending) {
          if (p.deadline === undefined && k !== this.#connectTxn) {
            this.#pending.delete(k);
            this.#unawaited--;
            break;
          }
        }
      }
    }
  }

  #untrack(txn: number): Pending | undefined {
    const p = this.#pending.get(txn);
    if (p === undefined) return undefined;
    this.#pending.delete(txn);
    if (p.deadline === undefined) this.#unawaited--;
    return p;
  }

  /** Encodes a typed message (throws on bad caller values) and sends or defers it. */
  #sendMessage(msg: Message, csid?: number): void {
    this.#sendRawMessage(encodeMessage(msg, csid === undefined ? {} : { csid }));
  }

  #sendRawMessage(raw: RawMessage): void {
    if (this.#state === 'closed') return;
    if (!this.#handshakeDone) {
      this.#deferred.push(raw);
      return;
    }
    this.#pushAll(this.#writer.write(raw));
  }

  // ---------------------------------------------------------------- internals: receiving

  /** A method, so TypeScript does not narrow `#state` across calls that may close. */
  #closed(): boolean {
    return this.#state === 'closed';
  }

  #push(b: Buffer): void {
    this.#bytesOut += b.length;
    this.#acks.recordSent(b.length);
    this.#out.push(b);
  }

  #pushAll(bufs: Buffer[]): void {
    for (const b of bufs) this.#push(b);
  }

  #emit(ev: SessionEvent): void {
    this.#events.push(ev);
  }

  #closeWith(ev: SessionEvent & { kind: 'closed' }): void {
    this.#state = 'closed';
    this.#pending.clear();
    this.#unawaited = 0;
    this.#connectTxn = undefined;
    this.#deferred = [];
    this.#handshakeDeadline = undefined;
    this.#emit(ev);
  }

  #fatal(err: unknown): void {
    const error = toRTMPError(err);
    this.#emit({ kind: 'protocolError', error, fatal: true });
    this.#closeWith({ kind: 'closed', reason: 'protocolError', error });
  }

  #nonFatal(err: unknown): void {
    this.#emit({ kind: 'protocolError', error: toRTMPError(err), fatal: false });
  }

  #onHandshakeDone(info: ClientHandshakeInfo): void {
    this.#handshakeDone = true;
    this.#handshakeInfo = info;
    this.#handshakeDeadline = undefined;
    if (this.#state === 'handshaking') this.#state = 'ready';
    this.#emit({ kind: 'handshake', info });
    // Our own outgoing chunk size first (P5/P6), then everything queued meanwhile.
    this.#pushAll(this.#writer.writeSetChunkSize(this.#chunkSize));
    const deferred = this.#deferred;
    this.#deferred = [];
    if (deferred.length > 0) this.#pushAll(this.#writer.writeMany(deferred));
  }

  #maybeAck(): void {
    if (this.#closed()) return;
    const seq = this.#acks.ackDue(this.#bytesIn % 0x100000000);
    if (seq !== undefined) this.#sendMessage(ack(seq));
  }

  #dispatch(raw: RawMessage): void {
    if (this.#opts.emitRawMessages) this.#emit({ kind: 'raw', message: raw });
    let msg: Message;
    try {
      msg = decodeMessage(raw, this.#decodeOptions());
    } catch (err) {
      this.#nonFatal(err);
      return;
    }
    switch (msg.kind) {
      case 'setChunkSize':
      case 'abort':
        // The chunk reader has already applied them to the incoming direction.
        this.#emit({ kind: 'control', message: msg });
        return;
      case 'ack':
        this.#peerAcked = msg.sequenceNumber;
        this.#acks.acknowledge(msg.sequenceNumber);
        this.#emit({ kind: 'control', message: msg });
        return;
      case 'windowAckSize':
        this.#acks.setWindowSize(msg.windowSize);
        this.#emit({ kind: 'control', message: msg });
        return;
      case 'setPeerBandwidth':
        this.#onSetPeerBandwidth(msg);
        this.#emit({ kind: 'control', message: msg });
        return;
      case 'userControl':
        this.#onUserControl(msg);
        return;
      case 'audio':
      case 'video':
        this.#emit({
          kind: 'media',
          streamId: msg.streamId,
          type: msg.kind,
          timestamp: msg.timestamp,
          unwrappedTimestamp: msg.unwrappedTimestamp ?? msg.timestamp,
          payload: msg.payload,
          aggregated: false,
        });
        return;
      case 'command':
        this.#onCommand(msg);
        return;
      case 'data':
        this.#onData(msg, false);
        return;
      case 'sharedObject':
        this.#emit({ kind: 'sharedObject', message: msg });
        return;
      case 'aggregate':
        this.#onAggregate(raw);
        return;
      case 'unknown':
        // Reported through `raw` only; unknown types are not errors.
        return;
    }
  }

  /**
   * Set Peer Bandwidth (RTMP-SPEC §5.4.5): answer with Window Ack Size when the limit
   * changes (AckTracker applies Hard/Soft/Dynamic). A first Dynamic — what nginx-rtmp,
   * SRS and FMS send — has no previous Hard to follow; it is taken as Hard so the
   * server gets our window, as librtmp's unconditional echo does.
   */
  #onSetPeerBandwidth(msg: SetPeerBandwidthMessage): void {
    const first = this.#acks.peerBandwidth === 0;
    const limitType =
      first && msg.limitType === PeerBandwidthLimit.Dynamic ? PeerBandwidthLimit.Hard : msg.limitType;
    const due = this.#acks.setPeerBandwidth(msg.windowSize, limitType);
    if (due === undefined) return;
    const pinned = this.#opts.windowAckSize;
    if (pinned === undefined) {
      this.#sendMessage(windowAckSize(due));
    } else if (!this.#pinnedWindowSent) {
      this.#pinnedWindowSent = true;
      this.#sendMessage(windowAckSize(pinned));
    }
  }

  #onUserControl(msg: UserControlMessage): void {
    const d = msg.data;
    if (d.event === 'pingRequest') {
      this.#sendMessage(pingResponse(d.timestamp));
      return;
    }
    if (d.event === 'swfVerifyRequest' && this.#opts.swfVerification && this.#handshakeInfo) {
      const type = d.data[0] ?? 0;
      if (type <= 1) {
        this.#sendMessage(
          swfVerifyResponse(swfVerificationResponse(this.#opts.swfVerification, this.#handshakeInfo.s1)),
        );
        return;
      }
    }
    this.#emit({ kind: 'userControl', ...d });
  }

  #onCommand(msg: CommandMessage): void {
    const { name, transactionId: txn, streamId } = msg;
    if (name === '_result' || name === '_error') {
      this.#onResponse(msg);
      return;
    }
    if (name === 'onStatus' || name === 'onPlayStatus') {
      const infoValue = msg.args.length > 0 ? msg.args[0] : msg.commandObject;
      this.#onStatus(streamId, name, infoValue);
      return;
    }
    let handled = false;
    switch (name) {
      case '_onbwcheck':
        // librtmp: `_result(txn, null, counter++)`.
        this.#sendMessage({ ...command('_result', txn, null, this.#bwCheckCounter++), streamId });
        handled = true;
        break;
      case 'onBWDone':
        if (this.#opts.checkBandwidth ?? true) {
          if (!this.#checkBwSent) {
            this.#checkBwSent = true;
            this.#invoke('_checkbw', 0, [], false);
          }
        }
        handled = true;
        break;
      case '_onbwdone':
        handled = true;
        break;
      case 'ping':
        // librtmp answers an AMF `ping` invoke with `pong` on csid 3.
        this.#sendMessage({ ...command('pong', txn, null), streamId });
        handled = true;
        break;
      case 'close':
        handled = true;
        break;
    }
    this.#emit({
      kind: 'invoke',
      name,
      txn,
      commandObject: msg.commandObject,
      args: msg.args,
      streamId,
      amf3: msg.amf3,
      handled,
    });
    if (name === 'close') this.#closeWith({ kind: 'closed', reason: 'server' });
  }

  #onResponse(msg: CommandMessage): void {
    const txn = msg.transactionId;
    const isError = msg.name === '_error';
    const p = this.#untrack(txn);
    const method = p?.method;
    if (p !== undefined && txn === this.#connectTxn) {
      this.#connectTxn = undefined;
      const info = toStatusInfo(msg.args[0]);
      if (isError || classifyStatus(info) === 'error') {
        if (this.#state === 'connecting') this.#state = this.#handshakeDone ? 'ready' : 'handshaking';
        this.#emit({ kind: 'connectRejected', txn, source: isError ? '_error' : '_result', info });
      } else {
        if (this.#state === 'connecting') this.#state = 'connected';
        this.#emit({ kind: 'connected', txn, properties: toStatusInfo(msg.commandObject), info });
      }
      return;
    }
    if (!isError && method === 'createStream') {
      const id = msg.args[0];
      if (typeof id === 'number' && Number.isInteger(id) && id > 0 && id <= 0xffffffff) {
        this.#emit({ kind: 'streamCreated', txn, streamId: id });
        return;
      }
      this.#nonFatal(
        new RTMPProtocolError(`createStream _result carries no valid stream id (${describe(id)})`, {
          code: 'ERR_SESSION_BAD_RESULT',
        }),
      );
      this.#emit({
        kind: 'error',
        txn,
        method,
        streamId: msg.streamId,
        info: {
          level: 'error',
          code: 'NetConnection.Call.Failed',
          description: 'createStream _result carried no valid stream id',
        },
        commandObject: msg.commandObject,
        values: msg.args,
      });
      return;
    }
    if (isError) {
      this.#emit({
        kind: 'error',
        txn,
        method,
        streamId: msg.streamId,
        info: toStatusInfo(msg.args.length > 0 ? msg.args[0] : msg.commandObject),
        commandObject: msg.commandObject,
        values: msg.args,
      });
    } else {
      this.#emit({
        kind: 'result',
        txn,
        method,
        streamId: msg.streamId,
        commandObject: msg.commandObject,
        values: msg.args,
      });
    }
  }

  #onStatus(streamId: number, name: string, value: AmfValue): void {
    const info = toStatusInfo(value);
    this.#emit({ kind: 'status', streamId, name, info, classification: classifyStatus(info) });
    const txn = this.#connectTxn;
    if (
      txn !== undefined &&
      streamId === 0 &&
      name === 'onStatus' &&
      typeof info.code === 'string' &&
      CONNECT_REJECT_CODES.has(info.code)
    ) {
      this.#untrack(txn);
      this.#connectTxn = undefined;
      if (this.#state === 'connecting') this.#state = this.#handshakeDone ? 'ready' : 'handshaking';
      this.#emit({ kind: 'connectRejected', txn, source: 'onStatus', info });
    }
  }

  #onData(msg: DataMessage, aggregated: boolean): void {
    let { name } = msg;
    let values = name === undefined ? msg.values : msg.values.slice(1);
    if (name === 'onStatus' || name === 'onPlayStatus') {
      this.#onStatus(msg.streamId, name, values[0]);
      return;
    }
    // A relay that forwards a publisher's `@setDataFrame` unstripped: report the inner frame.
    const dataFrame = name === '@setDataFrame' && typeof values[0] === 'string';
    if (dataFrame) {
      name = values[0] as string;
      values = values.slice(1);
    }
    this.#emit({
      kind: 'data',
      streamId: msg.streamId,
      name,
      values,
      dataFrame,
      timestamp: msg.timestamp,
      unwrappedTimestamp: msg.unwrappedTimestamp ?? msg.timestamp,
      aggregated,
      amf3: msg.amf3,
    });
  }

  /** Aggregate (type 22): split into media/data with rebased timestamps (AG-1); tolerate per AG-3. */
  #onAggregate(raw: RawMessage): void {
    const split = readAggregate(raw);
    for (const sub of split.messages) {
      if (sub.type === MessageType.Audio || sub.type === MessageType.Video) {
        this.#emit({
          kind: 'media',
          streamId: sub.streamId,
          type: sub.type === MessageType.Audio ? 'audio' : 'video',
          timestamp: sub.timestamp,
          unwrappedTimestamp: sub.unwrappedTimestamp ?? sub.timestamp,
          payload: sub.payload,
          aggregated: true,
        });
      } else if (sub.type === MessageType.DataAMF0 || sub.type === MessageType.DataAMF3) {
        let m: Message;
        try {
          m = decodeMessage(sub, this.#decodeOptions());
        } catch (err) {
          this.#nonFatal(err);
          continue;
        }
        if (m.kind === 'data') this.#onData(m, true);
      }
      // Other record types inside an aggregate are not defined; skip them.
    }
    if (split.truncated) {
      this.#nonFatal(
        new RTMPProtocolError(
          `aggregate message (${raw.payload.length} bytes) ends inside a record; ${split.trailingBytes} bytes dropped`,
          { code: 'ERR_SESSION_AGGREGATE_TRUNCATED', info: { raw } },
        ),
      );
    }
  }
}

/**
 * The 42-byte SWFVerifyResponse data (librtmp §4.4): `01 01`, size, size,
 * HMAC-SHA256(key = last 32 bytes of S1, msg = SWF hash).
 */
export function swfVerificationResponse(swf: SwfVerification, s1: Uint8Array): Buffer {
  const out = Buffer.alloc(42);
  out[0] = 1;
  out[1] = 1;
  out.writeUInt32BE(swf.size >>> 0, 2);
  out.writeUInt32BE(swf.size >>> 0, 6);
  createHmac('sha256', s1.subarray(s1.length - 32))
    .update(swf.hash)
    .digest()
    .copy(out, 10);
  return out;
}

function checkChunkSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > MAX_OUT_CHUNK_SIZE) {
    throw usage(`chunkSize must be an integer in 1..${MAX_OUT_CHUNK_SIZE}, got ${size}`);
  }
  return size;
}

function checkU32(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw usage(`${name} must be a UI32, got ${v}`);
  return v;
}

function checkTimestamp(ts: number): number {
  if (!Number.isSafeInteger(ts) || ts < 0) throw usage(`timestamp must be a non-negative integer, got ${ts}`);
  return ts % 0x100000000;
}

function isPlainObject(v: unknown): v is Record<string, AmfValue> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function toRTMPError(err: unknown): RTMPError {
  if (err instanceof RTMPError) return err;
  return new RTMPProtocolError(err instanceof Error ? err.message : String(err), {
    code: 'ERR_SESSION_INTERNAL',
    cause: err,
  });
}

function describe(v: AmfValue): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (typeof v === 'object') return Array.isArray(v) ? 'array' : 'object';
  return `${typeof v} ${String(v)}`;
}
