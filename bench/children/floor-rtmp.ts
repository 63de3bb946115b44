/**
 * The RTMP floors, the least a Node process spends on the protocol itself with no library,
 * start-up included (measured whole by GNU time, like rtmpkit and the C peers):
 * - `node floor-rtmp.js play rtmp://HOST:PORT/APP/STREAM OUT` downloads a recorded stream
 *   into the FLV file OUT as `rtmpdump -q -r URL -o OUT` does. The dump rows compare its
 *   output with theirs, so it counts only when it did the same job.
 * - `node floor-rtmp.js iterate rtmp://HOST:PORT/APP/STREAM` plays the same way in process,
 *   as a library's user does: each piece of that FLV (the file header, then each tag with
 *   its PreviousTagSize) is one fresh Buffer handed to a `for await`, and the process
 *   prints `{ bytes, pieces, wallS, cpuS, minorFaults }` measured from before `connect()`
 *   to the end (as children/library.js does for the library).
 * - `node floor-rtmp.js publish rtmp://HOST:PORT/APP/STREAM FILE` publishes the FLV file
 *   FILE as fast as the server takes it, as `ffmpeg -i FILE -c copy -f flv URL` does, and
 *   exits 0 once the server acknowledged all of it but the last 2 MiB.
 *
 * What `play` does, and nothing more:
 * - the plain handshake (RTMP-SPEC §5.2: C0 version 3, C1 with a zero version field, so
 *   the server answers without digests; C2 echoes S1);
 * - connect and createStream sent at once, then — given createStream's `_result` —
 *   play(STREAM, 0) and SetBufferLength(stream, 10 h) (rtmpdump's buffer, so the server
 *   sends as fast as the socket takes it), as fixed AMF0 bytes; one Acknowledgement per
 *   half window received (§5.4.3);
 * - the chunk stream (§5.3, floor-chunks.js `ChunkIn`), the reads into one reused 256 KiB
 *   buffer (`onread`);
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
 * Not handled, as the bench's servers never send them: aggregates, AMF3 messages, Abort.
 *
 * What `publish` does: the same handshake and chunk reading, connect with Set Chunk Size
 * 4096 (rtmpkit's and FFmpeg's) and Window Acknowledgement Size 1 MiB (so the server
 * reports what it received, §5.4.4), createStream, publish(STREAM, 'live'); given
 * NetStream.Publish.Start, the file in 1 MiB reads (`readSync`), each read's tags as
 * messages — onMetaData behind `@setDataFrame`, as FFmpeg sends it — chunked into one
 * Buffer and written at once (one copy of the media: cheaper than a write per chunk
 * through a Writable), the next read after the socket drained.
 */
import { closeSync, openSync, readSync, writevSync } from 'node:fs';
import { connect } from 'node:net';
import {
  amfNull,
  amfNumber,
  amfObject,
  amfString,
  ChunkIn,
  chunkData,
  chunkHeader,
  type InMessage,
  message,
  OUT_CHUNK,
  u32,
} from './floor-chunks.js';
import { pieceQueue } from './piece-queue.js';

const [mode, url, path = ''] = process.argv.slice(2);
const parts = /^rtmp:\/\/([^/:]+):(\d+)\/([^/]+)\/(.+)$/.exec(url ?? '');
if (!(mode === 'iterate' || ((mode === 'play' || mode === 'publish') && path)) || !parts) {
  process.stderr.write('usage: floor-rtmp.js play URL OUT | iterate URL | publish URL FILE\n');
  process.exit(1);
}
const c0 = process.cpuUsage();
const f0 = process.resourceUsage().minorPageFault;
const t0 = performance.now();
const playing = mode !== 'publish';
const [, host, port, app, stream] = parts as unknown as [string, string, string, string, string];

/** The window we ask the server to acknowledge, when publishing. */
const ACK_WINDOW = 1 << 20;
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
  ...(mode === 'publish' ? [message(2, 1, 0, u32(OUT_CHUNK)), message(2, 5, 0, u32(ACK_WINDOW))] : []),
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
const fd = mode === 'play' ? openSync(path, 'w') : -1;
const pending: Buffer[] =
  mode === 'play' ? [Buffer.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0])] : [];
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
/** An FLV PreviousTagSize for a body of `size` bytes. */
const tagTail = (size: number): Buffer => {
  const back = Buffer.allocUnsafe(4);
  back.writeUInt32BE(size + 11, 0);
  return back;
};

// ---- iterate: one fresh Buffer per FLV piece, to a `for await` ----
const queue = pieceQueue();
let pieces = 0;
/** Hands `piece` to the `for await`. */
const handOut = (piece: Buffer): void => {
  queue.handOut(piece);
  pieces++;
};
if (mode === 'iterate') handOut(Buffer.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9, 0, 0, 0, 0]));
/** The tag being filled for the `for await`. */
let piece = Buffer.alloc(0);

