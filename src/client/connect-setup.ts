/**
 * What `RTMP` derives from its parameters to connect and to start a stream, as librtmp
 * does it (`RTMP_Connect`, `SendConnectPacket`, `RTMP_ConnectStream`): the transport (and
 * the SWF hash first, when `swfVfy` must fetch one), the session's options, the connect
 * command's fields, the duties once connected, and the command sequences of a player
 * (FCSubscribe, set_playlist, play, SetBufferLength) and a publisher (releaseStream,
 * FCPublish, publish). Pure functions of the parameters, except `openConnection` (I/O).
 */
import { newEcmaArray, setOwn } from '../amf/types.js';
import { RTMPError, RTMPUsageError } from '../errors.js';
import { createLogger } from '../log.js';
import type {
  ClientSession,
  ClientSessionOptions,
  ConnectDuties,
  PlayOptions,
  SwfVerification,
} from '../session/client-session.js';
import { type ConnectParams, enhancedConnectFields, enhancedOffer } from '../session/connect-object.js';
import type { StatusInfo } from '../session/status.js';
import { hashSwf } from '../swf/index.js';
import { openTransport } from '../transport/index.js';
import type { Transport } from '../transport/transport.js';
import type { RTMPParams } from '../url/options.js';
import type { RTMPOptions } from './options.js';

const log = createLogger('client');

/** Refuses `swfVfy` without anything to verify with. */
export function checkSwfOptions(p: RTMPParams): void {
  if (p.swfVfy && p.swfHash === undefined && (p.swfUrl === undefined || p.swfUrl === '')) {
    throw new RTMPUsageError('swfVfy needs swfUrl (or swfHash and swfSize)', { code: 'ERR_RTMP_OPTION' });
  }
}

/**
 * Hashes the SWF when `swfVfy` has no `swfHash` (librtmp's `RTMP_HashSWF` at setup;
 * python-librtmp's `hash_swf`; an explicit hash wins), then opens the transport.
 */
export async function openConnection(
  p: RTMPParams,
  options: RTMPOptions,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<{ transport: Transport; swf: SwfVerification | undefined }> {
  let swf: SwfVerification | undefined;
  if (p.swfVfy && p.swfHash === undefined) {
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
    ...(options.tls ? { tls: options.tls } : {}),
  });
  return { transport, swf };
}

/** The session's options: timeouts, handshake (fp9 when verifying a SWF), limits, tapping. */
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
  const policy = options.handshake ?? (swf !== undefined ? 'fp9' : undefined);
  if (policy !== undefined) o.handshake = policy;
  if (swf !== undefined) o.swfVerification = swf;
  if (limits.maxMessageSize !== undefined) o.maxMessageSize = limits.maxMessageSize;
  if (limits.maxChunkStreams !== undefined) o.maxChunkStreams = limits.maxChunkStreams;
  if (limits.chunkSize !== undefined) o.chunkSize = limits.chunkSize;
  return o;
}

/** The connect command's fields. */
export function connectParamsFor(p: RTMPParams, options: RTMPOptions): ConnectParams {
  const c: ConnectParams = {
    app: p.app,
    tcUrl: p.tcUrl,
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
  return c;
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
 * start when `stop` is set — and SetBufferLength(`buffer`).
 */
export function startStream(
  session: ClientSession,
  streamId: number,
  p: RTMPParams,
  options: RTMPOptions,
  stream: { writeable: boolean; seekSec: number | undefined; updateBuffer: boolean },
): void {
  if (stream.writeable) {
    session.publish(streamId, p.playpath, options.publishType ?? 'live');
    return;
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
  if (p.stop > 0) play.duration = Math.max(0, Math.round(p.stop * 1000) - Math.max(0, startMs));
  session.play(streamId, p.playpath, play);
  session.setBufferLength(streamId, p.buffer);
}

/** The error for a refusal the server explained in `info`: its code and description in the message, `info` attached. */
export function failedError(what: string, code: string, info: StatusInfo): RTMPError {
  const c = typeof info.code === 'string' ? ` (${info.code})` : '';
  const d = typeof info.description === 'string' && info.description !== '' ? `: ${info.description}` : '';
  return new RTMPError(`${what}${c}${d}`, { code, info });
}
