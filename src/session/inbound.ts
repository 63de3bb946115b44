/**
 * The message pipeline both sessions compose (RTMP-SPEC §5.2 handshake, §5.3 chunking,
 * §5.4 protocol control, §7.1.6 aggregates): handshake bytes, then the chunk reader
 * into typed messages; the chunk writer and byte accounting out; Acknowledgements
 * (§5.4.3) as the peer's Window Ack Size asks; one way to report peer faults.
 *
 * `receive` never throws for bad input: a handshake or chunk-stream fault is fatal
 * (`onProtocolError(…, fatal: true)`, after every complete message before it has been
 * dispatched); one undecodable message is non-fatal and skipped; a truncated aggregate
 * is reported non-fatally after its records, the same way for client and server.
 *
 * RTMPE (librtmp `handshake.h`): when the handshake yields a cipher, every later input is
 * decrypted in place before the chunk reader (the handshake's `rest` arrives plain), and
 * everything queued after the handshake leaves as one encrypted copy per `takeOutput`, so
 * shared payload views stay plain; byte counts and acknowledgements count the encrypted
 * stream, which has the same length.
 *
 * Invariants: any split of the input gives the same messages in the same order; at
 * most one Acknowledgement per `receive`, carrying the received total at the end of
 * that input, once the window has been reached; Acknowledgement and Window Ack Size
 * from the peer are applied here before the host sees them; output is the writer's
 * Buffers in order (headers and payload views, for `writev`), or under RTMPE the plain
 * handshake bytes followed by one encrypted Buffer.
 */
import type { AmfDecodeOptions } from '../amf/types.js';
import { AckTracker } from '../chunk/ack.js';
import { ChunkReader, type ChunkReaderOptions } from '../chunk/reader.js';
import { ChunkWriter } from '../chunk/writer.js';
import { GeneralCode, ProtocolCode } from '../error-codes.js';
import { RTMPError, RTMPProtocolError } from '../errors.js';
import type { HandshakeStep } from '../handshake/common.js';
import type { RtmpeInfo } from '../handshake/rtmpe.js';
import type { RtmpeCipher } from '../handshake/rtmpe-cipher.js';
import { aggregateRecords, newAggregateSummary } from '../message/aggregate.js';
import { ack } from '../message/builders.js';
import { decodeMessage, encodeMessage } from '../message/codec.js';
import type { RawMessage } from '../message/raw-message.js';
import type { CommandMessage, Message } from '../message/types.js';
import type { MessageTrace } from '../trace.js';
import { asBuffer } from '../util/buffer-view.js';
import type { PeerCommand } from './shared-events.js';

/** What the pipeline calls back into its session. */
export interface InboundHost<Info> {
  /** The handshake completed; chunk-stream bytes follow. */
  onHandshake(info: Info): void;
  /** One decoded message, in order (the peer's Acknowledgement and Window Ack Size already applied). */
  onMessage(message: Message, raw: RawMessage): void;
  /** A peer fault: `fatal` ones end the session (the host closes); non-fatal ones skip one message. */
  onProtocolError(error: RTMPError, fatal: boolean, raw?: RawMessage): void;
  /** Whether the host has closed (the pipeline stops dispatching). */
  isClosed(): boolean;
}

/** Options of a pipeline. */
export interface InboundOptions {
  /** Chunk reader limits. */
  reader?: ChunkReaderOptions;
  /** Limits for AMF bodies of commands and data. */
  amf?: AmfDecodeOptions | undefined;
  /**
   * Whether handshake bytes count toward Acknowledgements and our in-flight bytes: yes for
   * a client (librtmp counts every byte read), no for a server (FFmpeg's server counts the
   * chunk stream only).
   */
  countHandshakeBytes: boolean;
  /** Sees every message decoded or written (the shell's protocol trace); absent costs nothing. */
  trace?: MessageTrace | undefined;
}

/** What a completed handshake tells the pipeline: the RTMPE cipher, when there is one. */
export interface PipelineHandshakeInfo {
  rtmpe?: RtmpeInfo;
}

/** A handshake state machine: `ClientHandshake` or `ServerHandshake`. */
export interface Handshaker<Info> {
  receive(data: Uint8Array): HandshakeStep<Info>;
}

const EMPTY = Buffer.alloc(0);

