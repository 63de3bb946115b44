/**
 * The client's message dispatch: every message the pipeline decodes becomes exactly one
 * `SessionEvent` (client-events.ts), after the automatic answers RTMP and librtmp give
 * (RTMP-SPEC §5.4 protocol control, §6.2 user control, §7.2.1 NetConnection commands):
 * PingResponse for PingRequest, SWFVerifyResponse, Window Ack Size for a changed Set
 * Peer Bandwidth (§5.4.5), `_result` for `_onbwcheck`, `_checkbw` once for `onBWDone`,
 * `pong` for `ping`; the connect answer (and then the `ConnectDuties`); NetStream
 * messages handed to their NetStream (net-stream.ts), whose verdict rides on the event.
 *
 * Invariants: one event per message, its `raw` attached by the session while tapping;
 * nothing here throws for peer input (a truncated aggregate is a non-fatal
 * `protocolError` after its media event; a bad createStream answer is an `error` event).
 */
import { createHmac } from 'node:crypto';
import { decode as decodeAmf0 } from '../amf/amf0.js';
import type { AmfValue } from '../amf/types.js';
import { firstScriptName } from '../flv/script.js';
import type { ClientHandshakeInfo } from '../handshake/client.js';
import {
  command,
  pingResponse,
  setBufferLength,
  swfVerifyResponse,
  windowAckSize,
} from '../message/builders.js';
import type { RawMessage } from '../message/raw-message.js';
import {
  type CommandMessage,
  type DataMessage,
  type Message,
  MessageType,
  PeerBandwidthLimit,
  type SetPeerBandwidthMessage,
  type UserControlMessage,
} from '../message/types.js';
import type {
  DataEvent,
  InvokeEvent,
  MediaEvent,
  ResultEvent,
  SessionEvent,
  StatusEvent,
  UserControlEvent,
} from './client-events.js';
import type { ClientSessionOptions, ConnectDuties, SwfVerification } from './client-options.js';
import { type InboundPipeline, peerCommand, toRTMPError } from './inbound.js';
import type { NetStreamChange, NetStreamTable } from './net-stream.js';
import { decodeSecureToken, findSecureToken, secureTokenResponse } from './secure-token.js';
import { CONNECT_REJECT_CODES, classifyStatus, type StatusInfo, toStatusInfo } from './status.js';
import type { PendingTransaction, TransactionTable } from './transactions.js';

/** librtmp's SetBufferLength on stream 0 after a player's connect (`RTMP_SendCtrl(r, 3, 0, 300)`). */
const CONNECT_BUFFER_MS = 300;
/** librtmp's `m_nServerBW` default: the Window Ack Size a player announces when the server sent none. */
const DEFAULT_WINDOW_ACK_SIZE = 2_500_000;

/** What the dispatch needs of its `ClientSession`. */
export interface ClientInboundContext {
  readonly options: ClientSessionOptions;
  readonly pipe: InboundPipeline<ClientHandshakeInfo>;
  readonly streams: NetStreamTable;
  readonly txns: TransactionTable;
  /** What the handshake learned (S1 for SWF verification). */
  handshakeInfo(): ClientHandshakeInfo | undefined;
  /** The transaction of the pending connect, if any. */
  connectTxn(): number | undefined;
  /** The duties of the pending connect. */
  duties(): ConnectDuties;
  /** The connect was answered: the session is connected (`ok`) or back to ready. */
  settleConnect(ok: boolean): void;
  /** Emits the one event of message `raw` (undefined: an event not made from a message). */
  emit(raw: RawMessage | undefined, ev: SessionEvent): void;
  /** A transaction was answered now (the round trip it took counts for `rttMs`). */
  answered(p: PendingTransaction): void;
  /** Sends a message now or after the handshake. */
  send(msg: Message): void;
  /** Sends a command with the next transaction id (tracked, not awaited). */
  invoke(name: string, streamId: number, args: AmfValue[]): number;
  /** The server sent `close`. */
  closedByServer(): void;
}

/** Turns decoded messages into events and automatic answers. */
export class ClientInbound {
  readonly #ctx: ClientInboundContext;
  #windowAckSent = false;
  #checkBwSent = false;
  #bwCheckCounter = 0;

