/**
 * The public faces of `RTMP` that are not its lifecycle (python-librtmp's `call`,
 * `remote_method`, `invoke_handler`, `process_packets`, `read_packet`, `send_packet`,
 * `handle_packet`): thin methods over the connection's `RemoteCalls` (remote-calls.ts)
 * and `RawPackets` (raw-packets.ts), and the connection's event types. `RTMP` (rtmp.ts)
 * extends this with its lifecycle.
 */
import { EventEmitter } from 'node:events';
import type { AmfValue } from '../amf/types.js';
import { UsageCode } from '../error-codes.js';
import type { RTMPError } from '../errors.js';
import { RTMPUsageError } from '../errors.js';
import type { ClientHandshakeInfo } from '../handshake/client.js';
import type { ReconnectRequest } from '../session/connect-object.js';
import type { StatusInfo } from '../session/status.js';
import type { RawPackets, ReadPacketOptions } from './raw-packets.js';
import type { ReconnectedInfo, ReconnectingInfo } from './reconnect.js';
import type {
  CallOptions,
  Invocation,
  InvokeHandler,
  ProcessPacketsOptions,
  RemoteCalls,
} from './remote-calls.js';
import type { RTMPCall } from './rtmp-call.js';
import type { RTMPPacket } from './rtmp-packet.js';

/** Typed events of `RTMP`. */
export interface RTMPEvents {
  /** The RTMP handshake completed (the TCP/TLS connection works and speaks RTMP). */
  handshake: [info: ClientHandshakeInfo];
  /** `connect` succeeded: the server's info and properties. */
  connect: [info: StatusInfo, properties: StatusInfo];
  /** An onStatus / onPlayStatus (streamId 0 = NetConnection). */
  status: [info: StatusInfo, streamId: number];
  /**
   * The server asked for a reconnect (E-RTMP NetConnection.Connect.ReconnectRequest on
   * stream 0): where to (its `tcUrl` resolved against ours) and why. The connection
   * stays open. A client that offered `capsEx` Reconnect follows it (`followReconnect`):
   * `reconnecting` and `reconnected` (or `reconnectFailed`) come next; otherwise
   * reconnecting is the application's move.
   */
  reconnectRequest: [request: ReconnectRequest, info: StatusInfo];
  /**
   * The connection was lost and `reconnect` is set: attempt `info.attempt` of
   * `info.retries` starts after `info.delayMs` (`info.cause`: why). Streams wait meanwhile.
   * Following a ReconnectRequest: `info.request` is set (attempt 1 of 1, no wait) and the
   * streams go on on the old connection meanwhile.
   */
  reconnecting: [info: ReconnectingInfo];
  /**
   * Reconnected: every stream plays or publishes again (a recorded one from where it was).
   * After a ReconnectRequest (`info.request` set): the streams run on the new connection,
   * the old one is closed.
   */
  reconnected: [info: ReconnectedInfo];
  /**
   * Following a ReconnectRequest failed (`RTMPConnectionError`
   * `ERR_RTMP_RECONNECT_REQUEST_FAILED`, `cause`: why): the old connection is kept and
   * serves on until the server closes it.
   */
  reconnectFailed: [error: RTMPError, request: ReconnectRequest];
  /** The server invoked a method (after any handler ran). */
  invoke: [invocation: Invocation];
  /** A stream's onMetaData. */
  metadata: [metadata: Record<string, AmfValue>, streamId: number];
  /** A non-fatal protocol problem (one undecodable message, a truncated aggregate). */
  warning: [error: RTMPError];
  /** The connection failed (only emitted when someone listens; every pending promise rejects anyway). */
  error: [error: unknown];
  /** The connection closed; `error` when it was not a clean close. */
  close: [error: unknown];
}

/** The call and raw packet faces of `RTMP` (see the module comment). */
export abstract class RTMPFaces extends EventEmitter<RTMPEvents> {
  /** @internal The connection's calls. */
  protected abstract readonly calls: RemoteCalls;
  /** @internal The connection's raw packet tap. */
  protected abstract readonly packets: RawPackets;

  /** Packets `readPacket()` dropped because nobody read them in time. */
  get droppedPackets(): number {
    return this.packets.dropped;
  }

  // ================================================================ remote calls (remote-calls.ts)

  /**
   * Calls `method` on the server with `args` (python-librtmp `call`): AMF0 command
   * `[method, txn, null, ...args]` on chunk stream 3. Returns the `RTMPCall`; await
   * `call.result()` for the answer. A call the server never answers leaves the
   * connection alone (nginx-rtmp ignores unknown commands): give `result` a timeout.
   * `T` types the result (`conn.call<number>('MyMath.MyAdd', 1, 2)`), unchecked.
   */
  call<T extends AmfValue = AmfValue>(method: string, ...args: AmfValue[]): RTMPCall<T> {
    return this.calls.call(method, args, {}) as RTMPCall<T>;
  }

  /**
   * `call` with python-librtmp's keyword parameters: `transactionId`, `commandObject`
   * (python `obj`), `channel`, and `streamId` (which python could not set). A separate
   * method because a trailing options object could not be told from an AMF object argument.
   */
  callWithOptions(method: string, args: readonly AmfValue[] = [], options: CallOptions = {}): RTMPCall {
    return this.calls.call(method, args, options);
  }

