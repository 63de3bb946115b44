/**
 * `onMetaData` normalization (FLV-10.1 E.4.4/E.5; ERTMP-V2 "Enhancing onMetaData",
 * "Multitrack Streaming").
 *
 * Accepts what real peers send: the properties as an ECMA array or an Object (ERTMP-V2:
 * accept both), behind `onMetaData` or `@setDataFrame, onMetaData`; `videocodecid` /
 * `audiocodecid` as legacy FLV ids (7, 10), FourCC numbers (`av01` = 1635135537) or
 * strings (`"avc1"`, `"mp4a"`, FMLE style; numeric strings too); keys in any letter case
 * (first spelling wins); numbers also as numeric strings. Values that make no sense
 * (NaN, ±Infinity, negative sizes/durations) are left out of the typed fields — the raw
 * property stays in `properties`. `videoTrackIdInfoMap` / `audioTrackIdInfoMap` become
 * per-track metadata keyed by track id.
 *
 * Invariants: never throws for any AMF value; never recurses deeper than the track maps.
 */
import { AMFDouble, type AmfValue } from '../amf/types.js';
import {
  type AudioCodec,
  audioCodecOfFourCC,
  fourcc,
  fourccToString,
  legacyAudioCodec,
  legacyVideoCodec,
  type VideoCodec,
  videoCodecOfFourCC,
} from './media.js';
import { isAmfObjectLike, ON_METADATA, SET_DATA_FRAME } from './script.js';

/** Normalized `onMetaData`. Typed fields are present only when the property was usable. */
export interface FlvMetadata {
  /** Seconds. */
  duration?: number;
  width?: number;
  height?: number;
  /** Frames per second (`framerate`, or `videoframerate` as some encoders write). */
  framerate?: number;
  /** kbit/s. */
  videoDataRate?: number;
  /** kbit/s. */
  audioDataRate?: number;
  /** Hz. */
  audioSampleRate?: number;
  /** Bits. */
  audioSampleSize?: number;
  stereo?: boolean;
  /** `audiochannels`, or 2/1 from `stereo`. */
  audioChannels?: number;
  /** Bytes. */
  fileSize?: number;
  /** `videocodecid` as sent (number or string). */
  videoCodecId?: number | string;
  videoCodec?: VideoCodec;
  /** FourCC text when the id was a FourCC (number > 255 or 4-character string). */
  videoFourCc?: string;
  /** `audiocodecid` as sent (number or string). */
  audioCodecId?: number | string;
  audioCodec?: AudioCodec;
  audioFourCc?: string;
  encoder?: string;
  canSeekToEnd?: boolean;
  creationDate?: string | Date;
  /** `keyframes { times[], filepositions[] }` (numbers only; equal lengths not enforced). */
  keyframes?: { times: number[]; filePositions: number[] };
  /** Per-track metadata from `videoTrackIdInfoMap` (ERTMP-V2 multitrack). */
  videoTracks?: Map<number, FlvMetadata>;
  /** Per-track metadata from `audioTrackIdInfoMap`. */
  audioTracks?: Map<number, FlvMetadata>;
  /** Every property as sent (keys as sent), null-prototype. */
  properties: Record<string, AmfValue>;
}

/**
 * Normalizes `onMetaData`. `input` is a script tag's values (`['onMetaData', {…}]`,
 * `['@setDataFrame', 'onMetaData', {…}]`) or the properties object itself (ECMA array,
 * AMFObject or Map). Undefined when no properties object is found (or, for a values
 * array, when the name is not `onMetaData`).
 */
export function parseOnMetaData(input: readonly AmfValue[] | AmfValue): FlvMetadata | undefined {
  let props: AmfValue;
  if (Array.isArray(input)) {
    let i = 0;
    if (input[i] === SET_DATA_FRAME) i++;
    if (input[i] === ON_METADATA) i++;
    else if (typeof input[i] === 'string') return undefined;
    props = input[i];
  } else {
    props = input as AmfValue;
  }
  const entries = propertyEntries(props);
  return entries === undefined ? undefined : normalize(entries, true);
}

function propertyEntries(v: AmfValue): [string, AmfValue][] | undefined {
  if (v instanceof Map) {
    const out: [string, AmfValue][] = [];
    for (const [k, val] of v) if (typeof k === 'string') out.push([k, val as AmfValue]);
    return out;
  }
  if (isAmfObjectLike(v)) return Object.entries(v);
  return undefined;
}

