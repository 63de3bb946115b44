/**
 * The canonical shape of an AMF value for equality checks in tests: class, the fields that
 * travel on the wire, and shared references (`['ref', n]` in traversal order), so that a
 * round trip is compared by what AMF3 can distinguish and not by JavaScript identity.
 */
import { AMFExternalizable } from '../../src/amf/amf3.js';
import {
  AMF_UNSUPPORTED,
  AMFDictionary,
  AMFDouble,
  AMFObject,
  AMFTypedObject,
  AMFVector,
  AMFXML,
  AMFXMLDocument,
} from '../../src/amf/types.js';

/** Whether `k` is an array index (ECMA-262: a canonical integer below 2^32 − 1). */
export function isArrayIndex(k: string): boolean {
  return /^(0|[1-9][0-9]*)$/.test(k) && Number(k) < 2 ** 32 - 1;
}

/**
 * The canonical shape of `v`. With `sortEcmaKeys`, ECMA-array keys are sorted — for values
 * built as a Map (insertion order) and compared with their decoded object (integer-like keys
 * first); without it, key order counts.
 */
export function canonAmf(v: unknown, opts: { sortEcmaKeys?: boolean } = {}): unknown {
  const seen = new Map<object, number>();
  const sortKeys = (keys: string[]) => (opts.sortEcmaKeys ? keys.sort() : keys);
  const canon = (v: unknown): unknown => {
    if (v === undefined || v === AMF_UNSUPPORTED) return ['undefined'];
    if (typeof v !== 'object' || v === null) return v;
    if (v instanceof AMFDouble) return v.value;
    const id = seen.get(v);
    if (id !== undefined) return ['ref', id];
    seen.set(v, seen.size);
    const entries = (o: object, keys: readonly string[]) =>
      keys.map((k) => [k, canon((o as Record<string, unknown>)[k])]);
    if (Array.isArray(v)) {
      const items: unknown[] = [];
      for (let i = 0; i < v.length; i++) items.push(i in v ? canon(v[i]) : ['hole']);
      return [
        'array',
        items,
        entries(
          v,
          Object.keys(v).filter((k) => !isArrayIndex(k)),
        ),
      ];
    }
    if (v instanceof AMFExternalizable) return ['ext', v.className, canon(v.value)];
    if (v instanceof AMFTypedObject) {
      const t = AMFTypedObject.traitsOf(v) ?? { sealed: Object.keys(v), dynamic: false };
      const rest = Object.keys(v).filter((k) => !t.sealed.includes(k));
      return [
        'typed',
        AMFTypedObject.classNameOf(v),
        [...t.sealed],
        t.dynamic,
        entries(v, [...t.sealed, ...rest]),
      ];
    }
    // Wire order: a '' member travels first, as the one sealed member.
    if (v instanceof AMFObject)
      return [
        'object',
        entries(
          v,
          Object.keys(v).sort((a, b) => +(b === '') - +(a === '')),
        ),
      ];
    if (v instanceof Date) return ['date', v.getTime()];
    if (v instanceof Uint8Array) return ['bytes', Buffer.from(v).toString('hex')];
    if (v instanceof AMFVector) return ['vector', v.kind, v.fixed, v.objectTypeName, v.items.map(canon)];
    if (v instanceof AMFDictionary) return ['dict', v.weakKeys, [...v].map(([k, x]) => [canon(k), canon(x)])];
    if (v instanceof Map) {
      if (!opts.sortEcmaKeys) return ['ecma', [...v].map(([k, x]) => [k, canon(x)])];
      const o = Object.create(null) as Record<string, unknown>;
      for (const [k, x] of v) o[k as string] = x;
      return ['ecma', entries(o, sortKeys(Object.keys(o)))];
    }
    if (v instanceof AMFXMLDocument) return ['xmldoc', v.xml];
    if (v instanceof AMFXML) return ['xml', v.xml];
    return ['ecma', entries(v, sortKeys(Object.keys(v)))];
  };
  return canon(v);
}
