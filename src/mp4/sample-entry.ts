/**
 * Sample descriptions (ISO/IEC 14496-12 §8.5.2 `stsd`): the codec of a track, its
 * picture size or sample rate and channels, and its decoder configuration record in the
 * form an E-RTMP SequenceStart carries it (ERTMP-V2 "Enhanced Video"/"Enhanced Audio"):
 *
 * | entry | box | E-RTMP FourCC | configuration record |
 * |---|---|---|---|
 * | avc1, avc3 | avcC | `avc1` | AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3) |
 * | hvc1, hev1 | hvcC | `hvc1` | HEVCDecoderConfigurationRecord (14496-15 §8.3.3) |
 * | av01 | av1C | `av01` | AV1CodecConfigurationRecord (AV1-ISOBMFF §2.3) |
 * | vp09, vp08 | vpcC | `vp09`/`vp08` | VPCodecConfigurationRecord (VP-ISOBMFF §2.2, without the FullBox header) |
 * | mp4a | esds | `mp4a` / `.mp3` | AudioSpecificConfig (14496-3 §1.6.2.1) for AAC; none for MP3 (objectTypeIndication 0x69/0x6B) |
 * | Opus | dOps | `Opus` | Opus ID header "OpusHead" (RFC 7845 §5.1), rebuilt from dOps (Opus-ISOBMFF §4.3.2) |
 * | fLaC | dfLa | `fLaC` | "fLaC" + the metadata blocks, STREAMINFO first (FLAC-ISOBMFF §3.3.2) |
 * | ac-3, ec-3 | dac3, dec3 | `ac-3`/`ec-3` | none: the syncframes describe themselves (ETSI TS 102 366 Annex F) |
 * | .mp3 | — | `.mp3` | none |
 *
 * Invariants: only the first sample description is read (all FFmpeg writes); every
 * descriptor length is checked against its box; an unknown entry gives `codec:
 * 'unknown'` and no FourCC rather than an error.
 */
import { ProtocolCode } from '../error-codes.js';
import type { AudioCodec, VideoCodec } from '../flv/media.js';
import { type BoxHeader, boxReader, childBoxes, findBox, fullBox } from './box.js';
import { mp4Error } from './errors.js';

/** What a track's sample description says. */
export interface Mp4CodecInfo {
  /** The sample entry type as written (`'avc1'`, `'hev1'`, `'mp4a'`, `'encv'`…). */
  sampleEntry: string;
  /** The codec, in the names rtmpkit's FLV parser uses. */
  codec: VideoCodec | AudioCodec;
  /** The E-RTMP FourCC that carries this codec, undefined when E-RTMP has none. */
  fourcc: string | undefined;
  /** Decoder configuration record as an E-RTMP SequenceStart carries it (see the module table). */
  config: Buffer | undefined;
  /** Visual sample entry width (pixels). */
  width: number | undefined;
  /** Visual sample entry height (pixels). */
  height: number | undefined;
  /** Audio sample rate in Hz (from the codec configuration where it has one). */
  sampleRate: number | undefined;
  /** Audio channel count (from the codec configuration where it has one). */
  channels: number | undefined;
}

const VIDEO_ENTRIES: Record<string, [VideoCodec, string, string]> = {
  avc1: ['avc', 'avc1', 'avcC'],
  avc3: ['avc', 'avc1', 'avcC'],
  hvc1: ['hevc', 'hvc1', 'hvcC'],
  hev1: ['hevc', 'hvc1', 'hvcC'],
  av01: ['av1', 'av01', 'av1C'],
  vp09: ['vp9', 'vp09', 'vpcC'],
  vp08: ['vp8', 'vp08', 'vpcC'],
};

/** ISO/IEC 14496-1 objectTypeIndication values this reader names. */
const OTI_AAC = new Set([0x40, 0x66, 0x67, 0x68]);
const OTI_MP3 = new Set([0x69, 0x6b]);

/** AAC samplingFrequencyIndex (ISO/IEC 14496-3 Table 1.18). */
const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
/** AAC channelConfiguration → channels (14496-3 Table 1.19; 0 = in a PCE). */
const AAC_CHANNELS = [0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8];
/** AC-3 fscod → Hz and acmod → full-bandwidth channels (ETSI TS 102 366 §4.4.1). */
const AC3_RATES = [48000, 44100, 32000];
const AC3_CHANNELS = [2, 1, 2, 3, 3, 4, 4, 5];
/** E-AC-3 chan_loc bits, most significant first → channels (ETSI TS 102 366 Table E.1.4). */
const EAC3_CHAN_LOC = [2, 2, 1, 1, 2, 2, 2, 1, 1];

