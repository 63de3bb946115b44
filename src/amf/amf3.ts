/**
 * The AMF3 codec (AMF3-SPEC): every marker 0x00–0x11,
 * string/object/traits reference tables, typed and externalizable objects, dates, XML,
 * ByteArray, vectors and dictionaries, with the value mapping of ./types.ts.
 *
 * Entry points: `decode`/`encode` for a whole AMF3 sequence (one set of reference tables
 * shared by every value), `readAmf3Value`/`writeAmf3Value` for one value with fresh
 * tables (the AMF0 0x11 "avmplus" switch), and the `Amf3Decoder`/`Amf3Encoder` classes.
 * Decoding bad bytes throws only `AMFError` with an `ERR_AMF_*` code.
 *
 * Representation choices:
 * - ByteArray (0x0C) decodes to a Buffer COPY (values outlive the message buffer).
 * - Externalizable Flex `ArrayCollection` / `ObjectProxy` decode to `AMFExternalizable`
 *   (an `AMFTypedObject` with one member, `value` = the body) and re-encode identically.
 * - Arrays: associative-only decodes to a null-prototype object, dense-only to an Array,
 *   mixed to an Array with extra own string keys (index-like keys become elements).
 */

import { AmfCode } from '../error-codes.js';
import { AMFError } from '../errors.js';
import type { ByteReader } from '../util/byte-reader.js';
import { ByteWriter } from '../util/byte-writer.js';
import { Amf3Decoder, isStackOverflow } from './amf3-decoder.js';
import { type Amf3EncodeOptions, Amf3Encoder } from './amf3-encoder.js';
import { amfReader, type ResolvedAmfOptions, resolveAmfOptions } from './common.js';
import type { AmfDecodeOptions, AmfValue } from './types.js';

export { Amf3Decoder } from './amf3-decoder.js';
export { type Amf3EncodeOptions, Amf3Encoder } from './amf3-encoder.js';
export {
  AMFExternalizable,
  ARRAY_COLLECTION,
  BUILTIN_EXTERNALIZABLE,
  externalizableOneValue,
  OBJECT_PROXY,
} from './amf3-externalizable.js';
export { AMF3, readU29, U29_MAX, u29ToInt, writeU29 } from './amf3-wire.js';

/**
 * Decodes one AMF3 value at `r.pos` with FRESH reference tables (the AMF0 0x11 switch).
 * @param r reader whose short reads throw `ERR_AMF_TRUNCATED` (`amfReader`)
 * @param opts resolved options (`resolveAmfOptions`)
 * @param depth number of containers already enclosing this value
 * @throws AMFError `ERR_AMF_*` only
 */
export function readAmf3Value(r: ByteReader, opts: ResolvedAmfOptions, depth: number): AmfValue {
  try {
    return new Amf3Decoder(r, opts).readValue(depth);
  } catch (err) {
    throw depthError(err);
  }
}

/**
 * Encodes one AMF3 value with FRESH reference tables (the AMF0 0x11 switch).
 * @throws AMFError `ERR_AMF_ENCODE` for values outside the model, `ERR_AMF_RANGE` for lengths beyond a U29
 */
export function writeAmf3Value(w: ByteWriter, value: AmfValue): void {
  try {
    new Amf3Encoder(w).writeValue(value);
  } catch (err) {
    throw depthError(err);
  }
}

/**
 * Encodes a sequence of values sharing one set of string/object/traits tables.
 * @throws AMFError `ERR_AMF_ENCODE` / `ERR_AMF_RANGE`
 */
export function encode(...values: AmfValue[]): Buffer {
  return encodeWith({}, ...values);
}

/**
 * Like {@link encode}, with encoder options (custom externalizable writers).
 * @throws AMFError `ERR_AMF_ENCODE` / `ERR_AMF_RANGE` / `ERR_AMF_EXTERNALIZABLE`-class errors of custom writers
 */
export function encodeWith(options: Amf3EncodeOptions, ...values: AmfValue[]): Buffer {
  const w = new ByteWriter();
  try {
    const e = new Amf3Encoder(w, options);
    for (const v of values) e.writeValue(v);
  } catch (err) {
    throw depthError(err);
  }
  // The writer is discarded, so its view is never overwritten.
  return w.view();
}

/**
 * Decodes every value in `buf`, sharing one set of reference tables across the sequence.
 * @throws AMFError `ERR_AMF_*` only (`ERR_AMF_TRUNCATED`, `ERR_AMF_BAD_REFERENCE`,
 *   `ERR_AMF_UNKNOWN_MARKER`, `ERR_AMF_DEPTH`, `ERR_AMF_INVALID_UTF8`,
 *   `ERR_AMF_EXTERNALIZABLE`, `ERR_AMF_BAD_KEY`, `ERR_AMF_OPTION`)
 */
export function decode(buf: Uint8Array, options?: AmfDecodeOptions): AmfValue[] {
  const opts = resolveAmfOptions(options);
  const r = amfReader(buf);
  const d = new Amf3Decoder(r, opts);
  const out: AmfValue[] = [];
  try {
    while (r.pos < r.end) out.push(d.readValue(0));
  } catch (err) {
    throw depthError(err);
  }
  return out;
}

/** Turns a stack overflow (nesting beyond what the JS stack holds) into `ERR_AMF_DEPTH`. */
function depthError(err: unknown): unknown {
  if (isStackOverflow(err)) {
    return new AMFError('AMF3 nesting too deep for the call stack', AmfCode.AMF_DEPTH, { cause: err });
  }
  return err;
}
