/**
 * `rtmpkit dump`'s command line: rtmpdump 2.4's options, flag for flag (`rtmpdump.c`),
 * the help text, and the plan the flags make — interpreted in command-line order as
 * rtmpdump's option loop does — before anything is opened or connected; and rtmpdump's
 * metadata listing (`DumpMetaData`).
 *
 * Deliberate differences: with `-i URL` the other connection flags still apply (rtmpdump
 * ignores all but `-C`, `-T`, `-Y`); `-r`, `-n`, `-c`, `-l` are then ignored with a
 * warning; a value rtmpdump would misread is an error (exit 1): non-numeric `-c`, `-A`,
 * `-B`, `-b`, `-m`, `-k`, `-x`, `-w` that is not 64 hex digits, `-w` without `-x` or the
 * reverse; an operand URL is taken as `-r` (with ` key=value` options, as `-i`).
 */
import type { AmfValue } from '../amf/types.js';
import type { RTMPOptions } from '../client/options.js';
import { parseUrl, RTMP_PROTOCOLS } from '../url/parse-url.js';
import { formatOptions, numberArg, type OptionSpec, type ParsedArgs } from './args.js';
import { CREDENTIAL_OPTIONS, PROXY_OPTION, SHOW_KEYS_OPTION, TLS_OPTIONS, tlsOptions } from './common.js';
import { UsageError } from './exit-codes.js';
import { formatFixed } from './progress.js';
import { applyRetries, RETRIES_OPTION } from './retries.js';
import { escapeControl } from './terminal.js';

/** rtmpdump's default buffer time: 10 hours, ms (`DEF_BUFTIME`). */
export const DEFAULT_DUMP_BUFFER_MS = 10 * 60 * 60 * 1000;

/**
 * What is wrong with a URL `parseUrl` refused, worded for the command line: whitespace
 * is the usual mistake — a space copied along at either end, or librtmp's ` key=value`
 * options, which `-i` takes — so it is named as such instead of the library's hint
 * (which points at `parseLibrtmpUrl`, an API name).
 */
function urlProblem(url: string, err: unknown): string {
  const message = (err as Error).message;
  if (!/\s/.test(url)) return message;
  const trimmed = url.trim();
  if (trimmed !== url && !/\s/.test(trimmed))
    return 'it starts or ends with a space (quote the URL without it)';
  return `it contains a space (a URL with " key=value" options goes after -i): ${message.replace(/ \(librtmp options .*\)$/, '')}`;
}

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
    help: 'Timeout after SEC seconds without data, or without media once playing (default: 30)',
  },
  RETRIES_OPTION,
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
    help: 'Buffer time in milliseconds (default: 36000000 for live; a recorded stream starts at 0 and rises as media is written, keeping the server a bounded lead ahead)',
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
  // dump writes whatever the stream gives (enhanced FLV included), so it offers E-RTMP in
  // connect, and follows a ReconnectRequest (capsEx Reconnect).
  const options: RTMPOptions = { enhanced: true, followReconnect: true };
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
          throw new UsageError(`couldn't parse the url given to ${o.flag} (${v}): ${urlProblem(v, err)}`);
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
      case 'retries':
        applyRetries(o, options);
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
