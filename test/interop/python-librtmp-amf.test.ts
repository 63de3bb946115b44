/**
 * Interop with python-librtmp's AMF module (`librtmp.amf.encode_amf`, `decode_amf`,
 * `AMFObject`), run in the system Python
 * (`/usr/bin/python3`, Debian package python3-librtmp):
 *
 * (a) python encodes a set of values; `encodeAmf` must produce the same bytes;
 * (b) python decodes bytes `encodeAmf`/`amf0.encode` produced; its result must match
 *     the value we encoded, as python represents it.
 *
 * Where python-librtmp is wrong, the test says so and pins what it does instead:
 * it maps null, undefined, dates, XML and "unsupported" all to None; it cannot decode
 * references (0x07) or typed objects (0x10) and silently drops the rest of the body; its
 * AMF3 (0x11) support is partial and yields empty or bogus objects; it never raises on bad
 * input (partial lists instead); it encodes an empty dict key as a premature end marker;
 * and, as packaged by Debian, it links the *system* librtmp whose `AMFProp_GetObject`
 * only accepts objects, so ECMA arrays and strict arrays decode EMPTY (upstream bundles
 * its own amf.c to avoid exactly that — HISTORY 0.1.2). The test detects that last quirk
 * with a probe and accepts either behaviour.
 *
 * Without python3-librtmp the tests skip, except on CI (CI=true), where they fail.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it, type TestContext } from 'node:test';
import { amf0, decodeAmf, encodeAmf } from '../../src/amf/index.js';
import {
  AMF_UNSUPPORTED,
  AMFObject,
  AMFTypedObject,
  AMFXMLDocument,
  type AmfValue,
} from '../../src/amf/types.js';
import { AMFError } from '../../src/errors.js';

const PYTHON = '/usr/bin/python3';

/** Builds python values from a tagged JSON form and reports python's results the same way. */
const SCRIPT = `
import json, math, sys
from librtmp.amf import AMFObject, decode_amf, encode_amf

def text(t):
    return t['$str'] * t['n'] if isinstance(t, dict) else t

def build(t):
    if isinstance(t, dict):
        if '$num' in t:
            return {'nan': float('nan'), 'inf': float('inf'), '-inf': float('-inf'), '-0': -0.0}[t['$num']]
        if '$obj' in t:
            o = AMFObject()
            for k, v in t['$obj']:
                o[text(k)] = build(v)
            return o
        if '$dict' in t:
            return dict((text(k), build(v)) for k, v in t['$dict'])
        if '$str' in t:
            return text(t)
        raise ValueError(t)
    if isinstance(t, list):
        return [build(v) for v in t]
    return t

def view(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, (int, float)):
        f = float(v)
        if math.isnan(f): return {'$num': 'nan'}
        if math.isinf(f): return {'$num': 'inf' if f > 0 else '-inf'}
        if f == 0 and math.copysign(1, f) < 0: return {'$num': '-0'}
        return f
    if isinstance(v, AMFObject):
        return {'$obj': [[k, view(x)] for k, x in v.items()]}
    if isinstance(v, dict):
        return {'$dict': [[k, view(x)] for k, x in v.items()]}
    if isinstance(v, list):
        return [view(x) for x in v]
    return {'$repr': repr(v)}

req = json.load(sys.stdin)
out = {'encode': [], 'decode': []}
for t in req['encode']:
    try:
        out['encode'].append(encode_amf(build(t)).hex())
    except Exception as e:
        out['encode'].append({'error': type(e).__name__ + ': ' + str(e)})
for h in req['decode']:
    try:
        out['decode'].append(view(decode_amf(bytes.fromhex(h))))
    except Exception as e:
        out['decode'].append({'error': type(e).__name__ + ': ' + str(e)})
json.dump(out, sys.stdout)
`;

// --- the tagged form shared with python ------------------------------------------------------

