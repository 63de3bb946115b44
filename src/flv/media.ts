/**
 * Typed audio/video packets from FLV AUDIODATA / VIDEODATA bodies (= RTMP type 8/9
 * payloads): the legacy headers (FLV-10.1 E.4.2/E.4.3; notes/protocol.md §3.2–§3.3) and
 * Enhanced RTMP v1/v2 (ERTMP-V2 "Enhanced Video"/"Enhanced Audio"; notes §3.5–§3.9).
 *
 * Video, byte 0 bit 7 clear (legacy): FrameType UB[4] | CodecID UB[4]; FrameType 5 =
 * video info/command (UI8 body); CodecID 7 (AVC) and the non-standard 12 (HEVC, FFmpeg's
 * `FLV_CODECID_X_HEVC`, Chinese CDNs) carry UI8 AVCPacketType + SI24 CompositionTime.
 * Bit 7 set (E-RTMP): VideoFrameType UB[3] | VideoPacketType UB[4]; then the ModEx loop
 * (UI8/UI16 size − 1, data, modExType UB[4] | next packet type UB[4]; TimestampOffsetNano
 * = UI24 of the data), a Command (FrameType 5, packet type ≠ Metadata: UI8, no FourCC),
 * or an optional Multitrack byte (AvMultitrackType UB[4] | packet type UB[4]) and FourCC,
 * then one body per track (ManyTracks*: UI8 trackId + UI24 size; OneTrack: UI8 trackId).
 * CodedFrames carries SI24 CompositionTime for `avc1`, `hvc1`, `vvc1` only; CodedFramesX
 * implies 0. Metadata bodies are AMF0 `[name, value]` pairs (`colorInfo`) and FrameType
 * is ignored for them, as the spec says (OBS writes 0x84, FFmpeg 0xD4).
 * Audio: SoundFormat UB[4] | rate UB[2] | size UB[1] | type UB[1]; AAC (10) adds UI8
 * AACPacketType; SoundFormat 9 is the E-RTMP ExHeader (AudioPacketType UB[4], the same
 * ModEx / Multitrack / FourCC layout, MultichannelConfig). A zero-length audio payload is
 * the E-RTMP "silence" message, not an error.
 *
 * Invariants: parsing is total — it returns packets or throws an `RTMPProtocolError`
 * with `ERR_FLV_MEDIA_TRUNCATED` (a header field is cut), `ERR_FLV_MEDIA_INVALID`
 * (Multitrack inside Multitrack, a track size beyond the payload) or
 * `ERR_FLV_BAD_SCRIPT` (a Metadata body that is not AMF0). Unknown or reserved values
 * (FourCC, packet type, AvMultitrackType, codec id) give packets with `codec: 'unknown'`
 * or `packetType: 'unknown'` — E-RTMP's "fail gracefully". `data` is always a view of
 * the payload. A message without a Multitrack wrapper is track 0 (enhanced-rtmp #48).
 */
import { decode as decodeAmf0 } from '../amf/amf0.js';
import { type AmfDecodeOptions, type AmfValue, newEcmaArray, setOwn } from '../amf/types.js';
import { ByteReader } from '../util/byte-reader.js';
import { FlvErrorCode, flvError } from './errors.js';
import { FlvTagType } from './header.js';

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

/** E-RTMP FourCCs (notes/protocol.md §3.5), as UI32. */
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

const SOUND_RATES = [5512.5, 11025, 22050, 44100] as const;

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

const MULTITRACK: readonly MultitrackKind[] = ['oneTrack', 'manyTracks', 'manyTracksManyCodecs'];

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

function reader(buf: Buffer, what: string): ByteReader {
  return new ByteReader(buf, (needed, available, offset) =>
    flvError(
      FlvErrorCode.MEDIA_TRUNCATED,
      `${what} payload truncated at offset ${offset}: needed ${needed} bytes, ${available} left of ${buf.length}`,
    ),
  );
}

/** Reads the ModEx loop; returns the packet type after it and the TimestampOffsetNano (0 if none). */
function readModEx(r: ByteReader, packetType: number, modExType: number): [number, number] {
  let nano = 0;
  while (packetType === modExType) {
    let size = r.u8() + 1;
    if (size === 256) size = r.u16() + 1;
    const data = r.bytes(size);
    const next = r.u8();
    packetType = next & 0x0f;
    // Only TimestampOffsetNano (0) is defined; its UI24 needs 3 bytes (FFmpeg demands exactly 3,
    // the spec "at least" — a shorter one is ignored, as is any reserved modExType).
    if (next >>> 4 === 0 && size >= 3) nano = (data[0]! << 16) | (data[1]! << 8) | data[2]!;
  }
  return [packetType, nano];
}

