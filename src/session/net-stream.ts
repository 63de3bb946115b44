/**
 * One NetStream of a client session, sans-IO (RTMP-SPEC §7.2.2 NetStream commands and
 * their onStatus answers; the client rules librtmp and python-librtmp apply on top).
 * The `ClientSession` owns one per message stream it plays or publishes on, feeds it
 * every message of that stream, and puts the NetStream's verdict on the event it emits
 * for the message (`dropped`, `changes`). Nothing here sends by itself: the few
 * commands a rule needs go out through the session's `NetStreamPort`.
 *
 * The state is one union (`NetStreamState`), by phase:
 * - `starting`: play/publish sent, nothing heard yet. NetStream.Play.Start,
 *   NetStream.Play.PublishNotify or the first audio/video message start a player
 *   (servers differ in which they send — some send media only); NetStream.Publish.Start
 *   starts a publisher.
 * - `play`, `publish`: running. A player's media is delivered, except:
 * - `seeking`: after `seek`, media is dropped until NetStream.Seek.Notify (what arrives
 *   before it is from the old position, an end of stream too); Seek.Failed /
 *   Seek.InvalidTime fail the seek and return to the phase before it.
 * - `paused`: after a user `pause`; media still arriving is delivered.
 * - `ended-complete`: NetStream.Play.Complete / Play.Stop / Play.UnpublishNotify
 *   (librtmp's end-of-stream set), or `onFCUnsubscribe` (librtmp closes the stream
 *   there). Nothing is delivered after the end — unless a seek follows the end of a
 *   recorded stream (Play.Complete / Play.Stop): the server still has the stream open and
 *   plays it again from the new position (a Flash NetStream can seek a recorded stream
 *   after NetStream.Play.Stop), so the stream goes to `seeking`. The client's reconnect
 *   uses it when its re-ask and the old position's end cross (rtmp-stream.ts).
 * - `ended-cut`: the connection ended first (the server's `close` command, the
 *   transport closed, a local close): the stream is incomplete.
 * - `failed`: an error status (level `error`, Play.StreamNotFound, Publish.BadName…).
 *
 * Inside `play`, librtmp's BUFX speed-up for recorded streams (`RTMP_LF_BUFX`): on User
 * Control BufferEmpty the client pauses at the last media timestamp; on StreamEOF (or a
 * second BufferEmpty, or NetStream.Pause.Notify) it unpauses; the server then re-sends
 * from the pause point, and media at or before the last delivered timestamp is dropped
 * until a later one arrives. python-librtmp's `update_buffer` (and rtmpdump): once
 * onMetaData gives a duration, SetBufferLength(duration + 5 s) once, so FMS sends faster
 * than real time.
 *
 * With a `lead` (a recorded play): the buffer length follows the media received
 * (buffer-lead.ts) — raised as media arrives, never lowered, back to 0 before a seek or
 * an unpause — so that a server pacing by it (nginx-rtmp) stays a bounded lead ahead and
 * its per-client queue never overflows; python-librtmp's update_buffer is then off.
 *
 * Invariants: every method is total (any message in any phase yields a verdict); a
 * phase change is reported exactly once, as a `NetStreamChange`; ended and failed
 * phases are final, except a recorded stream's end that a seek follows (above).
 */
import type { AmfValue } from '../amf/types.js';
import { isAmfObject } from '../amf/types.js';
import { GeneralCode } from '../error-codes.js';
import { RTMPError } from '../errors.js';
import { BufferLead, type BufferLeadOptions } from './buffer-lead.js';
import type { StatusInfo } from './status.js';
import { classifyStatus } from './status.js';

/** The phases of a NetStream (see the module comment). */
export type NetStreamPhase =
  | 'starting'
  | 'play'
  | 'publish'
  | 'seeking'
  | 'paused'
  | 'ended-complete'
  | 'ended-cut'
  | 'failed';

/** librtmp's BUFX sub-state of `play` (its `m_pausing` 0–3). */
export type BufxState = 'idle' | 'paused' | 'paused-eof' | 'resending';

/** The state of a NetStream: one variant per phase, with what that phase needs. */
export type NetStreamState =
  | { readonly phase: 'starting' }
  | { readonly phase: 'play'; readonly bufx: BufxState }
  | { readonly phase: 'publish' }
  | { readonly phase: 'seeking'; readonly ms: number; readonly resume: 'starting' | 'play' | 'paused' }
  | { readonly phase: 'paused'; readonly atMs: number }
  | { readonly phase: 'ended-complete'; readonly cause: string }
  | { readonly phase: 'ended-cut'; readonly cause: NetStreamCutCause }
  | { readonly phase: 'failed'; readonly error: RTMPError };

