/**
 * The lifecycle of an `RTMP` connection: its state (idle → connecting → connected →
 * closing → closed), the connect wait and its answer (connected, rejected — with
 * publisher authentication's retry —, timed out, malformed), why the connection failed,
 * and the end: a local `close()` closes the streams and ends the transport (or aborts a
 * reconnect); a transport close fails what waits, cuts the streams and emits `close`,
 * or — with `reconnect` and a retriable cause — starts a `Reconnection` (reconnect.ts)
 * that keeps the streams waiting until it reconnects or gives up — or, while a
 * ReconnectRequest's hand-over runs, leaves the end to it. The events that
 * belong to calls and streams are routed by event-routes.ts.
 *
 * Invariants: `failure` is set once per connection (the first cause wins); `closeWait`
 * settles exactly once per connection (resolved for a clean close, rejected with the
 * failure otherwise); `close` is emitted once per connection, except for a connection
 * closed to answer an authentication challenge.
 */
import { ConnectionCode, GeneralCode, TimeoutCode } from '../error-codes.js';
import { RTMPConnectionError, RTMPError, RTMPTimeoutError } from '../errors.js';
import { createLogger } from '../log.js';
import type { SessionEvent } from '../session/client-events.js';
import type { ClientSession } from '../session/client-session.js';
import { type EnhancedCapabilities, readEnhancedCapabilities } from '../session/connect-object.js';
import type { StatusInfo } from '../session/status.js';
import type { IoLoop } from '../transport/io-loop.js';
import { failedError, type PublisherAuth } from './connect-setup.js';
import type { RTMPOptions } from './options.js';
import type { RawPackets } from './raw-packets.js';
import { Reconnection, retriable } from './reconnect.js';
import type { RemoteCalls } from './remote-calls.js';
import type { RTMPFaces } from './rtmp-faces.js';
import type { RTMPStream } from './rtmp-stream.js';
import type { StreamOpenerLink } from './stream-opener.js';
import { type Deferred, deferred } from './waiters.js';

const log = createLogger('client');

/** The states of a connection. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'closing' | 'closed';

/** What the lifecycle needs of its connection (implemented by `RTMP`). */
export interface LifecycleHost {
  readonly options: RTMPOptions;
  readonly streams: Map<number, RTMPStream>;
  readonly creates: Map<number, Deferred<number>>;
  readonly calls: RemoteCalls;
  readonly packets: RawPackets;
  readonly opener: StreamOpenerLink;
  /** Emits an event of the connection. */
  emit: RTMPFaces['emit'];
  /** True when someone listens to `error`. */
  hasErrorListener(): boolean;
  /** The current I/O loop, if any. */
  loop(): IoLoop | undefined;
  /** The current session, if any. */
  session(): ClientSession | undefined;
  /** A ReconnectRequest's hand-over in progress: it takes over a loss of the old connection; a close stops it. */
  handover(): { oldLost(error: unknown): boolean; stop(): Promise<void> } | undefined;
  /** Handles session events (the last ones after the transport ended). */
  onEvents(events: SessionEvent[]): void;
  /** One connection of a reconnect attempt (keeps the streams). */
  connectAgain(signal: AbortSignal): Promise<void>;
}

/** State, connect answer and the end of a connection (see the module comment). */
export class Lifecycle {
  /** Where the connection is. */
  state: ConnectionState = 'idle';
  /** Set while the `reconnect` loop runs (attempts and stream restores), with what ends it and what waits for it. */
  reconnect: Reconnection | undefined;
  /** The wait of the current connect, settled by the server's answer. */
  connectWait: Deferred<StatusInfo> | undefined;
  /** Publisher authentication of the current `connect()`, and whether its rejection asked to reconnect. */
  auth: PublisherAuth | undefined;
  authRetry = false;
  /** Why the connection failed (the first cause). */
  failure: unknown;
  /** Settles when the connection ended (resolved: clean; rejected: with the failure). */
  closeWait = deferred<void>();
  /** The connect `_result`'s info and properties, and its E-RTMP capabilities. */
  connectInfo: StatusInfo | undefined;
  serverProperties: StatusInfo | undefined;
  enhanced: EnhancedCapabilities | undefined;
  /** The `signal` option's listener: aborting it tears the connection down. */
  readonly onAbort: () => void;
  readonly #host: LifecycleHost;

