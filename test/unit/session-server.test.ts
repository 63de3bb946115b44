/**
 * ServerSession against a scripted client built from the colleagues' codecs
 * (ClientHandshake, ChunkWriter/ChunkReader, message builders): every flow of
 * RTMP-SPEC §5.4–§7.2 checked message by message on the bytes the server
 * wrote, with golden hex for the control messages (hand-built), and the same
 * conversation fed at random splits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AMFObject, type AmfValue } from '../../src/amf/types.js';
import { ChunkReader } from '../../src/chunk/reader.js';
import { ChunkWriter } from '../../src/chunk/writer.js';
import { RTMPUsageError } from '../../src/errors.js';
import { ClientHandshake } from '../../src/handshake/client.js';
import { buildAggregate } from '../../src/message/aggregate.js';
import {
  ack,
  command,
  dataMessage,
  pingRequest,
  pingResponse,
  setBufferLength,
  setChunkSize,
  windowAckSize,
} from '../../src/message/builders.js';
import { decodeMessage, encodeMessage } from '../../src/message/codec.js';
import type { RawMessage } from '../../src/message/raw-message.js';
import type { CommandMessage, DataMessage, Message, UserControlMessage } from '../../src/message/types.js';
import type { ServerEvent } from '../../src/session/server-events.js';
import { ServerSession, type ServerSessionOptions } from '../../src/session/server-session.js';
import { mutate, rng } from '../fuzz/engine.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const fixedRandom = (n: number) => Buffer.alloc(n, 0x5a);

/** A scripted RTMP client: writes what a test tells it to and decodes what the server writes. */
class ScriptedClient {
  readonly server: ServerSession;
  readonly hs: ClientHandshake;
  readonly writer = new ChunkWriter();
  readonly reader = new ChunkReader();
  now = 0;
  /** Every message decoded from the server's output since the last `take()`. */
  inbox: Message[] = [];
  /** Every raw message (type, csid, …) alongside `inbox`. */
  rawInbox: RawMessage[] = [];
  /** Raw bytes the server wrote since the handshake, concatenated on demand. */
  wire: Buffer[] = [];
  readonly events: ServerEvent[] = [];
  #split: (() => number) | undefined;

  constructor(
    options: ServerSessionOptions = {},
    opts: { splitSeed?: number; policy?: 'simple' | 'fp9' } = {},
  ) {
    this.server = new ServerSession({ random: fixedRandom, ...options });
    this.hs = new ClientHandshake({ policy: opts.policy ?? 'simple', random: fixedRandom });
    if (opts.splitSeed !== undefined) this.#split = rng(opts.splitSeed);
  }

  /** Runs the handshake; returns the handshakeDone event. */
  handshake(): ServerEvent {
    this.feed(this.hs.start());
    const s012 = Buffer.concat(this.server.takeOutput());
    assert.equal(s012.length, 3073, 'S0+S1+S2 in one go, before C2');
    const step = this.hs.receive(s012);
    assert.ok(step.done);
    this.feed(Buffer.concat(step.send));
    const ev = this.takeEvents();
    assert.equal(ev.length, 1);
    assert.equal(ev[0]!.kind, 'handshakeDone');
    return ev[0]!;
  }

