/**
 * AMF0 codec golden vectors (AMF0-SPEC; RTMP-SPEC §7.2 commands; python-librtmp's
 * encoder, librtmp's conn= grammar and its CVEs). Every vector is written by hand from the
 * spec — `#` starts a comment inside a hex literal — and checked both ways.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { amf0, amf3 } from '../../src/amf/index.js';
import {
  AMF_UNSUPPORTED,
  AMFDictionary,
  AMFDouble,
  AMFObject,
  AMFTypedObject,
  AMFVector,
  AMFXML,
  AMFXMLDocument,
  type AmfValue,
  newEcmaArray,
} from '../../src/amf/types.js';
import { AMFError, RTMPError } from '../../src/errors.js';

/** Hex with whitespace and `# comments` removed. */
function hex(s: string): Buffer {
  const clean = s.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  assert.match(clean, /^(?:[0-9a-fA-F]{2})*$/, `bad hex literal: ${clean}`);
  return Buffer.from(clean, 'hex');
}

function ecma(init: Record<string, AmfValue>): { [key: string]: AmfValue } {
  const o = newEcmaArray();
  for (const k of Object.keys(init))
    Object.defineProperty(o, k, { value: init[k], enumerable: true, writable: true, configurable: true });
  return o;
}

function expectCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(
      err instanceof AMFError,
      `expected AMFError ${code}, got ${(err as Error)?.stack ?? String(err)}`,
    );
    assert.ok(err instanceof RTMPError);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

/** Checks `bytes` decodes to exactly `values` and `values` encode to exactly `bytes`. */
function golden(bytes: Buffer, ...values: AmfValue[]): void {
  assert.deepStrictEqual(amf0.decode(bytes), values);
  assert.equal(amf0.encode(...values).toString('hex'), bytes.toString('hex'));
}

// --- vectors shared by several tests --------------------------------------------------------

const ONE = '00 3F F0 00 00 00 00 00 00';

const CONNECT_COMMAND = hex(`
  02 0007 636F6E6E656374                                   # "connect"
  00 3FF0000000000000                                      # transaction id 1
  03                                                       # command object
    0003 617070                02 0004 6C697665            #   app: "live"
    0008 666C617368566572      02 000D 4C4E5820392C302C3132342C32   # flashVer: "LNX 9,0,124,2"
    0005 746355726C            02 001A 72746D703A2F2F6C6F63616C686F73743A313933352F6C697665
                                                           #   tcUrl: "rtmp://localhost:1935/live"
    0004 66706164              01 00                       #   fpad: false
    000C 6361706162696C6974696573   00 402E000000000000    #   capabilities: 15
    000B 617564696F436F64656373     00 40A8EE0000000000    #   audioCodecs: 3191 (0x0C77)
    000B 766964656F436F64656373     00 406F800000000000    #   videoCodecs: 252 (0xFC)
    000D 766964656F46756E6374696F6E 00 3FF0000000000000    #   videoFunction: 1
    000E 6F626A656374456E636F64696E67 00 0000000000000000  #   objectEncoding: 0
  00 00 09                                                 # object end
`);

function connectValues(): AmfValue[] {
  return [
    'connect',
    1,
    new AMFObject({
      app: 'live',
      flashVer: 'LNX 9,0,124,2',
      tcUrl: 'rtmp://localhost:1935/live',
      fpad: false,
      capabilities: 15,
      audioCodecs: 3191,
      videoCodecs: 252,
      videoFunction: 1,
      objectEncoding: 0,
    }),
  ];
}

const ON_METADATA = hex(`
  02 000A 6F6E4D65746144617461                             # "onMetaData"
  08 0000000A                                              # ECMA array, count 10
    0008 6475726174696F6E               00 405E200000000000   # duration: 120.5
    0005 7769647468                     00 4094000000000000   # width: 1280
    0006 686569676874                   00 4086800000000000   # height: 720
    000C 766964656F636F6465636964       00 401C000000000000   # videocodecid: 7
    000C 617564696F636F6465636964       00 4024000000000000   # audiocodecid: 10
    0009 6672616D6572617465             00 403E000000000000   # framerate: 30
    000F 617564696F73616D706C6572617465 00 40E5888000000000   # audiosamplerate: 44100
    0006 73746572656F                   01 01                 # stereo: true
    0007 656E636F646572                 02 000D 4C61766635382E37362E313030  # encoder: "Lavf58.76.100"
    0008 66696C6573697A65               00 4132D68700000000   # filesize: 1234567
  00 00 09
`);

function onMetaDataValues(): AmfValue[] {
  return [
    'onMetaData',
    ecma({
      duration: 120.5,
      width: 1280,
      height: 720,
      videocodecid: 7,
      audiocodecid: 10,
      framerate: 30,
      audiosamplerate: 44100,
      stereo: true,
      encoder: 'Lavf58.76.100',
      filesize: 1234567,
    }),
  ];
}

