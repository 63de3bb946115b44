/**
 * Public types of the embedded RTMP server: a client connection as hooks and events
 * see it (`ServerClient`), hook signatures (connect/play/publish authorization, custom
 * RPC), the requests they receive, and the typed event map of `RTMPServer`.
 *
 * Hook contract: a hook may return its answer or a Promise of it; a hook that throws
 * (or rejects) refuses — the error's message becomes the `description` the client sees.
 */

import type { AmfValue } from '../amf/types.js';
import type { RTMPError, RTMPLimitError } from '../errors.js';
import type { EnhancedCapabilities } from '../session/connect-object.js';

/** Where a client connection is. */
export type ServerClientState = 'handshake' | 'connecting' | 'connected' | 'closed';

/** One connected RTMP client, as the server's events and hooks see it. */
export interface ServerClient {
  /** Connection number, unique per server. */
  readonly id: number;
  /** Peer address and port. */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  /** The connected app without `?query` (undefined before connect). */
  readonly app: string | undefined;
  /** The query string of the connect `app` (`''` when none). */
  readonly query: string;
  /** The connect `tcUrl`. */
  readonly tcUrl: string | undefined;
  /** The connect command object. */
  readonly commandObject: AmfValue;
  /** Extra connect arguments. */
  readonly connectArgs: readonly AmfValue[];
  /** The user a publisher authenticated as (the server's `auth` option), else undefined. */
  readonly user: string | undefined;
  /** Whether the connection is RTMPE-encrypted (rtmpe://, rtmpte://). */
  readonly encrypted: boolean;
  /**
   * What the client's connect offered of Enhanced RTMP (`fourCcList`, info maps,
   * `capsEx`), or undefined for a client that offered none. A player gets only the
   * E-RTMP codecs and tracks it offered, and is refused a stream whose default track it
   * cannot take.
   */
  readonly enhancedCapabilities: EnhancedCapabilities | undefined;
  /** handshake → connecting → connected, then closed. */
  readonly state: ServerClientState;
  /** What each message stream does: `publish`, `live` (playing), `vod` or `pending`, with the stream name. */
  readonly streams: ReadonlyMap<number, { kind: string; name?: string }>;
  /** Bytes queued for the socket but not yet sent. */
  readonly backlog: number;
  /** Bytes received and sent on the socket so far. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** When the TCP connection was accepted (epoch ms). */
  readonly acceptedAt: number;
  /**
   * Invokes `name` on the client and resolves with the first value of its `_result`
   * (null when none). Rejects with `RTMPError` (code `ERR_SERVER_CALL_FAILED`, the
   * client's info as `info`) on `_error`, `RTMPTimeoutError` after `callTimeoutMs`, and
   * `RTMPConnectionError` when the connection closes first.
   */
  call(name: string, ...args: AmfValue[]): Promise<AmfValue>;
  /** Invokes `name` on the client without awaiting an answer (transaction id 0). */
  notify(name: string, ...args: AmfValue[]): void;
  /** Closes the connection: pending output is written, then the socket ends (destroyed after 2 s at most). */
  close(): void;
}

/** A status/info object sent to a client (`code`, `description` and any further fields). */
export type StatusInit = { code?: string; description?: string; level?: string } & Record<string, AmfValue>;

/** What an authorization hook returns: `true`/`undefined` allow, `false` refuse, an object refuses with that info. */
// biome-ignore lint/suspicious/noConfusingVoidType: lets a hook with no return statement type-check (allow)
export type Decision = boolean | undefined | void | StatusInit;

/** The connect a client sent. */
export interface ConnectRequest {
  readonly client: ServerClient;
  /** App without any `?query` (e.g. `live`). */
  readonly app: string;
  /** The query after `?` in the app (`''` when none), e.g. Adobe-auth parameters. */
  readonly query: string;
  readonly tcUrl: string | undefined;
  /** The connect command object (flashVer, tcUrl, objectEncoding, fourCcList, …). */
  readonly commandObject: AmfValue;
  /** Extra connect arguments (librtmp `conn=`). */
  readonly args: readonly AmfValue[];
}

/** A play or publish request. */
export interface StreamRequest {
  readonly client: ServerClient;
  readonly app: string;
  /** Stream name without any `?query`. */
  readonly name: string;
  /** The query after `?` in the name (`''` when none), e.g. a stream key's token. */
  readonly query: string;
  /** Message stream id on the client's connection. */
  readonly streamId: number;
}

/** A `play`: live (relay) or VOD (file), decided by the app (`vodApps`). */
export interface PlayRequest extends StreamRequest {
  readonly kind: 'live' | 'vod';
  /** Start (ms) as sent: −2000/−1000 live, ≥ 0 recorded offset. */
  readonly start: number;
  /** Duration (ms) as sent: −1 to the end. */
  readonly duration: number;
}

/** A `publish`. */
export interface PublishRequest extends StreamRequest {
  /** `live`, `record` or `append` as sent (all are relayed live; the `record` option records every publish). */
  readonly type: string;
}

