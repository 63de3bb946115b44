/**
 * The options of `new RTMP(url, options)`: python-librtmp's constructor
 * arguments camelCased, in the units its documentation gives (start/stop seconds, buffer ms, timeout
 * seconds — applied by `src/url`'s `applyConstructorOptions`), plus what an async Node
 * client adds: AbortSignal, TLS, handshake policy, publish mode, limits. Also the options
 * of `connect` and `createStream`.
 */

import type { HandshakePolicy } from '../handshake/common.js';
import type { UserLogger } from '../trace.js';
import type { TlsOptions } from '../transport/tls.js';
import type { RTMPUrlOptions } from '../url/options.js';

/** Limits with defaults; every one bounds memory or time. */
export interface RTMPLimits {
  /** Unread bytes per played stream before the socket is paused (default 4 MiB). */
  highWaterMark?: number;
  /** Packets `readPacket()` keeps while nobody reads them; the oldest are dropped beyond (default 1024). */
  packetQueue?: number;
  /** Largest incoming message (default 16 MiB). */
  maxMessageSize?: number;
  /** Most chunk streams the server may open (default 1024). */
  maxChunkStreams?: number;
  /**
   * Our outgoing chunk size. Given, it is announced right after the handshake; by default
   * 4096, announced before the first media or data message (a player never changes it).
   */
  chunkSize?: number;
  /** Server invocations remembered for a later `processPackets({ invokedMethod })` (default 64). */
  invokeBacklog?: number;
}

/** Constructor options of `RTMP`. */
export interface RTMPOptions extends RTMPUrlOptions {
  /** Aborts the whole connection (connect, streams, calls) with `signal.reason`. */
  signal?: AbortSignal;
  /** A pino-style logger: every message sent and received is traced to its `debug` (docs/tracing.md). */
  logger?: UserLogger;
  /** TLS for rtmps:// — certificates are verified unless `rejectUnauthorized: false`. */
  tls?: TlsOptions;
  /**
   * Connect through a proxy, for every scheme: `socks5://[user:pass@]host[:port]`
   * (RFC 1928/1929, names resolved by the proxy), `socks4a://host[:port]`,
   * `socks4://host[:port]` or `http://[user:pass@]host[:port]` (HTTP CONNECT, Basic
   * credentials); the port defaults to 1080. Not together with librtmp's `socks`.
   */
  proxy?: string;
  /** `objectEncoding` sent in connect: 0 (AMF0, default) or 3 (AMF3 allowed). */
  objectEncoding?: 0 | 3;
  /** Handshake: `'auto'` (default; digest when a SWF hash is set), `'simple'` or `'fp9'`. */
  handshake?: HandshakePolicy;
  /**
   * Connect as a publisher (`type: 'nonprivate'`, FMLE flashVer, no player fields), as
   * librtmp does with `RTMP_EnableWrite` before connecting. python-librtmp only learns it
   * at `create_stream(writeable=True)`, after the connect was sent; rtmpkit
   * does not reconnect then — set this option when you will publish.
   */
  publish?: boolean;
  /** Publishing type for `publish`: `live` (default), `record` or `append`. */
  publishType?: 'live' | 'record' | 'append';
  /** Disable librtmp's BUFX pause/unpause speed-up for recorded streams (rtmpdump `--realtime`). */
  realtime?: boolean;
  /**
   * Advertise Enhanced RTMP in connect (ERTMP-V2 "Enhancing NetConnection connect
   * Command"): `true` offers every FourCC rtmpkit reads (`fourCcList` and both info
   * maps, `'*'` → CanDecode | CanEncode | CanForward) and `capsEx` Multitrack | ModEx |
   * TimestampNanoOffset; the four options below refine or replace each field. Without
   * any of them connect carries no E-RTMP fields, as before. The server's answer is
   * `RTMP.enhancedCapabilities`.
   */
  enhanced?: boolean;
  /** E-RTMP `fourCcList`: codecs this client can receive (e.g. `['av01', 'hvc1', 'avc1', 'mp4a']`, or `['*']`). */
  fourCcList?: string[];
  /** E-RTMP `videoFourCcInfoMap`: FourCC or `'*'` → `FourCcInfo` bits (CanDecode 1, CanEncode 2, CanForward 4). */
  videoFourCcInfoMap?: Record<string, number>;
  /** E-RTMP `audioFourCcInfoMap`: FourCC or `'*'` → `FourCcInfo` bits. */
  audioFourCcInfoMap?: Record<string, number>;
  /** E-RTMP `capsEx` bits (`CapsEx`: Reconnect 1, Multitrack 2, ModEx 4, TimestampNanoOffset 8). */
  capsEx?: number;
  /** Limits (bytes, counts). */
  limits?: RTMPLimits;
  /**
   * Seconds a played stream may go without audio or video once it plays — pings, acks,
   * status and metadata do not count — before its readers fail with `RTMPTimeoutError`
   * `ERR_RTMP_NO_MEDIA`. Default: `timeout` (librtmp's read timeout, 30 s); 0 turns it off.
   */
  mediaTimeout?: number;
  /**
   * Opt-in floor for recorders: a played stream whose media payload averages less than
   * `bytesPerSecond` over a window of `window` seconds fails with `ERR_RTMP_MEDIA_TOO_SLOW`.
   */
  minMediaRate?: { bytesPerSecond: number; window: number };
  /** Opt-in automatic reconnection after a cut connection (see `ReconnectOptions`). */
  reconnect?: ReconnectOptions;
  /**
   * Follow an E-RTMP ReconnectRequest by itself (ERTMP-V2 "Reconnect Request"),
   * make-before-break: a new connection to the request's `tcUrl` (same options,
   * parameters, credentials, proxy and TLS), every open stream re-created there — a
   * player from where its reader is, a publisher with its metadata and sequence headers
   * first — and only then are the streams switched over and the old connection closed;
   * the `RTMP` and `RTMPStream` objects stay the same. Events: `reconnectRequest`, then
   * `reconnecting` and `reconnected` (`request` set), or `reconnectFailed` (the old
   * connection is kept). Default: follow when connect offers `capsEx` Reconnect; `true`
   * adds that bit to the offer; `false` only emits `reconnectRequest`.
   */
  followReconnect?: boolean;
}

