/**
 * Options of the embedded RTMP server (`createServer`) and their defaults, checked
 * once at construction. Every limit is an option with a default: connections in total
 * and per address; handshake, connect, message and idle deadlines; message, chunk,
 * command and metadata sizes; AMF depth; input held and output queued per connection;
 * streams per connection; commands per second; live buffering per player and the GOP
 * cache. The README's "Server limits" table lists them with what happens over each.
 *
 * Invariants: `resolveOptions` either returns a complete, valid set or throws
 * `RTMPUsageError` (code `ERR_SERVER_OPTION`) naming the bad option.
 */
import type { AmfValue } from '../amf/types.js';
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import type { RtmpeType } from '../handshake/rtmpe.js';
import type { ServerSessionOptions } from '../session/server-session.js';
import { checkLogger, type UserLogger } from '../trace.js';
import { PublisherAuthGate, type PublisherAuthOptions } from './publisher-auth.js';
import { type PushTarget, type ResolvedPushTarget, resolvePushTarget } from './push.js';
import { type RecordOptions, type ResolvedRecordOptions, resolveRecordOptions } from './recorder.js';
import { StreamKeys } from './stream-keys.js';
import type { CallHook, ConnectHook, PlayHook, PublishHook } from './types.js';

/** Options of `createServer`. Every field has a default. */
export interface RTMPServerOptions {
  /** Allowed app names (the connect `app` before any `?`; include the VOD app); others get Connect.InvalidApp. Default: any. */
  apps?: readonly string[];
  /** Directory of FLV files served as VOD: play `x` or `x.flv` in a VOD app → `<vodDir>/x.flv`. */
  vodDir?: string;
  /** FLV files held in memory, by stream name (e.g. `{ test: makeTestFlv() }`); tried before `vodDir`. */
  vodFiles?: Readonly<Record<string, Uint8Array>>;
  /**
   * VOD pacing: `'buffer'` (default) sends at most the client's buffer length
   * (SetBufferLength; 3 s when none, 1 s at least) of media ahead of real time, as FMS
   * does — rtmpdump (10 h buffer) still downloads at full speed; `'none'` sends as fast
   * as the socket drains. Both wait for 'drain'.
   */
  vodPacing?: 'buffer' | 'none';
  /** Apps whose plays are VOD (a missing file is NetStream.Play.StreamNotFound); every other app is live. Default `['vod']`. */
  vodApps?: readonly string[];
  /** Most simultaneous connections (sockets, handshake included); further sockets are closed at once. Default 100. */
  maxConnections?: number;
  /**
   * Most simultaneous connections from one remote address; further sockets from it are
   * closed at once (`ERR_SERVER_LIMIT_CONNECTIONS_PER_ADDRESS`). Default half of
   * `maxConnections` (rounded up), so one address cannot take every slot.
   */
  maxConnectionsPerAddress?: number;
  /** The handshake must complete within this of the accept (ms), whatever bytes arrive. Default 10 000. */
  handshakeTimeoutMs?: number;
  /** The connect command must arrive within this of the accept (ms), whatever bytes arrive. Default 20 000. */
  connectTimeoutMs?: number;
  /** A message must be complete within this of its first byte (ms): slow senders are cut. Default 30 000. */
  messageTimeoutMs?: number;
  /** Largest message a client may send (bytes); a larger one closes the connection. Default 16 MiB. */
  maxMessageSize?: number;
  /** Largest Set Chunk Size a client may announce; a larger one closes the connection. Default 16 MiB − 1. */
  maxChunkSize?: number;
  /** Most chunk streams a client may open; one more closes the connection. Default 64. */
  maxChunkStreams?: number;
  /** Most bytes held per connection for messages not yet complete; over it the connection is closed. Default 32 MiB. */
  maxInputBuffer?: number;
  /**
   * Unsent bytes queued to one client above which the server stops reading it (TCP then
   * slows the client: a client that sends but does not read cannot make the server queue
   * answers); reading resumes when it drains below. Default 8 MiB (`maxOutputBuffer` when smaller).
   */
  outputHighWaterMark?: number;
  /**
   * Unsent bytes queued to one client above which it is cut off (`ERR_SERVER_LIMIT_OUTPUT`).
   * At least `liveHighWaterMark` (below it a lagging live player would be cut off before any
   * frame is dropped). Default 32 MiB, or 8 × `liveHighWaterMark` when that is larger.
   */
  maxOutputBuffer?: number;
  /** Largest command (AMF body bytes); a larger one closes the connection. Default 64 KiB. */
  maxCommandSize?: number;
  /** Most commands a client may send per second (bursts of one second's worth); more closes the connection. Default 200. */
  maxCommandsPerSecond?: number;
  /** Deepest nesting of AMF values in commands and data; deeper is refused (`ERR_AMF_*`, the message is skipped). Default 64. */
  amfMaxDepth?: number;
  /** Largest data message (onMetaData…) a publisher may send (bytes); larger ones are dropped, not relayed or stored. Default 1 MiB. */
  maxMetadataSize?: number;
  /** Repeated refusals and client faults are logged once per address and kind per this interval, with a count (ms). Default 10 000. */
  logIntervalMs?: number;
  /** A connection that sends nothing for this long is closed (ms). It is pinged after half of it. Default 30 000. */
  idleTimeoutMs?: number;
  /** Outgoing chunk size announced after connect. Default 4096. */
  chunkSize?: number;
  /** Message streams per connection. Default 64. */
  maxStreams?: number;
  /**
   * Live backpressure: when a player's unsent bytes (socket buffer) exceed this, its
   * non-keyframe video is dropped until the next keyframe; above 4× also audio.
   * Sequence headers, metadata and commands are never dropped. Default 4 MiB
   * (`maxOutputBuffer` when smaller). Raising it alone raises `maxOutputBuffer`'s default
   * with it; an explicit `maxOutputBuffer` below it is refused.
   */
  liveHighWaterMark?: number;
  /** Cap of the per-stream GOP cache replayed to late joiners (bytes; 0 = no GOP cache). Default 8 MiB. */
  gopCacheMaxBytes?: number;
  /** Deadline of `client.call()` (ms). Default 30 000. */
  callTimeoutMs?: number;
  /** Authorize (or reject) a connect; see `ConnectHook`. Default: accept. */
  onConnect?: ConnectHook;
  /** Answer a client's custom call; see `CallHook`. Default: `_error` NetConnection.Call.Failed. */
  onCall?: CallHook;
  /** Authorize a publish; see `PublishHook`. Default: allow. */
  onPublish?: PublishHook;
  /** Authorize a play; see `PlayHook`. Default: allow. */
  onPlay?: PlayHook;
  /** Extra fields for the connect `_result` properties (fmsVer, capabilities, …). */
  connectProperties?: Record<string, AmfValue>;
  /**
   * Record every live publish to an FLV file: a directory (files
   * `<dir>/<app>/<name>-<UTC YYYYMMDD-HHMMSS>.flv`) or `{ dir, pattern }`. Events
   * `recordStart`/`recordStop`; a disk error stops that recording only. Default: off.
   */
  record?: string | RecordOptions;
  /**
   * Restream live publishes to other servers: URLs (`rtmp://host/app` keeps each stream's
   * name, `rtmp://host/app/name` uses that name) or `{ url, app?, name? }` to push only
   * matching streams. Failed targets are retried with backoff. Events `pushStart`/`pushError`.
   */
  push?: readonly (string | PushTarget)[];
  /**
   * Publishing needs a known stream key: entries `app/name` (that name in that app) or a
   * bare `key` (that name in any app). Others are refused with NetStream.Publish.Denied.
   * Checked before `onPublish`. Default: no check (unless `keysFile`).
   */
  keys?: readonly string[];
  /**
   * A key file: one entry per line as in `keys`, `#` comments and blank lines ignored;
   * read at construction (unreadable = `ERR_SERVER_OPTION`) and again when it changes.
   */
  keysFile?: string;
  /**
   * Accept RTMPE clients (rtmpe:// on the RTMP port, rtmpte:// on the HTTP port; the
   * connection is RC4-encrypted after a Diffie-Hellman handshake) besides plain ones, as
   * FMS and librtmp's rtmpsrv do. Default true.
   */
  rtmpe?: boolean;
  /** The RTMPE type answered: 6, 8 (XTEA-signed) or 9 (Blowfish-signed). Default: the one the client asks for. */
  rtmpeType?: RtmpeType;
  /**
   * Publishers must authenticate (Adobe `authmod=adobe` or Limelight `authmod=llnw`, as
   * FMS/Wowza and Limelight ask and FFmpeg, OBS and rtmpkit answer): `{ mode, lookup }`,
   * `lookup(user)` giving the password (or undefined: no such user). Players are not
   * challenged; a publish on a connection that did not authenticate is
   * NetStream.Publish.Denied. `client.user` names the authenticated user. Default: off.
   */
  auth?: PublisherAuthOptions;
  /**
   * A pino-style logger: every client's messages are traced to its `debug`, and the
   * server's own log (accepts, refusals, limits, VOD and recording problems) goes to the
   * method of its level with `{ component: 'server' }` (docs/tracing.md).
   */
  logger?: UserLogger;
  /**
   * VOD: serve a file of `vodDir` that is a symbolic link (or under one) pointing outside
   * `vodDir`. Default false: the real path must lie inside the real `vodDir`.
   */
  vodFollowLinks?: boolean;
  /** Passed to every ServerSession (handshake policy, window sizes, AMF limits…); the server's own options win. */
  session?: Omit<ServerSessionOptions, LimitOption | 'chunkSize' | 'idleTimeoutMs' | 'maxStreams' | 'now'>;
}

