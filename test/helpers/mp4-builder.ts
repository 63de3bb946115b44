/**
 * Builds small ISO-BMFF files for tests (ISO/IEC 14496-12 layouts): boxes and full boxes,
 * sample entries with their configuration boxes, progressive movies (moov before or after
 * the mdat, samples in interleaved chunks, edit lists, ctts, stss, co64) and fragmented
 * movies (empty moov + trex, moof/traf/tfhd/tfdt/trun + mdat per fragment, with the tfhd
 * base-offset forms chosen by the test). Every number is written where the spec puts it;
 * offsets are computed, so the files are valid unless a test corrupts them.
 */

/** Concatenates parts; numbers are not allowed (use the helpers). */
export function cat(...parts: Buffer[]): Buffer {
  return Buffer.concat(parts);
}

export function u8(v: number): Buffer {
  return Buffer.from([v & 0xff]);
}
export function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}
export function u24(v: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(v, 0, 3);
  return b;
}
export function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}
export function i32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(v);
  return b;
}
export function u64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(v));
  return b;
}
export function i64(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(v));
  return b;
}
export function str(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** A box with a 32-bit size. */
export function box(type: string, ...body: Buffer[]): Buffer {
  const b = cat(...body);
  return cat(u32(8 + b.length), str(type), b);
}

/** A FullBox (version, flags). */
export function fullbox(type: string, version: number, flags: number, ...body: Buffer[]): Buffer {
  return box(type, u8(version), u24(flags), ...body);
}

/** A visual sample entry (§12.1.3) with child boxes. */
export function visualEntry(type: string, width: number, height: number, ...children: Buffer[]): Buffer {
  return box(
    type,
    Buffer.alloc(6),
    u16(1),
    Buffer.alloc(16),
    u16(width),
    u16(height),
    u32(0x00480000),
    u32(0x00480000),
    u32(0),
    u16(1),
    Buffer.alloc(32),
    u16(0x18),
    u16(0xffff),
    ...children,
  );
}

/** An audio sample entry (§12.2.3, version 0) with child boxes. */
export function audioEntry(type: string, channels: number, rate: number, ...children: Buffer[]): Buffer {
  return box(
    type,
    Buffer.alloc(6),
    u16(1),
    Buffer.alloc(8),
    u16(channels),
    u16(16),
    u32(0),
    u32(rate * 65536),
    ...children,
  );
}

/** An esds box (ISO/IEC 14496-1 descriptors) with objectTypeIndication and DecoderSpecificInfo. */
export function esds(objectType: number, dsi?: Buffer): Buffer {
  const dsiDesc = dsi ? cat(u8(0x05), u8(dsi.length), dsi) : Buffer.alloc(0);
  const dcd = cat(u8(objectType), u8(0x15), u24(0), u32(128000), u32(128000), dsiDesc);
  const es = cat(u16(1), u8(0), u8(0x04), u8(dcd.length), dcd, u8(0x06), u8(1), u8(2));
  return fullbox('esds', 0, 0, u8(0x03), u8(es.length), es);
}

/** An AVC sample entry with an avcC of `config`. */
export function avc1(config: Buffer, width = 160, height = 120): Buffer {
  return visualEntry('avc1', width, height, box('avcC', config));
}

/** An AAC sample entry with `asc` as its AudioSpecificConfig. */
export function mp4a(asc: Buffer, channels = 2, rate = 48000): Buffer {
  return audioEntry('mp4a', channels, rate, esds(0x40, asc));
}

/** One sample of a test track. */
export interface SampleSpec {
  data: Buffer;
  duration: number;
  /** Composition offset (default 0). */
  cts?: number;
  /** Sync sample (default true). */
  sync?: boolean;
}

/** One track of a test movie. */
export interface TrackSpec {
  id: number;
  handler: 'vide' | 'soun' | 'text';
  timescale: number;
  /** The sample entry box. */
  entry: Buffer;
  samples: SampleSpec[];
  /** Edit list entries [segment_duration (movie ticks), media_time]. */
  edits?: [number, number][];
  /** mdhd language (three letters, default 'und'). */
  language?: string;
  /** Write ctts as version 1 (default 0). */
  cttsVersion?: 0 | 1;
}

/** Options of `progressive`. */
export interface ProgressiveOptions {
  /** moov before the mdat (default true). */
  moovFirst?: boolean;
  /** Samples per chunk (default 3); chunks of the tracks alternate in the mdat. */
  chunk?: number;
  /** co64 instead of stco. */
  co64?: boolean;
  /** Movie timescale (default 1000). */
  movieTimescale?: number;
  /** Extra top-level boxes before everything else (after ftyp). */
  extra?: Buffer[];
  /** Add mvex/trex: the movie continues in fragments appended by the test (`fragment`). */
  mvex?: boolean;
}

function mvex(tracks: TrackSpec[]): Buffer {
  return box('mvex', ...tracks.map((t) => fullbox('trex', 0, 0, u32(t.id), u32(1), u32(0), u32(0), u32(0))));
}

const FTYP = box('ftyp', str('isom'), u32(0x200), str('isomiso2mp41'));

function language(code = 'und'): Buffer {
  const c = [...code].map((ch) => ch.charCodeAt(0) - 0x60);
  return u16((c[0]! << 10) | (c[1]! << 5) | c[2]!);
}

function mvhd(timescale: number, duration: number, nextId: number): Buffer {
  return fullbox(
    'mvhd',
    0,
    0,
    u32(0),
    u32(0),
    u32(timescale),
    u32(duration),
    u32(0x10000),
    u16(0x100),
    Buffer.alloc(10),
    Buffer.alloc(36),
    Buffer.alloc(24),
    u32(nextId),
  );
}

function tkhd(id: number): Buffer {
  return fullbox(
    'tkhd',
    0,
    3,
    u32(0),
    u32(0),
    u32(id),
    u32(0),
    u32(0),
    Buffer.alloc(8),
    Buffer.alloc(8),
    Buffer.alloc(36),
    u32(0),
    u32(0),
  );
}

function trak(t: TrackSpec, stbl: Buffer, duration: number): Buffer {
  const edts = t.edits
    ? box(
        'edts',
        fullbox(
          'elst',
          0,
          0,
          u32(t.edits.length),
          ...t.edits.map(([d, m]) => cat(u32(d), i32(m), u32(0x10000))),
        ),
      )
    : Buffer.alloc(0);
  return box(
    'trak',
    tkhd(t.id),
    edts,
    box(
      'mdia',
      fullbox('mdhd', 0, 0, u32(0), u32(0), u32(t.timescale), u32(duration), language(t.language), u16(0)),
      fullbox('hdlr', 0, 0, u32(0), str(t.handler), Buffer.alloc(12), str('test\0')),
      box('minf', box('dinf', fullbox('dref', 0, 0, u32(1), fullbox('url ', 0, 1))), stbl),
    ),
  );
}

/** stts/ctts run-length entries of per-sample values. */
function runs(values: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < values.length; ) {
    let n = 1;
    while (i + n < values.length && values[i + n] === values[i]) n++;
    out.push(cat(u32(n), i32(values[i]!)));
    i += n;
  }
  return out;
}

