/**
 * RTMP URL parsing with librtmp's exact app/playpath rules
 * (librtmp `RTMP_ParseURL`, `RTMP_ParsePlaypath`, and `RTMP_SetupURL`'s default tcUrl
 * and default ports; vectors observed with librtmp 2.6).
 *
 * Form: `scheme://[user[:password]@]host[:port][/app[/instance…]][/playpath]`.
 *
 * Followed exactly (golden-tested against librtmp 2.6 vectors and, in
 * test/interop/url-librtmp.test.ts, against the system librtmp):
 * - the split of the path: with `?` in the path and `slist=` after the first `/`, the whole
 *   path is the app and the playpath comes from `slist=`; else a path starting `ondemand/`
 *   has app `ondemand`; else the app is the first 3 segments if there are ≥ 4 (`/a/b/c/d/e`
 *   → app `a/b/c`, playpath `d/e`), else the first 2 if there are 3, else the first;
 * - the playpath rewriting: `.mp4`/`.f4v` → `mp4:` prefix and extension stripped (kept when
 *   the name already starts `mp4:`), `.mp3` likewise with `mp3:`, `.flv` stripped (not for
 *   `slist=`), all case-sensitive and tested on the 4 characters before the first `?`
 *   (so query strings stay: `file.mp4?token=x` → `mp4:file?token=x`), `%xx` decoded;
 * - the tcUrl: the URL's own text up to the end of the app (original spelling, `:port`
 *   only if written), or the whole URL when there is no app;
 * - scheme names are case-insensitive; host, app and playpath keep their case.
 *
 * Deliberate differences from librtmp (each one turns a silent misbehaviour into either
 * an error or the evidently intended result):
 * - unknown schemes (librtmp: warning, then plain RTMP) and `rtmfp` (librtmp: plain RTMP
 *   over TCP, there is no MFP code) → `ERR_URL_SCHEME`;
 * - a bad port (non-numeric, 0, > 65535; librtmp: `atoi`, out of range → default port but
 *   kept in tcUrl) → `ERR_URL_PORT`; an empty port (`host:/app`) means the default, as in
 *   librtmp and WHATWG URLs;
 * - an empty or > 255-character host (librtmp: empty host, connect fails later), or one with
 *   characters no host can contain → `ERR_URL_HOST`;
 * - whitespace or control characters anywhere → `ERR_URL_SYNTAX` (librtmp would put them in
 *   the playpath; options belong to {@link parseLibrtmpUrl}, which splits at the first space);
 * - a malformed `%` escape in the playpath (librtmp reads an uninitialised byte or past the
 *   end of the string) or one that decodes to invalid UTF-8 → `ERR_URL_ESCAPE`;
 * - the extension test never looks outside the playpath (librtmp looks 4 bytes before a `?`
 *   even when that is before the playpath, or at a `?` after an `slist=` value's `&`);
 * - IPv6 literals `[::1]:1935` are supported (librtmp: host `[`);
 * - userinfo `user:password@` is taken out (percent-decoded) for publisher authentication,
 *   as FFmpeg does, and never appears in tcUrl (librtmp: the host would be `user`).
 *
 * Where FFmpeg's native client splits differently (documented, not followed):
 * - FFmpeg's app is the first two segments whenever a third exists (`/a/b/c/d` → app `a/b`,
 *   playpath `c/d`; librtmp: app `a/b/c`, playpath `d`), and it keeps `mp4:dir/file` intact
 *   when a `:` appears before the next `/` (librtmp: `/vod/mp4:dir/file.mp4` → app
 *   `vod/mp4:dir`, playpath `mp4:file`);
 * - FFmpeg keeps the `.mp4`/`.f4v` extension after adding `mp4:`, has no `mp3:` rule and
 *   no `%xx` decoding;
 * - FFmpeg's tcUrl for plain `rtmp` always contains the port (`:1935`).
 * Explicit `app=`/`playpath=` options (or constructor options) override any split.
 */
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';

/** The URL schemes rtmpkit connects with. */
export type RTMPProtocol = 'rtmp' | 'rtmpt' | 'rtmpe' | 'rtmpte' | 'rtmps' | 'rtmpts';

/** How a protocol reaches the server. */
export interface RTMPTransport {
  /** TLS underneath (rtmps, rtmpts). */
  readonly tls: boolean;
  /** HTTP tunnelling, RTMPT (rtmpt, rtmpte, rtmpts). */
  readonly tunnel: boolean;
  /** RTMPE encryption (rtmpe, rtmpte). */
  readonly encrypted: boolean;
}