/** JSON that both sides can turn into values: python types on one side, AMF values on the other. */
type Tagged =
  | null
  | boolean
  | number
  | string
  | { $num: 'nan' | 'inf' | '-inf' | '-0' }
  | { $str: string; n: number }
  | { $obj: [TaggedKey, Tagged][] }
  | { $dict: [TaggedKey, Tagged][] }
  | Tagged[];
type TaggedKey = string | { $str: string; n: number };

function keyOf(k: TaggedKey): string {
  return typeof k === 'string' ? k : k.$str.repeat(k.n);
}

/** Our value for a tagged one: AMFObject for python's AMFObject, a Map (keeps order) for a dict. */
function toAmf(t: Tagged): AmfValue {
  if (t === null || typeof t !== 'object') return t;
  if (Array.isArray(t)) return t.map(toAmf);
  if ('$num' in t) return { nan: Number.NaN, inf: Infinity, '-inf': -Infinity, '-0': -0 }[t.$num];
  if ('$str' in t) return t.$str.repeat(t.n);
  if ('$obj' in t) return new AMFObject(t.$obj.map(([k, v]) => [keyOf(k), toAmf(v)] as const));
  return new Map(t.$dict.map(([k, v]) => [keyOf(k), toAmf(v)] as const));
}

/** What python's `view` prints for a decoded value of ours (numbers are floats in python). */
function pyView(v: AmfValue, arrays: boolean): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { $num: 'nan' };
    if (v === Infinity) return { $num: 'inf' };
    if (v === -Infinity) return { $num: '-inf' };
    if (Object.is(v, -0)) return { $num: '-0' };
    return v;
  }
  if (typeof v !== 'object') return v;
  if (Array.isArray(v)) return arrays ? v.map((x) => pyView(x, arrays)) : [];
  if (v instanceof AMFObject) return { $obj: Object.keys(v).map((k) => [k, pyView(v[k], arrays)]) };
  if (v instanceof Map) return { $dict: arrays ? [...v].map(([k, x]) => [k, pyView(x, arrays)]) : [] };
  const rec = v as Record<string, AmfValue>;
  return { $dict: arrays ? Object.keys(rec).map((k) => [k, pyView(rec[k], arrays)]) : [] };
}

/** Sorts the entries of every `$dict` in a view by key. */
function sortDicts(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDicts);
  if (v === null || typeof v !== 'object') return v;
  if ('$dict' in v) {
    const entries = (v as { $dict: [string, unknown][] }).$dict.map(([k, x]) => [k, sortDicts(x)] as const);
    return { $dict: entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
  }
  if ('$obj' in v)
    return { $obj: (v as { $obj: [string, unknown][] }).$obj.map(([k, x]) => [k, sortDicts(x)]) };
  return v;
}

interface PyResult {
  encode: (string | { error: string })[];
  decode: unknown[];
}