// ---- the chunk stream ----
let window = 2_500_000;
let received = 0;
let acked = 0;
let done = false;
const chunks = new ChunkIn({
  // Audio and video tags librtmp writes go out as they come: to the file, header now and
  // body as views; to the `for await`, copied into the tag's own Buffer.
  stream: (m: InMessage): boolean => {
    const kept = playing && ((m.type === 8 && m.length > 1) || (m.type === 9 && m.length > 5));
    if (kept && mode === 'play') pending.push(tagHeader(m.type, m.ts, m.length));
    else if (kept) {
      piece = Buffer.allocUnsafe(11 + m.length + 4);
      tagHeader(m.type, m.ts, m.length).copy(piece, 0);
    }
    return kept;
  },
  data: (m: InMessage, view: Buffer): void => {
    if (mode === 'play') pending.push(view);
    else view.copy(piece, 11 + m.filled);
  },
  end: (m: InMessage): void => {
    if (mode === 'play') pending.push(tagTail(m.length));
    else {
      piece.writeUInt32BE(m.length + 11, 11 + m.length);
      handOut(piece);
    }
  },
  message: (m: InMessage, body: Buffer): void => {
    const t = m.type;
    if (
      playing &&
      t === 18 &&
      body.length > ON_METADATA.length &&
      body.subarray(0, ON_METADATA.length).equals(ON_METADATA)
    ) {
      const tag = [tagHeader(18, m.ts, body.length), body, tagTail(body.length)];
      if (mode === 'play') pending.push(...tag);
      else handOut(Buffer.concat(tag));
    } else if (t === 5) window = body.readUInt32BE(0);
    else if (
      t === 20 &&
      body.length === CREATED.length + 8 &&
      body.subarray(0, CREATED.length).equals(CREATED)
    ) {
      const id = body.readDoubleBE(CREATED.length);
      send(playing ? play(id) : publish(id));
    } else if (t === 20 && mode === 'publish' && body.includes('NetStream.Publish.Start')) {
      sendFile(publishedOn).catch((err: Error) => {
        process.stderr.write(`floor-rtmp: ${err.message}\n`);
        process.exit(1);
      });
    } else if (t === 3 && mode === 'publish') {
      serverAcked = body.readUInt32BE(0);
      finish();
    } else if (
      (t === 18 || t === 20) &&
      (body.includes('NetStream.Play.Stop') || body.includes('NetStream.Play.Complete'))
    ) {
      done = true;
    }
  },
});

// ---- publish ----
let publishedOn = 0;
/** Bytes written after the handshake, and the server's last Acknowledgement of them. */
let sent = 0;
let serverAcked = 0;
let fileSent = false;
/** publish(STREAM, 'live') on the stream createStream gave. */
const publish = (id: number): Buffer => {
  publishedOn = id;
  return message(
    8,
    20,
    id,
    Buffer.concat([amfString('publish'), amfNumber(0), amfNull, amfString(stream), amfString('live')]),
  );
};
const SET_DATA_FRAME = amfString('@setDataFrame');
/** Writes `b` after the handshake; false when the socket wants a drain. */
const send = (b: Buffer): boolean => {
  sent += b.length;
  return socket.write(b);
};
/** A message's chunks (§5.3.1: format 0, then format 3 every OUT_CHUNK bytes) as pieces. */
const chunked = (
  pieces: Buffer[],
  csid: number,
  type: number,
  ts: number,
  id: number,
  body: Buffer,
): void => {
  const head = chunkHeader(csid, type, ts, id, body.length);
  pieces.push(head);
  chunkData(pieces, head, body, 0);
};
/** Sends the FLV file's tags (FLV-10.1 E.3: after the 13-byte header and PreviousTagSize0). */
const sendFile = async (id: number): Promise<void> => {
  const file = openSync(path, 'r');
  const READ = 1 << 20;
  let rest = Buffer.alloc(0);
  let p = 13;
  for (;;) {
    const block = Buffer.allocUnsafe(rest.length + READ);
    rest.copy(block, 0);
    const n = readSync(file, block, rest.length, READ, null);
    if (n === 0) break;
    const end = rest.length + n;
    const pieces: Buffer[] = [];
    while (p + 11 <= end) {
      const size = block.readUIntBE(p + 1, 3);
      if (p + 11 + size + 4 > end) break;
      const type = block[p]!;
      const ts = (block.readUIntBE(p + 4, 3) | (block[p + 7]! << 24)) >>> 0;
      const body = block.subarray(p + 11, p + 11 + size);
      if (type === 8 || type === 9) chunked(pieces, type === 8 ? 4 : 6, type, ts, id, body);
      else if (type === 18) chunked(pieces, 5, 18, ts, id, Buffer.concat([SET_DATA_FRAME, body]));
      p += 11 + size + 4;
    }
    rest = block.subarray(p, end);
    p = 0;
    if (!send(Buffer.concat(pieces))) await new Promise((resolve) => socket.once('drain', resolve));
  }
  closeSync(file);
  fileSent = true;
  finish();
};
/** Done once the file is out and the server acknowledged all of it but the last 2 MiB. */
const finish = (): void => {
  if (!fileSent || serverAcked < sent - 2 * ACK_WINDOW) return;
  done = true;
  socket.end();
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
        socket.write(s0s1s2.subarray(1, 1 + HANDSHAKE));
        send(requests);
      }
      received += n - p;
      chunks.push(b, p, n);
      flush();
      if (received - acked >= window / 2) {
        const ack = Buffer.from([2, 0, 0, 0, 0, 0, 4, 3, 0, 0, 0, 0, 0, 0, 0, 0]);
        ack.writeUInt32BE(received >>> 0, 12);
        send(ack);
        acked = received;
      }
      if (done && playing) {
        if (mode === 'play') closeSync(fd);
        socket.destroy();
        queue.end();
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

if (mode === 'iterate') {
  let bytes = 0;
  for await (const p of queue.pieces()) bytes += p.length;
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const minorFaults = process.resourceUsage().minorPageFault - f0;
  process.stdout.write(
    `${JSON.stringify({ bytes, pieces, wallS, cpuS: (c.user + c.system) / 1e6, minorFaults })}\n`,
  );
}
