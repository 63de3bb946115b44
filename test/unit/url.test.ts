/**
 * parseUrl golden vectors: librtmp 2.6's RTMP_ParseURL/RTMP_ParsePlaypath/RTMP_SetupURL
 * results as observed with the system librtmp, and the rules of those functions, one test per
 * rule, plus rtmpkit's deliberate differences (errors instead of silent misparses, IPv6,
 * userinfo) with the reason stated.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTMPUsageError } from '../../src/errors.js';
import { parsePlaypath, parseUrl, RTMP_PROTOCOLS, splitAppPlaypath } from '../../src/url/index.js';

function split(url: string): { app: string; playpath: string; port: number; tcUrl: string } {
  const u = parseUrl(url);
  return { app: u.app, playpath: u.playpath, port: u.port, tcUrl: u.tcUrl };
}

function throwsCode(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RTMPUsageError, `expected RTMPUsageError, got ${String(err)}`);
    assert.equal(err.code, code);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe('parseUrl: observed vectors (librtmp 2.6 RTMP_SetupURL)', () => {
  const vectors: [string, string, string, number, string][] = [
    // input, app, playpath, port, tcUrl
    ['rtmp://host/app/playpath', 'app', 'playpath', 1935, 'rtmp://host/app'],
    ['rtmp://host:1936/app/inst/file.flv', 'app/inst', 'file', 1936, 'rtmp://host:1936/app/inst'],
    ['rtmp://host/app/inst/dir/file.mp4', 'app/inst/dir', 'mp4:file', 1935, 'rtmp://host/app/inst/dir'],
    ['rtmp://host/a/b/c/d/e', 'a/b/c', 'd/e', 1935, 'rtmp://host/a/b/c'],
    ['rtmp://host/ondemand/foo/bar.mp4', 'ondemand', 'mp4:foo/bar', 1935, 'rtmp://host/ondemand'],
    [
      'rtmp://host/app?slist=mp4:path/file',
      'app?slist=mp4:path/file',
      'mp4:path/file',
      1935,
      'rtmp://host/app?slist=mp4:path/file',
    ],
    ['rtmpe://host/app/mp4:file.mp4', 'app', 'mp4:file.mp4', 1935, 'rtmpe://host/app'],
    ['rtmp://host/app/file.mp3', 'app', 'mp3:file', 1935, 'rtmp://host/app'],
    ['rtmp://host/app/file.MP4', 'app', 'file.MP4', 1935, 'rtmp://host/app'],
    ['rtmp://host/app/a%20b.flv', 'app', 'a b', 1935, 'rtmp://host/app'],
    ['rtmp://host/app/file.mp4?token=abc', 'app', 'mp4:file?token=abc', 1935, 'rtmp://host/app'],
    ['rtmp://host', '', '', 1935, 'rtmp://host'],
    ['RTMP://Host/App/X', 'App', 'X', 1935, 'RTMP://Host/App'],
  ];
  for (const [input, app, playpath, port, tcUrl] of vectors) {
    it(input, () => {
      assert.deepEqual(split(input), { app, playpath, port, tcUrl });
    });
  }

  it('default ports per scheme: rtmpt 80, rtmps 443, rtmpte 80, rtmpts 443, rtmp/rtmpe 1935', () => {
    const ports: [string, number, number][] = [
      ['rtmp', 1935, 0],
      ['rtmpt', 80, 1],
      ['rtmpe', 1935, 2],
      ['rtmpte', 80, 3],
      ['rtmps', 443, 4],
      ['rtmpts', 443, 5],
    ];
    for (const [scheme, port, id] of ports) {
      const u = parseUrl(`${scheme}://host/app/x`);
      assert.equal(u.port, port, scheme);
      assert.equal(u.portSpecified, false);
      assert.equal(u.protocol, scheme);
      assert.equal(RTMP_PROTOCOLS[u.protocol].id, id, `librtmp protocol number of ${scheme}`);
      assert.deepEqual([u.app, u.playpath], ['app', 'x']);
    }
  });

  it('transport flags follow the scheme', () => {
    const t = (s: string) => parseUrl(`${s}://h/a/b`).transport;
    assert.deepEqual(t('rtmp'), { tls: false, tunnel: false, encrypted: false });
    assert.deepEqual(t('rtmpt'), { tls: false, tunnel: true, encrypted: false });
    assert.deepEqual(t('rtmpe'), { tls: false, tunnel: false, encrypted: true });
    assert.deepEqual(t('rtmpte'), { tls: false, tunnel: true, encrypted: true });
    assert.deepEqual(t('rtmps'), { tls: true, tunnel: false, encrypted: false });
    assert.deepEqual(t('rtmpts'), { tls: true, tunnel: true, encrypted: false });
  });

  it('schemes are case-insensitive; the original spelling stays in tcUrl and href', () => {
    const u = parseUrl('RtMpS://Example.COM:8443/Live/Key');
    assert.equal(u.protocol, 'rtmps');
    assert.equal(u.host, 'Example.COM');
    assert.equal(u.tcUrl, 'RtMpS://Example.COM:8443/Live');
    assert.equal(u.href, 'RtMpS://Example.COM:8443/Live/Key');
  });
});

describe('parseUrl: librtmp app/playpath split (RTMP_ParseURL)', () => {
  it('1 segment: app only, empty playpath', () => {
    assert.deepEqual(split('rtmp://h/a'), { app: 'a', playpath: '', port: 1935, tcUrl: 'rtmp://h/a' });
  });
  it('2 segments: app, playpath', () => {
    assert.deepEqual([parseUrl('rtmp://h/a/b').app, parseUrl('rtmp://h/a/b').playpath], ['a', 'b']);
  });
  it('3 segments: app/instance, playpath (last segment)', () => {
    const u = parseUrl('rtmp://h/a/b/c');
    assert.deepEqual([u.app, u.playpath], ['a/b', 'c']);
  });
  it('4 segments: app is the first three (FFmpeg: a/b + c/d)', () => {
    const u = parseUrl('rtmp://h/a/b/c/d');
    assert.deepEqual([u.app, u.playpath], ['a/b/c', 'd']);
  });
  it('5+ segments: app is still the first three, the rest is the playpath', () => {
    const u = parseUrl('rtmp://h/a/b/c/d/e/f');
    assert.deepEqual([u.app, u.playpath], ['a/b/c', 'd/e/f']);
  });
  it('Wowza _definst_: rtmp://h:1935/live/_definst_/mp4:sample.mp4', () => {
    const u = parseUrl('rtmp://h:1935/live/_definst_/mp4:sample.mp4');
    assert.deepEqual(
      [u.app, u.playpath, u.tcUrl],
      ['live/_definst_', 'mp4:sample.mp4', 'rtmp://h:1935/live/_definst_'],
    );
  });
  it("mp4:dir/file splits at the slash as librtmp does (FFmpeg keeps 'mp4:dir/file' together)", () => {
    const u = parseUrl('rtmp://h/vod/mp4:dir/file.mp4');
    assert.deepEqual([u.app, u.playpath], ['vod/mp4:dir', 'mp4:file']);
  });
  it('trailing slash: app, empty playpath', () => {
    const u = parseUrl('rtmp://h/app/');
    assert.deepEqual([u.app, u.playpath, u.tcUrl], ['app', '', 'rtmp://h/app']);
  });
  it('URL ending in "/" after the host: empty app, tcUrl is the whole URL', () => {
    const u = parseUrl('rtmp://h/');
    assert.deepEqual([u.app, u.playpath, u.tcUrl], ['', '', 'rtmp://h/']);
  });
  it('empty first segment: empty app, tcUrl the whole URL (librtmp)', () => {
    const u = parseUrl('rtmp://h//x');
    assert.deepEqual([u.app, u.playpath, u.tcUrl], ['', 'x', 'rtmp://h//x']);
  });
  it('ondemand/ is case-sensitive and only a prefix match', () => {
    assert.equal(parseUrl('rtmp://h/OnDemand/foo/bar').app, 'OnDemand/foo');
    assert.equal(parseUrl('rtmp://h/ondemandx/a/b').app, 'ondemandx/a');
    const u = parseUrl('rtmp://h/ondemand/a/b/c/d.flv');
    assert.deepEqual([u.app, u.playpath], ['ondemand', 'a/b/c/d']);
  });
  it('?slist= with several segments: the whole path is the app', () => {
    const u = parseUrl('rtmp://h/app/inst?slist=a/b.mp4&foo=1');
    assert.equal(u.app, 'app/inst?slist=a/b.mp4&foo=1');
    assert.equal(u.playpath, 'mp4:a/b', 'slist value up to &, mp4 rules applied');
    assert.equal(u.tcUrl, 'rtmp://h/app/inst?slist=a/b.mp4&foo=1');
    assert.equal(
      parseUrl('rtmp://h/app?slist=mp4:a/b.mp4&x').playpath,
      'mp4:a/b.mp4',
      'already mp4: keeps .mp4',
    );
  });
  it('?slist=: .flv is not stripped from slist values (librtmp)', () => {
    assert.equal(parseUrl('rtmp://h/app?slist=a/b.flv').playpath, 'a/b.flv');
  });
  it('slist= without "?" is an ordinary path', () => {
    const u = parseUrl('rtmp://h/app/slist=x');
    assert.deepEqual([u.app, u.playpath], ['app', 'slist=x']);
  });
  it('splitAppPlaypath exposes the raw split', () => {
    assert.deepEqual(splitAppPlaypath('a/b/c/d/e'), { app: 'a/b/c', rest: 'd/e' });
    assert.deepEqual(splitAppPlaypath('app?slist=x'), { app: 'app?slist=x', rest: '?slist=x' });
    assert.deepEqual(splitAppPlaypath('ondemand/x'), { app: 'ondemand', rest: 'x' });
  });
});

describe('parseUrl: playpath rewriting (RTMP_ParsePlaypath)', () => {
  const pp = (s: string) => parsePlaypath(s);
  it('.mp4 and .f4v: mp4: prefix, extension stripped', () => {
    assert.equal(pp('file.mp4'), 'mp4:file');
    assert.equal(pp('dir/file.f4v'), 'mp4:dir/file');
  });
  it('already mp4:-prefixed: extension kept', () => {
    assert.equal(pp('mp4:file.mp4'), 'mp4:file.mp4');
    assert.equal(pp('mp4:file.f4v'), 'mp4:file.f4v');
  });
  it('.mp3: mp3: prefix, stripped; kept when already mp3:', () => {
    assert.equal(pp('song.mp3'), 'mp3:song');
    assert.equal(pp('mp3:song.mp3'), 'mp3:song.mp3');
  });
  it('.flv stripped, no prefix; flv: prefix untouched otherwise', () => {
    assert.equal(pp('clip.flv'), 'clip');
    assert.equal(pp('flv:clip'), 'flv:clip');
  });
  it('case-sensitive: .MP4, .FLV are left alone', () => {
    assert.equal(pp('file.MP4'), 'file.MP4');
    assert.equal(pp('file.FLV'), 'file.FLV');
  });
  it('other extensions and short names are left alone', () => {
    assert.equal(pp('file.mov'), 'file.mov');
    assert.equal(pp('abc'), 'abc');
    assert.equal(pp('.mp4'), 'mp4:', 'exactly 4 characters: still an extension');
  });
  it('query strings are kept verbatim; the extension test looks before the first "?"', () => {
    assert.equal(pp('file.mp4?token=abc'), 'mp4:file?token=abc');
    assert.equal(pp('file.flv?a=b.mp4'), 'file?a=b.mp4');
    assert.equal(pp('key?s_bl=1&s_sw=0&a=Ab.mp4'), 'key?s_bl=1&s_sw=0&a=Ab.mp4', 'no extension before "?"');
  });
  it('Facebook-style keys keep their query (the stream key is used verbatim)', () => {
    const u = parseUrl(
      'rtmps://live-api-s.facebook.com:443/rtmp/1234567890?s_bl=1&s_psm=1&s_sw=0&s_vt=api-s&a=AbCd',
    );
    assert.equal(u.app, 'rtmp');
    assert.equal(u.playpath, '1234567890?s_bl=1&s_psm=1&s_sw=0&s_vt=api-s&a=AbCd');
    assert.equal(u.port, 443);
    assert.equal(u.tcUrl, 'rtmps://live-api-s.facebook.com:443/rtmp');
  });
  it('%xx decoded in the playpath only (app and tcUrl keep the escapes)', () => {
    const u = parseUrl('rtmp://h/my%20app/a%2Fb%3F.flv');
    assert.equal(u.app, 'my%20app');
    assert.equal(u.tcUrl, 'rtmp://h/my%20app');
    assert.equal(u.playpath, 'a/b?');
  });
  it('%xx escapes decode as UTF-8', () => {
    assert.equal(pp('caf%C3%A9'), 'café');
    assert.equal(pp('café.flv'), 'café');
  });
  it('the extension is tested on the raw text (an escaped dot is not an extension dot)', () => {
    assert.equal(pp('a%2Eflv'), 'a.flv');
  });
});

describe('parseUrl: hosts, ports, userinfo', () => {
  it('explicit port is used and kept in tcUrl as written', () => {
    const u = parseUrl('rtmp://h:01935/a/b');
    assert.deepEqual([u.port, u.portSpecified, u.tcUrl], [1935, true, 'rtmp://h:01935/a']);
  });
  it('empty port means the default (as librtmp and WHATWG URLs)', () => {
    const u = parseUrl('rtmps://h:/a/b');
    assert.deepEqual([u.port, u.portSpecified, u.tcUrl], [443, false, 'rtmps://h:/a']);
  });
  it('IPv6 literals: host without brackets, tcUrl as written', () => {
    const u = parseUrl('rtmp://[::1]:1936/live/x');
    assert.deepEqual(
      [u.host, u.port, u.app, u.playpath, u.tcUrl],
      ['::1', 1936, 'live', 'x', 'rtmp://[::1]:1936/live'],
    );
    const v = parseUrl('rtmpt://[2001:db8::5]/live/x');
    assert.deepEqual([v.host, v.port], ['2001:db8::5', 80]);
    assert.equal(parseUrl('rtmp://[fe80::1%25eth0]/a/b').host, 'fe80::1%25eth0');
  });
  it('userinfo: user and password percent-decoded, never in tcUrl or href (as FFmpeg)', () => {
    const u = parseUrl('rtmp://pub%40x:p%3Ass:w@h:1935/live/key');
    assert.equal(u.user, 'pub@x');
    assert.equal(u.password, 'p:ss:w');
    assert.equal(u.host, 'h');
    assert.equal(u.tcUrl, 'rtmp://h:1935/live');
    assert.equal(u.href, 'rtmp://h:1935/live/key');
  });
  it('userinfo without password; the last "@" ends the userinfo', () => {
    const u = parseUrl('rtmp://alice@h/a/b');
    assert.equal(u.user, 'alice');
    assert.equal(u.password, undefined);
    const v = parseUrl('rtmp://a@b:c@h/x/y');
    assert.deepEqual([v.user, v.password, v.host], ['a@b', 'c', 'h']);
  });
  it('empty user or password means none (as empty pubUser=/pubPasswd= options)', () => {
    const u = parseUrl('rtmp://:@h/a/b');
    assert.deepEqual(
      [u.user, u.password, 'user' in u, 'password' in u],
      [undefined, undefined, false, false],
    );
    assert.deepEqual(
      [parseUrl('rtmp://bob:@h/a').user, parseUrl('rtmp://bob:@h/a').password],
      ['bob', undefined],
    );
  });
  it('"@" after the host belongs to the path', () => {
    const u = parseUrl('rtmp://h/app/stream@123');
    assert.deepEqual([u.host, u.user, u.playpath], ['h', undefined, 'stream@123']);
  });
});

describe('parseUrl: deliberate differences from librtmp (typed errors)', () => {
  it('no "://" -> ERR_URL_SYNTAX (librtmp: "No :// in url")', () => {
    throwsCode(() => parseUrl('rtmp:/h/a'), 'ERR_URL_SYNTAX', /no ":\/\/"/);
    throwsCode(() => parseUrl(''), 'ERR_URL_SYNTAX');
  });
  it('unknown scheme -> ERR_URL_SCHEME (librtmp 2.6: warning, then plain RTMP for foo://)', () => {
    throwsCode(() => parseUrl('foo://host/app/x'), 'ERR_URL_SCHEME', /foo/);
    throwsCode(() => parseUrl('http://host/app/x'), 'ERR_URL_SCHEME');
  });
  it('rtmfp -> ERR_URL_SCHEME (librtmp silently connects with plain RTMP over TCP)', () => {
    throwsCode(() => parseUrl('rtmfp://host/app/x'), 'ERR_URL_SCHEME', /RTMFP/);
  });
  it('empty host -> ERR_URL_HOST (librtmp: FALSE for "rtmp://")', () => {
    throwsCode(() => parseUrl('rtmp://'), 'ERR_URL_HOST');
    throwsCode(() => parseUrl('rtmp:///app'), 'ERR_URL_HOST');
    throwsCode(() => parseUrl('rtmp://:1935/app'), 'ERR_URL_HOST');
    throwsCode(() => parseUrl('rtmp://u:p@/app'), 'ERR_URL_HOST');
  });
  it('host of 256+ characters -> ERR_URL_HOST (librtmp: warning, empty host)', () => {
    assert.equal(parseUrl(`rtmp://${'a'.repeat(255)}/x`).host.length, 255);
    throwsCode(() => parseUrl(`rtmp://${'a'.repeat(256)}/x`), 'ERR_URL_HOST');
  });
  it('characters no host can contain -> ERR_URL_HOST', () => {
    throwsCode(() => parseUrl('rtmp://h?x/a'), 'ERR_URL_HOST');
    throwsCode(() => parseUrl('rtmp://h#x/a'), 'ERR_URL_HOST');
    throwsCode(() => parseUrl('rtmp://[::1/a'), 'ERR_URL_HOST');
    throwsCode(() => parseUrl('rtmp://[zz]/a'), 'ERR_URL_HOST');
    throwsCode(() => parseUrl('rtmp://[::1]x/a'), 'ERR_URL_HOST');
  });
  it('ports 0, 65536, 99999 and non-numeric -> ERR_URL_PORT (librtmp: default port, bad text kept in tcUrl)', () => {
    for (const port of ['0', '65536', '99999', 'abc', '19x', '-1', '+80']) {
      throwsCode(() => parseUrl(`rtmp://host:${port}/app/x`), 'ERR_URL_PORT');
    }
    assert.equal(parseUrl('rtmp://host:65535/a/b').port, 65535);
    assert.equal(parseUrl('rtmp://host:1/a/b').port, 1);
  });
  it('unbracketed IPv6 -> ERR_URL_PORT with a hint', () => {
    throwsCode(() => parseUrl('rtmp://::1/app/x'), 'ERR_URL_HOST');
    throwsCode(() => parseUrl('rtmp://fe80::1/app/x'), 'ERR_URL_PORT', /brackets/);
  });
  it('whitespace and control characters -> ERR_URL_SYNTAX (options belong to parseLibrtmpUrl)', () => {
    throwsCode(() => parseUrl('rtmp://h/a/b live=1'), 'ERR_URL_SYNTAX', /parseLibrtmpUrl/);
    throwsCode(() => parseUrl('rtmp://h/a/b\tc'), 'ERR_URL_SYNTAX');
    throwsCode(() => parseUrl('rtmp://h/a/b\0'), 'ERR_URL_SYNTAX');
    throwsCode(() => parseUrl('rtmp://h/a/b\x7f'), 'ERR_URL_SYNTAX');
  });
  it('malformed %-escapes in the playpath -> ERR_URL_ESCAPE (librtmp reads garbage or past the end)', () => {
    throwsCode(() => parseUrl('rtmp://h/a/b%'), 'ERR_URL_ESCAPE');
    throwsCode(() => parseUrl('rtmp://h/a/b%2'), 'ERR_URL_ESCAPE');
    throwsCode(() => parseUrl('rtmp://h/a/b%zz'), 'ERR_URL_ESCAPE');
    throwsCode(() => parseUrl('rtmp://h/a/%FF%FE'), 'ERR_URL_ESCAPE', /UTF-8/);
    throwsCode(() => parseUrl('rtmp://a%zz@h/a/b'), 'ERR_URL_ESCAPE');
  });
  it('a "?" within the first 4 characters is not an extension boundary outside the playpath', () => {
    // librtmp reads 4 bytes *before* the playpath here (q - 4 < start).
    assert.equal(parsePlaypath('ab?c.mp4'), 'ab?c.mp4');
    assert.equal(parsePlaypath('?x.mp4'), '?x.mp4');
  });
  it('non-strings are rejected', () => {
    throwsCode(() => parseUrl(42 as unknown as string), 'ERR_URL_SYNTAX');
  });
});

describe('parseUrl: credentials never in error messages', () => {
  it('a bad URL with user:password@ is reported without the userinfo', () => {
    for (const bad of [
      'rtmp://alice:s3cret@/live/x',
      'rtmp://alice:s3cret@[::1/live/x',
      'rtmp://alice:s3cret@host:12a/live/x',
      'rtmp//alice:s3cret@host/live/x',
      'rtmp://alice:s3cret@ho st/live',
    ]) {
      assert.throws(
        () => parseUrl(bad),
        (err: Error & { code?: string }) =>
          err.code?.startsWith('ERR_URL_') === true && !err.message.includes('s3cret'),
        bad,
      );
    }
  });
});
