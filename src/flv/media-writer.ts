/**
 * Writes FLV AUDIODATA / VIDEODATA bodies (= RTMP type 8/9 payloads) from typed packets:
 * the inverse of media.ts's parsers, so a parsed packet can be written back as it is.
 *
 * Enhanced RTMP (ERTMP-V2 "Enhanced Video"/"Enhanced Audio"), the default:
 * - video byte 0 = IsExHeader | FrameType UB[3] | VideoPacketType UB[4]; audio byte 0 =
 *   SoundFormat 9 (ExHeader) | AudioPacketType UB[4];
 * - a ModEx TimestampOffsetNano (UI8 size − 1 = 2, UI24 ns, modExType 0 | packet type)
 *   when a packet has `timestampOffsetNano` > 0;
 * - one track 0: FourCC and body; one other track: Multitrack OneTrack (UI8 trackId);
 *   several tracks: ManyTracks (one FourCC) or ManyTracksManyCodecs (a FourCC per track),
 *   each track `UI8 trackId | UI24 size | body` — all tracks of a message share its
 *   packet type, frame type and nano offset, as the wire format does;
 * - CodedFrames carries SI24 CompositionTime for `avc1`/`hvc1`/`vvc1`; CodedFramesX (no
 *   field, time 0) is written instead when every composition time is 0; Metadata bodies
 *   are AMF0 `name, value` pairs with FrameType 5, as FFmpeg reads them (plain objects
 *   become AMF0 Objects, as `colorInfo` is specified); a Command is FrameType 5 with its
 *   UI8 and no FourCC.
 *
 * Legacy (FLV-10.1 E.4.2/E.4.3), when the caller asks (what servers without E-RTMP read):
 * AVC `FrameType | 7, AVCPacketType, SI24 CompositionTime`; AAC `0xAF, AACPacketType`
 * (SoundRate 3 and stereo, as FLV-10.1 requires for AAC); MP3 `2 | rate | size | type`
 * (SoundFormat 14 at 8 kHz). One track only, no nano offset.
 *
 * Invariants: the result is one Buffer (headers and data copied once); anything the
 * chosen form cannot carry is an `RTMPUsageError` (`ERR_FLV_INVALID_ARGUMENT`), never a
 * silently different tag.
 */
import { encode as encodeAmf0 } from '../amf/amf0.js';
import { AMFObject, type AmfValue } from '../amf/types.js';
import { ByteWriter } from '../util/byte-writer.js';
import { flvUsageError } from './errors.js';
import {
  AacPacketType,
  type AudioCodec,
  AudioPacketType,
  AvcPacketType,
  AvMultitrackType,
  fourcc as fourccValue,
  type MediaPacketKind,
  type MultichannelConfig,
  type MultitrackKind,
  SoundFormat,
  type VideoCodec,
  VideoCodecId,
  VideoFrameType,
  VideoPacketType,
} from './media.js';

/** Fields a packet written by this module has, whatever its kind. */
interface PacketInitBase {
  /** What the packet carries. */
  packetType: MediaPacketKind;
  /** The FourCC to write when `codec` is `'unknown'` (relaying a codec rtmpkit does not name). */
  fourcc?: string | undefined;
  /** Track id (default 0; other ids need E-RTMP Multitrack). */
  trackId?: number | undefined;
  /** ModEx TimestampOffsetNano, 0…999,999 (default 0: no ModEx). */
  timestampOffsetNano?: number | undefined;
  /** Codec data after all headers (NAL units, OBUs, a frame, a configuration record). */
  data: Buffer;
}

/** A video packet to write; a `VideoPacket` from `parseVideoPayload` is one. */
export interface VideoPacketInit extends PacketInitBase {
  codec: VideoCodec;
  /** VideoFrameType (default: 1 when `isKeyframe` or a sequence start/end, else 2; 5 for Command and Metadata). */
  frameType?: number | undefined;
  isKeyframe?: boolean | undefined;
  /** Composition time offset in ms (SI24; AVC/HEVC/VVC only). */
  compositionTime?: number | undefined;
  /** VideoCommand for `packetType: 'command'` (0 start of seek, 1 end of seek). */
  command?: number | undefined;
  /** Metadata as name → value (e.g. `colorInfo`); without it `data` is the AMF0 body. */
  metadata?: Record<string, AmfValue> | undefined;
}

