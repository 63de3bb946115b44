/**
 * librtmp's option strings, the text layer under `RTMP_SetupURL`: splitting "URL + options"
 * into `key=value` tokens exactly as librtmp does, and librtmp's value escaping (`\HH` →
 * byte, then UTF-8). options.ts gives the tokens their meaning.
 *
 * Invariants: splitting never throws; unescaping throws only `RTMPUsageError`
 * (`ERR_RTMP_OPTION`) and never echoes a password.
 */
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';

/** The error of a bad option `key` (librtmp's wording: "Unable to set option …"). */
export function optionError(key: string, reason: string, cause?: unknown): RTMPUsageError {
  return new RTMPUsageError(`Unable to set option ${key}: ${reason}`, {
    code: UsageCode.RTMP_OPTION,
    ...(cause === undefined ? {} : { cause }),
  });
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function hexVal(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

/**
 * Undoes librtmp's value escaping: `\HH` (two hex digits) → that byte; the bytes are then
 * read as UTF-8. Nothing else is special (`%xx` is not decoded here).
 *
 * @param key named in the error message
 * @throws RTMPUsageError `ERR_RTMP_OPTION` for `\` not followed by two hex digits (librtmp:
 *   fails when fewer than 2 characters follow, reads garbage for non-hex), or bytes that
 *   are not UTF-8
 */
export function unescapeLibrtmpValue(raw: string, key = 'value'): string {
  if (!raw.includes('\\')) return raw;
  // A password is never echoed.
  const shown = /^pubpasswd$/i.test(key) ? '(the password)' : `'${raw}'`;
  const src = Buffer.from(raw, 'utf8');
  const out = Buffer.allocUnsafe(src.length);
  let n = 0;
  for (let i = 0; i < src.length; ) {
    const c = src[i]!;
    if (c !== 0x5c) {
      out[n++] = c;
      i++;
      continue;
    }
    const h = i + 1 < src.length ? hexVal(src[i + 1]!) : -1;
    const l = i + 2 < src.length ? hexVal(src[i + 2]!) : -1;
    if (h < 0 || l < 0) {
      throw optionError(
        key,
        `bad escape at offset ${i} of ${shown} (use \\HH, e.g. \\20 for space, \\5c for \\)`,
      );
    }
    out[n++] = (h << 4) | l;
    i += 3;
  }
  try {
    return UTF8.decode(out.subarray(0, n));
  } catch {
    throw optionError(key, `escapes in ${shown} do not decode to UTF-8`);
  }
}

/**
 * Escapes a value for a librtmp option string: backslash → `\5c`, space → `\20`, control
 * characters → `\HH`. Everything else (UTF-8 included) stays as it is.
 */
export function escapeLibrtmpValue(value: string): string {
  return value.replace(
    /[\\ \u0000-\u001f\u007f]/g,
    (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** One `key=value` of an option string, value still escaped. */
export interface LibrtmpOptionToken {
  /** The key as written (may contain spaces when the string was malformed, as in librtmp). */
  key: string;
  /** The raw value, escapes not yet undone. */
  value: string;
}

/**
 * Splits a librtmp "URL + options" string exactly as `RTMP_SetupURL` does: the URL up to
 * the first space, then `key=value` tokens; `ignored` is a trailing text without `=`
 * (librtmp drops it silently).
 */
export function splitLibrtmpUrl(input: string): {
  url: string;
  options: LibrtmpOptionToken[];
  ignored: string;
} {
  let sp = input.indexOf(' ');
  if (sp < 0) return { url: input, options: [], ignored: '' };
  const url = input.slice(0, sp);
  const options: LibrtmpOptionToken[] = [];
  let ignored = '';
  while (sp >= 0) {
    const p1 = sp + 1;
    const eq = input.indexOf('=', p1);
    if (eq < 0) {
      ignored = input.slice(p1);
      break;
    }
    const key = input.slice(p1, eq);
    sp = input.indexOf(' ', eq + 1);
    if (sp < 0) {
      options.push({ key, value: input.slice(eq + 1) });
    } else {
      options.push({ key, value: input.slice(eq + 1, sp) });
      while (input.charCodeAt(sp + 1) === 0x20) sp++; // "skip repeated spaces"
    }
  }
  return { url, options, ignored };
}
