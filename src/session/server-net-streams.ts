/**
 * The NetStream side of a `ServerSession` (RTMP-SPEC §7.2.2 NetStream commands and
 * their onStatus answers): the message streams the client created, the requests on
 * them (play, publish, and where pause/seek apply), what a publisher sends (media and
 * data, dropped unless the stream publishes), and the answers the host gives
 * (`startPlay`, `sendMedia`, `endPlay`, `acceptPublish`, `pauseNotify`, `seekNotify`).
 *
 * Invariants: answers need an accepted connection and a created stream
 * (`RTMPUsageError` otherwise); requests on streams the client did not create are
 * non-fatal protocol errors; media and data of a stream that does not publish are
 * counted in `dropped`, never reported.
 */
import type { AmfValue } from '../amf/types.js';
import { ProtocolCode } from '../error-codes.js';
import { RTMPProtocolError } from '../errors.js';
import { command, dataMessage, streamBegin, userControl } from '../message/builders.js';
import { encodeMessage } from '../message/codec.js';
import type { RawMessage } from '../message/raw-message.js';
import {
  type AggregateMessage,
  type CommandMessage,
  type DataMessage,
  type MediaMessage,
  type Message,
  MessageType,
} from '../message/types.js';
import { checkStreamId, usage } from './checks.js';
import type { InboundPipeline, PipelineHandshakeInfo } from './inbound.js';
import type { ServerEvent } from './server-events.js';
import { infoObject, MEDIA_CSID_BASE, num, type StreamState, str } from './server-session-options.js';
import type { PendingRequest } from './transactions.js';

/** What the NetStream side needs of its session. */
export interface ServerNetStreamPort {
  send(msg: Message): void;
  sendRaw(raw: RawMessage): void;
  /** Sends a command in the negotiated encoding. */
  sendCommand(msg: CommandMessage, streamId: number): void;
  emit(ev: ServerEvent): void;
  nonFatal(err: RTMPProtocolError): void;
  /** Whether the connection was accepted. */
  connected(): boolean;
  /** Throws `RTMPUsageError` unless the connection was accepted. */
  requireConnected(method: string): void;
  /** Records a client request the host answers. */
  addPending(txn: number, p: PendingRequest): void;
}

/** What splitting an aggregate needs of the pipeline. */
type RecordSource = Pick<InboundPipeline<PipelineHandshakeInfo>, 'walkAggregate' | 'decode'>;

/** The Flash Media Server stream commands publishers and CDN players send around createStream. */
export type FCKind = 'releaseStream' | 'fcPublish' | 'fcUnpublish' | 'fcSubscribe' | 'fcUnsubscribe';

/** Options of `startPlay`. */
export interface StartPlayOptions {
  /** Send NetStream.Play.Reset first (default true). */
  reset?: boolean;
  /** Send StreamIsRecorded first (a recorded stream). */
  recorded?: boolean;
  /** The name in the status descriptions (default: the one the client played). */
  name?: string;
}

/** Options of `endPlay`. */
export interface EndPlayOptions {
  /** Send onPlayStatus NetStream.Play.Complete (default true). */
  complete?: boolean;
  /** Its timestamp (ms). */
  timestamp?: number;
  /** Fields merged into its info (FMS's `duration`, `bytes`). */
  playStatus?: Record<string, AmfValue>;
}

/** The message streams of one server connection. */
export class ServerNetStreams {
  /** The streams the client created, by id. */
  readonly streams = new Map<number, StreamState>();
  /** The stream last played (librtmp sends pause and seek on msid 0: they go here). */
  lastPlayed = 0;
  /** Media/data messages dropped because their stream did not publish. */
  dropped = 0;
  readonly #port: ServerNetStreamPort;
  readonly #sampleAccess: readonly [boolean, boolean];

  constructor(port: ServerNetStreamPort, sampleAccess: readonly [boolean, boolean]) {
    this.#port = port;
    this.#sampleAccess = sampleAccess;
  }

  /** Allocates the lowest free message stream id ≥ 1. */
  create(): number {
    let id = 1;
    while (this.streams.has(id)) id++;
    this.streams.set(id, { id, state: 'idle', name: '' });
    return id;
  }