/**
 * Parses a video payload (an FLV VIDEODATA body / RTMP type 9 payload) into its packets:
 * one, or one per track of a Multitrack message.
 *
 * @throws RTMPProtocolError `ERR_FLV_MEDIA_TRUNCATED`, `ERR_FLV_MEDIA_INVALID`, `ERR_FLV_BAD_SCRIPT`
 */
export function parseVideoPayload(payload: Buffer, options?: MediaParseOptions): VideoPacket[] {
  const r = reader(payload, 'video');
  const b0 = r.u8();
  if ((b0 & 0x80) === 0) return [legacyVideo(r, b0)];

  const frameType = (b0 >>> 4) & 0x07;
  const [packetType0, nano] = readModEx(r, b0 & 0x0f, VideoPacketType.ModEx);
  let packetType = packetType0;
  if (packetType !== VideoPacketType.Metadata && frameType === VideoFrameType.Command) {
    const command = r.u8();
    const p = videoPacket(
      true,
      'unknown',
      undefined,
      undefined,
      frameType,
      'command',
      packetType,
      0,
      undefined,
      nano,
    );
    p.command = command;
    p.data = r.bytes(r.remaining);
    return [p];
  }
  let mt = -1;
  if (packetType === VideoPacketType.Multitrack) {
    const b = r.u8();
    mt = b >>> 4;
    packetType = b & 0x0f;
    if (packetType === VideoPacketType.Multitrack) {
      throw flvError(FlvErrorCode.MEDIA_INVALID, 'video Multitrack packet wraps another Multitrack packet');
    }
    if (mt > AvMultitrackType.ManyTracksManyCodecs) {
      // Reserved AvMultitrackType: the track layout is unknown, so nothing can be read.
      const p = videoPacket(
        true,
        'unknown',
        undefined,
        undefined,
        frameType,
        'unknown',
        packetType,
        0,
        undefined,
        nano,
      );
      p.data = r.bytes(r.remaining);
      return [p];
    }
  }
  return readTracks(r, mt, 'video', (code, trackId, body) =>
    enhancedVideoBody(frameType, packetType, code, trackId, mt, nano, body, options),
  );
}

/**
 * Reads the tracks that follow an enhanced header (ERTMP-V2 Multitrack): one FourCC
 * first unless every track names its own (ManyTracksManyCodecs), then per track its id
 * and body (size-prefixed except for OneTrack). `mt` < 0: no Multitrack wrapper, one
 * track 0 with the rest of the payload.
 */
function readTracks<P>(
  r: ByteReader,
  mt: number,
  what: 'audio' | 'video',
  make: (code: number, trackId: number, body: Buffer) => P,
): P[] {
  let code = mt === AvMultitrackType.ManyTracksManyCodecs ? 0 : r.u32();
  const out: P[] = [];
  do {
    let trackId = 0;
    let body: Buffer;
    if (mt >= 0) {
      if (mt === AvMultitrackType.ManyTracksManyCodecs) code = r.u32();
      trackId = r.u8();
      body = mt === AvMultitrackType.OneTrack ? r.bytes(r.remaining) : trackBody(r, what);
    } else {
      body = r.bytes(r.remaining);
    }
    out.push(make(code, trackId, body));
  } while (mt > AvMultitrackType.OneTrack && r.remaining > 0);
  return out;
}

function trackBody(r: ByteReader, what: string): Buffer {
  const size = r.u24();
  if (size > r.remaining) {
    throw flvError(
      FlvErrorCode.MEDIA_INVALID,
      `${what} Multitrack track declares ${size} bytes, ${r.remaining} left in the payload`,
    );
  }
  return r.bytes(size);
}

