/**
 * Output checks of the benchmark runs, read from disk in 1 MiB pieces (files up to
 * several GB never sit in memory):
 * - `sameBytes`: two files byte-identical (rtmpkit dump against rtmpdump, issue 9);
 * - `avDigest`: the audio/video tags of an FLV file (FLV-10.1 §E.4: type, timestamp,
 *   payload) as a count and a SHA-1 (each type in order), to check that a server delivered every tag of the
 *   source. Script tags are left out (servers rewrite onMetaData), and so are video
 *   payloads of ≤ 5 bytes and audio of ≤ 1 byte, which librtmp's RTMP_Read (rtmpdump)
 *   drops ("ignoring too small packet": the AVC end-of-sequence tag);
 * - `avTags` / `tagLoss`: the A/V tags of a file per type, and how many of the source's
 *   a received file lacks (a server that dropped messages) and how many came restamped;
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

/** SHA-1 of a file's bytes, hex (to compare outputs that cannot stay on disk side by side). */
export function fileDigest(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const hash = createHash('sha1');
    const buf = Buffer.allocUnsafe(PIECE);
    for (let n = readFull(fd, buf); n > 0; n = readFull(fd, buf)) hash.update(buf.subarray(0, n));
    return hash.digest('hex');
  } finally {
    closeSync(fd);
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
  // One hash per type: a relay may interleave audio and video differently from the file.
  const hashes = { 8: createHash('sha1'), 9: createHash('sha1') };
  const head = Buffer.allocUnsafe(9);
  let tags = 0;
  const trailing = forEachAvTag(path, (type, ts, payload) => {
    head[0] = type;
    head.writeUInt32BE(ts, 1);
    head.writeUInt32BE(payload.length, 5);
    hashes[type].update(head).update(payload);
    tags++;
  });
  const sha1 = createHash('sha1').update(hashes[8].digest()).update(hashes[9].digest()).digest('hex');
  return { tags, sha1, trailing };
}

/**
 * Calls `onTag` for each A/V tag of `path` that librtmp keeps, in file order, with its
 * type, timestamp and payload (a view valid for the call only); returns the bytes after
 * the last complete tag. Throws when the file is not FLV.
 */
function forEachAvTag(path: string, onTag: (type: 8 | 9, ts: number, payload: Buffer) => void): number {
  const fd = openSync(path, 'r');
  try {
    const read = Buffer.allocUnsafe(PIECE);
    let buf = Buffer.alloc(0);
    let skip = -1; // bytes of header still to skip; -1 until the FLV header is read
    let eof = false;
    let need = 9;
    for (;;) {
      if (buf.length < need && !eof) {
        const n = readFull(fd, read);
        if (n === 0) eof = true;
        buf = buf.length === 0 ? Buffer.from(read.subarray(0, n)) : Buffer.concat([buf, read.subarray(0, n)]);
        continue;
      }
      if (buf.length < need) return buf.length;
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
        onTag(type as 8 | 9, ts, buf.subarray(11, 11 + size));
      }
      buf = buf.subarray(11 + size + 4);
      need = 11;
    }
  } finally {
    closeSync(fd);
  }
}

/** The A/V tags of one type of an FLV file, in order: payload identity and timestamp. */
interface TrackTags {
  /** Payload size and SHA-1 of each tag. */
  keys: string[];
  timestamps: number[];
}

/** The A/V tags of an FLV file, per type (8 audio, 9 video), for `tagLoss`. */
export type AvTags = Record<8 | 9, TrackTags>;

/** Reads the A/V tags of `path` (those librtmp keeps). Throws when the file is not FLV. */
export function avTags(path: string): AvTags {
  const tags: AvTags = { 8: { keys: [], timestamps: [] }, 9: { keys: [], timestamps: [] } };
  forEachAvTag(path, (type, ts, payload) => {
    tags[type].keys.push(`${payload.length}:${createHash('sha1').update(payload).digest('base64')}`);
    tags[type].timestamps.push(ts);
  });
  return tags;
}

/** How a received FLV file's A/V tags differ from its source's (see `tagLoss`). */
export interface TagLoss {
  /** Source tags whose payload never arrived. */
  missing: number;
  /** Received tags that match no source tag near their place (corrupt or reordered). */
  extra: number;
  /** Received tags with the right payload but another timestamp than the source's. */
  shifted: number;
}

/** How far ahead in the source a received tag's payload is looked for. */
const MATCH_WINDOW = 256;

/**
 * Matches each type's received tags against the source's in order by payload (size and
 * hash, not timestamp: a server that drops a message shifts the delta-encoded timestamps
 * after it, RTMP-SPEC §5.3.1.2): source tags skipped over are `missing`, received tags
 * found nowhere in the next MATCH_WINDOW source tags are `extra`, and matched tags whose
 * timestamp differs from the source's are `shifted`. A cut-off download counts its
 * unreceived tail as missing.
 */
export function tagLoss(source: AvTags, received: AvTags): TagLoss {
  const loss: TagLoss = { missing: 0, extra: 0, shifted: 0 };
  for (const type of [8, 9] as const) {
    const src = source[type];
    const got = received[type];
    let at = 0;
    for (let i = 0; i < got.keys.length; i++) {
      const end = Math.min(src.keys.length, at + MATCH_WINDOW);
      let j = at;
      while (j < end && src.keys[j] !== got.keys[i]) j++;
      if (j === end) {
        loss.extra++;
        continue;
      }
      loss.missing += j - at;
      if (src.timestamps[j] !== got.timestamps[i]) loss.shifted++;
      at = j + 1;
    }
    loss.missing += src.keys.length - at;
  }
  return loss;
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
