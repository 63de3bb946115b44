/**
 * Stream-key checks for publishing (`keys` / `keysFile` options, `rtmpkit serve --keys
 * FILE`): a publish is allowed only when its stream name is a known key. A key file
 * has one entry per line — `app/name` (that name in that app) or a bare `key` (that
 * name in any app); blank lines and `#` comments are ignored, spaces around entries
 * too. The file is read again when its size or modification time changes, so keys can
 * be added or revoked without a restart.
 *
 * Invariants: fail closed — a key file that cannot be read refuses every publish (and
 * says why in the log); a key never appears in a message this module produces.
 */
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';

/** The entries of a key file's text. */
export function parseKeys(text: string): string[] {
  const keys: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const hash = raw.indexOf('#');
    const line = (hash < 0 ? raw : raw.slice(0, hash)).trim();
    if (line !== '') keys.push(line);
  }
  return keys;
}

/** The result of a check. */
export type KeyVerdict = { allow: true } | { allow: false; reason: string };

/** The set of allowed keys, from a list and/or a file. */
export class StreamKeys {
  readonly #fixed: ReadonlySet<string>;
  readonly #file: string | undefined;
  #fromFile: ReadonlySet<string> = new Set();
  #stamp = '';

  /**
   * `keys`: entries as a key file has them; `file`: a key file, read now (a missing or
   * unreadable file is a usage error) and again whenever it changes.
   */
  constructor(keys: readonly string[] | undefined, file: string | undefined) {
    if (
      keys !== undefined &&
      (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string' || k.trim() === ''))
    ) {
      throw new RTMPUsageError('keys must be an array of non-empty strings', {
        code: UsageCode.SERVER_OPTION,
      });
    }
    this.#fixed = new Set((keys ?? []).map((k) => k.trim()));
    if (file !== undefined) {
      if (typeof file !== 'string' || file === '') {
        throw new RTMPUsageError('keysFile must be a non-empty file name', { code: UsageCode.SERVER_OPTION });
      }
      this.#file = resolve(file);
      try {
        const st = statSync(this.#file);
        this.#fromFile = new Set(parseKeys(readFileSync(this.#file, 'utf8')));
        this.#stamp = `${st.size}:${st.mtimeMs}`;
      } catch (err) {
        throw new RTMPUsageError(`keysFile ${file}: ${(err as Error).message}`, {
          code: UsageCode.SERVER_OPTION,
          cause: err,
        });
      }
    }
  }

  /** Number of keys known now (list + file as last read). */
  get size(): number {
    return this.#fixed.size + this.#fromFile.size;
  }

  /** Whether `name` may be published in `app`. */
  async check(app: string, name: string): Promise<KeyVerdict> {
    if (this.#file !== undefined) {
      try {
        const st = await stat(this.#file);
        const stamp = `${st.size}:${st.mtimeMs}`;
        if (stamp !== this.#stamp) {
          this.#fromFile = new Set(parseKeys(await readFile(this.#file, 'utf8')));
          this.#stamp = stamp;
        }
      } catch (err) {
        return {
          allow: false,
          reason: `key file unreadable (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        };
      }
    }
    const has = (k: string): boolean => this.#fixed.has(k) || this.#fromFile.has(k);
    // A bare key has no '/', so a name with one can only match an `app/name` entry.
    const known = (!name.includes('/') && has(name)) || has(`${app}/${name}`);
    return known ? { allow: true } : { allow: false, reason: 'unknown stream key' };
  }
}

/** A stream key as logs may show it: the app, and only the key's length. */
export function maskedStream(app: string, name: string): string {
  return `${app}/<key of ${name.length} characters>`;
}