/** A custom call from a client (any command that is not part of the protocol flows). */
export interface CallRequest {
  readonly client: ServerClient;
  readonly name: string;
  readonly args: readonly AmfValue[];
  readonly commandObject: AmfValue;
  /** Message stream id the call arrived on (0 = NetConnection). */
  readonly streamId: number;
  /** Whether the client awaits an answer (transaction id ≠ 0). */
  readonly expectsResult: boolean;
}

/** Authorizes a connect (auth). Refusal → `_error` NetConnection.Connect.Rejected (or the given info). */
export type ConnectHook = (request: ConnectRequest) => Decision | Promise<Decision>;
/** Authorizes a play. Refusal → onStatus error NetStream.Play.Failed (or the given code). */
export type PlayHook = (request: PlayRequest) => Decision | Promise<Decision>;
/** Authorizes a publish. Refusal → onStatus error NetStream.Publish.Denied (or the given code). */
export type PublishHook = (request: PublishRequest) => Decision | Promise<Decision>;
/**
 * Answers a custom call: the (awaited) return value is the `_result` value (`undefined`
 * → null); a throw/rejection → `_error` NetConnection.Call.Failed with the message as
 * description (an `RTMPError` with object `info` sends that info instead).
 */
export type CallHook = (
  name: string,
  args: readonly AmfValue[],
  client: ServerClient,
  request: CallRequest,
) => AmfValue | Promise<AmfValue>;

/** The address the server listens on. */
export interface ServerAddress {
  host: string;
  port: number;
}

/** A live stream as `RTMPServer.liveStreams()` reports it. */
export interface LiveStreamInfo {
  app: string;
  name: string;
  /** The publishing client, if any. */
  publisher: ServerClient | undefined;
  /** Number of players subscribed (waiting ones included). */
  players: number;
  /** The stored onMetaData (after `@setDataFrame`), if any. */
  metadata: AmfValue | undefined;
}

/** A recording, as the `recordStart`/`recordStop` events and `stats()` report it. */
export interface RecordingInfo {
  app: string;
  name: string;
  /** Absolute path of the file. */
  path: string;
  /** When the publish (and so the recording) started. */
  startedAt: Date;
  /** Bytes written to the file so far. */
  bytes: number;
  /** Why the recording stopped before the publish ended (disk error, disk too slow). */
  error?: string;
}

/** A relay, as `pushStart`/`pushError` events and `stats()` report it. */
export interface PushInfo {
  /** The local stream. */
  app: string;
  name: string;
  /** The target as `scheme://host[:port]/app` (no credentials, no stream name). */
  url: string;
  /** The name published there: the local name, or null when the URL sets one (not shown: often a stream key). */
  targetName: string | null;
  /** `connecting`, `publishing`, `waiting` (before a retry) or `stopped`. */
  state: 'connecting' | 'publishing' | 'waiting' | 'stopped';
  /** Connection attempts so far. */
  attempts: number;
  /** FLV bytes handed to the target. */
  bytes: number;
  /** The last failure, if any. */
  error?: string;
}

/** Events of `RTMPServer` (Node EventEmitter, typed). */
export interface RTMPServerEvents {
  /** Listening started. */
  listening: [address: ServerAddress];
  /** A TCP connection was accepted (before the handshake). */
  connection: [client: ServerClient];
  /** A client's connect was accepted. */
  connect: [client: ServerClient];
  /** A connection ended (any reason). */
  disconnect: [client: ServerClient];
  /** A publish started. */
  publish: [request: PublishRequest];
  /** A publish ended (closeStream, deleteStream, a new play/publish on its stream, or disconnect). */
  unpublish: [request: PublishRequest];
  /** A play started (after authorization; live plays may wait for a publisher). */
  play: [request: PlayRequest];
  /** A play ended (VOD end of file, closeStream/deleteStream, a new play on its stream, or disconnect); once per play. */
  stop: [request: PlayRequest];
  /** A custom call arrived (whether or not `onCall` answers it). */
  call: [request: CallRequest];
  /** A recording's file was opened (`record` option). */
  recordStart: [info: RecordingInfo];
  /** A recording's file was closed: the publish ended, or `info.error` says why it stopped (or could not start). */
  recordStop: [info: RecordingInfo];
  /** A push target accepted the publish (`push` option); again after each successful retry. */
  pushStart: [info: PushInfo];
  /** A push attempt failed; it is retried with backoff while the stream is published. */
  pushError: [error: Error, info: PushInfo];
  /** A client broke the protocol or a hook failed; the server goes on. */
  clientError: [error: RTMPError, client: ServerClient];
  /**
   * A connection was refused (`client` undefined: maxConnections, maxConnectionsPerAddress)
   * or a client was cut off or refused for going over a limit (`RTMPLimitError`, codes
   * `ERR_SERVER_LIMIT_*`; `error.limit` names the option). Emitted every time; the log line is rate-limited.
   */
  limit: [error: RTMPLimitError, client: ServerClient | undefined];
  /** A server-level error (accept failure). Listen errors reject `listen()` instead. */
  error: [error: Error];
  /** The server closed. */
  close: [];
}