/**
 * Reconnection after the connection is lost (cut, reset, a stall, no media): the client
 * reconnects and restores its streams — a live player re-subscribes, a recorded one
 * plays on from the last delivered timestamp (no tag twice, none missing), a publisher
 * continues from the last timestamp it sent. A server's refusal (connect rejected, stream
 * not found, bad name, …), an authentication failure, a local close or an abort is
 * never retried. `connect()` itself retries the same way (a cut or stalled handshake).
 */
export interface ReconnectOptions {
  /** How many reconnects in a row at most (each successful one resets the count). */
  retries: number;
  /** Wait before the first retry, ms (default 1000); doubles with each failed retry. */
  backoffMs?: number;
  /** Longest wait between retries, ms (default 30000). */
  maxBackoffMs?: number;
}

/** Options of `connect`. */
export interface ConnectOptions {
  /** Cancels the attempt: the connection is torn down and the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** `createStream`'s `bufferLead`: on with the defaults (`true`), or with some of them replaced. */
export type BufferLeadSpec = boolean | { messages?: number; bytes?: number };

/** Options of `createStream` (python-librtmp's `create_stream`). */
export interface CreateStreamOptions {
  /** Start playing at this position, **seconds** (overrides the `start` option). */
  seek?: number;
  /** Publish instead of play. */
  writeable?: boolean;
  /** python-librtmp's buffer hack: once the duration is known, SetBufferLength(duration + 5 s). Default true. */
  updateBuffer?: boolean;
  /**
   * A recorded stream's buffer length follows the media received, so that a server
   * pacing by it (nginx-rtmp) stays a bounded lead ahead: 0 with the play, then raised as
   * media arrives, up to the `buffer` option; a seek, an unpause or a reconnect starts it
   * again. `true`: 128 messages, plus 2 MiB when the server is on this host (a loopback
   * address, no proxy), or else the media received during one round trip to the server
   * (measured at connect: what the path holds in flight); `{ messages, bytes }` replaces
   * either number (`bytes` given for a remote server adds to the round trip's media).
   * nginx-rtmp discards a message whenever a client slower than its disk lets its queue
   * (`out_queue`, 256) fill (README "Known server behaviour"); `rtmpkit dump` turns this
   * on for recorded streams. Ignored for live streams; `updateBuffer` is then off.
   * Default false.
   */
  bufferLead?: BufferLeadSpec;
  /** Cancels the wait (the half-created stream is deleted). */
  signal?: AbortSignal;
}
