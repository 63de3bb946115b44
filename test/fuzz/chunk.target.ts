/**
 * Chunk-layer golden vectors and fuzz targets.
 *
 * `CHUNK_VECTORS` are hand-assembled byte streams (headers typed as hex, payloads a
 * deterministic pattern) with the messages they must decode to; those with `write`
 * must also be produced byte for byte by ChunkWriter. The unit tests feed them whole,
 * byte by byte and split at every offset; the fuzz targets use the small ones as seeds.
 *
 * Fuzz targets (allowed: RTMPProtocolError with an ERR_CHUNK_* code):
 * - `chunk-reader`: the input pushed whole into a default reader.
 * - `chunk-reader-split`: the input pushed whole and in pieces (sizes drawn from the
 *   input); messages, stats and error codes must agree, except `reservedBytes`: how far
 *   a buffer grows ahead of the data depends on how much arrived per push once the
 *   budget is nearly used up (a declared multi-MiB message is allocated exactly while
 *   it fits), so both must only stay within the bound: budget + ½·input + 256 per stream.
 * - `chunk-reader-limits`: tiny limits (message size, streams, reservation budget,
 *   chunk size cap, no zero-copy), and the reservation never exceeds its bound.
 */
import assert from 'node:assert/strict';
import {
  ChunkReader,
  type ChunkReaderOptions,
  type ChunkReaderStats,
  isChunkProtocolError,
} from '../../src/chunk/index.js';
import type { RawMessage } from '../../src/message/raw-message.js';
import type { FuzzTarget } from './engine.js';

// ---- vector building helpers -------------------------------------------------------------

/** Deterministic payload: byte i = (7i + seed) mod 256 (4 consecutive bytes never repeat a value). */
export function pat(n: number, seed = 0): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

/** Concatenates hex strings (whitespace ignored) and Buffers. */
export function hx(...parts: (string | Buffer)[]): Buffer {
  return Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p.replace(/\s+/g, ''), 'hex') : p)),
  );
}

const u24 = (v: number) => v.toString(16).padStart(6, '0');
const u32 = (v: number) => (v >>> 0).toString(16).padStart(8, '0');

/** A message as a vector expects it (unwrappedTimestamp defaults to timestamp). */
export interface VectorMessage {
  type: number;
  streamId: number;
  timestamp: number;
  csid: number;
  payload: Buffer;
  unwrappedTimestamp?: number;
}

/** One golden chunk stream. */
export interface ChunkVector {
  name: string;
  bytes: Buffer;
  messages: VectorMessage[];
  /** Initial chunk size of both reader and writer (default 128). */
  chunkSize?: number;
  /** ChunkWriter reproduces `bytes` from `messages` (type-1 messages via writeSetChunkSize). */
  write?: boolean;
  /** Reader counters the stream must leave. */
  stats?: Partial<ChunkReaderStats>;
  readerOptions?: ChunkReaderOptions;
}

const m = (
  csid: number,
  type: number,
  streamId: number,
  timestamp: number,
  payload: Buffer,
  unwrappedTimestamp = timestamp,
): VectorMessage => ({ type, streamId, timestamp, csid, payload, unwrappedTimestamp });

const scs = (size: number, ts = 0) => m(2, 1, 0, ts, hx(u32(size)));

// ---- the vectors ---------------------------------------------------------------------------

const V: ChunkVector[] = [];

// RTMP-SPEC §5.3.2.1 example 1: csid 3, msid 12345, type 8, 4 × 32 bytes, ts 1000..1060.
{
  const p = [pat(32, 1), pat(32, 2), pat(32, 3), pat(32, 4)];
  V.push({
    name: 'spec example 1 (fmt 0, 2, 3, 3)',
    bytes: hx('03 0003e8 000020 08 39300000', p[0]!, '83 000014', p[1]!, 'c3', p[2]!, 'c3', p[3]!),
    messages: [
      m(3, 8, 12345, 1000, p[0]!),
      m(3, 8, 12345, 1020, p[1]!),
      m(3, 8, 12345, 1040, p[2]!),
      m(3, 8, 12345, 1060, p[3]!),
    ],
    write: true,
    stats: { chunks: 4, messages: 4 },
  });
}

// RTMP-SPEC §5.3.2.2 example 2: csid 4, msid 12346, type 9, 307 bytes in 128/128/51.
{
  const p = pat(307, 5);
  V.push({
    name: 'spec example 2 (one message, continuations)',
    bytes: hx(
      '04 0003e8 000133 09 3a300000',
      p.subarray(0, 128),
      'c4',
      p.subarray(128, 256),
      'c4',
      p.subarray(256),
    ),
    messages: [m(4, 9, 12346, 1000, p)],
    write: true,
    stats: { chunks: 3 },
  });
}

