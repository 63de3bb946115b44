/**
 * The vocabulary of FLV AUDIODATA / VIDEODATA bodies (= RTMP type 8/9 payloads): the
 * legacy header values (FLV-10.1 E.4.2/E.4.3), the Enhanced RTMP v1/v2 values (ERTMP-V2
 * "Enhanced Video"/"Enhanced Audio": FourCCs, packet types, AvMultitrackType,
 * AudioChannelOrder), the typed packet shapes the parsers return, and the codec
 * tables between wire values and rtmpkit's codec names.
 *
 * Invariants: pure data and total functions — an unknown value maps to `'unknown'`,
 * never to an error.
 */
import type { AmfDecodeOptions, AmfValue } from '../amf/types.js';

/** A FourCC as its big-endian UI32 (e.g. `fourcc('hvc1')` = 0x68766331). */
export function fourcc(code: string): number {
  if (code.length !== 4) throw new RangeError(`a FourCC has 4 characters, got ${JSON.stringify(code)}`);
  let v = 0;
  for (let i = 0; i < 4; i++) {
    const c = code.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`FourCC ${JSON.stringify(code)} is not 8-bit`);
    v = v * 256 + c;
  }
  return v;
}

/** The 4 characters of a FourCC UI32 (latin1, so any value round-trips). */
export function fourccToString(v: number): string {
  return String.fromCharCode((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** E-RTMP FourCCs (ERTMP-V2 VideoFourCc / AudioFourCc), as UI32. */
export const FourCC = {
  avc1: 0x61766331,
  hvc1: 0x68766331,
  vvc1: 0x76766331,
  av01: 0x61763031,
  vp09: 0x76703039,
  vp08: 0x76703038,
  mp4a: 0x6d703461,
  mp3: 0x2e6d7033,
  opus: 0x4f707573,
  flac: 0x664c6143,
  ac3: 0x61632d33,
  eac3: 0x65632d33,
} as const;

/** Video codecs rtmpkit names. */
export type VideoCodec =
  | 'jpeg'
  | 'h263'
  | 'screen'
  | 'vp6'
  | 'vp6a'
  | 'screen2'
  | 'avc'
  | 'hevc'
  | 'vvc'
  | 'av1'
  | 'vp9'
  | 'vp8'
  | 'unknown';

/** Audio codecs rtmpkit names. */
export type AudioCodec =
  | 'pcm'
  | 'adpcm'
  | 'mp3'
  | 'pcm-le'
  | 'nellymoser-16k'
  | 'nellymoser-8k'
  | 'nellymoser'
  | 'g711a'
  | 'g711u'
  | 'aac'
  | 'speex'
  | 'mp3-8k'
  | 'device'
  | 'opus'
  | 'flac'
  | 'ac3'
  | 'eac3'
  | 'unknown';

/** Legacy video CodecID values (FLV-10.1 E.4.3.1, plus HEVC 12). */
export const VideoCodecId = {
  JPEG: 1,
  SorensonH263: 2,
  ScreenVideo: 3,
  On2VP6: 4,
  On2VP6Alpha: 5,
  ScreenVideo2: 6,
  AVC: 7,
  /** Non-standard (FFmpeg `FLV_CODECID_X_HEVC`). */
  HEVC: 12,
} as const;

/** Legacy SoundFormat values (FLV-10.1 E.4.2.1); 9 is the E-RTMP ExHeader. */
export const SoundFormat = {
  LinearPCM: 0,
  ADPCM: 1,
  MP3: 2,
  LinearPCMLE: 3,
  Nellymoser16k: 4,
  Nellymoser8k: 5,
  Nellymoser: 6,
  G711ALaw: 7,
  G711MuLaw: 8,
  ExHeader: 9,
  AAC: 10,
  Speex: 11,
  MP38k: 14,
  DeviceSpecific: 15,
} as const;

/** VideoFrameType values. */
export const VideoFrameType = {
  Key: 1,
  Inter: 2,
  DisposableInter: 3,
  GeneratedKey: 4,
  Command: 5,
} as const;

/** VideoCommand values (body of a FrameType 5 packet). */
export const VideoCommand = {
  StartSeek: 0,
  EndSeek: 1,
} as const;

/** E-RTMP VideoPacketType values. */
export const VideoPacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  CodedFramesX: 3,
  Metadata: 4,
  MPEG2TSSequenceStart: 5,
  Multitrack: 6,
  ModEx: 7,
} as const;

/** E-RTMP AudioPacketType values. */
export const AudioPacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  MultichannelConfig: 4,
  Multitrack: 5,
  ModEx: 7,
} as const;

/** E-RTMP AvMultitrackType values. */
export const AvMultitrackType = {
  OneTrack: 0,
  ManyTracks: 1,
  ManyTracksManyCodecs: 2,
} as const;

/** Legacy AVCPacketType (also for HEVC codec id 12). */
export const AvcPacketType = {
  SequenceHeader: 0,
  NALU: 1,
  EndOfSequence: 2,
} as const;

/** Legacy AACPacketType. */
export const AacPacketType = {
  SequenceHeader: 0,
  Raw: 1,
} as const;

/** E-RTMP AudioChannelOrder values (MultichannelConfig). */
export const AudioChannelOrder = {
  Unspecified: 0,
  Native: 1,
  Custom: 2,
} as const;

/** What a packet carries, whatever the wire form. */
export type MediaPacketKind =
  | 'sequenceStart'
  | 'codedFrames'
  | 'sequenceEnd'
  | 'metadata'
  | 'mpeg2tsSequenceStart'
  | 'multichannelConfig'
  | 'command'
  | 'silence'
  | 'unknown';

/** The Multitrack wrapper a packet came in, by name. */
export type MultitrackKind = 'oneTrack' | 'manyTracks' | 'manyTracksManyCodecs';

/** Fields every audio and video packet has. */
interface MediaPacketBase {
  /** E-RTMP (ExHeader) form. */
  enhanced: boolean;
  /** What the packet carries. */
  packetType: MediaPacketKind;
  /**
   * The wire packet type: AVCPacketType / AACPacketType (legacy) or the E-RTMP packet
   * type after ModEx/Multitrack unwrapping (so CodedFramesX is 3); undefined for legacy
   * codecs without one.
   */
  rawPacketType: number | undefined;
  /** The E-RTMP FourCC as text (`'hvc1'`), when the packet has one. */
  fourcc: string | undefined;
  /** Decoder configuration (sequence start / AVC, AAC sequence header / MPEG2TSSequenceStart). */
  isSequenceHeader: boolean;
  /** End of sequence (AVC/HEVC legacy type 2, E-RTMP SequenceEnd). */
  isSequenceEnd: boolean;
  /** Track id (0 without a Multitrack wrapper). */
  trackId: number;
  /** The Multitrack wrapper, if any. */
  multitrack: MultitrackKind | undefined;
  /** E-RTMP ModEx TimestampOffsetNano (0…1,048,575 ns, added to the message's ms timestamp); 0 if none. */
  timestampOffsetNano: number;
  /** The codec data after all headers: a view of the payload. */
  data: Buffer;
}

/** One video packet. */
export interface VideoPacket extends MediaPacketBase {
  kind: 'video';
  codec: VideoCodec;
  /** Legacy CodecID (undefined for E-RTMP). */
  codecId: number | undefined;
  /** VideoFrameType (1 key, 2 inter, 3 disposable, 4 generated key, 5 command). */
  frameType: number;
  /** FrameType 1 (a keyframe; sequence headers included), never for command/metadata packets. */
  isKeyframe: boolean;
  /** Composition time offset in ms (SI24; 0 where the format has none). */
  compositionTime: number;
  /** VideoCommand (FrameType 5): 0 start of seek, 1 end of seek. */
  command: number | undefined;
  /** E-RTMP Metadata body as name → value (e.g. `colorInfo`), null-prototype. */
  metadata: Record<string, AmfValue> | undefined;
}

/** E-RTMP MultichannelConfig. */
export interface MultichannelConfig {
  /** AudioChannelOrder: 0 unspecified, 1 native (mask), 2 custom (mapping). */
  channelOrder: number;
  channelCount: number;
  /** Custom order: one AudioChannel id per channel. */
  channelMapping: number[] | undefined;
  /** Native order: AudioChannelMask. */
  channelMask: number | undefined;
}

/** One audio packet. */
export interface AudioPacket extends MediaPacketBase {
  kind: 'audio';
  codec: AudioCodec;
  /** SoundFormat (9 for E-RTMP; -1 for the zero-length silence message). */
  soundFormat: number;
  /** Legacy SoundRate in Hz (5512.5, 11025, 22050, 44100); undefined for E-RTMP. */
  soundRate: number | undefined;
  /** Legacy SoundSize in bits (8 or 16). */
  soundSize: number | undefined;
  /** Legacy SoundType: 1 mono, 2 stereo. */
  channels: number | undefined;
  /** E-RTMP MultichannelConfig body. */
  multichannelConfig: MultichannelConfig | undefined;
}

/** An audio or video packet. */
export type MediaPacket = AudioPacket | VideoPacket;

/** Options of the media parsers. */
export interface MediaParseOptions {
  /** Decode E-RTMP Metadata bodies (default true; false leaves `metadata` undefined, `data` raw). */
  metadata?: boolean;
  /** AMF limits for Metadata bodies. */
  amf?: AmfDecodeOptions;
}

const LEGACY_VIDEO: readonly VideoCodec[] = [
  'unknown',
  'jpeg',
  'h263',
  'screen',
  'vp6',
  'vp6a',
  'screen2',
  'avc',
  'unknown',
  'unknown',
  'unknown',
  'unknown',
  'hevc',
  'unknown',
  'unknown',
  'unknown',
];

const LEGACY_AUDIO: readonly AudioCodec[] = [
  'pcm',
  'adpcm',
  'mp3',
  'pcm-le',
  'nellymoser-16k',
  'nellymoser-8k',
  'nellymoser',
  'g711a',
  'g711u',
  'unknown',
  'aac',
  'speex',
  'unknown',
  'unknown',
  'mp3-8k',
  'device',
];

/** Legacy SoundRate values in Hz, by the 2-bit field. */
export const SOUND_RATES = [5512.5, 11025, 22050, 44100] as const;

const VIDEO_FOURCC = new Map<number, VideoCodec>([
  [FourCC.avc1, 'avc'],
  [FourCC.hvc1, 'hevc'],
  [FourCC.vvc1, 'vvc'],
  [FourCC.av01, 'av1'],
  [FourCC.vp09, 'vp9'],
  [FourCC.vp08, 'vp8'],
]);

const AUDIO_FOURCC = new Map<number, AudioCodec>([
  [FourCC.mp4a, 'aac'],
  [FourCC.mp3, 'mp3'],
  [FourCC.opus, 'opus'],
  [FourCC.flac, 'flac'],
  [FourCC.ac3, 'ac3'],
  [FourCC.eac3, 'eac3'],
]);

/** AvMultitrackType values by name, indexed by the wire value. */
export const MULTITRACK_KINDS: readonly MultitrackKind[] = ['oneTrack', 'manyTracks', 'manyTracksManyCodecs'];

/** The codec of a legacy video CodecID. */
export function legacyVideoCodec(codecId: number): VideoCodec {
  return LEGACY_VIDEO[codecId] ?? 'unknown';
}

/** The codec of a legacy SoundFormat. */
export function legacyAudioCodec(soundFormat: number): AudioCodec {
  return LEGACY_AUDIO[soundFormat] ?? 'unknown';
}

/** The codec of an E-RTMP video FourCC ('unknown' for any other). */
export function videoCodecOfFourCC(code: number): VideoCodec {
  return VIDEO_FOURCC.get(code) ?? 'unknown';
}

/** The codec of an E-RTMP audio FourCC ('unknown' for any other). */
export function audioCodecOfFourCC(code: number): AudioCodec {
  return AUDIO_FOURCC.get(code) ?? 'unknown';
}
