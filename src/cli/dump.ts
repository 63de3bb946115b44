/**
 * `rtmpkit dump` — rtmpdump 2.4, flag for flag (`rtmpdump.c`):
 * the same short and long options, the same console lines (progress
 * `\r%.3f kB / %.2f sec (%.1f%%)`, "Download complete", "Download may be incomplete
 * (downloaded about %.2f%%), try resuming"), the same exit codes (0 done, 1 failed,
 * 2 incomplete, 3 no connection), the same FLV bytes (the client's muxer lays tags out
 * like librtmp's `RTMP_Read`), `-o -` for stdout and `--resume`/`--skip` (resume.ts).
 *
 * Data path: the stream's FLV bytes → `FlvDemuxer` → whole tags → the file (or stdout),
 * so the file always ends at a tag boundary: Ctrl-C (SIGINT/SIGTERM/SIGHUP), a broken
 * connection or a closed pipe leave a valid partial FLV, and the exit code is 2.
 *
 * Deliberate differences from rtmpdump 2.4 (each fixes a librtmp/rtmpdump misbehaviour):
 * - `--stop` is enforced by rtmpkit too (media at or after the stop time is not written):
 *   servers that ignore play's length (nginx-rtmp) otherwise send the whole rest, and
 *   reaching the stop time counts as complete (rtmpdump compares with the full duration);
 * - a stream the server ends with NetStream.Play.Complete, or with Play.Stop within 1 s
 *   of the duration, is complete: rtmpdump demands 99.9 % of the metadata duration, which
 *   the last frame's timestamp misses whenever the duration includes that frame's length
 *   (ffmpeg-written files: a 10 s file ends at 99.8 % → exit 2, "try resuming");
 * - with `-i URL`, the other connection flags given (`-a`, `-y`, `-t`, `-v`, `-m`, `-B`,
 *   `-W`…) still apply, on top of the URL's options (rtmpdump silently ignores all but
 *   `-C`, `-T`, `-Y`); `-r`, `-n`, `-c`, `-l` are ignored with a warning;
 * - a value rtmpdump would misread or ignore is an error (exit 1): non-numeric `-c`,
 *   `-A`, `-B`, `-b`, `-m`, `-k`, `-x`; `-w` that is not 64 hex digits; `-w` without `-x`
 *   or the reverse (rtmpdump: a warning, then no SWF verification at all);
 * - the output file is created when playback starts, not before connecting, so a failed
 *   connection does not destroy an existing file;
 * - an operand URL is accepted: `rtmpkit dump rtmp://host/app/stream -o out.flv` (as `-r`;
 *   a URL with ` key=value` options as `-i`);
 * - `-q` still prints the one-line error report;
 * - the output knows the terminal: FLV is not written to a terminal unless asked for
 *   with an explicit `-o -` (as curl refuses binary output); progress has rate, elapsed
 *   time and ETA on a terminal and never `\r` into a pipe (progress.ts); `--json` prints
 *   NDJSON events (start, connected, metadata, progress, warning, error, end) on stdout —
 *   on stderr when the FLV goes to stdout; server text is escaped and tokens in the URL's
 *   query or options are masked unless `--show-keys` (terminal.ts);
 * - resume: see resume.ts (file cut mid-tag resumes, the file is truncated after the
 *   keyframe, works with servers that restart from 0 or rebase timestamps).
 * - `-W URL` (SWF verification) shares rtmpdump's `~/.swfinfo` cache and `-X` age, but a
 *   SWF that cannot be fetched or hashed (HTTP error, redirect, timeout, ZWS, not a SWF)
 *   fails the run with exit 1 (rtmpdump logs it and connects without verification, which
 *   the server then refuses); `-W` with `-w`/`-x` uses the given values without fetching
 *   (rtmpdump fetches and lets the fetched values win).
 * - rtmpkit's own flags: `--proxy URL` (SOCKS4a/5, HTTP CONNECT; `-S` stays SOCKS4) and
 *   `--pubUser`/`--pubPasswd` (or `rtmp://user:pass@host/…`) for servers that ask
 *   players too for Adobe/Limelight authentication, as FFmpeg answers them.
 * Not implemented: rtmpdump's automatic pause/unpause-then-reconnect retry after a read timeout is not
 * done (the download ends incomplete, exit 2; `--resume` continues it).
 */

