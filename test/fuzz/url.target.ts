/**
 * Fuzz targets for URL and librtmp option-string parsing (librtmp's URL and
 * option-string hazards): input bytes read as latin1 text. Any input must parse or fail with
 * an `RTMPError` whose code is `ERR_URL_*` or `ERR_RTMP_OPTION`; whatever parses must
 * format back (`formatLibrtmpUrl`) to a string that parses to the same effective parameters,
 * and formatting must then be a fixed point.
 */
import { RTMPError } from '../../src/errors.js';
import {
  formatConnArgs,
  formatLibrtmpUrl,
  parseConn,
  parseLibrtmpUrl,
  type RTMPParams,
} from '../../src/url/index.js';
import type { FuzzTarget } from './engine.js';

/** The effective parameters (what a client would use), for round-trip comparisons. */
export function view(p: RTMPParams): Record<string, unknown> {
  const { url, tcUrlExplicit: _explicit, pubUser, pubPasswd, ...rest } = p;
  return {
    ...rest,
    protocol: url.protocol,
    host: url.host,
    port: url.port,
    pubUser,
    pubPasswd,
    swfHash: p.swfHash?.toString('hex'),
  };
}

/** URL and option-string seeds: librtmp 2.6 observed vectors, its parsing rules, and hostile shapes. */
export const URL_SEEDS: Buffer[] = [
  'rtmp://host/app/playpath',
  'rtmp://host:1936/app/inst/file.flv',
  'rtmp://host/app/inst/dir/file.mp4',
  'rtmp://host/a/b/c/d/e',
  'rtmp://host/ondemand/foo/bar.mp4',
  'rtmp://host/app?slist=mp4:path/file&x=1',
  'rtmpe://host/app/mp4:file.mp4',
  'rtmp://host/app/file.mp3',
  'rtmp://host/app/a%20b.flv',
  'rtmp://host/app/file.mp4?token=abc',
  'RTMP://Host/App/X',
  'rtmp://host:99999/app/x',
  'rtmp://host:0/app/x',
  'rtmpts://[::1]:443/app/x',
  'rtmps://user:p%40ss@live-api-s.facebook.com:443/rtmp/123?s_bl=1&a=Ab',
  'rtmp://host/app/x%',
  'rtmp://host/app/x%zz',
  'rtmp://host/x/y app=foo',
  'rtmp://host/a/b live=1 buffer=1000 start=0x10 stop=5000 timeout=010',
  'rtmp://host/a/b  live=true',
  'rtmp://host/a/b live=1 junk live=0',
  'rtmp://host/a/b live=1 junk',
  'rtmp://host/a/b live=\\',
  'rtmp://host/a/b LIVE=ON playlist=yes swfVfy=http://x/p.swf swfAge=3',
  'rtmp://host/a/b conn=S:hello\\20world conn=B:1 conn=O:1 conn=NN:code:1.23 conn=NS:flag:ok conn=O:0',
  'rtmp://host/a/b conn=O:1 conn=NB:f:1 conn=NO:sub:1 conn=NS:a:b conn=O:0',
  'rtmp://host/a/b conn=O:1 conn=NZ:x: conn=N:0x1.8p1 conn=O:0 conn=N:-inf',
  'rtmp://host/a/b conn=O:0 conn=NS:x:y',
  'rtmp://host/a/b socks=proxy:1080 tcUrl=rtmp://x/y pageUrl=http://p flashver=WIN\\2010 token=t jtv=j',
  `rtmp://host/a/b subscribe=s pubUser=u pubPasswd=p auth=a swfSize=1 swfHash=${'ab'.repeat(32)}`,
  'rtmp://host/a/b playpath=mp4:abc.mp4 app= tcUrl=',
].map((s) => Buffer.from(s, 'latin1'));

function allowed(err: unknown): boolean {
  return err instanceof RTMPError && (err.code.startsWith('ERR_URL_') || err.code === 'ERR_RTMP_OPTION');
}

function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return false;
    if (!same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

function roundTrip(input: Buffer): void {
  const p = parseLibrtmpUrl(input.toString('latin1'));
  const text = formatLibrtmpUrl(p);
  const q = parseLibrtmpUrl(text);
  if (!same(view(p), view(q))) {
    throw new Error(`formatLibrtmpUrl round trip changed the parameters:\n${text}`);
  }
  const again = formatLibrtmpUrl(q);
  if (again !== text) throw new Error(`formatLibrtmpUrl is not a fixed point:\n${text}\n${again}`);
}

function connRoundTrip(input: Buffer): void {
  const args = parseConn(input.toString('latin1'));
  const items = formatConnArgs(args);
  if (!same(parseConn(items), args)) throw new Error(`conn round trip changed ${items.join(' ')}`);
}

const CONN_SEEDS: Buffer[] = [
  'B:1 S:authMe O:1 NN:code:1.23 NS:flag:ok O:0',
  'O:1 NB:f:1 NO:sub:1 NS:a:b O:0',
  'B:true B:2 N:abc Z:whatever',
  'O:1 NZ:x: NN:n:0x10 NN:m:-1e308 O:0 N:nan',
  'O:0 NS:x:y',
  'O:1 S:unnamed O:0',
].map((s) => Buffer.from(s, 'latin1'));

/** Targets run by test/fuzz/url.fuzz.test.ts and `npm run fuzz`. */
export const targets: FuzzTarget[] = [
  { name: 'url.parseLibrtmpUrl', seeds: URL_SEEDS, run: roundTrip, allowed, maxLength: 256 },
  { name: 'url.parseConn', seeds: CONN_SEEDS, run: connRoundTrip, allowed, maxLength: 128 },
];
