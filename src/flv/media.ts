/**
 * Typed audio/video packets from FLV AUDIODATA / VIDEODATA bodies (= RTMP type 8/9
 * payloads): the legacy headers (FLV-10.1 E.4.2/E.4.3; media-legacy.ts) and Enhanced
 * RTMP v1/v2 (ERTMP-V2 "Enhanced Video"/"Enhanced Audio"; media-enhanced.ts, with the
 * Multitrack track loop in media-multitrack.ts). The values and packet shapes live in
 * media-types.ts and are re-exported here, so `./media.js` stays the one import.
 *
 * A video byte 0 with bit 7 set is an ExVideoTagHeader; an audio SoundFormat 9 is an
 * ExAudioTagHeader; a zero-length audio payload is the E-RTMP "silence" message.
 *
 * Invariants: parsing is total — it returns packets or throws an `RTMPProtocolError`
 * with `ERR_FLV_MEDIA_TRUNCATED` (a header field is cut), `ERR_FLV_MEDIA_INVALID`
 * (Multitrack inside Multitrack, a track size beyond the payload) or
 * `ERR_FLV_BAD_SCRIPT` (a Metadata body that is not AMF0). Unknown or reserved values
 * (FourCC, packet type, AvMultitrackType, codec id) give packets with `codec: 'unknown'`
 * or `packetType: 'unknown'` — E-RTMP's "fail gracefully". `data` is always a view of
 * the payload. A message without a Multitrack wrapper is track 0 (enhanced-rtmp #48).
 */
import { FlvTagType } from './header.js';
import { enhancedAudio, enhancedVideo } from './media-enhanced.js';
import { audioPacket, legacyAudio, legacyVideo, reader } from './media-legacy.js';
import {
  AacPacketType,
  type AudioPacket,
  AudioPacketType,
  AvcPacketType,
  type MediaPacket,
  type MediaParseOptions,
  SoundFormat,
  VideoCodecId,
  VideoFrameType,
  type VideoPacket,
  VideoPacketType,
} from './media-types.js';

export * from './media-types.js';

/**
 * Parses a video payload (an FLV VIDEODATA body / RTMP type 9 payload) into its packets:
 * one, or one per track of a Multitrack message.
 *
 * @throws RTMPProtocolError `ERR_FLV_MEDIA_TRUNCATED`, `ERR_FLV_MEDIA_INVALID`, `ERR_FLV_BAD_SCRIPT`
 */
export function parseVideoPayload(payload: Buffer, options?: MediaParseOptions): VideoPacket[] {
  const r = reader(payload, 'video');
  const b0 = r.u8();
  return (b0 & 0x80) === 0 ? [legacyVideo(r, b0)] : enhancedVideo(r, b0, options);
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
  return b0 >>> 4 === SoundFormat.ExHeader ? enhancedAudio(r, b0) : [legacyAudio(r, b0)];
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
 * Whether a server answered play(`startMs`) with timestamps from 0 (FMS, rtmpkit's server)
 * rather than the file's own (nginx-rtmp), told by the first media timestamp after it:
 * below half the start. Players of a stream started at an offset use it to keep the file's
 * timeline (FlvMuxer `playStart`) and to resume at the file position (ReplayFilter).
 */
export function playRestamped(startMs: number, firstMediaTs: number): boolean {
  return startMs > 0 && firstMediaTs >>> 0 < startMs / 2;
}

/**
 * Where to seek a server that keeps the file's timestamps so that it lands on the keyframe
 * at `keyframeMs`: 1 ms before it (0 stays 0). nginx-rtmp, given a keyframe index
 * (onMetaData `keyframes`), starts at the first keyframe whose index time is *after* the
 * position asked for, so a keyframe's own time lands on the next one. Used once a stream
 * has shown it went past the keyframe (a reconnect's replay, a resumed download): servers
 * that land at or before the position asked for are never asked this way.
 */
export function seekBefore(keyframeMs: number): number {
  return Math.max(0, keyframeMs - 1);
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
