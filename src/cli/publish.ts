/**
 * `rtmpkit publish URL FILE|-` — publishes an FLV or MP4 file (or FLV on stdin) to a server:
 * connect as a publisher (releaseStream, FCPublish, createStream, publish), then each tag
 * with its timestamp, paced to real time by default (tag timestamps against the wall
 * clock, as a live encoder would send them) or as fast as the server takes them with
 * `--no-realtime` (backpressure: each write waits for the socket). `--loop` starts the
 * file over when it ends, timestamps continuing (the next pass starts one frame after
 * the last tag), until Ctrl-C. On the end of the input or Ctrl-C the stream is closed
 * properly (FCUnpublish + deleteStream) before the connection.
 *
 * MP4 input (ISO-BMFF progressive or fragmented, by rtmpkit's own bounded reader,
 * src/mp4) is turned into Enhanced RTMP tags (ERTMP-V2; src/mp4/flv-tags.ts) and then
 * published exactly like FLV tags, paced the same way.
 *
 * Output: the URL's stream name is the stream key — masked in every message unless
 * `--show-keys`; progress as progress.ts describes (terminal, pipe, `--json` NDJSON on
 * stdout: start, connected, publishing, progress, end, warning, error events).
 *
 * `--retries N`: after a lost connection, reconnect and publish again (metadata and
 * sequence headers first), timestamps going on from the last one sent; the real-time
 * pacing restarts from the reconnect.
 *
 * Exit codes: 0 published (or a `--loop` stopped with Ctrl-C), 1 refused (bad name,
 * denied) or bad usage/input, 2 interrupted / connection lost while publishing, 3 could
 * not connect.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { RealtimePacer } from '../client/pacer.js';
import { fileReadsSync } from '../client/publish-file.js';
import { RTMP } from '../client/rtmp.js';
import type { PublishTag, RTMPStream } from '../client/rtmp-stream.js';
import { FlvDemuxer, type FlvTag } from '../flv/demuxer.js';
import { FLV_TAG_HEADER_SIZE, FlvTagType, hasFlvSignature } from '../flv/header.js';
import { parseOnMetaData } from '../flv/metadata.js';
import { parseScriptTag } from '../flv/script.js';
import { isMp4Error } from '../mp4/errors.js';
import { mp4FlvTags } from '../mp4/flv-tags.js';
import { type Mp4File, openMp4 } from '../mp4/reader.js';
import { formatOptions, getopt, has, last, type OptionSpec, type ParsedArgs } from './args.js';
import {
  applyConn,
  CONNECTION_OPTIONS,
  commandConsole,
  connectionOptions,
  connectOrFail,
  Interrupts,
  JSON_OPTION,
  OUTPUT_OPTIONS,
  reportErrors,
  secretsOf,
  setupLibraryLog,
  signalNumber,
  VERBOSE_V,
  within,
  wrap,
} from './common.js';
import { CliError, describeError, ExitCode, errorFields, UsageError } from './exit-codes.js';
import { type Console, formatFixed, Progress } from './progress.js';
import { applyRetries, RETRIES_OPTION, reportReconnects } from './retries.js';
import { packageVersion } from './version.js';

/** Options of `rtmpkit publish`. */
export const PUBLISH_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'noRealtime',
    long: 'no-realtime',
    help: 'Send as fast as the server takes it (default: real time)',
  },
  {
    name: 'realtime',
    short: 'R',
    long: 'realtime',
    help: 'Pace the tags by their timestamps (the default)',
    hidden: true,
  },
  {
    name: 'loop',
    short: 'L',
    long: 'loop',
    help: 'Start the file over when it ends, timestamps continuing (until Ctrl-C)',
  },
  {
    name: 'enhanced',
    long: 'enhanced',
    help: 'MP4: E-RTMP headers for every track (default: H.264/AAC/MP3 keep legacy ones)',
  },
  { name: 'type', long: 'type', arg: 'TYPE', help: 'Publishing type: live (default), record or append' },
  { name: 'hashes', short: '#', long: 'hashes', help: 'Progress as one # per percent of the file' },
  RETRIES_OPTION,
  JSON_OPTION,
  ...CONNECTION_OPTIONS,
  ...OUTPUT_OPTIONS,
  VERBOSE_V,
];

