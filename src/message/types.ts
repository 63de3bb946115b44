/**
 * The typed RTMP message model: message type ids (RTMP-SPEC §5.4, §6.2, §7.1),
 * User Control event ids (§6.2, §7.1.7), Set Peer Bandwidth limit types (§5.4.5),
 * the chunk stream ids librtmp and FFmpeg use and the `Message`
 * discriminated union that `decodeMessage` produces and `encodeMessage` consumes.
 *
 * Invariants: every message carries the `streamId` and `timestamp` of its
 * RawMessage (and the `csid` it arrived on, so a decoded message re-encodes to the
 * same RawMessage); media and unknown payloads are views of the RawMessage
 * payload, never copies.
 */
import type { AmfValue } from '../amf/types.js';

/** RTMP message type ids. */
export const MessageType = {
  SetChunkSize: 1,
  Abort: 2,
  Acknowledgement: 3,
  UserControl: 4,
  WindowAckSize: 5,
  SetPeerBandwidth: 6,
  Audio: 8,
  Video: 9,
  DataAMF3: 15,
  SharedObjectAMF3: 16,
  CommandAMF3: 17,
  DataAMF0: 18,
  SharedObjectAMF0: 19,
  CommandAMF0: 20,
  Aggregate: 22,
} as const;
/** One of the `MessageType` values. */
export type MessageTypeId = (typeof MessageType)[keyof typeof MessageType];

/** User Control (type 4) event types. */
export const UserControlEvent = {
  StreamBegin: 0,
  StreamEOF: 1,
  StreamDry: 2,
  SetBufferLength: 3,
  StreamIsRecorded: 4,
  PingRequest: 6,
  PingResponse: 7,
  SWFVerifyRequest: 26,
  SWFVerifyResponse: 27,
  BufferEmpty: 31,
  BufferReady: 32,
} as const;
/** One of the `UserControlEvent` values. */
export type UserControlEventId = (typeof UserControlEvent)[keyof typeof UserControlEvent];

/** Set Peer Bandwidth limit types. */
export const PeerBandwidthLimit = {
  Hard: 0,
  Soft: 1,
  Dynamic: 2,
} as const;
/** One of the `PeerBandwidthLimit` values. */
export type PeerBandwidthLimitType = (typeof PeerBandwidthLimit)[keyof typeof PeerBandwidthLimit];

/** Shared object event types (type 19/16 messages; RTMP-SPEC §7.1.3). */
export const SharedObjectEventType = {
  Use: 1,
  Release: 2,
  RequestChange: 3,
  Change: 4,
  Success: 5,
  SendMessage: 6,
  Status: 7,
  Clear: 8,
  Remove: 9,
  RequestRemove: 10,
  UseSuccess: 11,
} as const;

/**
 * Chunk stream ids `encodeMessage` uses when a message names none (FFmpeg's choices):
 * 2 for protocol and user control, 3 for NetConnection commands (msid 0), 8 for
 * NetStream commands (play/publish/seek/pause, as FFmpeg and librtmp), 4 for audio
 * and script data, 6 for video (FFmpeg), so audio and video compress separately.
 */
export const DefaultCsid = {
  control: 2,
  netConnection: 3,
  netStream: 8,
  audio: 4,
  data: 4,
  video: 6,
  aggregate: 6,
  sharedObject: 3,
  unknown: 3,
} as const;

/** Fields every typed message carries over from its RawMessage. */
export interface MessageHeader {
  /** Message stream id (0 for NetConnection and control messages). */
  streamId: number;
  /** Wire timestamp in milliseconds (unsigned 32-bit). */
  timestamp: number;
  /** Chunk stream id it arrived on / should be sent on; `DefaultCsid` applies when absent. */
  csid?: number;
  /** The chunk reader's unwrapped timestamp, when the RawMessage had one (never encoded). */
  unwrappedTimestamp?: number;
}

/** Type 1: the sender's new maximum chunk size (1 … 0x7FFFFFFF). */
export interface SetChunkSizeMessage extends MessageHeader {
  kind: 'setChunkSize';
  chunkSize: number;
}

/** Type 2: discard the partially received message on `chunkStreamId`. */
export interface AbortMessage extends MessageHeader {
  kind: 'abort';
  chunkStreamId: number;
}

/** Type 3: total bytes received so far (mod 2^32). */
export interface AckMessage extends MessageHeader {
  kind: 'ack';
  sequenceNumber: number;
}

/** Type 5: acknowledge after this many bytes. */
export interface WindowAckSizeMessage extends MessageHeader {
  kind: 'windowAckSize';
  windowSize: number;
}

/** Type 6: limit the peer's output bandwidth. `limitType` is kept as sent (0 Hard, 1 Soft, 2 Dynamic). */
export interface SetPeerBandwidthMessage extends MessageHeader {
  kind: 'setPeerBandwidth';
  windowSize: number;
  limitType: number;
}

