/**
 * Test harness for the embedded server's unit tests: a scripted RTMP client made of a
 * raw node:net socket and the sans-IO ClientSession, with waits on its events; plus a
 * minimal FLV tag reader for comparisons. Everything runs in-process on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import * as amf0 from '../../src/amf/amf0.js';
import type { AmfValue } from '../../src/amf/types.js';
import type { RTMPServerOptions } from '../../src/server/options.js';
import { createServer, type RTMPServer } from '../../src/server/server.js';
import type { SessionEvent } from '../../src/session/client-events.js';
import { ClientSession, type ClientSessionOptions } from '../../src/session/client-session.js';

/** An FLV tag. */
export interface Tag {
  type: number;
  timestamp: number;
  body: Buffer;
}

/** The tags of an FLV file. */
export function flvTags(file: Buffer): Tag[] {
  assert.equal(file.subarray(0, 3).toString(), 'FLV');
  const tags: Tag[] = [];
  let pos = file.readUInt32BE(5) + 4;
  while (pos + 11 <= file.length) {
    const size = file.readUIntBE(pos + 1, 3);
    const timestamp = (file.readUIntBE(pos + 4, 3) | (file[pos + 7]! << 24)) >>> 0;
    tags.push({ type: file[pos]! & 0x1f, timestamp, body: file.subarray(pos + 11, pos + 11 + size) });
    pos += 11 + size + 4;
  }
  return tags;
}

/** Audio/video tags as comparable strings. */
export function avRows(tags: readonly Tag[]): string[] {
  return tags
    .filter((t) => t.type === 8 || t.type === 9)
    .map((t) => `${t.type} ${t.timestamp} ${t.body.toString('base64')}`);
}

/** Media events of a client as tags. */
export function mediaTags(events: readonly SessionEvent[], streamId?: number): Tag[] {
  return events
    .filter((e): e is Extract<SessionEvent, { kind: 'media' }> => e.kind === 'media')
    .filter((e) => streamId === undefined || e.streamId === streamId)
    .map((e) => ({ type: e.type === 'audio' ? 8 : 9, timestamp: e.timestamp, body: Buffer.from(e.payload) }));
}

/** A started server on an ephemeral loopback port. */
export async function startServer(
  options: RTMPServerOptions = {},
): Promise<{ server: RTMPServer; port: number }> {
  const server = createServer(options);
  const { port } = await server.listen({ port: 0 });
  return { server, port };
}

type Pred = (e: SessionEvent) => boolean;

/** A scripted client: ClientSession over a real socket. */
export class TestClient {
  readonly session: ClientSession;
  readonly socket: Socket;
  readonly events: SessionEvent[] = [];
  /** Index of the next event `next()` looks at. */
  cursor = 0;
  closed = false;
  /** Discard incoming bytes (the session sees nothing, so it answers nothing — e.g. no pongs). */
  deaf = false;
  readonly closedPromise: Promise<void>;
  #waiters = new Set<() => void>();

