/**
 * The server-limit flags of `rtmpkit serve`: one flag per `RTMPServerOptions` limit, named
 * after it (`--max-connections N`, `--handshake-timeout MS`, `--max-output-buffer BYTES`…),
 * with its default in the help. Counts and milliseconds are plain integers; byte sizes
 * take an optional binary suffix (`64K`, `16M`, `1G`). The ranges are the library's own:
 * a value it refuses (`ERR_SERVER_OPTION`) is reported under the flag's name.
 *
 * Invariant: every flag maps to exactly one option key; the values are integers or the
 * command fails with a `UsageError` (exit 1) naming the flag.
 */
import type { RTMPServerOptions } from '../server/options.js';
import { last, type OptionSpec, type ParsedArgs } from './args.js';
import { UsageError } from './exit-codes.js';

type Unit = 'N' | 'MS' | 'BYTES';

/** A limit flag: its long name, the option it sets, its unit and its help line. */
interface LimitFlag {
  readonly flag: string;
  readonly key: keyof RTMPServerOptions;
  readonly unit: Unit;
  readonly help: string;
}

const LIMITS: readonly LimitFlag[] = [
  { flag: 'max-connections', key: 'maxConnections', unit: 'N', help: 'Connections in total (default 100)' },
  {
    flag: 'max-per-address',
    key: 'maxConnectionsPerAddress',
    unit: 'N',
    help: 'Connections from one address (default half of --max-connections)',
  },
  {
    flag: 'handshake-timeout',
    key: 'handshakeTimeoutMs',
    unit: 'MS',
    help: 'Handshake done within this of the accept (default 10000)',
  },
  {
    flag: 'connect-timeout',
    key: 'connectTimeoutMs',
    unit: 'MS',
    help: 'connect command within this of the accept (default 20000)',
  },
  {
    flag: 'message-timeout',
    key: 'messageTimeoutMs',
    unit: 'MS',
    help: 'A message complete within this of its first byte (default 30000)',
  },
  { flag: 'idle-timeout', key: 'idleTimeoutMs', unit: 'MS', help: 'Close a silent client (default 30000)' },
  { flag: 'max-message-size', key: 'maxMessageSize', unit: 'BYTES', help: 'Largest message (default 16M)' },
  {
    flag: 'max-chunk-size',
    key: 'maxChunkSize',
    unit: 'BYTES',
    help: 'Largest Set Chunk Size (default 16777215)',
  },
  { flag: 'max-chunk-streams', key: 'maxChunkStreams', unit: 'N', help: 'Chunk streams (default 64)' },
  {
    flag: 'max-input-buffer',
    key: 'maxInputBuffer',
    unit: 'BYTES',
    help: 'Bytes held for unfinished messages (default 32M)',
  },
  {
    flag: 'output-high-water',
    key: 'outputHighWaterMark',
    unit: 'BYTES',
    help: 'Unsent bytes above which a client is not read (default 8M or --max-output-buffer)',
  },
  {
    flag: 'max-output-buffer',
    key: 'maxOutputBuffer',
    unit: 'BYTES',
    help: 'Unsent bytes above which a client is cut off (default 32M)',
  },
  {
    flag: 'live-high-water',
    key: 'liveHighWaterMark',
    unit: 'BYTES',
    help: "A live player's unsent bytes above which video is dropped (default 4M)",
  },
  {
    flag: 'gop-cache',
    key: 'gopCacheMaxBytes',
    unit: 'BYTES',
    help: 'GOP cache per stream for late joiners (default 8M; 0 = none)',
  },
  { flag: 'max-command-size', key: 'maxCommandSize', unit: 'BYTES', help: 'Largest command (default 64K)' },
  {
    flag: 'max-command-rate',
    key: 'maxCommandsPerSecond',
    unit: 'N',
    help: 'Commands per second per client (default 200)',
  },
  {
    flag: 'max-metadata-size',
    key: 'maxMetadataSize',
    unit: 'BYTES',
    help: 'Largest onMetaData a publisher may send (default 1M)',
  },
  { flag: 'max-streams', key: 'maxStreams', unit: 'N', help: 'Streams per connection (default 64)' },
  { flag: 'amf-max-depth', key: 'amfMaxDepth', unit: 'N', help: 'Deepest AMF nesting (default 64)' },
  {
    flag: 'log-interval',
    key: 'logIntervalMs',
    unit: 'MS',
    help: 'Repeated refusals logged once per address and kind per this (default 10000)',
  },
];

/** The limit flags as `getopt` specs (the option key is the spec's name). */
export const LIMIT_OPTIONS: readonly OptionSpec[] = LIMITS.map((l) => ({
  name: l.key,
  long: l.flag,
  arg: l.unit,
  help: l.help,
}));

const SUFFIX: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** `N`/`MS`: a non-negative integer; `BYTES`: the same with an optional K, M or G (×1024ⁿ). */
function limitValue(l: LimitFlag, text: string): number {
  const m = /^\s*(\d+)([kmg]?)\s*$/i.exec(text);
  const suffix = m?.[2]?.toLowerCase() ?? '';
  if (m === null || (suffix !== '' && l.unit !== 'BYTES')) {
    const kind = l.unit === 'BYTES' ? 'a byte count (e.g. 4096, 64K, 16M)' : 'a whole number';
    throw new UsageError(`option '--${l.flag}' needs ${kind}, got '${text}'`);
  }
  const n = Number(m[1]) * SUFFIX[suffix]!;
  if (!Number.isSafeInteger(n)) throw new UsageError(`option '--${l.flag}': ${text} is too large`);
  return n;
}

/** The server options the limit flags of `parsed` set (the last occurrence of each wins). */
export function limitOptions(parsed: ParsedArgs): Partial<RTMPServerOptions> {
  const out: Record<string, number> = {};
  for (const l of LIMITS) {
    const o = last(parsed, l.key);
    if (o !== undefined) out[l.key] = limitValue(l, o.value ?? '');
  }
  return out as Partial<RTMPServerOptions>;
}

/**
 * The library's message for a bad option value (`maxConnections must be …`) with the
 * option named as its flag (`--max-connections must be …`); other messages unchanged.
 */
export function limitMessage(message: string): string {
  const l = LIMITS.find((x) => message.startsWith(`${x.key} `));
  return l === undefined ? message : `--${l.flag}${message.slice(l.key.length)}`;
}
