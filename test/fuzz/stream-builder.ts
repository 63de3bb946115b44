/**
 * Structure-aware input for the session fuzz targets: a fuzz input is read as a small
 * program whose steps build an RTMP chunk stream (RTMP-SPEC §5.3) of plausible
 * messages — AMF0/AMF3 commands (§7.1.1), data (§7.1.2), protocol control (§5.4),
 * User Control (§6.2), audio/video with legacy and E-RTMP v2 headers, aggregates
 * (§7.1.6), shared objects (§7.1.3) and Set Chunk Size changes — chunked by ChunkWriter,
 * then mutated at the byte level. The engine mutates the program bytes, so its byte
 * mutations become message-level mutations here.
 *
 * Invariants: total — every byte string is a valid program (a read past the end yields
 * 0); bounded — at most `MAX_STEPS` messages and `MAX_PAYLOAD` bytes each; deterministic
 * — the same input always builds the same stream and the same feed cuts.
 */
import * as amf0 from '../../src/amf/amf0.js';
import { AMFObject, type AmfValue } from '../../src/amf/types.js';
import { ChunkWriter } from '../../src/chunk/writer.js';
import { buildAggregate } from '../../src/message/aggregate.js';
import { command, dataMessage } from '../../src/message/builders.js';
import { encodeMessage } from '../../src/message/codec.js';
import type { RawMessage } from '../../src/message/raw-message.js';
import { mutate, rng } from './engine.js';

const MAX_STEPS = 48;
const MAX_PAYLOAD = 4096;

/** Reads the program: bytes, numbers and choices; 0 once the input is used up. */
export class ByteSource {
  #at = 0;
  constructor(readonly bytes: Buffer) {}

  get done(): boolean {
    return this.#at >= this.bytes.length;
  }

  u8(): number {
    return this.#at < this.bytes.length ? this.bytes[this.#at++]! : 0;
  }

  u16(): number {
    return (this.u8() << 8) | this.u8();
  }

  u32(): number {
    return ((this.u16() << 16) | this.u16()) >>> 0;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.u8() % list.length]!;
  }

  /** The next `n` bytes (fewer at the end of the input). */
  take(n: number): Buffer {
    const b = this.bytes.subarray(this.#at, this.#at + n);
    this.#at += b.length;
    return b;
  }
}

const STATUS_CODES = [
  'NetConnection.Connect.Success',
  'NetConnection.Connect.Rejected',
  'NetConnection.Connect.Closed',
  'NetStream.Play.Start',
  'NetStream.Play.Reset',
  'NetStream.Play.Stop',
  'NetStream.Play.StreamNotFound',
  'NetStream.Play.UnpublishNotify',
  'NetStream.Play.Complete',
  'NetStream.Publish.Start',
  'NetStream.Publish.BadName',
  'NetStream.Seek.Notify',
  'NetStream.Pause.Notify',
  'NetStream.Failed',
];

function status(code: string, level: string): AMFObject {
  const o = new AMFObject();
  o.level = level;
  o.code = code;
  o.description = `${code} (fuzz)`;
  return o;
}

/** A value from a pool of plausible and hostile AMF values. */
function value(src: ByteSource, depth = 0): AmfValue {
  switch (src.u8() % 16) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return src.u8() % 2 === 0;
    case 3:
      return src.pick([0, 1, -1, 3, 0.5, 2 ** 32, -(2 ** 31), Number.NaN, Number.POSITIVE_INFINITY, 1e308]);
    case 4:
      return src.u32();
    case 5:
      return src.pick(STATUS_CODES);
    case 6:
      return src.take(src.u8() % 24).toString('latin1');
    case 7:
      return status(src.pick(STATUS_CODES), src.pick(['status', 'error', 'warning', '']));
    case 8: {
      const o = new AMFObject();
      o.fmsVer = 'FMS/3,5,7,7009';
      o.capabilities = 31;
      o.objectEncoding = src.pick([0, 3, 7]);
      return o;
    }
    case 9:
      if (depth > 3) return 'deep';
      return Array.from({ length: src.u8() % 4 }, () => value(src, depth + 1));
    case 10: {
      if (depth > 3) return 0;
      const o = new AMFObject();
      const n = src.u8() % 5;
      for (let i = 0; i < n; i++)
        o[src.pick(['code', 'level', 'duration', 'width', 'x', 'app', 'type'])] = value(src, depth + 1);
      return o;
    }
    case 11: {
      // ECMA array (onMetaData's usual container)
      const m = new Map<string, AmfValue>();
      m.set('duration', src.pick([0, 10, -1, Number.NaN, 1e20]));
      m.set('videocodecid', src.pick([7, 12, 'avc1', 'hvc1', 'av01', 0]));
      m.set('audiocodecid', src.pick([10, 2, 'mp4a', 'Opus']));
      if (src.u8() & 1) m.set('width', value(src, depth + 1));
      return m;
    }
    case 12:
      return new Date(src.u32() * 1000);
    case 13:
      return 'x'.repeat(src.u16() % 2048);
    case 14:
      return src.pick(['live', 'app', 'short', 'mp4:x.mp4', '', 'a/b', '..']);
    default:
      return src.u8() - 128;
  }
}

