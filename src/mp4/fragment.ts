/**
 * Movie fragments (ISO/IEC 14496-12 §8.8): a `moof` holds one `traf` per track with a
 * `tfhd` (track_ID, base data offset, defaults), an optional `tfdt` (base media decode
 * time, §8.8.12) and `trun` runs (§8.8.8) of samples whose data follows in an `mdat`.
 * Field defaults cascade trun → tfhd → `trex`. The base data offset is explicit, or the
 * moof's start (`default-base-is-moof`, and for the first traf), or the end of the
 * previous traf's data; a trun without `data_offset` continues after the previous run.
 * Without `tfdt` a track's decode time continues where its last fragment ended.
 *
 * Keyframes: audio samples always, others when `sample_is_non_sync_sample` is clear and
 * `sample_depends_on` is not 1 (it depends on others) — FFmpeg's rule. Composition
 * offsets are read as SI32 in both trun versions (writers put negative ones in version 0).
 *
 * Invariants: `RunCursor` walks a trun's table (a view into the moof buffer) lazily, so a
 * run costs no memory per sample; every entry table is checked against its box, and a
 * track's cumulative sample count against `maxSamples` (`ERR_MP4_TOO_LARGE`) before any
 * run is accepted. `sidx`, `mfra` and unknown boxes are skipped by the caller.
 */
import { ProtocolCode } from '../error-codes.js';
import type { ByteReader } from '../util/byte-reader.js';
import { type BoxHeader, boxReader, childBoxes, fullBox, u64 } from './box.js';
import { mp4Error } from './errors.js';
import type { TrexDefaults } from './moov.js';
import type { RawSample, SampleSource } from './sample-table.js';

const TFHD_BASE_DATA_OFFSET = 0x000001;
const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x000002;
const TFHD_DEFAULT_DURATION = 0x000008;
const TFHD_DEFAULT_SIZE = 0x000010;
const TFHD_DEFAULT_FLAGS = 0x000020;
const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;

const TRUN_DATA_OFFSET = 0x000001;
const TRUN_FIRST_SAMPLE_FLAGS = 0x000004;
const TRUN_DURATION = 0x000100;
const TRUN_SIZE = 0x000200;
const TRUN_FLAGS = 0x000400;
const TRUN_CTS = 0x000800;

/** sample_flags (§8.8.3.1): sample_is_non_sync_sample and sample_depends_on == 1. */
const SAMPLE_NON_SYNC = 0x00010000;
const SAMPLE_DEPENDS_MASK = 0x03000000;
const SAMPLE_DEPENDS_YES = 0x01000000;

/** Per-track state carried from fragment to fragment. */
export interface FragmentTrackState {
  /** Samples are audio (every one a keyframe). */
  audio: boolean;
  trex: TrexDefaults | undefined;
  /** Decode time where the next fragment continues when it has no tfdt. */
  decodeTime: number;
  /** Largest negative composition offset seen so far (as a positive number). */
  ctsShift: number;
  /** Samples of this track so far (moov tables and fragments). */
  samples: number;
}

/** A run of one track's samples from a fragment. */
export interface FragmentRun {
  trackId: number;
  source: RunCursor;
  /** The track's `ctsShift` once this fragment was read. */
  ctsShift: number;
}

/** Walks one trun's samples. */
export class RunCursor implements SampleSource {
  readonly #buf: Buffer;
  #at: number;
  #left: number;
  readonly #flags: number;
  #first = true;
  readonly #firstFlags: number;
  readonly #defaults: TrexDefaults;
  readonly #audio: boolean;
  #offset: number;
  #decodeTime: number;

  constructor(
    buf: Buffer,
    at: number,
    count: number,
    flags: number,
    firstFlags: number,
    defaults: TrexDefaults,
    audio: boolean,
    offset: number,
    decodeTime: number,
  ) {
    this.#buf = buf;
    this.#at = at;
    this.#left = count;
    this.#flags = flags;
    this.#firstFlags = firstFlags;
    this.#defaults = defaults;
    this.#audio = audio;
    this.#offset = offset;
    this.#decodeTime = decodeTime;
  }

