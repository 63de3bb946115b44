/**
 * Chunk stream reader: bytes in, complete RawMessages out (RTMP-SPEC §5.3 chunking,
 * §5.4.1 Set Chunk Size, §5.4.2 Abort). Sans-IO: no sockets, timers or clocks. Its
 * options and the limits it holds the peer to are in reader-limits.ts; a chunk stream's
 * state and the type-3 extended-timestamp decision in in-stream.ts.
 *
 * Invariants:
 * - Total and incremental: `push` accepts any split of the byte stream and yields the
 *   same messages for every split. At most 18 bytes (one incomplete chunk header) are
 *   held back between pushes; no pushed Buffer is retained after `push` returns except
 *   as the payload view of a message it returned.
 * - Each payload byte is copied at most once for messages up to `preallocateLimit`
 *   (64 KiB), and for longer ones whose unreceived rest fits the reservation budget
 *   below: the buffer is allocated at the message's first payload byte with its exact
 *   length (util/payload-pool.ts: 4–64 KiB payloads are views of shared slabs, `pooled`;
 *   with `frameRoom`, media payloads get room for an FLV tag header and PreviousTagSize
 *   around them, so a player frames them in place). Every copy is counted there.
 *   A message that arrives whole in one pushed Buffer and in one chunk is returned as
 *   a zero-copy view of that Buffer (`zeroCopy`, default on; not for framed media), so a
 *   pushed Buffer must not be modified afterwards. Other long messages grow geometrically (×4, so ≤ ⅓
 *   extra copying; ×1.5 when the budget is exhausted): a declared length is trusted
 *   ahead of the data only as far as the budget allows.
 * - Memory ahead of data is bounded: bytes allocated but not yet filled, summed over
 *   all partial messages, stay within `maxReservedBytes` plus a proportional slack
 *   (½ of the bytes received for the message, at least 256 bytes), plus the unused
 *   tail of the one shared slab. Chunk size never drives an allocation.
 * - The reader applies Set Chunk Size (type 1) and Abort (type 2) itself, the moment
 *   their last byte arrives, to the chunks that follow; both are still returned.
 * - The only errors thrown are `RTMPProtocolError`s with `ERR_CHUNK_*` codes; after
 *   one, the reader is failed and every later `push` throws the same error.
 *
 * Peer quirks handled (RTMP-SPEC §5.3.1 leaves each of these open; the peers named need them):
 * - fmt 3 starting a new message re-applies the last delta; after a fmt 0 that delta
 *   is the fmt-0 absolute timestamp (RTMP-SPEC §5.3.1.2.4; FMLE: ts 26 then 0xC4 → 52).
 * - fmt 1/2/3 on a never-seen csid is accepted with missing fields 0 (librtmp opens
 *   ping streams with fmt 1).
 * - A fmt 0/1/2 header while a message is partial on that csid implicitly aborts it
 *   (counted in `stats.implicitAborts`); FFmpeg/SRS would fail the connection.
 * - Extended timestamps: read on fmt 0/1/2 whenever the 24-bit field is 0xFFFFFF
 *   (fmt 1/2 values are deltas, SRS PR #4356). On every type-3 chunk governed by such
 *   a header the next 4 bytes are peeked: they are the extended timestamp if they
 *   equal the governing value or the message's absolute timestamp, and payload
 *   otherwise (SRS/GStreamer heuristic for peers that omit them: rtmpdump ≤ 2.3, the
 *   OBS librtmp fork on fmt-3 message starts). Omissions are counted. With fewer than
 *   4 bytes buffered the answer is already "payload" once a byte differs from both
 *   candidates; only bytes matching a candidate's prefix wait for more input.
 * - Timestamps are 32-bit serials; `unwrappedTimestamp` follows each csid across
 *   2^32 wraps by RFC 1982 distance (first message: its own timestamp).
 */
