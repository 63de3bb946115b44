/**
 * The MP4 demuxer core, sans-IO: generators that yield read requests (`{kind: 'read',
 * offset, length}`, answered with a Buffer of those bytes — shorter only where the file
 * ends) and samples, so one implementation serves a Buffer synchronously and a file
 * handle asynchronously (reader.ts).
 *
 * `openMovie` walks the top-level boxes (ISO/IEC 14496-12 §4.2) to the `moov`, in either
 * order with `mdat`. `readSamples` merges the selected tracks by decode time: each track
 * pulls samples lazily from its moov tables and then from the runs of movie fragments,
 * which are read one `moof` at a time as tracks run dry (`sidx`, `mfra`, `free`, `mdat`
 * headers are skipped). Sample data is read per track in runs of contiguous samples of
 * at most `readSize` bytes, so interleaved and non-interleaved files both cost about one
 * read per chunk and no byte is read twice.
 *
 * Times follow FFmpeg's mov demuxer, so they equal `ffprobe -show_packets`: the edit
 * shift (moov.ts) applies to all; with negative composition offsets a progressive track's
 * decode times move back by the largest of them, and a fragmented track's presentation
 * times move forward by the largest seen so far — either way no sample is presented
 * before it is decoded.
 *
 * Invariants (bounded memory): a `moov`/`moof` is loaded only up to `maxBoxSize`, a sample
 * only up to `maxSampleSize` and only inside the file, a track yields at most `maxSamples`;
 * at most `MAX_PENDING_RUNS` fragment runs wait in memory (a track with no samples in the
 * next fragments then lets the others go first). Errors are `ERR_MP4_*` only.
 */

import { ProtocolCode } from '../error-codes.js';
import { av1ConfigFromSample } from './av1.js';
import { MAX_BOX_HEADER, readBoxHeader } from './box.js';
import { mp4Error, mp4UsageError } from './errors.js';
import { type FragmentTrackState, parseMoof } from './fragment.js';
import { type MovieBox, type Mp4Track, parseMoov, type TrackBox } from './moov.js';
import { mpegAudioHeader } from './sample-entry.js';
import { type RawSample, type SampleSource, TableCursor } from './sample-table.js';

/** Limits of the reader; every one bounds memory or work on hostile input. */
export interface Mp4Limits {
  /** Largest `moov` or `moof` box loaded into memory (default 64 MiB). */
  maxBoxSize: number;
  /** Largest sample (default 64 MiB). */
  maxSampleSize: number;
  /** Most samples of one track (default 2^27). */
  maxSamples: number;
  /** Bytes read at once for a run of one track's contiguous samples (default 1 MiB). */
  readSize: number;
}

/** The defaults of `Mp4Limits`. */
export const DEFAULT_MP4_LIMITS: Readonly<Mp4Limits> = {
  maxBoxSize: 64 << 20,
  maxSampleSize: 64 << 20,
  maxSamples: 2 ** 27,
  readSize: 1 << 20,
};

/** Fragment runs waiting in memory, at most. */
const MAX_PENDING_RUNS = 1024;
/** Samples joined into one read, at most (bounds the queue of tiny samples). */
const MAX_RUN_SAMPLES = 4096;

/** Checks and completes caller limits. */
export function mp4Limits(options: Partial<Mp4Limits> = {}): Mp4Limits {
  const out = { ...DEFAULT_MP4_LIMITS };
  for (const key of Object.keys(DEFAULT_MP4_LIMITS) as (keyof Mp4Limits)[]) {
    const v = options[key];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v < 1) throw mp4UsageError(`${key} must be a positive integer, got ${v}`);
    out[key] = v;
  }
  return out;
}

/** One sample, in decode order across the selected tracks. */
export interface Mp4Sample {
  track: Mp4Track;
  /** 0-based number of the sample in its track. */
  index: number;
  /** Decode time in track ticks (edit list applied; may be negative at the start). */
  dts: number;
  /** Presentation (composition) time in track ticks. */
  pts: number;
  /** Duration in track ticks. */
  duration: number;
  /** `dts` in milliseconds, rounded down. */
  dtsMs: number;
  /** `pts` in milliseconds, rounded down. */
  ptsMs: number;
  /**
   * Nanoseconds to add to `dtsMs` for the exact decode time (0…999,999): an E-RTMP ModEx
   * TimestampOffsetNano.
   */
  timestampOffsetNano: number;
  /** A sync sample (keyframe); every audio sample of a fragment is one. */
  keyframe: boolean;
  /** File offset of the data. */
  offset: number;
  /** The sample bytes (a view of a read buffer). */
  data: Buffer;
}

