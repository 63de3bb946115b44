/**
 * Recording of live streams (`record` option, `rtmpkit serve --record DIR`): each
 * publish becomes one FLV file (FLV-10.1 Annex E) under the record directory, by
 * default `<dir>/<app>/<name>-<UTC time>.flv`.
 *
 * The recording subscribes to the channel when the publish starts, so it sees every
 * message from the first one; the file is opened meanwhile (its messages wait in the
 * queue). Tags are appended as they arrive — header and onMetaData first, as the
 * publisher sends them — with `writev` batches; nothing buffers the whole stream.
 * When the publisher leaves, cleanly or not (a killed encoder, a TCP reset), the queue
 * is written and the file closed: the server only ever receives whole RTMP messages,
 * and each becomes whole tags, so the file ends at a tag boundary and is valid.
 *
 * Invariants: queued bytes never exceed `maxQueueBytes` — a disk that does not keep up,
 * like a disk error, stops that recording only (logged, `recordStop` with `error`);
 * a file is never overwritten (an existing name gets `-2`, `-3`… before `.flv`); path
 * components from the client are reduced to `[A-Za-z0-9._-]` and cannot climb out of
 * the directory.
 */
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname, extname, isAbsolute, normalize, resolve, sep } from 'node:path';
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import { FlvOutput } from './flv-output.js';
import type { LiveChannel } from './live-channel.js';
import { LivePlayer } from './live-player.js';
import type { RecordingInfo } from './types.js';

/** Options of `record` in `createServer`. */
export interface RecordOptions {
  /** Directory of the recordings (created when missing). */
  dir: string;
  /**
   * File path under `dir` with placeholders `{app}`, `{name}` and `{time}` (UTC,
   * `YYYYMMDD-HHMMSS`). Default `'{app}/{name}-{time}.flv'`. Must contain `{name}`.
   */
  pattern?: string;
}

/** `RecordOptions` after checking: an absolute directory and a pattern. */
export interface ResolvedRecordOptions {
  dir: string;
  pattern: string;
}

const DEFAULT_PATTERN = '{app}/{name}-{time}.flv';
const PLACEHOLDER = /\{([a-z]*)\}/g;
const KNOWN = new Set(['app', 'name', 'time']);
/** Names tried when the file exists: base, then `-2` … `-MAX_SUFFIX`. */
const MAX_SUFFIX = 99;

function bad(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: UsageCode.SERVER_OPTION });
}

/** Checks `record` (a directory string is `{ dir }`). */
export function resolveRecordOptions(
  o: RecordOptions | string | undefined,
): ResolvedRecordOptions | undefined {
  if (o === undefined) return undefined;
  const opts = typeof o === 'string' ? { dir: o } : o;
  if (typeof opts !== 'object' || opts === null || typeof opts.dir !== 'string' || opts.dir === '') {
    throw bad('record must be a directory name or { dir, pattern? } with a non-empty dir');
  }
  const pattern = opts.pattern ?? DEFAULT_PATTERN;
  if (typeof pattern !== 'string' || !pattern.includes('{name}')) {
    throw bad(`record.pattern must be a string containing {name}, got ${JSON.stringify(pattern)}`);
  }
  for (const m of pattern.matchAll(PLACEHOLDER)) {
    if (!KNOWN.has(m[1]!))
      throw bad(`record.pattern: unknown placeholder {${m[1]}} (known: {app} {name} {time})`);
  }
  const probe = expand(pattern, 'a', 'n', new Date(0));
  if (isAbsolute(pattern) || normalize(probe).split(/[\\/]/).includes('..') || probe.endsWith('/')) {
    throw bad(
      `record.pattern must be a relative file path inside the directory, got ${JSON.stringify(pattern)}`,
    );
  }
  return { dir: resolve(opts.dir), pattern };
}

/** A path component from client text: `[A-Za-z0-9._-]` only, never `.`/`..`-like, never empty. */
function safe(s: string): string {
  const t = s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, (m) => '_'.repeat(m.length));
  return t === '' ? '_' : t;
}