/** Handshake, chunk reader/writer, acknowledgements and decoding for one connection. */
export class InboundPipeline<Info extends PipelineHandshakeInfo> {
  readonly reader: ChunkReader;
  readonly writer = new ChunkWriter();
  readonly acks = new AckTracker();
  readonly #handshake: Handshaker<Info>;
  readonly #host: InboundHost<Info>;
  readonly #countHandshake: boolean;
  readonly #decodeOptions: { amf?: AmfDecodeOptions };
  readonly #trace: MessageTrace | undefined;
  #handshakeDone = false;
  #out: Buffer[] = [];
  #bytesIn = 0;
  #bytesOut = 0;
  #acksSent = 0;
  #peerAcked: number | undefined;
  /** RTMPE: the cipher of both directions, and where in `#out` encrypted output starts. */
  #cipher: RtmpeCipher | undefined;
  #plainOut = 0;

  constructor(handshake: Handshaker<Info>, host: InboundHost<Info>, options: InboundOptions) {
    this.#handshake = handshake;
    this.#host = host;
    this.#countHandshake = options.countHandshakeBytes;
    this.reader = new ChunkReader(options.reader ?? {});
    this.#decodeOptions = options.amf ? { amf: options.amf } : {};
    this.#trace = options.trace;
  }

  /** True once the handshake completed. */
  get handshakeDone(): boolean {
    return this.#handshakeDone;
  }

  /** Bytes received, handshake included (exact up to 2^53). */
  get bytesReceived(): number {
    return this.#bytesIn;
  }

  /** Bytes produced, handshake included (exact up to 2^53). */
  get bytesSent(): number {
    return this.#bytesOut;
  }

  /** Acknowledgements sent. */
  get acksSent(): number {
    return this.#acksSent;
  }

  /** The sequence number of the peer's last Acknowledgement (mod 2^32), if any. */
  get peerAcknowledged(): number | undefined {
    return this.#peerAcked;
  }

  /** The options decoding uses (AMF limits). */
  get decodeOptions(): { amf?: AmfDecodeOptions } {
    return this.#decodeOptions;
  }

  /** True when the connection is RTMPE-encrypted (set when the handshake completes). */
  get encrypted(): boolean {
    return this.#cipher !== undefined;
  }

  /**
   * Feeds bytes from the peer, in any split. Never throws for bad input. Under RTMPE the
   * bytes are decrypted in place: the caller must not read them again.
   */
  receive(bytes: Uint8Array): void {
    const host = this.#host;
    let data = asBuffer(bytes);
    this.#bytesIn += data.length;
    if (this.#cipher) {
      this.#cipher.decrypt(data);
    } else if (!this.#handshakeDone) {
      const rest = this.#handshakeStep(data);
      if (rest === undefined) return;
      data = rest;
    }
    if (data.length > 0) {
      let messages: RawMessage[];
      try {
        messages = this.reader.push(data);
      } catch (err) {
        host.onProtocolError(toRTMPError(err), true);
        return;
      }
      for (const raw of messages) {
        this.#dispatch(raw);
        if (host.isClosed()) return;
      }
      // A protocol error after complete messages: they were delivered first.
      if (this.reader.error !== null) {
        host.onProtocolError(toRTMPError(this.reader.error), true);
        return;
      }
    }
    const received = this.#countHandshake ? this.#bytesIn % 0x100000000 : this.reader.bytesReceived;
    const seq = this.acks.ackDue(received);
    if (seq !== undefined) {
      this.send(ack(seq));
      this.#acksSent++;
    }
  }

  /**
   * Feeds handshake bytes: the bytes after the handshake once it completed, else
   * undefined (more needed, failed, or the host closed). A method of its own: `receive`
   * runs once per read for the whole connection, this a few times at its start, and V8
   * compiles into a hot function every path that ran before it was optimised.
   */
  #handshakeStep(data: Buffer): Buffer | undefined {
    const host = this.#host;
    let step: HandshakeStep<Info>;
    try {
      step = this.#handshake.receive(data);
    } catch (err) {
      host.onProtocolError(toRTMPError(err), true);
      return undefined;
    }
    for (const b of step.send) this.push(b, this.#countHandshake);
    if (!step.done) return undefined;
    this.#handshakeDone = true;
    const cipher = step.info!.rtmpe?.cipher;
    if (cipher) {
      this.#cipher = cipher;
      this.#plainOut = this.#out.length;
    }
    host.onHandshake(step.info!);
    if (host.isClosed()) return undefined;
    return step.rest ?? EMPTY;
  }

