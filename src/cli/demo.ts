/**
 * `rtmpkit demo` — the first thing to run: starts the embedded server on a free
 * loopback port with test media that ships in the package (`makeTestFlv`, written to a
 * temporary vod directory), plays it with the rtmpkit client, writes `demo.flv` (or
 * `--out FILE`) with rtmpdump's progress line, and prints what was received (codecs,
 * picture size, duration, bytes, speed) and how to go on with a real server. Needs no
 * network, no server and no external tools.
 *
 * Exit codes: 0 done; 1 something failed (reported in one line).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RTMP } from '../client/rtmp.js';
import { FlvDemuxer } from '../flv/demuxer.js';
import { encodeFileHeader } from '../flv/header.js';
import { createServer } from '../server/server.js';
import { makeTestFlv } from '../server/test-media.js';
import { formatOptions, getopt, has, last, numberArg, type OptionSpec } from './args.js';
import { describeAudio, describeVideo } from './codec-info.js';
import { OUTPUT_OPTIONS, setupLibraryLog, VERBOSE_V, verbosityOf, within, wrap } from './common.js';
import { CliError, ExitCode, UsageError } from './exit-codes.js';
import { FileSink, tagPieces } from './flv-output.js';
import { ProbeStats } from './probe.js';
import { Console, formatFixed, Progress } from './progress.js';

/** Options of `rtmpkit demo`. */
export const DEMO_OPTIONS: readonly OptionSpec[] = [
  { name: 'out', short: 'o', long: 'out', arg: 'FILE', help: 'Where to write the FLV (default ./demo.flv)' },
  { name: 'seconds', long: 'seconds', arg: 'SEC', help: 'Length of the test media, 1..600 (default 10)' },
  ...OUTPUT_OPTIONS,
  VERBOSE_V,
];

/** The help text of `rtmpkit demo`. */
export function demoHelp(): string {
  return `Usage: rtmpkit demo [--out demo.flv]

Starts rtmpkit's embedded RTMP server on a free loopback port with built-in
test media (H.264 + AAC), plays it with the rtmpkit client into demo.flv and
prints what arrived. No network, server or other tools needed.

${formatOptions(DEMO_OPTIONS)}
`;
}

/** Runs `rtmpkit demo ARGS`; resolves with the exit code. */
export async function demoCommand(argv: readonly string[]): Promise<ExitCode> {
  const parsed = getopt(argv, DEMO_OPTIONS);
  if (has(parsed, 'help')) {
    process.stdout.write(demoHelp());
    return ExitCode.SUCCESS;
  }
  if (parsed.operands.length > 0) throw new UsageError(`unexpected argument '${parsed.operands[0]}'`);
  const verbosity = verbosityOf(parsed);
  const out = new Console(process.stderr, verbosity);
  setupLibraryLog(verbosity, out);
  const outFile = resolve(last(parsed, 'out')?.value ?? 'demo.flv');
  const secondsOpt = last(parsed, 'seconds');
  const seconds = secondsOpt === undefined ? 10 : numberArg(secondsOpt, { integer: true, min: 1, max: 600 });

  const dir = mkdtempSync(join(tmpdir(), 'rtmpkit-demo-'));
  const server = createServer({ vodDir: dir, vodApps: ['vod'] });
  try {
    writeFileSync(join(dir, 'test.flv'), makeTestFlv(seconds));
    let port: number;
    try {
      ({ port } = await server.listen({ host: '127.0.0.1', port: 0 }));
    } catch (err) {
      throw new CliError(`cannot start the embedded server: ${(err as Error).message}`);
    }
    const url = `rtmp://127.0.0.1:${port}/vod/test`;
    out.print(
      `rtmpkit demo: started an embedded RTMP server on rtmp://127.0.0.1:${port} with ${seconds} s of test media`,
    );
    out.print(`Playing ${url} into ${outFile}`);

    const conn = new RTMP(url, { timeout: 10 });
    const began = performance.now();
    let sink: FileSink | undefined;
    try {
      try {
        await conn.connect();
      } catch (err) {
        throw wrap(err, ExitCode.FAILED, 'cannot connect to the embedded server: ');
      }
      const stream = await conn.createStream();
      try {
        sink = new FileSink(outFile);
      } catch (err) {
        throw new CliError(`cannot write ${outFile}: ${(err as Error).message}`);
      }
      const progress = new Progress(out);
      const demuxer = new FlvDemuxer();
      const stats = new ProbeStats();
      let headerWritten = false;
      let lastTs = 0;
      let duration = 0;
      for await (const chunk of stream) {
        const tags = demuxer.push(chunk);
        const pieces: Uint8Array[] = [];
        if (!headerWritten && demuxer.header !== undefined) {
          pieces.push(encodeFileHeader({ audio: demuxer.header.hasAudio, video: demuxer.header.hasVideo }));
          headerWritten = true;
        }
        for (const t of tags) {
          pieces.push(...tagPieces(t.type, t.timestamp, t.payload, t.streamId, t.filter));
          stats.add(t.type, t.timestamp, t.payload);
          lastTs = t.timestamp;
        }
        sink.writeSync(pieces);
        if (duration <= 0) duration = stream.duration;
        progress.update(sink.bytes, lastTs, duration);
      }
      progress.final(sink.bytes, lastTs, duration);
      out.endStatus();
      const wall = (performance.now() - began) / 1000;
      const report = stats.report({
        url,
        server: { properties: null, connect: null },
        wallSeconds: wall,
        ended: true,
      });
      const bytes = sink.bytes;
      await sink.close();
      const lines = [
        'Download complete',
        '',
        'Received:',
        `  video      ${report.video ? describeVideo(report.video.codec) : 'none'}${report.video?.frameRate ? `, ${formatFixed(report.video.frameRate, 2)} fps` : ''}`,
        `  audio      ${report.audio ? describeAudio(report.audio.codec) : 'none'}`,
        `  duration   ${formatFixed(lastTs / 1000, 2)} s of media${duration > 0 ? ` (metadata says ${formatFixed(duration, 2)} s)` : ''}`,
        `  bytes      ${bytes} (${formatFixed(bytes / 1024, 1)} kB) in ${formatFixed(wall, 2)} s: ${formatFixed(bytes / 1024 / Math.max(wall, 0.001), 1)} kB/s, ${formatFixed(lastTs / 1000 / Math.max(wall, 0.001), 1)}x real time`,
        `  written    ${outFile} (play it with ffplay, mpv or VLC)`,
        '',
        'Next: rtmpkit dump -r rtmp://your.server/app/stream -o out.flv',
        '      rtmpkit probe rtmp://your.server/app/stream',
      ];
      // The summary is the demo's result: printed even with -q.
      process.stderr.write(`${lines.join('\n')}\n`);
      return ExitCode.SUCCESS;
    } finally {
      await sink?.close();
      await within(conn.close(), 2000);
    }
  } finally {
    await within(server.close(), 2000);
    rmSync(dir, { recursive: true, force: true });
  }
}
