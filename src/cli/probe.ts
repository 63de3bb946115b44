/**
 * `rtmpkit probe URL` — connects, plays for a short window (`--seconds`, default 3; the
 * probe ends earlier when the stream does) and reports what it saw: the server's connect
 * answer (fmsVer, capabilities, …), onMetaData, the video and audio codecs (from the
 * sequence headers, legacy or E-RTMP FourCC: profile, level, picture size, sample rate,
 * channels), frame rate, keyframe interval, bitrates measured over the media received
 * (media time, so a VOD that arrives faster than real time is measured right), and the
 * first/last timestamps — per track: E-RTMP multitrack streams list every audio and
 * video track (track id, FourCC, enhanced or legacy form), and the server's E-RTMP
 * connect answer is shown when it sent one. Human text by default, `--json` for scripts (fractions rounded
 * to 3 decimals). Both escape the server's control characters and mask tokens in the
 * URL unless `--show-keys` (terminal.ts).
 *
 * Exit codes: 0 media seen; 1 refused (connect, play) or bad usage; 2 no media arrived
 * in the window; 3 could not connect.
 */

import type { AmfValue } from '../amf/types.js';
import { RTMP } from '../client/rtmp.js';
import type { RTMPStream } from '../client/rtmp-stream.js';
import { FlvTagType } from '../flv/header.js';
import { type AudioPacket, parseMediaPayload, type VideoPacket } from '../flv/media.js';
import { amfToJson, type Json } from './amf-json.js';
import { formatOptions, getopt, has, last, numberArg, type OptionSpec, type ParsedArgs } from './args.js';
import {
  type AudioInfo,
  audioInfo,
  describeAudio,
  describeVideo,
  type VideoInfo,
  videoInfo,
} from './codec-info.js';
import {
  applyConn,
  CONNECTION_OPTIONS,
  connectionOptions,
  connectOrFail,
  Interrupts,
  OUTPUT_OPTIONS,
  reportErrors,
  secretsOf,
  setupLibraryLog,
  verbosityOf,
  within,
  wrap,
} from './common.js';
import { formatMetadata } from './dump.js';
import { describeError, ExitCode, errorFields, exitCodeFor, UsageError } from './exit-codes.js';
import { Console, formatFixed } from './progress.js';
import { escapeControl, safeJson } from './terminal.js';

/** Options of `rtmpkit probe`. */
export const PROBE_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'seconds',
    long: 'seconds',
    arg: 'SEC',
    help: 'How long to play (default 3; ends earlier with the stream)',
  },
  { name: 'json', long: 'json', help: 'Print a JSON report instead of text (a failure too: {url, error})' },
  { name: 'live', short: 'v', long: 'live', help: 'The stream is live (play from now, FCSubscribe)' },
  {
    name: 'start',
    short: 'A',
    long: 'start',
    arg: 'SEC',
    help: 'Start at SEC seconds into a recorded stream',
  },
  ...CONNECTION_OPTIONS,
  ...OUTPUT_OPTIONS,
];

/** The help text of `rtmpkit probe`. */
export function probeHelp(): string {
  return `Usage: rtmpkit probe [options] URL

Connects to URL (rtmp://host/app/stream), plays it for a few seconds and prints
the server's info, the stream's metadata, codecs, resolution, frame rate,
keyframe interval, bitrates and timestamps.

${formatOptions(PROBE_OPTIONS)}

Examples:
  rtmpkit probe rtmp://localhost/vod/movie.flv
  rtmpkit probe --live --seconds 5 --json rtmp://localhost/live/cam

Exit codes: 0 media seen, 1 refused, 2 no media in the window, 3 could not connect.
`;
}

