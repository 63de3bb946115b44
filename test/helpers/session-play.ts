/**
 * Plays one stream over an already connected socket with rtmpkit's sans-IO ClientSession
 * (handshake, connect, createStream, play) and collects what arrives until the server
 * stops the stream. For transport tests (proxies) that must run the protocol over a
 * socket they opened themselves. Bounded by a timeout; destroys the socket at the end.
 */
import type { Socket } from 'node:net';
import { splitAggregate } from '../../src/message/aggregate.js';
import { MessageType } from '../../src/message/types.js';
import { ClientSession } from '../../src/session/client-session.js';

/** What a play brought. */
export interface PlayResult {
  /** Audio/video messages in arrival order (payloads copied). */
  media: { type: 'audio' | 'video'; timestamp: number; payload: Buffer }[];
  /** NetStream/NetConnection status codes in arrival order. */
  statuses: string[];
}

/** Connects to `app`, plays `name` and resolves when the stream stops (Play.Stop / Play.Complete). */
export function playOverSocket(
  socket: Socket,
  params: { app: string; tcUrl: string; name: string },
  timeoutMs = 30_000,
): Promise<PlayResult> {
  return new Promise((resolve, reject) => {
    const result: PlayResult = { media: [], statuses: [] };
    const session = new ClientSession({ chunkReader: { zeroCopy: false } });
    let done = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(result);
    };
    const timer = setTimeout(
      () => finish(new Error(`play timed out; statuses: ${result.statuses.join(', ')}`)),
      timeoutMs,
    );
    const pump = (): void => {
      for (const e of session.takeEvents()) {
        if (e.kind === 'connected') session.createStream();
        else if (e.kind === 'connectRejected') finish(new Error(`connect rejected: ${String(e.info.code)}`));
        else if (e.kind === 'streamCreated') session.play(e.streamId, params.name);
        else if (e.kind === 'media') {
          // One event per message: an aggregate's records are split here.
          const records =
            e.type === 'aggregate'
              ? splitAggregate(e).filter((r) => r.type === MessageType.Audio || r.type === MessageType.Video)
              : [{ ...e, type: e.type === 'audio' ? MessageType.Audio : MessageType.Video }];
          for (const r of records) {
            const type = r.type === MessageType.Audio ? 'audio' : 'video';
            result.media.push({ type, timestamp: r.timestamp, payload: Buffer.from(r.payload) });
          }
        } else if (e.kind === 'status') {
          const code = String(e.info.code);
          result.statuses.push(code);
          if (code === 'NetStream.Play.Stop' || code === 'NetStream.Play.Complete') finish();
          if (e.info.level === 'error') finish(new Error(`play failed: ${code}`));
        } else if (e.kind === 'protocolError') finish(e.error);
        else if (e.kind === 'closed')
          finish(new Error(`session closed; statuses: ${result.statuses.join(', ')}`));
      }
      const out = session.takeOutput();
      if (out.length > 0 && !socket.destroyed) {
        socket.cork();
        for (const b of out) socket.write(b);
        socket.uncork();
      }
    };
    socket.on('data', (d: Buffer) => {
      session.receive(d, performance.now());
      pump();
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error(`socket closed; statuses: ${result.statuses.join(', ')}`)));
    socket.resume();
    session.start(performance.now());
    session.connect({ app: params.app, tcUrl: params.tcUrl });
    pump();
  });
}
