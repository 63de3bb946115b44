/**
 * AMF3 property tests (fast-check): decode(encode(v)) keeps every distinction the value
 * model makes, for arbitrary nested values; shared references and cycles keep their
 * identity; re-encoding a decoded value is a fixed point; every strict prefix of an
 * encoding is ERR_AMF_TRUNCATED; U29 and numbers round-trip exactly.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  AMFExternalizable,
  ARRAY_COLLECTION,
  decode,
  encode,
  OBJECT_PROXY,
  readU29,
  writeU29,
} from '../../src/amf/amf3.js';
import { amfReader } from '../../src/amf/common.js';
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
  setOwn,
} from '../../src/amf/types.js';
import { AMFError } from '../../src/errors.js';
import { ByteWriter } from '../../src/util/byte-writer.js';
import { canonAmf, isArrayIndex } from '../helpers/amf-canon.js';

const canon = (v: unknown) => canonAmf(v, { sortEcmaKeys: true });

// ---------------------------------------------------------------------------
// arbitraries over the value model

const text = fc.string({ unit: 'binary', maxLength: 12 });
/** Dynamic / associative keys: never '' (the empty name ends the list). */
const key = fc.string({ unit: 'binary', minLength: 1, maxLength: 8 });
/** Typed-object member names: '' is fine (sealed), 'className'/'traits' name the class and traits. */
const memberName = fc
  .string({ unit: 'binary', maxLength: 8 })
  .filter((k) => k !== 'className' && k !== 'traits');
const className = fc.string({ unit: 'binary', minLength: 1, maxLength: 12 });
const mixedKey = key.filter((k) => k !== 'length' && !isArrayIndex(k));

const primitive = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -(2 ** 28), max: 2 ** 28 - 1 }),
  fc.integer(),
  fc.double(),
  text,
);

const leaf: fc.Arbitrary<AmfValue> = fc.oneof(
  primitive,
  fc.double().map((x) => new AMFDouble(x)),
  fc.constant(AMF_UNSUPPORTED),
  fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.constant(Number.NaN)).map((ms) => new Date(ms)),
  fc.uint8Array({ maxLength: 12 }),
  fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)),
  fc
    .tuple(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 6 }), fc.boolean())
    .map(([items, fixed]) => new AMFVector('int', items, fixed)),
  fc
    .tuple(fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 6 }), fc.boolean())
    .map(([items, fixed]) => new AMFVector('uint', items, fixed)),
  fc
    .tuple(fc.array(fc.double(), { maxLength: 6 }), fc.boolean())
    .map(([items, fixed]) => new AMFVector('double', items, fixed)),
  text.map((s) => new AMFXML(s)),
  text.map((s) => new AMFXMLDocument(s)),
);

function uniqueEntries<K extends string>(
  keys: fc.Arbitrary<K>,
  values: fc.Arbitrary<AmfValue>,
  constraints: { minLength?: number; maxLength?: number } = {},
): fc.Arbitrary<[K, AmfValue][]> {
  return fc.uniqueArray(fc.tuple(keys, values), { selector: (e) => e[0], maxLength: 4, ...constraints });
}

const { value: amfValue, complex: complexValue } = fc.letrec<{
  value: AmfValue;
  complex: AmfValue;
  dictKey: AmfValue;
}>((tie) => ({
  value: fc.oneof({ maxDepth: 4, depthIdentifier: 'amf3' }, leaf, tie('complex')),
  // Dictionary keys: AMFDouble and AMF_UNSUPPORTED would collide with the number /
  // undefined they decode to, so keys come from primitives and complex values only.
  dictKey: fc.oneof({ depthIdentifier: 'amf3' }, primitive, tie('complex')),
  complex: fc.oneof(
    { depthIdentifier: 'amf3' },
    fc.array(tie('value'), { maxLength: 5 }),
    // mixed array: a dense part and own non-index string keys
    fc
      .tuple(
        fc.array(tie('value'), { minLength: 1, maxLength: 4 }),
        uniqueEntries(mixedKey, tie('value'), { minLength: 1 }),
      )
      .map(([items, extra]) => {
        for (const [k, x] of extra) setOwn(items, k, x);
        return items;
      }),
    // associative-only: a plain object or a Map with at least one key (an empty one is `[]`)
    uniqueEntries(key, tie('value'), { minLength: 1 }).map((es) => {
      const o: { [k: string]: AmfValue } = {};
      for (const [k, x] of es) setOwn(o, k, x);
      return o;
    }),
    uniqueEntries(key, tie('value'), { minLength: 1 }).map((es) => new Map(es)),
    uniqueEntries(text, tie('value')).map((es) => new AMFObject(es)),
    fc
      .tuple(className, uniqueEntries(memberName, tie('value')))
      .map(([cn, es]) => new AMFTypedObject(cn, es)),
    fc
      .tuple(
        className,
        uniqueEntries(memberName, tie('value')),
        fc.boolean(),
        uniqueEntries(
          key.filter((k) => k !== 'className' && k !== 'traits'),
          tie('value'),
        ),
      )
      .map(([cn, sealed, dynamic, extra]) => {
        const names = sealed.map((e) => e[0]);
        const members = dynamic ? [...sealed, ...extra.filter(([k]) => !names.includes(k))] : sealed;
        return new AMFTypedObject(cn, members, { sealed: names, dynamic });
      }),
    fc
      .tuple(fc.constantFrom(ARRAY_COLLECTION, OBJECT_PROXY), tie('value'))
      .map(([cn, body]) => new AMFExternalizable(cn, body)),
    fc
      .tuple(fc.array(tie('value'), { maxLength: 4 }), fc.boolean(), text)
      .map(([items, fixed, typeName]) => new AMFVector('object', items, fixed, typeName)),
    fc
      .tuple(fc.array(fc.tuple(tie('dictKey'), tie('value')), { maxLength: 4 }), fc.boolean())
      .map(([es, weak]) => {
        const d = new AMFDictionary(es);
        d.weakKeys = weak;
        return d;
      }),
  ),
}));

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof AMFError, `non-AMFError escaped: ${(err as Error)?.stack ?? String(err)}`);
    return err.code;
  }
}