/** What probe measured about one track. */
export interface TrackReport {
  /** Codec facts (from the sequence header when there was one). */
  codec: VideoInfo | AudioInfo;
  /** One-line description of the codec. */
  description: string;
  /** Coded frames (sequence headers not counted). */
  frames: number;
  /** Payload bytes (sequence headers included). */
  bytes: number;
  /** ms. */
  firstTimestamp: number;
  /** ms. */
  lastTimestamp: number;
  /** kbit/s over the track's media time. */
  bitrateKbps: number;
  /** Frames per second over the media time (video). */
  frameRate?: number;
  /** Video keyframes (sequence headers not counted). */
  keyframes?: number;
  /** Seconds between keyframes: average, shortest, longest (needs two keyframes). */
  keyframeInterval?: { average: number; min: number; max: number };
}

/** One track of the probe: its kind, E-RTMP track id and whether it came in E-RTMP form. */
export interface ProbeTrackReport extends TrackReport {
  kind: 'audio' | 'video';
  /** E-RTMP track id (0 = the default track, and every track of a legacy stream). */
  trackId: number;
  /** Its packets came with the E-RTMP header (ExVideoTagHeader / ExAudioTagHeader). */
  enhanced: boolean;
}

/** The whole probe result. */
export interface ProbeReport {
  url: string;
  /** The connect answer; `enhanced` = the server's E-RTMP fields (absent: it sent none). */
  server: { properties: Json; connect: Json; enhanced?: Json };
  metadata: Json | undefined;
  /** The default video track (track 0, else the lowest id). */
  video: TrackReport | undefined;
  /** The default audio track. */
  audio: TrackReport | undefined;
  /** Every track seen, video first, by track id. */
  tracks: ProbeTrackReport[];
  /** kbit/s of all media. */
  bitrateKbps: number;
  /** Seconds of media received (longest track span). */
  mediaSeconds: number;
  /** Seconds the probe played. */
  wallSeconds: number;
  /** The stream ended within the window. */
  ended: boolean;
}

class Track {
  info: VideoInfo | AudioInfo | undefined;
  enhanced = false;
  fromSequenceHeader = false;
  frames = 0;
  bytes = 0;
  first: number | undefined;
  last = 0;
  keyTimes: number[] = [];

  report(isVideo: boolean): TrackReport | undefined {
    if (this.info === undefined || this.first === undefined) return undefined;
    const spanMs = this.last - this.first;
    // Media time covered: the span plus one frame (n frames cover n frame durations).
    const coveredMs = this.frames > 1 ? (spanMs * this.frames) / (this.frames - 1) : 0;
    const r: TrackReport = {
      codec: this.info,
      description: isVideo ? describeVideo(this.info as VideoInfo) : describeAudio(this.info as AudioInfo),
      frames: this.frames,
      bytes: this.bytes,
      firstTimestamp: this.first,
      lastTimestamp: this.last,
      bitrateKbps: coveredMs > 0 ? (this.bytes * 8) / coveredMs : 0,
    };
    if (isVideo) {
      if (spanMs > 0 && this.frames > 1) r.frameRate = ((this.frames - 1) * 1000) / spanMs;
      r.keyframes = this.keyTimes.length;
      if (this.keyTimes.length >= 2) {
        const gaps = this.keyTimes.slice(1).map((t, i) => (t - this.keyTimes[i]!) / 1000);
        r.keyframeInterval = {
          average: gaps.reduce((a, b) => a + b, 0) / gaps.length,
          min: Math.min(...gaps),
          max: Math.max(...gaps),
        };
      }
    }
    return r;
  }
}