/** The help text of `rtmpkit publish`. */
export function publishHelp(): string {
  return `Usage: rtmpkit publish [options] URL FILE|-

Publishes an FLV or MP4 file (or FLV on stdin, '-') to rtmp://host/app/streamname,
paced in real time by the timestamps. MP4 (progressive or fragmented) goes out as
Enhanced RTMP: H.264/HEVC/AV1/VP9 video, AAC/Opus/FLAC/AC-3/E-AC-3/MP3 audio, every
track (a second audio language is E-RTMP track 1).

${formatOptions(PUBLISH_OPTIONS)}

Examples:
  rtmpkit publish rtmp://localhost/live/test movie.flv
  rtmpkit publish rtmp://localhost/live/test movie.mp4
  rtmpkit publish --loop rtmp://localhost/live/test movie.flv
  ffmpeg -re -i in.mp4 -c copy -f flv - | rtmpkit publish --no-realtime rtmp://localhost/live/x -

Exit codes: 0 published, 1 refused or bad input, 2 interrupted or the connection lost
while publishing, 3 could not connect.
`;
}

/** Timestamp rewriting for `--loop`: each pass continues one frame after the previous pass's last tag. */
export class LoopClock {
  #offset = 0;
  #first: number | undefined;
  #last = 0;
  #prevMedia: number | undefined;
  #lastMedia: number | undefined;

  /** The timestamp to send for a tag of the current pass. */
  map(timestamp: number, media: boolean): number {
    this.#first ??= timestamp;
    const out = timestamp + this.#offset;
    this.#last = Math.max(this.#last, timestamp);
    if (media && timestamp !== this.#lastMedia) {
      this.#prevMedia = this.#lastMedia;
      this.#lastMedia = timestamp;
    }
    return out;
  }

  /** Starts the next pass. */
  next(): void {
    const gap =
      this.#lastMedia !== undefined && this.#prevMedia !== undefined && this.#lastMedia > this.#prevMedia
        ? this.#lastMedia - this.#prevMedia
        : 40;
    this.#offset += this.#last - (this.#first ?? 0) + gap;
    this.#last = 0;
    this.#first = undefined;
    this.#prevMedia = undefined;
    this.#lastMedia = undefined;
  }
}

/** Runs `rtmpkit publish ARGS`; resolves with the exit code. */
export async function publishCommand(argv: readonly string[]): Promise<ExitCode> {
  const parsed = getopt(argv, PUBLISH_OPTIONS);
  if (has(parsed, 'help')) {
    process.stdout.write(publishHelp());
    return ExitCode.SUCCESS;
  }
  if (parsed.operands.length !== 2) throw new UsageError('publish needs a URL and a FILE (or - for stdin)');
  const [url, input] = parsed.operands as [string, string];
  const secrets = secretsOf(parsed).addUrl(url, true, last(parsed, 'app')?.value);
  secrets.add(last(parsed, 'playpath')?.value);
  const out = commandConsole(parsed, secrets);
  return reportErrors('publish', out, () => publish(parsed, url, input, out));
}

