/**
 * AMF0 round trips with fast-check: decode(encode(v)) equals v under the value model's
 * mapping (plain objects and Maps come back as null-prototype ECMA arrays, AMFXML as an
 * XML document, AMFDouble as a number), encode is a fixed point after one decode, shared
 * and cyclic objects keep their identity, and every proper prefix is a typed truncation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { amf0, amf3 } from '../../src/amf/index.js';
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
} from '../../src/amf/types.js';
import { AMFError } from '../../src/errors.js';

const RUNS = Number(process.env.PROPERTY_RUNS) || 300;

// --- arbitraries ----------------------------------------------------------------------------

/** Property names: any non-empty string (AMF0 has no form for an empty name). */
const key = fc.oneof(
  fc.constantFrom('app', 'code', '__proto__', 'constructor', 'toString', '0', '1', 'traits'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 10 }),
);
// 'className' is the class name itself and 'traits' a getter: AMFTypedObject's constructor cannot take either as a member.
const typedKey = key.filter((k) => k !== 'className' && k !== 'traits');

const text = fc.string({ unit: 'binary', maxLength: 24 });

const scalar: fc.Arbitrary<AmfValue> = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.boolean(),
  text,
  fc.constant(null),
  fc.constant(undefined),
  fc.date(),
  fc.constant(AMF_UNSUPPORTED),
  text.map((s) => new AMFXMLDocument(s)),
  text.map((s) => new AMFXML(s)),
  fc.double().map((d) => new AMFDouble(d)),
);

const { value } = fc.letrec<{
  value: AmfValue;
  array: AmfValue[];
  object: AMFObject;
  typed: AMFTypedObject;
  ecma: { [k: string]: AmfValue };
  map: Map<string, AmfValue>;
  amf3: AmfValue;
}>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    tie('array'),
    tie('object'),
    tie('typed'),
    tie('ecma'),
    tie('map'),
    tie('amf3'),
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map((e) => new AMFObject(e)),
  typed: fc
    .tuple(text, fc.array(fc.tuple(typedKey, tie('value')), { maxLength: 5 }))
    .map(([cls, e]) => new AMFTypedObject(cls, e)),
  ecma: fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map((e) => Object.fromEntries(e)),
  map: fc.array(fc.tuple(key, tie('value')), { maxLength: 5 }).map((e) => new Map(e)),
  // Values only AMF3 can carry: written behind the 0x11 switch.
  amf3: fc.oneof(
    fc.uint8Array({ maxLength: 16 }),
    fc
      .tuple(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 4 }), fc.boolean())
      .map(([items, fixed]) => new AMFVector('int', items, fixed)),
    fc
      .array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 4 })
      .map((items) => new AMFVector('uint', items)),
    fc.array(fc.double(), { maxLength: 4 }).map((items) => new AMFVector('double', items)),
    fc
      .tuple(fc.array(tie('value'), { maxLength: 3 }), fc.boolean(), fc.constantFrom('*', 'com.example.Item'))
      .map(([items, fixed, type]) => new AMFVector('object', items, fixed, type)),
    fc
      .tuple(fc.array(fc.tuple(fc.oneof(text, fc.integer()), tie('value')), { maxLength: 4 }), fc.boolean())
      .map(([entries, weak]) => {
        const d = new AMFDictionary(entries);
        d.weakKeys = weak;
        return d;
      }),
    fc
      .tuple(fc.constantFrom(amf3.ARRAY_COLLECTION, amf3.OBJECT_PROXY), tie('value'))
      .map(([cls, body]) => new amf3.AMFExternalizable(cls, body)),
  ),
}));

// --- comparison -----------------------------------------------------------------------------

/**
 * A tagged, acyclic picture of a value under the AMF0 mapping, so that structurally equal
 * values compare equal with deepStrictEqual (which ignores non-enumerable `className`).
 * Inside an AMF3 value (`inAmf3`) the AMF3 mapping applies: `AMF_UNSUPPORTED` is undefined
 * a typed object with an empty class name is an anonymous object, and an empty ECMA
 * array is an AMF3 array with neither part, which decodes as an empty Array.
 */
function canon(v: AmfValue, inAmf3 = false): unknown {
  if (inAmf3 && v === AMF_UNSUPPORTED) return undefined;
  if (v === null || typeof v !== 'object') return v;
  const c = (x: AmfValue): unknown => canon(x, inAmf3);
  const c3 = (x: AmfValue): unknown => canon(x, true);
  if (v instanceof AMFDouble) return v.value;
  if (v instanceof Date) return ['date', v.getTime()];
  if (v instanceof AMFXMLDocument || v instanceof AMFXML) return ['xml', v.xml];
  if (Array.isArray(v)) return ['array', Array.from(v, c)];
  if (v instanceof Uint8Array) return ['bytes', Buffer.from(v).toString('hex')];
  if (v instanceof AMFVector) return ['vector', v.kind, v.fixed, v.objectTypeName, v.items.map(c3)];
  if (v instanceof AMFDictionary) return ['dict', v.weakKeys, [...v].map(([k, x]) => [c3(k), c3(x)])];
  if (v instanceof amf3.AMFExternalizable) return ['externalizable', v.className, c3(v.value)];
  if (v instanceof Map) return ecmaCanon(sorted([...v].map(([k, x]) => [k, c(x)])), inAmf3);
  const entries = sorted(Object.keys(v).map((k) => [k, c((v as Record<string, AmfValue>)[k])]));
  if (v instanceof AMFTypedObject && !(inAmf3 && v.className === '')) return ['typed', v.className, entries];
  if (v instanceof AMFObject) return ['object', entries];
  return ecmaCanon(entries, inAmf3);
}