/** User Control events carrying a stream id. */
export interface StreamEventData {
  event: 'streamBegin' | 'streamEOF' | 'streamDry' | 'streamIsRecorded' | 'bufferEmpty' | 'bufferReady';
  streamId: number;
}

/** User Control event 3 (client → server): buffer length of `streamId` in milliseconds. */
export interface SetBufferLengthEventData {
  event: 'setBufferLength';
  streamId: number;
  bufferLength: number;
}

/** User Control events 6/7: a server timestamp, echoed unchanged in the response. */
export interface PingEventData {
  event: 'pingRequest' | 'pingResponse';
  timestamp: number;
}

/**
 * User Control event 26 (server → client). `data` is everything after the event
 * type (3-byte payload in practice: one byte, the verification type — librtmp
 * answers types 0 and 1).
 */
export interface SWFVerifyRequestEventData {
  event: 'swfVerifyRequest';
  data: Buffer;
}

/**
 * User Control event 27 (client → server). `data` is everything after the event
 * type: 42 bytes `01 01`, UI32 swfSize, UI32 swfSize, 32-byte HMAC (44-byte payload).
 */
export interface SWFVerifyResponseEventData {
  event: 'swfVerifyResponse';
  data: Buffer;
}

/** Any other event type (5, 8…25, 28…30, 33+): kept raw; unknown events are not errors. */
export interface UnknownEventData {
  event: 'unknown';
  eventType: number;
  data: Buffer;
}

/** The event of a User Control message, by event type. */
export type UserControlEventData =
  | StreamEventData
  | SetBufferLengthEventData
  | PingEventData
  | SWFVerifyRequestEventData
  | SWFVerifyResponseEventData
  | UnknownEventData;

/** Type 4: one User Control event. */
export interface UserControlMessage extends MessageHeader {
  kind: 'userControl';
  data: UserControlEventData;
}

/** Type 8 (`audio`) or 9 (`video`): FLV AUDIODATA / VIDEODATA, a view of the message payload. */
export interface MediaMessage extends MessageHeader {
  kind: 'audio' | 'video';
  payload: Buffer;
}

/**
 * Type 20 (AMF0) or 17 (`amf3: true`; a format byte 0, then AMF0 values with AMF3
 * values switched in by 0x11): `[name, transactionId, commandObject, ...args]`.
 */
export interface CommandMessage extends MessageHeader {
  kind: 'command';
  name: string;
  transactionId: number;
  /** Usually null or an AMFObject; undefined-free: a missing one decodes as null. */
  commandObject: AmfValue;
  args: AmfValue[];
  /** Arrived as / should be sent as type 17. */
  amf3: boolean;
}

/**
 * Type 18 (AMF0) or 15 (`amf3: true`, format byte 0 first): a list of AMF values,
 * e.g. `['@setDataFrame', 'onMetaData', {...}]`. `name` is the first value when it
 * is a string; it is informational — `encodeMessage` writes `values`.
 */
export interface DataMessage extends MessageHeader {
  kind: 'data';
  name: string | undefined;
  values: AmfValue[];
  amf3: boolean;
}

/** One event of a shared object message: type and its undecoded data (a view). */
export interface SharedObjectEvent {
  type: number;
  data: Buffer;
}

/**
 * Type 19 (AMF0) or 16 (`amf3: true`, format byte 0 first): the header and event
 * list (Red5 `decodeSharedObject` layout: UI16-length UTF-8 name, UI32 version, UI32
 * flags, UI32 reserved, then events of UI8 type, UI32 length, data). Event data is
 * kept raw (see `decodeSharedObjectEvent`); `payload` is the whole message payload.
 */
export interface SharedObjectMessage extends MessageHeader {
  kind: 'sharedObject';
  amf3: boolean;
  name: string;
  version: number;
  /** The first flags word; Red5 treats 2 as "persistent". Written back as is. */
  flags: number;
  /** The second flags word (always 0 in captures). Written back as is. */
  reserved: number;
  /** `(flags & 2) !== 0` — a decoded convenience; `encodeMessage` writes `flags`. */
  persistent: boolean;
  events: SharedObjectEvent[];
  /** The whole payload as received (a view); ignored by `encodeMessage`. */
  payload?: Buffer;
}

/** Type 22: FLV-tag-layout records; split with `splitAggregate`. `payload` is a view. */
export interface AggregateMessage extends MessageHeader {
  kind: 'aggregate';
  payload: Buffer;
}

/** Any other type id: kept raw. */
export interface UnknownMessage extends MessageHeader {
  kind: 'unknown';
  type: number;
  payload: Buffer;
}

/** Every typed RTMP message, discriminated by `kind`. */
export type Message =
  | SetChunkSizeMessage
  | AbortMessage
  | AckMessage
  | UserControlMessage
  | WindowAckSizeMessage
  | SetPeerBandwidthMessage
  | MediaMessage
  | CommandMessage
  | DataMessage
  | SharedObjectMessage
  | AggregateMessage
  | UnknownMessage;

/** The `kind` strings of `Message`. */
export type MessageKind = Message['kind'];
