/**
 * The protocol trace: one line per RTMP message sent or received, like a protocol
 * analyser — direction, chunk stream id, message stream id, timestamp, then the message
 * (RTMP-SPEC §5.4 protocol control, §6.2 user control, §7.1 commands and data, §7.2
 * NetConnection/NetStream commands and statuses).
 *
 * Where the lines go, decided when a connection starts:
 * - `NODE_DEBUG=rtmp` — commands, statuses and data (`rtmp:cmd`) and protocol control
 *   (`rtmp:ctl`: Set Chunk Size, Abort, Acknowledgement, Window Acknowledgement Size,
 *   Set Peer Bandwidth, User Control); `NODE_DEBUG=rtmp:cmd`, `rtmp:ctl`, `rtmp:media`
 *   (each audio/video/aggregate message) one by one; `NODE_DEBUG=rtmp*` all of them plus
 *   the component logs (`rtmp:client`, `rtmp:server`, …).
 * - a user logger (`{ debug, info, warn, error, child? }`, pino's shape): every line at
 *   `debug`, as `logger.debug(fields, line)`.
 * - the `rtmpkit:trace` diagnostics channel: a `TraceRecord` per message, when it had a
 *   subscriber as the connection started.
 *
 * Invariant: when none of these is on, no tracer exists and the sessions pay one
 * `undefined` check per message.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { debuglog } from 'node:util';
import { decodeMessage } from './message/codec.js';
import type { RawMessage } from './message/raw-message.js';
import type { Message, UserControlEventData } from './message/types.js';

/** A pino/bunyan-style logger: `logger.debug(fields, message)`; `child(bindings)` is used when present. */
export interface UserLogger {
  debug(fields: object, message: string): unknown;
  info(fields: object, message: string): unknown;
  warn(fields: object, message: string): unknown;
  error(fields: object, message: string): unknown;
  child?(bindings: object): UserLogger;
}

/** Which trace section a message belongs to: `rtmp:cmd`, `rtmp:ctl` or `rtmp:media`. */
export type TraceSection = 'cmd' | 'ctl' | 'media';

/** What the `rtmpkit:trace` diagnostics channel receives for each message. */
export interface TraceRecord {
  /** The connection: `client host:port` or `server client N (address:port)`. */
  connection: string;
  /** `in`: received from the peer; `out`: sent to it. */
  direction: 'in' | 'out';
  section: TraceSection;
  /** The line NODE_DEBUG prints (without the connection). */
  line: string;
  /** The message as it is on the wire (payload a view: copy it to keep it). */
  raw: RawMessage;
}

/** A session's view of each message (the `trace` session option). */
export type MessageTrace = (direction: 'in' | 'out', raw: RawMessage, message: Message | undefined) => void;

const sections = {
  all: debuglog('rtmp'),
  cmd: debuglog('rtmp:cmd'),
  ctl: debuglog('rtmp:ctl'),
  media: debuglog('rtmp:media'),
};
const channel = diagnosticsChannel.channel('rtmpkit:trace');

/** Checks a user logger's shape; the error names what is missing. */
export function checkLogger(logger: unknown): string | undefined {
  if (logger === null || typeof logger !== 'object')
    return 'logger must be an object with debug/info/warn/error';
  for (const m of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof (logger as Record<string, unknown>)[m] !== 'function') return `logger.${m} must be a function`;
  }
  return undefined;
}

/**
 * The tracer of one connection, or undefined when nothing would see its lines.
 * `connection` names it in every line (`client 127.0.0.1:1935`).
 */
export function messageTracer(connection: string, logger?: UserLogger): MessageTrace | undefined {
  const cmd = sections.cmd.enabled || sections.all.enabled;
  const ctl = sections.ctl.enabled || sections.all.enabled;
  const media = sections.media.enabled;
  const publish = channel.hasSubscribers;
  if (!cmd && !ctl && !media && !publish && logger === undefined) return undefined;
  const log = logger?.child ? logger.child({ connection }) : logger;
  return (direction, raw, message) => {
    const section = sectionOf(raw.type);
    const on = section === 'cmd' ? cmd : section === 'ctl' ? ctl : media;
    if (!on && !publish && log === undefined) return;
    const line = formatMessage(direction, raw, message);
    // util.debuglog's own line shape ("SECTION pid: text"); written here because under
    // NODE_DEBUG=rtmp the rtmp:cmd and rtmp:ctl sections are on without being named.
    if (on)
      process.stderr.write(`RTMP:${section.toUpperCase()} ${process.pid}: ${connection} ${line}
`);
    if (publish) channel.publish({ connection, direction, section, line, raw } satisfies TraceRecord);
    try {
      log?.debug({ rtmp: section, direction, csid: raw.csid, streamId: raw.streamId, type: raw.type }, line);
    } catch {
      // A failing user logger must not break the connection it traces (the line is lost).
    }
  };
}

