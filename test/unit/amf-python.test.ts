/**
 * python-librtmp's AMF surface: `encodeAmf`/`decodeAmf` (python-librtmp `librtmp/amf.py`
 * and what its encoder writes for each Python type, `conn=` encodings of librtmp 2.6).
 * Hex is written by hand; `#` starts a comment.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as amfPublic from '../../src/amf/index.js';
import {
  AMF_UNSUPPORTED,
  AMFObject,
  AMFTypedObject,
  AMFXMLDocument,
  type AmfValue,
  amf0,
  decodeAmf,
  encodeAmf,
  newEcmaArray,
} from '../../src/amf/index.js';
import { AMFError, RTMPError } from '../../src/errors.js';

function hex(s: string): Buffer {
  const clean = s.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  assert.match(clean, /^(?:[0-9a-fA-F]{2})*$/);
  return Buffer.from(clean, 'hex');
}

function ecma(init: Record<string, AmfValue>): { [key: string]: AmfValue } {
  return Object.assign(newEcmaArray(), init);
}

const ONE = '00 3FF0000000000000';

describe('encodeAmf: python-librtmp encode_amf vectors', () => {
  const vectors: [string, AmfValue, string][] = [
    ['None', null, '05'],
    ['True', true, '01 01'],
    ['False', false, '01 00'],
    ['1 (int -> double)', 1, ONE],
    ['"ab"', 'ab', '02 0002 6162'],
    ['AMFObject(a=1)', new AMFObject({ a: 1 }), `03 0001 61 ${ONE} 000009`],
    ['{"a": 1} (dict -> ECMA array)', { a: 1 }, `08 00000001 0001 61 ${ONE} 000009`],
    ['[1] (list -> strict array, no end marker)', [1], `0A 00000001 ${ONE}`],
    ['{} ', {}, '08 00000000 000009'],
    ['AMFObject()', new AMFObject(), '03 000009'],
    ['[]', [], '0A 00000000'],
  ];
  for (const [name, value, h] of vectors) {
    it(name, () => assert.equal(encodeAmf(value).toString('hex'), hex(h).toString('hex')));
  }

  it('"x" * 65536 is a long string: 0C 00010000 + bytes', () => {
    const b = encodeAmf('x'.repeat(65536));
    assert.equal(b.subarray(0, 5).toString('hex'), '0c00010000');
    assert.equal(b.length, 5 + 65536);
    assert.ok(b.subarray(5).every((c) => c === 0x78));
  });

  it('"x" * 65535 is still a short string (python: < 65536 bytes -> 0x02)', () => {
    assert.equal(encodeAmf('x'.repeat(65535)).subarray(0, 3).toString('hex'), '02ffff');
  });

  it('nested python values: dict of list and AMFObject', () => {
    // python: encode_amf({'a': [1, None, 's'], 'b': AMFObject(c=True)})
    const expected = hex(`
      08 00000002
        0001 61  0A 00000003 ${ONE} 05 02 0001 73
        0001 62  03 0001 63 01 01 000009
      000009`);
    assert.equal(
      encodeAmf({ a: [1, null, 's'], b: new AMFObject({ c: true }) }).toString('hex'),
      expected.toString('hex'),
    );
  });

  it('call("foo", 1) body = encode_amf of [method, txn, obj=None, *args]', () => {
    const body = Buffer.concat([encodeAmf('foo'), encodeAmf(1), encodeAmf(null), encodeAmf(1)]);
    assert.equal(body.toString('hex'), hex(`02 0003 666F6F ${ONE} 05 ${ONE}`).toString('hex'));
    assert.equal(amf0.encode('foo', 1, null, 1).toString('hex'), body.toString('hex'));
  });

  it('beyond python: undefined, Date, typed object, XML, unsupported', () => {
    assert.equal(encodeAmf(undefined).toString('hex'), '06');
    assert.equal(encodeAmf(new Date(0)).toString('hex'), hex('0B 0000000000000000 0000').toString('hex'));
    assert.equal(
      encodeAmf(new AMFTypedObject('T')).toString('hex'),
      hex('10 0001 54 000009').toString('hex'),
    );
    assert.equal(encodeAmf(new AMFXMLDocument('')).toString('hex'), hex('0F 00000000').toString('hex'));
    assert.equal(encodeAmf(AMF_UNSUPPORTED).toString('hex'), '0d');
  });

  it('what python cannot encode fails with ERR_AMF_ENCODE (python: AMFError "Unable to encode")', () => {
    for (const v of [() => 0, 1n, Symbol('s'), new Set()]) {
      assert.throws(
        () => encodeAmf(v as unknown as AmfValue),
        (e: unknown) => e instanceof AMFError && e.code === 'ERR_AMF_ENCODE',
      );
    }
  });
});

describe('decodeAmf: python-librtmp decode_amf semantics', () => {
  it('the connect _result: ["_result", 1.0, AMFObject(...), AMFObject(code=...)]', () => {
    const body = hex(`
      02 0007 5F726573756C74                                   # "_result"
      ${ONE}                                                   # 1
      03                                                       # properties
        0006 666D73566572        02 000E 464D532F332C352C372C37303039   # fmsVer: "FMS/3,5,7,7009"
        000C 6361706162696C6974696573 00 403F000000000000      # capabilities: 31
      000009
      03                                                       # information
        0005 6C6576656C          02 0006 737461747573          # level: "status"
        0004 636F6465            02 001D 4E6574436F6E6E656374696F6E2E436F6E6E6563742E53756363657373
                                                               # code: "NetConnection.Connect.Success"
        000E 6F626A656374456E636F64696E67 00 0000000000000000  # objectEncoding: 0
      000009`);
    const values = decodeAmf(body);
    assert.deepStrictEqual(values, [
      '_result',
      1,
      new AMFObject({ fmsVer: 'FMS/3,5,7,7009', capabilities: 31 }),
      new AMFObject({ level: 'status', code: 'NetConnection.Connect.Success', objectEncoding: 0 }),
    ]);
    assert.ok(values[3] instanceof AMFObject, 'objects are AMFObject, like python');
    assert.equal((values[3] as AMFObject).code, 'NetConnection.Connect.Success');
  });

  it('object vs ECMA array vs strict array keep python’s distinction', () => {
    const [o, e, a] = decodeAmf(
      Buffer.concat([encodeAmf(new AMFObject({ a: 1 })), encodeAmf({ a: 1 }), encodeAmf([1])]),
    );
    assert.ok(o instanceof AMFObject);
    assert.ok(!(e instanceof AMFObject));
    assert.equal(Object.getPrototypeOf(e), null, 'ECMA arrays are null-prototype dicts');
    assert.deepStrictEqual(e, ecma({ a: 1 }));
    assert.deepStrictEqual(a, [1]);
  });

  it('conn= encodings (librtmp parseAMF) decode', () => {
    // B:1 S:authMe O:1 NN:code:1.23 NS:flag:ok O:0
    assert.deepStrictEqual(
      decodeAmf(
        hex(
          '01 01  02 0006 617574684D65  03 0004 636F6465 00 3FF3AE147AE147AE 0004 666C6167 02 0002 6F6B 000009',
        ),
      ),
      [true, 'authMe', new AMFObject({ code: 1.23, flag: 'ok' })],
    );
    // O:1 NB:f:1 NO:sub:1 NS:a:b O:0 — librtmp closes the inner object too
    assert.deepStrictEqual(
      decodeAmf(hex('03 0001 66 01 01 0003 737562 03 0001 61 02 0001 62 000009 000009')),
      [new AMFObject({ f: true, sub: new AMFObject({ a: 'b' }) })],
    );
    // B:true B:2 N:abc Z:whatever
    assert.deepStrictEqual(decodeAmf(hex('01 00  01 01  00 0000000000000000  05')), [false, true, 0, null]);
  });

  it('malformed conn= output that python silently half-decodes is an error here', () => {
    // O:1 S:unnamed O:0 -> 03 02 0007 "unnamed" 000009: the name length reads as 0x0200.
    assert.throws(
      () => decodeAmf(hex('03 02 0007 756E6E616D6564 000009')),
      (e: unknown) => e instanceof RTMPError && e.code === 'ERR_AMF_TRUNCATED',
    );
    // O:0 NS:x:y -> 000009 0001 78 02 0001 79 at the top level: a truncated number.
    assert.throws(
      () => decodeAmf(hex('000009 0001 78 02 0001 79')),
      (e: unknown) => e instanceof AMFError && e.code.startsWith('ERR_AMF_'),
    );
  });

  it('bad bytes throw AMFError (an RTMPError with ERR_AMF_*), where python returns a partial list', () => {
    // python-librtmp: decode_amf(b'\x02\x00\x01x\x02\x00\x05x') == ['x'] and never raises.
    assert.throws(
      () => decodeAmf(hex('02 0001 78  02 0005 78')),
      (e: unknown) => e instanceof AMFError && e instanceof RTMPError && e.code === 'ERR_AMF_TRUNCATED',
    );
    assert.throws(
      () => decodeAmf(hex('12')),
      (e: unknown) => e instanceof AMFError && e.code === 'ERR_AMF_UNKNOWN_MARKER',
    );
  });

  it('values python maps to None keep their meaning here', () => {
    assert.deepStrictEqual(decodeAmf(hex('05 06 0D 0B 0000000000000000 0000 0F 00000000')), [
      null,
      undefined,
      AMF_UNSUPPORTED,
      new Date(0),
      new AMFXMLDocument(''),
    ]);
  });

  it('references, which python-librtmp cannot decode at all, resolve', () => {
    const [x, y] = decodeAmf(hex('03 0001 61 05 000009 07 0000')); // {a: null}, <ref 0>
    assert.equal(x, y);
  });

  it('decodeAmf takes options (maxDepth, utf8)', () => {
    assert.throws(
      () => decodeAmf(hex('0A 00000001 0A 00000000'), { maxDepth: 1 }),
      (e: unknown) => e instanceof AMFError && e.code === 'ERR_AMF_DEPTH',
    );
    // python decodes with errors="ignore"; we throw by default and replace on request.
    assert.deepStrictEqual(decodeAmf(hex('02 0002 C328'), { utf8: 'replace' }), ['\uFFFD(']);
  });

  it('an empty body is an empty list', () => {
    assert.deepStrictEqual(decodeAmf(new Uint8Array(0)), []);
  });
});

describe('public AMF surface', () => {
  it('exports the codecs, the python pair and the value model', () => {
    for (const name of ['encodeAmf', 'decodeAmf', 'AMFObject', 'AMFTypedObject', 'newEcmaArray', 'setOwn']) {
      assert.equal(typeof (amfPublic as Record<string, unknown>)[name], 'function', name);
    }
    for (const fn of ['encode', 'decode', 'readAmf0Value', 'writeAmf0Value']) {
      assert.equal(typeof (amfPublic.amf0 as Record<string, unknown>)[fn], 'function', `amf0.${fn}`);
    }
    for (const fn of ['encode', 'decode']) {
      assert.equal(typeof (amfPublic.amf3 as Record<string, unknown>)[fn], 'function', `amf3.${fn}`);
    }
    assert.equal(amfPublic.AMF_UNSUPPORTED, AMF_UNSUPPORTED);
    assert.equal(amfPublic.DEFAULT_MAX_DEPTH, 1000);
  });
});
