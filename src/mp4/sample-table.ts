/**
 * Progressive sample tables (ISO/IEC 14496-12 §8.6–§8.7): `stts` decode deltas, `ctts`
 * composition offsets (version 0 and 1; read as SI32 in both, since writers put negative
 * offsets in version 0 too), `stsc` sample-to-chunk runs, `stco`/`co64` chunk offsets,
 * `stsz`/`stz2` sizes (4-, 8-, 16- and 32-bit fields), `stss` sync and `stps` partial
 * sync samples (both mark keyframes).
 *
 * `TableCursor` walks them lazily, one sample at a time, so a track of any length costs
 * only its tables (views into the `moov` buffer) and a few counters — nothing is
 * expanded per sample. Invariants: every `entry_count` is checked against the bytes of
 * its box before use; the cursor never yields more than `stsz.sample_count` samples, and
 * throws `ERR_MP4_BAD_TABLE` as soon as the chunk or time tables run out before that
 * count or chunk numbers go backwards.
 */
import { ProtocolCode } from '../error-codes.js';
import type { ByteReader } from '../util/byte-reader.js';
import { type BoxHeader, boxReader, childBoxes, fullBox } from './box.js';
import { mp4Error } from './errors.js';

/** One sample as the tables describe it, in the track's timescale, before edit lists. */
export interface RawSample {
  /** File offset of the sample data. */
  offset: number;
  size: number;
  /** Decode time (sum of the durations before it). */
  decodeTime: number;
  duration: number;
  /** Composition time offset (may be negative). */
  ctsOffset: number;
  /** A sync sample (keyframe). */
  sync: boolean;
}

/** Something that yields a track's samples in decode order. */
export interface SampleSource {
  /** The next sample, or undefined at the end. */
  next(): RawSample | undefined;
}

/** A table: `count` entries of `size` bytes starting at `at` in `buf`. */
export interface Table {
  buf: Buffer;
  at: number;
  count: number;
}

/** The sample tables of one track (views into the moov buffer). */
export interface SampleTables {
  sampleCount: number;
  /** Constant sample size, or 0 when `sizes` lists them. */
  constantSize: number;
  /** Bits per entry of `sizes`: 4, 8, 16 or 32. */
  sizeBits: number;
  sizes: Table | undefined;
  stts: Table;
  ctts: Table | undefined;
  stsc: Table;
  chunks: Table;
  /** 4 (`stco`) or 8 (`co64`). */
  chunkOffsetBytes: number;
  stss: Table | undefined;
  stps: Table | undefined;
  /** Largest negative composition offset (as a positive number), 0 if none. */
  ctsShift: number;
}

function table(r: ByteReader, entrySize: number, what: string): Table {
  const count = r.u32();
  if (count > r.remaining / entrySize) {
    throw mp4Error(
      ProtocolCode.MP4_TRUNCATED,
      `'${what}' lists ${count} entries of ${entrySize} bytes, ${r.remaining} bytes left`,
    );
  }
  return { buf: r.buf, at: r.pos, count };
}

/**
 * Finds and checks the sample tables of an `stbl` box.
 *
 * @throws RTMPProtocolError `ERR_MP4_TRUNCATED`, `ERR_MP4_BAD_BOX`, `ERR_MP4_NO_MOVIE`
 *   (a required table is missing), `ERR_MP4_BAD_TABLE` (a bad `stz2` field size)
 */