/** The section of a message type: media (8, 9, 22), protocol/user control (1–6), else commands and data. */
export function sectionOf(type: number): TraceSection {
  if (type === 8 || type === 9 || type === 22) return 'media';
  return type >= 1 && type <= 6 ? 'ctl' : 'cmd';
}

/**
 * One trace line: `recv csid=3 msid=0 ts=0 command _result txn=1 {…} {…}`. `message` is
 * decoded from `raw` when the caller has none (sent raw messages).
 */
export function formatMessage(
  direction: 'in' | 'out',
  raw: RawMessage,
  message: Message | undefined,
): string {
  const head = `${direction === 'in' ? 'recv' : 'send'} csid=${raw.csid} msid=${raw.streamId} ts=${raw.timestamp}`;
  let msg = message;
  if (msg === undefined && sectionOf(raw.type) !== 'media') {
    try {
      msg = decodeMessage(raw);
    } catch {
      return `${head} type ${raw.type}, ${raw.payload.length} bytes (undecodable)`;
    }
  }
  return `${head} ${describe(raw, msg)}`;
}

const LIMIT_TYPES = ['hard', 'soft', 'dynamic'];

function describe(raw: RawMessage, m: Message | undefined): string {
  switch (m?.kind) {
    case 'setChunkSize':
      return `Set Chunk Size ${m.chunkSize}`;
    case 'abort':
      return `Abort csid ${m.chunkStreamId}`;
    case 'ack':
      return `Acknowledgement ${m.sequenceNumber}`;
    case 'windowAckSize':
      return `Window Acknowledgement Size ${m.windowSize}`;
    case 'setPeerBandwidth':
      return `Set Peer Bandwidth ${m.windowSize} ${LIMIT_TYPES[m.limitType] ?? m.limitType}`;
    case 'userControl':
      return `User Control ${userControl(m.data)}`;
    case 'command': {
      const info = [m.commandObject, ...m.args].find(hasCode);
      const status = info === undefined ? '' : ` ${info.code}`;
      return `command ${m.name} txn=${m.transactionId}${status} ${[m.commandObject, ...m.args].map(amf).join(' ')}`;
    }
    case 'data':
      return `data ${m.name ?? '(no name)'} ${m.values
        .slice(m.values[0] === m.name ? 1 : 0)
        .map(amf)
        .join(' ')}`;
    case 'sharedObject':
      return `shared object ${m.name} v${m.version} ${m.events.length} events`;
    default:
      return media(raw);
  }
}

function media(raw: RawMessage): string {
  const n = raw.payload.length;
  if (raw.type === 9) {
    // FLV-10.1 §E.4.3.1 / E-RTMP v2: frame type in bits 4–6 of the first byte, 1 = keyframe.
    const key = n > 0 && ((raw.payload[0]! >> 4) & 7) === 1 ? ' keyframe' : '';
    return `video ${n} bytes${key}`;
  }
  if (raw.type === 8) return `audio ${n} bytes`;
  if (raw.type === 22) return `aggregate ${n} bytes`;
  return `type ${raw.type}, ${n} bytes`;
}

function userControl(d: UserControlEventData): string {
  switch (d.event) {
    case 'setBufferLength':
      return `SetBufferLength stream ${d.streamId} ${d.bufferLength} ms`;
    case 'pingRequest':
    case 'pingResponse':
      return `${d.event === 'pingRequest' ? 'PingRequest' : 'PingResponse'} ${d.timestamp}`;
    case 'swfVerifyRequest':
    case 'swfVerifyResponse':
    case 'unknown':
      return `${d.event} ${d.data.length} bytes`;
    default:
      return `${d.event[0]!.toUpperCase()}${d.event.slice(1)} stream ${d.streamId}`;
  }
}

function hasCode(v: unknown): v is { code: string } {
  return typeof v === 'object' && v !== null && typeof (v as { code?: unknown }).code === 'string';
}

/** JSON.stringify's replacer: `this[key]` is the value before Buffer's toJSON. */
function compact(this: Record<string, unknown>, key: string, x: unknown): unknown {
  const v = this[key];
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (v === undefined) return 'undefined';
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Map) return Object.fromEntries(v);
  return x;
}

/** An AMF value as compact JSON (control characters escaped), at most 300 characters. */
function amf(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v, compact) ?? 'undefined';
  } catch {
    s = '<cyclic>';
  }
  return s.length > 300 ? `${s.slice(0, 297)}...` : s;
}
