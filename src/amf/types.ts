/**
 * The JavaScript value model shared by the AMF0 and AMF3 codecs
 * (AMF0-SPEC, AMF3-SPEC).
 *
 * Mapping, chosen so that decode -> encode keeps every distinction AMF makes:
 *
 * | JavaScript                         | AMF0                      | AMF3                         |
 * |------------------------------------|---------------------------|------------------------------|
 * | number                             | number 0x00               | integer 0x04 when an int in [-2^28, 2^28), else double 0x05 |
 * | `AMFDouble`                        | number 0x00               | double 0x05 (forced)         |
 * | boolean, string                    | boolean / string / long string | false, true / string    |
 * | null, undefined                    | null 0x05 / undefined 0x06 | null 0x01 / undefined 0x00  |
 * | Date                               | date 0x0B (tz written 0)  | date 0x08                    |
 * | `AMFObject`                        | object 0x03               | anonymous dynamic object     |
 * | `AMFTypedObject`                   | typed object 0x10         | object with class name (sealed members kept) |
 * | plain object, `Map` (string keys)  | ECMA array 0x08           | array, associative part only |
 * | Array                              | strict array 0x0A         | array, dense part (+ own non-index keys as associative part) |
 * | `AMFXMLDocument`                   | XML document 0x0F         | XMLDocument 0x07             |
 * | `AMFXML`                           | XML document 0x0F         | XML 0x0B                     |
 * | Uint8Array / Buffer                | via 0x11 to AMF3          | ByteArray 0x0C               |
 * | `AMFVector`                        | via 0x11 to AMF3          | Vector 0x0D–0x10             |
 * | `AMFDictionary`                    | via 0x11 to AMF3          | Dictionary 0x11              |
 * | `AMF_UNSUPPORTED`                  | unsupported 0x0D          | undefined                    |
 *
 * Decoded objects never inherit from `Object.prototype` when they are ECMA arrays
 * (null-prototype plain objects), and keys are defined with `defineProperty`, so a
 * hostile `__proto__` key is just a key.
 */

/** Any value the AMF codecs can encode or produce. */
export type AmfValue =
  | number
  | boolean
  | string
  | null
  | undefined
  | Date
  | AMFDouble
  | AMFObject
  | AMFXMLDocument
  | AMFXML
  | Uint8Array
  | AMFVector
  | AMFDictionary
  | typeof AMF_UNSUPPORTED
  | AmfValue[]
  | Map<string, AmfValue>
  | { [key: string]: AmfValue };

/**
 * An AMF0 object (marker 0x03) or AMF3 anonymous object — python-librtmp's `AMFObject`.
 * A plain JavaScript object encodes as an ECMA array instead, as in python-librtmp.
 * Command objects (`connect`'s first argument) and status info objects are AMFObjects.
 */
export class AMFObject {
  [key: string]: AmfValue;

  /** Copies the own enumerable properties of `init` (any key, `__proto__` included). */
  constructor(init?: Record<string, AmfValue> | Iterable<readonly [string, AmfValue]>) {
    if (init === undefined) return;
    const entries = isIterable(init) ? init : Object.entries(init);
    for (const [k, v] of entries) setOwn(this, k, v);
  }
}

/** AMF3 traits of a typed object: what the encoder needs to reproduce the wire form. */
export interface AMFTraits {
  /** Sealed member names in wire order. */
  readonly sealed: readonly string[];
  /** Whether dynamic members follow the sealed ones. */
  readonly dynamic: boolean;
}

const CLASS_NAME = Symbol('rtmpkit.amf.className');
const TRAITS = Symbol('rtmpkit.amf.traits');

/**
 * An object with a class name: AMF0 typed object (0x10) or AMF3 object with traits.
 * The class name and traits live under symbols, so every string key — `className` and
 * `traits` included — is free for members. `obj.className` reads the class name unless
 * a member of that name shadows it; codecs use `AMFTypedObject.classNameOf(obj)`.
 */
export class AMFTypedObject extends AMFObject {
  declare readonly [CLASS_NAME]: string;
  declare readonly [TRAITS]: AMFTraits | undefined;

  constructor(
    className: string,
    init?: Record<string, AmfValue> | Iterable<readonly [string, AmfValue]>,
    traits?: AMFTraits,
  ) {
    super(init);
    Object.defineProperty(this, CLASS_NAME, { value: className, enumerable: false });
    Object.defineProperty(this, TRAITS, { value: traits, enumerable: false });
  }

