/**
 * Connection parameters: librtmp's "URL + options" strings, `RTMP_SetOpt` keys and
 * python-librtmp's constructor options, normalized into one {@link RTMPParams}
 * (notes/librtmp-parity.md §1.2 constructor, §3.1 option table, §3.2 `RTMP_SetupURL`,
 * §3.6 `RTMP_Init` defaults, Appendix A; notes/protocol.md §1.14; DESIGN.md §2 units).
 *
 * Units. Inside librtmp option strings keys and units are librtmp's: `start`/`stop` and
 * `buffer` in milliseconds, `timeout` in seconds, `swfAge` in days. {@link RTMPParams}
 * holds JavaScript units, as the public API (DESIGN §2) uses them: `start`/`stop` in
 * seconds (= librtmp ms / 1000), `buffer` in ms, `timeout` in s, `swfAge` in days.
 * Constructor options ({@link RTMPUrlOptions}) use the same JavaScript units.
 *
 * Option strings follow `RTMP_SetupURL` exactly: the first space ends the URL; options are
 * `key=value` separated by single spaces (runs of spaces after a value are skipped; an extra
 * space right after the URL becomes part of the next key, and a token without `=` is glued
 * to the next token's key — both then fail as unknown keys, as in librtmp; a trailing token
 * without `=` is ignored); keys are case-insensitive; values are unescaped `\HH` → byte
 * (`\20` space, `\5c` backslash), then read as UTF-8; string options set last-wins, `conn`
 * appends; an option given after the URL overrides what the URL implied. An empty value
 * unsets an optional string (librtmp tests `av_len`, so empty means "not given"), resets
 * `tcUrl` to its default, and sets `app`/`playpath` to empty. `flashVer` stays undefined
 * unless given: the client chooses the default, as `rtmpdump -i` sends none.
 *
 * Deliberate differences from librtmp (and python-librtmp):
 * - the default tcUrl for an `app=` override is `proto://host[:port]/app` with the port only
 *   if the URL wrote one — librtmp builds it before filling in the default port and sends
 *   `rtmp://host:0/app` (§3.2 step 4 bug);
 * - the default tcUrl follows the app whenever tcUrl was not given, also for the
 *   constructor's `app` (python-librtmp computed tcUrl in `setup_url`, before applying
 *   `app`, so `RTMP(url, app='x')` kept the URL's app in tcUrl);
 * - values librtmp would silently misread are errors (`ERR_RTMP_OPTION`): integers that
 *   `strtol` would not consume completely (`start=5s`, `buffer=`) or that overflow 32 bits,
 *   negative `start`/`stop`/`buffer`/`timeout`/`swfAge`/`swfSize`, booleans outside
 *   `1/on/yes/true/0/off/no/false` (librtmp: `live=2` is silently not live), a `\` escape
 *   not followed by two hex digits (librtmp: an uninitialised byte), escapes that decode to
 *   invalid UTF-8, bad `socks` ports, and the conn grammar's malformed cases (see conn.ts);
 * - booleans can be cleared (`live=0`; librtmp can only set them; python-librtmp's
 *   `live=False` becomes "False", which librtmp ignores);
 * - `auth` is accepted as an option (librtmp has no such key, so python-librtmp's `auth=`
 *   always failed with "Unable to set option auth"): it is `RTMP_SetupStream`'s / rtmpdump
 *   `-u` auth string — `connect` then carries Boolean true and String(auth) after the
 *   command object (§4.7 item 3);
 * - `swfHash` (64 hex digits) and `swfSize` are accepted as options (librtmp: struct only,
 *   rtmpdump `-w`/`-x`);
 * - `swfVfy=<URL>` (the rtmpdump `--swfVfy url` habit; librtmp ignores it silently) sets
 *   swfUrl and turns verification on;
 * - URL userinfo (`rtmp://user:pass@host/…`) seeds `pubUser`/`pubPasswd`.
 */
import type { AmfValue } from '../amf/types.js';
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import {
  appendConn,
  type ConnectData,
  cloneConnArgs,
  closeConn,
  connectDataToArgs,
  formatConnArgs,
} from './conn.js';
import { parseUrl, type RTMPUrl } from './parse-url.js';
import { parseLibrtmpBool, parseLibrtmpInt, ScalarError } from './scalars.js';

