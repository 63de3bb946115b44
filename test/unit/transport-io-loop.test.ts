/**
 * IoLoop with a session that is neither the client's nor the server's: anything with
 * the sans-IO API (`receive`/`takeOutput`/`takeEvents`/`nextDeadline`/`handleTimeout`,
 * `start` optional) is driven over a loopback socket — bytes in, events to the owner,
 * output out, the session's deadline served by one timer, `end()` writing what is
 * pending before FIN and nothing after, `onClose` once with the error that ended it.
 */
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { RTMPError } from '../../src/errors.js';
import { IoLoop, type SansIoSession } from '../../src/transport/io-loop.js';
import { isWriteBuffer, returnWriteBuffer, takeWriteBuffer } from '../../src/util/write-pool.js';

/** Echoes every input as `<input>;`, reports `rx:<input>`; its deadline writes `T;`. */
class EchoSession implements SansIoSession<string> {
  #out: Buffer[] = [];
  #events: string[] = [];
  deadline: number | undefined;
  /** The `now` of every `handleTimeout` call. */
  timeoutCalls: number[] = [];
  receive(bytes: Uint8Array, _now: number): void {
    const text = Buffer.from(bytes).toString();
    this.#events.push(`rx:${text}`);
    this.#out.push(Buffer.from(`${text};`));
  }
  queue(text: string | Buffer): void {
    this.#out.push(typeof text === 'string' ? Buffer.from(text) : text);
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
    this.timeoutCalls.push(now);
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

  it('a deadline moved later is served once, at or after the new time (the early timer re-arms)', async () => {
    const t0 = performance.now();
    rig.session.deadline = t0 + 20;
    rig.loop.kick();
    rig.session.deadline = t0 + 80; // e.g. a no-media deadline pushed back by a media message
    rig.loop.kick();
    await until(() => rig.received() === 'T;', 'the deadline output');
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(rig.events, ['timeout']);
    const fired = rig.session.timeoutCalls.filter((t) => t >= t0 + 80);
    assert.equal(fired.length, 1, `calls at ${rig.session.timeoutCalls.map((t) => t - t0).join(', ')} ms`);
    assert.equal(rig.received(), 'T;');
  });

  it('a deadline moved earlier is served at the earlier time', async () => {
    const t0 = performance.now();
    rig.session.deadline = t0 + 60_000;
    rig.loop.kick();
    rig.session.deadline = t0 + 20;
    rig.loop.kick();
    await until(() => rig.received() === 'T;', 'the earlier deadline output');
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

  it('a write-pool buffer goes back to the pool once its write completed, alone or in a batch', async () => {
    for (const [i, batch] of [
      [0, false],
      [1, true],
    ] as const) {
      const b = takeWriteBuffer(20_000);
      b.fill(0x41 + i);
      if (batch) rig.session.queue('head;');
      rig.session.queue(b);
      assert.equal(isWriteBuffer(b), true);
      rig.loop.kick();
      const want = rig.received().length + b.length + (batch ? 5 : 0);
      await until(() => rig.received().length === want, `batch ${i} arrived`);
      await until(() => !isWriteBuffer(b), `batch ${i}: the buffer was given back`);
      const again = takeWriteBuffer(20_000);
      assert.equal(again.buffer, b.buffer, `batch ${i}: the next take reuses its memory`);
      returnWriteBuffer(again);
    }
    assert.equal(rig.received().slice(-20_000), 'B'.repeat(20_000));
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

describe('IoLoop write stall: a peer that takes no bytes, not one that reads slowly', () => {
  const STALL_MS = 150;

  /** A loop whose peer has stopped reading; `feed()` queues 256 KiB more output. */
  async function stalledRig(): Promise<Rig & { feed(): void; socket: Socket }> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const peer = connect(port, '127.0.0.1');
    peer.pause();
    peer.on('error', () => {});
    const [socket] = (await once(server, 'connection')) as [Socket];
    server.close();
    const session = new EchoSession();
    const events: string[] = [];
    const closes: (RTMPError | undefined)[] = [];
    const loop = new IoLoop(
      session,
      { socket, description: 'slow peer' },
      { onEvents: (e) => events.push(...e), onClose: (err) => closes.push(err), isWaiting: () => false },
      { idleTimeoutMs: 0, writeStallTimeoutMs: STALL_MS },
    );
    loop.start();
    const chunk = 'x'.repeat(256 * 1024);
    const feed = (): void => {
      session.queue(chunk);
      loop.kick();
    };
    return { session, loop, events, closes, peer, received: () => '', feed, socket };
  }

  it('a peer that reads nothing for writeStallTimeoutMs is dropped with ERR_RTMP_WRITE_TIMEOUT', async () => {
    const r = await stalledRig();
    try {
      for (let i = 0; i < 40; i++) r.feed(); // 10 MiB: more than the kernel buffers take
      await until(() => r.closes.length === 1, 'the stalled peer was dropped');
      assert.equal(r.closes[0]?.code, 'ERR_RTMP_WRITE_TIMEOUT');
    } finally {
      r.peer.destroy();
      r.loop.destroy();
    }
  });

  /** A socket whose output is backed up and moves only when the test says so. */
  class BackedUpSocket extends EventEmitter {
    writableNeedDrain = true;
    writableLength = 4 << 20;
    bytesWritten = 4 << 20;
    destroyed = false;
    writableEnded = false;
    readonly _handle = { writeQueueSize: 4 << 20 };
    write(): boolean {
      return false;
    }
    cork(): void {}
    uncork(): void {}
    pause(): this {
      return this;
    }
    resume(): this {
      return this;
    }
    destroy(): this {
      if (!this.destroyed) {
        this.destroyed = true;
        queueMicrotask(() => this.emit('close'));
      }
      return this;
    }
  }

  /** Runs a loop over a backed-up socket for 5 stall timeouts, `move` called every 30 ms; its closes. */
  async function backedUp(move: (s: BackedUpSocket) => void): Promise<(RTMPError | undefined)[]> {
    const socket = new BackedUpSocket();
    const session = new EchoSession();
    const closes: (RTMPError | undefined)[] = [];
    const loop = new IoLoop(
      session,
      { socket: socket as unknown as Socket, description: 'backed-up peer' },
      { onEvents: () => {}, onClose: (err) => closes.push(err), isWaiting: () => false },
      { idleTimeoutMs: 0, writeStallTimeoutMs: STALL_MS },
    );
    loop.start();
    session.queue('more');
    loop.kick();
    const mover = setInterval(() => move(socket), 30);
    try {
      await new Promise((r) => setTimeout(r, 5 * STALL_MS));
      return [...closes]; // before the teardown's own close
    } finally {
      clearInterval(mover);
      loop.destroy();
    }
  }

  it('a peer whose writes complete, however slowly, is not stalled', async () => {
    const closes = await backedUp((s) => {
      s.writableLength -= 1000; // a write completed; more is queued behind it
    });
    assert.deepEqual(closes, []);
  });

  it('a peer that takes part of the write in flight is not stalled (libuv queue shrinks)', async () => {
    const closes = await backedUp((s) => {
      s._handle.writeQueueSize -= 1000;
    });
    assert.deepEqual(closes, []);
  });

  it('a backed-up peer that takes nothing is dropped', async () => {
    const closes = await backedUp(() => {});
    assert.equal(closes.length, 1);
    assert.equal(closes[0]?.code, 'ERR_RTMP_WRITE_TIMEOUT');
  });
});
