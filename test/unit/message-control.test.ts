/**
 * Protocol control (types 1, 2, 3, 5, 6) and User Control (type 4) payloads:
 * golden hex hand-built from RTMP-SPEC §5.4/§6.2,
 * parse / generate / mirror, truncated variants, tolerated excess bytes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RTMPProtocolError, RTMPUsageError } from '../../src/errors.js';
import {
  abort,
  ack,
  decodeMessage,
  encodeMessage,
  type Message,
  MessageType,
  PeerBandwidthLimit,
  pingRequest,
  pingResponse,
  type RawMessage,
  setBufferLength,
  setChunkSize,
  setPeerBandwidth,
  streamBegin,
  swfVerifyResponse,
  UserControlEvent,
  type UserControlEventData,
  userControl,
  windowAckSize,
} from '../../src/message/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const rawOf = (type: number, payloadHex: string, extra: Partial<RawMessage> = {}): RawMessage => ({
  type,
  streamId: 0,
  timestamp: 0,
  csid: 2,
  payload: hex(payloadHex),
  ...extra,
});

/** parse, generate and mirror one control-channel message against its golden payload. */
function golden(name: string, type: number, payloadHex: string, built: Message): void {
  const expected = { ...built, csid: 2 };
  test(`${name}: parse ${payloadHex}`, () => {
    assert.deepEqual(decodeMessage(rawOf(type, payloadHex)), expected);
  });
  test(`${name}: generate`, () => {
    const raw = encodeMessage(built);
    assert.equal(raw.type, type);
    assert.equal(raw.csid, 2);
    assert.equal(raw.streamId, 0);
    assert.equal(raw.timestamp, 0);
    assert.equal(raw.payload.toString('hex'), hex(payloadHex).toString('hex'));
  });
  test(`${name}: mirror`, () => {
    const raw = rawOf(type, payloadHex, { timestamp: 123456, csid: 2 });
    assert.deepEqual(encodeMessage(decodeMessage(raw)), raw);
    assert.deepEqual(decodeMessage(encodeMessage(built)), expected);
  });
}

function assertTyped(fn: () => unknown, code: string, raw?: RawMessage): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RTMPProtocolError, `not an RTMPProtocolError: ${String(err)}`);
    assert.equal(err.code, code);
    if (raw) assert.equal((err.info as { raw: RawMessage }).raw, raw);
    return true;
  });
}

// ---- golden chunks ------------------------------------------------------------------------

test('golden: Set Chunk Size 4096 matches the full chunk 02 000000 000004 01 00000000 00001000', () => {
  const chunk = hex('02 00 00 00 00 00 04 01 00 00 00 00 00 00 10 00');
  const raw = encodeMessage(setChunkSize(4096));
  assert.equal(chunk[0]! & 0x3f, raw.csid); // fmt 0, csid 2
  assert.equal(chunk.readUIntBE(4, 3), raw.payload.length);
  assert.equal(chunk[7], raw.type);
  assert.equal(chunk.readUInt32LE(8), raw.streamId);
  assert.deepEqual(raw.payload, chunk.subarray(12));
});

test('golden: Window Ack Size 2,500,000 matches the full chunk …05 00000000 002625A0', () => {
  const chunk = hex('02 00 00 00 00 00 04 05 00 00 00 00 00 26 25 A0');
  const raw = encodeMessage(windowAckSize(2_500_000));
  assert.equal(chunk[7], raw.type);
  assert.deepEqual(raw.payload, chunk.subarray(12));
});

// ---- protocol control -----------------------------------------------------------------------

