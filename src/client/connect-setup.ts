/**
 * What `RTMP` derives from its parameters to connect and to start a stream, as librtmp
 * does it (`RTMP_Connect`, `SendConnectPacket`, `RTMP_ConnectStream`): the transport (and
 * the SWF hash first, when `swfVfy` must fetch one), the session's options (RTMPE for
 * rtmpe:// and rtmpte://), the connect command's fields, publisher authentication's
 * reconnects (`PublisherAuth`), the duties once connected, and the command sequences of a
 * player (FCSubscribe, set_playlist, play, SetBufferLength) and a publisher
 * (releaseStream, FCPublish, publish). Pure functions of the parameters, except
 * `openConnection` (I/O).
 */
import { randomBytes } from 'node:crypto';
import { newEcmaArray, setOwn } from '../amf/types.js';
import { type GeneralCode, UsageCode } from '../error-codes.js';
import { RTMPError, RTMPUsageError } from '../errors.js';
import { createLogger } from '../log.js';
import {
  type AuthAttempt,
  type AuthCredentials,
  nextAuthStep,
  RTMPAuthError,
  withAuthQuery,
} from '../session/auth.js';
import type { BufferLeadOptions } from '../session/buffer-lead.js';
import type {
  ClientSession,
  ClientSessionOptions,
  ConnectDuties,
  PlayOptions,
  SwfVerification,
} from '../session/client-session.js';
import {
  type ConnectParams,
  enhancedConnectFields,
  enhancedOffer,
  offeredCapsEx,
} from '../session/connect-object.js';
import type { StatusInfo } from '../session/status.js';
import { hashSwf } from '../swf/index.js';
import { messageTracer } from '../trace.js';
import { isRtmpeScheme, openTransport } from '../transport/index.js';
import type { Transport } from '../transport/transport.js';
import type { RTMPParams } from '../url/options.js';
import type { ConnectOptions, RTMPOptions } from './options.js';
import { RTMPPacket } from './rtmp-packet.js';

const log = createLogger('client');

/**
 * Refuses what cannot connect: `swfVfy` without anything to verify with; RTMPE
 * (rtmpe://, rtmpte://) with the simple handshake (its DH keys ride in the digest one).
 */
export function checkConnectOptions(p: RTMPParams, options: RTMPOptions): void {
  if (p.swfVfy && p.swfHash === undefined && (p.swfUrl === undefined || p.swfUrl === '')) {
    throw new RTMPUsageError('swfVfy needs swfUrl (or swfHash and swfSize)', { code: UsageCode.RTMP_OPTION });
  }
  if (options.handshake === 'simple' && isRtmpeScheme(p.url.protocol)) {
    throw new RTMPUsageError(`${p.url.protocol}:// needs the digest handshake: not handshake 'simple'`, {
      code: UsageCode.RTMP_OPTION,
    });
  }
}

/**
 * `connect(packet?, options?)`'s arguments, sorted: an `RTMPPacket` (sent as is) and/or
 * `{ signal }`.
 *
 * @throws RTMPUsageError `ERR_RTMP_BAD_ARGUMENT` for anything else; `ERR_RTMP_OPTION` for an unknown option
 */
export function connectArguments(
  packet: RTMPPacket | ConnectOptions | undefined,
  options: ConnectOptions,
): [RTMPPacket | undefined, ConnectOptions] {
  if (packet !== undefined && !(packet instanceof RTMPPacket)) {
    if (packet === null || typeof packet !== 'object' || Array.isArray(packet)) {
      throw new RTMPUsageError('connect() takes an RTMPPacket and/or { signal }', {
        code: UsageCode.RTMP_BAD_ARGUMENT,
      });
    }
    options = packet;
    packet = undefined;
  }
  for (const k of Object.keys(options)) {
    if (k !== 'signal')
      throw new RTMPUsageError(`unknown connect() option "${k}" (known: signal)`, {
        code: UsageCode.RTMP_OPTION,
      });
  }
  return [packet, options];
}

/**
 * Hashes the SWF when `swfVfy` has no `swfHash` (librtmp's `RTMP_HashSWF` at setup;
 * python-librtmp's `hash_swf`; an explicit hash wins) unless a reconnect passes the hash
 * it already has, then opens the transport (through `proxy` or `socks` when set).
 */
