/**
 * The answers a `ServerSession` host gives that settle a client request or drive a
 * stream (RTMP-SPEC §7.2.1 `_result`/`_error`/onStatus; §7.2.2 NetStream answers):
 * `createdStream`, `respond`, `respondError`, `status`, and the NetStream answers over
 * `ServerNetStreams`. `ServerSession` extends this with the connection itself (connect
 * acceptance, calls to the client, I/O).
 *
 * Invariants: after close every answer is a no-op; answering a request that does not
 * await one, or answering before the connection was accepted, is an `RTMPUsageError`.
 */
import type { AmfValue } from '../amf/types.js';
import { command } from '../message/builders.js';
import type { CommandMessage } from '../message/types.js';
import { checkStreamId } from './checks.js';
import type { EndPlayOptions, ServerNetStreams, StartPlayOptions } from './server-net-streams.js';
import { infoObject } from './server-session-options.js';
import type { PendingRequest } from './transactions.js';

/** The answers of `ServerSession` (see the module comment). */
export abstract class ServerAnswers {
  /** @internal The NetStream side. */
  protected abstract readonly net: ServerNetStreams;
  /** @internal Whether the session closed. */
  protected abstract isClosed(): boolean;
  /** @internal Removes and returns the oldest request `txn` of an `allowed` kind (throws `RTMPUsageError` if none). */
  protected abstract takePending(
    txn: number,
    allowed: readonly PendingRequest['what'][],
    method: string,
  ): PendingRequest;
  /** @internal Sends a command on `streamId` in the negotiated encoding. */
  protected abstract sendCommand(msg: CommandMessage, streamId: number): void;
  /** @internal Throws `RTMPUsageError` unless the connection was accepted. */
  protected abstract requireConnected(method: string): void;

  // ---------------------------------------------------------------- NetConnection answers

  /**
   * Answers the `createStream` `txn`: allocates the lowest free message stream id ≥ 1,
   * sends `_result(txn, null, id)` and returns the id.
   */
  createdStream(txn: number): number {
    if (this.isClosed()) return 0;
    const p = this.takePending(txn, ['createStream'], 'createdStream');
    const id = this.net.create();
    this.sendCommand(command('_result', txn, null, id), p.streamId);
    return id;
  }

  /** Answers a client call (`call` event, or an FC* event when `autoFC` is off) with `_result(txn, null, ...values)`. */
  respond(txn: number, ...values: AmfValue[]): void {
    if (this.isClosed()) return;
    const p = this.takePending(txn, ['call'], 'respond');
    this.sendCommand(command('_result', txn, null, ...values), p.streamId);
  }

  /**
   * Answers a client call or refuses a `createStream` with `_error(txn, null, info)`
   * (default level `error`, code `NetConnection.Call.Failed`).
   */
  respondError(txn: number, info: Record<string, AmfValue> = {}): void {
    if (this.isClosed()) return;
    const p = this.takePending(txn, ['call', 'createStream'], 'respondError');
    const obj = infoObject(
      { level: 'error', code: 'NetConnection.Call.Failed', description: 'Call failed.' },
      info,
    );
    this.sendCommand(command('_error', txn, null, obj), p.streamId);
  }

  /** Sends `onStatus(0, null, info)` on `streamId` (0 = NetConnection); `level` defaults to `status`. */
  status(streamId: number, info: Record<string, AmfValue>): void {
    checkStreamId(streamId);
    if (this.isClosed()) return;
    this.requireConnected('status');
    this.sendCommand(command('onStatus', 0, null, infoObject({ level: 'status' }, info)), streamId);
  }

  // ---------------------------------------------------------------- NetStream answers (server-net-streams.ts)

  /**
   * Starts playback on `streamId` (after a `play` event): [StreamIsRecorded],
   * StreamBegin, onStatus NetStream.Play.Reset (when `reset`, default true) and
   * NetStream.Play.Start, then `|RtmpSampleAccess`. Then send `sendData`/`sendMedia`.
   */
  startPlay(streamId: number, options: StartPlayOptions = {}): void {
    if (!this.isClosed()) this.net.startPlay(streamId, options);
  }

  /**
   * Sends one audio or video message (an FLV tag body) on `streamId` at `timestamp`
   * (ms, taken mod 2^32). The payload is not copied: keep it unchanged until written.
   */
  sendMedia(streamId: number, type: 'audio' | 'video', timestamp: number, payload: Buffer): void {
    if (!this.isClosed()) this.net.sendMedia(streamId, type, timestamp, payload);
  }

  /** Sends a data message (type 18), e.g. `['onMetaData', {...}]`, on `streamId` at `timestamp`. */
  sendData(streamId: number, values: readonly AmfValue[], timestamp = 0): void {
    if (!this.isClosed()) this.net.sendData(streamId, values, timestamp);
  }

  /**
   * Ends playback on `streamId`: StreamEOF, then (unless `complete: false`) onPlayStatus
   * NetStream.Play.Complete (data message at `timestamp`, with `playStatus` fields such
   * as FMS's `duration`/`bytes` merged in), then onStatus NetStream.Play.Stop —
   * librtmp/rtmpdump and FFmpeg treat Play.Stop as the end of the stream.
   */
  endPlay(streamId: number, options: EndPlayOptions = {}): void {
    if (!this.isClosed()) this.net.endPlay(streamId, options);
  }

  /** Accepts the publish on `streamId`: StreamBegin, onStatus NetStream.Publish.Start; media then arrives as events. */
  acceptPublish(streamId: number, options: { name?: string } = {}): void {
    if (!this.isClosed()) this.net.acceptPublish(streamId, options);
  }

  /** Answers `pause`: StreamEOF + Pause.Notify when pausing, StreamBegin + Unpause.Notify when resuming (nginx-rtmp's order). */
  pauseNotify(streamId: number, paused: boolean): void {
    if (!this.isClosed()) this.net.pauseNotify(streamId, paused);
  }

  /** Answers `seek`: StreamBegin, onStatus NetStream.Seek.Notify, then NetStream.Play.Start (FMS). */
  seekNotify(streamId: number, milliseconds: number): void {
    if (!this.isClosed()) this.net.seekNotify(streamId, milliseconds);
  }
}