golden('Set Chunk Size 4096', MessageType.SetChunkSize, '00 00 10 00', setChunkSize(4096));
golden('Set Chunk Size 1', MessageType.SetChunkSize, '00 00 00 01', setChunkSize(1));
golden('Set Chunk Size 0x7FFFFFFF', MessageType.SetChunkSize, '7F FF FF FF', setChunkSize(0x7fffffff));
golden(
  'Set Chunk Size 0x01000000 (kept as sent)',
  MessageType.SetChunkSize,
  '01 00 00 00',
  setChunkSize(0x1000000),
);
golden('Abort csid 5', MessageType.Abort, '00 00 00 05', abort(5));
golden('Acknowledgement 0x12345678', MessageType.Acknowledgement, '12 34 56 78', ack(0x12345678));
golden('Acknowledgement 0xFFFFFFFF', MessageType.Acknowledgement, 'FF FF FF FF', ack(0xffffffff));
golden('Window Ack Size 2,500,000', MessageType.WindowAckSize, '00 26 25 A0', windowAckSize(2_500_000));
golden(
  'Set Peer Bandwidth 2,500,000 Hard',
  MessageType.SetPeerBandwidth,
  '00 26 25 A0 00',
  setPeerBandwidth(2_500_000, PeerBandwidthLimit.Hard),
);
golden(
  'Set Peer Bandwidth 5,000,000 Soft',
  MessageType.SetPeerBandwidth,
  '00 4C 4B 40 01',
  setPeerBandwidth(5_000_000, PeerBandwidthLimit.Soft),
);
golden(
  'Set Peer Bandwidth 2,500,000 Dynamic',
  MessageType.SetPeerBandwidth,
  '00 26 25 A0 02',
  setPeerBandwidth(2_500_000, PeerBandwidthLimit.Dynamic),
);
golden(
  'Set Peer Bandwidth with unknown limit 7 (kept)',
  MessageType.SetPeerBandwidth,
  '00 00 04 00 07',
  setPeerBandwidth(1024, 7),
);

test('Set Chunk Size with bit 31 set or 0 -> ERR_MESSAGE_BAD_CHUNK_SIZE', () => {
  for (const p of ['80 00 00 00', 'FF FF FF FF', '80 00 10 00', '00 00 00 00']) {
    const raw = rawOf(MessageType.SetChunkSize, p);
    assertTyped(() => decodeMessage(raw), 'ERR_MESSAGE_BAD_CHUNK_SIZE', raw);
  }
});

test('control payloads shorter than their layout -> ERR_MESSAGE_TRUNCATED (every length)', () => {
  const full: Array<[number, string]> = [
    [MessageType.SetChunkSize, '00001000'],
    [MessageType.Abort, '00000005'],
    [MessageType.Acknowledgement, '12345678'],
    [MessageType.WindowAckSize, '002625a0'],
    [MessageType.SetPeerBandwidth, '002625a002'],
  ];
  for (const [type, p] of full) {
    const bytes = hex(p);
    for (let n = 0; n < bytes.length; n++) {
      const raw: RawMessage = { type, streamId: 0, timestamp: 0, csid: 2, payload: bytes.subarray(0, n) };
      assertTyped(() => decodeMessage(raw), 'ERR_MESSAGE_TRUNCATED', raw);
    }
  }
});

test('control payloads longer than their layout are tolerated', () => {
  assert.equal((decodeMessage(rawOf(1, '00001000 ffff')) as { chunkSize: number }).chunkSize, 4096);
  assert.equal((decodeMessage(rawOf(3, '00000010 00')) as { sequenceNumber: number }).sequenceNumber, 16);
  assert.equal(
    (decodeMessage(rawOf(5, '002625a0 00000000')) as { windowSize: number }).windowSize,
    2_500_000,
  );
  const spb = decodeMessage(rawOf(6, '002625a0 01 99'));
  assert.deepEqual(spb, { ...setPeerBandwidth(2_500_000, 1), csid: 2 });
});

test('control encoders reject out-of-range fields with RTMPUsageError', () => {
  assert.throws(() => encodeMessage(setChunkSize(0)), RTMPUsageError);
  assert.throws(() => encodeMessage(setChunkSize(0x80000000)), RTMPUsageError);
  assert.throws(() => encodeMessage(setChunkSize(1.5)), RTMPUsageError);
  assert.throws(() => encodeMessage(windowAckSize(-1)), RTMPUsageError);
  assert.throws(() => encodeMessage(windowAckSize(2 ** 32)), RTMPUsageError);
  assert.throws(() => encodeMessage(setPeerBandwidth(1, 256)), RTMPUsageError);
  assert.throws(() => encodeMessage(abort(Number.NaN)), RTMPUsageError);
  assert.throws(() => encodeMessage({ ...ack(1), streamId: -1 }), RTMPUsageError);
});