function legacyVideo(r: ByteReader, b0: number): VideoPacket {
  const frameType = b0 >>> 4;
  const codecId = b0 & 0x0f;
  const codec = legacyVideoCodec(codecId);
  if (frameType === VideoFrameType.Command) {
    const command = r.u8();
    const p = videoPacket(false, codec, codecId, undefined, frameType, 'command', undefined, 0, undefined, 0);
    p.command = command;
    p.data = r.bytes(r.remaining);
    return p;
  }
  if (codecId === VideoCodecId.AVC || codecId === VideoCodecId.HEVC) {
    const t = r.u8();
    const cts = r.i24();
    const kind: MediaPacketKind =
      t === AvcPacketType.SequenceHeader
        ? 'sequenceStart'
        : t === AvcPacketType.NALU
          ? 'codedFrames'
          : t === AvcPacketType.EndOfSequence
            ? 'sequenceEnd'
            : 'unknown';
    const p = videoPacket(false, codec, codecId, undefined, frameType, kind, t, cts, undefined, 0);
    p.data = r.bytes(r.remaining);
    return p;
  }
  const p = videoPacket(
    false,
    codec,
    codecId,
    undefined,
    frameType,
    'codedFrames',
    undefined,
    0,
    undefined,
    0,
  );
  p.data = r.bytes(r.remaining);
  return p;
}

function enhancedVideoBody(
  frameType: number,
  packetType: number,
  code: number,
  trackId: number,
  mt: number,
  nano: number,
  body: Buffer,
  options: MediaParseOptions | undefined,
): VideoPacket {
  const codec = videoCodecOfFourCC(code);
  const fcc = fourccToString(code);
  const multitrack = mt >= 0 ? MULTITRACK[mt] : undefined;
  let kind: MediaPacketKind;
  let cts = 0;
  let data = body;
  let metadata: Record<string, AmfValue> | undefined;
  switch (packetType) {
    case VideoPacketType.SequenceStart:
      kind = 'sequenceStart';
      break;
    case VideoPacketType.CodedFrames:
      kind = 'codedFrames';
      if (code === FourCC.avc1 || code === FourCC.hvc1 || code === FourCC.vvc1) {
        const br = reader(body, 'video track');
        cts = br.i24();
        data = br.bytes(br.remaining);
      }
      break;
    case VideoPacketType.SequenceEnd:
      kind = 'sequenceEnd';
      break;
    case VideoPacketType.CodedFramesX:
      kind = 'codedFrames';
      break;
    case VideoPacketType.Metadata:
      kind = 'metadata';
      if (options?.metadata !== false) metadata = decodeMetadataPairs(body, options?.amf);
      break;
    case VideoPacketType.MPEG2TSSequenceStart:
      kind = 'mpeg2tsSequenceStart';
      break;
    default:
      kind = 'unknown';
  }
  const p = videoPacket(true, codec, undefined, fcc, frameType, kind, packetType, cts, multitrack, nano);
  p.trackId = trackId;
  p.data = data;
  p.metadata = metadata;
  return p;
}

function videoPacket(
  enhanced: boolean,
  codec: VideoCodec,
  codecId: number | undefined,
  fcc: string | undefined,
  frameType: number,
  packetType: MediaPacketKind,
  rawPacketType: number | undefined,
  compositionTime: number,
  multitrack: MultitrackKind | undefined,
  nano: number,
): VideoPacket {
  return {
    kind: 'video',
    enhanced,
    codec,
    codecId,
    fourcc: fcc,
    frameType,
    isKeyframe: frameType === VideoFrameType.Key && packetType !== 'command' && packetType !== 'metadata',
    packetType,
    rawPacketType,
    isSequenceHeader: packetType === 'sequenceStart' || packetType === 'mpeg2tsSequenceStart',
    isSequenceEnd: packetType === 'sequenceEnd',
    compositionTime,
    trackId: 0,
    multitrack,
    timestampOffsetNano: nano,
    command: undefined,
    metadata: undefined,
    data: EMPTY,
  };
}

const EMPTY = Buffer.alloc(0);

/** Decodes an E-RTMP Metadata body: AMF0 `name, value` pairs (a trailing name without a value maps to undefined). */
function decodeMetadataPairs(body: Buffer, amf: AmfDecodeOptions | undefined): Record<string, AmfValue> {
  let values: AmfValue[];
  try {
    values = decodeAmf0(body, amf);
  } catch (err) {
    throw flvError(
      FlvErrorCode.BAD_SCRIPT,
      `E-RTMP video Metadata does not decode: ${(err as Error).message}`,
      err,
    );
  }
  const out = newEcmaArray();
  for (let i = 0; i < values.length; i += 2) {
    const name = values[i];
    if (typeof name !== 'string') {
      throw flvError(FlvErrorCode.BAD_SCRIPT, `E-RTMP video Metadata: value ${i} should be a name (string)`);
    }
    setOwn(out, name, values[i + 1]);
  }
  return out;
}

