/**
 * In-process FLV throughput on a synthetic short.flv-like recording: 60 s of AAC-like
 * audio (≈200 B every 23 ms) interleaved with 30 fps H.264-like video (keyframes ≈60 KB
 * every 2 s, inter frames 2–20 KB) behind an onMetaData tag — about 21 MB of FLV.
 *
 * Rows: a plain memcpy (Buffer#copy) of the file in 64 KiB pieces as the floor;
 * FlvDemuxer fed 64 KiB pieces (zero-copy; zero-copy off; 1460-byte TCP-segment pieces;
 * one piece); parseMediaPayload over every tag; FlvMuxer.writeTag (the Buffer[] a
 * `writev` takes) and writeMessage on the same tags as RTMP messages (librtmp's
 * RTMP_Read layout), with and without Buffer.concat into one buffer per tag.
 * MB/s are FLV bytes per second; "vs memcpy" is against the memcpy row.
 */
import { FlvDemuxer, type FlvTag } from '../src/flv/demuxer.js';
import { parseMediaPayload } from '../src/flv/media.js';
import { FlvMuxer } from '../src/flv/muxer.js';
import { metadataTag } from '../src/flv/script.js';
import { rng } from '../test/fuzz/engine.js';
import { measure, table } from './measure.js';

interface SynthTag {
  type: number;
  timestamp: number;
  payload: Buffer;
}

function recording(seconds = 60): SynthTag[] {
  const next = rng(0xf1f1);
  const fill = (n: number, seed: number) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
    return b;
  };
  const tags: SynthTag[] = [
    {
      type: 18,
      timestamp: 0,
      payload: metadataTag({ duration: seconds, width: 640, height: 360, videocodecid: 7, audiocodecid: 10 }),
    },
    { type: 9, timestamp: 0, payload: Buffer.from('1700000000014d401effe1001a674d401eec', 'hex') },
    { type: 8, timestamp: 0, payload: Buffer.from('af001210', 'hex') },
  ];
  const events: SynthTag[] = [];
  for (let t = 0; t < seconds * 1000; t += 23) {
    const p = fill(180 + (next() % 41), t);
    p[0] = 0xaf;
    p[1] = 1;
    events.push({ type: 8, timestamp: t, payload: p });
  }
  for (let f = 0; f < seconds * 30; f++) {
    const key = f % 60 === 0;
    const p = fill(key ? 55_000 + (next() % 10_000) : 2_000 + (next() % 18_000), f);
    p.set([key ? 0x17 : 0x27, 1, 0, 0, 0x21], 0);
    events.push({ type: 9, timestamp: Math.round((f * 1000) / 30), payload: p });
  }
  events.sort((a, b) => a.timestamp - b.timestamp || a.type - b.type);
  tags.push(...events);
  return tags;
}

function pieces(stream: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < stream.length; at += size) out.push(stream.subarray(at, at + size));
  return out;
}

export default async function bench(): Promise<void> {
  const synth = recording();
  const mux = new FlvMuxer();
  const file = Buffer.concat([
    mux.header({ audio: true, video: true }),
    ...synth.flatMap((t) => mux.writeTag(t)),
  ]);
  const size = file.length;
  const p64 = pieces(file, 64 * 1024);
  const pSeg = pieces(file, 1460);
  const dst = Buffer.allocUnsafe(size);

  // Sanity: every tag comes back.
  const check = new FlvDemuxer();
  let tags: FlvTag[] = [];
  for (const p of p64) tags = tags.concat(check.push(p));
  check.end();
  if (tags.length !== synth.length)
    throw new Error(`demuxer returned ${tags.length} of ${synth.length} tags`);

  const memcpy = measure(() => {
    let at = 0;
    for (const p of p64) {
      p.copy(dst, at);
      at += p.length;
    }
  }, size);
  const demux =
    (ps: Buffer[], zeroCopy = true) =>
    () => {
      const d = new FlvDemuxer({ zeroCopy });
      for (const p of ps) d.push(p);
      d.end();
    };
  const d64 = measure(demux(p64), size);
  const d64copy = measure(demux(p64, false), size);
  const dSeg = measure(demux(pSeg), size);
  const dWhole = measure(demux([file]), size);
  const parse = measure(() => {
    for (const t of tags) if (t.type !== 18) parseMediaPayload(t.type, t.payload);
  }, size);
  const writeTag = measure(() => {
    const m = new FlvMuxer();
    for (const t of synth) m.writeTag(t);
  }, size);
  const writeMessage = measure(() => {
    const m = new FlvMuxer();
    for (const t of synth) m.push(t);
    m.end();
  }, size);
  const writeConcat = measure(() => {
    const m = new FlvMuxer();
    for (const t of synth) Buffer.concat(m.writeMessage(t));
  }, size);

  const base = memcpy.mbPerSec;
  const row = (name: string, m: { mbPerSec: number }) => [
    name,
    m.mbPerSec,
    `${(m.mbPerSec / base).toFixed(2)}x`,
    (m.mbPerSec * 1e6 * synth.length) / size / 1e6,
  ];
  console.log(
    `${synth.length} tags, ${(size / 1e6).toFixed(2)} MB of FLV (${p64.length} pieces of 64 KiB, ${pSeg.length} of 1460 B)`,
  );
  console.log(
    table(
      ['case', 'MB/s', 'vs memcpy', 'Mtag/s'],
      [
        row('memcpy (Buffer#copy, 64 KiB pieces)', memcpy),
        row('FlvDemuxer, 64 KiB pieces', d64),
        row('FlvDemuxer, 64 KiB, zeroCopy off', d64copy),
        row('FlvDemuxer, 1460 B pieces', dSeg),
        row('FlvDemuxer, whole file in one push', dWhole),
        row('parseMediaPayload, every A/V tag', parse),
        row('FlvMuxer.writeTag (Buffer[] views)', writeTag),
        row('FlvMuxer.push (RTMP_Read layout)', writeMessage),
        row('FlvMuxer.writeMessage + Buffer.concat', writeConcat),
      ],
    ),
  );
}
