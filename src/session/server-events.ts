/**
 * The events a `ServerSession` reports: one discriminated union on `kind`, like the
 * client's `SessionEvent` (media, data, result, error, shared object and protocol error
 * events are the same types, shared-events.ts); the host drains them with `takeEvents()` after every
 * `receive`/`handleTimeout`/method call and answers with method calls
 * (`acceptConnect`, `createdStream`, `startPlay`, `acceptPublish`, `respond`, …).
 *
 * Invariants: events are plain data (no methods, no references back into the
 * session); media payloads are views of received bytes (see `ServerSession.receive`);
 * request events carry the transaction id the answer must quote.
 */
import type { AmfValue } from '../amf/types.js';
import type { RTMPError } from '../errors.js';
import type { ServerHandshakeInfo } from '../handshake/server.js';
import type {
  DataEvent,
  ErrorEvent,
  MediaEvent,
  PeerCommand,
  ProtocolErrorEvent,
  ResultEvent,
  SharedObjectEvent,
} from './shared-events.js';

/** The handshake completed (C2 read); the chunk stream starts. */
export interface ServerHandshakeDoneEvent {
  kind: 'handshakeDone';
  /** What was learned about the client (simple/fp9, C1 version, warnings). */
  info: ServerHandshakeInfo;
}

/** The client sent `connect`: answer with `acceptConnect(txn)` or `rejectConnect(txn, info)`. */
export interface ServerConnectEvent {
  kind: 'connect';
  txn: number;
  /** The command object (app, flashVer, tcUrl, objectEncoding, …); usually an AMFObject. */
  commandObject: AmfValue;
  /** Optional user arguments after the command object (librtmp `conn=`, `auth`). */
  args: AmfValue[];
  /** `commandObject.app` when it is a string. */
  app: string | undefined;
  /** `commandObject.tcUrl` when it is a string. */
  tcUrl: string | undefined;
  /** The encoding the session will use for commands: 3 when the client offered AMF3, else 0. */
  objectEncoding: 0 | 3;
  /** The connect arrived as a type-17 (AMF3 form) command. */
  amf3: boolean;
}

/** The client sent `createStream`: answer with `createdStream(txn)` (or `respondError`). */
export interface ServerCreateStreamEvent {
  kind: 'createStream';
  txn: number;
  commandObject: AmfValue;
  args: AmfValue[];
}

/** `play` on a created stream: answer with `startPlay(streamId)` (or `status` with an error code). */
export interface ServerPlayEvent {
  kind: 'play';
  streamId: number;
  txn: number;
  /** Stream name (playpath), e.g. `short`, `mp4:x.mp4`. */
  name: string;
  /** Start in milliseconds as sent: −2000/−2 live-then-recorded, −1000/−1 live only, ≥ 0 recorded offset (default −2000). */
  start: number;
  /** Duration in milliseconds (−1 = to the end; the default). */
  duration: number;
  /** The reset flag (default true). */
  reset: boolean;
  /** Every argument after the command object, as sent. */
  args: AmfValue[];
}

/** `publish` on a created stream: answer with `acceptPublish(streamId)` (or `status` with an error code). */
export interface ServerPublishEvent {
  kind: 'publish';
  streamId: number;
  txn: number;
  /** Publishing name (stream key, query string kept). */
  name: string;
  /** `live` (default), `record` or `append`, as sent. */
  type: string;
}

/** `pause` (true = pause, false = resume); answer with `pauseNotify`. */
export interface ServerPauseEvent {
  kind: 'pause';
  /** The stream it applies to (librtmp sends pause on msid 0: mapped to the stream last played). */
  streamId: number;
  pause: boolean;
  /** Stream time in milliseconds the client was at. */
  milliseconds: number;
}

/** `seek`; answer with `seekNotify` (or `status` with `NetStream.Seek.Failed`). */
export interface ServerSeekEvent {
  kind: 'seek';
  streamId: number;
  milliseconds: number;
}

