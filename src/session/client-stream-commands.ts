/**
 * The NetStream commands of `ClientSession` (RTMP-SPEC §7.2.2: play, play2, publish,
 * pause, seek, receiveAudio, receiveVideo; User Control SetBufferLength; audio, video and
 * data messages), which also start the session's NetStreams (net-stream.ts).
 * `ClientSession` extends this with the NetConnection and the I/O.
 *
 * Invariants: NetStream commands go on the stream's msid, never 0 (librtmp sends seek and
 * pause on msid 0, which servers that track streams by msid ignore), on csid 8; audio on
 * csid 4, video on csid 6, data on csid 4; media payloads are sent as views.
 */
import type { AmfValue } from '../amf/types.js';
import { AMFObject } from '../amf/types.js';
import { command, dataMessage, setBufferLength } from '../message/builders.js';
import type { RawMessage } from '../message/raw-message.js';
import { DefaultCsid, type Message, MessageType } from '../message/types.js';
import {
  checkNetStream,
  checkStreamId,
  checkTimestamp,
  checkU32,
  type Play2Options,
  type PlayOptions,
  usage,
} from './client-options.js';
import { NetStream, type NetStreamPort, type NetStreamTable, type NetStreamView } from './net-stream.js';

/** The NetStream side of a client session (see the module comment). */
export abstract class NetStreamCommands {
  /** @internal The NetStreams by msid. */
  protected abstract readonly streams: NetStreamTable;
  /** @internal What the NetStreams send through. */
  protected abstract readonly port: NetStreamPort;
  /** @internal Throws unless the session runs. */
  protected abstract checkOpen(): void;
  /** @internal Sends a command with the next transaction id; returns it. */
  protected abstract invoke(name: string, streamId: number, args: AmfValue[], awaited: boolean): number;
  /** @internal Encodes and sends (now, or after the handshake). */
  protected abstract sendMessage(msg: Message, csid?: number): void;
  /** @internal Sends as is (now, or after the handshake). */
  protected abstract sendRawMessage(raw: RawMessage): void;

  /** The NetStream of message stream `streamId` (created by `play`/`publish`), read-only. */
  netStream(streamId: number): NetStreamView | undefined {
    return this.streams.get(streamId);
  }

  /**
   * Sends `play(name, start[, duration[, reset]])` on the stream's msid, csid 8 (times in
   * ms, as on the wire), and starts a NetStream for the msid (replacing any earlier one).
   */
  play(streamId: number, name: string, options: PlayOptions = {}): number {
    const args: AmfValue[] = [name, options.start ?? -2000];
    if (options.duration !== undefined || options.reset !== undefined) args.push(options.duration ?? -1);
    if (options.reset !== undefined) args.push(options.reset);
    const txn = this.invoke('play', checkNetStream(streamId), args, false);
    const { live = false, bufx = false, updateBuffer = false, lead } = options;
    this.streams.set(
      new NetStream(streamId, this.port, { mode: 'play', live, bufx, updateBuffer, name, lead }),
    );
    return txn;
  }

  /** Sends `play2(NetStreamPlayOptions)` on the stream's msid (a player NetStream is started if there is none). */
  play2(streamId: number, options: Play2Options): number {
    const obj = new AMFObject();
    for (const k of Object.keys(options)) if (options[k] !== undefined) obj[k] = options[k];
    const txn = this.invoke('play2', checkNetStream(streamId), [obj], false);
    if (this.streams.get(streamId) === undefined) this.streams.set(new NetStream(streamId, this.port));
    return txn;
  }

  /** Sends `publish(name, type)` on the stream's msid (type `live` default, `record`, `append`) and starts a publishing NetStream. */
  publish(streamId: number, name: string, type: 'live' | 'record' | 'append' | string = 'live'): number {
    const txn = this.invoke('publish', checkNetStream(streamId), [name, type], false);
    this.streams.set(new NetStream(streamId, this.port, { mode: 'publish', name }));
    return txn;
  }

  /**
   * Sends `pause(paused, ms)` on the stream's msid. Without `ms`, librtmp's `RTMP_Pause`
   * values: the last media timestamp when pausing, the pause point when resuming.
   */
  pause(streamId: number, paused: boolean, ms?: number): number {
    checkNetStream(streamId);
    const at = this.streams.get(streamId)?.pause(paused).ms;
    return this.invoke('pause', streamId, [paused, ms ?? at ?? 0], false);
  }

  /** Sends `seek(ms)` on the stream's msid; its NetStream drops media until NetStream.Seek.Notify. */
  seek(streamId: number, ms: number): number {
    this.checkOpen();
    // The NetStream first: what it sends for the seek (a lead's restart) goes out before it.
    this.streams.get(checkNetStream(streamId))?.seek(ms);
    return this.invoke('seek', streamId, [ms], false);
  }

  /** Sends `receiveAudio(on)` (transaction 0) on the stream's msid. */
  receiveAudio(streamId: number, on: boolean): void {
    this.checkOpen();
    this.sendMessage({ ...command('receiveAudio', 0, null, on), streamId: checkNetStream(streamId) });
  }

  /** Sends `receiveVideo(on)` (transaction 0) on the stream's msid. */
  receiveVideo(streamId: number, on: boolean): void {
    this.checkOpen();
    this.sendMessage({ ...command('receiveVideo', 0, null, on), streamId: checkNetStream(streamId) });
  }

  /** Sends User Control SetBufferLength(streamId, ms); stream 0 is allowed (librtmp sends 300 ms there). */
  setBufferLength(streamId: number, ms: number): void {
    this.checkOpen();
    this.sendMessage(setBufferLength(checkStreamId(streamId), checkU32('bufferLength', ms)));
  }

  /** Sends one audio or video message (csid 4 / 6) on the stream; `payload` is sent as a view. */
  sendMedia(streamId: number, type: 'audio' | 'video', timestamp: number, payload: Buffer): void {
    this.checkOpen();
    if (type !== 'audio' && type !== 'video')
      throw usage(`media type must be 'audio' or 'video', got ${String(type)}`);
    this.sendRawMessage({
      type: type === 'audio' ? MessageType.Audio : MessageType.Video,
      streamId: checkStreamId(streamId),
      timestamp: checkTimestamp(timestamp),
      csid: type === 'audio' ? DefaultCsid.audio : DefaultCsid.video,
      payload,
    });
  }

  /** Sends a data message (type 18, csid 4), e.g. `['@setDataFrame', 'onMetaData', meta]`. */
  sendData(streamId: number, values: readonly AmfValue[], timestamp = 0): void {
    this.checkOpen();
    this.sendMessage({
      ...dataMessage(...values),
      streamId: checkStreamId(streamId),
      timestamp: checkTimestamp(timestamp),
    });
  }
}