export async function openConnection(
  p: RTMPParams,
  options: RTMPOptions,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  hashed?: SwfVerification,
): Promise<{ transport: Transport; swf: SwfVerification | undefined }> {
  let swf = hashed;
  if (swf === undefined && p.swfVfy && p.swfHash === undefined) {
    const digest = await hashSwf(p.swfUrl!, { age: p.swfAge, ...(signal ? { signal } : {}) });
    swf = { hash: digest.hash, size: digest.size };
    log.info(`SWF verification: ${p.swfUrl} size ${digest.size} hash ${digest.hex}`);
  }
  const transport = await openTransport({
    scheme: p.url.protocol,
    host: p.url.host,
    port: p.url.port,
    ...(timeoutMs > 0 ? { timeoutMs } : {}),
    ...(signal ? { signal } : {}),
    ...(p.socks ? { socks: p.socks } : {}),
    ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
  });
  return { transport, swf };
}

/** The session's options: timeouts, handshake (fp9 when verifying a SWF; RTMPE), limits, tapping. */
export function sessionOptionsFor(
  p: RTMPParams,
  options: RTMPOptions,
  timeoutMs: number,
  fetchedSwf: SwfVerification | undefined,
  tapRaw: boolean,
): ClientSessionOptions {
  const swf =
    fetchedSwf ??
    (p.swfHash !== undefined && p.swfSize !== undefined ? { hash: p.swfHash, size: p.swfSize } : undefined);
  const limits = options.limits ?? {};
  const o: ClientSessionOptions = { tapRaw };
  if (timeoutMs > 0) {
    o.commandTimeoutMs = timeoutMs;
    o.handshakeTimeoutMs = timeoutMs;
  }
  const media = options.mediaTimeout ?? p.timeout;
  if (media > 0) o.mediaTimeoutMs = Math.round(media * 1000);
  const rate = options.minMediaRate;
  if (rate !== undefined)
    o.minMediaRate = { bytesPerSecond: rate.bytesPerSecond, windowMs: Math.round(rate.window * 1000) };
  const policy = options.handshake ?? (swf !== undefined ? 'fp9' : undefined);
  if (policy !== undefined) o.handshake = policy;
  if (isRtmpeScheme(p.url.protocol)) o.handshakeOptions = { rtmpe: true };
  if (swf !== undefined) o.swfVerification = swf;
  if (limits.maxMessageSize !== undefined) o.maxMessageSize = limits.maxMessageSize;
  if (limits.maxChunkStreams !== undefined) o.maxChunkStreams = limits.maxChunkStreams;
  if (limits.chunkSize !== undefined) o.chunkSize = limits.chunkSize;
  const trace = messageTracer(`client ${p.url.host}:${p.url.port}`, options.logger);
  if (trace !== undefined) o.trace = trace;
  return o;
}

/** The connect command's fields; `authQuery` (publisher authentication) goes after app and tcUrl. */
export function connectParamsFor(p: RTMPParams, options: RTMPOptions, authQuery = ''): ConnectParams {
  const c: ConnectParams = {
    app: authQuery === '' ? p.app : withAuthQuery(p.app, authQuery),
    tcUrl: authQuery === '' ? p.tcUrl : withAuthQuery(p.tcUrl, authQuery),
    mode: options.publish === true ? 'publish' : 'play',
  };
  if (p.flashVer !== undefined) c.flashVer = p.flashVer;
  if (p.swfUrl !== undefined) c.swfUrl = p.swfUrl;
  if (p.pageUrl !== undefined) c.pageUrl = p.pageUrl;
  if (options.objectEncoding !== undefined) c.objectEncoding = options.objectEncoding;
  if (p.auth !== undefined) c.auth = p.auth;
  if (p.connectArgs.length > 0) c.extraArgs = p.connectArgs;
  const offer = enhancedOffer(options);
  if (offer !== undefined) c.extra = enhancedConnectFields(offer);
  if (options.followReconnect === true) c.extra = { ...c.extra, capsEx: offeredCapsEx(options) };
  return c;
}

/**
 * Publisher authentication across the reconnects of one `connect()` (Adobe's
 * `authmod=adobe`, Limelight's `authmod=llnw`; FFmpeg `handle_connect_error`): each
 * rejection naming an authmod gives the query for the next connect, at most two
 * reconnects (user named, then the challenge answered); anything after that is an
 * `RTMPAuthError`. Credentials: `pubUser`/`pubPasswd` (options, option string, or the
 * URL's userinfo). Nothing here logs them or puts them in a message.
 */
export class PublisherAuth {
  readonly #credentials: AuthCredentials | undefined;
  readonly #app: string;
  #previous: AuthAttempt | undefined;
  #query = '';

  constructor(p: RTMPParams) {
    this.#app = p.app;
    if (p.pubUser !== undefined && p.pubUser !== '')
      this.#credentials = { user: p.pubUser, password: p.pubPasswd ?? '' };
  }