  /** Decodes `raw` (AMF limits applied); undefined after reporting a non-fatal error. */
  decode(raw: RawMessage): Message | undefined {
    try {
      return decodeMessage(raw, this.#decodeOptions);
    } catch (err) {
      this.#host.onProtocolError(toRTMPError(err), false, raw);
      return undefined;
    }
  }

  /**
   * Walks the records of aggregate `raw` (rebased, payload views), then reports a body
   * that ended inside a record as a non-fatal `ERR_SESSION_AGGREGATE_TRUNCATED`.
   */
  walkAggregate(raw: RawMessage, onRecord: (record: RawMessage) => void): void {
    const summary = newAggregateSummary();
    for (const record of aggregateRecords(raw, summary)) {
      onRecord(record);
      if (this.#host.isClosed()) return;
    }
    if (summary.truncated) {
      this.#host.onProtocolError(
        new RTMPProtocolError(
          `aggregate message (${raw.payload.length} bytes) ends inside a record; ${summary.trailingBytes} bytes dropped`,
          { code: ProtocolCode.SESSION_AGGREGATE_TRUNCATED, info: { raw } },
        ),
        false,
        raw,
      );
    }
  }

  // ---------------------------------------------------------------- output

  /** Encodes and writes a typed message (throws `RTMPUsageError`/`AMFError` on bad caller values). */
  send(msg: Message, csid?: number): void {
    const raw = encodeMessage(msg, csid === undefined ? {} : { csid });
    this.#trace?.('out', raw, msg);
    for (const b of this.writer.write(raw)) this.push(b);
  }

  /** Writes a message as is. */
  sendRaw(raw: RawMessage): void {
    this.#trace?.('out', raw, undefined);
    for (const b of this.writer.write(raw)) this.push(b);
  }

  /** Announces our outgoing chunk size and switches the writer after it. */
  setChunkSize(size: number): void {
    if (this.#trace) {
      const payload = Buffer.alloc(4);
      payload.writeUInt32BE(size);
      // RTMP-SPEC §5.4.1: type 1 on chunk stream 2, message stream 0 (what the writer sends).
      const raw = { type: 1, streamId: 0, timestamp: 0, csid: 2, payload };
      this.#trace('out', raw, { kind: 'setChunkSize', chunkSize: size, streamId: 0, timestamp: 0 });
    }
    for (const b of this.writer.writeSetChunkSize(size)) this.push(b);
  }

  /** Queues bytes for the peer; `counted` ones add to our in-flight bytes. */
  push(b: Buffer, counted = true): void {
    this.#out.push(b);
    this.#bytesOut += b.length;
    if (counted) this.acks.recordSent(b.length);
  }

  /**
   * The bytes to write, in order (under RTMPE: what followed the handshake, encrypted in
   * one copy — a write-pool buffer, always the last one, which the I/O shell gives back
   * once written).
   */
  takeOutput(): Buffer[] {
    let out = this.#out;
    this.#out = [];
    const plain = this.#plainOut;
    this.#plainOut = 0;
    if (this.#cipher && out.length > plain) {
      const encrypted = this.#cipher.encryptv(plain === 0 ? out : out.slice(plain));
      out = plain === 0 ? [encrypted] : [...out.slice(0, plain), encrypted];
    }
    return out;
  }

  #dispatch(raw: RawMessage): void {
    const msg = this.decode(raw);
    this.#trace?.('in', raw, msg);
    if (msg === undefined) return;
    if (msg.kind === 'ack') {
      this.#peerAcked = msg.sequenceNumber;
      this.acks.acknowledge(msg.sequenceNumber);
    } else if (msg.kind === 'windowAckSize') {
      this.acks.setWindowSize(msg.windowSize);
    }
    this.#host.onMessage(msg, raw);
  }
}

/**
 * Every fault a session reports is an `RTMPError`: decoders throw typed errors; anything
 * else is a bug, reported with its cause rather than thrown out of `receive`.
 */
export function toRTMPError(err: unknown): RTMPError {
  if (err instanceof RTMPError) return err;
  return new RTMPError(err instanceof Error ? err.message : String(err), {
    code: GeneralCode.SESSION_INTERNAL,
    cause: err,
  });
}

/** What both sessions report of a command the peer sent (not an answer). */
export function peerCommand(msg: CommandMessage): PeerCommand {
  const { name, transactionId: txn, commandObject, args, streamId, amf3 } = msg;
  return { name, txn, commandObject, args, streamId, amf3 };
}
