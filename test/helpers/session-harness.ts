/**
 * An in-memory client-session harness: a `ClientSession` against a scripted server built
 * from the protocol pieces (ServerHandshake + ChunkReader/ChunkWriter + message codecs),
 * no sockets, with the server's bytes fed whole, byte by byte or at random splits.
 * Shared by the ClientSession and NetStream unit tests.
 */
import assert from 'node:assert/strict';
import { AMFObject } from '../../src/amf/types.js';
import { ChunkReader } from '../../src/chunk/reader.js';
import { ChunkWriter } from '../../src/chunk/writer.js';
import { ServerHandshake } from '../../src/handshake/server.js';
import { command, setPeerBandwidth, streamBegin, windowAckSize } from '../../src/message/builders.js';
import { decodeMessage, encodeMessage } from '../../src/message/codec.js';
import type { RawMessage } from '../../src/message/raw-message.js';
import type { CommandMessage, Message } from '../../src/message/types.js';
import type { SessionEvent } from '../../src/session/client-events.js';
import { ClientSession, type ClientSessionOptions } from '../../src/session/client-session.js';
import type { ConnectParams } from '../../src/session/connect-object.js';
import { rng } from '../fuzz/engine.js';

export { rng } from '../fuzz/engine.js';

/** Reproducible random bytes (handshake randomness). */
export function seededRandom(seed: number): (n: number) => Buffer {
  const next = rng(seed);
  return (n) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = next() & 0xff;
    return b;
  };
}

export type Splitter = (b: Buffer) => Buffer[];

export const whole: Splitter = (b) => [b];
export const bytewise: Splitter = (b) => Array.from(b, (x) => Buffer.from([x]));
export function randomSplits(seed: number): Splitter {
  const next = rng(seed);
  return (b) => {
    const out: Buffer[] = [];
    let p = 0;
    while (p < b.length) {
      const n = 1 + (next() % 300);
      out.push(Buffer.from(b.subarray(p, p + n)));
      p += n;
    }
    return out;
  };
}

export const SPLITS: [string, Splitter][] = [
  ['whole', whole],
  ['byte by byte', bytewise],
  ['random splits', randomSplits(0xc0ffee)],
];

/** A scripted RTMP server: handshake + chunk codec; records what the client sent. */
export class ScriptedServer {
  readonly hs = new ServerHandshake({ random: seededRandom(99) });
  readonly reader = new ChunkReader();
  readonly writer = new ChunkWriter();
  hsDone = false;
  /** Every byte the client sent after the handshake. */
  chunkBytes: Buffer[] = [];
  /** Client messages, raw and decoded, in order. */
  raws: RawMessage[] = [];
  inbox: Message[] = [];
  out: Buffer[] = [];

  feed(bytes: Buffer): void {
    let data = bytes;
    if (!this.hsDone) {
      const step = this.hs.receive(data);
      this.out.push(...step.send);
      if (!step.done) return;
      this.hsDone = true;
      data = step.rest ?? Buffer.alloc(0);
    }
    if (data.length === 0) return;
    this.chunkBytes.push(Buffer.from(data));
    for (const raw of this.reader.push(Buffer.from(data))) {
      this.raws.push(raw);
      this.inbox.push(decodeMessage(raw));
    }
  }

  send(msg: Message, csid?: number): void {
    this.out.push(...this.writer.write(encodeMessage(msg, csid === undefined ? {} : { csid })));
  }

  sendRaw(raw: RawMessage): void {
    this.out.push(...this.writer.write(raw));
  }

  setChunkSize(n: number): void {
    this.out.push(...this.writer.writeSetChunkSize(n));
  }

  take(): Buffer {
    const b = Buffer.concat(this.out);
    this.out = [];
    return b;
  }

  /** Commands received since index `from`. */
  commands(from = 0): CommandMessage[] {
    return this.inbox.slice(from).filter((m): m is CommandMessage => m.kind === 'command');
  }
}

export class Harness {
  readonly client: ClientSession;
  readonly server = new ScriptedServer();
  readonly split: Splitter;
  now = 0;
  /** Added to `now` each time the client's bytes reach the server (a round trip, ms). */
  roundTrip = 0;
  readonly log: SessionEvent[] = [];

  constructor(split: Splitter, options: ClientSessionOptions = {}) {
    this.split = split;
    this.client = new ClientSession({ random: seededRandom(7), ...options });
  }

  /** Moves client output to the server, and server output to the client (split), until quiet. */
  pump(): void {
    for (let i = 0; i < 100; i++) {
      const c = Buffer.concat(this.client.takeOutput());
      if (c.length > 0) {
        this.server.feed(c);
        this.now += this.roundTrip;
      }
      const s = this.server.take();
      if (s.length > 0) for (const piece of this.split(s)) this.client.receive(piece, this.now);
      if (c.length === 0 && s.length === 0) return;
    }
    throw new Error('pump did not settle');
  }

  /** Events since the last call (also appended to `log`). */
  events(): SessionEvent[] {
    const ev = this.client.takeEvents();
    this.log.push(...ev);
    return ev;
  }

  /** start + connect + the usual server connect sequence; returns the events. */
  connect(params: ConnectParams = { app: 'live', tcUrl: 'rtmp://localhost/live' }): SessionEvent[] {
    this.client.start(this.now);
    const txn = this.client.connect(params);
    assert.equal(txn, 1);
    this.pump();
    const s = this.server;
    s.send(windowAckSize(2_500_000));
    s.send(setPeerBandwidth(2_500_000, 2));
    s.send(streamBegin(0));
    s.send(
      command(
        '_result',
        1,
        new AMFObject({ fmsVer: 'FMS/3,5,7,7009', capabilities: 31, mode: 1 }),
        new AMFObject({
          level: 'status',
          code: 'NetConnection.Connect.Success',
          description: 'Connection succeeded.',
          objectEncoding: 0,
        }),
      ),
    );
    this.pump();
    return this.events();
  }

  /** createStream answered with `id`; returns the stream id from the event. */
  createStream(id = 1): number {
    const txn = this.client.createStream();
    this.pump();
    this.server.send(command('_result', txn, null, id));
    this.pump();
    const ev = this.events().find((e) => e.kind === 'streamCreated');
    assert.ok(ev && ev.kind === 'streamCreated');
    assert.equal(ev.txn, txn);
    return ev.streamId;
  }
}

export function kinds(events: SessionEvent[]): string[] {
  return events.map((e) => e.kind);
}

export function only<K extends SessionEvent['kind']>(
  events: SessionEvent[],
  kind: K,
): Extract<SessionEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<SessionEvent, { kind: K }> => e.kind === kind);
}

/** A JSON form of events for comparing runs (Buffers as hex). */
export function transcript(events: SessionEvent[]): string {
  return JSON.stringify(events, (_k, v: unknown) => {
    if (
      v &&
      typeof v === 'object' &&
      (v as { type?: unknown }).type === 'Buffer' &&
      Array.isArray((v as { data?: unknown }).data)
    ) {
      return Buffer.from((v as { data: number[] }).data).toString('hex');
    }
    return v;
  });
}

export function media(type: 8 | 9, streamId: number, timestamp: number, payload: Buffer): RawMessage {
  return { type, streamId, timestamp, csid: type === 8 ? 4 : 6, payload };
}
