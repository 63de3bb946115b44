/**
 * Wowza SecureToken, as librtmp answers it (its `DecodeTEA` and
 * `SendSecureTokenResponse`): when the `token` option is set and the connect `_result`
 * carries a `secureToken` challenge (a hex string), the client answers
 * `secureTokenResponse` with the challenge XXTEA-decrypted (Corrected Block TEA, delta
 * 0x9E3779B9, 6 + 52/n rounds) under the first 16 bytes of the token packed as four
 * little-endian words. The answer's string is the decrypted bytes as they are (16 bytes
 * for a 32-digit challenge), not text: librtmp copies them into the AMF string verbatim,
 * and the server compares bytes.
 *
 * Invariant: total — any challenge string yields a response; unlike librtmp's
 * `DecodeTEA`, a length that is not a multiple of 8 hex digits is zero-padded instead of
 * read past, and non-hex characters are rejected.
 */
import { encode as encodeAmf0 } from '../amf/amf0.js';
import type { AmfValue } from '../amf/types.js';
import { ProtocolCode } from '../error-codes.js';
import { RTMPProtocolError } from '../errors.js';
import type { RawMessage } from '../message/raw-message.js';
import { DefaultCsid, MessageType } from '../message/types.js';

const DELTA = 0x9e3779b9;

/**
 * Decrypts a SecureToken challenge (hex) with the `token` key, as librtmp's `DecodeTEA`:
 * the first `challengeHex.length / 2` decrypted bytes.
 */
export function decodeSecureToken(token: string, challengeHex: string): Buffer {
  if (!/^[0-9a-fA-F]*$/.test(challengeHex) || challengeHex.length === 0) {
    throw new RTMPProtocolError('secureToken challenge is not a hex string', {
      code: ProtocolCode.RTMP_SECURE_TOKEN,
    });
  }
  const key = new Uint32Array(4);
  const kb = Buffer.from(token, 'utf8').subarray(0, 16);
  for (let i = 0; i < kb.length; i++) key[i >> 2]! |= kb[i]! << ((i & 3) * 8);
  const n = Math.ceil(challengeHex.length / 8);
  const bytes = Buffer.alloc(n * 4);
  Buffer.from(challengeHex.padEnd(n * 8, '0'), 'hex').copy(bytes);
  const v = new Uint32Array(n);
  for (let i = 0; i < n; i++) v[i] = bytes.readUInt32LE(i * 4);
  if (n > 1) xxteaDecrypt(v, key);
  else xxteaDecrypt1(v, key);
  const out = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) out.writeUInt32LE(v[i]!, i * 4);
  return out.subarray(0, Math.floor(challengeHex.length / 2));
}

/**
 * The `secureTokenResponse` command (type 20, csid 3, transaction 0, null) carrying
 * `response` as an AMF0 string of exactly those bytes (0x02, UI16 length, bytes) — the
 * AMF encoder would write a JavaScript string as UTF-8, which changes bytes ≥ 0x80.
 */
export function secureTokenResponse(response: Buffer): RawMessage {
  if (response.length > 0xffff) {
    throw new RTMPProtocolError('secureToken challenge too long for an AMF0 string', {
      code: ProtocolCode.RTMP_SECURE_TOKEN,
    });
  }
  const head = encodeAmf0('secureTokenResponse', 0, null);
  const payload = Buffer.alloc(head.length + 3 + response.length);
  head.copy(payload, 0);
  payload[head.length] = 0x02;
  payload.writeUInt16BE(response.length, head.length + 1);
  response.copy(payload, head.length + 3);
  return {
    type: MessageType.CommandAMF0,
    streamId: 0,
    timestamp: 0,
    csid: DefaultCsid.netConnection,
    payload,
  };
}

function mx(sum: number, y: number, z: number, p: number, e: number, k: Uint32Array): number {
  return ((((z >>> 5) ^ (y << 2)) + ((y >>> 3) ^ (z << 4))) ^ ((sum ^ y) + (k[(p & 3) ^ e]! ^ z))) >>> 0;
}

/** XXTEA decryption in place (n ≥ 2 words). */
export function xxteaDecrypt(v: Uint32Array, k: Uint32Array): void {
  const n = v.length;
  const q = 6 + Math.floor(52 / n);
  let sum = Math.imul(q, DELTA) >>> 0;
  let y = v[0]!;
  let z: number;
  while (sum !== 0) {
    const e = (sum >>> 2) & 3;
    for (let p = n - 1; p > 0; p--) {
      z = v[p - 1]!;
      y = v[p] = (v[p]! - mx(sum, y, z, p, e, k)) >>> 0;
    }
    z = v[n - 1]!;
    y = v[0] = (v[0]! - mx(sum, y, z, 0, e, k)) >>> 0;
    sum = (sum - DELTA) >>> 0;
  }
}

/** XXTEA encryption in place (n ≥ 2 words) — the inverse, for tests and servers. */
export function xxteaEncrypt(v: Uint32Array, k: Uint32Array): void {
  const n = v.length;
  let q = 6 + Math.floor(52 / n);
  let sum = 0;
  let z = v[n - 1]!;
  let y: number;
  while (q-- > 0) {
    sum = (sum + DELTA) >>> 0;
    const e = (sum >>> 2) & 3;
    let p: number;
    for (p = 0; p < n - 1; p++) {
      y = v[p + 1]!;
      z = v[p] = (v[p]! + mx(sum, y, z, p, e, k)) >>> 0;
    }
    y = v[0]!;
    z = v[n - 1] = (v[n - 1]! + mx(sum, y, z, p, e, k)) >>> 0;
  }
}

/** librtmp with a single word: the same rounds, where y and z are both that word. */
function xxteaDecrypt1(v: Uint32Array, k: Uint32Array): void {
  const q = 6 + 52;
  let sum = Math.imul(q, DELTA) >>> 0;
  while (sum !== 0) {
    const e = (sum >>> 2) & 3;
    const z = v[0]!;
    const y = v[0]!;
    v[0] = (v[0]! - mx(sum, y, z, 0, e, k)) >>> 0;
    sum = (sum - DELTA) >>> 0;
  }
}

/** Finds a `secureToken` string anywhere in the connect result (librtmp searches recursively). */
export function findSecureToken(...values: AmfValue[]): string | undefined {
  const seen = new Set<object>();
  const visit = (v: AmfValue, depth: number): string | undefined => {
    if (v === null || typeof v !== 'object' || depth > 32 || seen.has(v)) return undefined;
    seen.add(v);
    if (Array.isArray(v)) {
      for (const e of v) {
        const r = visit(e, depth + 1);
        if (r !== undefined) return r;
      }
      return undefined;
    }
    const entries: [string, AmfValue][] =
      v instanceof Map
        ? [...v.entries()].filter((e): e is [string, AmfValue] => typeof e[0] === 'string')
        : Object.entries(v);
    for (const [k, x] of entries) if (k === 'secureToken' && typeof x === 'string') return x;
    for (const [, x] of entries) {
      const r = visit(x, depth + 1);
      if (r !== undefined) return r;
    }
    return undefined;
  };
  for (const v of values) {
    const r = visit(v, 0);
    if (r !== undefined) return r;
  }
  return undefined;
}