function unknown(sampleEntry: string): Mp4CodecInfo {
  return {
    sampleEntry,
    codec: 'unknown',
    fourcc: undefined,
    config: undefined,
    width: undefined,
    height: undefined,
    sampleRate: undefined,
    channels: undefined,
  };
}

/**
 * Reads the first entry of an `stsd` box. `handler` is the track's `hdlr` type: `'vide'`
 * entries are VisualSampleEntries, `'soun'` AudioSampleEntries; others are named only.
 *
 * @throws RTMPProtocolError `ERR_MP4_TRUNCATED`, `ERR_MP4_BAD_BOX`, `ERR_MP4_NO_MOVIE` (no entry)
 */
export function parseSampleDescription(buf: Buffer, stsd: BoxHeader, handler: string): Mp4CodecInfo {
  const r = boxReader(buf, stsd);
  fullBox(r);
  const count = r.u32();
  if (count === 0 || r.remaining < 8) throw mp4Error(ProtocolCode.MP4_NO_MOVIE, "'stsd' has no sample entry");
  const entry = childBoxes(buf, r.pos, stsd.end).next().value as BoxHeader;
  if (handler === 'vide') return visualEntry(buf, entry);
  if (handler === 'soun') return audioEntry(buf, entry);
  return unknown(entry.type);
}

function visualEntry(buf: Buffer, entry: BoxHeader): Mp4CodecInfo {
  const info = unknown(entry.type);
  const r = boxReader(buf, entry);
  // SampleEntry (8) + pre_defined/reserved (16), then width, height (§12.1.3.2)
  r.skip(24);
  info.width = r.u16();
  info.height = r.u16();
  r.skip(50); // resolutions, reserved, frame_count, compressorname, depth, pre_defined
  const known = VIDEO_ENTRIES[entry.type];
  if (!known) return info;
  const [codec, fourcc, configType] = known;
  info.codec = codec;
  info.fourcc = fourcc;
  const box = findBox(buf, r.pos, entry.end, configType);
  if (box) {
    // vpcC is a FullBox (version 1) around the VPCodecConfigurationRecord.
    info.config = buf.subarray(
      configType === 'vpcC' ? Math.min(box.bodyStart + 4, box.end) : box.bodyStart,
      box.end,
    );
  }
  return info;
}

function audioEntry(buf: Buffer, entry: BoxHeader): Mp4CodecInfo {
  const info = unknown(entry.type);
  const r = boxReader(buf, entry);
  r.skip(8); // SampleEntry: reserved + data_reference_index
  const version = r.u16(); // 0 in ISO files; QuickTime sound description versions 1 and 2 add fields
  r.skip(6);
  info.channels = r.u16();
  r.skip(6); // samplesize, pre_defined, reserved
  const rate = r.u32() / 65536;
  if (version === 1) r.skip(16);
  else if (version === 2) {
    r.skip(4); // sizeOfStructOnly
    info.sampleRate = r.f64();
    info.channels = r.u32();
    r.skip(20);
  }
  if (version !== 2 && rate > 0) info.sampleRate = Math.floor(rate);
  const children = r.pos;
  switch (entry.type) {
    case 'mp4a':
      mp4aConfig(buf, findBox(buf, children, entry.end, 'esds'), info);
      break;
    case '.mp3':
      info.codec = 'mp3';
      info.fourcc = '.mp3';
      break;
    case 'Opus':
      info.codec = 'opus';
      info.fourcc = 'Opus';
      info.sampleRate = 48000; // RFC 7845 §5.1: Opus always decodes at 48 kHz
      opusConfig(buf, findBox(buf, children, entry.end, 'dOps'), info);
      break;
    case 'fLaC':
      info.codec = 'flac';
      info.fourcc = 'fLaC';
      flacConfig(buf, findBox(buf, children, entry.end, 'dfLa'), info);
      break;
    case 'ac-3':
      info.codec = 'ac3';
      info.fourcc = 'ac-3';
      ac3Config(buf, findBox(buf, children, entry.end, 'dac3'), info);
      break;
    case 'ec-3':
      info.codec = 'eac3';
      info.fourcc = 'ec-3';
      eac3Config(buf, findBox(buf, children, entry.end, 'dec3'), info);
      break;
  }
  return info;
}

