/**
 * SWF verification end to end: python-librtmp's `hash_swf(url, age=30)` / librtmp's
 * `RTMP_HashSWF` as `hashSwf(url, options)` (librtmp `hashswf.c`).
 *
 * Flow, as librtmp's: look the URL up in `~/.swfinfo`; a record younger than `age` days
 * is returned without touching the network; otherwise GET the SWF (with
 * `If-Modified-Since: <cached date>` when there is a record), hash it while it downloads
 * (hash.ts), and write the record back. `304 Not Modified` reuses the cached hash and only
 * refreshes the record's check time (`ctim`). Any other non-2xx answer, 3xx included
 * (no redirects are followed, like librtmp), is an `SwfHttpError`.
 *
 * Errors (all `RTMPError`, codes `ERR_SWF_*`): `SwfHttpError` `ERR_SWF_HTTP` (with
 * `status`); `RTMPTimeoutError` `ERR_SWF_TIMEOUT` after `timeoutMs` without progress;
 * `RTMPConnectionError` `ERR_SWF_CONNECTION` (refused, reset, DNS, TLS, body cut short);
 * `ERR_SWF_FORMAT` / `ERR_SWF_UNSUPPORTED` (ZWS) / `ERR_SWF_TOO_LARGE` from hashing;
 * `RTMPUsageError` `ERR_SWF_ARGUMENT` for a non-http(s) URL or bad options; the caller's
 * `signal.reason` when it aborts.
 *
 * Differences from librtmp (deliberate): failures are errors (rtmpdump logs and connects
 * without verification; python-librtmp raises a bare "Failed to hash SWF"); a cache that
 * cannot be written is a warning, not a failure (librtmp then fails the whole hash); a
 * 304 for a URL without a complete cached record is an error (librtmp returns an
 * uninitialised hash); the timeout also covers connecting and is configurable.
 */
import { ConnectionCode, GeneralCode, TimeoutCode, UsageCode } from '../error-codes.js';
import { RTMPConnectionError, RTMPError, RTMPTimeoutError, RTMPUsageError, SwfHttpError } from '../errors.js';

export { SwfHttpError } from '../errors.js';

import { createLogger } from '../log.js';
import type { TlsOptions } from '../transport/tls.js';
import {
  defaultSwfInfoPath,
  findSwfRecord,
  httpDate,
  isSwfRecordComplete,
  isSwfRecordFresh,
  readSwfInfoFile,
  SWF_DATE_MAX_LENGTH,
  type SwfInfoFile,
  type SwfInfoRecord,
  swfCacheUrl,
  writeSwfInfoFile,
} from './cache.js';
import { hashSwfStream, type SwfDigest, type SwfHashOptions } from './hash.js';
import { nodeSwfFetch, type SwfFetch, type SwfFetchResponse } from './http.js';

export * from './cache.js';
export * from './hash.js';
export * from './http.js';

const log = createLogger('swf');

/** librtmp's default cache age, days (`swfAge`, python-librtmp `hash_swf(age=30)`). */
export const DEFAULT_SWF_CACHE_AGE_DAYS = 30;
/** librtmp's HTTP receive timeout, ms (`HTTP_TIMEOUT` 5 s). */
export const DEFAULT_SWF_TIMEOUT_MS = 5000;
/** librtmp's `User-Agent`. */
export const SWF_USER_AGENT = 'Mozilla/5.0';

/** Options of `hashSwf`. */
export interface HashSwfOptions extends SwfHashOptions {
  /**
   * Days a cached hash is trusted without asking the server (librtmp `swfAge`, default
   * 30). 0 = always revalidate (conditional GET; a 304 reuses the cached hash).
   */
  age?: number;
  /** The cache file (default librtmp's `$HOME/.swfinfo`); null = no cache at all. */
  cacheFile?: string | null;
  /** Cancels the fetch; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Give up after this long without progress (connect, headers, each body chunk), ms; default 5000, 0 = never. */
  timeoutMs?: number;
  /** The HTTP client (default node:http/node:https, no redirects); `globalThis.fetch` works too. */
  fetch?: SwfFetch;
  /** TLS options of the default client for https:// (certificates are verified by default). */
  tls?: TlsOptions;
}

