/**
 * The public AMF surface: the value model (`types.ts`), the complete codecs as the
 * namespaces `amf0` and `amf3`, and python-librtmp's `encode_amf`/`decode_amf` as
 * `encodeAmf`/`decodeAmf` (python-librtmp's `librtmp/amf.py`).
 */
import * as amf0 from './amf0.js';
import type { AmfDecodeOptions, AmfValue } from './types.js';

export * as amf0 from './amf0.js';
export * as amf3 from './amf3.js';
export {
  AMF_UNSUPPORTED,
  AMFDictionary,
  AMFDouble,
  AMFObject,
  type AMFTraits,
  AMFTypedObject,
  AMFVector,
  type AMFVectorKind,
  AMFXML,
  AMFXMLDocument,
  type AmfDecodeOptions,
  type AmfValue,
  DEFAULT_MAX_DEPTH,
  type ExternalizableCodec,
  newEcmaArray,
  setOwn,
} from './types.js';

/**
 * Encodes one value as AMF0 — python-librtmp's `encode_amf(value)`.
 *
 * The python mapping holds: `null` -> null (0x05), string -> string (0x02, or long
 * string 0x0C beyond 65535 UTF-8 bytes), number -> number (0x00), boolean -> boolean,
 * `AMFObject` -> object (0x03), plain object or `Map` -> ECMA array (0x08), array ->
 * strict array (0x0A). Beyond python, the whole value model is accepted: `undefined`,
 * `Date`, `AMFTypedObject`, XML, `AMF_UNSUPPORTED`, and (via the AMF3 switch 0x11)
 * byte arrays, vectors and dictionaries. An object that occurs twice in `value` is
 * written once and then referenced (0x07), so cyclic values encode — note that librtmp
 * and python-librtmp cannot decode such references.
 *
 * To encode a command (several top-level values) use `amf0.encode(...values)`, or
 * concatenate `encodeAmf` results as python-librtmp's `RTMP.call` does.
 *
 * @throws AMFError `ERR_AMF_ENCODE` for values AMF cannot carry (python raises
 *   `AMFError("Unable to encode '<type>' type")` for its narrower set).
 */
export function encodeAmf(value: AmfValue): Buffer {
  return amf0.encode(value);
}

/**
 * Decodes every top-level AMF0 value in `bytes` — python-librtmp's `decode_amf(body)`.
 *
 * Returns objects (0x03) as `AMFObject`, ECMA arrays as null-prototype plain objects,
 * strict arrays as arrays, and every other marker as the value model says (python-librtmp
 * returns `None` for null, undefined, dates, XML, references and most AMF3 values; here
 * they keep their meaning: `null`, `undefined`, `Date`, `AMFXMLDocument`, the referenced
 * object, the AMF3 value).
 *
 * Unlike python-librtmp, bad bytes are an error: python compares librtmp's `int` result
 * with `ffi.NULL`, so it never raises and silently returns a partial (often empty) list.
 * This function throws instead of guessing.
 *
 * @param options limits for hostile input (`maxDepth`, `utf8`)
 * @throws AMFError (an `RTMPError` with code `ERR_AMF_*`) on truncated, malformed, too
 *   deep or unsupported data
 */
export function decodeAmf(bytes: Uint8Array, options?: AmfDecodeOptions): AmfValue[] {
  return amf0.decode(bytes, options);
}
