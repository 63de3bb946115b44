/**
 * The RTMP floor: `node floor-rtmp.js rtmp://HOST:PORT/APP/STREAM OUT` downloads a
 * recorded stream into the FLV file OUT as `rtmpdump -q -r URL -o OUT` does, with no
 * library — the least a Node process spends on the protocol itself, start-up included
 * (measured whole by GNU time, like `rtmpkit dump` and rtmpdump). The dump rows compare
 * its output with theirs, so it counts only when it did the same job.
 *
 * What it does, and nothing more:
 * - the plain handshake (RTMP-SPEC §5.2: C0 version 3, C1 with a zero version field, so
 *   the server answers without digests; C2 echoes S1);
 * - connect and createStream sent at once, then — given createStream's `_result` —
 *   play(STREAM, 0) and SetBufferLength(stream, 10 h) (rtmpdump's buffer, so the server
 *   sends as fast as the socket takes it), as fixed AMF0 bytes; one Acknowledgement per
 *   half window received (§5.4.3);
 * - the chunk stream (§5.3): basic and message headers of formats 0–3, extended
 *   timestamps, Set Chunk Size, the reads into one reused 256 KiB buffer (`onread`);
 * - FLV out (FLV-10.1 E.2–E.4), as librtmp's `RTMP_Read` writes it: the 13-byte header
 *   with both audio and video flagged (the bench's files have both; the comparison
 *   catches any other), then a tag per audio message over 1 byte, video message over 5
 *   bytes and data message starting with the string `onMetaData`;
 * - no copy of media: an audio or video tag is its header, then its chunks' data as views
 *   of the read buffer, then its PreviousTagSize, and everything one read produced goes
 *   out in one `writevSync` before the buffer is read into again (other messages are
 *   collected into a Buffer of their length, as librtmp collects every message);
 * - the end at the server's NetStream.Play.Stop or NetStream.Play.Complete (exit 0);
 *   a connection that closes before it, or 10 s without a byte, exits 2.
 * Not handled, as the bench's server never sends them: aggregates, AMF3 messages,
 * abort messages, chunk stream ids above 319.
 */
import { closeSync, openSync, writevSync } from 'node:fs';
import { connect } from 'node:net';

const [url, out] = process.argv.slice(2);
const parts = /^rtmp:\/\/([^/:]+):(\d+)\/([^/]+)\/(.+)$/.exec(url ?? '');
if (!parts || !out) {
  process.stderr.write('usage: floor-rtmp.js rtmp://HOST:PORT/APP/STREAM OUT\n');
  process.exit(1);
}
const [, host, port, app, stream] = parts as unknown as [string, string, string, string, string];

// ---- AMF0 (AMF0-SPEC §2) and outgoing chunks (128-byte chunks, the default) ----
const amfString = (s: string): Buffer => {
  const b = Buffer.alloc(3 + Buffer.byteLength(s));
  b[0] = 0x02;
  b.writeUInt16BE(b.length - 3, 1);
  b.write(s, 3);
  return b;
};
const amfNumber = (n: number): Buffer => {
  const b = Buffer.alloc(9);
  b.writeDoubleBE(n, 1);
  return b;
};
const amfNull = Buffer.from([0x05]);
const amfObject = (o: Record<string, string>): Buffer =>
  Buffer.concat([
    Buffer.from([0x03]),
    ...Object.entries(o).flatMap(([k, v]) => [amfString(k).subarray(1), amfString(v)]),
    Buffer.from([0, 0, 0x09]),
  ]);
