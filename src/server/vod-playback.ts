/**
 * Plays one FLV file to one client stream (VOD), the way FMS/nginx-rtmp's play
 * module does: StreamIsRecorded, StreamBegin, Play.Reset, Play.Start,
 * `|RtmpSampleAccess` (ServerSession.startPlay), the file's onMetaData, then its tags,
 * in batches of about 256 KiB read by offset from the index.
 *
 * Pacing: never faster than the socket drains (`write` returning false waits for
 * 'drain'), and — like FMS, which meters recorded streams to the client's buffer — at
 * most `leadMs()` of media ahead of the wall clock since the (re)start. The lead is the
 * client's SetBufferLength: rtmpdump announces 10 hours and downloads at full speed; a
 * player (FFmpeg: 3 s) gets real time plus its buffer, so its seek and pause act before
 * the server has already sent the end of the file (FFmpeg takes a buffered Play.Stop as
 * EOF even after it sent a seek).
 *
 * - start (ms, from play): begins at the keyframe at or before it, after the sequence
 *   headers that precede that keyframe; duration > 0 stops after start + duration;
 *   duration 0 plays a single frame (the keyframe). Timestamps of a play with start > 0
 *   are rebased so that keyframe is 0, as FMS does: librtmp adds its start offset
 *   (`nResumeTS`) to every timestamp it writes, so `rtmpdump --start` and `--resume`
 *   produce the file's own timestamps (an absolute timeline would be counted twice).
 * - seek: NetStream.Seek.Notify (+ Play.Start) at once, then the headers and tags from
 *   the keyframe at or before the time with absolute file timestamps (librtmp resets
 *   its offset on seek; FFmpeg's seek expects stream time); data read before the seek
 *   is discarded.
 * - pause: Pause.Notify and sending stops; unpause: Unpause.Notify and sending resumes
 *   where it stopped (the client still holds what it buffered).
 * - end: StreamEOF, onPlayStatus NetStream.Play.Complete, onStatus NetStream.Play.Stop.
 *   A seek after the end plays again from the new position.
 *
 * Invariants: one read loop per playback, restarted by seek/unpause; a generation
 * counter discards reads overtaken by a seek; the source is closed exactly once, by `stop()`.
 */
import type { Logger } from '../log.js';
import type { ServerSession } from '../session/server-session.js';
import { decodeScript, type FlvIndex, TagFlag } from './flv-index.js';
import type { FlvSource } from './flv-source.js';

/** What a playback needs from its client connection. */
export interface PlaybackPort {
  readonly session: ServerSession;
  readonly streamId: number;
  /** Writes pending output; false when the socket asks to wait for 'drain'. */
  flush(): boolean;
  /** Resolves on 'drain' or when the connection closed. */
  drained(): Promise<void>;
  /** The connection is gone. */
  closed(): boolean;
  /** The file ended (Play.Complete sent). */
  ended(): void;
  /** Holds a read buffer until the socket write carrying views of it completed, then recycles it (payload-refs.ts). */
  hold(buffer: Buffer): void;
}

/** Options of a playback. */
export interface VodPlaybackOptions {
  name: string;
  /** Start in ms (negative = 0). */
  startMs: number;
  /** Duration in ms (< 0 = to the end, 0 = one frame). */
  durationMs: number;
  /** How far (ms of media) the playback may run ahead of the wall clock; Infinity = no pacing. */
  leadMs: () => number;
  log: Logger;
}

/** Bytes per read: 256 KiB less the payload pool's frame room, so a batch fills one 256 KiB pool buffer. */
const BATCH_BYTES = 256 * 1024 - 16;
const BATCH_TAGS = 256;
/** Longest single pacing sleep (re-evaluated after it: the client may change its buffer). */
const MAX_SLEEP_MS = 1000;

const now = (): number => performance.now();

/** One VOD playback on one client stream. */
export class VodPlayback {
  readonly #port: PlaybackPort;
  readonly #index: FlvIndex;
  readonly #source: FlvSource;
  readonly #opts: VodPlaybackOptions;
  #pos = 0;
  #stopAt: number | undefined;
  #single: boolean;
  #headersBefore: number | undefined;
  #gen = 0;
  #paused = false;
  #done = false;
  #stopped = false;
  #running = false;
  #wake: (() => void) | undefined;
  #lastTs = 0;
  #bytes = 0;
  /** Subtracted from file timestamps (the start keyframe's time for a play with start > 0). */
  #base = 0;
  /** Pacing anchor: file timestamp of the tag to send at wall time `#anchorWall`. */
  #anchorTs = 0;
  #anchorWall = 0;

