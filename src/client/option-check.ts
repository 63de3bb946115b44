/**
 * Every key of `new RTMP(url, options)` is either known or refused — an option is never
 * silently ignored. python-librtmp's own spellings (`tcurl`, `pageurl`, `swfurl`,
 * `swfvfy`, `flashver`, `connect_data`, `swfhash`, `swfsize`) are refused with a hint
 * naming rtmpkit's key (its options are python-librtmp's, camelCased, as the TypeScript
 * types say); any other unknown key with a did-you-mean hint when one is close.
 *
 * Invariant: the key lists are checked against the option types at compile time, so a
 * new option cannot be forgotten here.
 */
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import { checkLogger } from '../trace.js';
import { parseProxyUrl } from '../transport/proxy.js';
import type { TlsOptions } from '../transport/tls.js';
import type { ReconnectOptions, RTMPLimits, RTMPOptions } from './options.js';

const OPTIONS = {
  playpath: true,
  tcUrl: true,
  app: true,
  pageUrl: true,
  auth: true,
  swfHash: true,
  swfSize: true,
  swfUrl: true,
  swfVfy: true,
  flashVer: true,
  subscribe: true,
  token: true,
  live: true,
  jtv: true,
  connectData: true,
  socks: true,
  start: true,
  stop: true,
  buffer: true,
  timeout: true,
  swfAge: true,
  playlist: true,
  pubUser: true,
  pubPasswd: true,
  signal: true,
  logger: true,
  tls: true,
  proxy: true,
  objectEncoding: true,
  handshake: true,
  publish: true,
  publishType: true,
  realtime: true,
  enhanced: true,
  fourCcList: true,
  videoFourCcInfoMap: true,
  audioFourCcInfoMap: true,
  capsEx: true,
  limits: true,
  mediaTimeout: true,
  minMediaRate: true,
  reconnect: true,
  followReconnect: true,
} as const satisfies Record<keyof RTMPOptions, true>;

const RECONNECT = { retries: true, backoffMs: true, maxBackoffMs: true } as const satisfies Record<
  keyof ReconnectOptions,
  true
>;

const LIMITS = {
  highWaterMark: true,
  packetQueue: true,
  maxMessageSize: true,
  maxChunkStreams: true,
  chunkSize: true,
  invokeBacklog: true,
} as const satisfies Record<keyof RTMPLimits, true>;

const TLS = {
  ca: true,
  servername: true,
  rejectUnauthorized: true,
  checkServerIdentity: true,
  minVersion: true,
  maxVersion: true,
  cert: true,
  key: true,
} as const satisfies Record<keyof TlsOptions, true>;

/** python-librtmp's constructor keyword arguments that rtmpkit spells differently. */
const PYTHON_SPELLINGS: Readonly<Record<string, keyof RTMPOptions>> = {
  tcurl: 'tcUrl',
  pageurl: 'pageUrl',
  swfurl: 'swfUrl',
  swfvfy: 'swfVfy',
  flashver: 'flashVer',
  connect_data: 'connectData',
  swfhash: 'swfHash',
  swfsize: 'swfSize',
};

/**
 * Refuses what the constructor cannot take: a non-object, unknown keys (also of `limits`
 * and `tls`), an `objectEncoding` other than 0 or 3, a `proxy` that is no proxy URL or
 * comes with `socks`.
 *
 * @throws RTMPUsageError `ERR_RTMP_OPTION` naming the key and the right one;
 *   `ERR_RTMP_PROXY_URL` for a bad proxy URL (never echoing its password)
 */
export function checkOptions(options: RTMPOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new RTMPUsageError('options must be an object', { code: UsageCode.RTMP_OPTION });
  }
  check(options, OPTIONS, '', PYTHON_SPELLINGS);
  const o = options;
  if (o.objectEncoding !== undefined && o.objectEncoding !== 0 && o.objectEncoding !== 3) {
    throw new RTMPUsageError(`objectEncoding must be 0 or 3, got ${String(o.objectEncoding)}`, {
      code: UsageCode.RTMP_OPTION,
    });
  }
  if (o.proxy !== undefined) {
    if (typeof o.proxy !== 'string') {
      throw new RTMPUsageError('proxy must be a URL string such as socks5://host:1080', {
        code: UsageCode.RTMP_OPTION,
      });
    }
    parseProxyUrl(o.proxy);
    if (o.socks !== undefined && o.socks !== null) {
      throw new RTMPUsageError('give either socks (librtmp SOCKS4) or proxy, not both', {
        code: UsageCode.RTMP_OPTION,
      });
    }
  }
  const badLogger = o.logger === undefined ? undefined : checkLogger(o.logger);
  if (badLogger !== undefined) throw new RTMPUsageError(badLogger, { code: UsageCode.RTMP_OPTION });
  if (o.limits !== undefined && o.limits !== null && typeof o.limits === 'object')
    check(o.limits, LIMITS, 'limits.');
  if (o.tls !== undefined && o.tls !== null && typeof o.tls === 'object') check(o.tls, TLS, 'tls.');
  checkTimeouts(o);
}

/** `mediaTimeout`, `minMediaRate` and `reconnect`: numbers in range, no unknown keys. */
function checkTimeouts(o: RTMPOptions): void {
  const bad = (what: string, v: unknown): never => {
    throw new RTMPUsageError(`${what} must be a non-negative number, got ${String(v)}`, {
      code: UsageCode.RTMP_OPTION,
    });
  };
  const num = (what: string, v: unknown, positive = false): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (positive && v === 0)) bad(what, v);
  };
  if (o.mediaTimeout !== undefined) num('mediaTimeout', o.mediaTimeout);
  if (o.minMediaRate !== undefined) {
    num('minMediaRate.bytesPerSecond', o.minMediaRate?.bytesPerSecond, true);
    num('minMediaRate.window', o.minMediaRate.window, true);
  }
  const r = o.reconnect;
  if (r === undefined) return;
  if (r === null || typeof r !== 'object') bad('reconnect.retries', r);
  check(r, RECONNECT, 'reconnect.');
  if (!Number.isSafeInteger(r.retries) || r.retries < 0) bad('reconnect.retries (an integer)', r.retries);
  if (r.backoffMs !== undefined) num('reconnect.backoffMs', r.backoffMs);
  if (r.maxBackoffMs !== undefined) num('reconnect.maxBackoffMs', r.maxBackoffMs);
}

function check(
  options: object,
  known: Readonly<Record<string, true>>,
  prefix: string,
  aliases: Readonly<Record<string, string>> = {},
): void {
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(known, key)) continue;
    const python = Object.hasOwn(aliases, key) ? aliases[key] : undefined;
    const hint =
      python !== undefined
        ? `python-librtmp's spelling; rtmpkit's option is "${prefix}${python}"`
        : suggestion(key, Object.keys(known), prefix);
    throw new RTMPUsageError(`unknown option "${prefix}${key}" (${hint})`, { code: UsageCode.RTMP_OPTION });
  }
}

/** "did you mean …" for the closest known key (case-insensitive, or at most 2 edits away). */
function suggestion(key: string, known: readonly string[], prefix: string): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  if (best !== undefined) return `did you mean "${prefix}${best}"?`;
  return `known options: ${known.map((k) => prefix + k).join(', ')}`;
}

/** Levenshtein distance (keys are short; a plain two-row table). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