/** Single, complete, canonical values: used for golden, prefix-truncation and mirror tests. */
const SINGLE: [string, Buffer, AmfValue][] = [
  ['number 0', hex('00 0000000000000000'), 0],
  ['number 1', hex(ONE), 1],
  ['number -0', hex('00 8000000000000000'), -0],
  ['number 1.5', hex('00 3FF8000000000000'), 1.5],
  ['number -2', hex('00 C000000000000000'), -2],
  ['number 2^53', hex('00 4340000000000000'), 2 ** 53],
  ['number NaN', hex('00 7FF8000000000000'), Number.NaN],
  ['number Infinity', hex('00 7FF0000000000000'), Number.POSITIVE_INFINITY],
  ['number -Infinity', hex('00 FFF0000000000000'), Number.NEGATIVE_INFINITY],
  ['false', hex('01 00'), false],
  ['true', hex('01 01'), true],
  ['empty string', hex('02 0000'), ''],
  ['string "connect"', hex('02 00 07 63 6F 6E 6E 65 63 74'), 'connect'],
  ['string "héllo"', hex('02 0006 68 C3A9 6C 6C 6F'), 'héllo'],
  ['string U+1F600', hex('02 0004 F09F9880'), '\u{1F600}'],
  ['empty object', hex('03 000009'), new AMFObject()],
  ['object {a: 1}', hex(`03 0001 61 ${ONE} 000009`), new AMFObject({ a: 1 })],
  [
    'nested object',
    hex(`03 0001 61 03 0001 62 05 000009 000009`), // {a: {b: null}}
    new AMFObject({ a: new AMFObject({ b: null }) }),
  ],
  ['null', hex('05'), null],
  ['undefined', hex('06'), undefined],
  ['empty ECMA array', hex('08 00000000 000009'), ecma({})],
  ['ECMA array {a: 1}', hex(`08 00000001 0001 61 ${ONE} 000009`), ecma({ a: 1 })],
  ['empty strict array', hex('0A 00000000'), []],
  ['strict array [1, "x"]', hex(`0A 00000002 ${ONE} 02 0001 78`), [1, 'x']],
  ['strict array of arrays', hex('0A 00000002 0A 00000000 0A 00000001 05'), [[], [null]]],
  ['date epoch', hex('0B 0000000000000000 0000'), new Date(0)],
  ['date 1e12', hex('0B 426D1A94A2000000 0000'), new Date(1e12)], // 2001-09-09T01:46:40Z
  ['date 1.7e12', hex('0B 4278BCFE56800000 0000'), new Date(1.7e12)],
  ['unsupported', hex('0D'), AMF_UNSUPPORTED],
  ['XML document', hex('0F 00000007 3C613E3C2F613E'), new AMFXMLDocument('<a></a>')],
  ['empty XML document', hex('0F 00000000'), new AMFXMLDocument('')],
];

describe('AMF0 golden vectors, both ways', () => {
  for (const [name, bytes, value] of SINGLE) {
    it(name, () => golden(bytes, value));
  }

  it('command vectors: connect name, transaction 1, object end', () => {
    golden(hex('02 00 07 63 6F 6E 6E 65 63 74'), 'connect');
    golden(hex('00 3F F0 00 00 00 00 00 00'), 1);
    // `00 00 09` is the tail of every object: the empty object is marker + end.
    assert.equal(amf0.encode(new AMFObject()).subarray(1).toString('hex'), '000009');
  });

  it('a librtmp-style connect command', () => {
    golden(CONNECT_COMMAND, ...connectValues());
    const [, , obj] = amf0.decode(CONNECT_COMMAND);
    assert.ok(obj instanceof AMFObject);
    assert.deepEqual(Object.keys(obj), [
      'app',
      'flashVer',
      'tcUrl',
      'fpad',
      'capabilities',
      'audioCodecs',
      'videoCodecs',
      'videoFunction',
      'objectEncoding',
    ]);
  });

  it('onMetaData as an ECMA array (null prototype)', () => {
    golden(ON_METADATA, ...onMetaDataValues());
    const [, meta] = amf0.decode(ON_METADATA);
    assert.equal(Object.getPrototypeOf(meta), null);
  });

  it('typed object 0x10 keeps its class name', () => {
    const bytes = hex(`10 0003 466F6F  0001 61 ${ONE}  0001 62 02 0001 78  000009`); // Foo {a: 1, b: "x"}
    const [v] = amf0.decode(bytes);
    assert.ok(v instanceof AMFTypedObject);
    assert.equal(v.className, 'Foo');
    assert.deepEqual({ ...v }, { a: 1, b: 'x' });
    assert.equal(
      amf0.encode(new AMFTypedObject('Foo', { a: 1, b: 'x' })).toString('hex'),
      bytes.toString('hex'),
    );
  });

  it('typed object with an empty class name and a "traits" member', () => {
    const bytes = hex(`10 0000  0006 747261697473 ${ONE}  000009`); // "" {traits: 1}
    const [v] = amf0.decode(bytes);
    assert.ok(v instanceof AMFTypedObject);
    assert.equal(v.className, '');
    assert.equal(Object.getOwnPropertyDescriptor(v, 'traits')?.value, 1);
    assert.equal(amf0.encode(v).toString('hex'), bytes.toString('hex'));
  });

  it('strict array with holes writes undefined', () => {
    const sparse: AmfValue[] = [];
    sparse[2] = 1;
    assert.equal(amf0.encode(sparse).toString('hex'), hex(`0A 00000003 06 06 ${ONE}`).toString('hex'));
  });

  it('several top-level values in one sequence', () => {
    golden(hex(`02 0001 61 ${ONE} 05 06 01 01`), 'a', 1, null, undefined, true);
    golden(Buffer.alloc(0));
  });
});