  /** Feeds bytes to the server, split at random points when a seed was given. */
  feed(bytes: Buffer): void {
    if (!this.#split) {
      this.server.receive(bytes, this.now);
      return;
    }
    let pos = 0;
    while (pos < bytes.length) {
      const n = 1 + (this.#split() % 97);
      this.server.receive(bytes.subarray(pos, pos + n), this.now);
      pos += n;
    }
  }

  /** Sends typed messages (csid from the message or the default) in one write. */
  send(...msgs: Message[]): void {
    this.feed(Buffer.concat(this.writer.writeMany(msgs.map((m) => encodeMessage(m)))));
  }

  /** Sends raw messages in one write. */
  sendRaw(...raws: RawMessage[]): void {
    this.feed(Buffer.concat(this.writer.writeMany(raws)));
  }

  /** Decodes everything the server wrote since the last call; returns the new messages. */
  take(): Message[] {
    const bytes = Buffer.concat(this.server.takeOutput());
    this.wire.push(bytes);
    const raws = this.reader.push(bytes);
    this.rawInbox.push(...raws);
    const msgs = raws.map((r) => decodeMessage(r));
    this.inbox.push(...msgs);
    return msgs;
  }

  takeEvents(): ServerEvent[] {
    const ev = this.server.takeEvents();
    this.events.push(...ev);
    return ev;
  }

  /** connect(1) as librtmp would send it; returns the connect event. */
  connect(extra: Record<string, AmfValue> = {}, amf3 = false): Extract<ServerEvent, { kind: 'connect' }> {
    const co = new AMFObject({
      app: 'vod',
      flashVer: 'LNX 10,0,32,18',
      tcUrl: 'rtmp://127.0.0.1/vod',
      ...extra,
    });
    this.send({ ...command('connect', 1, co), amf3 });
    const ev = this.takeEvents();
    assert.equal(ev.length, 1, JSON.stringify(ev));
    assert.equal(ev[0]!.kind, 'connect');
    return ev[0] as Extract<ServerEvent, { kind: 'connect' }>;
  }

  /** Handshake + connect + acceptConnect + createStream; returns the stream id. */
  connectAndCreate(): number {
    this.handshake();
    const c = this.connect();
    this.server.acceptConnect(c.txn);
    this.take();
    this.send(command('createStream', 2, null));
    const [ev] = this.takeEvents();
    assert.equal(ev?.kind, 'createStream');
    const id = this.server.createdStream(2);
    this.take();
    return id;
  }
}

function cmd(m: Message | undefined): CommandMessage {
  assert.equal(m?.kind, 'command', `expected a command, got ${JSON.stringify(m)}`);
  return m as CommandMessage;
}

function uc(m: Message | undefined): UserControlMessage['data'] {
  assert.equal(m?.kind, 'userControl', `expected a user control message, got ${m?.kind}`);
  return (m as UserControlMessage).data;
}

function field(v: AmfValue | undefined, key: string): AmfValue | undefined {
  return (v as Record<string, AmfValue> | undefined)?.[key];
}

function statusCodes(msgs: Message[]): string[] {
  return msgs.flatMap((m) =>
    m.kind === 'command' && m.name === 'onStatus' ? [String(field(m.args[0], 'code'))] : [],
  );
}

// ------------------------------------------------------------------ handshake

test('handshake: simple C1 (librtmp) gets S0+S1+S2 with S2 = C1 echo; C2 completes', () => {
  const c = new ScriptedClient();
  const c0c1 = c.hs.start();
  c.server.receive(c0c1, 0);
  const out = Buffer.concat(c.server.takeOutput());
  assert.equal(out[0], 3);
  assert.deepEqual(out.subarray(1537), c0c1.subarray(1), 'S2 echoes C1');
  assert.deepEqual(c.server.takeEvents(), []);
  const step = c.hs.receive(out);
  c.server.receive(Buffer.concat(step.send), 0);
  const ev = c.server.takeEvents();
  assert.equal(ev[0]?.kind, 'handshakeDone');
  assert.equal(c.server.state, 'awaitingConnect');
  assert.equal(c.hs.info?.s2Valid, true);
});

test('handshake: a digest C1 (FFmpeg) is answered digest-style and verifies', () => {
  const c = new ScriptedClient({}, { policy: 'fp9' });
  const ev = c.handshake();
  assert.equal(ev.kind === 'handshakeDone' && ev.info.mode, 'fp9');
  assert.equal(c.hs.info?.mode, 'fp9');
  assert.equal(c.hs.info?.s2Valid, true);
});

test('handshake: bytes after C2 in the same buffer are the chunk stream', () => {
  const c = new ScriptedClient();
  c.server.receive(c.hs.start(), 0);
  const step = c.hs.receive(Buffer.concat(c.server.takeOutput()));
  const co = new AMFObject({ app: 'live' });
  const connect = Buffer.concat(c.writer.write(encodeMessage(command('connect', 1, co))));
  c.server.receive(Buffer.concat([...step.send, connect]), 5);
  const kinds = c.server.takeEvents().map((e) => e.kind);
  assert.deepEqual(kinds, ['handshakeDone', 'connect']);
});

test('handshake: an HTTP request on the RTMP port is a fatal protocol error, then closed', () => {
  const s = new ServerSession({ random: fixedRandom });
  s.receive(Buffer.from('GET / HTTP/1.1\r\n\r\n'), 0);
  const ev = s.takeEvents();
  assert.equal(ev.length, 2);
  assert.equal(ev[0]!.kind, 'protocolError');
  assert.equal(ev[0]!.kind === 'protocolError' && ev[0]!.fatal, true);
  assert.equal(ev[0]!.kind === 'protocolError' && ev[0]!.error.code, 'ERR_HANDSHAKE_HTTP');
  assert.deepEqual(ev[1], {
    kind: 'closed',
    reason: 'protocolError',
    error: (ev[0] as { error: unknown }).error,
  });
  assert.equal(s.state, 'closed');
  s.receive(Buffer.from([3]), 1); // ignored
  assert.deepEqual(s.takeEvents(), []);
  assert.deepEqual(s.takeOutput(), []);
});

// ------------------------------------------------------------------ connect

test('connect accepted: WindowAck, PeerBW, SetChunkSize, StreamBegin 0, _result — exact bytes and values', () => {
  const c = new ScriptedClient({ chunkSize: 4096 });
  c.handshake();
  const ev = c.connect({ objectEncoding: 0 });
  assert.equal(ev.txn, 1);
  assert.equal(ev.app, 'vod');
  assert.equal(ev.tcUrl, 'rtmp://127.0.0.1/vod');
  assert.equal(ev.objectEncoding, 0);
  assert.equal(c.server.state, 'connecting');
  c.server.acceptConnect(1);
  const msgs = c.take();
  const wire = c.wire.at(-1)!;
  // Golden: Window Ack Size 2,500,000, then (fmt 1 on csid 2) Set Peer Bandwidth 2,500,000 Dynamic,
  // then Set Chunk Size 4096 (fmt 1), StreamBegin 0 (fmt 1).
  assert.equal(
    wire.subarray(0, 55).toString('hex'),
    hex(`02 000000 000004 05 00000000 002625a0
         42 000000 000005 06 002625a0 02
         42 000000 000004 01 00001000
         42 000000 000006 04 0000 00000000`).toString('hex'),
  );
  assert.deepEqual(
    msgs.map((m) => m.kind),
    ['windowAckSize', 'setPeerBandwidth', 'setChunkSize', 'userControl', 'command'],
  );
  assert.equal(msgs[0]!.kind === 'windowAckSize' && msgs[0]!.windowSize, 2_500_000);
  assert.equal(msgs[1]!.kind === 'setPeerBandwidth' && msgs[1]!.limitType, 2);
  assert.equal(msgs[2]!.kind === 'setChunkSize' && msgs[2]!.chunkSize, 4096);
  assert.deepEqual(uc(msgs[3]), { event: 'streamBegin', streamId: 0 });
  const r = cmd(msgs[4]);
  assert.equal(r.name, '_result');
  assert.equal(r.transactionId, 1);
  assert.equal(r.amf3, false);
  assert.equal(r.streamId, 0);
  assert.ok(r.commandObject instanceof AMFObject, 'properties are an AMF0 object (0x03), not an ECMA array');
  assert.deepEqual(
    { ...(r.commandObject as AMFObject) },
    { fmsVer: 'FMS/3,5,7,7009', capabilities: 31, mode: 1 },
  );
  assert.ok(r.args[0] instanceof AMFObject);
  assert.deepEqual(
    { ...(r.args[0] as AMFObject) },
    {
      level: 'status',
      code: 'NetConnection.Connect.Success',
      description: 'Connection succeeded.',
      objectEncoding: 0,
    },
  );
  assert.equal(c.server.state, 'connected');
  // The _result came in 4096-byte chunks (the reader applied the Set Chunk Size): one message.
  assert.equal(c.reader.chunkSize, 4096);
});

test('connect accepted without chunkSize: no Set Chunk Size; given properties/info override the defaults', () => {
  const c = new ScriptedClient({ fmsVer: 'FMS/3,0,1,123', capabilities: 127 });
  c.handshake();
  c.connect();
  c.server.acceptConnect(1, {
    properties: { mode: 2 },
    info: { description: 'Welcome', data: { version: '1' } },
  });
  const msgs = c.take();
  assert.deepEqual(
    msgs.map((m) => m.kind),
    ['windowAckSize', 'setPeerBandwidth', 'userControl', 'command'],
  );
  const r = cmd(msgs[3]);
  assert.deepEqual(
    { ...(r.commandObject as AMFObject) },
    { fmsVer: 'FMS/3,0,1,123', capabilities: 127, mode: 2 },
  );
  assert.equal(field(r.args[0], 'description'), 'Welcome');
  assert.equal(field(r.args[0], 'code'), 'NetConnection.Connect.Success');
  assert.equal(field(field(r.args[0], 'data'), 'version'), '1');
});

test('connect rejected: _error with NetConnection.Connect.Rejected; later commands are ignored', () => {
  const c = new ScriptedClient();
  c.handshake();
  c.connect();
  c.server.rejectConnect(1, {
    description: '[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ',
  });
  const msgs = c.take();
  assert.equal(msgs.length, 1, 'no control messages before a rejection');
  const e = cmd(msgs[0]);
  assert.equal(e.name, '_error');
  assert.equal(e.transactionId, 1);
  assert.equal(e.commandObject, null);
  assert.equal(field(e.args[0], 'level'), 'error');
  assert.equal(field(e.args[0], 'code'), 'NetConnection.Connect.Rejected');
  assert.match(String(field(e.args[0], 'description')), /authmod=adobe/);
  assert.equal(c.server.state, 'rejected');
  c.send(command('createStream', 2, null));
  const ev = c.takeEvents();
  assert.equal(ev.length, 1);
  assert.equal(ev[0]!.kind, 'protocolError');
  assert.equal(ev[0]!.kind === 'protocolError' && ev[0]!.fatal, false);
  assert.deepEqual(c.take(), []);
});

test('connect with objectEncoding 3: _result echoes 3 in the form connect came in; later commands are type 17', () => {
  const c = new ScriptedClient();
  c.handshake();
  const ev = c.connect({ objectEncoding: 3 });
  assert.equal(ev.objectEncoding, 3);
  c.server.acceptConnect(1);
  const r = cmd(c.take().at(-1));
  assert.equal(r.amf3, false, 'connect came as type 20');
  assert.equal(c.rawInbox.at(-1)!.type, 20);
  assert.equal(field(r.args[0], 'objectEncoding'), 3);
  assert.equal(c.server.objectEncoding, 3);
  // A type-17 createStream (format byte 0 + AMF0) is understood and answered as type 17.
  c.send({ ...command('createStream', 2, null), amf3: true });
  assert.equal(c.takeEvents()[0]?.kind, 'createStream');
  assert.equal(c.server.createdStream(2), 1);
  const res = cmd(c.take()[0]);
  assert.equal(c.rawInbox.at(-1)!.type, 17);
  assert.equal(c.rawInbox.at(-1)!.payload[0], 0, 'format selector byte');
  assert.deepEqual([res.name, res.transactionId, res.args[0]], ['_result', 2, 1]);
});

test('connect as a type-17 command gets a type-17 _result; objectEncoding 0 keeps AMF0 afterwards', () => {
  const c = new ScriptedClient();
  c.handshake();
  c.connect({}, true);
  c.server.acceptConnect(1);
  c.take();
  assert.equal(c.rawInbox.at(-1)!.type, 17);
  c.send(command('createStream', 2, null));
  c.takeEvents();
  c.server.createdStream(2);
  c.take();
  assert.equal(c.rawInbox.at(-1)!.type, 20);
});

test('amf3: false refuses the AMF3 offer (info.objectEncoding 0, AMF0 replies)', () => {
  const c = new ScriptedClient({ amf3: false });
  c.handshake();
  assert.equal(c.connect({ objectEncoding: 3 }).objectEncoding, 0);
  c.server.acceptConnect(1);
  assert.equal(field(cmd(c.take().at(-1)).args[0], 'objectEncoding'), 0);
});

test('the host can refuse the AMF3 offer in acceptConnect (info.objectEncoding 0): AMF0 afterwards', () => {
  const c = new ScriptedClient();
  c.handshake();
  c.connect({ objectEncoding: 3 });
  c.server.acceptConnect(1, { info: { objectEncoding: 0 } });
  assert.equal(field(cmd(c.take().at(-1)).args[0], 'objectEncoding'), 0);
  assert.equal(c.server.objectEncoding, 0);
  c.send(command('createStream', 2, null));
  c.takeEvents();
  c.server.createdStream(2);
  c.take();
  assert.equal(c.rawInbox.at(-1)!.type, 20);
});

test('a second connect is a non-fatal protocol error; commands before connect are ignored', () => {
  const c = new ScriptedClient();
  c.handshake();
  c.send(command('createStream', 2, null));
  const e1 = c.takeEvents();
  assert.equal(e1[0]?.kind === 'protocolError' && e1[0].error.code, 'ERR_SESSION_NOT_CONNECTED');
  c.connect();
  c.server.acceptConnect(1);
  c.send(command('connect', 3, new AMFObject({ app: 'x' })));
  const e2 = c.takeEvents();
  assert.equal(e2[0]?.kind === 'protocolError' && e2[0].error.code, 'ERR_SESSION_DUPLICATE_CONNECT');
});

test('answer methods check the transaction: unknown txn or wrong kind throws RTMPUsageError', () => {
  const c = new ScriptedClient();
  c.handshake();
  c.connect();
  assert.throws(() => c.server.acceptConnect(7), RTMPUsageError);
  assert.throws(() => c.server.createdStream(1), RTMPUsageError);
  assert.throws(() => c.server.respond(1, null), RTMPUsageError);
  assert.throws(() => c.server.status(0, { code: 'x' }), RTMPUsageError, 'not connected yet');
  c.server.acceptConnect(1);
  assert.throws(() => c.server.acceptConnect(1), RTMPUsageError, 'answered once');
  assert.throws(() => c.server.startPlay(1), RTMPUsageError, 'no such stream');
  assert.throws(() => new ServerSession({ chunkSize: 0 }), RTMPUsageError);
  assert.throws(() => new ServerSession({ windowAckSize: -1 }), RTMPUsageError);
});

test('a reused transaction id (or connect with txn 0) still gets one answer per request', () => {
  const c = new ScriptedClient();
  c.handshake();
  c.send(command('connect', 0, new AMFObject({ app: 'x' })));
  assert.equal(c.takeEvents()[0]?.kind, 'connect');
  c.server.acceptConnect(0);
  assert.equal(cmd(c.take().at(-1)).transactionId, 0);
  c.send(command('createStream', 7, null), command('createStream', 7, null));
  assert.equal(c.takeEvents().length, 2);
  assert.equal(c.server.createdStream(7), 1);
  assert.equal(c.server.createdStream(7), 2);
  assert.throws(() => c.server.createdStream(7), RTMPUsageError);
  assert.deepEqual(
    c.take().map((m) => cmd(m).args[0]),
    [1, 2],
  );
});

// ------------------------------------------------------------------ createStream / deleteStream

test('createStream: ids 1, 2; deleteStream frees the id; the lowest free id is reused', () => {
  const c = new ScriptedClient();
  c.handshake();
  c.connect();
  c.server.acceptConnect(1);
  c.take();
  c.send(command('createStream', 2, null), command('createStream', 3, null));
  assert.deepEqual(
    c.takeEvents().map((e) => e.kind === 'createStream' && e.txn),
    [2, 3],
  );
  assert.equal(c.server.createdStream(2), 1);
  assert.equal(c.server.createdStream(3), 2);
  const rs = c.take().map(cmd);
  assert.deepEqual(
    rs.map((r) => [r.name, r.transactionId, r.commandObject, r.args[0], r.streamId]),
    [
      ['_result', 2, null, 1, 0],
      ['_result', 3, null, 2, 0],
    ],
  );
  c.send(command('deleteStream', 0, null, 1));
  assert.deepEqual(c.takeEvents(), [{ kind: 'deleteStream', streamId: 1, txn: 0 }]);
  assert.deepEqual(c.take(), [], 'no response to deleteStream');
  c.send(command('createStream', 4, null));
  c.takeEvents();
  assert.equal(c.server.createdStream(4), 1);
  assert.deepEqual([...c.server.streams.keys()].sort(), [1, 2]);
  // A createStream can be refused with respondError, not answered with respond.
  c.take();
  c.send(command('createStream', 5, null));
  c.takeEvents();
  assert.throws(() => c.server.respond(5, 9), RTMPUsageError);
  c.server.respondError(5, { description: 'no' });
  const e = cmd(c.take()[0]);
  assert.deepEqual([e.name, e.transactionId, field(e.args[0], 'description')], ['_error', 5, 'no']);
});

test('createStream beyond maxStreams gets _error automatically', () => {
  const c = new ScriptedClient({ maxStreams: 1 });
  c.connectAndCreate();
  c.send(command('createStream', 9, null));
  const ev = c.takeEvents();
  assert.equal(ev[0]?.kind === 'protocolError' && ev[0].error.code, 'ERR_SESSION_TOO_MANY_STREAMS');
  const e = cmd(c.take()[0]);
  assert.deepEqual(
    [e.name, e.transactionId, field(e.args[0], 'code')],
    ['_error', 9, 'NetConnection.Call.Failed'],
  );
});

// ------------------------------------------------------------------ play

test('play flow: play event; startPlay; metadata and media keep timestamps; endPlay', () => {
  const c = new ScriptedClient({ chunkSize: 4096 });
  const id = c.connectAndCreate();
  assert.equal(id, 1);
  // librtmp: play(txn, null, name, start) on the stream msid, csid 8; then SetBufferLength
  c.send({ ...command('play', 3, null, 'short', -1000), streamId: id }, setBufferLength(id, 36_000_000));
  const ev = c.takeEvents();
  assert.deepEqual(ev, [
    {
      kind: 'play',
      streamId: 1,
      txn: 3,
      name: 'short',
      start: -1000,
      duration: -1,
      reset: true,
      args: ['short', -1000],
    },
    { kind: 'bufferLength', streamId: 1, milliseconds: 36_000_000 },
  ]);
  c.server.startPlay(id, { recorded: true });
  const start = c.take();
  assert.deepEqual(uc(start[0]), { event: 'streamIsRecorded', streamId: 1 });
  assert.deepEqual(uc(start[1]), { event: 'streamBegin', streamId: 1 });
  assert.deepEqual(statusCodes(start), ['NetStream.Play.Reset', 'NetStream.Play.Start']);
  for (const m of start.slice(2, 4)) {
    assert.equal(m.streamId, 1, 'onStatus goes on the stream msid');
    assert.equal(cmd(m).transactionId, 0);
    assert.equal(field(cmd(m).args[0], 'level'), 'status');
    assert.equal(field(cmd(m).args[0], 'details'), 'short');
  }
  assert.equal(field(cmd(start[3]).args[0], 'description'), 'Started playing short.');
  const sa = start[4] as DataMessage;
  assert.equal(sa.kind, 'data');
  assert.deepEqual(sa.values, ['|RtmpSampleAccess', true, true]);
  assert.equal(start.length, 5);

  const meta = new Map<string, AmfValue>([['duration', 10]]);
  c.server.sendData(id, ['onMetaData', meta], 0);
  const big = Buffer.alloc(10_000, 0xab);
  c.server.sendMedia(id, 'video', 0, Buffer.from([0x17, 0, 0, 0, 0, 1, 2]));
  c.server.sendMedia(id, 'audio', 0, Buffer.from([0xaf, 0, 0x12, 0x10]));
  c.server.sendMedia(id, 'video', 33, big);
  c.server.sendMedia(id, 'audio', 23, Buffer.from([0xaf, 1, 9]));
  c.server.sendMedia(id, 'video', 0x1234567, Buffer.from([0x27, 1, 0, 0, 0]));
  const media = c.take();
  assert.deepEqual(
    media.map((m) => [m.kind, m.timestamp, m.streamId]),
    [
      ['data', 0, 1],
      ['video', 0, 1],
      ['audio', 0, 1],
      ['video', 33, 1],
      ['audio', 23, 1],
      ['video', 0x1234567, 1],
    ],
  );
  assert.equal((media[0] as DataMessage).values[0], 'onMetaData');
  assert.equal(field((media[0] as DataMessage).values[1], 'duration'), 10, 'a Map goes out as an ECMA array');
  assert.deepEqual(media[3]!.kind === 'video' && media[3]!.payload, big);
  assert.notEqual(
    c.rawInbox.at(-1)!.csid,
    c.rawInbox.at(-2)!.csid,
    'audio and video on separate chunk streams',
  );

  c.server.endPlay(id, { playStatus: { duration: 10.07, bytes: 1_414_453 } });
  const end = c.take();
  assert.deepEqual(uc(end[0]), { event: 'streamEOF', streamId: 1 });
  assert.equal(end[1]!.kind, 'data');
  assert.equal((end[1] as DataMessage).values[0], 'onPlayStatus');
  assert.equal(field((end[1] as DataMessage).values[1], 'code'), 'NetStream.Play.Complete');
  assert.equal(field((end[1] as DataMessage).values[1], 'bytes'), 1_414_453);
  assert.deepEqual(statusCodes(end), ['NetStream.Play.Stop']);
  assert.equal(c.server.streams.get(1)?.state, 'idle');
});

test('play: start/duration/reset as librtmp and FFmpeg send them; a play without a name is refused (CVE-2015-8272)', () => {
  const c = new ScriptedClient();
  const id = c.connectAndCreate();
  c.send({ ...command('play', 4, null, 'mp4:x.mp4', 5000, 2000, false), streamId: id });
  const [p] = c.takeEvents();
  assert.equal(p?.kind, 'play');
  if (p?.kind === 'play')
    assert.deepEqual([p.name, p.start, p.duration, p.reset], ['mp4:x.mp4', 5000, 2000, false]);
  c.send({ ...command('play', 5, null, 'live'), streamId: id });
  const [q] = c.takeEvents();
  if (q?.kind === 'play') assert.deepEqual([q.start, q.duration, q.reset], [-2000, -1, true]);
  c.send({ ...command('play', 6, null, 42), streamId: id });
  const [r] = c.takeEvents();
  assert.equal(r?.kind === 'protocolError' && r.error.code, 'ERR_SESSION_BAD_COMMAND');
  c.send({ ...command('play', 7, null, 'x'), streamId: 9 });
  const [s] = c.takeEvents();
  assert.equal(s?.kind === 'protocolError' && s.error.code, 'ERR_SESSION_UNKNOWN_STREAM');
  c.server.startPlay(id, { reset: false });
  assert.deepEqual(statusCodes(c.take()), ['NetStream.Play.Start']);
});

test('pause/seek: on the stream msid, and on msid 0 (librtmp) mapped to the stream last played; notify replies', () => {
  const c = new ScriptedClient();
  const id = c.connectAndCreate();
  c.send({ ...command('play', 3, null, 'short'), streamId: id });
  c.server.startPlay(id);
  c.take();
  c.send(command('pause', 0, null, true, 1234));
  c.send({ ...command('seek', 0, null, 5000), streamId: id });
  c.send({ ...command('pause', 0, null, false, 1234), streamId: id });
  assert.deepEqual(
    c.takeEvents().filter((e) => e.kind !== 'play'),
    [
      { kind: 'pause', streamId: 1, pause: true, milliseconds: 1234 },
      { kind: 'seek', streamId: 1, milliseconds: 5000 },
      { kind: 'pause', streamId: 1, pause: false, milliseconds: 1234 },
    ],
  );
  c.server.pauseNotify(id, true);
  let m = c.take();
  assert.deepEqual(uc(m[0]), { event: 'streamEOF', streamId: 1 });
  assert.deepEqual(statusCodes(m), ['NetStream.Pause.Notify']);
  c.server.pauseNotify(id, false);
  m = c.take();
  assert.deepEqual(uc(m[0]), { event: 'streamBegin', streamId: 1 });
  assert.deepEqual(statusCodes(m), ['NetStream.Unpause.Notify']);
  c.server.seekNotify(id, 5000);
  assert.deepEqual(statusCodes(c.take()), ['NetStream.Seek.Notify', 'NetStream.Play.Start']);
});

test('FCSubscribe (librtmp live) gets onFCSubscribe; closeStream makes the stream idle', () => {
  const c = new ScriptedClient();
  const id = c.connectAndCreate();
  c.send(command('FCSubscribe', 3, null, 'live1'));
  assert.deepEqual(c.takeEvents(), [
    { kind: 'fcSubscribe', txn: 3, name: 'live1', streamId: 0, handled: true },
  ]);
  const m = cmd(c.take()[0]);
  assert.deepEqual(
    [m.name, field(m.args[0], 'code'), field(m.args[0], 'description')],
    ['onFCSubscribe', 'NetStream.Play.Start', 'live1'],
  );
  c.send({ ...command('closeStream', 0, null), streamId: id });
  assert.deepEqual(c.takeEvents(), [{ kind: 'closeStream', streamId: 1 }]);
});

// ------------------------------------------------------------------ publish

/** The FFmpeg/OBS publisher sequence up to Publish.Start; returns the stream id. */
function publishTo(c: ScriptedClient, name = 'test'): number {
  c.handshake();
  c.send(setChunkSize(4096)); // OBS/FFmpeg announce theirs early
  c.writer.setChunkSize(4096);
  c.connect({ app: 'live', type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; Lavf61.7.100)' });
  c.server.acceptConnect(1);
  c.take();
  c.send(
    command('releaseStream', 2, null, name),
    command('FCPublish', 3, null, name),
    command('createStream', 4, null),
  );
  const ev = c.takeEvents();
  assert.deepEqual(
    ev.map((e) => e.kind),
    ['releaseStream', 'fcPublish', 'createStream'],
  );
  const auto = c.take().map(cmd);
  assert.deepEqual(
    auto.map((m) => [m.name, m.transactionId]),
    [
      ['_result', 2],
      ['_result', 3],
      ['onFCPublish', 0],
    ],
  );
  assert.equal(field(auto[2]!.args[0], 'code'), 'NetStream.Publish.Start');
  const id = c.server.createdStream(4);
  c.take();
  c.send({ ...command('publish', 5, null, name, 'live'), streamId: id, csid: 4 });
  assert.deepEqual(c.takeEvents(), [{ kind: 'publish', streamId: id, txn: 5, name, type: 'live' }]);
  c.server.acceptPublish(id);
  const ps = c.take();
  assert.deepEqual(uc(ps[0]), { event: 'streamBegin', streamId: id });
  assert.deepEqual(statusCodes(ps), ['NetStream.Publish.Start']);
  assert.equal(field(cmd(ps[1]).args[0], 'description'), `${name} is now published.`);
  return id;
}

test('publish flow: FFmpeg sequence; @setDataFrame, media with timestamps, aggregate; FCUnpublish + deleteStream', () => {
  const c = new ScriptedClient();
  const id = publishTo(c);
  const meta = new Map<string, AmfValue>([
    ['width', 640],
    ['height', 360],
  ]);
  c.send(
    { ...dataMessage('@setDataFrame', 'onMetaData', meta), streamId: id },
    { kind: 'video', streamId: id, timestamp: 0, payload: Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64]) },
    { kind: 'audio', streamId: id, timestamp: 0, payload: Buffer.from([0xaf, 0, 0x12, 0x10]) },
    { kind: 'video', streamId: id, timestamp: 33, payload: Buffer.alloc(9000, 1) },
    { kind: 'audio', streamId: id, timestamp: 23, payload: Buffer.from([0xaf, 1, 2]) },
    { kind: 'video', streamId: id, timestamp: 0xffffff + 10, payload: Buffer.from([0x27, 1]) },
  );
  const ev = c.takeEvents();
  assert.equal(ev[0]!.kind, 'data');
  if (ev[0]!.kind === 'data') {
    assert.deepEqual(
      [ev[0].name, ev[0].values.length, ev[0].dataFrame, ev[0].streamId],
      ['onMetaData', 1, true, 1],
    );
    assert.deepEqual({ ...(ev[0].values[0] as object) }, { width: 640, height: 360 });
  }
  const media = ev
    .slice(1)
    .map((e) => (e.kind === 'media' ? [e.type, e.timestamp, e.payload.length] : e.kind));
  assert.deepEqual(media, [
    ['video', 0, 7],
    ['audio', 0, 4],
    ['video', 33, 9000],
    ['audio', 23, 3],
    ['video', 0xffffff + 10, 2],
  ]);
  // FMS-style aggregate: split into its records, timestamps rebased onto the aggregate's.
  const records = [
    { type: 9, timestamp: 100, payload: Buffer.from([0x27, 1, 2]) },
    { type: 8, timestamp: 110, payload: Buffer.from([0xaf, 1, 3]) },
  ];
  c.sendRaw(buildAggregate(records, { streamId: id, timestamp: 1000, csid: 6 }));
  assert.deepEqual(
    c.takeEvents().map((e) => (e.kind === 'media' ? [e.type, e.timestamp, e.aggregated] : e.kind)),
    [
      ['video', 1000, true],
      ['audio', 1010, true],
    ],
  );
  c.send(command('FCUnpublish', 6, null, 'test'), command('deleteStream', 7, null, id));
  assert.deepEqual(c.takeEvents(), [
    { kind: 'fcUnpublish', txn: 6, name: 'test', streamId: 0, handled: true },
    { kind: 'deleteStream', streamId: 1, txn: 7 },
  ]);
  const out = c.take().map(cmd);
  assert.deepEqual(
    out.map((m) => [m.name, m.transactionId, field(m.args[0], 'code')]),
    [
      ['_result', 6, undefined],
      ['onFCUnpublish', 0, 'NetStream.Unpublish.Success'],
    ],
  );
  // Media for a deleted stream is dropped, not reported.
  c.send({ kind: 'audio', streamId: id, timestamp: 50, payload: Buffer.from([0xaf, 1]) });
  assert.deepEqual(c.takeEvents(), []);
  assert.equal(c.server.stats.droppedMessages, 1);
});