function argumentError(message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code: UsageCode.SWF_ARGUMENT });
}

/** Printable ASCII only: anything else cannot go into a header or a cache line. */
function headerSafe(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}

function httpError(url: string, res: SwfFetchResponse): SwfHttpError {
  const status = res.status;
  if (status >= 300 && status < 400 && status !== 304) {
    const location = res.headers.get('location') ?? undefined;
    return new SwfHttpError(
      `SWF ${url}: HTTP ${status} redirect not followed (librtmp follows none either)` +
        (location === undefined ? '' : `; give the final URL: ${location}`),
      status,
      location,
    );
  }
  if (status === 304) {
    return new SwfHttpError(
      `SWF ${url}: HTTP 304 Not Modified, but no complete cached hash to reuse`,
      status,
    );
  }
  if (status === 404) return new SwfHttpError(`SWF ${url} not found (HTTP 404)`, status);
  return new SwfHttpError(`SWF ${url}: HTTP ${status}`, status);
}

/**
 * Computes the SWF verification hash and size of the SWF at `url` (python-librtmp
 * `hash_swf`, librtmp `RTMP_HashSWF`), using and updating librtmp's `~/.swfinfo` cache.
 * Pass the result to `new RTMP(url, { swfHash: hex, swfSize: size })`, or let
 * `swfVfy: true` do it.
 *
 * @param url http:// or https:// URL of the player SWF
 * @throws see the module comment (`ERR_SWF_*`, the signal's reason)
 */