async function publish(parsed: ParsedArgs, url: string, input: string, out: Console): Promise<ExitCode> {
  setupLibraryLog(out.verbosity, out);
  const realtime = !has(parsed, 'noRealtime');
  const loop = has(parsed, 'loop');
  if (loop && input === '-') throw new UsageError('--loop needs a file (stdin cannot be read twice)');
  const type = last(parsed, 'type')?.value ?? 'live';
  if (type !== 'live' && type !== 'record' && type !== 'append') {
    throw new UsageError(`--type must be live, record or append, got '${type}'`);
  }
  const { options, conn: connItems } = connectionOptions(parsed);
  applyRetries(last(parsed, 'retries'), options);
  let conn: RTMP;
  try {
    conn = new RTMP(url, { ...options, publish: true, publishType: type });
  } catch (err) {
    throw wrap(err, ExitCode.FAILED);
  }
  applyConn(conn, connItems);
  reportReconnects(conn, out);
  // Real-time pacing goes on from the reconnect, not from the lost time (no burst to catch up).
  const pacing = { reanchor: false };
  conn.on('reconnected', () => {
    pacing.reanchor = true;
  });
  const kind = input === '-' ? 'flv' : inputKind(input);
  const source =
    kind === 'mp4'
      ? mp4Source(input, has(parsed, 'enhanced'))
      : flvSource(input, out, () => conn.bufferedAmount === 0);

  const interrupts = new Interrupts((sig) => {
    out.print(`Caught signal: ${signalNumber(sig)}, closing the stream...`);
  }, ExitCode.INCOMPLETE).install();
  try {
    out.print(`Connecting to ${url} ...`);
    out.event('start', { url: out.redact(url), input, realtime, loop });
    try {
      await connectOrFail(conn, interrupts.signal);
    } catch (err) {
      if (interrupts.caught !== undefined) return ExitCode.INCOMPLETE;
      throw err;
    }
    let stream: RTMPStream;
    try {
      stream = await conn.createStream({ writeable: true, signal: interrupts.signal });
    } catch (err) {
      await within(conn.close(), 2000);
      if (interrupts.caught !== undefined) return ExitCode.INCOMPLETE;
      throw wrap(err, ExitCode.FAILED);
    }
    out.event('connected', { url: out.redact(conn.params.url.href) });
    out.print(
      `Publishing ${conn.params.playpath}${realtime ? ' in real time' : ' as fast as possible'}${loop ? ', looping' : ''}`,
    );
    out.event('publishing', { name: out.redact(conn.params.playpath) });
    const result = await pump(stream, input, source, {
      realtime,
      loop,
      out,
      interrupts,
      hashes: has(parsed, 'hashes'),
      pacing,
    });
    await within(stream.close(), 3000);
    await within(conn.close(), 3000);
    out.endStatus();
    const end = (result: 'complete' | 'stopped' | 'failed', exitCode: ExitCode): ExitCode => {
      out.event('end', { result, exitCode, bytes: r.bytes, tags: r.tags, seconds: r.lastTs / 1000 });
      return exitCode;
    };
    const r = result;
    if (result.error !== undefined) {
      const code = result.error instanceof CliError ? result.error.exitCode : ExitCode.INCOMPLETE;
      out.error(describeError(result.error), { exitCode: code, ...errorFields(result.error) });
      return end('failed', code);
    }
    const what = `${formatFixed(result.bytes / 1024, 3)} kB, ${result.tags} tags, ${formatFixed(result.lastTs / 1000, 2)} sec`;
    if (interrupts.caught !== undefined) {
      out.print(`Publishing stopped (${what})`);
      return end('stopped', loop ? ExitCode.SUCCESS : ExitCode.INCOMPLETE);
    }
    out.print(`Publish complete (${what})`);
    return end('complete', ExitCode.SUCCESS);
  } finally {
    interrupts.uninstall();
  }
}

/** Top-level box types an MP4 (ISO-BMFF, ISO/IEC 14496-12 §4.2) starts with, as ffmpeg writes them. */
const MP4_FIRST_BOXES = new Set(['ftyp', 'styp', 'moov', 'mdat', 'free', 'skip', 'wide', 'moof']);

/**
 * What `path` holds — `'flv'` (starts with 'FLV') or `'mp4'` (starts with an ISO-BMFF
 * box); fails before connecting when it cannot be read or is neither.
 *
 * @throws CliError (exit 1)
 */
export function inputKind(path: string): 'flv' | 'mp4' {
  let head: Buffer;
  try {
    const fd = openSync(path, 'r');
    try {
      head = Buffer.alloc(8);
      head = head.subarray(0, readSync(fd, head, 0, 8, 0));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  if (hasFlvSignature(head)) return 'flv';
  if (head.length === 8 && MP4_FIRST_BOXES.has(head.toString('latin1', 4, 8))) return 'mp4';
  throw new CliError(`${path} is neither FLV (it does not start with 'FLV') nor MP4 (no ISO-BMFF box)`);
}

interface PumpResult {
  bytes: number;
  tags: number;
  lastTs: number;
  error?: unknown;
}

/** One tag to publish. */
interface SourceTag {
  type: number;
  timestamp: number;
  payload: Buffer;
}

/**
 * The input's tags, one pass (called again for each `--loop` pass), in the groups they
 * became available in: an FLV input's read, an MP4 sample.
 */
type TagSource = (signal: AbortSignal) => AsyncIterable<SourceTag[]>;

/**
 * The tags of an FLV file or of FLV on stdin; `written()`: whether the connection wrote
 * out everything it was given (a file's read buffer may be reused then: `fileReadsSync`,
 * client/publish-file.ts).
 */
function flvSource(input: string, out: Console, written: () => boolean): TagSource {
  return async function* (signal) {
    // A file must be FLV from its first byte; stdin may also carry bare tags (as librtmp's RTMP_Write takes).
    // The tags' payloads are views of the reads (this loop's own Buffers), sent as they are
    // (`writeTags`). 1 MiB reads: fewer tags span two reads (each of those is copied once to join it).
    const demuxer = new FlvDemuxer({ header: input === '-' ? 'auto' : 'required' });
    const source =
      input === '-'
        ? process.stdin
        : fileReadsSync(input, (lastRead) => written() && demuxer.heldInputBytes <= lastRead);
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (signal.aborted) return;
        let tags: FlvTag[];
        try {
          tags = demuxer.push(chunk);
        } catch (err) {
          throw new CliError(
            `${input === '-' ? 'stdin' : input} is not valid FLV: ${(err as Error).message}`,
          );
        }
        if (tags.length > 0) yield tags;
      }
    } finally {
      if (input !== '-' && 'destroy' in source) source.destroy();
    }
    try {
      demuxer.end();
    } catch (err) {
      out.warn(`the input ends inside a tag: ${(err as Error).message}`);
    }
  };
}