// ---------------------------------------------------------------------------

describe('AMF3 properties', () => {
  test('decode(encode(v)) is v', () => {
    fc.assert(
      fc.property(amfValue, (v) => {
        const bytes = encode(v);
        const out = decode(bytes);
        assert.equal(out.length, 1);
        assert.deepStrictEqual(canon(out[0]), canon(v));
      }),
      { numRuns: 1000 },
    );
  });

  test('a sequence shares its tables and still round-trips', () => {
    fc.assert(
      fc.property(fc.array(amfValue, { maxLength: 5 }), (vs) => {
        const out = decode(encode(...vs));
        assert.deepStrictEqual(canon(out), canon(vs));
      }),
      { numRuns: 300 },
    );
  });

  test('re-encoding a decoded value is a fixed point', () => {
    fc.assert(
      fc.property(amfValue, (v) => {
        const once = encode(...decode(encode(v)));
        const twice = encode(...decode(once));
        assert.equal(twice.toString('hex'), once.toString('hex'));
      }),
      { numRuns: 500 },
    );
  });

  test('shared values keep their identity', () => {
    fc.assert(
      fc.property(complexValue, fc.string({ minLength: 1 }), (c, name) => {
        const root: AmfValue[] = [c, new AMFObject({ a: c }), c, new AMFTypedObject(`T${name}`, { x: c })];
        const [out] = decode(encode(root)) as [AmfValue[]];
        assert.deepStrictEqual(canon(out), canon(root));
        assert.equal(out[0], out[2]);
        assert.equal((out[1] as AMFObject).a, out[0]);
        assert.equal((out[3] as AMFObject).x, out[0]);
      }),
      { numRuns: 300 },
    );
  });

  test('cycles encode as references and decode to the same objects', () => {
    fc.assert(
      fc.property(amfValue, key, (v, k) => {
        const o = new AMFObject({ v });
        const arr: AmfValue[] = [o, v];
        setOwn(o, `self${k}`, o);
        o.list = arr;
        const d = new AMFDictionary([[o, arr]]);
        o.dict = d;
        const [out] = decode(encode(o)) as [AMFObject];
        assert.deepStrictEqual(canon(out), canon(o));
        assert.equal(out[`self${k}`], out);
        assert.equal((out.list as AmfValue[])[0], out);
      }),
      { numRuns: 300 },
    );
  });

  test('every strict prefix of an encoding is ERR_AMF_TRUNCATED', () => {
    fc.assert(
      fc.property(amfValue, (v) => {
        const bytes = encode(v);
        const step = Math.max(1, Math.floor(bytes.length / 64));
        for (let i = 1; i < bytes.length; i += step) {
          assert.equal(
            code(() => decode(bytes.subarray(0, i))),
            'ERR_AMF_TRUNCATED',
            `prefix ${i}`,
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  test('numbers round-trip exactly (-0, NaN, ±Infinity included) and pick the right marker', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double(), fc.integer(), fc.integer({ min: -(2 ** 28), max: 2 ** 28 - 1 })),
        (x) => {
          const bytes = encode(x);
          const [y] = decode(bytes);
          assert.ok(Object.is(x, y), `${x} -> ${String(y)}`);
          const isInt = Number.isInteger(x) && x >= -(2 ** 28) && x < 2 ** 28 && !Object.is(x, -0);
          assert.equal(bytes[0], isInt ? 0x04 : 0x05);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('U29 round-trips in its shortest form', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x1fffffff }), (v) => {
        const w = new ByteWriter();
        writeU29(w, v);
        const b = w.toBuffer();
        assert.equal(b.length, v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : 4);
        const r = amfReader(b);
        assert.equal(readU29(r), v);
        assert.equal(r.pos, b.length);
      }),
      { numRuns: 2000 },
    );
  });

  test('mutated encodings only throw AMFError, and what decodes re-encodes to a fixed point', () => {
    const edit = fc.tuple(
      fc.nat(),
      fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0x7f, 0x80, 0xff)),
    );
    fc.assert(
      fc.property(amfValue, fc.array(edit, { minLength: 1, maxLength: 4 }), fc.nat(), (v, edits, cut) => {
        const bytes = Buffer.from(encode(v));
        for (const [at, b] of edits) bytes[at % bytes.length] = b;
        const input = bytes.subarray(0, bytes.length - (cut % 3));
        code(() => {
          const once = encode(...decode(input));
          const twice = encode(...decode(once));
          assert.equal(twice.toString('hex'), once.toString('hex'));
        });
      }),
      { numRuns: 3000 },
    );
  });

  test('arbitrary bytes only ever throw AMFError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        code(() => decode(bytes));
      }),
      { numRuns: 2000 },
    );
  });
});
