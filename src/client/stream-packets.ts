/**
 * A played stream's messages as the typed packets `RTMPStream.packets()` yields: audio
 * and video bodies parsed by the FLV layer (legacy FLV-10.1 E.4.2/E.4.3 headers and every
 * Enhanced RTMP v1/v2 form — ExVideoTagHeader / ExAudioTagHeader, ModEx, Multitrack),
 * script data decoded from AMF0, aggregates (RTMP-SPEC §7.1.6) split into their records.
 *
 * One message gives one packet per track: a Multitrack message of N tracks (ERTMP-V2
 * "Multitrack Streaming") gives N packets with the message's timestamp and the same
 * `payload`; every other message gives one. A packet is also what `writePacket` takes,
 * so a play → publish relay is one loop.
 *
 * Invariants: total — a body the FLV layer refuses (cut or invalid) is yielded once with
 * `codec: 'unknown'`, `packetType: 'unknown'` and `data` = the whole body, as E-RTMP's
 * "fail gracefully" asks, never thrown; nothing is copied (`payload`, `data` and
 * `config` are views of the received message).
 */
import { decode as decodeAmf0 } from '../amf/amf0.js';
import type { AmfValue } from '../amf/types.js';
import { RTMPProtocolError } from '../errors.js';
import { type AudioPacket, parseAudioPayload, parseVideoPayload, type VideoPacket } from '../flv/media.js';
import { audioPacket, videoPacket } from '../flv/media-legacy.js';
import { aggregateRecords } from '../message/aggregate.js';
import { MessageType } from '../message/types.js';

/** Fields of every packet `packets()` yields. */
interface StreamPacketBase {
  /** Timestamp in ms (unsigned 32-bit; aggregate records rebased). */
  timestamp: number;
  /**
   * The message body the packet came from (the FLV tag body: AUDIODATA / VIDEODATA /
   * AMF0 script data); the tracks of one Multitrack message share it.
   */
  payload: Buffer;
  /** Video: a keyframe (FrameType 1, sequence starts included); audio: any frame but the silence message. */
  keyframe: boolean;
  /** Decoder configuration: AVC/HEVC/AAC sequence header, E-RTMP SequenceStart / MPEG2TSSequenceStart. */
  sequenceHeader: boolean;
}

/**
 * A video packet: the parsed header (codec, `fourcc`, `trackId`, `packetType`,
 * `frameType`, `compositionTime`, `timestampOffsetNano`, `data`, …) and where it came from.
 */
export interface StreamVideoPacket extends StreamPacketBase, VideoPacket {
  type: 'video';
  /** The decoder configuration record (AVC/HEVC/AV1/VP9 …) when this packet is one, else undefined. */
  config: Buffer | undefined;
}

/** An audio packet: the parsed header (codec, `fourcc`, `trackId`, `packetType`, `data`, …) and where it came from. */
export interface StreamAudioPacket extends StreamPacketBase, AudioPacket {
  type: 'audio';
  /** The decoder configuration (AudioSpecificConfig, Opus ID header, fLaC + STREAMINFO) when this packet is one. */
  config: Buffer | undefined;
}

/** Script data (onMetaData, onCuePoint, onTextData, …). */
export interface StreamDataPacket extends StreamPacketBase {
  type: 'data';
  /** The decoded AMF0 values (name first), when they decode. */
  values?: AmfValue[];
}

/** A media or data message of a played stream, as `packets()` yields it. */
export type StreamPacket = StreamAudioPacket | StreamVideoPacket | StreamDataPacket;

/** One message of a played stream for the output: its RTMP type (8, 9, 15, 18, 22), timestamp and payload. */
export interface OutputMessage {
  type: number;
  timestamp: number;
  payload: Buffer;
}

/** Splits one message into `StreamPacket`s (an aggregate into its records, a Multitrack message into its tracks). */
export function toStreamPackets(msg: OutputMessage): StreamPacket[] {
  switch (msg.type) {
    case MessageType.Aggregate: {
      const out: StreamPacket[] = [];
      for (const rec of aggregateRecords({ ...msg, streamId: 0 })) out.push(...toStreamPackets(rec));
      return out;
    }
    case MessageType.Video:
      return parsed(msg.payload, parseVideoPayload, unknownVideo).map((p) => {
        const sp = p as StreamVideoPacket;
        sp.type = 'video';
        sp.timestamp = msg.timestamp;
        sp.payload = msg.payload;
        sp.keyframe = p.isKeyframe;
        sp.sequenceHeader = p.isSequenceHeader;
        sp.config = p.isSequenceHeader ? p.data : undefined;
        return sp;
      });
    case MessageType.Audio:
      return parsed(msg.payload, parseAudioPayload, unknownAudio).map((p) => {
        const sp = p as StreamAudioPacket;
        sp.type = 'audio';
        sp.timestamp = msg.timestamp;
        sp.payload = msg.payload;
        sp.keyframe = p.packetType !== 'silence';
        sp.sequenceHeader = p.isSequenceHeader;
        sp.config = p.isSequenceHeader ? p.data : undefined;
        return sp;
      });
    case MessageType.DataAMF0: {
      const p: StreamDataPacket = {
        type: 'data',
        timestamp: msg.timestamp,
        payload: msg.payload,
        keyframe: false,
        sequenceHeader: false,
      };
      try {
        p.values = decodeAmf0(msg.payload);
      } catch {
        // Undecodable script data is passed on raw.
      }
      return [p];
    }
    default:
      return [];
  }
}

/** The parser's packets, or one `'unknown'` packet of the whole body when it refuses the body. */
function parsed<P>(payload: Buffer, parse: (b: Buffer) => P[], unknown: (b: Buffer) => P): P[] {
  try {
    return parse(payload);
  } catch (err) {
    if (err instanceof RTMPProtocolError) return [unknown(payload)];
    throw err;
  }
}

function unknownVideo(payload: Buffer): VideoPacket {
  const b0 = payload[0] ?? 0;
  const enhanced = (b0 & 0x80) !== 0;
  const frameType = enhanced ? (b0 >>> 4) & 0x07 : b0 >>> 4;
  const p = videoPacket(
    enhanced,
    'unknown',
    undefined,
    undefined,
    frameType,
    'unknown',
    undefined,
    0,
    undefined,
    0,
  );
  p.data = payload;
  return p;
}

function unknownAudio(payload: Buffer): AudioPacket {
  const p = audioPacket(
    false,
    'unknown',
    (payload[0] ?? 0) >>> 4,
    undefined,
    'unknown',
    undefined,
    undefined,
    0,
  );
  p.enhanced = p.soundFormat === 9;
  p.data = payload;
  return p;
}