  next(): RawSample | undefined {
    if (this.#left === 0) return undefined;
    this.#left--;
    const b = this.#buf;
    const f = this.#flags;
    const d = this.#defaults;
    const field = (bit: number, fallback: number): number => {
      if (!(f & bit)) return fallback;
      const v = b.readUInt32BE(this.#at);
      this.#at += 4;
      return v;
    };
    const duration = field(TRUN_DURATION, d.duration);
    const size = field(TRUN_SIZE, d.size);
    let sampleFlags = field(TRUN_FLAGS, d.flags);
    if (this.#first && f & TRUN_FIRST_SAMPLE_FLAGS) sampleFlags = this.#firstFlags;
    this.#first = false;
    const ctsOffset = field(TRUN_CTS, 0) | 0;
    const sample: RawSample = {
      offset: this.#offset,
      size,
      decodeTime: this.#decodeTime,
      duration,
      ctsOffset,
      sync:
        this.#audio ||
        ((sampleFlags & SAMPLE_NON_SYNC) === 0 && (sampleFlags & SAMPLE_DEPENDS_MASK) !== SAMPLE_DEPENDS_YES),
    };
    this.#offset += size;
    this.#decodeTime += duration;
    return sample;
  }
}

/**
 * Reads the track fragments of a `moof` box held in `buf` (`base` is the file position
 * of `buf[0]`), updates `tracks` (keyed by track_ID) and returns the runs of the tracks
 * in `wanted`, in file order. Trafs of unknown tracks are skipped.
 *
 * @throws RTMPProtocolError `ERR_MP4_TRUNCATED`, `ERR_MP4_BAD_BOX`, `ERR_MP4_TOO_LARGE`
 */
export function parseMoof(
  buf: Buffer,
  moof: BoxHeader,
  base: number,
  tracks: Map<number, FragmentTrackState>,
  wanted: ReadonlySet<number>,
  maxSamples: number,
): FragmentRun[] {
  const runs: FragmentRun[] = [];
  const moofStart = base + moof.start;
  let implicitBase = moofStart;
  for (const traf of childBoxes(buf, moof.bodyStart, moof.end)) {
    if (traf.type !== 'traf') continue;
    let tfhd: BoxHeader | undefined;
    let tfdt: BoxHeader | undefined;
    const truns: BoxHeader[] = [];
    for (const box of childBoxes(buf, traf.bodyStart, traf.end)) {
      if (box.type === 'tfhd') tfhd ??= box;
      else if (box.type === 'tfdt') tfdt ??= box;
      else if (box.type === 'trun') truns.push(box);
    }
    if (!tfhd) throw mp4Error(ProtocolCode.MP4_NO_MOVIE, "'traf' has no 'tfhd'");
    const r = boxReader(buf, tfhd);
    const { flags } = fullBox(r);
    const trackId = r.u32();
    const state = tracks.get(trackId);
    if (!state) continue;
    let dataBase =
      flags & TFHD_BASE_DATA_OFFSET
        ? u64(r, "'tfhd' base_data_offset")
        : flags & TFHD_DEFAULT_BASE_IS_MOOF
          ? moofStart
          : implicitBase;
    if (flags & TFHD_SAMPLE_DESCRIPTION_INDEX) r.skip(4);
    const trex = state.trex ?? { duration: 0, size: 0, flags: 0 };
    const defaults: TrexDefaults = {
      duration: flags & TFHD_DEFAULT_DURATION ? r.u32() : trex.duration,
      size: flags & TFHD_DEFAULT_SIZE ? r.u32() : trex.size,
      flags: flags & TFHD_DEFAULT_FLAGS ? r.u32() : trex.flags,
    };
    if (tfdt) {
      const t = boxReader(buf, tfdt);
      state.decodeTime = fullBox(t).version === 1 ? u64(t, "'tfdt' baseMediaDecodeTime") : t.u32();
    }
    for (const trun of truns) {
      const run = readTrun(buf, trun, state, defaults, dataBase, maxSamples, trackId);
      dataBase = run.end;
      if (wanted.has(trackId)) runs.push({ trackId, source: run.cursor, ctsShift: 0 });
    }
    implicitBase = dataBase;
  }
  for (const run of runs) run.ctsShift = tracks.get(run.trackId)!.ctsShift;
  return runs;
}

/** Checks one trun, folds it into the track state and returns its cursor and data end. */
function readTrun(
  buf: Buffer,
  trun: BoxHeader,
  state: FragmentTrackState,
  defaults: TrexDefaults,
  dataBase: number,
  maxSamples: number,
  trackId: number,
): { cursor: RunCursor; end: number } {
  const r: ByteReader = boxReader(buf, trun);
  const { flags } = fullBox(r);
  const count = r.u32();
  const start = flags & TRUN_DATA_OFFSET ? dataBase + r.i32() : dataBase;
  const firstFlags = flags & TRUN_FIRST_SAMPLE_FLAGS ? r.u32() : 0;
  const perSample =
    4 * (((flags >>> 8) & 1) + ((flags >>> 9) & 1) + ((flags >>> 10) & 1) + ((flags >>> 11) & 1));
  if (perSample > 0 && count > r.remaining / perSample) {
    throw mp4Error(ProtocolCode.MP4_TRUNCATED, `'trun' lists ${count} samples, ${r.remaining} bytes left`);
  }
  if (count > maxSamples - state.samples) {
    throw mp4Error(ProtocolCode.MP4_TOO_LARGE, `track ${trackId} has more than ${maxSamples} samples`);
  }
  state.samples += count;
  // One pass over the table for the run's data size, duration and composition offsets.
  let size = flags & TRUN_SIZE ? 0 : count * defaults.size;
  let duration = flags & TRUN_DURATION ? 0 : count * defaults.duration;
  if (perSample > 0) {
    for (let i = 0, at = r.pos; i < count; i++) {
      if (flags & TRUN_DURATION) {
        duration += buf.readUInt32BE(at);
        at += 4;
      }
      if (flags & TRUN_SIZE) {
        size += buf.readUInt32BE(at);
        at += 4;
      }
      if (flags & TRUN_FLAGS) at += 4;
      if (flags & TRUN_CTS) {
        const cts = buf.readInt32BE(at);
        if (cts < 0) state.ctsShift = Math.max(state.ctsShift, -cts);
        at += 4;
      }
    }
  }
  const cursor = new RunCursor(
    buf,
    r.pos,
    count,
    flags,
    firstFlags,
    defaults,
    state.audio,
    start,
    state.decodeTime,
  );
  state.decodeTime += duration;
  return { cursor, end: start + size };
}
