/**
 * Opening MP4 (ISO-BMFF) input: the I/O edge of the reader. `openMp4` drives the
 * sans-IO demuxer (demux.ts) with positional reads of a file (or a Buffer) and iterates
 * samples asynchronously; `readMp4` drives it synchronously over a Buffer.
 *
 * Invariants: the file is never loaded whole — memory is the moov (≤ `maxBoxSize`), the
 * moof being read, and one read window (≤ `readSize`, or one sample) per track; every
 * `samples()` call is an independent pass (positional reads, no shared cursor). A file
 * opened by path is owned and closed by `close()`; a FileHandle passed in stays the
 * caller's.
 */
import { type FileHandle, open } from 'node:fs/promises';
import {
  type Mp4Limits,
  type Mp4ReadRequest,
  type Mp4Sample,
  type Mp4Step,
  mp4Limits,
  type OpenedMovie,
  openMovie,
  readSamples,
} from './demux.js';
import { mp4IoError, mp4UsageError } from './errors.js';
import type { Mp4Track } from './moov.js';

/** Options of `openMp4` / `readMp4`: the reader's limits. */
export type Mp4ReadOptions = Partial<Mp4Limits>;

/** Options of `samples()`. */
export interface Mp4SampleOptions {
  /** Track ids (`Mp4Track.id`) to read, in any order (default: every audio and video track). */
  tracks?: readonly number[];
}

/** The movie an opened MP4 describes. */
export abstract class Mp4Movie {
  /** Every track, in file order (audio, video and others). */
  readonly tracks: readonly Mp4Track[];
  /** Samples (also) come in movie fragments (`moof`). */
  readonly fragmented: boolean;
  /** Movie timescale (`mvhd`). */
  readonly timescale: number;
  /** Movie duration in `timescale` ticks (0 when the file does not say, e.g. fragmented). */
  readonly duration: number;
  /** File size in bytes. */
  readonly size: number;
  protected readonly opened: OpenedMovie;
  protected readonly limits: Mp4Limits;

  protected constructor(opened: OpenedMovie, limits: Mp4Limits) {
    this.opened = opened;
    this.limits = limits;
    this.tracks = opened.movie.tracks.map((t) => t.track);
    this.fragmented = opened.movie.fragmented;
    this.timescale = opened.movie.timescale;
    this.duration = opened.movie.duration;
    this.size = opened.size;
  }
}

/** Answers the demuxer's reads from a Buffer (views, no copies). */
function drive<T>(gen: Generator<Mp4ReadRequest, T, Buffer | undefined>, buf: Buffer): T {
  let r = gen.next();
  while (!r.done) r = gen.next(buf.subarray(r.value.offset, r.value.offset + r.value.length));
  return r.value;
}

/** An MP4 held in memory, read synchronously. */
export class Mp4Buffer extends Mp4Movie {
  readonly #buf: Buffer;

  /** @internal use `readMp4` */
  constructor(buf: Buffer, opened: OpenedMovie, limits: Mp4Limits) {
    super(opened, limits);
    this.#buf = buf;
  }

