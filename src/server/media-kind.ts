/**
 * What the relay needs to know about an audio/video message body (an FLV tag body):
 * is it decoder configuration (AVC/HEVC sequence header, AAC AudioSpecificConfig, an
 * E-RTMP SequenceStart / MPEG2TSSequenceStart / colorInfo Metadata / audio
 * MultichannelConfig) that late joiners must get first, and is it a keyframe that
 * starts a GOP. The headers — legacy (FLV-10.1 E.4.2/E.4.3) and Enhanced RTMP v2
 * (ModEx prefixes, Multitrack wrappers) — are read by the FLV layer's parser
 * (`parseVideoPayload`/`parseAudioPayload`); this module only decides.
 *
 * Invariants: total — any byte string classifies (a body the parser refuses, truncated
 * or invalid, is a plain frame, never an error); nothing is copied; `key` names the
 * configuration slot a config message replaces (one per codec/track/kind), so a new
 * sequence header replaces the old one and configs of different tracks coexist.
 */
import { RTMPProtocolError } from '../errors.js';
import { type MediaPacket, parseAudioPayload, parseVideoPayload, VideoFrameType } from '../flv/media.js';

/** How the relay treats one audio/video message. */
export interface MediaKind {
  /** Decoder configuration to keep and replay to late joiners before any frame. */
  config: boolean;
  /** A video keyframe (starts a GOP). Audio frames never are. */
  keyframe: boolean;
  /** Configuration slot this message belongs to (meaningful when `config`). */
  key: string;
}

const PLAIN: MediaKind = Object.freeze({ config: false, keyframe: false, key: '' });

function config(key: string): MediaKind {
  return { config: true, keyframe: false, key };
}

/** The packets of a body, or undefined when the parser refuses it. */
function parsed<P extends MediaPacket>(parse: (b: Buffer) => P[], p: Uint8Array): P[] | undefined {
  try {
    return parse(Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength));
  } catch (err) {
    if (err instanceof RTMPProtocolError) return undefined;
    throw err;
  }
}

/**
 * The slot of an E-RTMP message's configuration: its FourCC, or `mt:` and every
 * track's FourCC#trackId for a Multitrack message.
 */
function slot(packets: readonly MediaPacket[]): string {
  if (packets[0]!.multitrack === undefined) return packets[0]!.fourcc ?? '';
  return `mt:${packets.map((p) => `${p.fourcc}#${p.trackId}`).join(',')}`;
}

/** Classifies a video message body (legacy or E-RTMP). */
export function classifyVideo(p: Uint8Array): MediaKind {
  const packets = parsed((b) => parseVideoPayload(b, { metadata: false }), p);
  const first = packets?.[0];
  if (!first) return PLAIN;
  // colorInfo and the like: configuration whatever its FrameType (OBS writes 0, FFmpeg 5).
  if (first.packetType === 'metadata') return config(`vx:${slot(packets)}:meta`);
  if (first.isSequenceHeader) return config(first.enhanced ? `vx:${slot(packets)}` : `v${first.codecId}`);
  const keyframe = first.packetType === 'codedFrames' && first.frameType === VideoFrameType.Key;
  return keyframe ? { config: false, keyframe: true, key: '' } : PLAIN;
}

/** Classifies an audio message body (legacy or E-RTMP). An empty body is the E-RTMP silence message. */
export function classifyAudio(p: Uint8Array): MediaKind {
  const packets = parsed(parseAudioPayload, p);
  const first = packets?.[0];
  if (!first) return PLAIN;
  if (first.isSequenceHeader) return config(first.enhanced ? `ax:${slot(packets)}` : `a${first.soundFormat}`);
  if (first.packetType === 'multichannelConfig') return config(`ax:${slot(packets)}:mc`);
  return PLAIN;
}

/** Classifies by message type. */
export function classifyMedia(type: 'audio' | 'video', payload: Uint8Array): MediaKind {
  return type === 'video' ? classifyVideo(payload) : classifyAudio(payload);
}

/**
 * The codec a message body names (`'avc'`, `'hevc'`, `'aac'`, `'mp3'`, …, the FLV
 * layer's names), or undefined when the body does not parse or names none. For
 * statistics: called on configuration messages and on frames of a stream whose codec
 * is not known yet, never per frame.
 */
export function codecOf(type: 'audio' | 'video', payload: Uint8Array): string | undefined {
  const first =
    type === 'video'
      ? parsed((b) => parseVideoPayload(b, { metadata: false }), payload)?.[0]
      : parsed(parseAudioPayload, payload)?.[0];
  return first === undefined || first.codec === 'unknown' ? undefined : first.codec;
}
