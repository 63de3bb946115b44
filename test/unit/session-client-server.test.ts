/**
 * ClientSession against the sans-IO ServerSession (src/session/server-session.ts):
 * both state machines wired back to back in memory, with the server's bytes fed to
 * the client whole, byte by byte and at random splits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AMFObject } from '../../src/amf/types.js';
import type { SessionEvent } from '../../src/session/client-events.js';
import { ClientSession } from '../../src/session/client-session.js';
import { type ServerEvent, ServerSession } from '../../src/session/server-session.js';
import { rng, seededRandom } from '../helpers/session-harness.js';

type Splitter = (b: Buffer) => Buffer[];
const SPLITS: [string, Splitter][] = [
  ['whole', (b) => [b]],
  ['byte by byte', (b) => Array.from(b, (x) => Buffer.from([x]))],
  [
    'random splits',
    (() => {
      const next = rng(42);
      return (b: Buffer) => {
        const out: Buffer[] = [];
        for (let p = 0; p < b.length; ) {
          const n = 1 + (next() % 200);
          out.push(Buffer.from(b.subarray(p, p + n)));
          p += n;
        }
        return out;
      };
    })(),
  ],
];

class Pair {
  readonly client = new ClientSession({ random: seededRandom(1) });
  readonly server = new ServerSession({ random: seededRandom(2), chunkSize: 4096 });
  readonly clientEvents: SessionEvent[] = [];
  readonly serverEvents: ServerEvent[] = [];
  now = 0;

  constructor(readonly split: Splitter) {}

  pump(): void {
    for (let i = 0; i < 100; i++) {
      const c = Buffer.concat(this.client.takeOutput());
      if (c.length > 0) this.server.receive(c, this.now);
      const s = Buffer.concat(this.server.takeOutput());
      if (s.length > 0) for (const piece of this.split(s)) this.client.receive(piece, this.now);
      this.clientEvents.push(...this.client.takeEvents());
      this.serverEvents.push(...this.server.takeEvents());
      if (c.length === 0 && s.length === 0) return;
    }
    throw new Error('pump did not settle');
  }

  /** Removes and returns the server events of `kind` so far. */
  serverTake<K extends ServerEvent['kind']>(kind: K): Extract<ServerEvent, { kind: K }>[] {
    const out = this.serverEvents.filter((e): e is Extract<ServerEvent, { kind: K }> => e.kind === kind);
    return out;
  }

  clientOf<K extends SessionEvent['kind']>(kind: K): Extract<SessionEvent, { kind: K }>[] {
    return this.clientEvents.filter((e): e is Extract<SessionEvent, { kind: K }> => e.kind === kind);
  }

  connect(mode: 'play' | 'publish'): void {
    this.client.start(this.now);
    this.client.connect({ app: 'live', tcUrl: 'rtmp://127.0.0.1/live', mode });
    this.pump();
    const [c] = this.serverTake('connect');
    assert.ok(c, 'server saw connect');
    assert.equal(c.app, 'live');
    this.server.acceptConnect(c.txn);
    this.pump();
    assert.equal(this.client.state, 'connected');
    assert.equal(this.client.incomingChunkSize, 4096);
  }

  createStream(): number {
    const txn = this.client.createStream();
    this.pump();
    const ev = this.serverTake('createStream').find((e) => e.txn === txn);
    assert.ok(ev);
    const id = this.server.createdStream(txn);
    this.pump();
    const created = this.clientOf('streamCreated').find((e) => e.txn === txn);
    assert.equal(created?.streamId, id);
    return id;
  }
}