test('publish: media before acceptPublish is dropped; autoFC false leaves FC* to the host', () => {
  const c = new ScriptedClient({ autoFC: false });
  c.handshake();
  c.connect();
  c.server.acceptConnect(1);
  c.take();
  c.send(command('FCPublish', 2, null, 'k'), command('createStream', 3, null));
  assert.deepEqual(
    c.takeEvents().map((e) => [e.kind, 'handled' in e ? e.handled : undefined]),
    [
      ['fcPublish', false],
      ['createStream', undefined],
    ],
  );
  assert.deepEqual(c.take(), [], 'nothing answered automatically');
  c.server.respond(2);
  assert.deepEqual(
    c.take().map((m) => [cmd(m).name, cmd(m).transactionId, cmd(m).args.length]),
    [['_result', 2, 0]],
  );
  const id = c.server.createdStream(3);
  c.send({ ...command('publish', 4, null, 'k'), streamId: id });
  c.takeEvents();
  c.send({ kind: 'video', streamId: id, timestamp: 0, payload: Buffer.from([0x17, 0]) });
  assert.deepEqual(c.takeEvents(), []);
  c.server.acceptPublish(id);
  c.send({ kind: 'video', streamId: id, timestamp: 40, payload: Buffer.from([0x27, 0]) });
  assert.equal(c.takeEvents()[0]?.kind, 'media');
});