/** The fields of `o` that are set. */
function definedFields(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** A track's key: kind and E-RTMP track id. */
function trackKey(kind: 'audio' | 'video', trackId: number): string {
  return `${kind}#${trackId}`;
}

/** Accumulates the packets of a probe, per kind and E-RTMP track. */
export class ProbeStats {
  readonly #tracks = new Map<string, { kind: 'audio' | 'video'; trackId: number; track: Track }>();
  metadata: Record<string, AmfValue> | undefined;

  /** Adds one audio (8) or video (9) message payload at `timestamp` ms (every track it carries). */
  add(type: number, timestamp: number, payload: Buffer): void {
    if (type !== FlvTagType.Video && type !== FlvTagType.Audio) return;
    let packets: (VideoPacket | AudioPacket)[];
    try {
      packets = parseMediaPayload(type, payload, { metadata: false });
    } catch {
      return;
    }
    for (const p of packets) this.addPacket(p, timestamp, payload);
  }

  /**
   * Adds one packet of a message (`packets()` yields them per track): its track gets the
   * message's bytes, or — in a ManyTracks message — its own body's.
   */
  addPacket(p: VideoPacket | AudioPacket, timestamp: number, payload: Buffer): void {
    const key = trackKey(p.kind, p.trackId);
    let entry = this.#tracks.get(key);
    if (entry === undefined) {
      entry = { kind: p.kind, trackId: p.trackId, track: new Track() };
      this.#tracks.set(key, entry);
    }
    const track = entry.track;
    const info = (): VideoInfo | AudioInfo => (p.kind === 'video' ? videoInfo(p) : audioInfo(p));
    track.bytes +=
      p.multitrack === 'manyTracks' || p.multitrack === 'manyTracksManyCodecs'
        ? p.data.length
        : payload.length;
    track.enhanced ||= p.enhanced;
    if (p.isSequenceHeader) {
      if (!track.fromSequenceHeader) {
        track.info = info();
        track.fromSequenceHeader = true;
      }
      return;
    }
    if (p.packetType !== 'codedFrames' && p.packetType !== 'unknown') return;
    track.info ??= info();
    track.frames++;
    track.first ??= timestamp;
    track.last = timestamp;
    if (p.kind === 'video' && p.isKeyframe) track.keyTimes.push(timestamp);
  }

  /** The report so far. */
  report(base: {
    url: string;
    server: ProbeReport['server'];
    wallSeconds: number;
    ended: boolean;
  }): ProbeReport {
    const tracks: ProbeTrackReport[] = [];
    for (const { kind, trackId, track } of [...this.#tracks.values()].sort((a, b) =>
      a.kind === b.kind ? a.trackId - b.trackId : a.kind === 'video' ? -1 : 1,
    )) {
      const r = track.report(kind === 'video');
      if (r !== undefined) tracks.push({ kind, trackId, enhanced: track.enhanced, ...r });
    }
    // The default track of each kind (track 0, else the lowest id) keeps the top-level fields.
    const first = (kind: 'audio' | 'video'): TrackReport | undefined => {
      const t = tracks.find((x) => x.kind === kind);
      if (t === undefined) return undefined;
      const { kind: _k, trackId: _t, enhanced: _e, ...rest } = t;
      return rest;
    };
    const video = first('video');
    const audio = first('audio');
    const span = (t: TrackReport): number => (t.lastTimestamp - t.firstTimestamp) / 1000;
    return {
      ...base,
      metadata: this.metadata === undefined ? undefined : amfToJson(this.metadata),
      video,
      audio,
      tracks,
      bitrateKbps: tracks.reduce((n, t) => n + t.bitrateKbps, 0),
      mediaSeconds: Math.max(0, ...tracks.map(span)),
    };
  }
}

/** A server-provided value on one line: strings with control characters escaped, the rest as JSON. */
function formatJsonScalar(v: Json): string {
  return typeof v === 'string' ? escapeControl(v) : safeJson(v);
}

/** The human-readable report. */
export function formatProbeReport(r: ProbeReport, metadata: Record<string, AmfValue> | undefined): string {
  const lines: string[] = [`Stream:     ${escapeControl(r.url)}`];
  const props = r.server.properties;
  lines.push('Server:');
  if (props !== null && typeof props === 'object' && !Array.isArray(props)) {
    for (const [k, v] of Object.entries(props))
      lines.push(`  ${escapeControl(k).padEnd(22)}${formatJsonScalar(v)}`);
  }
  const c = r.server.connect;
  if (c !== null && typeof c === 'object' && !Array.isArray(c)) {
    const code = typeof c.code === 'string' ? escapeControl(c.code) : '';
    const desc = typeof c.description === 'string' ? ` (${escapeControl(c.description)})` : '';
    lines.push(`  ${'connect'.padEnd(22)}${code}${desc}`);
    if (c.objectEncoding !== undefined)
      lines.push(`  ${'objectEncoding'.padEnd(22)}${formatJsonScalar(c.objectEncoding)}`);
    const data = c.data;
    if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
      for (const [k, v] of Object.entries(data))
        lines.push(`  ${escapeControl(k).padEnd(22)}${formatJsonScalar(v)}`);
    }
  }
  if (metadata !== undefined) {
    lines.push('Metadata:');
    lines.push(...formatMetadata(metadata));
  }
  const v = r.video;
  if (v !== undefined) {
    lines.push(`Video:      ${v.description}`);
    const parts = [`${v.frames} frames`];
    if (v.frameRate !== undefined) parts.push(`${formatFixed(v.frameRate, 2)} fps`);
    parts.push(`${formatFixed(v.bitrateKbps, 1)} kbit/s`);
    lines.push(`  ${parts.join(', ')}`);
    if (v.keyframeInterval !== undefined) {
      const k = v.keyframeInterval;
      lines.push(
        `  keyframe every ${formatFixed(k.average, 3)} s (min ${formatFixed(k.min, 3)}, max ${formatFixed(k.max, 3)}; ${v.keyframes} keyframes)`,
      );
    } else {
      lines.push(`  ${v.keyframes ?? 0} keyframe(s) seen: probe longer (--seconds) for the interval`);
    }
    lines.push(`  timestamps ${v.firstTimestamp} .. ${v.lastTimestamp} ms`);
  } else {
    lines.push('Video:      none seen');
  }
  const a = r.audio;
  if (a !== undefined) {
    lines.push(`Audio:      ${a.description}`);
    lines.push(`  ${a.frames} frames, ${formatFixed(a.bitrateKbps, 1)} kbit/s`);
    lines.push(`  timestamps ${a.firstTimestamp} .. ${a.lastTimestamp} ms`);
  } else {
    lines.push('Audio:      none seen');
  }
  for (const t of r.tracks) {
    if (t.trackId === 0 && t === r.tracks.find((x) => x.kind === t.kind)) continue;
    const label = `${t.kind === 'video' ? 'Video' : 'Audio'} track ${t.trackId}:`;
    lines.push(`${label.padEnd(12)}${t.description}`);
    lines.push(`  ${t.frames} frames, ${formatFixed(t.bitrateKbps, 1)} kbit/s`);
  }
  const e = r.server.enhanced;
  if (e !== undefined && e !== null && typeof e === 'object' && !Array.isArray(e)) {
    lines.push('Enhanced RTMP (server):');
    for (const [k, v] of Object.entries(e)) lines.push(`  ${escapeControl(k).padEnd(22)}${safeJson(v)}`);
  }
  lines.push(
    `Total:      ${formatFixed(r.bitrateKbps, 1)} kbit/s over ${formatFixed(r.mediaSeconds, 2)} s of media, received in ${formatFixed(r.wallSeconds, 2)} s${r.ended ? ' (stream ended)' : ''}`,
  );
  return `${lines.join('\n')}\n`;
}

