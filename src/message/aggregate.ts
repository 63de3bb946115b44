/**
 * Aggregate messages (type 22; RTMP-SPEC §7.1.6). The body is a run of records in FLV
 * tag layout (FLV-10.1 E.4.1) — not the 4-byte-timestamp drawing of RTMP-SPEC §6.1.1,
 * which no server sends (FMS, Wowza and librtmp all use the FLV layout):
 *
 * ```
 * UI8 type   UI24 data size   UI24 timestamp low   UI8 timestamp high   UI24 stream id (ignored)
 * data       UI32 back pointer (= data size + 11)
 * ```
 *
 * Invariants:
 * - Rebase: offset = aggregate timestamp − first record timestamp (mod 2^32); each
 *   sub-message timestamp = record timestamp + offset (mod 2^32), so the first one
 *   carries the aggregate's timestamp (librtmp's single `delta`).
 * - Sub-messages take the aggregate's stream id and chunk stream id; their payloads
 *   are views of the aggregate payload (no copy).
 * - Tolerance, as librtmp's `RTMP_Read`: a back pointer that disagrees with the
 *   data size is counted, not fatal (the next record is still read 4 bytes after the
 *   data); a missing final back pointer (or a partial one) is accepted; the first
 *   record whose header or data overruns the body stops the split and is reported in
 *   `truncated` / `trailingBytes` — never thrown.
 */
import { RTMPUsageError } from '../errors.js';
import { checkInt, checkU32 } from './common.js';
import type { RawMessage } from './raw-message.js';
import { DefaultCsid, MessageType } from './types.js';

/** FLV tag header size. */
export const AGGREGATE_RECORD_HEADER_SIZE = 11;
const BACK_POINTER_SIZE = 4;

/** What `splitAggregate` needs of an aggregate: a RawMessage or a decoded `AggregateMessage`. */
export interface AggregateSource {
  payload: Buffer;
  timestamp: number;
  streamId: number;
  csid?: number;
  unwrappedTimestamp?: number;
}

/** What a walk over an aggregate's records had to tolerate (filled in as `aggregateRecords` goes). */
export interface AggregateSummary {
  /** True when the body ended inside a record (header or data overran it); that record and the rest were dropped. */
  truncated: boolean;
  /** Bytes left unparsed at the end of the body (0 when the body was consumed exactly). */
  trailingBytes: number;
  /** Records whose back pointer was not `data size + 11` (librtmp rewrites these). */
  badBackPointers: number;
  /** True when the last record had no (complete) back pointer. */
  missingFinalBackPointer: boolean;
}

/** The result of `readAggregate`. */
export interface AggregateSplit extends AggregateSummary {
  /** The sub-messages, in order, with rebased timestamps. */
  messages: RawMessage[];
}

/**
 * Walks the records of an aggregate lazily, one sub-message per step (rebased timestamp,
 * payload a view of the aggregate's). `summary`, when given, is filled in as the walk
 * goes and is complete once the generator is done. Never throws.
 */