describe('AMF0 one-way forms', () => {
  it('boolean: any non-zero byte is true', () => {
    assert.deepStrictEqual(amf0.decode(hex('01 02 01 FF')), [true, true]);
  });

  it('long string 0x0C with a short body decodes to a string', () => {
    assert.deepStrictEqual(amf0.decode(hex('0C 00000002 6869')), ['hi']);
    assert.deepStrictEqual(amf0.decode(hex('0C 00000000')), ['']);
  });

  it('ECMA array count is ignored (librtmp set_playlist writes 3 for 1 entry)', () => {
    const bytes = hex(`08 00000003  0001 30 02 0004 74657374  000009`); // {"0": "test"}, count 3
    assert.deepStrictEqual(amf0.decode(bytes), [ecma({ 0: 'test' })]);
    assert.deepStrictEqual(amf0.decode(hex(`08 00000000 0001 61 ${ONE} 000009`)), [ecma({ a: 1 })]);
    assert.deepStrictEqual(amf0.decode(hex(`08 FFFFFFFF 0001 61 ${ONE} 000009`)), [ecma({ a: 1 })]);
  });

  it('date time zone is read and ignored, written as 0', () => {
    assert.deepStrictEqual(amf0.decode(hex('0B 426D1A94A2000000 FF88')), [new Date(1e12)]); // tz -120
    assert.deepStrictEqual(amf0.decode(hex('0B 426D1A94A2000000 7FFF')), [new Date(1e12)]);
  });

  it('AMFXML writes as an XML document; AMFDouble as a number', () => {
    assert.equal(
      amf0.encode(new AMFXML('<a></a>')).toString('hex'),
      hex('0F 00000007 3C613E3C2F613E').toString('hex'),
    );
    assert.equal(amf0.encode(new AMFDouble(1)).toString('hex'), hex(ONE).toString('hex'));
  });

  it('Map with string keys writes as an ECMA array, in insertion order', () => {
    const m = new Map<string, AmfValue>([
      ['b', 1],
      ['1', null],
    ]);
    assert.equal(
      amf0.encode(m).toString('hex'),
      hex(`08 00000002 0001 62 ${ONE} 0001 31 05 000009`).toString('hex'),
    );
  });

  it('plain object writes as an ECMA array (python dict); AMFObject as an object', () => {
    assert.equal(
      amf0.encode({ a: 1 }).toString('hex'),
      hex(`08 00000001 0001 61 ${ONE} 000009`).toString('hex'),
    );
    assert.equal(
      amf0.encode(Object.assign(Object.create(null), { a: 1 })).toString('hex'),
      hex(`08 00000001 0001 61 ${ONE} 000009`).toString('hex'),
    );
    assert.equal(
      amf0.encode(new AMFObject({ a: 1 })).toString('hex'),
      hex(`03 0001 61 ${ONE} 000009`).toString('hex'),
    );
  });

  it('Uint8Array input with a byte offset decodes', () => {
    const backing = new Uint8Array([0xee, 0xee, 0x02, 0x00, 0x01, 0x78, 0xee]);
    assert.deepStrictEqual(amf0.decode(backing.subarray(2, 6)), ['x']);
  });
});

describe('AMF0 long strings', () => {
  it('65535 UTF-8 bytes is a string (0x02), 65536 a long string (0x0C)', () => {
    const s65535 = 'x'.repeat(65535);
    const b1 = hex(`02 FFFF ${'78'.repeat(65535)}`);
    golden(b1, s65535);
    const s65536 = 'x'.repeat(65536);
    const b2 = hex(`0C 00010000 ${'78'.repeat(65536)}`);
    golden(b2, s65536);
  });

  it('the limit counts UTF-8 bytes, not UTF-16 units', () => {
    // U+20AC is E2 82 AC: 21845 of them are exactly 65535 bytes, 21846 are 65538.
    const short = '\u20AC'.repeat(21845);
    golden(hex(`02 FFFF ${'E282AC'.repeat(21845)}`), short);
    const long = '\u20AC'.repeat(21846);
    golden(hex(`0C 00010002 ${'E282AC'.repeat(21846)}`), long);
    // 21846 ASCII characters are still a short string.
    golden(hex(`02 5556 ${'61'.repeat(21846)}`), 'a'.repeat(21846));
    // U+00E9 is C3 A9: 32768 of them are 65536 bytes.
    golden(hex(`0C 00010000 ${'C3A9'.repeat(32768)}`), '\u00E9'.repeat(32768));
  });

  it('a long string in an object value (keys never are)', () => {
    const s = 'y'.repeat(70000);
    golden(hex(`03 0001 73 0C 00011170 ${'79'.repeat(70000)} 000009`), new AMFObject({ s }));
  });
});

