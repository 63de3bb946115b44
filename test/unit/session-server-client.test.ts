/**
 * ServerSession paired in memory with the colleagues' ClientSession (both sans-IO):
 * the two state machines must agree on every flow — connect, createStream, play with
 * media to the end, publish with media, calls in both directions — with the bytes
 * moved at random splits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionEvent } from '../../src/session/client-events.js';
import { ClientSession } from '../../src/session/client-session.js';
import type { ServerEvent } from '../../src/session/server-events.js';
import { ServerSession } from '../../src/session/server-session.js';
import { rng } from '../fuzz/engine.js';

const fixedRandom = (n: number) => Buffer.alloc(n, 0x33);

/** Moves bytes both ways (split at random points) until both sides are quiet. */
class Pair {
  readonly client = new ClientSession({ random: fixedRandom, handshake: 'simple' });
  readonly server: ServerSession;
  readonly clientEvents: SessionEvent[] = [];
  readonly serverEvents: ServerEvent[] = [];
  readonly #next: () => number;
  now = 0;

  constructor(seed: number, server: ConstructorParameters<typeof ServerSession>[0] = {}) {
    this.server = new ServerSession({ random: fixedRandom, chunkSize: 4096, ...server });
    this.#next = rng(seed);
    this.client.start(0);
  }

  #move(bufs: Buffer[], to: (b: Buffer) => void): boolean {
    const all = Buffer.concat(bufs);
    let pos = 0;
    while (pos < all.length) {
      const n = 1 + (this.#next() % 700);
      to(all.subarray(pos, pos + n));
      pos += n;
    }
    return all.length > 0;
  }

  /** Pumps until no bytes move; returns the events each side produced meanwhile. */
  pump(onServer?: (e: ServerEvent) => void): { client: SessionEvent[]; server: ServerEvent[] } {
    const got = { client: [] as SessionEvent[], server: [] as ServerEvent[] };
    for (let i = 0; i < 1000; i++) {
      const a = this.#move(this.client.takeOutput(), (b) => this.server.receive(b, this.now));
      for (const e of this.server.takeEvents()) {
        got.server.push(e);
        onServer?.(e);
      }
      const b = this.#move(this.server.takeOutput(), (x) => this.client.receive(x, this.now));
      got.client.push(...this.client.takeEvents());
      if (!a && !b) break;
    }
    this.clientEvents.push(...got.client);
    this.serverEvents.push(...got.server);
    return got;
  }
}

for (const seed of [1, 7, 42]) {
  test(`client ↔ server (seed ${seed}): connect, createStream, play to the end`, () => {
    const p = new Pair(seed);
    p.client.connect({ app: 'vod', tcUrl: 'rtmp://localhost/vod' });
    let r = p.pump((e) => {
      if (e.kind === 'connect') p.server.acceptConnect(e.txn);
    });
    assert.deepEqual(
      r.server.map((e) => e.kind),
      ['handshakeDone', 'connect'],
    );
    const connected = r.client.find((e) => e.kind === 'connected');
    assert.ok(connected, JSON.stringify(r.client.map((e) => e.kind)));
    assert.equal(connected.kind === 'connected' && connected.info.code, 'NetConnection.Connect.Success');

    p.client.createStream();
    r = p.pump((e) => {
      if (e.kind === 'createStream') p.server.createdStream(e.txn);
    });
    const created = r.client.find((e) => e.kind === 'streamCreated');
    assert.equal(created?.kind === 'streamCreated' && created.streamId, 1);

    p.client.play(1, 'short');
    const frames = Array.from({ length: 30 }, (_, i) => ({
      type: i % 3 === 0 ? ('audio' as const) : ('video' as const),
      ts: i * 20,
      payload: Buffer.alloc(100 + i * 300, i),
    }));
    r = p.pump((e) => {
      if (e.kind !== 'play') return;
      assert.equal(e.name, 'short');
      p.server.startPlay(e.streamId);
      p.server.sendData(e.streamId, ['onMetaData', { duration: 0.6 }]);
      for (const f of frames) p.server.sendMedia(e.streamId, f.type, f.ts, f.payload);
      p.server.endPlay(e.streamId);
    });
    const statuses = r.client.flatMap((e) => (e.kind === 'status' ? [e.info.code] : []));
    assert.deepEqual(statuses, [
      'NetStream.Play.Reset',
      'NetStream.Play.Start',
      'NetStream.Play.Complete',
      'NetStream.Play.Stop',
    ]);
    const media = r.client.flatMap((e) =>
      e.kind === 'media' ? [[e.type, e.timestamp, e.payload.length]] : [],
    );
    assert.deepEqual(
      media,
      frames.map((f) => [f.type, f.ts, f.payload.length]),
    );
    const data = r.client.filter((e) => e.kind === 'data').map((e) => (e.kind === 'data' ? e.name : ''));
    assert.deepEqual(data, ['|RtmpSampleAccess', 'onMetaData']);
  });

  test(`client ↔ server (seed ${seed}): publish with media; calls both ways`, () => {
    const p = new Pair(seed);
    p.client.connect({ app: 'live', mode: 'publish' });
    p.pump((e) => {
      if (e.kind === 'connect') p.server.acceptConnect(e.txn);
    });
    p.client.releaseStream('key');
    p.client.fcPublish('key');
    p.client.createStream();
    let r = p.pump((e) => {
      if (e.kind === 'createStream') p.server.createdStream(e.txn);
    });
    assert.deepEqual(
      r.server.map((e) => e.kind),
      ['releaseStream', 'fcPublish', 'createStream'],
    );
    p.client.publish(1, 'key', 'live');
    r = p.pump((e) => {
      if (e.kind === 'publish') p.server.acceptPublish(e.streamId);
    });
    assert.ok(r.client.some((e) => e.kind === 'status' && e.info.code === 'NetStream.Publish.Start'));

    p.client.sendData(1, ['@setDataFrame', 'onMetaData', { width: 640 }]);
    for (let i = 0; i < 20; i++)
      p.client.sendMedia(1, i % 2 ? 'audio' : 'video', i * 33, Buffer.alloc(50 + i * 400, i));
    r = p.pump();
    const meta = r.server.find((e) => e.kind === 'data');
    assert.equal(meta?.kind === 'data' && meta.name, 'onMetaData');
    assert.equal(meta?.kind === 'data' && meta.dataFrame, true);
    assert.deepEqual(
      r.server.flatMap((e) => (e.kind === 'media' ? [[e.type, e.timestamp, e.payload.length]] : [])),
      Array.from({ length: 20 }, (_, i) => [i % 2 ? 'audio' : 'video', i * 33, 50 + i * 400]),
    );

    // client → server call answered by respond; server → client call answered by the client
    const txn = p.client.call('add', [1, 2]);
    r = p.pump((e) => {
      if (e.kind === 'call' && e.name === 'add')
        p.server.respond(e.txn, (e.args[0] as number) + (e.args[1] as number));
    });
    const res = r.client.find((e) => e.kind === 'result');
    assert.deepEqual(res?.kind === 'result' && [res.txn, res.values], [txn, [3]]);
    const stxn = p.server.call('whoami');
    r = p.pump();
    const inv = r.client.find((e) => e.kind === 'invoke');
    assert.equal(inv?.kind === 'invoke' && inv.name, 'whoami');
    if (inv?.kind === 'invoke') p.client.respond(inv.txn, 'me');
    r = p.pump();
    assert.deepEqual(
      r.server.map((e) => (e.kind === 'result' ? [e.txn, e.method, e.values] : e.kind)),
      [[stxn, 'whoami', ['me']]],
    );
  });
}