/** Reads an expandable descriptor size (ISO/IEC 14496-1 §8.3.3: up to four 7-bit groups). */
function descriptorSize(r: ReturnType<typeof boxReader>): number {
  let size = 0;
  for (let i = 0; i < 4; i++) {
    const b = r.u8();
    size = size * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) break;
  }
  if (size > r.remaining) {
    throw mp4Error(ProtocolCode.MP4_TRUNCATED, `'esds' descriptor of ${size} bytes, ${r.remaining} left`);
  }
  return size;
}

/** The ES descriptor of an `esds` box: objectTypeIndication and DecoderSpecificInfo. */
export function parseEsds(
  buf: Buffer,
  esds: BoxHeader,
): { objectType: number; decoderSpecificInfo?: Buffer } {
  const r = boxReader(buf, esds);
  fullBox(r);
  let tag = r.u8();
  let size = descriptorSize(r);
  if (tag === 0x03) {
    // ES_Descriptor (14496-1 §7.2.6.5): ES_ID, flags, optional fields, then sub-descriptors
    const end = r.pos + size;
    r.skip(2);
    const flags = r.u8();
    if (flags & 0x80) r.skip(2);
    if (flags & 0x40) r.skip(r.u8());
    if (flags & 0x20) r.skip(2);
    if (r.pos >= end) return { objectType: 0 };
    tag = r.u8();
    size = descriptorSize(r);
  }
  if (tag !== 0x04) return { objectType: 0 };
  // DecoderConfigDescriptor (§7.2.6.6): objectTypeIndication, streamType, bufferSizeDB, bitrates
  const end = r.pos + size;
  const objectType = r.u8();
  r.skip(12);
  if (r.pos + 2 > end || r.u8() !== 0x05) return { objectType };
  const dsiSize = descriptorSize(r);
  return { objectType, decoderSpecificInfo: r.bytes(dsiSize) };
}

function mp4aConfig(buf: Buffer, esds: BoxHeader | undefined, info: Mp4CodecInfo): void {
  if (!esds) return;
  const { objectType, decoderSpecificInfo } = parseEsds(buf, esds);
  if (OTI_MP3.has(objectType)) {
    info.codec = 'mp3';
    info.fourcc = '.mp3';
  } else if (OTI_AAC.has(objectType)) {
    info.codec = 'aac';
    info.fourcc = 'mp4a';
    info.config = decoderSpecificInfo;
    if (decoderSpecificInfo) aacConfig(decoderSpecificInfo, info);
  }
}

/** Sample rate and channels from an AudioSpecificConfig (14496-3 §1.6.2.1), when it says. */
function aacConfig(asc: Buffer, info: Mp4CodecInfo): void {
  let bit = 0;
  const bits = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++, bit++) {
      const byte = asc[bit >>> 3];
      if (byte === undefined) return -1;
      v = v * 2 + ((byte >>> (7 - (bit & 7))) & 1);
    }
    return v;
  };
  let aot = bits(5);
  if (aot === 31) aot = 32 + bits(6);
  const rate = (): number => {
    const index = bits(4);
    return index === 15 ? bits(24) : (AAC_RATES[index] ?? -1);
  };
  let sampleRate = rate();
  const channels = AAC_CHANNELS[bits(4)] ?? 0;
  if (aot === 5 || aot === 29) sampleRate = rate(); // explicit SBR: the extension rate is the output rate
  if (sampleRate > 0) info.sampleRate = sampleRate;
  if (channels > 0) info.channels = channels;
}

/** Builds the Opus ID header (RFC 7845 §5.1, little-endian) from a dOps box (big-endian). */
function opusConfig(buf: Buffer, dops: BoxHeader | undefined, info: Mp4CodecInfo): void {
  if (!dops) return;
  const r = boxReader(buf, dops);
  r.skip(1); // Version 0
  const channels = r.u8();
  const preSkip = r.u16();
  const inputRate = r.u32();
  const gain = r.i16();
  const family = r.u8();
  const table = family === 0 ? Buffer.alloc(0) : r.bytes(2 + channels);
  const head = Buffer.alloc(19 + table.length);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1;
  head[9] = channels;
  head.writeUInt16LE(preSkip, 10);
  head.writeUInt32LE(inputRate, 12);
  head.writeInt16LE(gain, 16);
  head[18] = family;
  table.copy(head, 19);
  info.config = head;
  info.channels = channels;
}

