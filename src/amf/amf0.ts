/**
 * AMF0 codec (AMF0-SPEC), hardened against hostile input (limits below).
 *
 * Every marker 0x00–0x11. Values map to JavaScript as `types.ts` documents; values
 * AMF0 cannot express (ByteArray, Vector, Dictionary, AMF3 externalizables) travel as one AMF3 value behind
 * the avmplus switch 0x11, and 0x11 on the wire decodes one AMF3 value (the switch is
 * not sticky).
 *
 * Invariants:
 * - Decoding is total: bad input throws only `AMFError` with an `ERR_AMF_*` code.
 *   Every count and length is checked against the bytes that remain before anything
 *   is allocated from it; nesting is bounded by `maxDepth` (and a stack overflow at a
 *   user-raised limit still surfaces as `ERR_AMF_DEPTH`).
 * - One reference table (0x07) per decoded/encoded sequence: complex values (object,
 *   typed object, ECMA array, strict array) are added *before* their children, so a
 *   cycle decodes to the very same JavaScript object, and the encoder assigns indices
 *   in exactly the order the decoder will, emitting 0x07 for any object it has already
 *   written in this sequence.
 * - Property names are defined as own properties (`__proto__` is just a key); decoded
 *   ECMA arrays are null-prototype objects.
 */
import { isUtf8 } from 'node:buffer';
import { AmfCode } from '../error-codes.js';
import { AMFError } from '../errors.js';
import type { ByteReader } from '../util/byte-reader.js';
import { ByteWriter } from '../util/byte-writer.js';
import { AMFExternalizable, readAmf3Value, writeAmf3Value } from './amf3.js';
import { amfReader, checkDepth, type ResolvedAmfOptions, readUtf8, resolveAmfOptions } from './common.js';
import {
  AMF_UNSUPPORTED,
  AMFDictionary,
  AMFDouble,
  AMFObject,
  AMFTypedObject,
  AMFVector,
  AMFXML,
  AMFXMLDocument,
  type AmfDecodeOptions,
  type AmfValue,
  newEcmaArray,
  setOwn,
} from './types.js';

/** AMF0 type markers (AMF0-SPEC §2.1). */
export const Marker = {
  NUMBER: 0x00,
  BOOLEAN: 0x01,
  STRING: 0x02,
  OBJECT: 0x03,
  MOVIECLIP: 0x04,
  NULL: 0x05,
  UNDEFINED: 0x06,
  REFERENCE: 0x07,
  ECMA_ARRAY: 0x08,
  OBJECT_END: 0x09,
  STRICT_ARRAY: 0x0a,
  DATE: 0x0b,
  LONG_STRING: 0x0c,
  UNSUPPORTED: 0x0d,
  RECORDSET: 0x0e,
  XML_DOCUMENT: 0x0f,
  TYPED_OBJECT: 0x10,
  AVMPLUS: 0x11,
} as const;

/** Largest index a U16 reference can name. */
const MAX_REFERENCE = 0xffff;
/** Strings at most this many UTF-16 units are always under 65536 UTF-8 bytes (3 bytes per unit at most). */
const SURELY_SHORT = 21845;
/** Strings up to this many bytes are checked for ASCII (and cached) in JavaScript; longer ones natively. */
const SMALL_STRING = 48;
/** Short ASCII string values up to this length are written byte by byte, skipping the native UTF-8 call. */
const SHORT_ASCII = 32;

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/**
 * Decodes every AMF0 value in `buf` (a command or data message body) until the end of
 * the data, with one reference table for the whole sequence.
 *
 * @throws AMFError (`ERR_AMF_*`) on any malformed, truncated, too deep or unsupported input.
 */
export function decode(buf: Uint8Array, options?: AmfDecodeOptions): AmfValue[] {
  const opts = resolveAmfOptions(options);
  const r = amfReader(buf);
  const refs: AmfValue[] = [];
  const out: AmfValue[] = [];
  try {
    while (r.pos < r.end) out.push(readAmf0Value(r, opts, 0, refs));
  } catch (err) {
    throw asDepthError(err, 'decode');
  }
  return out;
}