import type { AmfValue } from '../amf/types.js';
import type { RTMPOptions } from '../client/options.js';
import { RTMP } from '../client/rtmp.js';
import type { RTMPStream } from '../client/rtmp-stream.js';
import { RTMPUsageError } from '../errors.js';
import { FlvDemuxer, type FlvTag } from '../flv/demuxer.js';
import { encodeFileHeader, FlvTagType } from '../flv/header.js';
import { isKeyframe } from '../flv/media.js';
import { parseUrl, RTMP_PROTOCOLS } from '../url/parse-url.js';
import { amfToJson } from './amf-json.js';
import { formatOptions, getopt, has, last, numberArg, type OptionSpec, type ParsedArgs } from './args.js';
import {
  applyConn,
  CREDENTIAL_OPTIONS,
  commandConsole,
  connectOrFail,
  Interrupts,
  PROXY_OPTION,
  reportErrors,
  SHOW_KEYS_OPTION,
  secretsOf,
  setupLibraryLog,
  signalNumber,
  TLS_OPTIONS,
  tlsOptions,
  within,
  wrap,
} from './common.js';
import { CliError, describeError, ExitCode, UsageError } from './exit-codes.js';
import { FileSink, type FlvSink, StreamSink, tagPieces } from './flv-output.js';
import { type Console, downloadPercent, formatFixed, Progress, type Verbosity } from './progress.js';
import { findResumePoint, type ResumeScan } from './resume.js';
import { escapeControl } from './terminal.js';
import { packageVersion } from './version.js';

/** rtmpdump's default buffer time: 10 hours, ms (`DEF_BUFTIME`). */
export const DEFAULT_DUMP_BUFFER_MS = 10 * 60 * 60 * 1000;

