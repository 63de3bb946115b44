/**
 * What the RTMP floors (floor-rtmp.js, floor-relay.js) share, written for them and
 * nothing else — no library code, so the floors measure Node alone:
 * - AMF0 values (AMF0-SPEC §2) and whole messages in 128-byte chunks (the default chunk
 *   size, RTMP-SPEC §5.4.1), for the few commands a floor sends;
 * - `ChunkIn`, an incoming chunk stream (§5.3: basic headers of 1–3 bytes, message headers
 *   of formats 0–3, extended timestamps, Set Chunk Size applied as it arrives) that hands
 *   a message either as views of the bytes pushed (`stream` says so at its first chunk:
 *   no copy) or collected into a Buffer of its length. At most one chunk header (≤ 18
 *   bytes) is held between pushes.
 */

/** AMF0 string marker, length, UTF-8 bytes. */
export const amfString = (s: string): Buffer => {
  const b = Buffer.alloc(3 + Buffer.byteLength(s));
  b[0] = 0x02;
  b.writeUInt16BE(b.length - 3, 1);
  b.write(s, 3);
  return b;
};
/** AMF0 number marker and IEEE double. */
export const amfNumber = (n: number): Buffer => {
  const b = Buffer.alloc(9);
  b.writeDoubleBE(n, 1);
  return b;
};
/** AMF0 null. */
export const amfNull = Buffer.from([0x05]);
/** AMF0 object of string properties. */
export const amfObject = (o: Record<string, string>): Buffer =>
  Buffer.concat([
    Buffer.from([0x03]),
    ...Object.entries(o).flatMap(([k, v]) => [amfString(k).subarray(1), amfString(v)]),
    Buffer.from([0, 0, 0x09]),
  ]);
/** A 4-byte big-endian number. */
export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
};
/** A whole message in 128-byte chunks: a format-0 header, then format-3 headers. */
export const message = (csid: number, type: number, streamId: number, payload: Buffer): Buffer => {
  const head = Buffer.alloc(12);
  head[0] = csid;
  head.writeUIntBE(payload.length, 4, 3);
  head[7] = type;
  head.writeUInt32LE(streamId, 8);
  const pieces: Buffer[] = [head];
  for (let at = 0; at < payload.length; at += 128) {
    if (at > 0) pieces.push(Buffer.from([0xc0 | csid]));
    pieces.push(payload.subarray(at, at + 128));
  }
  return Buffer.concat(pieces);
};

/** A message being received on one chunk stream: its last header's fields. */
export interface InMessage {
  ts: number;
  delta: number;
  length: number;
  type: number;
  streamId: number;
  extended: boolean;
  /** The message is collected here (undefined: handed out as views). */
  body: Buffer | undefined;
  /** A message is being read; `filled` of its bytes so far. */
  open: boolean;
  filled: number;
}

/** What a `ChunkIn` hands its owner. */
export interface ChunkHooks {
  /** At a message's first chunk: true to get its bytes as views (`data`, then `end`), false to get it whole (`message`). */
  stream(m: InMessage): boolean;
  /** Bytes of a streamed message, `m.filled` of them before these: valid until the pushed Buffer is reused. */
  data(m: InMessage, view: Buffer): void;
  /** A streamed message ended. */
  end(m: InMessage): void;
  /** A collected message (Set Chunk Size is applied before). */
  message(m: InMessage, body: Buffer): void;
}

/** An incoming chunk stream (see the module comment). */
export class ChunkIn {
  chunkSize = 128;
  readonly #hooks: ChunkHooks;
  readonly #streams: (InMessage | undefined)[] = [];
  #current: InMessage | undefined;
  #chunkLeft = 0;
  readonly #carry = Buffer.alloc(36);
  #carried = 0;

  constructor(hooks: ChunkHooks) {
    this.#hooks = hooks;
  }

