/**
 * `rtmpkit dump` — rtmpdump 2.4, flag for flag (`rtmpdump.c`):
 * the same short and long options, the same console lines (progress
 * `\r%.3f kB / %.2f sec (%.1f%%)`, "Download complete", "Download may be incomplete
 * (downloaded about %.2f%%), try resuming"), the same exit codes (0 done, 1 failed,
 * 2 incomplete, 3 no connection), the same FLV bytes (the client's muxer lays tags out
 * like librtmp's `RTMP_Read`), `-o -` for stdout and `--resume`/`--skip` (resume.ts).
 *
 * Data path: the stream's own muxer (`RTMPStream.tagReader`) lays the tags out like
 * librtmp's `RTMP_Read`, resuming and stopping included (flv/resume.ts, `stopAt`); each
 * batch of tags goes to the file (one `writev`) or stdout as the views it is — every
 * media byte was copied once, from the socket into the buffer it is written from — and
 * its buffers are then recycled for the next messages. The file always ends at a tag
 * boundary: Ctrl-C (SIGINT/SIGTERM/SIGHUP), a broken connection or a closed pipe leave a
 * valid partial FLV, and the exit code is 2.
 *
 * Deliberate differences from rtmpdump 2.4 (each fixes a librtmp/rtmpdump misbehaviour):
 * - with `--start`, the file header's audio/video flags are those the stream announced
 *   (rtmpdump skips its header pre-read when starting at an offset and writes 0), and the
 *   start is added to the timestamps only when the server restamped the play from 0
 *   (rtmpdump always adds it, counting it twice against nginx-rtmp);
 * - `--stop` is enforced by rtmpkit too (media at or after the stop time is not written):
 *   servers that ignore play's length (nginx-rtmp) otherwise send the whole rest, and
 *   reaching the stop time counts as complete (rtmpdump compares with the full duration);
 * - a stream the server ends with NetStream.Play.Complete, or with Play.Stop within 1 s
 *   of the duration, is complete: rtmpdump demands 99.9 % of the metadata duration, which
 *   the last frame's timestamp misses whenever the duration includes that frame's length
 *   (ffmpeg-written files: a 10 s file ends at 99.8 % → exit 2, "try resuming");
 * - flags: see dump-options.ts;
 * - the output file is created when playback starts, not before connecting, so a failed
 *   connection does not destroy an existing file (that it can be written is checked
 *   before connecting, as rtmpdump's early open would find out);
 * - `-q` still prints the one-line error report;
 * - the output knows the terminal: FLV is not written to a terminal unless asked for
 *   with an explicit `-o -` (as curl refuses binary output); progress has rate, elapsed
 *   time and ETA on a terminal and never `\r` into a pipe (progress.ts); `--json` prints
 *   NDJSON events (start, connected, metadata, progress, warning, error, end) on stdout —
 *   on stderr when the FLV goes to stdout; server text is escaped and tokens in the URL's
 *   query or options are masked unless `--show-keys` (terminal.ts);
 * - resume: see flv/resume.ts (file cut mid-tag resumes, the file is truncated after the
 *   keyframe, works with servers that restart from 0 or rebase timestamps).
 * - `-W URL` (SWF verification) shares rtmpdump's `~/.swfinfo` cache and `-X` age, but a
 *   SWF that cannot be fetched or hashed (HTTP error, redirect, timeout, ZWS, not a SWF)
 *   fails the run with exit 1 (rtmpdump logs it and connects without verification, which
 *   the server then refuses); `-W` with `-w`/`-x` uses the given values without fetching
 *   (rtmpdump fetches and lets the fetched values win).
 * - rtmpkit's own flags: `--proxy URL` (SOCKS4a/5, HTTP CONNECT; `-S` stays SOCKS4) and
 *   `--pubUser`/`--pubPasswd` (or `rtmp://user:pass@host/…`) for servers that ask
 *   players too for Adobe/Limelight authentication, as FFmpeg answers them.
 * - `-m SEC` also bounds a played stream without media (pings do not count): a live
 *   stream that never starts ends incomplete (exit 2) instead of hanging.
 * - `--retries N` (rtmpkit's): reconnect after a lost connection and resume in the same
 *   file — no tag twice, none missing (retries.ts). rtmpdump's own retry after a read
 *   timeout (pause/unpause, then reconnect) is not done; without `--retries` a lost
 *   connection ends the download incomplete (exit 2) and `--resume` continues it.
 */

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { AmfValue } from '../amf/types.js';
import { RTMP } from '../client/rtmp.js';
import type { FlvTagReader, RTMPStream } from '../client/rtmp-stream.js';
import { ProtocolCode, UsageCode } from '../error-codes.js';
import { RTMPProtocolError, RTMPUsageError } from '../errors.js';
import { seekBefore } from '../flv/media.js';
import { type FlvResumeAt, type FlvResumePoint, findResumePoint } from '../flv/resume.js';
import { recyclePayloads } from '../util/payload-pool.js';
import { amfToJson } from './amf-json.js';
import { getopt, has, last } from './args.js';
import {
  applyConn,
  commandConsole,
  connectOrFail,
  Interrupts,
  reportErrors,
  secretsOf,
  setupLibraryLog,
  signalNumber,
  within,
  wrap,
} from './common.js';
import {
  buildDumpPlan,
  DEFAULT_DUMP_BUFFER_MS,
  DUMP_OPTIONS,
  type DumpPlan,
  dumpHelp,
  formatMetadata,
} from './dump-options.js';
import { CliError, describeError, ExitCode, errorFields } from './exit-codes.js';
import { checkWritable, FileSink, type FlvSink, StreamSink } from './flv-output.js';
import { type Console, downloadPercent, formatFixed, Progress, type Verbosity } from './progress.js';
import { reportReconnects } from './retries.js';
import { packageVersion } from './version.js';