import type { RawMessage } from '../message/raw-message.js';
import { allocPayload, countCopied } from '../util/payload-pool.js';
import { serialDiff } from '../util/serial.js';
import { MAX_CHUNK_HEADER_SIZE } from './header.js';
import { extendedTimestampBytes, InStream } from './in-stream.js';
import {
  abortedCsidOf,
  type ChunkReaderOptions,
  messageTooLarge,
  readerLimits,
  setChunkSizeOf,
  tooManyStreams,
} from './reader-limits.js';

export type { ChunkReaderOptions } from './reader-limits.js';

/** Counters a ChunkReader keeps (a snapshot). */
export interface ChunkReaderStats {
  /** Messages returned so far. */
  messages: number;
  /** Chunk headers parsed. */
  chunks: number;
  /** Partial messages discarded by an Abort Message. */
  aborts: number;
  /** Partial messages discarded because a fmt 0/1/2 header arrived on their csid. */
  implicitAborts: number;
  /** Type-3 chunks whose expected extended timestamp was absent (treated as payload). */
  omittedExtendedTimestamps: number;
  /** Chunk streams opened by the peer. */
  streams: number;
  /** Bytes currently allocated for partial messages but not yet received. */
  reservedBytes: number;
}

/** Message types a player frames as FLV tags (audio, video, AMF0 data, aggregate): they get frame room. */
const FRAMED = new Set([8, 9, 18, 22]);
/** Smallest growth step when the reservation budget is exhausted. */
const MIN_GROW = 256;
/** Copies this short are done byte by byte (subarray + set has a ~40 ns fixed cost). */
const SMALL_COPY = 16;
const EMPTY = Buffer.alloc(0);

/** Turns a byte stream from the peer into RawMessages. */
export class ChunkReader {
  #chunkSize: number;
  readonly #maxMessageSize: number;
  readonly #maxStreams: number;
  readonly #maxChunkSize: number;
  readonly #prealloc: number;
  readonly #maxReserved: number;
  readonly #zeroCopy: boolean;
  readonly #pooled: boolean;
  readonly #frameRoom: boolean;

  /** csid 2–63 by index; larger csids in `#high`. */
  readonly #low: (InStream | undefined)[] = new Array(64).fill(undefined);
  readonly #high = new Map<number, InStream>();
  #streams = 0;
  #lastCsid = -1;
  #last: InStream | null = null;

  /** Stream receiving payload, and bytes left in its current chunk. */
  #cur: InStream | null = null;
  #left = 0;
  /** Bytes of an incomplete chunk header held back from the previous push. */
  #stash: Buffer | null = null;

  #reserved = 0;
  #total = 0;
  #failed: Error | null = null;

  #messages = 0;
  #chunks = 0;
  #aborts = 0;
  #implicitAborts = 0;
  #omittedExt = 0;

  constructor(options: ChunkReaderOptions = {}) {
    const l = readerLimits(options);
    this.#maxChunkSize = l.maxChunkSize;
    this.#chunkSize = l.chunkSize;
    this.#maxMessageSize = l.maxMessageSize;
    this.#maxStreams = l.maxChunkStreams;
    this.#prealloc = l.preallocateLimit;
    this.#maxReserved = l.maxReservedBytes;
    this.#zeroCopy = l.zeroCopy;
    this.#pooled = l.pooled;
    this.#frameRoom = l.frameRoom;
  }

  /** The incoming chunk size now in force. */
  get chunkSize(): number {
    return this.#chunkSize;
  }

  /** Bytes pushed so far, modulo 2^32 (the Acknowledgement sequence number). */
  get bytesReceived(): number {
    return this.#total >>> 0;
  }

  /** Bytes pushed so far, not wrapped (exact up to 2^53). */
  get totalBytesReceived(): number {
    return this.#total;
  }

  /** The error that failed this reader, or null. */
  get error(): Error | null {
    return this.#failed;
  }

