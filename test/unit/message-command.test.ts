/**
 * Command (types 20/17) and data (types 18/15) messages: golden AMF0 bytes
 * hand-built from AMF0-SPEC and RTMP-SPEC §7.2 (§7.2.1.1 for
 * the `connect` pieces), the type 17/15 format byte, 0x11 AMF3 values inside,
 * typed errors with the AMF error as cause.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AMFObject, type AmfValue, newEcmaArray } from '../../src/amf/types.js';
import { RTMPProtocolError } from '../../src/errors.js';
import {
  type CommandMessage,
  command,
  type DataMessage,
  dataMessage,
  decodeMessage,
  encodeMessage,
  type Message,
  MessageType,
  type RawMessage,
} from '../../src/message/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const rawOf = (type: number, payloadHex: string, extra: Partial<RawMessage> = {}): RawMessage => ({
  type,
  streamId: 0,
  timestamp: 0,
  csid: 3,
  payload: hex(payloadHex),
  ...extra,
});

const CONNECT = `
  02 0007 636f6e6e656374
  00 3ff0000000000000
  03
    0003 617070 02 0004 6c697665
    0008 666c617368566572 02 000d 4c4e5820392c302c3132342c32
    0005 746355726c 02 0015 72746d703a2f2f6c6f63616c686f73742f6c697665
    0004 66706164 01 00
    000b 617564696f436f64656373 00 40afce0000000000
    000b 766964656f436f64656373 00 406f800000000000
    000d 766964656f46756e6374696f6e 00 3ff0000000000000
  000009`;
const connectObject = () =>
  new AMFObject({
    app: 'live',
    flashVer: 'LNX 9,0,124,2',
    tcUrl: 'rtmp://localhost/live',
    fpad: false,
    audioCodecs: 4071,
    videoCodecs: 252,
    videoFunction: 1,
  });

/** parse, generate and mirror one message against its golden payload. */
function golden(name: string, raw: RawMessage, built: Message): void {
  const expected = { ...built, csid: raw.csid };
  test(`${name}: parse`, () => {
    assert.deepEqual(decodeMessage(raw), expected);
  });
  test(`${name}: generate`, () => {
    const out = encodeMessage(built);
    assert.equal(out.type, raw.type);
    assert.equal(out.csid, raw.csid, 'default csid');
    assert.equal(out.payload.toString('hex'), raw.payload.toString('hex'));
  });
  test(`${name}: mirror`, () => {
    assert.deepEqual(encodeMessage(decodeMessage(raw)), raw);
    assert.deepEqual(decodeMessage(encodeMessage(built)), expected);
  });
}

