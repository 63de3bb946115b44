/**
 * The events a `ClientSession` reports (DESIGN.md §1: "events, never callbacks into
 * user code from inside the core"). One discriminated union on `kind`; the shell
 * drains them with `takeEvents()` after every `receive`/`handleTimeout`/command.
 *
 * Invariants: events are plain data (no methods, no references back into the
 * session); payload Buffers are views of received bytes (see `ClientSession.receive`);
 * every info object is a `StatusInfo` even when the peer sent a non-object.
 */
import type { AmfValue } from '../amf/types.js';
import type { RTMPError } from '../errors.js';
import type { ClientHandshakeInfo } from '../handshake/client.js';
import type { RawMessage } from '../message/raw-message.js';
import type {
  AbortMessage,
  AckMessage,
  SetChunkSizeMessage,
  SetPeerBandwidthMessage,
  SharedObjectMessage,
  UserControlEventData,
  WindowAckSizeMessage,
} from '../message/types.js';
import type { StatusClassification, StatusInfo } from './status.js';

/** The handshake completed (S2 read); Set Chunk Size and any queued commands went out. */
export interface HandshakeDoneEvent {
  kind: 'handshake';
  /** What was learned about the server (mode, versions, warnings, S1). */
  info: ClientHandshakeInfo;
}

/** `connect` succeeded: its `_result`. */
export interface ConnectedEvent {
  kind: 'connected';
  txn: number;
  /** The properties object (3rd value: fmsVer, capabilities, mode). */
  properties: StatusInfo;
  /** The information object (4th value: level, code `NetConnection.Connect.Success`, objectEncoding, data…). */
  info: StatusInfo;
}

/**
 * `connect` failed: `_error` (auth challenges in `info.description`), an `onStatus`
 * `NetConnection.Connect.Rejected`/`Failed`/`InvalidApp` before the result, or a
 * `_result` whose info has level `error`.
 */
export interface ConnectRejectedEvent {
  kind: 'connectRejected';
  txn: number;
  /** Which message carried the rejection. */
  source: '_error' | 'onStatus' | '_result';
  info: StatusInfo;
}

/** `_result` of a call (anything but connect/createStream), or of an untracked transaction. */
export interface ResultEvent {
  kind: 'result';
  txn: number;
  /** The method the transaction was sent for; undefined when the txn was not tracked. */
  method: string | undefined;
  /** Message stream id the result arrived on. */
  streamId: number;
  /** The 3rd value (properties or null). */
  commandObject: AmfValue;
  /** The values after the command object (usually one: the return value). */
  values: AmfValue[];
}

/** `_error` of a call (anything but connect), or of an untracked transaction. */
export interface ErrorEvent {
  kind: 'error';
  txn: number;
  method: string | undefined;
  streamId: number;
  /** The information object (4th value), as a StatusInfo. */
  info: StatusInfo;
  commandObject: AmfValue;
  values: AmfValue[];
}

/** `createStream` succeeded. */
export interface StreamCreatedEvent {
  kind: 'streamCreated';
  txn: number;
  /** The new message stream id: send NetStream commands and media on it. */
  streamId: number;
}

/**
 * A command the server sent that is not a response (`onBWDone`, `onFCPublish`,
 * `onFCSubscribe`, application RPCs…). `handled` is true when the session already did
 * what the protocol requires (answered `_onbwcheck`, sent `_checkbw` for `onBWDone`,
 * answered `ping` with `pong`): do not respond again. Otherwise answer with
 * `respond`/`respondError` when `txn` is non-zero.
 */
export interface InvokeEvent {
  kind: 'invoke';
  name: string;
  txn: number;
  commandObject: AmfValue;
  args: AmfValue[];
  streamId: number;
  /** Arrived as a type-17 (AMF3) command. */
  amf3: boolean;
  handled: boolean;
}