/** "fLaC" + the dfLa metadata blocks (a FLAC stream header); rate and channels from STREAMINFO. */
function flacConfig(buf: Buffer, dfla: BoxHeader | undefined, info: Mp4CodecInfo): void {
  if (!dfla) return;
  const r = boxReader(buf, dfla);
  fullBox(r);
  const blocks = r.bytes(r.remaining);
  // STREAMINFO (FLAC format §8.2): 4-byte block header, then min/max block and frame sizes
  // (10 bytes), then sample rate UB[20], channels − 1 UB[3]
  if (blocks.length >= 4 + 13 && (blocks[0]! & 0x7f) === 0) {
    const v = blocks.readUInt32BE(4 + 10);
    info.sampleRate = v >>> 12;
    info.channels = ((v >>> 9) & 7) + 1;
  }
  info.config = Buffer.concat([Buffer.from('fLaC', 'latin1'), blocks]);
}

/** AC-3 dac3 (ETSI TS 102 366 §F.4): fscod UB[2], bsid UB[5], bsmod UB[3], acmod UB[3], lfeon UB[1]. */
function ac3Config(buf: Buffer, dac3: BoxHeader | undefined, info: Mp4CodecInfo): void {
  if (!dac3) return;
  const v = boxReader(buf, dac3).u24();
  const rate = AC3_RATES[v >>> 22];
  if (rate) info.sampleRate = rate;
  info.channels = AC3_CHANNELS[(v >>> 11) & 7]! + ((v >>> 10) & 1);
}

/**
 * E-AC-3 dec3 (ETSI TS 102 366 §F.6): data_rate UB[13], num_ind_sub UB[3], then per
 * independent substream fscod UB[2], bsid UB[5], reserved, asvc, bsmod UB[3], acmod
 * UB[3], lfeon UB[1], reserved UB[3], num_dep_sub UB[4], chan_loc UB[9] or reserved.
 * Rate and channels come from the first independent substream and its dependents.
 */
function eac3Config(buf: Buffer, dec3: BoxHeader | undefined, info: Mp4CodecInfo): void {
  if (!dec3) return;
  const r = boxReader(buf, dec3);
  r.skip(2);
  const a = r.u8();
  const b = r.u8();
  const c = r.u8();
  const rate = AC3_RATES[a >>> 6];
  if (rate) info.sampleRate = rate;
  let channels = AC3_CHANNELS[(b >>> 1) & 7]! + (b & 1);
  if ((c >>> 1) & 0x0f) {
    const chanLoc = ((c & 1) << 8) | r.u8();
    EAC3_CHAN_LOC.forEach((n, i) => {
      if (chanLoc & (0x100 >>> i)) channels += n;
    });
  }
  info.channels = channels;
}

/** MPEG-1/2/2.5 audio sample rates by version bits (ISO/IEC 11172-3 §2.4.2.3, 13818-3). */
const MPEG_AUDIO_RATES: Record<number, readonly number[]> = {
  3: [44100, 48000, 32000],
  2: [22050, 24000, 16000],
  0: [11025, 12000, 8000],
};

/**
 * Sample rate and channels from an MPEG audio frame header (ISO/IEC 11172-3 §2.4.1.3:
 * syncword UB[11], version UB[2], layer UB[2], …, sampling_frequency UB[2], …, mode UB[2]
 * where 3 is single channel), or undefined when `b` does not start with one. MP3 sample
 * entries carry no configuration, and FFmpeg writes 2 channels into them for any MP3.
 */
export function mpegAudioHeader(b: Buffer): { sampleRate: number; channels: number } | undefined {
  if (b.length < 4 || b[0] !== 0xff || (b[1]! & 0xe0) !== 0xe0) return undefined;
  const rate = MPEG_AUDIO_RATES[(b[1]! >>> 3) & 3]?.[(b[2]! >>> 2) & 3];
  if (rate === undefined || ((b[1]! >>> 1) & 3) === 0) return undefined;
  return { sampleRate: rate, channels: b[3]! >>> 6 === 3 ? 1 : 2 };
}
