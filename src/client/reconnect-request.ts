/**
 * Following an E-RTMP ReconnectRequest (ERTMP-V2 "Reconnect Request": the server asks
 * the client to reconnect, to its `tcUrl` or to the same server), make-before-break:
 * 1. a second connection to the target, with the connection's options and parameters;
 * 2. every open stream re-created there, in order, as a stand-in: a player plays the same
 *    name (a recorded one from its splice's anchor, a live one as it is now) and feeds
 *    its messages to the stream's splice (session/handover-splice.ts); a publisher
 *    publishes the same name;
 * 3. once every player's splice joined what the old connection delivered, the switch,
 *    in one step (`Successor.adopt`): the connection takes the new transport and
 *    session, each stream moves to its stand-in's msid (a player gets what its reader
 *    does not have yet, a publisher sends metadata and sequence headers again), and the
 *    old connection's streams are closed and the old connection ended.
 * Until the switch the old connection serves on; if anything fails — the new connection,
 * a stream on it, the join within the connection's `timeout` — the new connection is
 * closed, the streams stay where they were and `reconnectFailed` tells why.
 *
 * Invariants: one hand-over per connection at a time; every wait ends with `abort`
 * (close()), the connection's signal or the deadline; the user's `RTMP` and
 * `RTMPStream` objects never change; the old connection is left only after the switch
 * (or when the server ended it first: then the switch comes as soon as the new
 * connection's streams run, joined or not).
 */
import { ConnectionCode, TimeoutCode } from '../error-codes.js';
import { RTMPConnectionError, type RTMPError, RTMPTimeoutError } from '../errors.js';
import { createLogger } from '../log.js';
import type { ClientSession } from '../session/client-session.js';
import { offeredCapsEx, type ReconnectRequest } from '../session/connect-object.js';
import type { Splice } from '../session/handover-splice.js';
import type { IoLoop } from '../transport/io-loop.js';
import type { RTMPParams } from '../url/options.js';
import { parseUrl } from '../url/parse-url.js';
import type { RTMPOptions } from './options.js';
import type { ReconnectedInfo, ReconnectingInfo } from './reconnect.js';
import { sleep } from './reconnect.js';
import type { RTMPStream, StreamSetup } from './rtmp-stream.js';
import { anySignal, type Deferred, deferred } from './waiters.js';

const log = createLogger('client');

/** How often the hand-over looks whether every player joined, ms. */
const POLL_MS = 10;

/** A stream and its stand-in on the new connection. */
export interface HandoverPair {
  stream: RTMPStream;
  standIn: RTMPStream;
}

/** The new connection of a hand-over (an `RTMP` of its own until `adopt`). */
export interface Successor {
  /** Connects (handshake, connect, its answer). */
  connect(signal: AbortSignal): Promise<void>;
  /** Opens the stand-in of `stream`: plays from `seekSec` feeding `tap`, or publishes. */
  open(
    stream: RTMPStream,
    seekSec: number | undefined,
    tap: StreamSetup['tap'],
    signal: AbortSignal,
  ): Promise<RTMPStream>;
  /** True once the new connection ended. */
  readonly closed: boolean;
  /** The switch (see the module comment); synchronous. */
  adopt(pairs: readonly HandoverPair[]): void;
  /** Abandons the new connection. */
  close(): Promise<void>;
}

/** What a hand-over needs of its connection (`RTMP`). */
export interface HandoverLink {
  /** The streams to move: open, not ended. */
  streams(): RTMPStream[];
  /** A new connection to `tcUrl` with the connection's options and parameters (throws for a bad target). */
  successor(tcUrl: string): Successor;
  /** The connection's `timeout`, seconds (0: none; the hand-over then allows 30 s). */
  readonly timeoutSec: number;
  /** The connection's own signal. */
  readonly signal: AbortSignal | undefined;
  reconnecting(info: ReconnectingInfo): void;
  /** The switch happened. */
  reconnected(info: ReconnectedInfo): void;
  /** The hand-over failed: the old connection stays (or, when it was lost meanwhile, ends with `lost`). */
  failed(error: RTMPError, request: ReconnectRequest, lost: { error: unknown } | undefined): void;
}

/**
 * `params` (a copy) aimed at `tcUrl`: its protocol, host, port and app (the path after
 * the host, query included, as librtmp takes the app from a tcUrl); sent as given.
 * Playpath, credentials and every other option stay.
 *
 * @throws RTMPUsageError `ERR_URL_*` for a target that is not an RTMP URL
 */