/** Command names a server sends a client, and a client sends a server. */
const TO_CLIENT = [
  '_result',
  '_error',
  'onStatus',
  'onBWDone',
  '_onbwcheck',
  '_onbwdone',
  'ping',
  'close',
  'onFCPublish',
  'onFCSubscribe',
  'myMethod',
  '|RtmpSampleAccess',
  'onMetaData',
];
const TO_SERVER = [
  'connect',
  'createStream',
  'play',
  'play2',
  'publish',
  'deleteStream',
  'closeStream',
  'releaseStream',
  'FCPublish',
  'FCUnpublish',
  'FCSubscribe',
  'FCUnsubscribe',
  'pause',
  'seek',
  'receiveAudio',
  'receiveVideo',
  '_result',
  '_error',
  'getStreamLength',
  '_checkbw',
  'myMethod',
];

/** Audio/video payloads: legacy AAC/AVC headers, E-RTMP v2 ex headers, random. */
function media(src: ByteSource, video: boolean): Buffer {
  const body = src.take(src.u8() % 64);
  if (video) {
    const head = src.pick([
      '1700000000', // AVC sequence header
      '1701000000', // AVC NALUs
      '2701000000',
      '1702000000', // end of sequence
      '90686576 31', // E-RTMP: key frame, SequenceStart, hvc1
      '91617630 31', // E-RTMP: key frame, CodedFrames, av01
      '9f', // ExVideoTag with a reserved packet type
      'e6 00 61766331', // multitrack packet
      '57', // legacy: info/command frame
      '',
    ]);
    return Buffer.concat([Buffer.from(head.replace(/\s+/g, ''), 'hex'), body]);
  }
  const head = src.pick(['af00 1210', 'af01', '2f', '9000 4f707573', '9101 664c6143', 'd5 00 6d703461', '']);
  return Buffer.concat([Buffer.from(head.replace(/\s+/g, ''), 'hex'), body]);
}

/** One User Control event (RTMP-SPEC §6.2 / §7.1.7), sometimes with a short or long body. */
function userControl(src: ByteSource): Buffer {
  const event = src.pick([0, 1, 2, 3, 4, 6, 7, 26, 27, 31, 32, 0xffff]);
  const b = Buffer.alloc(2 + src.pick([0, 2, 4, 8, 10, 42]));
  b.writeUInt16BE(event, 0);
  for (let i = 2; i < b.length; i++) b[i] = src.u8();
  if (b.length >= 6 && src.u8() & 1) b.writeUInt32BE(src.pick([0, 1, 2]), 2);
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0, 0);
  return b;
}

