/**
 * AMF3 decoder (AMF3-SPEC §3), hardened against hostile input (limits below).
 *
 * One `Amf3Decoder` owns the three reference tables (strings, objects, traits) of one
 * AMF3 value sequence. Invariants, all of them for hostile input:
 * - every length or count is checked against the bytes that remain BEFORE anything is
 *   allocated from it (a value needs at least one byte, a vector element its size);
 * - a complex value enters the object table before its children are decoded, so
 *   references and cycles resolve to the same JS object;
 * - a reference outside its table throws `ERR_AMF_BAD_REFERENCE`, an unknown marker
 *   `ERR_AMF_UNKNOWN_MARKER`, nesting deeper than `maxDepth` containers `ERR_AMF_DEPTH`;
 * - decoded keys are defined as own properties (`__proto__` is just a key).
 * ByteArrays decode to Buffer copies, never views of the input.
 */
import { AmfCode } from '../error-codes.js';
import { AMFError } from '../errors.js';
import type { ByteReader } from '../util/byte-reader.js';
import { AMFExternalizable, BUILTIN_EXTERNALIZABLE, isOneValueCodec } from './amf3-externalizable.js';
import { AMF3, readU29, u29ToInt } from './amf3-wire.js';
import { checkDepth, type ResolvedAmfOptions, readUtf8 } from './common.js';
import {
  AMFDictionary,
  AMFObject,
  type AMFTraits,
  AMFTypedObject,
  AMFVector,
  type AMFVectorKind,
  AMFXML,
  AMFXMLDocument,
  type AmfValue,
  newEcmaArray,
  setOwn,
} from './types.js';

/** Decoded traits as kept in the traits table. */
interface Traits {
  readonly className: string;
  readonly sealed: readonly string[];
  readonly dynamic: boolean;
  readonly externalizable: boolean;
  /** The frozen public traits shared by every typed object decoded with this entry. */
  readonly info: AMFTraits;
}

/** Object-table slot of an externalizable object whose custom reader has not returned yet. */
const PENDING: unique symbol = Symbol('rtmpkit.amf3.pending');

/**
 * Decodes AMF3 values from a reader, sharing one set of reference tables across every
 * value it reads (one AMF3 "stream": a Flex message body, an AMF0 0x11 switch value, ...).
 */
export class Amf3Decoder {
  readonly #r: ByteReader;
  readonly #opts: ResolvedAmfOptions;
  readonly #strings: string[] = [];
  readonly #objects: (AmfValue | typeof PENDING)[] = [];
  readonly #traits: Traits[] = [];

  /**
   * @param r reader positioned at the first value; its short reads must throw `ERR_AMF_TRUNCATED`
   *   (use `amfReader` from `./common.js`)
   * @param opts resolved decode options (`resolveAmfOptions`)
   */
  constructor(r: ByteReader, opts: ResolvedAmfOptions) {
    this.#r = r;
    this.#opts = opts;
  }

  /**
   * Reads one value at the reader's position.
   * @param depth number of containers enclosing this value (0 at top level); a container
   *   whose children would sit deeper than `maxDepth` throws `ERR_AMF_DEPTH`.
   */
  readValue(depth: number): AmfValue {
    const r = this.#r;
    const marker = r.u8();
    switch (marker) {
      case AMF3.UNDEFINED:
        return undefined;
      case AMF3.NULL:
        return null;
      case AMF3.FALSE:
        return false;
      case AMF3.TRUE:
        return true;
      case AMF3.INTEGER:
        return u29ToInt(readU29(r));
      case AMF3.DOUBLE:
        return r.f64();
      case AMF3.STRING:
        return this.readString();
      case AMF3.XML_DOC:
      case AMF3.XML:
        return this.#readXml(marker === AMF3.XML_DOC);
      case AMF3.DATE:
        return this.#readDate();
      case AMF3.ARRAY:
        return this.#readArray(depth);
      case AMF3.OBJECT:
        return this.#readObject(depth);
      case AMF3.BYTE_ARRAY:
        return this.#readByteArray();
      case AMF3.VECTOR_INT:
      case AMF3.VECTOR_UINT:
      case AMF3.VECTOR_DOUBLE:
        return this.#readNumberVector(marker);
      case AMF3.VECTOR_OBJECT:
        return this.#readObjectVector(depth);
      case AMF3.DICTIONARY:
        return this.#readDictionary(depth);
      default:
        throw new AMFError(
          `unknown AMF3 marker 0x${marker.toString(16).padStart(2, '0')} at offset ${r.pos - 1}`,
          AmfCode.AMF_UNKNOWN_MARKER,
        );
    }
  }

