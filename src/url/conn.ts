/**
 * librtmp's `conn=` AMF grammar and python-librtmp's `connect_data` mapping
 * (librtmp `parseAMF` and `SendConnectPacket`, python-librtmp `_parse_connect_data`;
 * checked against the encodings librtmp 2.6 sends).
 *
 * Each item appends one value to the arguments that follow the `connect` command object:
 * `B:<int>` boolean (non-zero = true), `S:<text>` string (the rest, `:` allowed),
 * `N:<number>` number, `Z:<anything>` null, `O:1` begins an object and `O:0` ends the
 * innermost one; inside an object, members are named: `NB:name:v`, `NS:name:v`,
 * `NN:name:v`, `NO:name:<anything>` (begins a named sub-object) and — as in FFmpeg, not
 * librtmp — `NZ:name:<anything>` (null). An object left open at the end is closed, as
 * librtmp's encoder does; later items keep going into it.
 *
 * Deliberate differences from librtmp, all of them inputs for which librtmp silently
 * sends something else than what was written, or malformed AMF:
 * - `B:` and `O:` need a decimal integer (librtmp `atoi`: `B:true` is *false*), `N:` a
 *   number (librtmp `strtod`: `N:abc` is 0) → otherwise an error;
 * - an unnamed item inside an object (`O:1 S:x O:0`; librtmp writes a member without a
 *   name, malformed), an `O:0` with no open object (librtmp's depth goes negative and named
 *   members then land at the top level, malformed), an empty member name (it would encode
 *   as the start of an object-end marker) and a repeated member name (a JavaScript object
 *   cannot hold both; librtmp writes both) → errors;
 * - `NZ:` is accepted (librtmp rejects it);
 * - objects nest at most {@link MAX_CONN_DEPTH} deep (librtmp: unbounded);
 * - members whose names look like array indices (`NS:1:x`) come before the others in the
 *   AMF object, because JavaScript orders such keys first.
 */

import { encode as amf0Encode } from '../amf/amf0.js';
import { AMFObject, AMFTypedObject, type AmfValue, setOwn } from '../amf/types.js';
import { UsageCode } from '../error-codes.js';
import { AMFError, RTMPUsageError } from '../errors.js';
import { formatStrtod, parseAtoiFlag, parseStrtod, ScalarError } from './scalars.js';

/** Deepest nesting of conn objects accepted (librtmp has no limit; its decoder recursion neither). */
export const MAX_CONN_DEPTH = 64;

/** A path from an argument list to the innermost open object: an index, then member names. */
type OpenPath = [number, ...string[]];

// Open objects per argument list. Kept outside the list so it stays a plain AmfValue[].
const openPaths = new WeakMap<AmfValue[], OpenPath | []>();

function connError(item: string, reason: string, cause?: unknown): RTMPUsageError {
  return new RTMPUsageError(`Unable to set option conn: '${item}': ${reason}`, {
    code: UsageCode.RTMP_OPTION,
    ...(cause === undefined ? {} : { cause }),
  });
}

function innermost(args: AmfValue[], path: OpenPath | []): AMFObject | undefined {
  if (path.length === 0) return undefined;
  let v = args[path[0]!] as AmfValue;
  for (let i = 1; i < path.length; i++) v = (v as AMFObject)[path[i] as string];
  return v as AMFObject;
}

/**
 * Number of objects still open in `args` (0 when balanced) — librtmp's `depth`.
 */
export function connDepth(args: AmfValue[]): number {
  return openPaths.get(args)?.length ?? 0;
}

/**
 * Closes every object left open in `args`, so that later items go to the top level.
 * (The AMF encoding does not change: open objects are encoded closed anyway.)
 */
export function closeConn(args: AmfValue[]): void {
  openPaths.delete(args);
}

/**
 * Parses one `conn` item and appends its value to `args` (librtmp's `RTMP_SetOpt("conn")`),
 * continuing inside an object an earlier item opened. On error `args` is unchanged.
 *
 * @throws RTMPUsageError `ERR_RTMP_OPTION` with the item and the reason
 */