export function parseSampleTables(buf: Buffer, stbl: BoxHeader): SampleTables {
  let stts: Table | undefined;
  let ctts: Table | undefined;
  let stsc: Table | undefined;
  let chunks: Table | undefined;
  let chunkOffsetBytes = 4;
  let stss: Table | undefined;
  let stps: Table | undefined;
  let sizes: Table | undefined;
  let sampleCount = -1;
  let constantSize = 0;
  let sizeBits = 32;
  for (const box of childBoxes(buf, stbl.bodyStart, stbl.end)) {
    const r = boxReader(buf, box);
    switch (box.type) {
      case 'stts':
        fullBox(r);
        stts = table(r, 8, box.type);
        break;
      case 'ctts':
        fullBox(r);
        ctts = table(r, 8, box.type);
        break;
      case 'stsc':
        fullBox(r);
        stsc = table(r, 12, box.type);
        break;
      case 'stco':
      case 'co64':
        fullBox(r);
        chunkOffsetBytes = box.type === 'stco' ? 4 : 8;
        chunks = table(r, chunkOffsetBytes, box.type);
        break;
      case 'stss':
        fullBox(r);
        stss = table(r, 4, box.type);
        break;
      case 'stps':
        fullBox(r);
        stps = table(r, 4, box.type);
        break;
      case 'stsz': {
        fullBox(r);
        constantSize = r.u32();
        sizeBits = 32;
        if (constantSize === 0) {
          sizes = table(r, 4, box.type);
          sampleCount = sizes.count;
        } else {
          sampleCount = r.u32();
        }
        break;
      }
      case 'stz2': {
        fullBox(r);
        r.skip(3);
        sizeBits = r.u8();
        if (sizeBits !== 4 && sizeBits !== 8 && sizeBits !== 16) {
          throw mp4Error(ProtocolCode.MP4_BAD_TABLE, `'stz2' field size ${sizeBits} (4, 8 or 16 allowed)`);
        }
        const count = r.u32();
        if (Math.ceil((count * sizeBits) / 8) > r.remaining) {
          throw mp4Error(
            ProtocolCode.MP4_TRUNCATED,
            `'stz2' lists ${count} sizes, ${r.remaining} bytes left`,
          );
        }
        sizes = { buf, at: r.pos, count };
        sampleCount = count;
        constantSize = 0;
        break;
      }
    }
  }
  if (!stts || !stsc || !chunks || sampleCount < 0) {
    const missing = [
      !stts && 'stts',
      !stsc && 'stsc',
      !chunks && 'stco/co64',
      sampleCount < 0 && 'stsz/stz2',
    ];
    throw mp4Error(ProtocolCode.MP4_NO_MOVIE, `'stbl' lacks ${missing.filter(Boolean).join(', ')}`);
  }
  let ctsShift = 0;
  if (ctts) {
    for (let i = 0; i < ctts.count; i++) {
      const at = ctts.at + i * 8;
      const offset = buf.readInt32BE(at + 4);
      if (offset < 0 && buf.readUInt32BE(at) > 0) ctsShift = Math.max(ctsShift, -offset);
    }
  }
  return {
    sampleCount,
    constantSize,
    sizeBits,
    sizes,
    stts,
    ctts,
    stsc,
    chunks,
    chunkOffsetBytes,
    stss,
    stps,
    ctsShift,
  };
}

/** Walks progressive sample tables one sample at a time. */
export class TableCursor implements SampleSource {
  readonly #t: SampleTables;
  #index = 0;
  // stts
  #sttsEntry = -1;
  #sttsLeft = 0;
  #delta = 0;
  #decodeTime = 0;
  // ctts
  #cttsEntry = -1;
  #cttsLeft = 0;
  #ctsOffset = 0;
  // stsc + chunk offsets (chunk numbers are 1-based, as in the tables)
  #chunk = 0;
  #stscEntry = -1;
  #perChunk = 0;
  #leftInChunk = 0;
  #offset = 0;
  // stss / stps positions
  #stss = 0;
  #stps = 0;

  constructor(tables: SampleTables) {
    this.#t = tables;
  }

  /** Samples not yet yielded. */
  get remaining(): number {
    return this.#t.sampleCount - this.#index;
  }

