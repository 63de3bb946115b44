/**
 * The conn= AMF grammar (librtmp `parseAMF`) against librtmp 2.6's observed
 * encodings, python-librtmp's connect_data mapping (`_parse_connect_data`),
 * and formatConnArgs as its inverse.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { amf0 } from '../../src/amf/index.js';
import { AMFObject, type AmfValue } from '../../src/amf/types.js';
import { RTMPUsageError } from '../../src/errors.js';
import {
  appendConn,
  closeConn,
  connDepth,
  connectDataToArgs,
  formatConnArgs,
  formatStrtod,
  MAX_CONN_DEPTH,
  parseConn,
  parseLibrtmpUrl,
  parseStrtod,
} from '../../src/url/index.js';

function hex(s: string): string {
  return s.replace(/\s+/g, '').toLowerCase();
}

function encodeItems(items: string): string {
  return amf0.encode(...parseConn(items)).toString('hex');
}

function throwsOption(fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RTMPUsageError, `expected RTMPUsageError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_RTMP_OPTION');
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe('conn: observed encodings (librtmp 2.6 AMFProp_Encode of Link.extras)', () => {
  it('S:hello\\20world B:1 (via an option string, escapes undone)', () => {
    const p = parseLibrtmpUrl('rtmp://h/a/b conn=S:hello\\20world conn=B:1');
    assert.equal(amf0.encode(...p.connectArgs).toString('hex'), hex('02 000b 68656c6c6f20776f726c64 01 01'));
  });
  it('B:1 S:authMe O:1 NN:code:1.23 NS:flag:ok O:0 (the man page example)', () => {
    assert.equal(
      encodeItems('B:1 S:authMe O:1 NN:code:1.23 NS:flag:ok O:0'),
      hex(`01 01  02 0006 617574684d65
           03 0004 636f6465 00 3ff3ae147ae147ae 0004 666c6167 02 0002 6f6b 000009`),
    );
  });
  it('O:1 NB:f:1 NO:sub:1 NS:a:b O:0 (outer object never closed: closed on encode)', () => {
    assert.equal(
      encodeItems('O:1 NB:f:1 NO:sub:1 NS:a:b O:0'),
      hex('03 0001 66 01 01 0003 737562 03 0001 61 02 0001 62 000009 000009'),
    );
  });
  it('B:2 is true, Z:whatever is null (as librtmp)', () => {
    assert.equal(encodeItems('B:2 Z:whatever'), hex('01 01 05'));
  });
  it('B:true: librtmp atoi makes it FALSE (01 00); rtmpkit rejects it with that explanation', () => {
    throwsOption(() => parseConn('B:true'), /B:true as false/);
  });
  it('N:abc: librtmp strtod makes it 0; rtmpkit rejects it', () => {
    throwsOption(() => parseConn('N:abc'), /N: expects a number/);
  });
  it('NS:x:y at the top level is rejected (as librtmp)', () => {
    throwsOption(() => parseConn('NS:x:y'), /outside an object/);
  });
  it('O:0 NS:x:y: librtmp accepts and writes malformed AMF (0001 78 02 0001 79); rtmpkit rejects the O:0', () => {
    throwsOption(() => parseConn('O:0 NS:x:y'), /O:0 without an open object/);
  });
  it('O:1 S:unnamed O:0: librtmp writes a nameless member (malformed); rtmpkit rejects it', () => {
    throwsOption(() => parseConn('O:1 S:unnamed O:0'), /unnamed item inside an object.*NS:name:unnamed/);
  });
  it('O:1 NZ:x: librtmp rejects NZ; rtmpkit accepts it as FFmpeg does', () => {
    assert.equal(encodeItems('O:1 NZ:x:'), hex('03 0001 78 05 000009'));
  });
});

describe('conn: grammar rules (parseAMF)', () => {
  it('S: takes the rest of the value, colons and all; S: alone is the empty string', () => {
    assert.deepEqual(parseConn(['S:a:b:c', 'S:']), ['a:b:c', '']);
  });
  it('N: reads what strtod reads completely: decimals, exponents, hex, inf, nan', () => {
    const v = parseConn([
      'N:1.5',
      'N:-2e3',
      'N:.5',
      'N:7.',
      'N:0x10',
      'N:0x1.8p1',
      'N:inf',
      'N:-Infinity',
      'N:NaN',
      'N:-0',
    ]);
    assert.deepEqual(v, [1.5, -2000, 0.5, 7, 16, 3, Infinity, -Infinity, Number.NaN, -0]);
    for (const bad of ['N:', 'N: 1', 'N:1,5', 'N:1e', 'N:0x', 'N:infinite', 'N:1_000']) {
      throwsOption(() => parseConn([bad]), /N: expects a number/);
    }
  });
  it('B: and O: need a decimal integer (atoi), non-zero = true/begin', () => {
    assert.deepEqual(parseConn(['B:0', 'B:1', 'B:-1', 'B:007', 'B:00']), [false, true, true, true, false]);
    for (const bad of ['B:', 'B:yes', 'B:1x', 'B:0x1'])
      throwsOption(() => parseConn([bad]), /B: expects 0 or 1/);
    assert.deepEqual(parseConn(['O:2', 'O:0']), [new AMFObject()]);
    throwsOption(() => parseConn(['O:']), /O: expects 1/);
  });
  it('named items: NB, NS, NN, NO, NZ; the name ends at the first ":"', () => {
    const [o] = parseConn('O:1 NB:b:1 NS:s:x:y NN:n:2 NZ:z:ignored NO:o:anything NS:inner:1 O:0 O:0');
    assert.deepEqual(
      o,
      new AMFObject({ b: true, s: 'x:y', n: 2, z: null, o: new AMFObject({ inner: '1' }) }),
    );
  });
  it('named items need "N?:name:value" (librtmp: NO:name without ":" is invalid)', () => {
    throwsOption(() => parseConn('O:1 NO:sub'), /name:value/);
    throwsOption(() => parseConn('O:1 NS:x'), /name:value/);
  });
  it('unknown types and shapes are invalid', () => {
    for (const bad of ['', 'Z', 'S', 'X:1', 's:lower', 'NX:a:b', 'NBx:a', 'Q', 'O1']) {
      throwsOption(() => parseConn([bad]));
    }
  });
  it('empty and repeated member names are rejected', () => {
    throwsOption(() => parseConn('O:1 NS::x'), /empty member name/);
    throwsOption(() => parseConn('O:1 NS:a:x NN:a:1'), /'a' given twice/);
  });
  it('__proto__ is an ordinary member name', () => {
    const [o] = parseConn('O:1 NS:__proto__:x O:0') as [AMFObject];
    assert.equal(Object.getPrototypeOf(o), AMFObject.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(o, '__proto__')?.value, 'x');
    assert.equal(
      amf0.encode(o).toString('hex'),
      hex(`03 0009 ${Buffer.from('__proto__').toString('hex')} 02 0001 78 000009`),
    );
  });
  it('objects stay open across repeated conn= options; appendConn/connDepth/closeConn track it', () => {
    const args: AmfValue[] = [];
    appendConn(args, 'O:1');
    appendConn(args, 'NO:a:1');
    assert.equal(connDepth(args), 2);
    appendConn(args, 'NS:x:1');
    appendConn(args, 'O:0');
    assert.equal(connDepth(args), 1);
    appendConn(args, 'NS:y:2');
    closeConn(args);
    assert.equal(connDepth(args), 0);
    appendConn(args, 'S:top');
    assert.deepEqual(args, [new AMFObject({ a: new AMFObject({ x: '1' }), y: '2' }), 'top']);
  });
  it('parseConn takes a space-separated string (FFmpeg rtmp_conn) or an array (repeated conn=)', () => {
    assert.deepEqual(parseConn('S:a  B:1 '), ['a', true]);
    assert.deepEqual(parseConn(['S:a b', 'B:1']), ['a b', true]);
  });
  it(`objects nest at most MAX_CONN_DEPTH (${MAX_CONN_DEPTH}) deep (librtmp: unbounded)`, () => {
    const items = ['O:1', ...Array.from({ length: MAX_CONN_DEPTH - 1 }, () => 'NO:a:1')];
    assert.equal(connDepth(parseConn(items)), MAX_CONN_DEPTH);
    throwsOption(() => parseConn([...items, 'NO:a:1']), /nested deeper than 64/);
  });
  it('errors name the item', () => {
    throwsOption(() => parseConn('S:ok X:bad'), /^Unable to set option conn: 'X:bad'/);
  });
});

describe('conn: formatConnArgs (inverse of parseConn)', () => {
  it('formats every expressible value and parses back identically', () => {
    const values: AmfValue[] = [
      true,
      false,
      0,
      -0,
      1.23,
      1e21,
      5e-324,
      Number.NaN,
      Infinity,
      -Infinity,
      'with:colons and spaces',
      '',
      null,
      new AMFObject({ b: false, n: -1.5, s: 'x', z: null, o: new AMFObject({ deep: new AMFObject() }) }),
    ];
    const items = formatConnArgs(values);
    assert.deepEqual(items.slice(0, 11), [
      'B:1',
      'B:0',
      'N:0',
      'N:-0',
      'N:1.23',
      'N:1e+21',
      'N:5e-324',
      'N:nan',
      'N:inf',
      'N:-inf',
      'S:with:colons and spaces',
    ]);
    assert.deepEqual(parseConn(items), values);
  });
  it('rejects what the grammar cannot carry', () => {
    for (const v of [undefined, [1], { ecma: 1 }, new Map(), new Date(0), new Uint8Array(1)] as AmfValue[]) {
      throwsOption(() => formatConnArgs([v]), /conn syntax cannot express/);
    }
    throwsOption(() => formatConnArgs([new AMFObject({ 'a:b': 1 })]), /member name/);
    throwsOption(() => formatConnArgs([new AMFObject({ a: [1] })]), /member 'a'/);
  });
  it('formatStrtod/parseStrtod round-trip every double class', () => {
    for (const n of [
      0,
      -0,
      1,
      -1,
      0.1,
      1 / 3,
      2 ** 53 + 2,
      1.7976931348623157e308,
      5e-324,
      Number.NaN,
      Infinity,
      -Infinity,
    ]) {
      assert.ok(Object.is(parseStrtod(formatStrtod(n)), n), String(n));
    }
  });
});

describe('conn: python-librtmp connect_data mapping (connectDataToArgs)', () => {
  it('python vectors: bool->B, str->S, int->N, None->Z, dict->O with NB/NS/NN members', () => {
    const args = connectDataToArgs([true, 'str', 5, null, { flag: false, name: 'x', count: 2 }]);
    assert.deepEqual(formatConnArgs(args), [
      'B:1',
      'S:str',
      'N:5',
      'Z:',
      'O:1',
      'NB:flag:0',
      'NS:name:x',
      'NN:count:2',
      'O:0',
    ]);
  });
  it('a single value is one argument; a top-level array contributes each element, as python', () => {
    assert.deepEqual(connectDataToArgs('one'), ['one']);
    assert.deepEqual(connectDataToArgs([1, 'x', null]), [1, 'x', null]);
    assert.deepEqual(connectDataToArgs([]), []);
  });
  it('nested arrays become strict arrays (python silently dropped them)', () => {
    assert.deepEqual(connectDataToArgs([1, [2, [3]]]), [1, [2, [3]]]);
  });
  it('beyond python (which silently dropped them): floats, nested objects, null members, arrays in objects', () => {
    const [o] = connectDataToArgs({ f: 1.5, sub: { deep: { x: null } }, list: [1, 'a'], skip: undefined });
    assert.deepEqual(
      o,
      new AMFObject({ f: 1.5, sub: new AMFObject({ deep: new AMFObject({ x: null }) }), list: [1, 'a'] }),
    );
    assert.equal(
      amf0.encode(o as AmfValue).toString('hex'),
      hex(`03 0001 66 00 3ff8000000000000
           0003 737562 03 0004 64656570 03 0001 78 05 000009 000009
           0004 6c697374 0a 00000002 00 3ff0000000000000 02 0001 61
           000009`),
    );
  });
  it('AMF model values pass through (AMFObject stays an object, Map an ECMA array)', () => {
    const ao = new AMFObject({ a: 1 });
    const m = new Map<string, AmfValue>([['k', 1]]);
    const d = new Date(0);
    const args = connectDataToArgs([ao, m, d]);
    assert.equal(args[0], ao);
    assert.equal(args[1], m);
    assert.equal(args[2], d);
  });
  it('rejects undefined at the top, functions, symbols, bigints, and un-encodable values', () => {
    for (const bad of [undefined, [undefined], () => 1, Symbol('s'), 1n, { '': 1 }, { f: () => 1 }]) {
      throwsOption(() => connectDataToArgs(bad), /connectData/);
    }
  });
});
