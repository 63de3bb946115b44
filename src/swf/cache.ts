/**
 * librtmp's SWF hash cache, `~/.swfinfo` (librtmp `hashswf.c`
 * `RTMP_HashSWF`), read and written in librtmp's exact record format so that
 * rtmpkit and rtmpdump share one file:
 *
 *     url: <SWF URL without its query string>
 *     ctim: <HTTP date of the last check, "Www, DD Mon YYYY HH:MM:SS GMT">
 *     date: <the SWF's Last-Modified, possibly empty>
 *     size: <decompressed size, %08x>
 *     hash: <HMAC-SHA256, 64 hex digits>
 *
 * Parsing and formatting are pure (`parseSwfInfo`, `formatSwfInfo`, `findSwfRecord`,
 * `isSwfRecordFresh`); `readSwfInfoFile` / `writeSwfInfoFile` do the file I/O, the write
 * atomically (temporary file in the same directory, then rename), so a crash or a
 * concurrent reader never sees half a file. Records rtmpkit does not touch are written
 * back byte for byte, foreign or malformed ones included.
 *
 * Differences from librtmp (each deliberate):
 * - lookup is by exact URL (without query): librtmp matches the `scheme://host/` prefix
 *   plus a prefix of the last path segment, so `http://h/a/p.swf` and `http://h/b/p.swf`
 *   (or `p.swf` and `p.swfx`) share one record there;
 * - a record is used only when all of ctim, size (1..8 hex digits, non-zero) and hash (64
 *   hex digits) are valid: librtmp uses whatever it managed to read, garbage included;
 * - librtmp rewrites records in place (`r+`), which corrupts the file when a new `date:`
 *   is longer than the old one; here the whole file is rewritten atomically.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** One SWF record of `~/.swfinfo`. */
export interface SwfInfoRecord {
  /** `url:` — the SWF URL without its query string. */
  url: string;
  /** `ctim:` — HTTP date of the last check (empty when missing). */
  ctim: string;
  /** `date:` — the SWF's Last-Modified (empty when the server sent none). */
  date: string;
  /** `size:` — decompressed size, or undefined when missing or malformed. */
  size: number | undefined;
  /** `hash:` — 32-byte hash, or undefined when missing or malformed. */
  hash: Buffer | undefined;
  /** The record's original text (lines with their newlines), kept until it is modified. */
  raw?: string;
}

/** A parsed `.swfinfo` file. */
export interface SwfInfoFile {
  /** Text before the first `url:` line, kept as is. */
  preamble: string;
  /** Records in file order. */
  records: SwfInfoRecord[];
}

/** librtmp's longest `date:` value (its buffer is 64 bytes with the NUL). */
export const SWF_DATE_MAX_LENGTH = 63;

const SECONDS_PER_DAY = 86_400;

/**
 * Where librtmp keeps the cache: `$HOME/.swfinfo` (`./.swfinfo` when HOME is unset), or
 * `%HOMEDRIVE%%HOMEPATH%\.swfinfo` on Windows. Read from the environment at each call.
 */
export function defaultSwfInfoPath(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32') {
    return `${env.HOMEDRIVE ?? ''}${env.HOMEPATH ?? '.'}\\.swfinfo`;
  }
  return join(env.HOME ?? '.', '.swfinfo');
}