describe('AMF0 references (0x07)', () => {
  it('a repeated object inside a strict array (the array itself is index 0)', () => {
    const o = new AMFObject({ a: 1 });
    const bytes = hex(`0A 00000002  03 0001 61 ${ONE} 000009  07 0001`);
    // Encoding writes a repeated (non-cyclic) object inline again: librtmp cannot decode 0x07.
    assert.equal(
      amf0.encode([o, o]).toString('hex'),
      hex(`0A 00000002  03 0001 61 ${ONE} 000009  03 0001 61 ${ONE} 000009`).toString('hex'),
    );
    const [arr] = amf0.decode(bytes) as [AmfValue[]];
    assert.deepStrictEqual(arr, [o, o]);
    assert.equal(arr[0], arr[1], 'a reference decodes to the same object');
  });

  it('a reference across top-level values of one sequence', () => {
    const o = new AMFObject({ a: 1 });
    const bytes = hex(`03 0001 61 ${ONE} 000009  07 0000`);
    assert.equal(
      amf0.encode(o, o).toString('hex'),
      hex(`03 0001 61 ${ONE} 000009`).toString('hex').repeat(2),
    );
    const [x, y] = amf0.decode(bytes);
    assert.equal(x, y);
  });

  it('slots count inline repeats, so a cycle after a repeat references the right slot', () => {
    const o = new AMFObject({ a: 1 });
    const c = new AMFObject();
    c.self = c;
    // [o, o, c]: array = 0, o = 1, o again = 2, c = 3; c.self -> 3.
    const bytes = hex(
      `0A 00000003  03 0001 61 ${ONE} 000009  03 0001 61 ${ONE} 000009  03 0004 73656C66 07 0003 000009`,
    );
    assert.equal(amf0.encode([o, o, c]).toString('hex'), bytes.toString('hex'));
    const [arr] = amf0.decode(bytes) as [AMFObject[]];
    assert.equal(arr[2]!.self, arr[2]);
  });

  it('a cyclic object', () => {
    const o = new AMFObject();
    o.self = o;
    const bytes = hex(`03 0004 73656C66 07 0000 000009`); // {self: <ref 0>}
    assert.equal(amf0.encode(o).toString('hex'), bytes.toString('hex'));
    const [d] = amf0.decode(bytes) as [AMFObject];
    assert.equal(d.self, d);
  });

  it('a cyclic strict array and ECMA array', () => {
    const a: AmfValue[] = [];
    a.push(a);
    const ab = hex('0A 00000001 07 0000');
    assert.equal(amf0.encode(a).toString('hex'), ab.toString('hex'));
    const [da] = amf0.decode(ab) as [AmfValue[]];
    assert.equal(da[0], da);

    const e: { [k: string]: AmfValue } = {};
    e.me = e;
    const eb = hex('08 00000001 0002 6D65 07 0000 000009');
    assert.equal(amf0.encode(e).toString('hex'), eb.toString('hex'));
    const [de] = amf0.decode(eb) as [{ me: AmfValue }];
    assert.equal(de.me, de);
  });

  it('indices follow write order: parent before children, typed objects and Maps counted', () => {
    const inner = new AMFObject({ v: 1 });
    const typed = new AMFTypedObject('T', { i: inner });
    const outer = new AMFObject({ t: typed, again: inner, m: new Map<string, AmfValue>([['t', typed]]) });
    // The decoder resolves these references; the encoder writes repeats inline, so its
    // output decodes to equal (not identical) values.
    const bytes = hex(`
      03                                       # outer = 0
        0001 74  10 0001 54                    #   t: typed T = 1
                   0001 69 03 0001 76 ${ONE} 000009   # i: inner = 2
                 000009
        0005 616761696E 07 0002                #   again: ref inner
        0001 6D  08 00000001                   #   m: ECMA = 3
                   0001 74 07 0001             #     t: ref typed
                 000009
      000009
    `);
    const [e] = amf0.decode(amf0.encode(outer)) as [AMFObject];
    assert.deepStrictEqual(e.again, (e.t as AMFTypedObject).i);
    assert.notEqual(e.again, (e.t as AMFTypedObject).i);
    const [d] = amf0.decode(bytes) as [AMFObject];
    const dt = d.t as AMFTypedObject;
    assert.equal(dt.className, 'T');
    assert.equal(d.again, dt.i);
    assert.equal((d.m as Record<string, AmfValue>).t, dt);
  });

  it('dates, XML and strings are not complex values: repeated, they are written again', () => {
    const dt = new Date(0);
    assert.equal(
      amf0.encode([dt, dt]).toString('hex'),
      hex('0A 00000002 0B 0000000000000000 0000 0B 0000000000000000 0000').toString('hex'),
    );
    // ...and they take no slot in the table: index 1 below is the object, not a date.
    const [arr] = amf0.decode(hex(`0A 00000003 0B 0000000000000000 0000 03 000009 07 0001`)) as [AmfValue[]];
    assert.equal(arr[2], arr[1]);
  });
});