// notes ET-4: fmt 0, ts 0x01000000, 300 bytes: extended timestamp repeated on both type-3 chunks.
{
  const p = pat(300, 9);
  V.push({
    name: 'ET-4 extended timestamp repeated on type-3 chunks',
    bytes: hx(
      '04 ffffff 00012c 09 01000000 01000000',
      p.subarray(0, 128),
      'c4 01000000',
      p.subarray(128, 256),
      'c4 01000000',
      p.subarray(256),
    ),
    messages: [m(4, 9, 1, 0x1000000, p)],
    write: true,
    stats: { omittedExtendedTimestamps: 0 },
  });
  V.push({
    name: 'ET-4 without the type-3 repeats (2009-spec peer)',
    bytes: hx(
      '04 ffffff 00012c 09 01000000 01000000',
      p.subarray(0, 128),
      'c4',
      p.subarray(128, 256),
      'c4',
      p.subarray(256),
    ),
    messages: [m(4, 9, 1, 0x1000000, p)],
    stats: { omittedExtendedTimestamps: 2 },
  });
}

// Basic header forms (hand-built vectors + RTMP-SPEC §5.3.1.1), literal bytes per fmt 0/1/2/3, on every
// chunk including continuations. Chunk size 4: m1 fmt 0 (+cont), m2 fmt 1, m3 fmt 2, m4 fmt 3,
// m5 fmt 1 (+cont).
const BASIC: [number, string, string, string, string][] = [
  [3, '03', '43', '83', 'c3'],
  [63, '3f', '7f', 'bf', 'ff'],
  [64, '00 00', '40 00', '80 00', 'c0 00'],
  [319, '00 ff', '40 ff', '80 ff', 'c0 ff'],
  [320, '01 00 01', '41 00 01', '81 00 01', 'c1 00 01'],
  [365, '01 2d 01', '41 2d 01', '81 2d 01', 'c1 2d 01'],
  [65599, '01 ff ff', '41 ff ff', '81 ff ff', 'c1 ff ff'],
];
function formsVector(
  csid: number,
  b0: string,
  b1: string,
  b2: string,
  b3: string,
  write: boolean,
  label: string,
): ChunkVector {
  const p1 = pat(6, csid);
  const p2 = pat(2, 1);
  const p3 = pat(2, 2);
  const p4 = pat(2, 3);
  const p5 = pat(6, 4);
  return {
    name: `basic header csid ${csid} ${label}`,
    chunkSize: 4,
    bytes: hx(
      `${b0} 000010 000006 08 01000000`,
      p1.subarray(0, 4),
      b3,
      p1.subarray(4),
      `${b1} 000010 000002 09`,
      p2,
      `${b2} 000008`,
      p3,
      b3,
      p4,
      `${b1} 000008 000006 09`,
      p5.subarray(0, 4),
      b3,
      p5.subarray(4),
    ),
    messages: [
      m(csid, 8, 1, 0x10, p1),
      m(csid, 9, 1, 0x20, p2),
      m(csid, 9, 1, 0x28, p3),
      m(csid, 9, 1, 0x30, p4),
      m(csid, 9, 1, 0x38, p5),
    ],
    write,
    stats: { chunks: 7, messages: 5 },
  };
}
for (const [csid, b0, b1, b2, b3] of BASIC)
  V.push(formsVector(csid, b0, b1, b2, b3, true, '(smallest form)'));
// Readers must accept the 3-byte form for csid 64–319, also on continuations and mixed with the 2-byte form.
V.push(formsVector(64, '01 00 00', '41 00 00', '81 00 00', 'c1 00 00', false, '(3-byte form)'));
V.push(formsVector(300, '01 ec 00', '40 ec', '81 ec 00', 'c0 ec', false, '(2- and 3-byte forms mixed)'));