// ------------------------------------------------------------------ calls

test('custom call: call event, respond → _result with the value; respondError → _error', () => {
  const c = new ScriptedClient();
  c.connectAndCreate();
  c.send(command('MyMath.MyAdd', 5, null, 1, 2), command('getStreamLength', 6, null, 'short'));
  assert.deepEqual(c.takeEvents(), [
    {
      kind: 'call',
      name: 'MyMath.MyAdd',
      txn: 5,
      commandObject: null,
      args: [1, 2],
      streamId: 0,
      amf3: false,
    },
    {
      kind: 'call',
      name: 'getStreamLength',
      txn: 6,
      commandObject: null,
      args: ['short'],
      streamId: 0,
      amf3: false,
    },
  ]);
  c.server.respond(5, 3);
  c.server.respondError(6, { code: 'NetStream.Play.StreamNotFound', description: 'no such stream' });
  const [r, e] = c.take().map(cmd);
  assert.deepEqual([r!.name, r!.transactionId, r!.commandObject, r!.args], ['_result', 5, null, [3]]);
  assert.deepEqual(
    [e!.name, e!.transactionId, field(e!.args[0], 'level'), field(e!.args[0], 'code')],
    ['_error', 6, 'error', 'NetStream.Play.StreamNotFound'],
  );
  assert.throws(() => c.server.respond(5, 3), RTMPUsageError, 'a transaction is answered once');
  // txn 0 = no answer expected: still reported, not answerable.
  c.send(command('notify', 0, null, 'x'));
  assert.equal(c.takeEvents()[0]?.kind, 'call');
  assert.throws(() => c.server.respond(0), RTMPUsageError);
});