/** Static facts about one protocol. */
export interface RTMPProtocolInfo {
  /** librtmp's protocol number (`RTMP_PROTOCOL_*`, rtmpdump `-l`): 0..5. */
  readonly id: number;
  /** Port used when the URL names none (librtmp `RTMP_SetupURL` step 7). */
  readonly defaultPort: number;
  /** Transport features. */
  readonly transport: RTMPTransport;
}

/** Every supported protocol with its librtmp id, default port and transport. */
export const RTMP_PROTOCOLS: Readonly<Record<RTMPProtocol, RTMPProtocolInfo>> = Object.freeze({
  rtmp: { id: 0, defaultPort: 1935, transport: { tls: false, tunnel: false, encrypted: false } },
  rtmpt: { id: 1, defaultPort: 80, transport: { tls: false, tunnel: true, encrypted: false } },
  rtmpe: { id: 2, defaultPort: 1935, transport: { tls: false, tunnel: false, encrypted: true } },
  rtmpte: { id: 3, defaultPort: 80, transport: { tls: false, tunnel: true, encrypted: true } },
  rtmps: { id: 4, defaultPort: 443, transport: { tls: true, tunnel: false, encrypted: false } },
  rtmpts: { id: 5, defaultPort: 443, transport: { tls: true, tunnel: true, encrypted: false } },
});

/** A parsed RTMP URL. */
export interface RTMPUrl {
  /** The URL as given, minus any `user:password@` (safe to log). */
  readonly href: string;
  /** The scheme, lower-cased. */
  readonly protocol: RTMPProtocol;
  /** TLS / HTTP tunnel / RTMPE, from the scheme. */
  readonly transport: RTMPTransport;
  /** Host name or address to connect to; IPv6 without brackets. */
  readonly host: string;
  /** Port to connect to: the written one, else the protocol's default. */
  readonly port: number;
  /** Whether the URL wrote a port (tcUrl then includes it). */
  readonly portSpecified: boolean;
  /** Application, e.g. `live` or `app/instance` (librtmp's split). */
  readonly app: string;
  /** Stream name after librtmp's mp4:/mp3:/.flv rewriting and `%xx` decoding; `''` if none. */
  readonly playpath: string;
  /** librtmp's default tcUrl: the URL text up to the end of the app, or the whole URL. */
  readonly tcUrl: string;
  /** User name from `user[:password]@` (percent-decoded), for publisher authentication. */
  readonly user?: string;
  /** Password from `user:password@` (percent-decoded). */
  readonly password?: string;
}

function urlError(code: UsageCode, message: string): RTMPUsageError {
  return new RTMPUsageError(message, { code });
}

// Reg-name host characters (RFC 3986 unreserved + sub-delims + pct-encoded) and any
// non-ASCII (IDN); not ':' '/' '?' '#' '@' '[' ']' or whitespace.
const HOST_RE = /^[A-Za-z0-9\-._~!$&'()*+,;=%\u0080-\uffff]+$/;
const IPV6_RE = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9\-._~%]+)?$/;
const PORT_RE = /^[0-9]*$/;

/**
 * Parses an RTMP URL (no librtmp options; for `"url key=value …"` strings use
 * {@link parseLibrtmpUrl}).
 *
 * @throws RTMPUsageError `ERR_URL_SYNTAX` (no `://`, whitespace/control characters),
 *   `ERR_URL_SCHEME`, `ERR_URL_HOST`, `ERR_URL_PORT`, `ERR_URL_ESCAPE` (bad `%xx`)
 */