/** A read the driver must answer with the bytes `[offset, offset + length)` of the file. */
export interface Mp4ReadRequest {
  kind: 'read';
  offset: number;
  length: number;
}

/** What `readSamples` yields: a read to answer or a sample to hand out. */
export type Mp4Step = Mp4ReadRequest | { kind: 'sample'; sample: Mp4Sample };

/** A movie found by `openMovie`. */
export interface OpenedMovie {
  movie: MovieBox;
  /** File size. */
  size: number;
  /** Where movie fragments may start (the end of the moov), or `size` for a progressive movie. */
  fragmentsFrom: number;
}

function* read(offset: number, length: number): Generator<Mp4ReadRequest, Buffer, Buffer | undefined> {
  const buf = yield { kind: 'read', offset, length };
  if (!buf || buf.length < length) {
    throw mp4Error(
      ProtocolCode.MP4_TRUNCATED,
      `the file ended at ${offset + (buf?.length ?? 0)} inside bytes ${offset}…${offset + length}`,
    );
  }
  return buf.length === length ? buf : buf.subarray(0, length);
}

/** Reads the header of the top-level box at `pos` (relative positions in the result). */
function* topLevelBox(pos: number, size: number) {
  const head = yield* read(pos, Math.min(MAX_BOX_HEADER, size - pos));
  return readBoxHeader(head, 0, size - pos);
}

/**
 * Finds and parses the `moov` of a file of `size` bytes.
 *
 * @throws RTMPProtocolError `ERR_MP4_*` (`ERR_MP4_NO_MOVIE` without a moov; `ERR_MP4_BAD_BOX`
 *   when the first box type is not printable — not an ISO-BMFF file)
 */
export function* openMovie(
  size: number,
  limits: Mp4Limits,
): Generator<Mp4ReadRequest, OpenedMovie, Buffer | undefined> {
  let pos = 0;
  while (size - pos >= 8) {
    const head = yield* read(pos, Math.min(MAX_BOX_HEADER, size - pos));
    const type = head.toString('latin1', 4, 8);
    if (!/^[\x20-\x7e]{4}$/.test(type)) {
      throw mp4Error(
        ProtocolCode.MP4_BAD_BOX,
        `not an MP4 (ISO-BMFF) file: box type ${JSON.stringify(type)} at ${pos}`,
      );
    }
    const h = readBoxHeader(head, 0, size - pos);
    if (h.type === 'moov') {
      if (h.end > limits.maxBoxSize) {
        throw mp4Error(
          ProtocolCode.MP4_TOO_LARGE,
          `'moov' of ${h.end} bytes exceeds maxBoxSize ${limits.maxBoxSize}`,
        );
      }
      const buf = yield* read(pos, h.end);
      const movie = parseMoov(buf, h);
      const opened = { movie, size, fragmentsFrom: movie.fragmented ? pos + h.end : size };
      yield* completeFromFirstSample(opened, limits);
      return opened;
    }
    pos += h.end;
  }
  throw mp4Error(ProtocolCode.MP4_NO_MOVIE, "no 'moov' box in the file");
}

/**
 * What the sample description leaves out but the first sample tells: an MP3 track's real
 * rate and channels (MPEG audio header), an AV1 track's record when its av1C is empty.
 */
function* completeFromFirstSample(opened: OpenedMovie, limits: Mp4Limits) {
  for (const { track } of opened.movie.tracks) {
    const mp3 = track.codec === 'mp3';
    const av1 = track.codec === 'av1' && (track.config?.length ?? 0) < 4;
    if (!mp3 && !av1) continue;
    const first = yield* firstSample(opened, limits, track.id);
    if (!first) continue;
    if (mp3) Object.assign(track, mpegAudioHeader(first.data));
    else track.config = av1ConfigFromSample(first.data) ?? track.config;
  }
}

/** The first sample of one track (reading what it takes), or undefined when it has none. */
function* firstSample(opened: OpenedMovie, limits: Mp4Limits, id: number) {
  const gen = readSamples(opened, limits, [id]);
  try {
    for (let r = gen.next(); !r.done; ) {
      if (r.value.kind === 'sample') return r.value.sample;
      r = gen.next(yield r.value);
    }
    return undefined;
  } finally {
    gen.return();
  }
}