/** An audio packet to write; an `AudioPacket` from `parseAudioPayload` is one. */
export interface AudioPacketInit extends PacketInitBase {
  codec: AudioCodec;
  /** MultichannelConfig body for `packetType: 'multichannelConfig'`. */
  multichannelConfig?: MultichannelConfig | undefined;
  /** Legacy MP3 only: sample rate in Hz (default 44100). */
  soundRate?: number | undefined;
  /** Legacy MP3 only: bits per sample, 8 or 16 (default 16). */
  soundSize?: number | undefined;
  /** Legacy MP3 only: 1 mono, 2 stereo (default 2). */
  channels?: number | undefined;
}

/** How to write a tag body. */
export interface TagBodyOptions {
  /** Legacy FLV headers (AVC, AAC, MP3 only) instead of E-RTMP (default false). */
  legacy?: boolean;
  /**
   * The Multitrack form: default none for one packet of track 0, `'oneTrack'` for one
   * packet of another track, `'manyTracks'` for several of one codec, else
   * `'manyTracksManyCodecs'`. A form that cannot carry the packets is an error.
   */
  multitrack?: MultitrackKind;
}

/** The E-RTMP FourCC of each codec that has one (ERTMP-V2 VideoFourCc / AudioFourCc). */
const FOURCC_OF: Partial<Record<VideoCodec | AudioCodec, string>> = {
  avc: 'avc1',
  hevc: 'hvc1',
  vvc: 'vvc1',
  av1: 'av01',
  vp9: 'vp09',
  vp8: 'vp08',
  aac: 'mp4a',
  mp3: '.mp3',
  opus: 'Opus',
  flac: 'fLaC',
  ac3: 'ac-3',
  eac3: 'ec-3',
};

/** The E-RTMP FourCC of a codec (`'hevc'` → `'hvc1'`), undefined when E-RTMP has none. */
export function codecFourCC(codec: VideoCodec | AudioCodec): string | undefined {
  return FOURCC_OF[codec];
}

/** Packet kinds written as keyframes unless the packet says otherwise (as FFmpeg writes them). */
const SEQUENCE_KINDS = new Set<MediaPacketKind>(['sequenceStart', 'sequenceEnd', 'mpeg2tsSequenceStart']);

/** FourCCs whose CodedFrames carry an SI24 CompositionTime (ERTMP-V2 ExVideoTagBody). */
const CTS_FOURCCS = new Set(['avc1', 'hvc1', 'vvc1']);

const VIDEO_PACKET_TYPE: Partial<Record<MediaPacketKind, number>> = {
  sequenceStart: VideoPacketType.SequenceStart,
  codedFrames: VideoPacketType.CodedFrames,
  sequenceEnd: VideoPacketType.SequenceEnd,
  metadata: VideoPacketType.Metadata,
  mpeg2tsSequenceStart: VideoPacketType.MPEG2TSSequenceStart,
};

const AUDIO_PACKET_TYPE: Partial<Record<MediaPacketKind, number>> = {
  sequenceStart: AudioPacketType.SequenceStart,
  codedFrames: AudioPacketType.CodedFrames,
  sequenceEnd: AudioPacketType.SequenceEnd,
  multichannelConfig: AudioPacketType.MultichannelConfig,
};

const MULTITRACK_TYPE: Record<MultitrackKind, number> = {
  oneTrack: AvMultitrackType.OneTrack,
  manyTracks: AvMultitrackType.ManyTracks,
  manyTracksManyCodecs: AvMultitrackType.ManyTracksManyCodecs,
};

const EMPTY = Buffer.alloc(0);

/** The E-RTMP FourCC of a packet: its codec's, else the `fourcc` it names. */
function fourccOf(p: VideoPacketInit | AudioPacketInit): string {
  const code = FOURCC_OF[p.codec] ?? (p.codec === 'unknown' ? p.fourcc : undefined);
  if (code === undefined) throw flvUsageError(`E-RTMP has no FourCC for the ${p.codec} codec`);
  if (!/^[\x00-\xff]{4}$/.test(code))
    throw flvUsageError(`a FourCC has 4 latin1 characters, got ${JSON.stringify(code)}`);
  return code;
}

/** The packets of one message (sharing its packet type) and a writer sized for them. */
function message<T extends PacketInitBase>(
  packets: T | readonly T[],
): { all: readonly T[]; first: T; w: ByteWriter } {
  const all = Array.isArray(packets) ? (packets as readonly T[]) : [packets as T];
  if (all.length === 0) throw flvUsageError('a tag needs at least one packet');
  if (all.length > 255)
    throw flvUsageError(`a Multitrack message carries at most 255 tracks, got ${all.length}`);
  checkSame(all, (p) => p.packetType, 'packet type');
  const size = all.reduce((n, p) => n + p.data.length, 0);
  return { all, first: all[0]!, w: new ByteWriter(size + 16 + all.length * 10) };
}