export function retarget(params: RTMPParams, tcUrl: string): RTMPParams {
  params.url = parseUrl(tcUrl);
  const u = new URL(tcUrl);
  params.app = `${u.pathname}${u.search}`.replace(/^\//, '');
  params.tcUrl = tcUrl;
  params.tcUrlExplicit = true;
  return params;
}

/**
 * The options of a hand-over's new connection: the connection's own, without its signal
 * (the hand-over's waits carry theirs) and without `reconnect` (a failing target fails the
 * hand-over at once); it offers the same `capsEx` and does not follow a request itself
 * before the switch.
 */
export function successorOptions(options: RTMPOptions): RTMPOptions {
  return {
    ...options,
    signal: undefined,
    reconnect: undefined,
    followReconnect: false,
    capsEx: offeredCapsEx(options),
  };
}

/** The switch moves each stream to its stand-in's msid on the new connection (`streams`: the connection's table, emptied first). */
export function moveStreams(
  pairs: readonly HandoverPair[],
  streams: Map<number, RTMPStream>,
  session: ClientSession,
): void {
  streams.clear();
  for (const { stream, standIn } of pairs) {
    if (stream.closed) {
      void standIn.close();
      continue;
    }
    streams.set(standIn.streamId, stream);
    stream.handOver(standIn.streamId, session.netStream(standIn.streamId)!);
  }
}

/**
 * After the switch, the old connection is left: a stream opened on it meanwhile (not
 * moved) fails, and so do a createStream and the calls still waiting there for an answer
 * (ERR_RTMP_CLOSED: the answer cannot come on the new connection); its NetStreams are
 * closed (FCUnpublish for publishers), then the connection ends (its last events reach
 * no one).
 */
export function leaveOld(
  old: {
    session: ClientSession | undefined;
    loop: IoLoop | undefined;
    streams: readonly [number, RTMPStream][];
    creates: readonly Deferred<number>[];
    calls: { abandon(reason: RTMPError): void };
  },
  pairs: readonly HandoverPair[],
): void {
  const left = () =>
    new RTMPConnectionError('its connection was left for a ReconnectRequest', {
      code: ConnectionCode.RTMP_CLOSED,
    });
  for (const c of old.creates) c.reject(left());
  old.calls.abandon(left());
  const moved = new Set(pairs.map((p) => p.stream));
  for (const [, s] of old.streams) if (!moved.has(s) && !s.ended) s.onConnectionClosed(left());
  const { session, loop } = old;
  if (session === undefined || loop === undefined || loop.closed) return;
  for (const [id, s] of old.streams) {
    if (s.writeable) session.fcUnpublish(s.playpath);
    else session.closeStream(id);
    session.deleteStream(id);
  }
  session.close();
  loop.kick();
  loop.end();
}

/** One hand-over after a ReconnectRequest (see the module comment). */
export class Handover {
  /** Stops the hand-over (close()). */
  readonly abort = new AbortController();
  /** Settles (never rejects) once the hand-over switched or failed. */
  readonly done: Promise<void>;
  #lost: { error: unknown } | undefined;
  readonly #up = deferred<void>();

  constructor(request: ReconnectRequest, link: HandoverLink) {
    this.#up.promise.catch(() => {});
    this.done = this.#run(request, link);
  }

  /** Stops the hand-over (the connection closes); resolves once it ended. */
  stop(): Promise<void> {
    const why = new RTMPConnectionError('closed while following a ReconnectRequest', {
      code: ConnectionCode.RTMP_ABORTED,
    });
    this.abort.abort(why);
    return this.done;
  }

  /** The old connection ended before the switch: the hand-over takes over its end (returns true). */
  oldLost(error: unknown): boolean {
    this.#lost ??= { error };
    return true;
  }

  /** Resolves when the streams can be written again after the old connection was lost; rejects when the hand-over failed. */
  whenUp(): Promise<void> {
    return this.#lost === undefined ? Promise.resolve() : this.#up.promise;
  }

  async #run(request: ReconnectRequest, link: HandoverLink): Promise<void> {
    // The connection records this hand-over before a listener of `reconnecting` can close it.
    await Promise.resolve();
    link.reconnecting({ attempt: 1, retries: 1, delayMs: 0, cause: request, request });
    const seconds = link.timeoutSec > 0 ? link.timeoutSec : 30;
    const deadline = new AbortController();
    const timer = setTimeout(
      () =>
        deadline.abort(
          new RTMPTimeoutError(`the new connection's streams did not join within ${seconds} s`, {
            code: TimeoutCode.RTMP_TIMEOUT,
          }),
        ),
      seconds * 1000,
    );
    const signal = anySignal(this.abort.signal, deadline.signal, link.signal)!;
    let next: Successor | undefined;
    const pairs: HandoverPair[] = [];
    const splices: Splice[] = [];
    try {
      next = link.successor(request.tcUrl);
      await next.connect(signal);
      for (const stream of link.streams()) {
        if (stream.closed || stream.ended) continue;
        if (stream.writeable) {
          pairs.push({ stream, standIn: await next.open(stream, undefined, undefined, signal) });
          continue;
        }
        const splice = stream.beginSplice();
        splices.push(splice);
        const at = splice.anchorTs;
        const tap = (type: number, timestamp: number, payload: Buffer): void =>
          splice.offer(type, timestamp, payload);
        pairs.push({
          stream,
          standIn: await next.open(stream, at === undefined ? undefined : at / 1000, tap, signal),
        });
      }
      while (this.#lost === undefined && !splices.every((s) => s.joined)) {
        if (splices.some((s) => s.overflow))
          throw new RTMPConnectionError(
            "the new connection sent too much before joining the old one's streams",
            {
              code: ConnectionCode.RTMP_CONNECTION,
            },
          );
        if (next.closed)
          throw new RTMPConnectionError('the new connection closed', {
            code: ConnectionCode.RTMP_CONNECTION_CLOSED,
          });
        await sleep(POLL_MS, signal);
      }
      next.adopt(pairs);
      this.#up.resolve();
      log.info(`followed the ReconnectRequest to ${request.tcUrl}`);
      link.reconnected({ attempt: 1, cause: request, request });
    } catch (err) {
      for (const s of link.streams()) s.endSplice();
      await next?.close().catch(() => {});
      const why = (err as Error)?.message ?? String(err);
      log.warn(`following the ReconnectRequest to ${request.tcUrl} failed: ${why}`);
      const error = new RTMPConnectionError(
        `following the ReconnectRequest to ${request.tcUrl} failed: ${why}`,
        {
          code: ConnectionCode.RTMP_RECONNECT_REQUEST_FAILED,
          cause: err,
        },
      );
      this.#up.reject(error);
      link.failed(error, request, this.#lost);
    } finally {
      clearTimeout(timer);
    }
  }
}
