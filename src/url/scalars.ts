/**
 * Scalar value parsers for librtmp option strings and the `conn=` grammar
 * (librtmp `RTMP_SetOpt` value parsing and `parseAMF`).
 *
 * librtmp reads integers with `strtol(v, NULL, 0)`, conn booleans/objects with `atoi`,
 * conn numbers with `strtod`, and booleans through its `truth[]` table — all of which
 * silently turn garbage into 0 or "leave the flag unchanged". These parsers accept exactly
 * the spellings those C functions would consume *completely*, and reject everything else,
 * so `start=5s` or `N:abc` is an error instead of a silent 0.
 */

/** What a failed scalar parse reports; the caller wraps it in an error naming the option. */
export class ScalarError extends Error {}

const STRTOL_RE = /^([+-]?)(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))$/;

/**
 * Parses an integer the way `strtol(value, NULL, 0)` would, but only when the whole value
 * is one integer: decimal, `0x` hexadecimal or `0` octal (so `010` is 8, as in librtmp),
 * with an optional sign. The result must fit librtmp's `int` fields (32-bit signed).
 *
 * @throws ScalarError for anything else (empty, spaces, trailing garbage, `08`, overflow)
 */
export function parseLibrtmpInt(value: string): number {
  const m = STRTOL_RE.exec(value);
  if (!m) throw new ScalarError(`'${value}' is not an integer (decimal, 0x hex or 0 octal)`);
  const [, sign, hex, oct, dec] = m;
  let n: number;
  if (hex !== undefined) n = parseBigDigits(hex, 16);
  else if (oct !== undefined) n = oct.length > 1 ? parseBigDigits(oct.slice(1), 8) : 0;
  else n = parseBigDigits(dec!, 10);
  if (sign === '-') n = -n;
  if (n > 0x7fffffff || n < -0x80000000) {
    throw new ScalarError(`'${value}' is out of range (librtmp stores it in a 32-bit int)`);
  }
  return n === 0 ? 0 : n; // no -0
}

function parseBigDigits(digits: string, base: number): number {
  // Long digit strings would lose precision in parseInt; anything past 2^53 is out of range anyway.
  const n = Number.parseInt(digits, base);
  return Number.isFinite(n) ? n : Number.POSITIVE_INFINITY;
}

const ATOI_RE = /^[+-]?[0-9]+$/;

/**
 * Parses the integer of a conn `B:` or `O:` item (librtmp uses `atoi`, where `B:true`
 * silently means 0 = false). Only a complete decimal integer is accepted.
 *
 * @returns whether the integer is non-zero (what librtmp tests)
 * @throws ScalarError when the text is not a decimal integer
 */
export function parseAtoiFlag(value: string): boolean {
  if (!ATOI_RE.test(value)) throw new ScalarError(`'${value}' is not a decimal integer`);
  return /[1-9]/.test(value);
}

const DEC_FLOAT_RE = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const HEX_FLOAT_RE =
  /^([+-]?)0[xX](?:([0-9a-fA-F]+)(?:\.([0-9a-fA-F]*))?|\.([0-9a-fA-F]+))(?:[pP]([+-]?[0-9]+))?$/;
const SPECIAL_FLOAT_RE = /^([+-]?)(?:(inf(?:inity)?)|nan(?:\([0-9A-Za-z_]*\))?)$/i;

/**
 * Parses a conn `N:` number the way `strtod` would, but only when the whole value is one
 * number: decimal with optional exponent, C99 hexadecimal (`0x1.8p1`), `inf`/`infinity`
 * and `nan` (case-insensitive), each with an optional sign.
 *
 * @throws ScalarError for anything else (empty, spaces, `abc`, `1,5`)
 */
export function parseStrtod(value: string): number {
  if (DEC_FLOAT_RE.test(value)) return Number(value);
  const h = HEX_FLOAT_RE.exec(value);
  if (h) {
    const [, sign, intPart = '', fracA, fracB, exp] = h;
    const frac = fracA ?? fracB ?? '';
    const digits = `${intPart}${frac}`.replace(/^0+/, '') || '0';
    let e = (exp === undefined ? 0 : Number(exp)) - 4 * frac.length;
    // Number(BigInt) rounds to the nearest double once; scaling by 2^e is exact in range.
    let n = Number(BigInt(`0x${digits}`));
    if (!Number.isFinite(e)) e = e > 0 ? 4096 : -4096;
    while (e > 0 && Number.isFinite(n) && n !== 0) {
      const s = Math.min(e, 1000);
      n *= 2 ** s;
      e -= s;
    }
    while (e < 0 && n !== 0) {
      const s = Math.min(-e, 1000);
      n /= 2 ** s;
      e += s;
    }
    return sign === '-' ? -n : n;
  }
  const s = SPECIAL_FLOAT_RE.exec(value);
  if (s) {
    if (s[2] === undefined) return Number.NaN;
    return s[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  throw new ScalarError(`'${value}' is not a number`);
}

/**
 * Formats a number so that {@link parseStrtod} (and C `strtod`) read back exactly the
 * same double: shortest round-trip decimal, `-0`, `nan`, `inf`, `-inf`.
 */
export function formatStrtod(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Number.POSITIVE_INFINITY) return 'inf';
  if (n === Number.NEGATIVE_INFINITY) return '-inf';
  if (n === 0 && 1 / n < 0) return '-0';
  return String(n);
}

const TRUE_WORDS = new Set(['1', 'on', 'yes', 'true']);
const FALSE_WORDS = new Set(['0', 'off', 'no', 'false']);

/**
 * Parses a boolean option value. librtmp's `truth[]` table (`1`, `on`, `yes`, `true`,
 * case-insensitive) means true; rtmpkit additionally reads `0`, `off`, `no`, `false` as
 * false (librtmp leaves the flag unchanged for those — it has no way to clear one).
 *
 * @throws ScalarError for any other word (librtmp would silently ignore `live=2`)
 */
export function parseLibrtmpBool(value: string): boolean {
  const v = value.toLowerCase();
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  throw new ScalarError(`'${value}' is not a boolean (1/on/yes/true or 0/off/no/false)`);
}