/** Every rtmpdump flag, in rtmpdump's help order. */
export const DUMP_OPTIONS: readonly OptionSpec[] = [
  { name: 'help', short: 'h', long: 'help', help: 'Print this help and exit' },
  {
    name: 'url',
    short: 'i',
    long: 'url',
    arg: 'URL',
    help: 'URL with librtmp options (e.g. "rtmp://h/app/x live=1 swfUrl=…")',
  },
  { name: 'rtmp', short: 'r', long: 'rtmp', arg: 'URL', help: 'URL (e.g. rtmp://host[:port]/app/playpath)' },
  { name: 'host', short: 'n', long: 'host', arg: 'HOST', help: 'Overrides the hostname in the rtmp url' },
  { name: 'port', short: 'c', long: 'port', arg: 'PORT', help: 'Overrides the port in the rtmp url' },
  { name: 'socks', short: 'S', long: 'socks', arg: 'HOST:PORT', help: 'Use the specified SOCKS4 proxy' },
  PROXY_OPTION,
  {
    name: 'protocol',
    short: 'l',
    long: 'protocol',
    arg: 'NUM',
    help: 'Overrides the protocol: 0 rtmp, 1 rtmpt, 2 rtmpe, 3 rtmpte, 4 rtmps, 5 rtmpts',
  },
  {
    name: 'playpath',
    short: 'y',
    long: 'playpath',
    arg: 'PATH',
    help: 'Overrides the playpath parsed from the url',
  },
  { name: 'playlist', short: 'Y', long: 'playlist', help: 'Set playlist before playing' },
  { name: 'swfUrl', short: 's', long: 'swfUrl', arg: 'URL', help: 'URL to player swf file' },
  {
    name: 'tcUrl',
    short: 't',
    long: 'tcUrl',
    arg: 'URL',
    help: 'URL to played stream (default: "rtmp://host[:port]/app")',
  },
  { name: 'pageUrl', short: 'p', long: 'pageUrl', arg: 'URL', help: 'Web URL of played programme' },
  { name: 'app', short: 'a', long: 'app', arg: 'APP', help: 'Name of target app on server' },
  {
    name: 'swfhash',
    short: 'w',
    long: 'swfhash',
    arg: 'HEX',
    help: 'SHA256 hash of the decompressed SWF file (32 bytes)',
  },
  {
    name: 'swfsize',
    short: 'x',
    long: 'swfsize',
    arg: 'NUM',
    help: 'Size of the decompressed SWF file, for SWF verification',
  },
  {
    name: 'swfVfy',
    short: 'W',
    long: 'swfVfy',
    arg: 'URL',
    help: 'URL to player swf file, compute hash/size automatically (cached in ~/.swfinfo)',
  },
  { name: 'swfAge', short: 'X', long: 'swfAge', arg: 'DAYS', help: 'Number of days to use cached SWF hash' },
  {
    name: 'auth',
    short: 'u',
    long: 'auth',
    arg: 'STR',
    help: 'Authentication string to be appended to the connect string',
  },
  {
    name: 'conn',
    short: 'C',
    long: 'conn',
    arg: 'TYPE:DATA',
    help: 'Arbitrary AMF data appended to connect: B:0|1 S:str N:num O:0|1 Z: NB:name:0|1 NS:name:str NN:name:num',
  },
  {
    name: 'flashVer',
    short: 'f',
    long: 'flashVer',
    arg: 'STR',
    help: 'Flash version string (default: "LNX 10,0,32,18")',
  },
  {
    name: 'live',
    short: 'v',
    long: 'live',
    help: 'Save a live stream, no --resume (seeking) of live streams possible',
  },
  {
    name: 'subscribe',
    short: 'd',
    long: 'subscribe',
    arg: 'NAME',
    help: 'Stream name to subscribe to (default: the playpath, if live)',
  },
  {
    name: 'realtime',
    short: 'R',
    long: 'realtime',
    help: "Don't attempt to speed up download via the Pause/Unpause BUFX hack",
  },
  {
    name: 'flv',
    short: 'o',
    long: 'flv',
    arg: 'FILE',
    help: 'FLV output file name; - (or none) writes to stdout',
  },
  { name: 'resume', short: 'e', long: 'resume', help: 'Resume a partial RTMP download' },
  {
    name: 'timeout',
    short: 'm',
    long: 'timeout',
    arg: 'SEC',
    help: 'Timeout connection after SEC seconds without data (default: 30)',
  },
  {
    name: 'start',
    short: 'A',
    long: 'start',
    arg: 'SEC',
    help: 'Start at SEC seconds into stream (not valid when using --live)',
  },
  { name: 'stop', short: 'B', long: 'stop', arg: 'SEC', help: 'Stop at SEC seconds into stream' },
  { name: 'token', short: 'T', long: 'token', arg: 'KEY', help: 'Key for SecureToken response' },
  {
    name: 'jtv',
    short: 'j',
    long: 'jtv',
    arg: 'JSON',
    help: 'Authentication token for Justin.tv legacy servers',
  },
  {
    name: 'hashes',
    short: '#',
    long: 'hashes',
    help: 'Display progress with hashes, not with the byte counter',
  },
  {
    name: 'buffer',
    short: 'b',
    long: 'buffer',
    arg: 'MS',
    help: 'Buffer time in milliseconds (default: 36000000)',
  },
  {
    name: 'skip',
    short: 'k',
    long: 'skip',
    arg: 'NUM',
    help: 'Skip NUM keyframes when looking for the last keyframe to resume from',
  },
  {
    name: 'quiet',
    short: 'q',
    long: 'quiet',
    help: 'Suppresses all command output (errors still get one line)',
  },
  { name: 'verbose', short: 'V', long: 'verbose', help: 'Verbose command output' },
  { name: 'debug', short: 'z', long: 'debug', help: 'Debug level command output' },
  {
    name: 'json',
    long: 'json',
    help: 'NDJSON events and progress on stdout (stderr when the FLV goes to stdout)',
  },
  SHOW_KEYS_OPTION,
  ...CREDENTIAL_OPTIONS,
  ...TLS_OPTIONS,
];

