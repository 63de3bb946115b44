/**
 * Script data (FLV-10.1 E.4.4): reading a script tag's name and values, building an
 * `onMetaData` tag, and the publishing rule of librtmp's `RTMP_Write`: metadata goes to
 * the server as `@setDataFrame, onMetaData, …`, which the server strips before
 * forwarding `onMetaData` to players.
 *
 * `scriptTagToDataMessage` prefixes `@setDataFrame` only when the tag does not already
 * start with it. librtmp prefixes every script tag unconditionally, so a file whose
 * metadata already carries `@setDataFrame` (as files recorded from a publisher can) is
 * sent double-prefixed and the server stores `@setDataFrame` as the metadata's name.
 * Which tags are prefixed follows FFmpeg by default (`onMetaData` and
 * `|RtmpSampleAccess`; `onTextData`, `onCuePoint`… are sent as they are), or librtmp
 * (`'all'`, still never double), or nothing (`'none'`).
 *
 * Invariants: the name peek never decodes more than the first value's header and
 * string; AMF failures surface as `ERR_FLV_BAD_SCRIPT` with the `ERR_AMF_*` cause.
 */
import { decode as decodeAmf0, encode as encodeAmf0 } from '../amf/amf0.js';
import { type AMFObject, type AmfDecodeOptions, type AmfValue, newEcmaArray, setOwn } from '../amf/types.js';
import { ProtocolCode } from '../error-codes.js';
import { flvError, flvUsageError } from './errors.js';

/** The data handler name a publisher puts before `onMetaData` (RTMP `@setDataFrame`). */
export const SET_DATA_FRAME = '@setDataFrame';
/** The metadata handler name. */
export const ON_METADATA = 'onMetaData';
/** What the server sends players after `play` (FFmpeg also prefixes it when publishing). */
export const RTMP_SAMPLE_ACCESS = '|RtmpSampleAccess';

/** AMF0 string `@setDataFrame`: `02 000D 40 73 65 74 44 61 74 61 46 72 61 6D 65` (16 bytes). */
const SET_DATA_FRAME_PREFIX: Buffer = encodeAmf0(SET_DATA_FRAME);

const STRING_MARKER = 0x02;
const LONG_STRING_MARKER = 0x0c;
/** Names longer than this are not handler names; the peek gives up (no large decode). */
const MAX_PEEK_NAME = 1024;

/**
 * The first value of a script body if it is an AMF0 string (or long string) — the
 * handler name (`onMetaData`, `@setDataFrame`, …) — without decoding the rest.
 * Undefined if the body starts otherwise, is truncated, or the name is not valid UTF-8.
 */
export function firstScriptName(payload: Uint8Array): string | undefined {
  const n = payload.length;
  if (n < 3) return undefined;
  let len: number;
  let at: number;
  if (payload[0] === STRING_MARKER) {
    len = (payload[1]! << 8) | payload[2]!;
    at = 3;
  } else if (payload[0] === LONG_STRING_MARKER) {
    if (n < 5) return undefined;
    len = payload[1]! * 0x1000000 + ((payload[2]! << 16) | (payload[3]! << 8) | payload[4]!);
    at = 5;
  } else {
    return undefined;
  }
  if (len > MAX_PEEK_NAME || len > n - at) return undefined;
  const bytes = payload.subarray(at, at + len);
  for (let i = 0; i < len; i++) {
    if (bytes[i]! >= 0x80) {
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        return undefined;
      }
    }
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, len).toString('latin1');
}

/** A decoded script tag. */
export interface ScriptData {
  /** The first value when it is a string (the handler name), else undefined. */
  name: string | undefined;
  /** Every top-level AMF0 value, the name included. */
  values: AmfValue[];
}

/**
 * Decodes a script tag / data message body (AMF0 values).
 *
 * @throws RTMPProtocolError `ERR_FLV_BAD_SCRIPT` (cause: the `ERR_AMF_*` error)
 */
export function parseScriptTag(payload: Uint8Array, options?: AmfDecodeOptions): ScriptData {
  let values: AmfValue[];
  try {
    values = decodeAmf0(payload, options);
  } catch (err) {
    throw flvError(
      ProtocolCode.FLV_BAD_SCRIPT,
      `script data does not decode: ${(err as Error).message}`,
      err,
    );
  }
  const first = values[0];
  return { name: typeof first === 'string' ? first : undefined, values };
}

/** Metadata properties for `metadataTag`: a plain object, an AMFObject or a Map. */
export type MetadataProperties = Record<string, AmfValue> | Map<string, AmfValue> | AMFObject;

/**
 * The body of an `onMetaData` script tag: AMF0 `"onMetaData"` then the properties as an
 * ECMA array (the form FFmpeg, OBS and Flash write). Properties whose value is
 * `undefined` are left out, so optional fields can be passed directly.
 *
 * @throws AMFError `ERR_AMF_ENCODE` for values AMF0 cannot carry
 */
export function metadataTag(meta: MetadataProperties): Buffer {
  const ecma = newEcmaArray();
  const entries = meta instanceof Map ? meta.entries() : Object.entries(meta);
  for (const [k, v] of entries) if (v !== undefined) setOwn(ecma, k, v);
  return encodeAmf0(ON_METADATA, ecma);
}

/** Which script tags `scriptTagToDataMessage` prefixes with `@setDataFrame`. */
export type SetDataFramePolicy = 'metadata' | 'all' | 'none';

/** Options of `scriptTagToDataMessage`. */
export interface ScriptTagToDataMessageOptions {
  /**
   * `'metadata'` (default, FFmpeg): tags named `onMetaData` or `|RtmpSampleAccess`;
   * `'all'` (librtmp): every tag; `'none'`: send bodies unchanged. A body that already
   * starts with `@setDataFrame` is never prefixed again.
   */
  setDataFrame?: SetDataFramePolicy;
}

/**
 * The type-18 data message payload for publishing a script tag body: `@setDataFrame`
 * prepended per the policy (one copy of the body), or the same Buffer when nothing is
 * prepended.
 */
export function scriptTagToDataMessage(payload: Buffer, options: ScriptTagToDataMessageOptions = {}): Buffer {
  const policy = options.setDataFrame ?? 'metadata';
  if (policy !== 'metadata' && policy !== 'all' && policy !== 'none') {
    throw flvUsageError(`setDataFrame must be 'metadata', 'all' or 'none', got ${String(policy)}`);
  }
  if (policy === 'none') return payload;
  const name = firstScriptName(payload);
  if (name === SET_DATA_FRAME) return payload;
  if (policy === 'metadata' && name !== ON_METADATA && name !== RTMP_SAMPLE_ACCESS) return payload;
  return Buffer.concat([SET_DATA_FRAME_PREFIX, payload], SET_DATA_FRAME_PREFIX.length + payload.length);
}

/** The AMF object predicate (`isAmfObject`), under the name the FLV modules use. */
export { isAmfObject as isAmfObjectLike } from '../amf/types.js';
