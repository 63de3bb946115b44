/**
 * AMF3 codec unit tests: golden hex vectors built by hand from AMF3-SPEC (both
 * directions: parse, generate, mirror), reference tables, cycles, externalizables,
 * and one concrete byte vector per error code, including CVE-2015-8270/8271-class input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AMFExternalizable,
  Amf3Decoder,
  ARRAY_COLLECTION,
  decode,
  encode,
  encodeWith,
  externalizableOneValue,
  OBJECT_PROXY,
  readAmf3Value,
  readU29,
  writeAmf3Value,
  writeU29,
} from '../../src/amf/amf3.js';
import { amfReader, resolveAmfOptions } from '../../src/amf/common.js';
import {
  AMF_UNSUPPORTED,
  AMFDictionary,
  AMFDouble,
  AMFObject,
  AMFTypedObject,
  AMFVector,
  AMFXML,
  AMFXMLDocument,
  type AmfValue,
  type ExternalizableCodec,
  newEcmaArray,
} from '../../src/amf/types.js';
import { AMFError } from '../../src/errors.js';
import { ByteWriter } from '../../src/util/byte-writer.js';
import { canonAmf } from '../helpers/amf-canon.js';

// ---------------------------------------------------------------------------
// helpers

/** Strict hex: whitespace allowed, anything else that is not a hex digit is a test bug. */
function hx(...parts: string[]): Buffer {
  const s = parts.join('').replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new Error(`bad hex in test vector: ${s}`);
  return Buffer.from(s, 'hex');
}

/** The bytes of an ASCII text, as hex (a readable way to spell class names). */
function ascii(s: string): string {
  return Buffer.from(s, 'latin1').toString('hex');
}

function assertAmfEqual(actual: unknown, expected: unknown, msg?: string): void {
  assert.deepStrictEqual(canonAmf(actual), canonAmf(expected), msg);
}

function amfErrorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AMFError, `expected AMFError, got ${(err as Error)?.stack ?? String(err)}`);
    return err.code;
  }
  assert.fail('expected an AMFError, nothing was thrown');
}

function ecma(entries: Record<string, AmfValue>): { [key: string]: AmfValue } {
  return Object.assign(newEcmaArray(), entries);
}

function withKeys<T extends object>(base: T, extra: Record<string, AmfValue>): T {
  return Object.assign(base, extra);
}

// ---------------------------------------------------------------------------
// golden vectors: each `values` encodes (one shared table set) to exactly `hex`, and
// decoding `hex` gives `decoded` (default: `values`); `mirror` = re-encoding the decoded
// values gives `hex` again (false only where the model loses a distinction on purpose).

interface Golden {
  name: string;
  values: AmfValue[];
  hex: Buffer;
  decoded?: AmfValue[];
  mirror?: boolean;
}

const point = (x: number, y: number) =>
  new AMFTypedObject('Point', { x, y }, { sealed: ['x', 'y'], dynamic: false });

const selfObject = (() => {
  const o = new AMFObject();
  o.self = o;
  return o;
})();
const selfArray = (() => {
  const a: AmfValue[] = [];
  a.push(a);
  return a;
})();
const sharedObject = new AMFObject();
const sharedDate = new Date(1);
const sharedXml = new AMFXML('<a/>');
const selfCollection = (() => {
  const ac = new AMFExternalizable(ARRAY_COLLECTION, undefined);
  ac.value = [ac];
  return ac;
})();
const objKey = new AMFObject();

