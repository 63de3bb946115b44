/**
 * Aggregate messages (type 22): FLV-tag-layout records hand-built from FLV-10.1 E.4.1
 * and RTMP-SPEC §7.1.6 as FMS, FFmpeg and librtmp write them: timestamp rebase, the FLV
 * 24+8 timestamp layout, tolerance of bad back-pointers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RTMPUsageError } from '../../src/errors.js';
import { buildAggregate, readAggregate, splitAggregate } from '../../src/message/aggregate.js';
import type { RawMessage } from '../../src/message/raw-message.js';
import { DefaultCsid, MessageType } from '../../src/message/types.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// type | size   | ts low | ts hi | stream id | data        | back pointer
const REC1 = '08 000003 0003E8 00 000000 AF0102 0000000E'; // audio, 1000 ms
const REC2 = '09 000005 000409 00 000000 1701000000 00000010'; // video, 1033 ms
const REC3 = '08 000002 00042A 00 000000 AF01 0000000D'; // audio, 1066 ms

const agg = (payloadHex: string, extra: Partial<RawMessage> = {}): RawMessage => ({
  type: MessageType.Aggregate,
  streamId: 1,
  timestamp: 5000,
  csid: 6,
  payload: hex(payloadHex),
  ...extra,
});

const sub = (
  type: number,
  timestamp: number,
  dataHex: string,
  extra: Partial<RawMessage> = {},
): RawMessage => ({
  type,
  streamId: 1,
  timestamp,
  csid: 6,
  payload: hex(dataHex),
  ...extra,
});

test('3 records (audio, video, audio) rebased: aggregate ts 5000, first sub ts 1000', () => {
  const r = readAggregate(agg(`${REC1} ${REC2} ${REC3}`));
  assert.deepEqual(r.messages, [sub(8, 5000, 'AF0102'), sub(9, 5033, '1701000000'), sub(8, 5066, 'AF01')]);
  assert.equal(r.truncated, false);
  assert.equal(r.trailingBytes, 0);
  assert.equal(r.badBackPointers, 0);
  assert.equal(r.missingFinalBackPointer, false);
});

test('sub-messages take the aggregate stream id and csid (record stream id ignored)', () => {
  const rec = '08 000001 000000 00 ABCDEF 00 0000000C';
  const [m] = splitAggregate(agg(rec, { streamId: 9, csid: 20, timestamp: 0 }));
  assert.equal(m!.streamId, 9);
  assert.equal(m!.csid, 20);
  // a source without csid (a decoded AggregateMessage built by hand) gets the default
  const [d] = splitAggregate({ payload: hex(rec), timestamp: 0, streamId: 1 });
  assert.equal(d!.csid, DefaultCsid.aggregate);
});

test('timestamps use the FLV 24+8 layout, not a 4-byte big-endian field', () => {
  // ts = 0x01000010 (high byte 01 after the low 24 bits) and 0x01000020
  const payload = '09 000001 000010 01 000000 17 0000000C  09 000001 000020 01 000000 27 0000000C';
  const [a, b] = splitAggregate(agg(payload, { timestamp: 0x01000010 }));
  assert.equal(a!.timestamp, 0x01000010);
  assert.equal(b!.timestamp, 0x01000020);
});

test('rebase is mod 2^32 in both directions', () => {
  const payload = '09 000001 000010 01 000000 17 0000000C  09 000001 000020 01 000000 27 0000000C';
  // aggregate ts below the first record's -> negative offset wraps
  const [a, b] = splitAggregate(agg(payload, { timestamp: 100 }));
  assert.equal(a!.timestamp, 100);
  assert.equal(b!.timestamp, 116);
  // aggregate ts near 2^32: later records wrap past 0
  const [c, d] = splitAggregate(agg(payload, { timestamp: 0xfffffff8 }));
  assert.equal(c!.timestamp, 0xfffffff8);
  assert.equal(d!.timestamp, 8);
});

test('unwrappedTimestamp follows the rebased timestamps when the aggregate has one', () => {
  const payload = '09 000001 000010 01 000000 17 0000000C  09 000001 000020 01 000000 27 0000000C';
  const base = 2 ** 33 + 0xfffffff8;
  const [c, d] = splitAggregate(agg(payload, { timestamp: 0xfffffff8, unwrappedTimestamp: base }));
  assert.equal(c!.unwrappedTimestamp, base);
  assert.equal(d!.unwrappedTimestamp, base + 16);
  const [e] = splitAggregate(agg(payload));
  assert.equal('unwrappedTimestamp' in e!, false);
});

test('a wrong back pointer is counted and tolerated (librtmp rewrites it)', () => {
  const bad2 = REC2.replace('00000010', '00000000');
  const r = readAggregate(agg(`${REC1} ${bad2} ${REC3}`));
  assert.equal(r.messages.length, 3);
  assert.deepEqual(
    r.messages.map((m) => [m.type, m.timestamp, m.payload.toString('hex')]),
    [
      [8, 5000, 'af0102'],
      [9, 5033, '1701000000'],
      [8, 5066, 'af01'],
    ],
  );
  assert.equal(r.badBackPointers, 1);
  assert.equal(r.truncated, false);
});

test('a missing final back pointer is accepted', () => {
  const noBp = REC3.replace('0000000D', '');
  const r = readAggregate(agg(`${REC1} ${REC2} ${noBp}`));
  assert.equal(r.messages.length, 3);
  assert.equal(r.missingFinalBackPointer, true);
  assert.equal(r.truncated, false);
  // a partial (2-byte) final back pointer likewise
  const r2 = readAggregate(agg(`${REC1} ${REC2} ${REC3.replace('0000000D', '0000')}`));
  assert.equal(r2.messages.length, 3);
  assert.equal(r2.missingFinalBackPointer, true);
});

test('a truncated last record stops the split, reported, not thrown', () => {
  const cut = '08 000002 00042A 00 000000 AF'; // 2 data bytes announced, 1 present
  const r = readAggregate(agg(`${REC1} ${REC2} ${cut}`));
  assert.equal(r.messages.length, 2);
  assert.equal(r.truncated, true);
  assert.equal(r.trailingBytes, 12);
  assert.deepEqual(splitAggregate(agg(`${REC1} ${REC2} ${cut}`)), r.messages);
});

test('a record header cut short is trailing garbage, reported', () => {
  const r = readAggregate(agg(`${REC1} 08 0000`));
  assert.equal(r.messages.length, 1);
  assert.equal(r.truncated, true);
  assert.equal(r.trailingBytes, 3);
});

test('a huge announced size does not allocate or throw', () => {
  const r = readAggregate(agg('09 FFFFFF 000000 00 000000 17'));
  assert.deepEqual(r.messages, []);
  assert.equal(r.truncated, true);
});

test('an empty aggregate splits into nothing', () => {
  assert.deepEqual(readAggregate(agg('')), {
    messages: [],
    truncated: false,
    trailingBytes: 0,
    badBackPointers: 0,
    missingFinalBackPointer: false,
  });
});

test('sub-message payloads are views of the aggregate payload (no copy)', () => {
  const a = agg(`${REC1} ${REC2} ${REC3}`);
  const msgs = splitAggregate(a);
  assert.equal(msgs[1]!.payload.buffer, a.payload.buffer);
  assert.equal(msgs[1]!.payload.byteOffset, a.payload.byteOffset + 18 + 11);
  a.payload[18 + 11] = 0x27;
  assert.equal(msgs[1]!.payload[0], 0x27);
});

test('zero-size records and script data records pass through', () => {
  const r = splitAggregate(agg('12 000000 0003E8 00 000000 0000000B  08 000000 0003E8 00 000000 0000000B'));
  assert.deepEqual(
    r.map((m) => [m.type, m.timestamp, m.payload.length]),
    [
      [18, 5000, 0],
      [8, 5000, 0],
    ],
  );
});

test('buildAggregate writes the golden FLV layout', () => {
  const built = buildAggregate(
    [
      { type: 8, timestamp: 1000, payload: hex('AF0102') },
      { type: 9, timestamp: 1033, payload: hex('1701000000') },
      { type: 8, timestamp: 1066, payload: hex('AF01') },
    ],
    { streamId: 1, timestamp: 5000, csid: 6 },
  );
  assert.deepEqual(built, agg(`${REC1} ${REC2} ${REC3}`));
});

test('buildAggregate: default timestamp = first record, so split gives records back', () => {
  const records = [
    { type: 9, timestamp: 0x12345678, payload: hex('17 01') },
    { type: 8, timestamp: 0x12345699, payload: hex('AF 01 22') },
  ];
  const built = buildAggregate(records);
  assert.equal(built.type, 22);
  assert.equal(built.timestamp, 0x12345678);
  assert.equal(built.streamId, 0);
  assert.equal(built.csid, DefaultCsid.aggregate);
  assert.equal(built.payload.subarray(4, 8).toString('hex'), '34567812');
  assert.deepEqual(
    splitAggregate(built).map((m) => ({ type: m.type, timestamp: m.timestamp, payload: m.payload })),
    records,
  );
});

test('buildAggregate rejects bad records', () => {
  assert.throws(() => buildAggregate([]), RTMPUsageError);
  assert.throws(
    () => buildAggregate([{ type: 256, timestamp: 0, payload: Buffer.alloc(0) }]),
    RTMPUsageError,
  );
  assert.throws(() => buildAggregate([{ type: 8, timestamp: -1, payload: Buffer.alloc(0) }]), RTMPUsageError);
  assert.throws(
    () => buildAggregate([{ type: 8, timestamp: 0, payload: { length: 0x1000000 } as Uint8Array }]),
    RTMPUsageError,
  );
});