/** The help text of `rtmpkit dump`. */
export function dumpHelp(): string {
  return `Usage: rtmpkit dump [options] [-r] URL [-o FILE]

Downloads the media of an RTMP stream into an FLV file, like rtmpdump: the same
flags, output and exit codes (0 done, 1 failed, 2 incomplete: resume may get
further, 3 could not connect).

${formatOptions(DUMP_OPTIONS)}

Examples:
  rtmpkit dump -r rtmp://example.com/vod/mp4:movie.mp4 -o movie.flv
  rtmpkit dump -r rtmp://example.com/vod/movie -o movie.flv --resume
  rtmpkit dump -v -r rtmp://example.com/live/cam -B 60 -o cam.flv
  rtmpkit dump -r rtmp://example.com/live/cam -v -o - | ffplay -
  rtmpkit dump -i "rtmp://example.com/app/x live=1 conn=S:token" -o x.flv

If you don't pass swfUrl, pageUrl, or auth, these properties are not included
in the connect packet.
`;
}

/** What the flags ask for, before anything is opened or connected. */
export interface DumpPlan {
  /** URL for `new RTMP` (with librtmp options when `-i` was used). */
  url: string;
  /** Constructor options from the flags. */
  options: RTMPOptions;
  /** `-C` items, in order. */
  conn: string[];
  /** Output file, `-` for stdout. */
  output: string;
  resume: boolean;
  skip: number;
  /** `-A`, seconds (undefined: not given). */
  start: number | undefined;
  /** `-b` given: no automatic buffer increase. */
  bufferOverride: boolean;
  hashes: boolean;
  realtime: boolean;
  /** The protocol came from `-l` (for the "not supported" message). */
  protocolFlag: string | undefined;
  /** rtmpdump-style warnings to print. */
  warnings: string[];
}

const PROTOCOL_NAMES = ['rtmp', 'rtmpt', 'rtmpe', 'rtmpte', 'rtmps', 'rtmpts'] as const;

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function defaultPort(protocol: number): number {
  const name = PROTOCOL_NAMES[protocol]!;
  return RTMP_PROTOCOLS[name].defaultPort;
}

/**
 * Interprets the flags in command-line order, as rtmpdump's option loop does (`-r` fills
 * host, port, protocol, app and playpath only where an earlier flag did not set them;
 * later `-n/-c/-l/-a/-y` override).
 *
 * @throws UsageError / CliError (exit 1) for bad or missing values
 */
