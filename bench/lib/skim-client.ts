/**
 * A lightweight RTMP player for load generation: hundreds of players (fan-out) or ten
 * thousand idle connections in one process, against nginx-rtmp and the embedded server
 * alike. It must never be the bottleneck of what it measures, so it does not assemble
 * media: it walks chunk headers (RTMP-SPEC §5.3.1) and skips media payload bytes,
 * reporting each audio/video message's type, timestamp and length when its last byte
 * has arrived. Only protocol control (§5.4), user control (§6.2, 7.1.7) and AMF0
 * command messages (§7.1.1) are assembled and acted on.
 *
 * Flow: simple handshake (§5.2: C1 version zero, C2 echoes S1), `connect` (the time
 * until its `_result` is the connect time), then for a player `createStream`, a buffer
 * length (User Control SetBufferLength, as rtmpdump sends) and `play`; "playing" is
 * NetStream.Play.Start. Throughout it answers PingRequest with PingResponse and sends an
 * Acknowledgement every half window (§5.4.3), so neither server's idle or ping timeout
 * drops it.
 *
 * Messages out are built with the library's ChunkWriter and AMF0 encoder (fixed,
 * tested codecs); nothing here depends on the client being benchmarked.
 */
import { type Socket, connect as tcpConnect } from 'node:net';
import { AMFObject, type AmfValue, amf0, ChunkWriter } from '../../src/index.js';

/** What a SkimClient tells its owner. */
export interface SkimHandlers {
  /** `connect` answered `_result`; `ms` since the TCP connect began. */
  connected?(ms: number): void;
  /** NetStream.Play.Start arrived. */
  playing?(): void;
  /** An audio (8) or video (9) message completed. */
  media?(type: number, timestamp: number, length: number): void;
  /** The socket closed; `error` when it failed or the server refused. */
  closed?(error?: Error): void;
}

/** Where to connect and what to play. */
export interface SkimTarget {
  port: number;
  app: string;
  /** Stream to play; without it the client stays idle after `connect`. */
  stream?: string;
}

const HANDSHAKE_SIZE = 1536;
const MEDIA_TYPES = new Set([8, 9, 22]);
const MAX_CAPTURE = 1 << 20;

/** Inbound header state of one chunk stream. */
interface InStream {
  timestamp: number;
  delta: number;
  length: number;
  type: number;
  extended: boolean;
  /** Payload bytes of the current message still to come (0: the next chunk starts one). */
  remaining: number;
  /** Assembled payload (control/command messages only). */
  body: Buffer | undefined;
  filled: number;
}

/** One connection. Call `start()`; `close()` ends it. */
export class SkimClient {
  bytesIn = 0;
  #socket: Socket | undefined;
  #state: 'handshake' | 'connect' | 'createStream' | 'play' | 'open' = 'handshake';
  #t0 = 0;
  #carry: Buffer | undefined;
  #chunkSize = 128;
  #window = 0;
  #acked = 0;
  #payloadLeft = 0;
  #current: InStream | undefined;
  readonly #streams = new Map<number, InStream>();
  readonly #writer = new ChunkWriter();
  #closed = false;

  constructor(
    readonly target: SkimTarget,
    readonly handlers: SkimHandlers,
  ) {}

