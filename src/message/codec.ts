/**
 * RawMessage ⇄ typed `Message` dispatch (RTMP-SPEC §5.4, §6.2, §7.1): the one entry
 * point the session layer uses to read and write messages.
 *
 * Invariants: `decodeMessage` is total — it returns a `Message` or throws an
 * `RTMPProtocolError` with an `ERR_MESSAGE_*` code (the RawMessage in
 * `err.info.raw`; AMF failures as `cause`); unknown type ids decode as
 * `kind: 'unknown'`. Media, aggregate and unknown payloads are passed through as the
 * same Buffer (no copy) both ways. `encodeMessage(decodeMessage(raw))` reproduces
 * `raw` (type, stream id, timestamp, csid, payload bytes) for every payload in
 * canonical form (exact-length control payloads, AMF0-form bodies with explicit
 * transaction id and command object).
 */
import type { AmfDecodeOptions } from '../amf/types.js';
import { decodeCommand, decodeData, encodeCommandPayload, encodeDataPayload } from './command.js';
import { checkInt, checkU32, messageHeader } from './common.js';
import {
  decodeAbort,
  decodeAck,
  decodeSetChunkSize,
  decodeSetPeerBandwidth,
  decodeWindowAckSize,
  encodeAbortPayload,
  encodeAckPayload,
  encodeSetChunkSizePayload,
  encodeSetPeerBandwidthPayload,
  encodeWindowAckSizePayload,
} from './control.js';
import type { RawMessage } from './raw-message.js';
import { decodeSharedObject, encodeSharedObjectPayload } from './shared-object.js';
import { DefaultCsid, type MediaMessage, type Message, MessageType } from './types.js';
import { decodeUserControlEvent, encodeUserControlPayload } from './user-control.js';

/** Options for `decodeMessage`. */
export interface DecodeMessageOptions {
  /** Limits for AMF bodies (commands, data). */
  amf?: AmfDecodeOptions;
}

/** Turns a RawMessage into a typed `Message`. */
export function decodeMessage(raw: RawMessage, options?: DecodeMessageOptions): Message {
  switch (raw.type) {
    case MessageType.SetChunkSize:
      return decodeSetChunkSize(raw);
    case MessageType.Abort:
      return decodeAbort(raw);
    case MessageType.Acknowledgement:
      return decodeAck(raw);
    case MessageType.UserControl:
      return { kind: 'userControl', ...messageHeader(raw), data: decodeUserControlEvent(raw) };
    case MessageType.WindowAckSize:
      return decodeWindowAckSize(raw);
    case MessageType.SetPeerBandwidth:
      return decodeSetPeerBandwidth(raw);
    case MessageType.Audio:
    case MessageType.Video:
      return mediaMessage(raw);
    case MessageType.CommandAMF0:
      return decodeCommand(raw, false, options?.amf);
    case MessageType.CommandAMF3:
      return decodeCommand(raw, true, options?.amf);
    case MessageType.DataAMF0:
      return decodeData(raw, false, options?.amf);
    case MessageType.DataAMF3:
      return decodeData(raw, true, options?.amf);
    case MessageType.SharedObjectAMF0:
      return decodeSharedObject(raw, false);
    case MessageType.SharedObjectAMF3:
      return decodeSharedObject(raw, true);
    case MessageType.Aggregate:
      return { kind: 'aggregate', ...messageHeader(raw), payload: raw.payload };
    default:
      return { kind: 'unknown', ...messageHeader(raw), type: raw.type, payload: raw.payload };
  }
}

/**
 * An audio or video message: one object literal, not a header object spread into another
 * (this runs for every media message; the spread cost an object and a copy each).
 */
function mediaMessage(raw: RawMessage): MediaMessage {
  const msg: MediaMessage = {
    kind: raw.type === MessageType.Audio ? 'audio' : 'video',
    streamId: raw.streamId,
    timestamp: raw.timestamp,
    csid: raw.csid,
    payload: raw.payload,
  };
  if (raw.unwrappedTimestamp !== undefined) msg.unwrappedTimestamp = raw.unwrappedTimestamp;
  return msg;
}