  /** @param host the connection's parts the lifecycle drives */
  constructor(host: LifecycleHost) {
    this.#host = host;
    this.onAbort = () => this.fail(host.options.signal?.reason);
  }

  /** A new connection begins: forget the last one's failure and answer. */
  reset(): void {
    this.failure = undefined;
    this.closeWait = deferred<void>();
    this.connectInfo = undefined;
    this.serverProperties = undefined;
    this.enhanced = undefined;
  }

  /**
   * A ReconnectRequest's hand-over switched to `next`'s connection: its connect answer
   * and state become this one's (the connection did not end: `closeWait` stays).
   */
  adopt(next: Lifecycle): void {
    this.state = 'connected';
    this.failure = undefined;
    this.connectInfo = next.connectInfo;
    this.serverProperties = next.serverProperties;
    this.enhanced = next.enhanced;
  }

  /** The lifecycle events: handshake, connect answer, timeouts, protocol errors, close. */
  onEvent(ev: SessionEvent): void {
    switch (ev.kind) {
      case 'handshake':
        log.debug(`handshake done (${ev.info.mode})`);
        this.#host.emit('handshake', ev.info);
        break;
      case 'connected':
        this.#onConnected(ev.info, ev.properties);
        break;
      case 'connectRejected':
        this.#onConnectRejected(ev.info);
        break;
      case 'timeout':
        this.#onTimeout(ev.what, ev.txn);
        break;
      case 'protocolError':
        if (ev.answer !== undefined) {
          this.#onMalformedAnswer(ev.answer.txn, ev.answer.method, ev.error);
        } else if (ev.fatal) {
          this.failure ??= ev.error;
          log.error(`protocol error: ${ev.error.message}`);
        } else {
          log.warn(`protocol warning: ${ev.error.message}`);
          this.#host.emit('warning', ev.error);
        }
        break;
      case 'closed':
        if (ev.reason === 'server') {
          this.failure ??= new RTMPConnectionError('the server closed the connection (close command)', {
            code: ConnectionCode.RTMP_SERVER_CLOSED,
          });
        } else if (ev.error !== undefined) {
          this.failure ??= ev.error;
        }
        this.#host.loop()?.end();
        break;
    }
  }