export function parseUrl(url: string): RTMPUrl {
  if (typeof url !== 'string') throw urlError(UsageCode.URL_SYNTAX, 'RTMP URL must be a string');
  const bad = /[\u0000-\u0020\u007f]/.exec(url);
  if (bad) {
    const what = bad[0] === ' ' ? 'a space' : `control character 0x${bad[0].charCodeAt(0).toString(16)}`;
    throw urlError(
      UsageCode.URL_SYNTAX,
      `RTMP URL contains ${what} at offset ${bad.index}` +
        (bad[0] === ' ' ? ' (librtmp options "url key=value" go to parseLibrtmpUrl)' : ''),
    );
  }
  const sep = url.indexOf('://');
  if (sep < 0) throw urlError(UsageCode.URL_SYNTAX, `RTMP URL has no "://": ${withoutUserinfo(url)}`);
  const scheme = url.slice(0, sep);
  const protocol = scheme.toLowerCase();
  if (!Object.hasOwn(RTMP_PROTOCOLS, protocol)) {
    const hint =
      protocol === 'rtmfp'
        ? ' (RTMFP is UDP-based and unsupported; librtmp silently speaks plain RTMP for it)'
        : ' (expected rtmp, rtmpt, rtmpe, rtmpte, rtmps or rtmpts)';
    throw urlError(UsageCode.URL_SCHEME, `unsupported URL scheme '${scheme}'${hint}`);
  }
  const info = RTMP_PROTOCOLS[protocol as RTMPProtocol];

  const afterScheme = sep + 3;
  const slash = url.indexOf('/', afterScheme);
  const authority = url.slice(afterScheme, slash < 0 ? url.length : slash);
  const at = authority.lastIndexOf('@');
  let user: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    user = percentDecodeComponent(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user name');
    if (colon >= 0) password = percentDecodeComponent(userinfo.slice(colon + 1), 'password');
    // Empty means absent, as for the pubUser/pubPasswd options.
    if (user === '') user = undefined;
    if (password === '') password = undefined;
  }
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  const { host, portText } = splitHostPort(hostPort, withoutUserinfo(url));
  let port = info.defaultPort;
  const portSpecified = portText !== undefined && portText !== '';
  if (portText !== undefined) {
    if (!PORT_RE.test(portText)) {
      throw urlError(UsageCode.URL_PORT, `invalid port '${portText}' in ${withoutUserinfo(url)}`);
    }
    if (portSpecified) {
      port = Number(portText);
      if (port < 1 || port > 65535) {
        throw urlError(UsageCode.URL_PORT, `port ${portText} out of range 1..65535`);
      }
    }
  }

  const base = `${scheme}://${hostPort}`;
  const href = slash < 0 ? base : base + url.slice(slash);
  let app = '';
  let playpath = '';
  if (slash >= 0) {
    const split = splitAppPlaypath(url.slice(slash + 1));
    app = split.app;
    playpath = split.rest === '' ? '' : parsePlaypath(split.rest);
  }
  // librtmp: "if app is part of original url, just use it" — text up to the end of the app.
  const tcUrl = app === '' ? href : `${base}/${app}`;
  return {
    href,
    protocol: protocol as RTMPProtocol,
    transport: info.transport,
    host,
    port,
    portSpecified,
    app,
    playpath,
    tcUrl,
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
  };
}

/** `url` for messages: the first `…@` run (a `user:password@`) is masked as `…@`. */
export function withoutUserinfo(url: string): string {
  return url.replace(/[^/\s]*@/, '…@');
}

function splitHostPort(hostPort: string, url: string): { host: string; portText: string | undefined } {
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0) throw urlError(UsageCode.URL_HOST, `unterminated IPv6 literal in ${url}`);
    const host = hostPort.slice(1, close);
    if (!IPV6_RE.test(host) || !host.includes(':')) {
      throw urlError(UsageCode.URL_HOST, `invalid IPv6 literal '[${host}]'`);
    }
    const tail = hostPort.slice(close + 1);
    if (tail !== '' && !tail.startsWith(':')) {
      throw urlError(UsageCode.URL_HOST, `unexpected '${tail}' after IPv6 literal '[${host}]'`);
    }
    return { host, portText: tail === '' ? undefined : tail.slice(1) };
  }
  const colon = hostPort.indexOf(':');
  const host = colon < 0 ? hostPort : hostPort.slice(0, colon);
  if (host === '') throw urlError(UsageCode.URL_HOST, `no host name in RTMP URL ${url}`);
  if (host.length > 255) throw urlError(UsageCode.URL_HOST, `host name longer than 255 characters`);
  if (!HOST_RE.test(host)) throw urlError(UsageCode.URL_HOST, `invalid host name '${host}'`);
  const portText = colon < 0 ? undefined : hostPort.slice(colon + 1);
  if (portText?.includes(':')) {
    throw urlError(
      UsageCode.URL_PORT,
      `invalid port '${portText}' (IPv6 literals need brackets: [::1]:1935)`,
    );
  }
  return { host, portText };
}

function percentDecodeComponent(s: string, what: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw urlError(UsageCode.URL_ESCAPE, `malformed percent-escape in the URL's ${what}`);
  }
}

/**
 * librtmp's app split (`RTMP_ParseURL`). `path` is the text after the first `/` following
 * the host; returns the app and the undecoded remainder that {@link parsePlaypath} reads
 * (for the `slist=` form, the remainder starts at the `?`).
 */
