/**
 * The options and argument types of `ClientSession` (client-session.ts), and the checks
 * it applies to caller values. Caller faults are `RTMPUsageError` `ERR_SESSION_USAGE`.
 */
import type { AmfDecodeOptions, AmfValue } from '../amf/types.js';
import { MAX_MESSAGE_LENGTH } from '../chunk/header.js';
import type { ChunkReaderOptions } from '../chunk/reader.js';
import type { ClientHandshakeOptions } from '../handshake/client.js';
import type { HandshakePolicy } from '../handshake/common.js';
import type { MessageTrace } from '../trace.js';
import type { BufferLeadOptions } from './buffer-lead.js';
import { checkStreamId, checkU32, usage } from './checks.js';
import type { MinMediaRate } from './media-watch.js';

export { checkStreamId, checkU32, usage } from './checks.js';

/** SWF verification data (librtmp `swfVfy`): the HMAC-SHA256 of the decompressed SWF and its size. */
export interface SwfVerification {
  /** 32-byte SWF hash (librtmp `RTMP_HashSWF`). */
  hash: Uint8Array;
  /** Decompressed SWF size in bytes. */
  size: number;
}

/** Options of a `ClientSession`. Every field has a default. */
export interface ClientSessionOptions {
  /** Called with every message received and sent, in order (a protocol trace); keep it cheap. */
  trace?: MessageTrace;
  /** Random source for the handshake (default `crypto.randomBytes`); inject for reproducible bytes. */
  random?: (n: number) => Uint8Array;
  /** Handshake policy: `'auto'` (default), `'simple'` or `'fp9'`. */
  handshake?: HandshakePolicy;
  /** Further ClientHandshake options (C0 version, epoch, fp9 version, scheme). */
  handshakeOptions?: Omit<ClientHandshakeOptions, 'random' | 'policy'>;
  /**
   * Our outgoing chunk size (1…0xFFFFFF). Given, it is announced right after the handshake;
   * by default 4096 is announced before the first media or data message, and commands go
   * in 128-byte chunks until then (RTMP-SPEC §5.4.1), as librtmp sends them.
   */
  chunkSize?: number;
  /**
   * Window Ack Size to announce in reply to Set Peer Bandwidth. Default: the window the
   * server's Set Peer Bandwidth asks for (RTMP-SPEC §5.4.5). A number pins the value.
   */
  windowAckSize?: number;
  /** Largest incoming message (default 16 MiB). */
  maxMessageSize?: number;
  /** Most chunk streams the server may open (default 1024). */
  maxChunkStreams?: number;
  /**
   * Further ChunkReader options (`maxMessageSize`/`maxChunkStreams` above take precedence),
   * e.g. `zeroCopy: false` when the Buffers given to `receive` are reused afterwards.
   */
  chunkReader?: ChunkReaderOptions;
  /** Deadline for an answer to connect, createStream and awaited calls, in ms (default: none). */
  commandTimeoutMs?: number;
  /** Deadline for the handshake from `start(now)`, in ms (default: none). */
  handshakeTimeoutMs?: number;
  /**
   * A played stream fails (`timeout` event, `ERR_RTMP_NO_MEDIA`) when no audio/video
   * arrives for this long once it plays, whatever else arrives; ms (default: none).
   */
  mediaTimeoutMs?: number;
  /** A played stream fails (`ERR_RTMP_MEDIA_TOO_SLOW`) when a window brings less media than this (default: none). */
  minMediaRate?: MinMediaRate;
  /** Limits for AMF bodies of commands and data messages. */
  amf?: AmfDecodeOptions;
  /** Answer the first `onBWDone` with `_checkbw` as librtmp does (default true). */
  checkBandwidth?: boolean;
  /** Attach each received message's RawMessage to its event from the start (see `ClientSession.tapRaw`). */
  tapRaw?: boolean;
  /** Answer SWFVerifyRequest with this (requires the digest handshake the server expects). */
  swfVerification?: SwfVerification;
}

/**
 * What the session does once `connect` succeeds, as librtmp's `HandleInvoke` does for
 * the connect result. Nothing by default.
 */
export interface ConnectDuties {
  /** SecureToken key (librtmp `token`): answer a `secureToken` challenge found anywhere in the result. */
  token?: string;
  /** A player's duties: Window Ack Size (unless one went out already), then SetBufferLength(0, 300 ms). */
  player?: boolean;
  /** Justin.tv/Twitch usher token (librtmp `jtv`), sent as `NetStream.Authenticate.UsherToken`. */
  usherToken?: string;
}

/** Where a session is. */
export type ClientSessionState =
  | 'new' // constructed, start() not called
  | 'handshaking' // C0+C1 sent, waiting for S0..S2
  | 'ready' // handshake done, not connected (or connect rejected/timed out)
  | 'connecting' // connect sent, no answer yet
  | 'connected' // connect _result received
  | 'closed'; // close(), end(), server close, or a fatal protocol error

