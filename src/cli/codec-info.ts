/**
 * Human facts about codecs for `rtmpkit probe` and `rtmpkit demo`: codec names, and what
 * the decoder configuration says — H.264 profile, level and picture size from the SPS
 * inside an AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.2.4.1; SPS syntax
 * ITU-T H.264 §7.3.2.1.1, cropping §7.4.2.1.1), H.265 profile/level from an
 * HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1), and AAC object type,
 * sample rate and channels from an AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1).
 *
 * Invariant: total — malformed configuration data yields fewer fields, never an exception.
 */
import type { AudioPacket, VideoPacket } from '../flv/media.js';

/** What a video stream is. */
export interface VideoInfo {
  /** rtmpkit's codec id (`avc`, `hevc`, `av1`, …). */
  codec: string;
  /** Display name (`H.264`, …). */
  name: string;
  /** E-RTMP FourCC, when the stream uses the enhanced format. */
  fourcc?: string;
  profile?: string;
  level?: string;
  width?: number;
  height?: number;
}

/** What an audio stream is. */
export interface AudioInfo {
  codec: string;
  name: string;
  fourcc?: string;
  /** AAC object type name (`LC`, `HE-AAC`, …). */
  profile?: string;
  /** Hz. */
  sampleRate?: number;
  channels?: number;
  /** Bits per sample (legacy FLV header). */
  sampleSize?: number;
}

const VIDEO_NAMES: Record<string, string> = {
  avc: 'H.264',
  hevc: 'H.265',
  vvc: 'H.266',
  av1: 'AV1',
  vp9: 'VP9',
  vp8: 'VP8',
  h263: 'Sorenson H.263',
  vp6: 'On2 VP6',
  vp6a: 'On2 VP6 with alpha',
  screen: 'Screen video',
  screen2: 'Screen video v2',
  jpeg: 'JPEG',
};

const AUDIO_NAMES: Record<string, string> = {
  aac: 'AAC',
  mp3: 'MP3',
  'mp3-8k': 'MP3 8 kHz',
  opus: 'Opus',
  flac: 'FLAC',
  ac3: 'AC-3',
  eac3: 'E-AC-3',
  pcm: 'PCM',
  'pcm-le': 'PCM little-endian',
  adpcm: 'ADPCM',
  nellymoser: 'Nellymoser',
  'nellymoser-8k': 'Nellymoser 8 kHz',
  'nellymoser-16k': 'Nellymoser 16 kHz',
  g711a: 'G.711 A-law',
  g711u: 'G.711 µ-law',
  speex: 'Speex',
  device: 'device-specific',
};