function ecmaCanon(entries: unknown[][], inAmf3: boolean): unknown {
  return inAmf3 && entries.length === 0 ? ['array', []] : ['ecma', entries];
}

function sorted(entries: unknown[][]): unknown[][] {
  return entries.sort((a, b) =>
    (a[0] as string) < (b[0] as string) ? -1 : (a[0] as string) > (b[0] as string) ? 1 : 0,
  );
}

/** Checks decoded prototypes: ECMA arrays have none, objects are AMFObjects. */
function checkShapes(v: AmfValue): void {
  if (v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (const x of v) checkShapes(x);
    return;
  }
  if (v instanceof AMFObject) {
    for (const k of Object.keys(v)) checkShapes(v[k]);
    return;
  }
  if (v instanceof Date || v instanceof AMFXMLDocument || v instanceof AMFXML || v instanceof Uint8Array)
    return;
  if (v instanceof AMFVector || v instanceof AMFDictionary) return;
  assert.equal(Object.getPrototypeOf(v), null, 'decoded ECMA arrays have a null prototype');
  for (const k of Object.keys(v)) checkShapes((v as Record<string, AmfValue>)[k]);
}

// --- properties -----------------------------------------------------------------------------

describe('AMF0 properties', () => {
  it('decode(encode(v)) equals v under the mapping', () => {
    fc.assert(
      fc.property(value, (v) => {
        const out = amf0.decode(amf0.encode(v));
        assert.equal(out.length, 1);
        assert.deepStrictEqual(canon(out[0]), canon(v));
        checkShapes(out[0]);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('encode is a fixed point after one decode (parse/generate/mirror)', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 4 }), (vs) => {
        const first = amf0.encode(...vs);
        const back = amf0.decode(first);
        assert.equal(back.length, vs.length);
        // The first re-encoding may normalise: a Map keeps insertion order but a decoded ECMA
        // array is a JS object, which puts integer-like keys first; inside AMF3 a typed object
        // with an empty class name comes back anonymous. After that, bytes are stable.
        const bytes = amf0.encode(...back);
        assert.equal(amf0.encode(...amf0.decode(bytes)).toString('hex'), bytes.toString('hex'));
      }),
      { numRuns: RUNS },
    );
  });

  it('a shared (non-cyclic) object is written inline each time and decodes to equal copies', () => {
    fc.assert(
      fc.property(value, (v) => {
        const shared = new AMFObject({ v });
        const outer = [shared, new AMFObject({ again: shared }), shared];
        const [d] = amf0.decode(amf0.encode(outer)) as [AmfValue[]];
        assert.deepStrictEqual(canon(d[2]), canon(d[0]));
        assert.deepStrictEqual(canon((d[1] as AMFObject).again), canon(d[0]));
        assert.deepStrictEqual(canon(d[0]), canon(shared));
      }),
      { numRuns: RUNS },
    );
  });

  it('cyclic values encode and decode to the same cycle', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 4 }), (entries) => {
        const o = new AMFObject(entries);
        const arr: AmfValue[] = [o];
        o['\u0000self'] = o;
        o['\u0000arr'] = arr;
        arr.push(arr);
        const [d] = amf0.decode(amf0.encode(o)) as [AMFObject];
        assert.equal(d['\u0000self'], d);
        const da = d['\u0000arr'] as AmfValue[];
        assert.equal(da[0], d);
        assert.equal(da[1], da);
      }),
      { numRuns: RUNS },
    );
  });

  it('every proper prefix of one encoded value is ERR_AMF_TRUNCATED', () => {
    fc.assert(
      fc.property(value, (v) => {
        const bytes = amf0.encode(v);
        for (let n = 1; n < bytes.length; n++) {
          assert.throws(
            () => amf0.decode(bytes.subarray(0, n)),
            (e: unknown) => e instanceof AMFError && e.code === 'ERR_AMF_TRUNCATED',
          );
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary bytes decode or throw only AMFError ERR_AMF_*', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          amf0.decode(bytes);
        } catch (e) {
          assert.ok(e instanceof AMFError && e.code.startsWith('ERR_AMF_'), String(e));
        }
      }),
      { numRuns: RUNS * 10 },
    );
  });
});