/** Options of `ClientSession.call`. */
export interface SessionCallOptions {
  /** The command object (3rd value); default null. */
  commandObject?: AmfValue;
  /** Message stream id (default 0 = NetConnection; non-zero sends on csid 8). */
  streamId?: number;
  /** Transaction id (default: the next one). 0 means "no response expected" and is never tracked. */
  transactionId?: number;
  /** Whether a `_result`/`_error` is awaited with a deadline (default true). */
  expectResult?: boolean;
  /** Deadline for this call in ms (default `commandTimeoutMs`). */
  timeoutMs?: number;
  /** Chunk stream id (default 3 on msid 0, 8 otherwise). */
  csid?: number;
  /** Send as a type-17 (AMF3) command (default false). */
  amf3?: boolean;
  /** The current time, when newer than the last `now` given to the session. */
  now?: number;
}

/**
 * Options of `play`: the wire values (milliseconds, as the protocol has them) and how the
 * NetStream created for the msid behaves.
 */
export interface PlayOptions {
  /** -2000 live then recorded (default), -1000 live only, ≥ 0 recorded from that ms. */
  start?: number;
  /** -1 to the end (sent only when given), 0 a single frame, > 0 that many ms. */
  duration?: number;
  /** Flush the playlist (sent only when given; needs `duration` too, which defaults to -1 then). */
  reset?: boolean;
  /** A live stream (no BUFX). */
  live?: boolean;
  /** librtmp's BUFX pause/unpause on BufferEmpty for recorded streams (default false). */
  bufx?: boolean;
  /** python-librtmp's update_buffer: SetBufferLength(duration + 5 s) once onMetaData gives it (default false). */
  updateBuffer?: boolean;
  /**
   * A recorded stream's buffer length follows the media received (`BufferLead`): send
   * SetBufferLength(0) right after `play`; the NetStream raises it, and starts again at a
   * seek or unpause. Ignored for live streams; turns `updateBuffer` off.
   */
  lead?: BufferLeadOptions;
}

/** `play2` NetStreamPlayOptions (sent as an AMF0 object; undefined fields omitted). */
export interface Play2Options {
  streamName: string;
  oldStreamName?: string;
  start?: number;
  len?: number;
  offset?: number;
  transition?: 'switch' | 'swap' | 'stop' | 'reset' | 'append' | 'appendAndWait' | string;
  /** Further properties. */
  [key: string]: AmfValue;
}

/** Options of `respond` / `respondError`. */
export interface RespondOptions {
  /** Message stream id the invoke came on (default 0). */
  streamId?: number;
  /** Properties slot (3rd value); default null. */
  commandObject?: AmfValue;
  /** Send as a type-17 (AMF3) command. */
  amf3?: boolean;
}

/** A NetStream's message stream id: from createStream, never 0. */
export function checkNetStream(streamId: number): number {
  checkStreamId(streamId);
  if (streamId === 0) throw usage('NetStream commands need the stream id from createStream, not 0');
  return streamId;
}

/** An optional non-negative integer of milliseconds. */
export function checkMs(name: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (v < 0 || !Number.isSafeInteger(v)) throw usage(`${name} must be a non-negative integer (ms), got ${v}`);
  return v;
}

/**
 * An outgoing chunk size: 1…0xFFFFFF. RTMP-SPEC §5.4.1 allows up to 2^31 − 1, but no
 * message is longer than 0xFFFFFF bytes, so a larger chunk never helps.
 */
export function checkChunkSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > MAX_MESSAGE_LENGTH) {
    throw usage(`chunkSize must be an integer in 1..${MAX_MESSAGE_LENGTH}, got ${size}`);
  }
  return size;
}

/** A media timestamp: any non-negative integer, taken mod 2^32. */
export function checkTimestamp(ts: number): number {
  if (!Number.isSafeInteger(ts) || ts < 0) throw usage(`timestamp must be a non-negative integer, got ${ts}`);
  return ts % 0x100000000;
}

/** Checks the options a session is constructed with. */
export function checkSessionOptions(options: ClientSessionOptions): void {
  checkChunkSize(options.chunkSize ?? 4096);
  if (options.windowAckSize !== undefined) checkU32('windowAckSize', options.windowAckSize);
  checkMs('commandTimeoutMs', options.commandTimeoutMs);
  checkMs('handshakeTimeoutMs', options.handshakeTimeoutMs);
  checkMs('mediaTimeoutMs', options.mediaTimeoutMs);
  const rate = options.minMediaRate;
  if (rate !== undefined) {
    if (!(rate.bytesPerSecond > 0) || !Number.isFinite(rate.bytesPerSecond))
      throw usage(`minMediaRate.bytesPerSecond must be a positive number, got ${rate.bytesPerSecond}`);
    if (!(rate.windowMs > 0)) throw usage(`minMediaRate.windowMs must be positive, got ${rate.windowMs}`);
    checkMs('minMediaRate.windowMs', rate.windowMs);
  }
  if (options.swfVerification) {
    const { hash, size } = options.swfVerification;
    if (!(hash instanceof Uint8Array) || hash.length !== 32)
      throw usage('swfVerification.hash must be 32 bytes');
    checkU32('swfVerification.size', size);
  }
}
