/**
 * The options of `ServerSession` (server-session.ts), their defaults and checks, the
 * small AMF helpers its handlers share, and the types of its state and counters.
 * Caller faults are `RTMPUsageError` `ERR_SESSION_USAGE`.
 */
import { AMFObject, type AmfDecodeOptions, type AmfValue, isAmfObject } from '../amf/types.js';
import type { ChunkReaderOptions } from '../chunk/reader.js';
import type { RandomSource } from '../handshake/common.js';
import type { RtmpeType } from '../handshake/rtmpe.js';
import { ServerHandshake } from '../handshake/server.js';
import { PeerBandwidthLimit } from '../message/types.js';
import type { MessageTrace } from '../trace.js';
import { usage } from './checks.js';
import type { ServerLimitOptions } from './server-limits.js';
import { type StatusInfo, toStatusInfo } from './status.js';

/** Options of a `ServerSession`; every one has a default (the limits of `ServerLimitOptions`: off). */
export interface ServerSessionOptions extends ServerLimitOptions {
  /** Called with every message received and sent, in order (a protocol trace); keep it cheap. */
  trace?: MessageTrace;
  /** Random source for S1/S2 (default `crypto.randomBytes`); inject for reproducible bytes. */
  random?: RandomSource;
  /** `'auto'` (default) answers a signed C1 digest-style (FFmpeg verifies it); `'simple'` never does. */
  handshake?: 'auto' | 'simple';
  /**
   * Accept RTMPE clients (C0 6, 8 or 9; the connection is RC4-encrypted after the
   * handshake) besides plain ones, as librtmp's rtmpsrv and FMS do on one port (default false).
   */
  rtmpe?: boolean;
  /** S0 answered to an RTMPE client: 6, 8 (XTEA) or 9 (Blowfish); default the client's C0. */
  rtmpeType?: RtmpeType;
  /** S1 time field (default 0). */
  epoch?: number;
  /**
   * Outgoing chunk size announced in `acceptConnect`, 1…0xFFFFFF (default: none, i.e. 128
   * and no Set Chunk Size; nginx-rtmp and OBS use 4096).
   */
  chunkSize?: number;
  /** Window Acknowledgement Size we announce (default 2,500,000). */
  windowAckSize?: number;
  /** Set Peer Bandwidth window we announce (default 2,500,000). */
  peerBandwidth?: number;
  /** Set Peer Bandwidth limit type (default 2, Dynamic, as FMS/nginx-rtmp/FFmpeg's server). */
  peerBandwidthLimit?: number;
  /** Largest message the client may send (chunk reader limit; default 16 MiB). */
  maxMessageSize?: number;
  /** Most chunk streams the client may open (default 1024). */
  maxChunkStreams?: number;
  /** Largest Set Chunk Size accepted from the client (default 0x7FFFFFFF). */
  maxChunkSize?: number;
  /**
   * Further ChunkReader options (the three limits above take precedence), e.g.
   * `zeroCopy: false` when the Buffers given to `receive` are reused afterwards.
   */
  chunkReader?: ChunkReaderOptions;
  /** Limits for AMF bodies of commands and data. */
  amf?: AmfDecodeOptions;
  /** `fmsVer` in the connect `_result` (default `FMS/3,5,7,7009`, Twitch's). */
  fmsVer?: string;
  /** `capabilities` in the connect `_result` (default 31). */
  capabilities?: number;
  /** `mode` in the connect `_result` (default 1). */
  mode?: number;
  /** Accept `objectEncoding: 3` from clients and then send type-17 commands (default true). */
  amf3?: boolean;
  /** Answer releaseStream/FCPublish/FCUnpublish/FCSubscribe automatically (default true). */
  autoFC?: boolean;
  /** `|RtmpSampleAccess` values `startPlay` sends (default `[true, true]`, as nginx-rtmp). */
  sampleAccess?: readonly [boolean, boolean];
  /** Most message streams open at once; further createStreams get `_error` (default 64). */
  maxStreams?: number;
  /** Most client transactions awaiting an answer; the oldest is forgotten beyond it (default 1024). */
  maxPendingCalls?: number;
  /** No byte from the client for this long → `timeout` event (default: no idle deadline). */
  idleTimeoutMs?: number;
  /** When the connection was accepted (arms the idle deadline before the first byte). */
  now?: number;
}

/** Counters of a `ServerSession` (a snapshot). */
export interface ServerSessionStats {
  /** Chunk-stream bytes received (after the handshake), exact. */
  bytesReceived: number;
  /** Bytes produced for the client (handshake included; acks count only the chunk stream). */
  bytesSent: number;
  /** Acknowledgements we sent. */
  acksSent: number;
  /** Our bytes the client has not acknowledged (advisory, mod 2^32). */
  inFlight: number;
  /** Media/data messages dropped because their stream was not publishing. */
  droppedMessages: number;
  /** Messages received, by the chunk reader. */
  messagesReceived: number;
}

/** Where the session is in the connection's life. */
export type ServerSessionState =
  | 'handshake'
  | 'awaitingConnect'
  | 'connecting'
  | 'connected'
  | 'rejected'
  | 'closed';

/** A message stream the client created. */
export interface ServerStreamInfo {
  readonly id: number;
  readonly state: 'idle' | 'playing' | 'publishing';
  /** Name of the last play/publish on it ('' before). */
  readonly name: string;
}

