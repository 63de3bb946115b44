/**
 * Opening a NetStream on a connected `RTMP` (librtmp's `RTMP_ConnectStream`): announce
 * (FCSubscribe / releaseStream + FCPublish), createStream and its answer, then play or
 * publish (connect-setup.ts `startStream`), and the wait for NetStream.Play.Start /
 * Publish.Start. `RTMP.createStream` opens new streams with it; a reconnect re-opens an
 * existing `RTMPStream` on the new connection (`rebind`); following a ReconnectRequest
 * opens a stand-in on the new connection whose media feed the existing stream's splice (`tap`).
 *
 * Invariants: the createStream wait is registered with the connection (so its answer,
 * an error or a lost connection settles it) and always unregistered; a stream is in the
 * connection's table before its play/publish can be answered; every wait honours
 * `signal`, the start wait also `timeout`.
 */
import { GeneralCode } from '../error-codes.js';
import { RTMPError } from '../errors.js';
import type { ClientSession } from '../session/client-session.js';
import { followsReconnectRequest } from '../session/connect-object.js';
import type { RTMPParams } from '../url/options.js';
import { announceStream, startStream } from './connect-setup.js';
import { resolveBufferLead } from './lead-policy.js';
import type { BufferLeadSpec, RTMPOptions } from './options.js';
import { RTMPStream, type StreamConnection, type StreamSetup } from './rtmp-stream.js';
import { DEFAULT_HIGH_WATER_MARK } from './stream-output.js';
import { type Deferred, deferred, waitFor } from './waiters.js';

/** What opening a stream needs of its connection. */
export interface StreamOpenerLink {
  readonly options: RTMPOptions;
  readonly publishMode: boolean;
  readonly conn: StreamConnection;
  params(): RTMPParams;
  /** The connected session (throws when not connected). */
  session(): ClientSession;
  /** The createStream waits by transaction id. */
  readonly creates: Map<number, Deferred<number>>;
  /** The open streams by stream id. */
  readonly streams: Map<number, RTMPStream>;
  /** Flushes output and restarts the idle clock. */
  kickWait(): void;
}

/** How to open: `existing` is re-opened (reconnect), else a new stream is made. */
export interface OpenOptions {
  writeable: boolean;
  seekSec: number | undefined;
  updateBuffer: boolean;
  /** The stream's buffer lead (a re-opened stream keeps its own). */
  bufferLead?: BufferLeadSpec | undefined;
  signal: AbortSignal | undefined;
  existing?: RTMPStream;
  /** A ReconnectRequest's stand-in: where the new stream's media and data go instead of a reader. */
  tap?: StreamSetup['tap'];
}

/** Opens a stream and waits until it plays or publishes; a new one is closed again when that fails. */
export async function openStream(link: StreamOpenerLink, o: OpenOptions): Promise<RTMPStream> {
  const p = link.params();
  let session = link.session();
  announceStream(session, p, o.writeable, link.publishMode);
  const txn = session.createStream();
  const created = deferred<number>();
  link.creates.set(txn, created);
  link.kickWait();
  let streamId: number;
  try {
    streamId = await waitFor(created.promise, { signal: o.signal, what: 'createStream' });
  } finally {
    link.creates.delete(txn);
  }
  if (link.streams.has(streamId)) {
    throw new RTMPError(
      `the server answered createStream with stream id ${streamId}, which another stream of this connection uses (nginx-rtmp gives every stream id 1: one stream per connection there)`,
      { code: GeneralCode.RTMP_STREAM_ID_IN_USE },
    );
  }
  session = link.session();
  const bufferLead = o.existing !== undefined ? o.existing.bufferLead : o.bufferLead;
  const lead = o.writeable ? undefined : resolveBufferLead(bufferLead, p, link.options);
  const startMs = startStream(session, streamId, p, link.options, { ...o, lead });
  const netStream = session.netStream(streamId)!;
  let stream = o.existing;
  if (stream === undefined) {
    stream = new RTMPStream(link.conn, {
      streamId,
      writeable: o.writeable,
      playpath: p.playpath,
      live: p.live,
      highWaterMark: link.options.limits?.highWaterMark ?? DEFAULT_HIGH_WATER_MARK,
      timeoutSec: p.timeout,
      startMs,
      netStream,
      tap: o.tap,
      bufferLead,
      resumes: link.options.reconnect !== undefined || followsReconnectRequest(link.options),
    });
  } else {
    stream.rebind(streamId, netStream);
  }
  link.streams.set(streamId, stream);
  link.kickWait();
  try {
    await waitFor(stream.started, {
      timeoutSec: p.timeout > 0 ? p.timeout : undefined,
      signal: o.signal,
      what: `${o.writeable ? 'publishing' : 'playing'} ${p.playpath}${o.existing ? ' again' : ''}`,
    });
  } catch (err) {
    if (o.existing === undefined) await stream.close().catch(() => {});
    throw err;
  }
  return stream;
}