describe('AMF0 hostile keys', () => {
  it('"__proto__" is an own key, not a prototype change (object and ECMA array)', () => {
    const ob = hex('03 0009 5F5F70726F746F5F5F 05 000009');
    const [o] = amf0.decode(ob) as [AMFObject];
    assert.ok(o instanceof AMFObject);
    assert.equal(Object.getPrototypeOf(o), AMFObject.prototype);
    assert.ok(Object.hasOwn(o, '__proto__'));
    assert.equal(Object.getOwnPropertyDescriptor(o, '__proto__')?.value, null);
    assert.equal(amf0.encode(o).toString('hex'), ob.toString('hex'));

    const eb = hex(`08 00000001 0009 5F5F70726F746F5F5F 03 0001 78 ${ONE} 000009 000009`);
    const [e] = amf0.decode(eb) as [Record<string, AmfValue>];
    assert.equal(Object.getPrototypeOf(e), null);
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(e, '__proto__')?.value, new AMFObject({ x: 1 }));
    assert.equal(amf0.encode(e).toString('hex'), eb.toString('hex'));

    const tb = hex('10 0001 54 0009 5F5F70726F746F5F5F 05 000009');
    const [t] = amf0.decode(tb) as [AMFTypedObject];
    assert.equal(Object.getPrototypeOf(t), AMFTypedObject.prototype);
    assert.ok(Object.hasOwn(t, '__proto__'));
  });

  it('"constructor", "toString" and "hasOwnProperty" are plain keys', () => {
    const [o] = amf0.decode(
      hex(
        `03 000B 636F6E7374727563746F72 05  0008 746F537472696E67 ${ONE}  000E 6861734F776E50726F7065727479 06 000009`,
      ),
    ) as [AMFObject];
    assert.deepEqual(Object.keys(o), ['constructor', 'toString', 'hasOwnProperty']);
    assert.equal(o.toString, 1);
  });

  it('duplicate keys: the last one wins', () => {
    assert.deepStrictEqual(amf0.decode(hex(`03 0001 61 05 0001 61 ${ONE} 000009`)), [
      new AMFObject({ a: 1 }),
    ]);
  });

  it('a typed-object member named "className" is a member; the class name stays reachable', () => {
    const bytes = hex('10 0001 54 0009 636C6173734E616D65 05 000009');
    const [o] = amf0.decode(bytes) as [AMFTypedObject];
    assert.equal(o.className, null, 'the member shadows the accessor');
    assert.equal(AMFTypedObject.classNameOf(o), 'T');
    assert.equal(amf0.encode(o).toString('hex'), bytes.toString('hex'));
    const made = new AMFTypedObject('T', { className: null });
    assert.equal(amf0.encode(made).toString('hex'), bytes.toString('hex'));
  });
});

describe('AMF0 errors: only AMFError with ERR_AMF_* codes', () => {
  const cases: [string, string, string][] = [
    // ERR_AMF_TRUNCATED
    ['ERR_AMF_TRUNCATED', 'number with 2 of 8 bytes', '00 3FF0'],
    ['ERR_AMF_TRUNCATED', 'boolean without its byte', '01'],
    ['ERR_AMF_TRUNCATED', 'string length cut', '02 00'],
    ['ERR_AMF_TRUNCATED', 'string shorter than its length', '02 0005 61'],
    ['ERR_AMF_TRUNCATED', 'long string claiming 0xFFFFFFFF bytes', '0C FFFFFFFF 6162'],
    ['ERR_AMF_TRUNCATED', 'XML document claiming 0xFFFFFFFF bytes', '0F FFFFFFFF 3C'],
    ['ERR_AMF_TRUNCATED', 'strict array claiming 0xFFFFFFFF elements', '0A FFFFFFFF 05 05'],
    ['ERR_AMF_TRUNCATED', 'strict array count > remaining bytes', '0A 00000003 05 05'],
    ['ERR_AMF_TRUNCATED', 'strict array with elements missing', `0A 00000002 ${ONE}`],
    ['ERR_AMF_TRUNCATED', 'ECMA array count cut (< 4 bytes)', '08 0000'],
    ['ERR_AMF_TRUNCATED', 'ECMA array with no terminator', `08 00000001 0001 61 ${ONE}`],
    ['ERR_AMF_TRUNCATED', 'object marker alone', '03'],
    ['ERR_AMF_TRUNCATED', 'object runs to the end without 00 00 09', `03 0001 61 ${ONE}`],
    ['ERR_AMF_TRUNCATED', 'object ends after the empty name', '03 0000'],
    ['ERR_AMF_TRUNCATED', 'property name longer than the data', '03 FFFF 61 62'],
    ['ERR_AMF_TRUNCATED', 'property without a value', '03 0001 61'],
    ['ERR_AMF_TRUNCATED', 'date without its time zone', '0B 0000000000000000'],
    ['ERR_AMF_TRUNCATED', 'reference index cut', '07 00'],
    ['ERR_AMF_TRUNCATED', 'typed object class name cut', '10 0005 4142'],
    ['ERR_AMF_TRUNCATED', 'typed object without members or end', '10 0001 54'],
    // ERR_AMF_BAD_REFERENCE
    ['ERR_AMF_BAD_REFERENCE', 'reference with an empty table', '07 0000'],
    ['ERR_AMF_BAD_REFERENCE', 'reference past the table (size 1)', '03 0001 61 07 0001 000009'],
    ['ERR_AMF_BAD_REFERENCE', 'reference 0xFFFF', '0A 00000001 07 FFFF'],
    // ERR_AMF_INVALID_UTF8
    ['ERR_AMF_INVALID_UTF8', 'string with a bad continuation byte', '02 0002 C328'],
    ['ERR_AMF_INVALID_UTF8', 'overlong encoding of "/"', '02 0002 C0AF'],
    ['ERR_AMF_INVALID_UTF8', 'encoded surrogate U+D800', '02 0003 EDA080'],
    ['ERR_AMF_INVALID_UTF8', 'long (natively checked) string', `02 0040 ${'61'.repeat(63)}FF`],
    ['ERR_AMF_INVALID_UTF8', 'property name', `03 0001 FF ${ONE} 000009`],
    ['ERR_AMF_INVALID_UTF8', 'long string', '0C 00000001 80'],
    ['ERR_AMF_INVALID_UTF8', 'XML document', '0F 00000001 FE'],
    ['ERR_AMF_INVALID_UTF8', 'typed object class name', '10 0001 FF 000009'],
    // reserved / unknown markers
    ['ERR_AMF_UNSUPPORTED_MARKER', 'movieclip 0x04', '04'],
    ['ERR_AMF_UNSUPPORTED_MARKER', 'recordset 0x0E', '0E'],
    ['ERR_AMF_UNSUPPORTED_MARKER', 'movieclip as a property value', '03 0001 61 04 000009'],
    ['ERR_AMF_UNKNOWN_MARKER', 'marker 0x12', '12'],
    ['ERR_AMF_UNKNOWN_MARKER', 'marker 0xFF', 'FF'],
    [
      'ERR_AMF_UNKNOWN_MARKER',
      'marker 0x31 in a strict array ("Unknown AMF0 data type: 49")',
      '0A 00000001 31',
    ],
    // object end
    ['ERR_AMF_UNEXPECTED_OBJECT_END', 'bare 0x09 at the top level', '09'],
    ['ERR_AMF_UNEXPECTED_OBJECT_END', 'bare 0x09 after a complete value', '02 0001 78 09'],
    ['ERR_AMF_UNEXPECTED_OBJECT_END', '0x09 as a property value', '03 0001 61 09'],
    ['ERR_AMF_UNEXPECTED_OBJECT_END', '0x09 as an array element', '0A 00000001 09'],
    ['ERR_AMF_BAD_OBJECT_END', 'empty name then a value marker', '03 0000 05 000009'],
    ['ERR_AMF_BAD_OBJECT_END', 'ECMA array: empty name then 0x00', '08 00000000 0000 00'],
    ['ERR_AMF_BAD_OBJECT_END', 'typed object: empty name then 0x0A', '10 0001 54 0000 0A'],
  ];
  for (const [code, name, h] of cases) {
    it(`${code}: ${name}`, () => expectCode(() => amf0.decode(hex(h)), code));
  }

  it('a top-level 00 00 09 is a truncated number (no librtmp-style stop at the end marker)', () => {
    expectCode(() => amf0.decode(hex('02 0001 78 000009')), 'ERR_AMF_TRUNCATED');
  });

  it('utf8: "replace" decodes bad bytes as U+FFFD', () => {
    assert.deepStrictEqual(amf0.decode(hex('02 0002 C328'), { utf8: 'replace' }), ['\uFFFD(']);
    assert.deepStrictEqual(amf0.decode(hex(`02 0040 ${'61'.repeat(63)}FF`), { utf8: 'replace' }), [
      `${'a'.repeat(63)}\uFFFD`,
    ]);
  });

  it('every proper prefix of a single value is ERR_AMF_TRUNCATED', () => {
    const vectors = [...SINGLE.map(([, b]) => b), CONNECT_COMMAND.subarray(19)];
    for (const bytes of vectors) {
      for (let n = 1; n < bytes.length; n++) {
        expectCode(() => amf0.decode(bytes.subarray(0, n)), 'ERR_AMF_TRUNCATED');
      }
    }
  });

  it('options are validated (ERR_AMF_OPTION)', () => {
    expectCode(() => amf0.decode(hex('05'), { maxDepth: 0 }), 'ERR_AMF_OPTION');
    expectCode(() => amf0.decode(hex('05'), { maxDepth: 1.5 }), 'ERR_AMF_OPTION');
  });
});