function checkTrackId(id: number | undefined): number {
  const v = id ?? 0;
  if (!Number.isInteger(v) || v < 0 || v > 255) throw flvUsageError(`trackId must be 0…255, got ${id}`);
  return v;
}

function checkNano(packets: readonly PacketInitBase[]): number {
  const nano = packets[0]!.timestampOffsetNano ?? 0;
  if (!Number.isInteger(nano) || nano < 0 || nano > 999_999) {
    throw flvUsageError(`timestampOffsetNano must be an integer 0…999,999, got ${nano}`);
  }
  if (packets.some((p) => (p.timestampOffsetNano ?? 0) !== nano)) {
    throw flvUsageError('the tracks of one message share its timestampOffsetNano');
  }
  return nano;
}

function checkSame<T>(packets: readonly T[], get: (p: T) => unknown, what: string): void {
  const first = get(packets[0]!);
  if (packets.some((p) => get(p) !== first))
    throw flvUsageError(`the tracks of one message share its ${what}`);
}

/** The Multitrack form for `packets` (or the caller's), checked. */
function multitrackOf(
  packets: readonly PacketInitBase[],
  codes: readonly string[],
  asked: MultitrackKind | undefined,
): MultitrackKind | undefined {
  const oneCodec = codes.every((c) => c === codes[0]);
  const form =
    asked ??
    (packets.length > 1
      ? oneCodec
        ? 'manyTracks'
        : 'manyTracksManyCodecs'
      : checkTrackId(packets[0]!.trackId) > 0
        ? 'oneTrack'
        : undefined);
  if (form !== undefined && !(form in MULTITRACK_TYPE))
    throw flvUsageError(`unknown Multitrack form ${form}`);
  if (form === 'oneTrack' && packets.length > 1) throw flvUsageError('OneTrack carries one track');
  if (form === 'manyTracks' && !oneCodec) throw flvUsageError('ManyTracks carries one codec');
  return form;
}

/** The packet type values that differ between ExVideoTagHeader and ExAudioTagHeader. */
interface ExHeader {
  /** Byte 0 without the packet type: IsExHeader + FrameType, or SoundFormat 9. */
  high: number;
  modEx: number;
  multitrack: number;
}

const VIDEO_EX = { modEx: VideoPacketType.ModEx, multitrack: VideoPacketType.Multitrack };
const AUDIO_EX = {
  high: SoundFormat.ExHeader << 4,
  modEx: AudioPacketType.ModEx,
  multitrack: AudioPacketType.Multitrack,
};

/**
 * Writes an enhanced message: byte 0 with `packetType` (after the optional ModEx), the
 * optional Multitrack byte and shared FourCC, then the tracks; `body(w, i)` writes track
 * i's body. `codes` are the packets' FourCCs.
 */
function writeEnhanced(
  w: ByteWriter,
  ex: ExHeader,
  packetType: number,
  packets: readonly PacketInitBase[],
  codes: readonly string[],
  options: TagBodyOptions,
  body: (w: ByteWriter, i: number) => void,
): void {
  const nano = checkNano(packets);
  const form = multitrackOf(packets, codes, options.multitrack);
  writeByte0(w, ex.high, ex.modEx, nano, form !== undefined ? ex.multitrack : packetType);
  if (form === undefined) {
    w.u32(fourccValue(codes[0]!));
    body(w, 0);
    return;
  }
  const mt = MULTITRACK_TYPE[form];
  w.u8((mt << 4) | packetType);
  if (mt !== AvMultitrackType.ManyTracksManyCodecs) w.u32(fourccValue(codes[0]!));
  packets.forEach((p, i) => {
    if (mt === AvMultitrackType.ManyTracksManyCodecs) w.u32(fourccValue(codes[i]!));
    w.u8(checkTrackId(p.trackId));
    if (mt === AvMultitrackType.OneTrack) {
      body(w, i);
      return;
    }
    const at = w.length;
    w.u24(0);
    body(w, i);
    const size = w.length - at - 3;
    if (size > 0xffffff) throw flvUsageError(`track ${p.trackId} body of ${size} bytes exceeds UI24`);
    w.view().writeUIntBE(size, at, 3);
  });
}

/** AMF0 for a Metadata value: plain objects become AMF0 Objects (ERTMP-V2 "colorInfo", Object). */
function asAmfObjects(v: AmfValue): AmfValue {
  if (v === null || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) {
    return Array.isArray(v) ? v.map(asAmfObjects) : v;
  }
  const o = new AMFObject();
  for (const [k, x] of Object.entries(v)) o[k] = asAmfObjects(x as AmfValue);
  return o;
}