/** The limits the server sets on every session (its options of the same names win). */
type LimitOption =
  | 'handshakeTimeoutMs'
  | 'connectTimeoutMs'
  | 'messageTimeoutMs'
  | 'maxMessageSize'
  | 'maxChunkSize'
  | 'maxChunkStreams'
  | 'maxInputBuffer'
  | 'maxCommandSize'
  | 'maxCommandsPerSecond';

/** `RTMPServerOptions` with defaults applied. */
export interface ResolvedServerOptions {
  apps: ReadonlySet<string> | undefined;
  vodDir: string | undefined;
  vodFiles: ReadonlyMap<string, Uint8Array>;
  vodApps: ReadonlySet<string>;
  vodPacing: 'buffer' | 'none';
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** The session limits, passed to every ServerSession. */
  limits: Required<Pick<ServerSessionOptions, LimitOption>>;
  outputHighWaterMark: number;
  maxOutputBuffer: number;
  amfMaxDepth: number;
  maxMetadataSize: number;
  logIntervalMs: number;
  vodFollowLinks: boolean;
  maxMessageSize: number;
  idleTimeoutMs: number;
  chunkSize: number;
  maxStreams: number;
  liveHighWaterMark: number;
  gopCacheMaxBytes: number;
  callTimeoutMs: number;
  onConnect: ConnectHook | undefined;
  onCall: CallHook | undefined;
  onPublish: PublishHook | undefined;
  onPlay: PlayHook | undefined;
  connectProperties: Record<string, AmfValue> | undefined;
  session: RTMPServerOptions['session'];
  record: ResolvedRecordOptions | undefined;
  push: readonly ResolvedPushTarget[];
  keys: StreamKeys | undefined;
  rtmpe: boolean;
  rtmpeType: RtmpeType | undefined;
  auth: PublisherAuthGate | undefined;
  logger: UserLogger | undefined;
}

