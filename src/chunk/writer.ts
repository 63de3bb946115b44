/**
 * Chunk stream writer: RawMessages in, `Buffer[]` out for `socket.writev`/`cork`
 * (RTMP-SPEC §5.3). Sans-IO: it only builds buffers.
 *
 * Invariants:
 * - Output is header buffers interleaved with views (`subarray`) of the message
 *   payload: no payload byte is copied. The returned buffers must be treated as
 *   read-only — a continuation header is one Buffer reused for every type-3 chunk
 *   of a message (and cached per csid across messages), and payload views alias the
 *   caller's payload, which must stay unchanged until written.
 * - Header compression per csid follows FFmpeg's rule, not librtmp's (librtmp's
 *   `RTMP_SendPacket` also sends fmt 3 for a repeated absolute timestamp): fmt 0 at csid start, when the msid changes or when the timestamp
 *   goes backwards (RFC 1982 order); fmt 1 when length or type changes; fmt 2 when
 *   only the delta differs; fmt 3 only when the delta equals the delta last
 *   transmitted. After a fmt 0 with a non-zero timestamp the next message never gets
 *   fmt 3: the spec re-applies the absolute timestamp there but nginx-rtmp re-applies
 *   0 (`st->dtime = 0`), so only fmt 2 means the same thing to both.
 * - Extended timestamps: when the timestamp (fmt 0) or delta (fmt 1/2/3) is ≥ 0xFFFFFF
 *   the 24-bit field is 0xFFFFFF and the 4-byte value follows, repeated on every
 *   type-3 chunk of the message (2012 spec; FFmpeg, FMS, nginx-rtmp expect it).
 * - The full basic header (1-, 2- or 3-byte form) is written on every chunk, also on
 *   continuations (FFmpeg writes `0xC0|csid` there, which breaks csid ≥ 64 — FFmpeg's rtmppkt.c).
 * - Timestamps are written modulo 2^32. A new chunk size applies from the next
 *   message; announce it with `writeSetChunkSize`, which orders the two correctly.
 */
import type { RawMessage } from '../message/raw-message.js';
import { serialDiff } from '../util/serial.js';
import { chunkUsageError } from './errors.js';
import {
  basicHeaderSize,
  CONTROL_CSID,
  DEFAULT_CHUNK_SIZE,
  MAX_CHUNK_SIZE,
  MAX_CSID,
  MAX_MESSAGE_LENGTH,
  MIN_CSID,
  writeBasicHeader,
} from './header.js';

/** Options of a ChunkWriter. */
export interface ChunkWriterOptions {
  /** Outgoing chunk size before any change (default 128, as the peer assumes). */
  chunkSize?: number;
}

/** Per-csid header state: what the peer's reader will inherit. */
class OutStream {
  readonly csid: number;
  readonly basicSize: number;
  ready = false;
  timestamp = 0;
  /** The delta a fmt-3 start would re-apply on every peer, or -1 if none is safe. */
  delta = -1;
  length = 0;
  type = 0;
  streamId = 0;
  /** Cached type-3 header (basic header + optional extended timestamp) and the value it carries. */
  cont: Buffer | null = null;
  contExt = -1;

  constructor(csid: number) {
    this.csid = csid;
    this.basicSize = basicHeaderSize(csid);
  }
}

function checkChunkSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_CHUNK_SIZE) {
    throw chunkUsageError(`chunk size must be an integer in 1..${MAX_CHUNK_SIZE}, got ${size}`);
  }
}

/** Turns RawMessages into chunked bytes for the peer. */
export class ChunkWriter {
  #chunkSize: number;
  readonly #low: (OutStream | undefined)[] = new Array(64).fill(undefined);
  readonly #high = new Map<number, OutStream>();
  #written = 0;

  constructor(options: ChunkWriterOptions = {}) {
    const size = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    checkChunkSize(size);
    this.#chunkSize = size;
  }

  /** The outgoing chunk size used for the next message. */
  get chunkSize(): number {
    return this.#chunkSize;
  }

  /**
   * Changes the outgoing chunk size from the next message on. The peer must be told
   * first (a Set Chunk Size message written with the old size): prefer `writeSetChunkSize`.
   */
  setChunkSize(size: number): void {
    checkChunkSize(size);
    this.#chunkSize = size;
  }

  /**
   * Writes a Set Chunk Size message (type 1, csid 2, msid 0) with the current chunk
   * size, then switches to `size` for the messages after it.
   */
  writeSetChunkSize(size: number, timestamp = 0): Buffer[] {
    checkChunkSize(size);
    const payload = Buffer.allocUnsafe(4);
    payload.writeUInt32BE(size, 0);
    const out = this.write({ type: 1, streamId: 0, timestamp, csid: CONTROL_CSID, payload });
    this.#chunkSize = size;
    return out;
  }

