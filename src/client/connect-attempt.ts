/**
 * Connecting an `RTMP` (librtmp's `RTMP_Connect`: transport, handshake and the connect
 * command, RTMP-SPEC §7.2.1.1): `connectOnce` opens one transport, makes its
 * `ClientSession` and `IoLoop`, sends connect (or the caller's raw packet) and waits for
 * the answer; `connectAttempts` is `connect()`'s loop over it — publisher
 * authentication's reconnects (at most two: `PublisherAuth` throws after) and, with
 * `reconnect`, retries after a retriable failure (a cut or stalled handshake, a reset)
 * with backoff. The preconditions and the setup (connect-setup.ts) stay with the caller.
 *
 * Invariants: every attempt starts from a reset connection (the streams are kept only
 * for a reconnect's attempt); an attempt that fails leaves the lifecycle failed, and the
 * loop waits for that connection's end (`closeWait`) before the next one starts; the
 * transport's events reach the `RTMP` its `Route` names — a ReconnectRequest's switch
 * re-points it, so the old connection's last events reach no one.
 */
import type { RTMPError } from '../errors.js';
import { createLogger } from '../log.js';
import type { SessionEvent } from '../session/client-events.js';
import { ClientSession, type SwfVerification } from '../session/client-session.js';
import type { StatusInfo } from '../session/status.js';
import { IoLoop } from '../transport/io-loop.js';
import { readsIntoReusedBuffer } from '../transport/tcp.js';
import type { RTMPParams } from '../url/options.js';
import { connectDutiesFor, connectParamsFor, openConnection, sessionOptionsFor } from './connect-setup.js';
import type { Lifecycle } from './lifecycle.js';
import type { RTMPOptions } from './options.js';
import type { RawPackets } from './raw-packets.js';
import { backoffDelay, retriable, sleep } from './reconnect.js';
import type { RTMPFaces } from './rtmp-faces.js';
import type { RTMPPacket } from './rtmp-packet.js';
import { deferred, waitFor } from './waiters.js';

const log = createLogger('client');

/** What a transport's events are handed to: the handlers of the `RTMP` that owns it. */
export interface RouteTarget {
  /** The session's events, in order. */
  onEvents(events: SessionEvent[]): void;
  /** The transport closed (`error`: why, when not cleanly). */
  onClose(error: RTMPError | undefined): void;
  /** Whether something waits for server data (the idle timeout applies only then). */
  isWaiting(): boolean;
}

/** Which `RTMP` a transport's events go to: its own, another one's after a hand-over, none once left. */
export interface Route {
  to: RouteTarget | undefined;
}

/** The parts of a connection that one attempt opens. */
export interface OpenedConnection {
  readonly session: ClientSession;
  readonly loop: IoLoop;
  readonly route: Route;
}

/** What connecting needs of its `RTMP`. */
export interface AttemptHost {
  readonly options: RTMPOptions;
  readonly life: Lifecycle;
  readonly packets: RawPackets;
  /** The `RTMP`'s own event handlers: a new transport's route starts at them. */
  readonly target: RouteTarget;
  /** The connection's current parameters. */
  params(): RTMPParams;
  emit: RTMPFaces['emit'];
  /** True while connected. */
  connected(): boolean;
  /** Forgets the last connection's waits and calls (and, unless `keepStreams`, its streams). */
  reset(keepStreams: boolean): void;
  /** The transaction id the new session starts from. */
  nextTransactionId(): number;
  /** The new connection becomes the current one (before its loop starts). */
  install(opened: OpenedConnection): void;
}

/** A SWF verification computed by the first attempt, reused by the later ones. */
export type HashedSwf = { swf?: SwfVerification };

/**
 * `connect()` after its checks: attempts until one is answered, an authentication
 * challenge is answered (`life.authRetry`), or a failure is final. Emits `reconnecting`
 * before each retry and `reconnected` when a retry succeeded.
 *
 * @param callSignal the call's own signal (giving up on it fails the connection)
 * @param signal the call's and the constructor's signals combined (ends the retries)
 */