  /** The query the next connect appends to app and tcUrl ('' before any challenge). */
  get query(): string {
    return this.#query;
  }

  /** Which step the last reconnect answered, for messages: `adobe (user)`, `llnw (response)`. */
  get stage(): string {
    return this.#previous ? `${this.#previous.authmod} (${this.#previous.stage})` : '';
  }

  /**
   * After `connect` was rejected with `info`: true when the server asked for
   * authentication and the next connect carries the answer (`query`); false for a
   * rejection that is no challenge.
   *
   * @throws RTMPAuthError what failed (wrong password, unknown user, unsupported authmod,
   *   no credentials, a bad challenge), with the server's `info`
   */
  rejected(info: StatusInfo): boolean {
    const description = typeof info.description === 'string' ? info.description : '';
    try {
      const step = nextAuthStep({
        description,
        credentials: this.#credentials,
        app: this.#app,
        previous: this.#previous,
        random: (n) => randomBytes(n),
      });
      if (step === undefined) return false;
      this.#previous = step.attempt;
      this.#query = step.query;
      return true;
    } catch (err) {
      if (err instanceof RTMPAuthError) throw new RTMPAuthError(err.message, err.code, { info });
      throw err;
    }
  }
}

/** librtmp's duties once the server accepts connect (SecureToken, player setup, usher token). */
export function connectDutiesFor(p: RTMPParams, options: RTMPOptions): ConnectDuties {
  const duties: ConnectDuties = { player: options.publish !== true };
  if (p.token !== undefined) duties.token = p.token;
  if (p.jtv !== undefined) duties.usherToken = p.jtv;
  return duties;
}

/** Before createStream: releaseStream + FCPublish for a publisher, FCSubscribe for a live (or `subscribe`) player. */
export function announceStream(
  session: ClientSession,
  p: RTMPParams,
  writeable: boolean,
  publishMode: boolean,
): void {
  if (writeable) {
    if (!publishMode) {
      log.warn(
        'publishing on a connection made as a player (pass { publish: true } to connect as a publisher)',
      );
    }
    session.releaseStream(p.playpath);
    session.fcPublish(p.playpath);
  } else if (p.subscribe !== undefined || p.live) {
    session.fcSubscribe(p.subscribe ?? p.playpath);
  }
}

/**
 * After createStream: publish(playpath, `publishType`); or [set_playlist], play(playpath,
 * start, len) — start −1000 for live, else the seek/start position in ms; len = stop −
 * start when `stop` is set — and SetBufferLength(`buffer`). Returns where play started, ms
 * (0 for live streams and publishers).
 */
export function startStream(
  session: ClientSession,
  streamId: number,
  p: RTMPParams,
  options: RTMPOptions,
  stream: {
    writeable: boolean;
    seekSec: number | undefined;
    updateBuffer: boolean;
    /** The play's buffer lead: SetBufferLength(0) goes with the play instead of `buffer`. */
    lead?: BufferLeadOptions | undefined;
  },
): number {
  if (stream.writeable) {
    session.publish(streamId, p.playpath, options.publishType ?? 'live');
    return 0;
  }
  if (p.playlist) {
    const list = newEcmaArray();
    setOwn(list, '0', p.playpath);
    session.call('set_playlist', [list], { streamId, transactionId: 0, expectResult: false });
  }
  const startMs = p.live ? -1000 : Math.max(0, Math.round((stream.seekSec ?? p.start) * 1000));
  const play: PlayOptions = {
    start: startMs,
    live: p.live,
    bufx: options.realtime !== true,
    updateBuffer: stream.updateBuffer,
  };
  if (stream.lead !== undefined) {
    play.lead = stream.lead;
    session.advance(performance.now()); // the lead's clock starts at the play
  }
  if (p.stop > 0) play.duration = Math.max(0, Math.round(p.stop * 1000) - Math.max(0, startMs));
  session.play(streamId, p.playpath, play);
  session.setBufferLength(streamId, stream.lead !== undefined ? 0 : p.buffer);
  return Math.max(0, startMs);
}

/** The error for a refusal the server explained in `info`: its code and description in the message, `info` attached. */
export function failedError(what: string, code: GeneralCode, info: StatusInfo): RTMPError {
  const c = typeof info.code === 'string' ? ` (${info.code})` : '';
  const d = typeof info.description === 'string' && info.description !== '' ? `: ${info.description}` : '';
  return new RTMPError(`${what}${c}${d}`, { code, info });
}