  /** Opens the TCP connection and starts the handshake. */
  start(): void {
    this.#t0 = performance.now();
    const s = tcpConnect({ host: '127.0.0.1', port: this.target.port });
    this.#socket = s;
    s.setNoDelay(true);
    s.on('connect', () => {
      const c0c1 = Buffer.alloc(1 + HANDSHAKE_SIZE); // time 0, version 0 (simple handshake), zero fill
      c0c1[0] = 3;
      s.write(c0c1);
    });
    s.on('data', (d: Buffer) => this.#receive(d));
    s.on('error', (err) => this.#finish(err));
    s.on('close', () => this.#finish());
  }

  /** Closes the connection (no further callbacks but `closed`). */
  close(): void {
    this.#socket?.destroy();
  }

  #finish(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket?.destroy();
    this.handlers.closed?.(error);
  }

  #send(type: number, csid: number, streamId: number, payload: Buffer): void {
    const parts = this.#writer.write({ type, csid, streamId, timestamp: 0, payload });
    this.#socket!.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  #command(streamId: number, ...values: AmfValue[]): void {
    this.#send(20, streamId === 0 ? 3 : 8, streamId, amf0.encode(...values));
  }

  #receive(d: Buffer): void {
    this.bytesIn += d.length;
    let data = this.#carry ? Buffer.concat([this.#carry, d]) : d;
    this.#carry = undefined;
    if (this.#state === 'handshake') {
      if (data.length < 1 + 2 * HANDSHAKE_SIZE) {
        this.#carry = data;
        return;
      }
      this.#socket!.write(data.subarray(1, 1 + HANDSHAKE_SIZE)); // C2 = S1
      this.#state = 'connect';
      const tcUrl = `rtmp://127.0.0.1:${this.target.port}/${this.target.app}`;
      this.#command(
        0,
        'connect',
        1,
        new AMFObject({
          app: this.target.app,
          flashVer: 'LNX 9,0,124,2',
          tcUrl,
          fpad: false,
          capabilities: 15,
          audioCodecs: 3191,
          videoCodecs: 252,
          videoFunction: 1,
        }),
      );
      data = data.subarray(1 + 2 * HANDSHAKE_SIZE);
    }
    this.#walk(data);
    if (this.#window > 0 && this.bytesIn - this.#acked >= this.#window / 2) {
      this.#acked = this.bytesIn;
      const ack = Buffer.allocUnsafe(4);
      ack.writeUInt32BE(this.bytesIn % 2 ** 32);
      this.#send(3, 2, 0, ack);
    }
  }

  /** Walks chunks: headers parsed, payloads skipped or (control/commands) assembled. */
  #walk(data: Buffer): void {
    let pos = 0;
    while (pos < data.length) {
      if (this.#payloadLeft > 0) {
        const st = this.#current!;
        const take = Math.min(this.#payloadLeft, data.length - pos);
        if (st.body) data.copy(st.body, st.filled, pos, pos + take);
        st.filled += take;
        st.remaining -= take;
        this.#payloadLeft -= take;
        pos += take;
        if (st.remaining === 0) this.#complete(st);
        continue;
      }
      const used = this.#header(data, pos);
      if (used === 0) {
        this.#carry = Buffer.from(data.subarray(pos));
        return;
      }
      pos += used;
      const st = this.#current!;
      this.#payloadLeft = Math.min(this.#chunkSize, st.remaining);
      if (st.remaining === 0) this.#complete(st); // zero-length message
    }
  }

  /** Parses one chunk header at `pos`; returns its length, or 0 when incomplete. */
  #header(data: Buffer, pos: number): number {
    const avail = data.length - pos;
    const b0 = data[pos]!;
    const fmt = b0 >> 6;
    let csid = b0 & 0x3f;
    let n = 1;
    if (csid === 0) {
      if (avail < 2) return 0;
      csid = 64 + data[pos + 1]!;
      n = 2;
    } else if (csid === 1) {
      if (avail < 3) return 0;
      csid = 64 + data[pos + 1]! + data[pos + 2]! * 256;
      n = 3;
    }
    const size = [11, 7, 3, 0][fmt]!;
    if (avail < n + size) return 0;
    let st = this.#streams.get(csid);
    if (!st) {
      st = {
        timestamp: 0,
        delta: 0,
        length: 0,
        type: 0,
        extended: false,
        remaining: 0,
        body: undefined,
        filled: 0,
      };
      this.#streams.set(csid, st);
    }
    const h = pos + n;
    const field = fmt < 3 ? data.readUIntBE(h, 3) : 0;
    const extended = fmt < 3 ? field === 0xffffff : st.extended;
    const total = n + size + (extended ? 4 : 0);
    if (avail < total) return 0;
    const value = extended ? data.readUInt32BE(pos + n + size) : field;
    st.extended = extended;
    const starts = st.remaining === 0;
    if (fmt === 0) {
      st.timestamp = value;
      st.delta = 0;
    } else if (fmt < 3) {
      st.delta = value;
      if (starts) st.timestamp = (st.timestamp + value) % 2 ** 32;
    } else if (starts) {
      st.timestamp = (st.timestamp + st.delta) % 2 ** 32;
    }
    if (fmt <= 1) {
      st.length = data.readUIntBE(h + 3, 3);
      st.type = data[h + 6]!;
    }
    if (starts) {
      st.remaining = st.length;
      st.filled = 0;
      st.body =
        MEDIA_TYPES.has(st.type) || st.length > MAX_CAPTURE ? undefined : Buffer.allocUnsafe(st.length);
    }
    this.#current = st;
    return total;
  }

  #complete(st: InStream): void {
    if (st.type === 8 || st.type === 9) {
      this.handlers.media?.(st.type, st.timestamp, st.length);
      return;
    }
    const body = st.body;
    st.body = undefined;
    if (!body) return;
    switch (st.type) {
      case 1: // Set Chunk Size (§5.4.1)
        if (body.length >= 4) this.#chunkSize = body.readUInt32BE(0) & 0x7fffffff;
        break;
      case 5: // Window Acknowledgement Size (§5.4.4)
        if (body.length >= 4) this.#window = body.readUInt32BE(0);
        break;
      case 4: // User Control: PingRequest (6) → PingResponse (7) with the same timestamp
        if (body.length >= 6 && body.readUInt16BE(0) === 6) {
          const pong = Buffer.from(body.subarray(0, 6));
          pong.writeUInt16BE(7, 0);
          this.#send(4, 2, 0, pong);
        }
        break;
      case 20:
        this.#onCommand(amf0.decode(body));
        break;
    }
  }

  #onCommand(values: AmfValue[]): void {
    const [name, txn] = values;
    if (name === '_error') {
      this.#finish(new Error(`server refused (${this.#state})`));
      return;
    }
    if (this.#state === 'connect' && name === '_result' && txn === 1) {
      this.handlers.connected?.(performance.now() - this.#t0);
      if (this.target.stream === undefined) {
        this.#state = 'open';
        return;
      }
      this.#state = 'createStream';
      this.#command(0, 'createStream', 2, null);
    } else if (this.#state === 'createStream' && name === '_result' && txn === 2) {
      const streamId = Number(values[3]);
      this.#state = 'play';
      const setBuffer = Buffer.alloc(10); // event 3: stream id, buffer length 1000 ms
      setBuffer.writeUInt16BE(3, 0);
      setBuffer.writeUInt32BE(streamId, 2);
      setBuffer.writeUInt32BE(1000, 6);
      this.#send(4, 2, 0, setBuffer);
      this.#command(streamId, 'play', 0, null, this.target.stream, -1000);
    } else if (this.#state === 'play' && name === 'onStatus') {
      const info = values[3] as Record<string, AmfValue> | undefined;
      if (info?.code === 'NetStream.Play.Start') {
        this.#state = 'open';
        this.handlers.playing?.();
      }
    }
  }
}