  #onConnected(info: StatusInfo, properties: StatusInfo): void {
    if (this.state !== 'connecting') return;
    this.state = 'connected';
    this.connectInfo = info;
    this.serverProperties = properties;
    this.enhanced = readEnhancedCapabilities(properties) ?? readEnhancedCapabilities(info);
    log.info(`connected: ${String(info.code ?? '')}`);
    this.connectWait?.resolve(info);
    this.#host.emit('connect', info, properties);
  }

  #onConnectRejected(info: StatusInfo): void {
    if (this.state !== 'connecting') return;
    let err: unknown;
    try {
      this.authRetry = this.auth?.rejected(info) === true;
      err = this.authRetry
        ? new RTMPError('publisher authentication: reconnecting', { code: GeneralCode.RTMP_AUTH_RETRY })
        : failedError('the server rejected connect', GeneralCode.RTMP_CONNECT_REJECTED, info);
    } catch (authError) {
      err = authError;
    }
    this.connectWait?.reject(err);
    this.fail(err);
  }

  /** An answer that does not decode fails what awaited it, at once (connect: the connection). */
  #onMalformedAnswer(txn: number, method: string, error: RTMPError): void {
    log.error(`protocol error: ${error.message}`);
    if (method === 'connect') {
      this.connectWait?.reject(error);
      this.fail(error);
    } else if (this.#host.creates.has(txn)) {
      this.#host.creates.get(txn)!.reject(error);
    } else {
      this.#host.calls.onMalformed(txn, error);
    }
  }

  #onTimeout(what: 'handshake' | 'command' | 'media', txn: number | undefined): void {
    if (what === 'media') return; // the stream's change carries the error
    if (what === 'handshake' || this.state === 'connecting') {
      const [msg, code] =
        what === 'handshake'
          ? ['complete the handshake', TimeoutCode.RTMP_HANDSHAKE_TIMEOUT]
          : ['answer connect', TimeoutCode.RTMP_CONNECT_TIMEOUT];
      this.fail(new RTMPTimeoutError(`the server did not ${msg} in time`, { code }));
    } else if (txn !== undefined) {
      this.#host.creates
        .get(txn)
        ?.reject(new RTMPTimeoutError('the server did not answer createStream in time'));
    }
  }

  /** Tears the connection down with `error` as the reason everything pending fails. */
  fail(error: unknown): void {
    this.failure ??=
      error ?? new RTMPConnectionError('connection aborted', { code: ConnectionCode.RTMP_ABORTED });
    const loop = this.#host.loop();
    if (loop !== undefined && !loop.closed) loop.destroy();
  }

  /**
   * A local close (`RTMP.close`): a hand-over stops; the streams close (deleteStream,
   * FCUnpublish first for publishers), then the session closes, its output is flushed
   * and the transport ends — or, while reconnecting, the reconnect is aborted. Resolves
   * once the connection ended and never rejects, as python-librtmp's close does not
   * raise: a connection that already failed reported that through the call that waited.
   */
  async close(): Promise<void> {
    const host = this.#host;
    await host.handover()?.stop();
    const reconnect = this.reconnect;
    if (reconnect !== undefined) {
      this.state = 'closing';
      for (const s of [...host.streams.values()]) await s.close().catch(() => {});
      reconnect.abort.abort(
        new RTMPConnectionError('closed while reconnecting', { code: ConnectionCode.RTMP_CLOSED }),
      );
      await reconnect.done;
      return;
    }
    const loop = host.loop();
    if (this.state === 'idle' || this.state === 'closed' || loop === undefined || loop.closed) {
      this.state = this.state === 'idle' ? 'idle' : 'closed';
      return;
    }
    if (this.state !== 'closing') {
      this.state = 'closing';
      for (const s of [...host.streams.values()]) await s.close().catch(() => {});
      host.session()?.close();
      loop.kick();
      loop.end();
    }
    await this.closeWait.promise.catch(() => {});
  }

  /** Why what waits fails now that the connection is gone. */
  closedReason(): unknown {
    return (
      this.failure ??
      new RTMPConnectionError('the connection was closed', { code: ConnectionCode.RTMP_CLOSED })
    );
  }

  /** The error of an operation (`what`) attempted on a closed connection. */
  closedError(what: string): unknown {
    if (this.failure !== undefined) return this.failure;
    return new RTMPConnectionError(`cannot ${what}: the connection is closed`, {
      code: ConnectionCode.RTMP_CLOSED,
    });
  }

  /** The transport ended: reconnect, or fail what waits and end the streams. */
  onTransportClose(error: RTMPError | undefined): void {
    if (this.state === 'connected' && this.#host.handover()?.oldLost(error)) return;
    const clean = this.state === 'closing' && this.failure === undefined;
    if (error !== undefined) this.failure ??= error;
    if (this.reconnect !== undefined || this.#startReconnect(clean)) {
      this.#attemptLost();
      return;
    }
    const serverClosed =
      this.failure instanceof RTMPConnectionError && this.failure.code === ConnectionCode.RTMP_SERVER_CLOSED;
    if (this.failure === undefined && !clean) {
      this.failure = new RTMPConnectionError('the server closed the connection', {
        code: ConnectionCode.RTMP_CONNECTION_CLOSED,
      });
    }
    const reason = this.closedReason();
    const wasConnecting = this.state === 'connecting';
    this.state = 'closed';
    // The session learns that the transport ended: streams that had not ended are cut.
    const session = this.#host.session();
    if (session !== undefined && session.state !== 'closed') {
      session.end();
      this.#host.onEvents(session.takeEvents());
    }
    log.info(
      `connection closed${this.failure ? `: ${(this.failure as Error)?.message ?? String(this.failure)}` : ''}`,
    );
    this.#rejectPending(reason);
    this.#endStreams(
      [...this.#host.streams.values()],
      clean ? undefined : reason,
      clean || serverClosed,
      !wasConnecting,
    );
  }

  /** After a lost connection, with `reconnect` set and a retriable cause: starts the loop; false otherwise. */
  #startReconnect(clean: boolean): boolean {
    const host = this.#host;
    const r = host.options.reconnect;
    const cause =
      this.failure ??
      new RTMPConnectionError('the server closed the connection', {
        code: ConnectionCode.RTMP_CONNECTION_CLOSED,
      });
    if (clean || r === undefined || r.retries < 1 || this.state !== 'connected' || !retriable(cause))
      return false;
    log.warn(`connection lost (${(cause as Error)?.message ?? String(cause)}): reconnecting`);
    this.reconnect = new Reconnection(r, cause, [...host.streams.values()], {
      opener: host.opener,
      signal: host.options.signal,
      connect: (signal) => host.connectAgain(signal),
      drop: async (err) => {
        this.failure ??= err;
        host.loop()?.destroy();
        await this.closeWait.promise.catch(() => {});
      },
      reconnecting: (info) => host.emit('reconnecting', info),
      reconnected: (info) => {
        this.reconnect = undefined;
        log.info(`reconnected (attempt ${info.attempt})`);
        host.emit('reconnected', info);
      },
      giveUp: (err, streams) => {
        this.reconnect = undefined;
        this.#giveUp(err, streams);
      },
    });
    return true;
  }

  /** The connection of a reconnect attempt (or the lost one) ended: what waited on it fails; the streams wait on. */
  #attemptLost(): void {
    this.#rejectPending(this.closedReason());
    for (const s of this.#host.streams.values()) s.startFailed(this.closedReason());
    this.closeWait.resolve();
  }

  /** The reconnect loop failed for good (or was aborted by close()): everything ends with `error`. */
  #giveUp(error: unknown, streams: readonly RTMPStream[]): void {
    const local = this.state === 'closing';
    this.state = 'closed';
    if (!local) log.error(`reconnect failed: ${(error as Error)?.message ?? String(error)}`);
    this.closeWait = deferred<void>();
    this.#endStreams(streams, local ? undefined : error, local, true);
  }

  /** The connection is gone: pending waits fail with `reason` (the streams are not touched). */
  #rejectPending(reason: unknown): void {
    this.state = 'closed';
    this.#host.options.signal?.removeEventListener('abort', this.onAbort);
    this.connectWait?.reject(reason);
    for (const c of this.#host.creates.values()) c.reject(reason);
    this.#host.creates.clear();
    this.#host.calls.closed(reason);
  }

  /** The end: `streams` end (`error`: failed), closeWait settles, `error` and `close` are emitted. */
  #endStreams(streams: readonly RTMPStream[], error: unknown, resolve: boolean, emitError: boolean): void {
    for (const s of streams) s.onConnectionClosed(error);
    this.#host.streams.clear();
    this.#host.packets.closed();
    if (resolve) {
      this.closeWait.resolve();
    } else {
      this.closeWait.reject(error);
      if (emitError && this.#host.hasErrorListener()) this.#host.emit('error', error);
    }
    // A connection closed to answer an auth challenge is not the user's close.
    if (!this.authRetry) this.#host.emit('close', error);
  }
}