/** librtmp's default `buffer`, ms (`RTMP_Init`: `m_nBufferMS = 30000`). */
export const DEFAULT_BUFFER_MS = 30_000;
/** librtmp's default `timeout`, seconds (`RTMP_Init`; the man page's 120 is wrong). */
export const DEFAULT_TIMEOUT_S = 30;
/** librtmp's default `swfAge`, days. */
export const DEFAULT_SWF_AGE_DAYS = 30;
/** Default SOCKS proxy port (librtmp `SocksSetup`). */
export const DEFAULT_SOCKS_PORT = 1080;

/** A SOCKS proxy (librtmp: SOCKS4 CONNECT). */
export interface SocksProxy {
  /** Proxy host; IPv6 without brackets. */
  host: string;
  /** Proxy port, default 1080. */
  port: number;
}

/**
 * Everything the client needs to connect and play/publish, in JavaScript units.
 * Made by {@link parseLibrtmpUrl} (or {@link createParams}), then adjusted with
 * {@link applyLibrtmpOption} and {@link applyConstructorOptions}.
 */
export interface RTMPParams {
  /** The parsed URL: protocol, transport, host, port, credentials, and what it implied. */
  url: RTMPUrl;
  /** Application name sent in `connect` (URL's, or the `app` option). */
  app: string;
  /** Stream name for `play`/`publish` (URL's rewritten one, or the `playpath` option verbatim). */
  playpath: string;
  /** tcUrl sent in `connect`: the explicit one, else derived (see {@link deriveTcUrl}). */
  tcUrl: string;
  /** Whether `tcUrl` was given explicitly (then a later `app` does not change it). */
  tcUrlExplicit: boolean;
  /** `pageUrl` for `connect`. */
  pageUrl?: string;
  /** `swfUrl` for `connect` and SWF verification. */
  swfUrl?: string;
  /** `flashVer` for `connect`; undefined = the client's default. */
  flashVer?: string;
  /** Values appended to `connect` after the command object (`conn=` items, `connectData`). */
  connectArgs: AmfValue[];
  /** Auth string: `connect` gets Boolean true + String(auth) before `connectArgs`. */
  auth?: string;
  /** Send `set_playlist` before `play`. */
  playlist: boolean;
  /** Live stream: no seeking; play start −1000 and `FCSubscribe`. */
  live: boolean;
  /** Stream name for `FCSubscribe` (default: the playpath, when live). */
  subscribe?: string;
  /** Justin.tv/Twitch usher token (sent as `NetStream.Authenticate.UsherToken`). */
  jtv?: string;
  /** SecureToken key (answers the server's `secureToken` challenge). */
  token?: string;
  /** Perform SWF verification (hash `swfUrl`, or use `swfHash`/`swfSize`). */
  swfVfy: boolean;
  /** Days a cached SWF hash stays valid (librtmp `swfAge`, default 30; 0 = always re-fetch). */
  swfAge: number;
  /** SWF verification HMAC-SHA256 (32 bytes), if known in advance. */
  swfHash?: Buffer;
  /** Decompressed SWF size, with `swfHash`. */
  swfSize?: number;
  /** Play start position, **seconds** (librtmp option `start` is ms). 0 = from the beginning. */
  start: number;
  /** Play stop position, **seconds** (librtmp option `stop` is ms). 0 = to the end. */
  stop: number;
  /** Client buffer length, **milliseconds** (default 30000). */
  buffer: number;
  /** Seconds without incoming data before giving up (default 30; 0 = never). */
  timeout: number;
  /** SOCKS proxy to connect through. */
  socks?: SocksProxy;
  /** Publisher user name (adobe/llnw auth); seeded from the URL's userinfo. */
  pubUser?: string;
  /** Publisher password; seeded from the URL's userinfo. */
  pubPasswd?: string;
}

/**
 * Constructor options of `RTMP` that shape the connection (DESIGN §2: python-librtmp's
 * names camelCased, its units): `null`/`undefined` mean "not given" (python's `None`).
 * Other keys of the options object (signal, tls, …) are ignored here.
 */