/** The cache key of a URL: everything before the first `?` (what librtmp writes). */
export function swfCacheUrl(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** librtmp's `strtime`: `Www, DD Mon YYYY HH:MM:SS GMT` (what `Date#toUTCString` gives). */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** Parses an HTTP date (RFC 1123, RFC 850 or asctime), ms since the epoch, or NaN. */
export function parseHttpDate(s: string): number {
  return Date.parse(s);
}

function fieldValue(line: string, name: string): string | undefined {
  const prefix = `${name}: `;
  if (!line.startsWith(prefix)) return undefined;
  return line.slice(prefix.length).replace(/\r?\n$/, '');
}

/** Parses `.swfinfo` text. Never throws: malformed fields read as missing. */
export function parseSwfInfo(text: string): SwfInfoFile {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  let preamble = '';
  const records: SwfInfoRecord[] = [];
  let cur: SwfInfoRecord | undefined;
  for (const line of lines) {
    const url = fieldValue(line, 'url');
    if (url !== undefined) {
      cur = { url, ctim: '', date: '', size: undefined, hash: undefined, raw: line };
      records.push(cur);
      continue;
    }
    if (cur === undefined) {
      preamble += line;
      continue;
    }
    cur.raw += line;
    const ctim = fieldValue(line, 'ctim');
    if (ctim !== undefined) cur.ctim = ctim;
    const date = fieldValue(line, 'date');
    if (date !== undefined) cur.date = date;
    const size = fieldValue(line, 'size');
    if (size !== undefined) {
      cur.size =
        /^[0-9a-fA-F]{1,8}$/.test(size) && Number.parseInt(size, 16) > 0
          ? Number.parseInt(size, 16)
          : undefined;
    }
    const hash = fieldValue(line, 'hash');
    if (hash !== undefined) cur.hash = /^[0-9a-fA-F]{64}$/.test(hash) ? Buffer.from(hash, 'hex') : undefined;
  }
  return { preamble, records };
}

/** One record in librtmp's format (five lines, each ending in `\n`). */
export function formatSwfRecord(r: SwfInfoRecord): string {
  if (r.raw !== undefined) return r.raw;
  const size = (r.size ?? 0).toString(16).padStart(8, '0');
  const hash = r.hash?.toString('hex') ?? '';
  return `url: ${r.url}\nctim: ${r.ctim}\ndate: ${r.date}\nsize: ${size}\nhash: ${hash}\n`;
}

/** The whole file's text; untouched records come out exactly as they were read. */
export function formatSwfInfo(file: SwfInfoFile): string {
  let out = file.preamble;
  if (out !== '' && !out.endsWith('\n')) out += '\n';
  for (const r of file.records) {
    let text = formatSwfRecord(r);
    if (!text.endsWith('\n')) text += '\n';
    out += text;
  }
  return out;
}

/** The first record for `url` (compared without query strings), or undefined. */
export function findSwfRecord(file: SwfInfoFile, url: string): SwfInfoRecord | undefined {
  const key = swfCacheUrl(url);
  return file.records.find((r) => r.url === key);
}

/** Whether a record carries a usable size and hash. */
export function isSwfRecordComplete(r: SwfInfoRecord): r is SwfInfoRecord & { size: number; hash: Buffer } {
  return r.size !== undefined && r.hash !== undefined;
}

/**
 * librtmp's age rule: with `ageDays > 0`, a record checked less than `ageDays` whole days
 * ago (`(now − ctim) / 86400` truncated, as C integer division does) is used without any
 * network access. `ageDays = 0` never trusts the cache without asking the server.
 */
export function isSwfRecordFresh(r: SwfInfoRecord, ageDays: number, nowMs: number = Date.now()): boolean {
  if (!(ageDays > 0)) return false;
  const ctim = parseHttpDate(r.ctim);
  if (!Number.isFinite(ctim) || ctim <= 0) return false;
  const days = Math.trunc((Math.floor(nowMs / 1000) - Math.floor(ctim / 1000)) / SECONDS_PER_DAY);
  return days < ageDays;
}

/**
 * Reads and parses the cache file; a missing file is an empty cache.
 *
 * @throws the file system error for anything but ENOENT
 */
export async function readSwfInfoFile(path: string): Promise<SwfInfoFile> {
  let text: string;
  try {
    text = await readFile(path, 'latin1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { preamble: '', records: [] };
    throw err;
  }
  return parseSwfInfo(text);
}

/**
 * Writes the cache file atomically: a temporary file next to it, then `rename` over it
 * (keeping the old file's permission bits; new files get 0644 less the umask, like
 * librtmp's `fopen("w")`).
 *
 * @throws the file system error; the temporary file is removed
 */
export async function writeSwfInfoFile(path: string, file: SwfInfoFile): Promise<void> {
  let mode = 0o644;
  try {
    mode = (await stat(path)).mode & 0o7777;
  } catch {
    // new file
  }
  const tmp = join(dirname(path), `.swfinfo.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, formatSwfInfo(file), { encoding: 'latin1', mode, flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}
