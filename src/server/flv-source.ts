/**
 * Where VOD bytes come from: an FLV file under the server's `vodDir` or an FLV held in
 * memory (`vodFiles`), behind one random-access interface. Also the name → path rule
 * that keeps plays inside `vodDir`.
 *
 * Invariants: `resolveVodPath` never returns a path outside `dir` (no `..` segment, no
 * absolute name, no drive letter, NUL or backslash; the resolved path is re-checked to
 * lie under `dir`), and `openVodFile` additionally refuses a file that is not inside the
 * real `dir` — checked on the file it OPENED, so a link swapped in between a check and the
 * open cannot slip through; a source reads exactly the bytes asked for or fewer at the
 * end of the file; `close()` is idempotent.
 */
import { type FileHandle, open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import { asBuffer } from '../util/buffer-view.js';
import { allocPayload } from '../util/payload-pool.js';

/** Random access to an FLV's bytes. */
export interface FlvSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Reads up to `length` bytes at `position` (fewer only at the end). */
  read(position: number, length: number): Promise<Buffer>;
  /** Releases the file handle, if any. */
  close(): Promise<void>;
}

/** A source over bytes in memory (reads are views, not copies). */
export function bufferSource(bytes: Uint8Array): FlvSource {
  const buf = asBuffer(bytes);
  return {
    size: buf.length,
    read: async (position, length) => buf.subarray(position, Math.min(buf.length, position + length)),
    close: async () => {},
  };
}

/**
 * Opens `path` as a source; rejects (ENOENT, EISDIR…) like `fs.open`. `check` runs on the
 * open handle before anything is read; what it throws closes the file and rejects.
 */
export async function fileSource(
  path: string,
  check?: (fh: FileHandle) => Promise<void>,
): Promise<FlvSource & { mtimeMs: number }> {
  const fh: FileHandle = await open(path, 'r');
  let closed = false;
  try {
    await check?.(fh);
    const st = await fh.stat();
    if (!st.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EISDIR' });
    return {
      size: st.size,
      mtimeMs: st.mtimeMs,
      async read(position, length) {
        const n = Math.max(0, Math.min(length, st.size - position));
        // A recyclable pool buffer: a VOD playback gives it back once the socket wrote it
        // (payload-refs.ts), so reads land in mapped, cache-warm memory; other readers drop it.
        const buf = allocPayload(n, true);
        let got = 0;
        while (got < n) {
          const { bytesRead } = await fh.read(buf, got, n - got, position + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return got === n ? buf : buf.subarray(0, got);
      },
      async close() {
        if (closed) return;
        closed = true;
        await fh.close();
      },
    };
  } catch (err) {
    closed = true;
    await fh.close();
    throw err;
  }
}

/**
 * The VOD lookup name of a play name: a leading `flv:` and a trailing `.flv` removed
 * (librtmp strips `.flv` from playpaths, FFmpeg does not). Undefined for names that
 * could escape the directory: empty, absolute, `..` segments, backslashes, drive
 * letters, NUL or other control characters.
 */
export function vodName(playName: string): string | undefined {
  let name = playName;
  if (name.startsWith('flv:')) name = name.slice(4);
  if (name.toLowerCase().endsWith('.flv')) name = name.slice(0, -4);
  if (name === '' || name.length > 1024) return undefined;
  if (/[\\\u0000-\u001f]/.test(name) || /^[a-zA-Z]:/.test(name)) return undefined;
  if (name.startsWith('/') || isAbsolute(name)) return undefined;
  if (name.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) return undefined;
  return name;
}

/** `<dir>/<name>.flv` for a `vodName` result, or undefined when it would leave `dir`. */
export function resolveVodPath(dir: string, name: string): string | undefined {
  const root = resolve(dir);
  const path = resolve(root, `${name}.flv`);
  return path.startsWith(root + sep) ? path : undefined;
}

/** Thrown by `openVodFile`'s check: the opened file is not inside the directory. */
class OutsideDir extends Error {}

/**
 * Opens `path` (a `resolveVodPath` result of `dir`) as a source, or undefined when the
 * file it opened is not inside the real path of `dir` — a symbolic link inside `dir` that
 * points outside it (or a linked directory on the way) is refused, unless `followLinks`.
 * The check is made on the opened file, not on the name: the real path of `path` must lie
 * inside the real `dir` AND name the same file (device and inode) as the open handle, so
 * a link swapped between the open and the check (or between an earlier check and the
 * open) is caught either way. `opened` runs between the open and the check (tests use it
 * to swap a link there). Rejects like `fs.open`/`fs.realpath` (ENOENT…).
 */
export async function openVodFile(
  dir: string,
  path: string,
  followLinks: boolean,
  opened?: () => Promise<void>,
): Promise<(FlvSource & { mtimeMs: number }) | undefined> {
  if (followLinks) return fileSource(path);
  try {
    return await fileSource(path, async (fh) => {
      await opened?.();
      const [root, real, st] = await Promise.all([realpath(dir), realpath(path), fh.stat({ bigint: true })]);
      if (!real.startsWith(root.endsWith(sep) ? root : root + sep)) throw new OutsideDir();
      const named = await stat(real, { bigint: true });
      if (named.dev !== st.dev || named.ino !== st.ino) throw new OutsideDir();
    });
  } catch (err) {
    if (err instanceof OutsideDir) return undefined;
    throw err;
  }
}