function metadataBody(p: VideoPacketInit): Buffer {
  if (!p.metadata) return p.data;
  const values: AmfValue[] = [];
  for (const [k, v] of Object.entries(p.metadata)) values.push(k, asAmfObjects(v));
  return encodeAmf0(...values);
}

function checkCts(cts: number | undefined): number {
  const v = cts ?? 0;
  if (!Number.isInteger(v) || v < -0x800000 || v > 0x7fffff) {
    throw flvUsageError(`compositionTime must be an SI24 integer, got ${cts}`);
  }
  return v;
}

function frameTypeOf(p: VideoPacketInit): number {
  const ft =
    p.frameType ??
    (p.packetType === 'command' || p.packetType === 'metadata'
      ? VideoFrameType.Command
      : p.isKeyframe || SEQUENCE_KINDS.has(p.packetType)
        ? VideoFrameType.Key
        : VideoFrameType.Inter);
  if (!Number.isInteger(ft) || ft < 0 || ft > 7) throw flvUsageError(`frameType must be 0…7, got ${ft}`);
  return ft;
}

/**
 * Writes a video tag body for one packet or one message of several tracks.
 *
 * @throws RTMPUsageError `ERR_FLV_INVALID_ARGUMENT` when the form cannot carry the packets
 */
export function videoTagBody(
  packets: VideoPacketInit | readonly VideoPacketInit[],
  options: TagBodyOptions = {},
): Buffer {
  const { all, first, w } = message(packets);
  const frameType = frameTypeOf(first);
  checkSame(all, frameTypeOf, 'frame type');
  if (options.legacy) {
    legacyVideo(w, all, frameType, options);
    return w.view();
  }
  if (first.packetType === 'command') {
    if (all.length > 1 || options.multitrack) throw flvUsageError('a Command message has no tracks');
    // The spec leaves a Command's packet type open; CodedFrames keeps readers that skip
    // FrameType 5 from taking it for a sequence start.
    const high = 0x80 | (VideoFrameType.Command << 4);
    writeByte0(w, high, VideoPacketType.ModEx, checkNano(all), VideoPacketType.CodedFrames);
    w.u8(first.command ?? 0);
    w.bytes(first.data);
    return w.view();
  }
  const codes = all.map((p) => fourccOf(p));
  let packetType = VIDEO_PACKET_TYPE[first.packetType];
  if (packetType === undefined) throw flvUsageError(`E-RTMP video has no ${first.packetType} packet`);
  if (
    packetType === VideoPacketType.CodedFrames &&
    codes.every((c) => CTS_FOURCCS.has(c)) &&
    all.every((p) => checkCts(p.compositionTime) === 0)
  ) {
    packetType = VideoPacketType.CodedFramesX;
  }
  const ex = { ...VIDEO_EX, high: 0x80 | (frameType << 4) };
  writeEnhanced(w, ex, packetType, all, codes, options, (bw, i) => {
    const p = all[i]!;
    if (packetType === VideoPacketType.CodedFrames && CTS_FOURCCS.has(codes[i]!))
      bw.u24(checkCts(p.compositionTime) & 0xffffff);
    if (packetType === VideoPacketType.Metadata) bw.bytes(metadataBody(p));
    else if (packetType !== VideoPacketType.SequenceEnd) bw.bytes(p.data);
  });
  return w.view();
}

/**
 * Byte 0 with `packetType`, or with ModEx and then the TimestampOffsetNano: UI8 (size − 1)
 * = 2, UI24 ns, and modExType 0 | `packetType`.
 */
function writeByte0(w: ByteWriter, high: number, modEx: number, nano: number, packetType: number): void {
  if (nano > 0) {
    w.u8(high | modEx);
    w.u8(2);
    w.u24(nano);
    w.u8(packetType);
  } else {
    w.u8(high | packetType);
  }
}

function legacyOnly(packets: readonly PacketInitBase[], options: TagBodyOptions): PacketInitBase {
  const p = packets[0]!;
  if (packets.length > 1 || options.multitrack || checkTrackId(p.trackId) !== 0) {
    throw flvUsageError('legacy FLV tags carry one track (track 0)');
  }
  if ((p.timestampOffsetNano ?? 0) !== 0) throw flvUsageError('legacy FLV tags carry no timestampOffsetNano');
  return p;
}

