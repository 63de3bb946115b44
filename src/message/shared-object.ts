/**
 * Shared object message payloads (type 19 AMF0, 16 AMF3; RTMP-SPEC §7.1.3). The
 * spec draws the layout without sizes; this follows Red5's `decodeSharedObject`
 * (the only open server that implements it) and capture notes:
 *
 * ```
 * [type 16 only: UI8 format selector, must be 0]
 * UI16 name length, UTF-8 name
 * UI32 current version
 * UI32 flags (Red5: 2 = persistent)   UI32 reserved (0)
 * repeated: UI8 event type, UI32 event data length, event data
 * ```
 *
 * `decodeSharedObject` stops at the header and event framing (event data stays raw,
 * as views); `decodeSharedObjectEvent` interprets one event's data:
 * RequestChange/Change = repeated (UI16-length key, AMF0 value); Success, Remove,
 * RequestRemove = UI16-length key; SendMessage = AMF0 values (handler name first);
 * Status = two UI16-length strings (code, level); Use, Release, Clear, UseSuccess
 * carry nothing. Invariants: short headers and events that overrun the payload
 * throw `ERR_MESSAGE_TRUNCATED`; bad event data throws
 * `ERR_MESSAGE_BAD_SHARED_OBJECT` (AMF error as `cause`). Names decode leniently
 * (invalid UTF-8 becomes U+FFFD) because the raw bytes stay in `payload`.
 */
import * as amf0 from '../amf/amf0.js';
import { amfReader, resolveAmfOptions } from '../amf/common.js';
import type { AmfDecodeOptions, AmfValue } from '../amf/types.js';
import { ProtocolCode } from '../error-codes.js';
import { RTMPError, RTMPUsageError } from '../errors.js';
import { ByteWriter } from '../util/byte-writer.js';
import { amf3BodyOffset } from './command.js';
import { checkInt, checkU32, messageError, messageHeader, payloadReader } from './common.js';
import type { RawMessage } from './raw-message.js';
import { type SharedObjectEvent, SharedObjectEventType, type SharedObjectMessage } from './types.js';

/** Decodes the header and event list of a type 19 (or, with `amf3`, 16) payload. */
export function decodeSharedObject(raw: RawMessage, amf3: boolean): SharedObjectMessage {
  const start = amf3 ? amf3BodyOffset(raw, 'shared object message') : 0;
  const r = payloadReader(raw, 'shared object message', start);
  const name = r.bytes(r.u16()).toString('utf8');
  r.need(12);
  const version = r.u32();
  const flags = r.u32();
  const reserved = r.u32();
  const events: SharedObjectEvent[] = [];
  while (r.remaining > 0) {
    const type = r.u8();
    events.push({ type, data: r.bytes(r.u32()) });
  }
  return {
    kind: 'sharedObject',
    ...messageHeader(raw),
    amf3,
    name,
    version,
    flags,
    reserved,
    persistent: (flags & 2) !== 0,
    events,
    payload: raw.payload,
  };
}

/** The payload of a shared object message (format byte 0 first when `amf3`). */
export function encodeSharedObjectPayload(
  msg: Pick<SharedObjectMessage, 'amf3' | 'name' | 'version' | 'flags' | 'reserved' | 'events'>,
): Buffer {
  const w = new ByteWriter(64);
  if (msg.amf3) w.u8(0);
  writeKey(w, msg.name, 'name');
  w.u32(checkU32('version', msg.version));
  w.u32(checkU32('flags', msg.flags));
  w.u32(checkU32('reserved', msg.reserved));
  for (const ev of msg.events) {
    w.u8(checkInt('event type', ev.type, 0, 255));
    w.u32(ev.data.length);
    w.bytes(ev.data);
  }
  return w.toBuffer();
}

/** A shared object event's data, interpreted by event type. */
export type SharedObjectEventData =
  | { event: 'use' | 'release' | 'clear' | 'useSuccess' }
  | { event: 'requestChange' | 'change'; properties: Array<[key: string, value: AmfValue]> }
  | { event: 'success' | 'remove' | 'requestRemove'; key: string }
  | { event: 'sendMessage'; values: AmfValue[] }
  | { event: 'status'; code: string; level: string }
  | { event: 'unknown'; type: number; data: Buffer };