export async function hashSwf(url: string, options: HashSwfOptions = {}): Promise<SwfDigest> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw argumentError(`SWF URL is not a URL: ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw argumentError(`SWF URL must be http:// or https://, got ${u.protocol}//`);
  }
  const age = options.age ?? DEFAULT_SWF_CACHE_AGE_DAYS;
  if (typeof age !== 'number' || !(age >= 0))
    throw argumentError(`age must be a number of days >= 0, got ${age}`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_SWF_TIMEOUT_MS;
  if (!(timeoutMs >= 0) || !Number.isFinite(timeoutMs))
    throw argumentError(`timeoutMs must be >= 0, got ${timeoutMs}`);
  options.signal?.throwIfAborted();

  const cacheFile = options.cacheFile === undefined ? defaultSwfInfoPath() : options.cacheFile;
  let cache: SwfInfoFile = { preamble: '', records: [] };
  if (cacheFile !== null) {
    try {
      cache = await readSwfInfoFile(cacheFile);
    } catch (err) {
      log.warn(`cannot read ${cacheFile}: ${(err as Error).message}; fetching without the cache`);
    }
  }
  const record = findSwfRecord(cache, url);
  const cached = record !== undefined && isSwfRecordComplete(record) ? record : undefined;
  if (cached !== undefined && isSwfRecordFresh(cached, age)) {
    log.debug(`SWF ${url}: cached hash from ${cached.ctim} (age ${age} days)`);
    return { hash: Buffer.from(cached.hash), size: cached.size, hex: cached.hash.toString('hex') };
  }

  const headers: Record<string, string> = {
    'User-Agent': SWF_USER_AGENT,
    Referer: `${u.protocol}//${u.host}/`,
  };
  if (cached !== undefined && cached.date !== '' && headerSafe(cached.date)) {
    headers['If-Modified-Since'] = cached.date;
  }

  // Timeout and cancellation: one controller aborts the request and the body; each wait
  // also races it, so a fetch implementation that ignores its signal cannot hang us.
  const ctl = new AbortController();
  const signal = options.signal ? AbortSignal.any([ctl.signal, options.signal]) : ctl.signal;
  let timer: NodeJS.Timeout | undefined;
  let timedOut: RTMPTimeoutError | undefined;
  const arm = (what: string): void => {
    if (timeoutMs <= 0) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = new RTMPTimeoutError(`SWF ${url}: no ${what} within ${timeoutMs} ms`, {
        code: TimeoutCode.SWF_TIMEOUT,
      });
      ctl.abort(timedOut);
    }, timeoutMs);
  };
  const aborted = new Promise<never>((_, reject) => {
    const fail = (): void => reject(signal.reason);
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => {});
  const race = <T>(p: Promise<T>): Promise<T> => Promise.race([p, aborted]);
  const mapError = (err: unknown): unknown => {
    if (timedOut !== undefined) return timedOut;
    if (options.signal?.aborted) return options.signal.reason;
    if (err instanceof RTMPError) return err;
    return new RTMPConnectionError(`cannot fetch SWF ${url}: ${(err as Error)?.message ?? String(err)}`, {
      code: ConnectionCode.SWF_CONNECTION,
      cause: err,
    });
  };

  const fetch = options.fetch ?? nodeSwfFetch(options.tls);
  let ok = false;
  try {
    arm('answer');
    log.debug(
      `SWF ${url}: GET${headers['If-Modified-Since'] ? ` (If-Modified-Since ${headers['If-Modified-Since']})` : ''}`,
    );
    const res = await race(fetch(url, { method: 'GET', headers, redirect: 'manual', signal }));
    let digest: SwfDigest;
    let date: string;
    if (res.status === 304 && cached !== undefined) {
      log.debug(`SWF ${url}: not modified, reusing the cached hash`);
      digest = { hash: Buffer.from(cached.hash), size: cached.size, hex: cached.hash.toString('hex') };
      date = cached.date;
      discard(res);
    } else if (res.status < 200 || res.status >= 300) {
      throw httpError(url, res);
    } else {
      const body = res.body;
      if (body === null) throw new RTMPError(`SWF ${url}: empty response`, { code: GeneralCode.SWF_FORMAT });
      const it = body[Symbol.asyncIterator]();
      const timed: AsyncIterable<Uint8Array> = {
        [Symbol.asyncIterator]: () => ({
          next: async () => {
            arm('data');
            return race(it.next());
          },
          return: async () => {
            // Do not wait: a stalled body's return() may never settle (the abort below ends it).
            Promise.resolve(it.return?.()).catch(() => {});
            return { done: true, value: undefined };
          },
        }),
      };
      digest = await hashSwfStream(timed, options.maxSize === undefined ? {} : { maxSize: options.maxSize });
      const lastModified = res.headers.get('last-modified');
      date =
        lastModified !== null && headerSafe(lastModified)
          ? lastModified.slice(0, SWF_DATE_MAX_LENGTH)
          : (record?.date ?? '');
      log.debug(`SWF ${url}: size ${digest.size}, hash ${digest.hex}`);
    }
    ok = true;
    if (cacheFile !== null) await updateCache(cacheFile, cache, record, url, digest, date);
    return digest;
  } catch (err) {
    throw mapError(err);
  } finally {
    clearTimeout(timer);
    if (!ok) ctl.abort(timedOut ?? new Error('SWF fetch failed'));
  }
}

/** Drops an unread body (a 304's), closing its connection. */
function discard(res: SwfFetchResponse): void {
  try {
    const it = res.body?.[Symbol.asyncIterator]();
    Promise.resolve(it?.return?.()).catch(() => {});
  } catch {
    // nothing to close
  }
}

async function updateCache(
  cacheFile: string,
  cache: SwfInfoFile,
  record: SwfInfoRecord | undefined,
  url: string,
  digest: SwfDigest,
  date: string,
): Promise<void> {
  const fresh: SwfInfoRecord = {
    url: swfCacheUrl(url),
    ctim: httpDate(Date.now()),
    date,
    size: digest.size,
    hash: digest.hash,
  };
  if (!headerSafe(fresh.url)) {
    log.warn(`SWF URL ${url} has characters a .swfinfo line cannot hold; not cached`);
    return;
  }
  const records =
    record === undefined ? [...cache.records, fresh] : cache.records.map((r) => (r === record ? fresh : r));
  try {
    await writeSwfInfoFile(cacheFile, { preamble: cache.preamble, records });
  } catch (err) {
    log.warn(`cannot write ${cacheFile}: ${(err as Error).message}`);
  }
}