/**
 * Reads one AMF0 value at `r.pos` — the building block for message codecs that decode
 * a body value by value.
 *
 * @param r reader whose short reads throw `ERR_AMF_TRUNCATED` (see `amfReader`)
 * @param opts resolved decode options
 * @param depth number of complex values enclosing this one (0 at the top level); a complex
 *   value at `depth` counts as nesting level `depth + 1` against `opts.maxDepth`
 * @param refs the sequence's reference table; complex values are appended to it
 * @throws AMFError (`ERR_AMF_*`); a stack overflow is left to the caller (`decode` maps it
 *   to `ERR_AMF_DEPTH`)
 */
export function readAmf0Value(
  r: ByteReader,
  opts: ResolvedAmfOptions,
  depth: number,
  refs: AmfValue[],
): AmfValue {
  const at = r.pos;
  const marker = r.u8();
  switch (marker) {
    case Marker.NUMBER:
      return r.f64();
    case Marker.BOOLEAN:
      return r.u8() !== 0;
    case Marker.STRING:
      return readString(r, r.u16(), opts);
    case Marker.OBJECT: {
      checkDepth(depth + 1, opts);
      const obj = new AMFObject();
      refs.push(obj);
      readProperties(r, opts, depth + 1, refs, obj);
      return obj;
    }
    case Marker.NULL:
      return null;
    case Marker.UNDEFINED:
      return undefined;
    case Marker.REFERENCE: {
      const index = r.u16();
      if (index >= refs.length) {
        throw new AMFError(
          `AMF0 reference ${index} at offset ${at} names no earlier complex value (table has ${refs.length})`,
          AmfCode.AMF_BAD_REFERENCE,
        );
      }
      return refs[index];
    }
    case Marker.ECMA_ARRAY: {
      checkDepth(depth + 1, opts);
      r.skip(4); // associative-count: only a hint, often wrong in the wild (librtmp's set_playlist writes 3 for 1)
      const obj = newEcmaArray();
      refs.push(obj);
      readProperties(r, opts, depth + 1, refs, obj);
      return obj;
    }
    case Marker.STRICT_ARRAY: {
      checkDepth(depth + 1, opts);
      const count = r.u32();
      // Every element takes at least its marker byte: a count beyond that is a lie (CVE class: Qihoo 360 6/7).
      if (count > r.remaining) {
        throw new AMFError(
          `AMF0 strict array at offset ${at} claims ${count} elements but only ${r.remaining} bytes remain`,
          AmfCode.AMF_TRUNCATED,
        );
      }
      const arr: AmfValue[] = [];
      refs.push(arr);
      for (let i = 0; i < count; i++) arr.push(readAmf0Value(r, opts, depth + 1, refs));
      return arr;
    }
    case Marker.DATE: {
      const ms = r.f64();
      r.skip(2); // time zone: reserved, ignored (AMF0-SPEC §2.13)
      return new Date(ms);
    }
    case Marker.LONG_STRING:
      return readString(r, r.u32(), opts);
    case Marker.UNSUPPORTED:
      return AMF_UNSUPPORTED;
    case Marker.XML_DOCUMENT:
      return new AMFXMLDocument(readString(r, r.u32(), opts));
    case Marker.TYPED_OBJECT: {
      checkDepth(depth + 1, opts);
      const className = readString(r, r.u16(), opts);
      const obj = new AMFTypedObject(className);
      refs.push(obj);
      readProperties(r, opts, depth + 1, refs, obj);
      return obj;
    }
    case Marker.AVMPLUS:
      return readAmf3Value(r, opts, depth);
    case Marker.OBJECT_END:
      throw new AMFError(
        `AMF0 object-end marker 0x09 at offset ${at} outside an object`,
        AmfCode.AMF_UNEXPECTED_OBJECT_END,
      );
    case Marker.MOVIECLIP:
    case Marker.RECORDSET:
      throw new AMFError(
        `AMF0 marker 0x${hex2(marker)} at offset ${at} is reserved and not supported`,
        AmfCode.AMF_UNSUPPORTED_MARKER,
      );
    default:
      throw new AMFError(`unknown AMF0 marker 0x${hex2(marker)} at offset ${at}`, AmfCode.AMF_UNKNOWN_MARKER);
  }
}