describe('ClientSession <-> ServerSession', () => {
  for (const [name, split] of SPLITS) {
    it(`plays a stream end to end (${name})`, () => {
      const p = new Pair(split);
      p.connect('play');
      const id = p.createStream();
      p.client.play(id, 'short');
      p.client.setBufferLength(id, 3000);
      p.pump();
      const [play] = p.serverTake('play');
      assert.equal(play?.name, 'short');
      assert.equal(play?.streamId, id);
      assert.equal(play?.start, -2000);
      assert.equal(p.serverTake('bufferLength')[0]?.milliseconds, 3000);
      p.server.startPlay(id);
      p.server.sendData(id, ['onMetaData', { duration: 1, width: 320 }]);
      p.server.sendMedia(id, 'audio', 0, Buffer.from([0xaf, 0, 0x12, 0x10]));
      p.server.sendMedia(id, 'video', 0, Buffer.alloc(9000, 0x17));
      p.server.sendMedia(id, 'audio', 23, Buffer.from([0xaf, 1, 9]));
      p.server.endPlay(id);
      p.pump();
      assert.deepEqual(
        p.clientOf('status').map((e) => [e.streamId, e.info.code, e.classification]),
        [
          [id, 'NetStream.Play.Reset', 'info'],
          [id, 'NetStream.Play.Start', 'start'],
          [id, 'NetStream.Play.Complete', 'eof'],
          [id, 'NetStream.Play.Stop', 'eof'],
        ],
      );
      assert.deepEqual(
        p.clientOf('data').map((e) => e.name),
        ['|RtmpSampleAccess', 'onMetaData'],
      );
      assert.deepEqual(
        p.clientOf('media').map((e) => [e.type, e.timestamp, e.payload.length]),
        [
          ['audio', 0, 4],
          ['video', 0, 9000],
          ['audio', 23, 3],
        ],
      );
      assert.deepEqual(
        p.clientOf('userControl').map((e) => e.event),
        ['streamBegin', 'streamBegin', 'streamEOF'],
      );
      assert.deepEqual(p.clientOf('protocolError'), []);
      assert.deepEqual(
        p.serverEvents.filter((e) => e.kind === 'protocolError'),
        [],
      );
    });

    it(`publishes end to end with the OBS/FFmpeg command sequence (${name})`, () => {
      const p = new Pair(split);
      p.connect('publish');
      const key = 'key?x=1';
      p.client.releaseStream(key);
      p.client.fcPublish(key);
      const id = p.createStream();
      p.client.publish(id, key, 'live');
      p.pump();
      assert.deepEqual(
        p.serverEvents.filter((e) => e.kind === 'releaseStream' || e.kind === 'fcPublish').map((e) => e.kind),
        ['releaseStream', 'fcPublish'],
      );
      const [pub] = p.serverTake('publish');
      assert.deepEqual([pub?.name, pub?.type, pub?.streamId], [key, 'live', id]);
      p.server.acceptPublish(id);
      p.pump();
      assert.ok(
        p
          .clientOf('status')
          .some((e) => e.info.code === 'NetStream.Publish.Start' && e.classification === 'start'),
      );
      // releaseStream/FCPublish answers map back to their methods (not awaited).
      assert.deepEqual(
        p.clientOf('result').map((e) => e.method),
        ['releaseStream', 'FCPublish'],
      );
      p.client.sendData(id, ['@setDataFrame', 'onMetaData', new AMFObject({ width: 640 })]);
      p.client.sendMedia(id, 'video', 0, Buffer.alloc(5000, 0x17));
      p.client.sendMedia(id, 'audio', 21, Buffer.from([0xaf, 1, 2]));
      p.pump();
      const [data] = p.serverTake('data');
      assert.deepEqual([data?.name, data?.dataFrame, data?.streamId], ['onMetaData', true, id]);
      assert.deepEqual(
        p.serverTake('media').map((e) => [e.streamId, e.type, e.timestamp, e.payload.length]),
        [
          [id, 'video', 0, 5000],
          [id, 'audio', 21, 3],
        ],
      );
    });

    it(`answers server pings and server calls (${name})`, () => {
      const p = new Pair(split);
      p.connect('play');
      p.now = 500;
      p.server.ping(500);
      p.now = 520;
      p.pump();
      const [pong] = p.serverTake('pong');
      assert.equal(pong?.rtt, 20);
      const txn = p.server.call('whoami', ['x']);
      p.pump();
      const [inv] = p.clientOf('invoke');
      assert.deepEqual([inv?.name, inv?.txn, inv?.args, inv?.handled], ['whoami', txn, ['x'], false]);
      p.client.respond(inv!.txn, 'rtmpkit');
      p.pump();
      const [res] = p.serverTake('result');
      assert.deepEqual([res?.txn, res?.method, res?.values], [txn, 'whoami', ['rtmpkit']]);
    });
  }
});
