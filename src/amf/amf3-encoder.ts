/**
 * AMF3 encoder (AMF3-SPEC §3; value mapping in ./types.ts).
 *
 * One `Amf3Encoder` owns the three reference tables of one AMF3 value sequence and
 * mirrors the decoder exactly: a complex value (by identity) takes the next object index
 * when its header is written, before its children, so shared and cyclic structures
 * encode as references; every non-empty string written as `UTF-8-vr` takes the next
 * string index; every distinct traits layout (class name, sealed names, dynamic flag,
 * or externalizable class) takes the next traits index.
 *
 * Arrays: the dense part is the prefix up to the first hole; later indices and own
 * non-index keys form the associative part (as Flash Player writes sparse arrays).
 * The empty key cannot be a dynamic or associative name (it ends the list): an
 * `AMFObject` sends it as its one sealed member, other containers throw `ERR_AMF_ENCODE`.
 * Anything outside the value model throws `ERR_AMF_ENCODE`; lengths beyond a U29 throw
 * `ERR_AMF_RANGE`.
 */
import { AmfCode } from '../error-codes.js';
import { AMFError } from '../errors.js';
import type { ByteWriter } from '../util/byte-writer.js';
import { AMFExternalizable, isOneValueCodec } from './amf3-externalizable.js';
import { AMF3, AMF3_INT_MAX, AMF3_INT_MIN, U28_MAX, writeU29 } from './amf3-wire.js';
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
} from './types.js';

/** Options of an {@link Amf3Encoder}. */
export interface Amf3EncodeOptions {
  /**
   * Externalizable class writers by class name. A value for which a codec's `matches`
   * returns true is written as an externalizable object of that class through the
   * codec's `write`. `AMFExternalizable` values need no entry.
   */
  externalizable?: ReadonlyMap<string, ExternalizableCodec>;
}

const NO_NAMES: readonly string[] = Object.freeze([]);
const EMPTY_NAME: readonly string[] = Object.freeze(['']);
const hasOwn = Object.prototype.hasOwnProperty;
const isEnumerable = Object.prototype.propertyIsEnumerable;

/** Encodes AMF3 values into a writer, sharing one set of reference tables across them. */
export class Amf3Encoder {
  readonly #w: ByteWriter;
  readonly #strings = new Map<string, number>();
  readonly #objects = new Map<object, number>();
  /** Traits written so far, by class name (a class rarely has more than one layout). */
  readonly #traits = new Map<string, TraitsEntry[]>();
  #traitsCount = 0;
  readonly #custom: readonly (readonly [string, ExternalizableCodec])[];

  constructor(w: ByteWriter, options: Amf3EncodeOptions = {}) {
    this.#w = w;
    const custom: [string, ExternalizableCodec][] = [];
    for (const [name, codec] of options.externalizable ?? []) {
      if (typeof codec.matches === 'function' && !isOneValueCodec(codec)) custom.push([name, codec]);
    }
    this.#custom = custom;
  }

  /** Writes one value with its marker. */
  writeValue(v: AmfValue): void {
    const w = this.#w;
    switch (typeof v) {
      case 'number':
        this.#writeNumber(v);
        return;
      case 'string':
        w.u8(AMF3.STRING);
        this.writeString(v);
        return;
      case 'boolean':
        w.u8(v ? AMF3.TRUE : AMF3.FALSE);
        return;
      case 'undefined':
        w.u8(AMF3.UNDEFINED);
        return;
      case 'object':
        if (v === null) w.u8(AMF3.NULL);
        else this.#writeObjectValue(v);
        return;
      case 'symbol':
        if (v === AMF_UNSUPPORTED) {
          w.u8(AMF3.UNDEFINED);
          return;
        }
        throw encodeError(`cannot encode ${String(v)} in AMF3`);
      default:
        throw encodeError(`cannot encode a ${typeof v} in AMF3`);
    }
  }

  /** Writes a `UTF-8-vr` (no marker): `01` for '', a reference for a repeated string. */
  writeString(s: string): void {
    const w = this.#w;
    if (s.length === 0) {
      w.u8(0x01);
      return;
    }
    const idx = this.#strings.get(s);
    if (idx !== undefined) {
      writeU29(w, idx << 1);
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    if (n > U28_MAX) throw rangeError(`string of ${n} UTF-8 bytes is too long for AMF3`);
    this.#strings.set(s, this.#strings.size);
    writeU29(w, (n << 1) | 1);
    w.utf8(s);
  }

  #writeNumber(v: number): void {
    const w = this.#w;
    if ((v | 0) === v && v >= AMF3_INT_MIN && v <= AMF3_INT_MAX && (v !== 0 || 1 / v > 0)) {
      w.u8(AMF3.INTEGER);
      writeU29(w, v & 0x1fffffff);
    } else {
      w.u8(AMF3.DOUBLE);
      w.f64(v);
    }
  }

