/**
 * In-process workloads, each a pair measured on the same bytes: rtmpkit's code path
 * and its floor (`peer`). The floor of a byte-moving path is a plain memcpy
 * (Buffer#copy) of the same bytes in the same 64 KiB pieces into a hot destination —
 * an optimistic floor; the floor of the AMF codec is V8's own JSON.parse/stringify of
 * the same value.
 *
 * Synthetic media, seeded so every run measures the same bytes: 30 s (quick 6 s) of
 * AAC-like audio (≈200 B every 20 ms, csid 4) interleaved with 30 fps H.264-like video
 * (keyframes ≈60 KB every 2 s, inter frames 2–20 KB, csid 6).
 */

import { RC4 } from '../src/crypto/rc4.js';
import {
  AMFObject,
  type AmfValue,
  amf0,
  ChunkReader,
  ChunkWriter,
  FlvDemuxer,
  FlvMuxer,
  type RawMessage,
} from '../src/index.js';
import { Mp4TagWriter } from '../src/mp4/flv-tags.js';
import { readMp4 } from '../src/mp4/reader.js';
import { allocPayload, recyclePayloads } from '../src/util/payload-pool.js';
import { rng } from '../test/fuzz/engine.js';
import { avc1, mp4a, progressive, type TrackSpec } from '../test/helpers/mp4-builder.js';

/** One side of a pair: processes `bytes` bytes per call. */
export interface MicroCase {
  label: string;
  bytes: number;
  fn: () => void;
}

/** This process's user+system CPU time, ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * MB per CPU second of `c.fn` over about `budgetMs` of CPU time, after as long a
 * warm-up (the JIT settles). CPU time, not wall time: on a shared machine the time this
 * process waits for a core would otherwise count as the code's.
 */
export function measure(c: MicroCase, budgetMs: number): number {
  const warm = cpuMs() + budgetMs;
  while (cpuMs() < warm) c.fn();
  let ops = 0;
  const start = cpuMs();
  const end = start + budgetMs;
  let now = start;
  while (now < end) {
    c.fn();
    ops++;
    now = cpuMs();
  }
  return (ops * c.bytes) / ((now - start) / 1000) / 1e6;
}

/** How the table shows a pair. */
export interface MicroPairInfo {
  id: string;
  scenario: string;
  /** The floor's name in the peer column. */
  peer: string;
  /** The goal on ours ÷ peer, if it sets one. */
  goalAtLeast?: number;
}

/** The pairs, in table order. */
export const MICRO_PAIRS: readonly MicroPairInfo[] = [
  { id: 'chunk-demux', scenario: 'chunk demux 4 KiB chunks (ChunkReader)', peer: 'memcpy', goalAtLeast: 0.5 },
  { id: 'copy-4k', scenario: 'floor: memcpy in 4 KiB pieces (no parsing)', peer: 'memcpy' },
  {
    id: 'copy-4k-views',
    scenario: 'floor: a view per message over one buffer, 4 KiB copies',
    peer: 'memcpy',
  },
  {
    id: 'copy-4k-payloads',
    scenario: 'floor: payloads allocated as the reader does, 4 KiB copies',
    peer: 'memcpy',
  },
  { id: 'chunk-mux', scenario: 'chunk mux 4 KiB chunks (ChunkWriter)', peer: 'memcpy' },
  { id: 'flv-demux', scenario: 'FLV demux (FlvDemuxer)', peer: 'memcpy' },
  { id: 'flv-mux', scenario: 'FLV mux (FlvMuxer.writeTag)', peer: 'memcpy' },
  { id: 'rc4', scenario: 'RC4 in place, 256 KiB reads (RTMPE)', peer: 'memcpy' },
  { id: 'mp4-read', scenario: 'MP4 read + E-RTMP tags (readMp4, Mp4TagWriter)', peer: 'memcpy' },
  { id: 'amf0-decode', scenario: 'AMF0 decode 50 KB object', peer: 'JSON.parse' },
  { id: 'amf0-encode', scenario: 'AMF0 encode 50 KB object', peer: 'JSON.stringify' },
  // Last: its first recyclePayloads turns the payload pool to recycling for the process,
  // which would change how the cases after it allocate (the FLV demuxer's payloads).
  {
    id: 'chunk-demux-recycled',
    scenario: 'chunk demux 4 KiB chunks, payloads given back (as rtmpkit dump does)',
    peer: 'memcpy',
  },
];

