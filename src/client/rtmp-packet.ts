/**
 * `RTMPPacket` — python-librtmp's packet object for the raw packet API
 * (`RTMP.readPacket`, `sendPacket`, `handlePacket`, a custom `connect` packet), with the
 * message stream id python-librtmp could not set (it always sent 0).
 *
 * Invariants: `body` is a Buffer the packet owns (never mutated by sending — librtmp
 * writes chunk headers into the bytes before the body, which rtmpkit never does); `format` is the chunk
 * header size the caller asks for — the chunk writer compresses headers itself, so it
 * is advisory when sending and `LARGE` for received packets (the reader does not keep it).
 */

import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import { createLogger } from '../log.js';
import type { RawMessage } from '../message/raw-message.js';
import { MessageType } from '../message/types.js';
import { asBuffer } from '../util/buffer-view.js';

/** Message types with python-librtmp's names (`PACKET_TYPE_*`): the RTMP-SPEC type ids of `MessageType`. */
export const PacketType = {
  CHUNK_SIZE: MessageType.SetChunkSize,
  ABORT: MessageType.Abort,
  BYTES_READ_REPORT: MessageType.Acknowledgement,
  CONTROL: MessageType.UserControl,
  SERVER_BW: MessageType.WindowAckSize,
  CLIENT_BW: MessageType.SetPeerBandwidth,
  AUDIO: MessageType.Audio,
  VIDEO: MessageType.Video,
  FLEX_STREAM_SEND: MessageType.DataAMF3,
  FLEX_SHARED_OBJECT: MessageType.SharedObjectAMF3,
  FLEX_MESSAGE: MessageType.CommandAMF3,
  INFO: MessageType.DataAMF0,
  SHARED_OBJECT: MessageType.SharedObjectAMF0,
  INVOKE: MessageType.CommandAMF0,
  FLASH_VIDEO: MessageType.Aggregate,
} as const;
/** One of the `PacketType` values (any other type id is allowed too). */
export type PacketTypeId = (typeof PacketType)[keyof typeof PacketType];

/** Chunk header formats with python-librtmp's names (`PACKET_SIZE_*`): 12/8/4/1-byte headers. */
export const PacketSize = {
  LARGE: 0,
  MEDIUM: 1,
  SMALL: 2,
  MINIMUM: 3,
} as const;
/** One of the `PacketSize` values. */
export type PacketSizeId = (typeof PacketSize)[keyof typeof PacketSize];

/** Fields of a new `RTMPPacket` (python-librtmp's constructor arguments, camelCased, plus `streamId`). */
export interface RTMPPacketInit {
  /** Message type id (`PacketType`). */
  type: number;
  /** Chunk header format (`PacketSize`), default MEDIUM as python-librtmp's `call`. */
  format?: number;
  /** Chunk stream id (python: channel), 2…65599; default 3. */
  channel?: number;
  /** Timestamp in ms (unsigned 32-bit), default 0. */
  timestamp?: number;
  /** Whether the timestamp is absolute (python-librtmp `absolute_timestamp`), default false. */
  absoluteTimestamp?: boolean;
  /** The message body, default empty. */
  body?: Uint8Array;
  /** Message stream id (python-librtmp cannot set it: always 0 there), default 0. */
  streamId?: number;
}

const log = createLogger('packet');

function checkRange(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RTMPUsageError(`RTMPPacket ${name} must be an integer in ${min}..${max}, got ${String(v)}`, {
      code: UsageCode.RTMP_PACKET,
    });
  }
  return v;
}

/** One RTMP message as the raw packet API sees it (python-librtmp `RTMPPacket`). */
export class RTMPPacket {
  #type = 0;
  #format = 1;
  #channel = 3;
  #timestamp = 0;
  #streamId = 0;
  #body: Buffer = Buffer.alloc(0);
  /** Whether the timestamp is absolute (informational: the chunk writer chooses header formats). */
  absoluteTimestamp: boolean;

  constructor(init: RTMPPacketInit) {
    if (typeof init !== 'object' || init === null) {
      throw new RTMPUsageError('RTMPPacket needs { type, ... }', { code: UsageCode.RTMP_PACKET });
    }
    this.type = init.type;
    this.format = init.format ?? PacketSize.MEDIUM;
    this.channel = init.channel ?? 3;
    this.timestamp = init.timestamp ?? 0;
    this.absoluteTimestamp = init.absoluteTimestamp ?? false;
    this.streamId = init.streamId ?? 0;
    if (init.body !== undefined) this.body = init.body;
  }

  /** Wraps a received message (format LARGE, absolute timestamp). */
  static fromRawMessage(raw: RawMessage): RTMPPacket {
    return new RTMPPacket({
      type: raw.type,
      format: PacketSize.LARGE,
      channel: raw.csid,
      timestamp: raw.timestamp,
      absoluteTimestamp: true,
      body: raw.payload,
      streamId: raw.streamId,
    });
  }

  /** Message type id. */
  get type(): number {
    return this.#type;
  }
  set type(v: number) {
    this.#type = checkRange('type', v, 1, 255);
  }

  /** Chunk header format 0–3 (`PacketSize`). */
  get format(): number {
    return this.#format;
  }
  set format(v: number) {
    this.#format = checkRange('format', v, 0, 3);
  }

  /** Chunk stream id (python-librtmp: channel). */
  get channel(): number {
    return this.#channel;
  }
  set channel(v: number) {
    this.#channel = checkRange('channel', v, 2, 65599);
  }

  /** Timestamp in ms (unsigned 32-bit). */
  get timestamp(): number {
    return this.#timestamp;
  }
  set timestamp(v: number) {
    this.#timestamp = checkRange('timestamp', v, 0, 0xffffffff);
  }

  /** Message stream id (0 = NetConnection). */
  get streamId(): number {
    return this.#streamId;
  }
  set streamId(v: number) {
    this.#streamId = checkRange('streamId', v, 0, 0xffffffff);
  }

  /** The body (a Buffer; setting copies nothing but keeps a Buffer view of what you pass). */
  get body(): Buffer {
    return this.#body;
  }
  set body(v: Uint8Array) {
    if (!(v instanceof Uint8Array)) {
      throw new RTMPUsageError('RTMPPacket body must be a Buffer or Uint8Array', {
        code: UsageCode.RTMP_PACKET,
      });
    }
    if (v.length > 0xffffff) {
      throw new RTMPUsageError(`RTMPPacket body of ${v.length} bytes exceeds the 16 MiB message limit`, {
        code: UsageCode.RTMP_PACKET,
      });
    }
    this.#body = asBuffer(v);
  }

  /** The message the chunk writer sends for this packet. */
  toRawMessage(): RawMessage {
    return {
      type: this.#type,
      streamId: this.#streamId,
      timestamp: this.#timestamp,
      csid: this.#channel,
      payload: this.#body,
    };
  }

  /** One-line description (type, channel, stream, timestamp, size). */
  toString(): string {
    return `RTMPPacket(type=0x${this.#type.toString(16).padStart(2, '0')}, format=${this.#format}, channel=${this.#channel}, streamId=${this.#streamId}, timestamp=${this.#timestamp}, size=${this.#body.length})`;
  }

  /** Logs the packet at DEBUG with a hex dump of up to 64 body bytes (python-librtmp `dump()`). */
  dump(): void {
    const head = this.#body.subarray(0, 64).toString('hex').replace(/(..)/g, '$1 ').trim();
    log.debug(`${this.toString()} body: ${head}${this.#body.length > 64 ? ' ...' : ''}`);
  }
}