/** `deleteStream`: the stream id is already released (no response is due). */
export interface ServerDeleteStreamEvent {
  kind: 'deleteStream';
  streamId: number;
  txn: number;
}

/** `closeStream` (NetStream.close) on a stream: it is idle again (no response is due). */
export interface ServerCloseStreamEvent {
  kind: 'closeStream';
  streamId: number;
}

/**
 * `releaseStream`, `FCPublish`, `FCUnpublish`, `FCSubscribe`, `FCUnsubscribe`. With
 * `handled` true the session already answered (option `autoFC`); otherwise answer with
 * `respond`/`call` as the application wants.
 */
export interface ServerFCEvent {
  kind: 'releaseStream' | 'fcPublish' | 'fcUnpublish' | 'fcSubscribe' | 'fcUnsubscribe';
  txn: number;
  /** The stream name argument ('' when absent or not a string). */
  name: string;
  streamId: number;
  handled: boolean;
}

/** Any other command from the client (application RPC, `getStreamLength`, `receiveAudio`, …). Answer with `respond`/`respondError` when `txn` ≠ 0. */
export interface ServerCallEvent extends PeerCommand {
  kind: 'call';
}

/** `_result` from the client for a server-initiated `call`. */
export type ServerResultEvent = ResultEvent;

/** `_error` from the client for a server-initiated `call`. */
export type ServerErrorEvent = ErrorEvent;

/** Audio or video from a publisher (a stream after `acceptPublish`), also each record of an aggregate. */
export type ServerMediaEvent = MediaEvent<'audio' | 'video'>;

/** A data message on a publishing stream (`@setDataFrame` removed: `dataFrame: true`). */
export type ServerDataEvent = DataEvent;

/** User Control SetBufferLength from the client. */
export interface ServerBufferLengthEvent {
  kind: 'bufferLength';
  streamId: number;
  /** Client buffer in milliseconds. */
  milliseconds: number;
}

/** The client answered one of our `ping()`s. */
export interface ServerPongEvent {
  kind: 'pong';
  /** The value we sent in the PingRequest. */
  timestamp: number;
  /** Round trip in the host's `now` units (milliseconds). */
  rtt: number;
}

/** A shared object message (type 19/16), decoded header and raw events. */
export type ServerSharedObjectEvent = SharedObjectEvent;

/** No bytes arrived for `idleTimeoutMs`. The session stays open; the host usually `close()`s. */
export interface ServerTimeoutEvent {
  kind: 'timeout';
  /** Milliseconds since the last received byte. */
  idleMs: number;
}

/** The client broke the rules (fatal: handshake, chunk stream; non-fatal: one bad message, a truncated aggregate). */
export type ServerProtocolErrorEvent = ProtocolErrorEvent;

/** The session ended: `close()` (local), `end()` (the transport closed), or a fatal protocol error. */
export interface ServerClosedEvent {
  kind: 'closed';
  reason: 'local' | 'peer' | 'protocolError';
  error?: RTMPError;
}

/** Everything a `ServerSession` reports. */
export type ServerEvent =
  | ServerHandshakeDoneEvent
  | ServerConnectEvent
  | ServerCreateStreamEvent
  | ServerPlayEvent
  | ServerPublishEvent
  | ServerPauseEvent
  | ServerSeekEvent
  | ServerDeleteStreamEvent
  | ServerCloseStreamEvent
  | ServerFCEvent
  | ServerCallEvent
  | ServerResultEvent
  | ServerErrorEvent
  | ServerMediaEvent
  | ServerDataEvent
  | ServerBufferLengthEvent
  | ServerPongEvent
  | ServerSharedObjectEvent
  | ServerTimeoutEvent
  | ServerProtocolErrorEvent
  | ServerClosedEvent;

/** The `kind` strings of `ServerEvent`. */
export type ServerEventKind = ServerEvent['kind'];
