/**
 * Connection parameters: librtmp's "URL + options" strings, `RTMP_SetOpt` keys and
 * python-librtmp's constructor options, normalized into one {@link RTMPParams}
 * (python-librtmp's `RTMP` constructor, librtmp's `options[]` table, `RTMP_SetupURL`,
 * `RTMP_Init` defaults; vectors observed with librtmp 2.6).
 *
 * Units. Inside librtmp option strings keys and units are librtmp's: `start`/`stop` and
 * `buffer` in milliseconds, `timeout` in seconds, `swfAge` in days. {@link RTMPParams}
 * holds JavaScript units, as rtmpkit's public API uses them: `start`/`stop` in
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
 *   `rtmp://host:0/app` (an `RTMP_SetupURL` bug);
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
 *   command object (as librtmp's `SendConnectPacket` does);
 * - `swfHash` (64 hex digits) and `swfSize` are accepted as options (librtmp: struct only,
 *   rtmpdump `-w`/`-x`);
 * - `swfVfy=<URL>` (the rtmpdump `--swfVfy url` habit; librtmp ignores it silently) sets
 *   swfUrl and turns verification on;
 * - URL userinfo (`rtmp://user:pass@host/…`) seeds `pubUser`/`pubPasswd`.
 */
import type { AmfValue } from '../amf/types.js';
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import { appendConn, type ConnectData, cloneConnArgs, connectDataToArgs, formatConnArgs } from './conn.js';
import {
  escapeLibrtmpValue,
  type LibrtmpOptionToken,
  optionError,
  splitLibrtmpUrl,
  unescapeLibrtmpValue,
} from './option-string.js';
import { parseUrl, type RTMPUrl } from './parse-url.js';
import { parseLibrtmpBool, parseLibrtmpInt, ScalarError } from './scalars.js';

export { escapeLibrtmpValue, type LibrtmpOptionToken, splitLibrtmpUrl, unescapeLibrtmpValue };

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
 * Constructor options of `RTMP` that shape the connection (python-librtmp's
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
  /** librtmp's, not in python-librtmp: cached SWF hash age, days. */
  swfAge?: number | null;
  /** librtmp's, not in python-librtmp: send `set_playlist` before `play`. */
  playlist?: boolean | null;
  /** librtmp's, not in python-librtmp: publisher user name. */
  pubUser?: string | null;
  /** librtmp's, not in python-librtmp: publisher password. */
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

export function parseSwfHash(key: string, value: string | Uint8Array): Buffer {
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

/** Seconds → whole milliseconds. */
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
