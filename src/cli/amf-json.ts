/**
 * AMF values ⇄ JSON for the command line (`rtmpkit call`, `probe --json`).
 *
 * AMF → JSON (`amfToJson`), total — any decoded value becomes plain JSON data:
 * numbers stay numbers (NaN and ±Infinity, which JSON lacks, become the strings "NaN",
 * "Infinity", "-Infinity"); `AMFDouble` its number; dates ISO 8601 strings (an invalid
 * date: null); byte arrays base64 strings; objects, typed objects and ECMA arrays plain
 * objects (a typed object's class name under `"$class"`, if no member uses that key);
 * strict arrays and vectors arrays; Maps with string keys objects, dictionaries with
 * other keys arrays of `[key, value]` pairs; XML its text; undefined and the
 * `unsupported` marker null. Cycles (impossible from the decoders, possible from callers)
 * become `"[Circular]"`.
 *
 * JSON → AMF (`jsonToAmf`) for call arguments: JSON objects become AMF0 objects (marker
 * 0x03, what a Flash client sends for `{…}`), arrays strict arrays, the rest as is.
 */
import {
  AMF_UNSUPPORTED,
  AMFDouble,
  AMFObject,
  AMFTypedObject,
  AMFVector,
  AMFXML,
  AMFXMLDocument,
  type AmfValue,
} from '../amf/types.js';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function numberToJson(n: number): Json {
  if (Number.isFinite(n)) return n;
  return Number.isNaN(n) ? 'NaN' : n > 0 ? 'Infinity' : '-Infinity';
}

function objectToJson(entries: Iterable<[string, unknown]>, seen: Set<object>): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const [k, v] of entries) {
    Object.defineProperty(out, k, {
      value: convert(v, seen),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function convert(v: unknown, seen: Set<object>): Json {
  if (v === null || v === undefined || v === AMF_UNSUPPORTED) return null;
  if (typeof v === 'number') return numberToJson(v);
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'object') return null;
  if (v instanceof AMFDouble) return numberToJson(v.value);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (v instanceof AMFXMLDocument || v instanceof AMFXML) return v.xml;
  if (seen.has(v)) return '[Circular]';
  seen.add(v);
  try {
    if (v instanceof AMFVector) return v.items.map((x) => convert(x, seen));
    if (Array.isArray(v)) return v.map((x) => convert(x, seen));
    if (v instanceof Map) {
      // AMF3 dictionaries may have non-string keys: then a list of [key, value] pairs.
      if ([...v.keys()].every((k) => typeof k === 'string'))
        return objectToJson(v as Map<string, unknown>, seen);
      return [...v.entries()].map(([k, x]) => [convert(k, seen), convert(x, seen)]);
    }
    const out = objectToJson(Object.entries(v), seen);
    if (v instanceof AMFTypedObject && !Object.hasOwn(out, '$class')) {
      return { $class: AMFTypedObject.classNameOf(v), ...out };
    }
    return out;
  } finally {
    seen.delete(v);
  }
}

/** Converts any AMF value (or array of values) to plain JSON data (see the module comment). */
export function amfToJson(value: unknown): Json {
  return convert(value, new Set());
}

/** Converts parsed JSON to AMF values for a call: objects → AMF0 objects, arrays → strict arrays. */
export function jsonToAmf(value: unknown): AmfValue {
  if (
    value === null ||
    typeof value === 'boolean' ||
    typeof value === 'number' ||
    typeof value === 'string'
  ) {
    return value;
  }
  if (Array.isArray(value)) return value.map(jsonToAmf);
  if (typeof value === 'object') {
    const obj = new AMFObject();
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      Object.defineProperty(obj, k, {
        value: jsonToAmf(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return obj;
  }
  return null;
}