function assertTyped(fn: () => unknown, code: string, raw: RawMessage, causeCode?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RTMPProtocolError, `not an RTMPProtocolError: ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal((err.info as { raw: RawMessage }).raw, raw);
    if (causeCode !== undefined) assert.equal((err.cause as { code: string }).code, causeCode);
    return true;
  });
}

const amf3Command = (msg: CommandMessage): CommandMessage => ({ ...msg, amf3: true });
const amf3Data = (msg: DataMessage): DataMessage => ({ ...msg, amf3: true });

golden('connect (AMF0, type 20)', rawOf(20, CONNECT), command('connect', 1, connectObject()));
golden(
  'connect (type 17, leading 00)',
  rawOf(17, `00 ${CONNECT}`),
  amf3Command(command('connect', 1, connectObject())),
);
golden(
  'createStream _result',
  rawOf(20, '02 0007 5f726573756c74  00 4010000000000000  05  00 3ff0000000000000'),
  command('_result', 4, null, 1),
);
golden(
  'play on stream 1 (csid 8)',
  rawOf(20, '02 0004 706c6179  00 0000000000000000  05  02 0003 666f6f', { streamId: 1, csid: 8 }),
  { ...command('play', 0, null, 'foo'), streamId: 1 },
);
golden(
  'onStatus with an info object',
  rawOf(
    20,
    `02 0008 6f6e537461747573  00 0000000000000000  05
     03 0005 6c6576656c 02 0005 6572726f72  0004 636f6465 02 0003 582e59  000009`,
    { streamId: 1, csid: 8, timestamp: 77 },
  ),
  {
    ...command('onStatus', 0, null, new AMFObject({ level: 'error', code: 'X.Y' })),
    streamId: 1,
    timestamp: 77,
  },
);

const metaData = () => {
  const m = newEcmaArray();
  m.duration = 10.5;
  m.width = 1280;
  return m;
};
golden(
  '@setDataFrame onMetaData (type 18)',
  rawOf(
    18,
    `02 000d 40736574446174614672616d65
     02 000a 6f6e4d65746144617461
     08 00000002
       0008 6475726174696f6e 00 4025000000000000
       0005 7769647468 00 4094000000000000
     000009`,
    { streamId: 1, csid: 4 },
  ),
  { ...dataMessage('@setDataFrame', 'onMetaData', metaData()), streamId: 1 },
);
golden(
  'onTextData (type 15, leading 00)',
  rawOf(15, '00  02 000a 6f6e5465787444617461  03 0004 74657874 02 0002 6869 000009', {
    streamId: 1,
    csid: 4,
  }),
  { ...amf3Data(dataMessage('onTextData', new AMFObject({ text: 'hi' }))), streamId: 1 },
);

test('type 17: AMF3 values behind 0x11 decode (string argument, command object)', () => {
  const withArg = decodeMessage(rawOf(17, '00  02 0004 73656e64  00 0000000000000000  05  11 06 07 616263'));
  assert.deepEqual(withArg, { ...amf3Command(command('send', 0, null, 'abc')), csid: 3 });
  // connect whose command object is an AMF3 anonymous object {app: 'live'}
  const withObj = decodeMessage(
    rawOf(17, '00  02 0007 636f6e6e656374  00 3ff0000000000000  11 0a 0b 01 07 617070 06 09 6c697665 01'),
  );
  assert.ok(withObj.kind === 'command');
  assert.equal(withObj.amf3, true);
  assert.equal(withObj.name, 'connect');
  assert.equal((withObj.commandObject as Record<string, AmfValue>).app, 'live');
  // re-encoding (AMF0 body behind the format byte) decodes to the same message
  assert.deepEqual(decodeMessage(encodeMessage(withArg)), withArg);
});

test('type 15 data with the format byte written and read', () => {
  const msg = { ...amf3Data(dataMessage('onCuePoint', 1)), streamId: 1 };
  const raw = encodeMessage(msg);
  assert.equal(raw.type, MessageType.DataAMF3);
  assert.equal(raw.payload[0], 0);
  assert.equal(raw.payload[1], 0x02);
  assert.deepEqual(decodeMessage(raw), { ...msg, csid: 4 });
});

test('type 17/15 with a nonzero format byte -> ERR_MESSAGE_BAD_FORMAT', () => {
  for (const t of [15, 17]) {
    for (const f of ['01', '03', 'ff']) {
      const raw = rawOf(t, `${f} 02 0004 706c6179 00 0000000000000000 05`);
      assertTyped(() => decodeMessage(raw), 'ERR_MESSAGE_BAD_FORMAT', raw);
    }
  }
});

test('type 17/15 with an empty payload -> ERR_MESSAGE_TRUNCATED', () => {
  for (const t of [15, 17]) {
    const raw = rawOf(t, '');
    assertTyped(() => decodeMessage(raw), 'ERR_MESSAGE_TRUNCATED', raw);
  }
});

test('type 17 with only the format byte is an empty command -> ERR_MESSAGE_BAD_COMMAND; type 15 -> no values', () => {
  const raw = rawOf(17, '00');
  assertTyped(() => decodeMessage(raw), 'ERR_MESSAGE_BAD_COMMAND', raw);
  assert.deepEqual(decodeMessage(rawOf(15, '00')), { ...amf3Data(dataMessage()), csid: 3 });
});

test('commands whose AMF fails -> ERR_MESSAGE_BAD_COMMAND with the AMF error as cause', () => {
  const cut = rawOf(20, '02 0007 636f6e6e');
  assertTyped(() => decodeMessage(cut), 'ERR_MESSAGE_BAD_COMMAND', cut, 'ERR_AMF_TRUNCATED');
  const badMarker = rawOf(20, '02 0004 706c6179 00 0000000000000000 ee');
  assertTyped(() => decodeMessage(badMarker), 'ERR_MESSAGE_BAD_COMMAND', badMarker);
  const cut17 = rawOf(17, `00 ${CONNECT.replace(/000009\s*$/, '')}`);
  assertTyped(() => decodeMessage(cut17), 'ERR_MESSAGE_BAD_COMMAND', cut17, 'ERR_AMF_TRUNCATED');
});

test('every truncation of connect -> ERR_MESSAGE_BAD_COMMAND, except at value boundaries', () => {
  const full = hex(CONNECT);
  for (let n = 0; n < full.length; n++) {
    const raw: RawMessage = { type: 20, streamId: 0, timestamp: 0, csid: 3, payload: full.subarray(0, n) };
    if (n === 10 || n === 19) {
      // ['connect'] and ['connect', 1] are whole commands
      assert.deepEqual(decodeMessage(raw), { ...command('connect', n === 10 ? 0 : 1, null), csid: 3 });
      continue;
    }
    assertTyped(() => decodeMessage(raw), 'ERR_MESSAGE_BAD_COMMAND', raw);
  }
});

test('commands without a string name or with a non-numeric transaction id -> ERR_MESSAGE_BAD_COMMAND', () => {
  for (const p of [
    '',
    '05',
    '00 3ff0000000000000 05',
    '02 0004 706c6179 02 0001 61',
    '02 0004 706c6179 05 05',
  ]) {
    const raw = rawOf(20, p);
    assertTyped(() => decodeMessage(raw), 'ERR_MESSAGE_BAD_COMMAND', raw);
  }
});

test('a command of just a name gets transaction id 0 and a null command object', () => {
  const msg = decodeMessage(rawOf(20, '02 0005 636c6f7365'));
  assert.deepEqual(msg, { ...command('close', 0, null), csid: 3 });
  // written back explicitly
  assert.equal(
    encodeMessage(msg).payload.toString('hex'),
    hex('02 0005 636c6f7365 00 0000000000000000 05').toString('hex'),
  );
});

test('data messages whose AMF fails -> ERR_MESSAGE_BAD_DATA with the AMF error as cause', () => {
  const raw = rawOf(18, '02 000a 6f6e4d65746144617461 08 00000001 0008 647572');
  assertTyped(() => decodeMessage(raw), 'ERR_MESSAGE_BAD_DATA', raw, 'ERR_AMF_TRUNCATED');
});

test('AMF decode options pass through (maxDepth)', () => {
  const deep = rawOf(18, '0a 00000001 0a 00000001 0a 00000001 05');
  assert.equal(decodeMessage(deep).kind, 'data');
  assertTyped(
    () => decodeMessage(deep, { amf: { maxDepth: 2 } }),
    'ERR_MESSAGE_BAD_DATA',
    deep,
    'ERR_AMF_DEPTH',
  );
  const deepCmd = rawOf(20, '02 0001 78 00 0000000000000000 05 0a 00000001 0a 00000001 05');
  assertTyped(
    () => decodeMessage(deepCmd, { amf: { maxDepth: 1 } }),
    'ERR_MESSAGE_BAD_COMMAND',
    deepCmd,
    'ERR_AMF_DEPTH',
  );
});

test('data message name: first value when it is a string, else undefined', () => {
  const empty = decodeMessage(rawOf(18, ''));
  assert.deepEqual(empty, { ...dataMessage(), csid: 3 });
  const numeric = decodeMessage(rawOf(18, '00 3ff0000000000000 02 0001 61'));
  assert.ok(numeric.kind === 'data');
  assert.equal(numeric.name, undefined);
  assert.deepEqual(numeric.values, [1, 'a']);
});

test('|RtmpSampleAccess data message round-trips', () => {
  const msg = { ...dataMessage('|RtmpSampleAccess', false, false), streamId: 1 };
  const raw = encodeMessage(msg);
  assert.equal(raw.type, 18);
  assert.deepEqual(decodeMessage(raw), { ...msg, csid: 4 });
});
