/**
 * What `RTMPStream.packets()` yields: one typed packet per audio, video or AMF0 data
 * message of a played stream, an aggregate (RTMP-SPEC §7.1.6) split into its records
 * with their rebased timestamps. The one function that maps a delivered message to
 * packets, so the packet shape can grow (E-RTMP tracks, FourCCs) in one place.
 *
 * Invariants: payloads are views of the message's payload (never copied); a message
 * that is not audio, video, AMF0 data or an aggregate yields nothing.
 */
import { decode as decodeAmf0 } from '../amf/amf0.js';
import type { AmfValue } from '../amf/types.js';
import { isKeyframe, isSequenceHeader } from '../flv/media.js';
import { aggregateRecords } from '../message/aggregate.js';
import { MessageType } from '../message/types.js';

/** A media or data message of a played stream, as `packets()` yields it. */
export interface StreamPacket {
  /** `audio`, `video` or `data` (script data: onMetaData, onCuePoint, …). */
  type: 'audio' | 'video' | 'data';
  /** Timestamp in ms (unsigned 32-bit; aggregate records rebased). */
  timestamp: number;
  /** The FLV tag body (AUDIODATA / VIDEODATA / AMF0 script data). */
  payload: Buffer;
  /** Video: a keyframe (or sequence header); audio: true for any frame. */
  keyframe: boolean;
  /** AVC/HEVC/AAC sequence header (decoder configuration). */
  sequenceHeader: boolean;
  /** Data: the decoded AMF values (name first), when they decode. */
  values?: AmfValue[];
}

/** One message for the output: its RTMP type (8, 9, 15, 18, 22), timestamp and payload. */
export interface OutputMessage {
  type: number;
  timestamp: number;
  payload: Buffer;
}

/** The packets of one delivered message (an aggregate: one per record). */
export function toPackets(msg: OutputMessage): StreamPacket[] {
  if (msg.type === MessageType.Aggregate) {
    const out: StreamPacket[] = [];
    for (const rec of aggregateRecords({ ...msg, streamId: 0 })) out.push(...toPackets(rec));
    return out;
  }
  if (msg.type === MessageType.Audio || msg.type === MessageType.Video) {
    return [
      {
        type: msg.type === MessageType.Audio ? 'audio' : 'video',
        timestamp: msg.timestamp,
        payload: msg.payload,
        keyframe: isKeyframe(msg.type, msg.payload),
        sequenceHeader: isSequenceHeader(msg.type, msg.payload),
      },
    ];
  }
  if (msg.type === MessageType.DataAMF0) {
    const p: StreamPacket = {
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
  return [];
}