function fill(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** The synthetic recording as RTMP messages, in timestamp order. */
function recording(seconds: number): RawMessage[] {
  const next = rng(0xc0ffee);
  const events: RawMessage[] = [];
  for (let t = 0; t < seconds * 1000; t += 20) {
    const p = fill(180 + (next() % 41), t);
    p[0] = 0xaf;
    p[1] = 1;
    events.push({ type: 8, streamId: 1, timestamp: t, csid: 4, payload: p });
  }
  for (let f = 0; f < seconds * 30; f++) {
    const key = f % 60 === 0;
    const p = fill(key ? 55_000 + (next() % 10_000) : 2_000 + (next() % 18_000), f);
    p.set([key ? 0x17 : 0x27, 1, 0, 0, 0x21], 0);
    events.push({ type: 9, streamId: 1, timestamp: Math.round((f * 1000) / 30), csid: 6, payload: p });
  }
  return events.sort((a, b) => a.timestamp - b.timestamp || a.csid - b.csid);
}

function pieces(stream: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < stream.length; at += size) out.push(stream.subarray(at, at + size));
  return out;
}

function memcpy(stream: Buffer): MicroCase {
  const p64 = pieces(stream, 64 * 1024);
  const dst = Buffer.allocUnsafe(stream.length);
  return {
    label: 'memcpy',
    bytes: stream.length,
    fn() {
      let at = 0;
      for (const p of p64) {
        p.copy(dst, at);
        at += p.length;
      }
    },
  };
}

/**
 * The least that reassembling 4 KiB chunks costs in Node: the same bytes copied 4 KiB at
 * a time, as the chunk reader copies them (`set` of a `subarray` per chunk), into the
 * same hot destination as memcpy — no header parsing, no allocation. What it loses to
 * memcpy's 64 KiB pieces is the fixed cost per copy call.
 */
function copy4k(stream: Buffer): MicroCase {
  const src = new Uint8Array(stream.buffer, stream.byteOffset, stream.length);
  const dst = new Uint8Array(stream.length);
  return {
    label: 'memcpy in 4 KiB pieces',
    bytes: stream.length,
    fn() {
      for (let p = 0; p < src.length; p += 4096) dst.set(src.subarray(p, Math.min(p + 4096, src.length)), p);
    },
  };
}

/**
 * The 4 KiB copies of `copy4k` into one hot destination, plus what handing out a payload
 * costs when its memory is not fresh: one Buffer view per message over the destination.
 */
function copy4kViews(msgs: readonly RawMessage[], bytes: number): MicroCase {
  const payloads = msgs.map((m) => new Uint8Array(m.payload.buffer, m.payload.byteOffset, m.payload.length));
  const total = payloads.reduce((n, p) => n + p.length, 0);
  const dst = Buffer.allocUnsafe(total);
  return {
    label: 'a view per message over one destination, 4 KiB copies',
    bytes,
    fn() {
      let base = 0;
      for (const p of payloads) {
        const view = dst.subarray(base, base + p.length);
        for (let at = 0; at < p.length; at += 4096)
          view.set(p.subarray(at, Math.min(at + 4096, p.length)), at);
        base += p.length;
      }
    },
  };
}

/**
 * The chunk reader without the chunk stream: each message's payload allocated as the
 * reader allocates it (`allocPayload`: Node's pool below 4 KiB, shared 512 KiB slabs for
 * 4–64 KiB, an ArrayBuffer of its own above — memory a consumer may keep) and filled
 * 4 KiB at a time; no headers, no state machine. What remains between it and the reader
 * is the parsing. Counted over the same chunked stream's length, so their MB/s compare.
 */
function copy4kPayloads(msgs: readonly RawMessage[], bytes: number): MicroCase {
  const payloads = msgs.map((m) => new Uint8Array(m.payload.buffer, m.payload.byteOffset, m.payload.length));
  return {
    label: "fresh payloads (the reader's allocation), 4 KiB copies",
    bytes,
    fn() {
      for (const p of payloads) {
        const dst = allocPayload(p.length, false);
        for (let at = 0; at < p.length; at += 4096)
          dst.set(p.subarray(at, Math.min(at + 4096, p.length)), at);
      }
    },
  };
}

/** The synthetic recording as a progressive MP4 (one H.264-like and one AAC-like track). */
function recordingMp4(msgs: readonly RawMessage[]): Buffer {
  const video = msgs.filter((m) => m.type === 9);
  const audio = msgs.filter((m) => m.type === 8);
  const tracks: TrackSpec[] = [
    {
      id: 1,
      handler: 'vide',
      timescale: 90000,
      entry: avc1(Buffer.from('014d401effe1001a674d401eec', 'hex'), 1280, 720),
      samples: video.map((m) => ({
        data: m.payload.subarray(5),
        duration: 3000,
        sync: m.payload[0] === 0x17,
      })),
    },
    {
      id: 2,
      handler: 'soun',
      timescale: 48000,
      entry: mp4a(Buffer.from('1190', 'hex')),
      samples: audio.map((m) => ({ data: m.payload.subarray(2), duration: 960 })),
    },
  ];
  return progressive(tracks, { chunk: 30 });
}

