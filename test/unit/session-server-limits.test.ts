/**
 * ServerSession limits on bytes and a clock: the handshake and connect deadlines hold
 * whatever bytes a client drips; a message begun must complete within
 * `messageTimeoutMs` of its first byte (a chunk dripped byte by byte is cut, a complete
 * message followed by silence is not); bytes held for unfinished messages, command size
 * and command rate are capped. Each ends the session with a fatal protocolError carrying
 * an RTMPLimitError with its `ERR_SERVER_LIMIT_*` code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AMFObject } from '../../src/amf/types.js';
import { ChunkWriter } from '../../src/chunk/writer.js';
import { RTMPLimitError } from '../../src/errors.js';
import { ClientHandshake } from '../../src/handshake/client.js';
import { command, pingRequest } from '../../src/message/builders.js';
import { encodeMessage } from '../../src/message/codec.js';
import type { Message } from '../../src/message/types.js';
import type { ServerEvent } from '../../src/session/server-events.js';
import { ServerSession, type ServerSessionOptions } from '../../src/session/server-session.js';

const fixedRandom = (n: number) => Buffer.alloc(n, 0x5a);

/** The limit error a session ended with, or undefined when it is open. */
function limitOf(events: ServerEvent[]): RTMPLimitError | undefined {
  const e = events.find((x) => x.kind === 'protocolError' && x.fatal);
  if (e?.kind !== 'protocolError') return undefined;
  assert.ok(e.error instanceof RTMPLimitError, `${e.error.code} is an RTMPLimitError`);
  assert.ok(events.some((x) => x.kind === 'closed' && x.reason === 'protocolError'));
  return e.error;
}

/** Runs the session's deadlines up to `until`, as a host's timer would. */
function runUntil(s: ServerSession, until: number): ServerEvent[] {
  const events: ServerEvent[] = [];
  for (let guard = 0; guard < 100; guard++) {
    const d = s.nextDeadline();
    if (d === undefined || d > until) break;
    s.handleTimeout(d);
    events.push(...s.takeEvents());
  }
  return events;
}

/** A session accepted at t = 0, its client's handshake bytes and a connect. */
function setup(options: ServerSessionOptions) {
  const server = new ServerSession({ random: fixedRandom, now: 0, ...options });
  const hs = new ClientHandshake({ policy: 'simple', random: fixedRandom });
  const writer = new ChunkWriter();
  const c0c1 = hs.start();
  const handshake = (now: number): void => {
    server.receive(c0c1, now);
    const step = hs.receive(Buffer.concat(server.takeOutput()));
    server.receive(Buffer.concat(step.send), now);
  };
  const bytes = (m: Message): Buffer => Buffer.concat(writer.writeMany([encodeMessage(m)]));
  const connect = (now: number): void => {
    server.receive(bytes(command('connect', 1, new AMFObject({ app: 'live' }))), now);
    server.takeEvents();
    server.acceptConnect(1);
    server.takeOutput();
  };
  return { server, c0c1, handshake, bytes, connect };
}

