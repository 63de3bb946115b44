/**
 * python-librtmp's `RTMP(url, **options)` constructor options applied to connection
 * parameters: camelCased keys, JavaScript units, python-librtmp's order, all or nothing.
 * The option meanings are those of librtmp's option table (options.ts).
 */
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import { closeConn, connectDataToArgs } from './conn.js';
import { optionError } from './option-string.js';
import {
  applyLibrtmpOption,
  cloneParams,
  parseSocks,
  parseSwfHash,
  type RTMPParams,
  type RTMPUrlOptions,
} from './options.js';

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
 * Applies python-librtmp's constructor options (camelCased, JavaScript units: start/stop
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