/** An `onStatus` or `onPlayStatus` (command or data message), classified. */
export interface StatusEvent {
  kind: 'status';
  /** Message stream id it arrived on (0 = NetConnection). */
  streamId: number;
  /** `onStatus` or `onPlayStatus`. */
  name: string;
  info: StatusInfo;
  classification: StatusClassification;
}

/** An audio or video message (also each one split out of an aggregate). */
export interface MediaEvent {
  kind: 'media';
  streamId: number;
  type: 'audio' | 'video';
  /** Wire timestamp, unsigned 32-bit (aggregate records rebased onto the aggregate's). */
  timestamp: number;
  /** The timestamp unwrapped across 2^32 wraps (chunk reader, per chunk stream). */
  unwrappedTimestamp: number;
  /** FLV AUDIODATA/VIDEODATA body — a view, not a copy. */
  payload: Buffer;
  /** True when it came out of an aggregate message (type 22). */
  aggregated: boolean;
}

/** A data message (`onMetaData`, `|RtmpSampleAccess`, `onTextData`, `onCuePoint`…). */
export interface DataEvent {
  kind: 'data';
  streamId: number;
  /** The first value when it is a string (the handler name). */
  name: string | undefined;
  /** The values after the name (all values when there is no string name). */
  values: AmfValue[];
  /** It arrived wrapped in `@setDataFrame` (removed: `name` is the inner handler, e.g. `onMetaData`). */
  dataFrame: boolean;
  timestamp: number;
  unwrappedTimestamp: number;
  aggregated: boolean;
  /** Arrived as type 15 (AMF3 data). */
  amf3: boolean;
}

/**
 * A User Control event other than PingRequest (answered automatically) and, with
 * `swfVerification` set, SWFVerifyRequest (answered automatically): StreamBegin,
 * StreamEOF, StreamDry, StreamIsRecorded, BufferEmpty, BufferReady, unknown ones.
 */
export type UserControlEvent = { kind: 'userControl' } & UserControlEventData;

/** A protocol control message from the server (already acted upon). */
export interface ControlEvent {
  kind: 'control';
  message: SetChunkSizeMessage | AbortMessage | AckMessage | WindowAckSizeMessage | SetPeerBandwidthMessage;
}

/** A shared object message (type 19/16), decoded header and raw events. */
export interface SharedObjectEvent {
  kind: 'sharedObject';
  message: SharedObjectMessage;
}

/** A deadline passed: the handshake did not finish, or a tracked command got no answer. */
export interface TimeoutEvent {
  kind: 'timeout';
  what: 'handshake' | 'command';
  /** The transaction that timed out (`what: 'command'`). */
  txn?: number;
  /** Its method name. */
  method?: string;
}

/**
 * The peer broke the rules. `fatal` errors (handshake, chunk stream) end the session
 * (a `closed` event follows); non-fatal ones (one undecodable message) are reported
 * and the message is skipped.
 */
export interface ProtocolErrorEvent {
  kind: 'protocolError';
  error: RTMPError;
  fatal: boolean;
}

/** The session ended: `close()` was called, the server sent `close`, or a fatal protocol error. */
export interface ClosedEvent {
  kind: 'closed';
  reason: 'local' | 'server' | 'protocolError';
  error?: RTMPError;
}

/** Every received message as it came off the chunk stream (option `emitRawMessages`), before its typed events. */
export interface RawMessageEvent {
  kind: 'raw';
  message: RawMessage;
}

/** Everything a `ClientSession` reports. */
export type SessionEvent =
  | HandshakeDoneEvent
  | ConnectedEvent
  | ConnectRejectedEvent
  | ResultEvent
  | ErrorEvent
  | StreamCreatedEvent
  | InvokeEvent
  | StatusEvent
  | MediaEvent
  | DataEvent
  | UserControlEvent
  | ControlEvent
  | SharedObjectEvent
  | TimeoutEvent
  | ProtocolErrorEvent
  | ClosedEvent
  | RawMessageEvent;

/** The `kind` strings of `SessionEvent`. */
export type SessionEventKind = SessionEvent['kind'];