const GOLDEN: Golden[] = [
  { name: 'undefined', values: [undefined], hex: hx('00') },
  { name: 'null', values: [null], hex: hx('01') },
  { name: 'false', values: [false], hex: hx('02') },
  { name: 'true', values: [true], hex: hx('03') },
  // integer 0x04 + U29 (AMF3-SPEC §1.3.1 U29 forms)
  { name: 'int 0', values: [0], hex: hx('04 00') },
  { name: 'int 1', values: [1], hex: hx('04 01') },
  { name: 'int 127', values: [127], hex: hx('04 7F') },
  { name: 'int 128', values: [128], hex: hx('04 81 00') },
  { name: 'int 16383', values: [16383], hex: hx('04 FF 7F') },
  { name: 'int 16384', values: [16384], hex: hx('04 81 80 00') },
  { name: 'int 2097151', values: [2097151], hex: hx('04 FF FF 7F') },
  { name: 'int 2097152', values: [2097152], hex: hx('04 80 C0 80 00') },
  { name: 'int 268435455 (2^28-1)', values: [268435455], hex: hx('04 BF FF FF FF') },
  { name: 'int -1', values: [-1], hex: hx('04 FF FF FF FF') },
  { name: 'int -128', values: [-128], hex: hx('04 FF FF FF 80') },
  { name: 'int -268435456 (-2^28)', values: [-268435456], hex: hx('04 C0 80 80 00') },
  // doubles 0x05 + IEEE-754 big-endian
  { name: '2^28 is a double', values: [268435456], hex: hx('05 41 B0 00 00 00 00 00 00') },
  { name: '-2^28-1 is a double', values: [-268435457], hex: hx('05 C1 B0 00 00 01 00 00 00') },
  { name: 'double 1.5', values: [1.5], hex: hx('05 3F F8 00 00 00 00 00 00') },
  { name: 'double 0.1', values: [0.1], hex: hx('05 3F B9 99 99 99 99 99 9A') },
  { name: 'double -0', values: [-0], hex: hx('05 80 00 00 00 00 00 00 00') },
  { name: 'double NaN', values: [Number.NaN], hex: hx('05 7F F8 00 00 00 00 00 00') },
  { name: 'double +Infinity', values: [Number.POSITIVE_INFINITY], hex: hx('05 7F F0 00 00 00 00 00 00') },
  { name: 'double -Infinity', values: [Number.NEGATIVE_INFINITY], hex: hx('05 FF F0 00 00 00 00 00 00') },
  {
    name: 'AMFDouble forces a double',
    values: [new AMFDouble(1)],
    hex: hx('05 3F F0 00 00 00 00 00 00'),
    decoded: [1],
    mirror: false,
  },
  {
    name: 'AMF_UNSUPPORTED writes undefined',
    values: [AMF_UNSUPPORTED],
    hex: hx('00'),
    decoded: [undefined],
  },
  // strings 0x06 + U29S
  { name: 'empty string', values: [''], hex: hx('06 01') },
  { name: 'string hello', values: ['hello'], hex: hx('06 0B', ascii('hello')) },
  { name: 'string é (2 UTF-8 bytes)', values: ['é'], hex: hx('06 05 C3 A9') },
  { name: 'string € (3 bytes)', values: ['€'], hex: hx('06 07 E2 82 AC') },
  { name: 'string 😀 (4 bytes)', values: ['😀'], hex: hx('06 09 F0 9F 98 80') },
  // 64 bytes: header (64 << 1) | 1 = 129 -> U29 81 01
  { name: 'string of 64 bytes', values: ['a'.repeat(64)], hex: hx('06 81 01', '61'.repeat(64)) },
  {
    name: 'string references; empty string never referenced',
    values: ['ab', 'cd', 'ab', 'cd', '', '', 'ab'],
    // ab -> #0, cd -> #1, ref 0 = 00, ref 1 = 02, '' inline both times
    hex: hx('06 05 61 62', '06 05 63 64', '06 00', '06 02', '06 01', '06 01', '06 00'),
  },
  // XMLDocument 0x07, XML 0x0B: U29X inline length, object table (not the string table)
  { name: 'XMLDocument', values: [new AMFXMLDocument('<a/>')], hex: hx('07 09', ascii('<a/>')) },
  { name: 'XML', values: [new AMFXML('<a/>')], hex: hx('0B 09', ascii('<a/>')) },
  { name: 'XML by reference', values: [sharedXml, sharedXml], hex: hx('0B 09', ascii('<a/>'), '0B 00') },
  {
    name: 'XML text does not enter the string table',
    values: [new AMFXML('ab'), 'ab'],
    hex: hx('0B 05 61 62', '06 05 61 62'),
  },
  // Date 0x08: U29D inline flag 01 + double ms
  { name: 'date 0', values: [new Date(0)], hex: hx('08 01 00 00 00 00 00 00 00 00') },
  { name: 'date -1000 ms', values: [new Date(-1000)], hex: hx('08 01 C0 8F 40 00 00 00 00 00') },
  { name: 'invalid date is NaN', values: [new Date(Number.NaN)], hex: hx('08 01 7F F8 00 00 00 00 00 00') },
  {
    name: 'date by reference',
    values: [sharedDate, sharedDate],
    hex: hx('08 01 3F F0 00 00 00 00 00 00', '08 00'),
  },
  // Array 0x09: U29A dense count, associative (key, value)* 01, dense values
  { name: 'empty array', values: [[]], hex: hx('09 01 01') },
  { name: 'dense array', values: [[1, 2, 3]], hex: hx('09 07 01 04 01 04 02 04 03') },
  { name: 'nested arrays', values: [[[1]]], hex: hx('09 03 01', '09 03 01 04 01') },
  {
    name: 'associative-only array from a plain object',
    values: [{ a: 1, b: 'x' }],
    hex: hx('09 01', '03 61 04 01', '03 62 06 03 78', '01'),
    decoded: [ecma({ a: 1, b: 'x' })],
  },
  {
    name: 'associative-only array from a Map',
    values: [new Map<string, AmfValue>([['a', 1]])],
    hex: hx('09 01 03 61 04 01 01'),
    decoded: [ecma({ a: 1 })],
  },
  {
    name: 'mixed array: dense part and own string keys',
    values: [withKeys([1] as AmfValue[], { x: 'y' })],
    hex: hx('09 03', '03 78 06 03 79', '01', '04 01'),
  },
  {
    // Flash writes the dense prefix up to the first hole; later indices are associative
    name: 'sparse array',
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point of this vector
    values: [[1, , 3]],
    hex: hx('09 03', '03 32 04 03', '01', '04 01'),
  },
  {
    name: 'array with a hole at 0 is associative-only',
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point of this vector
    values: [[, 'b']],
    hex: hx('09 01', '03 31 06 03 62', '01'),
    decoded: [ecma({ 1: 'b' })],
  },
  { name: 'array containing itself', values: [selfArray], hex: hx('09 03 01 09 00') },
  // Object 0x0A
  { name: 'empty anonymous object', values: [new AMFObject()], hex: hx('0A 0B 01 01') },
  {
    name: 'anonymous object',
    values: [new AMFObject({ a: 1 })],
    // traits: inline, dynamic, 0 sealed = 0B; class '' = 01; a=1; end 01
    hex: hx('0A 0B 01', '03 61 04 01', '01'),
  },
  {
    name: 'second anonymous object uses a traits reference',
    values: [new AMFObject({ a: 1 }), new AMFObject({ a: 2 })],
    // traits ref #0 = (0 << 2) | 1 = 01; key 'a' = string ref #0 = 00
    hex: hx('0A 0B 01 03 61 04 01 01', '0A 01 00 04 02 01'),
  },
  {
    name: 'typed object with sealed members, then a traits reference',
    values: [point(1, 2), point(3, 4)],
    // (2 sealed << 4) | inline 3 = 23; 'Point'; names x, y; values; then traits ref #0 = 01
    hex: hx('0A 23 0B', ascii('Point'), '03 78 03 79', '04 01 04 02', '0A 01 04 03 04 04'),
  },
  {
    name: 'typed object without traits: members sealed, not dynamic',
    values: [new AMFTypedObject('Point', { x: 1, y: 2 })],
    hex: hx('0A 23 0B', ascii('Point'), '03 78 03 79', '04 01 04 02'),
    decoded: [point(1, 2)],
  },
  {
    name: 'typed object, sealed and dynamic members',
    values: [new AMFTypedObject('C', { s: 1, d: 2 }, { sealed: ['s'], dynamic: true })],
    // (1 << 4) | dynamic 8 | 3 = 1B; 'C'; 's'; s=1; d=2; end
    hex: hx('0A 1B 03 43 03 73', '04 01', '03 64 04 02', '01'),
  },
  {
    name: 'typed object with no members',
    values: [new AMFTypedObject('E')],
    hex: hx('0A 03 03 45'),
    decoded: [new AMFTypedObject('E', {}, { sealed: [], dynamic: false })],
  },
  {
    name: 'traits table indices across anonymous and typed objects',
    values: [new AMFObject(), point(1, 2), new AMFObject()],
    hex: hx('0A 0B 01 01', '0A 23 0B', ascii('Point'), '03 78 03 79 04 01 04 02', '0A 01 01'),
  },
  {
    name: "anonymous object with a '' member: it travels as the one sealed member",
    values: [new AMFObject({ '': 1, a: 2 })],
    // (1 sealed << 4) | dynamic 8 | 3 = 1B; class ''; sealed name ''; '' = 1; a = 2; end
    hex: hx('0A 1B 01 01', '04 01', '03 61 04 02', '01'),
  },
  {
    name: 'object containing itself',
    values: [selfObject],
    hex: hx('0A 0B 01', '09', ascii('self'), '0A 00', '01'),
  },
  {
    name: 'shared object inside an array',
    values: [[sharedObject, sharedObject]],
    // array is object #0, the object #1
    hex: hx('09 05 01', '0A 0B 01 01', '0A 02'),
  },
  {
    name: '__proto__ is an ordinary key',
    values: [new AMFObject(JSON.parse('{"__proto__": 1}') as Record<string, AmfValue>)],
    hex: hx('0A 0B 01', '13', ascii('__proto__'), '04 01', '01'),
  },
  // ByteArray 0x0C
  { name: 'ByteArray', values: [Buffer.from([1, 2, 3])], hex: hx('0C 07 01 02 03') },
  { name: 'empty ByteArray', values: [Buffer.alloc(0)], hex: hx('0C 01') },
  // Vectors 0x0D-0x10: U29V count, fixed flag, elements
  {
    name: 'Vector<int>',
    values: [new AMFVector('int', [1, -1])],
    hex: hx('0D 05 00', '00 00 00 01', 'FF FF FF FF'),
  },
  {
    name: 'Vector<uint>, fixed',
    values: [new AMFVector('uint', [1, 0xffffffff], true)],
    hex: hx('0E 05 01', '00 00 00 01', 'FF FF FF FF'),
  },
  {
    name: 'Vector<Number>',
    values: [new AMFVector('double', [1.5])],
    hex: hx('0F 03 00 3F F8 00 00 00 00 00 00'),
  },
  {
    name: 'Vector<*>',
    values: [new AMFVector('object', [1, 'a'])],
    hex: hx('10 05 00', '03 2A', '04 01', '06 03 61'),
  },
  {
    name: 'Vector.<com.Foo>, fixed',
    values: [new AMFVector('object', [null], true, 'com.Foo')],
    hex: hx('10 03 01', '0F', ascii('com.Foo'), '01'),
  },
  // Dictionary 0x11: U29Dict count, weak-keys flag, (key, value)*
  {
    name: 'Dictionary',
    values: [
      new AMFDictionary([
        ['k', 1],
        [2, true],
      ]),
    ],
    hex: hx('11 05 00', '06 03 6B 04 01', '04 02 03'),
  },
  {
    name: 'Dictionary with weak object keys',
    values: [
      Object.assign(new AMFDictionary([[objKey, 'v']]), {
        weakKeys: true,
      }),
    ],
    hex: hx('11 03 01', '0A 0B 01 01', '06 03 76'),
  },
  // Externalizable (traits 111): class name then the class-defined body
  {
    name: 'ArrayCollection',
    values: [new AMFExternalizable(ARRAY_COLLECTION, [1, 2])],
    // 'flex.messaging.io.ArrayCollection' is 33 bytes: (33 << 1) | 1 = 43
    hex: hx('0A 07 43', ascii(ARRAY_COLLECTION), '09 05 01 04 01 04 02'),
  },
  {
    name: 'two ArrayCollections: the second uses a traits reference',
    values: [new AMFExternalizable(ARRAY_COLLECTION, []), new AMFExternalizable(ARRAY_COLLECTION, ['a'])],
    hex: hx('0A 07 43', ascii(ARRAY_COLLECTION), '09 01 01', '0A 01', '09 03 01 06 03 61'),
  },
  {
    name: 'ObjectProxy',
    values: [new AMFExternalizable(OBJECT_PROXY, new AMFObject({ a: 1 }))],
    // 29 bytes: (29 << 1) | 1 = 3B
    hex: hx('0A 07 3B', ascii(OBJECT_PROXY), '0A 0B 01 03 61 04 01 01'),
  },
  {
    name: 'ArrayCollection containing itself',
    values: [selfCollection],
    hex: hx('0A 07 43', ascii(ARRAY_COLLECTION), '09 03 01 0A 00'),
  },
];