/** A sample with its times resolved, waiting to be read. */
interface Timed {
  raw: RawSample;
  dts: number;
  pts: number;
}

/** A source and how its composition offsets become times. */
interface Source {
  source: SampleSource;
  fragment: boolean;
  ctsShift: number;
}

/** One selected track's reading state. */
class TrackReader {
  readonly box: TrackBox;
  readonly frag: FragmentTrackState;
  readonly sources: Source[] = [];
  #queue: Timed[] = [];
  #head = 0;
  window: { start: number; buf: Buffer } | undefined;
  index = 0;

  constructor(box: TrackBox, frag: FragmentTrackState) {
    this.box = box;
    this.frag = frag;
  }

  /** The `k`-th queued sample, pulling from the sources as needed; undefined when they are dry. */
  peek(k: number, size: number, limits: Mp4Limits): Timed | undefined {
    while (this.#queue.length - this.#head <= k) {
      const next = this.#pull(size, limits);
      if (!next) return undefined;
      this.#queue.push(next);
    }
    return this.#queue[this.#head + k];
  }

  take(): Timed {
    const t = this.#queue[this.#head++]!;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return t;
  }

  #pull(size: number, limits: Mp4Limits): Timed | undefined {
    while (this.sources.length > 0) {
      const s = this.sources[0]!;
      const raw = s.source.next();
      if (!raw) {
        this.sources.shift();
        continue;
      }
      if (raw.size > limits.maxSampleSize) {
        throw mp4Error(
          ProtocolCode.MP4_TOO_LARGE,
          `track ${this.box.track.id}: a sample of ${raw.size} bytes exceeds maxSampleSize ${limits.maxSampleSize}`,
        );
      }
      if (raw.offset < 0 || raw.offset + raw.size > size) {
        throw mp4Error(
          ProtocolCode.MP4_BAD_SAMPLE,
          `track ${this.box.track.id}: sample at ${raw.offset} (${raw.size} bytes) lies outside the file of ${size} bytes`,
        );
      }
      const time = raw.decodeTime + this.box.editShift;
      return s.fragment
        ? { raw, dts: time, pts: time + s.ctsShift + raw.ctsOffset }
        : { raw, dts: time - s.ctsShift, pts: time + raw.ctsOffset };
    }
    return undefined;
  }
}

/** `t` ticks of `timescale` as whole milliseconds (floor) and the nanoseconds beyond them. */
export function splitMilliseconds(t: number, timescale: number): [number, number] {
  const seconds = Math.floor(t / timescale);
  const rest = (t - seconds * timescale) * 1000; // < 1000 × timescale ≤ 2^42
  const ms = Math.floor(rest / timescale);
  return [seconds * 1000 + ms, Math.floor(((rest - ms * timescale) * 1e6) / timescale)];
}

/**
 * Yields the samples of the tracks `trackIds` (default: every audio and video track) in
 * decode order, asking for the bytes it needs.
 *
 * @throws RTMPProtocolError `ERR_MP4_*`; RTMPUsageError `ERR_MP4_INVALID_ARGUMENT` (unknown track id)
 */
