/**
 * FLV built byte by byte for tests: `flvTag`, and `multiChunkFlv`, a file whose messages
 * span many chunks — the test media's codec headers, then 25 fps video frames of 20–60 KB
 * (several 4 KiB chunks each) with an audio message after each. 100 frames make ~4 MB —
 * more than one 1 MiB file read, so tags straddle reads and chunk headers fall at the ends
 * of socket reads.
 */
import { FlvDemuxer } from '../../src/flv/demuxer.js';
import { makeTestFlv } from '../../src/index.js';

/** One FLV tag (FLV-10.1 E.4.1): header (stream id 0), body, PreviousTagSize. */
export function flvTag(type: number, ts: number, body: Buffer): Buffer {
  const h = Buffer.alloc(11);
  h[0] = type;
  h.writeUIntBE(body.length, 1, 3);
  h.writeUIntBE(ts & 0xffffff, 4, 3);
  h[7] = ts >>> 24;
  const prev = Buffer.alloc(4);
  prev.writeUInt32BE(body.length + 11);
  return Buffer.concat([h, body, prev]);
}

/** The FLV file's bytes (header, PreviousTagSize0, tags with their PreviousTagSize). */
export function multiChunkFlv(frames = 100): Buffer {
  const config = [...new FlvDemuxer().push(makeTestFlv(1))].filter((t) => t.timestamp === 0 && t.type !== 18);
  const parts: Buffer[] = [Buffer.from('464c5601050000000900000000', 'hex')];
  for (const t of config) parts.push(flvTag(t.type, 0, Buffer.from(t.payload)));
  for (let i = 1; i <= frames; i++) {
    const frame = Buffer.alloc(20_000 + ((i * 7919) % 40_000), i);
    frame.set([i % 25 === 0 ? 0x17 : 0x27, 1, 0, 0, 0]);
    parts.push(flvTag(9, i * 40, frame));
    parts.push(flvTag(8, i * 40 + 3, Buffer.concat([Buffer.from([0xaf, 1]), Buffer.alloc(300, i)])));
  }
  return Buffer.concat(parts);
}

/**
 * Codec headers of `multiChunkFlv`, then 24 video frames of 100 KB … 2.5 MiB, each byte its
 * frame's number: most frames straddle two or three 1 MiB file reads.
 */
export function largeFramesFlv(): Buffer {
  const head = multiChunkFlv(0);
  const parts = [head];
  for (let i = 1; i <= 24; i++) {
    const frame = Buffer.alloc(i % 6 === 0 ? 2_500_000 : 100_000 + ((i * 7919) % 300_000), i);
    frame.set([i % 6 === 1 ? 0x17 : 0x27, 1, 0, 0, 0]);
    parts.push(flvTag(9, i * 40, frame));
  }
  return Buffer.concat(parts);
}