  /** Consumes `b[p..end)`. */
  push(b: Buffer, p: number, end: number): void {
    if (this.#carried > 0) {
      // Complete the cut header from these bytes: at most 18 more are needed.
      const more = Math.min(18, end - p);
      b.copy(this.#carry, this.#carried, p, p + more);
      const had = this.#carried;
      this.#carried = 0;
      const used = this.#header(this.#carry, 0, had + more);
      if (used === 0) {
        this.#carried = had + more;
        return;
      }
      p += used - had;
      if (this.#current!.length === 0) this.#complete(this.#current!);
    }
    while (p < end) {
      if (this.#chunkLeft > 0) {
        const m = this.#current!;
        const take = Math.min(this.#chunkLeft, end - p);
        if (m.body === undefined) this.#hooks.data(m, b.subarray(p, p + take));
        else b.copy(m.body, m.filled, p, p + take);
        m.filled += take;
        this.#chunkLeft -= take;
        p += take;
        if (m.filled === m.length) this.#complete(m);
        continue;
      }
      const n = this.#header(b, p, end);
      if (n === 0) {
        this.#carried = end - p;
        b.copy(this.#carry, 0, p, end);
        return;
      }
      p += n;
      if (this.#current!.length === 0) this.#complete(this.#current!);
    }
  }

  #complete(m: InMessage): void {
    m.open = false;
    const body = m.body;
    if (body === undefined) {
      this.#hooks.end(m);
      return;
    }
    m.body = undefined;
    if (m.type === 1) this.chunkSize = body.readUInt32BE(0) & 0x7fffffff;
    this.#hooks.message(m, body);
  }

  /** Parses the chunk header at `b[p..end)`: its length, or 0 when it is cut off. */
  #header(b: Buffer, p: number, end: number): number {
    const start = p;
    if (p >= end) return 0;
    const fmt = b[p]! >> 6;
    let csid = b[p]! & 0x3f;
    p++;
    if (csid === 0) {
      if (p + 1 > end) return 0;
      csid = 64 + b[p++]!;
    } else if (csid === 1) {
      if (p + 2 > end) return 0;
      csid = 64 + b[p]! + 256 * b[p + 1]!;
      p += 2;
    }
    const size = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
    if (p + size > end) return 0;
    let m = this.#streams[csid];
    if (m === undefined) {
      m = {
        ts: 0,
        delta: 0,
        length: 0,
        type: 0,
        streamId: 0,
        extended: false,
        body: undefined,
        open: false,
        filled: 0,
      };
      this.#streams[csid] = m;
    }
    let field = 0;
    if (fmt < 3) {
      field = b.readUIntBE(p, 3);
      if (fmt < 2) {
        m.length = b.readUIntBE(p + 3, 3);
        m.type = b[p + 6]!;
        if (fmt === 0) m.streamId = b.readUInt32LE(p + 7);
      }
      m.extended = field === 0xffffff;
    }
    p += size;
    if (m.extended) {
      if (p + 4 > end) return 0;
      if (fmt < 3) field = b.readUInt32BE(p);
      p += 4;
    }
    if (!m.open) {
      // A message's first chunk: format 0 sets the timestamp, 1 and 2 add their delta, and
      // 3 adds the previous one again (§5.3.1.2).
      if (fmt === 0) m.ts = field;
      else if (fmt < 3) {
        m.delta = field;
        m.ts += field;
      } else m.ts += m.delta;
      if (fmt === 0) m.delta = 0;
      m.open = true;
      m.filled = 0;
      m.body = this.#hooks.stream(m) ? undefined : Buffer.allocUnsafe(m.length);
    }
    this.#current = m;
    this.#chunkLeft = Math.min(this.chunkSize, m.length - m.filled);
    return p - start;
  }
}

/** The chunk size the floors send media in (rtmpkit's, FFmpeg's and nginx-rtmp's). */
export const OUT_CHUNK = 4096;
const CONTINUE = Array.from({ length: 64 }, (_, csid) => Buffer.from([0xc0 | csid]));

/** A message's format-0 chunk header (§5.3.1): 12 bytes, 16 with an extended timestamp. */
export const chunkHeader = (
  csid: number,
  type: number,
  ts: number,
  streamId: number,
  length: number,
): Buffer => {
  const extended = ts >= 0xffffff;
  const head = Buffer.allocUnsafe(extended ? 16 : 12);
  head[0] = csid;
  head.writeUIntBE(extended ? 0xffffff : ts, 1, 3);
  head.writeUIntBE(length, 4, 3);
  head[7] = type;
  head.writeUInt32LE(streamId, 8);
  if (extended) head.writeUInt32BE(ts >>> 0, 12);
  return head;
};

/**
 * `view` — bytes `filled`… of the body of the message `head` began — as chunk pieces in
 * `pieces`: a format-3 header (with the extended timestamp, if `head` has one) at each
 * OUT_CHUNK boundary after the first, the body as views of `view`.
 */
export const chunkData = (pieces: Buffer[], head: Buffer, view: Buffer, filled: number): void => {
  let at = 0;
  while (at < view.length) {
    const offset = filled + at;
    if (offset > 0 && offset % OUT_CHUNK === 0) {
      pieces.push(
        head.length === 16 ? Buffer.concat([CONTINUE[head[0]!]!, head.subarray(12)]) : CONTINUE[head[0]!]!,
      );
    }
    const take = Math.min(view.length - at, OUT_CHUNK - (offset % OUT_CHUNK));
    pieces.push(view.subarray(at, at + take));
    at += take;
  }
};
