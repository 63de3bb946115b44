/**
 * Enhanced RTMP video and audio headers (ERTMP-V2 "Enhanced Video" ExVideoTagHeader,
 * "Enhanced Audio" ExAudioTagHeader) into typed packets.
 *
 * Video byte 0 with bit 7 set: VideoFrameType UB[3] | VideoPacketType UB[4]; then the
 * ModEx loop (UI8/UI16 size − 1, data, modExType UB[4] | next packet type UB[4];
 * TimestampOffsetNano = UI24 of the data), a Command (FrameType 5, packet type ≠
 * Metadata: UI8, no FourCC), or an optional Multitrack byte (AvMultitrackType UB[4] |
 * packet type UB[4]) and the tracks (media-multitrack.ts). CodedFrames carries SI24
 * CompositionTime for `avc1`, `hvc1`, `vvc1` only; CodedFramesX implies 0. Metadata
 * bodies are AMF0 `[name, value]` pairs (`colorInfo`) and FrameType is ignored for them,
 * as the spec says (OBS writes 0x84, FFmpeg 0xD4). Audio byte 0 = SoundFormat 9 |
 * AudioPacketType UB[4], the same ModEx / Multitrack / FourCC layout, and
 * MultichannelConfig bodies (UI8 order, UI8 count, then a UI32 mask or UI8 per channel).
 *
 * Invariants: total — Multitrack inside Multitrack is `ERR_FLV_MEDIA_INVALID`, a Metadata
 * body that is not AMF0 `ERR_FLV_BAD_SCRIPT`; unknown FourCCs, packet types and reserved
 * AvMultitrackTypes give `'unknown'` packets (E-RTMP's "fail gracefully").
 */
import { decode as decodeAmf0 } from '../amf/amf0.js';
import { type AmfDecodeOptions, type AmfValue, newEcmaArray, setOwn } from '../amf/types.js';
import { ProtocolCode } from '../error-codes.js';
import type { ByteReader } from '../util/byte-reader.js';
import { flvError } from './errors.js';
import { audioPacket, reader, videoPacket } from './media-legacy.js';
import { readTracks } from './media-multitrack.js';
import {
  AudioChannelOrder,
  type AudioPacket,
  AudioPacketType,
  AvMultitrackType,
  audioCodecOfFourCC,
  FourCC,
  fourccToString,
  type MediaPacketKind,
  type MediaParseOptions,
  MULTITRACK_KINDS,
  type MultichannelConfig,
  SoundFormat,
  VideoFrameType,
  type VideoPacket,
  VideoPacketType,
  videoCodecOfFourCC,
} from './media-types.js';

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

/** Parses an enhanced VIDEODATA body whose first byte `b0` (bit 7 set) was read. */
export function enhancedVideo(r: ByteReader, b0: number, options?: MediaParseOptions): VideoPacket[] {
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
    [mt, packetType] = readMultitrackByte(r, VideoPacketType.Multitrack, 'video');
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
  const multitrack = mt >= 0 ? MULTITRACK_KINDS[mt] : undefined;
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

/** Decodes an E-RTMP Metadata body: AMF0 `name, value` pairs (a trailing name without a value maps to undefined). */
function decodeMetadataPairs(body: Buffer, amf: AmfDecodeOptions | undefined): Record<string, AmfValue> {
  let values: AmfValue[];
  try {
    values = decodeAmf0(body, amf);
  } catch (err) {
    throw flvError(
      ProtocolCode.FLV_BAD_SCRIPT,
      `E-RTMP video Metadata does not decode: ${(err as Error).message}`,
      err,
    );
  }
  const out = newEcmaArray();
  for (let i = 0; i < values.length; i += 2) {
    const name = values[i];
    if (typeof name !== 'string') {
      throw flvError(
        ProtocolCode.FLV_BAD_SCRIPT,
        `E-RTMP video Metadata: value ${i} should be a name (string)`,
      );
    }
    setOwn(out, name, values[i + 1]);
  }
  return out;
}

/** Parses an enhanced AUDIODATA body whose first byte `b0` (SoundFormat 9) was read. */
export function enhancedAudio(r: ByteReader, b0: number): AudioPacket[] {
  const soundFormat = SoundFormat.ExHeader;
  const [packetType0, nano] = readModEx(r, b0 & 0x0f, AudioPacketType.ModEx);
  let packetType = packetType0;
  let mt = -1;
  if (packetType === AudioPacketType.Multitrack) {
    [mt, packetType] = readMultitrackByte(r, AudioPacketType.Multitrack, 'audio');
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
  const multitrack = mt >= 0 ? MULTITRACK_KINDS[mt] : undefined;
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

/**
 * Reads a Multitrack packet's byte (E-RTMP v2 "Multitrack"): AvMultitrackType in the high
 * nibble, the packet type of its tracks in the low one, which may not be Multitrack again.
 */
function readMultitrackByte(r: ByteReader, multitrack: number, what: 'audio' | 'video'): [number, number] {
  const b = r.u8();
  const packetType = b & 0x0f;
  if (packetType === multitrack) {
    throw flvError(
      ProtocolCode.FLV_MEDIA_INVALID,
      `${what} Multitrack packet wraps another Multitrack packet`,
    );
  }
  return [b >>> 4, packetType];
}