describe('AMF3 golden vectors', () => {
  for (const g of GOLDEN) {
    test(`generate: ${g.name}`, () => {
      assert.equal(encode(...g.values).toString('hex'), g.hex.toString('hex'));
    });
    test(`parse: ${g.name}`, () => {
      assertAmfEqual(decode(g.hex), g.decoded ?? g.values);
    });
    if (g.mirror !== false) {
      test(`mirror: ${g.name}`, () => {
        assert.equal(encode(...decode(g.hex)).toString('hex'), g.hex.toString('hex'));
      });
    }
  }

  test('every strict prefix of a golden value is ERR_AMF_TRUNCATED', () => {
    for (const g of GOLDEN) {
      if (g.values.length !== 1) continue;
      for (let i = 1; i < g.hex.length; i++) {
        assert.equal(
          amfErrorCode(() => decode(g.hex.subarray(0, i))),
          'ERR_AMF_TRUNCATED',
          `${g.name} @${i}`,
        );
      }
    }
  });
});

describe('AMF3 decoded shapes', () => {
  test('the comparison helper tells apart what the codec must keep apart', () => {
    const differ: [unknown, unknown][] = [
      [new AMFTypedObject('A'), new AMFTypedObject('B')],
      [new AMFTypedObject('A', { x: 1 }), new AMFObject({ x: 1 })],
      [
        new AMFTypedObject('A', { x: 1 }, { sealed: ['x'], dynamic: true }),
        new AMFTypedObject('A', { x: 1 }),
      ],
      [new AMFXML('a'), new AMFXMLDocument('a')],
      [new AMFVector('int', [1]), new AMFVector('uint', [1])],
      [new AMFVector('int', [1]), new AMFVector('int', [1], true)],
      [[1], ecma({ 0: 1 })],
      [-0, 0],
      [undefined, null],
      [new AMFExternalizable('A', 1), new AMFTypedObject('A', { value: 1 })],
      [
        [sharedObject, sharedObject],
        [new AMFObject(), new AMFObject()],
      ],
    ];
    for (const [a, b] of differ) assert.notDeepStrictEqual(canonAmf(a), canonAmf(b));
  });

  test('a decoded __proto__ member does not change the prototype', () => {
    const [o] = decode(hx('0A 0B 01', '13', ascii('__proto__'), '04 01', '01'));
    assert.equal(Object.getPrototypeOf(o), AMFObject.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(o, '__proto__')?.value, 1);
  });

  test('references and cycles resolve to the same JS objects', () => {
    const [o] = decode(hx('0A 0B 01', '09', ascii('self'), '0A 00', '01')) as [AMFObject];
    assert.equal(o.self, o);
    const [a] = decode(hx('09 05 01', '0A 0B 01 01', '0A 02')) as [AmfValue[]];
    assert.equal(a[0], a[1]);
    const [x, y] = decode(hx('0B 09', ascii('<a/>'), '0B 00'));
    assert.equal(x, y);
    const [ac] = decode(hx('0A 07 43', ascii(ARRAY_COLLECTION), '09 03 01 0A 00')) as [AMFExternalizable];
    assert.equal((ac.value as AmfValue[])[0], ac);
  });

  test('object references across top-level values of one sequence', () => {
    // [AMFObject{}] then a top-level reference to object #1 (the inner object)
    const [arr, again] = decode(hx('09 03 01 0A 0B 01 01', '0A 02')) as [AmfValue[], AmfValue];
    assert.equal(arr[0], again);
  });

  test('associative-only arrays decode to null-prototype objects; __proto__ is just a key', () => {
    const [o] = decode(hx('09 01', '13', ascii('__proto__'), '04 01', '01')) as [Record<string, AmfValue>];
    assert.equal(Object.getPrototypeOf(o), null);
    assert.deepEqual(Object.keys(o), ['__proto__']);
    assert.equal(Object.getOwnPropertyDescriptor(o, '__proto__')?.value, 1);
    const [m] = decode(hx('09 03', '13', ascii('__proto__'), '04 01', '01', '04 02')) as [AmfValue[]];
    assert.ok(Array.isArray(m));
    assert.equal(Object.getPrototypeOf(m), Array.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(m, '__proto__')?.value, 1);
  });

  test('dense-only is an Array, mixed an Array with own keys, index-like keys become elements', () => {
    const [mixed] = decode(hx('09 05', '03 31 06 03 61', '03 35 06 03 62', '01', '04 07 04 08')) as [
      AmfValue[],
    ];
    // '1' is overwritten by the dense part, '5' becomes element 5
    assert.equal(mixed.length, 6);
    assert.equal(mixed[0], 7);
    assert.equal(mixed[1], 8);
    assert.equal(mixed[5], 'b');
    assert.ok(!(2 in mixed));
  });

  test('ByteArray decodes to a Buffer copy, not a view of the input', () => {
    const input = hx('0C 07 01 02 03');
    const [b] = decode(input) as [Buffer];
    assert.ok(Buffer.isBuffer(b));
    input[2] = 0xff;
    assert.deepEqual([...b], [1, 2, 3]);
  });

  test('Uint8Array (not Buffer) encodes as ByteArray', () => {
    assert.equal(encode(new Uint8Array([1, 2, 3])).toString('hex'), '0c07010203');
  });

  test('typed objects record their traits; anonymous ones are AMFObjects', () => {
    const [p, q] = decode(
      hx('0A 23 0B', ascii('Point'), '03 78 03 79', '04 01 04 02', '0A 01 04 03 04 04'),
    ) as [AMFTypedObject, AMFTypedObject];
    assert.ok(p instanceof AMFTypedObject);
    assert.equal(p.className, 'Point');
    assert.deepEqual(AMFTypedObject.traitsOf(p), { sealed: ['x', 'y'], dynamic: false });
    assert.equal(
      AMFTypedObject.traitsOf(p),
      AMFTypedObject.traitsOf(q),
      'one traits object per traits-table entry',
    );
    assert.deepEqual(Object.keys(p), ['x', 'y']);
    const [o] = decode(hx('0A 0B 01 03 61 04 01 01'));
    assert.ok(o instanceof AMFObject && !(o instanceof AMFTypedObject));
  });

  test('an anonymous object with sealed members decodes to an AMFObject', () => {
    // (1 << 4) | 3 = 13: one sealed 'a', not dynamic, anonymous
    const [o] = decode(hx('0A 13 01 03 61 04 05'));
    assertAmfEqual(o, new AMFObject({ a: 5 }));
  });

  test('a typed member named "traits" is a plain member and re-encodes with the real traits', () => {
    const bytes = hx('0A 13 03 43', '0D', ascii('traits'), '04 01');
    const [o] = decode(bytes) as [AMFTypedObject];
    assert.equal((o as unknown as Record<string, unknown>).traits, 1);
    assert.equal(encode(o).toString('hex'), bytes.toString('hex'));
  });

  test('an object referenced through a traits reference to externalizable traits', () => {
    const [a, b] = decode(hx('0A 07 43', ascii(ARRAY_COLLECTION), '09 01 01', '0A 01 09 01 01'));
    assert.ok(a instanceof AMFExternalizable && b instanceof AMFExternalizable);
    assert.equal(b.className, ARRAY_COLLECTION);
  });

  test('non-shortest U29 forms are accepted', () => {
    assert.deepEqual(
      decode(hx('04 80 00', '04 80 80 00', '04 80 80 80 00', '04 80 80 80 FF')),
      [0, 0, 0, 255],
    );
  });

  test('any non-zero fixed / weak-keys byte is true', () => {
    const [v, d] = decode(hx('0D 01 7F', '11 01 02')) as [AMFVector, AMFDictionary];
    assert.equal(v.fixed, true);
    assert.equal(d.weakKeys, true);
  });

  test('Dictionary keys keep their types and identity', () => {
    const [d] = decode(hx('11 05 00', '0A 0B 01 01 06 03 61', '04 01 06 03 62')) as [AMFDictionary];
    const keys = [...d.keys()];
    assert.ok(keys[0] instanceof AMFObject);
    assert.equal(keys[1], 1);
    assert.equal(d.get(1), 'b');
  });

  test('an invalid date decodes to an Invalid Date', () => {
    const [d] = decode(hx('08 01 7F F8 00 00 00 00 00 00')) as [Date];
    assert.ok(d instanceof Date);
    assert.ok(Number.isNaN(d.getTime()));
  });

  test('utf8: "replace" decodes invalid UTF-8 with U+FFFD', () => {
    assert.deepEqual(decode(hx('06 03 FF'), { utf8: 'replace' }), ['\uFFFD']);
  });

  test('an empty input decodes to no values', () => {
    assert.deepEqual(decode(Buffer.alloc(0)), []);
  });

  test('decode accepts a plain Uint8Array', () => {
    assert.deepEqual(decode(new Uint8Array([4, 1, 6, 3, 0x61])), [1, 'a']);
  });
});

