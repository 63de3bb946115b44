/**
 * NetStatus classification (src/session/status.ts) and the connect command object
 * (src/session/connect-object.ts): tables, defaults, golden AMF bytes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as amf0 from '../../src/amf/amf0.js';
import { AMFObject } from '../../src/amf/types.js';
import { buildConnectArgs, buildConnectCommandObject } from '../../src/session/connect-object.js';
import {
  classifyStatus,
  isNetStatusCode,
  NET_STATUS_CODES,
  type NetStatusCode,
  toStatusInfo,
} from '../../src/session/status.js';

describe('classifyStatus', () => {
  const table: [NetStatusCode, string, string][] = [
    ['NetStream.Play.Failed', 'error', 'error'],
    ['NetStream.Play.StreamNotFound', 'error', 'error'],
    ['NetConnection.Connect.InvalidApp', 'error', 'error'],
    ['NetConnection.Connect.Rejected', 'error', 'error'],
    ['NetConnection.Connect.Failed', 'error', 'error'],
    ['NetStream.Publish.BadName', 'error', 'error'],
    ['NetStream.Publish.Denied', 'error', 'error'],
    ['NetStream.Failed', 'error', 'error'],
    ['NetStream.Play.Complete', 'status', 'eof'],
    ['NetStream.Play.Stop', 'status', 'eof'],
    ['NetStream.Play.UnpublishNotify', 'status', 'eof'],
    ['NetStream.Play.Start', 'status', 'start'],
    ['NetStream.Publish.Start', 'status', 'start'],
    ['NetStream.Play.Reset', 'status', 'info'],
    ['NetStream.Seek.Notify', 'status', 'info'],
    ['NetStream.Pause.Notify', 'status', 'info'],
    ['NetStream.Play.PublishNotify', 'status', 'info'],
    ['NetConnection.Connect.Success', 'status', 'info'],
    ['NetConnection.Connect.Closed', 'status', 'info'],
  ];
  for (const [code, level, expected] of table) {
    it(`${code} -> ${expected}`, () => {
      assert.equal(classifyStatus({ level, code }), expected);
      // The code decides even when a server sends a status level with an error code.
      assert.equal(classifyStatus(new AMFObject({ level: 'status', code })), expected);
    });
  }

  it('level error wins over the code', () => {
    assert.equal(classifyStatus({ level: 'error', code: 'NetStream.Play.Start' }), 'error');
    assert.equal(classifyStatus({ level: 'error', code: 'Some.Vendor.Thing' }), 'error');
    assert.equal(classifyStatus({ level: 'error' }), 'error');
  });

  it('is total on junk', () => {
    for (const v of [undefined, null, 0, 'NetStream.Play.Start', [], {}, { code: 5 }, new Date(0)]) {
      assert.equal(classifyStatus(v), 'info');
    }
    assert.equal(classifyStatus({ level: 'warning', code: 'NetStream.Play.InsufficientBW' }), 'info');
  });

  it('knows the code list and nothing else', () => {
    assert.equal(new Set(NET_STATUS_CODES).size, NET_STATUS_CODES.length);
    for (const c of NET_STATUS_CODES) assert.ok(isNetStatusCode(c));
    assert.equal(isNetStatusCode('netstream.play.start'), false);
    assert.equal(isNetStatusCode(1), false);
  });
});

describe('toStatusInfo', () => {
  it('copies AMFObject, ECMA array, plain object and Map properties', () => {
    const ecma = Object.assign(Object.create(null), { code: 'X', level: 'status' });
    for (const v of [
      new AMFObject({ code: 'X', level: 'status' }),
      ecma,
      { code: 'X', level: 'status' },
      new Map([
        ['code', 'X'],
        ['level', 'status'],
      ]),
    ]) {
      assert.deepEqual({ ...toStatusInfo(v) }, { code: 'X', level: 'status' });
    }
  });

  it('keeps a hostile __proto__ key as data', () => {
    const decoded = amf0.decode(amf0.encode(new AMFObject([['__proto__', 'x']])))[0];
    const info = toStatusInfo(decoded);
    assert.equal(Object.getPrototypeOf(info), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(info, '__proto__')?.value, 'x');
  });

  it('wraps non-objects', () => {
    assert.deepEqual(toStatusInfo('denied'), { value: 'denied' });
    assert.deepEqual(toStatusInfo(null), {});
    assert.deepEqual(toStatusInfo(undefined), {});
    assert.deepEqual(toStatusInfo([1]), { value: [1] });
  });
});

describe('buildConnectCommandObject', () => {
  it('player defaults in librtmp order, omitting undefined fields', () => {
    const obj = buildConnectCommandObject({ app: 'vod', tcUrl: 'rtmp://h/vod', pageUrl: 'http://p/' });
    assert.ok(obj instanceof AMFObject);
    assert.deepEqual(Object.entries(obj), [
      ['app', 'vod'],
      ['flashVer', 'LNX 10,0,32,18'],
      ['tcUrl', 'rtmp://h/vod'],
      ['fpad', false],
      ['capabilities', 15],
      ['audioCodecs', 3191],
      ['videoCodecs', 252],
      ['videoFunction', 1],
      ['pageUrl', 'http://p/'],
      ['objectEncoding', 0],
    ]);
  });

  it('publisher defaults: type nonprivate, FMLE flashVer, no player fields unless given', () => {
    const obj = buildConnectCommandObject({
      app: 'live2',
      mode: 'publish',
      tcUrl: 'rtmp://a/live2',
      swfUrl: 'rtmp://a/live2',
      videoCodecs: 128,
    });
    assert.deepEqual(Object.entries(obj), [
      ['app', 'live2'],
      ['type', 'nonprivate'],
      ['flashVer', 'FMLE/3.0 (compatible; FMSc/1.0)'],
      ['swfUrl', 'rtmp://a/live2'],
      ['tcUrl', 'rtmp://a/live2'],
      ['videoCodecs', 128],
      ['objectEncoding', 0],
    ]);
  });

  it('overrides and extras: order kept, undefined in extra removes a field', () => {
    const obj = buildConnectCommandObject({
      app: 'a',
      flashVer: 'WIN 32,0,0,0',
      objectEncoding: 3,
      fpad: true,
      extra: { capabilities: 239, fourCcList: ['av01', 'hvc1'], videoFunction: undefined, __proto__x: 1 },
    });
    assert.deepEqual(Object.entries(obj), [
      ['app', 'a'],
      ['flashVer', 'WIN 32,0,0,0'],
      ['fpad', true],
      ['capabilities', 239],
      ['audioCodecs', 3191],
      ['videoCodecs', 252],
      ['objectEncoding', 3],
      ['fourCcList', ['av01', 'hvc1']],
      ['__proto__x', 1],
    ]);
  });

  it('encodes as an AMF0 object (0x03) with the golden prefix', () => {
    const bytes = amf0.encode('connect', 1, buildConnectCommandObject({ app: 'live' }));
    // "connect", 1.0, object marker 0x03, "app": "live", …, 00 00 09
    assert.equal(
      bytes.subarray(0, 32).toString('hex'),
      '020007636f6e6e656374' + '003ff0000000000000' + '03' + '0003617070' + '0200046c697665',
    );
    assert.equal(bytes.subarray(-3).toString('hex'), '000009');
  });

  it('connect arguments: auth then conn= values', () => {
    assert.deepEqual(buildConnectArgs({ app: 'a' }), []);
    assert.deepEqual(
      buildConnectArgs({ app: 'a', auth: 'tok', extraArgs: [1, 'S', new AMFObject({ o: true })] }),
      [true, 'tok', 1, 'S', new AMFObject({ o: true })],
    );
  });
});