// Extended timestamps around 0xFFFFFF on fmt 0/1/2/3, with and without the type-3 repeat.
// Chunk size 4 so every message has a continuation chunk; csid 5, msid 1.
for (const T of [0xfffffe, 0xffffff, 0x1000000]) {
  const ext = T >= 0xffffff;
  const f = ext ? 'ffffff' : u24(T);
  const e = ext ? u32(T) : '';
  const p = pat(6, 11);
  const p0 = pat(2, 12);
  const q = pat(6, 13);
  for (const repeat of ext ? [true, false] : [true]) {
    const r = repeat ? e : '';
    const tag = ext ? (repeat ? ' (type-3 repeat)' : ' (no type-3 repeat)') : '';
    const omitted = (n: number) => ({ omittedExtendedTimestamps: repeat ? 0 : n });
    V.push({
      name: `ext-ts fmt 0 ts ${u24(T)}${tag}`,
      chunkSize: 4,
      bytes: hx(`05 ${f} 000006 08 01000000 ${e}`, p.subarray(0, 4), `c5 ${r}`, p.subarray(4)),
      messages: [m(5, 8, 1, T, p)],
      write: repeat,
      stats: omitted(ext ? 1 : 0),
    });
    V.push({
      name: `ext-ts fmt 1 delta ${u24(T)}${tag}`,
      chunkSize: 4,
      bytes: hx(
        '05 000000 000002 08 01000000',
        p0,
        `45 ${f} 000006 09 ${e}`,
        p.subarray(0, 4),
        `c5 ${r}`,
        p.subarray(4),
      ),
      messages: [m(5, 8, 1, 0, p0), m(5, 9, 1, T, p)],
      write: repeat,
      stats: omitted(ext ? 1 : 0),
    });
    V.push({
      name: `ext-ts fmt 2 delta ${u24(T)}${tag}`,
      chunkSize: 4,
      bytes: hx(
        '05 000000 000006 08 01000000',
        q.subarray(0, 4),
        'c5',
        q.subarray(4),
        `85 ${f} ${e}`,
        p.subarray(0, 4),
        `c5 ${r}`,
        p.subarray(4),
      ),
      messages: [m(5, 8, 1, 0, q), m(5, 8, 1, T, p)],
      write: repeat,
      stats: omitted(ext ? 1 : 0),
    });
    V.push({
      name: `ext-ts fmt 3 start re-applying delta ${u24(T)}${tag}`,
      chunkSize: 4,
      bytes: hx(
        '05 000000 000006 08 01000000',
        q.subarray(0, 4),
        'c5',
        q.subarray(4),
        `85 ${f} ${e}`,
        p.subarray(0, 4),
        `c5 ${r}`,
        p.subarray(4),
        `c5 ${r}`,
        q.subarray(0, 4),
        `c5 ${r}`,
        q.subarray(4),
      ),
      messages: [m(5, 8, 1, 0, q), m(5, 8, 1, T, p), m(5, 8, 1, 2 * T, q)],
      write: repeat,
      stats: omitted(ext ? 3 : 0),
    });
  }
}

// Continuation carrying the message's absolute timestamp instead of the fmt-1 delta (accepted).
{
  const p0 = pat(2, 20);
  const p = pat(6, 21);
  V.push({
    name: 'ext-ts continuation with the absolute timestamp after a fmt-1 delta',
    chunkSize: 4,
    bytes: hx(
      '05 ffffff 000002 08 01000000 02000000',
      p0,
      '45 ffffff 000006 09 01000000',
      p.subarray(0, 4),
      'c5 03000000',
      p.subarray(4),
    ),
    messages: [m(5, 8, 1, 0x2000000, p0), m(5, 9, 1, 0x3000000, p)],
    stats: { omittedExtendedTimestamps: 0 },
  });
}

// Timestamps across 2^32: unwrappedTimestamp keeps increasing (and follows a step back).
{
  const p = [pat(2, 30), pat(2, 31), pat(2, 32), pat(2, 33)];
  V.push({
    name: 'timestamp wrap across 2^32 (fmt 0 ext, fmt 2 delta, fmt 3, fmt 0 step back)',
    bytes: hx(
      '06 ffffff 000002 09 01000000 fffffff0',
      p[0]!,
      '86 000020',
      p[1]!,
      'c6',
      p[2]!,
      '06 000020 000002 09 01000000',
      p[3]!,
    ),
    messages: [
      m(6, 9, 1, 0xfffffff0, p[0]!),
      m(6, 9, 1, 0x10, p[1]!, 0x1_0000_0010),
      m(6, 9, 1, 0x30, p[2]!, 0x1_0000_0030),
      m(6, 9, 1, 0x20, p[3]!, 0x1_0000_0020),
    ],
    write: true,
  });
  const q = [pat(2, 34), pat(2, 35)];
  V.push({
    name: 'timestamp wrap by absolute fmt 0 and by extended deltas; a huge delta steps back',
    bytes: hx(
      '06 ffffff 000002 09 01000000 fffffff0',
      p[0]!,
      '06 000010 000002 09 01000000',
      p[1]!,
      '46 ffffff 000002 08 7ffffff0',
      p[2]!,
      '86 ffffff 7ffffff0',
      p[3]!,
      '86 000020',
      q[0]!,
      '86 ffffff fffffff0',
      q[1]!,
    ),
    messages: [
      m(6, 9, 1, 0xfffffff0, p[0]!),
      m(6, 9, 1, 0x10, p[1]!, 0x1_0000_0010),
      m(6, 8, 1, 0x80000000, p[2]!, 0x1_8000_0000),
      m(6, 8, 1, 0xfffffff0, p[3]!, 0x1_ffff_fff0),
      m(6, 8, 1, 0x10, q[0]!, 0x2_0000_0010),
      m(6, 8, 1, 0x0, q[1]!, 0x2_0000_0000),
    ],
  });
}