  /** The samples of the selected tracks in decode order; `data` are views of the buffer. */
  *samples(options: Mp4SampleOptions = {}): Generator<Mp4Sample, void, undefined> {
    const gen = readSamples(this.opened, this.limits, options.tracks);
    let r = gen.next();
    while (!r.done) {
      const step: Mp4Step = r.value;
      if (step.kind === 'read') r = gen.next(this.#buf.subarray(step.offset, step.offset + step.length));
      else {
        yield step.sample;
        r = gen.next();
      }
    }
  }

  [Symbol.iterator](): Generator<Mp4Sample, void, undefined> {
    return this.samples();
  }
}

/**
 * Parses the movie of an MP4 held in `buf`.
 *
 * @throws RTMPProtocolError `ERR_MP4_*`; RTMPUsageError `ERR_MP4_INVALID_ARGUMENT`
 */
export function readMp4(buf: Buffer, options?: Mp4ReadOptions): Mp4Buffer {
  if (!Buffer.isBuffer(buf)) throw mp4UsageError('readMp4 takes a Buffer');
  const limits = mp4Limits(options);
  return new Mp4Buffer(buf, drive(openMovie(buf.length, limits), buf), limits);
}

type ReadAt = (offset: number, length: number) => Promise<Buffer>;

function fileReader(fh: FileHandle, path: string): ReadAt {
  return async (offset, length) => {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    try {
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
    } catch (err) {
      throw mp4IoError(`reading ${path} at ${offset + got}: ${(err as Error).message}`, err);
    }
    return got === length ? buf : buf.subarray(0, got);
  };
}

async function driveAsync<T>(
  gen: Generator<Mp4ReadRequest, T, Buffer | undefined>,
  readAt: ReadAt,
): Promise<T> {
  let r = gen.next();
  while (!r.done) r = gen.next(await readAt(r.value.offset, r.value.length));
  return r.value;
}

/** An MP4 file (or Buffer) read asynchronously with positional reads. */
export class Mp4File extends Mp4Movie {
  readonly #readAt: ReadAt;
  readonly #close: (() => Promise<void>) | undefined;

  /** @internal use `openMp4` */
  constructor(
    opened: OpenedMovie,
    limits: Mp4Limits,
    readAt: ReadAt,
    close: (() => Promise<void>) | undefined,
  ) {
    super(opened, limits);
    this.#readAt = readAt;
    this.#close = close;
  }

  /** The samples of the selected tracks in decode order; `data` are views of read buffers. */
  async *samples(options: Mp4SampleOptions = {}): AsyncGenerator<Mp4Sample, void, undefined> {
    const gen = readSamples(this.opened, this.limits, options.tracks);
    try {
      let r = gen.next();
      while (!r.done) {
        const step: Mp4Step = r.value;
        if (step.kind === 'read') r = gen.next(await this.#readAt(step.offset, step.length));
        else {
          yield step.sample;
          r = gen.next();
        }
      }
    } finally {
      gen.return();
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<Mp4Sample, void, undefined> {
    return this.samples();
  }

  /** Closes the file when `openMp4` opened it by path (a FileHandle passed in stays open). */
  async close(): Promise<void> {
    await this.#close?.();
  }
}

/**
 * Opens an MP4: a path (opened read-only and closed by `close()`), a FileHandle (left
 * open) or a Buffer. Reads the top-level boxes up to the `moov` and parses it; samples
 * are read when iterated.
 *
 * @throws RTMPProtocolError `ERR_MP4_*`; RTMPError `ERR_MP4_IO` (open/read failed);
 *   RTMPUsageError `ERR_MP4_INVALID_ARGUMENT`
 */
export async function openMp4(
  source: string | FileHandle | Buffer,
  options?: Mp4ReadOptions,
): Promise<Mp4File> {
  const limits = mp4Limits(options);
  if (Buffer.isBuffer(source)) {
    const readAt: ReadAt = async (offset, length) => source.subarray(offset, offset + length);
    return new Mp4File(await driveAsync(openMovie(source.length, limits), readAt), limits, readAt, undefined);
  }
  let fh: FileHandle;
  let path: string;
  if (typeof source === 'string') {
    path = source;
    try {
      fh = await open(source, 'r');
    } catch (err) {
      throw mp4IoError(`cannot open ${source}: ${(err as Error).message}`, err);
    }
  } else if (source && typeof source === 'object' && typeof source.read === 'function') {
    fh = source;
    path = `file descriptor ${source.fd}`;
  } else {
    throw mp4UsageError('openMp4 takes a path, a FileHandle or a Buffer');
  }
  const owned = typeof source === 'string';
  try {
    let size: number;
    try {
      size = (await fh.stat()).size;
    } catch (err) {
      throw mp4IoError(`cannot stat ${path}: ${(err as Error).message}`, err);
    }
    const readAt = fileReader(fh, path);
    const opened = await driveAsync(openMovie(size, limits), readAt);
    return new Mp4File(opened, limits, readAt, owned ? () => fh.close() : undefined);
  } catch (err) {
    if (owned) await fh.close().catch(() => {});
    throw err;
  }
}