describe('AMF0 depth limit', () => {
  const nestedArrays = (n: number): Buffer =>
    Buffer.concat([Buffer.from('0a00000001'.repeat(n), 'hex'), hex('05')]);
  const nestedObjects = (n: number): Buffer =>
    Buffer.concat([
      Buffer.from('03000161'.repeat(n), 'hex'),
      hex('05'),
      Buffer.from('000009'.repeat(n), 'hex'),
    ]);

  it('maxDepth counts nested complex values', () => {
    assert.deepStrictEqual(amf0.decode(nestedArrays(2), { maxDepth: 2 }), [[[null]]]);
    expectCode(() => amf0.decode(nestedArrays(3), { maxDepth: 2 }), 'ERR_AMF_DEPTH');
    assert.deepStrictEqual(amf0.decode(nestedObjects(1), { maxDepth: 1 }), [new AMFObject({ a: null })]);
    expectCode(() => amf0.decode(nestedObjects(2), { maxDepth: 1 }), 'ERR_AMF_DEPTH');
    expectCode(
      () => amf0.decode(hex('08 00000000 0001 61 10 0001 54 000009 000009'), { maxDepth: 1 }),
      'ERR_AMF_DEPTH',
    );
  });

  it('the default limit (1000) holds: 1000 levels decode, 1001 do not', () => {
    assert.equal(amf0.decode(nestedArrays(1000)).length, 1);
    expectCode(() => amf0.decode(nestedArrays(1001)), 'ERR_AMF_DEPTH');
  });

  it('100,000 nested strict arrays give ERR_AMF_DEPTH, never RangeError (flvmeta #29 class)', () => {
    expectCode(() => amf0.decode(nestedArrays(100_000)), 'ERR_AMF_DEPTH');
    expectCode(() => amf0.decode(nestedObjects(100_000)), 'ERR_AMF_DEPTH');
  });

  it('a limit raised beyond what the stack holds still gives ERR_AMF_DEPTH', () => {
    expectCode(() => amf0.decode(nestedArrays(1_000_000), { maxDepth: 10_000_000 }), 'ERR_AMF_DEPTH');
  });

  it('encoding a value nested deeper than the stack gives ERR_AMF_DEPTH', () => {
    let v: AmfValue = null;
    for (let i = 0; i < 1_000_000; i++) v = [v];
    expectCode(() => amf0.encode(v), 'ERR_AMF_DEPTH');
  });
});