test('server-initiated call: txn allocated, client _result / _error matched to the method', () => {
  const c = new ScriptedClient();
  c.connectAndCreate();
  const t1 = c.server.call('getClientInfo', ['a', 1]);
  const t2 = c.server.call('mustFail');
  const t0 = c.server.call('onBWDone', [8192], { expectResult: false });
  assert.equal(t0, 0);
  assert.notEqual(t1, t2);
  const sent = c.take().map(cmd);
  assert.deepEqual(
    sent.map((m) => [m.name, m.transactionId, m.commandObject, m.args]),
    [
      ['getClientInfo', t1, null, ['a', 1]],
      ['mustFail', t2, null, []],
      ['onBWDone', 0, null, [8192]],
    ],
  );
  c.send(
    command('_result', t1, null, new AMFObject({ ok: true })),
    command('_error', t2, null, new AMFObject({ level: 'error', code: 'NetConnection.Call.Failed' })),
    command('_result', 999, null, 1),
  );
  const ev = c.takeEvents();
  assert.equal(ev[0]!.kind, 'result');
  if (ev[0]!.kind === 'result') {
    assert.equal(ev[0].txn, t1);
    assert.equal(ev[0].method, 'getClientInfo');
    assert.equal(field(ev[0].values[0], 'ok'), true);
  }
  assert.equal(ev[1]!.kind, 'error');
  if (ev[1]!.kind === 'error') {
    assert.equal(ev[1].method, 'mustFail');
    assert.equal(ev[1].info.code, 'NetConnection.Call.Failed');
  }
  assert.equal(ev[2]!.kind === 'result' && ev[2].method, undefined, 'untracked txn still reported');
});

