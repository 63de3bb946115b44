/**
 * decodeMessage / encodeMessage dispatch: media pass-through without copies,
 * unknown types, aggregates, default and overridden chunk stream ids, header
 * fields, and the promise that only typed errors escape.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RTMPProtocolError, RTMPUsageError } from '../../src/errors.js';
import {
  ack,
  command,
  DefaultCsid,
  dataMessage,
  decodeMessage,
  defaultCsid,
  encodeMessage,
  type Message,
  MessageType,
  messageTypeOf,
  pingResponse,
  type RawMessage,
  setChunkSize,
  splitAggregate,
} from '../../src/message/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('audio and video payloads pass through as the same Buffer both ways', () => {
  for (const [type, kind] of [
    [8, 'audio'],
    [9, 'video'],
  ] as const) {
    const raw: RawMessage = { type, streamId: 1, timestamp: 40, csid: 7, payload: hex('af01 2233') };
    const msg = decodeMessage(raw);
    assert.equal(msg.kind, kind);
    assert.ok(msg.kind === 'audio' || msg.kind === 'video');
    assert.equal(msg.payload, raw.payload);
    const back = encodeMessage(msg);
    assert.equal(back.payload, raw.payload);
    assert.deepEqual(back, raw);
  }
});

test('empty audio/video payloads are fine', () => {
  const msg = decodeMessage({ type: 8, streamId: 1, timestamp: 0, csid: 4, payload: Buffer.alloc(0) });
  assert.equal(msg.kind, 'audio');
});

test('unknown type ids decode as kind unknown and re-encode unchanged', () => {
  for (const type of [0, 7, 10, 11, 12, 13, 14, 21, 23, 255]) {
    const raw: RawMessage = { type, streamId: 3, timestamp: 9, csid: 5, payload: hex('0102') };
    const msg = decodeMessage(raw);
    assert.deepEqual(msg, {
      kind: 'unknown',
      type,
      streamId: 3,
      timestamp: 9,
      csid: 5,
      payload: raw.payload,
    });
    assert.deepEqual(encodeMessage(msg), raw);
  }
});

test('type 22 decodes to kind aggregate (payload as is) and splits from the decoded message', () => {
  const payload = hex('08 000001 0003E8 00 000000 AF 0000000C');
  const raw: RawMessage = { type: 22, streamId: 1, timestamp: 5000, csid: 6, payload };
  const msg = decodeMessage(raw);
  assert.ok(msg.kind === 'aggregate');
  assert.equal(msg.payload, payload);
  assert.deepEqual(splitAggregate(msg), splitAggregate(raw));
  assert.equal(splitAggregate(msg)[0]!.timestamp, 5000);
  assert.deepEqual(encodeMessage(msg), raw);
});

test("default chunk stream ids (FFmpeg's choices)", () => {
  const cases: Array<[Message, number]> = [
    [setChunkSize(4096), 2],
    [ack(1), 2],
    [pingResponse(1), 2],
    [command('connect', 1, null), 3],
    [command('createStream', 2, null), 3],
    [{ ...command('play', 0, null, 'x'), streamId: 1 }, 8],
    [{ ...dataMessage('@setDataFrame', 'onMetaData', {}), streamId: 1 }, 4],
    [{ kind: 'audio', streamId: 1, timestamp: 0, payload: Buffer.alloc(1) }, 4],
    [{ kind: 'video', streamId: 1, timestamp: 0, payload: Buffer.alloc(1) }, 6],
    [{ kind: 'aggregate', streamId: 1, timestamp: 0, payload: Buffer.alloc(0) }, DefaultCsid.aggregate],
    [{ kind: 'unknown', type: 7, streamId: 0, timestamp: 0, payload: Buffer.alloc(0) }, DefaultCsid.unknown],
  ];
  for (const [msg, csid] of cases) {
    assert.equal(defaultCsid(msg), csid, msg.kind);
    assert.equal(encodeMessage(msg).csid, csid, msg.kind);
  }
});

test('csid: options.csid beats msg.csid beats the default', () => {
  const msg = command('connect', 1, null);
  assert.equal(encodeMessage(msg).csid, 3);
  assert.equal(encodeMessage({ ...msg, csid: 5 }).csid, 5);
  assert.equal(encodeMessage({ ...msg, csid: 5 }, { csid: 64 }).csid, 64);
  assert.throws(() => encodeMessage(msg, { csid: 1 }), RTMPUsageError);
  assert.throws(() => encodeMessage(msg, { csid: 65600 }), RTMPUsageError);
});

test('messageTypeOf maps every kind', () => {
  assert.equal(messageTypeOf(command('x', 0, null)), MessageType.CommandAMF0);
  assert.equal(messageTypeOf({ ...command('x', 0, null), amf3: true }), MessageType.CommandAMF3);
  assert.equal(messageTypeOf(dataMessage('x')), MessageType.DataAMF0);
  assert.equal(messageTypeOf({ ...dataMessage('x'), amf3: true }), MessageType.DataAMF3);
  assert.equal(messageTypeOf(setChunkSize(128)), MessageType.SetChunkSize);
});

test('header fields carry through: streamId, timestamp, csid, unwrappedTimestamp (not encoded)', () => {
  const raw: RawMessage = {
    type: 20,
    streamId: 0xffffffff,
    timestamp: 0xfffffffe,
    csid: 65599,
    payload: hex('02 0001 78 00 0000000000000000 05'),
    unwrappedTimestamp: 2 ** 34,
  };
  const msg = decodeMessage(raw);
  assert.equal(msg.streamId, 0xffffffff);
  assert.equal(msg.timestamp, 0xfffffffe);
  assert.equal(msg.csid, 65599);
  assert.equal(msg.unwrappedTimestamp, 2 ** 34);
  const { unwrappedTimestamp: _u, ...rest } = raw;
  assert.deepEqual(encodeMessage(msg), rest);
});

test('errors from decodeMessage are RTMPProtocolErrors with ERR_MESSAGE_* codes and the raw message', () => {
  const bad: RawMessage[] = [
    { type: 1, streamId: 0, timestamp: 0, csid: 2, payload: hex('80000000') },
    { type: 4, streamId: 0, timestamp: 0, csid: 2, payload: hex('0003 00000001') },
    { type: 6, streamId: 0, timestamp: 0, csid: 2, payload: hex('00000001') },
    { type: 17, streamId: 0, timestamp: 0, csid: 3, payload: hex('05') },
    { type: 20, streamId: 0, timestamp: 0, csid: 3, payload: hex('02 00ff') },
    { type: 18, streamId: 1, timestamp: 0, csid: 4, payload: hex('03 0001') },
    { type: 19, streamId: 0, timestamp: 0, csid: 3, payload: hex('0010 41') },
  ];
  for (const raw of bad) {
    assert.throws(
      () => decodeMessage(raw),
      (err: unknown) =>
        err instanceof RTMPProtocolError &&
        err.code.startsWith('ERR_MESSAGE_') &&
        (err.info as { raw: RawMessage }).raw === raw,
      `type ${raw.type}`,
    );
  }
});

test('encodeMessage rejects out-of-range header fields', () => {
  assert.throws(() => encodeMessage({ ...ack(1), timestamp: 2 ** 32 }), RTMPUsageError);
  assert.throws(() => encodeMessage({ ...ack(1), streamId: 1.5 }), RTMPUsageError);
});

test('AMF encode failures surface as ERR_AMF_ENCODE', () => {
  const msg = command('x', 0, null, (() => 1) as unknown as number);
  assert.throws(() => encodeMessage(msg), { code: 'ERR_AMF_ENCODE' });
});