/**
 * Reads `(name, value)*` up to the `00 00 09` terminator into `obj`. An empty name must be
 * followed by 0x09; data that ends first is truncated.
 */
function readProperties(
  r: ByteReader,
  opts: ResolvedAmfOptions,
  depth: number,
  refs: AmfValue[],
  obj: object,
): void {
  for (;;) {
    const n = r.u16();
    if (n === 0) {
      const end = r.u8();
      if (end !== Marker.OBJECT_END) {
        throw new AMFError(
          `AMF0 empty property name followed by marker 0x${hex2(end)} instead of object-end at offset ${r.pos - 1}`,
          AmfCode.AMF_BAD_OBJECT_END,
        );
      }
      return;
    }
    const key = readString(r, n, opts);
    const value = readAmf0Value(r, opts, depth, refs);
    setOwn(obj, key, value);
  }
}

/**
 * Reads `n` bytes of UTF-8. Short ASCII strings — property names, command names, status
 * codes, which repeat from message to message — come from a small direct-mapped cache
 * (no allocation, and an already internalized property key); everything else goes
 * through the strict/lenient UTF-8 rule every AMF string follows (`readUtf8`).
 */
function readString(r: ByteReader, n: number, opts: ResolvedAmfOptions): string {
  r.need(n);
  const buf = r.buf;
  const start = r.pos;
  const end = start + n;
  if (n <= SMALL_STRING) {
    let h = n;
    let i = start;
    for (; i < end; i++) {
      const c = buf[i]!;
      if (c > 0x7f) break;
      h = (Math.imul(h, 31) + c) | 0;
    }
    if (i < end) return readUtf8(r, n, opts);
    r.pos = end;
    if (n === 0) return '';
    const slot = (h ^ (h >>> 15)) & STRING_CACHE_MASK;
    const cached = stringCache[slot];
    if (cached !== undefined && cached.length === n) {
      let j = 0;
      while (j < n && cached.charCodeAt(j) === buf[start + j]) j++;
      if (j === n) return cached;
    }
    const s = buf.toString('latin1', start, end);
    stringCache[slot] = s;
    return s;
  }
  if (opts.utf8 === 'error' && !isUtf8(buf.subarray(start, end))) {
    throw new AMFError(`invalid UTF-8 in AMF string at offset ${start}`, AmfCode.AMF_INVALID_UTF8);
  }
  r.pos = end;
  return buf.toString('utf8', start, end);
}

/** Size of the decoded-string cache (a power of two). */
const STRING_CACHE_MASK = 1023;
const stringCache: (string | undefined)[] = new Array<string | undefined>(STRING_CACHE_MASK + 1).fill(
  undefined,
);

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/**
 * Encodes `values` as one AMF0 sequence (e.g. a command: name, transaction id, command
 * object, arguments) with one reference table shared by the whole sequence.
 *
 * @throws AMFError `ERR_AMF_ENCODE` for values AMF cannot carry (functions, bigints,
 *   symbols other than `AMF_UNSUPPORTED`, objects outside the value model, empty or
 *   over-long property names); `ERR_AMF_DEPTH` when a value nests too deeply for the stack.
 */
export function encode(...values: AmfValue[]): Buffer {
  const w = new ByteWriter(512);
  const refs = new Amf0EncodeRefs();
  try {
    for (let i = 0; i < values.length; i++) writeAmf0Value(w, values[i], refs);
  } catch (err) {
    throw asDepthError(err, 'encode');
  }
  // The writer is dropped here, so its view is never written again: no copy. (Small
  // results share Node's Buffer pool; a large one keeps at most twice its size.)
  return w.view();
}

/**
 * Appends one AMF0 value to `w` — the building block for message codecs.
 *
 * @param refs the sequence's reference table; pass the same one for every value of one
 *   message so cyclic values become 0x07 (repeated, non-cyclic values are written again)
 * @throws AMFError as `encode` does; a stack overflow is left to the caller
 */
