/**
 * A malformed answer fails at once: a `_result`/`_error` (or, while connect is pending,
 * any command) whose AMF body does not decode — here a long string announcing 4 GiB —
 * settles the transaction it answers with `ERR_RTMP_MALFORMED_ANSWER` instead of a
 * warning and a timeout later. In the session (byte vectors, every split) and through
 * `RTMP` against a scripted TCP server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AMFObject } from '../../src/amf/types.js';
import { RTMP, RTMPProtocolError } from '../../src/index.js';
import { command } from '../../src/message/builders.js';
import type { RawMessage } from '../../src/message/raw-message.js';
import { commandHead } from '../../src/session/command-head.js';
import { startScriptedServer } from '../helpers/scripted-server.js';
import { Harness, only, SPLITS } from '../helpers/session-harness.js';

/** `_result`, txn, null, then an AMF0 long string (0x0C) of length 0xFFFFFFFF with 4 bytes of it. */
function hugeStringAnswer(name: string, txn: number): RawMessage {
  const n = Buffer.from(name);
  const head = Buffer.alloc(3 + n.length + 9 + 1);
  head[0] = 0x02;
  head.writeUInt16BE(n.length, 1);
  n.copy(head, 3);
  head[3 + n.length] = 0x00;
  head.writeDoubleBE(txn, 4 + n.length);
  head[12 + n.length] = 0x05; // null command object
  const bad = Buffer.from([0x0c, 0xff, 0xff, 0xff, 0xff, 0x41, 0x41, 0x41, 0x41]);
  return { type: 20, streamId: 0, timestamp: 0, csid: 3, payload: Buffer.concat([head, bad]) };
}

describe('command head', () => {
  it('reads name and txn of an AMF0 and an AMF3 command whose body does not decode', () => {
    const raw = hugeStringAnswer('_result', 7);
    assert.deepEqual(commandHead(raw), { name: '_result', txn: 7 });
    const amf3 = { ...raw, type: 17, payload: Buffer.concat([Buffer.from([0]), raw.payload]) };
    assert.deepEqual(commandHead(amf3), { name: '_result', txn: 7 });
  });
  it('is total: truncated heads give what could be read', () => {
    const raw = hugeStringAnswer('_error', 3);
    for (let i = 0; i <= raw.payload.length; i++) {
      const h = commandHead({ ...raw, payload: raw.payload.subarray(0, i) });
      if (i < 9) assert.deepEqual(h, {}, `cut at ${i}`);
      else if (i < 18) assert.deepEqual(h, { name: '_error' }, `cut at ${i}`);
      else assert.deepEqual(h, { name: '_error', txn: 3 }, `cut at ${i}`);
    }
    assert.deepEqual(commandHead({ ...raw, type: 8 }), {});
  });
});