export function appendConn(args: AmfValue[], item: string): void {
  const path = openPaths.get(args) ?? [];
  const depth = path.length;
  const scalar = <T>(fn: (v: string) => T, v: string, what: string): T => {
    try {
      return fn(v);
    } catch (err) {
      if (err instanceof ScalarError) throw connError(item, `${what}: ${err.message}`);
      throw err;
    }
  };
  if (item[1] === ':') {
    const type = item[0];
    const rest = item.slice(2);
    let value: AmfValue;
    switch (type) {
      case 'B':
        value = scalar(parseAtoiFlag, rest, 'B: expects 0 or 1 (librtmp reads B:true as false)');
        break;
      case 'S':
        value = rest;
        break;
      case 'N':
        value = scalar(parseStrtod, rest, 'N: expects a number');
        break;
      case 'Z':
        value = null;
        break;
      case 'O':
        if (!scalar(parseAtoiFlag, rest, 'O: expects 1 (begin) or 0 (end)')) {
          if (depth === 0) throw connError(item, 'O:0 without an open object (unbalanced)');
          const next = path.slice(0, -1) as OpenPath | [];
          if (next.length === 0) openPaths.delete(args);
          else openPaths.set(args, next);
          return;
        }
        value = new AMFObject();
        break;
      default:
        throw connError(item, `unknown type '${type}' (expected B, S, N, Z, O or NB, NS, NN, NO, NZ)`);
    }
    if (depth > 0) {
      throw connError(
        item,
        `unnamed item inside an object (librtmp writes malformed AMF); name it: N${type}:name:${rest}`,
      );
    }
    args.push(value);
    if (value instanceof AMFObject) openPaths.set(args, [args.length - 1]);
    return;
  }
  if (item[0] === 'N' && item[2] === ':') {
    const type = item[1];
    const rest = item.slice(3);
    const colon = rest.indexOf(':');
    if (colon < 0) throw connError(item, `named item needs 'N${type}:name:value'`);
    const name = rest.slice(0, colon);
    const v = rest.slice(colon + 1);
    let value: AmfValue;
    switch (type) {
      case 'B':
        value = scalar(parseAtoiFlag, v, 'NB: expects 0 or 1 (librtmp reads true as false)');
        break;
      case 'S':
        value = v;
        break;
      case 'N':
        value = scalar(parseStrtod, v, 'NN: expects a number');
        break;
      case 'Z':
        value = null;
        break;
      case 'O':
        if (depth >= MAX_CONN_DEPTH) throw connError(item, `objects nested deeper than ${MAX_CONN_DEPTH}`);
        value = new AMFObject();
        break;
      default:
        throw connError(item, `unknown type '${type}' (expected B, S, N, Z, O or NB, NS, NN, NO, NZ)`);
    }
    if (depth === 0) throw connError(item, 'named item outside an object (open one with O:1)');
    if (name === '') throw connError(item, 'empty member name');
    const target = innermost(args, path)!;
    if (Object.hasOwn(target, name)) throw connError(item, `member '${name}' given twice`);
    setOwn(target, name, value);
    if (value instanceof AMFObject) openPaths.set(args, [...path, name] as OpenPath);
    return;
  }
  throw connError(item, 'invalid AMF parameter (expected B:, S:, N:, Z:, O: or NB:, NS:, NN:, NO:, NZ:)');
}

/**
 * Copies an argument list deeply enough that appending to the copy (including into an
 * object an earlier item left open) never changes the original. AMF objects and arrays
 * are copied; other values (dates, byte arrays, …) are shared, as nothing here mutates them.
 */
export function cloneConnArgs(args: readonly AmfValue[]): AmfValue[] {
  const copy = (v: AmfValue): AmfValue => {
    if (Array.isArray(v)) return v.map(copy);
    if (isPlainAmfObject(v)) {
      const o = new AMFObject();
      for (const k of Object.keys(v)) setOwn(o, k, copy(v[k]));
      return o;
    }
    return v;
  };
  const out = args.map(copy);
  const path = openPaths.get(args as AmfValue[]);
  if (path !== undefined) openPaths.set(out, [...path] as OpenPath);
  return out;
}

/**
 * Parses `conn` items (one string of space-separated items, as FFmpeg's `rtmp_conn`
 * takes them, or an array of items as repeated `conn=` options give them) into the AMF
 * values librtmp appends to `connect`.
 *
 * @throws RTMPUsageError `ERR_RTMP_OPTION` naming the bad item
 */
export function parseConn(items: string | readonly string[]): AmfValue[] {
  const list = typeof items === 'string' ? items.split(' ').filter((s) => s !== '') : items;
  const args: AmfValue[] = [];
  for (const item of list) appendConn(args, item);
  return args;
}

function formatError(reason: string): RTMPUsageError {
  return new RTMPUsageError(`conn syntax cannot express ${reason}`, { code: UsageCode.RTMP_OPTION });
}

function isPlainAmfObject(v: unknown): v is AMFObject {
  return v instanceof AMFObject && !(v instanceof AMFTypedObject) && v.constructor === AMFObject;
}

