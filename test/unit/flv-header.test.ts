/**
 * FLV file header and tag header codecs: golden hex both ways (FLV-10.1 E.2/E.4.1),
 * SI32 timestamps (24 low + 8 high bits) across 0xFFFFFF and
 * 0x80000000, and the typed errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RTMPProtocolError, RTMPUsageError } from '../../src/errors.js';
import {
  decodeFileHeader,
  decodeTagHeader,
  encodeFileHeader,
  encodeTagHeader,
  hasFlvSignature,
  readTimestamp,
  si32,
  tagHeaderReservedBits,
} from '../../src/flv/header.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('file header + PreviousTagSize0: flags 05 / 04 / 01 / 00 (librtmp RTMP_Read layout)', () => {
  assert.deepEqual(encodeFileHeader({ audio: true, video: true }), hex('464C5601 05 00000009 00000000'));
  assert.deepEqual(encodeFileHeader({ audio: true, video: false }), hex('464C5601 04 00000009 00000000'));
  assert.deepEqual(encodeFileHeader({ audio: false, video: true }), hex('464C5601 01 00000009 00000000'));
  assert.deepEqual(encodeFileHeader({ audio: false, video: false }), hex('464C5601 00 00000009 00000000'));
});

test('file header decodes: version, flags, DataOffset', () => {
  assert.deepEqual(decodeFileHeader(hex('464C5601 05 00000009')), {
    version: 1,
    hasAudio: true,
    hasVideo: true,
    flags: 5,
    dataOffset: 9,
  });
  // reserved flag bits are kept in `flags`; a bigger DataOffset is legal
  assert.deepEqual(decodeFileHeader(hex('00 464C5602 FC 00000010'), 1), {
    version: 2,
    hasAudio: true,
    hasVideo: false,
    flags: 0xfc,
    dataOffset: 16,
  });
  assert.equal(decodeFileHeader(hex('464C5601 05 FFFFFFFF')).dataOffset, 0xffffffff);
});

test('file header errors: truncated, no signature, DataOffset < 9', () => {
  assert.throws(() => decodeFileHeader(hex('464C5601 05 000000')), { code: 'ERR_FLV_TRUNCATED' });
  assert.throws(() => decodeFileHeader(hex('464C5801 05 00000009')), { code: 'ERR_FLV_BAD_HEADER' });
  assert.throws(
    () => decodeFileHeader(hex('464C5601 05 00000008')),
    (e: unknown) => {
      assert.ok(e instanceof RTMPProtocolError);
      assert.equal(e.code, 'ERR_FLV_BAD_HEADER');
      return true;
    },
  );
  assert.equal(hasFlvSignature(hex('464C')), false);
  assert.equal(hasFlvSignature(hex('464C56')), true);
});

// type | size | ts low | ts high | stream id
const TAGS: [
  string,
  { type: number; dataSize: number; timestamp: number; streamId: number; filter: boolean },
][] = [
  ['08 000003 0003E8 00 000000', { type: 8, dataSize: 3, timestamp: 1000, streamId: 0, filter: false }],
  [
    '09 00ABCD FFFFFF 00 000000',
    { type: 9, dataSize: 0xabcd, timestamp: 0xffffff, streamId: 0, filter: false },
  ],
  ['09 000001 000000 01 000000', { type: 9, dataSize: 1, timestamp: 0x1000000, streamId: 0, filter: false }],
  [
    '12 000010 345678 12 000000',
    { type: 18, dataSize: 16, timestamp: 0x12345678, streamId: 0, filter: false },
  ],
  [
    '08 FFFFFF 000000 80 000000',
    { type: 8, dataSize: 0xffffff, timestamp: 0x80000000, streamId: 0, filter: false },
  ],
  ['09 000000 FFFFFF FF 000000', { type: 9, dataSize: 0, timestamp: 0xffffffff, streamId: 0, filter: false }],
  ['28 000004 000064 00 ABCDEF', { type: 8, dataSize: 4, timestamp: 100, streamId: 0xabcdef, filter: true }],
  ['0F 000002 000001 00 000000', { type: 15, dataSize: 2, timestamp: 1, streamId: 0, filter: false }],
];

test('tag header golden vectors, both ways', () => {
  for (const [h, fields] of TAGS) {
    assert.deepEqual(decodeTagHeader(hex(h)), fields, h);
    assert.deepEqual(encodeTagHeader(fields), hex(h), h);
  }
});

test('SI32 timestamps: the signed reading and negative input', () => {
  assert.equal(si32(0x7fffffff), 0x7fffffff);
  assert.equal(si32(0x80000000), -0x80000000);
  assert.equal(si32(0xffffffff), -1);
  // a negative (SI32) timestamp encodes as its 32 bits
  assert.deepEqual(
    encodeTagHeader({ type: 9, dataSize: 0, timestamp: -1 }),
    hex('09 000000 FFFFFF FF 000000'),
  );
  assert.deepEqual(
    encodeTagHeader({ type: 9, dataSize: 0, timestamp: -0x80000000 }),
    hex('09 000000 000000 80 000000'),
  );
  assert.equal(readTimestamp(hex('345678 12'), 0), 0x12345678);
  assert.equal(readTimestamp(hex('000000 FF'), 0), 0xff000000);
});

test('tag header: reserved bits are ignored by the decoder and readable', () => {
  const h = decodeTagHeader(hex('C9 000001 000000 00 000000'));
  assert.equal(h.type, 9);
  assert.equal(tagHeaderReservedBits(0xc9), 3);
  assert.equal(tagHeaderReservedBits(0x29), 0);
});

test('tag header errors: truncated; encoder rejects out-of-range fields', () => {
  assert.throws(() => decodeTagHeader(hex('08 000003 0003E8 00 0000')), { code: 'ERR_FLV_TRUNCATED' });
  for (const bad of [
    { type: 32, dataSize: 0, timestamp: 0 },
    { type: 8, dataSize: 0x1000000, timestamp: 0 },
    { type: 8, dataSize: -1, timestamp: 0 },
    { type: 8, dataSize: 0, timestamp: 0x100000000 },
    { type: 8, dataSize: 0, timestamp: 1.5 },
    { type: 8, dataSize: 0, timestamp: 0, streamId: 0x1000000 },
  ]) {
    assert.throws(
      () => encodeTagHeader(bad),
      (e: unknown) => e instanceof RTMPUsageError && e.code === 'ERR_FLV_INVALID_ARGUMENT',
    );
  }
});