  constructor(port: PlaybackPort, index: FlvIndex, source: FlvSource, opts: VodPlaybackOptions) {
    this.#port = port;
    this.#index = index;
    this.#source = source;
    this.#opts = opts;
    const start = Math.max(0, opts.startMs);
    this.#pos = index.startTag(start);
    if (this.#pos > 0) this.#headersBefore = this.#pos;
    if (start > 0 && this.#pos < index.count) this.#base = index.timestamps[this.#pos]!;
    this.#stopAt = opts.durationMs > 0 ? start + opts.durationMs : undefined;
    this.#single = opts.durationMs === 0;
  }

  /** Payload bytes sent so far. */
  get bytesSent(): number {
    return this.#bytes;
  }

  /** The playback reached the end (or its duration). */
  get done(): boolean {
    return this.#done;
  }

  /** Starts: the play responses, onMetaData, then the tag loop. */
  start(): void {
    const { session, streamId } = this.#port;
    session.startPlay(streamId, { recorded: true, name: this.#opts.name });
    const meta = this.#index.metadata;
    if (meta) {
      const at = this.#pos < this.#index.count ? this.#index.timestamps[this.#pos]! : 0;
      session.sendData(streamId, ['onMetaData', ...meta], Math.max(0, at - this.#base));
    }
    this.#port.flush();
    this.#anchor();
    void this.#run();
  }

  /** Pause (true) or resume (false). */
  pause(paused: boolean): void {
    if (this.#stopped) return;
    this.#port.session.pauseNotify(this.#port.streamId, paused);
    this.#port.flush();
    this.#paused = paused;
    if (!paused) {
      this.#anchor();
      this.#kick();
    }
  }

  /** Seeks to `ms`: Seek.Notify now, then playback from the keyframe at or before it. */
  seek(ms: number): void {
    if (this.#stopped) return;
    const target = Math.max(0, ms);
    this.#gen++;
    this.#base = 0;
    this.#pos = this.#index.startTag(target);
    this.#headersBefore = this.#pos > 0 ? this.#pos : undefined;
    this.#done = false;
    this.#port.session.seekNotify(this.#port.streamId, target);
    this.#port.flush();
    this.#anchor();
    this.#kick();
  }

  /** Stops for good (closeStream, deleteStream, disconnect) and closes the source. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#gen++;
    this.#kick();
    await this.#source.close();
  }

  /** Restarts the pacing clock at the next tag to send. */
  #anchor(): void {
    const i = Math.min(this.#pos, this.#index.count - 1);
    this.#anchorTs = i >= 0 ? this.#index.timestamps[i]! : 0;
    this.#anchorWall = now();
  }

  /** The latest file timestamp that may be sent now. */
  #allowedTs(): number {
    return this.#anchorTs + (now() - this.#anchorWall) + Math.max(0, this.#opts.leadMs());
  }

  /** Waits until `kick()` or `ms` passed. */
  async #sleep(ms?: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((res) => {
      this.#wake = res;
      if (ms !== undefined) timer = setTimeout(res, ms);
    });
    clearTimeout(timer);
    this.#wake = undefined;
  }

  #kick(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
    if (!this.#running && !this.#stopped) void this.#run();
  }

  async #run(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (!this.#stopped && !this.#port.closed()) {
        if (this.#paused || this.#done) {
          await this.#sleep();
          continue;
        }
        const gen = this.#gen;
        if (this.#headersBefore !== undefined) {
          if (!(await this.#sendHeaders(this.#headersBefore, gen))) continue;
          this.#headersBefore = undefined;
        }
        const ahead = this.#aheadMs();
        if (ahead > 0) {
          await this.#sleep(Math.min(ahead, MAX_SLEEP_MS));
          continue;
        }
        if (!(await this.#sendBatch(gen))) continue;
        if (!this.#port.flush()) await this.#port.drained();
      }
    } catch (err) {
      this.#opts.log.error(`VOD ${this.#opts.name}: ${err instanceof Error ? err.message : String(err)}`);
      if (!this.#stopped && !this.#port.closed()) {
        this.#port.session.status(this.#port.streamId, {
          level: 'error',
          code: 'NetStream.Play.Failed',
          description: `Reading ${this.#opts.name} failed.`,
        });
        this.#port.flush();
      }
      this.#done = true;
    } finally {
      this.#running = false;
    }
  }

  /** How long (ms) until the next tag may be sent (≤ 0: now). */
  #aheadMs(): number {
    if (this.#pos >= this.#index.count) return 0;
    return this.#index.timestamps[this.#pos]! - this.#allowedTs();
  }

  /** Sends the sequence headers a start at tag `pos` needs; false when overtaken by seek/pause/stop. */
  async #sendHeaders(pos: number, gen: number): Promise<boolean> {
    const ts = pos < this.#index.count ? this.#index.timestamps[pos]! : 0;
    const bodies: [number, Buffer][] = [];
    for (const i of this.#index.configsBefore(pos)) {
      bodies.push([i, await this.#source.read(this.#index.offsets[i]!, this.#index.sizes[i]!)]);
      if (gen !== this.#gen || this.#paused || this.#stopped) return false;
    }
    for (const [i, body] of bodies) this.#send(i, body, ts);
    return true;
  }

  /** Reads and sends the next batch; false when it was discarded (seek/pause/stop while reading). */
  async #sendBatch(gen: number): Promise<boolean> {
    const idx = this.#index;
    const first = this.#pos;
    if (first >= idx.count) {
      this.#finish();
      return true;
    }
    let last = first;
    const base = idx.offsets[first]!;
    while (
      last + 1 < idx.count &&
      last + 1 - first < BATCH_TAGS &&
      idx.offsets[last + 1]! + idx.sizes[last + 1]! - base <= BATCH_BYTES
    ) {
      last++;
    }
    const buf = await this.#source.read(base, idx.offsets[last]! + idx.sizes[last]! - base);
    if (gen !== this.#gen || this.#paused || this.#stopped) return false;
    try {
      this.#sendTags(buf, first, last);
    } finally {
      if (this.#pos > first) this.#port.hold(buf);
    }
    return true;
  }

  /** Sends tags `first`…`last` from `buf` (read at the offset of `first`) until pacing, duration or a single frame stops it. */
  #sendTags(buf: Buffer, first: number, last: number): void {
    const idx = this.#index;
    const base = idx.offsets[first]!;
    const allowed = this.#allowedTs();
    for (let i = first; i <= last; i++) {
      const ts = idx.timestamps[i]!;
      if (ts > allowed && i > first) return; // paced: the rest waits

      if (this.#stopAt !== undefined && ts > this.#stopAt && (idx.types[i] === 8 || idx.types[i] === 9)) {
        this.#finish();
        return;
      }
      const off = idx.offsets[i]! - base;
      this.#send(i, buf.subarray(off, off + idx.sizes[i]!), ts);
      this.#pos = i + 1;
      if (this.#single && this.#isFrame(i)) {
        this.#finish();
        return;
      }
    }
  }

  /** A video frame (or, for audio-only files, an audio frame) — not a sequence header. */
  #isFrame(i: number): boolean {
    const t = this.#index.types[i];
    if (this.#index.flags[i]! & TagFlag.Config) return false;
    return t === 9 || (t === 8 && !this.#index.hasVideo);
  }

  #send(i: number, body: Buffer, fileTs: number): void {
    const { session, streamId } = this.#port;
    const ts = Math.max(0, fileTs - this.#base);
    const type = this.#index.types[i];
    if (type === 8 || type === 9) {
      session.sendMedia(streamId, type === 8 ? 'audio' : 'video', ts, body);
      this.#bytes += body.length;
      this.#lastTs = ts;
    } else if (type === 18 && i !== this.#index.metadataTag) {
      const values = decodeScript(body);
      if (values && values.length > 0) session.sendData(streamId, values, ts);
    }
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#port.session.endPlay(this.#port.streamId, {
      timestamp: this.#lastTs,
      playStatus: { duration: this.#index.durationMs / 1000, bytes: this.#bytes },
    });
    this.#port.flush();
    this.#port.ended();
  }
}