function normalize(entries: [string, AmfValue][], top: boolean): FlvMetadata {
  const properties = Object.create(null) as Record<string, AmfValue>;
  const lower = new Map<string, AmfValue>();
  for (const [k, v] of entries) {
    properties[k] = v;
    const lk = k.toLowerCase();
    if (!lower.has(lk)) lower.set(lk, v);
  }
  const meta: FlvMetadata = { properties };
  const num = (key: string) => nonNegative(lower.get(key));
  setIf(meta, 'duration', num('duration'));
  setIf(meta, 'width', num('width'));
  setIf(meta, 'height', num('height'));
  setIf(meta, 'framerate', num('framerate') ?? num('videoframerate') ?? num('fps'));
  setIf(meta, 'videoDataRate', num('videodatarate'));
  setIf(meta, 'audioDataRate', num('audiodatarate'));
  setIf(meta, 'audioSampleRate', num('audiosamplerate') ?? num('samplerate'));
  setIf(meta, 'audioSampleSize', num('audiosamplesize'));
  setIf(meta, 'fileSize', num('filesize'));
  const stereo = bool(lower.get('stereo'));
  setIf(meta, 'stereo', stereo);
  setIf(
    meta,
    'audioChannels',
    num('audiochannels') ?? num('channels') ?? (stereo === undefined ? undefined : stereo ? 2 : 1),
  );
  setIf(meta, 'canSeekToEnd', bool(lower.get('canseektoend')));
  const encoder = lower.get('encoder');
  if (typeof encoder === 'string') meta.encoder = encoder;
  const created = lower.get('creationdate');
  if (typeof created === 'string' || created instanceof Date) meta.creationDate = created;

  const vid = codecId(lower.get('videocodecid'));
  if (vid !== undefined) {
    meta.videoCodecId = vid.raw;
    meta.videoCodec =
      vid.fourcc !== undefined ? videoCodecOfFourCC(fourcc(vid.fourcc)) : legacyVideoCodec(vid.id);
    if (vid.fourcc !== undefined) meta.videoFourCc = vid.fourcc;
  }
  const aid = codecId(lower.get('audiocodecid'));
  if (aid !== undefined) {
    meta.audioCodecId = aid.raw;
    meta.audioCodec =
      aid.fourcc !== undefined ? audioCodecOfFourCC(fourcc(aid.fourcc)) : legacyAudioCodec(aid.id);
    if (aid.fourcc !== undefined) meta.audioFourCc = aid.fourcc;
  }

  const kf = propertyEntries(lower.get('keyframes') ?? null);
  if (kf !== undefined) {
    const k = new Map(kf.map(([name, v]) => [name.toLowerCase(), v] as const));
    meta.keyframes = { times: numbers(k.get('times')), filePositions: numbers(k.get('filepositions')) };
  }
  if (top) {
    const vt = trackMap(lower.get('videotrackidinfomap'));
    if (vt !== undefined) meta.videoTracks = vt;
    const at = trackMap(lower.get('audiotrackidinfomap'));
    if (at !== undefined) meta.audioTracks = at;
  }
  return meta;
}

function setIf<K extends keyof FlvMetadata>(meta: FlvMetadata, key: K, v: FlvMetadata[K] | undefined): void {
  if (v !== undefined) meta[key] = v;
}

function toNumber(v: AmfValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(v)) return Number(v);
  if (v instanceof AMFDouble) return v.value;
  return undefined;
}

function nonNegative(v: AmfValue | undefined): number | undefined {
  const n = toNumber(v);
  return n !== undefined && Number.isFinite(n) && n >= 0 ? n : undefined;
}

function bool(v: AmfValue | undefined): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  return undefined;
}

function numbers(v: AmfValue | undefined): number[] {
  if (!Array.isArray(v)) return [];
  const out: number[] = [];
  for (const x of v) if (typeof x === 'number' && Number.isFinite(x)) out.push(x);
  return out;
}

/** A codec id: legacy number, FourCC number, FourCC string or numeric string. */
function codecId(v: AmfValue | undefined): { raw: number | string; id: number; fourcc?: string } | undefined {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) return undefined;
    if (v > 0xff) return { raw: v, id: -1, fourcc: fourccToString(v) };
    return { raw: v, id: v };
  }
  if (typeof v === 'string') {
    if (/^\d{1,3}$/.test(v)) return { raw: v, id: Number(v) };
    if (v.length === 4 && /^[\x20-\x7e]{4}$/.test(v)) return { raw: v, id: -1, fourcc: v };
    return { raw: v, id: -1 };
  }
  return undefined;
}

function trackMap(v: AmfValue | undefined): Map<number, FlvMetadata> | undefined {
  const entries = propertyEntries(v ?? null);
  if (entries === undefined) return undefined;
  const out = new Map<number, FlvMetadata>();
  for (const [k, track] of entries) {
    const id = Number(k);
    const t = propertyEntries(track);
    if (Number.isInteger(id) && id >= 0 && id <= 255 && t !== undefined) out.set(id, normalize(t, false));
  }
  return out;
}