export function writeAmf0Value(w: ByteWriter, value: AmfValue, refs: Amf0EncodeRefs): void {
  switch (typeof value) {
    case 'number':
      w.u8(Marker.NUMBER).f64(value);
      return;
    case 'string':
      writeString(w, value);
      return;
    case 'boolean':
      w.u8(Marker.BOOLEAN).u8(value ? 1 : 0);
      return;
    case 'undefined':
      w.u8(Marker.UNDEFINED);
      return;
    case 'object':
      if (value === null) {
        w.u8(Marker.NULL);
        return;
      }
      writeObjectValue(w, value, refs);
      return;
    case 'symbol':
      if (value === AMF_UNSUPPORTED) {
        w.u8(Marker.UNSUPPORTED);
        return;
      }
      throw new AMFError(`AMF0 cannot encode the symbol ${String(value)}`, AmfCode.AMF_ENCODE);
    default:
      throw new AMFError(`AMF0 cannot encode a value of type ${typeof value}`, AmfCode.AMF_ENCODE);
  }
}

function writeObjectValue(w: ByteWriter, value: object, refs: Amf0EncodeRefs): void {
  if (Array.isArray(value)) {
    if (refs.enter(w, value)) return;
    const n = value.length;
    w.u8(Marker.STRICT_ARRAY).u32(n);
    for (let i = 0; i < n; i++) writeAmf0Value(w, value[i] as AmfValue, refs);
    refs.leave(value);
    return;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Object.prototype || proto === null) {
    if (refs.enter(w, value)) return;
    const rec = value as { [key: string]: AmfValue };
    const keys = Object.keys(rec);
    w.u8(Marker.ECMA_ARRAY).u32(keys.length);
    writeMembers(w, rec, keys, refs);
    refs.leave(value);
    return;
  }
  if (value instanceof AMFObject) {
    if (value instanceof AMFExternalizable) {
      // An AMF3 externalizable (Flex ArrayCollection, ObjectProxy) has no AMF0 form either.
      w.u8(Marker.AVMPLUS);
      writeAmf3Value(w, value);
      return;
    }
    if (refs.enter(w, value)) return;
    if (value instanceof AMFTypedObject) {
      w.u8(Marker.TYPED_OBJECT);
      writeName(w, AMFTypedObject.classNameOf(value), true);
    } else {
      w.u8(Marker.OBJECT);
    }
    writeMembers(w, value, Object.keys(value), refs);
    refs.leave(value);
    return;
  }
  if (value instanceof Date) {
    w.u8(Marker.DATE).f64(value.getTime()).i16(0);
    return;
  }
  if (value instanceof AMFDouble) {
    w.u8(Marker.NUMBER).f64(value.value);
    return;
  }
  if (value instanceof AMFXMLDocument || value instanceof AMFXML) {
    w.u8(Marker.XML_DOCUMENT);
    const at = w.length;
    w.u32(0);
    w.patchU32(at, w.utf8(value.xml));
    return;
  }
  if (value instanceof Uint8Array || value instanceof AMFVector || value instanceof AMFDictionary) {
    // AMF0 has no form for these: switch to AMF3 for this one value (fresh AMF3 tables).
    w.u8(Marker.AVMPLUS);
    writeAmf3Value(w, value);
    return;
  }
  if (value instanceof Map) {
    if (refs.enter(w, value)) return;
    w.u8(Marker.ECMA_ARRAY).u32(value.size);
    for (const [k, v] of value as Map<unknown, AmfValue>) {
      if (typeof k !== 'string') {
        throw new AMFError(`AMF0 ECMA array keys must be strings, got ${typeof k}`, AmfCode.AMF_ENCODE);
      }
      writeName(w, k, false);
      writeAmf0Value(w, v, refs);
    }
    w.u16(0).u8(Marker.OBJECT_END);
    refs.leave(value);
    return;
  }
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  throw new AMFError(
    `AMF0 cannot encode an instance of ${typeof name === 'string' && name ? name : 'an unknown class'}`,
    AmfCode.AMF_ENCODE,
  );
}