/** The next step of a well-formed conversation (RTMP-SPEC §7.2.1, §7.2.2), from either side. */
function conversation(src: ByteSource, role: 'server' | 'client'): RawMessage {
  const txn = src.pick([1, 2, 3, 4, 5]);
  const on = (name: string, t: number, streamId: number, obj: AmfValue, ...args: AmfValue[]) => {
    const raw = encodeMessage(command(name, t, obj, ...args));
    return { ...raw, streamId, csid: streamId === 0 ? 3 : 8 };
  };
  if (role === 'server') {
    switch (src.u8() % 4) {
      case 0: {
        const props = new AMFObject({ fmsVer: 'FMS/3,5,7,7009', capabilities: 31 });
        const info = status('NetConnection.Connect.Success', 'status');
        info.objectEncoding = src.pick([0, 3]);
        return on('_result', 1, 0, props, info);
      }
      case 1:
        return on('_result', txn, 0, null, src.pick([1, 1, 2, 0, 65536]));
      case 2:
        return on('onStatus', 0, 1, null, status(src.pick(STATUS_CODES), src.pick(['status', 'error'])));
      default:
        return on('_error', txn, 0, null, status('NetConnection.Call.Failed', 'error'));
    }
  }
  switch (src.u8() % 6) {
    case 0: {
      const obj = new AMFObject({ app: src.pick(['live', 'vod', 'live/x']), tcUrl: 'rtmp://127.0.0.1/live' });
      obj.objectEncoding = src.pick([0, 3]);
      return on('connect', 1, 0, obj);
    }
    case 1:
      return on('createStream', txn, 0, null);
    case 2:
      return on(
        'play',
        src.pick([0, 4]),
        1,
        null,
        src.pick(['fuzz', 'mp4:x.mp4', '']),
        src.pick([-2000, -1000, 0, 5000]),
      );
    case 3:
      return on('publish', 5, 1, null, 'fuzz', src.pick(['live', 'record', 'append']));
    case 4:
      return on(src.pick(['deleteStream', 'closeStream', 'FCPublish', 'releaseStream']), txn, 0, null, 1);
    default:
      return on(src.pick(['pause', 'seek', 'receiveVideo']), 0, 1, null, src.pick([true, false, 1000]));
  }
}

const CHUNK_SIZES = [1, 2, 128, 4096, 65536, 0xffffff, 0x7fffffff, 0, 0x80000000];

/** What a built stream is fed as: the chunk bytes and the cut offsets. */
export interface BuiltStream {
  bytes: Buffer;
  /** Offsets at which to cut the bytes into separate `receive` calls (ascending). */
  cuts: number[];
  /** Millisecond steps of the clock, one per cut (the host passes `now` + step). */
  clock: number[];
}

/**
 * Builds a chunk stream from `input` for a peer of the given role: `'server'` builds
 * what a server sends (a client session is fed), `'client'` what a client sends.
 */