describe('AMF0 encode errors (ERR_AMF_ENCODE)', () => {
  const bad: [string, unknown][] = [
    ['a function', () => 1],
    ['a bigint', 1n],
    ['a symbol', Symbol('x')],
    ['a class instance outside the value model', new (class Foo {})()],
    ['a RegExp', /x/],
    ['a Set', new Set([1])],
    ['an Int16Array', new Int16Array(2)],
    ['an empty property name (object)', new AMFObject({ '': 1 })],
    ['an empty property name (ECMA array)', { '': 1 }],
    ['a Map with a non-string key', new Map<unknown, AmfValue>([[1, 1]])],
    ['a nested function', new AMFObject({ f: (() => 1) as unknown as AmfValue })],
    ['a property name over 65535 bytes', new AMFObject({ ['k'.repeat(65536)]: 1 })],
    ['a property name over 65535 UTF-8 bytes', { ['\u00E9'.repeat(32768)]: 1 }],
  ];
  for (const [name, v] of bad) {
    it(name, () => expectCode(() => amf0.encode(v as AmfValue), 'ERR_AMF_ENCODE'));
  }

  it('a property name of exactly 65535 bytes is fine', () => {
    const k = 'k'.repeat(65535);
    const b = amf0.encode(new AMFObject({ [k]: null }));
    assert.equal(b.subarray(0, 3).toString('hex'), '03ffff');
    assert.deepStrictEqual(amf0.decode(b), [new AMFObject({ [k]: null })]);
  });
});

describe('librtmp CVE input classes (CVE-2015-8270/8271 and the Qihoo 360 reports)', () => {
  it('Qihoo 360 6-7/7: strict-array count far beyond the data fails before allocating', () => {
    const t0 = performance.now();
    expectCode(() => amf0.decode(hex('02 0001 78 0A FFFFFFFF 00')), 'ERR_AMF_TRUNCATED');
    expectCode(() => amf0.decode(hex('0A 7FFFFFFF')), 'ERR_AMF_TRUNCATED');
    assert.ok(performance.now() - t0 < 50, 'no allocation proportional to the claimed count');
  });

  it('Qihoo 360 6-7/7: a property name that consumes the buffer', () => {
    expectCode(() => amf0.decode(hex('03 0004 6162')), 'ERR_AMF_TRUNCATED');
    expectCode(() => amf0.decode(hex('08 00000001 FFFF')), 'ERR_AMF_TRUNCATED');
  });

  it('Qihoo 360 1/7 (type confusion): onStatus whose info is not an object comes back typed', () => {
    // onStatus, txn 0, null, 1 — a caller that checks `instanceof AMFObject` cannot be confused.
    const values = amf0.decode(hex(`02 0008 6F6E537461747573 00 0000000000000000 05 ${ONE}`));
    assert.deepStrictEqual(values, ['onStatus', 0, null, 1]);
    assert.ok(!((values[3] as unknown) instanceof AMFObject));
  });

  it('CVE-2015-8272 class: a play command whose stream name is missing or not a string decodes as such', () => {
    // "play", txn 0, null, 1 (number where the playpath string belongs)
    const v = amf0.decode(hex(`02 0004 706C6179 00 0000000000000000 05 ${ONE}`));
    assert.equal(typeof v[3], 'number');
    const missing = amf0.decode(hex('02 0004 706C6179 00 0000000000000000 05'));
    assert.equal(missing.length, 3);
  });

  it('librtmp hazard (AMF_Decode recursion): one deep onMetaData is bounded here', () => {
    const deep = Buffer.concat([
      hex('02 000A 6F6E4D65746144617461'),
      Buffer.from('080000000100016103000161'.repeat(5000), 'hex'),
    ]);
    expectCode(() => amf0.decode(deep), 'ERR_AMF_DEPTH');
  });
});