test('status(): onStatus on msid 0 or a stream; level defaults to status', () => {
  const c = new ScriptedClient();
  const id = c.connectAndCreate();
  c.server.status(0, {
    code: 'NetConnection.Connect.ReconnectRequest',
    description: 'go',
    tcUrl: 'rtmp://x/app',
  });
  c.server.status(id, { level: 'error', code: 'NetStream.Play.StreamNotFound' });
  const [a, b] = c.take().map(cmd);
  assert.deepEqual(
    [a!.streamId, field(a!.args[0], 'level'), field(a!.args[0], 'tcUrl')],
    [0, 'status', 'rtmp://x/app'],
  );
  assert.deepEqual([b!.streamId, field(b!.args[0], 'level')], [1, 'error']);
});

// ------------------------------------------------------------------ control

test('ping: PingRequest carries now; the PingResponse gives the RTT; a client PingRequest is answered', () => {
  const c = new ScriptedClient();
  c.connectAndCreate();
  c.server.ping(1000);
  assert.deepEqual(uc(c.take()[0]), { event: 'pingRequest', timestamp: 1000 });
  c.now = 1030;
  c.send(pingResponse(1000));
  assert.deepEqual(c.takeEvents(), [{ kind: 'pong', timestamp: 1000, rtt: 30 }]);
  assert.equal(c.server.rtt, 30);
  c.send(pingResponse(77)); // never asked: ignored
  assert.deepEqual(c.takeEvents(), []);
  c.send(pingRequest(4242));
  assert.deepEqual(uc(c.take()[0]), { event: 'pingResponse', timestamp: 4242 });
});

