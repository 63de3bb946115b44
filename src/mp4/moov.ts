/**
 * The movie box (ISO/IEC 14496-12 §8.2–§8.8): `mvhd` timescale and duration; per `trak`
 * the `tkhd` track_ID, the `elst` edit list, `mdhd` timescale / duration / language,
 * `hdlr` handler, the sample description and the sample tables; and `mvex` (`mehd`,
 * `trex` defaults) that marks a fragmented movie.
 *
 * Edit lists are applied the way FFmpeg writes and reads them: leading empty edits
 * (`media_time == -1`) delay the track, and the first media edit's `media_time` is where
 * presentation starts, so every time of the track moves by `delay − media_time` (an
 * encoder delay of 1024 samples for AAC makes the first packet start at −1024). Further
 * edits (cuts, repeats) are not applied.
 *
 * Invariants: the whole moov is in memory (its size was bounded by the caller); every
 * child is checked against its parent; a track without `mdhd`, `hdlr` or sample tables
 * is an `ERR_MP4_NO_MOVIE` error, a zero timescale or a repeated track_ID `ERR_MP4_BAD_BOX`.
 */
import { ProtocolCode } from '../error-codes.js';
import { type BoxHeader, boxReader, childBoxes, findBox, fullBox, i64, u64 } from './box.js';
import { mp4Error } from './errors.js';
import { type Mp4CodecInfo, parseSampleDescription } from './sample-entry.js';
import { parseSampleTables, type SampleTables } from './sample-table.js';

/** What a track carries, from its `hdlr` handler type. */
export type Mp4TrackKind = 'video' | 'audio' | 'other';

/** One track of the movie. */
export interface Mp4Track extends Mp4CodecInfo {
  /** `tkhd` track_ID (fragments refer to it). */
  id: number;
  kind: Mp4TrackKind;
  /** `hdlr` handler_type (`'vide'`, `'soun'`, `'subt'`…). */
  handler: string;
  /** Ticks per second of every time of this track. */
  timescale: number;
  /** `mdhd` duration in `timescale` ticks (0 when unknown, as in a fragmented movie's empty moov). */
  duration: number;
  /** ISO 639-2/T language from `mdhd` (`'und'` when unset). */
  language: string;
  /** Samples listed in the moov's tables (fragments add more). */
  sampleCount: number;
}

/** `trex` defaults of a fragmented track (§8.8.3). */
export interface TrexDefaults {
  duration: number;
  size: number;
  flags: number;
}

/** A parsed `trak`: the public track plus what the demuxer needs. */
export interface TrackBox {
  track: Mp4Track;
  tables: SampleTables;
  trex: TrexDefaults | undefined;
  /** Added to every decode and composition time: edit-list delay − media_time. */
  editShift: number;
}

/** A parsed `moov`. */
export interface MovieBox {
  /** `mvhd` timescale. */
  timescale: number;
  /** `mvhd` duration (or `mehd` fragment_duration) in `timescale` ticks; 0 when unknown. */
  duration: number;
  /** `mvex` present: samples (also) come in movie fragments. */
  fragmented: boolean;
  tracks: TrackBox[];
}

function need(box: BoxHeader | undefined, what: string, where: string): BoxHeader {
  if (!box) throw mp4Error(ProtocolCode.MP4_NO_MOVIE, `${where} has no '${what}' box`);
  return box;
}

/** Reads the version-dependent time fields of mvhd/mdhd: timescale and duration. */
function timescaleAndDuration(buf: Buffer, box: BoxHeader): { timescale: number; duration: number } {
  const r = boxReader(buf, box);
  const { version } = fullBox(r);
  r.skip(version === 1 ? 16 : 8); // creation_time, modification_time
  const timescale = r.u32();
  const duration = version === 1 ? u64(r, `'${box.type}' duration`) : r.u32();
  if (timescale === 0) throw mp4Error(ProtocolCode.MP4_BAD_BOX, `'${box.type}' timescale is 0`);
  // All ones is "unknown" (§8.4.2.3).
  const unknown = version === 1 ? duration === 2 ** 53 - 1 : duration === 0xffffffff;
  return { timescale, duration: unknown ? 0 : duration };
}

/** ISO 639-2/T code of an mdhd `language` field (three 5-bit letters, each + 0x60). */
export function decodeLanguage(v: number): string {
  // Values below 0x400 are QuickTime Macintosh language codes, not letters.
  if (v < 0x400) return 'und';
  return String.fromCharCode(((v >>> 10) & 31) + 0x60, ((v >>> 5) & 31) + 0x60, (v & 31) + 0x60);
}