/** A ~50 KB nested object: a catalogue of items with strings, numbers, booleans and arrays. */
function catalogue(): AmfValue {
  const items: AmfValue[] = [];
  for (let i = 0; i < 400; i++) {
    items.push(
      new AMFObject({
        id: i,
        title: `Item number ${i} of the catalogue`,
        price: i * 1.25,
        available: i % 3 !== 0,
        tags: ['alpha', 'beta', `t${i % 7}`],
        dims: new AMFObject({ w: i % 640, h: i % 480, depth: i / 7 }),
      }),
    );
  }
  return new AMFObject({ version: 3, catalogue: items, count: items.length });
}

/** The workloads of every pair by id, built once per child process. */
export function microCases(quick: boolean): Map<string, { ours: MicroCase; peer: MicroCase }> {
  const msgs = recording(quick ? 6 : 30);
  const chunked = Buffer.concat(new ChunkWriter({ chunkSize: 4096 }).writeMany(msgs));
  const chunks64 = pieces(chunked, 64 * 1024);
  const check = new ChunkReader({ chunkSize: 4096 });
  let count = 0;
  for (const p of chunks64) count += check.push(p).length;
  if (count !== msgs.length) throw new Error(`ChunkReader returned ${count} of ${msgs.length} messages`);

  const mux = new FlvMuxer();
  const flv = Buffer.concat([
    mux.header({ audio: true, video: true }),
    ...msgs.flatMap((m) => mux.writeTag(m)),
  ]);
  const flv64 = pieces(flv, 64 * 1024);

  // Both AMF sides count the AMF bytes, so their MB/s compare values per second.
  const value = catalogue();
  const amf = amf0.encode(value);
  const json = JSON.stringify(value);

  const chunkReader = () => {
    const r = new ChunkReader({ chunkSize: 4096 });
    for (const p of chunks64) r.push(p);
  };
  // The reader of `rtmpkit dump`: media payloads with FLV frame room, each given back once
  // used (`recyclePayloads`), so the next messages reuse their memory.
  const recycledReader = () => {
    const r = new ChunkReader({ chunkSize: 4096, frameRoom: true });
    for (const p of chunks64) recyclePayloads(r.push(p).map((m) => m.payload));
  };
  const chunkWriter = () => {
    const w = new ChunkWriter({ chunkSize: 4096 });
    for (const m of msgs) w.write(m);
  };
  const flvDemuxer = () => {
    const d = new FlvDemuxer();
    for (const p of flv64) d.push(p);
    d.end();
  };
  const flvMuxer = () => {
    const m = new FlvMuxer();
    for (const t of msgs) m.writeTag(t);
  };
  const mp4 = recordingMp4(msgs);
  const mp4Reader = () => {
    const m = readMp4(mp4);
    const w = new Mp4TagWriter(m);
    for (const s of m.samples()) w.sample(s);
  };
  const rc4 = new RC4(Buffer.alloc(16, 1));
  const rc4Reads = pieces(Buffer.from(chunked), 256 * 1024);
  const rc4Pass = () => {
    for (const p of rc4Reads) rc4.update(p);
  };
  const on = (label: string, bytes: number, fn: () => void): MicroCase => ({ label, bytes, fn });
  return new Map([
    ['chunk-demux', { ours: on('ChunkReader', chunked.length, chunkReader), peer: memcpy(chunked) }],
    ['copy-4k', { ours: copy4k(chunked), peer: memcpy(chunked) }],
    ['copy-4k-views', { ours: copy4kViews(msgs, chunked.length), peer: memcpy(chunked) }],
    ['copy-4k-payloads', { ours: copy4kPayloads(msgs, chunked.length), peer: memcpy(chunked) }],
    [
      'chunk-demux-recycled',
      { ours: on('ChunkReader, recycled', chunked.length, recycledReader), peer: memcpy(chunked) },
    ],
    ['chunk-mux', { ours: on('ChunkWriter', chunked.length, chunkWriter), peer: memcpy(chunked) }],
    ['flv-demux', { ours: on('FlvDemuxer', flv.length, flvDemuxer), peer: memcpy(flv) }],
    ['flv-mux', { ours: on('FlvMuxer', flv.length, flvMuxer), peer: memcpy(flv) }],
    ['rc4', { ours: on('RC4', chunked.length, rc4Pass), peer: memcpy(chunked) }],
    ['mp4-read', { ours: on('readMp4', mp4.length, mp4Reader), peer: memcpy(mp4) }],
    [
      'amf0-decode',
      {
        ours: on('amf0.decode', amf.length, () => amf0.decode(amf)),
        peer: on('JSON.parse', amf.length, () => JSON.parse(json)),
      },
    ],
    [
      'amf0-encode',
      {
        ours: on('amf0.encode', amf.length, () => amf0.encode(value)),
        peer: on('JSON.stringify', amf.length, () => JSON.stringify(value)),
      },
    ],
  ]);
}