describe('AMF3 encoder choices', () => {
  test('integers in [-2^28, 2^28-1] except -0 use the integer marker', () => {
    assert.equal(encode(268435455, -268435456).toString('hex'), '04bfffffff04c0808000');
    assert.equal(encode(-0)[0], 0x05);
    assert.equal(encode(2 ** 28)[0], 0x05);
    assert.equal(encode(-(2 ** 28) - 1)[0], 0x05);
    assert.equal(encode(1.5)[0], 0x05);
  });

  test('an array with a trailing hole writes only its dense prefix', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point of this test
    assert.equal(encode([1, ,]).toString('hex'), hx('09 03 01 04 01').toString('hex'));
  });

  test('a typed object with traits writes missing sealed members as undefined', () => {
    const o = new AMFTypedObject('P', { x: 1 }, { sealed: ['x', 'y'], dynamic: false });
    assert.equal(encode(o).toString('hex'), hx('0A 23 03 50 03 78 03 79 04 01 00').toString('hex'));
  });

  test('inherited properties are not members', () => {
    const o = new AMFTypedObject('P', {}, { sealed: ['toString'], dynamic: false });
    assert.equal(encode(o).toString('hex'), hx('0A 13 03 50 11', ascii('toString'), '00').toString('hex'));
  });

  test('writeAmf3Value uses fresh tables each call; encode shares them', () => {
    const w = new ByteWriter();
    writeAmf3Value(w, 'ab');
    writeAmf3Value(w, 'ab');
    assert.equal(w.toBuffer().toString('hex'), '0605616206056162');
    assert.equal(encode('ab', 'ab').toString('hex'), '060561620600');
  });

  test('readAmf3Value uses fresh tables and honours the caller depth', () => {
    const opts = resolveAmfOptions({ maxDepth: 2 });
    const r = amfReader(hx('06 05 61 62', '06 00'));
    assert.equal(readAmf3Value(r, opts, 0), 'ab');
    assert.equal(
      amfErrorCode(() => readAmf3Value(r, opts, 0)),
      'ERR_AMF_BAD_REFERENCE',
    );
    const nested = hx('09 03 01 09 01 01'); // [[]]: two levels of containers
    assertAmfEqual(readAmf3Value(amfReader(nested), opts, 0), [[]]);
    assert.equal(
      amfErrorCode(() => readAmf3Value(amfReader(nested), opts, 1)),
      'ERR_AMF_DEPTH',
    );
    const r2 = amfReader(hx('00 04 05 01'), 1);
    assert.equal(readAmf3Value(r2, opts, 0), 5);
    assert.equal(r2.pos, 3);
  });

  test('Amf3Decoder can be driven directly', () => {
    const d = new Amf3Decoder(amfReader(hx('06 05 61 62 06 00')), resolveAmfOptions());
    assert.equal(d.readValue(0), 'ab');
    assert.equal(d.readValue(0), 'ab');
  });
});

