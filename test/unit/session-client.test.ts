/**
 * ClientSession against a scripted server built from the protocol pieces
 * (ServerHandshake + ChunkReader/ChunkWriter + message codecs) — no sockets.
 * Every scenario runs with the server's bytes fed whole, byte by byte and at
 * random splits; the events must not depend on the split.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AMFObject, type AmfValue } from '../../src/amf/types.js';
import { ServerHandshake } from '../../src/handshake/server.js';
import { aggregateRecords, buildAggregate } from '../../src/message/aggregate.js';
import {
  command,
  dataMessage,
  pingRequest,
  setPeerBandwidth,
  streamBegin,
  userControl,
  windowAckSize,
} from '../../src/message/builders.js';
import { encodeMessage } from '../../src/message/codec.js';
import type { CommandMessage } from '../../src/message/types.js';
import type { SessionEvent } from '../../src/session/client-events.js';
import { ClientSession } from '../../src/session/client-session.js';

import {
  bytewise,
  Harness,
  kinds,
  media,
  only,
  randomSplits,
  SPLITS,
  type Splitter,
  seededRandom,
  transcript,
  whole,
} from '../helpers/session-harness.js';

// ------------------------------------------------------------------ tests

describe('ClientSession handshake', () => {
  it('sends C0+C1 on start and C2 as soon as S0+S1 are in, before S2', () => {
    const client = new ClientSession({ random: seededRandom(1) });
    const server = new ServerHandshake({ random: seededRandom(2) });
    client.start(0);
    const hello = Buffer.concat(client.takeOutput());
    assert.equal(hello.length, 1537);
    assert.equal(hello[0], 3);
    const step = server.receive(hello);
    const s012 = Buffer.concat(step.send);
    assert.equal(s012.length, 3073);
    client.receive(s012.subarray(0, 1537), 1);
    const c2 = Buffer.concat(client.takeOutput());
    assert.equal(c2.length, 1536, 'C2 goes out before S2 arrives');
    assert.equal(client.handshakeDone, false);
    assert.deepEqual(client.takeEvents(), []);
    client.receive(s012.subarray(1537), 2);
    assert.equal(client.handshakeDone, true);
    const ev = client.takeEvents();
    assert.deepEqual(kinds(ev), ['handshake']);
    // After S2: nothing — the default chunk size is announced before the first media message.
    assert.equal(Buffer.concat(client.takeOutput()).length, 0);
    const done = server.receive(c2);
    assert.equal(done.done, true);
    assert.equal(client.state, 'ready');
  });

  it("a player's commands go in 128-byte chunks with no Set Chunk Size (librtmp's rtmpsuck ignores one)", () => {
    // rtmpsuck and rtmpsrv do not apply a client's Set Chunk Size, so a connect chunked at
    // 4096 after one was misread there ("failed to read RTMP packet body. len: 4419428":
    // the bytes "Cod" of the connect object read as a message length).
    for (const [name, split] of SPLITS) {
      const h = new Harness(split);
      h.connect({ app: 'vod', tcUrl: 'rtmp://127.0.0.1/vod' });
      h.client.createStream();
      h.pump();
      const sent = h.server.raws.map((r) => r.type);
      assert.ok(!sent.includes(1), `${name}: no Set Chunk Size from a player (${sent})`);
      assert.equal(h.server.reader.chunkSize, 128, name);
      assert.ok(h.server.raws[0]!.payload.length > 128, `${name}: connect spans several 128-byte chunks`);
      assert.equal(h.server.commands()[0]!.name, 'connect', name);
    }
  });

  it('holds commands issued during the handshake until Set Chunk Size has gone out', () => {
    for (const [name, split] of SPLITS) {
      const h = new Harness(split, { chunkSize: 60000 });
      h.client.start(0);
      h.client.connect({ app: 'live' });
      const hello = Buffer.concat(h.client.takeOutput());
      assert.equal(hello.length, 1537, name);
      h.server.feed(hello);
      h.pump();
      const [scs, connect] = h.server.inbox;
      assert.equal(scs?.kind, 'setChunkSize', name);
      assert.equal(scs.kind === 'setChunkSize' && scs.chunkSize, 60000);
      assert.equal(connect?.kind === 'command' && connect.name, 'connect');
      assert.equal(h.server.reader.chunkSize, 60000);
    }
  });

  it('reports a bad S0 as a fatal protocol error and closes', () => {
    const client = new ClientSession();
    client.start(0);
    client.receive(Buffer.from('HTTP/1.1 400 Bad Request\r\n'), 1);
    const ev = client.takeEvents();
    assert.deepEqual(kinds(ev), ['protocolError', 'closed']);
    const [pe] = only(ev, 'protocolError');
    assert.equal(pe!.fatal, true);
    assert.equal(pe!.error.code, 'ERR_HANDSHAKE_HTTP');
    assert.equal(client.state, 'closed');
    client.receive(Buffer.from([1, 2, 3]), 2); // ignored
    assert.deepEqual(client.takeEvents(), []);
  });

  it('fires the handshake deadline', () => {
    const client = new ClientSession({ handshakeTimeoutMs: 10_000 });
    client.start(5000);
    assert.equal(client.nextDeadline(), 15_000);
    client.handleTimeout(14_999);
    assert.deepEqual(client.takeEvents(), []);
    client.handleTimeout(15_000);
    assert.deepEqual(client.takeEvents(), [{ kind: 'timeout', what: 'handshake' }]);
    assert.equal(client.nextDeadline(), undefined);
  });
});

describe('ClientSession connect', () => {
  for (const [name, split] of SPLITS) {
    it(`connect -> WindowAckSize/SetPeerBandwidth/StreamBegin/_result -> connected (${name})`, () => {
      const h = new Harness(split);
      const ev = h.connect();
      assert.deepEqual(kinds(ev), ['handshake', 'control', 'control', 'userControl', 'connected']);
      const [conn] = only(ev, 'connected');
      assert.equal(conn!.txn, 1);
      assert.equal(conn!.info.code, 'NetConnection.Connect.Success');
      assert.equal(conn!.info.level, 'status');
      assert.equal(conn!.properties.fmsVer, 'FMS/3,5,7,7009');
      assert.deepEqual(only(ev, 'userControl')[0], {
        kind: 'userControl',
        event: 'streamBegin',
        streamId: 0,
      });
      assert.equal(h.client.state, 'connected');
      assert.equal(h.client.ackWindow, 2_500_000);
      // What the server got: connect (128-byte chunks, no Set Chunk Size before it: a player
      // never needs larger ones) and the Window Ack Size reply to Set Peer Bandwidth.
      const inbox = h.server.inbox;
      assert.deepEqual(
        inbox.map((m) => m.kind),
        ['command', 'windowAckSize'],
      );
      const connect = inbox[0] as CommandMessage;
      assert.equal(connect.name, 'connect');
      assert.equal(connect.transactionId, 1);
      assert.equal(connect.streamId, 0);
      assert.equal(connect.csid, 3);
      assert.ok(connect.commandObject instanceof AMFObject, 'command object is an AMF0 object');
      assert.deepEqual(Object.entries(connect.commandObject as AMFObject), [
        ['app', 'live'],
        ['flashVer', 'LNX 10,0,32,18'],
        ['tcUrl', 'rtmp://localhost/live'],
        ['fpad', false],
        ['capabilities', 15],
        ['audioCodecs', 3191],
        ['videoCodecs', 252],
        ['videoFunction', 1],
        ['objectEncoding', 0],
      ]);
      // The command object is marker 0x03 on the wire (not an ECMA array 0x08).
      const payload = h.server.raws[0]!.payload;
      assert.equal(payload.subarray(0, 10).toString('hex'), '020007636f6e6e656374');
      assert.equal(payload.subarray(10, 19).toString('hex'), '003ff0000000000000');
      assert.equal(payload[19], 0x03);
      const was = inbox[1];
      assert.equal(was?.kind === 'windowAckSize' && was.windowSize, 2_500_000);
    });
  }

  it('sends connect extra arguments (auth, conn= values) after the command object', () => {
    const h = new Harness(whole);
    h.client.start(0);
    h.client.connect({
      app: 'vod',
      mode: 'publish',
      auth: 'secret',
      extraArgs: [new AMFObject({ a: 1 }), 'x', null],
      extra: { fourCcList: ['avc1', 'hvc1'], objectEncoding: undefined },
    });
    h.pump();
    const connect = h.server.commands()[0]!;
    assert.deepEqual(Object.entries(connect.commandObject as AMFObject), [
      ['app', 'vod'],
      ['type', 'nonprivate'],
      ['flashVer', 'FMLE/3.0 (compatible; FMSc/1.0)'],
      ['fourCcList', ['avc1', 'hvc1']],
    ]);
    assert.deepEqual(connect.args, [true, 'secret', new AMFObject({ a: 1 }), 'x', null]);
  });

  for (const [name, split] of SPLITS) {
    it(`connect rejected via _error -> connectRejected with info (${name})`, () => {
      const h = new Harness(split);
      h.client.start(0);
      h.client.connect({ app: 'live' });
      h.pump();
      h.server.send(
        command(
          '_error',
          1,
          null,
          new AMFObject({
            level: 'error',
            code: 'NetConnection.Connect.Rejected',
            description: '[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ',
          }),
        ),
      );
      h.pump();
      const ev = h.events();
      assert.deepEqual(kinds(ev), ['handshake', 'connectRejected']);
      const [rej] = only(ev, 'connectRejected');
      assert.equal(rej!.source, '_error');
      assert.equal(rej!.txn, 1);
      assert.equal(rej!.info.code, 'NetConnection.Connect.Rejected');
      assert.match(String(rej!.info.description), /authmod=adobe/);
      assert.equal(h.client.state, 'ready');
    });
  }

  it('connect rejected via onStatus NetConnection.Connect.InvalidApp before the result', () => {
    const h = new Harness(whole);
    h.client.start(0);
    h.client.connect({ app: 'nope' });
    h.pump();
    h.server.send(
      command(
        'onStatus',
        0,
        null,
        new AMFObject({ level: 'error', code: 'NetConnection.Connect.InvalidApp' }),
      ),
    );
    h.pump();
    const ev = h.events();
    // One event for the one message: the rejection (its info is the status).
    assert.deepEqual(kinds(ev), ['handshake', 'connectRejected']);
    assert.equal(only(ev, 'connectRejected')[0]!.source, 'onStatus');
    assert.equal(only(ev, 'connectRejected')[0]!.info.code, 'NetConnection.Connect.InvalidApp');
    assert.equal(h.client.nextDeadline(), undefined);
  });

  it('refuses a second connect while connected and use before start/after close', () => {
    const h = new Harness(whole);
    assert.throws(() => h.client.connect({ app: 'x' }), { code: 'ERR_SESSION_USAGE' });
    h.connect();
    assert.throws(() => h.client.connect({ app: 'x' }), { code: 'ERR_SESSION_USAGE' });
    h.client.close();
    assert.deepEqual(kinds(h.events()), ['closed']);
    assert.throws(() => h.client.call('x'), { code: 'ERR_SESSION_USAGE' });
    assert.deepEqual(h.client.takeOutput(), []);
  });
});

describe('ClientSession calls and invokes', () => {
  for (const [name, split] of SPLITS) {
    it(`call -> _result, call -> _error, untracked _result (${name})`, () => {
      const h = new Harness(split);
      h.connect();
      const from = h.server.inbox.length;
      const t1 = h.client.call('MyMath.MyAdd', [1, 2]);
      const t2 = h.client.call('fail', [], { commandObject: new AMFObject({ x: 1 }) });
      assert.deepEqual([t1, t2], [2, 3]);
      h.pump();
      const sent = h.server.commands(from);
      assert.deepEqual(
        sent.map((c) => [c.name, c.transactionId, c.csid, c.streamId, c.args]),
        [
          ['MyMath.MyAdd', 2, 3, 0, [1, 2]],
          ['fail', 3, 3, 0, []],
        ],
      );
      assert.deepEqual(sent[1]!.commandObject, new AMFObject({ x: 1 }));
      h.server.send(
        command('_error', t2, null, new AMFObject({ level: 'error', code: 'NetConnection.Call.Failed' })),
      );
      h.server.send(command('_result', t1, null, 3));
      h.server.send(command('_result', 77, null, 'stray'));
      h.pump();
      const ev = h.events();
      assert.deepEqual(ev, [
        {
          kind: 'error',
          txn: 3,
          method: 'fail',
          streamId: 0,
          info: { level: 'error', code: 'NetConnection.Call.Failed' },
          commandObject: null,
          values: [new AMFObject({ level: 'error', code: 'NetConnection.Call.Failed' })],
        },
        { kind: 'result', txn: 2, method: 'MyMath.MyAdd', streamId: 0, commandObject: null, values: [3] },
        { kind: 'result', txn: 77, method: undefined, streamId: 0, commandObject: null, values: ['stray'] },
      ]);
    });

    it(`server-initiated invoke -> invoke event; respond -> _result with the same txn (${name})`, () => {
      const h = new Harness(split);
      h.connect();
      h.server.send(command('my_add', 7, null, 1, 2));
      h.pump();
      const ev = h.events();
      assert.deepEqual(ev, [
        {
          kind: 'invoke',
          name: 'my_add',
          txn: 7,
          commandObject: null,
          args: [1, 2],
          streamId: 0,
          amf3: false,
          handled: false,
        },
      ]);
      const from = h.server.inbox.length;
      h.client.respond(7, 3);
      h.client.respondError(8, { level: 'error', code: 'NetConnection.Call.Failed', description: 'no' });
      h.pump();
      const [res, err] = h.server.commands(from);
      assert.deepEqual(
        [res!.name, res!.transactionId, res!.commandObject, res!.args],
        ['_result', 7, null, [3]],
      );
      assert.equal(err!.name, '_error');
      assert.equal(err!.transactionId, 8);
      assert.ok(err!.args[0] instanceof AMFObject, 'error info goes out as an AMF0 object');
      // The transaction counter is untouched by responses.
      assert.equal(h.client.nextTransactionId, 2);
    });
  }

  it('answers _onbwcheck, sends _checkbw once for onBWDone, answers ping with pong', () => {
    const h = new Harness(whole);
    h.connect();
    const from = h.server.inbox.length;
    h.server.send(command('onBWDone', 0, null, 8192));
    h.server.send(command('onBWDone', 0, null, 8192));
    h.server.send(command('_onbwcheck', 5, null));
    h.server.send(command('_onbwcheck', 6, null));
    h.server.send(command('ping', 9, null));
    h.pump();
    const ev = h.events();
    assert.deepEqual(
      only(ev, 'invoke').map((e) => [e.name, e.handled]),
      [
        ['onBWDone', true],
        ['onBWDone', true],
        ['_onbwcheck', true],
        ['_onbwcheck', true],
        ['ping', true],
      ],
    );
    const sent = h.server.commands(from);
    assert.deepEqual(
      sent.map((c) => [c.name, c.transactionId, c.args]),
      [
        ['_checkbw', 2, []],
        ['_result', 5, [0]],
        ['_result', 6, [1]],
        ['pong', 9, []],
      ],
    );
  });

  it('does not send _checkbw with checkBandwidth: false', () => {
    const h = new Harness(whole, { checkBandwidth: false });
    h.connect();
    const from = h.server.inbox.length;
    h.server.send(command('onBWDone', 0, null));
    h.pump();
    assert.deepEqual(h.server.commands(from), []);
  });

  it('close from the server -> closed event; later input ignored, no more output', () => {
    const h = new Harness(bytewise);
    h.connect();
    h.server.send(command('close', 0, null));
    h.server.send(pingRequest(5));
    h.pump();
    const ev = h.events();
    assert.deepEqual(kinds(ev), ['invoke', 'closed']);
    assert.deepEqual(only(ev, 'closed')[0], { kind: 'closed', reason: 'server' });
    assert.equal(h.client.state, 'closed');
    assert.deepEqual(h.client.takeOutput(), []);
  });

  it('a command timeout fires exactly at the deadline; a late answer is untracked', () => {
    const h = new Harness(whole, { commandTimeoutMs: 5000 });
    h.now = 1000;
    h.connect();
    h.now = 2000;
    h.client.handleTimeout(2000);
    const txn = h.client.call('slow');
    assert.equal(h.client.nextDeadline(), 7000);
    h.client.handleTimeout(6999);
    assert.deepEqual(h.events(), []);
    h.client.handleTimeout(7000);
    assert.deepEqual(h.events(), [{ kind: 'timeout', what: 'command', txn, method: 'slow' }]);
    assert.equal(h.client.nextDeadline(), undefined);
    h.server.send(command('_result', txn, null, 1));
    h.pump();
    assert.deepEqual(only(h.events(), 'result')[0]?.method, undefined);
    // Not-awaited calls never get a deadline.
    h.client.call('fire', [], { expectResult: false });
    h.client.releaseStream('k');
    assert.equal(h.client.nextDeadline(), undefined);
    // Per-call timeout and explicit now.
    const t2 = h.client.call('x', [], { timeoutMs: 100, now: 9000 });
    assert.equal(h.client.nextDeadline(), 9100);
    h.client.handleTimeout(9100);
    assert.deepEqual(h.events(), [{ kind: 'timeout', what: 'command', txn: t2, method: 'x' }]);
  });

  it('a connect timeout covers the handshake too and returns the session to ready', () => {
    const h = new Harness(whole, { commandTimeoutMs: 3000 });
    h.client.start(0);
    h.client.connect({ app: 'live' });
    assert.equal(h.client.nextDeadline(), 3000);
    h.pump();
    h.client.handleTimeout(3000);
    assert.deepEqual(only(h.events(), 'timeout'), [
      { kind: 'timeout', what: 'command', txn: 1, method: 'connect' },
    ]);
    assert.equal(h.client.state, 'ready');
  });
});

describe('ClientSession play', () => {
  function playScenario(split: Splitter): { h: Harness; ev: SessionEvent[] } {
    const h = new Harness(split);
    h.connect();
    const id = h.createStream(1);
    assert.equal(id, 1);
    const from = h.server.inbox.length;
    h.client.fcSubscribe('live1');
    h.client.play(id, 'live1');
    h.client.setBufferLength(id, 3000);
    h.pump();
    const sent = h.server.inbox.slice(from);
    assert.deepEqual(
      sent.map((m) =>
        m.kind === 'command' ? [m.name, m.transactionId, m.streamId, m.csid, m.args] : m.kind,
      ),
      [['FCSubscribe', 3, 0, 3, ['live1']], ['play', 4, 1, 8, ['live1', -2000]], 'userControl'],
    );
    const s = h.server;
    // Server: a bigger chunk size, then the usual play sequence.
    s.setChunkSize(4096);
    s.send(userControl({ event: 'streamIsRecorded', streamId: 1 }));
    s.send(streamBegin(1));
    s.send({
      ...command('onStatus', 0, null, new AMFObject({ level: 'status', code: 'NetStream.Play.Reset' })),
      streamId: 1,
    });
    s.send({
      ...command(
        'onStatus',
        0,
        null,
        new AMFObject({
          level: 'status',
          code: 'NetStream.Play.Start',
          description: 'Started playing live1.',
        }),
      ),
      streamId: 1,
    });
    s.send({ ...dataMessage('|RtmpSampleAccess', true, true), streamId: 1 });
    const meta: Record<string, AmfValue> = { duration: 0, width: 640, height: 360, videocodecid: 7 };
    s.send({ ...dataMessage('onMetaData', meta), streamId: 1 });
    const big = Buffer.alloc(10_000, 0x17); // crosses 4096-byte chunks
    s.sendRaw(media(8, 1, 0, Buffer.from([0xaf, 0x00, 0x12, 0x10])));
    s.sendRaw(media(9, 1, 0, big));
    s.sendRaw(media(8, 1, 23, Buffer.from([0xaf, 0x01, 1, 2, 3])));
    s.sendRaw(media(9, 1, 40, Buffer.from([0x27, 0x01, 0, 0, 0, 9])));
    // An aggregate whose records are stamped 1000.. but which itself is stamped 80.
    s.sendRaw(
      buildAggregate(
        [
          { type: 9, timestamp: 1000, payload: Buffer.from([0x27, 1, 0, 0, 0, 0xaa]) },
          { type: 8, timestamp: 1010, payload: Buffer.from([0xaf, 1, 0xbb]) },
          { type: 18, timestamp: 1020, payload: dataPayload('onTextData', new AMFObject({ text: 'hi' })) },
          { type: 9, timestamp: 1040, payload: Buffer.from([0x27, 1, 0, 0, 0, 0xcc]) },
        ],
        { streamId: 1, timestamp: 80 },
      ),
    );
    s.send({
      ...dataMessage('onPlayStatus', new AMFObject({ level: 'status', code: 'NetStream.Play.Complete' })),
      streamId: 1,
    });
    s.send({
      ...command('onStatus', 0, null, new AMFObject({ level: 'status', code: 'NetStream.Play.Stop' })),
      streamId: 1,
    });
    s.send(userControl({ event: 'streamEOF', streamId: 1 }));
    h.pump();
    return { h, ev: h.events() };
  }

  function dataPayload(...values: AmfValue[]): Buffer {
    return encodeMessage(dataMessage(...values)).payload;
  }

  it('play -> Play.Start, metadata, audio+video, one event per aggregate, Play.Complete as eof', () => {
    const { h, ev } = playScenario(whole);
    assert.equal(
      h.client.incomingChunkSize,
      4096,
      "the server's Set Chunk Size is applied to incoming chunks",
    );
    assert.equal(h.client.outgoingChunkSize, 4096);
    assert.deepEqual(kinds(ev), [
      'control', // Set Chunk Size
      'userControl',
      'userControl',
      'status',
      'status',
      'data',
      'data',
      'media',
      'media',
      'media',
      'media',
      'media', // the aggregate, whole
      'status',
      'status',
      'userControl',
    ]);
    const st = only(ev, 'status');
    assert.deepEqual(
      st.map((e) => [e.streamId, e.name, e.info.code, e.classification]),
      [
        [1, 'onStatus', 'NetStream.Play.Reset', 'info'],
        [1, 'onStatus', 'NetStream.Play.Start', 'start'],
        [1, 'onPlayStatus', 'NetStream.Play.Complete', 'eof'],
        [1, 'onStatus', 'NetStream.Play.Stop', 'eof'],
      ],
    );
    const data = only(ev, 'data');
    assert.deepEqual(
      data.map((d) => [d.streamId, d.name, d.values, d.aggregated]),
      [
        [1, '|RtmpSampleAccess', [true, true], false],
        [
          1,
          'onMetaData',
          [Object.assign(Object.create(null), { duration: 0, width: 640, height: 360, videocodecid: 7 })],
          false,
        ],
      ],
    );
    const m = only(ev, 'media');
    assert.deepEqual(
      m.map((e) => [e.streamId, e.type, e.timestamp, e.unwrappedTimestamp, e.payload.length, e.aggregated]),
      [
        [1, 'audio', 0, 0, 4, false],
        [1, 'video', 0, 0, 10_000, false],
        [1, 'audio', 23, 23, 5, false],
        [1, 'video', 40, 40, 6, false],
        [1, 'aggregate', 80, 80, m[4]!.payload.length, false],
      ],
    );
    assert.ok(m[1]!.payload.equals(Buffer.alloc(10_000, 0x17)));
    // The aggregate's records, walked lazily, rebased onto its timestamp (80).
    const records = [...aggregateRecords(m[4]!)];
    assert.deepEqual(
      records.map((r) => [r.type, r.timestamp, r.payload.length]),
      [
        [9, 80, 6],
        [8, 90, 3],
        [18, 100, records[2]!.payload.length],
        [9, 120, 6],
      ],
    );
    assert.equal(records[0]!.payload.at(-1), 0xaa);
    assert.equal(records[3]!.payload.at(-1), 0xcc);
    const uc = only(ev, 'userControl');
    assert.deepEqual(
      uc.map((e) => e.event),
      ['streamIsRecorded', 'streamBegin', 'streamEOF'],
    );
  });

  it('gives the same events for every split of the server bytes', () => {
    const base = transcript(playScenario(whole).ev);
    for (const [name, split] of SPLITS.slice(1)) {
      assert.equal(transcript(playScenario(split).ev), base, name);
    }
    for (let seed = 1; seed <= 5; seed++) {
      assert.equal(transcript(playScenario(randomSplits(seed)).ev), base, `seed ${seed}`);
    }
  });

  it('sends NetStream commands on the stream msid (csid 8), deleteStream on msid 0', () => {
    const h = new Harness(whole);
    h.connect();
    const id = h.createStream(5);
    const from = h.server.inbox.length;
    h.client.play(id, 'vod.flv', { start: 0, duration: 5000, reset: true });
    h.client.pause(id, true, 1234);
    h.client.seek(id, 30_000);
    h.client.receiveAudio(id, false);
    h.client.receiveVideo(id, true);
    h.client.play2(id, { streamName: 'b', oldStreamName: 'a', transition: 'switch', offset: undefined });
    h.client.closeStream(id);
    h.client.deleteStream(id);
    h.pump();
    const sent = h.server.commands(from);
    assert.deepEqual(
      sent.map((c) => [c.name, c.transactionId, c.streamId, c.csid, c.args]),
      [
        ['play', 3, 5, 8, ['vod.flv', 0, 5000, true]],
        ['pause', 4, 5, 8, [true, 1234]],
        ['seek', 5, 5, 8, [30_000]],
        ['receiveAudio', 0, 5, 8, [false]],
        ['receiveVideo', 0, 5, 8, [true]],
        ['play2', 6, 5, 8, [new AMFObject({ streamName: 'b', oldStreamName: 'a', transition: 'switch' })]],
        ['closeStream', 0, 5, 8, []],
        ['deleteStream', 0, 0, 3, [5]],
      ],
    );
    assert.throws(() => h.client.play(0, 'x'), { code: 'ERR_SESSION_USAGE' });
  });

  it('maps an _error for play back to the method and stream', () => {
    const h = new Harness(whole);
    h.connect();
    const id = h.createStream(1);
    const txn = h.client.play(id, 'missing');
    h.pump();
    h.server.send({
      ...command(
        '_error',
        txn,
        null,
        new AMFObject({ level: 'error', code: 'NetStream.Play.StreamNotFound' }),
      ),
      streamId: 1,
    });
    h.pump();
    const [err] = only(h.events(), 'error');
    assert.equal(err!.method, 'play');
    assert.equal(err!.streamId, 1);
    assert.equal(err!.info.code, 'NetStream.Play.StreamNotFound');
  });
});

describe('ClientSession publish', () => {
  for (const [name, split] of SPLITS) {
    it(`publish sequence on the wire (${name})`, () => {
      const h = new Harness(split);
      h.connect({ app: 'live2', tcUrl: 'rtmp://a.rtmp.youtube.com/live2', mode: 'publish' });
      const connect = h.server.commands()[0]!;
      assert.equal((connect.commandObject as AMFObject).type, 'nonprivate');
      assert.equal((connect.commandObject as AMFObject).flashVer, 'FMLE/3.0 (compatible; FMSc/1.0)');
      assert.equal((connect.commandObject as AMFObject).fpad, undefined);
      const from = h.server.inbox.length;
      const key = 'abcd-efgh?s_bl=1';
      assert.equal(h.client.releaseStream(key), 2);
      assert.equal(h.client.fcPublish(key), 3);
      const cs = h.client.createStream();
      assert.equal(cs, 4);
      h.pump();
      // Old Wowza: no answer to releaseStream/FCPublish; the createStream result still maps.
      h.server.send(
        command('onFCPublish', 0, null, new AMFObject({ code: 'NetStream.Publish.Start', description: key })),
      );
      h.server.send(command('_result', 4, null, 1));
      h.pump();
      const ev = h.events();
      assert.deepEqual(kinds(ev), ['invoke', 'streamCreated']);
      const id = only(ev, 'streamCreated')[0]!.streamId;
      assert.equal(h.client.publish(id, key, 'live'), 5);
      h.pump();
      h.server.send(streamBegin(1));
      h.server.send({
        ...command('onStatus', 0, null, new AMFObject({ level: 'status', code: 'NetStream.Publish.Start' })),
        streamId: 1,
      });
      h.pump();
      const ev2 = h.events();
      assert.equal(only(ev2, 'status')[0]!.classification, 'start');
      const meta = new AMFObject({ width: 1280, height: 720, videocodecid: 7, audiocodecid: 10 });
      h.client.sendData(id, ['@setDataFrame', 'onMetaData', meta]);
      const aac = Buffer.from([0xaf, 0x00, 0x12, 0x10]);
      const avc = Buffer.alloc(6000, 0x42);
      avc[0] = 0x17;
      h.client.sendMedia(id, 'audio', 0, aac);
      h.client.sendMedia(id, 'video', 0, avc);
      h.client.sendMedia(id, 'video', 33, avc);
      h.client.fcUnpublish(key);
      h.client.deleteStream(id);
      h.pump();
      const sent = h.server.inbox.slice(from);
      assert.deepEqual(
        sent.map((m) =>
          m.kind === 'command'
            ? [m.name, m.transactionId, m.streamId, m.csid, m.args]
            : [m.kind, m.streamId, m.csid, m.timestamp],
        ),
        [
          ['releaseStream', 2, 0, 3, [key]],
          ['FCPublish', 3, 0, 3, [key]],
          ['createStream', 4, 0, 3, []],
          ['publish', 5, 1, 8, [key, 'live']],
          // The default chunk size is announced before the first media or data message.
          ['setChunkSize', 0, 2, 0],
          ['data', 1, 4, 0],
          ['audio', 1, 4, 0],
          ['video', 1, 6, 0],
          ['video', 1, 6, 33],
          ['FCUnpublish', 6, 0, 3, [key]],
          ['deleteStream', 0, 0, 3, [1]],
        ],
      );
      const data = sent[5]!;
      assert.equal(data.kind, 'data');
      assert.deepEqual(data.kind === 'data' && data.values, ['@setDataFrame', 'onMetaData', meta]);
      const v = sent[7]!;
      assert.ok(v.kind === 'video' && v.payload.equals(avc));
      assert.equal(h.server.reader.chunkSize, 4096);
    });
  }

  it('sendMedia writes the payload as views (no copy) chunked at our own size', () => {
    const h = new Harness(whole, { chunkSize: 1000 });
    h.connect();
    h.client.takeOutput();
    const payload = Buffer.alloc(2500, 1);
    h.client.sendMedia(1, 'video', 0, payload);
    const out = h.client.takeOutput();
    const views = out.filter((b) => b.buffer === payload.buffer);
    assert.deepEqual(
      views.map((b) => b.length),
      [1000, 1000, 500],
    );
  });
});

describe('ClientSession control', () => {
  for (const [name, split] of SPLITS) {
    it(`PingRequest -> PingResponse bytes (${name})`, () => {
      const h = new Harness(split);
      h.connect();
      const from = h.server.raws.length;
      h.server.send(pingRequest(0x0d0f));
      h.pump();
      assert.deepEqual(
        h.events(),
        [{ kind: 'userControl', event: 'pingRequest', timestamp: 0x0d0f, handled: true }],
        'answered, and reported as handled (one event per message)',
      );
      const [raw] = h.server.raws.slice(from);
      assert.equal(raw!.type, 4);
      assert.equal(raw!.csid, 2);
      assert.equal(raw!.streamId, 0);
      assert.equal(raw!.payload.toString('hex'), '000700000d0f');
    });
  }

  it('sends an Acknowledgement exactly when the window is crossed', () => {
    const h = new Harness(bytewise);
    h.connect();
    const window = 5000;
    h.server.send(windowAckSize(window));
    h.pump();
    h.events();
    const acks: [number, number][] = []; // [bytesReceived when sent, sequence number]
    let lastAck = 0;
    const base = h.client.bytesReceived;
    assert.ok(base < window, 'no ack yet');
    for (let i = 0; i < 20; i++) h.server.sendRaw(media(8, 1, i * 20, Buffer.alloc(997, i)));
    const bytes = h.server.take();
    for (const b of bytes) {
      h.client.receive(Buffer.from([b]), 0);
      const out = Buffer.concat(h.client.takeOutput());
      const before = h.server.inbox.length;
      if (out.length > 0) h.server.feed(out);
      for (const m of h.server.inbox.slice(before)) {
        if (m.kind === 'ack') acks.push([h.client.bytesReceived, m.sequenceNumber]);
      }
      const expectAck = h.client.bytesReceived - lastAck >= window;
      if (expectAck) {
        assert.deepEqual(acks.at(-1), [h.client.bytesReceived, h.client.bytesReceived]);
        lastAck = h.client.bytesReceived;
      }
    }
    assert.deepEqual(
      acks.map(([at]) => at),
      [window, 2 * window, 3 * window, 4 * window],
    );
    assert.ok(h.client.bytesReceived >= base + bytes.length);
  });

  it('one Acknowledgement per receive when a large read crosses the window', () => {
    const h = new Harness(whole);
    h.connect();
    h.server.send(windowAckSize(1000));
    h.server.sendRaw(media(9, 1, 0, Buffer.alloc(5000)));
    h.pump();
    const acks = h.server.inbox.filter((m) => m.kind === 'ack');
    assert.equal(acks.length, 1);
    assert.equal(acks[0]!.kind === 'ack' && acks[0]!.sequenceNumber, h.client.bytesReceived);
  });

  it('replies to Set Peer Bandwidth with Window Ack Size only when it changes', () => {
    const h = new Harness(whole);
    h.connect(); // SPB 2.5M dynamic -> WAS 2.5M already sent
    const from = h.server.inbox.length;
    h.server.send(setPeerBandwidth(2_500_000, 0));
    h.server.send(setPeerBandwidth(5_000_000, 1)); // soft: min(5M, 2.5M) -> unchanged
    h.server.send(setPeerBandwidth(1_000_000, 1)); // soft: 1M
    h.server.send(setPeerBandwidth(3_000_000, 2)); // dynamic after hard? previous was soft -> ignored
    h.server.send(setPeerBandwidth(3_000_000, 0)); // hard: 3M
    h.pump();
    assert.deepEqual(
      h.server.inbox.slice(from).map((m) => m.kind === 'windowAckSize' && m.windowSize),
      [1_000_000, 3_000_000],
    );
    assert.equal(h.client.peerBandwidth, 3_000_000);
  });

  it('pins the announced Window Ack Size with the windowAckSize option', () => {
    const h = new Harness(whole, { windowAckSize: 1_234_567 });
    h.connect();
    const was = h.server.inbox.filter((m) => m.kind === 'windowAckSize');
    assert.deepEqual(
      was.map((m) => m.kind === 'windowAckSize' && m.windowSize),
      [1_234_567],
    );
  });

  for (const [name, split] of SPLITS) {
    it(`the server's Set Chunk Size never changes our outgoing size (${name})`, () => {
      const h = new Harness(split);
      h.connect();
      h.server.setChunkSize(64);
      h.server.sendRaw(media(9, 1, 0, Buffer.alloc(300, 9)));
      h.pump();
      const ev = h.events();
      assert.equal(h.client.incomingChunkSize, 64);
      assert.equal(only(ev, 'media')[0]!.payload.length, 300);
      assert.equal(h.client.outgoingChunkSize, 4096);
      h.client.takeOutput();
      h.client.sendMedia(1, 'video', 0, Buffer.alloc(5000, 1));
      const out = h.client.takeOutput();
      // Set Chunk Size 4096 first (the first media message announces the default), then
      // a fmt-0 header (12) + 4096 payload and a fmt-3 header (1) + 904 payload.
      assert.deepEqual(
        out.slice(-4).map((b) => b.length),
        [12, 4096, 1, 904],
      );
      const from = h.server.inbox.length;
      h.server.feed(Buffer.concat(out));
      const [scs, v] = h.server.inbox.slice(from);
      assert.ok(scs?.kind === 'setChunkSize' && scs.chunkSize === 4096);
      assert.ok(v?.kind === 'video' && v.payload.length === 5000);
    });
  }

  it('setChunkSize announces then switches at the message boundary', () => {
    const h = new Harness(whole);
    h.connect();
    h.client.takeOutput();
    h.client.setChunkSize(128);
    h.client.sendMedia(1, 'audio', 0, Buffer.alloc(300, 2));
    const out = Buffer.concat(h.client.takeOutput());
    const from = h.server.raws.length;
    h.server.feed(out);
    assert.equal(h.server.reader.chunkSize, 128);
    const [scs] = h.server.raws.slice(from);
    assert.deepEqual([scs!.type, scs!.csid, scs!.payload.toString('hex')], [1, 2, '00000080']);
    const [, a] = h.server.inbox.slice(from);
    assert.ok(a?.kind === 'audio' && a.payload.length === 300);
    assert.throws(() => h.client.setChunkSize(0), { code: 'ERR_SESSION_USAGE' });
  });

  it('reports an undecodable command as a non-fatal protocol error and carries on', () => {
    const h = new Harness(whole);
    h.connect();
    h.server.sendRaw({ type: 20, streamId: 0, timestamp: 0, csid: 3, payload: Buffer.from([0x00, 0x3f]) });
    h.server.send(pingRequest(1));
    h.server.send(command('hello', 0, null));
    h.pump();
    const ev = h.events();
    assert.deepEqual(kinds(ev), ['protocolError', 'userControl', 'invoke']);
    assert.equal(only(ev, 'protocolError')[0]!.fatal, false);
    assert.equal(h.client.state, 'connected');
  });

  it('a chunk-stream violation is fatal', () => {
    const h = new Harness(whole, { maxMessageSize: 1000 });
    h.connect();
    h.server.sendRaw(media(9, 1, 0, Buffer.alloc(2000)));
    h.pump();
    const ev = h.events();
    assert.deepEqual(kinds(ev), ['protocolError', 'closed']);
    assert.equal(only(ev, 'protocolError')[0]!.error.code, 'ERR_CHUNK_MESSAGE_TOO_LARGE');
  });

  it('attaches each message to its one event while tapping (readPacket-style access)', () => {
    const h = new Harness(whole, { tapRaw: true });
    const ev = h.connect();
    // Exactly one event per received message, each carrying its RawMessage.
    assert.deepEqual(kinds(ev), ['handshake', 'control', 'control', 'userControl', 'connected']);
    assert.deepEqual(
      ev.map((e) =>
        e.kind === 'handshake' || e.kind === 'timeout' || e.kind === 'closed' ? undefined : e.raw?.type,
      ),
      [undefined, 5, 6, 4, 20],
    );
    h.client.tapRaw = false;
    h.server.send(pingRequest(3));
    h.pump();
    const [ping] = h.events();
    assert.equal(ping?.kind === 'userControl' && ping.raw, undefined, 'no raw once tapping is off');
  });

  it('answers SWFVerifyRequest when swfVerification is configured', () => {
    const hash = Buffer.alloc(32, 0x5a);
    const h = new Harness(whole, { swfVerification: { hash, size: 123456 } });
    h.connect();
    const from = h.server.raws.length;
    h.server.send(userControl({ event: 'swfVerifyRequest', data: Buffer.from([0]) }));
    h.pump();
    assert.deepEqual(
      h.events().map((e) => e.kind === 'userControl' && [e.event, e.handled]),
      [['swfVerifyRequest', true]],
    );
    const [raw] = h.server.raws.slice(from);
    assert.equal(raw!.payload.length, 44);
    assert.equal(raw!.payload.subarray(0, 12).toString('hex'), '001b01010001e2400001e240');
  });
});

describe('ClientSession edge cases', () => {
  for (const [name, split] of SPLITS) {
    it(`media timestamps unwrap across 2^32 and survive extended timestamps (${name})`, () => {
      const h = new Harness(split);
      h.connect();
      for (const ts of [0xfffffff0, 0xfffffffa, 0x10, 0x01000000 + 0x10]) {
        h.server.sendRaw(media(9, 1, ts, Buffer.alloc(200, ts & 0xff)));
      }
      h.pump();
      assert.deepEqual(
        only(h.events(), 'media').map((e) => [e.timestamp, e.unwrappedTimestamp]),
        [
          [0xfffffff0, 0xfffffff0],
          [0xfffffffa, 0xfffffffa],
          [0x10, 0x1_0000_0010],
          [0x01000010, 0x1_0100_0010],
        ],
      );
    });
  }

  it('an AMF3 (type 17) invoke is reported with amf3 and can be answered in kind', () => {
    const h = new Harness(whole);
    h.connect();
    h.server.send({ ...command('getInfo', 3, null, 'a'), amf3: true });
    h.pump();
    const [inv] = only(h.events(), 'invoke');
    assert.deepEqual([inv!.name, inv!.txn, inv!.args, inv!.amf3], ['getInfo', 3, ['a'], true]);
    const from = h.server.raws.length;
    h.client.respond(3, 'ok', { amf3: true });
    h.pump();
    const [raw] = h.server.raws.slice(from);
    assert.equal(raw!.type, 17);
    assert.equal(raw!.payload[0], 0);
  });

  it('a relayed @setDataFrame is reported as its inner frame', () => {
    const h = new Harness(whole);
    h.connect();
    h.server.send({ ...dataMessage('@setDataFrame', 'onMetaData', new AMFObject({ w: 1 })), streamId: 1 });
    h.server.send({ ...dataMessage('onCuePoint', new AMFObject({ name: 'c' })), streamId: 1 });
    h.pump();
    assert.deepEqual(
      only(h.events(), 'data').map((d) => [d.name, d.dataFrame, d.values]),
      [
        ['onMetaData', true, [new AMFObject({ w: 1 })]],
        ['onCuePoint', false, [new AMFObject({ name: 'c' })]],
      ],
    );
  });

  it('a createStream _result without a stream id is an error for that call', () => {
    const h = new Harness(whole);
    h.connect();
    const txn = h.client.createStream();
    h.pump();
    h.server.send(command('_result', txn, null, 'nope'));
    h.pump();
    const ev = h.events();
    // One event for the one message: the call's error, saying why.
    assert.deepEqual(kinds(ev), ['error']);
    assert.equal(only(ev, 'error')[0]!.method, 'createStream');
    assert.match(String(only(ev, 'error')[0]!.info.description), /no valid stream id/);
  });

  it('a connect _result with an error level is a rejection', () => {
    const h = new Harness(whole);
    h.client.start(0);
    h.client.connect({ app: 'live' });
    h.pump();
    h.server.send(
      command('_result', 1, null, new AMFObject({ level: 'error', code: 'NetConnection.Connect.Rejected' })),
    );
    h.pump();
    const [rej] = only(h.events(), 'connectRejected');
    assert.equal(rej!.source, '_result');
  });

  it('validates caller arguments with RTMPUsageError', () => {
    const h = new Harness(whole);
    h.connect();
    assert.throws(() => new ClientSession({ chunkSize: 0 }), { code: 'ERR_SESSION_USAGE' });
    assert.throws(() => new ClientSession({ swfVerification: { hash: Buffer.alloc(3), size: 1 } }), {
      code: 'ERR_SESSION_USAGE',
    });
    assert.throws(() => h.client.sendMedia(1, 'text' as 'audio', 0, Buffer.alloc(1)), {
      code: 'ERR_SESSION_USAGE',
    });
    assert.throws(() => h.client.sendMedia(1, 'audio', -1, Buffer.alloc(1)), { code: 'ERR_SESSION_USAGE' });
    assert.throws(() => h.client.seek(0, 1), { code: 'ERR_SESSION_USAGE' });
    assert.throws(() => h.client.call(''), { code: 'ERR_SESSION_USAGE' });
    assert.throws(() => h.client.call('x', [Symbol('no') as unknown as AmfValue]), {
      code: 'ERR_AMF_ENCODE',
    });
    // A failed encode consumes no transaction id.
    assert.equal(h.client.call('y'), 2);
  });

  it('timestamps given to sendMedia wrap to 32 bits on the wire', () => {
    const h = new Harness(whole);
    h.connect();
    const from = h.server.inbox.length;
    h.client.sendMedia(1, 'audio', 0x1_0000_0005, Buffer.from([1]));
    h.pump();
    const [scs, a] = h.server.inbox.slice(from);
    assert.equal(scs?.kind, 'setChunkSize');
    assert.equal(a?.timestamp, 5);
  });
});