  /** Reads a `UTF-8-vr` (inline string or string-table reference), without a marker. */
  readString(): string {
    const r = this.#r;
    const h = readU29(r);
    if ((h & 1) === 0) {
      const idx = h >>> 1;
      if (idx >= this.#strings.length) throw badReference('string', idx, this.#strings.length, r.pos);
      return this.#strings[idx]!;
    }
    const n = h >>> 1;
    if (n === 0) return '';
    let s: string;
    if (n <= 64 && n <= r.end - r.pos) {
      // Fast path for the short ASCII names and values that dominate AMF3 commands.
      const buf = r.buf;
      const p = r.pos;
      const end = p + n;
      let i = p;
      while (i < end && buf[i]! < 0x80) i++;
      if (i === end) {
        s = buf.toString('latin1', p, end);
        r.pos = end;
      } else {
        s = readUtf8(r, n, this.#opts);
      }
    } else {
      s = readUtf8(r, n, this.#opts);
    }
    this.#strings.push(s);
    return s;
  }

  /** Resolves an object-table reference from a header whose low bit is 0. */
  #reference(h: number): AmfValue {
    const idx = h >>> 1;
    const objects = this.#objects;
    if (idx >= objects.length) throw badReference('object', idx, objects.length, this.#r.pos);
    const v = objects[idx];
    if (v === PENDING) {
      throw new AMFError(
        `AMF3 reference ${idx} points to an externalizable object that is still being decoded`,
        AmfCode.AMF_BAD_REFERENCE,
      );
    }
    return v;
  }

  #readXml(document: boolean): AmfValue {
    const r = this.#r;
    const h = readU29(r);
    if ((h & 1) === 0) return this.#reference(h);
    const s = readUtf8(r, h >>> 1, this.#opts);
    const v = document ? new AMFXMLDocument(s) : new AMFXML(s);
    this.#objects.push(v);
    return v;
  }

  #readDate(): AmfValue {
    const r = this.#r;
    const h = readU29(r);
    if ((h & 1) === 0) return this.#reference(h);
    const d = new Date(r.f64());
    this.#objects.push(d);
    return d;
  }

  #readByteArray(): AmfValue {
    const r = this.#r;
    const h = readU29(r);
    if ((h & 1) === 0) return this.#reference(h);
    // Copy: decoded values outlive the message buffer they came from.
    const b = Buffer.from(r.bytes(h >>> 1));
    this.#objects.push(b);
    return b;
  }

  #readArray(depth: number): AmfValue {
    const r = this.#r;
    const h = readU29(r);
    if ((h & 1) === 0) return this.#reference(h);
    const n = h >>> 1;
    r.need(n + 1); // n dense values and the associative terminator, one byte each at least
    checkDepth(depth + 1, this.#opts);
    let key = this.readString();
    if (n === 0 && key !== '') {
      // Associative only: an ECMA-array-like null-prototype object.
      const obj = newEcmaArray();
      this.#objects.push(obj);
      do {
        setOwn(obj, key, this.readValue(depth + 1));
        key = this.readString();
      } while (key !== '');
      return obj;
    }
    const arr: AmfValue[] = [];
    this.#objects.push(arr);
    while (key !== '') {
      if (key === 'length') {
        throw new AMFError(
          `AMF3 array with a dense part has an associative key "length"`,
          AmfCode.AMF_BAD_KEY,
        );
      }
      // Index-like keys become elements (a sparse Flash array); others are own string keys.
      setOwn(arr, key, this.readValue(depth + 1));
      key = this.readString();
    }
    // Dense values come after the associative part and win over index-like keys.
    for (let i = 0; i < n; i++) arr[i] = this.readValue(depth + 1);
    return arr;
  }

  #readObject(depth: number): AmfValue {
    const r = this.#r;
    const h = readU29(r);
    if ((h & 1) === 0) return this.#reference(h);
    let t: Traits;
    if ((h & 2) === 0) {
      const idx = h >>> 2;
      if (idx >= this.#traits.length) throw badReference('traits', idx, this.#traits.length, r.pos);
      t = this.#traits[idx]!;
    } else if ((h & 4) !== 0) {
      const className = this.readString();
      t = makeTraits(className, [], false, true);
      this.#traits.push(t);
    } else {
      const count = h >>> 4;
      r.need(count); // each sealed name takes one byte at least
      const className = this.readString();
      const sealed: string[] = [];
      for (let i = 0; i < count; i++) sealed.push(this.readString());
      t = makeTraits(className, sealed, (h & 8) !== 0, false);
      this.#traits.push(t);
    }
    checkDepth(depth + 1, this.#opts);
    if (t.externalizable) return this.#readExternalizable(t.className, depth + 1);

    const sealed = t.sealed;
    r.need(sealed.length); // one byte per sealed value at least
    const typed = t.className !== '';
    const obj = typed ? new AMFTypedObject(t.className, undefined, t.info) : new AMFObject();
    this.#objects.push(obj);
    for (let i = 0; i < sealed.length; i++) setOwn(obj, sealed[i]!, this.readValue(depth + 1));
    if (t.dynamic) {
      for (let key = this.readString(); key !== ''; key = this.readString()) {
        setOwn(obj, key, this.readValue(depth + 1));
      }
    }
    return obj;
  }

  #readExternalizable(className: string, childDepth: number): AmfValue {
    const codec = this.#opts.externalizable?.get(className) ?? BUILTIN_EXTERNALIZABLE.get(className);
    if (codec === undefined) {
      throw new AMFError(`unknown AMF3 externalizable class "${className}"`, AmfCode.AMF_EXTERNALIZABLE);
    }
    if (isOneValueCodec(codec)) {
      // Registered before its body so a self-reference inside resolves to it.
      const ext = new AMFExternalizable(className, undefined);
      this.#objects.push(ext);
      ext.value = this.readValue(childDepth);
      return ext;
    }
    const slot = this.#objects.length;
    this.#objects.push(PENDING);
    let v: AmfValue;
    try {
      v = codec.read(() => this.readValue(childDepth));
    } catch (err) {
      if (err instanceof AMFError || isStackOverflow(err)) throw err;
      throw new AMFError(`externalizable reader for "${className}" failed`, AmfCode.AMF_EXTERNALIZABLE, {
        cause: err,
      });
    }
    this.#objects[slot] = v;
    return v;
  }

  #readNumberVector(marker: number): AmfValue {
    const r = this.#r;
    const h = readU29(r);
    if ((h & 1) === 0) return this.#reference(h);
    const n = h >>> 1;
    const fixed = r.u8() !== 0;
    const size = marker === AMF3.VECTOR_DOUBLE ? 8 : 4;
    r.need(n * size);
    const buf = r.buf;
    let p = r.pos;
    const items: number[] = [];
    let kind: AMFVectorKind;
    if (marker === AMF3.VECTOR_INT) {
      kind = 'int';
      for (let i = 0; i < n; i++, p += 4) items.push(buf.readInt32BE(p));
    } else if (marker === AMF3.VECTOR_UINT) {
      kind = 'uint';
      for (let i = 0; i < n; i++, p += 4) items.push(buf.readUInt32BE(p));
    } else {
      kind = 'double';
      for (let i = 0; i < n; i++, p += 8) items.push(buf.readDoubleBE(p));
    }
    r.pos = p;
    const v = new AMFVector(kind, items, fixed);
    this.#objects.push(v);
    return v;
  }