test('Acknowledgement sequence numbers wrap mod 2^32 when encoded', () => {
  assert.equal(encodeMessage(ack(2 ** 32 + 5)).payload.toString('hex'), '00000005');
});

test('control messages keep streamId, timestamp, csid and unwrappedTimestamp of the RawMessage', () => {
  const raw = rawOf(5, '00001000', {
    streamId: 7,
    timestamp: 0xfffffff0,
    csid: 9,
    unwrappedTimestamp: 2 ** 40,
  });
  assert.deepEqual(decodeMessage(raw), {
    kind: 'windowAckSize',
    streamId: 7,
    timestamp: 0xfffffff0,
    csid: 9,
    unwrappedTimestamp: 2 ** 40,
    windowSize: 4096,
  });
});

// ---- user control ---------------------------------------------------------------------------

golden('UC StreamBegin 1', MessageType.UserControl, '0000 00000001', streamBegin(1));
golden('UC StreamBegin 0', MessageType.UserControl, '0000 00000000', streamBegin(0));
golden(
  'UC StreamEOF 1',
  MessageType.UserControl,
  '0001 00000001',
  userControl({ event: 'streamEOF', streamId: 1 }),
);
golden(
  'UC StreamDry 1',
  MessageType.UserControl,
  '0002 00000001',
  userControl({ event: 'streamDry', streamId: 1 }),
);
golden(
  'UC SetBufferLength 1, 3000 ms (10 bytes)',
  MessageType.UserControl,
  '0003 00000001 00000BB8',
  setBufferLength(1, 3000),
);
golden(
  'UC SetBufferLength 0, 300 ms (librtmp)',
  MessageType.UserControl,
  '0003 00000000 0000012C',
  setBufferLength(0, 300),
);
golden(
  'UC StreamIsRecorded 1',
  MessageType.UserControl,
  '0004 00000001',
  userControl({ event: 'streamIsRecorded', streamId: 1 }),
);
golden('UC PingRequest 0x0D0F', MessageType.UserControl, '0006 00000D0F', pingRequest(0x0d0f));
golden('UC PingResponse 0x0D0F (golden)', MessageType.UserControl, '00 07 00 00 0D 0F', pingResponse(0x0d0f));
golden(
  'UC SWFVerifyRequest (3 bytes)',
  MessageType.UserControl,
  '001A 00',
  userControl({ event: 'swfVerifyRequest', data: hex('00') }),
);
const swfResponseData = `0101 000003E8 000003E8 ${'A5'.repeat(32)}`;
golden(
  'UC SWFVerifyResponse (44 bytes)',
  MessageType.UserControl,
  `001B ${swfResponseData}`,
  swfVerifyResponse(hex(swfResponseData)),
);
golden(
  'UC BufferEmpty 1',
  MessageType.UserControl,
  '001F 00000001',
  userControl({ event: 'bufferEmpty', streamId: 1 }),
);
golden(
  'UC BufferReady 1',
  MessageType.UserControl,
  '0020 00000001',
  userControl({ event: 'bufferReady', streamId: 1 }),
);
golden(
  'UC unknown event 5 kept raw',
  MessageType.UserControl,
  '0005 DEADBEEF',
  userControl({ event: 'unknown', eventType: 5, data: hex('DEADBEEF') }),
);
golden(
  'UC unknown event 0x1234 without data',
  MessageType.UserControl,
  '1234',
  userControl({ event: 'unknown', eventType: 0x1234, data: Buffer.alloc(0) }),
);

test('UC SWFVerifyResponse payload is 44 bytes and SWFVerifyRequest 3 bytes', () => {
  assert.equal(encodeMessage(swfVerifyResponse(hex(swfResponseData))).payload.length, 44);
  assert.equal(encodeMessage(userControl({ event: 'swfVerifyRequest', data: hex('01') })).payload.length, 3);
});

