/**
 * User Control message payloads (type 4; RTMP-SPEC §6.2, §7.1.7;
 * librtmp's `HandleCtrl`, `RTMP_SendCtrl` for the events the spec leaves out): UI16 event type, then event data.
 *
 * Sizes: stream events (0, 1, 2, 4, 31, 32) and pings (6, 7) 6 bytes;
 * SetBufferLength (3) 10 bytes; SWFVerifyRequest (26) 3 bytes; SWFVerifyResponse
 * (27) 44 bytes. Invariants: a payload shorter than its event's layout throws
 * `ERR_MESSAGE_TRUNCATED`; longer payloads are tolerated (the fixed-size events
 * ignore the excess; the SWF events keep all of it in `data`); an unknown event
 * type is not an error — it decodes as `{ event: 'unknown', eventType, data }`.
 * `data` fields are views of the payload.
 */
import { RTMPUsageError } from '../errors.js';
import { checkInt, checkU32, payloadReader } from './common.js';
import type { RawMessage } from './raw-message.js';
import { UserControlEvent, type UserControlEventData } from './types.js';

/** Bytes of event data after the event type in a SWFVerifyRequest (librtmp sends/expects 3-byte payloads). */
export const SWF_VERIFY_REQUEST_DATA_SIZE = 1;
/** Bytes of event data after the event type in a SWFVerifyResponse (`01 01`, UI32, UI32, 32-byte HMAC). */
export const SWF_VERIFY_RESPONSE_DATA_SIZE = 42;

const STREAM_EVENTS = {
  [UserControlEvent.StreamBegin]: 'streamBegin',
  [UserControlEvent.StreamEOF]: 'streamEOF',
  [UserControlEvent.StreamDry]: 'streamDry',
  [UserControlEvent.StreamIsRecorded]: 'streamIsRecorded',
  [UserControlEvent.BufferEmpty]: 'bufferEmpty',
  [UserControlEvent.BufferReady]: 'bufferReady',
} as const satisfies Record<number, string>;

/** Event type id of each named event. */
const EVENT_IDS = {
  streamBegin: UserControlEvent.StreamBegin,
  streamEOF: UserControlEvent.StreamEOF,
  streamDry: UserControlEvent.StreamDry,
  setBufferLength: UserControlEvent.SetBufferLength,
  streamIsRecorded: UserControlEvent.StreamIsRecorded,
  pingRequest: UserControlEvent.PingRequest,
  pingResponse: UserControlEvent.PingResponse,
  swfVerifyRequest: UserControlEvent.SWFVerifyRequest,
  swfVerifyResponse: UserControlEvent.SWFVerifyResponse,
  bufferEmpty: UserControlEvent.BufferEmpty,
  bufferReady: UserControlEvent.BufferReady,
} as const;

/** The numeric event type of `data`. */
export function userControlEventType(data: UserControlEventData): number {
  return data.event === 'unknown' ? data.eventType : EVENT_IDS[data.event];
}

/** Decodes the event of a type-4 payload. */
export function decodeUserControlEvent(raw: RawMessage): UserControlEventData {
  const r = payloadReader(raw, 'User Control');
  const type = r.u16();
  switch (type) {
    case UserControlEvent.StreamBegin:
    case UserControlEvent.StreamEOF:
    case UserControlEvent.StreamDry:
    case UserControlEvent.StreamIsRecorded:
    case UserControlEvent.BufferEmpty:
    case UserControlEvent.BufferReady:
      return { event: STREAM_EVENTS[type], streamId: r.u32() };
    case UserControlEvent.SetBufferLength: {
      r.need(8);
      const streamId = r.u32();
      return { event: 'setBufferLength', streamId, bufferLength: r.u32() };
    }
    case UserControlEvent.PingRequest:
      return { event: 'pingRequest', timestamp: r.u32() };
    case UserControlEvent.PingResponse:
      return { event: 'pingResponse', timestamp: r.u32() };
    case UserControlEvent.SWFVerifyRequest:
      r.need(SWF_VERIFY_REQUEST_DATA_SIZE);
      return { event: 'swfVerifyRequest', data: r.bytes(r.remaining) };
    case UserControlEvent.SWFVerifyResponse:
      r.need(SWF_VERIFY_RESPONSE_DATA_SIZE);
      return { event: 'swfVerifyResponse', data: r.bytes(r.remaining) };
    default:
      return { event: 'unknown', eventType: type, data: r.bytes(r.remaining) };
  }
}

/** The type-4 payload for `data`. */
export function encodeUserControlPayload(data: UserControlEventData): Buffer {
  const type = checkInt('eventType', userControlEventType(data), 0, 0xffff);
  let b: Buffer;
  switch (data.event) {
    case 'setBufferLength':
      b = Buffer.allocUnsafe(10);
      b.writeUInt32BE(checkU32('streamId', data.streamId), 2);
      b.writeUInt32BE(checkU32('bufferLength', data.bufferLength), 6);
      break;
    case 'pingRequest':
    case 'pingResponse':
      b = Buffer.allocUnsafe(6);
      b.writeUInt32BE(checkU32('timestamp', data.timestamp), 2);
      break;
    case 'swfVerifyRequest':
    case 'swfVerifyResponse':
    case 'unknown': {
      const min =
        data.event === 'swfVerifyRequest'
          ? SWF_VERIFY_REQUEST_DATA_SIZE
          : data.event === 'swfVerifyResponse'
            ? SWF_VERIFY_RESPONSE_DATA_SIZE
            : 0;
      if (data.data.length < min) {
        throw new RTMPUsageError(
          `${data.event} needs at least ${min} bytes of data, got ${data.data.length}`,
        );
      }
      b = Buffer.allocUnsafe(2 + data.data.length);
      b.set(data.data, 2);
      break;
    }
    default:
      b = Buffer.allocUnsafe(6);
      b.writeUInt32BE(checkU32('streamId', data.streamId), 2);
  }
  b.writeUInt16BE(type, 0);
  return b;
}