describe('AMF3 externalizable registry', () => {
  const readXyz: ExternalizableCodec = {
    read(readValue) {
      const x = readValue();
      const y = readValue();
      return new AMFTypedObject('com.example.Xy', { x, y });
    },
    write(value, writeValue) {
      const o = value as AMFTypedObject;
      writeValue(o.x);
      writeValue(o.y);
    },
    matches: (value) => value instanceof AMFTypedObject && value.className === 'com.example.Xy',
  };
  const registry = new Map([['com.example.Xy', readXyz]]);
  const xyBytes = hx('0A 07 1D', ascii('com.example.Xy'), '04 01 04 02');

  test('custom codecs decode and encode', () => {
    const [v] = decode(xyBytes, { externalizable: registry });
    assertAmfEqual(v, new AMFTypedObject('com.example.Xy', { x: 1, y: 2 }));
    assert.equal(encodeWith({ externalizable: registry }, v).toString('hex'), xyBytes.toString('hex'));
  });

  test('unknown classes are ERR_AMF_EXTERNALIZABLE', () => {
    assert.equal(
      amfErrorCode(() => decode(xyBytes)),
      'ERR_AMF_EXTERNALIZABLE',
    );
    assert.equal(
      amfErrorCode(() => decode(hx('0A 07 07', ascii('foo'), '01'))),
      'ERR_AMF_EXTERNALIZABLE',
    );
  });

  test('a custom reader that throws is wrapped with its cause', () => {
    const boom: ExternalizableCodec = {
      read() {
        throw new TypeError('boom');
      },
      write() {},
    };
    try {
      decode(xyBytes, { externalizable: new Map([['com.example.Xy', boom]]) });
      assert.fail('no error');
    } catch (err) {
      assert.ok(err instanceof AMFError);
      assert.equal(err.code, 'ERR_AMF_EXTERNALIZABLE');
      assert.ok(err.cause instanceof TypeError);
    }
  });

  test('a custom writer that throws is wrapped with its cause', () => {
    const boom: ExternalizableCodec = {
      read: (rv) => rv(),
      write() {
        throw new TypeError('boom');
      },
      matches: (v) => v instanceof AMFTypedObject && v.className === 'com.example.Boom',
    };
    try {
      encodeWith(
        { externalizable: new Map([['com.example.Boom', boom]]) },
        new AMFTypedObject('com.example.Boom'),
      );
      assert.fail('no error');
    } catch (err) {
      assert.ok(err instanceof AMFError);
      assert.equal(err.code, 'ERR_AMF_EXTERNALIZABLE');
      assert.ok(err.cause instanceof TypeError);
    }
  });

  test('a reference to a custom externalizable still being read is ERR_AMF_BAD_REFERENCE', () => {
    const bytes = hx('0A 07 1D', ascii('com.example.Xy'), '0A 00 04 02');
    assert.equal(
      amfErrorCode(() => decode(bytes, { externalizable: registry })),
      'ERR_AMF_BAD_REFERENCE',
    );
  });

  test('externalizableOneValue registers further one-value classes; options override built-ins', () => {
    const bytes = hx('0A 07 0F', ascii('com.Foo'), '04 07');
    const [v] = decode(bytes, { externalizable: new Map([['com.Foo', externalizableOneValue('com.Foo')]]) });
    assertAmfEqual(v, new AMFExternalizable('com.Foo', 7));
    assert.equal(encode(v).toString('hex'), bytes.toString('hex'));
    const plain: ExternalizableCodec = { read: (rv) => rv(), write: (v2, wv) => wv(v2) };
    const [arr] = decode(hx('0A 07 43', ascii(ARRAY_COLLECTION), '09 03 01 04 01'), {
      externalizable: new Map([[ARRAY_COLLECTION, plain]]),
    });
    assert.deepEqual(arr, [1]);
  });
});