  constructor(port: number, options: ClientSessionOptions = {}) {
    this.session = new ClientSession(options);
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => {
      if (this.deaf) return;
      this.session.receive(d, performance.now());
      this.pump();
    });
    this.socket.on('error', () => {});
    this.closedPromise = new Promise((res) =>
      this.socket.on('close', () => {
        this.closed = true;
        this.#wake();
        res();
      }),
    );
    this.session.start(performance.now());
    this.flush();
  }

  /** Connects a scripted client; resolves after the connect `_result` (or rejection when `expectReject`). */
  static async connect(
    port: number,
    app: string,
    options: { mode?: 'play' | 'publish'; args?: AmfValue[]; session?: ClientSessionOptions } = {},
  ): Promise<TestClient> {
    const c = new TestClient(port, options.session);
    c.session.connect({
      app,
      tcUrl: `rtmp://127.0.0.1:${port}/${app}`,
      mode: options.mode ?? 'play',
      ...(options.args ? { extraArgs: options.args } : {}),
    });
    c.flush();
    await c.next((e) => e.kind === 'connected' || e.kind === 'connectRejected');
    return c;
  }

  /** Writes the session's pending output. */
  flush(): void {
    const out = this.session.takeOutput();
    if (out.length > 0 && !this.socket.destroyed) this.socket.write(Buffer.concat(out));
  }

  pump(): void {
    const ev = this.session.takeEvents();
    if (ev.length > 0) {
      this.events.push(...ev);
      this.#wake();
    }
    this.flush();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** Waits for the next event (from the cursor) matching `pred`; moves the cursor past it. */
  async next(pred: Pred, timeoutMs = 5000): Promise<SessionEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.cursor; i < this.events.length; i++) {
        if (pred(this.events[i]!)) {
          this.cursor = i + 1;
          return this.events[i]!;
        }
      }
      if (this.closed) throw new Error(`connection closed while waiting; events: ${this.kinds()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting; events: ${this.kinds()}`);
      await new Promise<void>((res) => {
        const t = setTimeout(done, left);
        const self = this;
        function done(): void {
          clearTimeout(t);
          self.#waiters.delete(done);
          res();
        }
        this.#waiters.add(done);
      });
    }
  }

  /** Waits for an onStatus/onPlayStatus with `code`. */
  status(code: string, timeoutMs?: number): Promise<SessionEvent> {
    return this.next((e) => e.kind === 'status' && e.info.code === code, timeoutMs);
  }

  /** The status codes received so far. */
  codes(): string[] {
    return this.events.flatMap((e) => (e.kind === 'status' ? [String(e.info.code)] : []));
  }

  kinds(): string {
    return this.events
      .map((e) =>
        e.kind === 'status' ? `status:${e.info.code}` : e.kind === 'invoke' ? `invoke:${e.name}` : e.kind,
      )
      .slice(-30)
      .join(',');
  }

  /** createStream → stream id. */
  async createStream(): Promise<number> {
    const txn = this.session.createStream();
    this.flush();
    const e = await this.next((x) => x.kind === 'streamCreated' && x.txn === txn);
    return (e as Extract<SessionEvent, { kind: 'streamCreated' }>).streamId;
  }

  /**
   * createStream + play + SetBufferLength (default 10 h, as rtmpdump: VOD unpaced);
   * resolves after Play.Start (or the first error status).
   */
  async play(
    name: string,
    options: { start?: number; duration?: number; bufferMs?: number } = {},
  ): Promise<number> {
    const id = await this.createStream();
    const { bufferMs = 36_000_000, ...play } = options;
    this.session.play(id, name, play);
    this.session.setBufferLength(id, bufferMs);
    this.flush();
    await this.next(
      (e) =>
        e.kind === 'status' &&
        (e.info.code === 'NetStream.Play.Start' || e.info.level === 'error') &&
        e.streamId === id,
    );
    return id;
  }

  /** createStream + publish; resolves with the stream id after Publish.Start (throws on an error status). */
  async publish(name: string): Promise<number> {
    const id = await this.createStream();
    this.session.publish(id, name);
    this.flush();
    const e = await this.next(
      (x) =>
        x.kind === 'status' &&
        x.streamId === id &&
        (x.info.code === 'NetStream.Publish.Start' || x.info.level === 'error'),
    );
    if (e.kind === 'status' && e.info.code !== 'NetStream.Publish.Start')
      throw new Error(String(e.info.code));
    return id;
  }

  /** Sends FLV tags on a publishing stream (script tags as data, `@setDataFrame` prepended to onMetaData). */
  sendTags(streamId: number, tags: readonly Tag[]): void {
    for (const t of tags) {
      if (t.type === 18) {
        const values = amf0.decode(t.body);
        this.session.sendData(
          streamId,
          values[0] === 'onMetaData' ? ['@setDataFrame', ...values] : values,
          t.timestamp,
        );
      } else {
        this.session.sendMedia(streamId, t.type === 8 ? 'audio' : 'video', t.timestamp, t.body);
      }
    }
    this.flush();
  }

  /** Closes the socket (no RTMP goodbye). */
  destroy(): void {
    this.socket.destroy();
  }
}

/** Sleeps `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

/** Polls `cond` until true or `timeoutMs` passes. */
export async function until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
