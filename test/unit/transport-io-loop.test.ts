/**
 * IoLoop with a session that is neither the client's nor the server's: anything with
 * the sans-IO API (`receive`/`takeOutput`/`takeEvents`/`nextDeadline`/`handleTimeout`,
 * `start` optional) is driven over a loopback socket — bytes in, events to the owner,
 * output out, the session's deadline served by one timer, `end()` writing what is
 * pending before FIN and nothing after, `onClose` once with the error that ended it.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { RTMPError } from '../../src/errors.js';
import { IoLoop, type SansIoSession } from '../../src/transport/io-loop.js';

/** Echoes every input as `<input>;`, reports `rx:<input>`; its deadline writes `T;`. */
class EchoSession implements SansIoSession<string> {
  #out: Buffer[] = [];
  #events: string[] = [];
  deadline: number | undefined;
  receive(bytes: Uint8Array, _now: number): void {
    const text = Buffer.from(bytes).toString();
    this.#events.push(`rx:${text}`);
    this.#out.push(Buffer.from(`${text};`));
  }
  queue(text: string): void {
    this.#out.push(Buffer.from(text));
  }
  takeOutput(): Buffer[] {
    const o = this.#out;
    this.#out = [];
    return o;
  }
  takeEvents(): string[] {
    const e = this.#events;
    this.#events = [];
    return e;
  }
  nextDeadline(): number | undefined {
    return this.deadline;
  }
  handleTimeout(now: number): void {
    if (this.deadline === undefined || now < this.deadline) return;
    this.deadline = undefined;
    this.#events.push('timeout');
    this.#out.push(Buffer.from('T;'));
  }
}

interface Rig {
  session: EchoSession;
  loop: IoLoop<string>;
  events: string[];
  closes: (RTMPError | undefined)[];
  peer: Socket;
  received: () => string;
}

let listener: Server;
let rig: Rig;

beforeEach(async () => {
  listener = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as { port: number };
  const peer = connect(port, '127.0.0.1');
  const [socket] = (await once(listener, 'connection')) as [Socket];
  const session = new EchoSession();
  const events: string[] = [];
  const closes: (RTMPError | undefined)[] = [];
  const loop = new IoLoop(
    session,
    { socket, description: 'test peer' },
    { onEvents: (e) => events.push(...e), onClose: (err) => closes.push(err), isWaiting: () => false },
    { idleTimeoutMs: 0, writeStallTimeoutMs: 0 },
  );
  let text = '';
  peer.on('data', (d: Buffer) => {
    text += d.toString();
  });
  peer.on('error', () => {});
  loop.start();
  rig = { session, loop, events, closes, peer, received: () => text };
});

afterEach(async () => {
  rig.peer.destroy();
  rig.loop.destroy();
  await new Promise<void>((res) => listener.close(() => res()));
});

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), what);
}

describe('IoLoop drives any sans-IO session', () => {
  it('peer bytes → receive → events to the owner, output back to the peer', async () => {
    rig.peer.write('a');
    await until(() => rig.received() === 'a;', `echo of a, got ${rig.received()}`);
    rig.peer.write('b');
    await until(() => rig.received() === 'a;b;', `echo of b, got ${rig.received()}`);
    assert.deepEqual(rig.events, ['rx:a', 'rx:b']);
  });

  it("serves the session's deadline with a timer and flushes what handleTimeout produced", async () => {
    rig.session.deadline = performance.now() + 20;
    rig.loop.kick();
    await until(() => rig.received() === 'T;', 'the deadline output');
    assert.deepEqual(rig.events, ['timeout']);
  });

  it('end(): pending output, then FIN; nothing is written after it; onClose once, clean', async () => {
    const ended = once(rig.peer, 'end');
    rig.session.queue('bye;');
    rig.loop.end();
    rig.session.queue('late;');
    rig.loop.kick();
    await ended;
    assert.equal(rig.received(), 'bye;');
    rig.peer.end();
    await until(() => rig.closes.length === 1, 'onClose');
    assert.deepEqual(rig.closes, [undefined]);
    assert.equal(rig.loop.closed, true);
  });

  it('destroy(error): onClose gets that error, exactly once', async () => {
    const err = new RTMPError('gone');
    rig.loop.destroy(err);
    rig.loop.destroy();
    await until(() => rig.closes.length === 1, 'onClose');
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(rig.closes, [err]);
  });
});
