/**
 * What the relay needs to know about an audio/video message body (an FLV tag body):
 * is it decoder configuration (AVC/HEVC sequence header, AAC AudioSpecificConfig, an
 * E-RTMP SequenceStart / MPEG2TSSequenceStart / colorInfo Metadata / audio
 * MultichannelConfig) that late joiners must get first, and is it a keyframe that
 * starts a GOP. The headers — legacy (FLV-10.1 E.4.2/E.4.3) and Enhanced RTMP v2
 * (ModEx prefixes, Multitrack wrappers) — are read by the FLV layer's parser
 * (`parseVideoPayload`/`parseAudioPayload`); this module only decides.
 *
 * It also says which E-RTMP FourCCs and tracks a message carries, so each player gets
 * only what it said it can take (`MediaFilter`).
 *
 * Invariants: total — any byte string classifies (a body the parser refuses, truncated
 * or invalid, is a plain frame, never an error); nothing is copied; `key` names the
 * configuration slot a config message replaces (one per codec/track/kind), so a new
 * sequence header replaces the old one and configs of different tracks coexist.
 */
import { RTMPProtocolError } from '../errors.js';
import { type MediaPacket, parseAudioPayload, parseVideoPayload, VideoFrameType } from '../flv/media.js';
import { CapsEx, type EnhancedCapabilities, supportsFourCc } from '../session/connect-object.js';
import { asBuffer } from '../util/buffer-view.js';

/** How the relay treats one audio/video message. */
export interface MediaKind {
  /** Decoder configuration to keep and replay to late joiners before any frame. */
  config: boolean;
  /** A video keyframe of track 0 (starts a GOP). Audio frames never are. */
  keyframe: boolean;
  /** Configuration slot this message belongs to (meaningful when `config`). */
  key: string;
  /** The E-RTMP FourCCs of the message (one per track; empty for a legacy header). */
  fourccs: readonly string[];
  /**
   * The E-RTMP FourCC of the message's track 0 (the default track: every message without
   * a Multitrack wrapper is track 0), or undefined for a legacy header or a message of
   * other tracks only.
   */
  track0: string | undefined;
  /** Tracks other than 0 are in the message. */
  otherTracks: boolean;
}

const PLAIN: MediaKind = Object.freeze({
  config: false,
  keyframe: false,
  key: '',
  fourccs: [],
  track0: undefined,
  otherTracks: false,
});

function config(key: string, packets: readonly MediaPacket[]): MediaKind {
  return { ...ertmp(packets), config: true, keyframe: false, key };
}

/** The E-RTMP facts of a message's packets (what a player's capabilities are checked against). */
function ertmp(packets: readonly MediaPacket[]): Pick<MediaKind, 'fourccs' | 'track0' | 'otherTracks'> {
  if (!packets[0]!.enhanced) return { fourccs: [], track0: undefined, otherTracks: false };
  return {
    fourccs: packets.map((p) => p.fourcc ?? ''),
    track0: packets.find((p) => p.trackId === 0)?.fourcc,
    otherTracks: packets.some((p) => p.trackId !== 0),
  };
}

/** The packets of a body, or undefined when the parser refuses it. */
function parsed<P extends MediaPacket>(parse: (b: Buffer) => P[], p: Uint8Array): P[] | undefined {
  try {
    return parse(asBuffer(p));
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
  if (first.packetType === 'metadata') return config(`vx:${slot(packets)}:meta`, packets);
  if (first.isSequenceHeader)
    return config(first.enhanced ? `vx:${slot(packets)}` : `v${first.codecId}`, packets);
  // GOPs follow the default track (track 0): a keyframe of another track would start a
  // cache whose track-0 frames cannot be decoded.
  const key = packets.some(
    (p) => p.trackId === 0 && p.packetType === 'codedFrames' && p.frameType === VideoFrameType.Key,
  );
  if (!key && !first.enhanced) return PLAIN;
  return { ...ertmp(packets), config: false, keyframe: key, key: '' };
}

/** Classifies an audio message body (legacy or E-RTMP). An empty body is the E-RTMP silence message. */
export function classifyAudio(p: Uint8Array): MediaKind {
  const packets = parsed(parseAudioPayload, p);
  const first = packets?.[0];
  if (!first) return PLAIN;
  if (first.isSequenceHeader)
    return config(first.enhanced ? `ax:${slot(packets)}` : `a${first.soundFormat}`, packets);
  if (first.packetType === 'multichannelConfig') return config(`ax:${slot(packets)}:mc`, packets);
  return first.enhanced ? { ...ertmp(packets), config: false, keyframe: false, key: '' } : PLAIN;
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

/**
 * What one player can take (ERTMP-V2 connect negotiation: `fourCcList`, the info maps,
 * `capsEx` Multitrack). Undefined filter = everything (FLV outputs, E-RTMP-blind hooks).
 */
export interface MediaFilter {
  /** Whether the player can take `fourcc` for `type`. */
  accepts(type: 'audio' | 'video', fourcc: string): boolean;
  /** Whether the player takes tracks other than track 0. */
  multitrack: boolean;
}

/**
 * What a player does with a message: `send` it, `skip` it (tracks other than 0 it did
 * not ask for — Multitrack without `capsEx` Multitrack, or a codec it does not take; an
 * E-RTMP Metadata or MultichannelConfig of a codec it does not take), or `refuse` the
 * stream: track 0, the default track, is in a codec the player cannot take, so all it
 * would get is undecodable (the FourCC is given for the refusal's description).
 */
export function screen(
  filter: MediaFilter | undefined,
  type: 'audio' | 'video',
  kind: MediaKind,
): 'send' | 'skip' | { refuse: string } {
  if (filter === undefined || kind.fourccs.length === 0) return 'send';
  if (kind.track0 !== undefined && !filter.accepts(type, kind.track0)) {
    const sideInfo = kind.config && (kind.key.endsWith(':meta') || kind.key.endsWith(':mc'));
    return sideInfo ? 'skip' : { refuse: kind.track0 };
  }
  if (kind.track0 !== undefined) return 'send';
  if (!filter.multitrack || kind.fourccs.some((f) => !filter.accepts(type, f))) return 'skip';
  return 'send';
}

/**
 * The filter of an RTMP player, from what its connect offered: the FourCCs its info
 * maps (CanDecode or CanForward) or `fourCcList` name, other tracks with `capsEx`
 * Multitrack. A client that offered nothing is a legacy player: no E-RTMP at all.
 */
export function mediaFilterFor(client: {
  readonly enhancedCapabilities: EnhancedCapabilities | undefined;
}): MediaFilter {
  const caps = client.enhancedCapabilities;
  return {
    accepts: (type, fourcc) => supportsFourCc(caps, type, fourcc),
    multitrack: ((caps?.capsEx ?? 0) & CapsEx.Multitrack) !== 0,
  };
}
