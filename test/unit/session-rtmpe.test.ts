/**
 * RTMPE in the sessions (inbound.ts's encryption hook): a ClientSession with
 * `handshakeOptions.rtmpe` against a ServerSession with `rtmpe`, back to back in memory,
 * for S0 = 6, 8 and 9, with the bytes split whole, byte by byte and at random. After the
 * handshake nothing readable crosses the wire (no "connect", no AMF names, no media
 * bytes), the media arrive unchanged, the payload the server was handed stays plain
 * (the cipher encrypts a copy), and a plain client still connects to that server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionEvent } from '../../src/session/client-events.js';
import { ClientSession } from '../../src/session/client-session.js';
import { type ServerEvent, ServerSession } from '../../src/session/server-session.js';
import { rng, seededRandom } from '../helpers/session-harness.js';

type Splitter = (b: Buffer) => Buffer[];
const next = rng(7);
const SPLITS: [string, Splitter][] = [
  ['whole', (b) => [b]],
  ['byte by byte', (b) => Array.from(b, (x) => Buffer.from([x]))],
  [
    'random splits',
    (b) => {
      const out: Buffer[] = [];
      for (let p = 0; p < b.length; ) {
        const n = 1 + (next() % 300);
        out.push(Buffer.from(b.subarray(p, p + n)));
        p += n;
      }
      return out;
    },
  ],
];

/** Both sessions and every byte each one wrote. */
class Wire {
  readonly client: ClientSession;
  readonly server: ServerSession;
  readonly clientEvents: SessionEvent[] = [];
  readonly serverEvents: ServerEvent[] = [];
  readonly up: Buffer[] = [];
  readonly down: Buffer[] = [];

  constructor(
    readonly split: Splitter,
    clientRtmpe: boolean,
    type?: 6 | 8 | 9,
  ) {
    this.client = new ClientSession({
      random: seededRandom(11),
      handshakeOptions: clientRtmpe ? { rtmpe: true } : {},
    });
    this.server = new ServerSession({
      random: seededRandom(12),
      chunkSize: 4096,
      rtmpe: true,
      ...(type === undefined ? {} : { rtmpeType: type }),
    });
  }

  pump(): void {
    for (let i = 0; i < 200; i++) {
      const c = Buffer.concat(this.client.takeOutput());
      if (c.length > 0) {
        this.up.push(Buffer.from(c));
        for (const piece of this.split(c)) this.server.receive(piece, 0);
      }
      const s = Buffer.concat(this.server.takeOutput());
      if (s.length > 0) {
        this.down.push(Buffer.from(s));
        for (const piece of this.split(s)) this.client.receive(piece, 0);
      }
      this.clientEvents.push(...this.client.takeEvents());
      this.serverEvents.push(...this.server.takeEvents());
      if (c.length === 0 && s.length === 0) return;
    }
    throw new Error('pump did not settle');
  }

  serverOf<K extends ServerEvent['kind']>(kind: K): Extract<ServerEvent, { kind: K }>[] {
    return this.serverEvents.filter((e): e is Extract<ServerEvent, { kind: K }> => e.kind === kind);
  }

  clientOf<K extends SessionEvent['kind']>(kind: K): Extract<SessionEvent, { kind: K }>[] {
    return this.clientEvents.filter((e): e is Extract<SessionEvent, { kind: K }> => e.kind === kind);
  }

  /** connect, createStream, play; the server sends `payload` as video and ends the play. */
  play(payload: Buffer): void {
    this.client.start(0);
    this.client.connect({ app: 'vod', tcUrl: 'rtmpe://127.0.0.1/vod', mode: 'play' });
    this.pump();
    const [c] = this.serverOf('connect');
    assert.ok(c, 'the server decoded connect');
    assert.equal(c.app, 'vod');
    this.server.acceptConnect(c.txn);
    this.pump();
    assert.equal(this.client.state, 'connected');
    const txn = this.client.createStream();
    this.pump();
    const id = this.server.createdStream(txn);
    this.pump();
    this.client.play(id, 'secret-name');
    this.pump();
    assert.equal(this.serverOf('play')[0]?.name, 'secret-name');
    this.server.startPlay(id);
    this.server.sendMedia(id, 'video', 0, payload);
    this.server.sendMedia(id, 'video', 40, payload);
    this.server.endPlay(id);
    this.pump();
  }
}