export interface RTMPUrlOptions {
  /** Override the URL's playpath (used verbatim, no mp4:/extension rewriting). */
  playpath?: string | null;
  /** tcUrl; default `proto://host[:port]/app`. */
  tcUrl?: string | null;
  /** Override the URL's app. */
  app?: string | null;
  /** Web page URL. */
  pageUrl?: string | null;
  /** Authentication string appended to `connect` (after Boolean true). */
  auth?: string | null;
  /** SWF hash: 64 hex digits or 32 bytes; needs `swfSize`. */
  swfHash?: string | Uint8Array | null;
  /** Decompressed SWF size. */
  swfSize?: number | null;
  /** SWF URL. */
  swfUrl?: string | null;
  /** Compute hash and size from `swfUrl`. */
  swfVfy?: boolean | null;
  /** Flash version string. */
  flashVer?: string | null;
  /** Live stream to subscribe to; defaults to the playpath. */
  subscribe?: string | null;
  /** SecureToken key. */
  token?: string | null;
  /** Live stream (no seeking). */
  live?: boolean | null;
  /** Justin.tv/Twitch usher token. */
  jtv?: string | null;
  /** Value(s) appended to `connect` (see {@link connectDataToArgs}); `[null]` sends one null. */
  connectData?: ConnectData | null;
  /** SOCKS proxy `host[:port]` (default port 1080). */
  socks?: string | null;
  /** Start position, **seconds** (fractions allowed). */
  start?: number | null;
  /** Stop position, **seconds** (fractions allowed). */
  stop?: number | null;
  /** Buffer length, **milliseconds**. */
  buffer?: number | null;
  /** Seconds without data before giving up. */
  timeout?: number | null;
  /** Beyond the seed: cached SWF hash age, days. */
  swfAge?: number | null;
  /** Beyond the seed: send `set_playlist` before `play`. */
  playlist?: boolean | null;
  /** Beyond the seed: publisher user name. */
  pubUser?: string | null;
  /** Beyond the seed: publisher password. */
  pubPasswd?: string | null;
}

/** Value kinds of librtmp options. */
export type LibrtmpOptionType = 'string' | 'boolean' | 'integer' | 'amf';

/** One key of the librtmp option syntax. */
export interface LibrtmpOptionInfo {
  /** The key as librtmp spells it (matching is case-insensitive). */
  readonly name: string;
  /** How the value is read. */
  readonly type: LibrtmpOptionType;
  /** Whether librtmp itself knows the key (false: rtmpkit extension). */
  readonly librtmp: boolean;
  /** What it does, with its unit. */
  readonly description: string;
}

/** Every option key rtmpkit accepts, in librtmp's table order, then rtmpkit's extensions. */
export const LIBRTMP_OPTIONS: readonly LibrtmpOptionInfo[] = Object.freeze([
  {
    name: 'socks',
    type: 'string',
    librtmp: true,
    description: 'SOCKS proxy host[:port] (default port 1080)',
  },
  { name: 'app', type: 'string', librtmp: true, description: 'Name of target app on server' },
  { name: 'tcUrl', type: 'string', librtmp: true, description: 'URL to played stream' },
  { name: 'pageUrl', type: 'string', librtmp: true, description: "URL of played media's web page" },
  { name: 'swfUrl', type: 'string', librtmp: true, description: 'URL to player SWF file' },
  { name: 'flashver', type: 'string', librtmp: true, description: 'Flash version string' },
  { name: 'conn', type: 'amf', librtmp: true, description: 'Append arbitrary AMF data to Connect message' },
  { name: 'playpath', type: 'string', librtmp: true, description: 'Path to target media on server' },
  { name: 'playlist', type: 'boolean', librtmp: true, description: 'Set playlist before play command' },
  { name: 'live', type: 'boolean', librtmp: true, description: 'Stream is live, no seeking possible' },
  { name: 'subscribe', type: 'string', librtmp: true, description: 'Stream to subscribe to' },
  { name: 'jtv', type: 'string', librtmp: true, description: 'Justin.tv authentication token' },
  { name: 'token', type: 'string', librtmp: true, description: 'Key for SecureToken response' },
  { name: 'swfVfy', type: 'boolean', librtmp: true, description: 'Perform SWF Verification' },
  { name: 'swfAge', type: 'integer', librtmp: true, description: 'Number of days to use cached SWF hash' },
  { name: 'start', type: 'integer', librtmp: true, description: 'Stream start position in milliseconds' },
  { name: 'stop', type: 'integer', librtmp: true, description: 'Stream stop position in milliseconds' },
  { name: 'buffer', type: 'integer', librtmp: true, description: 'Buffer time in milliseconds' },
  { name: 'timeout', type: 'integer', librtmp: true, description: 'Session timeout in seconds' },
  { name: 'pubUser', type: 'string', librtmp: true, description: 'Publisher username' },
  { name: 'pubPasswd', type: 'string', librtmp: true, description: 'Publisher password' },
  {
    name: 'auth',
    type: 'string',
    librtmp: false,
    description: 'Auth string appended to Connect (as rtmpdump -u)',
  },
  {
    name: 'swfHash',
    type: 'string',
    librtmp: false,
    description: 'SWF HMAC-SHA256, 64 hex digits (with swfSize)',
  },
  { name: 'swfSize', type: 'integer', librtmp: false, description: 'Decompressed SWF size (with swfHash)' },
] as const);