export function buildDumpPlan(parsed: ParsedArgs): DumpPlan {
  let hostname: string | undefined;
  let port = -1;
  let protocol = -1;
  let protocolFlag: string | undefined;
  let playpath = '';
  let app = '';
  let playpathFlag: string | undefined;
  let appFlag: string | undefined;
  let tcUrl: string | undefined;
  let fullUrl: string | undefined;
  let swfHash: string | undefined;
  let swfSize: number | undefined;
  let swfVfyUrl: string | undefined;
  let buffer: number | undefined;
  let output: string | undefined;
  let start: number | undefined;
  // dump writes whatever the stream gives (enhanced FLV included), so it offers E-RTMP in connect.
  const options: RTMPOptions = { enhanced: true };
  const conn: string[] = [];
  const warnings: string[] = [];
  let resume = false;
  let skip = 0;
  let hashes = false;
  let realtime = false;
  const ignoredWithUrl: string[] = [];

  const operands = [...parsed.operands];
  const occurrences = [...parsed.options];
  // An operand URL: `rtmpkit dump rtmp://h/app/x` (a URL with options: as -i).
  for (const op of operands) {
    if (!op.includes('://'))
      throw new UsageError(`unexpected argument '${op}' (the URL goes after -r, the file after -o)`);
    occurrences.unshift({ name: /\s/.test(op) ? 'url' : 'rtmp', value: op, flag: 'URL' });
  }

  for (const o of occurrences) {
    const v = o.value ?? '';
    switch (o.name) {
      case 'rtmp': {
        let u: ReturnType<typeof parseUrl>;
        try {
          u = parseUrl(v);
        } catch (err) {
          const hint = /\s/.test(v) ? ' (a URL with " key=value" options goes after -i)' : '';
          throw new UsageError(
            `couldn't parse the url given to ${o.flag} (${v}): ${(err as Error).message}${hint}`,
          );
        }
        ignoredWithUrl.push(o.flag);
        if (hostname === undefined) hostname = u.host;
        if (port === -1) port = u.portSpecified ? u.port : 0;
        if (playpath === '' && u.playpath !== '') playpath = u.playpath;
        if (protocol === -1) protocol = RTMP_PROTOCOLS[u.protocol].id;
        if (app === '' && u.app !== '') app = u.app;
        break;
      }
      case 'url':
        fullUrl = v;
        break;
      case 'host':
        hostname = v;
        ignoredWithUrl.push(o.flag);
        break;
      case 'port':
        port = numberArg(o, { integer: true, min: 0, max: 65535 });
        ignoredWithUrl.push(o.flag);
        break;
      case 'protocol': {
        const n = numberArg(o, { integer: true });
        if (n < 0 || n > 5)
          throw new UsageError(
            `Unknown protocol specified: ${v} (0 rtmp, 1 rtmpt, 2 rtmpe, 3 rtmpte, 4 rtmps, 5 rtmpts)`,
          );
        protocol = n;
        protocolFlag = `${o.flag} ${v}`;
        ignoredWithUrl.push(o.flag);
        break;
      }
      case 'playpath':
        playpath = v;
        playpathFlag = v;
        break;
      case 'playlist':
        options.playlist = true;
        break;
      case 'app':
        app = v;
        appFlag = v;
        break;
      case 'tcUrl':
        tcUrl = v;
        break;
      case 'swfUrl':
      case 'pageUrl':
      case 'flashVer':
      case 'auth':
      case 'subscribe':
      case 'token':
      case 'jtv':
      case 'socks':
      case 'proxy':
      case 'pubUser':
      case 'pubPasswd':
        options[o.name] = v;
        break;
      case 'swfhash':
        if (!/^[0-9a-fA-F]{64}$/.test(v)) {
          throw new UsageError(`${o.flag} needs the SWF hash as 64 hex digits (32 bytes), got '${v}'`);
        }
        swfHash = v;
        break;
      case 'swfsize':
        swfSize = numberArg(o, { integer: true, min: 1, max: 0xffffffff });
        break;
      case 'swfVfy':
        swfVfyUrl = v;
        break;
      case 'swfAge':
        options.swfAge = numberArg(o, { integer: true, min: 0 });
        break;
      case 'conn':
        conn.push(v);
        break;
      case 'live':
        options.live = true;
        break;
      case 'realtime':
        realtime = true;
        options.realtime = true;
        break;
      case 'flv':
        output = v;
        break;
      case 'resume':
        resume = true;
        break;
      case 'timeout':
        options.timeout = numberArg(o, { min: 0 });
        break;
      case 'start':
        start = numberArg(o, { min: 0 });
        break;
      case 'stop':
        options.stop = numberArg(o, { min: 0 });
        break;
      case 'buffer':
        buffer = numberArg(o, { integer: true, min: 0, max: 0xffffffff });
        break;
      case 'skip':
        skip = numberArg(o, { integer: true, min: 0 });
        break;
      case 'hashes':
        hashes = true;
        break;
    }
  }

  if (swfHash !== undefined && swfSize === undefined)
    throw new UsageError('--swfhash (-w) needs --swfsize (-x) too');
  if (swfSize !== undefined && swfHash === undefined)
    throw new UsageError('--swfsize (-x) needs --swfhash (-w) too');
  if (swfVfyUrl !== undefined) {
    // The client fetches and hashes it before connecting (hashSwf, ~/.swfinfo, -X days),
    // unless -w/-x give the values.
    options.swfUrl = swfVfyUrl;
    options.swfVfy = true;
  }
  if (swfHash !== undefined) {
    options.swfHash = swfHash;
    options.swfSize = swfSize!;
  }

  let url: string;
  if (fullUrl !== undefined) {
    url = fullUrl;
    const ignored = [...new Set(ignoredWithUrl.filter((f) => f !== 'URL'))];
    if (ignored.length > 0) warnings.push(`${ignored.join(', ')} ignored: -i gives the whole URL`);
    if (appFlag !== undefined) options.app = appFlag;
    if (playpathFlag !== undefined) options.playpath = playpathFlag;
    if (tcUrl !== undefined) options.tcUrl = tcUrl;
  } else {
    if (hostname === undefined || hostname === '') {
      throw new UsageError(
        'You must specify a hostname (--host) or url (-r "rtmp://host[:port]/playpath") containing a hostname',
      );
    }
    if (playpath === '') {
      throw new UsageError(
        'You must specify a playpath (--playpath) or url (-r "rtmp://host[:port]/playpath") containing a playpath',
      );
    }
    if (protocol === -1) {
      warnings.push(
        "You haven't specified a protocol (--protocol) or rtmp url (-r), using default protocol RTMP",
      );
      protocol = 0;
    }
    if (port === -1) {
      warnings.push("You haven't specified a port (--port) or rtmp url (-r), using default port 1935");
      port = 0;
    }
    if (port === 0) port = defaultPort(protocol);
    const proto = PROTOCOL_NAMES[protocol]!;
    const base = `${proto}://${hostForUrl(hostname)}:${port}`;
    url = base;
    options.app = app;
    options.playpath = playpath;
    options.tcUrl = tcUrl ?? `${base}/${app}`;
  }
  if (buffer !== undefined) options.buffer = buffer;
  const tls = tlsOptions(parsed);
  if (tls !== undefined) options.tls = tls;
  if (output === undefined) {
    warnings.push("You haven't specified an output file (-o filename), using stdout");
    output = '-';
  }
  return {
    url,
    options,
    conn,
    output,
    resume,
    skip,
    start,
    bufferOverride: buffer !== undefined,
    hashes,
    realtime,
    protocolFlag,
    warnings,
  };
}

