/**
 * What the relay needs to know about an audio/video message body (an FLV tag body):
 * is it decoder configuration (AVC/HEVC sequence header, AAC AudioSpecificConfig, an
 * E-RTMP SequenceStart / MPEG2TSSequenceStart / colorInfo Metadata / audio
 * MultichannelConfig) that late joiners must get first, and is it a keyframe that
 * starts a GOP. Legacy headers (FLV-10.1 E.4.2/E.4.3) and Enhanced RTMP v2 headers
 * (ModEx prefixes, Multitrack wrappers) are read; notes/protocol.md §3.2–§3.9.
 *
 * Invariants: total — any byte string classifies (a truncated or unknown header is a
 * plain frame, never an error); nothing is copied; `key` names the configuration slot
 * a config message replaces (one per codec/track/kind), so a new sequence header
 * replaces the old one and configs of different tracks coexist.
 */

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

/** Legacy video codec ids whose byte 1 is an AVCPacketType (7 AVC; 12 the de-facto HEVC id). */
const AVC_LIKE = new Set([7, 12]);

const VIDEO = {
  SequenceStart: 0,
  CodedFrames: 1,
  CodedFramesX: 3,
  Metadata: 4,
  Mpeg2TsStart: 5,
  Multitrack: 6,
  ModEx: 7,
};
const AUDIO = { SequenceStart: 0, MultichannelConfig: 4, Multitrack: 5, ModEx: 7 };

function fourcc(p: Uint8Array, at: number): string {
  return String.fromCharCode(p[at]!, p[at + 1]!, p[at + 2]!, p[at + 3]!);
}

/**
 * Reads the part common to E-RTMP audio and video after byte 0: the ModEx loop, the
 * Multitrack wrapper, the FourCC(s) and track ids. Returns the final packet type and a
 * slot key, or undefined when the header is truncated.
 */
function readEx(
  p: Uint8Array,
  packetType: number,
  modEx: number,
  multitrack: number,
): { packetType: number; key: string } | undefined {
  let pos = 1;
  while (packetType === modEx) {
    if (pos >= p.length) return undefined;
    let size = p[pos++]! + 1;
    if (size === 256) {
      if (pos + 2 > p.length) return undefined;
      size = ((p[pos]! << 8) | p[pos + 1]!) + 1;
      pos += 2;
    }
    pos += size;
    if (pos >= p.length) return undefined;
    packetType = p[pos++]! & 0x0f;
  }
  if (packetType !== multitrack) {
    if (pos + 4 > p.length) return undefined;
    return { packetType, key: fourcc(p, pos) };
  }
  if (pos >= p.length) return undefined;
  const mtType = p[pos]! >> 4;
  packetType = p[pos++]! & 0x0f;
  let shared = '';
  if (mtType !== 2) {
    if (pos + 4 > p.length) return undefined;
    shared = fourcc(p, pos);
    pos += 4;
  }
  // Track list: [fourcc (type 2)] trackId [UI24 size (types 1, 2)], repeated.
  const tracks: string[] = [];
  while (pos < p.length && tracks.length < 16) {
    let codec = shared;
    if (mtType === 2) {
      if (pos + 4 > p.length) break;
      codec = fourcc(p, pos);
      pos += 4;
    }
    if (pos >= p.length) break;
    tracks.push(`${codec}#${p[pos++]!}`);
    if (mtType === 0) break;
    if (pos + 3 > p.length) break;
    pos += 3 + ((p[pos]! << 16) | (p[pos + 1]! << 8) | p[pos + 2]!);
  }
  if (tracks.length === 0) return undefined;
  return { packetType, key: `mt:${tracks.join(',')}` };
}

/** Classifies a video message body (legacy or E-RTMP). */
export function classifyVideo(p: Uint8Array): MediaKind {
  if (p.length === 0) return PLAIN;
  const b0 = p[0]!;
  if ((b0 & 0x80) === 0) {
    const frameType = b0 >> 4;
    const codec = b0 & 0x0f;
    if (AVC_LIKE.has(codec)) {
      if (p.length < 2) return PLAIN;
      if (p[1] === 0) return { config: true, keyframe: false, key: `v${codec}` };
      return { config: false, keyframe: frameType === 1 && p[1] === 1, key: '' };
    }
    return { config: false, keyframe: frameType === 1, key: '' };
  }
  const frameType = (b0 >> 4) & 0x07;
  const ex = readEx(p, b0 & 0x0f, VIDEO.ModEx, VIDEO.Multitrack);
  if (!ex) return PLAIN;
  const { packetType } = ex;
  if (packetType === VIDEO.Metadata) return { config: true, keyframe: false, key: `vx:${ex.key}:meta` };
  // A Command frame (e.g. client-side seek markers) carries no codec data.
  if (frameType === 5) return PLAIN;
  if (packetType === VIDEO.SequenceStart || packetType === VIDEO.Mpeg2TsStart) {
    return { config: true, keyframe: false, key: `vx:${ex.key}` };
  }
  const coded = packetType === VIDEO.CodedFrames || packetType === VIDEO.CodedFramesX;
  return { config: false, keyframe: coded && frameType === 1, key: '' };
}

/** Classifies an audio message body (legacy or E-RTMP). An empty body is the E-RTMP silence message. */
export function classifyAudio(p: Uint8Array): MediaKind {
  if (p.length === 0) return PLAIN;
  const format = p[0]! >> 4;
  if (format === 10) {
    if (p.length >= 2 && p[1] === 0) return { config: true, keyframe: false, key: 'a10' };
    return PLAIN;
  }
  if (format !== 9) return PLAIN;
  const ex = readEx(p, p[0]! & 0x0f, AUDIO.ModEx, AUDIO.Multitrack);
  if (!ex) return PLAIN;
  if (ex.packetType === AUDIO.SequenceStart) return { config: true, keyframe: false, key: `ax:${ex.key}` };
  if (ex.packetType === AUDIO.MultichannelConfig) {
    return { config: true, keyframe: false, key: `ax:${ex.key}:mc` };
  }
  return PLAIN;
}

/** Classifies by message type. */
export function classifyMedia(type: 'audio' | 'video', payload: Uint8Array): MediaKind {
  return type === 'video' ? classifyVideo(payload) : classifyAudio(payload);
}