describe('AMF0 avmplus switch 0x11 (one AMF3 value, AMF3-SPEC)', () => {
  it('decodes one AMF3 value per switch', () => {
    assert.deepStrictEqual(
      amf0.decode(
        hex('11 00  11 01  11 02  11 03  11 04 05  11 04 FFFFFFFF  11 05 3FF8000000000000  11 06 07 616263'),
      ),
      [undefined, null, false, true, 5, -1, 1.5, 'abc'],
    );
    assert.deepStrictEqual(amf0.decode(hex('11 08 01 0000000000000000')), [new Date(0)]); // AMF3 date
    assert.deepStrictEqual(amf0.decode(hex('11 0A 0B 01 03 61 04 01 01')), [new AMFObject({ a: 1 })]); // anonymous {a: 1}
  });

  it('the switch is not sticky: the next marker is AMF0 again', () => {
    assert.deepStrictEqual(amf0.decode(hex(`11 04 05  ${ONE}  11 06 03 61  02 0001 62`)), [5, 1, 'a', 'b']);
    assert.deepStrictEqual(amf0.decode(hex(`03 0001 61 11 04 05 0001 62 ${ONE} 000009`)), [
      new AMFObject({ a: 5, b: 1 }),
    ]);
  });

  it('each switch starts with fresh AMF3 tables (a string reference into the previous one fails)', () => {
    expectCode(() => amf0.decode(hex('11 06 07 616263  11 06 00')), 'ERR_AMF_BAD_REFERENCE');
  });

  it('AMF3 values do not take AMF0 reference slots', () => {
    const [arr] = amf0.decode(hex('0A 00000002  11 0A 0B 01 01  07 0000')) as [AmfValue[]];
    assert.ok(arr[0] instanceof AMFObject);
    assert.equal(arr[1], arr);
  });

  it('ByteArray <-> Uint8Array / Buffer (0x0C)', () => {
    const bytes = hex('11 0C 07 010203'); // U29 (3 << 1) | 1
    assert.equal(amf0.encode(new Uint8Array([1, 2, 3])).toString('hex'), bytes.toString('hex'));
    assert.equal(amf0.encode(Buffer.from([1, 2, 3])).toString('hex'), bytes.toString('hex'));
    const [v] = amf0.decode(bytes);
    assert.ok(v instanceof Uint8Array);
    assert.deepEqual([...v], [1, 2, 3]);
    const [o] = amf0.decode(hex('03 0001 62 11 0C 03 FF 000009')) as [AMFObject];
    assert.deepEqual([...(o.b as Uint8Array)], [0xff]);
  });

  it('vectors (0x0D int, 0x0E uint, 0x0F double, 0x10 object)', () => {
    const cases: [AMFVector, string][] = [
      [new AMFVector('int', [1, -1]), '11 0D 05 00 00000001 FFFFFFFF'],
      [new AMFVector('uint', [0xffffffff]), '11 0E 03 00 FFFFFFFF'],
      [new AMFVector('double', [1.5], true), '11 0F 03 01 3FF8000000000000'],
      [new AMFVector('object', ['a']), '11 10 03 00 03 2A 06 03 61'], // type name "*", element "a"
    ];
    for (const [vec, h] of cases) golden(hex(h), vec);
  });

  it('dictionary (0x11) with a string key', () => {
    const d = new AMFDictionary();
    d.set('a', 1);
    const bytes = hex('11 11 03 00 06 03 61 04 01'); // 1 entry, weak-keys 0, "a" => int 1
    assert.equal(amf0.encode(d).toString('hex'), bytes.toString('hex'));
    const [back] = amf0.decode(bytes) as [AMFDictionary];
    assert.ok(back instanceof AMFDictionary);
    assert.deepEqual([...back], [['a', 1]]);
    assert.equal(back.weakKeys, false);
  });

  it('AMF3 externalizables (Flex ArrayCollection) go through the switch too', () => {
    const ac = new amf3.AMFExternalizable('flex.messaging.io.ArrayCollection', [1]);
    // 0A 07 = object, externalizable traits; class name U29 (33 << 1) | 1 = 0x43; body: AMF3 array [1]
    const bytes = hex(
      `11 0A 07 43 ${Buffer.from('flex.messaging.io.ArrayCollection').toString('hex')} 09 03 01 04 01`,
    );
    assert.equal(amf0.encode(ac).toString('hex'), bytes.toString('hex'));
    const [back] = amf0.decode(bytes);
    assert.ok(back instanceof amf3.AMFExternalizable);
    assert.equal(back.className, 'flex.messaging.io.ArrayCollection');
    assert.deepStrictEqual(back.value, [1]);
  });

  it('CVE-2015-8270 class: AMF3 string references into an empty table fail cleanly', () => {
    // "x", then an AMF3 object whose class name is string reference 0 (the CVE-2015-8270 trigger)
    expectCode(() => amf0.decode(hex('02 0001 78 11 0A 0B 00 01')), 'ERR_AMF_BAD_REFERENCE');
    expectCode(() => amf0.decode(hex('02 0001 78 11 06 00')), 'ERR_AMF_BAD_REFERENCE');
  });

  it('CVE-2015-8271 class: 2^20 sealed members with 3 bytes of data fail at once', () => {
    const t0 = performance.now();
    expectCode(() => amf0.decode(hex('02 0001 78 11 0A 84 80 80 03 01 01 01')), 'ERR_AMF_TRUNCATED');
    assert.ok(performance.now() - t0 < 50);
  });

  it('truncated AMF3 after the switch is ERR_AMF_TRUNCATED', () => {
    for (const h of [
      '11',
      '11 04',
      '11 04 FF',
      '11 05 3FF8',
      '11 06 07 61',
      '11 0C 07 01',
      '11 0D 05 00 00000001',
    ]) {
      expectCode(() => amf0.decode(hex(h)), 'ERR_AMF_TRUNCATED');
    }
  });

  it('AMF3 depth counts on from the AMF0 depth', () => {
    // AMF0 strict array (level 1) holding an AMF3 dense array (level 2)
    const bytes = hex('0A 00000001 11 09 03 01 04 01');
    assert.deepStrictEqual(amf0.decode(bytes, { maxDepth: 2 }), [[[1]]]);
    expectCode(() => amf0.decode(bytes, { maxDepth: 1 }), 'ERR_AMF_DEPTH');
  });
});