test('acks: after our announced window of chunk bytes, then by the client Window Ack Size; client acks tracked', () => {
  const c = new ScriptedClient({ windowAckSize: 1000 });
  c.handshake();
  c.connect();
  c.server.acceptConnect(1);
  c.take();
  const before = c.server.stats.bytesReceived;
  c.send({ ...command('junk', 0, null, 'x'.repeat(1200)) });
  c.takeEvents();
  const acks = c.take().filter((m) => m.kind === 'ack');
  assert.equal(acks.length, 1);
  const total = c.server.stats.bytesReceived;
  assert.ok(total - before >= 1000 && total >= 1000);
  assert.equal(
    acks[0]!.kind === 'ack' && acks[0]!.sequenceNumber,
    total,
    'sequence = all chunk bytes received',
  );
  assert.equal(c.server.stats.acksSent, 1);
  // The client announces 100 000: nothing for the next ~1200 bytes.
  c.send(windowAckSize(100_000), command('junk', 0, null, 'y'.repeat(1200)));
  assert.deepEqual(
    c.take().filter((m) => m.kind === 'ack'),
    [],
  );
  assert.ok(c.server.stats.inFlight > 0);
  // FFmpeg counts from after the handshake; librtmp includes its 3073 handshake bytes: both settle in-flight.
  c.send(ack(c.server.stats.bytesSent - 3073));
  assert.equal(c.server.stats.inFlight, 0);
  c.server.status(0, { code: 'x' });
  c.take();
  c.send(ack(c.server.stats.bytesSent));
  assert.equal(c.server.stats.inFlight, 0);
});

test('client Set Chunk Size and Abort are applied by the reader', () => {
  const c = new ScriptedClient();
  c.connectAndCreate();
  c.send(setChunkSize(64));
  c.writer.setChunkSize(64);
  c.send(command('MyCall', 8, null, 'z'.repeat(500)));
  const ev = c.takeEvents();
  assert.equal(ev[0]?.kind === 'call' && (ev[0].args[0] as string).length, 500);
  // Abort: half a message on csid 9, abort it, then a whole one on csid 9.
  const w = new ChunkWriter({ chunkSize: 64 });
  const partial = Buffer.concat(
    w.write(encodeMessage(command('Lost', 0, null, 'q'.repeat(200)), { csid: 9 })),
  );
  c.feed(partial.subarray(0, 12 + 64)); // the first chunk only
  c.send({ kind: 'abort', streamId: 0, timestamp: 0, chunkStreamId: 9 });
  const whole = Buffer.concat(
    new ChunkWriter({ chunkSize: 64 }).write(encodeMessage(command('Kept', 0, null), { csid: 9 })),
  );
  c.feed(whole);
  assert.deepEqual(
    c.takeEvents().map((e) => e.kind === 'call' && e.name),
    ['Kept'],
  );
});

test('limits: a message over maxMessageSize is fatal; an undecodable command is skipped', () => {
  const c = new ScriptedClient({ maxMessageSize: 1000 });
  c.connectAndCreate();
  c.sendRaw({ type: 20, streamId: 0, timestamp: 0, csid: 3, payload: Buffer.from([0x02, 0x00, 0x05, 0x61]) });
  const e1 = c.takeEvents();
  assert.equal(e1.length, 1);
  assert.equal(e1[0]!.kind === 'protocolError' && e1[0]!.fatal, false);
  assert.equal(e1[0]!.kind === 'protocolError' && e1[0]!.error.code, 'ERR_MESSAGE_BAD_COMMAND');
  c.send(command('big', 0, null, 'b'.repeat(2000)));
  const e2 = c.takeEvents();
  assert.deepEqual(
    e2.map((e) => [e.kind, 'fatal' in e ? e.fatal : undefined]),
    [
      ['protocolError', true],
      ['closed', undefined],
    ],
  );
  assert.equal(e2[0]!.kind === 'protocolError' && e2[0]!.error.code, 'ERR_CHUNK_MESSAGE_TOO_LARGE');
  assert.equal(c.server.state, 'closed');
});