describe('ServerSession: limits', () => {
  it('handshake deadline: a client dripping C0C1 a byte a second is cut at handshakeTimeoutMs', () => {
    const { server, c0c1 } = setup({ handshakeTimeoutMs: 10_000, idleTimeoutMs: 30_000 });
    let t = 0;
    for (let i = 0; i < 30 && server.state === 'handshake'; i++) {
      t += 1000;
      const events = runUntil(server, t - 1);
      assert.equal(limitOf(events), undefined, `open at ${t - 1} ms`);
      server.receive(c0c1.subarray(i, i + 1), t); // every byte counts as activity, not progress
      if (t === 10_000) break;
    }
    assert.equal(server.nextDeadline(), 10_000);
    const err = limitOf(runUntil(server, 10_000));
    assert.equal(err?.code, 'ERR_SERVER_LIMIT_HANDSHAKE_TIMEOUT');
    assert.equal(err?.limit, 'handshakeTimeoutMs');
    assert.equal(server.state, 'closed');
  });

  it('connect deadline: after the handshake, pings without a connect are cut at connectTimeoutMs', () => {
    const { server, handshake, bytes } = setup({ handshakeTimeoutMs: 5000, connectTimeoutMs: 8000 });
    handshake(100);
    assert.equal(server.state, 'awaitingConnect');
    for (let t = 1000; t < 8000; t += 1000) {
      server.receive(bytes(pingRequest(t)), t);
      assert.equal(limitOf([...server.takeEvents(), ...runUntil(server, t + 999)]), undefined);
    }
    assert.equal(limitOf(runUntil(server, 8000))?.code, 'ERR_SERVER_LIMIT_CONNECT_TIMEOUT');
  });

  it('a connected client has neither deadline', () => {
    const { server, handshake, connect } = setup({ handshakeTimeoutMs: 100, connectTimeoutMs: 200 });
    handshake(10);
    connect(20);
    assert.equal(server.nextDeadline(), undefined);
    assert.equal(limitOf(runUntil(server, 1e9)), undefined);
    assert.equal(server.state, 'connected');
  });

  it('message deadline: a chunk dripped byte by byte is cut messageTimeoutMs after its first byte', () => {
    const { server, handshake, connect, bytes } = setup({ messageTimeoutMs: 5000 });
    handshake(0);
    connect(0);
    const cmd = bytes(command('someCall', 2, null, 'x'.repeat(60)));
    let t = 1000;
    for (let i = 0; i < 5; i++, t += 1000) {
      server.receive(cmd.subarray(i, i + 1), t);
      assert.equal(server.nextDeadline(), 6000, 'the deadline is the first byte + 5 s, whatever follows');
    }
    const err = limitOf(runUntil(server, 6000));
    assert.equal(err?.code, 'ERR_SERVER_LIMIT_MESSAGE_TIMEOUT');
  });

  it('message deadline: complete messages, then silence, arm nothing; a slow but finished message passes', () => {
    const { server, handshake, connect, bytes } = setup({ messageTimeoutMs: 5000 });
    handshake(0);
    connect(0);
    const cmd = bytes(command('someCall', 2, null, 'x'.repeat(60)));
    // Half of it at 1 s, the rest at 5.9 s: completes before 6 s.
    server.receive(cmd.subarray(0, 30), 1000);
    server.receive(cmd.subarray(30), 5900);
    assert.ok(server.takeEvents().some((e) => e.kind === 'call'));
    assert.equal(server.nextDeadline(), undefined);
    assert.equal(limitOf(runUntil(server, 1e9)), undefined);
  });

  it('maxInputBuffer: more bytes held for unfinished messages ends the session', () => {
    const { server, handshake, connect } = setup({ maxInputBuffer: 10_000 });
    handshake(0);
    connect(0);
    // Two 8000-byte messages on two chunk streams, interleaved: 16000 bytes held, neither complete.
    const w = new ChunkWriter();
    const big = (csid: number) =>
      Buffer.concat(w.writeMany([{ ...encodeMessage(command('a', 0, null, 'y'.repeat(7990))), csid }]));
    const a = big(5);
    const b = big(6);
    // Cut at a chunk boundary (12-byte header + 128, then 1 + 128 per chunk): 46 chunks each.
    const cut = 12 + 128 + 45 * 129;
    server.receive(a.subarray(0, cut), 1);
    assert.equal(limitOf(server.takeEvents()), undefined);
    server.receive(b.subarray(0, cut), 2);
    assert.equal(limitOf(server.takeEvents())?.code, 'ERR_SERVER_LIMIT_INPUT_BUFFER');
  });

  it('maxCommandSize and maxCommandsPerSecond', () => {
    const big = setup({ maxCommandSize: 500 });
    big.handshake(0);
    big.connect(0);
    big.server.receive(big.bytes(command('x', 0, null, 'z'.repeat(400))), 1);
    assert.equal(limitOf(big.server.takeEvents()), undefined);
    big.server.receive(big.bytes(command('x', 0, null, 'z'.repeat(600))), 2);
    assert.equal(limitOf(big.server.takeEvents())?.code, 'ERR_SERVER_LIMIT_COMMAND_SIZE');

    const fast = setup({ maxCommandsPerSecond: 10 });
    fast.handshake(0);
    fast.connect(0); // connect is the first command of the bucket
    const one = fast.bytes(command('createStream', 2, null));
    // 9 more fit the first second's bucket; after 1 s it has refilled.
    fast.server.receive(Buffer.concat(Array.from({ length: 9 }, () => one)), 10);
    assert.equal(limitOf(fast.server.takeEvents()), undefined);
    fast.server.receive(Buffer.concat(Array.from({ length: 10 }, () => one)), 1100);
    assert.equal(limitOf(fast.server.takeEvents()), undefined);
    fast.server.receive(one, 1101);
    assert.equal(limitOf(fast.server.takeEvents())?.code, 'ERR_SERVER_LIMIT_COMMAND_RATE');
  });
});