  /** Writes a reference header and returns true when `v` was written before; else registers it. */
  #reference(v: object): boolean {
    const idx = this.#objects.get(v);
    if (idx !== undefined) {
      writeU29(this.#w, idx << 1);
      return true;
    }
    this.#objects.set(v, this.#objects.size);
    return false;
  }

  #writeObjectValue(v: object): void {
    const w = this.#w;
    if (this.#custom.length > 0 && this.#writeCustomExternalizable(v)) return;
    if (Array.isArray(v)) {
      w.u8(AMF3.ARRAY);
      if (!this.#reference(v)) this.#writeArray(v as AmfValue[]);
    } else if (v instanceof AMFObject) {
      w.u8(AMF3.OBJECT);
      if (this.#reference(v)) return;
      if (v instanceof AMFExternalizable) {
        this.#writeExternalizableTraits(AMFTypedObject.classNameOf(v));
        this.writeValue(v.value);
      } else if (v instanceof AMFTypedObject) {
        this.#writeTypedObject(v);
      } else {
        this.#writeAnonymousObject(v);
      }
    } else if (v instanceof AMFDouble) {
      w.u8(AMF3.DOUBLE);
      w.f64(v.value);
    } else if (v instanceof Date) {
      w.u8(AMF3.DATE);
      if (this.#reference(v)) return;
      w.u8(0x01);
      w.f64(v.getTime());
    } else if (v instanceof Uint8Array) {
      w.u8(AMF3.BYTE_ARRAY);
      if (this.#reference(v)) return;
      if (v.length > U28_MAX) throw rangeError(`ByteArray of ${v.length} bytes is too long for AMF3`);
      writeU29(w, (v.length << 1) | 1);
      w.bytes(v);
    } else if (v instanceof AMFVector) {
      this.#writeVector(v);
    } else if (v instanceof AMFDictionary) {
      w.u8(AMF3.DICTIONARY);
      if (this.#reference(v)) return;
      if (v.size > U28_MAX) throw rangeError(`Dictionary of ${v.size} entries is too large for AMF3`);
      writeU29(w, (v.size << 1) | 1);
      w.u8(v.weakKeys ? 1 : 0);
      for (const [key, value] of v) {
        this.writeValue(key);
        this.writeValue(value);
      }
    } else if (v instanceof Map) {
      w.u8(AMF3.ARRAY);
      if (this.#reference(v)) return;
      w.u8(0x01); // no dense part
      for (const [key, value] of v as Map<unknown, AmfValue>) {
        if (typeof key !== 'string') throw encodeError(`Map key ${describe(key)} is not a string`);
        this.#writeKey(key);
        this.writeValue(value);
      }
      w.u8(0x01);
    } else if (v instanceof AMFXMLDocument || v instanceof AMFXML) {
      w.u8(v instanceof AMFXML ? AMF3.XML : AMF3.XML_DOC);
      if (this.#reference(v)) return;
      const xml: unknown = v.xml;
      if (typeof xml !== 'string') throw encodeError('XML value is not a string');
      const n = Buffer.byteLength(xml, 'utf8');
      if (n > U28_MAX) throw rangeError(`XML of ${n} bytes is too long for AMF3`);
      writeU29(w, (n << 1) | 1);
      w.utf8(xml);
    } else if (isPlainObject(v)) {
      w.u8(AMF3.ARRAY);
      if (this.#reference(v)) return;
      w.u8(0x01); // no dense part
      const o = v as Record<string, AmfValue>;
      for (const key of Object.keys(o)) {
        this.#writeKey(key);
        this.writeValue(o[key]);
      }
      w.u8(0x01);
    } else {
      throw encodeError(`cannot encode ${describe(v)} in AMF3`);
    }
  }

  /** Writes a dynamic member / associative key, which cannot be '' (that ends the list). */
  #writeKey(key: string): void {
    if (key.length === 0) throw encodeError('AMF3 cannot encode an empty dynamic or associative key');
    this.writeString(key);
  }

  #writeArray(a: AmfValue[]): void {
    const w = this.#w;
    const len = a.length;
    const keys = Object.keys(a);
    // Own keys list indices ascending, then string keys: if there are exactly `len`
    // keys and the last one is the last index, the array is dense with no extra keys.
    if (keys.length === len && (len === 0 || keys[len - 1] === String(len - 1))) {
      if (len > U28_MAX) throw rangeError(`array of ${len} elements is too long for AMF3`);
      writeU29(w, (len << 1) | 1);
      w.u8(0x01);
      for (let i = 0; i < len; i++) this.writeValue(a[i]);
      return;
    }
    let dense = 0;
    while (dense < len && dense in a) dense++;
    if (dense > U28_MAX) throw rangeError(`array of ${dense} elements is too long for AMF3`);
    writeU29(w, (dense << 1) | 1);
    const o = a as unknown as Record<string, AmfValue>;
    for (const key of keys) {
      if (isArrayIndex(key) && Number(key) < dense) continue;
      this.#writeKey(key);
      this.writeValue(o[key]);
    }
    w.u8(0x01);
    for (let i = 0; i < dense; i++) this.writeValue(a[i]);
  }

  #writeAnonymousObject(o: AMFObject): void {
    if (isEnumerable.call(o, '')) {
      // '' cannot be a dynamic name (it ends the list), so it travels as the one sealed member.
      this.#writeTraitsHeader('', EMPTY_NAME, true);
      this.writeValue(o['']);
    } else {
      this.#writeTraitsHeader('', NO_NAMES, true);
    }
    for (const key of Object.keys(o)) {
      if (key.length === 0) continue;
      this.writeString(key);
      this.writeValue(o[key]);
    }
    this.#w.u8(0x01);
  }

  #writeTypedObject(o: AMFTypedObject): void {
    const className = AMFTypedObject.classNameOf(o);
    if (typeof className !== 'string') throw encodeError('AMFTypedObject class name is not a string');
    const traits = AMFTypedObject.traitsOf(o);
    const keys = Object.keys(o);
    if (traits === undefined) {
      // No recorded traits: every member sealed, not dynamic.
      this.#writeTraitsHeader(className, keys, false);
      for (const key of keys) this.writeValue(o[key]);
      return;
    }
    const sealed = traits.sealed;
    const dynamic = traits.dynamic;
    this.#writeTraitsHeader(className, sealed, dynamic);
    for (const name of sealed) {
      this.writeValue(hasOwn.call(o, name) ? o[name] : undefined);
    }
    // Decoded objects list their sealed members first, in order: then the rest are the dynamic ones.
    const prefix = startsWith(keys, sealed);
    if (dynamic) {
      const isSealed = prefix ? undefined : new Set(sealed);
      for (let i = prefix ? sealed.length : 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (isSealed?.has(key)) continue;
        this.#writeKey(key);
        this.writeValue(o[key]);
      }
      this.#w.u8(0x01);
      return;
    }
    if (prefix && keys.length === sealed.length) return;
    const isSealed = new Set(sealed);
    for (const key of keys) {
      if (!isSealed.has(key)) {
        throw encodeError(
          `member "${key}" of ${className} is not among its sealed traits and the traits are not dynamic`,
        );
      }
    }
  }

  /**
   * Writes the traits part of an object header (after the marker and reference check):
   * a traits reference when this layout was written before, else the inline traits.
   */
  #writeTraitsHeader(className: string, sealed: readonly string[], dynamic: boolean): void {
    const w = this.#w;
    if (this.#traitsReference(className, sealed, dynamic, false)) return;
    if (sealed.length > 0x1ffffff) throw rangeError(`${sealed.length} sealed members are too many for AMF3`);
    writeU29(w, (sealed.length << 4) | (dynamic ? 0x08 : 0) | 0x03);
    this.writeString(className);
    for (const name of sealed) this.writeString(name);
  }

  #writeExternalizableTraits(className: string): void {
    if (this.#traitsReference(className, NO_NAMES, false, true)) return;
    this.#w.u8(0x07);
    this.writeString(className);
  }

  /** Writes a traits reference and returns true for a known layout; else registers it. */
  #traitsReference(className: string, sealed: readonly string[], dynamic: boolean, ext: boolean): boolean {
    let list = this.#traits.get(className);
    if (list === undefined) {
      list = [];
      this.#traits.set(className, list);
    } else {
      for (const t of list) {
        if (t.dynamic === dynamic && t.externalizable === ext && sameNames(t.sealed, sealed)) {
          writeU29(this.#w, (t.index << 2) | 1);
          return true;
        }
      }
    }
    list.push({ sealed: sealed.slice(), dynamic, externalizable: ext, index: this.#traitsCount++ });
    return false;
  }

  #writeCustomExternalizable(v: object): boolean {
    for (const [className, codec] of this.#custom) {
      if (!codec.matches?.(v as AmfValue)) continue;
      this.#w.u8(AMF3.OBJECT);
      if (this.#reference(v)) return true;
      this.#writeExternalizableTraits(className);
      try {
        codec.write(v as AmfValue, (x) => this.writeValue(x));
      } catch (err) {
        if (err instanceof AMFError || (err instanceof RangeError && /call stack/i.test(err.message)))
          throw err;
        throw new AMFError(`externalizable writer for "${className}" failed`, AmfCode.AMF_EXTERNALIZABLE, {
          cause: err,
        });
      }
      return true;
    }
    return false;
  }

  #writeVector(v: AMFVector): void {
    const w = this.#w;
    const items: unknown = v.items;
    if (!Array.isArray(items)) throw encodeError('AMFVector items is not an array');
    let marker: number;
    switch (v.kind) {
      case 'int':
        marker = AMF3.VECTOR_INT;
        break;
      case 'uint':
        marker = AMF3.VECTOR_UINT;
        break;
      case 'double':
        marker = AMF3.VECTOR_DOUBLE;
        break;
      case 'object':
        marker = AMF3.VECTOR_OBJECT;
        break;
      default:
        throw encodeError(`unknown AMFVector kind ${String(v.kind)}`);
    }
    w.u8(marker);
    if (this.#reference(v)) return;
    const n = items.length;
    if (n > U28_MAX) throw rangeError(`vector of ${n} elements is too long for AMF3`);
    writeU29(w, (n << 1) | 1);
    w.u8(v.fixed ? 1 : 0);
    if (marker === AMF3.VECTOR_OBJECT) {
      const typeName: unknown = v.objectTypeName;
      if (typeof typeName !== 'string') throw encodeError('AMFVector objectTypeName is not a string');
      this.writeString(typeName);
      for (let i = 0; i < n; i++) this.writeValue(items[i] as AmfValue);
      return;
    }
    for (let i = 0; i < n; i++) {
      const x = vectorNumber(items[i]);
      if (marker === AMF3.VECTOR_DOUBLE) {
        w.f64(x);
      } else if (marker === AMF3.VECTOR_INT) {
        if ((x | 0) !== x) throw rangeError(`Vector<int> element ${x} is not a 32-bit signed integer`);
        w.i32(x);
      } else {
        if (x >>> 0 !== x) throw rangeError(`Vector<uint> element ${x} is not a 32-bit unsigned integer`);
        w.u32(x);
      }
    }
  }
}

function vectorNumber(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x instanceof AMFDouble) return x.value;
  throw encodeError(`numeric AMFVector element ${describe(x)} is not a number`);
}

/** One traits layout in the encoder's traits table. */
interface TraitsEntry {
  readonly sealed: readonly string[];
  readonly dynamic: boolean;
  readonly externalizable: boolean;
  readonly index: number;
}

/** Tells whether two name lists are equal element by element. */
function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Tells whether `keys` begins with exactly the names of `prefix`, in order. */
function startsWith(keys: readonly string[], prefix: readonly string[]): boolean {
  if (keys.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (keys[i] !== prefix[i]) return false;
  return true;
}

/** Canonical array index: "0" or digits without a leading zero, below 2^32 - 1. */
function isArrayIndex(key: string): boolean {
  const n = key.length;
  if (n === 0 || n > 10) return false;
  const c0 = key.charCodeAt(0);
  if (c0 === 0x30) return n === 1;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return n < 10 || Number(key) < 4294967295;
}

/** A plain object: its prototype is null or a realm's `Object.prototype`. */
function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

function describe(v: unknown): string {
  if (typeof v === 'object' && v !== null) return `an object of class ${v.constructor?.name ?? '(none)'}`;
  return typeof v === 'symbol' ? String(v) : `a ${typeof v}`;
}

function encodeError(message: string): AMFError {
  return new AMFError(message, AmfCode.AMF_ENCODE);
}

function rangeError(message: string): AMFError {
  return new AMFError(message, AmfCode.AMF_RANGE);
}
