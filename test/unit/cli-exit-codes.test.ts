/**
 * Exit codes (rtmpdump's 0/1/2/3) from error classes and phases (src/cli/exit-codes.ts),
 * the one-line error text with the server's description, and how `dump` reads its flags
 * (buildDumpPlan: rtmpdump's `-r` fill-in order, defaults, warnings, strict values).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getopt } from '../../src/cli/args.js';
import { buildDumpPlan, DUMP_OPTIONS, formatMetadata } from '../../src/cli/dump-options.js';
import {
  CliError,
  describeError,
  ExitCode,
  errorCode,
  errorFields,
  exitCodeFor,
  UsageError,
} from '../../src/cli/exit-codes.js';
import {
  RTMPConnectionError,
  RTMPError,
  RTMPHandshakeError,
  RTMPTimeoutError,
  RTMPUsageError,
} from '../../src/errors.js';

test("rtmpdump's exit code values", () => {
  assert.deepEqual(ExitCode, { SUCCESS: 0, FAILED: 1, INCOMPLETE: 2, NO_CONNECT: 3 });
});

test('exit codes by phase and error class', () => {
  const refused = new RTMPConnectionError('cannot connect to 127.0.0.1:1: connect ECONNREFUSED', {
    code: 'ERR_RTMP_CONNECTION',
  });
  const handshakeTimeout = new RTMPTimeoutError('the server did not complete the handshake in time', {
    code: 'ERR_RTMP_HANDSHAKE_TIMEOUT',
  });
  const badHandshake = new RTMPHandshakeError('bad S0 version 72', 'ERR_HANDSHAKE_VERSION');
  const rejected = new RTMPError('the server rejected connect (NetConnection.Connect.Rejected)', {
    code: 'ERR_RTMP_CONNECT_REJECTED',
    info: { code: 'NetConnection.Connect.Rejected' },
  });
  const notFound = new RTMPError('playing x failed: NetStream.Play.StreamNotFound', {
    code: 'ERR_RTMP_PLAY_FAILED',
  });
  const idle = new RTMPTimeoutError('no data for 30 s', { code: 'ERR_RTMP_IDLE_TIMEOUT' });
  const usage = new RTMPUsageError('rtmpe:// is not supported yet', {
    code: 'ERR_RTMP_UNSUPPORTED_PROTOCOL',
  });

  // TCP connect and handshake: rtmpdump's RTMP_Connect → 3.
  assert.equal(exitCodeFor(refused, 'connect'), 3);
  assert.equal(exitCodeFor(handshakeTimeout, 'connect'), 3);
  assert.equal(exitCodeFor(badHandshake, 'connect'), 3);
  // The server answered: rtmpdump's RTMP_ConnectStream → 1.
  assert.equal(exitCodeFor(rejected, 'connect'), 1);
  assert.equal(exitCodeFor(refused, 'session'), 1);
  assert.equal(exitCodeFor(notFound, 'session'), 1);
  // Broken off during the transfer → 2.
  assert.equal(exitCodeFor(idle, 'transfer'), 2);
  assert.equal(exitCodeFor(refused, 'transfer'), 2);
  // The caller's fault is always 1; a CliError carries its own code.
  assert.equal(exitCodeFor(usage, 'connect'), 1);
  assert.equal(exitCodeFor(usage, 'transfer'), 1);
  assert.equal(exitCodeFor(new UsageError('x'), 'transfer'), 1);
  assert.equal(exitCodeFor(new CliError('x', 3), 'setup'), 3);
  assert.equal(exitCodeFor(new Error('x'), 'setup'), 1);
});

test("describeError: one line, with the server's description when the message lacks it", () => {
  const info = { code: 'NetStream.Publish.BadName', description: 'Stream already\npublishing' };
  assert.equal(
    describeError(new RTMPError('publishing x failed', { info })),
    'publishing x failed (server: Stream already publishing)',
  );
  assert.equal(
    describeError(
      new RTMPError('publishing x failed (Stream already publishing)', {
        info: { description: 'Stream already publishing' },
      }),
    ),
    'publishing x failed (Stream already publishing)',
  );
  const wrapped = new CliError('call failed', 1, {
    cause: new RTMPError('inner', { info: { description: 'nope' } }),
  });
  assert.equal(describeError(wrapped), 'call failed (server: nope): inner');
  assert.equal(describeError('plain'), 'plain');
});

test('errorCode: the code of the error or of the library error it wraps; none for CLI-only errors', () => {
  const inner = new RTMPConnectionError('refused', { code: 'ERR_RTMP_CONNECTION' });
  assert.equal(errorCode(inner), 'ERR_RTMP_CONNECTION');
  assert.equal(errorCode(new CliError('cannot connect', 3, { cause: inner })), 'ERR_RTMP_CONNECTION');
  const twice = new CliError('outer', 1, { cause: new Error('middle', { cause: inner }) });
  assert.equal(errorCode(twice), 'ERR_RTMP_CONNECTION');
  assert.equal(errorCode(new UsageError('bad flag')), undefined);
  assert.equal(errorCode('text'), undefined);
  assert.deepEqual(errorFields(inner), { code: 'ERR_RTMP_CONNECTION' });
  assert.deepEqual(errorFields(new UsageError('x')), {});
});

const plan = (argv: string[]) => buildDumpPlan(getopt(argv, DUMP_OPTIONS));

test('dump flags: -r fills in, later -n/-c/-a/-y override, tcUrl as rtmpdump builds it', () => {
  const p = plan(['-r', 'rtmp://example.com/vod/movie.mp4', '-o', 'x.flv']);
  assert.equal(p.url, 'rtmp://example.com:1935');
  assert.equal(p.options.app, 'vod');
  assert.equal(p.options.playpath, 'mp4:movie');
  assert.equal(p.options.tcUrl, 'rtmp://example.com:1935/vod');
  assert.equal(p.output, 'x.flv');
  assert.deepEqual(p.warnings, []);

  // Flags before -r win over it; flags after -r override it.
  const q = plan(['-a', 'first', '-r', 'rtmp://h:1936/app/s', '-y', 'other', '-n', 'h2', '-c', '99']);
  assert.equal(q.url, 'rtmp://h2:99');
  assert.equal(q.options.app, 'first');
  assert.equal(q.options.playpath, 'other');
  assert.equal(q.options.tcUrl, 'rtmp://h2:99/first');
  assert.match(q.warnings.join('\n'), /using stdout/);
  assert.equal(q.output, '-');

  const rtmps = plan(['-r', 'rtmps://h/app/s', '-o', 'y']);
  assert.equal(rtmps.url, 'rtmps://h:443');
  const tc = plan(['-r', 'rtmp://h/app/s', '-t', 'rtmp://cdn/app', '-o', 'y']);
  assert.equal(tc.options.tcUrl, 'rtmp://cdn/app');
});

test('dump flags: host and playpath without -r, defaults with warnings, -l protocol', () => {
  const p = plan(['-n', 'h', '-y', 'stream', '-a', 'app', '-l', '4', '-o', 'x']);
  assert.equal(p.url, 'rtmps://h:443');
  assert.match(p.warnings.join('\n'), /default port 1935/);
  const q = plan(['-n', 'h', '-y', 's', '-o', 'x']);
  assert.match(q.warnings.join('\n'), /default protocol RTMP/);
  assert.throws(() => plan(['-y', 's']), /You must specify a hostname/);
  assert.throws(() => plan(['-n', 'h']), /You must specify a playpath/);
  assert.throws(() => plan(['-r', 'rtmp://h/app/s', '-l', '6']), /Unknown protocol specified: 6/);
  assert.equal(plan(['-r', 'rtmp://h/a/s', '-l', '2', '-o', 'x']).protocolFlag, '-l 2');
});

test('dump flags: the rest map to client options; -C keeps order; numbers are strict', () => {
  const p = plan([
    '-r',
    'rtmp://h/app/s',
    '-o',
    'x',
    '-v',
    '-R',
    '-Y',
    '-e',
    '-k',
    '2',
    '-#',
    '-A',
    '1.5',
    '-B',
    '9.25',
    '-b',
    '5000',
    '-m',
    '10',
    '-s',
    'http://s/p.swf',
    '-p',
    'http://page',
    '-f',
    'WIN 11,0,0,0',
    '-u',
    'auth',
    '-d',
    'sub',
    '-T',
    'tok',
    '-j',
    '{"x":1}',
    '-S',
    'proxy:1080',
    '-C',
    'O:1',
    '-C',
    'NS:a:b',
    '-C',
    'O:0',
    '-w',
    'ab'.repeat(32),
    '-x',
    '1234',
    '-X',
    '3',
  ]);
  assert.equal(p.options.live, true);
  assert.equal(p.options.realtime, true);
  assert.equal(p.options.playlist, true);
  assert.equal(p.resume, true);
  assert.equal(p.skip, 2);
  assert.equal(p.hashes, true);
  assert.equal(p.start, 1.5);
  assert.equal(p.options.stop, 9.25);
  assert.equal(p.options.buffer, 5000);
  assert.equal(p.bufferOverride, true);
  assert.equal(p.options.timeout, 10);
  assert.equal(p.options.swfUrl, 'http://s/p.swf');
  assert.equal(p.options.pageUrl, 'http://page');
  assert.equal(p.options.flashVer, 'WIN 11,0,0,0');
  assert.equal(p.options.auth, 'auth');
  assert.equal(p.options.subscribe, 'sub');
  assert.equal(p.options.token, 'tok');
  assert.equal(p.options.jtv, '{"x":1}');
  assert.equal(p.options.socks, 'proxy:1080');
  assert.equal(p.options.swfHash, 'ab'.repeat(32));
  assert.equal(p.options.swfSize, 1234);
  assert.equal(p.options.swfAge, 3);
  assert.deepEqual(p.conn, ['O:1', 'NS:a:b', 'O:0']);

  assert.throws(() => plan(['-r', 'rtmp://h/a/s', '-c', '80x']), /'-c' needs an integer/);
  assert.throws(() => plan(['-r', 'rtmp://h/a/s', '-A', 'soon']), /'-A' needs a number/);
  assert.throws(() => plan(['-r', 'rtmp://h/a/s', '-k', '-1']), /at least 0/);
  assert.throws(() => plan(['-r', 'rtmp://h/a/s', '-w', 'abc', '-x', '1']), /64 hex digits/);
  assert.throws(() => plan(['-r', 'rtmp://h/a/s', '-w', 'ab'.repeat(32)]), /needs --swfsize/);
  assert.throws(() => plan(['-r', 'rtmp://h/a/s', '-x', '5']), /needs --swfhash/);
  // -W alone: the client fetches and hashes the SWF when it connects.
  const fetchVfy = plan(['-r', 'rtmp://h/a/s', '-W', 'http://s/p.swf', '-X', '0', '-o', 'x']);
  assert.equal(fetchVfy.options.swfVfy, true);
  assert.equal(fetchVfy.options.swfUrl, 'http://s/p.swf');
  assert.equal(fetchVfy.options.swfHash, undefined);
  assert.equal(fetchVfy.options.swfAge, 0);
  const vfy = plan([
    '-r',
    'rtmp://h/a/s',
    '-W',
    'http://s/p.swf',
    '-w',
    'cd'.repeat(32),
    '-x',
    '9',
    '-o',
    'x',
  ]);
  assert.equal(vfy.options.swfVfy, true);
  assert.equal(vfy.options.swfUrl, 'http://s/p.swf');
});

test('dump flags: -i URL with options; overriding flags apply, -r/-n/-c/-l are ignored with a warning', () => {
  const p = plan(['-i', 'rtmp://h/app/s live=1 conn=S:x', '-a', 'other', '-r', 'rtmp://z/y/x', '-o', 'o']);
  assert.equal(p.url, 'rtmp://h/app/s live=1 conn=S:x');
  assert.equal(p.options.app, 'other');
  assert.equal(p.options.playpath, undefined, '-r does not leak its playpath into -i');
  assert.match(p.warnings.join('\n'), /-r ignored: -i gives the whole URL/);
});

test('dump operands: a URL operand works as -r (or -i when it carries options)', () => {
  assert.equal(plan(['rtmp://h/app/s', '-o', 'x']).options.playpath, 's');
  assert.equal(plan(['rtmp://h/app/s live=1', '-o', 'x']).url, 'rtmp://h/app/s live=1');
  assert.throws(() => plan(['out.flv']), /unexpected argument 'out.flv'/);
  assert.throws(() => plan(['-r', 'rtmp://h/a/s x=1']), /goes after -i/);
});

test('dump -r with whitespace: named for the command line, without the library API hint', () => {
  // A space copied along at either end of the URL.
  for (const url of [' rtmp://h/a/s', 'rtmp://h/a/s ', 'rtmp://h/a/s\t']) {
    assert.throws(
      () => plan(['-r', url, '-o', 'x']),
      (e: Error) => /starts or ends with a space/.test(e.message) && !/-i|parseLibrtmpUrl/.test(e.message),
    );
  }
  // librtmp options inside: -i takes them; the library's parseLibrtmpUrl hint is not shown.
  assert.throws(
    () => plan(['-r', 'rtmp://h/a/s live=1', '-o', 'x']),
    (e: Error) =>
      /contains a space \(a URL with " key=value" options goes after -i\)/.test(e.message) &&
      !/parseLibrtmpUrl/.test(e.message),
  );
});

test("formatMetadata: rtmpdump's DumpMetaData layout", () => {
  const lines = formatMetadata({
    duration: 10.067,
    stereo: true,
    encoder: 'Lavf59.27.100\n',
    nothing: null,
    when: new Date(1500),
    keyframes: { times: [0, 1] },
  });
  assert.deepEqual(lines, [
    '  duration              10.07',
    '  stereo                TRUE',
    '  encoder               Lavf59.27.100',
    '  when                  timestamp:1500.00',
    'keyframes:',
    'times:',
    '  0                     0.00',
    '  1                     1.00',
  ]);
});
