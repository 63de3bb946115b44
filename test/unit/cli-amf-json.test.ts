/**
 * AMF ⇄ JSON for `rtmpkit call` and `probe --json` (src/cli/amf-json.ts): every AMF value
 * kind to plain JSON (dates ISO, bytes base64, typed objects with $class, non-finite
 * numbers as strings, dictionaries with non-string keys as pairs), JSON call arguments to
 * AMF0 (objects as AMF objects, arrays as strict arrays), `call`'s ARGS operand; and the
 * codec facts probe prints (H.264 SPS size/profile/level, AAC AudioSpecificConfig).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { amf0, amf3 } from '../../src/amf/index.js';
import {
  AMF_UNSUPPORTED,
  AMFDictionary,
  AMFDouble,
  AMFObject,
  AMFTypedObject,
  AMFVector,
  AMFXMLDocument,
} from '../../src/amf/types.js';
import { amfToJson, jsonToAmf } from '../../src/cli/amf-json.js';
import { parseCallArgs } from '../../src/cli/call.js';
import { parseAacConfig, parseAvcConfig, parseAvcSps } from '../../src/cli/codec-info.js';
import { UsageError } from '../../src/cli/exit-codes.js';
import { H264_CONFIG_B64 } from '../../src/server/test-media-h264.js';

test('amfToJson: scalars, special numbers, dates, bytes, XML, undefined and unsupported', () => {
  assert.equal(amfToJson(1.5), 1.5);
  assert.equal(amfToJson('x'), 'x');
  assert.equal(amfToJson(true), true);
  assert.equal(amfToJson(null), null);
  assert.equal(amfToJson(undefined), null);
  assert.equal(amfToJson(AMF_UNSUPPORTED), null);
  assert.equal(amfToJson(Number.NaN), 'NaN');
  assert.equal(amfToJson(Number.POSITIVE_INFINITY), 'Infinity');
  assert.equal(amfToJson(Number.NEGATIVE_INFINITY), '-Infinity');
  assert.equal(amfToJson(new AMFDouble(3)), 3);
  assert.equal(amfToJson(new Date(Date.UTC(2024, 1, 29, 12, 0, 0, 5))), '2024-02-29T12:00:00.005Z');
  assert.equal(amfToJson(new Date(Number.NaN)), null);
  assert.equal(amfToJson(Buffer.from('hello')), 'aGVsbG8=');
  assert.equal(amfToJson(new Uint8Array([1, 2, 3])), 'AQID');
  assert.equal(amfToJson(new AMFXMLDocument('<a/>')), '<a/>');
});

test('amfToJson: objects, ECMA arrays, typed objects, arrays, vectors, maps and dictionaries', () => {
  const decoded = amf0.decode(amf0.encode(new AMFObject({ a: 1, nested: { b: [1, 'two', null] } })))[0];
  assert.deepEqual(amfToJson(decoded), { a: 1, nested: { b: [1, 'two', null] } });
  assert.deepEqual(amfToJson(new AMFTypedObject('com.example.Point', { x: 1, y: 2 })), {
    $class: 'com.example.Point',
    x: 1,
    y: 2,
  });
  assert.deepEqual(amfToJson(new AMFVector('int', [1, 2, 3])), [1, 2, 3]);
  assert.deepEqual(amfToJson(new Map([['k', new Date(0)]])), { k: '1970-01-01T00:00:00.000Z' });
  const dict = new AMFDictionary([
    [1, 'one'],
    ['two', 2],
  ]);
  assert.deepEqual(amfToJson(dict), [
    [1, 'one'],
    ['two', 2],
  ]);
  const fromAmf3 = amf3.decode(amf3.encode({ list: [1, 2], when: new Date(0) }))[0];
  assert.deepEqual(amfToJson(fromAmf3), { list: [1, 2], when: '1970-01-01T00:00:00.000Z' });
  // A hostile key stays a key; the output is plain JSON.
  const proto = amf0.decode(
    Buffer.from('080000000100095f5f70726f746f5f5f000000000000000000000009', 'hex'),
  )[0];
  assert.equal(JSON.stringify(amfToJson(proto)), '{"__proto__":0}');
  // Caller-made cycles do not loop forever.
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  assert.deepEqual(amfToJson(cyclic), { a: 1, self: '[Circular]' });
});

test('jsonToAmf: objects become AMF0 objects (0x03), arrays strict arrays (0x0A)', () => {
  const v = jsonToAmf({ a: [1, 'x'], b: null });
  assert.ok(v instanceof AMFObject);
  const bytes = amf0.encode(v);
  assert.equal(bytes[0], 0x03);
  assert.deepEqual(amfToJson(amf0.decode(bytes)[0]), { a: [1, 'x'], b: null });
  assert.equal(amf0.encode(jsonToAmf([1]))[0], 0x0a);
});

test("call's ARGS: a JSON array is the argument list, another JSON value one argument", () => {
  assert.deepEqual(parseCallArgs(undefined), []);
  assert.deepEqual(parseCallArgs('[1, 2]'), [1, 2]);
  assert.deepEqual(parseCallArgs('[[1, 2]]'), [[1, 2]]);
  assert.deepEqual(parseCallArgs('"x"'), ['x']);
  assert.throws(
    () => parseCallArgs('[1, 2'),
    (e: unknown) => e instanceof UsageError && /ARGS must be JSON/.test(e.message),
  );
});

test('H.264: profile, level and size from the SPS (test media: 160x90 Constrained Baseline)', () => {
  const record = Buffer.from(H264_CONFIG_B64, 'base64');
  assert.deepEqual(parseAvcConfig(record), {
    profile: 'Constrained Baseline',
    level: '1.2',
    width: 160,
    height: 90,
  });
  // SPSs written by x264 (ffmpeg -c:v libx264): 1080 lines are coded as 1088 and cropped.
  const sps1080 = Buffer.from('67640028acd940780227e5c044000003000400000300c83c60c658', 'hex');
  assert.deepEqual(parseAvcSps(sps1080), { profile: 'High', level: '4.0', width: 1920, height: 1080 });
  const sps720 = Buffer.from('674d401feca02802dd80880000030008000003019078c18cb0', 'hex');
  assert.deepEqual(parseAvcSps(sps720), { profile: 'Main', level: '3.1', width: 1280, height: 720 });
  const sps422 = Buffer.from('677a0028bcd9405a0227e27011000003000100000300320f183196', 'hex');
  assert.deepEqual(parseAvcSps(sps422), { profile: 'High 4:2:2', level: '4.0', width: 1440, height: 1080 });
  // Truncated data yields fewer fields, never an exception.
  assert.deepEqual(parseAvcSps(sps1080.subarray(0, 4)), { profile: 'High', level: '4.0' });
  assert.deepEqual(parseAvcConfig(Buffer.alloc(3)), {});
});

test('AAC AudioSpecificConfig: object type, rate, channels', () => {
  assert.deepEqual(parseAacConfig(Buffer.from([0x12, 0x10])), {
    profile: 'LC',
    sampleRate: 44100,
    channels: 2,
  });
  assert.deepEqual(parseAacConfig(Buffer.from([0x11, 0x88])), {
    profile: 'LC',
    sampleRate: 48000,
    channels: 1,
  });
  assert.deepEqual(parseAacConfig(Buffer.from([0x2b, 0x92, 0x08, 0x00])), {
    profile: 'HE-AAC',
    sampleRate: 22050,
    channels: 2,
  });
  assert.deepEqual(parseAacConfig(Buffer.alloc(0)), {});
});