/** Why a stream was cut: the server's `close` command, the transport ended, we closed, or a fatal protocol error. */
export type NetStreamCutCause = 'server' | 'peer' | 'local' | 'protocolError';

/** A phase change, reported on the event of the message (or session event) that caused it. */
export interface NetStreamChange {
  /** The NetStream's message stream id. */
  readonly streamId: number;
  readonly from: NetStreamPhase;
  readonly to: NetStreamPhase;
  /** What caused it: a status code, `media`, `onFCUnsubscribe`, or a cut cause. */
  readonly cause: string;
  /** To `failed`, or a seek that failed (from `seeking`): the error, server info attached. */
  readonly error?: RTMPError;
}

/** Why a media message is not delivered to the stream's reader. */
export type MediaDropReason =
  /** A seek is pending: the message is from before the new position. */
  | 'seeking'
  /** Re-sent by the server after a BUFX unpause (at or before the last delivered timestamp). */
  | 'resent'
  /** The stream has ended or failed. */
  | 'ended'
  /** The stream publishes: servers send no media to a publisher. */
  | 'publishing';

/** What a NetStream sends through its session. */
export interface NetStreamPort {
  /** `pause(paused, ms)` on the stream's msid. */
  pause(streamId: number, paused: boolean, ms: number): void;
  /** User Control SetBufferLength(streamId, ms). */
  setBufferLength(streamId: number, ms: number): void;
  /** The session's clock, ms (the last time it was given). */
  now(): number;
  /** The round trip to the server, ms, once measured (`ClientSession.rttMs`; for the buffer lead). */
  rttMs(): number | undefined;
}

/** How a NetStream behaves. */
export interface NetStreamOptions {
  /** `play` (default) or `publish`. */
  mode?: 'play' | 'publish';
  /** A live stream: no BUFX (librtmp sets `RTMP_LF_BUFX` only when not live). Default false. */
  live?: boolean;
  /** librtmp's BUFX pause/unpause on BufferEmpty for recorded streams (rtmpdump `--realtime` turns it off). Default false. */
  bufx?: boolean;
  /** python-librtmp's `update_buffer`: SetBufferLength(duration + 5 s) once the duration is known. Default false. */
  updateBuffer?: boolean;
  /**
   * A recorded stream's buffer length follows the media received (`BufferLead`): the
   * caller announces 0 with the play, the stream raises it; a seek or an unpause starts
   * it again. Not for live streams; `updateBuffer` is then off.
   */
  lead?: BufferLeadOptions;
  /** The stream name played or published (for error messages). */
  name?: string;
}

/** What a NetStream made of a media message. */
export interface MediaVerdict {
  /** Set when the message is not delivered. */
  readonly dropped?: MediaDropReason;
  /** The phase change it caused (the first media starts a player). */
  readonly change?: NetStreamChange;
}

/** The verdict on almost every media message: delivered, no change (one object for all). */
const DELIVER: MediaVerdict = Object.freeze({});

/** A read-only view of a NetStream, for the shell. */
export interface NetStreamView {
  readonly streamId: number;
  readonly mode: 'play' | 'publish';
  readonly state: NetStreamState;
  /** Duration in seconds from onMetaData (0 until known). */
  readonly duration: number;
  /** The last onMetaData properties, if any. */
  readonly metadata: Readonly<Record<string, AmfValue>> | undefined;
  /** Timestamp of the last media message delivered (0 before any). */
  readonly lastMediaTimestamp: number;
  /** A seek now would be taken: a player not over, or one whose recorded playback ended (Play.Complete / Play.Stop). */
  readonly seekable: boolean;
}

/** The ends of a recorded stream's playback, after which the server still answers a seek. */
const RECORDED_ENDS: ReadonlySet<string> = new Set(['NetStream.Play.Complete', 'NetStream.Play.Stop']);

/** Extra the buffer hack gives over the duration (python-librtmp, rtmpdump: + 5000 ms). */
const BUFFER_HACK_EXTRA_MS = 5000;

/** The NetStream state machine (see the module comment). */
export class NetStream implements NetStreamView {
  readonly streamId: number;
  readonly mode: 'play' | 'publish';
  readonly #port: NetStreamPort;
  readonly #bufxEnabled: boolean;
  readonly #updateBuffer: boolean;
  readonly #name: string;
  #state: NetStreamState = { phase: 'starting' };
  #lastMediaTs = 0;
  #pauseStamp = 0;
  #duration = 0;
  #metadata: Record<string, AmfValue> | undefined;
  #bufferHackDone = false;
  readonly #lead: BufferLead | undefined;
  /** Media messages and payload bytes received while the lead runs (running totals). */
  #leadMessages = 0;
  #leadBytes = 0;