export function* readSamples(
  opened: OpenedMovie,
  limits: Mp4Limits,
  trackIds?: readonly number[],
): Generator<Mp4Step, void, Buffer | undefined> {
  const { movie, size } = opened;
  const boxes = new Map(movie.tracks.map((t) => [t.track.id, t]));
  const ids = trackIds ?? movie.tracks.filter((t) => t.track.kind !== 'other').map((t) => t.track.id);
  for (const id of ids) if (!boxes.has(id)) throw mp4UsageError(`the movie has no track ${id}`);
  const wanted = new Set(ids);
  const frag = new Map<number, FragmentTrackState>();
  const readers: TrackReader[] = [];
  for (const box of movie.tracks) {
    const { tables } = box;
    if (tables.sampleCount > limits.maxSamples) {
      throw mp4Error(
        ProtocolCode.MP4_TOO_LARGE,
        `track ${box.track.id} has more than ${limits.maxSamples} samples`,
      );
    }
    const state: FragmentTrackState = {
      audio: box.track.kind === 'audio',
      trex: box.trex,
      decodeTime: 0,
      ctsShift: tables.ctsShift,
      samples: tables.sampleCount,
    };
    frag.set(box.track.id, state);
    if (!wanted.has(box.track.id)) continue;
    const reader = new TrackReader(box, state);
    if (tables.sampleCount > 0) {
      reader.sources.push({ source: new TableCursor(tables), fragment: false, ctsShift: tables.ctsShift });
    }
    readers.push(reader);
  }
  // Without a tfdt the first fragment continues after the moov's samples.
  for (const box of movie.tracks) frag.get(box.track.id)!.decodeTime = tablesDuration(box.tables);

  let fragPos = opened.fragmentsFrom;
  const pending = () => readers.reduce((n, r) => n + r.sources.length, 0);
  const nextFragment = function* () {
    while (size - fragPos >= 8) {
      const at = fragPos;
      const h = yield* topLevelBox(at, size);
      fragPos += h.end;
      if (h.type !== 'moof') continue;
      if (h.end > limits.maxBoxSize) {
        throw mp4Error(
          ProtocolCode.MP4_TOO_LARGE,
          `'moof' of ${h.end} bytes exceeds maxBoxSize ${limits.maxBoxSize}`,
        );
      }
      const buf = yield* read(at, h.end);
      for (const run of parseMoof(buf, h, at, frag, wanted, limits.maxSamples)) {
        const reader = readers.find((r) => r.box.track.id === run.trackId)!;
        reader.sources.push({ source: run.source, fragment: true, ctsShift: run.ctsShift });
      }
      return;
    }
    fragPos = size;
  };

  const active = readers.slice();
  while (active.length > 0) {
    let best: TrackReader | undefined;
    let bestTime = 0;
    for (let i = 0; i < active.length; i++) {
      const reader = active[i]!;
      let head = reader.peek(0, size, limits);
      while (!head && fragPos < size && pending() < MAX_PENDING_RUNS) {
        yield* nextFragment();
        head = reader.peek(0, size, limits);
      }
      if (!head) {
        if (fragPos >= size) active.splice(i--, 1);
        continue;
      }
      const time = head.dts / reader.box.track.timescale;
      if (!best || time < bestTime) {
        best = reader;
        bestTime = time;
      }
    }
    if (!best) continue;
    const t = best.take();
    const data = yield* sampleData(best, t.raw, size, limits);
    const { track } = best.box;
    const [dtsMs, nano] = splitMilliseconds(t.dts, track.timescale);
    const sample: Mp4Sample = {
      track,
      index: best.index++,
      dts: t.dts,
      pts: t.pts,
      duration: t.raw.duration,
      dtsMs,
      ptsMs: splitMilliseconds(t.pts, track.timescale)[0],
      timestampOffsetNano: nano,
      keyframe: t.raw.sync,
      offset: t.raw.offset,
      data,
    };
    yield { kind: 'sample', sample };
  }
}

const EMPTY = Buffer.alloc(0);

/** Sum of the stts durations of the table's samples. */
function tablesDuration(t: TrackBox['tables']): number {
  let left = t.sampleCount;
  let total = 0;
  for (let i = 0; i < t.stts.count && left > 0; i++) {
    const n = Math.min(left, t.stts.buf.readUInt32BE(t.stts.at + i * 8));
    total += n * t.stts.buf.readUInt32BE(t.stts.at + i * 8 + 4);
    left -= n;
  }
  return total;
}

/** The bytes of `raw`, from the track's read window or a new read of its contiguous run. */
function* sampleData(reader: TrackReader, raw: RawSample, size: number, limits: Mp4Limits) {
  if (raw.size === 0) return EMPTY;
  const w = reader.window;
  if (!w || raw.offset < w.start || raw.offset + raw.size > w.start + w.buf.length) {
    let end = raw.offset + raw.size;
    for (let k = 0; k < MAX_RUN_SAMPLES && end - raw.offset < limits.readSize; k++) {
      const next = reader.peek(k, size, limits);
      if (!next || next.raw.offset !== end || end + next.raw.size - raw.offset > limits.readSize) break;
      end += next.raw.size;
    }
    reader.window = { start: raw.offset, buf: yield* read(raw.offset, end - raw.offset) };
  }
  const start = raw.offset - reader.window!.start;
  return reader.window!.buf.subarray(start, start + raw.size);
}