/** The bytes after the 1537 + 1536 handshake bytes of one direction. */
function afterHandshake(parts: Buffer[]): Buffer {
  return Buffer.concat(parts).subarray(1537 + 1536);
}

describe('RTMPE sessions', () => {
  for (const type of [6, 8, 9] as const) {
    for (const [name, split] of SPLITS) {
      it(`type ${type}, ${name}: connect, play and media through the cipher, nothing readable on the wire`, () => {
        const w = new Wire(split, true, type);
        const payload = Buffer.alloc(9000);
        for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
        payload[0] = 0x17;
        const copy = Buffer.from(payload);
        w.play(payload);
        assert.equal(w.clientOf('handshake')[0]?.info.rtmpe?.type, type);
        assert.equal(w.serverOf('handshakeDone')[0]?.info.rtmpe?.type, type);
        const media = w.clientOf('media');
        assert.equal(media.length, 2);
        for (const m of media) assert.ok(m.payload.equals(copy), 'media arrive unchanged');
        assert.ok(payload.equals(copy), 'the payload handed to the server stays plain');
        assert.deepEqual(
          w.clientOf('status').map((e) => e.info.code),
          ['NetStream.Play.Reset', 'NetStream.Play.Start', 'NetStream.Play.Complete', 'NetStream.Play.Stop'],
        );
        const up = afterHandshake(w.up);
        const down = afterHandshake(w.down);
        assert.ok(up.length > 100 && down.length > 18_000);
        for (const word of ['connect', 'createStream', 'secret-name', 'rtmpe://']) {
          assert.equal(up.indexOf(word), -1, `"${word}" is not on the wire`);
        }
        for (const word of ['_result', 'NetStream.Play.Start', 'onStatus']) {
          assert.equal(down.indexOf(word), -1, `"${word}" is not on the wire`);
        }
        assert.equal(down.indexOf(payload.subarray(100, 200)), -1, 'media bytes are not on the wire');
      });
    }
  }

  it('a plain client connects to a server that accepts RTMPE too, in the clear', () => {
    const w = new Wire((b) => [b], false);
    w.play(Buffer.from([0x17, 0, 0, 0, 0, 1, 2, 3]));
    assert.equal(w.serverOf('handshakeDone')[0]?.info.rtmpe, undefined);
    assert.equal(w.clientOf('media').length, 2);
    assert.notEqual(afterHandshake(w.up).indexOf('connect'), -1);
  });

  it('an RTMPE client is refused by a server without rtmpe, as a fatal handshake error', () => {
    const client = new ClientSession({ random: seededRandom(3), handshakeOptions: { rtmpe: true } });
    const server = new ServerSession({ random: seededRandom(4) });
    client.start(0);
    server.receive(Buffer.concat(client.takeOutput()), 0);
    const err = server.takeEvents().find((e) => e.kind === 'protocolError');
    assert.equal(err?.kind === 'protocolError' && err.error.code, 'ERR_HANDSHAKE_RTMPE');
  });

  it('acknowledgements count the encrypted bytes: the client acks what the server sent', () => {
    const w = new Wire((b) => [b], true);
    w.client.start(0);
    w.client.connect({ app: 'vod', tcUrl: 'rtmpe://127.0.0.1/vod', mode: 'play' });
    w.pump();
    const [c] = w.serverOf('connect');
    w.server.acceptConnect(c!.txn);
    w.pump();
    const txn = w.client.createStream();
    w.pump();
    const id = w.server.createdStream(txn);
    w.client.play(id, 'x');
    w.pump();
    w.server.startPlay(id);
    // The server announced a 2,500,000-byte window: send past it.
    for (let t = 0; t < 40; t++) w.server.sendMedia(id, 'video', t * 40, Buffer.alloc(100_000, 0x27));
    w.pump();
    assert.equal(w.clientOf('media').length, 40);
    // The server counts the chunk stream only (no handshake): what it sent minus what the
    // client acknowledged (the client counts every byte it read, handshake included).
    const sent = Buffer.concat(w.down).length - 3073;
    const inFlight = w.server.stats.inFlight;
    assert.ok(inFlight < sent - 2_500_000, `the client acknowledged (${inFlight} of ${sent} in flight)`);
  });
});