function formatMember(out: string[], name: string, v: AmfValue): void {
  if (name === '' || name.includes(':')) {
    throw formatError(`the member name '${name}' (empty, or contains ':')`);
  }
  if (typeof v === 'boolean') out.push(`NB:${name}:${v ? 1 : 0}`);
  else if (typeof v === 'number') out.push(`NN:${name}:${formatStrtod(v)}`);
  else if (typeof v === 'string') out.push(`NS:${name}:${v}`);
  else if (v === null) out.push(`NZ:${name}:`);
  else if (isPlainAmfObject(v)) {
    out.push(`NO:${name}:1`);
    formatObjectBody(out, v);
  } else throw formatError(`the value of member '${name}' (${describe(v)})`);
}

function formatObjectBody(out: string[], o: AMFObject): void {
  for (const k of Object.keys(o)) formatMember(out, k, o[k]);
  out.push('O:0');
}

function describe(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) {
    const name = (v as { constructor?: { name?: string } }).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'an ECMA array (plain object)';
  }
  return typeof v;
}

/**
 * Formats AMF values as `conn` items (the inverse of {@link parseConn}): booleans `B:1`/
 * `B:0`, numbers `N:` (exact round trip, incl. `-0`, `nan`, `inf`), strings `S:`, null `Z:`,
 * `AMFObject`s `O:1 … O:0` with `NB`/`NN`/`NS`/`NZ`/`NO` members. Items are not escaped;
 * {@link escapeLibrtmpValue} does that for option strings.
 *
 * @throws RTMPUsageError `ERR_RTMP_OPTION` for what the grammar cannot carry: undefined,
 *   arrays, plain objects/Maps (ECMA arrays), typed objects, dates, XML, byte arrays, …,
 *   and member names that are empty or contain `:`
 */
export function formatConnArgs(values: readonly AmfValue[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (typeof v === 'boolean') out.push(`B:${v ? 1 : 0}`);
    else if (typeof v === 'number') out.push(`N:${formatStrtod(v)}`);
    else if (typeof v === 'string') out.push(`S:${v}`);
    else if (v === null) out.push('Z:');
    else if (isPlainAmfObject(v)) {
      out.push('O:1');
      formatObjectBody(out, v);
    } else throw formatError(describe(v));
  }
  return out;
}

/**
 * What the constructor option `connectData` takes: one value, or an array of them (each
 * element becomes one argument); plain objects become AMF objects.
 */
export type ConnectData =
  | AmfValue
  | readonly ConnectData[]
  | { readonly [key: string]: ConnectData | undefined };

/**
 * python-librtmp's `connect_data` (constructor option `connectData`): what to append to
 * `connect`. A top-level array contributes each element, as python does; a plain object
 * becomes an AMF object (`O:1 … O:0`), members converted the same way. Beyond python, which
 * silently drops them, floats, nested objects, null members and nested arrays (as AMF
 * strict arrays) work; other AMF values (`AMFObject`, `Map`, `Date`, …) pass through
 * unchanged; `undefined` members are left out.
 *
 * @throws RTMPUsageError `ERR_RTMP_OPTION` for `undefined` at the top level, functions,
 *   symbols, bigints, and anything AMF0 cannot encode (e.g. an empty member name)
 *   — checked at run time, whatever the static type said
 */
export function connectDataToArgs(data: ConnectData | unknown): AmfValue[] {
  const out: AmfValue[] = [];
  for (const v of Array.isArray(data) ? (data as unknown[]) : [data]) {
    if (v === undefined) throw dataError('contains undefined (use null for AMF null)');
    out.push(convert(v, 0));
  }
  try {
    amf0Encode(...out);
  } catch (err) {
    if (err instanceof AMFError) throw dataError(`cannot be AMF0-encoded: ${err.message}`, err);
    throw err;
  }
  return out;
}

function dataError(reason: string, cause?: unknown): RTMPUsageError {
  return new RTMPUsageError(`Unable to set option connectData: it ${reason}`, {
    code: UsageCode.RTMP_OPTION,
    ...(cause === undefined ? {} : { cause }),
  });
}

function convert(v: unknown, depth: number): AmfValue {
  if (depth > 1000) throw dataError('nests more than 1000 deep');
  switch (typeof v) {
    case 'boolean':
    case 'number':
    case 'string':
      return v;
    case 'undefined':
      return undefined;
    case 'object': {
      if (v === null) return null;
      if (Array.isArray(v)) return v.map((e) => convert(e, depth + 1));
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto === Object.prototype || proto === null) {
        const o = new AMFObject();
        for (const [k, m] of Object.entries(v as Record<string, unknown>)) {
          if (m !== undefined) setOwn(o, k, convert(m, depth + 1));
        }
        return o;
      }
      return v as AmfValue; // AMFObject, Map, Date, Uint8Array, … as the AMF model says
    }
    default:
      throw dataError(`contains a ${typeof v}`);
  }
}