function stbl(t: TrackSpec, chunkOffsets: number[], perChunk: number, co64: boolean): Buffer {
  const n = t.samples.length;
  const stts = runs(t.samples.map((s) => s.duration));
  const parts = [fullbox('stsd', 0, 0, u32(1), t.entry), fullbox('stts', 0, 0, u32(stts.length), ...stts)];
  if (t.samples.some((s) => (s.cts ?? 0) !== 0)) {
    const ctts = runs(t.samples.map((s) => s.cts ?? 0));
    parts.push(fullbox('ctts', t.cttsVersion ?? 0, 0, u32(ctts.length), ...ctts));
  }
  const last = n % perChunk || perChunk;
  const stsc =
    chunkOffsets.length > 1 && last !== perChunk
      ? [cat(u32(1), u32(perChunk), u32(1)), cat(u32(chunkOffsets.length), u32(last), u32(1))]
      : [cat(u32(1), u32(perChunk), u32(1))];
  parts.push(fullbox('stsc', 0, 0, u32(stsc.length), ...stsc));
  parts.push(fullbox('stsz', 0, 0, u32(0), u32(n), ...t.samples.map((s) => u32(s.data.length))));
  parts.push(
    co64
      ? fullbox('co64', 0, 0, u32(chunkOffsets.length), ...chunkOffsets.map(u64))
      : fullbox('stco', 0, 0, u32(chunkOffsets.length), ...chunkOffsets.map(u32)),
  );
  if (t.samples.some((s) => s.sync === false)) {
    const sync = t.samples.flatMap((s, i) => (s.sync === false ? [] : [u32(i + 1)]));
    parts.push(fullbox('stss', 0, 0, u32(sync.length), ...sync));
  }
  return box('stbl', ...parts);
}