  #readObjectVector(depth: number): AmfValue {
    const r = this.#r;
    const h = readU29(r);
    if ((h & 1) === 0) return this.#reference(h);
    const n = h >>> 1;
    const fixed = r.u8() !== 0;
    const typeName = this.readString();
    r.need(n);
    checkDepth(depth + 1, this.#opts);
    const items: AmfValue[] = [];
    const v = new AMFVector('object', items, fixed, typeName);
    this.#objects.push(v);
    for (let i = 0; i < n; i++) items.push(this.readValue(depth + 1));
    return v;
  }

  #readDictionary(depth: number): AmfValue {
    const r = this.#r;
    const h = readU29(r);
    if ((h & 1) === 0) return this.#reference(h);
    const n = h >>> 1;
    const weakKeys = r.u8() !== 0;
    r.need(n * 2); // a key and a value per entry, one byte each at least
    checkDepth(depth + 1, this.#opts);
    const d = new AMFDictionary();
    d.weakKeys = weakKeys;
    this.#objects.push(d);
    for (let i = 0; i < n; i++) {
      const key = this.readValue(depth + 1);
      d.set(key, this.readValue(depth + 1));
    }
    return d;
  }
}

function makeTraits(className: string, sealed: string[], dynamic: boolean, externalizable: boolean): Traits {
  Object.freeze(sealed);
  const info: AMFTraits = Object.freeze({ sealed, dynamic });
  return { className, sealed, dynamic, externalizable, info };
}

function badReference(table: string, idx: number, size: number, offset: number): AMFError {
  return new AMFError(
    `AMF3 ${table} reference ${idx} out of range (table has ${size}) at offset ${offset}`,
    AmfCode.AMF_BAD_REFERENCE,
  );
}

/** Tells whether `err` is V8's "Maximum call stack size exceeded". */
export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}
