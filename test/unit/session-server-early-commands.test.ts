/**
 * ServerSession: commands that arrive right behind `connect`, before the host answered
 * it. librtmp's `RTMP_Connect` returns as soon as connect is written, so python-librtmp's
 * `conn.connect(); conn.call("add", 1, 2)` (and OBS's releaseStream/FCPublish/
 * createStream) can reach the server in the same TCP segment as connect. They must be
 * held and run in order after `acceptConnect`, dropped after `rejectConnect`, and
 * refused with a typed error beyond the bound — tested on bytes, at every split point.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AMFObject } from '../../src/amf/types.js';
import { ChunkReader } from '../../src/chunk/reader.js';
import { ChunkWriter } from '../../src/chunk/writer.js';
import { ClientHandshake } from '../../src/handshake/client.js';
import { command } from '../../src/message/builders.js';
import { decodeMessage, encodeMessage } from '../../src/message/codec.js';
import type { CommandMessage, Message } from '../../src/message/types.js';
import type { ServerEvent } from '../../src/session/server-events.js';
import { ServerSession } from '../../src/session/server-session.js';

const fixedRandom = (n: number) => Buffer.alloc(n, 0x5a);

/** A server session past the handshake, and what the client writes/reads. */
function handshaken(): { server: ServerSession; writer: ChunkWriter; read: () => Message[] } {
  const server = new ServerSession({ random: fixedRandom });
  const hs = new ClientHandshake({ policy: 'simple', random: fixedRandom });
  server.receive(hs.start(), 0);
  const step = hs.receive(Buffer.concat(server.takeOutput()));
  server.receive(Buffer.concat(step.send), 0);
  assert.deepEqual(
    server.takeEvents().map((e) => e.kind),
    ['handshakeDone'],
  );
  const reader = new ChunkReader();
  const read = (): Message[] => reader.push(Buffer.concat(server.takeOutput())).map((r) => decodeMessage(r));
  return { server, writer: new ChunkWriter(), read };
}

/** The bytes of connect(1) followed by `more`, as one client write. */
function connectThen(writer: ChunkWriter, ...more: Message[]): Buffer {
  const connect = command('connect', 1, new AMFObject({ app: 'app', tcUrl: 'rtmp://127.0.0.1/app' }));
  return Buffer.concat(writer.writeMany([connect, ...more].map((m) => encodeMessage(m))));
}

const commands = (msgs: Message[]) =>
  msgs.flatMap((m) => (m.kind === 'command' ? [[m.name, m.transactionId, ...m.args] as const] : []));

const kinds = (events: ServerEvent[]) =>
  events.map((e) => (e.kind === 'call' ? `call:${e.name}:${e.txn}` : `${e.kind}`));

describe('ServerSession: commands behind a pending connect', () => {
  it('connect + call in one receive: the call is held, then runs after acceptConnect', () => {
    const { server, writer, read } = handshaken();
    server.receive(connectThen(writer, command('add', 2, null, 1, 2)), 10);
    const ev = server.takeEvents();
    assert.deepEqual(kinds(ev), ['connect'], 'the call waits for the connect to be answered');
    assert.deepEqual(read(), [], 'nothing is answered yet');
    assert.equal(server.state, 'connecting');

    server.acceptConnect(1);
    assert.deepEqual(kinds(server.takeEvents()), ['call:add:2']);
    server.respond(2, 3);
    assert.deepEqual(
      commands(read()).map((c) => c.slice(0, 2)),
      [
        ['_result', 1],
        ['_result', 2],
      ],
    );
  });

  it('at every split point of connect + call + createStream the same events come in the same order', () => {
    const { writer } = handshaken();
    const bytes = connectThen(writer, command('add', 2, null, 1, 2), command('createStream', 3, null));
    for (let at = 0; at <= bytes.length; at++) {
      const { server, read } = handshaken();
      server.receive(bytes.subarray(0, at), 1);
      server.receive(bytes.subarray(at), 2);
      const before = server.takeEvents();
      assert.deepEqual(kinds(before), ['connect'], `split at ${at}`);
      server.acceptConnect(1);
      assert.deepEqual(kinds(server.takeEvents()), ['call:add:2', 'createStream'], `split at ${at}`);
      assert.equal(server.createdStream(3), 1);
      assert.deepEqual(
        commands(read()).map((c) => c.slice(0, 2)),
        [
          ['_result', 1],
          ['_result', 3],
        ],
        `split at ${at}`,
      );
    }
  });

  it('rejectConnect drops the held commands', () => {
    const { server, writer, read } = handshaken();
    server.receive(connectThen(writer, command('add', 2, null, 1, 2)), 10);
    server.takeEvents();
    server.rejectConnect(1);
    assert.deepEqual(server.takeEvents(), []);
    assert.deepEqual(
      commands(read()).map((c) => c.slice(0, 2)),
      [['_error', 1]],
    );
    assert.equal(server.state, 'rejected');
  });

  it(`holds ${ServerSession.MAX_EARLY_COMMANDS} commands; one more is refused with _error and a typed protocolError`, () => {
    const { server, writer, read } = handshaken();
    const max = ServerSession.MAX_EARLY_COMMANDS;
    const calls: CommandMessage[] = [];
    for (let i = 0; i <= max; i++) calls.push(command('add', 2 + i, null, i, 1));
    server.receive(connectThen(writer, ...calls), 10);
    const ev = server.takeEvents();
    assert.deepEqual(kinds(ev), ['connect', 'protocolError']);
    const err = ev[1]!.kind === 'protocolError' ? ev[1] : undefined;
    assert.equal(err?.fatal, false);
    assert.equal(err?.error.code, 'ERR_SESSION_TOO_MANY_EARLY_COMMANDS');
    assert.equal(err?.error.name, 'RTMPProtocolError');
    const refused = read();
    assert.deepEqual(
      commands(refused).map((c) => c.slice(0, 2)),
      [['_error', 2 + max]],
    );
    const info = commands(refused)[0]![2];
    assert.equal((info as { code?: string }).code, 'NetConnection.Call.Failed');

    server.acceptConnect(1);
    const held = server.takeEvents();
    assert.deepEqual(
      held.map((e) => (e.kind === 'call' ? e.txn : -1)),
      Array.from({ length: max }, (_, i) => 2 + i),
      'the held calls run in arrival order',
    );
  });

  it('a command before connect is still refused as before (no connect pending)', () => {
    const { server, writer } = handshaken();
    server.receive(Buffer.concat(writer.writeMany([encodeMessage(command('add', 2, null))])), 1);
    const ev = server.takeEvents();
    assert.deepEqual(kinds(ev), ['protocolError']);
    assert.equal(ev[0]!.kind === 'protocolError' && ev[0].error.code, 'ERR_SESSION_NOT_CONNECTED');
  });
});