  constructor(ctx: ClientInboundContext) {
    this.#ctx = ctx;
  }

  /** One decoded message (the pipeline's `onMessage`). */
  dispatch(msg: Message, raw: RawMessage): void {
    const ctx = this.#ctx;
    switch (msg.kind) {
      case 'setPeerBandwidth':
        this.#onSetPeerBandwidth(msg);
        ctx.emit(raw, { kind: 'control', message: msg });
        return;
      case 'setChunkSize':
      case 'abort':
      case 'ack':
      case 'windowAckSize':
        // Already applied: Set Chunk Size and Abort by the chunk reader, the others by the pipeline.
        ctx.emit(raw, { kind: 'control', message: msg });
        return;
      case 'userControl':
        this.#onUserControl(msg, raw);
        return;
      case 'audio':
      case 'video':
      case 'aggregate':
        this.#onMedia(msg.kind, raw);
        return;
      case 'command':
        this.#onCommand(msg, raw);
        return;
      case 'data':
        this.#onData(msg, raw);
        return;
      case 'sharedObject':
        ctx.emit(raw, { kind: 'sharedObject', message: msg });
        return;
      case 'unknown': {
        const { type, streamId, timestamp, payload } = msg;
        ctx.emit(raw, { kind: 'unknown', type, streamId, timestamp, payload });
        return;
      }
    }
  }

  /**
   * Set Peer Bandwidth (RTMP-SPEC §5.4.5): answer with Window Ack Size when the limit
   * changes. A first Dynamic — what nginx-rtmp, SRS and FMS send — has no previous Hard
   * to follow; it is taken as Hard so the server gets our window. A pinned
   * `windowAckSize` goes out once.
   */
  #onSetPeerBandwidth(msg: SetPeerBandwidthMessage): void {
    const acks = this.#ctx.pipe.acks;
    const first = acks.peerBandwidth === 0;
    const limitType =
      first && msg.limitType === PeerBandwidthLimit.Dynamic ? PeerBandwidthLimit.Hard : msg.limitType;
    const due = acks.setPeerBandwidth(msg.windowSize, limitType);
    if (due === undefined) return;
    const pinned = this.#ctx.options.windowAckSize;
    if (pinned !== undefined && this.#windowAckSent) return;
    this.#windowAckSent = true;
    this.#ctx.send(windowAckSize(pinned ?? due));
  }