const message = (csid: number, type: number, streamId: number, payload: Buffer): Buffer => {
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
const requests = Buffer.concat([
  message(
    3,
    20,
    0,
    Buffer.concat([
      amfString('connect'),
      amfNumber(1),
      amfObject({ app, tcUrl: `rtmp://${host}:${port}/${app}` }),
    ]),
  ),
  message(3, 20, 0, Buffer.concat([amfString('createStream'), amfNumber(2), amfNull])),
]);
/** play and SetBufferLength on the stream createStream gave. */
const play = (id: number): Buffer => {
  const setBufferLength = Buffer.alloc(10);
  setBufferLength.writeUInt16BE(3, 0);
  setBufferLength.writeUInt32BE(id, 2);
  setBufferLength.writeUInt32BE(36_000_000, 6);
  return Buffer.concat([
    message(
      8,
      20,
      id,
      Buffer.concat([amfString('play'), amfNumber(0), amfNull, amfString(stream), amfNumber(0)]),
    ),
    message(2, 4, 0, setBufferLength),
  ]);
};
/** createStream's answer: `_result`, transaction 2, null, then the stream id (an AMF0 number). */
const CREATED = Buffer.concat([amfString('_result'), amfNumber(2), amfNull, Buffer.from([0])]);

// ---- FLV out ----
const fd = openSync(out, 'w');
const pending: Buffer[] = [Buffer.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0])];
const ON_METADATA = amfString('onMetaData');
const flush = (): void => {
  if (pending.length === 0) return;
  let want = 0;
  for (const b of pending) want += b.length;
  if (writevSync(fd, pending) !== want) throw new Error('short write');
  pending.length = 0;
};
/** An FLV tag header (stream id 0) for a body of `size` bytes. */
const tagHeader = (type: number, ts: number, size: number): Buffer => {
  const head = Buffer.allocUnsafe(11);
  head[0] = type;
  head.writeUIntBE(size, 1, 3);
  head.writeUIntBE(ts & 0xffffff, 4, 3);
  head[7] = (ts >>> 24) & 0xff;
  head.writeUIntBE(0, 8, 3);
  return head;
};
const tag = (type: number, ts: number, payload: Buffer): void => {
  const back = Buffer.allocUnsafe(4);
  back.writeUInt32BE(payload.length + 11, 0);
  pending.push(tagHeader(type, ts, payload.length), payload, back);
};

// ---- the chunk stream ----
/** One chunk stream's state: its last header and the message being collected. */
interface ChunkStream {
  ts: number;
  delta: number;
  length: number;
  type: number;
  extended: boolean;
  /** The message being collected (no body: an audio or video message written as it comes). */
  body: Buffer | undefined;
  /** A message is being read (its bytes so far: `filled`). */
  open: boolean;
  filled: number;
}
const streams: (ChunkStream | undefined)[] = [];
let chunkSize = 128;
let window = 2_500_000;
let received = 0;
let acked = 0;
let done = false;
/** The chunk whose data is being read: its stream and the data bytes still to come. */
let current: ChunkStream | undefined;
let chunkLeft = 0;
/** A chunk header cut by the end of a read: its first bytes, completed from the next read. */
const carry = Buffer.alloc(18 + 18);
let carried = 0;

const complete = (cs: ChunkStream): void => {
  cs.open = false;
  const body = cs.body;
  const t = cs.type;
  if (body === undefined) {
    const back = Buffer.allocUnsafe(4);
    back.writeUInt32BE(cs.length + 11, 0);
    pending.push(back);
    return;
  }
  cs.body = undefined;
  if (
    t === 18 &&
    body.length > ON_METADATA.length &&
    body.subarray(0, ON_METADATA.length).equals(ON_METADATA)
  ) {
    tag(18, cs.ts, body);
  } else if (t === 1) chunkSize = body.readUInt32BE(0) & 0x7fffffff;
  else if (t === 5) window = body.readUInt32BE(0);
  else if (
    t === 20 &&
    body.length === CREATED.length + 8 &&
    body.subarray(0, CREATED.length).equals(CREATED)
  ) {
    socket.write(play(body.readDoubleBE(CREATED.length)));
  } else if (
    (t === 18 || t === 20) &&
    (body.includes('NetStream.Play.Stop') || body.includes('NetStream.Play.Complete'))
  ) {
    done = true;
  }
};

/**
 * Parses the chunk header at `b[p..end)`; returns its length, or 0 when it is cut off.
 * Sets `current` and `chunkLeft`, allocating the message's body at its first chunk.
 */
