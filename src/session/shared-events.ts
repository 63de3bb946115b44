/**
 * The events both sessions report for the same kinds of message (RTMP-SPEC §7.1 media,
 * data and command messages): one type each, so a relay or a test handles client and
 * server events alike. `ClientSession` and `ServerSession` each add their own kinds
 * (client-events.ts, server-events.ts).
 *
 * Invariants: events are plain data (no methods, no references back into a session);
 * payloads are views of received bytes (see `receive` of either session); every info
 * object is a `StatusInfo` even when the peer sent a non-object. The optional fields
 * marked "client" are only ever set by `ClientSession`.
 */
import type { AmfValue } from '../amf/types.js';
import type { RTMPError } from '../errors.js';
import type { RawMessage } from '../message/raw-message.js';
import type { SharedObjectMessage } from '../message/types.js';
import type { MediaDropReason, NetStreamChange } from './net-stream.js';
import type { StatusInfo } from './status.js';

/** What every event made from one received message may carry (client). */
export interface MessageEventBase {
  /**
   * The message as it came off the chunk stream (client, while `ClientSession.tapRaw`
   * is on — python-librtmp's `read_packet` needs every packet).
   */
  raw?: RawMessage;
  /** The NetStream phase changes this message caused (client), in order. */
  changes?: readonly NetStreamChange[];
}

/** What a media event carries: one frame, or an aggregate message's records (type 22). */
export type MediaEventType = 'audio' | 'video' | 'aggregate';

/**
 * An audio or video message, or (client) a whole aggregate message. The client keeps an
 * aggregate as one event whose `payload` holds its FLV-layout records (walk them with
 * `aggregateRecords`), so FLV output keeps librtmp's byte layout; the server splits
 * aggregates into one event per record (`aggregated: true`) for relaying.
 */
export interface MediaEvent<T extends MediaEventType = MediaEventType> extends MessageEventBase {
  kind: 'media';
  /** The message stream it belongs to (client: the NetStream it was routed to). */
  streamId: number;
  type: T;
  /** Wire timestamp, unsigned 32-bit (aggregate records rebased onto the aggregate's). */
  timestamp: number;
  /** The timestamp unwrapped across 2^32 wraps (chunk reader, per chunk stream). */
  unwrappedTimestamp: number;
  /** FLV AUDIODATA/VIDEODATA body, or an aggregate's records — a view, not a copy. */
  payload: Buffer;
  /** True when it is one record split out of an aggregate message (server). */
  aggregated: boolean;
  /** Set (client) when the NetStream does not deliver it to the stream's reader. */
  dropped?: MediaDropReason;
}

/**
 * A data message (`onMetaData`, `|RtmpSampleAccess`, `onTextData`, `onCuePoint`…).
 * `@setDataFrame onMetaData {…}` arrives with `name: 'onMetaData'` and `dataFrame: true`
 * (the wrapper removed, as servers do before relaying).
 */
export interface DataEvent extends MessageEventBase {
  kind: 'data';
  streamId: number;
  /** The handler name: the first string value (after any `@setDataFrame`). */
  name: string | undefined;
  /** The values after the name (all values when there is no string name). */
  values: AmfValue[];
  /** It arrived wrapped in `@setDataFrame`. */
  dataFrame: boolean;
  timestamp: number;
  unwrappedTimestamp: number;
  /** True when it is a record of an aggregate message. */
  aggregated: boolean;
  /** Arrived as type 15 (AMF3 form: a format byte, then AMF0 with AMF3 values). */
  amf3: boolean;
  /** The message body as received (type 18 AMF0 values; type 15 with its format byte) — a view. */
  payload: Buffer;
  /** Set (client) when the stream it belongs to has ended: not part of its output. */
  dropped?: MediaDropReason;
}

/** `_result` of a call we made, or of an untracked transaction. */
export interface ResultEvent extends MessageEventBase {
  kind: 'result';
  txn: number;
  /** The method the transaction was sent for; undefined when the txn was not tracked. */
  method: string | undefined;
  /** Message stream id the result arrived on. */
  streamId: number;
  /** The 3rd value (properties or null). */
  commandObject: AmfValue;
  /** The values after the command object (usually one: the return value). */
  values: AmfValue[];
}

/** `_error` of a call we made, or of an untracked transaction. */
export interface ErrorEvent extends MessageEventBase {
  kind: 'error';
  txn: number;
  method: string | undefined;
  streamId: number;
  /** The information object (4th value) as a StatusInfo (`toStatusInfo`). */
  info: StatusInfo;
  commandObject: AmfValue;
  values: AmfValue[];
}

/** A command the peer sent that is not an answer: what both sessions report of it. */
export interface PeerCommand {
  name: string;
  txn: number;
  commandObject: AmfValue;
  args: AmfValue[];
  /** Message stream id it arrived on (0 = NetConnection). */
  streamId: number;
  /** Arrived as a type-17 (AMF3 form) command. */
  amf3: boolean;
}

/** A shared object message (type 19/16), decoded header and raw events. */
export interface SharedObjectEvent extends MessageEventBase {
  kind: 'sharedObject';
  message: SharedObjectMessage;
}

/**
 * The peer broke the rules. `fatal` errors (handshake, chunk stream) end the session (a
 * `closed` event follows); non-fatal ones (one undecodable message, a truncated
 * aggregate) are reported and the session carries on.
 */
export interface ProtocolErrorEvent extends MessageEventBase {
  kind: 'protocolError';
  error: RTMPError;
  fatal: boolean;
}
