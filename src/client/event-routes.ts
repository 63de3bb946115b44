/**
 * Where `RTMP` sends the session events that belong to a call, a createStream wait or a
 * stream (session/client-events.ts): `_result`/`_error` to the calls (or the createStream
 * wait of that transaction), invokes to the handlers, status to the listeners (and
 * E-RTMP's ReconnectRequest, ERTMP-V2 "Reconnect Request", followed by reconnect-request.ts), media and data to their
 * stream, and a NetStream's phase changes to its stream. Lifecycle events (handshake,
 * connect, timeouts, protocol errors, close) live in lifecycle.ts (owned by `RTMP`).
 *
 * Invariant: an event for an unknown transaction or stream id is dropped, never an error.
 */
import { GeneralCode } from '../error-codes.js';
import type { SessionEvent } from '../session/client-events.js';
import { type ReconnectRequest, reconnectRequest } from '../session/connect-object.js';
import { failedError } from './connect-setup.js';
import type { RemoteCalls } from './remote-calls.js';
import type { RTMPFaces } from './rtmp-faces.js';
import type { RTMPStream } from './rtmp-stream.js';
import type { Deferred } from './waiters.js';

/** What the routing needs of its connection. */
export interface EventRoutes {
  readonly streams: ReadonlyMap<number, RTMPStream>;
  readonly creates: ReadonlyMap<number, Deferred<number>>;
  readonly calls: RemoteCalls;
  /** Emits an event of the connection. */
  emit: RTMPFaces['emit'];
  /** Our tcUrl (a ReconnectRequest's target is resolved against it). */
  tcUrl(): string;
  /** NetConnection.Connect.Closed with no stream open: end the connection. */
  end(): void;
  /** Why the connection failed, if it did (a cut stream's error says so). */
  failure(): unknown;
  /** A ReconnectRequest came (after the `reconnectRequest` event): follow it when the connection offered to. */
  follow(request: ReconnectRequest): void;
}

/** Routes one event (see the module comment); the NetStream changes it carries go to their streams. */
export function routeEvent(ev: SessionEvent, r: EventRoutes): void {
  switch (ev.kind) {
    case 'result':
      r.calls.onResult(ev);
      break;
    case 'error': {
      const create = r.creates.get(ev.txn);
      if (create === undefined) r.calls.onError(ev);
      else create.reject(failedError('createStream failed', GeneralCode.RTMP_CREATE_STREAM_FAILED, ev.info));
      break;
    }
    case 'streamCreated':
      r.creates.get(ev.txn)?.resolve(ev.streamId);
      break;
    case 'invoke':
      r.calls.onInvoke(ev);
      break;
    case 'status':
      r.emit('status', ev.info, ev.streamId);
      if (ev.streamId === 0 && ev.info.code === 'NetConnection.Connect.ReconnectRequest') {
        const request = reconnectRequest(ev.info, r.tcUrl());
        r.emit('reconnectRequest', request, ev.info);
        r.follow(request);
      }
      if (ev.streamId === 0 && ev.info.code === 'NetConnection.Connect.Closed' && r.streams.size === 0)
        r.end();
      break;
    case 'media':
      r.streams.get(ev.streamId)?.onMedia(ev);
      break;
    case 'data':
      r.streams.get(ev.streamId)?.onData(ev);
      break;
  }
  const changes = 'changes' in ev ? ev.changes : undefined;
  if (changes !== undefined) for (const c of changes) r.streams.get(c.streamId)?.onChange(c, r.failure());
}