/** A progressive movie: ftyp, moov and one mdat with the tracks' chunks alternating. */
export function progressive(tracks: TrackSpec[], options: ProgressiveOptions = {}): Buffer {
  const perChunk = options.chunk ?? 3;
  const movieTimescale = options.movieTimescale ?? 1000;
  // Lay the chunks out: round robin over the tracks, chunk by chunk.
  const chunks: { track: number; data: Buffer }[] = [];
  const counts = tracks.map((t) => Math.ceil(t.samples.length / perChunk));
  for (let c = 0; c < Math.max(0, ...counts); c++) {
    tracks.forEach((t, ti) => {
      if (c < counts[ti]!) {
        chunks.push({
          track: ti,
          data: cat(...t.samples.slice(c * perChunk, (c + 1) * perChunk).map((s) => s.data)),
        });
      }
    });
  }
  const head = cat(FTYP, ...(options.extra ?? []));
  const build = (mdatStart: number): Buffer => {
    let at = mdatStart + 8;
    const offsets = tracks.map(() => [] as number[]);
    for (const ch of chunks) {
      offsets[ch.track]!.push(at);
      at += ch.data.length;
    }
    const durations = tracks.map((t) => t.samples.reduce((n, s) => n + s.duration, 0));
    const movieDuration = Math.max(
      0,
      ...durations.map((d, i) => Math.round((d * movieTimescale) / tracks[i]!.timescale)),
    );
    return box(
      'moov',
      mvhd(movieTimescale, movieDuration, tracks.length + 1),
      ...tracks.map((t, i) => trak(t, stbl(t, offsets[i]!, perChunk, options.co64 ?? false), durations[i]!)),
      options.mvex ? mvex(tracks) : Buffer.alloc(0),
    );
  };
  const mdat = box('mdat', ...chunks.map((c) => c.data));
  if (options.moovFirst === false) return cat(head, mdat, build(head.length));
  const size = build(0).length;
  return cat(head, build(head.length + size), mdat);
}

/** How a fragment's tfhd says where its data is. */
export type BaseMode = 'moof' | 'explicit' | 'implicit';

/** Options of `fragmented`. */
export interface FragmentedOptions {
  /** Samples of each track per fragment (default 4). */
  perFragment?: number;
  /** tfhd base data offset form (default 'moof': default-base-is-moof). */
  base?: BaseMode;
  /** Write tfdt (default true). */
  tfdt?: boolean;
  /** trun version (1 = signed composition offsets; default 0). */
  trunVersion?: 0 | 1;
  /** A sidx box before the first moof, and an mfra at the end (both to be skipped). */
  index?: boolean;
}

const NON_SYNC = 0x01010000; // sample_depends_on = 1, sample_is_non_sync_sample

/** A traf; `baseOffset` goes into tfhd (explicit form), `dataOffset` into the trun when given. */
function traf(
  t: TrackSpec,
  samples: SampleSpec[],
  decodeTime: number,
  tfhdFlags: number,
  baseOffset: number | undefined,
  dataOffset: number | undefined,
  tfdt: boolean,
  trunVersion: number,
): Buffer {
  const trunFlags = (dataOffset === undefined ? 0 : 0x001) | 0x100 | 0x200 | 0x400 | 0x800;
  return box(
    'traf',
    fullbox('tfhd', 0, tfhdFlags, u32(t.id), baseOffset === undefined ? Buffer.alloc(0) : u64(baseOffset)),
    tfdt ? fullbox('tfdt', 1, 0, u64(decodeTime)) : Buffer.alloc(0),
    fullbox(
      'trun',
      trunVersion,
      trunFlags,
      u32(samples.length),
      dataOffset === undefined ? Buffer.alloc(0) : i32(dataOffset),
      ...samples.map((s) =>
        cat(
          u32(s.duration),
          u32(s.data.length),
          u32(s.sync === false ? NON_SYNC : 0x02000000),
          i32(s.cts ?? 0),
        ),
      ),
    ),
  );
}

