/**
 * Output checks of the benchmark runs, read from disk in 1 MiB pieces (files up to
 * several GB never sit in memory):
 * - `sameBytes`: two files byte-identical (rtmpkit dump against rtmpdump, issue 9);
 * - `avDigest`: the audio/video tags of an FLV file (FLV-10.1 §E.4: type, timestamp,
 *   payload) as a count and a SHA-1 (each type in order), to check that a server delivered every tag of the
 *   source. Script tags are left out (servers rewrite onMetaData), and so are video
 *   payloads of ≤ 5 bytes and audio of ≤ 1 byte, which librtmp's RTMP_Read (rtmpdump)
 *   drops ("ignoring too small packet": the AVC end-of-sequence tag);
 * - `flvPieceSizes`: the sizes of the pieces an FLV reader hands out (the floor rows).
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const PIECE = 1 << 20;

/** Whether two files have the same length and bytes. */
export function sameBytes(a: string, b: string): boolean {
  const fa = openSync(a, 'r');
  const fb = openSync(b, 'r');
  try {
    const ba = Buffer.allocUnsafe(PIECE);
    const bb = Buffer.allocUnsafe(PIECE);
    for (;;) {
      const na = readFull(fa, ba);
      const nb = readFull(fb, bb);
      if (na !== nb || !ba.subarray(0, na).equals(bb.subarray(0, nb))) return false;
      if (na === 0) return true;
    }
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}

function readFull(fd: number, buf: Buffer): number {
  let n = 0;
  while (n < buf.length) {
    const r = readSync(fd, buf, n, buf.length - n, null);
    if (r === 0) break;
    n += r;
  }
  return n;
}

/**
 * The A/V tags of an FLV file: how many, and a hash over (type, timestamp, payload) of
 * each — the video tags in order and the audio tags in order, each type on its own.
 */
export interface AvDigest {
  tags: number;
  sha1: string;
  /** Bytes after the last complete tag (a cut-off download). */
  trailing: number;
}

/** Whether two digests describe the same A/V tags (a cut-off tail aside). */
export function sameTags(a: AvDigest, b: AvDigest): boolean {
  return a.tags === b.tags && a.sha1 === b.sha1;
}

/** Whether `tag` is one librtmp's reader keeps (see the module comment). */
export function keptByLibrtmp(type: number, size: number): boolean {
  return (type === 8 && size > 1) || (type === 9 && size > 5);
}

/** Streams `path` and digests its A/V tags. Throws when the file is not FLV. */
export function avDigest(path: string): AvDigest {
  const fd = openSync(path, 'r');
  try {
    // One hash per type: a relay may interleave audio and video differently from the file.
    const hashes = { 8: createHash('sha1'), 9: createHash('sha1') };
    const read = Buffer.allocUnsafe(PIECE);
    let buf = Buffer.alloc(0);
    let skip = -1; // bytes of header still to skip; -1 until the FLV header is read
    let tags = 0;
    let eof = false;
    let need = 9;
    for (;;) {
      if (buf.length < need && !eof) {
        const n = readFull(fd, read);
        if (n === 0) eof = true;
        buf = buf.length === 0 ? Buffer.from(read.subarray(0, n)) : Buffer.concat([buf, read.subarray(0, n)]);
        continue;
      }
      if (buf.length < need) {
        const sha1 = createHash('sha1').update(hashes[8].digest()).update(hashes[9].digest()).digest('hex');
        return { tags, sha1, trailing: buf.length };
      }
      if (skip < 0) {
        if (buf.toString('latin1', 0, 3) !== 'FLV') throw new Error(`${path}: not an FLV file`);
        skip = buf.readUInt32BE(5) + 4; // header + PreviousTagSize0
        need = skip;
        continue;
      }
      if (skip > 0) {
        buf = buf.subarray(skip);
        skip = 0;
        need = 11;
        continue;
      }
      const type = buf[0]! & 0x1f;
      const size = buf.readUIntBE(1, 3);
      if (buf.length < 11 + size + 4) {
        need = 11 + size + 4;
        continue;
      }
      if (keptByLibrtmp(type, size)) {
        // timestamp: 24 bits + the extended high byte (FLV-10.1 §E.4.1)
        const ts = (buf.readUIntBE(4, 3) | (buf[7]! << 24)) >>> 0;
        const head = Buffer.allocUnsafe(9);
        head[0] = type;
        head.writeUInt32BE(ts, 1);
        head.writeUInt32BE(size, 5);
        hashes[type as 8 | 9].update(head).update(buf.subarray(11, 11 + size));
        tags++;
      }
      buf = buf.subarray(11 + size + 4);
      need = 11;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The sizes of an FLV file's pieces as `for await` over a played stream yields them:
 * the file header with PreviousTagSize0, then each tag (11-byte header, data) with the
 * PreviousTagSize after it (FLV-10.1 §E.2, §E.3); a cut-off tail is a last piece of its
 * own. Reads only the tag headers. Throws when the file is not FLV.
 */
export function flvPieceSizes(path: string): number[] {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(11);
    const size = fstatSync(fd).size;
    if (readSync(fd, head, 0, 9, 0) < 9 || head.toString('latin1', 0, 3) !== 'FLV')
      throw new Error(`${path}: not an FLV file`);
    const sizes = [Math.min(size, head.readUInt32BE(5) + 4)];
    for (let at = sizes[0]!; at < size; ) {
      const n = readSync(fd, head, 0, 11, at);
      const piece = n < 11 ? size - at : Math.min(size - at, 11 + head.readUIntBE(1, 3) + 4);
      sizes.push(piece);
      at += piece;
    }
    return sizes;
  } finally {
    closeSync(fd);
  }
}