/** Runs `rtmpkit probe ARGS`; resolves with the exit code. */
export async function probeCommand(argv: readonly string[]): Promise<ExitCode> {
  const parsed = getopt(argv, PROBE_OPTIONS);
  if (has(parsed, 'help')) {
    process.stdout.write(probeHelp());
    return ExitCode.SUCCESS;
  }
  const [url, ...extra] = parsed.operands;
  if (url === undefined) throw new UsageError('probe needs a URL');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const secondsOpt = last(parsed, 'seconds');
  const seconds = secondsOpt === undefined ? 3 : numberArg(secondsOpt, { min: 0.1, max: 3600 });
  const startOpt = last(parsed, 'start');
  const start = startOpt === undefined ? undefined : numberArg(startOpt, { min: 0 });
  const json = has(parsed, 'json');
  // The report is the result (stdout, JSON or text); messages and errors stay human on stderr.
  const out = new Console(process.stderr, verbosityOf(parsed), {
    secrets: secretsOf(parsed).addUrl(url, false),
  });
  const state = { reported: false };
  return reportErrors('probe', out, async () => {
    try {
      return await probe(parsed, url, seconds, start, json, out, state);
    } catch (err) {
      // --json: stdout still gets one JSON document — a script reading it learns what
      // failed (with the library's stable code) instead of finding nothing to parse.
      if (json && !state.reported) {
        const error = {
          message: describeError(err),
          ...errorFields(err),
          exitCode: exitCodeFor(err, 'setup'),
        };
        process.stdout.write(`${out.redact(safeJson({ url, error }, 2, 3))}\n`);
      }
      throw err;
    }
  });
}

