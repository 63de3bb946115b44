/**
 * A live channel's messages as one FLV byte stream (FLV-10.1 Annex E): the `LiveOutput`
 * behind every output that is a file-shaped stream — a recording, a push to another
 * server (written to the RTMP client as FLV), an HTTP-FLV response. The FLV layer's
 * `FlvMuxer` writes the bytes: the 13-byte file header once its audio/video flags are
 * known, then one tag per message; data messages (onMetaData first) become AMF0 script
 * tags; nothing is dropped for being small (the AVC end-of-sequence tag stays).
 *
 * Timestamps are the publisher's, except that a data message written before any
 * audio/video is stamped 0: a late joiner's catch-up onMetaData carries the GOP's
 * timestamp, and FFmpeg's FLV demuxer reads a script tag as the file's metadata only
 * at timestamp 0 (at any other, it becomes a data stream of the file).
 *
 * Invariants: `sink` receives whole tags only (each call ends at a tag boundary), in
 * channel order; payloads are not copied; after `finish()` nothing more is written.
 */
import * as amf0 from '../amf/amf0.js';
import type { AmfValue } from '../amf/types.js';
import { FlvMuxer } from '../flv/muxer.js';
import { MessageType } from '../message/types.js';
import type { LiveOutput } from './live-player.js';
import type { StatusInit } from './types.js';

/** Where an `FlvOutput` sends its bytes. */
export interface FlvSink {
  /** Whole FLV tags (the file header first), and their total length. */
  write(chunks: Buffer[], bytes: number): void;
  /** Bytes written but not yet taken by the destination (the player's backpressure). */
  backlog(): number;
  /** The publisher left (see `LiveOutput.end`); `finish()` has run. */
  end(): void;
  /** See `LiveOutput.local`. */
  readonly local?: boolean;
}

/** A `LiveOutput` writing FLV. */
export class FlvOutput implements LiveOutput {
  readonly streamId = 0;
  readonly local: boolean;
  readonly #muxer = new FlvMuxer({ live: true, scriptData: 'all', dropSmallMedia: false });
  readonly #sink: FlvSink;
  #done = false;
  #mediaWritten = false;

  constructor(sink: FlvSink) {
    this.#sink = sink;
    this.local = sink.local === true;
  }

  backlog(): number {
    return this.#sink.backlog();
  }

  media(type: 'audio' | 'video', timestamp: number, payload: Buffer): void {
    const t = type === 'audio' ? MessageType.Audio : MessageType.Video;
    this.#mediaWritten = true;
    this.#push(t, timestamp, payload);
  }

  data(values: readonly AmfValue[], timestamp: number): void {
    let body: Buffer;
    try {
      body = amf0.encode(...values);
    } catch {
      return; // decoded from the publisher's AMF0, so it re-encodes; AMF3-only values are left out
    }
    this.#push(MessageType.DataAMF0, this.#mediaWritten ? timestamp : 0, body);
  }

  status(_info: StatusInit): void {}

  end(): void {
    this.finish();
    this.#sink.end();
  }

  /** Writes what the muxer still holds (the header, when the stream ended before it was decided). */
  finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#emit(this.#muxer.end());
  }

  #push(type: number, timestamp: number, payload: Buffer): void {
    if (this.#done) return;
    this.#emit(this.#muxer.push({ type, timestamp, payload }));
  }

  #emit(chunks: Buffer[]): void {
    if (chunks.length === 0) return;
    let bytes = 0;
    for (const c of chunks) bytes += c.length;
    this.#sink.write(chunks, bytes);
  }
}
