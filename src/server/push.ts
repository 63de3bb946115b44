/**
 * Restreaming (`push` option, `rtmpkit serve --push URL`): each published stream that
 * a target matches is published again to another server — nginx-rtmp's `push` — with
 * rtmpkit's own RTMP client (`RTMP`, `createStream({ writeable: true })`, FLV bytes into
 * `RTMPStream.write`).
 *
 * A relay subscribes to the channel before it connects, so a push that starts with
 * the publish loses nothing while the connection is made (the messages wait, bounded).
 * It is an ordinary live player for the backpressure policy: when the target is slower
 * than the stream, video is dropped to the next keyframe, then audio (see
 * `LivePlayer`), so memory stays bounded. When the target fails (refused, reset,
 * rejected publish), the relay unsubscribes, waits (1 s, doubling to 30 s; back to
 * 1 s after a push that lasted 30 s) and tries again; a new attempt starts from the
 * channel's catch-up (onMetaData, sequence headers, current GOP). A relay never
 * touches the local stream: its failures are logged and reported as `pushError`.
 *
 * When the publisher leaves, what is queued is sent, then the target gets FCUnpublish
 * and deleteStream, and the connection closes (bounded by `FINISH_TIMEOUT_MS`).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RTMP } from '../client/rtmp.js';
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import { parseUrl } from '../url/parse-url.js';
import { FlvOutput } from './flv-output.js';
import type { LiveChannel } from './live-channel.js';
import { LivePlayer } from './live-player.js';
import type { PushInfo } from './types.js';

/** A restreaming target of `createServer({ push })`. */
export interface PushTarget {
  /**
   * `rtmp://host[:port]/app` — each stream is published under its own name — or
   * `rtmp://host[:port]/app/name` — under that name (any scheme the client speaks).
   */
  url: string;
  /** Only streams of this app (default: every app). */
  app?: string;
  /** Only streams of this name (default: every name). */
  name?: string;
}

/** A checked `PushTarget`. */
export interface ResolvedPushTarget {
  url: string;
  /** `scheme://host[:port]/app`: the URL without credentials or stream name (often a key), for logs and stats. */
  safeUrl: string;
  /** Fixed name from the URL, or undefined (each stream keeps its own). */
  fixedName: string | undefined;
  app: string | undefined;
  name: string | undefined;
}

/** What a relay reports to its server. */
export interface PushHooks {
  started(info: PushInfo): void;
  failed(error: Error, info: PushInfo): void;
}

const MIN_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;
/** A push that lasted this long resets the retry delay. */
const STABLE_MS = 30_000;
/** Connect/command timeout of the client, seconds. */
const CONNECT_TIMEOUT_S = 10;
/** After the publisher left: most time to send what is queued and say goodbye. */
const FINISH_TIMEOUT_MS = 10_000;

function bad(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: UsageCode.SERVER_OPTION });
}

/** Checks one `push` entry (a string is `{ url }`). */
export function resolvePushTarget(t: PushTarget | string): ResolvedPushTarget {
  const target = typeof t === 'string' ? { url: t } : t;
  if (typeof target !== 'object' || target === null || typeof target.url !== 'string') {
    throw bad('push entries must be URLs or { url, app?, name? }');
  }
  for (const k of ['app', 'name'] as const) {
    const v = target[k];
    if (v !== undefined && (typeof v !== 'string' || v === ''))
      throw bad(`push ${k} must be a non-empty string`);
  }
  let parsed: ReturnType<typeof parseUrl>;
  try {
    parsed = parseUrl(target.url);
  } catch (err) {
    throw bad(`push URL: ${(err as Error).message}`);
  }
  if (parsed.app === '') throw bad(`push URL ${parsed.href} names no application (rtmp://host/app[/name])`);
  return {
    url: target.url,
    safeUrl: `${parsed.protocol}://${parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host}${parsed.portSpecified ? `:${parsed.port}` : ''}/${parsed.app}`,
    fixedName: parsed.playpath === '' ? undefined : parsed.playpath,
    app: target.app,
    name: target.name,
  };
}

/** Whether `target` restreams `app/name`. */
export function pushMatches(target: ResolvedPushTarget, app: string, name: string): boolean {
  return (
    (target.app === undefined || target.app === app) && (target.name === undefined || target.name === name)
  );
}

