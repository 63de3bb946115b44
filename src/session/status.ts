/**
 * NetStatus info codes and their classification (RTMP-SPEC §7.2.2; Adobe AS3
 * NetStatusEvent.info codes; E-RTMP v2 onStatus).
 *
 * Invariants: codes are exact string literals as servers send them (case and dots
 * included); `classifyStatus` is total — any info object (even a malformed one from
 * a hostile peer) yields a classification and never throws.
 */
import { type AmfValue, isAmfObject } from '../amf/types.js';

/** Every NetConnection/NetStream/SharedObject status code rtmpkit knows by name. */
export const NET_STATUS_CODES = [
  // NetConnection
  'NetConnection.Call.BadVersion',
  'NetConnection.Call.Failed',
  'NetConnection.Call.Prohibited',
  'NetConnection.Connect.AppShutdown',
  'NetConnection.Connect.Closed',
  'NetConnection.Connect.Failed',
  'NetConnection.Connect.IdleTimeout',
  'NetConnection.Connect.InvalidApp',
  'NetConnection.Connect.NetworkChange',
  'NetConnection.Connect.ReconnectRequest',
  'NetConnection.Connect.Rejected',
  'NetConnection.Connect.Success',
  'NetConnection.Proxy.NotResponding',
  // NetStream
  'NetStream.Buffer.Empty',
  'NetStream.Buffer.Flush',
  'NetStream.Buffer.Full',
  'NetStream.Connect.Closed',
  'NetStream.Connect.Failed',
  'NetStream.Connect.Rejected',
  'NetStream.Connect.Success',
  'NetStream.Data.Start',
  'NetStream.DRM.UpdateNeeded',
  'NetStream.Failed',
  'NetStream.MulticastStream.Reset',
  'NetStream.Pause.Notify',
  'NetStream.Play.Complete',
  'NetStream.Play.Failed',
  'NetStream.Play.FileStructureInvalid',
  'NetStream.Play.InsufficientBW',
  'NetStream.Play.NoSupportedTrackFound',
  'NetStream.Play.PublishNotify',
  'NetStream.Play.Reset',
  'NetStream.Play.Start',
  'NetStream.Play.Stop',
  'NetStream.Play.StreamNotFound',
  'NetStream.Play.Switch',
  'NetStream.Play.Transition',
  'NetStream.Play.TransitionComplete',
  'NetStream.Play.UnpublishNotify',
  'NetStream.Publish.BadName',
  'NetStream.Publish.Denied',
  'NetStream.Publish.Idle',
  'NetStream.Publish.Start',
  'NetStream.Record.AlreadyExists',
  'NetStream.Record.DiskQuotaExceeded',
  'NetStream.Record.Failed',
  'NetStream.Record.NoAccess',
  'NetStream.Record.Start',
  'NetStream.Record.Stop',
  'NetStream.Seek.Failed',
  'NetStream.Seek.InvalidTime',
  'NetStream.Seek.Notify',
  'NetStream.Step.Notify',
  'NetStream.Unpause.Notify',
  'NetStream.Unpublish.Success',
  'NetStream.Video.DimensionChange',
  // SharedObject
  'SharedObject.BadPersistence',
  'SharedObject.Flush.Failed',
  'SharedObject.Flush.Success',
  'SharedObject.UriMismatch',
] as const;

/** A NetStatus code rtmpkit knows by name. */
export type NetStatusCode = (typeof NET_STATUS_CODES)[number];

/** The `level` of a NetStatus info object. */
export type NetStatusLevel = 'status' | 'warning' | 'error';

/**
 * A NetStatus info object as carried by `onStatus`, `onPlayStatus`, `_result`/`_error`
 * of `connect`. Servers add arbitrary fields (`details`, `clientid`, `objectEncoding`,
 * `data`, `ex`, `secureToken`, …); those are kept. `code` stays a plain string because
 * servers invent codes; compare it against {@link NetStatusCode} literals.
 */