// Chunk sizes 1 / 128 / 4096 / 65536 / 0x7FFFFFFF, the changes announced in-stream.
{
  const p3 = pat(3, 40);
  V.push({
    name: 'chunk size 1',
    chunkSize: 1,
    bytes: hx(
      '03 000000 000003 14 00000000',
      p3.subarray(0, 1),
      'c3',
      p3.subarray(1, 2),
      'c3',
      p3.subarray(2),
    ),
    messages: [m(3, 20, 0, 0, p3)],
    write: true,
  });
  const a = pat(200, 41);
  const b = pat(5000, 42);
  const c = pat(70000, 43);
  const d = pat(70000, 44);
  const e = pat(3, 45);
  V.push({
    name: 'chunk sizes 128 → 4096 → 65536 → 0x7FFFFFFF → 1 via Set Chunk Size (later ones fmt 3)',
    bytes: hx(
      '04 000000 0000c8 09 01000000',
      a.subarray(0, 128),
      'c4',
      a.subarray(128),
      '02 000000 000004 01 00000000 00001000',
      '44 000000 001388 09',
      b.subarray(0, 4096),
      'c4',
      b.subarray(4096),
      'c2 00010000',
      '44 000000 011170 09',
      c.subarray(0, 65536),
      'c4',
      c.subarray(65536),
      'c2 7fffffff',
      'c4',
      d,
      'c2 00000001',
      '44 000000 000003 09',
      e.subarray(0, 1),
      'c4',
      e.subarray(1, 2),
      'c4',
      e.subarray(2),
    ),
    messages: [
      m(4, 9, 1, 0, a),
      scs(4096),
      m(4, 9, 1, 0, b),
      scs(65536),
      m(4, 9, 1, 0, c),
      scs(0x7fffffff),
      m(4, 9, 1, 0, d),
      scs(1),
      m(4, 9, 1, 0, e),
    ],
    write: true,
  });
}

// Set Chunk Size arriving between chunks of another csid's message: the rest uses the new size.
{
  const p = pat(300, 50);
  V.push({
    name: 'Set Chunk Size 200 between chunks of csid 4',
    bytes: hx(
      '04 000000 00012c 09 01000000',
      p.subarray(0, 128),
      '02 000000 000004 01 00000000 000000c8',
      'c4',
      p.subarray(128),
    ),
    messages: [scs(200), m(4, 9, 1, 0, p)],
  });
  V.push({
    name: 'Set Chunk Size 100 between chunks of csid 4',
    bytes: hx(
      '04 000000 00012c 09 01000000',
      p.subarray(0, 128),
      '02 000000 000004 01 00000000 00000064',
      'c4',
      p.subarray(128, 228),
      'c4',
      p.subarray(228),
    ),
    messages: [scs(100), m(4, 9, 1, 0, p)],
  });
  V.push({
    name: 'Set Chunk Size with bit 31 set is masked (reserved bit)',
    bytes: hx('02 000000 000004 01 00000000 800000c8', '04 000000 0000c8 09 01000000', p.subarray(0, 200)),
    messages: [m(2, 1, 0, 0, hx('800000c8')), m(4, 9, 1, 0, p.subarray(0, 200))],
  });
}