function utcStamp(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-` +
    `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`
  );
}

function expand(pattern: string, app: string, name: string, at: Date): string {
  return pattern.replace(PLACEHOLDER, (_m, key: string) =>
    key === 'app' ? safe(app) : key === 'name' ? safe(name) : utcStamp(at),
  );
}

/** The file path of a recording of `app/name` started at `at`. */
export function recordingPath(o: ResolvedRecordOptions, app: string, name: string, at: Date): string {
  const path = resolve(o.dir, expand(o.pattern, app, name, at));
  // Unreachable with safe components and a checked pattern; kept as the last guard.
  if (!path.startsWith(o.dir + sep)) throw new Error(`recording path ${path} is outside ${o.dir}`);
  return path;
}

/** Opens `path` for writing without overwriting: `x.flv`, else `x-2.flv`, `x-3.flv`… */
async function openNew(path: string): Promise<{ fh: FileHandle; path: string }> {
  await mkdir(dirname(path), { recursive: true });
  const ext = extname(path);
  const stem = path.slice(0, path.length - ext.length);
  for (let i = 1; ; i++) {
    const p = i === 1 ? path : `${stem}-${i}${ext}`;
    try {
      return { fh: await open(p, 'wx'), path: p };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || i >= MAX_SUFFIX) throw err;
    }
  }
}

/** What a recording reports to its server. */
export interface RecorderHooks {
  /** The file is open. */
  started(info: RecordingInfo): void;
  /** The file is closed (`info.error` when it stopped early; also when it could not be opened, with no `started` before). */
  stopped(info: RecordingInfo): void;
}

/** One publish being written to one FLV file. */
export class Recorder {
  readonly info: RecordingInfo;
  /** Resolves when the file is closed (never rejects). */
  readonly done: Promise<void>;
  readonly #channel: LiveChannel;
  readonly #player: LivePlayer;
  readonly #output: FlvOutput;
  readonly #maxQueueBytes: number;
  #queue: Buffer[] = [];
  #queued = 0;
  #ended = false;
  #wake: (() => void) | undefined;

  /** Subscribes to `channel` at once and starts opening the file at `path`. */
  constructor(channel: LiveChannel, path: string, maxQueueBytes: number, hooks: RecorderHooks) {
    this.#channel = channel;
    this.#maxQueueBytes = maxQueueBytes;
    this.info = { app: channel.app, name: channel.name, path, startedAt: new Date(), bytes: 0 };
    this.#output = new FlvOutput({
      write: (chunks, bytes) => this.#enqueue(chunks, bytes),
      // A recording takes every message: the queue cap stops it instead of dropping frames.
      backlog: () => 0,
      end: () => this.#end(),
      local: true,
    });
    this.#player = new LivePlayer(this.#output, Number.POSITIVE_INFINITY);
    channel.addPlayer(this.#player);
    this.done = this.#run(hooks);
  }

  /** Stops recording now (server shutdown): what is queued is still written. */
  stop(): Promise<void> {
    this.#channel.removePlayer(this.#player);
    this.#output.finish();
    this.#end();
    return this.done;
  }

  #enqueue(chunks: Buffer[], bytes: number): void {
    if (this.#ended) return;
    for (const c of chunks) this.#queue.push(c);
    this.#queued += bytes;
    if (this.#queued > this.#maxQueueBytes) {
      this.#fail(`the disk does not keep up: ${this.#queued} bytes waiting`);
      return;
    }
    this.#wake?.();
  }

  #end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  #fail(message: string): void {
    this.info.error ??= message;
    this.#channel.removePlayer(this.#player);
    this.#queue = [];
    this.#queued = 0;
    this.#end();
  }

  async #run(hooks: RecorderHooks): Promise<void> {
    let fh: FileHandle | undefined;
    try {
      const opened = await openNew(this.info.path);
      fh = opened.fh;
      this.info.path = opened.path;
      hooks.started(this.info);
      for (;;) {
        if (this.#queue.length === 0) {
          if (this.#ended) break;
          await new Promise<void>((res) => {
            this.#wake = res;
          });
          this.#wake = undefined;
          continue;
        }
        const batch = this.#queue;
        const bytes = this.#queued;
        this.#queue = [];
        this.#queued = 0;
        await fh.writev(batch);
        this.info.bytes += bytes;
      }
    } catch (err) {
      this.#fail((err as Error).message);
    }
    try {
      await fh?.close();
    } catch (err) {
      this.info.error ??= (err as Error).message;
    }
    hooks.stopped(this.info);
  }
}