export { formatMetadata } from './dump-options.js';

/** The largest `buffer` option (librtmp keeps it in a 32-bit int), ms: 24.8 days. */
const BUFFER_LENGTH_MAX = 0x7fffffff;

const EOF_CODES = new Set([
  'NetStream.Play.Stop',
  'NetStream.Play.UnpublishNotify',
  'NetStream.Play.Complete',
]);

/** Runs `rtmpkit dump ARGS`; resolves with the exit code. */
export async function dumpCommand(argv: readonly string[]): Promise<ExitCode> {
  const parsed = getopt(argv, DUMP_OPTIONS);
  if (has(parsed, 'help')) {
    process.stdout.write(dumpHelp());
    return ExitCode.SUCCESS;
  }
  const secrets = secretsOf(parsed);
  for (const o of parsed.options)
    if (o.name === 'url' || o.name === 'rtmp') secrets.addUrl(o.value ?? '', false);
  for (const op of parsed.operands) secrets.addUrl(op, false);
  const flvToStdout = (last(parsed, 'flv')?.value ?? '-') === '-';
  const out = commandConsole(parsed, secrets, flvToStdout ? process.stderr : process.stdout);
  return reportErrors('dump', out, async () => {
    setupLibraryLog(out.verbosity, out);
    const plan = buildDumpPlan(parsed);
    refuseTerminal(plan.output, has(parsed, 'flv'), process.stdout);
    out.print(`rtmpkit ${packageVersion()} dump (rtmpdump-compatible)`);
    out.event('start', {
      url: out.redact(plan.url),
      app: plan.options.app,
      playpath: typeof plan.options.playpath === 'string' ? out.redact(plan.options.playpath) : undefined,
      output: plan.output,
    });
    for (const w of plan.warnings) out.warn(w);
    return new Dump(plan, out, out.verbosity).run();
  });
}

/**
 * FLV is binary: written to a terminal it garbles the screen and can send the terminal
 * control sequences. Refused unless stdout was chosen explicitly with `-o -`, as curl
 * refuses binary output unless told `--output -`.
 *
 * @throws CliError (exit 1) with a hint
 */
export function refuseTerminal(output: string, explicit: boolean, stdout: { isTTY?: boolean }): void {
  if (output !== '-' || explicit || stdout.isTTY !== true) return;
  throw new CliError(
    'not writing binary FLV to a terminal: save it with -o FILE, pipe it (… -o - | ffplay -), or force it with -o -',
  );
}

class Dump {
  readonly #plan: DumpPlan;
  readonly #out: Console;
  readonly #verbosity: Verbosity;

  constructor(plan: DumpPlan, out: Console, verbosity: Verbosity) {
    this.#plan = plan;
    this.#out = out;
    this.#verbosity = verbosity;
  }

