/**
 * Legacy FLV audio/video tag headers (FLV-10.1 E.4.2 AUDIODATA, E.4.3 VIDEODATA) into
 * typed packets, and the packet constructors the enhanced parser shares.
 *
 * Video: FrameType UB[4] | CodecID UB[4]; FrameType 5 = video info/command (UI8 body);
 * CodecID 7 (AVC) and the non-standard 12 (HEVC, FFmpeg's `FLV_CODECID_X_HEVC`, used by
 * Chinese CDNs) carry UI8 AVCPacketType + SI24 CompositionTime. Audio: SoundFormat UB[4]
 * | SoundRate UB[2] | SoundSize UB[1] | SoundType UB[1]; AAC (10) adds UI8 AACPacketType.
 *
 * Invariants: total — a cut header is `ERR_FLV_MEDIA_TRUNCATED`; unknown codec ids and
 * packet types give `'unknown'`; `data` is a view of the payload.
 */
import { ProtocolCode } from '../error-codes.js';
import { ByteReader } from '../util/byte-reader.js';
import { flvError } from './errors.js';
import {
  AacPacketType,
  type AudioCodec,
  type AudioPacket,
  AvcPacketType,
  legacyAudioCodec,
  legacyVideoCodec,
  type MediaPacketKind,
  type MultitrackKind,
  SOUND_RATES,
  SoundFormat,
  type VideoCodec,
  VideoCodecId,
  VideoFrameType,
  type VideoPacket,
} from './media-types.js';

/** A reader of a media payload whose shortfalls are `ERR_FLV_MEDIA_TRUNCATED`. */
export function reader(buf: Buffer, what: string): ByteReader {
  return new ByteReader(buf, (needed, available, offset) =>
    flvError(
      ProtocolCode.FLV_MEDIA_TRUNCATED,
      `${what} payload truncated at offset ${offset}: needed ${needed} bytes, ${available} left of ${buf.length}`,
    ),
  );
}

/** Parses a legacy VIDEODATA body whose first byte `b0` was read. */
export function legacyVideo(r: ByteReader, b0: number): VideoPacket {
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

/** Parses a legacy AUDIODATA body whose first byte `b0` (SoundFormat ≠ 9) was read. */
export function legacyAudio(r: ByteReader, b0: number): AudioPacket {
  const soundFormat = b0 >>> 4;
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
  return p;
}

/** A video packet with every field set (track 0, empty data). */
export function videoPacket(
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

/** An audio packet with every field set (track 0, empty data). */
export function audioPacket(
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

const EMPTY = Buffer.alloc(0);