/** A message stream the client created, as the session tracks it. */
export interface StreamState {
  id: number;
  state: 'idle' | 'playing' | 'publishing';
  name: string;
}

/** Defaults of the options. */
export const DEFAULTS = {
  windowAckSize: 2_500_000,
  peerBandwidth: 2_500_000,
  fmsVer: 'FMS/3,5,7,7009',
  capabilities: 31,
  mode: 1,
  maxStreams: 64,
  maxPendingCalls: 1024,
} as const;

/** First chunk stream id used for a stream's audio/video/data: each stream gets its own three. */
export const MEDIA_CSID_BASE = 20;

/** An optional integer option in `min..max` (`def` when absent). */
export function checkInt(name: string, v: number | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw usage(`${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  }
  return v;
}

/** `v` when it is a string. */
export function str(v: AmfValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `v` when it is a finite number. */
export function num(v: AmfValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A property of an AMF object (or a Map of properties), or undefined. */
export function prop(obj: AmfValue, key: string): AmfValue | undefined {
  if (obj instanceof Map) return obj.get(key);
  if (!isAmfObject(obj) || !Object.hasOwn(obj, key)) return undefined;
  return obj[key];
}

/** An AMFObject of `defaults` overridden by `given` (own enumerable properties). */
export function infoObject(
  defaults: Record<string, AmfValue>,
  given?: Record<string, AmfValue> | null,
): AMFObject {
  const o = new AMFObject(defaults);
  if (given)
    for (const [k, v] of Object.entries(given)) if (v !== undefined) (o as Record<string, AmfValue>)[k] = v;
  return o;
}

/** `_error` info normalised as the client does it (`toStatusInfo`). */
export function asStatusInfo(v: AmfValue | undefined): StatusInfo {
  return toStatusInfo(v);
}

/** The options with every default applied. */
export interface ResolvedServerOptions {
  chunkSize: number | undefined;
  windowAckSize: number;
  peerBandwidth: number;
  peerBandwidthLimit: number;
  fmsVer: string;
  capabilities: number;
  mode: number;
  amf3: boolean;
  autoFC: boolean;
  sampleAccess: readonly [boolean, boolean];
  maxStreams: number;
  maxPendingCalls: number;
  idleTimeoutMs: number | undefined;
  amf: AmfDecodeOptions | undefined;
}

/** Applies defaults and checks ranges; throws `RTMPUsageError` for a bad value. */
export function resolveServerOptions(options: ServerSessionOptions): ResolvedServerOptions {
  const sampleAccess = options.sampleAccess ?? [true, true];
  return {
    chunkSize:
      options.chunkSize === undefined
        ? undefined
        : checkInt('chunkSize', options.chunkSize, 128, 1, 0xffffff),
    windowAckSize: checkInt('windowAckSize', options.windowAckSize, DEFAULTS.windowAckSize, 1, 0xffffffff),
    peerBandwidth: checkInt('peerBandwidth', options.peerBandwidth, DEFAULTS.peerBandwidth, 1, 0xffffffff),
    peerBandwidthLimit: checkInt(
      'peerBandwidthLimit',
      options.peerBandwidthLimit,
      PeerBandwidthLimit.Dynamic,
      0,
      2,
    ),
    fmsVer: options.fmsVer ?? DEFAULTS.fmsVer,
    capabilities: options.capabilities ?? DEFAULTS.capabilities,
    mode: options.mode ?? DEFAULTS.mode,
    amf3: options.amf3 ?? true,
    autoFC: options.autoFC ?? true,
    sampleAccess: [sampleAccess[0], sampleAccess[1]],
    maxStreams: checkInt('maxStreams', options.maxStreams, DEFAULTS.maxStreams, 1, 65_535),
    maxPendingCalls: checkInt(
      'maxPendingCalls',
      options.maxPendingCalls,
      DEFAULTS.maxPendingCalls,
      1,
      1 << 20,
    ),
    idleTimeoutMs:
      options.idleTimeoutMs === undefined
        ? undefined
        : checkInt('idleTimeoutMs', options.idleTimeoutMs, 0, 1, Number.MAX_SAFE_INTEGER),
    amf: options.amf,
  };
}

/** The handshake the options ask for (`'auto'` or `'simple'`; RTMPE accepted or not). */
export function serverHandshakeFor(options: ServerSessionOptions): ServerHandshake {
  const policy = options.handshake ?? 'auto';
  if (policy !== 'auto' && policy !== 'simple') throw usage(`handshake must be 'auto' or 'simple'`);
  return new ServerHandshake({
    policy,
    ...(options.random ? { random: options.random } : {}),
    ...(options.epoch === undefined ? {} : { epoch: options.epoch }),
    ...(options.rtmpe === true ? { rtmpe: true } : {}),
    ...(options.rtmpeType === undefined ? {} : { rtmpeType: options.rtmpeType }),
  });
}

/** The chunk reader limits the options set. */
export function readerOptionsFor(options: ServerSessionOptions): ChunkReaderOptions {
  const reader: ChunkReaderOptions = { ...options.chunkReader };
  if (options.maxMessageSize !== undefined) reader.maxMessageSize = options.maxMessageSize;
  if (options.maxChunkStreams !== undefined) reader.maxChunkStreams = options.maxChunkStreams;
  if (options.maxChunkSize !== undefined) reader.maxChunkSize = options.maxChunkSize;
  return reader;
}