  #onUserControl(msg: UserControlMessage, raw: RawMessage): void {
    const ctx = this.#ctx;
    const d = msg.data;
    const ev: UserControlEvent = { kind: 'userControl', ...d };
    const swf = ctx.options.swfVerification;
    const hs = ctx.handshakeInfo();
    if (d.event === 'pingRequest') {
      ctx.send(pingResponse(d.timestamp));
      ev.handled = true;
    } else if (
      d.event === 'swfVerifyRequest' &&
      swf !== undefined &&
      hs !== undefined &&
      (d.data[0] ?? 0) <= 1
    ) {
      ctx.send(swfVerifyResponse(swfVerificationResponse(swf, hs.s1)));
      ev.handled = true;
    } else if ('streamId' in d) {
      ctx.streams.get(d.streamId)?.onUserControl(d.event);
    }
    ctx.emit(raw, ev);
  }

  #onMedia(type: MediaEvent['type'], raw: RawMessage): void {
    const ns = this.#ctx.streams.route(raw.streamId);
    const ev: MediaEvent = {
      kind: 'media',
      streamId: ns?.streamId ?? raw.streamId,
      type,
      timestamp: raw.timestamp,
      unwrappedTimestamp: raw.unwrappedTimestamp ?? raw.timestamp,
      payload: raw.payload,
      aggregated: false,
    };
    if (ns !== undefined) {
      const v = ns.onMedia(raw.timestamp, raw.payload.length);
      if (v.dropped !== undefined) ev.dropped = v.dropped;
      if (v.change !== undefined) ev.changes = [v.change];
    }
    this.#ctx.emit(raw, ev);
    if (type !== 'aggregate') return;
    // One event for the whole aggregate; its records are walked for truncation and, as
    // librtmp's RTMP_ClientPacket does, for an onMetaData record (the stream's duration).
    const amf = this.#ctx.options.amf;
    this.#ctx.pipe.walkAggregate(raw, (rec) => {
      if (ns === undefined || ev.dropped !== undefined || rec.type !== MessageType.DataAMF0) return;
      if (firstScriptName(rec.payload) !== 'onMetaData') return;
      let values: AmfValue[];
      try {
        values = decodeAmf0(rec.payload, amf);
      } catch {
        return; // the FLV output still carries the record; only the duration stays unknown
      }
      ns.onData('onMetaData', values.slice(1));
    });
  }

  #onData(msg: DataMessage, raw: RawMessage): void {
    let { name } = msg;
    let values = name === undefined ? msg.values : msg.values.slice(1);
    if (name === 'onStatus' || name === 'onPlayStatus') {
      this.#onStatus(msg.streamId, name, values[0], raw, true);
      return;
    }
    // A relay that forwards a publisher's `@setDataFrame` unstripped: report the inner frame.
    const dataFrame = name === '@setDataFrame' && typeof values[0] === 'string';
    if (dataFrame) {
      name = values[0] as string;
      values = values.slice(1);
    }
    const ns = this.#ctx.streams.route(msg.streamId);
    const ev: DataEvent = {
      kind: 'data',
      streamId: ns?.streamId ?? msg.streamId,
      name,
      values,
      dataFrame,
      timestamp: msg.timestamp,
      unwrappedTimestamp: msg.unwrappedTimestamp ?? msg.timestamp,
      aggregated: false,
      amf3: msg.amf3,
      payload: raw.payload,
    };
    if (ns?.over) ev.dropped = 'ended';
    else ns?.onData(name, values);
    this.#ctx.emit(raw, ev);
  }

  #onCommand(msg: CommandMessage, raw: RawMessage): void {
    const ctx = this.#ctx;
    const { name, transactionId: txn, streamId } = msg;
    if (name === '_result' || name === '_error') {
      this.#onResponse(msg, raw);
      return;
    }
    if (name === 'onStatus' || name === 'onPlayStatus') {
      this.#onStatus(streamId, name, msg.args.length > 0 ? msg.args[0] : msg.commandObject, raw, false);
      return;
    }
    let handled = true;
    let changes: NetStreamChange[] | undefined;
    switch (name) {
      case '_onbwcheck':
        // librtmp: `_result(txn, null, counter++)`.
        ctx.send({ ...command('_result', txn, null, this.#bwCheckCounter++), streamId });
        break;
      case 'onBWDone':
        if ((ctx.options.checkBandwidth ?? true) && !this.#checkBwSent) {
          this.#checkBwSent = true;
          ctx.invoke('_checkbw', 0, []);
        }
        break;
      case '_onbwdone':
        break;
      case 'ping':
        // librtmp answers an AMF `ping` invoke with `pong` on csid 3.
        ctx.send({ ...command('pong', txn, null), streamId });
        break;
      case 'onFCUnsubscribe':
        // librtmp closes the stream here: the live stream is over. Nothing is answered.
        changes = ctx.streams.unsubscribed();
        handled = false;
        break;
      case 'close':
        changes = ctx.streams.cutAll('server');
        break;
      default:
        handled = false;
    }
    const ev: InvokeEvent = { kind: 'invoke', ...peerCommand(msg), handled };
    if (changes !== undefined) ev.changes = changes;
    ctx.emit(raw, ev);
    if (name === 'close') ctx.closedByServer();
  }

  #onResponse(msg: CommandMessage, raw: RawMessage): void {
    const ctx = this.#ctx;
    const txn = msg.transactionId;
    const isError = msg.name === '_error';
    const p = ctx.txns.take(txn);
    if (p !== undefined) ctx.answered(p);
    if (p !== undefined && txn === ctx.connectTxn()) {
      const info = toStatusInfo(msg.args[0]);
      if (isError || classifyStatus(info) === 'error') {
        ctx.settleConnect(false);
        ctx.emit(raw, { kind: 'connectRejected', txn, source: isError ? '_error' : '_result', info });
        return;
      }
      const duties = ctx.duties();
      ctx.settleConnect(true);
      const properties = toStatusInfo(msg.commandObject);
      ctx.emit(raw, { kind: 'connected', txn, properties, info });
      this.#doConnectDuties(duties, properties, info);
      return;
    }
    const method = p?.method;
    const base: Omit<ResultEvent, 'kind'> = {
      txn,
      method,
      streamId: msg.streamId,
      commandObject: msg.commandObject,
      values: msg.args,
    };
    if (!isError && method === 'createStream') {
      const id = msg.args[0];
      if (typeof id === 'number' && Number.isInteger(id) && id > 0 && id <= 0xffffffff) {
        ctx.emit(raw, { kind: 'streamCreated', txn, streamId: id });
        return;
      }
      const description = `createStream _result carried no valid stream id (${describe(id)})`;
      ctx.emit(raw, {
        kind: 'error',
        ...base,
        info: { level: 'error', code: 'NetConnection.Call.Failed', description },
      });
      return;
    }
    if (isError) {
      const info = toStatusInfo(msg.args.length > 0 ? msg.args[0] : msg.commandObject);
      ctx.emit(raw, { kind: 'error', ...base, info });
    } else {
      ctx.emit(raw, { kind: 'result', ...base });
    }
  }

  #onStatus(streamId: number, name: string, value: AmfValue, raw: RawMessage, dataMessage: boolean): void {
    const ctx = this.#ctx;
    const info = toStatusInfo(value);
    const txn = ctx.connectTxn();
    const code = typeof info.code === 'string' ? info.code : '';
    if (txn !== undefined && streamId === 0 && name === 'onStatus' && CONNECT_REJECT_CODES.has(code)) {
      ctx.txns.take(txn);
      ctx.settleConnect(false);
      ctx.emit(raw, { kind: 'connectRejected', txn, source: 'onStatus', info });
      return;
    }
    const ns = ctx.streams.route(streamId, info);
    const ev: StatusEvent = {
      kind: 'status',
      streamId: ns?.streamId ?? streamId,
      name,
      info,
      classification: classifyStatus(info),
      dataMessage,
    };
    const change = ns?.onStatus(info);
    if (change !== undefined) ev.changes = [change];
    ctx.emit(raw, ev);
  }

  /** librtmp's duties once connect succeeded (its `HandleInvoke` for the connect `_result`). */
  #doConnectDuties(duties: ConnectDuties, properties: StatusInfo, info: StatusInfo): void {
    const ctx = this.#ctx;
    if (duties.token !== undefined) {
      const challenge = findSecureToken(properties, info);
      if (challenge !== undefined) {
        try {
          ctx.pipe.sendRaw(secureTokenResponse(decodeSecureToken(duties.token, challenge)));
        } catch (err) {
          ctx.emit(undefined, { kind: 'protocolError', error: toRTMPError(err), fatal: false });
        }
      }
    }
    if (duties.player) {
      // librtmp sends Window Ack Size here (RTMP_SendServerBW); once is enough.
      if (!this.#windowAckSent) {
        this.#windowAckSent = true;
        const w = ctx.options.windowAckSize ?? ctx.pipe.acks.windowSize;
        ctx.send(windowAckSize(w || DEFAULT_WINDOW_ACK_SIZE));
      }
      ctx.send(setBufferLength(0, CONNECT_BUFFER_MS));
    }
    if (duties.usherToken !== undefined)
      ctx.invoke('NetStream.Authenticate.UsherToken', 0, [duties.usherToken]);
  }
}

/**
 * The 42-byte SWFVerifyResponse data (librtmp's answer to User Control 26): `01 01`,
 * size, size, HMAC-SHA256(key = last 32 bytes of S1, msg = SWF hash).
 */
export function swfVerificationResponse(swf: SwfVerification, s1: Uint8Array): Buffer {
  const out = Buffer.alloc(42);
  out[0] = 1;
  out[1] = 1;
  out.writeUInt32BE(swf.size >>> 0, 2);
  out.writeUInt32BE(swf.size >>> 0, 6);
  createHmac('sha256', s1.subarray(s1.length - 32))
    .update(swf.hash)
    .digest()
    .copy(out, 10);
  return out;
}

function describe(v: AmfValue): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (typeof v === 'object') return Array.isArray(v) ? 'array' : 'object';
  return `${typeof v} ${String(v)}`;
}
