/**
 * The CLI's getopt (src/cli/args.ts) against GNU getopt_long semantics as rtmpdump uses
 * them: short clusters, glued and separate arguments, `--opt=value`, unique-prefix
 * abbreviations, ordered repeats (`-C`), `--`, a lone `-`, and every usage error. Also
 * the dump flag table: every rtmpdump letter is there with its long name.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { all, formatOptions, getopt, has, last, numberArg, type OptionSpec } from '../../src/cli/args.js';
import { DUMP_OPTIONS } from '../../src/cli/dump-options.js';
import { UsageError } from '../../src/cli/exit-codes.js';

const SPECS: OptionSpec[] = [
  { name: 'live', short: 'v', long: 'live', help: '' },
  { name: 'realtime', short: 'R', long: 'realtime', help: '' },
  { name: 'flv', short: 'o', long: 'flv', arg: 'FILE', help: '' },
  { name: 'conn', short: 'C', long: 'conn', arg: 'T:D', help: '' },
  { name: 'playpath', short: 'y', long: 'playpath', arg: 'P', help: '' },
  { name: 'playlist', short: 'Y', long: 'playlist', help: '' },
  { name: 'hashes', short: '#', long: 'hashes', help: '' },
  { name: 'swfUrl', short: 's', long: 'swfUrl', arg: 'U', help: '' },
  { name: 'swfhash', short: 'w', long: 'swfhash', arg: 'H', help: '' },
  { name: 'start', short: 'A', long: 'start', arg: 'S', help: '' },
];

const opts = (argv: string[]) => getopt(argv, SPECS).options.map((o) => [o.name, o.value ?? true]);

test('short clusters: -vR and a cluster ending in an option with an argument', () => {
  assert.deepEqual(opts(['-vR']), [
    ['live', true],
    ['realtime', true],
  ]);
  assert.deepEqual(opts(['-vRo', 'out.flv']), [
    ['live', true],
    ['realtime', true],
    ['flv', 'out.flv'],
  ]);
  assert.deepEqual(opts(['-vofile.flv']), [
    ['live', true],
    ['flv', 'file.flv'],
  ]);
  assert.deepEqual(opts(['-#']), [['hashes', true]]);
});

test('short option arguments: separate, glued, and a next argument that starts with a dash', () => {
  assert.deepEqual(opts(['-o', 'a.flv']), [['flv', 'a.flv']]);
  assert.deepEqual(opts(['-oa.flv']), [['flv', 'a.flv']]);
  assert.deepEqual(opts(['-o', '-']), [['flv', '-']]);
  assert.deepEqual(opts(['-A', '-5']), [['start', '-5']]);
});

test('long options: --opt=value, --opt value, empty value, and = inside the value', () => {
  assert.deepEqual(opts(['--flv=a.flv']), [['flv', 'a.flv']]);
  assert.deepEqual(opts(['--flv', 'a.flv']), [['flv', 'a.flv']]);
  assert.deepEqual(opts(['--flv=']), [['flv', '']]);
  assert.deepEqual(opts(['--conn=NS:a=b:c']), [['conn', 'NS:a=b:c']]);
});

test('long options are case-sensitive and may be abbreviated to a unique prefix', () => {
  assert.deepEqual(opts(['--re']), [['realtime', true]]);
  assert.deepEqual(opts(['--swfU', 'x']), [['swfUrl', 'x']]);
  assert.deepEqual(opts(['--swfh=ab']), [['swfhash', 'ab']]);
  assert.throws(() => getopt(['--swf', 'x'], SPECS), /ambiguous.*--swfUrl.*--swfhash/);
  assert.throws(() => getopt(['--pla'], SPECS), /ambiguous/);
  assert.throws(() => getopt(['--swfurl', 'x'], SPECS), /unrecognized option '--swfurl'/);
});

test('an exact long name wins over longer names it prefixes', () => {
  const specs: OptionSpec[] = [
    { name: 'a', long: 'play', help: '' },
    { name: 'b', long: 'playlist', help: '' },
  ];
  assert.deepEqual(
    getopt(['--play'], specs).options.map((o) => o.name),
    ['a'],
  );
});

test('repeated options keep every occurrence in order (-C accumulates; last() wins for the rest)', () => {
  const p = getopt(['-C', 'O:1', '--conn=NS:a:b', '-oA', '-CO:0', '-o', 'B'], SPECS);
  assert.deepEqual(all(p, 'conn'), ['O:1', 'NS:a:b', 'O:0']);
  assert.equal(last(p, 'flv')?.value, 'B');
  assert.equal(last(p, 'flv')?.flag, '-o');
  assert.equal(has(p, 'live'), false);
  assert.deepEqual(
    p.options.map((o) => o.flag),
    ['-C', '--conn', '-o', '-C', '-o'],
  );
});

test('operands mix with options (GNU permutation); -- ends options; a lone - is an operand', () => {
  const p = getopt(['rtmp://h/a/b', '-v', '-', '--', '-o', 'x'], SPECS);
  assert.deepEqual(p.operands, ['rtmp://h/a/b', '-', '-o', 'x']);
  assert.deepEqual(
    p.options.map((o) => o.name),
    ['live'],
  );
});

test('usage errors: unknown short/long option, missing argument, argument to a flag', () => {
  assert.throws(
    () => getopt(['-Z'], SPECS),
    (e: unknown) => e instanceof UsageError && /invalid option -- 'Z'/.test(e.message),
  );
  assert.throws(() => getopt(['-vZ'], SPECS), /invalid option -- 'Z'/);
  assert.throws(() => getopt(['--nope'], SPECS), /unrecognized option '--nope'/);
  assert.throws(() => getopt(['-o'], SPECS), /option requires an argument -- 'o'/);
  assert.throws(() => getopt(['-vo'], SPECS), /option requires an argument -- 'o'/);
  assert.throws(() => getopt(['--flv'], SPECS), /option '--flv' requires an argument/);
  assert.throws(() => getopt(['--live=1'], SPECS), /option '--live' doesn't allow an argument/);
});

test('numberArg: whole-text numbers only, with range and integer checks naming the flag', () => {
  const o = (value: string) => ({ name: 'x', value, flag: '-A' });
  assert.equal(numberArg(o('1.5')), 1.5);
  assert.equal(numberArg(o(' 7 '), { integer: true }), 7);
  assert.throws(() => numberArg(o('5s')), /option '-A' needs a number, got '5s'/);
  assert.throws(() => numberArg(o('')), /needs a number/);
  assert.throws(() => numberArg(o('1.5'), { integer: true }), /needs an integer/);
  assert.throws(() => numberArg(o('-1'), { min: 0 }), /must be at least 0/);
  assert.throws(() => numberArg(o('70000'), { max: 65535 }), /must be at most 65535/);
});

test("the dump table has every rtmpdump option letter with rtmpdump's long name", () => {
  // rtmpdump.c: "hVveqzRr:s:t:i:p:a:b:f:o:u:C:n:c:l:y:Ym:k:d:A:B:T:w:x:W:X:S:#j:" and its longopts.
  const expected: [string, string, boolean][] = [
    ['h', 'help', false],
    ['n', 'host', true],
    ['c', 'port', true],
    ['S', 'socks', true],
    ['l', 'protocol', true],
    ['y', 'playpath', true],
    ['Y', 'playlist', false],
    ['i', 'url', true],
    ['r', 'rtmp', true],
    ['s', 'swfUrl', true],
    ['t', 'tcUrl', true],
    ['p', 'pageUrl', true],
    ['a', 'app', true],
    ['u', 'auth', true],
    ['C', 'conn', true],
    ['w', 'swfhash', true],
    ['x', 'swfsize', true],
    ['W', 'swfVfy', true],
    ['X', 'swfAge', true],
    ['f', 'flashVer', true],
    ['v', 'live', false],
    ['R', 'realtime', false],
    ['o', 'flv', true],
    ['e', 'resume', false],
    ['m', 'timeout', true],
    ['b', 'buffer', true],
    ['k', 'skip', true],
    ['d', 'subscribe', true],
    ['A', 'start', true],
    ['B', 'stop', true],
    ['T', 'token', true],
    ['#', 'hashes', false],
    ['z', 'debug', false],
    ['q', 'quiet', false],
    ['V', 'verbose', false],
    ['j', 'jtv', true],
  ];
  assert.equal(DUMP_OPTIONS.filter((s) => s.short !== undefined).length, expected.length);
  for (const [short, long, arg] of expected) {
    const spec = DUMP_OPTIONS.find((s) => s.short === short);
    assert.ok(spec, `-${short} missing`);
    assert.equal(spec.long, long, `-${short}`);
    assert.equal(spec.arg !== undefined, arg, `-${short} argument`);
  }
  // rtmpdump's own abbreviations still resolve.
  assert.equal(getopt(['--swfV', 'u'], DUMP_OPTIONS).options[0]?.name, 'swfVfy');
  assert.throws(
    () => getopt(['--fl', 'x'], DUMP_OPTIONS),
    /ambiguous.*--flashVer.*--flv|ambiguous.*--flv.*--flashVer/,
  );
  assert.equal(getopt(['--flv', 'x'], DUMP_OPTIONS).options[0]?.name, 'flv');
});

test('formatOptions lists visible options with their placeholders', () => {
  const text = formatOptions([...SPECS, { name: 'h', long: 'hidden', help: 'x', hidden: true }]);
  assert.match(text, /^ {2}-o, --flv FILE +$/m);
  assert.match(text, /-#, --hashes/);
  assert.doesNotMatch(text, /--hidden/);
});
