/**
 * The contract between one client connection and the server that owns it (internal):
 * `ServerContext` — the server as its connections see it: options, logging, events,
 * the live channel registry, VOD lookup — and how hook answers (`Decision`) become
 * allow/refuse.
 *
 * Invariants: `decide` never throws — a hook that throws or rejects refuses with the
 * error's message as description (an `RTMPError` with an object `info` refuses with
 * that info).
 */
import type { AmfValue } from '../amf/types.js';
import { RTMPError, type RTMPLimitError } from '../errors.js';
import type { Logger } from '../log.js';
import type { FlvIndex } from './flv-index.js';
import type { FlvSource } from './flv-source.js';
import type { LiveChannel } from './live-channel.js';
import type { ResolvedServerOptions } from './options.js';
import type { Decision, RTMPServerEvents, ServerClient, StatusInit } from './types.js';

/** An opened VOD file. */
export interface VodFile {
  source: FlvSource;
  index: FlvIndex;
}

/** Result of a VOD lookup. */
export type VodLookup = VodFile | { error: 'notFound' | 'invalid'; message: string };

/** What a client connection needs from its server. */
export interface ServerContext {
  readonly options: ResolvedServerOptions;
  readonly log: Logger;
  emit<K extends keyof RTMPServerEvents>(event: K, ...args: RTMPServerEvents[K]): void;
  /** The live channel of (app, name), created when missing. */
  channel(app: string, name: string): LiveChannel;
  /** Forgets `channel` when nobody publishes or plays it. */
  releaseChannel(channel: LiveChannel): void;
  /** A publish started on `channel` (recording and pushes start before its first message). */
  published(channel: LiveChannel): void;
  /** The publish of `channel` ended. */
  unpublished(channel: LiveChannel): void;
  /** Opens a VOD file by (already validated) name. */
  openVod(name: string): Promise<VodLookup>;
  /** The connection ended. */
  clientClosed(client: ServerClient): void;
  /** `client` (or a refused connection from `address`) went over a limit: `limit` event and a rate-limited log line. */
  limit(error: RTMPLimitError, client: ServerClient | undefined, address: string | undefined): void;
  /** Logs a client fault (warning) at most once per address and code per interval, with a count. */
  fault(address: string | undefined, code: string, message: string): void;
}

/** A hook's answer as allow, or refuse with info. */
export type Verdict = { allow: true } | { allow: false; info: StatusInit };

function isInfo(v: unknown): v is StatusInit {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Runs an authorization hook (none = allow). */
export async function decide<R>(
  hook: ((request: R) => Decision | Promise<Decision>) | undefined,
  request: R,
): Promise<Verdict> {
  if (!hook) return { allow: true };
  try {
    const d = await hook(request);
    if (d === undefined || d === true) return { allow: true };
    if (d === false) return { allow: false, info: {} };
    if (isInfo(d)) return { allow: false, info: d };
    return { allow: true };
  } catch (err) {
    return { allow: false, info: errorInfo(err) };
  }
}

/** The status info a thrown error becomes on the wire. */
export function errorInfo(err: unknown): StatusInit {
  if (err instanceof RTMPError && isInfo(err.info)) return err.info as StatusInit;
  return { description: err instanceof Error ? err.message : String(err) };
}

/** `name?query` → [name, query]. */
export function splitQuery(s: string): [string, string] {
  const q = s.indexOf('?');
  return q < 0 ? [s, ''] : [s.slice(0, q), s.slice(q + 1)];
}

/** A short printable form of an AMF value for logs. */
export function brief(v: AmfValue): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 200 ? `${s.slice(0, 200)}…` : s;
  } catch {
    return String(v);
  }
}