/** rtmpdump's `DumpMetaData`: `  %-22s%s` per property, numbers `%.2f`, booleans TRUE/FALSE, objects by name. */
export function formatMetadata(meta: Readonly<Record<string, AmfValue>> | Map<string, AmfValue>): string[] {
  const lines: string[] = [];
  const entries = meta instanceof Map ? [...meta.entries()] : Object.entries(meta);
  for (const [k, v] of entries) {
    if (v === null || v === undefined) continue;
    const key = escapeControl(k);
    if (typeof v === 'number') lines.push(`  ${key.padEnd(22)}${formatFixed(v, 2)}`);
    else if (typeof v === 'boolean') lines.push(`  ${key.padEnd(22)}${v ? 'TRUE' : 'FALSE'}`);
    else if (typeof v === 'string') lines.push(`  ${key.padEnd(22)}${escapeControl(v.replace(/\n$/, ''))}`);
    else if (v instanceof Date) lines.push(`  ${key.padEnd(22)}timestamp:${formatFixed(v.getTime(), 2)}`);
    else if (v instanceof Map || Array.isArray(v) || typeof v === 'object') {
      if (v instanceof Uint8Array) continue;
      lines.push(`${key}:`);
      const inner = Array.isArray(v)
        ? Object.fromEntries(v.map((x, i) => [String(i), x]))
        : (v as Record<string, AmfValue> | Map<string, AmfValue>);
      lines.push(...formatMetadata(inner as Record<string, AmfValue>));
    }
  }
  return lines;
}

/** What to do with one received tag. */
export type TagDecision = { action: 'write'; timestamp: number } | { action: 'skip' } | { action: 'stop' };

/** Options of `TagFilter`. */
export interface TagFilterOptions {
  /** Resuming: the keyframe the file ends with (it is already in the file). */
  resume?: { type: number; payload: Buffer; timestamp: number; skip: number };
  /** The resumed file's onMetaData payload (not written again). */
  metadataPayload?: Buffer;
  /** Stop time, ms (0: none): absolute for recorded streams, from the first media tag for live ones. */
  stopMs?: number;
  live?: boolean;
}