export function splitAppPlaypath(path: string): { app: string; rest: string } {
  const ques = path.indexOf('?');
  if (ques >= 0 && path.includes('slist=')) {
    // "whatever it is, the '?' and slist= means we need to use everything as app"
    return { app: path, rest: path.slice(ques) };
  }
  if (path.startsWith('ondemand/')) return { app: 'ondemand', rest: path.slice(9) };
  const slash2 = path.indexOf('/');
  const slash3 = slash2 < 0 ? -1 : path.indexOf('/', slash2 + 1);
  const slash4 = slash3 < 0 ? -1 : path.indexOf('/', slash3 + 1);
  const end = slash4 >= 0 ? slash4 : slash3 >= 0 ? slash3 : slash2 >= 0 ? slash2 : path.length;
  const app = path.slice(0, end);
  let rest = path.slice(end);
  if (rest.startsWith('/')) rest = rest.slice(1);
  return { app, rest };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function isHex(b: number | undefined): boolean {
  return (
    b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66))
  );
}

function bytesEqual(buf: Uint8Array, at: number, ascii: string): boolean {
  if (at < 0 || at + ascii.length > buf.length) return false;
  for (let i = 0; i < ascii.length; i++) if (buf[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/**
 * librtmp's `RTMP_ParsePlaypath`: turns the URL text after the app into the stream name —
 * `slist=` extraction, `mp4:`/`mp3:` prefixes, extension stripping, `%xx` decoding. Works
 * on the UTF-8 bytes, as librtmp does, and returns the decoded text.
 *
 * @throws RTMPUsageError `ERR_URL_ESCAPE` for `%` not followed by two hex digits, or
 *   escapes that decode to invalid UTF-8
 */
export function parsePlaypath(input: string): string {
  const buf = Buffer.from(input, 'utf8');
  let start = 0;
  let len = buf.length;
  let fromSlist = false;
  if (buf[0] === 0x3f /* ? */) {
    const s = buf.indexOf('slist=');
    if (s >= 0) {
      start = s + 6;
      const amp = buf.indexOf(0x26 /* & */, start);
      len = (amp < 0 ? buf.length : amp) - start;
      fromSlist = true;
    }
  }
  const end = start + len;
  let addMp4 = false;
  let addMp3 = false;
  let subExt = false;
  let ext = -1;
  if (len >= 4) {
    // librtmp: strchr(ppstart, '?') — bounded here to the playpath itself.
    const q = buf.indexOf(0x3f, start);
    ext = q >= 0 && q < end ? q - 4 : end - 4;
    if (ext >= start) {
      if (bytesEqual(buf, ext, '.f4v') || bytesEqual(buf, ext, '.mp4')) {
        addMp4 = true;
        subExt = true;
      } else if (!fromSlist && bytesEqual(buf, ext, '.flv')) {
        subExt = true; // "Only remove .flv from rtmp URL, not slist params"
      } else if (bytesEqual(buf, ext, '.mp3')) {
        addMp3 = true;
        subExt = true;
      }
    }
  }
  const out: number[] = [];
  const prefix = addMp4 ? 'mp4:' : addMp3 ? 'mp3:' : '';
  if (prefix !== '') {
    if (bytesEqual(buf, start, prefix))
      subExt = false; // already prefixed: keep the extension
    else for (let i = 0; i < 4; i++) out.push(prefix.charCodeAt(i));
  }
  let hadEscape = false;
  for (let p = start; p < end; ) {
    if (subExt && p === ext) {
      p += 4;
      continue;
    }
    const c = buf[p]!;
    if (c === 0x25 /* % */) {
      const h = buf[p + 1];
      const l = buf[p + 2];
      if (p + 2 >= end || !isHex(h) || !isHex(l)) {
        throw urlError(UsageCode.URL_ESCAPE, `malformed %-escape in playpath '${input}' at offset ${p}`);
      }
      out.push(Number.parseInt(String.fromCharCode(h!, l!), 16));
      hadEscape = true;
      p += 3;
    } else {
      out.push(c);
      p++;
    }
  }
  const bytes = Uint8Array.from(out);
  if (!hadEscape) return Buffer.from(bytes).toString('utf8');
  try {
    return UTF8.decode(bytes);
  } catch {
    throw urlError(UsageCode.URL_ESCAPE, `%-escapes in playpath '${input}' do not decode to UTF-8`);
  }
}