/** Bit reader over an RBSP (emulation prevention bytes already removed). */
class Bits {
  #pos = 0;
  constructor(readonly buf: Uint8Array) {}
  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.buf[this.#pos >>> 3];
      if (byte === undefined) throw new RangeError('end of data');
      v = v * 2 + ((byte >>> (7 - (this.#pos & 7))) & 1);
      this.#pos++;
    }
    return v;
  }
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (++zeros > 31) throw new RangeError('bad exp-Golomb code');
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

/** Removes H.264/H.265 emulation prevention bytes (00 00 03 → 00 00). */
function unescapeRbsp(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length);
  let n = 0;
  let zeros = 0;
  for (const byte of nal) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = byte;
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}

const AVC_PROFILES: Record<number, string> = {
  66: 'Baseline',
  77: 'Main',
  88: 'Extended',
  100: 'High',
  110: 'High 10',
  122: 'High 4:2:2',
  244: 'High 4:4:4 Predictive',
  44: 'CAVLC 4:4:4 Intra',
};

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Facts from an H.264 SPS NAL unit (with its 1-byte NAL header). */
export function parseAvcSps(nal: Uint8Array): {
  profile?: string;
  level?: string;
  width?: number;
  height?: number;
} {
  const out: { profile?: string; level?: string; width?: number; height?: number } = {};
  try {
    const b = new Bits(unescapeRbsp(nal));
    if ((b.u(8) & 0x1f) !== 7) return out;
    const profileIdc = b.u(8);
    const constraints = b.u(8);
    const levelIdc = b.u(8);
    out.profile =
      profileIdc === 66 && (constraints & 0x40) !== 0
        ? 'Constrained Baseline'
        : (AVC_PROFILES[profileIdc] ?? `profile ${profileIdc}`);
    out.level = levelIdc === 9 ? '1b' : (levelIdc / 10).toFixed(1);
    b.ue(); // seq_parameter_set_id
    let chromaFormatIdc = 1;
    let separateColourPlane = 0;
    if (HIGH_PROFILES.has(profileIdc)) {
      chromaFormatIdc = b.ue();
      if (chromaFormatIdc === 3) separateColourPlane = b.u(1);
      b.ue(); // bit_depth_luma_minus8
      b.ue(); // bit_depth_chroma_minus8
      b.u(1); // qpprime_y_zero_transform_bypass_flag
      if (b.u(1) === 1) {
        const lists = chromaFormatIdc !== 3 ? 8 : 12;
        for (let i = 0; i < lists; i++) {
          if (b.u(1) === 0) continue;
          const size = i < 6 ? 16 : 64;
          let last = 8;
          let next = 8;
          for (let j = 0; j < size; j++) {
            if (next !== 0) next = (last + b.se() + 256) % 256;
            last = next === 0 ? last : next;
          }
        }
      }
    }
    b.ue(); // log2_max_frame_num_minus4
    const pocType = b.ue();
    if (pocType === 0) b.ue();
    else if (pocType === 1) {
      b.u(1);
      b.se();
      b.se();
      const n = b.ue();
      for (let i = 0; i < n; i++) b.se();
    }
    b.ue(); // max_num_ref_frames
    b.u(1); // gaps_in_frame_num_value_allowed_flag
    const widthMbs = b.ue() + 1;
    const heightMapUnits = b.ue() + 1;
    const frameMbsOnly = b.u(1);
    if (frameMbsOnly === 0) b.u(1);
    b.u(1); // direct_8x8_inference_flag
    let [cl, cr, ct, cb] = [0, 0, 0, 0];
    if (b.u(1) === 1) [cl, cr, ct, cb] = [b.ue(), b.ue(), b.ue(), b.ue()];
    const chromaArray = separateColourPlane ? 0 : chromaFormatIdc;
    const subW = chromaArray === 1 || chromaArray === 2 ? 2 : 1;
    const subH = chromaArray === 1 ? 2 : 1;
    const cropX = chromaArray === 0 ? 1 : subW;
    const cropY = (chromaArray === 0 ? 1 : subH) * (2 - frameMbsOnly);
    out.width = widthMbs * 16 - (cl + cr) * cropX;
    out.height = (2 - frameMbsOnly) * heightMapUnits * 16 - (ct + cb) * cropY;
  } catch {
    // Truncated or odd SPS: keep what was read.
  }
  return out;
}

/** Facts from an AVCDecoderConfigurationRecord (its first SPS). */
export function parseAvcConfig(record: Uint8Array): {
  profile?: string;
  level?: string;
  width?: number;
  height?: number;
} {
  if (record.length < 8 || record[0] !== 1) return {};
  const numSps = record[5]! & 0x1f;
  if (numSps === 0) return {};
  const len = (record[6]! << 8) | record[7]!;
  if (8 + len > record.length) return {};
  return parseAvcSps(record.subarray(8, 8 + len));
}

const HEVC_PROFILES: Record<number, string> = {
  1: 'Main',
  2: 'Main 10',
  3: 'Main Still Picture',
  4: 'Range Extensions',
};

/** Profile and level from an HEVCDecoderConfigurationRecord. */
export function parseHevcConfig(record: Uint8Array): { profile?: string; level?: string } {
  if (record.length < 13 || record[0] !== 1) return {};
  const profileIdc = record[1]! & 0x1f;
  const levelIdc = record[12]!;
  return {
    profile: HEVC_PROFILES[profileIdc] ?? `profile ${profileIdc}`,
    level: (levelIdc / 30).toFixed(levelIdc % 30 === 0 ? 0 : 1),
  };
}

const AAC_OBJECT_TYPES: Record<number, string> = {
  1: 'Main',
  2: 'LC',
  3: 'SSR',
  4: 'LTP',
  5: 'HE-AAC',
  6: 'Scalable',
  23: 'LD',
  29: 'HE-AACv2',
  39: 'ELD',
  42: 'USAC',
};

const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** Object type, sample rate and channels from an AAC AudioSpecificConfig. */
export function parseAacConfig(asc: Uint8Array): {
  profile?: string;
  sampleRate?: number;
  channels?: number;
} {
  const out: { profile?: string; sampleRate?: number; channels?: number } = {};
  try {
    const b = new Bits(asc);
    let aot = b.u(5);
    if (aot === 31) aot = 32 + b.u(6);
    out.profile = AAC_OBJECT_TYPES[aot] ?? `object type ${aot}`;
    const fi = b.u(4);
    const rate = fi === 15 ? b.u(24) : AAC_RATES[fi];
    if (rate !== undefined) out.sampleRate = rate;
    const channelConfig = b.u(4);
    if (channelConfig >= 1 && channelConfig <= 6) out.channels = channelConfig;
    else if (channelConfig === 7) out.channels = 8;
  } catch {
    // Truncated: keep what was read.
  }
  return out;
}

/** What a video packet (a sequence header gives the most) says about its stream. */
export function videoInfo(p: VideoPacket): VideoInfo {
  const info: VideoInfo = { codec: p.codec, name: VIDEO_NAMES[p.codec] ?? p.codec };
  if (p.fourcc !== undefined) info.fourcc = p.fourcc;
  if (p.isSequenceHeader) {
    if (p.codec === 'avc') Object.assign(info, parseAvcConfig(p.data));
    else if (p.codec === 'hevc') Object.assign(info, parseHevcConfig(p.data));
  }
  return info;
}

/** What an audio packet (an AAC sequence header gives the most) says about its stream. */
export function audioInfo(p: AudioPacket): AudioInfo {
  const info: AudioInfo = { codec: p.codec, name: AUDIO_NAMES[p.codec] ?? p.codec };
  if (p.fourcc !== undefined) info.fourcc = p.fourcc;
  if (p.soundRate !== undefined && p.codec !== 'aac') info.sampleRate = p.soundRate;
  if (p.channels !== undefined && p.codec !== 'aac') info.channels = p.channels;
  if (p.soundSize !== undefined && p.codec !== 'aac') info.sampleSize = p.soundSize;
  if (p.codec === 'aac' && p.isSequenceHeader) Object.assign(info, parseAacConfig(p.data));
  return info;
}

/** A one-line summary: `H.264 High 3.1, 1280x720` / `AAC LC, 44100 Hz, 2 channels`. */
export function describeVideo(v: VideoInfo): string {
  const parts = [[v.name, v.profile, v.level].filter((x) => x !== undefined).join(' ')];
  if (v.width !== undefined && v.height !== undefined) parts.push(`${v.width}x${v.height}`);
  if (v.fourcc !== undefined) parts.push(`FourCC ${v.fourcc}`);
  return parts.join(', ');
}

/** A one-line summary of an audio stream. */
export function describeAudio(a: AudioInfo): string {
  const parts = [[a.name, a.profile].filter((x) => x !== undefined).join(' ')];
  if (a.sampleRate !== undefined) parts.push(`${a.sampleRate} Hz`);
  if (a.channels !== undefined)
    parts.push(a.channels === 1 ? 'mono' : a.channels === 2 ? 'stereo' : `${a.channels} channels`);
  if (a.sampleSize !== undefined) parts.push(`${a.sampleSize}-bit`);
  if (a.fourcc !== undefined) parts.push(`FourCC ${a.fourcc}`);
  return parts.join(', ');
}
