/**
 * Builds `onMetaData` properties with the Enhanced RTMP fields (ERTMP-V2 "Enhancing
 * onMetaData"; FLV-10.1 E.5 for the classic names): the default video and audio track
 * (track 0, else the first of its kind) fill the top-level fields, `videocodecid` /
 * `audiocodecid` as the FourCC read as a big-endian UI32 (`av01` = 1635135537) — or the
 * legacy FLV codec id (7 AVC, 10 AAC, 2 MP3) when the caller writes legacy tags — and
 * every other track goes into `videoTrackIdInfoMap` / `audioTrackIdInfoMap`, AMF Objects
 * keyed by track id whose values carry that track's properties (the spec's example
 * names: `width`, `height`, `videodatarate`, `channels`, `samplerate`, `audiodatarate`).
 *
 * Invariants: pure; properties whose value is unknown are left out; the result is what
 * `metadataTag` encodes and `parseOnMetaData` reads back.
 */
import { AMFObject, type AmfValue } from '../amf/types.js';
import { flvUsageError } from './errors.js';
import { type AudioCodec, fourcc, SoundFormat, type VideoCodec, VideoCodecId } from './media.js';
import { codecFourCC } from './media-writer.js';
import { metadataTag } from './script.js';

/** What `onMetaData` says about one track. */
export interface MetadataTrack {
  kind: 'video' | 'audio';
  /** E-RTMP track id (default 0). */
  trackId?: number;
  codec: VideoCodec | AudioCodec;
  /** The FourCC when `codec` is `'unknown'`. */
  fourcc?: string | undefined;
  width?: number | undefined;
  height?: number | undefined;
  /** Frames per second. */
  frameRate?: number | undefined;
  /** kbit/s. */
  dataRate?: number | undefined;
  /** Hz. */
  sampleRate?: number | undefined;
  channels?: number | undefined;
  /** Bits per sample. */
  sampleSize?: number | undefined;
}

/** Options of `buildOnMetaData`. */
export interface OnMetaDataOptions {
  /** Seconds. */
  duration?: number | undefined;
  /** Codec ids as legacy FLV numbers where one exists (AVC 7, AAC 10, MP3 2), as legacy tags need. */
  legacy?: boolean;
  /** `encoder` property. */
  encoder?: string | undefined;
}

const LEGACY_ID: Record<string, number> = {
  avc: VideoCodecId.AVC,
  aac: SoundFormat.AAC,
  mp3: SoundFormat.MP3,
};

/** The `videocodecid` / `audiocodecid` value of a track. */
function codecId(t: MetadataTrack, legacy: boolean): number | undefined {
  if (legacy && LEGACY_ID[t.codec] !== undefined) return LEGACY_ID[t.codec];
  const code = codecFourCC(t.codec) ?? t.fourcc;
  return code === undefined ? undefined : fourcc(code);
}

/**
 * A track's properties: at the top level the FLV-10.1 names, in a track map the names of
 * the ERTMP-V2 example (`samplerate`, `channels`).
 */
function properties(t: MetadataTrack, legacy: boolean, top: boolean): [string, AmfValue | undefined][] {
  if (t.kind === 'video') {
    return [
      ['width', t.width],
      ['height', t.height],
      ['framerate', t.frameRate],
      ['videodatarate', t.dataRate],
      ['videocodecid', codecId(t, legacy)],
    ];
  }
  type Property = [string, AmfValue | undefined];
  const rate: Property = [top ? 'audiosamplerate' : 'samplerate', t.sampleRate];
  const channels: Property[] = top
    ? [
        ['stereo', t.channels === undefined ? undefined : t.channels > 1],
        ['audiochannels', t.channels],
      ]
    : [['channels', t.channels]];
  return [
    ['audiodatarate', t.dataRate],
    rate,
    ['audiosamplesize', t.sampleSize],
    ...channels,
    ['audiocodecid', codecId(t, legacy)],
  ];
}

function put(o: Record<string, AmfValue>, key: string, v: AmfValue | undefined): void {
  if (v !== undefined) o[key] = v;
}

/**
 * The `onMetaData` properties for `tracks` (pass them to `metadataTag`, or use
 * `onMetaDataTag`).
 *
 * @throws RTMPUsageError `ERR_FLV_INVALID_ARGUMENT` (a track id outside 0…255 or used twice)
 */
export function buildOnMetaData(
  tracks: readonly MetadataTrack[],
  options: OnMetaDataOptions = {},
): Record<string, AmfValue> {
  const legacy = options.legacy ?? false;
  const out: Record<string, AmfValue> = {};
  put(out, 'duration', options.duration);
  for (const kind of ['video', 'audio'] as const) {
    const mine = tracks.filter((t) => t.kind === kind);
    const seen = new Set<number>();
    for (const t of mine) {
      const id = t.trackId ?? 0;
      if (!Number.isInteger(id) || id < 0 || id > 255)
        throw flvUsageError(`trackId must be 0…255, got ${id}`);
      if (seen.has(id)) throw flvUsageError(`two ${kind} tracks have trackId ${id}`);
      seen.add(id);
    }
    const main = mine.find((t) => (t.trackId ?? 0) === 0) ?? mine[0];
    if (!main) continue;
    const map = new AMFObject();
    for (const t of mine) {
      if (t === main) {
        for (const [k, v] of properties(t, legacy, true)) put(out, k, v);
        continue;
      }
      const o = new AMFObject();
      for (const [k, v] of properties(t, false, false)) put(o, k, v);
      map[String(t.trackId ?? 0)] = o;
    }
    if (Object.keys(map).length > 0) out[`${kind}TrackIdInfoMap`] = map;
  }
  put(out, 'encoder', options.encoder);
  return out;
}

/** The body of an `onMetaData` script tag for `tracks` (`buildOnMetaData` + `metadataTag`). */
export function onMetaDataTag(tracks: readonly MetadataTrack[], options?: OnMetaDataOptions): Buffer {
  return metadataTag(buildOnMetaData(tracks, options));
}