  /**
   * What is held for messages not yet complete: `bytes` of payload received for partial
   * messages plus a held-back chunk header, and whether anything is (`partial`: a header
   * or payload of an unfinished message). Computed on demand (O(chunk streams)), off the
   * hot path, for a host's slow-sender and buffered-input limits.
   */
  get held(): { partial: boolean; bytes: number } {
    let partial = this.#stash !== null;
    let bytes = this.#stash?.length ?? 0;
    const add = (s: InStream | undefined): void => {
      if (!s?.pending) return;
      partial = true;
      bytes += s.filled;
    };
    for (const s of this.#low) add(s);
    for (const s of this.#high.values()) add(s);
    return { partial, bytes };
  }

  /** A snapshot of the reader's counters. */
  get stats(): ChunkReaderStats {
    return {
      messages: this.#messages,
      chunks: this.#chunks,
      aborts: this.#aborts,
      implicitAborts: this.#implicitAborts,
      omittedExtendedTimestamps: this.#omittedExt,
      streams: this.#streams,
      reservedBytes: this.#reserved,
    };
  }

  /**
   * Feeds the next bytes of the stream and returns the messages they complete, in
   * stream order. Payloads may be views of `data` (see the module comment): do not
   * modify `data` after pushing it. On a protocol error (`RTMPProtocolError`,
   * `ERR_CHUNK_*`) the reader fails: messages completed earlier in the same call are
   * still returned (received data is never lost) and the error is left in `error`;
   * when there are none, or on any later push, the error is thrown.
   */
  push(input: Buffer | Uint8Array): RawMessage[] {
    if (this.#failed !== null) throw this.#failed;
    const data = Buffer.isBuffer(input)
      ? input
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const out: RawMessage[] = [];
    const end = data.length;
    this.#total += end;
    if (end === 0) return out;
    try {
      let pos = 0;
      while (this.#stash !== null) {
        pos = this.#resume(data, out);
        if (pos < 0) return out;
      }
      this.#run(data, pos, end, out);
    } catch (err) {
      this.#failed = err as Error;
      if (out.length === 0) throw err;
    }
    return out;
  }

  /** Runs the chunk state machine over `buf[pos, end)`; stashes an incomplete trailing header. */
  #run(buf: Buffer, pos: number, end: number, out: RawMessage[]): void {
    // A plain Uint8Array view: its subarray + set copies faster than Buffer#copy.
    const src = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    while (pos < end) {
      let left = this.#left;
      if (left === 0) {
        const c = this.#cur;
        if (c?.pending && !c.ext && src[pos] === c.continuation) {
          // Fast path: a 1-byte type-3 continuation on the stream of the previous chunk.
          const rem = c.length - c.filled;
          const cs = this.#chunkSize;
          left = Math.min(rem, cs);
          this.#left = left;
          this.#chunks++;
          pos++;
          if (pos === end) return;
        } else {
          const next = this.#header(buf, pos, end, out);
          if (next < 0) {
            const rest = Buffer.allocUnsafe(end - pos);
            buf.copy(rest, 0, pos, end);
            this.#stash = rest;
            return;
          }
          pos = next;
          continue;
        }
      }
      const s = this.#cur!;
      let n = end - pos;
      if (n > left) n = left;
      const filled = s.filled;
      const need = filled + n;
      let dst = s.buf;
      if (dst === null || dst.length < need) dst = this.#grow(s, need);
      if (n > SMALL_COPY) dst.set(src.subarray(pos, pos + n), filled);
      else for (let i = 0; i < n; i++) dst[filled + i] = src[pos + i]!;
      countCopied(n);
      pos += n;
      s.filled = need;
      this.#left = left - n;
      this.#reserved -= n;
      if (need === s.length) {
        s.buf = null;
        s.pending = false;
        s.filled = 0;
        this.#emit(s, dst, out);
      }
    }
  }

  /**
   * Completes the header begun by the stashed bytes using the start of `data`.
   * Returns the offset in `data` to continue from, or -1 if `data` was used up.
   */
  #resume(data: Buffer, out: RawMessage[]): number {
    const old = this.#stash!;
    const sl = old.length;
    const take = Math.min(data.length, MAX_CHUNK_HEADER_SIZE);
    // A fresh buffer: a zero-copy payload taken from it must never be overwritten.
    const tmp = Buffer.allocUnsafe(sl + take);
    old.copy(tmp, 0, 0, sl);
    data.copy(tmp, sl, 0, take);
    this.#stash = null;
    const r = this.#header(tmp, 0, sl + take, out);
    if (r < 0) {
      // Still incomplete: a header is at most 18 bytes, so all of `data` is in tmp.
      this.#stash = tmp;
      return -1;
    }
    if (r >= sl) return r - sl;
    // The header ended inside the stashed bytes (peeked bytes were payload): run the
    // rest of them; a header left incomplete there is stashed again, shorter.
    this.#run(tmp, r, sl, out);
    return 0;
  }

  /**
   * Parses one chunk header at `pos` and applies it. Returns the offset after it (and
   * after a payload taken as a zero-copy view), or -1 if `buf` ends inside the header;
   * then no state has changed except that the csid may now be tracked.
   */
  #header(buf: Buffer, pos: number, end: number, out: RawMessage[]): number {
    const b0 = buf[pos]!;
    let csid = b0 & 0x3f;
    let p = pos + 1;
    if (csid < 2) {
      if (csid === 0) {
        if (p >= end) return -1;
        csid = buf[p]! + 64;
        p += 1;
      } else {
        if (p + 2 > end) return -1;
        csid = buf[p]! + (buf[p + 1]! << 8) + 64;
        p += 2;
      }
    }
    const s = csid === this.#lastCsid ? this.#last! : this.#stream(csid);
    const fmt = b0 >>> 6;
    if (fmt === 3) {
      if (s.ext) {
        // Undecided (-1) until 4 bytes are here, unless the bytes already differ.
        const n = extendedTimestampBytes(s, buf, p, end);
        if (n < 0) return -1;
        if (n === 0) this.#omittedExt++;
        p += n;
      }
      this.#chunks++;
      if (s.pending) {
        const rem = s.length - s.filled;
        const cs = this.#chunkSize;
        this.#cur = s;
        this.#left = Math.min(rem, cs);
        return p;
      }
      const ts = (s.timestamp + s.delta) >>> 0;
      s.unwrapped = s.seen ? s.unwrapped + serialDiff(ts, s.timestamp) : ts;
      s.timestamp = ts;
      s.seen = true;
    } else {
      let field: number;
      let len = s.length;
      let type = s.type;
      let msid = s.streamId;
      if (fmt === 0) {
        if (p + 11 > end) return -1;
        field = (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]!;
        len = (buf[p + 3]! << 16) | (buf[p + 4]! << 8) | buf[p + 5]!;
        type = buf[p + 6]!;
        msid = (buf[p + 7]! | (buf[p + 8]! << 8) | (buf[p + 9]! << 16) | (buf[p + 10]! << 24)) >>> 0;
        p += 11;
      } else if (fmt === 1) {
        if (p + 7 > end) return -1;
        field = (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]!;
        len = (buf[p + 3]! << 16) | (buf[p + 4]! << 8) | buf[p + 5]!;
        type = buf[p + 6]!;
        p += 7;
      } else {
        if (p + 3 > end) return -1;
        field = (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]!;
        p += 3;
      }
      const ext = field === 0xffffff;
      if (ext) {
        if (p + 4 > end) return -1;
        field = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
        p += 4;
      }
      if (len > this.#maxMessageSize) throw messageTooLarge(csid, len, this.#maxMessageSize);
      if (s.pending) {
        this.#discard(s);
        this.#implicitAborts++;
      }
      this.#chunks++;
      const ts = fmt === 0 ? field : (s.timestamp + field) >>> 0;
      s.unwrapped = s.seen ? s.unwrapped + serialDiff(ts, s.timestamp) : ts;
      s.timestamp = ts;
      s.seen = true;
      s.delta = field;
      s.ext = ext;
      s.length = len;
      s.type = type;
      s.streamId = msid;
    }
    // A new message starts here.
    const len = s.length;
    if (len === 0) {
      this.#emit(s, EMPTY, out);
      return p;
    }
    const cs = this.#chunkSize;
    if (len <= cs && p + len <= end && this.#zeroCopy && !(this.#frameRoom && FRAMED.has(s.type))) {
      this.#emit(s, buf.subarray(p, p + len), out);
      return p + len;
    }
    s.pending = true;
    s.filled = 0;
    this.#cur = s;
    this.#left = Math.min(len, cs);
    return p;
  }

  /** The state of `csid`, created (within `maxChunkStreams`) on first sight. */
  #stream(csid: number): InStream {
    let s = csid < 64 ? this.#low[csid] : this.#high.get(csid);
    if (s === undefined) {
      if (this.#streams >= this.#maxStreams) throw tooManyStreams(csid, this.#maxStreams);
      s = new InStream(csid);
      if (csid < 64) this.#low[csid] = s;
      else this.#high.set(csid, s);
      this.#streams++;
    }
    this.#lastCsid = csid;
    this.#last = s;
    return s;
  }

  /**
   * Gives the partial message on `s` a buffer holding at least `need` bytes (keeping
   * the bytes already received) within the reservation budget.
   */
  #grow(s: InStream, need: number): Buffer {
    const length = s.length;
    const old = s.buf;
    const oldCap = old === null ? 0 : old.length;
    const room = this.#maxReserved - (this.#reserved - (oldCap - s.filled));
    let cap: number;
    // Exact when the unreceived rest fits the budget: a 170 KB frame then costs one
    // allocation and no re-copy (40 Mbit/s download, warm: −0.02 CPU s/GB, −11% without network).
    if (length <= this.#prealloc || length - s.filled <= room) cap = length;
    else {
      cap = need * 4;
      if (cap < this.#prealloc) cap = this.#prealloc;
      if (cap > length) cap = length;
    }
    if (cap - need > room) {
      let grow = need >>> 1;
      if (grow < room) grow = room;
      if (grow < MIN_GROW) grow = MIN_GROW;
      cap = need + grow;
      if (cap > length) cap = length;
    }
    // Only the final, exact buffer is worth frame room (and a slab view).
    const exact = cap === length;
    const next = allocPayload(cap, exact && this.#frameRoom && FRAMED.has(s.type), exact && this.#pooled);
    if (old !== null && s.filled > 0) {
      old.copy(next, 0, 0, s.filled);
      countCopied(s.filled);
    }
    this.#reserved += cap - oldCap;
    s.buf = next;
    return next;
  }

  /** Drops the partial message on `s`. */
  #discard(s: InStream): void {
    if (s.buf !== null) this.#reserved -= s.buf.length - s.filled;
    s.buf = null;
    s.pending = false;
    s.filled = 0;
    if (this.#cur === s) this.#left = 0;
  }

  /** Returns a complete message and applies Set Chunk Size / Abort. */
  #emit(s: InStream, payload: Buffer, out: RawMessage[]): void {
    // Validate and apply control messages first: an invalid one is never emitted.
    if (s.type === 1) this.#chunkSize = setChunkSizeOf(payload, this.#maxChunkSize);
    else if (s.type === 2) this.#abort(payload);
    this.#messages++;
    out.push({
      type: s.type,
      streamId: s.streamId,
      timestamp: s.timestamp,
      csid: s.csid,
      payload,
      unwrappedTimestamp: s.unwrapped,
    });
  }

  /** Abort Message (RTMP-SPEC §5.4.2): discard the partial message on the named csid. */
  #abort(payload: Buffer): void {
    const csid = abortedCsidOf(payload);
    const s = csid < 64 ? this.#low[csid] : this.#high.get(csid);
    if (s?.pending) {
      this.#discard(s);
      this.#aborts++;
    }
  }
}