/**
 * The tags of an MP4 file (progressive or fragmented): onMetaData with the E-RTMP
 * fields, every track's configuration, one tag per sample in decode order, SequenceEnd
 * (src/mp4/flv-tags.ts). `enhanced`: E-RTMP headers for every track; otherwise H.264,
 * AAC and MP3 on track 0 keep the legacy headers, as FFmpeg and OBS send them, so
 * servers that predate E-RTMP take them.
 */
function mp4Source(path: string, enhanced: boolean): TagSource {
  return async function* (signal) {
    let file: Mp4File;
    try {
      file = await openMp4(path);
    } catch (err) {
      throw new CliError(`${path}: ${(err as Error).message}`);
    }
    try {
      for await (const tag of mp4FlvTags(file, {
        legacy: !enhanced,
        encoder: `rtmpkit ${packageVersion()}`,
      })) {
        if (signal.aborted) return;
        yield [{ type: tag.type, timestamp: tag.timestamp, payload: Buffer.from(tag.payload) }];
      }
    } catch (err) {
      if (isMp4Error(err)) throw new CliError(`${path} is not a valid MP4: ${(err as Error).message}`);
      throw err;
    } finally {
      await file.close();
    }
  };
}

async function pump(
  stream: RTMPStream,
  input: string,
  source: TagSource,
  o: {
    realtime: boolean;
    loop: boolean;
    out: Console;
    interrupts: Interrupts;
    hashes: boolean;
    pacing: { reanchor: boolean };
  },
): Promise<PumpResult> {
  const signal = o.interrupts.signal;
  const progress = new Progress(o.out, { hashes: o.hashes });
  const clock = new LoopClock();
  const result: PumpResult = { bytes: 0, tags: 0, lastTs: 0 };
  let duration = 0;
  const pacer = new RealtimePacer();
  let pass = 0;
  try {
    for (;;) {
      let sawTag = false;
      for await (const tags of source(signal)) {
        // Without real time, a group's tags go out in one write: one flush, one writev
        // (a 303 MB file: ~300 instead of ~4,600, 0.05 s less kernel time).
        const batch: PublishTag[] = [];
        for (const tag of tags) {
          if (signal.aborted) break;
          sawTag = true;
          const media = tag.type === FlvTagType.Audio || tag.type === FlvTagType.Video;
          if (tag.type === FlvTagType.Script) {
            if (pass > 0) continue; // metadata once
            try {
              const meta = parseOnMetaData(parseScriptTag(tag.payload).values);
              if (meta?.duration !== undefined && !o.loop) duration = meta.duration;
            } catch {
              // Not metadata.
            }
          } else if (!media) {
            continue;
          }
          const ts = clock.map(tag.timestamp, media);
          if (o.realtime && media) {
            if (o.pacing.reanchor) {
              o.pacing.reanchor = false;
              pacer.reset();
            }
            await pacer.wait(ts, signal);
            if (signal.aborted) break;
          }
          const out = { type: tag.type, timestamp: ts, payload: tag.payload };
          if (o.realtime) await stream.writeTags([out]);
          else batch.push(out);
          result.bytes += FLV_TAG_HEADER_SIZE + tag.payload.length + 4; // as FLV: header, body, PreviousTagSize
          result.tags++;
          if (media) result.lastTs = ts;
        }
        if (batch.length > 0 && !signal.aborted) await stream.writeTags(batch);
        progress.update(result.bytes, result.lastTs, duration);
        if (signal.aborted) break;
      }
      if (signal.aborted) break;
      if (!sawTag) throw new CliError(`${input === '-' ? 'stdin' : input} holds no tags`);
      if (!o.loop) break;
      clock.next();
      pass++;
    }
    progress.final(result.bytes, result.lastTs, duration);
  } catch (err) {
    result.error = err;
  }
  return result;
}