export function* aggregateRecords(
  agg: AggregateSource,
  summary?: AggregateSummary,
): Generator<RawMessage, void, undefined> {
  const body = agg.payload;
  const end = body.length;
  const csid = agg.csid ?? DefaultCsid.aggregate;
  let offset = 0;
  let pos = 0;
  let first = true;
  while (pos < end) {
    if (end - pos < AGGREGATE_RECORD_HEADER_SIZE) break;
    const type = body[pos]!;
    const size = (body[pos + 1]! << 16) | (body[pos + 2]! << 8) | body[pos + 3]!;
    const recTs =
      ((body[pos + 7]! << 24) | (body[pos + 4]! << 16) | (body[pos + 5]! << 8) | body[pos + 6]!) >>> 0;
    const dataStart = pos + AGGREGATE_RECORD_HEADER_SIZE;
    if (size > end - dataStart) break;
    if (first) offset = (agg.timestamp - recTs) >>> 0;
    first = false;
    const timestamp = (recTs + offset) >>> 0;
    const msg: RawMessage = {
      type,
      streamId: agg.streamId,
      timestamp,
      csid,
      payload: body.subarray(dataStart, dataStart + size),
    };
    if (agg.unwrappedTimestamp !== undefined) {
      // Signed 32-bit distance from the aggregate's timestamp (serial-number arithmetic).
      msg.unwrappedTimestamp = agg.unwrappedTimestamp + ((timestamp - agg.timestamp) | 0);
    }
    const bp = dataStart + size;
    if (end - bp < BACK_POINTER_SIZE) {
      if (summary) summary.missingFinalBackPointer = true;
      pos = end;
    } else {
      if (summary && body.readUInt32BE(bp) !== size + AGGREGATE_RECORD_HEADER_SIZE) summary.badBackPointers++;
      pos = bp + BACK_POINTER_SIZE;
    }
    yield msg;
  }
  if (pos < end && summary) {
    summary.truncated = true;
    summary.trailingBytes = end - pos;
  }
}

/** A summary with nothing tolerated yet, for `aggregateRecords`. */
export function newAggregateSummary(): AggregateSummary {
  return { truncated: false, trailingBytes: 0, badBackPointers: 0, missingFinalBackPointer: false };
}

/** Splits an aggregate, reporting everything it had to tolerate. Never throws. */
export function readAggregate(agg: AggregateSource): AggregateSplit {
  const summary = newAggregateSummary();
  const messages = [...aggregateRecords(agg, summary)];
  return { messages, ...summary };
}

/** The sub-messages of an aggregate (see `readAggregate` for what is tolerated and reported). */
export function splitAggregate(agg: AggregateSource): RawMessage[] {
  return readAggregate(agg).messages;
}

/** One record for `buildAggregate`. */
export interface AggregateRecord {
  type: number;
  timestamp: number;
  payload: Uint8Array;
}

/**
 * Builds a type-22 RawMessage from records (FLV layout, correct back pointers, stream
 * id fields 0). The aggregate's timestamp defaults to the first record's, so a split
 * gives the records' timestamps back; `streamId` defaults to 0, `csid` to
 * `DefaultCsid.aggregate`.
 */
export function buildAggregate(
  records: readonly AggregateRecord[],
  header: { streamId?: number; timestamp?: number; csid?: number } = {},
): RawMessage {
  if (records.length === 0) throw new RTMPUsageError('an aggregate needs at least one record');
  let total = 0;
  for (const r of records) {
    checkInt('record type', r.type, 0, 255);
    checkU32('record timestamp', r.timestamp);
    checkInt('record size', r.payload.length, 0, 0xffffff);
    total += AGGREGATE_RECORD_HEADER_SIZE + r.payload.length + BACK_POINTER_SIZE;
  }
  const body = Buffer.alloc(total);
  let pos = 0;
  for (const r of records) {
    const size = r.payload.length;
    body[pos] = r.type;
    body.writeUIntBE(size, pos + 1, 3);
    body.writeUIntBE(r.timestamp & 0xffffff, pos + 4, 3);
    body[pos + 7] = r.timestamp >>> 24;
    // bytes pos+8..pos+10: stream id, left 0
    body.set(r.payload, pos + AGGREGATE_RECORD_HEADER_SIZE);
    pos += AGGREGATE_RECORD_HEADER_SIZE + size;
    body.writeUInt32BE(size + AGGREGATE_RECORD_HEADER_SIZE, pos);
    pos += BACK_POINTER_SIZE;
  }
  return {
    type: MessageType.Aggregate,
    streamId: checkU32('streamId', header.streamId ?? 0),
    timestamp: checkU32('timestamp', header.timestamp ?? records[0]!.timestamp),
    csid: header.csid ?? DefaultCsid.aggregate,
    payload: body,
  };
}
