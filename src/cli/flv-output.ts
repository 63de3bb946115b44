/**
 * Where `rtmpkit dump` writes FLV: a file (created, or cut to the resume point and
 * appended to) or stdout (`-o -`, for `rtmpkit dump … -o - | ffplay -`).
 *
 * Invariants: a write is whole tags (the caller hands over complete tags only) and the
 * caller's Buffers themselves — one `writev` for a file, corked writes for a stream, never
 * a joined copy; `write` resolves once the bytes were handed to the OS (a file: the
 * synchronous `writev` returned; a stream: its callback ran), so the caller may then
 * reuse the Buffers, and whenever the process stops — Ctrl-C, a broken connection, an
 * error — a file ends at a tag boundary and is a valid FLV.
 */
import { accessSync, closeSync, constants, ftruncateSync, openSync, statSync, writevSync } from 'node:fs';
import { dirname } from 'node:path';

/** One tag as three pieces (header, payload, PreviousTagSize): the FLV layer's framing. */
export { tagPieces } from '../flv/framing.js';

/** An FLV destination. */
export interface FlvSink {
  /** Bytes in the output: what was kept when resuming plus what was written. */
  readonly bytes: number;
  /** Set when the reader went away (stdout: EPIPE); further writes are dropped. */
  readonly broken: Error | undefined;
  /** Writes the buffers in order (whole tags); resolves once the OS has them. */
  write(buffers: readonly Uint8Array[]): Promise<void>;
  /** Applies a pending cut of a resumed file now (it is otherwise applied at the first write). */
  commit(): void;
  /** Flushes and closes (stdout stays open). Idempotent. */
  close(): Promise<void>;
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

  /** Writes everything now: `writev` at the file position, again for what a partial write left. */
  writeSync(buffers: readonly Uint8Array[]): void {
    if (this.#fd === undefined) throw new Error(`${this.path} is closed`);
    let list = buffers as Uint8Array[];
    let i = 0;
    while (i < list.length && list[i]!.length === 0) i++;
    if (i === list.length) return;
    this.commit();
    while (i < list.length) {
      let n = writevSync(this.#fd, i === 0 ? list : list.slice(i), this.#pos);
      this.#pos += n;
      while (i < list.length && n >= list[i]!.length) n -= list[i++]!.length;
      if (n > 0) {
        list = list.slice(i);
        list[0] = list[0]!.subarray(n);
        i = 0;
      }
    }
  }

  async close(): Promise<void> {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    closeSync(fd);
  }
}

/**
 * Checks, before connecting, that `FileSink` will be able to create or open `path` for
 * writing — without creating or truncating anything, so an existing file survives a
 * connection that then fails. rtmpdump opens its output before connecting: a typo in
 * the path is reported at once (exit 1), not after a connection (or as "cannot
 * connect", exit 3, when the server is down too).
 *
 * @throws the `fs` error (ENOENT for a missing folder, EACCES, EISDIR) when it cannot
 */
export function checkWritable(path: string): void {
  let stat: ReturnType<typeof statSync> | undefined;
  try {
    stat = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (stat === undefined) {
    const dir = dirname(path);
    if (!statSync(dir).isDirectory()) {
      throw Object.assign(new Error(`ENOTDIR: not a directory, open '${path}'`), { code: 'ENOTDIR' });
    }
    accessSync(dir, constants.W_OK);
    return;
  }
  if (stat.isDirectory()) {
    throw Object.assign(new Error(`EISDIR: illegal operation on a directory, open '${path}'`), {
      code: 'EISDIR',
    });
  }
  accessSync(path, constants.W_OK);
}

/** Writes to a stream (stdout); a closed reader (EPIPE) marks it broken. */
export class StreamSink implements FlvSink {
  readonly #out: NodeJS.WritableStream & { cork?(): void; uncork?(): void };
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
    const out = this.#out;
    let last = -1;
    for (let i = 0; i < buffers.length; i++) if (buffers[i]!.length > 0) last = i;
    if (last < 0) return;
    await new Promise<void>((resolve) => {
      out.cork?.();
      for (let i = 0; i <= last; i++) {
        const b = buffers[i]!;
        if (b.length === 0) continue;
        this.#bytes += b.length;
        // The last write's callback runs once everything before it was written too (or failed).
        if (i === last) out.write(b, () => resolve());
        else out.write(b);
      }
      out.uncork?.();
    });
  }

  commit(): void {}

  async close(): Promise<void> {
    // stdout is not ended (the process may still print); pending data is flushed at exit.
  }
}