const header = (b: Buffer, p: number, end: number): number => {
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
  let cs = streams[csid];
  if (cs === undefined) {
    cs = { ts: 0, delta: 0, length: 0, type: 0, extended: false, body: undefined, open: false, filled: 0 };
    streams[csid] = cs;
  }
  let field = 0;
  if (fmt < 3) {
    field = b.readUIntBE(p, 3);
    if (fmt < 2) {
      cs.length = b.readUIntBE(p + 3, 3);
      cs.type = b[p + 6]!;
    }
    cs.extended = field === 0xffffff;
  }
  p += size;
  if (cs.extended) {
    if (p + 4 > end) return 0;
    if (fmt < 3) field = b.readUInt32BE(p);
    p += 4;
  }
  if (!cs.open) {
    // A message's first chunk: format 0 sets the timestamp, 1 and 2 add their delta, and
    // 3 adds the previous one again (§5.3.1.2).
    if (fmt === 0) cs.ts = field;
    else if (fmt < 3) {
      cs.delta = field;
      cs.ts += field;
    } else cs.ts += cs.delta;
    if (fmt === 0) cs.delta = 0;
    cs.open = true;
    cs.filled = 0;
    const t = cs.type;
    if ((t === 8 && cs.length > 1) || (t === 9 && cs.length > 5))
      pending.push(tagHeader(t, cs.ts, cs.length));
    else cs.body = Buffer.allocUnsafe(cs.length);
  }
  current = cs;
  chunkLeft = Math.min(chunkSize, cs.length - cs.filled);
  return p - start;
};

/** Consumes `b[p..end)` of the chunk stream. */
const chunks = (b: Buffer, p: number, end: number): void => {
  while (p < end) {
    if (chunkLeft > 0) {
      const cs = current!;
      const take = Math.min(chunkLeft, end - p);
      if (cs.body === undefined) pending.push(b.subarray(p, p + take));
      else b.copy(cs.body, cs.filled, p, p + take);
      cs.filled += take;
      chunkLeft -= take;
      p += take;
      if (cs.filled === cs.length) complete(cs);
      continue;
    }
    const n = header(b, p, end);
    if (n === 0) {
      carried = end - p;
      b.copy(carry, 0, p, end);
      return;
    }
    p += n;
    if (current!.length === 0) complete(current!);
  }
};

// ---- the connection ----
const HANDSHAKE = 1536;
const c0c1 = Buffer.alloc(1 + HANDSHAKE);
c0c1[0] = 3;
const s0s1s2 = Buffer.alloc(1 + 2 * HANDSHAKE);
let handshook = 0;
const socket = connect({
  host,
  port: Number(port),
  onread: {
    buffer: Buffer.allocUnsafe(256 * 1024),
    callback: (n: number, buf: Uint8Array): boolean => {
      const b = buf as Buffer;
      let p = 0;
      if (handshook < s0s1s2.length) {
        p = Math.min(n, s0s1s2.length - handshook);
        b.copy(s0s1s2, handshook, 0, p);
        handshook += p;
        if (handshook < s0s1s2.length) return true;
        socket.write(Buffer.concat([s0s1s2.subarray(1, 1 + HANDSHAKE), requests]));
      }
      received += n - p;
      if (carried > 0) {
        // Complete the cut header from this read: at most 18 more bytes are needed.
        const more = Math.min(18, n - p);
        b.copy(carry, carried, p, p + more);
        const had = carried;
        carried = 0;
        const used = header(carry, 0, had + more);
        if (used === 0) {
          carried = had + more;
          return true;
        }
        p += used - had;
        if (current!.length === 0) complete(current!);
      }
      chunks(b, p, n);
      flush();
      if (received - acked >= window / 2) {
        const ack = Buffer.from([2, 0, 0, 0, 0, 0, 4, 3, 0, 0, 0, 0, 0, 0, 0, 0]);
        ack.writeUInt32BE(received >>> 0, 12);
        socket.write(ack);
        acked = received;
      }
      if (done) {
        closeSync(fd);
        socket.destroy();
      }
      return true;
    },
  },
});
socket.on('connect', () => socket.write(c0c1));
socket.setTimeout(10_000, () => {
  process.stderr.write('floor-rtmp: 10 s without a byte from the server\n');
  process.exit(2);
});
socket.on('error', (err) => {
  process.stderr.write(`floor-rtmp: ${err.message}\n`);
  process.exit(1);
});
socket.on('close', () => {
  if (!done) {
    process.stderr.write('floor-rtmp: the connection closed before the stream ended\n');
    process.exit(2);
  }
});
