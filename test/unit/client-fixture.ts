/**
 * In-process RTMP server for the client's unit tests: a node:net server on 127.0.0.1
 * that pumps each connection through the sans-IO `ServerSession`. Each test passes a
 * `behaviour` deciding how connect, calls, play and publish are answered; the fixture
 * records what it saw. Not a library: test-only, small and explicit.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AmfValue } from '../../src/amf/types.js';
import type { ServerEvent } from '../../src/session/server-events.js';
import { ServerSession } from '../../src/session/server-session.js';

/** What the fixture saw. */
export interface FixtureLog {
  events: string[];
  calls: { name: string; args: AmfValue[] }[];
  results: { txn: number; values: AmfValue[] }[];
  errors: { txn: number; info: unknown }[];
  published: { type: 'audio' | 'video'; timestamp: number; size: number; streamId: number }[];
  data: { name: string | undefined; values: AmfValue[]; dataFrame: boolean }[];
  bufferLengths: { streamId: number; ms: number }[];
  seeks: number[];
  pauses: { pause: boolean; ms: number }[];
  connectArgs: AmfValue[];
  connectObject: AmfValue;
}

/** The per-connection context a behaviour gets. */
export interface FixtureConn {
  session: ServerSession;
  socket: Socket;
  /** Flush the session's output to the socket. */
  pump(): void;
  log: FixtureLog;
}

/** How the fixture answers. Every hook is optional. */
export interface Behaviour {
  /** Before the handshake: return true to never answer (silent server). */
  silent?: boolean;
  /** connect: default accept. */
  onConnect?(c: FixtureConn, txn: number): void;
  /** A client call: default `_result(null)` when txn ≠ 0. */
  onCall?(c: FixtureConn, name: string, txn: number, args: AmfValue[]): void;
  /** play: default startPlay + `tags` media + endPlay. */
  onPlay?(c: FixtureConn, streamId: number, name: string, start: number, duration: number): void;
  /** seek: after the default Seek.Notify (and Play.Start), what the server sends from `ms`. */
  onSeek?(c: FixtureConn, streamId: number, ms: number): void;
  /** A `_result` from the client for a server call. */
  onResult?(c: FixtureConn, txn: number, values: AmfValue[]): void;
  /** An `_error` from the client for a server call. */
  onError?(c: FixtureConn, txn: number, info: unknown): void;
  /** Number of synthetic video/audio messages the default play sends (default 20). */
  tags?: number;
}

/** A running fixture. */
export interface Fixture {
  port: number;
  url(path?: string): string;
  log: FixtureLog;
  conns: FixtureConn[];
  close(): Promise<void>;
}

/** A small synthetic H.264/AAC stream: AVC sequence header, then alternating video/audio. */
export function sendSyntheticMedia(c: FixtureConn, streamId: number, count: number, startTs = 0): void {
  const s = c.session;
  s.sendData(streamId, ['onMetaData', { duration: count / 10, videocodecid: 7, audiocodecid: 10 }], 0);
  s.sendMedia(streamId, 'video', startTs, Buffer.from([0x17, 0, 0, 0, 0, 1, 2, 3, 4]));
  for (let i = 0; i < count; i++) {
    const ts = startTs + i * 100;
    const v = Buffer.alloc(200 + (i % 7), i & 0xff);
    v[0] = i % 5 === 0 ? 0x17 : 0x27;
    v[1] = 1;
    s.sendMedia(streamId, 'video', ts, v);
    const a = Buffer.alloc(50, 0xaa);
    a[0] = 0xaf;
    a[1] = 1;
    s.sendMedia(streamId, 'audio', ts, a);
  }
}

/** Starts the fixture server on a free port. */
export async function startFixture(behaviour: Behaviour = {}): Promise<Fixture> {
  const log: FixtureLog = {
    events: [],
    calls: [],
    results: [],
    errors: [],
    published: [],
    data: [],
    bufferLengths: [],
    seeks: [],
    pauses: [],
    connectArgs: [],
    connectObject: null,
  };
  const conns: FixtureConn[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (behaviour.silent) return;
    const session = new ServerSession({ chunkSize: 4096, now: performance.now() });
    const c: FixtureConn = {
      session,
      socket,
      log,
      pump() {
        const out = session.takeOutput();
        if (out.length > 0 && !socket.destroyed) {
          socket.cork();
          for (const b of out) socket.write(b);
          socket.uncork();
        }
      },
    };
    conns.push(c);
    const handle = (e: ServerEvent): void => {
      log.events.push(e.kind === 'call' ? `call:${e.name}` : e.kind);
      switch (e.kind) {
        case 'connect':
          log.connectArgs = e.args;
          log.connectObject = e.commandObject;
          if (behaviour.onConnect) behaviour.onConnect(c, e.txn);
          else session.acceptConnect(e.txn);
          break;
        case 'createStream':
          session.createdStream(e.txn);
          break;
        case 'call':
          log.calls.push({ name: e.name, args: e.args });
          if (behaviour.onCall) behaviour.onCall(c, e.name, e.txn, e.args);
          else if (e.txn !== 0) session.respond(e.txn, null);
          break;
        case 'result':
          log.results.push({ txn: e.txn, values: e.values });
          behaviour.onResult?.(c, e.txn, e.values);
          break;
        case 'error':
          log.errors.push({ txn: e.txn, info: e.info });
          behaviour.onError?.(c, e.txn, e.info);
          break;
        case 'play':
          if (behaviour.onPlay) behaviour.onPlay(c, e.streamId, e.name, e.start, e.duration);
          else {
            session.startPlay(e.streamId);
            sendSyntheticMedia(c, e.streamId, behaviour.tags ?? 20);
            session.endPlay(e.streamId);
          }
          break;
        case 'publish':
          session.acceptPublish(e.streamId);
          break;
        case 'media':
          log.published.push({
            type: e.type,
            timestamp: e.timestamp,
            size: e.payload.length,
            streamId: e.streamId,
          });
          break;
        case 'data':
          log.data.push({ name: e.name, values: e.values, dataFrame: e.dataFrame });
          break;
        case 'bufferLength':
          log.bufferLengths.push({ streamId: e.streamId, ms: e.milliseconds });
          break;
        case 'seek':
          log.seeks.push(e.milliseconds);
          session.seekNotify(e.streamId, e.milliseconds);
          behaviour.onSeek?.(c, e.streamId, e.milliseconds);
          break;
        case 'pause':
          log.pauses.push({ pause: e.pause, ms: e.milliseconds });
          session.pauseNotify(e.streamId, e.pause);
          break;
        default:
          break;
      }
    };
    socket.on('data', (d: Buffer) => {
      session.receive(d, performance.now());
      for (const e of session.takeEvents()) handle(e);
      c.pump();
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: (path = 'app/stream') => `rtmp://127.0.0.1:${port}/${path}`,
    log,
    conns,
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}
