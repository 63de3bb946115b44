/**
 * Shared object messages (types 19/16): golden bytes hand-built from the Red5
 * layout documented in src/message/shared-object.ts (UI16 name, UI32 version, UI32
 * flags, UI32 reserved, events of UI8 type + UI32 length + data).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RTMPProtocolError } from '../../src/errors.js';
import {
  decodeMessage,
  decodeSharedObjectEvent,
  encodeMessage,
  encodeSharedObjectEvent,
  type RawMessage,
  type SharedObjectEventData,
  type SharedObjectMessage,
} from '../../src/message/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const HEADER = '0004 63686174  00000001  00000002 00000000'; // "chat", version 1, flags 2 (persistent)
const USE = '01 00000000';
const CHANGE = '04 0000000b  0003 666f6f 02 0003 626172'; // foo = "bar"
const STATUS = '07 0000000c  0003 582e59 0005 6572726f72'; // code "X.Y", level "error"
const BODY = `${HEADER} ${USE} ${CHANGE} ${STATUS}`;

const rawOf = (type: number, payloadHex: string): RawMessage => ({
  type,
  streamId: 0,
  timestamp: 0,
  csid: 3,
  payload: hex(payloadHex),
});

const expected = (raw: RawMessage, amf3: boolean): SharedObjectMessage => ({
  kind: 'sharedObject',
  streamId: 0,
  timestamp: 0,
  csid: 3,
  amf3,
  name: 'chat',
  version: 1,
  flags: 2,
  reserved: 0,
  persistent: true,
  events: [
    { type: 1, data: Buffer.alloc(0) },
    { type: 4, data: hex('0003 666f6f 02 0003 626172') },
    { type: 7, data: hex('0003 582e59 0005 6572726f72') },
  ],
  payload: raw.payload,
});

for (const [type, prefix, amf3] of [
  [19, '', false],
  [16, '00', true],
] as const) {
  const raw = rawOf(type, `${prefix} ${BODY}`);
  test(`shared object type ${type}: parse`, () => {
    assert.deepEqual(decodeMessage(raw), expected(raw, amf3));
  });
  test(`shared object type ${type}: generate`, () => {
    const { payload: _ignored, ...built } = expected(raw, amf3);
    const out = encodeMessage({ ...built, csid: undefined });
    assert.equal(out.type, type);
    assert.equal(out.csid, 3);
    assert.equal(out.payload.toString('hex'), raw.payload.toString('hex'));
  });
  test(`shared object type ${type}: mirror`, () => {
    assert.deepEqual(encodeMessage(decodeMessage(raw)), raw);
  });
}

test('shared object event data are views of the payload', () => {
  const raw = rawOf(19, BODY);
  const msg = decodeMessage(raw) as SharedObjectMessage;
  assert.equal(msg.events[1]!.data.buffer, raw.payload.buffer);
});

test('shared object events decode and encode by type', () => {
  const cases: Array<[string, SharedObjectEventData]> = [
    [USE, { event: 'use' }],
    ['02 00000000', { event: 'release' }],
    ['08 00000000', { event: 'clear' }],
    ['0b 00000000', { event: 'useSuccess' }],
    [CHANGE, { event: 'change', properties: [['foo', 'bar']] }],
    [
      '03 00000017  0003 666f6f 02 0003 626172  0001 6e 00 3ff0000000000000',
      {
        event: 'requestChange',
        properties: [
          ['foo', 'bar'],
          ['n', 1],
        ],
      },
    ],
    [STATUS, { event: 'status', code: 'X.Y', level: 'error' }],
    ['05 00000005  0003 666f6f', { event: 'success', key: 'foo' }],
    ['09 00000005  0003 666f6f', { event: 'remove', key: 'foo' }],
    ['0a 00000005  0003 666f6f', { event: 'requestRemove', key: 'foo' }],
    ['06 0000000c  02 0004 73656e64 02 0002 6869', { event: 'sendMessage', values: ['send', 'hi'] }],
    ['63 00000002  abcd', { event: 'unknown', type: 0x63, data: hex('abcd') }],
  ];
  for (const [evHex, data] of cases) {
    const msg = decodeMessage(rawOf(19, `${HEADER} ${evHex}`)) as SharedObjectMessage;
    assert.equal(msg.events.length, 1);
    assert.deepEqual(decodeSharedObjectEvent(msg.events[0]!), data, evHex);
    assert.deepEqual(encodeSharedObjectEvent(data), msg.events[0], evHex);
  }
});

test('a non-persistent shared object (flags 0)', () => {
  const msg = decodeMessage(rawOf(19, '0000 00000000 00000000 00000000')) as SharedObjectMessage;
  assert.equal(msg.name, '');
  assert.equal(msg.persistent, false);
  assert.deepEqual(msg.events, []);
});

test('shared object truncated anywhere inside the header or an event -> ERR_MESSAGE_TRUNCATED', () => {
  const full = hex(BODY);
  const ends = [18, 23, 39]; // after the header, Use, Change
  for (let n = 0; n < full.length; n++) {
    const raw: RawMessage = { type: 19, streamId: 0, timestamp: 0, csid: 3, payload: full.subarray(0, n) };
    if (ends.includes(n)) {
      assert.equal((decodeMessage(raw) as SharedObjectMessage).events.length, ends.indexOf(n));
      continue;
    }
    assert.throws(
      () => decodeMessage(raw),
      (err: unknown) =>
        err instanceof RTMPProtocolError &&
        err.code === 'ERR_MESSAGE_TRUNCATED' &&
        (err.info as { raw: RawMessage }).raw === raw,
      `length ${n}`,
    );
  }
});

test('type 16 with a nonzero format byte -> ERR_MESSAGE_BAD_FORMAT; empty -> ERR_MESSAGE_TRUNCATED', () => {
  assert.throws(() => decodeMessage(rawOf(16, `03 ${BODY}`)), { code: 'ERR_MESSAGE_BAD_FORMAT' });
  assert.throws(() => decodeMessage(rawOf(16, '')), { code: 'ERR_MESSAGE_TRUNCATED' });
});

test('bad event data -> ERR_MESSAGE_BAD_SHARED_OBJECT with the cause', () => {
  const raw = rawOf(19, HEADER);
  const bad = (evHex: string, cause: string) =>
    assert.throws(
      () => decodeSharedObjectEvent({ type: hex(evHex)[0]!, data: hex(evHex).subarray(1) }, undefined, raw),
      (err: unknown) =>
        err instanceof RTMPProtocolError &&
        err.code === 'ERR_MESSAGE_BAD_SHARED_OBJECT' &&
        (err.cause as { code: string }).code === cause &&
        (err.info as { raw: RawMessage }).raw === raw,
    );
  bad('04 0003 666f6f ee', 'ERR_AMF_UNKNOWN_MARKER');
  bad('04 0003 666f', 'ERR_AMF_TRUNCATED');
  bad('07 0003 582e59 0005 6572', 'ERR_AMF_TRUNCATED');
  bad('06 02 0004 7365', 'ERR_AMF_TRUNCATED');
});