  next(): RawSample | undefined {
    const t = this.#t;
    if (this.#index >= t.sampleCount) return undefined;
    const n = this.#index++;
    while (this.#leftInChunk === 0) this.#nextChunk(n);
    this.#leftInChunk--;
    const size = this.#size(n);
    const offset = this.#offset;
    this.#offset += size;
    while (this.#sttsLeft === 0) {
      if (++this.#sttsEntry >= t.stts.count) {
        throw mp4Error(ProtocolCode.MP4_BAD_TABLE, `'stts' covers ${n} of ${t.sampleCount} samples`);
      }
      const at = t.stts.at + this.#sttsEntry * 8;
      this.#sttsLeft = t.stts.buf.readUInt32BE(at);
      this.#delta = t.stts.buf.readUInt32BE(at + 4);
    }
    this.#sttsLeft--;
    const decodeTime = this.#decodeTime;
    this.#decodeTime += this.#delta;
    return {
      offset,
      size,
      decodeTime,
      duration: this.#delta,
      ctsOffset: this.#cts(),
      sync: this.#sync(n + 1),
    };
  }

  #nextChunk(n: number): void {
    const t = this.#t;
    if (++this.#chunk > t.chunks.count) {
      throw mp4Error(
        ProtocolCode.MP4_BAD_TABLE,
        `sample ${n + 1} of ${t.sampleCount} lies beyond the last chunk`,
      );
    }
    const stsc = t.stsc;
    while (this.#stscEntry + 1 < stsc.count) {
      const first = stsc.buf.readUInt32BE(stsc.at + (this.#stscEntry + 1) * 12);
      if (first > this.#chunk) break;
      if (first < this.#chunk) {
        throw mp4Error(ProtocolCode.MP4_BAD_TABLE, `'stsc' first_chunk ${first} is out of order`);
      }
      this.#stscEntry++;
      this.#perChunk = stsc.buf.readUInt32BE(stsc.at + this.#stscEntry * 12 + 4);
    }
    if (this.#stscEntry < 0) throw mp4Error(ProtocolCode.MP4_BAD_TABLE, "'stsc' does not start at chunk 1");
    this.#leftInChunk = this.#perChunk;
    const at = t.chunks.at + (this.#chunk - 1) * t.chunkOffsetBytes;
    this.#offset =
      t.chunkOffsetBytes === 4
        ? t.chunks.buf.readUInt32BE(at)
        : t.chunks.buf.readUInt32BE(at) * 0x100000000 + t.chunks.buf.readUInt32BE(at + 4);
  }

  #size(n: number): number {
    const t = this.#t;
    if (!t.sizes) return t.constantSize;
    const { buf, at } = t.sizes;
    switch (t.sizeBits) {
      case 32:
        return buf.readUInt32BE(at + n * 4);
      case 16:
        return buf.readUInt16BE(at + n * 2);
      case 8:
        return buf[at + n]!;
      default: {
        const byte = buf[at + (n >>> 1)]!;
        return n & 1 ? byte & 0x0f : byte >>> 4;
      }
    }
  }

  #cts(): number {
    const ctts = this.#t.ctts;
    if (!ctts) return 0;
    while (this.#cttsLeft === 0) {
      // A short ctts leaves the rest of the samples at offset 0.
      if (++this.#cttsEntry >= ctts.count) return 0;
      const at = ctts.at + this.#cttsEntry * 8;
      this.#cttsLeft = ctts.buf.readUInt32BE(at);
      this.#ctsOffset = ctts.buf.readInt32BE(at + 4);
    }
    this.#cttsLeft--;
    return this.#ctsOffset;
  }

  /** Whether 1-based sample `number` is listed in stss or stps; all are sync without stss. */
  #sync(number: number): boolean {
    const { stss, stps } = this.#t;
    if (!stss || stss.count === 0) return true;
    this.#stss = seekEntry(stss, this.#stss, number);
    if (entryAt(stss, this.#stss) === number) return true;
    if (!stps) return false;
    this.#stps = seekEntry(stps, this.#stps, number);
    return entryAt(stps, this.#stps) === number;
  }
}

/** The UI32 entry `pos` of a sorted sample-number table, or -1 past its end. */
function entryAt(t: Table, pos: number): number {
  return pos < t.count ? t.buf.readUInt32BE(t.at + pos * 4) : -1;
}

/** Moves `pos` forward past the entries below `number`. */
function seekEntry(t: Table, pos: number, number: number): number {
  while (pos < t.count && t.buf.readUInt32BE(t.at + pos * 4) < number) pos++;
  return pos;
}