function legacyVideo(
  w: ByteWriter,
  all: readonly VideoPacketInit[],
  frameType: number,
  options: TagBodyOptions,
): void {
  const p = legacyOnly(all, options) as VideoPacketInit;
  if (p.packetType === 'command') {
    w.u8((VideoFrameType.Command << 4) | VideoCodecId.AVC);
    w.u8(p.command ?? 0);
    w.bytes(p.data);
    return;
  }
  if (p.codec !== 'avc') throw flvUsageError(`legacy FLV video carries AVC, not ${p.codec}`);
  const type =
    p.packetType === 'sequenceStart'
      ? AvcPacketType.SequenceHeader
      : p.packetType === 'codedFrames'
        ? AvcPacketType.NALU
        : p.packetType === 'sequenceEnd'
          ? AvcPacketType.EndOfSequence
          : -1;
  if (type < 0) throw flvUsageError(`legacy AVC has no ${p.packetType} packet`);
  w.u8((frameType << 4) | VideoCodecId.AVC);
  w.u8(type);
  w.u24(type === AvcPacketType.NALU ? checkCts(p.compositionTime) & 0xffffff : 0);
  if (type !== AvcPacketType.EndOfSequence) w.bytes(p.data);
}

/**
 * Writes an audio tag body for one packet or one message of several tracks. A
 * `'silence'` packet is the empty payload (ERTMP-V2 audio silence message).
 *
 * @throws RTMPUsageError `ERR_FLV_INVALID_ARGUMENT` when the form cannot carry the packets
 */
export function audioTagBody(
  packets: AudioPacketInit | readonly AudioPacketInit[],
  options: TagBodyOptions = {},
): Buffer {
  const { all, first, w } = message(packets);
  if (first.packetType === 'silence') {
    if (all.length > 1 || options.multitrack) throw flvUsageError('the silence message has no tracks');
    return EMPTY;
  }
  if (options.legacy) {
    legacyAudio(w, legacyOnly(all, options) as AudioPacketInit);
    return w.view();
  }
  const codes = all.map((p) => fourccOf(p));
  const packetType = AUDIO_PACKET_TYPE[first.packetType];
  if (packetType === undefined) throw flvUsageError(`E-RTMP audio has no ${first.packetType} packet`);
  writeEnhanced(w, AUDIO_EX, packetType, all, codes, options, (bw, i) => {
    const p = all[i]!;
    if (packetType === AudioPacketType.MultichannelConfig) writeMultichannelConfig(bw, p.multichannelConfig);
    else if (packetType !== AudioPacketType.SequenceEnd) bw.bytes(p.data);
  });
  return w.view();
}

function writeMultichannelConfig(w: ByteWriter, c: MultichannelConfig | undefined): void {
  if (!c) throw flvUsageError('a multichannelConfig packet needs its multichannelConfig');
  w.u8(c.channelOrder);
  w.u8(c.channelCount);
  if (c.channelOrder === 2) {
    const map = c.channelMapping ?? [];
    if (map.length !== c.channelCount) throw flvUsageError('a Custom channel order maps every channel');
    for (const ch of map) w.u8(ch);
  } else if (c.channelOrder === 1) {
    w.u32(c.channelMask ?? 0);
  }
}

/** Legacy SoundRate index of a rate in Hz (FLV-10.1 E.4.2.1: 0 5.5, 1 11, 2 22, 3 44 kHz). */
function soundRateIndex(hz: number): number {
  return hz >= 44100 ? 3 : hz >= 22050 ? 2 : hz >= 11025 ? 1 : 0;
}

function legacyAudio(w: ByteWriter, p: AudioPacketInit): void {
  if (p.codec === 'aac') {
    const type =
      p.packetType === 'sequenceStart'
        ? AacPacketType.SequenceHeader
        : p.packetType === 'codedFrames'
          ? AacPacketType.Raw
          : -1;
    if (type < 0) throw flvUsageError(`legacy AAC has no ${p.packetType} packet`);
    w.u8((SoundFormat.AAC << 4) | 0x0f);
    w.u8(type);
    w.bytes(p.data);
    return;
  }
  if (p.codec !== 'mp3' && p.codec !== 'mp3-8k')
    throw flvUsageError(`legacy FLV audio carries AAC or MP3, not ${p.codec}`);
  if (p.packetType !== 'codedFrames') throw flvUsageError(`legacy MP3 has no ${p.packetType} packet`);
  const rate = p.soundRate ?? 44100;
  const format = rate === 8000 || p.codec === 'mp3-8k' ? SoundFormat.MP38k : SoundFormat.MP3;
  const size = (p.soundSize ?? 16) === 16 ? 0x02 : 0;
  const stereo = (p.channels ?? 2) > 1 ? 0x01 : 0;
  w.u8((format << 4) | (soundRateIndex(rate) << 2) | size | stereo);
  w.bytes(p.data);
}