const T = SharedObjectEventType;

/**
 * Interprets one event of a decoded shared object message.
 *
 * @param raw the message it came from, attached to errors as `info.raw`
 * @throws RTMPProtocolError `ERR_MESSAGE_BAD_SHARED_OBJECT` (AMF error as `cause`) on bad data
 */
export function decodeSharedObjectEvent(
  ev: SharedObjectEvent,
  options?: AmfDecodeOptions,
  raw?: RawMessage,
): SharedObjectEventData {
  try {
    return decodeEventData(ev, options);
  } catch (err) {
    if (!(err instanceof RTMPError) && !(err instanceof RangeError)) throw err;
    throw messageError(
      ProtocolCode.MESSAGE_BAD_SHARED_OBJECT,
      `shared object event ${ev.type}: ${(err as Error).message}`,
      raw,
      err,
    );
  }
}

function decodeEventData(
  ev: SharedObjectEvent,
  options: AmfDecodeOptions | undefined,
): SharedObjectEventData {
  const r = amfReader(ev.data);
  const key = () => r.bytes(r.u16()).toString('utf8');
  switch (ev.type) {
    case T.Use:
      return { event: 'use' };
    case T.Release:
      return { event: 'release' };
    case T.Clear:
      return { event: 'clear' };
    case T.UseSuccess:
      return { event: 'useSuccess' };
    case T.Success:
      return { event: 'success', key: key() };
    case T.Remove:
      return { event: 'remove', key: key() };
    case T.RequestRemove:
      return { event: 'requestRemove', key: key() };
    case T.Status: {
      const code = key();
      return { event: 'status', code, level: key() };
    }
    case T.SendMessage:
      return { event: 'sendMessage', values: amf0.decode(ev.data, options) };
    case T.Change:
    case T.RequestChange: {
      const opts = resolveAmfOptions(options);
      const refs: AmfValue[] = [];
      const properties: Array<[string, AmfValue]> = [];
      while (r.remaining > 0) {
        const k = key();
        properties.push([k, amf0.readAmf0Value(r, opts, 0, refs)]);
      }
      return { event: ev.type === T.Change ? 'change' : 'requestChange', properties };
    }
    default:
      return { event: 'unknown', type: ev.type, data: ev.data };
  }
}

const EVENT_IDS = {
  use: T.Use,
  release: T.Release,
  requestChange: T.RequestChange,
  change: T.Change,
  success: T.Success,
  sendMessage: T.SendMessage,
  status: T.Status,
  clear: T.Clear,
  remove: T.Remove,
  requestRemove: T.RequestRemove,
  useSuccess: T.UseSuccess,
} as const;

/** Builds the raw event for `data` (the inverse of `decodeSharedObjectEvent`). */
export function encodeSharedObjectEvent(data: SharedObjectEventData): SharedObjectEvent {
  if (data.event === 'unknown') return { type: checkInt('event type', data.type, 0, 255), data: data.data };
  const w = new ByteWriter(64);
  switch (data.event) {
    case 'success':
    case 'remove':
    case 'requestRemove':
      writeKey(w, data.key, 'key');
      break;
    case 'status':
      writeKey(w, data.code, 'code');
      writeKey(w, data.level, 'level');
      break;
    case 'sendMessage':
      w.bytes(amf0.encode(...data.values));
      break;
    case 'change':
    case 'requestChange': {
      const refs = new amf0.Amf0EncodeRefs();
      for (const [k, v] of data.properties) {
        writeKey(w, k, 'key');
        amf0.writeAmf0Value(w, v, refs);
      }
      break;
    }
    default:
      break;
  }
  return { type: EVENT_IDS[data.event], data: w.toBuffer() };
}

function writeKey(w: ByteWriter, s: string, what: string): void {
  const b = Buffer.from(s, 'utf8');
  if (b.length > 0xffff) throw new RTMPUsageError(`shared object ${what} is longer than 65535 UTF-8 bytes`);
  w.u16(b.length);
  w.bytes(b);
}