test('idle deadline: armed by now/receive, fires one timeout per silence, re-armed by bytes', () => {
  const s = new ServerSession({ random: fixedRandom, idleTimeoutMs: 5000, now: 100 });
  assert.equal(s.nextDeadline(), 5100);
  s.handleTimeout(5099);
  assert.deepEqual(s.takeEvents(), []);
  s.handleTimeout(5100);
  assert.deepEqual(s.takeEvents(), [{ kind: 'timeout', idleMs: 5000 }]);
  assert.equal(s.nextDeadline(), undefined);
  s.handleTimeout(9000);
  assert.deepEqual(s.takeEvents(), []);
  s.receive(Buffer.from([3]), 7000);
  assert.equal(s.nextDeadline(), 12_000);
  assert.equal(new ServerSession().nextDeadline(), undefined, 'no idle timeout by default');
});

test('close() and end(): one closed event; methods and input become no-ops', () => {
  const c = new ScriptedClient();
  const id = c.connectAndCreate();
  c.server.close();
  c.server.close();
  c.server.end();
  assert.deepEqual(c.takeEvents(), [{ kind: 'closed', reason: 'local' }]);
  c.server.sendMedia(id, 'audio', 0, Buffer.from([1]));
  c.server.status(id, { code: 'x' });
  c.send(command('createStream', 9, null));
  assert.deepEqual(c.takeEvents(), []);
  assert.deepEqual(c.server.takeOutput(), []);
  const s = new ServerSession();
  s.end();
  assert.deepEqual(s.takeEvents(), [{ kind: 'closed', reason: 'peer' }]);
});

// ------------------------------------------------------------------ splits

/** A whole publish + call conversation; returns the events and what the server wrote (acks apart). */
function conversation(splitSeed?: number): { events: ServerEvent[]; replies: unknown[]; acks: number } {
  const c = new ScriptedClient(
    { chunkSize: 1000, windowAckSize: 5000 },
    splitSeed === undefined ? {} : { splitSeed },
  );
  const id = publishTo(c, 'split');
  const frames: Message[] = [];
  for (let i = 0; i < 40; i++) {
    frames.push({ kind: 'video', streamId: id, timestamp: i * 33, payload: Buffer.alloc(300 + i * 37, i) });
    frames.push({ kind: 'audio', streamId: id, timestamp: i * 23, payload: Buffer.alloc(20 + i, i + 1) });
  }
  c.send(
    { ...dataMessage('@setDataFrame', 'onMetaData', new AMFObject({ duration: 1 })), streamId: id },
    ...frames,
  );
  c.send(command('MyCall', 10, null, new AMFObject({ a: [1, 2, 3] })), pingResponse(5));
  for (const e of c.takeEvents()) if (e.kind === 'call') c.server.respond(e.txn, 'ok');
  c.take();
  c.send(command('FCUnpublish', 11, null, 'split'), command('deleteStream', 12, null, id));
  c.takeEvents();
  c.take();
  // Acks depend on where the input was split (they go out at the end of a receive()), so they are counted apart.
  const replies = c.inbox.filter((m) => m.kind !== 'ack');
  return { events: c.events, replies, acks: c.inbox.length - replies.length };
}

function comparable(events: ServerEvent[]): unknown[] {
  return events.map((e) => (e.kind === 'media' ? { ...e, payload: e.payload.toString('hex') } : e));
}

test('random splits: the same conversation fed in 1..97-byte pieces gives the same events and replies', () => {
  const whole = conversation();
  assert.equal(whole.events.filter((e) => e.kind === 'media').length, 80);
  assert.equal(whole.acks, 1, 'one ack per receive() that crossed the window, with the running total');
  for (const seed of [1, 2, 3, 0xdead, 0xbeef]) {
    const split = conversation(seed);
    assert.deepEqual(comparable(split.events), comparable(whole.events), `seed ${seed}`);
    assert.deepEqual(split.replies, whole.replies, `seed ${seed}: server output`);
    assert.ok(
      split.acks >= 8,
      `seed ${seed}: ~43 kB in small pieces cross the 5000-byte window often (${split.acks})`,
    );
  }
});

// ------------------------------------------------------------------ hostile input

test('mutated client streams never throw out of receive(): only events (typed errors)', () => {
  // A valid conversation after the handshake: connect, createStream, publish, metadata, media, calls.
  const w = new ChunkWriter();
  const stream = 1;
  const valid = Buffer.concat(
    w.writeMany(
      [
        setChunkSize(256),
        command('connect', 1, new AMFObject({ app: 'live', objectEncoding: 3 })),
        command('releaseStream', 2, null, 'k'),
        command('createStream', 3, null),
        { ...command('publish', 4, null, 'k', 'live'), streamId: stream },
        { ...dataMessage('@setDataFrame', 'onMetaData', new AMFObject({ w: 1 })), streamId: stream },
        { kind: 'video' as const, streamId: stream, timestamp: 0, payload: Buffer.alloc(600, 7) },
        { kind: 'audio' as const, streamId: stream, timestamp: 0xfffffe, payload: Buffer.alloc(30, 1) },
        { ...command('MyCall', 5, null, [1, 'a', null]), amf3: true },
        pingResponse(0),
        command('deleteStream', 0, null, stream),
      ].map((m) => encodeMessage(m)),
    ),
  );
  const next = rng(0x5e55);
  let events = 0;
  for (let run = 0; run < 1500; run++) {
    const input = run === 0 ? valid : mutate(valid, next);
    const c = new ScriptedClient({ maxMessageSize: 64 * 1024, windowAckSize: 500 });
    c.handshake();
    let pos = 0;
    while (pos < input.length) {
      const n = 1 + (next() % 300);
      c.server.receive(input.subarray(pos, pos + n), run);
      for (const e of c.server.takeEvents()) {
        events++;
        if (e.kind === 'connect') c.server.acceptConnect(e.txn);
        else if (e.kind === 'createStream') c.server.createdStream(e.txn);
        else if (e.kind === 'publish') c.server.acceptPublish(e.streamId);
        else if (e.kind === 'call' && e.txn !== 0) c.server.respond(e.txn, 'ok');
        else if (e.kind === 'protocolError') assert.match(e.error.code, /^ERR_(CHUNK|MESSAGE|AMF|SESSION)_/);
      }
      c.server.takeOutput();
      pos += n;
    }
  }
  assert.ok(events > 1500);
});
