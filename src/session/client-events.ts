/**
 * The events a `ClientSession` reports: one discriminated union on `kind`, drained with
 * `takeEvents()` after every `receive`/`handleTimeout`/command. The core never calls
 * into user code; the shell routes these events by kind and stream id.
 *
 * Invariants: every received message yields exactly one event (its `raw` attached while
 * tapping), in arrival order; `handshake`, `timeout` and `closed` are the only events
 * not made from a message. A truncated aggregate is also reported by a non-fatal
 * `protocolError` after its media event. Events are plain data (no methods, no
 * references back into the session); payload Buffers are views of received bytes (see
 * `ClientSession.receive`); every info object is a `StatusInfo`.
 */
import type { RTMPError } from '../errors.js';
import type { ClientHandshakeInfo } from '../handshake/client.js';
import type {
  AbortMessage,
  AckMessage,
  SetChunkSizeMessage,
  SetPeerBandwidthMessage,
  UserControlEventData,
  WindowAckSizeMessage,
} from '../message/types.js';
import type { NetStreamChange } from './net-stream.js';
import type {
  DataEvent,
  ErrorEvent,
  MediaEvent,
  MessageEventBase,
  PeerCommand,
  ProtocolErrorEvent,
  ResultEvent,
  SharedObjectEvent,
} from './shared-events.js';
import type { StatusClassification, StatusInfo } from './status.js';

export type * from './shared-events.js';

/** The handshake completed (S2 read); Set Chunk Size and any queued commands went out. */
export interface HandshakeDoneEvent {
  kind: 'handshake';
  /** What was learned about the server (mode, versions, warnings, S1). */
  info: ClientHandshakeInfo;
}

/** `connect` succeeded: its `_result`. */
export interface ConnectedEvent extends MessageEventBase {
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
export interface ConnectRejectedEvent extends MessageEventBase {
  kind: 'connectRejected';
  txn: number;
  /** Which message carried the rejection. */
  source: '_error' | 'onStatus' | '_result';
  info: StatusInfo;
}

/** `createStream` succeeded. */
export interface StreamCreatedEvent extends MessageEventBase {
  kind: 'streamCreated';
  txn: number;
  /** The new message stream id: send NetStream commands and media on it. */
  streamId: number;
}

/**
 * A command the server sent that is not a response (`onBWDone`, `onFCPublish`,
 * `onFCSubscribe`, application RPCs…). `handled` is true when the session already did
 * what the protocol requires (answered `_onbwcheck`, sent `_checkbw` for `onBWDone`,
 * answered `ping` with `pong`, ended the streams on `onFCUnsubscribe`, closed on
 * `close`): do not respond again. Otherwise answer with `respond`/`respondError` when
 * `txn` is non-zero.
 */
export interface InvokeEvent extends MessageEventBase, PeerCommand {
  kind: 'invoke';
  handled: boolean;
}

/** An `onStatus` or `onPlayStatus` (command or data message), classified. */
export interface StatusEvent extends MessageEventBase {
  kind: 'status';
  /**
   * The message stream it belongs to (0 = NetConnection): its msid, or the only NetStream
   * when a NetStream code arrives on an msid no NetStream has (servers that use msid 0).
   */
  streamId: number;
  /** `onStatus` or `onPlayStatus`. */
  name: string;
  info: StatusInfo;
  classification: StatusClassification;
  /** It arrived as a data message (type 18/15), not as a command (type 20/17). */
  dataMessage: boolean;
}

/**
 * A User Control event: StreamBegin, StreamEOF, StreamDry, StreamIsRecorded,
 * BufferEmpty, BufferReady, PingRequest, SWFVerifyRequest, unknown ones. `handled` is
 * true when the session already answered it (PingResponse; SWFVerifyResponse with
 * `swfVerification` set).
 */
export type UserControlEvent = { kind: 'userControl'; handled?: true } & UserControlEventData &
  MessageEventBase;

/** A protocol control message from the server (already acted upon). */
export interface ControlEvent extends MessageEventBase {
  kind: 'control';
  message: SetChunkSizeMessage | AbortMessage | AckMessage | WindowAckSizeMessage | SetPeerBandwidthMessage;
}

/** A message of a type RTMP does not define (reported, never an error). */
export interface UnknownMessageEvent extends MessageEventBase {
  kind: 'unknown';
  /** Its message type id. */
  type: number;
  streamId: number;
  timestamp: number;
  payload: Buffer;
}

/**
 * A deadline passed: the handshake did not finish, a tracked command got no answer, or a
 * played stream got no media for `mediaTimeoutMs` (or less than `minMediaRate`): that
 * NetStream failed with `error` (`ERR_RTMP_NO_MEDIA` / `ERR_RTMP_MEDIA_TOO_SLOW`, in `changes`).
 */
export interface TimeoutEvent {
  kind: 'timeout';
  what: 'handshake' | 'command' | 'media';
  /** The transaction that timed out (`what: 'command'`). */
  txn?: number;
  /** Its method name. */
  method?: string;
  /** The stream that got no media (`what: 'media'`). */
  streamId?: number;
  /** Why it failed (`what: 'media'`). */
  error?: RTMPError;
  /** Its NetStream's change to `failed` (`what: 'media'`). */
  changes?: readonly NetStreamChange[];
}

/**
 * The session ended: `close()` was called (`local`), the server sent `close` (`server`),
 * the transport ended (`end()`: `peer`), or a fatal protocol error. NetStreams that had
 * not ended are cut (`changes`).
 */
export interface ClosedEvent {
  kind: 'closed';
  reason: 'local' | 'server' | 'peer' | 'protocolError';
  error?: RTMPError;
  /** The NetStreams this cut (to `ended-cut`). */
  changes?: readonly NetStreamChange[];
}

/**
 * A peer fault (see `ProtocolErrorEvent`). A non-fatal one that was the answer to a
 * transaction we await — a `_result`/`_error` whose body does not decode, or any
 * undecodable command while connect is pending — names it in `answer`: that transaction
 * failed with `error` (`ERR_RTMP_MALFORMED_ANSWER`) and will not time out.
 */
export interface ClientProtocolErrorEvent extends ProtocolErrorEvent {
  answer?: { txn: number; method: string };
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
  | UnknownMessageEvent
  | TimeoutEvent
  | ClientProtocolErrorEvent
  | ClosedEvent;

/** The `kind` strings of `SessionEvent`. */
export type SessionEventKind = SessionEvent['kind'];