function bad(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: UsageCode.SERVER_OPTION });
}

function int(name: string, v: number | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw bad(`${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  }
  return v;
}

function hook<T>(name: string, v: T | undefined): T | undefined {
  if (v !== undefined && typeof v !== 'function') throw bad(`${name} must be a function`);
  return v;
}

function names(name: string, v: readonly string[] | undefined): ReadonlySet<string> | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((a) => typeof a !== 'string'))
    throw bad(`${name} must be an array of strings`);
  return new Set(v);
}

function pacing(v: RTMPServerOptions['vodPacing']): 'buffer' | 'none' {
  if (v === undefined) return 'buffer';
  if (v !== 'buffer' && v !== 'none') throw bad(`vodPacing must be 'buffer' or 'none', got ${String(v)}`);
  return v;
}

function rtmpeType(v: RTMPServerOptions['rtmpeType']): RtmpeType | undefined {
  if (v !== undefined && v !== 6 && v !== 8 && v !== 9)
    throw bad(`rtmpeType must be 6, 8 or 9, got ${String(v)}`);
  return v;
}

function authGate(v: RTMPServerOptions['auth']): PublisherAuthGate | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v !== 'object' || (v.mode !== 'adobe' && v.mode !== 'llnw')) {
    throw bad("auth must be { mode: 'adobe' | 'llnw', lookup(user) }");
  }
  if (typeof v.lookup !== 'function') throw bad('auth.lookup must be a function');
  return new PublisherAuthGate(v);
}

/** With `auth`, publishing needs an authenticated connection; then the user's own hook decides. */
function authenticatedPublish(gate: PublisherAuthGate | undefined, next: PublishHook | undefined) {
  if (gate === undefined) return next;
  const denied = {
    code: 'NetStream.Publish.Denied',
    description: `publishing needs ${gate.mode} authentication`,
  };
  return (request: Parameters<PublishHook>[0]) =>
    request.client.user === undefined ? denied : next ? next(request) : undefined;
}

function pushTargets(v: RTMPServerOptions['push']): ResolvedPushTarget[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw bad('push must be an array of URLs or { url, app?, name? }');
  return v.map(resolvePushTarget);
}

/** Every option key; typed so that an option added to `RTMPServerOptions` must be added here. */
const OPTION_KEYS: Record<keyof RTMPServerOptions, true> = {
  apps: true,
  vodDir: true,
  vodFiles: true,
  vodPacing: true,
  vodApps: true,
  maxConnections: true,
  maxMessageSize: true,
  idleTimeoutMs: true,
  chunkSize: true,
  maxStreams: true,
  liveHighWaterMark: true,
  gopCacheMaxBytes: true,
  callTimeoutMs: true,
  onConnect: true,
  onCall: true,
  onPublish: true,
  onPlay: true,
  connectProperties: true,
  record: true,
  push: true,
  keys: true,
  keysFile: true,
  rtmpe: true,
  rtmpeType: true,
  auth: true,
  logger: true,
  amfMaxDepth: true,
  connectTimeoutMs: true,
  handshakeTimeoutMs: true,
  logIntervalMs: true,
  maxChunkSize: true,
  maxChunkStreams: true,
  maxCommandSize: true,
  maxCommandsPerSecond: true,
  maxConnectionsPerAddress: true,
  maxInputBuffer: true,
  maxMetadataSize: true,
  maxOutputBuffer: true,
  messageTimeoutMs: true,
  outputHighWaterMark: true,
  vodFollowLinks: true,
  session: true,
};

/** Applies defaults and checks every option (an unknown key is refused, as `new RTMP` does). */
export function resolveOptions(o: RTMPServerOptions = {}): ResolvedServerOptions {
  if (o === null || typeof o !== 'object') throw bad('options must be an object');
  for (const k of Object.keys(o)) {
    if (!Object.hasOwn(OPTION_KEYS, k)) throw bad(`unknown option "${k}"`);
  }
  if (o.vodDir !== undefined && (typeof o.vodDir !== 'string' || o.vodDir === '')) {
    throw bad('vodDir must be a non-empty string');
  }
  const vodFiles = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(o.vodFiles ?? {})) {
    if (!(v instanceof Uint8Array)) throw bad(`vodFiles.${k} must be a Buffer/Uint8Array`);
    vodFiles.set(k, v);
  }
  const auth = authGate(o.auth);
  const maxConnections = int('maxConnections', o.maxConnections, 100, 1, 1_000_000);
  const maxMessageSize = int('maxMessageSize', o.maxMessageSize, 16 << 20, 128, 0xffffff);
  const MAX_MS = 2 ** 31 - 1;
  // The live mark must not exceed the output cap (a lagging player would be cut off before a
  // frame is dropped): a lower cap alone lowers the mark with it; unset, the cap leaves room
  // for the live drop policy — video dropped above the mark, audio above 4×, the cut at 8×
  // (32 MiB at the defaults). A server that raised only the mark used to cut lagging
  // players off at 32 MiB before dropping a frame.
  const cap = o.maxOutputBuffer;
  const givenCap = cap !== undefined && Number.isSafeInteger(cap) && cap >= 1 ? cap : undefined;
  const liveHighWaterMark = int(
    'liveHighWaterMark',
    o.liveHighWaterMark,
    Math.min(4 << 20, givenCap ?? 4 << 20),
    1,
    2 ** 40,
  );
  const outputCap = givenCap ?? Math.min(2 ** 40, Math.max(32 << 20, 8 * liveHighWaterMark));
  // A lower output cap alone lowers the high-water mark with it (the mark must not exceed the cap).
  const outputHighWaterMark = int(
    'outputHighWaterMark',
    o.outputHighWaterMark,
    Math.min(8 << 20, outputCap),
    1,
    2 ** 40,
  );
  return {
    maxConnectionsPerAddress: int(
      'maxConnectionsPerAddress',
      o.maxConnectionsPerAddress,
      Math.ceil(maxConnections / 2),
      1,
      1_000_000,
    ),
    limits: {
      handshakeTimeoutMs: int('handshakeTimeoutMs', o.handshakeTimeoutMs, 10_000, 1, MAX_MS),
      connectTimeoutMs: int('connectTimeoutMs', o.connectTimeoutMs, 20_000, 1, MAX_MS),
      messageTimeoutMs: int('messageTimeoutMs', o.messageTimeoutMs, 30_000, 1, MAX_MS),
      maxMessageSize,
      maxChunkSize: int('maxChunkSize', o.maxChunkSize, 0xffffff, 128, 0x7fffffff),
      maxChunkStreams: int('maxChunkStreams', o.maxChunkStreams, 64, 1, 65_598),
      maxInputBuffer: int('maxInputBuffer', o.maxInputBuffer, 32 << 20, maxMessageSize, 2 ** 40),
      maxCommandSize: int('maxCommandSize', o.maxCommandSize, 64 << 10, 128, 0xffffff),
      maxCommandsPerSecond: int('maxCommandsPerSecond', o.maxCommandsPerSecond, 200, 1, 1_000_000),
    },
    outputHighWaterMark,
    maxOutputBuffer: int(
      'maxOutputBuffer',
      o.maxOutputBuffer,
      outputCap,
      Math.max(outputHighWaterMark, liveHighWaterMark),
      2 ** 40,
    ),
    amfMaxDepth: int('amfMaxDepth', o.amfMaxDepth, 64, 1, 10_000),
    maxMetadataSize: int('maxMetadataSize', o.maxMetadataSize, 1 << 20, 1, 0xffffff),
    logIntervalMs: int('logIntervalMs', o.logIntervalMs, 10_000, 1, MAX_MS),
    vodFollowLinks: o.vodFollowLinks === true,
    apps: names('apps', o.apps),
    vodDir: o.vodDir,
    vodFiles,
    vodApps: names('vodApps', o.vodApps) ?? new Set(['vod']),
    vodPacing: pacing(o.vodPacing),
    maxConnections,
    maxMessageSize,
    idleTimeoutMs: int('idleTimeoutMs', o.idleTimeoutMs, 30_000, 10, 2 ** 31 - 1),
    chunkSize: int('chunkSize', o.chunkSize, 4096, 128, 0xffffff),
    maxStreams: int('maxStreams', o.maxStreams, 64, 1, 65_535),
    liveHighWaterMark,
    gopCacheMaxBytes: int('gopCacheMaxBytes', o.gopCacheMaxBytes, 8 << 20, 0, 2 ** 40),
    callTimeoutMs: int('callTimeoutMs', o.callTimeoutMs, 30_000, 1, 2 ** 31 - 1),
    onConnect: hook('onConnect', o.onConnect),
    onCall: hook('onCall', o.onCall),
    onPublish: authenticatedPublish(auth, hook('onPublish', o.onPublish)),
    onPlay: hook('onPlay', o.onPlay),
    connectProperties: o.connectProperties,
    session: o.session,
    record: resolveRecordOptions(o.record),
    push: pushTargets(o.push),
    keys: o.keys === undefined && o.keysFile === undefined ? undefined : new StreamKeys(o.keys, o.keysFile),
    rtmpe: o.rtmpe ?? true,
    rtmpeType: rtmpeType(o.rtmpeType),
    auth,
    logger: userLogger(o.logger),
  };
}

function userLogger(v: RTMPServerOptions['logger']): UserLogger | undefined {
  const why = v === undefined ? undefined : checkLogger(v);
  if (why !== undefined) throw bad(why);
  return v;
}