/**
 * Parses an audio payload (an FLV AUDIODATA body / RTMP type 8 payload) into its packets:
 * one, or one per track of a Multitrack message. An empty payload is the E-RTMP silence
 * message (`packetType: 'silence'`).
 *
 * @throws RTMPProtocolError `ERR_FLV_MEDIA_TRUNCATED`, `ERR_FLV_MEDIA_INVALID`
 */
export function parseAudioPayload(payload: Buffer): AudioPacket[] {
  if (payload.length === 0) {
    const silence = audioPacket(false, 'unknown', -1, undefined, 'silence', undefined, undefined, 0);
    silence.data = payload;
    return [silence];
  }
  const r = reader(payload, 'audio');
  const b0 = r.u8();
  const soundFormat = b0 >>> 4;
  if (soundFormat !== SoundFormat.ExHeader) {
    const codec = legacyAudioCodec(soundFormat);
    let kind: MediaPacketKind = 'codedFrames';
    let raw: number | undefined;
    if (soundFormat === SoundFormat.AAC) {
      raw = r.u8();
      kind =
        raw === AacPacketType.SequenceHeader
          ? 'sequenceStart'
          : raw === AacPacketType.Raw
            ? 'codedFrames'
            : 'unknown';
    }
    const p = audioPacket(false, codec, soundFormat, undefined, kind, raw, undefined, 0);
    p.soundRate = SOUND_RATES[(b0 >>> 2) & 3];
    p.soundSize = b0 & 0x02 ? 16 : 8;
    p.channels = b0 & 0x01 ? 2 : 1;
    p.data = r.bytes(r.remaining);
    return [p];
  }

  const [packetType0, nano] = readModEx(r, b0 & 0x0f, AudioPacketType.ModEx);
  let packetType = packetType0;
  let mt = -1;
  if (packetType === AudioPacketType.Multitrack) {
    const b = r.u8();
    mt = b >>> 4;
    packetType = b & 0x0f;
    if (packetType === AudioPacketType.Multitrack) {
      throw flvError(FlvErrorCode.MEDIA_INVALID, 'audio Multitrack packet wraps another Multitrack packet');
    }
    if (mt > AvMultitrackType.ManyTracksManyCodecs) {
      const p = audioPacket(true, 'unknown', soundFormat, undefined, 'unknown', packetType, undefined, nano);
      p.data = r.bytes(r.remaining);
      return [p];
    }
  }
  return readTracks(r, mt, 'audio', (code, trackId, body) =>
    enhancedAudioBody(packetType, code, trackId, mt, nano, body),
  );
}

function enhancedAudioBody(
  packetType: number,
  code: number,
  trackId: number,
  mt: number,
  nano: number,
  body: Buffer,
): AudioPacket {
  let kind: MediaPacketKind;
  let config: MultichannelConfig | undefined;
  switch (packetType) {
    case AudioPacketType.SequenceStart:
      kind = 'sequenceStart';
      break;
    case AudioPacketType.CodedFrames:
      kind = 'codedFrames';
      break;
    case AudioPacketType.SequenceEnd:
      kind = 'sequenceEnd';
      break;
    case AudioPacketType.MultichannelConfig: {
      kind = 'multichannelConfig';
      const br = reader(body, 'audio MultichannelConfig');
      const channelOrder = br.u8();
      const channelCount = br.u8();
      config = { channelOrder, channelCount, channelMapping: undefined, channelMask: undefined };
      if (channelOrder === AudioChannelOrder.Custom) config.channelMapping = [...br.bytes(channelCount)];
      else if (channelOrder === AudioChannelOrder.Native) config.channelMask = br.u32();
      break;
    }
    default:
      kind = 'unknown';
  }
  const multitrack = mt >= 0 ? MULTITRACK[mt] : undefined;
  const p = audioPacket(
    true,
    audioCodecOfFourCC(code),
    SoundFormat.ExHeader,
    fourccToString(code),
    kind,
    packetType,
    multitrack,
    nano,
  );
  p.trackId = trackId;
  p.data = body;
  p.multichannelConfig = config;
  return p;
}