  constructor(streamId: number, port: NetStreamPort, options: NetStreamOptions = {}) {
    this.streamId = streamId;
    this.mode = options.mode ?? 'play';
    this.#port = port;
    this.#bufxEnabled = this.mode === 'play' && options.bufx === true && options.live !== true;
    const leads = this.mode === 'play' && options.live !== true && options.lead !== undefined;
    this.#lead = leads ? new BufferLead({ rttMs: port.rttMs(), ...options.lead! }) : undefined;
    this.#lead?.restart(port.now());
    this.#updateBuffer = this.mode === 'play' && options.updateBuffer === true && !leads;
    this.#name = options.name ?? `stream ${streamId}`;
  }

  get state(): NetStreamState {
    return this.#state;
  }

  get duration(): number {
    return this.#duration;
  }

  get metadata(): Readonly<Record<string, AmfValue>> | undefined {
    return this.#metadata;
  }

  get lastMediaTimestamp(): number {
    return this.#lastMediaTs;
  }

  get seekable(): boolean {
    const s = this.#state;
    if (this.mode !== 'play') return false;
    return s.phase === 'ended-complete' ? RECORDED_ENDS.has(s.cause) : !this.over;
  }

  /** True once the stream ended or failed (final phases). */
  get over(): boolean {
    const p = this.#state.phase;
    return p === 'ended-complete' || p === 'ended-cut' || p === 'failed';
  }

  // ---------------------------------------------------------------- messages