/** One part of a fragment: a track's samples and the decode time of the first. */
export interface FragmentPart {
  track: TrackSpec;
  samples: SampleSpec[];
  decodeTime: number;
}

/**
 * One fragment at file position `at`: a moof with a traf per part that has samples (in
 * part order) and an mdat with their data in the same order.
 */
export function fragment(
  at: number,
  sequence: number,
  parts: FragmentPart[],
  options: Pick<FragmentedOptions, 'base' | 'tfdt' | 'trunVersion'> = {},
): Buffer {
  const base = options.base ?? 'moof';
  const build = (moofSize: number): Buffer => {
    let data = at + moofSize + 8;
    let first = true;
    const trafs = parts.map(({ track, samples, decodeTime }) => {
      if (samples.length === 0) return Buffer.alloc(0);
      // moof: offsets from the moof; explicit: tfhd names the data; implicit: the first
      // traf's run is placed from the moof, the next ones follow the previous data.
      const flags = base === 'moof' ? 0x020000 : base === 'explicit' ? 0x000001 : 0;
      const baseOffset = base === 'explicit' ? data : undefined;
      const dataOffset = base === 'explicit' ? 0 : base === 'moof' || first ? data - at : undefined;
      first = false;
      const b = traf(
        track,
        samples,
        decodeTime,
        flags,
        baseOffset,
        dataOffset,
        options.tfdt ?? true,
        options.trunVersion ?? 0,
      );
      data += samples.reduce((k, s) => k + s.data.length, 0);
      return b;
    });
    return box('moof', fullbox('mfhd', 0, 0, u32(sequence)), ...trafs);
  };
  const moof = build(build(0).length);
  return cat(moof, box('mdat', ...parts.flatMap((p) => p.samples.map((s) => s.data))));
}

/**
 * A fragmented movie: ftyp, moov (empty tables, mvex/trex), then per fragment a moof with
 * one traf per track (in track order) and an mdat with the tracks' samples in that order.
 */
export function fragmented(tracks: TrackSpec[], options: FragmentedOptions = {}): Buffer {
  const per = options.perFragment ?? 4;
  const empty: TrackSpec[] = tracks.map((t) => ({ ...t, samples: [] }));
  const moov = box(
    'moov',
    mvhd(1000, 0, tracks.length + 1),
    ...empty.map((t) => trak(t, stbl(t, [], 1, false), 0)),
    mvex(tracks),
  );
  const n = Math.max(...tracks.map((t) => Math.ceil(t.samples.length / per)));
  const sidxSize = options.index ? 32 + 12 * n : 0;
  const parts = [FTYP, moov];
  let at = FTYP.length + moov.length + sidxSize;
  const decode = tracks.map(() => 0);
  const fragments: Buffer[] = [];
  for (let f = 0; f < n; f++) {
    const slices = tracks.map((t) => t.samples.slice(f * per, (f + 1) * per));
    const frag = fragment(
      at,
      f + 1,
      tracks.map((track, i) => ({ track, samples: slices[i]!, decodeTime: decode[i]! })),
      options,
    );
    fragments.push(frag);
    at += frag.length;
    slices.forEach((s, i) => {
      decode[i]! += s.reduce((k, x) => k + x.duration, 0);
    });
  }
  if (options.index) {
    // One sidx reference per fragment (§8.16.3), in the first track's timescale.
    const t0 = tracks[0]!;
    const refs = fragments.map((frag, f) => {
      const d = t0.samples.slice(f * per, (f + 1) * per).reduce((k, x) => k + x.duration, 0);
      return cat(u32(frag.length), u32(d), u32(0x90000000));
    });
    parts.push(
      fullbox('sidx', 0, 0, u32(t0.id), u32(t0.timescale), u32(0), u32(0), u16(0), u16(refs.length), ...refs),
    );
  }
  parts.push(...fragments);
  if (options.index) parts.push(box('mfra', fullbox('mfro', 0, 0, u32(24))));
  return cat(...parts);
}

/** `count` samples of `size` bytes (byte values tell track and index apart), `duration` each. */
export function samples(
  count: number,
  size: number,
  duration: number,
  tag: number,
  extra: (i: number) => Partial<SampleSpec> = () => ({}),
): SampleSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    data: Buffer.alloc(size + (i % 3), (tag * 16 + i) & 0xff),
    duration,
    ...extra(i),
  }));
}