export interface StatusInfo {
  /** `status`, `warning` or `error` (a string from the peer; may be anything). */
  level?: string;
  /** The status code, e.g. `NetStream.Play.Start`. */
  code?: string;
  /** Human-readable text; Adobe/llnw auth challenges live here. */
  description?: string;
  /** Any other property the peer sent. */
  [key: string]: AmfValue;
}

/**
 * What a status means for the stream or connection that received it:
 * - `error`: the request failed; the stream (or connection) is unusable.
 * - `eof`: playback is over (recorded stream ended, live publisher left).
 * - `start`: playback or publishing has begun.
 * - `info`: anything else (seek/pause notifications, resets, warnings).
 */
export type StatusClassification = 'error' | 'eof' | 'start' | 'info';

const ERROR_CODES: ReadonlySet<string> = new Set<NetStatusCode>([
  'NetStream.Failed',
  'NetStream.Play.Failed',
  'NetStream.Play.StreamNotFound',
  'NetConnection.Connect.InvalidApp',
  'NetConnection.Connect.Rejected',
  'NetConnection.Connect.Failed',
  'NetStream.Publish.BadName',
  'NetStream.Publish.Denied',
]);

const EOF_CODES: ReadonlySet<string> = new Set<NetStatusCode>([
  'NetStream.Play.Complete',
  'NetStream.Play.Stop',
  'NetStream.Play.UnpublishNotify',
]);

const START_CODES: ReadonlySet<string> = new Set<NetStatusCode>([
  'NetStream.Play.Start',
  'NetStream.Publish.Start',
]);

/** Codes that reject a `connect` when they arrive by `onStatus` before its `_result`. */
export const CONNECT_REJECT_CODES: ReadonlySet<string> = new Set<NetStatusCode>([
  'NetConnection.Connect.Rejected',
  'NetConnection.Connect.Failed',
  'NetConnection.Connect.InvalidApp',
]);

/**
 * Classifies a status info object. Level `error` or an error code (Play.Failed,
 * Play.StreamNotFound, Connect.InvalidApp/Rejected/Failed, Publish.BadName/Denied,
 * NetStream.Failed) → `error`; Play.Complete/Play.Stop/Play.UnpublishNotify → `eof`
 * (librtmp's and FFmpeg's end-of-stream set); Play.Start/Publish.Start → `start`;
 * anything else → `info`. Accepts any value (a non-object yields `info`).
 */
export function classifyStatus(info: unknown): StatusClassification {
  if (typeof info !== 'object' || info === null) return 'info';
  const { level, code } = info as { level?: unknown; code?: unknown };
  const c = typeof code === 'string' ? code : '';
  if (level === 'error' || ERROR_CODES.has(c)) return 'error';
  if (EOF_CODES.has(c)) return 'eof';
  if (START_CODES.has(c)) return 'start';
  return 'info';
}

/** Tells whether `code` is one of the NetStatus codes rtmpkit knows by name. */
export function isNetStatusCode(code: unknown): code is NetStatusCode {
  return typeof code === 'string' && KNOWN.has(code);
}

const KNOWN: ReadonlySet<string> = new Set(NET_STATUS_CODES);

/**
 * Turns any decoded AMF value into a {@link StatusInfo}: objects (AMFObject, ECMA
 * array, Map) keep their string-keyed properties; anything else becomes `{}` with
 * the value under `value` (some servers send a bare string). Never throws.
 */
export function toStatusInfo(value: unknown): StatusInfo {
  const out: StatusInfo = {};
  if (value instanceof Map) {
    for (const [k, v] of value) if (typeof k === 'string') define(out, k, v as AmfValue);
    return out;
  }
  if (isAmfObject(value)) {
    for (const k of Object.keys(value)) define(out, k, value[k]);
    return out;
  }
  if (value !== undefined && value !== null) out.value = value as AmfValue;
  return out;
}

function define(obj: object, key: string, value: AmfValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