// Abort Message mid-message, and a new header implicitly aborting.
{
  const p = pat(300, 60);
  const q = pat(3, 61);
  const r = pat(300, 62);
  V.push({
    name: 'Abort mid-message, then fmt 1',
    bytes: hx(
      '04 000000 00012c 09 01000000',
      p.subarray(0, 128),
      '02 000000 000004 02 00000000 00000004',
      '44 000014 000003 08',
      q,
    ),
    messages: [m(2, 2, 0, 0, hx('00000004')), m(4, 8, 1, 20, q)],
    stats: { aborts: 1, implicitAborts: 0 },
  });
  V.push({
    name: 'Abort mid-message, then fmt 3 starts a new message with the same header',
    bytes: hx(
      '04 000000 00012c 09 01000000',
      p.subarray(0, 128),
      '02 000000 000004 02 00000000 00000004',
      'c4',
      r.subarray(0, 128),
      'c4',
      r.subarray(128, 256),
      'c4',
      r.subarray(256),
    ),
    messages: [m(2, 2, 0, 0, hx('00000004')), m(4, 9, 1, 0, r)],
    stats: { aborts: 1 },
  });
  V.push({
    name: 'Abort of an idle or unknown csid is a no-op',
    bytes: hx(
      '03 000000 000003 14 00000000',
      q,
      '02 000000 000004 02 00000000 00000003',
      '42 000000 000004 02 0000ffff',
    ),
    messages: [m(3, 20, 0, 0, q), m(2, 2, 0, 0, hx('00000003')), m(2, 2, 0, 0, hx('0000ffff'))],
    stats: { aborts: 0 },
  });
  for (const [fmt, hdr] of [
    [0, '04 000064 000003 08 01000000'],
    [1, '44 000064 000003 08'],
    [2, '84 000064'],
  ] as const) {
    const len = fmt === 2 ? 300 : 3;
    const body = fmt === 2 ? hx(r.subarray(0, 128), 'c4', r.subarray(128, 256), 'c4', r.subarray(256)) : q;
    V.push({
      name: `implicit abort by a new fmt ${fmt} header`,
      bytes: hx('04 000000 00012c 09 01000000', p.subarray(0, 128), hdr, body),
      messages: [m(4, fmt === 2 ? 9 : 8, 1, 100, len === 3 ? q : r)],
      stats: { implicitAborts: 1, aborts: 0 },
    });
  }
}

// fmt 3 after fmt 0 re-applies the fmt-0 absolute timestamp (spec; FMLE audio 26 → 52).
{
  const p = pat(2, 70);
  V.push({
    name: 'fmt 3 after fmt 0 re-applies the absolute timestamp',
    bytes: hx('04 00001a 000002 08 01000000', p, 'c4', p, 'c4', p),
    messages: [m(4, 8, 1, 26, p), m(4, 8, 1, 52, p), m(4, 8, 1, 78, p)],
  });
}

// Lenient: fmt 1/2/3 on never-seen csids take missing fields as 0.
{
  const p = pat(2, 80);
  V.push({
    name: 'fmt 1, 2, 3 opening fresh chunk streams',
    bytes: hx('47 000010 000002 09', p, '88 000005', 'c9', '0a 000000 000000 14 00000000'),
    messages: [
      m(7, 9, 0, 16, p),
      m(8, 0, 0, 5, Buffer.alloc(0)),
      m(9, 0, 0, 0, Buffer.alloc(0)),
      m(10, 20, 0, 0, Buffer.alloc(0)),
    ],
    stats: { streams: 4 },
  });
}

// Zero-length messages (fmt 0 then fmt 3 with delta 0).
V.push({
  name: 'zero-length messages',
  bytes: hx('03 000000 000000 14 00000000', 'c3', '43 000005 000000 12'),
  messages: [
    m(3, 20, 0, 0, Buffer.alloc(0)),
    m(3, 20, 0, 0, Buffer.alloc(0)),
    m(3, 18, 0, 5, Buffer.alloc(0)),
  ],
  write: true,
});

// Interleaved csids: audio and video chunks alternate; continuation basic headers of csid ≥ 64.
{
  const v = pat(300, 90);
  const a = pat(10, 91);
  V.push({
    name: 'interleaved chunk streams (csid 6 video, csid 100 audio between its chunks)',
    bytes: hx(
      '06 000000 00012c 09 01000000',
      v.subarray(0, 128),
      '00 24 000000 00000a 08 01000000',
      a,
      'c6',
      v.subarray(128, 256),
      'c0 24',
      a,
      'c6',
      v.subarray(256),
    ),
    messages: [m(100, 8, 1, 0, a), m(100, 8, 1, 0, a), m(6, 9, 1, 0, v)],
  });
}

/** All golden chunk streams. */
export const CHUNK_VECTORS: readonly ChunkVector[] = V;