async function probe(
  parsed: ParsedArgs,
  url: string,
  seconds: number,
  start: number | undefined,
  json: boolean,
  out: Console,
  state: { reported: boolean },
): Promise<ExitCode> {
  setupLibraryLog(out.verbosity, out);
  const { options, conn: connItems } = connectionOptions(parsed);
  if (has(parsed, 'live')) options.live = true;
  let conn: RTMP;
  try {
    conn = new RTMP(url, options);
  } catch (err) {
    throw wrap(err, ExitCode.FAILED);
  }
  applyConn(conn, connItems);
  const interrupts = new Interrupts(() => {}, ExitCode.INCOMPLETE).install();
  try {
    const info = await connectOrFail(conn, interrupts.signal);
    const stats = new ProbeStats();
    conn.on('metadata', (meta) => {
      stats.metadata ??= meta;
    });
    let stream: RTMPStream;
    try {
      stream = await conn.createStream({
        ...(start === undefined ? {} : { seek: start }),
        signal: interrupts.signal,
      });
    } catch (err) {
      throw wrap(err, ExitCode.FAILED);
    }
    const began = performance.now();
    // The window is a timer of our own: an `AbortSignal.timeout()` inside
    // `AbortSignal.any()` is held only weakly, and once garbage-collected it never fires
    // (Node 20) — a live stream was then probed until it ended.
    const windowEnd = new AbortController();
    const windowTimer = setTimeout(() => windowEnd.abort(), seconds * 1000);
    const window = AbortSignal.any([interrupts.signal, windowEnd.signal]);
    let ended = false;
    let failure: unknown;
    try {
      for await (const p of stream.packets({ signal: window })) {
        if (p.type !== 'data') stats.addPacket(p, p.timestamp, p.payload);
        if (window.aborted) break;
      }
      ended = !window.aborted;
    } catch (err) {
      if (!window.aborted) failure = err;
    } finally {
      clearTimeout(windowTimer);
    }
    const wallSeconds = (performance.now() - began) / 1000;
    await within(stream.close(), 2000);
    const report = stats.report({
      url: conn.params.url.href,
      server: {
        properties: amfToJson(conn.serverProperties ?? null),
        connect: amfToJson(info),
        ...(conn.enhancedCapabilities
          ? { enhanced: amfToJson(definedFields(conn.enhancedCapabilities) as Record<string, AmfValue>) }
          : {}),
      },
      wallSeconds,
      ended,
    });
    state.reported = true;
    if (json) process.stdout.write(`${out.redact(safeJson(report, 2, 3))}\n`);
    else process.stdout.write(out.redact(formatProbeReport(report, stats.metadata)));
    if (failure !== undefined) {
      throw wrap(failure, ExitCode.INCOMPLETE);
    }
    if (report.video === undefined && report.audio === undefined) {
      out.error(`no media arrived in ${seconds} s`);
      return ExitCode.INCOMPLETE;
    }
    return ExitCode.SUCCESS;
  } finally {
    interrupts.uninstall();
    await within(conn.close(), 2000);
  }
}