  /** Total bytes produced so far (exact up to 2^53); feed outbound ack accounting with it. */
  get bytesWritten(): number {
    return this.#written;
  }

  /** Chunks one message: headers interleaved with payload views. */
  write(msg: RawMessage): Buffer[] {
    const out: Buffer[] = [];
    this.#write(msg, out);
    return out;
  }

  /** Chunks several messages into one array (for a single `writev`). */
  writeMany(msgs: Iterable<RawMessage>): Buffer[] {
    const out: Buffer[] = [];
    for (const msg of msgs) this.#write(msg, out);
    return out;
  }

  #stream(csid: number): OutStream {
    let s = csid < 64 ? this.#low[csid] : this.#high.get(csid);
    if (s === undefined) {
      s = new OutStream(csid);
      if (csid < 64) this.#low[csid] = s;
      else this.#high.set(csid, s);
    }
    return s;
  }

  #write(msg: RawMessage, out: Buffer[]): void {
    const { csid, payload, type, streamId } = msg;
    if (!Number.isInteger(csid) || csid < MIN_CSID || csid > MAX_CSID) {
      throw chunkUsageError(`csid must be an integer in ${MIN_CSID}..${MAX_CSID}, got ${csid}`);
    }
    if (!Number.isInteger(type) || type < 0 || type > 255) {
      throw chunkUsageError(`message type must be an integer in 0..255, got ${type}`);
    }
    if (!Number.isInteger(streamId) || streamId < 0 || streamId > 0xffffffff) {
      throw chunkUsageError(`message stream id must be a UI32, got ${streamId}`);
    }
    const len = payload.length;
    if (len > MAX_MESSAGE_LENGTH) {
      throw chunkUsageError(`message payload of ${len} bytes exceeds the UI24 maximum ${MAX_MESSAGE_LENGTH}`);
    }
    const ts = msg.timestamp >>> 0;
    const s = this.#stream(csid);

    let fmt: number;
    let field: number;
    if (!s.ready || streamId !== s.streamId || serialDiff(ts, s.timestamp) < 0) {
      fmt = 0;
      field = ts;
      s.delta = ts === 0 ? 0 : -1;
    } else {
      field = (ts - s.timestamp) >>> 0;
      fmt = len !== s.length || type !== s.type ? 1 : field !== s.delta ? 2 : 3;
      s.delta = field;
    }
    s.ready = true;
    s.timestamp = ts;
    s.length = len;
    s.type = type;
    s.streamId = streamId;

    const ext = field >= 0xffffff;
    const cs = this.#chunkSize;
    let cont: Buffer | null = null;
    if (fmt === 3 || len > cs) {
      const key = ext ? field : -1;
      cont = s.cont;
      if (cont === null || s.contExt !== key) {
        cont = Buffer.allocUnsafe(s.basicSize + (ext ? 4 : 0));
        const at = writeBasicHeader(cont, 0, 3, csid);
        if (ext) cont.writeUInt32BE(field, at);
        s.cont = cont;
        s.contExt = key;
      }
    }

    let hdr: Buffer;
    if (fmt === 3) hdr = cont!;
    else {
      const mh = fmt === 0 ? 11 : fmt === 1 ? 7 : 3;
      hdr = Buffer.allocUnsafe(s.basicSize + mh + (ext ? 4 : 0));
      let p = writeBasicHeader(hdr, 0, fmt, csid);
      const f = ext ? 0xffffff : field;
      hdr[p] = f >>> 16;
      hdr[p + 1] = (f >>> 8) & 0xff;
      hdr[p + 2] = f & 0xff;
      if (fmt < 2) {
        hdr[p + 3] = len >>> 16;
        hdr[p + 4] = (len >>> 8) & 0xff;
        hdr[p + 5] = len & 0xff;
        hdr[p + 6] = type;
        if (fmt === 0) {
          hdr[p + 7] = streamId & 0xff;
          hdr[p + 8] = (streamId >>> 8) & 0xff;
          hdr[p + 9] = (streamId >>> 16) & 0xff;
          hdr[p + 10] = streamId >>> 24;
        }
      }
      p += mh;
      if (ext) hdr.writeUInt32BE(field, p);
    }

    if (len <= cs) {
      out.push(hdr);
      if (len > 0) out.push(payload);
      this.#written += hdr.length + len;
      return;
    }
    out.push(hdr, payload.subarray(0, cs));
    const c = cont!;
    let off = cs;
    let chunks = 0;
    while (off < len) {
      const e = len - off > cs ? off + cs : len;
      out.push(c, payload.subarray(off, e));
      off = e;
      chunks++;
    }
    this.#written += hdr.length + len + chunks * c.length;
  }
}
