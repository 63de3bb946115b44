/**
 * In-process chunk-layer throughput on a synthetic recorded stream: 30 s of AAC-like
 * audio (≈200 B every 20 ms, csid 4) interleaved with 30 fps video (keyframes ≈60 KB
 * every 2 s, inter frames 2–20 KB, csid 6), chunked by ChunkWriter at 128 and 4096.
 *
 * Rows: ChunkReader demux fed in 64 KiB pieces (and in 1460-byte, TCP-segment-sized
 * pieces), a plain memcpy (Buffer#copy) of the same bytes in the same pieces as the
 * floor (a hot destination, so an optimistic one), and ChunkWriter per message (views
 * only, and views + Buffer.concat into one buffer per message). Ratios are against the
 * memcpy row of the same chunk size; the machine's load makes single runs noisy.
 */
import { ChunkReader, ChunkWriter } from '../src/chunk/index.js';
import type { RawMessage } from '../src/message/raw-message.js';
import { rng } from '../test/fuzz/engine.js';
import { measure, table } from './measure.js';

/** The synthetic recording, in timestamp order. */
function recording(seconds = 30): RawMessage[] {
  const next = rng(0xc0ffee);
  const fill = (n: number, seed: number) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
    return b;
  };
  const msgs: RawMessage[] = [{ type: 18, streamId: 1, timestamp: 0, csid: 4, payload: fill(400, 1) }];
  const events: RawMessage[] = [];
  for (let t = 0; t < seconds * 1000; t += 20) {
    events.push({ type: 8, streamId: 1, timestamp: t, csid: 4, payload: fill(180 + (next() % 41), t) });
  }
  for (let f = 0; f < seconds * 30; f++) {
    const t = Math.round((f * 1000) / 30);
    const key = f % 60 === 0;
    const size = key ? 55_000 + (next() % 10_000) : 2_000 + (next() % 18_000);
    events.push({ type: 9, streamId: 1, timestamp: t, csid: 6, payload: fill(size, f) });
  }
  events.sort((a, b) => a.timestamp - b.timestamp || a.csid - b.csid);
  msgs.push(...events);
  return msgs;
}

function pieces(stream: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < stream.length; at += size) out.push(stream.subarray(at, at + size));
  return out;
}

export default async function bench(): Promise<void> {
  const msgs = recording();
  const payloadBytes = msgs.reduce((n, m) => n + m.payload.length, 0);
  const rows: (string | number)[][] = [];
  for (const chunkSize of [128, 4096]) {
    const stream = Buffer.concat(new ChunkWriter({ chunkSize }).writeMany(msgs));
    const size = stream.length;
    const p64 = pieces(stream, 64 * 1024);
    const pSeg = pieces(stream, 1460);
    const dst = Buffer.allocUnsafe(size);

    // Sanity: the reader yields every message.
    const check = new ChunkReader({ chunkSize });
    let count = 0;
    for (const p of p64) count += check.push(p).length;
    if (count !== msgs.length) throw new Error(`reader returned ${count} of ${msgs.length} messages`);

    const memcpy = measure(() => {
      let at = 0;
      for (const p of p64) {
        p.copy(dst, at);
        at += p.length;
      }
    }, size);
    const read64 = measure(() => {
      const r = new ChunkReader({ chunkSize });
      for (const p of p64) r.push(p);
    }, size);
    const readSeg = measure(() => {
      const r = new ChunkReader({ chunkSize });
      for (const p of pSeg) r.push(p);
    }, size);
    const readCopy = measure(() => {
      const r = new ChunkReader({ chunkSize, zeroCopy: false });
      for (const p of p64) r.push(p);
    }, size);
    const write = measure(() => {
      const w = new ChunkWriter({ chunkSize });
      for (const m of msgs) w.write(m);
    }, size);
    const writeConcat = measure(() => {
      const w = new ChunkWriter({ chunkSize });
      for (const m of msgs) Buffer.concat(w.write(m));
    }, size);

    const base = memcpy.mbPerSec;
    const row = (name: string, m: { mbPerSec: number }) => [
      `${chunkSize}`,
      name,
      m.mbPerSec,
      `${(m.mbPerSec / base).toFixed(2)}x`,
      (m.mbPerSec * 1e6 * msgs.length) / size / 1e6,
    ];
    rows.push(
      row('memcpy (Buffer#copy, 64 KiB pieces)', memcpy),
      row('ChunkReader, 64 KiB pieces', read64),
      row('ChunkReader, 1460 B pieces', readSeg),
      row('ChunkReader, 64 KiB, zeroCopy off', readCopy),
      row('ChunkWriter.write per message (views)', write),
      row('ChunkWriter.write + Buffer.concat each', writeConcat),
    );
    console.log(
      `chunk size ${chunkSize}: ${msgs.length} messages, ${(payloadBytes / 1e6).toFixed(2)} MB payload, ` +
        `${(size / 1e6).toFixed(2)} MB on the wire (${(((size - payloadBytes) / payloadBytes) * 100).toFixed(2)}% headers)`,
    );
  }
  console.log(table(['chunk', 'case', 'MB/s', 'vs memcpy', 'Mmsg/s'], rows));
}