  /**
   * An audio, video or aggregate message on this stream at `timestamp`, `size` payload
   * bytes (`DELIVER`: nothing to say).
   */
  onMedia(timestamp: number, size: number): MediaVerdict {
    const s = this.#state;
    if (this.mode === 'publish') return { dropped: 'publishing' };
    if (this.#lead !== undefined && (s.phase === 'play' || s.phase === 'paused' || s.phase === 'starting'))
      this.#leadStep(timestamp, size);
    switch (s.phase) {
      case 'ended-complete':
      case 'ended-cut':
      case 'failed':
        return { dropped: 'ended' };
      case 'seeking':
        return { dropped: 'seeking' };
      case 'play':
        if (s.bufx === 'resending') {
          if (timestamp <= this.#lastMediaTs) return { dropped: 'resent' };
          this.#state = { phase: 'play', bufx: 'idle' };
        }
        this.#lastMediaTs = timestamp;
        return DELIVER;
      case 'paused':
        this.#lastMediaTs = timestamp;
        return DELIVER;
      case 'starting': {
        this.#lastMediaTs = timestamp;
        return { change: this.#to({ phase: 'play', bufx: 'idle' }, 'media') };
      }
      case 'publish':
        return { dropped: 'publishing' };
    }
  }

  /** onStatus / onPlayStatus for this stream; the phase change it causes, if any. */
  onStatus(info: StatusInfo): NetStreamChange | undefined {
    const code = typeof info.code === 'string' ? info.code : '';
    const s = this.#state;
    if (this.over) return undefined;
    switch (code) {
      case 'NetStream.Seek.Notify':
        return s.phase === 'seeking' ? this.#to(this.#resumeAfterSeek(s.resume), code) : undefined;
      case 'NetStream.Seek.Failed':
      case 'NetStream.Seek.InvalidTime':
        if (s.phase !== 'seeking') return undefined;
        return this.#to(
          this.#resumeAfterSeek(s.resume),
          code,
          statusError(`seek on ${this.#name} failed`, GeneralCode.RTMP_SEEK_FAILED, info),
        );
      case 'NetStream.Pause.Notify':
        if (s.phase === 'play' && (s.bufx === 'paused' || s.bufx === 'paused-eof')) this.#bufxUnpause();
        return undefined;
      case 'NetStream.Play.Start':
      case 'NetStream.Play.PublishNotify':
        return s.phase === 'starting' && this.mode === 'play'
          ? this.#to({ phase: 'play', bufx: 'idle' }, code)
          : undefined;
      case 'NetStream.Publish.Start':
        return s.phase === 'starting' && this.mode === 'publish'
          ? this.#to({ phase: 'publish' }, code)
          : undefined;
    }
    const cls = classifyStatus(info);
    // While seeking, the end is the old position's, sent before the seek was taken
    // (nginx-rtmp sends a recorded file's end as fast as the socket drains): the seek restarts play.
    if (cls === 'eof' && this.mode === 'play' && s.phase !== 'seeking')
      return this.#to({ phase: 'ended-complete', cause: code }, code);
    if (cls === 'error') {
      const what = this.mode === 'publish' ? 'publishing' : 'playing';
      const err = statusError(
        `${what} ${this.#name} failed`,
        this.mode === 'publish' ? GeneralCode.RTMP_PUBLISH_FAILED : GeneralCode.RTMP_PLAY_FAILED,
        info,
      );
      return this.#to({ phase: 'failed', error: err }, code, err);
    }
    return undefined;
  }

  /** A data message for this stream: onMetaData gives the duration (and triggers the buffer hack). */
  onData(name: string | undefined, values: readonly AmfValue[]): void {
    if (name !== 'onMetaData' || this.mode !== 'play') return;
    const meta = values.find(isAmfObject);
    if (meta === undefined) return;
    this.#metadata = meta;
    const d = meta.duration;
    if (typeof d === 'number' && Number.isFinite(d) && d > 0) this.#duration = d;
    if (this.#updateBuffer && !this.#bufferHackDone && this.#duration > 0 && !this.over) {
      this.#bufferHackDone = true;
      const ms = Math.min(0xffffffff, Math.round(this.#duration * 1000) + BUFFER_HACK_EXTRA_MS);
      this.#port.setBufferLength(this.streamId, ms);
    }
  }

  /** User Control StreamEOF / BufferEmpty for this stream (BUFX). */
  onUserControl(event: string): void {
    const s = this.#state;
    if (!this.#bufxEnabled || s.phase !== 'play') return;
    if (event === 'streamEOF') {
      if (s.bufx === 'paused') this.#state = { phase: 'play', bufx: 'paused-eof' };
    } else if (event === 'bufferEmpty') {
      if (s.bufx === 'idle') {
        // The server drained its buffer: pause and unpause so it refills faster than real time.
        this.#pauseStamp = this.#lastMediaTs;
        this.#state = { phase: 'play', bufx: 'paused' };
        this.#port.pause(this.streamId, true, this.#pauseStamp);
      } else if (s.bufx === 'paused-eof') {
        this.#bufxUnpause();
      }
    }
  }

  /** `onFCUnsubscribe`: librtmp closes the stream — the live stream is over. */
  onFCUnsubscribe(): NetStreamChange | undefined {
    if (this.over || this.mode !== 'play') return undefined;
    return this.#to({ phase: 'ended-complete', cause: 'onFCUnsubscribe' }, 'onFCUnsubscribe');
  }

  /** A player's media deadline passed (`ERR_RTMP_NO_MEDIA`, `ERR_RTMP_MEDIA_TOO_SLOW`): the stream failed. */
  timedOut(error: RTMPError): NetStreamChange | undefined {
    if (this.over) return undefined;
    return this.#to({ phase: 'failed', error }, 'timeout', error);
  }

  /** The connection ended before the stream did. */
  cut(cause: NetStreamCutCause): NetStreamChange | undefined {
    if (this.over) return undefined;
    return this.#to({ phase: 'ended-cut', cause }, cause);
  }

  // ---------------------------------------------------------------- user commands

  /**
   * A `seek(ms)` was sent: media is dropped until Seek.Notify. After the end of a recorded
   * stream (Play.Complete / Play.Stop) the seek plays it again; after any other end, or a
   * failure, it changes nothing.
   */
  seek(ms: number): NetStreamChange | undefined {
    const s = this.#state;
    if (!this.seekable) return undefined;
    this.#leadRestart();
    if (s.phase === 'ended-complete') return this.#to({ phase: 'seeking', ms, resume: 'play' }, 'seek');
    const resume =
      s.phase === 'seeking'
        ? s.resume
        : s.phase === 'paused'
          ? 'paused'
          : s.phase === 'starting'
            ? 'starting'
            : 'play';
    return this.#to({ phase: 'seeking', ms, resume }, 'seek');
  }

  /**
   * A user pause/unpause: returns the timestamp to send (the last media timestamp when
   * pausing, the pause point when resuming — librtmp's `RTMP_Pause`).
   */
  pause(paused: boolean): { ms: number; change?: NetStreamChange } {
    const s = this.#state;
    if (paused) {
      this.#pauseStamp = this.#lastMediaTs;
      if (s.phase === 'play')
        return {
          ms: this.#pauseStamp,
          change: this.#to({ phase: 'paused', atMs: this.#pauseStamp }, 'pause'),
        };
      return { ms: this.#pauseStamp };
    }
    if (s.phase === 'paused') {
      this.#leadRestart();
      return { ms: this.#pauseStamp, change: this.#to({ phase: 'play', bufx: 'idle' }, 'unpause') };
    }
    return { ms: this.#pauseStamp };
  }

  // ---------------------------------------------------------------- internals

  /** A delivered media message while the lead runs: raise the buffer length when due. */
  #leadStep(timestamp: number, size: number): void {
    this.#leadMessages++;
    this.#leadBytes += size;
    const ms = this.#lead!.consumed(this.#port.now(), timestamp, this.#leadMessages, this.#leadBytes);
    if (ms !== undefined) this.#port.setBufferLength(this.streamId, ms);
  }

  /**
   * A seek or unpause is about to go out: the server restarts its clock, so the lead starts
   * again from 0 — announced first, so that the server's first burst from the new position
   * is bounded too (nginx-rtmp reads both in one go).
   */
  #leadRestart(): void {
    if (this.#lead === undefined) return;
    this.#port.setBufferLength(this.streamId, this.#lead.restart(this.#port.now()));
  }

  #resumeAfterSeek(resume: 'starting' | 'play' | 'paused'): NetStreamState {
    if (resume === 'starting') return { phase: 'starting' };
    if (resume === 'paused') return { phase: 'paused', atMs: this.#pauseStamp };
    return { phase: 'play', bufx: 'idle' };
  }

  #bufxUnpause(): void {
    this.#state = { phase: 'play', bufx: 'resending' };
    this.#leadRestart();
    this.#port.pause(this.streamId, false, this.#pauseStamp);
  }

  #to(next: NetStreamState, cause: string, error?: RTMPError): NetStreamChange {
    const from = this.#state.phase;
    this.#state = next;
    const change: { -readonly [K in keyof NetStreamChange]: NetStreamChange[K] } = {
      streamId: this.streamId,
      from,
      to: next.phase,
      cause,
    };
    if (error !== undefined) change.error = error;
    return change;
  }
}

/** The error for an error status: the code and description in the message, the info attached. */
export function statusError(what: string, code: GeneralCode, info: StatusInfo): RTMPError {
  const c = typeof info.code === 'string' ? `: ${info.code}` : '';
  const d = typeof info.description === 'string' && info.description !== '' ? ` (${info.description})` : '';
  return new RTMPError(`${what}${c}${d}`, { code, info });
}

/** A session's NetStreams by message stream id, and how messages find theirs. */
export class NetStreamTable {
  readonly #streams = new Map<number, NetStream>();

  /** The NetStream of `streamId`, if any. */
  get(streamId: number): NetStream | undefined {
    return this.#streams.get(streamId);
  }

  /** Adds (or replaces) the NetStream of its msid. */
  set(ns: NetStream): void {
    this.#streams.set(ns.streamId, ns);
  }

  /** Forgets the NetStream of `streamId` (closeStream/deleteStream). */
  delete(streamId: number): void {
    this.#streams.delete(streamId);
  }

  /**
   * The NetStream a message belongs to: by msid; a NetStream status (`status` given with
   * a `NetStream.*` code), or media and data, on an msid no NetStream has goes to the
   * only NetStream when there is exactly one (servers that send NetStream messages on msid 0).
   */
  route(streamId: number, status?: StatusInfo): NetStream | undefined {
    const s = this.#streams.get(streamId);
    if (s !== undefined) return s;
    if (status !== undefined && !(typeof status.code === 'string' && status.code.startsWith('NetStream.'))) {
      return undefined;
    }
    return this.#streams.size === 1 ? this.#streams.values().next().value : undefined;
  }

  /** Cuts every NetStream that has not ended; the changes, or undefined when none. */
  cutAll(cause: NetStreamCutCause): NetStreamChange[] | undefined {
    return collect(this.#streams.values(), (ns) => ns.cut(cause));
  }

  /** `onFCUnsubscribe`: ends every player; the changes, or undefined when none. */
  unsubscribed(): NetStreamChange[] | undefined {
    return collect(this.#streams.values(), (ns) => ns.onFCUnsubscribe());
  }
}

function collect(
  streams: Iterable<NetStream>,
  f: (ns: NetStream) => NetStreamChange | undefined,
): NetStreamChange[] | undefined {
  const changes: NetStreamChange[] = [];
  for (const ns of streams) {
    const c = f(ns);
    if (c !== undefined) changes.push(c);
  }
  return changes.length > 0 ? changes : undefined;
}