  /**
   * A function that calls `method` (python-librtmp `remote_method`); its `.name` is
   * `method`. With `block: true` it returns a promise of the result, else the `RTMPCall`.
   */
  remoteMethod(
    method: string,
    options: { block: true } & CallOptions,
  ): (...args: AmfValue[]) => Promise<AmfValue>;
  remoteMethod(method: string, options?: { block?: false } & CallOptions): (...args: AmfValue[]) => RTMPCall;
  remoteMethod(
    method: string,
    options: { block?: boolean } & CallOptions = {},
  ): (...args: AmfValue[]) => Promise<AmfValue> | RTMPCall {
    if (typeof method !== 'string' || method === '') {
      throw new RTMPUsageError('remoteMethod() needs a method name', { code: UsageCode.RTMP_BAD_ARGUMENT });
    }
    const { block, ...callOptions } = options;
    const fn = (...args: AmfValue[]): Promise<AmfValue> | RTMPCall => {
      const call = this.calls.call(method, args, callOptions);
      return block ? call.result() : call;
    };
    Object.defineProperty(fn, 'name', { value: method, configurable: true });
    return fn;
  }

  /**
   * Registers a handler for server calls (python-librtmp `invoke_handler`):
   * `invokeHandler(function myAdd(a, b) {…})` uses the function's name,
   * `invokeHandler('MyMath.MyAdd', fn)` an explicit one. The handler gets the call's
   * arguments; a returned value (or resolved promise) other than `undefined` is sent as
   * `_result` (python: not None); a thrown error (or rejection) as `_error` with
   * `NetConnection.Call.Failed`. Nothing is sent for transaction 0. Returns the handler.
   */
  invokeHandler<F extends InvokeHandler>(handler: F): F;
  invokeHandler<F extends InvokeHandler>(name: string, handler: F): F;
  invokeHandler<F extends InvokeHandler>(a: string | F, b?: F): F {
    const handler = typeof a === 'function' ? a : b;
    const name = typeof a === 'function' ? a.name : a;
    if (typeof handler !== 'function') {
      throw new RTMPUsageError('invokeHandler() needs a function', { code: UsageCode.RTMP_BAD_ARGUMENT });
    }
    if (typeof name !== 'string' || name === '') {
      throw new RTMPUsageError(
        'invokeHandler() needs a method name (an anonymous function has none: pass one)',
        {
          code: UsageCode.RTMP_BAD_ARGUMENT,
        },
      );
    }
    this.calls.setHandler(name, handler);
    return handler;
  }

  /** Removes the handler for `name`; returns whether one was registered. */
  removeInvokeHandler(name: string): boolean {
    return this.calls.removeHandler(name);
  }

  /**
   * Waits (python-librtmp `process_packets`): for the result of `transactionId` (resolves
   * with it at once when it already arrived, like `RTMPCall.result()`), or for the server
   * to call `invokedMethod` (resolves with its arguments; a call that arrived earlier
   * counts), or — with neither — until the connection closes (resolves undefined).
   * Packets are processed all along.
   *
   * @throws RTMPTimeoutError after `timeout` seconds; RTMPConnectionError if the connection fails
   */
  processPackets(options: ProcessPacketsOptions = {}): Promise<AmfValue | AmfValue[] | undefined> {
    return this.calls.processPackets(options);
  }

  // ================================================================ raw packets (raw-packets.ts)

  /**
   * The next message from the server (python-librtmp `read_packet`), as an `RTMPPacket`.
   * From the first call on, incoming messages are copied to a queue (at most
   * `limits.packetQueue`, oldest dropped — see `droppedPackets`); they are processed by
   * the core as well (no `handlePacket` needed).
   *
   * @throws RTMPTimeoutError after `timeout` seconds (the connection stays); RTMPConnectionError
   *   when the connection ended and the queue is empty
   */
  readPacket(options: ReadPacketOptions = {}): Promise<RTMPPacket> {
    return this.packets.readPacket(options);
  }

  /**
   * Sends a packet as is (python-librtmp `send_packet`). With `queue` (default true) an
   * INVOKE's transaction is remembered so its `_result` resolves `processPackets({
   * transactionId })`. Resolves once written to the socket buffer.
   */
  sendPacket(packet: RTMPPacket, options: { queue?: boolean } = {}): Promise<void> {
    return this.packets.sendPacket(packet, options);
  }

  /**
   * python-librtmp's `handle_packet`, for an always-running core: a packet from
   * `readPacket()` was already handled when it arrived, so this only classifies it; a
   * packet you built that is an INVOKE runs the matching invoke handler (and sends its
   * `_result`). Resolves with librtmp's classification: 1 media (audio, video, aggregate,
   * onMetaData), 2 end of stream (onStatus Play.Complete/Stop/UnpublishNotify), 0 other.
   */
  handlePacket(packet: RTMPPacket): Promise<number> {
    return this.packets.handlePacket(packet);
  }
}