/**
 * The encoder's side of the AMF0 reference table. Every complex value takes the slot
 * the decoder will give it, but only a value that is still being written (an ancestor:
 * a cycle) is written as 0x07; a value merely repeated elsewhere is written inline
 * again. Why: librtmp (and so rtmpdump and python-librtmp) cannot decode 0x07 at all,
 * so a reference is used only where nothing else can express the value.
 */
export class Amf0EncodeRefs {
  #slots = 0;
  readonly #open = new Map<object, number>();

  /** Writes 0x07 and returns true when `obj` is an ancestor being written; else opens a slot for it. */
  enter(w: ByteWriter, obj: object): boolean {
    const index = this.#open.get(obj);
    if (index !== undefined) {
      if (index > MAX_REFERENCE) {
        throw new AMFError(
          `AMF0 cannot reference a cyclic value at slot ${index} (> 65535)`,
          AmfCode.AMF_ENCODE,
        );
      }
      w.u8(Marker.REFERENCE).u16(index);
      return true;
    }
    this.#open.set(obj, this.#slots++);
    return false;
  }

  /** Marks `obj` as fully written. */
  leave(obj: object): void {
    this.#open.delete(obj);
  }
}

function writeMembers(
  w: ByteWriter,
  obj: { [key: string]: AmfValue },
  keys: string[],
  refs: Amf0EncodeRefs,
): void {
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    writeName(w, k, false);
    writeAmf0Value(w, obj[k], refs);
  }
  w.u16(0).u8(Marker.OBJECT_END);
}

/** Writes a U16-length UTF-8 name (property name, or class name when `allowEmpty`). */
function writeName(w: ByteWriter, name: string, allowEmpty: boolean): void {
  const cached = nameCache.get(name);
  if (cached !== undefined) {
    w.bytes(cached);
    return;
  }
  if (name.length === 0 && !allowEmpty) {
    // `00 00` is where the object-end marker goes: an empty property name has no AMF0 form.
    throw new AMFError('AMF0 cannot encode an empty property name', AmfCode.AMF_ENCODE);
  }
  const at = w.length;
  w.u16(0);
  const n = w.utf8(name);
  if (n > 0xffff) {
    throw new AMFError(`AMF0 name of ${n} UTF-8 bytes exceeds 65535`, AmfCode.AMF_ENCODE);
  }
  w.patchU16(at, n);
  if (n <= SMALL_STRING && name.length > 0) {
    // Names repeat across messages and array elements: keep their wire form (length + bytes).
    if (nameCache.size >= NAME_CACHE_SIZE) nameCache.clear();
    nameCache.set(name, Buffer.from(w.view().subarray(at, at + 2 + n)));
  }
}

/** Bound of the encoded-name cache; it is emptied when full. */
const NAME_CACHE_SIZE = 2048;
const nameCache = new Map<string, Uint8Array>();

/** String (0x02) when its UTF-8 fits a U16 length, else long string (0x0C). Short ASCII skips the native call. */
function writeString(w: ByteWriter, s: string): void {
  const len = s.length;
  if (len <= SHORT_ASCII) {
    let i = 0;
    while (i < len && s.charCodeAt(i) < 0x80) i++;
    if (i === len) {
      w.u8(Marker.STRING).u16(len);
      for (let j = 0; j < len; j++) w.u8(s.charCodeAt(j));
      return;
    }
  }
  if (s.length <= SURELY_SHORT) {
    w.u8(Marker.STRING);
    const at = w.length;
    w.u16(0);
    w.patchU16(at, w.utf8(s));
    return;
  }
  const n = Buffer.byteLength(s, 'utf8');
  if (n <= 0xffff) w.u8(Marker.STRING).u16(n);
  else w.u8(Marker.LONG_STRING).u32(n);
  w.utf8(s);
}

// ---------------------------------------------------------------------------------------------

/** Maps a stack overflow (nesting beyond what the stack holds) to a typed error. */
function asDepthError(err: unknown, what: 'decode' | 'encode'): unknown {
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return new AMFError(`AMF0 ${what}: value nests too deeply for the stack`, AmfCode.AMF_DEPTH, {
      cause: err,
    });
  }
  return err;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
