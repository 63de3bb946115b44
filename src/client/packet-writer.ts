/**
 * Typed packets → the RTMP message bodies `RTMPStream.writePacket` publishes: the inverse
 * of stream-packets.ts, so every packet `packets()` yields can be written back (a play →
 * publish relay is one loop), and packets built by hand (e.g. from an MP4) can be sent.
 *
 * Form of a media body (the FLV layer's tag writer does the bytes, ERTMP-V2 "Enhanced
 * Video"/"Enhanced Audio" and FLV-10.1 E.4.2/E.4.3):
 * - `enhanced: true` → ExVideoTagHeader / ExAudioTagHeader (Multitrack for a track ≠ 0 or
 *   several tracks); `enhanced: false` → the legacy header;
 * - `enhanced` unset → what FFmpeg's and OBS's FLV muxers write: legacy AVC, AAC and MP3
 *   on track 0 (so servers that predate E-RTMP keep working), E-RTMP for everything else;
 * - a packet the writer has no form for (a legacy codec other than AVC/AAC/MP3, legacy
 *   HEVC id 12, an `'unknown'` packet type or codec without FourCC) is sent as the
 *   `payload` it came in — a relay forwards what it cannot rebuild.
 * Several packets in one call are the tracks of one message (one timestamp, one type).
 * Script data: `values` encoded in AMF0 (or the `payload`), with `@setDataFrame` before
 * `onMetaData` as RTMP publishers send it.
 *
 * Invariants: pure; a packet that cannot be written is an `RTMPUsageError`
 * (`ERR_RTMP_BAD_ARGUMENT` here, `ERR_FLV_INVALID_ARGUMENT` from the tag writer), never a
 * silently different message.
 */
import { encode as encodeAmf0 } from '../amf/amf0.js';
import type { AmfValue } from '../amf/types.js';
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import {
  type AudioPacketInit,
  audioTagBody,
  codecFourCC,
  type VideoPacketInit,
  videoTagBody,
} from '../flv/media-writer.js';
import { scriptTagToDataMessage } from '../flv/script.js';

/** A video packet to publish: a `StreamVideoPacket`, or one built by hand. */
export interface PublishVideoPacket extends VideoPacketInit {
  type: 'video';
  /** Timestamp in ms. */
  timestamp: number;
  /** E-RTMP (true) or legacy (false) header; unset: legacy for AVC on track 0, else E-RTMP. */
  enhanced?: boolean | undefined;
  /** The body it came in, sent as is when no header can be written for the packet. */
  payload?: Buffer | undefined;
}

/** An audio packet to publish: a `StreamAudioPacket`, or one built by hand. */
export interface PublishAudioPacket extends AudioPacketInit {
  type: 'audio';
  /** Timestamp in ms. */
  timestamp: number;
  /** E-RTMP (true) or legacy (false) header; unset: legacy for AAC/MP3 on track 0, else E-RTMP. */
  enhanced?: boolean | undefined;
  /** The body it came in, sent as is when no header can be written for the packet. */
  payload?: Buffer | undefined;
}

/** Script data to publish: a `StreamDataPacket`, or `{ type: 'data', timestamp, values }`. */
export interface PublishDataPacket {
  type: 'data';
  /** Timestamp in ms. */
  timestamp: number;
  /** AMF0 values, handler name first (`['onMetaData', {...}]`). */
  values?: AmfValue[] | undefined;
  /** The AMF0 body, used when `values` is absent. */
  payload?: Buffer | undefined;
}

/** What `writePacket` takes. */
export type PublishPacket = PublishVideoPacket | PublishAudioPacket | PublishDataPacket;

/** One message to send. */
export interface PublishMessage {
  type: 'audio' | 'video' | 'data';
  timestamp: number;
  payload: Buffer;
}

/** Codecs whose legacy FLV header the tag writer writes. */
const LEGACY_WRITABLE = new Set(['avc', 'aac', 'mp3', 'mp3-8k']);

function bad(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: UsageCode.RTMP_BAD_ARGUMENT });
}

/** Whether the tag writer can write `p` at all (else its `payload` is sent). */
function writable(p: PublishVideoPacket | PublishAudioPacket, legacy: boolean): boolean {
  if (p.packetType === 'unknown') return false;
  if (legacy) return LEGACY_WRITABLE.has(p.codec) || (p.type === 'video' && p.packetType === 'command');
  return codecFourCC(p.codec) !== undefined || p.fourcc !== undefined || p.packetType === 'command';
}

/** Legacy header when asked, or by default for AVC/AAC/MP3 on track 0 (FFmpeg's `flvenc` choice). */
function wantsLegacy(p: PublishVideoPacket | PublishAudioPacket): boolean {
  if (p.enhanced !== undefined) return !p.enhanced;
  return (p.trackId ?? 0) === 0 && (p.timestampOffsetNano ?? 0) === 0 && LEGACY_WRITABLE.has(p.codec);
}

/**
 * The message that publishes `packets` (one packet, or the tracks of one message).
 *
 * @throws RTMPUsageError when the packets cannot be written (see the module comment)
 */
export function publishMessage(packets: PublishPacket | readonly PublishPacket[]): PublishMessage {
  const all: readonly PublishPacket[] = Array.isArray(packets) ? packets : [packets as PublishPacket];
  const first = all[0];
  if (first === undefined) throw bad('writePacket needs a packet');
  if (!Number.isFinite(first.timestamp) || first.timestamp < 0)
    throw bad(`a packet timestamp is a number of ms ≥ 0, got ${String(first.timestamp)}`);
  const timestamp = Math.floor(first.timestamp) >>> 0;
  if (all.some((p) => p.type !== first.type || p.timestamp !== first.timestamp))
    throw bad('the packets of one message share its type and timestamp');
  if (first.type === 'data') {
    if (all.length > 1) throw bad('a data message is one packet');
    return { type: 'data', timestamp, payload: dataBody(first) };
  }
  const media = all as readonly (PublishVideoPacket | PublishAudioPacket)[];
  const legacy = wantsLegacy(first);
  if (!media.every((p) => writable(p, legacy))) {
    if (all.length > 1 || first.payload === undefined)
      throw bad(`no ${legacy ? 'legacy' : 'E-RTMP'} header for a ${first.codec} ${first.packetType} packet`);
    return { type: first.type, timestamp, payload: first.payload };
  }
  const payload =
    first.type === 'video'
      ? videoTagBody(media as readonly PublishVideoPacket[], { legacy })
      : audioTagBody(media as readonly PublishAudioPacket[], { legacy });
  return { type: first.type, timestamp, payload };
}

function dataBody(p: PublishDataPacket): Buffer {
  if (p.values !== undefined) return scriptTagToDataMessage(encodeAmf0(...p.values));
  if (p.payload !== undefined) return scriptTagToDataMessage(p.payload);
  throw bad('a data packet needs its values or payload');
}