/** The message type id `msg` is sent as. */
export function messageTypeOf(msg: Message): number {
  switch (msg.kind) {
    case 'setChunkSize':
      return MessageType.SetChunkSize;
    case 'abort':
      return MessageType.Abort;
    case 'ack':
      return MessageType.Acknowledgement;
    case 'userControl':
      return MessageType.UserControl;
    case 'windowAckSize':
      return MessageType.WindowAckSize;
    case 'setPeerBandwidth':
      return MessageType.SetPeerBandwidth;
    case 'audio':
      return MessageType.Audio;
    case 'video':
      return MessageType.Video;
    case 'command':
      return msg.amf3 ? MessageType.CommandAMF3 : MessageType.CommandAMF0;
    case 'data':
      return msg.amf3 ? MessageType.DataAMF3 : MessageType.DataAMF0;
    case 'sharedObject':
      return msg.amf3 ? MessageType.SharedObjectAMF3 : MessageType.SharedObjectAMF0;
    case 'aggregate':
      return MessageType.Aggregate;
    case 'unknown':
      return msg.type;
  }
}

/**
 * The chunk stream id `msg` goes out on when it names none (FFmpeg's choices): 2 for
 * protocol/user control, 3 for commands on msid 0, 8 for commands on a stream,
 * 4 audio and data, 6 video and aggregates, 3 shared objects and unknown types.
 */
export function defaultCsid(msg: Message): number {
  switch (msg.kind) {
    case 'setChunkSize':
    case 'abort':
    case 'ack':
    case 'userControl':
    case 'windowAckSize':
    case 'setPeerBandwidth':
      return DefaultCsid.control;
    case 'command':
      return msg.streamId === 0 ? DefaultCsid.netConnection : DefaultCsid.netStream;
    case 'audio':
      return DefaultCsid.audio;
    case 'video':
      return DefaultCsid.video;
    case 'data':
      return DefaultCsid.data;
    case 'aggregate':
      return DefaultCsid.aggregate;
    case 'sharedObject':
      return DefaultCsid.sharedObject;
    case 'unknown':
      return DefaultCsid.unknown;
  }
}

function encodePayload(msg: Message): Buffer {
  switch (msg.kind) {
    case 'setChunkSize':
      return encodeSetChunkSizePayload(msg.chunkSize);
    case 'abort':
      return encodeAbortPayload(msg.chunkStreamId);
    case 'ack':
      return encodeAckPayload(msg.sequenceNumber);
    case 'userControl':
      return encodeUserControlPayload(msg.data);
    case 'windowAckSize':
      return encodeWindowAckSizePayload(msg.windowSize);
    case 'setPeerBandwidth':
      return encodeSetPeerBandwidthPayload(msg.windowSize, msg.limitType);
    case 'command':
      return encodeCommandPayload(msg);
    case 'data':
      return encodeDataPayload(msg);
    case 'sharedObject':
      return encodeSharedObjectPayload(msg);
    case 'audio':
    case 'video':
    case 'aggregate':
    case 'unknown':
      return msg.payload;
  }
}

/**
 * Turns a typed `Message` into a RawMessage. The csid is `options.csid`, else
 * `msg.csid` (a decoded message keeps the one it arrived on), else `defaultCsid(msg)`.
 *
 * @throws RTMPUsageError for out-of-range fields; AMFError `ERR_AMF_ENCODE` for
 *   values AMF cannot carry
 */
export function encodeMessage(msg: Message, options: { csid?: number } = {}): RawMessage {
  return {
    type: messageTypeOf(msg),
    streamId: checkU32('streamId', msg.streamId),
    timestamp: checkU32('timestamp', msg.timestamp),
    csid: checkInt('csid', options.csid ?? msg.csid ?? defaultCsid(msg), 2, 65599),
    payload: encodePayload(msg),
  };
}