// ---------------------------------------------------------------------------
// errors: one concrete vector per code

describe('AMF3 errors', () => {
  test('ERR_AMF_TRUNCATED', () => {
    for (const h of [
      '04',
      '04 81',
      '04 FF FF FF',
      '05 00 00',
      '06 0B 68 65',
      '07 09 3C',
      '08 01 00',
      '09',
      '09 03 01',
    ]) {
      assert.equal(
        amfErrorCode(() => decode(hx(h))),
        'ERR_AMF_TRUNCATED',
        h,
      );
    }
    for (const h of [
      '0A 0B 01 03 61',
      '0A 0B 01 03 61 04 01',
      '0C 07 01',
      '0D 05 00 00 00 00 01',
      '10 03 00',
      '11 03 00 04 01',
    ]) {
      assert.equal(
        amfErrorCode(() => decode(hx(h))),
        'ERR_AMF_TRUNCATED',
        h,
      );
    }
  });

  test('ERR_AMF_TRUNCATED for huge lengths and counts, without allocating (CVE-2015-8271 class)', () => {
    const tail = '01'.repeat(10);
    const cases = [
      '06 FF FF FF FF', // string of 2^28-1 bytes
      '07 FF FF FF FF', // XMLDocument
      '0B FF FF FF FF', // XML
      '09 FF FF FF FF', // array with 2^28-1 dense values
      '0C FF FF FF FF', // ByteArray
      '0D FF FF FF FF 00', // Vector<int>: 2^28-1 x 4 bytes
      '0E FF FF FF FF 00', // Vector<uint>
      '0F FF FF FF FF 00', // Vector<Number>: 2^28-1 x 8 bytes
      '10 FF FF FF FF 00 01', // Vector<*>
      '11 FF FF FF FF 00', // Dictionary
      '0A FF FF FF F3', // inline traits with 2^25-1 sealed members
      '0A 84 80 80 03', // CVE-2015-8271 trigger: 2^20 sealed members, 3 bytes of data
    ];
    for (const h of cases) {
      const before = process.memoryUsage();
      const t0 = performance.now();
      assert.equal(
        amfErrorCode(() => decode(hx(h, tail))),
        'ERR_AMF_TRUNCATED',
        h,
      );
      const ms = performance.now() - t0;
      const after = process.memoryUsage();
      assert.ok(ms < 50, `${h}: took ${ms} ms`);
      assert.ok(after.arrayBuffers - before.arrayBuffers < 1 << 20, `${h}: arrayBuffers grew`);
      assert.ok(after.heapUsed - before.heapUsed < 16 << 20, `${h}: heap grew`);
    }
  });

  test('ERR_AMF_BAD_REFERENCE (CVE-2015-8270 class)', () => {
    const cases = [
      '06 00', // string ref #0, empty table
      '06 03 61 06 02', // string ref #1, table of 1
      '0A 0B 00 01', // class name is a missing string reference
      '0A 00', // object ref #0
      '0A 01', // traits ref #0
      '0A 0B 01 01 0A 05', // traits ref #1, table of 1
      '09 00',
      '09 03 01 09 02', // the array is #0, ref #1 missing
      '07 00',
      '08 00',
      '0B 00',
      '0C 00',
      '0D 00',
      '0E 00',
      '0F 00',
      '10 00',
      '11 00',
      '10 03 00 02 01', // vector type name is a missing string ref
    ];
    for (const h of cases)
      assert.equal(
        amfErrorCode(() => decode(hx(h))),
        'ERR_AMF_BAD_REFERENCE',
        h,
      );
  });

  test('ERR_AMF_UNKNOWN_MARKER', () => {
    for (const h of ['12', 'FF', '80', '09 03 01 12', '0A 0B 01 03 61 13 01']) {
      assert.equal(
        amfErrorCode(() => decode(hx(h))),
        'ERR_AMF_UNKNOWN_MARKER',
        h,
      );
    }
  });

  test('ERR_AMF_DEPTH for 100,000 nested arrays (no RangeError)', () => {
    const deep = Buffer.from(`${'090301'.repeat(100_000)}01`, 'hex');
    assert.equal(
      amfErrorCode(() => decode(deep)),
      'ERR_AMF_DEPTH',
    );
    // even with a limit the JS stack cannot honour, only AMFError escapes
    assert.equal(
      amfErrorCode(() => decode(deep, { maxDepth: 1e9 })),
      'ERR_AMF_DEPTH',
    );
  });

  test('ERR_AMF_DEPTH at exactly maxDepth + 1 containers, for every container type', () => {
    const opts = { maxDepth: 3 };
    const wrap = {
      array: (inner: string) => `0903 01 ${inner}`,
      object: (inner: string) => `0A0B01 0361 ${inner} 01`,
      vector: (inner: string) => `100300 01 ${inner}`,
      dictionary: (inner: string) => `110300 0401 ${inner}`,
      collection: (inner: string) => `0A0743${ascii(ARRAY_COLLECTION)} ${inner}`,
    };
    for (const [name, f] of Object.entries(wrap)) {
      const ok = f(f(f('01')));
      assert.equal(decode(hx(ok), opts).length, 1, name);
      assert.equal(
        amfErrorCode(() => decode(hx(f(ok)), opts)),
        'ERR_AMF_DEPTH',
        name,
      );
    }
  });

  test('ERR_AMF_INVALID_UTF8 in values, keys, class names and XML', () => {
    const cases = [
      '06 03 FF',
      '06 05 C3 28', // bad continuation
      '06 05 C0 80', // overlong NUL
      '06 07 ED A0 80', // UTF-16 surrogate
      '09 01 03 FF 01 01', // associative key
      '0A 0B 03 FE 01', // class name
      '07 03 FF',
    ];
    for (const h of cases)
      assert.equal(
        amfErrorCode(() => decode(hx(h))),
        'ERR_AMF_INVALID_UTF8',
        h,
      );
  });

  test('ERR_AMF_BAD_KEY for keys the JS model cannot hold', () => {
    // mixed array with associative key "length"
    assert.equal(
      amfErrorCode(() => decode(hx('09 03', '0D', ascii('length'), '04 01 01 04 01'))),
      'ERR_AMF_BAD_KEY',
    );
    // a typed object with a member "className" is fine: the class name lives under a symbol
    const typed = hx('0A 13 03 43', '13', ascii('className'), '04 01');
    const [t] = decode(typed) as [AMFTypedObject];
    assert.equal(t.className, 1);
    assert.equal(AMFTypedObject.classNameOf(t), 'C');
    assert.equal(encode(t).toString('hex'), typed.toString('hex'));
    // and "length" is fine in an associative-only array and "className" in an anonymous object
    assertAmfEqual(decode(hx('09 01 0D', ascii('length'), '04 01 01'))[0], ecma({ length: 1 }));
    assertAmfEqual(
      decode(hx('0A 0B 01 13', ascii('className'), '04 01 01'))[0],
      new AMFObject({ className: 1 }),
    );
  });

  test('ERR_AMF_OPTION for a bad maxDepth', () => {
    assert.equal(
      amfErrorCode(() => decode(hx('01'), { maxDepth: 0 })),
      'ERR_AMF_OPTION',
    );
  });

  test('ERR_AMF_ENCODE for values outside the model', () => {
    class Foo {
      x = 1;
    }
    const bad: unknown[] = [
      () => 1,
      Symbol('x'),
      10n,
      new Foo(),
      new Set([1]),
      /re/,
      new Int16Array(2),
      new ArrayBuffer(2),
      { '': 1 },
      new Map([['', 1]]),
      new AMFTypedObject('P', { '': 1 }, { sealed: [], dynamic: true }),
      new Map<unknown, AmfValue>([[1, 2]]),
      [() => 1],
      new AMFObject({ f: (() => 1) as unknown as AmfValue }),
      new AMFTypedObject('P', { x: 1, extra: 2 }, { sealed: ['x'], dynamic: false }),
      new AMFVector('int', ['x']),
      new AMFVector('bogus' as 'int', []),
    ];
    for (const v of bad)
      assert.equal(
        amfErrorCode(() => encode(v as AmfValue)),
        'ERR_AMF_ENCODE',
        String(v),
      );
  });

  test('ERR_AMF_RANGE from writeU29 and numeric vectors', () => {
    const w = new ByteWriter();
    for (const v of [-1, 0x20000000, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.equal(
        amfErrorCode(() => writeU29(w, v)),
        'ERR_AMF_RANGE',
        String(v),
      );
    }
    assert.equal(
      amfErrorCode(() => encode(new AMFVector('int', [2 ** 31]))),
      'ERR_AMF_RANGE',
    );
    assert.equal(
      amfErrorCode(() => encode(new AMFVector('int', [1.5]))),
      'ERR_AMF_RANGE',
    );
    assert.equal(
      amfErrorCode(() => encode(new AMFVector('uint', [-1]))),
      'ERR_AMF_RANGE',
    );
    assert.equal(
      amfErrorCode(() => encode(new AMFVector('uint', [2 ** 32]))),
      'ERR_AMF_RANGE',
    );
  });

  test('encoding a structure deeper than the JS stack is ERR_AMF_DEPTH, not RangeError', () => {
    let v: AmfValue = 1;
    for (let i = 0; i < 200_000; i++) v = [v];
    assert.equal(
      amfErrorCode(() => encode(v)),
      'ERR_AMF_DEPTH',
    );
  });
});

describe('U29', () => {
  const vectors: [number, string][] = [
    [0, '00'],
    [127, '7F'],
    [128, '81 00'],
    [16383, 'FF 7F'],
    [16384, '81 80 00'],
    [2097151, 'FF FF 7F'],
    [2097152, '80 C0 80 00'],
    [268435455, 'BF FF FF FF'],
    [0x1fffffff, 'FF FF FF FF'],
  ];
  for (const [v, h] of vectors) {
    test(`${v} <-> ${h}`, () => {
      const w = new ByteWriter();
      writeU29(w, v);
      assert.equal(w.toBuffer().toString('hex'), hx(h).toString('hex'));
      const r = amfReader(hx(h));
      assert.equal(readU29(r), v);
      assert.equal(r.pos, hx(h).length);
    });
  }

  test('readU29 of a truncated integer is ERR_AMF_TRUNCATED', () => {
    for (const h of ['', '80', 'FF FF', 'FF FF FF']) {
      assert.equal(
        amfErrorCode(() => readU29(amfReader(hx(h)))),
        'ERR_AMF_TRUNCATED',
        h,
      );
    }
  });

  test('every value round-trips at the range boundaries', () => {
    for (const base of [0, 0x7f, 0x3fff, 0x1fffff, 0x1fffffff]) {
      for (const v of [base - 1, base, base + 1]) {
        if (v < 0 || v > 0x1fffffff) continue;
        const w = new ByteWriter();
        writeU29(w, v);
        assert.equal(readU29(amfReader(w.toBuffer())), v);
      }
    }
  });
});