  /** The class name (shadowed by a member named `className`, if there is one). */
  get className(): string {
    return this[CLASS_NAME];
  }

  /** The class name of `obj`, whatever its members are called. */
  static classNameOf(obj: AMFTypedObject): string {
    return obj[CLASS_NAME];
  }

  /** The AMF3 traits `obj` was decoded with (sealed member order, dynamic flag), if any. */
  static traitsOf(obj: AMFTypedObject): AMFTraits | undefined {
    return obj[TRAITS];
  }
}

/** A number that AMF3 must encode as a double (0x05) even when it is an integer. */
export class AMFDouble {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
}

/** An XML document (AMF0 0x0F, AMF3 XMLDocument 0x07). */
export class AMFXMLDocument {
  constructor(readonly xml: string) {}
}

/** An E4X XML value (AMF3 0x0B); AMF0 writes it as an XML document. */
export class AMFXML {
  constructor(readonly xml: string) {}
}

/** Element kinds of AMF3 vectors. */
export type AMFVectorKind = 'int' | 'uint' | 'double' | 'object';

/** An AMF3 Vector (0x0D int, 0x0E uint, 0x0F double, 0x10 object). */
export class AMFVector {
  /**
   * @param kind element type
   * @param items elements (numbers for int/uint/double, any values for object)
   * @param fixed the fixed-length flag
   * @param objectTypeName element class name for object vectors (`'*'` = any)
   */
  constructor(
    readonly kind: AMFVectorKind,
    readonly items: AmfValue[],
    readonly fixed = false,
    readonly objectTypeName = '*',
  ) {}
}

/** An AMF3 Dictionary (0x11): keys may be any value. */
export class AMFDictionary extends Map<AmfValue, AmfValue> {
  /** The weak-keys flag. */
  weakKeys = false;
}

/** The AMF0 `unsupported` marker (0x0D). */
export const AMF_UNSUPPORTED: unique symbol = Symbol.for('rtmpkit.amf.unsupported');

/** Limits every AMF decoder applies to hostile input. */
export interface AmfDecodeOptions {
  /** Maximum nesting depth of complex values (default 1000). */
  maxDepth?: number;
  /**
   * Invalid UTF-8 in strings: `'error'` (default) throws `ERR_AMF_INVALID_UTF8`;
   * `'replace'` decodes with U+FFFD as librtmp-era peers sometimes need.
   */
  utf8?: 'error' | 'replace';
  /**
   * AMF3 externalizable class readers, by class name. Built in:
   * `flex.messaging.io.ArrayCollection` and `flex.messaging.io.ObjectProxy`.
   */
  externalizable?: ReadonlyMap<string, ExternalizableCodec>;
}

/** Reads and writes the body of one AMF3 externalizable class. */
export interface ExternalizableCodec {
  /** Reads the class-defined body; `readValue` decodes one AMF3 value from the same stream. */
  read(readValue: () => AmfValue): AmfValue;
  /** Writes the class-defined body of `value`; `writeValue` encodes one AMF3 value. */
  write(value: AmfValue, writeValue: (v: AmfValue) => void): void;
  /** Tells whether `value` is an instance this codec writes. */
  matches?(value: AmfValue): boolean;
}

/** The default nesting limit for decoders. */
export const DEFAULT_MAX_DEPTH = 1000;

/**
 * Defines `obj[key] = value` as an own enumerable property, even for `__proto__` and
 * for `className` (an accessor on AMFTypedObject's prototype).
 */
export function setOwn(obj: object, key: string, value: unknown): void {
  if (key === '__proto__' || key === 'className') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    (obj as Record<string, unknown>)[key] = value;
  }
}

/**
 * True for an AMF object (0x03, `AMFObject` or a typed object) or an ECMA array decoded as
 * a plain or null-prototype object: the values whose string keys are properties (status
 * info objects, onMetaData, command objects). False for arrays, Maps, Dates, byte arrays
 * and the other AMF classes. Plain objects of another realm count too.
 */
export function isAmfObject(v: unknown): v is Record<string, AmfValue> {
  if (v === null || typeof v !== 'object') return false;
  if (v instanceof AMFObject) return true;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** A fresh null-prototype object for decoded ECMA arrays. */
export function newEcmaArray(): { [key: string]: AmfValue } {
  return Object.create(null) as { [key: string]: AmfValue };
}

function isIterable(x: unknown): x is Iterable<readonly [string, AmfValue]> {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  );
}
