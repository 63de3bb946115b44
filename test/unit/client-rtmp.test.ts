/**
 * The public client (`RTMP`, `RTMPCall`, `RTMPPacket`) against the in-process fixture
 * server (test/unit/client-fixture.ts): python-librtmp's own two tests, connect
 * outcomes, remote calls both ways, processPackets, the raw packet API, options,
 * timeouts and AbortSignal.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import * as amf0 from '../../src/amf/amf0.js';
import { AMFObject, type AmfValue } from '../../src/amf/types.js';
import {
  PacketSize,
  PacketType,
  RTMP,
  RTMPCall,
  RTMPConnectionError,
  RTMPError,
  RTMPPacket,
  RTMPTimeoutError,
  RTMPUsageError,
} from '../../src/index.js';
import { decodeSecureToken, xxteaDecrypt, xxteaEncrypt } from '../../src/session/secure-token.js';
import { freePort } from '../helpers/peers.js';
import { startScriptedServer } from '../helpers/scripted-server.js';
import { type Fixture, startFixture } from './client-fixture.js';

const fixtures: Fixture[] = [];
after(async () => {
  for (const f of fixtures) await f.close();
});
async function fixture(b: Parameters<typeof startFixture>[0] = {}): Promise<Fixture> {
  const f = await startFixture(b);
  fixtures.push(f);
  return f;
}

// ---------------------------------------------------------------- python-librtmp's own tests

test('python-librtmp test_connect: connecting to a closed port rejects with RTMPError', async () => {
  const port = await freePort();
  const conn = new RTMP(`rtmp://127.0.0.1:${port}/app/playpath`, { live: true });
  await assert.rejects(conn.connect(), (err: unknown) => {
    assert.ok(err instanceof RTMPError);
    assert.ok(err instanceof RTMPConnectionError);
    assert.equal(err.code, 'ERR_RTMP_CONNECTION');
    return true;
  });
  assert.equal(conn.connected, false);
});

test('python-librtmp test_remote_method: a function named after the method, no I/O', () => {
  const conn = new RTMP('rtmp://localhost/app/playpath', { live: true });
  const f = conn.remoteMethod('MyRemoteMethod', { block: true });
  assert.equal(typeof f, 'function');
  assert.equal(f.name, 'MyRemoteMethod');
  assert.equal(conn.connected, false);
});

// ---------------------------------------------------------------- connect

test('connect resolves with the server info; connected; close', async () => {
  const f = await fixture();
  const conn = new RTMP(f.url('app/x'), { timeout: 5 });
  const events: string[] = [];
  conn.on('connect', (info) => events.push(String(info.code)));
  const closed = new Promise((res) => conn.once('close', res));
  const info = await conn.connect();
  assert.equal(info.code, 'NetConnection.Connect.Success');
  assert.equal(conn.connected, true);
  assert.equal(conn.serverProperties?.fmsVer, 'FMS/3,5,7,7009');
  assert.deepEqual(events, ['NetConnection.Connect.Success']);
  const obj = f.log.connectObject as Record<string, AmfValue>;
  assert.equal(obj.app, 'app');
  assert.equal(obj.tcUrl, f.url('app'));
  assert.equal(obj.fpad, false);
  await conn.close();
  assert.equal(conn.connected, false);
  assert.equal(await closed, undefined);
  // After connect, librtmp sends SetBufferLength(0, 300) for players.
  assert.ok(f.log.bufferLengths.some((b) => b.streamId === 0 && b.ms === 300));
});

test('connect rejected: RTMPError carrying the server info', async () => {
  const f = await fixture({
    onConnect: (c, txn) => {
      c.session.rejectConnect(txn, { code: 'NetConnection.Connect.Rejected', description: 'go away' });
    },
  });
  const conn = new RTMP(f.url(), { timeout: 5 });
  await assert.rejects(conn.connect(), (err: unknown) => {
    assert.ok(err instanceof RTMPError);
    assert.equal(err.code, 'ERR_RTMP_CONNECT_REJECTED');
    assert.equal((err.info as { code: string }).code, 'NetConnection.Connect.Rejected');
    assert.match(err.message, /go away/);
    return true;
  });
  assert.equal(conn.connected, false);
});

test('connect to a server that never answers the handshake: RTMPTimeoutError in time', async () => {
  const f = await fixture({ silent: true });
  const conn = new RTMP(f.url(), { timeout: 0.5 });
  const t0 = performance.now();
  await assert.rejects(conn.connect(), RTMPTimeoutError);
  const ms = performance.now() - t0;
  assert.ok(ms >= 400 && ms < 2000, `took ${ms} ms`);
});

test('AbortSignal cancels connect (per call and from the constructor)', async () => {
  const f = await fixture({ silent: true });
  const conn = new RTMP(f.url(), { timeout: 30 });
  const t0 = performance.now();
  await assert.rejects(conn.connect(undefined, { signal: AbortSignal.timeout(100) }), (e: unknown) => {
    assert.equal((e as Error).name, 'TimeoutError');
    return true;
  });
  assert.ok(performance.now() - t0 < 2000);
  const ac = new AbortController();
  const conn2 = new RTMP(f.url(), { timeout: 30, signal: ac.signal });
  const p = conn2.connect();
  setTimeout(() => ac.abort(new Error('stop')), 50);
  await assert.rejects(p, /stop/);
  await assert.rejects(new RTMP(f.url(), { signal: ac.signal }).connect(), /stop/);
});

test('connect({ signal }): an options object as the only argument', async () => {
  const f = await fixture({ silent: true });
  const conn = new RTMP(f.url(), { timeout: 30 });
  const t0 = performance.now();
  await assert.rejects(conn.connect({ signal: AbortSignal.timeout(100) }), { name: 'TimeoutError' });
  assert.ok(performance.now() - t0 < 2000);
  await assert.rejects(
    new RTMP(f.url()).connect({ sigal: AbortSignal.timeout(100) } as never),
    (e: unknown) => e instanceof RTMPUsageError && e.code === 'ERR_RTMP_OPTION',
  );
});

test("unknown constructor options are refused: python-librtmp's spellings name rtmpkit's key, typos get a hint", () => {
  const url = 'rtmp://h/app/x';
  const refused = (options: object, hint: RegExp) =>
    assert.throws(
      () => new RTMP(url, options as never),
      (e: unknown) => e instanceof RTMPUsageError && e.code === 'ERR_RTMP_OPTION' && hint.test(e.message),
      JSON.stringify(Object.keys(options)),
    );
  const python: [string, string][] = [
    ['tcurl', 'tcUrl'],
    ['pageurl', 'pageUrl'],
    ['swfurl', 'swfUrl'],
    ['swfvfy', 'swfVfy'],
    ['flashver', 'flashVer'],
    ['connect_data', 'connectData'],
    ['swfhash', 'swfHash'],
    ['swfsize', 'swfSize'],
  ];
  for (const [theirs, ours] of python)
    refused({ [theirs]: 'x' }, new RegExp(`python-librtmp's spelling.*"${ours}"`));
  refused({ timeoutt: 5 }, /"timeoutt".*did you mean "timeout"/);
  refused({ Live: true }, /did you mean "live"/);
  refused({ limits: { highwatermark: 1 } }, /"limits\.highwatermark".*did you mean "limits\.highWaterMark"/);
  refused({ tls: { rejectUnauthorised: false } }, /did you mean "tls\.rejectUnauthorized"/);
  refused({ zzzzqqq: 1 }, /known options: playpath, tcUrl/);
  // python-librtmp's keywords that rtmpkit spells the same way are simply accepted.
  const same = { playpath: 'p', app: 'a', auth: 'x', subscribe: 's', token: 't', live: true, jtv: 'j' };
  const conn = new RTMP(url, { ...same, socks: 'proxy:1080', start: 1, stop: 2, buffer: 3, timeout: 4 });
  assert.equal(conn.params.subscribe, 's');
});

test('rtmfp is refused by the URL parser; rtmpe/rtmpte refuse the simple handshake before any I/O', async () => {
  // rtmpt/rtmpts: test/unit/transport-rtmpt*.test.ts; rtmpe/rtmpte: test/unit/client-protected.test.ts.
  assert.throws(() => new RTMP('rtmfp://127.0.0.1:1/app/x'), { code: 'ERR_URL_SCHEME' });
  for (const scheme of ['rtmpe', 'rtmpte']) {
    const conn = new RTMP(`${scheme}://127.0.0.1:1/app/x`, { handshake: 'simple' });
    await assert.rejects(conn.connect(), (err: unknown) => {
      assert.ok(err instanceof RTMPError);
      assert.equal(err.code, 'ERR_RTMP_OPTION');
      assert.match(err.message, new RegExp(`^${scheme}:// needs the digest handshake`));
      return true;
    });
  }
});

test('constructor and setOption: librtmp options, unknown key is ERR_RTMP_OPTION', () => {
  const conn = new RTMP('rtmp://h/app/x live=1 buffer=1000 start=5000', { timeout: 7 });
  assert.equal(conn.params.live, true);
  assert.equal(conn.params.buffer, 1000);
  assert.equal(conn.params.start, 5);
  assert.equal(conn.params.timeout, 7);
  conn.setOption('playpath', 'mp4:other.mp4');
  assert.equal(conn.params.playpath, 'mp4:other.mp4');
  assert.throws(
    () => conn.setOption('nosuchoption', 1),
    (e: unknown) => e instanceof RTMPUsageError && e.code === 'ERR_RTMP_OPTION',
  );
  assert.throws(
    () => new RTMP('rtmp://h/app/x badkey=1'),
    (e: unknown) => (e as RTMPError).code === 'ERR_RTMP_OPTION',
  );
  assert.throws(() => new RTMP('nope'), RTMPUsageError);
  conn.setupUrl('rtmp://other:1936/app2/y');
  assert.equal(conn.params.url.host, 'other');
  assert.equal(conn.params.app, 'app2');
  assert.equal(conn.params.live, true);
});

test('connectData and conn= values follow the connect command object', async () => {
  const f = await fixture();
  const conn = new RTMP(`${f.url('app/x')} conn=S:hello conn=B:1`, { connectData: [{ a: 1 }, 'str'] });
  await conn.connect();
  assert.deepEqual(f.log.connectArgs.slice(0, 2), ['hello', true]);
  assert.ok(f.log.connectArgs[2] instanceof AMFObject);
  assert.equal((f.log.connectArgs[2] as Record<string, AmfValue>).a, 1);
  assert.equal(f.log.connectArgs[3], 'str');
  await conn.close();
});

test('publish: true connects as a publisher (type nonprivate, FMLE flashVer)', async () => {
  const f = await fixture();
  const conn = new RTMP(f.url('app/x'), { publish: true });
  await conn.connect();
  const obj = f.log.connectObject as Record<string, AmfValue>;
  assert.equal(obj.type, 'nonprivate');
  assert.match(String(obj.flashVer), /^FMLE/);
  assert.equal(obj.fpad, undefined);
  await conn.close();
});

// ---------------------------------------------------------------- calls

test('call: _result resolves, _error rejects with the server info', async () => {
  const f = await fixture({
    onCall: (c, name, txn, args) => {
      if (name === 'add') c.session.respond(txn, (args[0] as number) + (args[1] as number));
      else if (name === 'fail') c.session.respondError(txn, { code: 'App.Failed', description: 'nope' });
    },
  });
  const conn = new RTMP(f.url());
  await conn.connect();
  const before = conn.transactionId;
  const call = conn.call('add', 2, 3);
  assert.ok(call instanceof RTMPCall);
  assert.equal(call.transactionId, before + 1);
  assert.equal(conn.transactionId, before + 1);
  assert.equal(await call.result({ timeout: 5 }), 5);
  assert.equal(call.done, true);
  assert.equal(await call.result(), 5, 'cached');
  await assert.rejects(conn.call('fail').result({ timeout: 5 }), (err: unknown) => {
    assert.ok(err instanceof RTMPError);
    assert.equal(err.code, 'ERR_RTMP_CALL_FAILED');
    assert.equal((err.info as { code: string }).code, 'App.Failed');
    return true;
  });
  // remoteMethod block true / false
  const add = conn.remoteMethod('add', { block: true });
  assert.equal(add.name, 'add');
  assert.equal(await add(40, 2), 42);
  const addCall = conn.remoteMethod('add');
  const c2 = addCall(1, 1);
  assert.ok(c2 instanceof RTMPCall);
  assert.equal(await c2.result(), 2);
  // callWithOptions: explicit transaction id and command object
  conn.transactionId = 100;
  const c3 = conn.callWithOptions('add', [1, 2], { commandObject: new AMFObject({ x: 1 }) });
  assert.equal(c3.transactionId, 101);
  assert.equal(await c3.result(), 3);
  // a result() timeout does not settle the call
  await assert.rejects(conn.call('never').result({ timeout: 0.05 }), RTMPTimeoutError);
  await conn.close();
});

test('pending calls reject with RTMPConnectionError when the connection drops', async () => {
  const f = await fixture({ onCall: (c) => c.socket.destroy() });
  const conn = new RTMP(f.url());
  await conn.connect();
  await assert.rejects(conn.call('x').result({ timeout: 5 }), RTMPConnectionError);
  assert.equal(conn.connected, false);
});

test('invokeHandler: by function name and explicit name, sync and async, error -> _error', async () => {
  let pending = 0;
  const f = await fixture({
    onConnect: (c, txn) => {
      c.session.acceptConnect(txn);
      c.session.call('my_add', [1, 2]);
      c.session.call('MyMath.MyAdd', [3, 4]);
      c.session.call('asyncMul', [5, 6]);
      c.session.call('boom', []);
      c.session.call('notify', ['x'], { expectResult: false });
      pending = 4;
    },
  });
  const conn = new RTMP(f.url());
  const got: string[] = [];
  conn.invokeHandler(function my_add(a, b) {
    return (a as number) + (b as number);
  });
  conn.invokeHandler('MyMath.MyAdd', (a, b) => (a as number) + (b as number));
  conn.invokeHandler('asyncMul', async (a, b) => (a as number) * (b as number));
  conn.invokeHandler('boom', () => {
    throw new Error('kaboom');
  });
  conn.invokeHandler('notify', (x) => {
    got.push(String(x));
    return 'ignored for txn 0';
  });
  await conn.connect();
  for (let i = 0; i < 100 && f.log.results.length + f.log.errors.length < pending; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const values = f.log.results.map((r) => r.values[0]).sort();
  assert.deepEqual(values, [3, 30, 7]);
  assert.equal(f.log.errors.length, 1);
  assert.equal((f.log.errors[0]!.info as { code: string }).code, 'NetConnection.Call.Failed');
  assert.match(String((f.log.errors[0]!.info as { description: string }).description), /kaboom/);
  assert.deepEqual(got, ['x']);
  assert.throws(() => conn.invokeHandler(() => 1), RTMPUsageError);
  await conn.close();
});

test('processPackets: invokedMethod (also when it arrived earlier), transactionId, timeout', async () => {
  const f = await fixture({
    onConnect: (c, txn) => {
      c.session.acceptConnect(txn);
      c.session.call('moduleInfo', [new AMFObject({ v: 1 })], { expectResult: false });
    },
    onCall: (c, name, txn) => {
      if (name === 'later') setTimeout(() => c.session.respond(txn, 'done'), 30);
      if (name === 'later') setTimeout(() => c.pump(), 40);
      if (name === 'trigger') {
        c.session.call('MyMath.MyAdd', [1, 2], { expectResult: false });
        c.session.respond(txn, null);
      }
    },
  });
  const conn = new RTMP(f.url());
  await conn.connect();
  const args = (await conn.processPackets({ invokedMethod: 'moduleInfo', timeout: 5 })) as AmfValue[];
  assert.equal((args[0] as Record<string, AmfValue>).v, 1);
  const waiting = conn.processPackets({ invokedMethod: 'MyMath.MyAdd', timeout: 5 });
  conn.call('trigger');
  assert.deepEqual(await waiting, [1, 2]);
  const call = conn.call('later');
  assert.equal(await conn.processPackets({ transactionId: call.transactionId, timeout: 5 }), 'done');
  const t0 = performance.now();
  await assert.rejects(conn.processPackets({ invokedMethod: 'never', timeout: 0.1 }), RTMPTimeoutError);
  assert.ok(performance.now() - t0 < 1000);
  await assert.rejects(conn.processPackets({ invokedMethod: 'never', signal: AbortSignal.timeout(50) }));
  const all = conn.processPackets();
  await conn.close();
  assert.equal(await all, undefined);
});

test('processPackets({ transactionId }) after the _result arrived resolves with it at once', async () => {
  const f = await fixture({
    onCall: (c, _name, txn, args) => c.session.respond(txn, Number(args[0]) + Number(args[1])),
  });
  const conn = new RTMP(f.url(), { timeout: 5 });
  await conn.connect();
  const call = conn.call('add', 1, 2);
  assert.equal(await call.result(), 3);
  const t0 = performance.now();
  assert.equal(await conn.processPackets({ transactionId: call.transactionId, timeout: 2 }), 3);
  assert.ok(performance.now() - t0 < 500, `${performance.now() - t0} ms`);
  await conn.close();
});

test('a call the server never answers: result({ timeout }) times out, the connection outlives its own timeout', async () => {
  const f = await fixture({ onCall: () => {} });
  const conn = new RTMP(f.url(), { timeout: 0.4 });
  await conn.connect();
  const call = conn.call('ignored');
  await assert.rejects(call.result({ timeout: 0.2 }), RTMPTimeoutError);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(conn.connected, true);
  await conn.close();
});

test('a readPacket that timed out or was aborted leaves no waiter behind (no idle timeout later)', async () => {
  const f = await fixture();
  const conn = new RTMP(f.url(), { timeout: 0.4 });
  await conn.connect();
  for (;;) {
    try {
      await conn.readPacket({ timeout: 0.1 }); // what followed connect, then quiet
    } catch (err) {
      assert.ok(err instanceof RTMPTimeoutError);
      break;
    }
  }
  await assert.rejects(conn.readPacket({ signal: AbortSignal.timeout(50) }), { name: 'TimeoutError' });
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(conn.connected, true);
  await conn.close();
});

test('readPacket / sendPacket / handlePacket', async () => {
  const f = await fixture({
    onCall: (c, name, txn, args) => {
      if (name === 'echo') c.session.respond(txn, args[0] ?? null);
    },
  });
  const conn = new RTMP(f.url());
  await conn.connect();
  const readP = conn.readPacket({ timeout: 5 });
  const body = amf0.encode('echo', 0, null, 'hi');
  // Transaction id = next: take it from the connection.
  const txn = conn.transactionId + 1;
  conn.transactionId = txn;
  const packet = new RTMPPacket({
    type: PacketType.INVOKE,
    format: PacketSize.MEDIUM,
    channel: 3,
    body: amf0.encode('echo', txn, null, 'hi'),
  });
  assert.ok(body.length > 0);
  await conn.sendPacket(packet);
  const answer = await conn.processPackets({ transactionId: txn, timeout: 5 });
  assert.equal(answer, 'hi');
  // The tap saw the _result message.
  let got: RTMPPacket | undefined;
  for (let p = await readP; ; p = await conn.readPacket({ timeout: 5 })) {
    if (p.type === PacketType.INVOKE && amf0.decode(p.body)[0] === '_result') {
      got = p;
      break;
    }
  }
  assert.equal(got.channel, 3);
  assert.equal(await conn.handlePacket(got), 0);
  // handlePacket on a packet we built runs the invoke handler (no answer for txn 0).
  let ran = 0;
  conn.invokeHandler('local', () => {
    ran++;
  });
  await conn.handlePacket(new RTMPPacket({ type: PacketType.INVOKE, body: amf0.encode('local', 0, null) }));
  assert.equal(ran, 1);
  assert.equal(
    await conn.handlePacket(new RTMPPacket({ type: PacketType.VIDEO, body: Buffer.alloc(10) })),
    1,
  );
  await assert.rejects(conn.readPacket({ timeout: 0.05 }), RTMPTimeoutError);
  await conn.close();
  await assert.rejects(conn.readPacket(), RTMPError);
});

test('bufferedAmount: 0 unconnected; what the socket has not written while the server reads nothing; 0 once written', async () => {
  const server = await startScriptedServer();
  try {
    const conn = new RTMP(server.url());
    assert.equal(conn.bufferedAmount, 0);
    await conn.connect();
    const peer = server.conns[0]!.socket;
    peer.pause(); // the server stops reading: the kernel's buffers fill, then Node's
    const body = Buffer.alloc(0xffffff, 1); // the largest message (UI24 length)
    const packet = () =>
      new RTMPPacket({ type: PacketType.VIDEO, format: PacketSize.LARGE, channel: 6, body });
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 4 && conn.bufferedAmount === 0; i++) sends.push(conn.sendPacket(packet()));
    const pending = conn.bufferedAmount;
    // At most what was sent: each body with its chunk headers (a 1-byte one per 4 KiB
    // chunk), and a few control messages.
    const sent = sends.length * (body.length + Math.ceil(body.length / 4096) + 16) + 256;
    assert.ok(pending > 0 && pending <= sent, `pending ${pending} of ${sent}`);
    peer.resume();
    await Promise.all(sends);
    assert.equal(conn.bufferedAmount, 0);
    await conn.close();
    assert.equal(conn.bufferedAmount, 0);
  } finally {
    await server.close();
  }
});

test('RTMPPacket: python-librtmp constants, validation, dump', () => {
  assert.equal(PacketType.CHUNK_SIZE, 0x01);
  assert.equal(PacketType.BYTES_READ_REPORT, 0x03);
  assert.equal(PacketType.INVOKE, 0x14);
  assert.equal(PacketType.FLASH_VIDEO, 0x16);
  assert.deepEqual(PacketSize, { LARGE: 0, MEDIUM: 1, SMALL: 2, MINIMUM: 3 });
  const p = new RTMPPacket({
    type: PacketType.AUDIO,
    format: PacketSize.LARGE,
    channel: 4,
    timestamp: 10,
    body: Buffer.from([1]),
  });
  assert.equal(p.timestamp, 10);
  assert.equal(p.absoluteTimestamp, false);
  assert.equal(p.streamId, 0);
  p.dump();
  assert.throws(
    () => new RTMPPacket({ type: 8, channel: 1 }),
    (e: unknown) => (e as RTMPError).code === 'ERR_RTMP_PACKET',
  );
  assert.throws(() => new RTMPPacket({ type: 8, format: 4 }), RTMPUsageError);
});

test('use before connect and bad arguments are RTMPUsageError', async () => {
  const conn = new RTMP('rtmp://127.0.0.1/app/x');
  assert.throws(
    () => conn.call('x'),
    (e: unknown) => (e as RTMPError).code === 'ERR_RTMP_NOT_CONNECTED',
  );
  await assert.rejects(conn.createStream(), RTMPUsageError);
  await assert.rejects(conn.sendPacket({} as RTMPPacket), RTMPUsageError);
  assert.throws(() => conn.remoteMethod(''), RTMPUsageError);
  await conn.close();
});

// ---------------------------------------------------------------- SecureToken

test('SecureToken: XXTEA decode matches librtmp DecodeTEA (vectors from its C code)', () => {
  const hex = (s: string) => decodeSecureToken(s.split('|')[0]!, s.split('|')[1]!).toString('hex');
  assert.equal(hex('mySecretKey123456|0123456789abcdef'), '8fc5d13da2b03122');
  assert.equal(
    hex('abc|00112233445566778899aabbccddeeff0011223344556677'),
    '13631284dba5a6e22cbe9cde027457b189517a3dfe58fd32',
  );
  assert.equal(hex('k|8badf00ddeadbeef'), '9ed2b20543ea82d3');
  const k = new Uint32Array([1, 2, 3, 4]);
  const v = new Uint32Array([0xdeadbeef, 0x01234567, 42]);
  const orig = Array.from(v);
  xxteaEncrypt(v, k);
  assert.notDeepEqual(Array.from(v), orig);
  xxteaDecrypt(v, k);
  assert.deepEqual(Array.from(v), orig);
  assert.throws(() => decodeSecureToken('k', 'zz'), RTMPError);
});

test('SecureToken: the answer carries the decrypted bytes, not UTF-8 text of them', async () => {
  const server = await startScriptedServer((c, msg) => {
    if (msg?.kind === 'command' && msg.name === 'connect') {
      c.acceptConnect(msg.transactionId, { secureToken: '0123456789abcdef' });
    }
  });
  try {
    const conn = new RTMP(server.url(), { token: 'mySecretKey123456' });
    await conn.connect();
    const head = amf0.encode('secureTokenResponse', 0, null);
    const answer = () => server.conns[0]?.raws.find((r) => r.payload.subarray(0, head.length).equals(head));
    for (let i = 0; i < 100 && answer() === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    // AMF0 string (0x02), length 8, the 8 decrypted bytes — 0x8f and 0xc5 stay single bytes.
    assert.equal(answer()?.payload.subarray(head.length).toString('hex'), '0200088fc5d13da2b03122');
    await conn.close();
  } finally {
    await server.close();
  }
});

test('a server that closes during connect: RTMPConnectionError', async () => {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    await assert.rejects(new RTMP(`rtmp://127.0.0.1:${port}/a/b`).connect(), RTMPConnectionError);
  } finally {
    server.close();
  }
});
