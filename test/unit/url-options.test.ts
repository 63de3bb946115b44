/**
 * librtmp "URL + options" strings (RTMP_SetupURL and its `options[]` table, vectors
 * observed with librtmp 2.6), every option key, the JavaScript units of RTMPParams,
 * python-librtmp constructor options, and formatLibrtmpUrl round trips.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AMFObject } from '../../src/amf/types.js';
import { RTMPUsageError } from '../../src/errors.js';
import {
  applyConstructorOptions,
  applyLibrtmpOption,
  cloneParams,
  createParams,
  DEFAULT_BUFFER_MS,
  DEFAULT_SWF_AGE_DAYS,
  DEFAULT_TIMEOUT_S,
  deriveTcUrl,
  escapeLibrtmpValue,
  formatLibrtmpUrl,
  LIBRTMP_OPTIONS,
  parseLibrtmpUrl,
  parseSocks,
  parseUrl,
  type RTMPParams,
  setupLibrtmpUrl,
  splitLibrtmpUrl,
  unescapeLibrtmpValue,
} from '../../src/url/index.js';
import { view } from '../fuzz/url.target.js';

function throwsCode(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RTMPUsageError, `expected RTMPUsageError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const BASE = 'rtmp://host/app/stream';

describe('parseLibrtmpUrl: defaults (RTMP_Init)', () => {
  it('fresh parameters carry librtmp defaults in JavaScript units', () => {
    const p = parseLibrtmpUrl(BASE);
    assert.equal(p.app, 'app');
    assert.equal(p.playpath, 'stream');
    assert.equal(p.tcUrl, 'rtmp://host/app');
    assert.equal(p.tcUrlExplicit, false);
    assert.equal(p.buffer, DEFAULT_BUFFER_MS);
    assert.equal(DEFAULT_BUFFER_MS, 30000);
    assert.equal(p.timeout, DEFAULT_TIMEOUT_S);
    assert.equal(DEFAULT_TIMEOUT_S, 30, 'code default, not the man page 120');
    assert.equal(p.swfAge, DEFAULT_SWF_AGE_DAYS);
    assert.equal(p.start, 0);
    assert.equal(p.stop, 0);
    assert.equal(p.live, false);
    assert.equal(p.playlist, false);
    assert.equal(p.swfVfy, false);
    assert.deepEqual(p.connectArgs, []);
    assert.equal(p.flashVer, undefined, 'the client picks the default flashVer');
  });
});

describe('parseLibrtmpUrl: option vectors observed with librtmp 2.6', () => {
  it('live=1 buffer=1000 start=0x10 stop=5000: live, seek 16 ms (strtol base 0), stop 5000, buffer 1000', () => {
    const p = parseLibrtmpUrl(`${BASE} live=1 buffer=1000 start=0x10 stop=5000`);
    assert.equal(p.live, true);
    assert.equal(p.start, 0.016, 'start is 16 ms = 0.016 s in RTMPParams');
    assert.equal(p.stop, 5, 'stop 5000 ms = 5 s');
    assert.equal(p.buffer, 1000, 'buffer stays in ms');
  });
  it('two spaces after the URL: the key becomes " live" -> unknown option (librtmp FALSE)', () => {
    throwsCode(() => parseLibrtmpUrl(`${BASE}  live=true`), 'ERR_RTMP_OPTION', /" live"/);
  });
  it('"live=1 junk live=0": the =-less word joins the next key "junk live" -> unknown (librtmp FALSE)', () => {
    throwsCode(() => parseLibrtmpUrl(`${BASE} live=1 junk live=0`), 'ERR_RTMP_OPTION', /"junk live"/);
  });
  it('"live=1 junk": a trailing =-less word is ignored (librtmp OK)', () => {
    assert.equal(parseLibrtmpUrl(`${BASE} live=1 junk`).live, true);
    assert.deepEqual(splitLibrtmpUrl(`${BASE} live=1 junk`).ignored, 'junk');
  });
  it('badkey=1 -> ERR_RTMP_OPTION naming the key (python: "Unable to set option badkey")', () => {
    throwsCode(
      () => parseLibrtmpUrl(`${BASE} badkey=1`),
      'ERR_RTMP_OPTION',
      /^Unable to set option badkey: unknown/,
    );
  });
  it('conn=X:1 -> ERR_RTMP_OPTION', () => {
    throwsCode(() => parseLibrtmpUrl(`${BASE} conn=X:1`), 'ERR_RTMP_OPTION', /conn/);
  });
  it('live=\\ (backslash with fewer than 2 characters after it) -> ERR_RTMP_OPTION', () => {
    throwsCode(() => parseLibrtmpUrl(`${BASE} live=\\`), 'ERR_RTMP_OPTION', /escape/);
  });
  it('LIVE=ON: keys and truth words are case-insensitive', () => {
    assert.equal(parseLibrtmpUrl(`${BASE} LIVE=ON`).live, true);
  });
  it('live=2: librtmp silently leaves live unset; rtmpkit rejects it', () => {
    throwsCode(() => parseLibrtmpUrl(`${BASE} live=2`), 'ERR_RTMP_OPTION', /live: '2' is not a boolean/);
  });
  it('playpath=mp4:abc.mp4 is used verbatim (no mp4:/extension rewriting)', () => {
    assert.equal(parseLibrtmpUrl(`${BASE} playpath=mp4:abc.mp4`).playpath, 'mp4:abc.mp4');
    assert.equal(parseLibrtmpUrl(`${BASE} playpath=abc.mp4`).playpath, 'abc.mp4');
    assert.equal(parseLibrtmpUrl(`${BASE} playpath=a%20b`).playpath, 'a%20b', 'no %xx decoding either');
  });
  it('rtmp://host:1935/x/y app=foo -> tcUrl rtmp://host:1935/foo (librtmp agrees)', () => {
    const p = parseLibrtmpUrl('rtmp://host:1935/x/y app=foo');
    assert.deepEqual([p.app, p.playpath, p.tcUrl], ['foo', 'y', 'rtmp://host:1935/foo']);
  });
  it(
    'rtmp://host/x/y app=foo -> tcUrl rtmp://host/foo, NOT librtmp\'s "rtmp://host:0/foo" ' +
      '(RTMP_SetupURL builds the default tcUrl before it fills in the default port)',
    () => {
      const p = parseLibrtmpUrl('rtmp://host/x/y app=foo');
      assert.equal(p.tcUrl, 'rtmp://host/foo');
      assert.doesNotMatch(p.tcUrl, /:0\//);
      assert.equal(p.url.port, 1935);
    },
  );
});

describe('parseLibrtmpUrl: tokenizer and escapes (RTMP_SetupURL)', () => {
  it('splitLibrtmpUrl mirrors RTMP_SetupURL', () => {
    assert.deepEqual(splitLibrtmpUrl('rtmp://h/a/b'), { url: 'rtmp://h/a/b', options: [], ignored: '' });
    assert.deepEqual(splitLibrtmpUrl('rtmp://h/a/b a=1  b=2=3 c='), {
      url: 'rtmp://h/a/b',
      options: [
        { key: 'a', value: '1' },
        { key: 'b', value: '2=3' },
        { key: 'c', value: '' },
      ],
      ignored: '',
    });
    assert.deepEqual(splitLibrtmpUrl('rtmp://h/a/b live=1 ').ignored, '', 'a trailing space is harmless');
    assert.deepEqual(splitLibrtmpUrl('rtmp://h/a/b live=1   ').options, [{ key: 'live', value: '1' }]);
  });
  it('runs of spaces after a value are skipped', () => {
    const p = parseLibrtmpUrl(`${BASE} live=1    start=1000`);
    assert.deepEqual([p.live, p.start], [true, 1]);
  });
  it('values may contain "=" (only the first "=" splits)', () => {
    assert.equal(parseLibrtmpUrl(`${BASE} pageUrl=http://x/?a=b&c=d`).pageUrl, 'http://x/?a=b&c=d');
  });
  it('\\20 is a space, \\5c a backslash, hex digits in either case', () => {
    const p = parseLibrtmpUrl(`${BASE} flashver=WIN\\2010,0,32,18 pageUrl=C:\\5CDir\\5cfile`);
    assert.equal(p.flashVer, 'WIN 10,0,32,18');
    assert.equal(p.pageUrl, 'C:\\Dir\\file');
  });
  it('escaped bytes are read as UTF-8', () => {
    assert.equal(unescapeLibrtmpValue('caf\\c3\\a9'), 'café');
    assert.equal(unescapeLibrtmpValue('plain'), 'plain');
    assert.equal(unescapeLibrtmpValue('\\00x'), '\0x');
  });
  it('bad escapes -> ERR_RTMP_OPTION naming the key', () => {
    throwsCode(
      () => parseLibrtmpUrl(`${BASE} token=ab\\2`),
      'ERR_RTMP_OPTION',
      /^Unable to set option token: bad escape/,
    );
    throwsCode(() => parseLibrtmpUrl(`${BASE} token=\\zz1`), 'ERR_RTMP_OPTION', /bad escape/);
    throwsCode(() => parseLibrtmpUrl(`${BASE} token=\\ff\\fe`), 'ERR_RTMP_OPTION', /UTF-8/);
  });
  it('keys are not unescaped; an empty key is unknown', () => {
    throwsCode(() => parseLibrtmpUrl(`${BASE} l\\69ve=1`), 'ERR_RTMP_OPTION', /unknown/);
    throwsCode(() => parseLibrtmpUrl(`${BASE} =1`), 'ERR_RTMP_OPTION', /option "": unknown/);
  });
  it('escapeLibrtmpValue is the inverse of unescapeLibrtmpValue', () => {
    for (const v of ['a b', 'back\\slash', 'tab\there', 'nl\n', 'x\\20y', 'café ☕', '', '==']) {
      const e = escapeLibrtmpValue(v);
      assert.doesNotMatch(e, / /);
      assert.equal(unescapeLibrtmpValue(e), v);
    }
    assert.equal(escapeLibrtmpValue('a b\\c'), 'a\\20b\\5cc');
  });
  it('the URL part is not unescaped (its %xx rules apply instead)', () => {
    assert.equal(parseLibrtmpUrl('rtmp://h/app/a%20b live=1').playpath, 'a b');
  });
});

describe('parseLibrtmpUrl: every key (librtmp options[])', () => {
  it("the option table lists librtmp's 21 keys plus rtmpkit's extensions", () => {
    const names = LIBRTMP_OPTIONS.filter((o) => o.librtmp).map((o) => o.name);
    assert.deepEqual(names, [
      'socks',
      'app',
      'tcUrl',
      'pageUrl',
      'swfUrl',
      'flashver',
      'conn',
      'playpath',
      'playlist',
      'live',
      'subscribe',
      'jtv',
      'token',
      'swfVfy',
      'swfAge',
      'start',
      'stop',
      'buffer',
      'timeout',
      'pubUser',
      'pubPasswd',
    ]);
    assert.deepEqual(
      LIBRTMP_OPTIONS.filter((o) => !o.librtmp).map((o) => o.name),
      ['auth', 'swfHash', 'swfSize'],
    );
  });

  const set = (opts: string): RTMPParams => parseLibrtmpUrl(`${BASE} ${opts}`);

  it('socks=host[:port], default port 1080, IPv6 in brackets', () => {
    assert.deepEqual(set('socks=proxy').socks, { host: 'proxy', port: 1080 });
    assert.deepEqual(set('socks=proxy:9050').socks, { host: 'proxy', port: 9050 });
    assert.deepEqual(set('socks=[::1]:1081').socks, { host: '::1', port: 1081 });
    assert.equal(set('socks=p socks=').socks, undefined, 'empty clears');
    throwsCode(() => set('socks=p:0'), 'ERR_RTMP_OPTION', /socks/);
    throwsCode(() => set('socks=p:99999'), 'ERR_RTMP_OPTION');
    throwsCode(() => set('socks=:80'), 'ERR_RTMP_OPTION');
    throwsCode(() => parseSocks('[::1'), 'ERR_RTMP_OPTION');
  });
  it('app overrides the URL app; tcUrl follows unless given', () => {
    const p = set('app=other/inst');
    assert.deepEqual([p.app, p.playpath, p.tcUrl], ['other/inst', 'stream', 'rtmp://host/other/inst']);
    assert.equal(set('app=').tcUrl, BASE, 'empty app: tcUrl is the whole URL, as librtmp');
  });
  it('tcUrl is explicit and survives a later app; an empty tcUrl means "default"', () => {
    const p = set('tcUrl=rtmp://cdn/x app=y');
    assert.deepEqual([p.app, p.tcUrl, p.tcUrlExplicit], ['y', 'rtmp://cdn/x', true]);
    const q = set('tcUrl=rtmp://cdn/x tcUrl=');
    assert.deepEqual([q.tcUrl, q.tcUrlExplicit], ['rtmp://host/app', false]);
  });
  it('pageUrl, swfUrl, flashver/flashVer, subscribe, jtv, token, pubUser, pubPasswd: strings, last wins, empty unsets', () => {
    const p = set(
      'pageUrl=http://p swfUrl=http://s/p.swf flashVer=LNX\\209 subscribe=sub jtv={"a":1} token=secret pubUser=u pubPasswd=pw',
    );
    assert.deepEqual(
      [p.pageUrl, p.swfUrl, p.flashVer, p.subscribe, p.jtv, p.token, p.pubUser, p.pubPasswd],
      ['http://p', 'http://s/p.swf', 'LNX 9', 'sub', '{"a":1}', 'secret', 'u', 'pw'],
    );
    assert.equal(set('flashver=A FLASHVER=B').flashVer, 'B', 'case-insensitive key, last wins');
    assert.equal(set('token=a token=').token, undefined);
    assert.equal('token' in set('token=a token='), false);
  });
  it('conn appends (repeatable); see url-conn.test.ts for the grammar', () => {
    const p = set('conn=S:a conn=B:1 conn=N:2.5 conn=Z:');
    assert.deepEqual(p.connectArgs, ['a', true, 2.5, null]);
  });
  it('playpath overrides the URL playpath verbatim', () => {
    assert.equal(set('playpath=other.flv').playpath, 'other.flv');
  });
  it('playlist, live, swfVfy: booleans (1/on/yes/true and 0/off/no/false, any case)', () => {
    for (const t of ['1', 'on', 'YES', 'True']) {
      const p = set(`playlist=${t} live=${t} swfVfy=${t}`);
      assert.deepEqual([p.playlist, p.live, p.swfVfy], [true, true, true], t);
    }
    const p = set('live=1 live=0 playlist=yes playlist=off swfVfy=true swfVfy=FALSE');
    assert.deepEqual([p.live, p.playlist, p.swfVfy], [false, false, false], 'rtmpkit can clear a flag');
    for (const bad of ['2', 'y', '', ' 1', 'truee']) {
      throwsCode(() => applyLibrtmpOption(parseLibrtmpUrl(BASE), 'live', bad), 'ERR_RTMP_OPTION', /boolean/);
    }
  });
  it('swfVfy=<url> (rtmpdump --swfVfy habit) sets swfUrl and turns verification on', () => {
    const p = set('swfVfy=http://x/player.swf');
    assert.deepEqual([p.swfUrl, p.swfVfy], ['http://x/player.swf', true]);
  });
  it('swfAge: days, integer >= 0', () => {
    assert.equal(set('swfAge=0').swfAge, 0);
    assert.equal(set('swfAge=7').swfAge, 7);
    throwsCode(() => set('swfAge=-1'), 'ERR_RTMP_OPTION', /below 0/);
  });
  it('start/stop: librtmp milliseconds in, RTMPParams seconds out', () => {
    const p = set('start=5000 stop=12500');
    assert.deepEqual([p.start, p.stop], [5, 12.5]);
    assert.equal(set('start=1').start, 0.001);
  });
  it('buffer: ms in, ms out; timeout: seconds in, seconds out', () => {
    const p = set('buffer=3600000 timeout=120');
    assert.deepEqual([p.buffer, p.timeout], [3600000, 120]);
    assert.equal(set('timeout=0').timeout, 0);
  });
  it('integers are read like strtol(v, NULL, 0): decimal, 0x hex, 0 octal, sign', () => {
    assert.equal(set('buffer=0x10').buffer, 16);
    assert.equal(set('buffer=0X1f').buffer, 31);
    assert.equal(set('buffer=010').buffer, 8, 'octal, as librtmp');
    assert.equal(set('buffer=+7').buffer, 7);
    assert.equal(set('buffer=2147483647').buffer, 2147483647);
  });
  it('integers strtol would not consume fully, overflow, or negatives -> ERR_RTMP_OPTION', () => {
    for (const bad of ['', 'abc', '5s', '1.5', '08', '0x', ' 5', '2147483648', '1e3']) {
      throwsCode(() => set(`buffer=${bad}`), 'ERR_RTMP_OPTION', /^Unable to set option buffer: /);
    }
    throwsCode(() => set('start=-1000'), 'ERR_RTMP_OPTION', /start: -1000 is below 0/);
    throwsCode(() => set('stop=-1'), 'ERR_RTMP_OPTION');
    throwsCode(() => set('timeout=-5'), 'ERR_RTMP_OPTION');
  });
  it('auth (rtmpkit extension; librtmp has no such key, python-librtmp auth= always failed)', () => {
    assert.equal(set('auth=user\\20token').auth, 'user token');
  });
  it('swfHash/swfSize (rtmpkit extensions, rtmpdump -w/-x)', () => {
    const hex = 'ab'.repeat(32);
    const p = set(`swfHash=${hex} swfSize=12345`);
    assert.equal(p.swfHash?.toString('hex'), hex);
    assert.equal(p.swfSize, 12345);
    throwsCode(() => set('swfHash=abcd'), 'ERR_RTMP_OPTION', /64 hex/);
  });
  it("applyLibrtmpOption converts numbers and booleans as python's AVal does", () => {
    const p = parseLibrtmpUrl(BASE);
    applyLibrtmpOption(p, 'live', true);
    applyLibrtmpOption(p, 'start', 2500);
    applyLibrtmpOption(p, 'SWFVFY', 1);
    applyLibrtmpOption(p, 'timeout', '60');
    assert.deepEqual([p.live, p.start, p.swfVfy, p.timeout], [true, 2.5, true, 60]);
    applyLibrtmpOption(p, 'live', 'False'); // python's str(False)
    assert.equal(p.live, false);
    throwsCode(() => applyLibrtmpOption(p, 'live', Number.NaN), 'ERR_RTMP_OPTION');
    throwsCode(() => applyLibrtmpOption(p, 'live', {} as unknown as string), 'ERR_RTMP_OPTION');
  });
  it('a failing option leaves the parameters unchanged', () => {
    const p = parseLibrtmpUrl(`${BASE} conn=O:1 conn=NS:a:b`);
    const before = formatLibrtmpUrl(p);
    for (const [k, v] of [
      ['conn', 'NS:a:c'],
      ['conn', 'X:1'],
      ['socks', 'h:0'],
      ['start', 'x'],
      ['nope', '1'],
    ] as const) {
      assert.throws(() => applyLibrtmpOption(p, k, v));
    }
    assert.equal(formatLibrtmpUrl(p), before);
  });
  it('options after the URL override it; later options override earlier ones', () => {
    const p = parseLibrtmpUrl('rtmp://host/a/b playpath=c app=d playpath=e start=1000 start=2000');
    assert.deepEqual([p.app, p.playpath, p.start], ['d', 'e', 2]);
  });
});

describe('URL userinfo and publisher credentials', () => {
  it('userinfo seeds pubUser/pubPasswd; options override', () => {
    const p = parseLibrtmpUrl('rtmp://bob:s3cr%20t@host/live/key');
    assert.deepEqual([p.pubUser, p.pubPasswd, p.tcUrl], ['bob', 's3cr t', 'rtmp://host/live']);
    const q = parseLibrtmpUrl('rtmp://bob:x@host/live/key pubUser=alice pubPasswd=y');
    assert.deepEqual([q.pubUser, q.pubPasswd], ['alice', 'y']);
  });
});

describe('setupLibrtmpUrl (RTMP_SetupURL on an existing handle)', () => {
  it('replaces URL-derived fields, keeps earlier options and an explicit tcUrl, appends conn', () => {
    const p = parseLibrtmpUrl('rtmp://a/app1/s1 live=1 conn=S:x socks=proxy');
    setupLibrtmpUrl(p, 'rtmps://b/app2/s2.mp4 conn=B:1');
    assert.deepEqual(
      [p.url.host, p.url.protocol, p.app, p.playpath, p.tcUrl],
      ['b', 'rtmps', 'app2', 'mp4:s2', 'rtmps://b/app2'],
    );
    assert.equal(p.live, true);
    assert.deepEqual(p.socks, { host: 'proxy', port: 1080 });
    assert.deepEqual(p.connectArgs, ['x', true]);
    const q = parseLibrtmpUrl('rtmp://a/app1/s1 tcUrl=rtmp://fixed/x');
    setupLibrtmpUrl(q, 'rtmp://b/app2/s2');
    assert.equal(q.tcUrl, 'rtmp://fixed/x');
  });
  it('credentials from the previous URL do not carry over', () => {
    const p = parseLibrtmpUrl('rtmp://u:pw@a/app/s');
    setupLibrtmpUrl(p, 'rtmp://b/app/s');
    assert.deepEqual([p.pubUser, p.pubPasswd], [undefined, undefined]);
  });
  it('is all or nothing', () => {
    const p = parseLibrtmpUrl('rtmp://a/app1/s1 conn=O:1');
    const before = formatLibrtmpUrl(p);
    assert.throws(() => setupLibrtmpUrl(p, 'rtmp://b/app2/s2 conn=NS:k:v live=maybe'));
    assert.throws(() => setupLibrtmpUrl(p, 'nope://b'));
    assert.equal(formatLibrtmpUrl(p), before);
    assert.equal(p.url.host, 'a');
  });
});

describe('applyConstructorOptions (python-librtmp RTMP(url, **options), JavaScript units)', () => {
  const base = () => parseLibrtmpUrl('rtmp://host/app/stream conn=S:fromurl');

  it('applies every python-librtmp option in its documented units (start/stop seconds, buffer ms, timeout s)', () => {
    const p = applyConstructorOptions(base(), {
      playpath: 'other',
      tcUrl: 'rtmp://cdn/app',
      app: 'app2',
      pageUrl: 'http://page',
      auth: 'authstring',
      swfHash: 'cd'.repeat(32),
      swfSize: 1000,
      swfUrl: 'http://s.swf',
      swfVfy: true,
      flashVer: 'WIN 11,1,0,0',
      subscribe: 'sub',
      token: 'tok',
      live: true,
      jtv: 'usher',
      connectData: { a: 1 },
      socks: 'proxy:1081',
      start: 1.5,
      stop: 10,
      buffer: 5000,
      timeout: 2.5,
    });
    assert.equal(p.playpath, 'other');
    assert.equal(p.tcUrl, 'rtmp://cdn/app');
    assert.equal(p.app, 'app2');
    assert.equal(p.pageUrl, 'http://page');
    assert.equal(p.auth, 'authstring');
    assert.equal(p.swfHash?.toString('hex'), 'cd'.repeat(32));
    assert.equal(p.swfSize, 1000);
    assert.equal(p.swfUrl, 'http://s.swf');
    assert.equal(p.swfVfy, true);
    assert.equal(p.flashVer, 'WIN 11,1,0,0');
    assert.equal(p.subscribe, 'sub');
    assert.equal(p.token, 'tok');
    assert.equal(p.live, true);
    assert.equal(p.jtv, 'usher');
    assert.deepEqual(p.connectArgs, ['fromurl', new AMFObject({ a: 1 })], 'URL conn first, then connectData');
    assert.deepEqual(p.socks, { host: 'proxy', port: 1081 });
    assert.equal(p.start, 1.5, 'seconds');
    assert.equal(p.stop, 10);
    assert.equal(p.buffer, 5000, 'ms');
    assert.equal(p.timeout, 2.5, 'seconds');
    assert.match(formatLibrtmpUrl(p), / start=1500 stop=10000 buffer=5000 timeout=3 /);
  });
  it('librtmp options python-librtmp lacks: swfAge, playlist, pubUser, pubPasswd', () => {
    const p = applyConstructorOptions(base(), { swfAge: 0, playlist: true, pubUser: 'u', pubPasswd: 'p' });
    assert.deepEqual([p.swfAge, p.playlist, p.pubUser, p.pubPasswd], [0, true, 'u', 'p']);
  });
  it('null/undefined mean "not given"; unknown keys (other layers\' options) are ignored', () => {
    const p = applyConstructorOptions(base(), {
      live: null,
      app: undefined,
      signal: new AbortController().signal,
    } as unknown as Parameters<typeof applyConstructorOptions>[1]);
    assert.deepEqual([p.live, p.app], [false, 'app']);
  });
  it("the app option moves the default tcUrl along (python-librtmp kept the URL's)", () => {
    const p = applyConstructorOptions(parseLibrtmpUrl('rtmp://host/live/key'), { app: 'live2' });
    assert.equal(p.tcUrl, 'rtmp://host/live2');
  });
  it('live: false clears a live=1 from the URL (python-librtmp could not)', () => {
    assert.equal(applyConstructorOptions(parseLibrtmpUrl(`${BASE} live=1`), { live: false }).live, false);
  });
  it('wrong types and negative numbers -> ERR_RTMP_OPTION naming the option; params unchanged', () => {
    const p = base();
    const before = formatLibrtmpUrl(p);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ live: 'yes' }, /option live: expected a boolean/],
      [{ start: -1 }, /option start: -1 is negative/],
      [{ start: Number.NaN }, /option start: expected a finite number/],
      [{ buffer: '1000' }, /option buffer/],
      [{ timeout: Number.POSITIVE_INFINITY }, /option timeout/],
      [{ app: 5 }, /option app: expected a string/],
      [{ socks: 'h:x' }, /option socks/],
      [{ swfHash: 'abc', swfSize: 1 }, /option swfHash: expected 64 hex/],
      [{ swfHash: new Uint8Array(31), swfSize: 1 }, /32 bytes/],
      [{ swfHash: 'ab'.repeat(32) }, /swfHash: needs swfSize/],
      [{ swfSize: 1.5 }, /swfSize/],
      [{ connectData: [undefined] }, /connectData/],
      [{ connectData: () => 1 }, /connectData/],
      [{ connectData: { '': 1 } }, /connectData: it cannot be AMF0-encoded/],
    ];
    for (const [opts, re] of bad) {
      throwsCode(() => applyConstructorOptions(p, opts as never), 'ERR_RTMP_OPTION', re);
      assert.equal(formatLibrtmpUrl(p), before, JSON.stringify(opts));
    }
    throwsCode(() => applyConstructorOptions(p, null as never), 'ERR_RTMP_OPTION');
  });
  it('swfHash accepts 32 bytes', () => {
    const p = applyConstructorOptions(base(), { swfHash: new Uint8Array(32).fill(7), swfSize: 9 });
    assert.equal(p.swfHash?.toString('hex'), '07'.repeat(32));
  });
  it('connectData: null is "not given" (python None); [null] sends one AMF null', () => {
    assert.deepEqual(applyConstructorOptions(parseLibrtmpUrl(BASE), { connectData: null }).connectArgs, []);
    assert.deepEqual(applyConstructorOptions(parseLibrtmpUrl(BASE), { connectData: [null] }).connectArgs, [
      null,
    ]);
  });
  it('connectData after a URL conn=O:1 left open goes to the top level', () => {
    const p = applyConstructorOptions(parseLibrtmpUrl(`${BASE} conn=O:1 conn=NS:k:v`), {
      connectData: 'top',
    });
    assert.deepEqual(p.connectArgs, [new AMFObject({ k: 'v' }), 'top']);
  });
});

describe('tcUrl derivation', () => {
  it('deriveTcUrl: URL app -> URL text; other app -> proto://host[:port]/app; empty -> whole URL', () => {
    const u = parseUrl('RTMPE://[::1]:1940/a/b/c');
    assert.equal(deriveTcUrl(u, 'a/b'), 'RTMPE://[::1]:1940/a/b');
    assert.equal(deriveTcUrl(u, 'x'), 'rtmpe://[::1]:1940/x');
    assert.equal(deriveTcUrl(u, ''), 'RTMPE://[::1]:1940/a/b/c');
    assert.equal(deriveTcUrl(parseUrl('rtmpt://h/a/b'), 'x'), 'rtmpt://h/x', 'no :0, no default port');
  });
});

describe('formatLibrtmpUrl', () => {
  const cases = [
    'rtmp://host/app/stream',
    'RTMP://Host:1936/App/inst/file.flv live=1 start=1500 stop=3000 buffer=100 timeout=5',
    'rtmp://h/app/x app=other',
    'rtmp://h/app/x tcUrl=rtmp://other/x\\20y playpath=z',
    'rtmps://u:p@h/a/b conn=O:1 conn=NS:a:b\\20c conn=NO:o:1 conn=NN:n:-0 conn=O:0 conn=NZ:z: conn=O:0 conn=B:0 conn=N:nan',
    'rtmp://h/a/b socks=[::1]:1081 swfUrl=http://s swfVfy=1 swfAge=2 pageUrl=http://p flashver=X\\201 subscribe=s',
    'rtmp://h/a/b jtv=j token=t playlist=1 auth=au pubUser=pu pubPasswd=pp swfSize=5 swfHash=' +
      'ef'.repeat(32),
    'rtmp://h/app?slist=mp4:a/b',
    'rtmp://h',
  ];
  for (const input of cases) {
    it(`round-trips ${input}`, () => {
      const p = parseLibrtmpUrl(input);
      const text = formatLibrtmpUrl(p);
      const q = parseLibrtmpUrl(text);
      assert.deepEqual(view(q), view(p), text);
      assert.equal(formatLibrtmpUrl(q), text, 'formatting is a fixed point');
    });
  }
  it('never writes credentials into the URL, and always gives tcUrl with an app override', () => {
    const text = formatLibrtmpUrl(parseLibrtmpUrl('rtmp://u:p@h/app/x app=y'));
    assert.equal(text, 'rtmp://h app=y playpath=x tcUrl=rtmp://h/y pubUser=u pubPasswd=p');
  });
  it('throws ERR_RTMP_OPTION when connectArgs holds what conn cannot express', () => {
    const p = applyConstructorOptions(parseLibrtmpUrl(BASE), { connectData: { list: [1, 2] } });
    throwsCode(() => formatLibrtmpUrl(p), 'ERR_RTMP_OPTION', /array/);
  });
  it('cloneParams gives an independent copy', () => {
    const p = parseLibrtmpUrl(`${BASE} conn=O:1 conn=NS:a:b`);
    const c = cloneParams(p);
    applyLibrtmpOption(c, 'conn', 'NS:c:d');
    applyLibrtmpOption(c, 'live', '1');
    assert.deepEqual(p.connectArgs, [new AMFObject({ a: 'b' })]);
    assert.deepEqual(c.connectArgs, [new AMFObject({ a: 'b', c: 'd' })]);
    assert.equal(p.live, false);
  });
  it('createParams seeds from a parsed URL', () => {
    const p = createParams(parseUrl('rtmp://x:y@h/a/b'));
    assert.deepEqual([p.app, p.playpath, p.pubUser, p.pubPasswd], ['a', 'b', 'x', 'y']);
  });
});

describe('option strings: a pubPasswd is never echoed', () => {
  it('a bad escape in pubPasswd is reported without the value', () => {
    for (const bad of ['rtmp://h/app/x pubPasswd=s3cret\\zz', 'rtmp://h/app/x pubPasswd=s3cret\\ff']) {
      assert.throws(
        () => parseLibrtmpUrl(bad),
        (err: Error & { code?: string }) => err.code === 'ERR_RTMP_OPTION' && !err.message.includes('s3cret'),
        bad,
      );
    }
  });
});