test('UC event ids match UserControlEvent', () => {
  const cases: Array<[UserControlEventData, number]> = [
    [{ event: 'streamBegin', streamId: 0 }, UserControlEvent.StreamBegin],
    [{ event: 'streamEOF', streamId: 0 }, UserControlEvent.StreamEOF],
    [{ event: 'streamDry', streamId: 0 }, UserControlEvent.StreamDry],
    [{ event: 'setBufferLength', streamId: 0, bufferLength: 0 }, UserControlEvent.SetBufferLength],
    [{ event: 'streamIsRecorded', streamId: 0 }, UserControlEvent.StreamIsRecorded],
    [{ event: 'pingRequest', timestamp: 0 }, UserControlEvent.PingRequest],
    [{ event: 'pingResponse', timestamp: 0 }, UserControlEvent.PingResponse],
    [{ event: 'swfVerifyRequest', data: hex('00') }, UserControlEvent.SWFVerifyRequest],
    [{ event: 'swfVerifyResponse', data: Buffer.alloc(42) }, UserControlEvent.SWFVerifyResponse],
    [{ event: 'bufferEmpty', streamId: 0 }, UserControlEvent.BufferEmpty],
    [{ event: 'bufferReady', streamId: 0 }, UserControlEvent.BufferReady],
  ];
  for (const [data, id] of cases) assert.equal(encodeMessage(userControl(data)).payload.readUInt16BE(0), id);
});

test('UC payloads shorter than their event layout -> ERR_MESSAGE_TRUNCATED (every length)', () => {
  const full = [
    '000000000001',
    '000100000001',
    '000200000001',
    '00030000000100000bb8',
    '000400000001',
    '000600000d0f',
    '000700000d0f',
    '001a00',
    `001b${swfResponseData.replace(/\s+/g, '')}`,
    '001f00000001',
    '002000000001',
  ];
  for (const p of full) {
    const bytes = hex(p);
    for (let n = 0; n < bytes.length; n++) {
      const raw: RawMessage = { type: 4, streamId: 0, timestamp: 0, csid: 2, payload: bytes.subarray(0, n) };
      assertTyped(() => decodeMessage(raw), 'ERR_MESSAGE_TRUNCATED', raw);
    }
  }
  // unknown events need only the event type
  assertTyped(() => decodeMessage(rawOf(4, '00')), 'ERR_MESSAGE_TRUNCATED');
  assert.equal(decodeMessage(rawOf(4, '0005')).kind, 'userControl');
});

test('UC payloads longer than their layout are tolerated (SWF events keep the excess)', () => {
  assert.deepEqual(decodeMessage(rawOf(4, '0000 00000003 ffff')), { ...streamBegin(3), csid: 2 });
  assert.deepEqual(decodeMessage(rawOf(4, '0003 00000001 00000064 00')), {
    ...setBufferLength(1, 100),
    csid: 2,
  });
  assert.deepEqual(decodeMessage(rawOf(4, '001A 01 02')), {
    ...userControl({ event: 'swfVerifyRequest', data: hex('0102') }),
    csid: 2,
  });
});

test('UC event data are views of the payload', () => {
  const raw = rawOf(4, '0005 DEADBEEF');
  const msg = decodeMessage(raw);
  assert.ok(msg.kind === 'userControl' && msg.data.event === 'unknown');
  assert.equal(msg.data.data.buffer, raw.payload.buffer);
  assert.equal(msg.data.data.byteOffset, raw.payload.byteOffset + 2);
});

test('UC encoders reject short SWF data and out-of-range fields', () => {
  assert.throws(() => encodeMessage(swfVerifyResponse(Buffer.alloc(41))), RTMPUsageError);
  assert.throws(
    () => encodeMessage(userControl({ event: 'swfVerifyRequest', data: Buffer.alloc(0) })),
    RTMPUsageError,
  );
  assert.throws(() => encodeMessage(setBufferLength(1, -5)), RTMPUsageError);
  assert.throws(() => encodeMessage(pingResponse(2 ** 32)), RTMPUsageError);
  assert.throws(
    () => encodeMessage(userControl({ event: 'unknown', eventType: 0x10000, data: Buffer.alloc(0) })),
    RTMPUsageError,
  );
});