/**
 * Decides tag by tag what `dump` writes: when resuming, nothing until the stream's copy
 * of the file's last keyframe has gone by (recognised by type and bytes, so it works
 * whether the server seeks to it, restarts from 0, or rebases timestamps to 0 — the
 * offset between the stream's and the file's timestamps is learnt from it); then
 * everything with timestamps continuing the file's; and nothing from the stop time on.
 */
export class TagFilter {
  readonly #opts: TagFilterOptions;
  #matched: boolean;
  #offset = 0;
  #firstMediaTs: number | undefined;

  constructor(options: TagFilterOptions = {}) {
    this.#opts = options;
    this.#matched = options.resume === undefined;
  }

  /** Whether the resume keyframe was found (always true when not resuming). */
  get resumed(): boolean {
    return this.#matched;
  }

  /**
   * @throws CliError (exit 1) "Couldn't resume FLV file, try --skip N+1" when the stream
   *   passed the keyframe's time without it
   */
  decide(tag: Pick<FlvTag, 'type' | 'timestamp' | 'payload'>): TagDecision {
    const r = this.#opts.resume;
    if (r !== undefined && !this.#matched) {
      if (tag.type === r.type && tag.payload.equals(r.payload)) {
        this.#matched = true;
        this.#offset = r.timestamp - tag.timestamp;
        return { action: 'skip' };
      }
      if (tag.type === r.type && tag.timestamp > r.timestamp && isKeyframe(tag.type, tag.payload)) {
        throw new CliError(`Couldn't resume FLV file, try --skip ${r.skip + 1}`);
      }
      return { action: 'skip' };
    }
    if (
      tag.type === FlvTagType.Script &&
      this.#opts.metadataPayload !== undefined &&
      tag.payload.equals(this.#opts.metadataPayload)
    ) {
      return { action: 'skip' };
    }
    const timestamp = (tag.timestamp + this.#offset) >>> 0;
    const stopMs = this.#opts.stopMs ?? 0;
    if (stopMs > 0 && (tag.type === FlvTagType.Audio || tag.type === FlvTagType.Video)) {
      if (this.#opts.live) {
        this.#firstMediaTs ??= timestamp;
        if (timestamp - this.#firstMediaTs >= stopMs) return { action: 'stop' };
      } else if (timestamp >= stopMs) {
        return { action: 'stop' };
      }
    }
    return { action: 'write', timestamp };
  }
}

const READ_SIZE = 1 << 30;
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
    const params = conn.params;
    const live = params.live;
    if (!plan.bufferOverride) {
      // rtmpdump's default is 10 h; a buffer= in an -i URL is honoured.
      const fromUrl = params.buffer !== 30_000 ? params.buffer : undefined;
      conn.setOption('buffer', fromUrl ?? DEFAULT_DUMP_BUFFER_MS);
    }
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
    let scan: ResumeScan | undefined;
    let duration = 0;
    if (resume) {
      scan = findResumePoint(plan.output, plan.skip);
      duration = scan.duration;
      if (scan.kind === 'fresh') out.warn(`${scan.reason}: downloading from the start`);
      if (scan.point !== undefined) {
        if (startMs > 0) out.warn("Can't seek a resumed stream, ignoring --start option");
        startMs = scan.point.timestamp;
        out.debug(`last keyframe at ${scan.point.timestamp} ms, offset ${scan.point.keyframeOffset}`);
        if (duration > 0 && startMs >= duration * 999) {
          out.print(
            `Already Completed at: ${formatFixed(startMs / 1000, 3)} sec Duration=${formatFixed(duration, 3)} sec`,
          );
          out.print('Download complete');
          return ExitCode.SUCCESS;
        }
      }
    }
    const point = scan?.point;
    const stopMs = Math.round(params.stop * 1000);
    if (stopMs > 0 && !live && stopMs <= startMs) {
      out.print('Already Completed');
      out.print('Download complete');
      return ExitCode.SUCCESS;
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
          plan.output === '-' ? new StreamSink(process.stdout) : new FileSink(plan.output, point?.truncateAt);
      } catch (err) {
        await within(conn.close(), 2000);
        throw new CliError(`Failed to open file! ${plan.output}: ${(err as Error).message}`);
      }
      return await this.#download(conn, stream, sink, {
        live,
        startMs,
        stopMs,
        duration,
        scan,
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
      if (cause.code === 'ERR_RTMP_UNSUPPORTED_PROTOCOL' && this.#plan.protocolFlag !== undefined) {
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
      startMs: number;
      stopMs: number;
      duration: number;
      scan: ResumeScan | undefined;
      interrupts: Interrupts;
      endCode: () => string | undefined;
    },
  ): Promise<ExitCode> {
    const out = this.#out;
    const plan = this.#plan;
    const point = s.scan?.point;
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
    const demuxer = new FlvDemuxer();
    const filter = new TagFilter({
      ...(point === undefined
        ? {}
        : {
            resume: {
              type: point.keyframeType,
              payload: point.keyframePayload,
              timestamp: point.timestamp,
              skip: point.skipped,
            },
          }),
      ...(s.scan?.metadataPayload !== undefined && resuming
        ? { metadataPayload: s.scan.metadataPayload }
        : {}),
      stopMs: s.stopMs,
      live: s.live,
    });
    let headerWritten = resuming;
    let stopReached = false;
    let failure: unknown;
    let resumeFailure: CliError | undefined;
    let writeFailure: unknown;
    let bufferRaised = plan.bufferOverride;

    for (;;) {
      if (s.interrupts.signal.aborted || sink.broken !== undefined) break;
      let chunk: Buffer;
      try {
        chunk = await stream.read(READ_SIZE, { signal: s.interrupts.signal });
      } catch (err) {
        if (!s.interrupts.signal.aborted) failure = err;
        break;
      }
      if (chunk.length === 0) break;
      let tags: FlvTag[];
      try {
        tags = demuxer.push(chunk);
      } catch (err) {
        failure = err;
        break;
      }
      const pieces: Uint8Array[] = [];
      if (!headerWritten && demuxer.header !== undefined) {
        pieces.push(encodeFileHeader({ audio: demuxer.header.hasAudio, video: demuxer.header.hasVideo }));
        headerWritten = true;
      }
      for (const tag of tags) {
        let d: TagDecision;
        try {
          d = filter.decide(tag);
        } catch (err) {
          resumeFailure = err as CliError;
          break;
        }
        if (d.action === 'stop') {
          stopReached = true;
          break;
        }
        if (d.action === 'write') {
          pieces.push(...tagPieces(tag.type, d.timestamp, tag.payload, tag.streamId, tag.filter));
          lastTs = d.timestamp;
        }
      }
      try {
        await sink.write(pieces);
      } catch (err) {
        writeFailure = err;
        break;
      }
      if (duration <= 0) duration = stream.duration;
      if (!bufferRaised && duration > 0 && duration * 1000 > DEFAULT_DUMP_BUFFER_MS) {
        bufferRaised = true; // rtmpdump: make sure we claim to have enough buffer time
        await stream.updateBuffer(Math.min(0xffffffff, Math.round(duration * 1000) + 5000)).catch(() => {});
      }
      progress.update(sink.bytes, lastTs, duration);
      if (stopReached || resumeFailure !== undefined) break;
    }

    if (duration <= 0) duration = stream.duration;
    if (filter.resumed) sink.commit(); // a resume that found its keyframe drops the file's stale tail
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
      if (out.json) out.error(resumeFailure.message, { exitCode: ExitCode.FAILED });
      else out.print(resumeFailure.message);
      return ExitCode.FAILED;
    }
    const percent = downloadPercent(lastTs, duration);
    let code: ExitCode;
    if (sink.broken !== undefined) {
      out.error(
        `the output was closed (${(sink.broken as NodeJS.ErrnoException).code ?? sink.broken.message})`,
      );
      code = ExitCode.INCOMPLETE;
    } else if (interrupted) {
      code = ExitCode.INCOMPLETE;
    } else if (failure !== undefined) {
      out.error(describeError(failure));
      code = ExitCode.INCOMPLETE;
    } else if (resuming && !filter.resumed) {
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