describe('ClientSession: a malformed answer', () => {
  for (const [label, split] of SPLITS) {
    it(`fails connect at once (${label})`, () => {
      const h = new Harness(split, { commandTimeoutMs: 10_000 });
      h.client.start(0);
      h.client.connect({ app: 'live', tcUrl: 'rtmp://localhost/live' });
      h.pump();
      h.server.sendRaw(hugeStringAnswer('_result', 1));
      h.pump();
      const ev = only(h.events(), 'protocolError');
      assert.equal(ev.length, 1);
      assert.equal(ev[0]!.fatal, false);
      assert.deepEqual(ev[0]!.answer, { txn: 1, method: 'connect' });
      assert.ok(ev[0]!.error instanceof RTMPProtocolError);
      assert.equal(ev[0]!.error.code, 'ERR_RTMP_MALFORMED_ANSWER');
      assert.match(ev[0]!.error.message, /answer to connect \(transaction 1\) does not decode/);
      assert.equal(h.client.state, 'ready');
      // Nothing is left to time out.
      assert.equal(h.client.nextDeadline(), undefined);
    });
  }

  it('fails connect when even the command name does not decode', () => {
    const h = new Harness(SPLITS[0]![1], { commandTimeoutMs: 10_000 });
    h.client.start(0);
    h.client.connect({ app: 'live', tcUrl: 'rtmp://localhost/live' });
    h.pump();
    const payload = Buffer.from([0x02, 0xff, 0xff, 0x5f, 0x72]);
    h.server.sendRaw({ type: 20, streamId: 0, timestamp: 0, csid: 3, payload });
    h.pump();
    const ev = only(h.events(), 'protocolError');
    assert.deepEqual(ev[0]!.answer, { txn: 1, method: 'connect' });
    assert.equal(h.client.nextDeadline(), undefined);
  });

  it('fails createStream and calls by transaction; an answer to nothing stays a warning', () => {
    const h = new Harness(SPLITS[0]![1], { commandTimeoutMs: 10_000 });
    h.connect();
    const create = h.client.createStream();
    const call = h.client.call('getInfo');
    h.pump();
    h.server.sendRaw(hugeStringAnswer('_result', call));
    h.server.sendRaw(hugeStringAnswer('_error', create));
    h.server.sendRaw(hugeStringAnswer('_result', 99));
    h.pump();
    const ev = only(h.events(), 'protocolError');
    assert.deepEqual(
      ev.map((e) => [e.answer, e.error.code]),
      [
        [{ txn: call, method: 'getInfo' }, 'ERR_RTMP_MALFORMED_ANSWER'],
        [{ txn: create, method: 'createStream' }, 'ERR_RTMP_MALFORMED_ANSWER'],
        [undefined, ev[2]!.error.code],
      ],
    );
    assert.notEqual(ev[2]!.error.code, 'ERR_RTMP_MALFORMED_ANSWER');
    assert.equal(h.client.nextDeadline(), undefined);
    assert.equal(h.client.state, 'connected');
  });
});

describe('RTMP: a malformed answer over TCP', () => {
  it('connect() rejects at once with ERR_RTMP_MALFORMED_ANSWER', async () => {
    const server = await startScriptedServer((c, msg) => {
      if (msg?.kind === 'command' && msg.name === 'connect')
        c.sendRaw(hugeStringAnswer('_result', msg.transactionId));
    });
    try {
      const rtmp = new RTMP(server.url('live/x'), { timeout: 30 });
      const t0 = performance.now();
      await assert.rejects(rtmp.connect(), (err: unknown) => {
        assert.ok(err instanceof RTMPProtocolError);
        assert.equal(err.code, 'ERR_RTMP_MALFORMED_ANSWER');
        assert.match(err.message, /answer to connect/);
        return true;
      });
      // Bounded generously: the timeout is 30 s; the malformed answer must not wait for it.
      assert.ok(performance.now() - t0 < 10_000);
      await rtmp.close();
    } finally {
      await server.close();
    }
  });

  it('a call and createStream reject with it; the connection stays up', async () => {
    const server = await startScriptedServer((c, msg) => {
      if (msg?.kind !== 'command') return;
      if (msg.name === 'connect') c.acceptConnect(msg.transactionId);
      else if (msg.name === 'createStream' || msg.name === 'getInfo')
        c.sendRaw(hugeStringAnswer('_result', msg.transactionId));
      else if (msg.name === 'echo')
        c.send(command('_result', msg.transactionId, null, new AMFObject({ ok: 1 })));
    });
    try {
      const rtmp = new RTMP(server.url('live/x'), { timeout: 30 });
      await rtmp.connect();
      await assert.rejects(rtmp.call('getInfo').result(), { code: 'ERR_RTMP_MALFORMED_ANSWER' });
      await assert.rejects(rtmp.createStream(), { code: 'ERR_RTMP_MALFORMED_ANSWER' });
      const ok = await rtmp.call('echo').result();
      assert.deepEqual({ ...(ok as object) }, { ok: 1 });
      await rtmp.close();
    } finally {
      await server.close();
    }
  });
});