  async run(): Promise<ExitCode> {
    const plan = this.#plan;
    const out = this.#out;
    let conn: RTMP;
    try {
      conn = new RTMP(plan.url, { ...plan.options });
    } catch (err) {
      throw wrap(err, ExitCode.FAILED);
    }
    applyConn(conn, plan.conn);
    reportReconnects(conn, out);
    const params = conn.params;
    const live = params.live;
    // A recorded stream with the default buffer: the buffer length follows the download,
    // keeping the server a bounded lead ahead (`bufferLead`, README "Known server
    // behaviour"); otherwise rtmpdump's 10 h, and a buffer= in an -i URL and -b as given.
    const fromUrl = params.buffer !== 30_000 ? params.buffer : undefined;
    const lead = !plan.bufferOverride && fromUrl === undefined && !live;
    if (!plan.bufferOverride)
      conn.setOption('buffer', lead ? BUFFER_LENGTH_MAX : (fromUrl ?? DEFAULT_DUMP_BUFFER_MS));
    if (lead) out.debug('buffer length: 0, raised as media arrives (a bounded lead)');
    let startMs = Math.round((plan.start ?? params.start) * 1000);
    if (live && startMs > 0) {
      out.warn("Can't seek in a live stream, ignoring --start option");
      startMs = 0;
    }
    let resume = plan.resume;
    if (resume && plan.output === '-') {
      out.warn("Can't resume in stdout mode, ignoring --resume option");
      resume = false;
    }
    if (resume && live) {
      out.warn("Can't resume live stream, ignoring --resume option");
      resume = false;
    }
    let scan: FlvResumePoint | undefined;
    let duration = 0;
    if (resume) {
      scan = resumeScan(plan.output, plan.skip);
      duration = scan?.metadata?.duration ?? 0;
      if (scan?.kind === 'fresh') out.warn(`${scan.reason}: downloading from the start`);
      if (scan?.keyframe !== undefined) {
        if (startMs > 0) out.warn("Can't seek a resumed stream, ignoring --start option");
        startMs = scan.seek;
        out.debug(`last keyframe at ${scan.seek} ms, offset ${scan.keyframe.offset}`);
        if (duration > 0 && startMs >= duration * 999) {
          out.print(
            `Already Completed at: ${formatFixed(startMs / 1000, 3)} sec Duration=${formatFixed(duration, 3)} sec`,
          );
          out.print('Download complete');
          return ExitCode.SUCCESS;
        }
      }
    }
    const point = scan?.kind === 'resume' ? scan : undefined;
    const stopMs = Math.round(params.stop * 1000);
    if (stopMs > 0 && !live && stopMs <= startMs) {
      out.print('Already Completed');
      out.print('Download complete');
      return ExitCode.SUCCESS;
    }

    if (plan.output !== '-' && point === undefined) {
      try {
        checkWritable(plan.output);
      } catch (err) {
        throw new CliError(`Failed to open file! ${plan.output}: ${(err as Error).message}`);
      }
    }

    const interrupts = new Interrupts((sig) => {
      out.print(`Caught signal: ${signalNumber(sig)}, cleaning up, just a second...`);
    }, ExitCode.INCOMPLETE).install();
    try {
      out.print('Connecting ...');
      try {
        await connectOrFail(conn, interrupts.signal);
      } catch (err) {
        if (interrupts.caught !== undefined) return ExitCode.INCOMPLETE;
        throw this.#unsupported(err);
      }
      out.info('Connected...');
      out.event('connected', { live });

      const metaLines = (meta: Record<string, AmfValue>): void => {
        if (this.#verbosity === 0) return;
        out.info('Metadata:');
        for (const line of formatMetadata(meta)) out.info(line);
      };
      conn.on('metadata', (meta) => {
        out.event('metadata', { metadata: amfToJson(meta) });
        metaLines(meta);
      });
      let endCode: string | undefined;
      conn.on('status', (info, streamId) => {
        const code = typeof info.code === 'string' ? info.code : '';
        if (streamId !== 0 && EOF_CODES.has(code) && endCode !== 'NetStream.Play.Complete') endCode = code;
      });

      let stream: RTMPStream;
      try {
        stream = await conn.createStream({
          seek: startMs / 1000,
          updateBuffer: false,
          bufferLead: lead,
          signal: interrupts.signal,
        });
      } catch (err) {
        await within(conn.close(), 2000);
        if (interrupts.caught !== undefined) return ExitCode.INCOMPLETE;
        throw wrap(err, ExitCode.FAILED);
      }

      let sink: FlvSink;
      try {
        sink =
          plan.output === '-' ? new StreamSink(process.stdout) : new FileSink(plan.output, point?.appendAt);
      } catch (err) {
        await within(conn.close(), 2000);
        throw new CliError(`Failed to open file! ${plan.output}: ${(err as Error).message}`);
      }
      return await this.#download(conn, stream, sink, {
        live,
        lead,
        startMs,
        stopMs,
        duration,
        point,
        interrupts,
        endCode: () => endCode,
      });
    } finally {
      interrupts.uninstall();
    }
  }

  #unsupported(err: unknown): unknown {
    if (err instanceof Error && (err as { cause?: unknown }).cause instanceof RTMPUsageError) {
      const cause = (err as { cause: RTMPUsageError }).cause;
      if (cause.code === UsageCode.RTMP_UNSUPPORTED_PROTOCOL && this.#plan.protocolFlag !== undefined) {
        return new CliError(`${this.#plan.protocolFlag}: ${cause.message}`);
      }
    }
    return err;
  }

  async #download(
    conn: RTMP,
    stream: RTMPStream,
    sink: FlvSink,
    s: {
      live: boolean;
      /** The buffer length follows the download (`bufferLead`): no raise past 10 hours. */
      lead: boolean;
      startMs: number;
      stopMs: number;
      duration: number;
      point: FlvResumeAt | undefined;
      interrupts: Interrupts;
      endCode: () => string | undefined;
    },
  ): Promise<ExitCode> {
    const out = this.#out;
    const plan = this.#plan;
    const point = s.point;
    const resuming = point !== undefined;
    let duration = s.duration;
    let lastTs = s.startMs;
    if (s.live) {
      out.print('Starting Live Stream');
    } else {
      const verb = resuming ? 'Resuming' : 'Starting';
      if (duration > 0) {
        const pct = downloadPercent(lastTs, duration);
        out.print(
          `${verb} download at: ${formatFixed(sink.bytes / 1024, 3)} kB / ${formatFixed(lastTs / 1000, 3)} sec (${formatFixed(pct, 1)}%)`,
        );
      } else {
        out.print(`${verb} download at: ${formatFixed(sink.bytes / 1024, 3)} kB`);
      }
      if (plan.realtime) out.print('  in approximately realtime (disabled BUFX speedup hack)');
    }
    if (s.stopMs > 0)
      out.print(`For duration: ${formatFixed((s.stopMs - (s.live ? 0 : s.startMs)) / 1000, 3)} sec`);

    const progress = new Progress(out, { hashes: plan.hashes }, sink.bytes);
    // --start: the file keeps the file's timeline. rtmpdump adds the start to every
    // timestamp (`nResumeTS` = the seek position), right for servers that answer
    // play(start) from 0 (FMS, rtmpkit's) and twice the start for those that keep the
    // file's timestamps (nginx-rtmp); the muxer's `playStart` tells them apart by the
    // first media timestamp, so `--stop` counts from the stream's beginning and a later
    // `--resume` of the file asks for the right position against either.
    const tags: FlvTagReader = stream.tagReader(
      {
        ...(point === undefined ? { playStart: s.startMs } : { resume: point }),
        stopAt: s.stopMs,
      },
      s.interrupts.signal,
    );
    let failure: unknown;
    let resumeFailure: string | undefined;
    let writeFailure: unknown;
    let bufferRaised = plan.bufferOverride || s.lead;

    for (;;) {
      if (s.interrupts.signal.aborted || sink.broken !== undefined) break;
      let pieces: Buffer[];
      try {
        pieces = await tags.next();
      } catch (err) {
        if (
          point !== undefined &&
          err instanceof RTMPProtocolError &&
          err.code === ProtocolCode.FLV_RESUME_PASSED
        ) {
          // nginx-rtmp (a file with a keyframe index) started at the keyframe after ours:
          // ask 1 ms before it, once (flv/resume.ts); a failed seek fails the resume.
          out.debug(`${err.message}: seeking`);
          const sought = await stream
            .seek(seekBefore(point.keyframe.timestamp) / 1000, { signal: s.interrupts.signal })
            .then(
              () => true,
              () => false,
            );
          if (sought) continue;
          if (s.interrupts.signal.aborted) break;
          resumeFailure = `Couldn't resume FLV file, try --skip ${plan.skip + 1}`;
        } else if (err instanceof RTMPProtocolError && err.code === ProtocolCode.FLV_RESUME_FAILED) {
          resumeFailure = `Couldn't resume FLV file, try --skip ${plan.skip + 1}`;
        } else if (!s.interrupts.signal.aborted) failure = err;
        break;
      }
      if (pieces.length === 0) break;
      try {
        await sink.write(pieces);
      } catch (err) {
        writeFailure = err;
        break;
      }
      // Written: nothing refers to these buffers any more; the next messages reuse them.
      recyclePayloads(pieces);
      lastTs = tags.muxer.lastTimestamp;
      if (duration <= 0) duration = stream.duration;
      if (!bufferRaised && duration > 0 && duration * 1000 > DEFAULT_DUMP_BUFFER_MS) {
        // rtmpdump: make sure we claim to have enough buffer time (duration + 5 s past 10 h).
        const ms = Math.min(BUFFER_LENGTH_MAX, Math.round(duration * 1000) + 5000);
        bufferRaised = true;
        out.debug(`buffer raised to ${ms} ms`);
        conn.setOption('buffer', ms); // a reconnect asks for it too
        await stream.updateBuffer(ms).catch(() => {});
      }
      progress.update(sink.bytes, lastTs, duration);
      if (tags.muxer.stopped) break;
    }
    const stopReached = tags.muxer.stopped;
    const resumed = tags.muxer.resumed;

    if (duration <= 0) duration = stream.duration;
    if (resumed) sink.commit(); // a resume that found its keyframe drops the file's stale tail
    const interrupted = s.interrupts.signal.aborted || sink.broken !== undefined;
    await within(stream.close(), 2000);
    await within(conn.close(), 2000);
    await sink.close();
    progress.final(sink.bytes, lastTs, duration);

    if (writeFailure !== undefined) {
      out.endStatus();
      throw new CliError(`Failed writing ${plan.output}, exiting: ${(writeFailure as Error).message}`);
    }
    if (resumeFailure !== undefined) {
      out.endStatus();
      if (out.json) out.error(resumeFailure, { exitCode: ExitCode.FAILED });
      else out.print(resumeFailure);
      return ExitCode.FAILED;
    }
    const percent = downloadPercent(lastTs, duration);
    let code: ExitCode;
    if (sink.broken !== undefined) {
      out.error(
        `the output was closed (${(sink.broken as NodeJS.ErrnoException).code ?? sink.broken.message})`,
        { exitCode: ExitCode.INCOMPLETE },
      );
      code = ExitCode.INCOMPLETE;
    } else if (interrupted) {
      code = ExitCode.INCOMPLETE;
    } else if (failure !== undefined) {
      out.error(describeError(failure), { exitCode: ExitCode.INCOMPLETE, ...errorFields(failure) });
      code = ExitCode.INCOMPLETE;
    } else if (resuming && !resumed) {
      const message = `Couldn't resume FLV file, try --skip ${plan.skip + 1}`;
      if (out.json) out.error(message, { exitCode: ExitCode.FAILED });
      else out.print(message);
      return ExitCode.FAILED;
    } else if (stopReached) {
      code = ExitCode.SUCCESS;
    } else {
      const end = s.endCode();
      const complete =
        end === 'NetStream.Play.Complete' ||
        !(duration > 0) ||
        percent >= 99.9 ||
        (end !== undefined && duration * 1000 - lastTs <= 1000);
      code = complete ? ExitCode.SUCCESS : ExitCode.INCOMPLETE;
    }
    if (code === ExitCode.SUCCESS) out.print('Download complete');
    else out.print(`Download may be incomplete (downloaded about ${formatFixed(percent, 2)}%), try resuming`);
    out.event('end', {
      result: code === ExitCode.SUCCESS ? 'complete' : 'incomplete',
      exitCode: code,
      bytes: sink.bytes,
      seconds: lastTs / 1000,
      percent,
    });
    return code;
  }
}

/**
 * Where to resume `path` (flv/resume.ts), read through the file descriptor; undefined
 * when there is no file yet.
 *
 * @throws CliError (exit 1) when the file cannot be read, is not FLV, announces neither
 *   audio nor video, or has fewer than `skip + 1` resume points
 */
export function resumeScan(path: string, skip: number): FlvResumePoint | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read ${path} to resume it: ${(err as Error).message}`);
  }
  try {
    const read = (position: number, length: number): Buffer => {
      const b = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, b, got, length - got, position + got);
        if (n === 0) break;
        got += n;
      }
      return b.subarray(0, got);
    };
    return findResumePoint(read, fstatSync(fd).size, { skipKeyframes: skip });
  } catch (err) {
    if (err instanceof RTMPProtocolError) throw new CliError(`cannot resume ${path}: ${err.message}`);
    throw new CliError(`cannot read ${path} to resume it: ${(err as Error).message}`);
  } finally {
    closeSync(fd);
  }
}