  /**
   * Starts playback on `streamId` (after a `play` event): [StreamIsRecorded],
   * StreamBegin, onStatus NetStream.Play.Reset (when `reset`, default true) and
   * NetStream.Play.Start, then `|RtmpSampleAccess`. Then send `sendData`/`sendMedia`.
   */
  startPlay(streamId: number, options: StartPlayOptions = {}): void {
    const s = this.#stream(streamId, 'startPlay');
    const name = options.name ?? s.name;
    s.name = name;
    s.state = 'playing';
    this.lastPlayed = streamId;
    if (options.recorded) this.#port.send(userControl({ event: 'streamIsRecorded', streamId }));
    this.#port.send(streamBegin(streamId));
    if (options.reset ?? true) {
      this.#streamStatus(streamId, 'NetStream.Play.Reset', `Playing and resetting ${name}.`, name);
    }
    this.#streamStatus(streamId, 'NetStream.Play.Start', `Started playing ${name}.`, name);
    const [audio, video] = this.#sampleAccess;
    this.#port.sendRaw(this.#dataRaw(streamId, ['|RtmpSampleAccess', audio, video], 0));
  }

  /**
   * Sends one audio or video message (an FLV tag body) on `streamId` at `timestamp`
   * (ms, taken mod 2^32). The payload is not copied: keep it unchanged until written.
   */
  sendMedia(streamId: number, type: 'audio' | 'video', timestamp: number, payload: Buffer): void {
    this.#stream(streamId, 'sendMedia');
    if (type !== 'audio' && type !== 'video') throw usage(`sendMedia type must be 'audio' or 'video'`);
    this.#port.sendRaw({
      type: type === 'audio' ? MessageType.Audio : MessageType.Video,
      streamId,
      timestamp: Math.floor(timestamp) >>> 0,
      csid: this.#mediaCsid(streamId, type === 'audio' ? 0 : 1),
      payload,
    });
  }

  /** Sends a data message (type 18), e.g. `['onMetaData', {...}]`, on `streamId` at `timestamp`. */
  sendData(streamId: number, values: readonly AmfValue[], timestamp = 0): void {
    this.#stream(streamId, 'sendData');
    this.#port.sendRaw(this.#dataRaw(streamId, values, timestamp));
  }

  /**
   * Ends playback on `streamId`: StreamEOF, then (unless `complete: false`) onPlayStatus
   * NetStream.Play.Complete (data message at `timestamp`, with `playStatus` fields such
   * as FMS's `duration`/`bytes` merged in), then onStatus NetStream.Play.Stop —
   * librtmp/rtmpdump and FFmpeg treat Play.Stop as the end of the stream.
   */
  endPlay(streamId: number, options: EndPlayOptions = {}): void {
    const s = this.#stream(streamId, 'endPlay');
    s.state = 'idle';
    this.#port.send(userControl({ event: 'streamEOF', streamId }));
    if (options.complete ?? true) {
      const info = infoObject({ level: 'status', code: 'NetStream.Play.Complete' }, options.playStatus);
      this.#port.sendRaw(this.#dataRaw(streamId, ['onPlayStatus', info], options.timestamp ?? 0));
    }
    this.#streamStatus(streamId, 'NetStream.Play.Stop', `Stopped playing ${s.name}.`, s.name);
  }

  /** Accepts the publish on `streamId`: StreamBegin, onStatus NetStream.Publish.Start; media then arrives as events. */
  acceptPublish(streamId: number, options: { name?: string } = {}): void {
    const s = this.#stream(streamId, 'acceptPublish');
    const name = options.name ?? s.name;
    s.name = name;
    s.state = 'publishing';
    this.#port.send(streamBegin(streamId));
    this.#streamStatus(streamId, 'NetStream.Publish.Start', `${name} is now published.`, name);
  }

  /** Answers `pause`: StreamEOF + Pause.Notify when pausing, StreamBegin + Unpause.Notify when resuming (nginx-rtmp's order). */
  pauseNotify(streamId: number, paused: boolean): void {
    const s = this.#stream(streamId, 'pauseNotify');
    if (paused) {
      this.#port.send(userControl({ event: 'streamEOF', streamId }));
      this.#streamStatus(streamId, 'NetStream.Pause.Notify', `Pausing ${s.name}.`, s.name);
    } else {
      this.#port.send(streamBegin(streamId));
      this.#streamStatus(streamId, 'NetStream.Unpause.Notify', `Unpausing ${s.name}.`, s.name);
    }
  }

  /** Answers `seek`: StreamBegin, onStatus NetStream.Seek.Notify, then NetStream.Play.Start (FMS). */
  seekNotify(streamId: number, milliseconds: number): void {
    const s = this.#stream(streamId, 'seekNotify');
    this.#port.send(streamBegin(streamId));
    this.#streamStatus(
      streamId,
      'NetStream.Seek.Notify',
      `Seeking ${milliseconds} (stream ID: ${streamId}).`,
      s.name,
    );
    this.#streamStatus(streamId, 'NetStream.Play.Start', `Started playing ${s.name}.`, s.name);
  }

  #publishing(streamId: number): boolean {
    return this.#port.connected() && this.streams.get(streamId)?.state === 'publishing';
  }

  /**
   * Audio, video, data or an aggregate from the client: events for a publishing stream
   * (an aggregate split into its records, for relaying), else counted in `dropped`.
   */
  onStreamMessage(
    msg: MediaMessage | AggregateMessage | DataMessage,
    raw: RawMessage,
    pipe: RecordSource,
  ): void {
    if (msg.kind === 'data') {
      this.#onData(msg, raw.payload, false);
    } else if (msg.kind !== 'aggregate') {
      this.#onMedia(msg.streamId, msg.kind, raw, false);
    } else {
      pipe.walkAggregate(raw, (sub) => {
        if (sub.type === MessageType.Audio) this.#onMedia(sub.streamId, 'audio', sub, true);
        else if (sub.type === MessageType.Video) this.#onMedia(sub.streamId, 'video', sub, true);
        else if (sub.type === MessageType.DataAMF0 || sub.type === MessageType.DataAMF3) {
          const d = pipe.decode(sub);
          if (d?.kind === 'data') this.#onData(d, sub.payload, true);
        }
      });
    }
  }

  #onMedia(streamId: number, type: 'audio' | 'video', raw: RawMessage, aggregated: boolean): void {
    if (!this.#publishing(streamId)) {
      this.dropped++;
      return;
    }
    this.#port.emit({
      kind: 'media',
      streamId,
      type,
      timestamp: raw.timestamp,
      unwrappedTimestamp: raw.unwrappedTimestamp ?? raw.timestamp,
      payload: raw.payload,
      aggregated,
    });
  }

  #onData(msg: DataMessage, payload: Buffer, aggregated: boolean): void {
    if (!this.#publishing(msg.streamId)) {
      this.dropped++;
      return;
    }
    let values = msg.values;
    let dataFrame = false;
    if (values[0] === '@setDataFrame') {
      dataFrame = true;
      values = values.slice(1);
    }
    const name = str(values[0]);
    this.#port.emit({
      kind: 'data',
      streamId: msg.streamId,
      name,
      values: name === undefined ? values : values.slice(1),
      dataFrame,
      timestamp: msg.timestamp,
      unwrappedTimestamp: msg.unwrappedTimestamp ?? msg.timestamp,
      amf3: msg.amf3,
      aggregated,
      payload,
    });
  }

  /** `play` on a created stream: a `play` event (the host answers with `startPlay`). */
  onPlay(msg: CommandMessage): void {
    const s = this.#requested(msg, 'play');
    if (s === undefined) return;
    const reset = msg.args[3];
    this.lastPlayed = s.id;
    this.#port.emit({
      kind: 'play',
      streamId: s.id,
      txn: msg.transactionId,
      name: s.name,
      start: num(msg.args[1]) ?? -2000,
      duration: num(msg.args[2]) ?? -1,
      reset:
        reset === undefined || reset === null
          ? true
          : reset === true || (typeof reset === 'number' && reset !== 0),
      args: msg.args,
    });
  }

  /** `publish` on a created stream: a `publish` event (the host answers with `acceptPublish`). */
  onPublish(msg: CommandMessage): void {
    const s = this.#requested(msg, 'publish');
    if (s === undefined) return;
    const type = str(msg.args[1]) ?? 'live';
    this.#port.emit({ kind: 'publish', streamId: s.id, txn: msg.transactionId, name: s.name, type });
  }

  /** The stream a play/publish names (its name set), or undefined after reporting why it is ignored. */
  #requested(msg: CommandMessage, what: 'play' | 'publish'): StreamState | undefined {
    const s = this.streams.get(msg.streamId);
    if (!s) {
      this.#port.nonFatal(this.noStream(what, msg.streamId));
      return undefined;
    }
    const name = str(msg.args[0]);
    // Why: CVE-2015-8272 (rtmpsrv crashed on a play without a string name).
    if (name === undefined) {
      const err = new RTMPProtocolError(`${what} without a stream name; ignored`, {
        code: ProtocolCode.SESSION_BAD_COMMAND,
      });
      this.#port.nonFatal(err);
      return undefined;
    }
    s.name = name;
    return s;
  }

  /** Stream a pause/seek applies to: its msid, or (librtmp sends them on msid 0) the stream last played. */
  resolve(streamId: number, what: string): number | undefined {
    if (this.streams.has(streamId)) return streamId;
    if (streamId === 0 && this.streams.has(this.lastPlayed)) return this.lastPlayed;
    this.#port.nonFatal(this.noStream(what, streamId));
    return undefined;
  }

  noStream(what: string, streamId: number): RTMPProtocolError {
    return new RTMPProtocolError(
      `${what} on message stream ${streamId}, which the client did not create; ignored`,
      {
        code: ProtocolCode.SESSION_UNKNOWN_STREAM,
      },
    );
  }

  #stream(streamId: number, method: string): StreamState {
    checkStreamId(streamId);
    this.#port.requireConnected(method);
    const s = this.streams.get(streamId);
    if (!s) throw usage(`${method}(${streamId}): no such stream (create it with createdStream)`);
    return s;
  }

  #streamStatus(streamId: number, code: string, description: string, details: string): void {
    this.#port.sendCommand(
      command('onStatus', 0, null, infoObject({ level: 'status', code, description, details })),
      streamId,
    );
  }

  /**
   * Chunk streams of a message stream's audio (slot 0), video (1) and data (2): three
   * per stream from csid 20, so each keeps its own header compression (1-byte basic
   * headers up to stream 14).
   */
  #mediaCsid(streamId: number, slot: 0 | 1 | 2): number {
    const index = streamId === 0 ? 0 : (streamId - 1) % 21_000;
    return MEDIA_CSID_BASE + 3 * index + slot;
  }

  #dataRaw(streamId: number, values: readonly AmfValue[], timestamp: number): RawMessage {
    const msg = { ...dataMessage(...values), streamId, timestamp: Math.floor(timestamp) >>> 0 };
    return encodeMessage(msg, { csid: this.#mediaCsid(streamId, 2) });
  }

  /**
   * releaseStream, FCPublish, FCUnpublish, FCSubscribe, FCUnsubscribe: with `autoFC`,
   * answered as SRS/FMS do; otherwise left to the host (a pending call).
   */
  onFC(msg: CommandMessage, kind: FCKind, autoFC: boolean): void {
    const name = str(msg.args[0]) ?? '';
    const txn = msg.transactionId;
    const handled = autoFC;
    if (handled) {
      const sid = msg.streamId;
      // Why _result then onFC*: SRS/FMS; FFmpeg/OBS/librtmp only match the txn and ignore the rest.
      if (kind === 'releaseStream' || kind === 'fcPublish' || kind === 'fcUnpublish') {
        if (txn !== 0) this.#port.sendCommand(command('_result', txn, null, undefined), sid);
      }
      if (kind === 'fcPublish') {
        this.#port.sendCommand(
          command('onFCPublish', 0, null, infoObject({ code: 'NetStream.Publish.Start', description: name })),
          sid,
        );
      } else if (kind === 'fcUnpublish') {
        this.#port.sendCommand(
          command(
            'onFCUnpublish',
            0,
            null,
            infoObject({ code: 'NetStream.Unpublish.Success', description: name }),
          ),
          sid,
        );
      } else if (kind === 'fcSubscribe') {
        this.#port.sendCommand(
          command('onFCSubscribe', 0, null, infoObject({ code: 'NetStream.Play.Start', description: name })),
          sid,
        );
      }
    } else if (txn !== 0) {
      this.#port.addPending(txn, { what: 'call', streamId: msg.streamId, amf3: msg.amf3 });
    }
    this.#port.emit({ kind, txn, name, streamId: msg.streamId, handled });
  }
}
