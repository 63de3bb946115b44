/**
 * Publishes a file on a stream opened for publishing: FLV (FLV-10.1 Annex E, read in
 * pieces and demuxed by the stream's own `write`) or MP4 (ISO/IEC 14496-12, progressive
 * or fragmented: onMetaData, each track's configuration, one tag per sample in decode
 * order, E-RTMP v2 headers where the codec needs them). Paced in real time by the tag
 * timestamps unless `realtime` is false; each write waits while the socket is full.
 *
 * The format is told by the first bytes: `FLV` is FLV, anything else is read as MP4.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tagPieces } from '../flv/framing.js';
import { hasFlvSignature } from '../flv/header.js';
import { mp4FlvTags } from '../mp4/flv-tags.js';
import { openMp4 } from '../mp4/reader.js';
import { RealtimePacer } from './pacer.js';

/** Options of `RTMPStream.publishFile`. */
export interface PublishFileOptions {
  /** Send media when the wall clock reaches its timestamp (default true); false: as fast as the socket takes it. */
  realtime?: boolean;
  /** Stops publishing: rejects with `signal.reason` (the stream stays open). */
  signal?: AbortSignal;
  /**
   * MP4: E-RTMP headers for every track. Default false: H.264, AAC and MP3 on track 0
   * keep the legacy FLV headers, as FFmpeg and OBS send them.
   */
  enhanced?: boolean;
}

/** What `publishFile` sent. */
export interface PublishFileResult {
  /** `flv` or `mp4`. */
  format: 'flv' | 'mp4';
  /** FLV bytes handed to the stream (tags as FLV, for MP4 too). */
  bytes: number;
}

/** Where a file is published: an `RTMPStream` opened for publishing (its `write`). */
export interface PublishTarget {
  write(
    data: Uint8Array,
    options: { signal?: AbortSignal | undefined; pacer?: RealtimePacer | undefined },
  ): Promise<number>;
  /**
   * Whether the buffers written before the last `lastWrite` bytes may be used again
   * (nothing points into them any more); absent: never.
   */
  reusable?(lastWrite: number): boolean;
}

/** Bytes per read of an FLV file: fewer tags span two reads (each of those is joined once). */
const READ_SIZE = 1024 * 1024;

/**
 * Which buffer a file's next read goes into, for a publisher that sends the tags as views
 * of the read (`publishFile`, `rtmpkit publish`): a read's buffer is used again, two reads
 * later, only when `reusable(bytes of the last read)` says nothing points into it any
 * more — the connection wrote out everything handed to it, and what a demuxer holds of an
 * unfinished tag lies in the last read; otherwise a fresh buffer. Memory already mapped
 * spares a read its page faults (a 303 MB file as fast as nginx-rtmp takes it: `rtmpkit
 * publish` 0.39 -> 0.35 s of CPU, `publishFile` 0.47 -> 0.35).
 */
class ReadBuffers {
  readonly #reusable: (lastRead: number) => boolean;
  #older: Buffer | undefined;
  #last: Buffer | undefined;
  #lastRead = 0;

  constructor(reusable: (lastRead: number) => boolean) {
    this.#reusable = reusable;
  }

  /** The buffer for the next read (READ_SIZE bytes). */
  next(): Buffer {
    const older = this.#older;
    return older !== undefined && this.#reusable(this.#lastRead) ? older : Buffer.allocUnsafeSlow(READ_SIZE);
  }

  /** `b`, from `next`, got `n` bytes: the read's view. */
  filled(b: Buffer, n: number): Buffer {
    this.#older = this.#last;
    this.#last = b;
    this.#lastRead = n;
    return b.subarray(0, n);
  }
}

/** A file's bytes in READ_SIZE reads into `ReadBuffers`; `signal` stops it with its reason. */
export async function* fileReads(
  path: string,
  reusable: (lastRead: number) => boolean,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  const buffers = new ReadBuffers(reusable);
  const fh = await open(path, 'r');
  try {
    for (;;) {
      signal?.throwIfAborted();
      const b = buffers.next();
      const { bytesRead } = await fh.read(b, 0, READ_SIZE, null);
      if (bytesRead === 0) return;
      yield buffers.filled(b, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * `fileReads` with blocking reads, for a process that does nothing else meanwhile (`rtmpkit
 * publish`): a read from the page cache into a thread-pool request and back cost 80 µs per
 * MiB more CPU (303 MB: 0.335 -> 0.360 s).
 */
export function* fileReadsSync(path: string, reusable: (lastRead: number) => boolean): Generator<Buffer> {
  const buffers = new ReadBuffers(reusable);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const b = buffers.next();
      const n = readSync(fd, b, 0, READ_SIZE, null);
      if (n === 0) return;
      yield buffers.filled(b, n);
    }
  } finally {
    closeSync(fd);
  }
}

/** Publishes `path` on `stream` (see the module comment). */
export async function publishFile(
  stream: PublishTarget,
  path: string,
  options: PublishFileOptions = {},
): Promise<PublishFileResult> {
  const pacer = options.realtime === false ? undefined : new RealtimePacer();
  const write = { signal: options.signal, pacer };
  const format = hasFlvSignature(await leadingBytes(path)) ? 'flv' : 'mp4';
  let bytes = 0;
  if (format === 'flv') {
    const reusable = (lastRead: number): boolean => stream.reusable?.(lastRead) === true;
    for await (const chunk of fileReads(path, reusable, options.signal))
      bytes += await stream.write(chunk, write);
    return { format, bytes };
  }
  const file = await openMp4(path);
  try {
    for await (const tag of mp4FlvTags(file, { legacy: options.enhanced !== true })) {
      options.signal?.throwIfAborted();
      bytes += await stream.write(Buffer.concat(tagPieces(tag.type, tag.timestamp, tag.payload)), write);
    }
  } finally {
    await file.close();
  }
  return { format, bytes };
}

async function leadingBytes(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(3), 0, 3, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