// ---- fuzz targets ---------------------------------------------------------------------------

function allowed(err: unknown): boolean {
  return isChunkProtocolError(err);
}

type Outcome = { messages: RawMessage[]; error: unknown; stats: ChunkReaderStats };

/** ChunkReader's default `maxReservedBytes`. */
const DEFAULT_BUDGET = 4 * 1024 * 1024;

function feed(input: Buffer, pieces: number[] | null, options?: ChunkReaderOptions): Outcome {
  const r = new ChunkReader(options);
  const messages: RawMessage[] = [];
  let error: unknown = null;
  try {
    if (pieces === null) messages.push(...r.push(input));
    else {
      let at = 0;
      for (const n of pieces) {
        messages.push(...r.push(input.subarray(at, at + n)));
        if (r.error !== null) break;
        at += n;
      }
    }
  } catch (err) {
    if (!allowed(err)) throw err;
    error = err;
  }
  // A failure after complete messages is reported through `error`, not thrown.
  if (error === null && r.error !== null) {
    if (!allowed(r.error)) throw r.error;
    error = r.error;
  }
  return { messages, error, stats: r.stats };
}

const codeOf = (err: unknown) => (err === null ? null : (err as { code: string }).code);

/** Piece sizes drawn from the input's own bytes (deterministic per input). */
function piecesFor(input: Buffer): number[] {
  const out: number[] = [];
  let x = 0x9e3779b9;
  for (let i = 0; i < input.length; i++) x = Math.imul(x ^ input[i]!, 0x01000193) >>> 0;
  let left = input.length;
  while (left > 0) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const n = 1 + (x % (x & 1 ? 3 : 40));
    out.push(Math.min(n, left));
    left -= n;
  }
  return out;
}

const seeds = CHUNK_VECTORS.filter((v) => v.bytes.length <= 4096).map((v) => {
  // Seeds run with the default chunk size 128; prefix a Set Chunk Size when the vector needs another.
  const size = v.chunkSize ?? 128;
  return size === 128 ? v.bytes : hx(`02 000000 000004 01 00000000 ${u32(size)}`, v.bytes);
});

const LIMITS: ChunkReaderOptions = {
  maxMessageSize: 4096,
  maxChunkStreams: 8,
  maxChunkSize: 65536,
  preallocateLimit: 64,
  maxReservedBytes: 512,
  zeroCopy: false,
};

/** Chunk-reader fuzz targets. */
export const targets: FuzzTarget[] = [
  {
    name: 'chunk-reader',
    seeds,
    maxLength: 1024,
    allowed,
    run(input) {
      const r = new ChunkReader();
      r.push(input);
      if (r.error !== null) throw r.error;
    },
  },
  {
    name: 'chunk-reader-split',
    seeds,
    maxLength: 1024,
    allowed,
    run(input) {
      const whole = feed(input, null);
      const split = feed(input, piecesFor(input));
      assert.equal(codeOf(split.error), codeOf(whole.error), 'same error for any split');
      // Every message before an error is delivered, however the input is split.
      assert.equal(split.messages.length, whole.messages.length);
      for (let i = 0; i < whole.messages.length; i++) {
        const a = whole.messages[i]!;
        const b = split.messages[i]!;
        assert.deepEqual(
          { ...b, payload: b.payload.toString('hex') },
          { ...a, payload: a.payload.toString('hex') },
        );
      }
      if (whole.error === null) {
        const bound = DEFAULT_BUDGET + input.length / 2 + 256 * whole.stats.streams;
        for (const o of [whole, split])
          assert.ok(o.stats.reservedBytes <= bound, `reserved ${o.stats.reservedBytes} > ${bound}`);
        assert.deepEqual({ ...split.stats, reservedBytes: 0 }, { ...whole.stats, reservedBytes: 0 });
        return;
      }
      throw whole.error;
    },
  },
  {
    name: 'chunk-reader-limits',
    seeds,
    maxLength: 2048,
    allowed,
    run(input) {
      const r = new ChunkReader(LIMITS);
      const pieces = piecesFor(input);
      let at = 0;
      for (const n of pieces) {
        r.push(input.subarray(at, at + n));
        at += n;
        // Reservation bound: budget + ½·received + 256 per partial message (≤ 8 streams).
        assert.ok(
          r.stats.reservedBytes <= 512 + input.length / 2 + 256 * 8,
          `reserved ${r.stats.reservedBytes}`,
        );
      }
    },
  },
];