const OPTION_BY_KEY = new Map(LIBRTMP_OPTIONS.map((o) => [o.name.toLowerCase(), o.name]));

function optionError(key: string, reason: string, cause?: unknown): RTMPUsageError {
  return new RTMPUsageError(`Unable to set option ${key}: ${reason}`, {
    code: UsageCode.RTMP_OPTION,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Fresh parameters for a parsed URL, with librtmp's `RTMP_Init` defaults. */
export function createParams(url: RTMPUrl): RTMPParams {
  const p: RTMPParams = {
    url,
    app: url.app,
    playpath: url.playpath,
    tcUrl: url.tcUrl,
    tcUrlExplicit: false,
    connectArgs: [],
    playlist: false,
    live: false,
    swfVfy: false,
    swfAge: DEFAULT_SWF_AGE_DAYS,
    start: 0,
    stop: 0,
    buffer: DEFAULT_BUFFER_MS,
    timeout: DEFAULT_TIMEOUT_S,
  };
  if (url.user !== undefined) p.pubUser = url.user;
  if (url.password !== undefined) p.pubPasswd = url.password;
  return p;
}

/**
 * A copy of `params` that can be changed without touching the original (including
 * appending `conn` items into an object left open).
 */
export function cloneParams(params: RTMPParams): RTMPParams {
  const copy: RTMPParams = { ...params, connectArgs: cloneConnArgs(params.connectArgs) };
  if (params.swfHash !== undefined) copy.swfHash = Buffer.from(params.swfHash);
  if (params.socks !== undefined) copy.socks = { ...params.socks };
  return copy;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The tcUrl librtmp would default to for `app` on `url` — without its `:0` bug:
 * the URL's own text up to the end of its app when `app` is the URL's app; the whole URL
 * when `app` is empty; otherwise `proto://host[:port]/app` (lower-case protocol, the port
 * only if the URL wrote one).
 */
export function deriveTcUrl(url: RTMPUrl, app: string): string {
  if (app === url.app) return url.tcUrl;
  if (app === '') return url.href;
  return `${url.protocol}://${hostForUrl(url.host)}${url.portSpecified ? `:${url.port}` : ''}/${app}`;
}

function refreshTcUrl(params: RTMPParams): void {
  if (!params.tcUrlExplicit) params.tcUrl = deriveTcUrl(params.url, params.app);
}

/**
 * Parses librtmp's `socks` value `host[:port]` (IPv6 as `[addr]:port`); port default 1080.
 *
 * @throws RTMPUsageError `ERR_RTMP_OPTION` for an empty host or a bad port
 */
export function parseSocks(value: string): SocksProxy {
  let host: string;
  let portText: string | undefined;
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close < 0) throw optionError('socks', `unterminated IPv6 literal in '${value}'`);
    host = value.slice(1, close);
    const tail = value.slice(close + 1);
    if (tail !== '' && !tail.startsWith(':')) throw optionError('socks', `unexpected '${tail}' after ']'`);
    portText = tail === '' ? undefined : tail.slice(1);
  } else {
    const colon = value.indexOf(':');
    host = colon < 0 ? value : value.slice(0, colon);
    portText = colon < 0 ? undefined : value.slice(colon + 1);
  }
  if (host === '') throw optionError('socks', `no host in '${value}'`);
  if (/[\s/@]/.test(host)) throw optionError('socks', `invalid proxy host '${host}'`);
  let port = DEFAULT_SOCKS_PORT;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw optionError('socks', `invalid port '${portText}' (1..65535)`);
    }
    port = Number(portText);
  }
  return { host, port };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function hexVal(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

/**
 * Undoes librtmp's value escaping: `\HH` (two hex digits) → that byte; the bytes are then
 * read as UTF-8. Nothing else is special (`%xx` is not decoded here).
 *
 * @param key named in the error message
 * @throws RTMPUsageError `ERR_RTMP_OPTION` for `\` not followed by two hex digits (librtmp:
 *   fails when fewer than 2 characters follow, reads garbage for non-hex), or bytes that
 *   are not UTF-8
 */
export function unescapeLibrtmpValue(raw: string, key = 'value'): string {
  if (!raw.includes('\\')) return raw;
  // A password is never echoed.
  const shown = /^pubpasswd$/i.test(key) ? '(the password)' : `'${raw}'`;
  const src = Buffer.from(raw, 'utf8');
  const out = Buffer.allocUnsafe(src.length);
  let n = 0;
  for (let i = 0; i < src.length; ) {
    const c = src[i]!;
    if (c !== 0x5c) {
      out[n++] = c;
      i++;
      continue;
    }
    const h = i + 1 < src.length ? hexVal(src[i + 1]!) : -1;
    const l = i + 2 < src.length ? hexVal(src[i + 2]!) : -1;
    if (h < 0 || l < 0) {
      throw optionError(
        key,
        `bad escape at offset ${i} of ${shown} (use \\HH, e.g. \\20 for space, \\5c for \\)`,
      );
    }
    out[n++] = (h << 4) | l;
    i += 3;
  }
  try {
    return UTF8.decode(out.subarray(0, n));
  } catch {
    throw optionError(key, `escapes in ${shown} do not decode to UTF-8`);
  }
}

/**
 * Escapes a value for a librtmp option string: backslash → `\5c`, space → `\20`, control
 * characters → `\HH`. Everything else (UTF-8 included) stays as it is.
 */
export function escapeLibrtmpValue(value: string): string {
  return value.replace(
    /[\\ \u0000-\u001f\u007f]/g,
    (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** One `key=value` of an option string, value still escaped. */
export interface LibrtmpOptionToken {
  /** The key as written (may contain spaces when the string was malformed, as in librtmp). */
  key: string;
  /** The raw value, escapes not yet undone. */
  value: string;
}

/**
 * Splits a librtmp "URL + options" string exactly as `RTMP_SetupURL` does: the URL up to
 * the first space, then `key=value` tokens; `ignored` is a trailing text without `=`
 * (librtmp drops it silently).
 */
export function splitLibrtmpUrl(input: string): {
  url: string;
  options: LibrtmpOptionToken[];
  ignored: string;
} {
  let sp = input.indexOf(' ');
  if (sp < 0) return { url: input, options: [], ignored: '' };
  const url = input.slice(0, sp);
  const options: LibrtmpOptionToken[] = [];
  let ignored = '';
  while (sp >= 0) {
    const p1 = sp + 1;
    const eq = input.indexOf('=', p1);
    if (eq < 0) {
      ignored = input.slice(p1);
      break;
    }
    const key = input.slice(p1, eq);
    sp = input.indexOf(' ', eq + 1);
    if (sp < 0) {
      options.push({ key, value: input.slice(eq + 1) });
    } else {
      options.push({ key, value: input.slice(eq + 1, sp) });
      while (input.charCodeAt(sp + 1) === 0x20) sp++; // "skip repeated spaces"
    }
  }
  return { url, options, ignored };
}

function optionalString(v: string): string | undefined {
  return v === '' ? undefined : v;
}

function intOption(key: string, value: string, min: number): number {
  let n: number;
  try {
    n = parseLibrtmpInt(value);
  } catch (err) {
    if (err instanceof ScalarError) throw optionError(key, err.message);
    throw err;
  }
  if (n < min) throw optionError(key, `${n} is below ${min}`);
  return n;
}

function boolOption(key: string, value: string): boolean {
  try {
    return parseLibrtmpBool(value);
  } catch (err) {
    if (err instanceof ScalarError) throw optionError(key, err.message);
    throw err;
  }
}

function parseSwfHash(key: string, value: string | Uint8Array): Buffer {
  if (typeof value === 'string') {
    if (!/^[0-9a-fA-F]{64}$/.test(value)) throw optionError(key, 'expected 64 hex digits (32 bytes)');
    return Buffer.from(value, 'hex');
  }
  if (value.length !== 32) throw optionError(key, `expected 32 bytes, got ${value.length}`);
  return Buffer.from(value);
}

/**
 * Sets one option by its librtmp key (case-insensitive, `flashVer` = `flashver`) and
 * librtmp units — what `RTMP_SetOpt` / python-librtmp's `set_option` do, and what each
 * `key=value` after a URL does. Numbers and booleans are converted as python's `AVal`
 * would (`1` → "1", `true` → "true"). Mutates and returns `params`; on error `params` is
 * unchanged.
 *
 * @throws RTMPUsageError `ERR_RTMP_OPTION`, message "Unable to set option KEY: reason"
 *   (python-librtmp: `ValueError("Unable to set option KEY")`) for unknown keys and bad values
 */
export function applyLibrtmpOption(
  params: RTMPParams,
  key: string,
  value: string | number | boolean,
): RTMPParams {
  const name = OPTION_BY_KEY.get(key.toLowerCase());
  if (name === undefined) {
    throw optionError(
      key === '' || /\s/.test(key) ? JSON.stringify(key) : key,
      key.includes(' ')
        ? 'unknown option (options are separated by single spaces; a word without "=" joins the next key)'
        : `unknown option (known: ${LIBRTMP_OPTIONS.map((o) => o.name).join(', ')})`,
    );
  }
  let v: string;
  if (typeof value === 'string') v = value;
  else if (typeof value === 'boolean') v = value ? 'true' : 'false';
  else if (typeof value === 'number' && Number.isFinite(value)) v = String(value);
  else throw optionError(name, `expected a string, number or boolean, got ${typeof value}`);

  switch (name) {
    case 'socks':
      if (v === '') delete params.socks;
      else params.socks = parseSocks(v);
      break;
    case 'app':
      params.app = v;
      refreshTcUrl(params);
      break;
    case 'tcUrl':
      params.tcUrlExplicit = v !== ''; // librtmp: an empty tcUrl means "use the default"
      if (params.tcUrlExplicit) params.tcUrl = v;
      else refreshTcUrl(params);
      break;
    case 'pageUrl':
    case 'swfUrl':
    case 'subscribe':
    case 'jtv':
    case 'token':
    case 'pubUser':
    case 'pubPasswd':
    case 'auth': {
      const s = optionalString(v);
      if (s === undefined) delete params[name];
      else params[name] = s;
      break;
    }
    case 'flashver': {
      const s = optionalString(v);
      if (s === undefined) delete params.flashVer;
      else params.flashVer = s;
      break;
    }
    case 'conn':
      appendConn(params.connectArgs, v);
      break;
    case 'playpath':
      params.playpath = v;
      break;
    case 'playlist':
      params.playlist = boolOption(name, v);
      break;
    case 'live':
      params.live = boolOption(name, v);
      break;
    case 'swfVfy':
      if (v.includes('://')) {
        params.swfUrl = v; // rtmpdump's --swfVfy <url>, written as an option
        params.swfVfy = true;
      } else {
        params.swfVfy = boolOption(name, v);
      }
      break;
    case 'swfAge':
      params.swfAge = intOption(name, v, 0);
      break;
    case 'start':
      params.start = intOption(name, v, 0) / 1000;
      break;
    case 'stop':
      params.stop = intOption(name, v, 0) / 1000;
      break;
    case 'buffer':
      params.buffer = intOption(name, v, 0);
      break;
    case 'timeout':
      params.timeout = intOption(name, v, 0);
      break;
    case 'swfHash':
      if (v === '') delete params.swfHash;
      else params.swfHash = parseSwfHash(name, v);
      break;
    case 'swfSize':
      params.swfSize = intOption(name, v, 0);
      break;
  }
  return params;
}

/**
 * Parses a librtmp "URL + options" string (`RTMP_SetupURL`), e.g.
 * `"rtmp://h/app/x live=1 start=5000 conn=S:foo"`.
 *
 * @throws RTMPUsageError `ERR_URL_*` for the URL (see {@link parseUrl}), `ERR_RTMP_OPTION`
 *   for options (unknown key, bad value, bad escape, bad conn item)
 */
export function parseLibrtmpUrl(input: string): RTMPParams {
  if (typeof input !== 'string') {
    throw new RTMPUsageError('RTMP URL must be a string', { code: UsageCode.URL_SYNTAX });
  }
  const { url, options } = splitLibrtmpUrl(input);
  const params = createParams(parseUrl(url));
  for (const o of options) applyLibrtmpOption(params, o.key, unescapeLibrtmpValue(o.value, o.key));
  return params;
}

/**
 * `RTMP_SetupURL` on existing parameters (python-librtmp's `setup_url`): the URL replaces
 * protocol, host, port, app, playpath and credentials; options set earlier stay unless the
 * string sets them again; an explicit tcUrl stays (as in librtmp); `conn` items append.
 * All or nothing: on error `params` is unchanged.
 *
 * @throws RTMPUsageError as {@link parseLibrtmpUrl}
 */
export function setupLibrtmpUrl(params: RTMPParams, input: string): RTMPParams {
  if (typeof input !== 'string') {
    throw new RTMPUsageError('RTMP URL must be a string', { code: UsageCode.URL_SYNTAX });
  }
  const { url: urlText, options } = splitLibrtmpUrl(input);
  const url = parseUrl(urlText);
  const next = cloneParams(params);
  next.url = url;
  next.app = url.app;
  next.playpath = url.playpath;
  // Credentials that came from the previous URL's userinfo do not carry over to this one.
  if (params.url.user !== undefined && next.pubUser === params.url.user) delete next.pubUser;
  if (params.url.password !== undefined && next.pubPasswd === params.url.password) delete next.pubPasswd;
  if (url.user !== undefined) next.pubUser = url.user;
  if (url.password !== undefined) next.pubPasswd = url.password;
  refreshTcUrl(next);
  for (const o of options) applyLibrtmpOption(next, o.key, unescapeLibrtmpValue(o.value, o.key));
  for (const k of Object.keys(params) as (keyof RTMPParams)[]) delete params[k];
  return Object.assign(params, next);
}

function typeError(key: string, expected: string, got: unknown): RTMPUsageError {
  return optionError(key, `expected ${expected}, got ${got === null ? 'null' : typeof got}`);
}

function str(key: string, v: unknown): string {
  if (typeof v !== 'string') throw typeError(key, 'a string', v);
  return v;
}

function num(key: string, v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw typeError(key, `a finite number (${what})`, v);
  if (v < 0) throw optionError(key, `${v} is negative`);
  return v;
}

function bool(key: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw typeError(key, 'a boolean', v);
  return v;
}

/**
 * Applies python-librtmp's constructor options (camelCased, DESIGN §2 units: start/stop
 * seconds, buffer ms, timeout seconds) in python-librtmp's order: socks, playpath, tcUrl,
 * app, swfUrl, pageUrl, auth, flashVer, subscribe, token, jtv, live, start, stop, buffer,
 * timeout, connectData (appended after the URL's `conn` items, at the top level: objects
 * the URL left open are closed first); then swfHash/swfSize, swfVfy, and the extensions
 * swfAge, playlist, pubUser, pubPasswd. `null`/`undefined` = not given; unknown keys are
 * ignored (they belong to other layers). All or nothing: on error `params` is unchanged.
 *
 * @throws RTMPUsageError `ERR_RTMP_OPTION` naming the option, for wrong types, negative
 *   numbers, malformed socks/swfHash, swfHash without swfSize, un-encodable connectData
 */
export function applyConstructorOptions(params: RTMPParams, opts: RTMPUrlOptions): RTMPParams {
  if (opts === null || typeof opts !== 'object') {
    throw new RTMPUsageError('options must be an object', { code: UsageCode.RTMP_OPTION });
  }
  const p = cloneParams(params);
  const given = <K extends keyof RTMPUrlOptions>(k: K): boolean => opts[k] !== undefined && opts[k] !== null;

  if (given('socks')) {
    const s = str('socks', opts.socks);
    if (s === '') delete p.socks;
    else p.socks = parseSocks(s);
  }
  if (given('playpath')) p.playpath = str('playpath', opts.playpath);
  if (given('tcUrl')) applyLibrtmpOption(p, 'tcUrl', str('tcUrl', opts.tcUrl));
  if (given('app')) applyLibrtmpOption(p, 'app', str('app', opts.app));
  for (const k of ['swfUrl', 'pageUrl', 'auth', 'flashVer', 'subscribe', 'token', 'jtv'] as const) {
    if (given(k)) applyLibrtmpOption(p, k, str(k, opts[k]));
  }
  if (given('live')) p.live = bool('live', opts.live);
  if (given('start')) p.start = num('start', opts.start, 'seconds');
  if (given('stop')) p.stop = num('stop', opts.stop, 'seconds');
  if (given('buffer')) p.buffer = Math.round(num('buffer', opts.buffer, 'milliseconds'));
  if (given('timeout')) p.timeout = num('timeout', opts.timeout, 'seconds');
  if (given('connectData')) {
    const extra = connectDataToArgs(opts.connectData);
    closeConn(p.connectArgs);
    p.connectArgs.push(...extra);
  }
  if (given('swfHash')) {
    const h = opts.swfHash;
    if (typeof h !== 'string' && !(h instanceof Uint8Array)) throw typeError('swfHash', 'hex or bytes', h);
    p.swfHash = parseSwfHash('swfHash', h);
    if (!given('swfSize')) throw optionError('swfHash', 'needs swfSize too');
  }
  if (given('swfSize')) {
    const n = num('swfSize', opts.swfSize, 'bytes');
    if (!Number.isInteger(n) || n > 0xffffffff) throw optionError('swfSize', `${n} is not a 32-bit size`);
    p.swfSize = n;
  }
  if (given('swfVfy')) p.swfVfy = bool('swfVfy', opts.swfVfy);
  if (given('swfAge')) p.swfAge = num('swfAge', opts.swfAge, 'days');
  if (given('playlist')) p.playlist = bool('playlist', opts.playlist);
  if (given('pubUser')) applyLibrtmpOption(p, 'pubUser', str('pubUser', opts.pubUser));
  if (given('pubPasswd')) applyLibrtmpOption(p, 'pubPasswd', str('pubPasswd', opts.pubPasswd));
  for (const k of Object.keys(params) as (keyof RTMPParams)[]) delete params[k];
  return Object.assign(params, p);
}

function ms(seconds: number): number {
  return Math.round(seconds * 1000);
}

/**
 * Writes `params` as a librtmp "URL + options" string that librtmp (rtmpdump `-i`) and
 * {@link parseLibrtmpUrl} read back to the same parameters: the URL as given when app and
 * playpath are still the URL's, else `proto://host[:port]` with `app=`, `playpath=` and
 * `tcUrl=` (always explicit with an app, which also sidesteps librtmp's `:0` bug; empty ones
 * left out); then only the
 * options that differ from the defaults. Credentials appear as `pubUser=`/`pubPasswd=`,
 * never in the URL. Fractions of a millisecond in start/stop are rounded.
 *
 * @throws RTMPUsageError `ERR_RTMP_OPTION` when `connectArgs` holds values the conn
 *   grammar cannot express (see {@link formatConnArgs})
 */
export function formatLibrtmpUrl(params: RTMPParams): string {
  const u = params.url;
  const parts: string[] = [];
  const opt = (k: string, v: string): void => {
    parts.push(`${k}=${escapeLibrtmpValue(v)}`);
  };
  if (params.app === u.app && params.playpath === u.playpath) {
    parts.push(u.href);
    if (params.tcUrl !== u.tcUrl) opt('tcUrl', params.tcUrl);
  } else {
    // A URL without a path: its app and playpath are empty, its default tcUrl is itself.
    const base = `${u.protocol}://${hostForUrl(u.host)}${u.portSpecified ? `:${u.port}` : ''}`;
    parts.push(base);
    if (params.app !== '') opt('app', params.app);
    if (params.playpath !== '') opt('playpath', params.playpath);
    if (params.app !== '' || params.tcUrl !== base) opt('tcUrl', params.tcUrl);
  }
  if (params.pageUrl !== undefined) opt('pageUrl', params.pageUrl);
  if (params.swfUrl !== undefined) opt('swfUrl', params.swfUrl);
  if (params.flashVer !== undefined) opt('flashVer', params.flashVer);
  for (const item of formatConnArgs(params.connectArgs)) opt('conn', item);
  if (params.playlist) opt('playlist', '1');
  if (params.live) opt('live', '1');
  if (params.subscribe !== undefined) opt('subscribe', params.subscribe);
  if (params.jtv !== undefined) opt('jtv', params.jtv);
  if (params.token !== undefined) opt('token', params.token);
  if (params.swfVfy) opt('swfVfy', '1');
  if (params.swfAge !== DEFAULT_SWF_AGE_DAYS) opt('swfAge', String(Math.round(params.swfAge)));
  if (params.start !== 0) opt('start', String(ms(params.start)));
  if (params.stop !== 0) opt('stop', String(ms(params.stop)));
  if (params.buffer !== DEFAULT_BUFFER_MS) opt('buffer', String(Math.round(params.buffer)));
  if (params.timeout !== DEFAULT_TIMEOUT_S) opt('timeout', String(Math.ceil(params.timeout)));
  if (params.socks !== undefined) opt('socks', `${hostForUrl(params.socks.host)}:${params.socks.port}`);
  if (params.pubUser !== undefined) opt('pubUser', params.pubUser);
  if (params.pubPasswd !== undefined) opt('pubPasswd', params.pubPasswd);
  if (params.auth !== undefined) opt('auth', params.auth);
  if (params.swfHash !== undefined) opt('swfHash', params.swfHash.toString('hex'));
  if (params.swfSize !== undefined) opt('swfSize', String(params.swfSize));
  return parts.join(' ');
}
