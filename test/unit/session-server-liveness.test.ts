/**
 * ServerSession liveness deadlines, on bytes and a clock: a connected client silent
 * for half of `idleTimeoutMs` gets one User Control PingRequest (RTMP-SPEC §7.1.7) per
 * silence; any byte from it (its PingResponse) starts a new silence; at the idle
 * deadline `timeout` is emitted. Before the connect is accepted nobody is pinged.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AMFObject } from '../../src/amf/types.js';
import { ChunkReader } from '../../src/chunk/reader.js';
import { ChunkWriter } from '../../src/chunk/writer.js';
import { ClientHandshake } from '../../src/handshake/client.js';
import { command, pingResponse } from '../../src/message/builders.js';
import { decodeMessage, encodeMessage } from '../../src/message/codec.js';
import type { Message } from '../../src/message/types.js';
import { ServerSession } from '../../src/session/server-session.js';

const fixedRandom = (n: number) => Buffer.alloc(n, 0x5a);

/** A session with `idleTimeoutMs: 1000` whose client connected at t = 0 (accepted when `accept`). */
function connectedAt0(accept = true) {
  const server = new ServerSession({ random: fixedRandom, idleTimeoutMs: 1000, now: 0 });
  const hs = new ClientHandshake({ policy: 'simple', random: fixedRandom });
  const writer = new ChunkWriter();
  const reader = new ChunkReader();
  server.receive(hs.start(), 0);
  const step = hs.receive(Buffer.concat(server.takeOutput()));
  const connect = command('connect', 1, new AMFObject({ app: 'live' }));
  server.receive(Buffer.concat([...step.send, ...writer.writeMany([encodeMessage(connect)])]), 0);
  server.takeEvents();
  if (accept) server.acceptConnect(1);
  const read = (): Message[] => reader.push(Buffer.concat(server.takeOutput())).map((r) => decodeMessage(r));
  read();
  const send = (m: Message, now: number) =>
    server.receive(Buffer.concat(writer.writeMany([encodeMessage(m)])), now);
  return { server, read, send };
}

const pings = (msgs: Message[]) =>
  msgs.flatMap((m) => (m.kind === 'userControl' && m.data.event === 'pingRequest' ? [m.data.timestamp] : []));

describe('ServerSession: ping at half the idle time, timeout at the idle time', () => {
  it('pings once per silence at half the idle time, then times out at the idle time', () => {
    const { server, read } = connectedAt0();
    assert.equal(server.nextDeadline(), 500);
    server.handleTimeout(499);
    assert.deepEqual(read(), []);
    server.handleTimeout(500);
    assert.deepEqual(pings(read()), [500], 'one PingRequest carrying the time');
    assert.deepEqual(server.takeEvents(), []);
    assert.equal(server.nextDeadline(), 1000, 'no second ping in the same silence');
    server.handleTimeout(999);
    assert.deepEqual(read(), []);
    server.handleTimeout(1000);
    assert.deepEqual(server.takeEvents(), [{ kind: 'timeout', idleMs: 1000 }]);
    assert.equal(server.nextDeadline(), undefined);
  });

  it('the PingResponse starts a new silence (and reports the round trip)', () => {
    const { server, read, send } = connectedAt0();
    server.handleTimeout(500);
    assert.deepEqual(pings(read()), [500]);
    send(pingResponse(500), 530);
    assert.deepEqual(server.takeEvents(), [{ kind: 'pong', timestamp: 500, rtt: 30 }]);
    assert.equal(server.nextDeadline(), 1030, 'next ping half an idle time after the answer');
    server.handleTimeout(1030);
    assert.deepEqual(pings(read()), [1030]);
    assert.equal(server.nextDeadline(), 1530);
  });

  it('a late timer at or past the idle deadline times out without pinging', () => {
    const { server, read } = connectedAt0();
    server.handleTimeout(1200);
    assert.deepEqual(read(), []);
    assert.deepEqual(server.takeEvents(), [{ kind: 'timeout', idleMs: 1200 }]);
  });

  it('no ping before the connect is accepted: only the idle deadline', () => {
    const { server, read } = connectedAt0(false);
    assert.equal(server.state, 'connecting');
    assert.equal(server.nextDeadline(), 1000);
    server.handleTimeout(1000);
    assert.deepEqual(read(), []);
    assert.deepEqual(server.takeEvents(), [{ kind: 'timeout', idleMs: 1000 }]);
  });
});