export async function connectAttempts(
  host: AttemptHost,
  packet: RTMPPacket | undefined,
  callSignal: AbortSignal | undefined,
  signal: AbortSignal | undefined,
  hashed: HashedSwf,
): Promise<StatusInfo> {
  const life = host.life;
  const retry = host.options.reconnect;
  let lastError: unknown;
  for (let attempt = 0; ; ) {
    life.authRetry = false;
    try {
      const info = await connectOnce(host, packet, callSignal, signal, hashed);
      if (attempt > 0) host.emit('reconnected', { attempt, cause: lastError });
      return info;
    } catch (err) {
      await life.closeWait.promise.catch(() => {});
      if (life.authRetry) {
        log.info(`publisher authentication: reconnecting with the ${life.auth!.stage} answer`);
        continue;
      }
      if (retry === undefined || attempt >= retry.retries || !retriable(err) || signal?.aborted) throw err;
      lastError = err;
      const delayMs = backoffDelay(++attempt, retry);
      host.emit('reconnecting', { attempt, retries: retry.retries, delayMs, cause: err });
      await sleep(delayMs, signal);
    }
  }
}

/**
 * One connection: transport, session, I/O loop, connect; resolves with the server's
 * info. `keepStreams` for a reconnect's attempt (the streams are re-opened after it).
 */
export async function connectOnce(
  host: AttemptHost,
  packet: RTMPPacket | undefined,
  callSignal: AbortSignal | undefined,
  signal: AbortSignal | undefined,
  hashed: HashedSwf,
  keepStreams = false,
): Promise<StatusInfo> {
  const p = host.params();
  const { life, options } = host;
  host.reset(keepStreams);
  life.state = 'connecting';
  const timeoutMs = p.timeout > 0 ? p.timeout * 1000 : 0;
  let opened: Awaited<ReturnType<typeof openConnection>>;
  try {
    opened = await openConnection(p, options, timeoutMs, signal, hashed.swf);
  } catch (err) {
    life.state = 'closed';
    life.failure = err;
    life.closeWait.resolve();
    throw err;
  }
  const { transport, swf } = opened;
  if (swf !== undefined) hashed.swf = swf;
  // A plain-TCP socket reads into one reused buffer: the session must copy what it keeps.
  // Media payloads are copied once, with room to be framed as FLV tags in place.
  const reuseReadBuffer = readsIntoReusedBuffer(transport.socket);
  const sessionOptions = sessionOptionsFor(p, options, timeoutMs, swf, host.packets.tapping);
  sessionOptions.chunkReader = { frameRoom: true, ...(reuseReadBuffer ? { zeroCopy: false } : {}) };
  const session = new ClientSession(sessionOptions);
  session.nextTransactionId = host.nextTransactionId();
  const wait = deferred<StatusInfo>();
  life.connectWait = wait;
  const route: Route = { to: host.target };
  const loop = new IoLoop(
    session,
    transport,
    {
      onEvents: (events) => route.to?.onEvents(events),
      onClose: (error) => route.to?.onClose(error),
      isWaiting: () => route.to?.isWaiting() ?? false,
    },
    { idleTimeoutMs: timeoutMs, writeStallTimeoutMs: timeoutMs, reuseReadBuffer },
  );
  host.install({ session, loop, route });
  options.signal?.addEventListener('abort', life.onAbort, { once: true });
  log.info(`connecting to ${transport.description}`);
  loop.start();
  try {
    const duties = connectDutiesFor(p, options);
    if (packet !== undefined) session.connectWith(packet.toRawMessage(), duties);
    else session.connect(connectParamsFor(p, options, life.auth?.query), duties);
    loop.kick();
    return await waitFor(wait.promise, {
      signal: callSignal,
      what: 'connect',
      onGiveUp: () => life.fail(callSignal?.reason),
    });
  } catch (err) {
    if (!host.connected()) life.fail(err);
    throw err;
  }
}