/** Restreams one publish of one channel to one target, retrying until the publisher leaves. */
export class PushRelay {
  readonly info: PushInfo;
  /** Resolves when the relay has stopped (never rejects). */
  readonly done: Promise<void>;
  readonly #channel: LiveChannel;
  readonly #target: ResolvedPushTarget;
  readonly #highWaterMark: number;
  readonly #abort = new AbortController();
  #queue: Buffer[] = [];
  #queued = 0;
  #inFlight = 0;
  /** The publisher left: send what is queued, then stop. */
  #finishing = false;
  #wake: (() => void) | undefined;

  constructor(channel: LiveChannel, target: ResolvedPushTarget, highWaterMark: number, hooks: PushHooks) {
    this.#channel = channel;
    this.#target = target;
    this.#highWaterMark = highWaterMark;
    this.info = {
      app: channel.app,
      name: channel.name,
      url: target.safeUrl,
      targetName: target.fixedName === undefined ? channel.name : null,
      state: 'connecting',
      attempts: 0,
      bytes: 0,
    };
    this.done = this.#run(hooks);
  }

  /** The publisher left: flush and stop (aborted after `FINISH_TIMEOUT_MS`). */
  finish(): Promise<void> {
    if (!this.#finishing) {
      this.#finishing = true;
      this.#wake?.();
      const t = setTimeout(
        () => this.#abort.abort(new Error('push: finishing took too long')),
        FINISH_TIMEOUT_MS,
      );
      t.unref();
      void this.done.then(() => clearTimeout(t));
    }
    return this.done;
  }

  async #run(hooks: PushHooks): Promise<void> {
    let delay = MIN_RETRY_MS;
    while (!this.#finishing && !this.#abort.signal.aborted) {
      this.info.attempts++;
      this.info.state = 'connecting';
      const began = performance.now();
      try {
        await this.#attempt(hooks);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        this.info.error = e.message;
        if (!this.#finishing && !this.#abort.signal.aborted) hooks.failed(e, this.info);
      }
      if (this.#finishing || this.#abort.signal.aborted) break;
      if (performance.now() - began >= STABLE_MS) delay = MIN_RETRY_MS;
      this.info.state = 'waiting';
      await this.#pause(delay);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
    this.info.state = 'stopped';
  }

  /** Sleeps `ms`, cut short by `finish()` or an abort. */
  async #pause(ms: number): Promise<void> {
    const woken = new Promise<void>((res) => {
      this.#wake = res;
    });
    const ac = new AbortController();
    await Promise.race([
      sleep(ms, undefined, { signal: AbortSignal.any([ac.signal, this.#abort.signal]) }).catch(() => {}),
      woken,
    ]);
    ac.abort();
    this.#wake = undefined;
  }

  /** One connection: subscribe, connect, publish, relay until the publisher leaves or the target fails. */
  async #attempt(hooks: PushHooks): Promise<void> {
    const output = new FlvOutput({
      write: (chunks, bytes) => {
        for (const c of chunks) this.#queue.push(c);
        this.#queued += bytes;
        this.#wake?.();
      },
      backlog: () => this.#queued + this.#inFlight,
      end: () => {
        this.#finishing = true;
        this.#wake?.();
      },
    });
    const player = new LivePlayer(output, this.#highWaterMark);
    this.#channel.addPlayer(player);
    const conn = new RTMP(this.#target.url, {
      publish: true,
      timeout: CONNECT_TIMEOUT_S,
      signal: this.#abort.signal,
      ...(this.#target.fixedName === undefined ? { playpath: this.#channel.name } : {}),
    });
    let closed: unknown;
    conn.on('close', (err) => {
      closed = err ?? new Error('the target closed the connection');
      this.#wake?.();
    });
    try {
      await conn.connect();
      const stream = await conn.createStream({ writeable: true });
      this.info.state = 'publishing';
      delete this.info.error;
      hooks.started(this.info);
      for (;;) {
        if (closed !== undefined) throw closed;
        if (this.#queue.length === 0) {
          if (this.#finishing) break;
          await new Promise<void>((res) => {
            this.#wake = res;
          });
          this.#wake = undefined;
          continue;
        }
        const batch = this.#queue.length === 1 ? this.#queue[0]! : Buffer.concat(this.#queue, this.#queued);
        this.#queue = [];
        this.#inFlight = this.#queued;
        this.#queued = 0;
        await stream.write(batch);
        this.info.bytes += this.#inFlight;
        this.#inFlight = 0;
      }
      await stream.close();
    } finally {
      this.#channel.removePlayer(player);
      output.finish();
      this.#queue = [];
      this.#queued = 0;
      this.#inFlight = 0;
      await conn.close();
    }
  }
}