function python(encode: Tagged[], decode: Buffer[]): PyResult {
  const r = spawnSync(PYTHON, ['-c', SCRIPT], {
    input: JSON.stringify({ encode, decode: decode.map((b) => b.toString('hex')) }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.status, 0, `python failed: ${r.error ?? r.stderr}`);
  return JSON.parse(r.stdout) as PyResult;
}

function librtmpAvailable(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import librtmp.amf'], { encoding: 'utf8' });
  return r.status === 0;
}

const AVAILABLE = librtmpAvailable();

/** Skips (or, on CI, fails) when python3-librtmp is missing. Returns true when the test may run. */
function needPython(t: TestContext): boolean {
  if (AVAILABLE) return true;
  if (process.env.CI === 'true') {
    assert.fail(
      `${PYTHON} cannot import librtmp: install the Debian package python3-librtmp (apt-get install python3-librtmp) to run the python-librtmp AMF interop tests`,
    );
  }
  t.skip('python3-librtmp not installed');
  return false;
}

/** Does this python-librtmp decode ECMA/strict arrays (bundled amf.c) or return them empty (system librtmp)? */
let arraysProbe: boolean | undefined;
function decodesArrays(): boolean {
  if (arraysProbe === undefined) {
    const [dict] = python([], [Buffer.from('08000000010001610101000009', 'hex')]).decode as [unknown];
    arraysProbe = JSON.stringify(dict) !== JSON.stringify([{ $dict: [] }]);
    assert.ok(
      arraysProbe || JSON.stringify(dict) === JSON.stringify([{ $dict: [] }]),
      `unexpected probe result ${JSON.stringify(dict)}`,
    );
  }
  return arraysProbe;
}

// --- cases ------------------------------------------------------------------------------------

const CONNECT_OBJECT: Tagged = {
  $obj: [
    ['app', 'live'],
    ['flashVer', 'LNX 9,0,124,2'],
    ['tcUrl', 'rtmp://localhost:1935/live'],
    ['fpad', false],
    ['capabilities', 15],
    ['audioCodecs', 3191],
    ['videoCodecs', 252],
    ['videoFunction', 1],
  ],
};

/** Values both implementations can encode: the bytes must be identical. */
const SHARED: [string, Tagged][] = [
  ['None', null],
  ['True', true],
  ['False', false],
  ['0', 0],
  ['1', 1],
  ['-1.5', -1.5],
  ['2**53', 2 ** 53],
  ['1e300', 1e300],
  ['-0.0', { $num: '-0' }],
  ['inf', { $num: 'inf' }],
  ['-inf', { $num: '-inf' }],
  ['nan', { $num: 'nan' }],
  ['empty string', ''],
  ['"connect"', 'connect'],
  ['non-ASCII', 'héllo wörld ☃ \u{1F600}'],
  ['65535-byte string', { $str: 'x', n: 65535 }],
  ['65536-byte long string', { $str: 'x', n: 65536 }],
  ['65538-byte string of 3-byte characters', { $str: '\u20AC', n: 21846 }],
  ['empty AMFObject', { $obj: [] }],
  ['connect command object', CONNECT_OBJECT],
  ['nested AMFObject with a non-ASCII key', { $obj: [['ключ', { $obj: [['b', null]] }]] }],
  ['empty dict', { $dict: [] }],
  ['dict', { $dict: [['a', 1]] }],
  [
    'dict with integer-like keys in insertion order',
    {
      $dict: [
        ['b', 1],
        ['1', 2],
        ['a', 'x'],
      ],
    },
  ],
  ['empty list', []],
  ['list', [1, 'a', null, true]],
  ['nested list', [[1, [2]], []]],
  [
    'dict of list of AMFObject',
    { $dict: [['items', [{ $obj: [['code', 'NetStream.Play.Start']] }, { $dict: [['n', 1]] }]]] },
  ],
];

describe('python-librtmp interop: encode_amf vs encodeAmf', () => {
  it('identical bytes for every value python can encode', (t) => {
    if (!needPython(t)) return;
    const py = python(
      SHARED.map(([, v]) => v),
      [],
    );
    SHARED.forEach(([name, tagged], i) => {
      const ours = encodeAmf(toAmf(tagged)).toString('hex');
      assert.equal(
        ours,
        py.encode[i],
        `${name}: ours ${ours.slice(0, 80)} python ${String(py.encode[i]).slice(0, 80)}`,
      );
    });
  });

  it('a plain JS object encodes like a python dict, AMFObject like AMFObject', (t) => {
    if (!needPython(t)) return;
    const py = python(
      [
        {
          $dict: [
            ['a', 1],
            ['b', 's'],
          ],
        },
        { $obj: [['a', 1]] },
      ],
      [],
    );
    assert.equal(encodeAmf({ a: 1, b: 's' }).toString('hex'), py.encode[0]);
    assert.equal(encodeAmf(new AMFObject({ a: 1 })).toString('hex'), py.encode[1]);
  });

  it('a command equals python’s RTMP.call body: concatenated encode_amf of each value', (t) => {
    if (!needPython(t)) return;
    const values: Tagged[] = ['connect', 1, CONNECT_OBJECT];
    const py = python(values, []);
    assert.equal(amf0.encode(...values.map(toAmf)).toString('hex'), py.encode.join(''));
  });

  it('a name over 65535 bytes: python fails with a cffi OverflowError (not its AMFError); we with ERR_AMF_ENCODE', (t) => {
    if (!needPython(t)) return;
    const tagged: Tagged = { $obj: [[{ $str: 'k', n: 65536 }, 1]] };
    const [py] = python([tagged], []).encode;
    assert.match((py as { error: string }).error, /^OverflowError/);
    assert.throws(
      () => encodeAmf(toAmf(tagged)),
      (e: unknown) => e instanceof AMFError && e.code === 'ERR_AMF_ENCODE',
    );
  });

  it('python is wrong: an empty dict key is written as `00 00` + value (an early end marker); we refuse it', (t) => {
    if (!needPython(t)) return;
    const [pyHex] = python([{ $dict: [['', 1]] }], []).encode as [string];
    assert.equal(pyHex, '08000000010000003ff0000000000000000009');
    assert.throws(
      () => encodeAmf({ '': 1 }),
      (e: unknown) => e instanceof AMFError && e.code === 'ERR_AMF_ENCODE',
    );
  });
});

describe('python-librtmp interop: our bytes through decode_amf', () => {
  it('python decodes what encodeAmf wrote (ECMA/strict arrays per the librtmp it links)', (t) => {
    if (!needPython(t)) return;
    const arrays = decodesArrays();
    if (!arrays) {
      t.diagnostic(
        'this python-librtmp links a librtmp whose decode_amf returns ECMA and strict arrays empty',
      );
    }
    const bytes = SHARED.map(([, v]) => encodeAmf(toAmf(v)));
    const py = python([], bytes);
    SHARED.forEach(([name, tagged], i) => {
      assert.deepStrictEqual(py.decode[i], [pyView(toAmf(tagged), arrays)], name);
      // ...and our own decoder reads the same bytes back to the same view (up to the order of
      // integer-like keys, which a JavaScript object always puts first).
      assert.deepStrictEqual(
        sortDicts(decodeAmf(bytes[i]!).map((v) => pyView(v, true))),
        sortDicts([pyView(toAmf(tagged), true)]),
        name,
      );
    });
  });

  it('a whole connect command decodes to [name, txn, AMFObject] in python', (t) => {
    if (!needPython(t)) return;
    const values: Tagged[] = ['connect', 1, CONNECT_OBJECT];
    const [decoded] = python([], [amf0.encode(...values.map(toAmf))]).decode;
    assert.deepStrictEqual(
      decoded,
      values.map((v) => pyView(toAmf(v), true)),
    );
  });

  it('python maps null, undefined, Date, XML and unsupported all to None (we keep them apart)', (t) => {
    if (!needPython(t)) return;
    const values: AmfValue[] = [null, undefined, new Date(1e12), new AMFXMLDocument('<a/>'), AMF_UNSUPPORTED];
    const bytes = amf0.encode(...values);
    const [decoded] = python([], [bytes]).decode;
    assert.deepStrictEqual(decoded, [null, null, null, null, null]);
    assert.deepStrictEqual(decodeAmf(bytes), values);
  });

  it('python cannot decode references (0x07), so ours writes repeated objects inline', (t) => {
    if (!needPython(t)) return;
    const o = new AMFObject({ a: true });
    // Hand-built 0x07 (what Flash would send): python stops there, without an error.
    const withRef = Buffer.concat([amf0.encode('x', o), Buffer.from('070000', 'hex'), amf0.encode('after')]);
    const ours = decodeAmf(withRef);
    assert.equal(ours.length, 4);
    assert.equal(ours[1], ours[2]);
    // Our encoder only uses 0x07 for cycles, so the same values reach python whole.
    const inline = amf0.encode('x', o, o, 'after');
    const [byRef, byValue] = python([], [withRef, inline]).decode;
    assert.deepStrictEqual(byRef, ['x', { $obj: [['a', true]] }], 'python stops at the reference');
    assert.deepStrictEqual(byValue, ['x', { $obj: [['a', true]] }, { $obj: [['a', true]] }, 'after']);
  });

  it('python cannot decode typed objects (0x10): nothing from there on', (t) => {
    if (!needPython(t)) return;
    const bytes = amf0.encode('x', new AMFTypedObject('Foo', { a: true }), 'after');
    const [decoded] = python([], [bytes]).decode;
    assert.deepStrictEqual(decoded, ['x']);
    const ours = decodeAmf(bytes);
    assert.ok(ours[1] instanceof AMFTypedObject && ours[1].className === 'Foo');
  });

  it('python’s AMF3 (0x11) support is partial: values come back wrong or not at all', (t) => {
    if (!needPython(t)) return;
    const cases: [Buffer, AmfValue[]][] = [
      [Buffer.from('110405003ff0000000000000', 'hex'), [5, 1]], // AMF3 integer 5, AMF0 number 1
      [Buffer.from('11060761626302000162', 'hex'), ['abc', 'b']], // AMF3 string "abc", AMF0 string "b"
      [amf0.encode(new Uint8Array([1, 2, 3])), [Buffer.from([1, 2, 3])]], // ByteArray
    ];
    const py = python(
      [],
      cases.map(([b]) => b),
    );
    cases.forEach(([bytes, expected], i) => {
      assert.notDeepStrictEqual(
        py.decode[i],
        expected.map((v) => pyView(v, true)),
        `python got ${JSON.stringify(py.decode[i])}`,
      );
      assert.deepStrictEqual(decodeAmf(bytes), expected);
    });
  });

  it('python never raises on bad bytes (partial list); we throw AMFError', (t) => {
    if (!needPython(t)) return;
    const bad: [string, string][] = [
      ['0200017802000578', 'ERR_AMF_TRUNCATED'], // "x", then a string claiming 5 bytes with 1 present
      ['0200017800000902000179', 'ERR_AMF_TRUNCATED'], // librtmp stops at a top-level 00 00 09; to us it is a cut number
      ['0300016101', 'ERR_AMF_TRUNCATED'], // object cut inside a value
      ['04', 'ERR_AMF_UNSUPPORTED_MARKER'],
      ['12', 'ERR_AMF_UNKNOWN_MARKER'],
    ];
    const bytes = bad.map(([h]) => Buffer.from(h, 'hex'));
    const py = python([], bytes);
    bad.forEach(([h, code], i) => {
      const got = py.decode[i];
      assert.ok(Array.isArray(got), `python raised for ${h}: ${JSON.stringify(got)}`);
      assert.throws(
        () => decodeAmf(bytes[i]!),
        (e: unknown) => e instanceof AMFError && e.code === code,
      );
    });
    assert.deepStrictEqual(py.decode[1], ['x'], 'librtmp ends a top-level sequence at 00 00 09');
  });

  it('python drops invalid UTF-8 bytes ("ignore"); we throw, or replace on request', (t) => {
    if (!needPython(t)) return;
    const bytes = Buffer.from('020002c328', 'hex');
    assert.deepStrictEqual(python([], [bytes]).decode[0], ['(']);
    assert.throws(
      () => decodeAmf(bytes),
      (e: unknown) => e instanceof AMFError && e.code === 'ERR_AMF_INVALID_UTF8',
    );
    assert.deepStrictEqual(decodeAmf(bytes, { utf8: 'replace' }), ['\uFFFD(']);
  });
});
