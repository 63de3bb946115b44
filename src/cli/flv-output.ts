/**
 * Where `rtmpkit dump` writes FLV: a file (created, or cut to the resume point and
 * appended to) or stdout (`-o -`, for `rtmpkit dump … -o - | ffplay -`).
 *
 * Invariant: a write is whole tags (the caller hands over complete tags only), and a
 * file write completes before the next one starts (synchronous `writev`), so whenever
 * the process stops — Ctrl-C, a broken connection, an error — the file ends at a tag
 * boundary and is a valid FLV.
 */
import { closeSync, ftruncateSync, openSync, writevSync } from 'node:fs';
import { FLV_TAG_HEADER_SIZE, writeTagHeader, writeU32 } from '../flv/header.js';

/** An FLV destination. */
export interface FlvSink {
  /** Bytes in the output: what was kept when resuming plus what was written. */
  readonly bytes: number;
  /** Set when the reader went away (stdout: EPIPE); further writes are dropped. */
  readonly broken: Error | undefined;
  /** Writes the buffers in order (whole tags). */
  write(buffers: readonly Uint8Array[]): Promise<void>;
  /** Applies a pending cut of a resumed file now (it is otherwise applied at the first write). */
  commit(): void;
  /** Flushes and closes (stdout stays open). Idempotent. */
  close(): Promise<void>;
}

/** The three pieces of one tag: 11-byte header, the payload (not copied), 4-byte PreviousTagSize. */
export function tagPieces(
  type: number,
  timestamp: number,
  payload: Uint8Array,
  streamId = 0,
  filter = false,
): [Buffer, Uint8Array, Buffer] {
  const head = Buffer.allocUnsafe(FLV_TAG_HEADER_SIZE);
  writeTagHeader(head, 0, type, payload.length, timestamp >>> 0, streamId, filter);
  const prev = Buffer.allocUnsafe(4);
  writeU32(prev, 0, FLV_TAG_HEADER_SIZE + payload.length);
  return [head, payload, prev];
}

/**
 * A file sink: `truncateAt` keeps that many bytes of an existing file and appends after
 * them. The cut is made at the first write (or `commit`), so a resume that fails before
 * anything new arrived leaves the file as it was.
 */
export class FileSink implements FlvSink {
  readonly path: string;
  #fd: number | undefined;
  #pos: number;
  #cutPending: boolean;

  /** @throws the `fs` error when the file cannot be opened */
  constructor(path: string, truncateAt?: number) {
    this.path = path;
    if (truncateAt === undefined) {
      this.#fd = openSync(path, 'w');
      this.#pos = 0;
      this.#cutPending = false;
    } else {
      this.#fd = openSync(path, 'r+');
      this.#pos = truncateAt;
      this.#cutPending = true;
    }
  }

  commit(): void {
    if (!this.#cutPending || this.#fd === undefined) return;
    ftruncateSync(this.#fd, this.#pos);
    this.#cutPending = false;
  }

  get bytes(): number {
    return this.#pos;
  }

  get broken(): Error | undefined {
    return undefined;
  }

  async write(buffers: readonly Uint8Array[]): Promise<void> {
    this.writeSync(buffers);
  }

  /** Writes everything now (loops over partial writes). */
  writeSync(buffers: readonly Uint8Array[]): void {
    if (this.#fd === undefined) throw new Error(`${this.path} is closed`);
    let list = buffers.filter((b) => b.length > 0);
    if (list.length > 0) this.commit();
    while (list.length > 0) {
      let n = writevSync(this.#fd, list as Uint8Array[], this.#pos);
      this.#pos += n;
      while (list.length > 0 && n >= list[0]!.length) {
        n -= list[0]!.length;
        list = list.slice(1);
      }
      if (n > 0) list = [list[0]!.subarray(n), ...list.slice(1)];
    }
  }

  async close(): Promise<void> {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    closeSync(fd);
  }
}

/** Writes to a stream (stdout) with backpressure; a closed reader (EPIPE) marks it broken. */
export class StreamSink implements FlvSink {
  readonly #out: NodeJS.WritableStream;
  #bytes = 0;
  #broken: Error | undefined;

  constructor(out: NodeJS.WritableStream = process.stdout) {
    this.#out = out;
    out.on('error', (err: Error) => {
      this.#broken ??= err;
    });
  }

  get bytes(): number {
    return this.#bytes;
  }

  get broken(): Error | undefined {
    return this.#broken;
  }

  async write(buffers: readonly Uint8Array[]): Promise<void> {
    if (this.#broken !== undefined) return;
    const data = buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers);
    if (data.length === 0) return;
    this.#bytes += data.length;
    if (this.#out.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.#out.off('drain', done);
        this.#out.off('error', done);
        this.#out.off('close', done);
        resolve();
      };
      this.#out.on('drain', done);
      this.#out.on('error', done);
      this.#out.on('close', done);
    });
  }

  commit(): void {}

  async close(): Promise<void> {
    // stdout is not ended (the process may still print); pending data is flushed at exit.
  }
}