function audioPacket(
  enhanced: boolean,
  codec: AudioCodec,
  soundFormat: number,
  fcc: string | undefined,
  packetType: MediaPacketKind,
  rawPacketType: number | undefined,
  multitrack: MultitrackKind | undefined,
  nano: number,
): AudioPacket {
  return {
    kind: 'audio',
    enhanced,
    codec,
    soundFormat,
    fourcc: fcc,
    packetType,
    rawPacketType,
    isSequenceHeader: packetType === 'sequenceStart',
    isSequenceEnd: packetType === 'sequenceEnd',
    trackId: 0,
    multitrack,
    timestampOffsetNano: nano,
    soundRate: undefined,
    soundSize: undefined,
    channels: undefined,
    multichannelConfig: undefined,
    data: EMPTY,
  };
}

/**
 * Parses an RTMP type 8/9 payload (or FLV tag 8/9 body); any other type yields no packets.
 *
 * @throws RTMPProtocolError as `parseAudioPayload` / `parseVideoPayload`
 */
export function parseMediaPayload(type: number, payload: Buffer, options?: MediaParseOptions): MediaPacket[] {
  if (type === FlvTagType.Video) return parseVideoPayload(payload, options);
  if (type === FlvTagType.Audio) return parseAudioPayload(payload);
  return [];
}

/**
 * Whether a message/tag starts a decodable point, for resume and probing — never throws.
 * Video: FrameType 1 (legacy `0x1?`, librtmp's resume test, or E-RTMP; AVC/HEVC sequence
 * headers count, as in rtmpdump's `GetLastKeyframe`), excluding commands and E-RTMP
 * Metadata. Audio: every non-empty payload (each audio frame decodes on its own, as FFmpeg
 * flags them, and rtmpdump resumes audio-only files at the last audio tag). Else false.
 */
export function isKeyframe(type: number, payload: Uint8Array): boolean {
  if (type === FlvTagType.Audio) return payload.length > 0;
  if (type !== FlvTagType.Video || payload.length === 0) return false;
  const b0 = payload[0]!;
  if ((b0 & 0x80) === 0) return b0 >>> 4 === VideoFrameType.Key;
  if (((b0 >>> 4) & 0x07) !== VideoFrameType.Key) return false;
  const pt = b0 & 0x0f;
  if (pt === VideoPacketType.Metadata) return false;
  if (pt !== VideoPacketType.ModEx) return true;
  try {
    const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
    return parseVideoPayload(buf, { metadata: false }).some((p) => p.isKeyframe);
  } catch {
    return false;
  }
}

/**
 * Whether a message/tag carries decoder configuration (AVC/HEVC/AAC sequence header,
 * E-RTMP SequenceStart / MPEG2TSSequenceStart, in any track) — never throws.
 */
export function isSequenceHeader(type: number, payload: Uint8Array): boolean {
  if (payload.length < 2 || (type !== FlvTagType.Audio && type !== FlvTagType.Video)) return false;
  const b0 = payload[0]!;
  if (type === FlvTagType.Audio) {
    if (b0 >>> 4 === SoundFormat.AAC) return payload[1] === AacPacketType.SequenceHeader;
    if (b0 >>> 4 !== SoundFormat.ExHeader) return false;
    const pt = b0 & 0x0f;
    if (pt !== AudioPacketType.Multitrack && pt !== AudioPacketType.ModEx)
      return pt === AudioPacketType.SequenceStart;
  } else {
    if ((b0 & 0x80) === 0) {
      const id = b0 & 0x0f;
      return (
        b0 >>> 4 !== VideoFrameType.Command &&
        (id === VideoCodecId.AVC || id === VideoCodecId.HEVC) &&
        payload[1] === AvcPacketType.SequenceHeader
      );
    }
    const pt = b0 & 0x0f;
    if (pt !== VideoPacketType.Multitrack && pt !== VideoPacketType.ModEx) {
      return (
        ((b0 >>> 4) & 0x07) !== VideoFrameType.Command &&
        (pt === VideoPacketType.SequenceStart || pt === VideoPacketType.MPEG2TSSequenceStart)
      );
    }
  }
  try {
    const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
    return parseMediaPayload(type, buf, { metadata: false }).some((p) => p.isSequenceHeader);
  } catch {
    return false;
  }
}