export function buildStream(input: Buffer, role: 'server' | 'client'): BuiltStream {
  const src = new ByteSource(input);
  const flags = src.u8();
  const writer = new ChunkWriter();
  const parts: Buffer[] = [];
  let size = 0;
  const cuts: number[] = [];
  const clock: number[] = [];
  const names = role === 'server' ? TO_CLIENT : TO_SERVER;
  let ts = 0;
  const push = (bufs: Buffer[]) => {
    for (const b of bufs) {
      parts.push(b);
      size += b.length;
    }
  };
  const header = (type: number, payload: Buffer, csid: number): RawMessage => {
    ts = src.u8() & 1 ? (ts + src.u8()) >>> 0 : src.pick([0, ts, 0xffffff, 0x1000000, 0xffffffff, src.u32()]);
    const streamId = src.pick([0, 1, 1, 2, 0xffffffff]);
    return {
      type,
      streamId,
      timestamp: ts,
      csid: src.u8() % 8 === 0 ? src.pick([2, 63, 64, 319, 320, 65599]) : csid,
      payload,
    };
  };
  for (let step = 0; step < MAX_STEPS && !src.done; step++) {
    const op = src.u8() % 16;
    let msg: RawMessage | undefined;
    switch (op) {
      case 0:
      case 1: {
        const args = Array.from({ length: src.u8() % 4 }, () => value(src));
        const cmd = command(src.pick(names), src.pick([0, 1, 2, 3, 4, 5, 6, src.u32()]), value(src), ...args);
        const raw = encodeMessage(op === 1 ? { ...cmd, amf3: true } : cmd);
        msg = header(raw.type, raw.payload, 3);
        break;
      }
      case 2: {
        const values: AmfValue[] = src.pick<() => AmfValue[]>([
          () => ['@setDataFrame', 'onMetaData', value(src)],
          () => ['onMetaData', value(src)],
          () => ['|RtmpSampleAccess', true, true],
          () => ['onTextData', value(src)],
          () => [value(src), value(src)],
        ])();
        const raw = encodeMessage({ ...dataMessage(...values), amf3: (src.u8() & 3) === 0 });
        msg = header(raw.type, raw.payload, 4);
        break;
      }
      case 3: {
        const type = src.pick([1, 2, 3, 5, 6]);
        const payload =
          type === 6
            ? Buffer.concat([
                u32(src.pick([0, 1, 2_500_000, 0xffffffff, src.u32()])),
                Buffer.from([src.pick([0, 1, 2, 9])]),
              ])
            : u32(
                type === 1
                  ? src.pick(CHUNK_SIZES)
                  : type === 2
                    ? src.pick([0, 3, 4, 8, 65599, src.u32()])
                    : src.pick([0, 1, 2_500_000, 0xffffffff, src.u32()]),
              );
        msg = header(type, src.u8() % 8 === 0 ? payload.subarray(0, src.u8() % 4) : payload, 2);
        break;
      }
      case 4:
        msg = header(4, userControl(src), 2);
        break;
      case 5:
      case 6:
        msg = header(op === 5 ? 8 : 9, media(src, op === 6), op === 5 ? 4 : 6);
        break;
      case 7: {
        const records = Array.from({ length: 1 + (src.u8() % 4) }, () => {
          const video = (src.u8() & 1) === 1;
          return {
            type: src.pick([8, 9, 18, video ? 9 : 8, 22]),
            timestamp: src.u32() & 0xffff,
            payload: media(src, video),
          };
        });
        const agg = buildAggregate(records);
        // sometimes break a record size or back pointer
        if (src.u8() % 4 === 0 && agg.payload.length > 4)
          agg.payload.writeUInt32BE(src.u32(), src.u8() % (agg.payload.length - 3));
        msg = header(22, agg.payload, 6);
        break;
      }
      case 8: {
        const name = src.pick(['chat', 'so', '']);
        const body = Buffer.alloc(2 + name.length + 12);
        body.writeUInt16BE(name.length, 0);
        body.write(name, 2, 'latin1');
        body.writeUInt32BE(src.u8() % 3, 2 + name.length);
        body.writeUInt32BE(src.u8() & 1, 6 + name.length);
        const ev = Buffer.from([src.pick([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0xff])]);
        const evBody = amf0.encode(src.pick(['x', 'send']), value(src));
        const evLen = u32(src.u8() % 8 === 0 ? src.u32() : evBody.length);
        msg = header(
          src.u8() & 1 ? 19 : 16,
          Buffer.concat([src.u8() & 1 ? Buffer.alloc(0) : Buffer.alloc(1), body, ev, evLen, evBody]),
          3,
        );
        break;
      }
      case 9:
        msg = header(src.u8(), src.take(src.u16() % MAX_PAYLOAD), 3 + (src.u8() % 6));
        break;
      case 10: {
        const next = src.pick(CHUNK_SIZES.filter((s) => s >= 1 && s <= 0xffffff));
        push(writer.writeSetChunkSize(next));
        continue;
      }
      case 11:
        // an abrupt mid-message cut: a chunk of a message whose rest never comes
        push([writer.write(header(9, media(src, true), 7))[0] ?? Buffer.alloc(0)]);
        continue;
      case 12:
        cuts.push(size);
        clock.push(src.pick([0, 1, 100, 1000, 5000, 60_000]));
        continue;
      case 14:
      case 15: {
        // each step in a receive of its own, so the host answers before the next one
        cuts.push(size);
        clock.push(0);
        const m = conversation(src, role);
        ts = (ts + src.u8()) >>> 0;
        msg = { ...m, timestamp: ts };
        break;
      }
      default: {
        // byte-level mutation of a message's chunk bytes
        const bytes = Buffer.concat(writer.write(header(src.pick([8, 9, 20, 18, 4]), media(src, false), 5)));
        const next = rng(src.u32());
        push([mutate(bytes, next)]);
        continue;
      }
    }
    if (msg.payload.length > MAX_PAYLOAD) msg = { ...msg, payload: msg.payload.subarray(0, MAX_PAYLOAD) };
    push(writer.write(msg));
  }
  let bytes: Buffer = Buffer.concat(parts);
  // whole-stream byte mutations, as often as the flags say
  if ((flags & 3) === 3) bytes = mutate(bytes, rng(flags * 0x01000193 + input.length));
  return { bytes, cuts: cuts.filter((c) => c <= bytes.length), clock };
}