/**
 * Parses a `moov` box held in `buf`.
 *
 * @throws RTMPProtocolError `ERR_MP4_TRUNCATED`, `ERR_MP4_BAD_BOX`, `ERR_MP4_NO_MOVIE`, `ERR_MP4_BAD_TABLE`
 */
export function parseMoov(buf: Buffer, moov: BoxHeader): MovieBox {
  const movie = timescaleAndDuration(
    buf,
    need(findBox(buf, moov.bodyStart, moov.end, 'mvhd'), 'mvhd', 'moov'),
  );
  const mvex = findBox(buf, moov.bodyStart, moov.end, 'mvex');
  const trex = new Map<number, TrexDefaults>();
  let duration = movie.duration;
  if (mvex) {
    for (const box of childBoxes(buf, mvex.bodyStart, mvex.end)) {
      const r = boxReader(buf, box);
      const { version } = fullBox(r);
      if (box.type === 'trex') {
        const id = r.u32();
        r.skip(4); // default_sample_description_index
        trex.set(id, { duration: r.u32(), size: r.u32(), flags: r.u32() });
      } else if (box.type === 'mehd' && duration === 0) {
        duration = version === 1 ? u64(r, "'mehd' fragment_duration") : r.u32();
      }
    }
  }
  const tracks: TrackBox[] = [];
  for (const box of childBoxes(buf, moov.bodyStart, moov.end)) {
    if (box.type !== 'trak') continue;
    const t = parseTrak(buf, box, movie.timescale);
    if (tracks.some((o) => o.track.id === t.track.id)) {
      throw mp4Error(ProtocolCode.MP4_BAD_BOX, `two tracks have track_ID ${t.track.id}`);
    }
    t.trex = trex.get(t.track.id);
    tracks.push(t);
  }
  return { timescale: movie.timescale, duration, fragmented: mvex !== undefined, tracks };
}

function parseTrak(buf: Buffer, trak: BoxHeader, movieTimescale: number): TrackBox {
  const tkhd = boxReader(buf, need(findBox(buf, trak.bodyStart, trak.end, 'tkhd'), 'tkhd', 'trak'));
  const { version } = fullBox(tkhd);
  tkhd.skip(version === 1 ? 16 : 8);
  const id = tkhd.u32();
  const where = `track ${id}`;
  const mdia = need(findBox(buf, trak.bodyStart, trak.end, 'mdia'), 'mdia', where);
  const mdhd = need(findBox(buf, mdia.bodyStart, mdia.end, 'mdhd'), 'mdhd', where);
  const { timescale, duration } = timescaleAndDuration(buf, mdhd);
  const lr = boxReader(buf, mdhd);
  lr.skip(fullBox(lr).version === 1 ? 28 : 16); // times, timescale, duration
  const language = decodeLanguage(lr.u16() & 0x7fff);
  const hdlr = boxReader(buf, need(findBox(buf, mdia.bodyStart, mdia.end, 'hdlr'), 'hdlr', where));
  fullBox(hdlr);
  hdlr.skip(4); // pre_defined
  const handler = hdlr.bytes(4).toString('latin1');
  const minf = need(findBox(buf, mdia.bodyStart, mdia.end, 'minf'), 'minf', where);
  const stbl = need(findBox(buf, minf.bodyStart, minf.end, 'stbl'), 'stbl', where);
  const stsd = need(findBox(buf, stbl.bodyStart, stbl.end, 'stsd'), 'stsd', where);
  const codec = parseSampleDescription(buf, stsd, handler);
  const tables = parseSampleTables(buf, stbl);
  const kind = handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : 'other';
  const edts = findBox(buf, trak.bodyStart, trak.end, 'edts');
  const elst = edts && findBox(buf, edts.bodyStart, edts.end, 'elst');
  return {
    track: {
      id,
      kind,
      handler,
      timescale,
      duration,
      language,
      sampleCount: tables.sampleCount,
      ...codec,
    },
    tables,
    trex: undefined,
    editShift: elst ? editShift(buf, elst, movieTimescale, timescale) : 0,
  };
}

/** delay − media_time in track ticks, from the leading empty edits and the first media edit. */
function editShift(buf: Buffer, elst: BoxHeader, movieTimescale: number, timescale: number): number {
  const r = boxReader(buf, elst);
  const { version } = fullBox(r);
  const count = r.u32();
  let delay = 0;
  for (let i = 0; i < count; i++) {
    const segment = version === 1 ? u64(r, "'elst' segment_duration") : r.u32();
    const mediaTime = version === 1 ? i64(r, "'elst' media_time") : r.i32();
    r.skip(4); // media_rate
    if (mediaTime === -1) {
      delay += segment;
      continue;
    }
    return Math.round((delay * timescale) / movieTimescale) - mediaTime;
  }
  return Math.round((delay * timescale) / movieTimescale);
}
