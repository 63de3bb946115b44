/**
 * Diagnosis of a wrong first handshake byte (RTMP-SPEC §5.2.2: versions 0–2 deprecated,
 * 4–31 reserved, 32–255 not allowed). A wrong port or scheme is the
 * usual cause, so the error names the scheme to try: 'H' is an HTTP reply (try rtmpt://),
 * 0x15/0x16 a TLS alert/handshake record (try rtmps://), 6/8/9 an RTMPE answer (try
 * rtmpe://). The code depends on the first byte only, so it is the same for every split
 * of the input; the message adds a printable hint of whatever bytes have arrived.
 */
import { HandshakeCode } from '../error-codes.js';
import { RTMPHandshakeError } from './errors.js';

/** Plain RTMP. */
export const RTMP_VERSION = 3;
/** C0/S0 values of RTMPE: 6 = plain signature, 8 = XTEA-, 9 = Blowfish-signed. */
export const RTMPE_VERSIONS: readonly number[] = [6, 8, 9];

const HINT_MAX = 48;

/**
 * A short printable rendering of `data` for error messages: the first line as text when
 * it starts with printable ASCII, otherwise hex of the first bytes.
 */
export function describeBytes(data: Uint8Array): string {
  const n = Math.min(data.length, HINT_MAX);
  let text = '';
  for (let i = 0; i < n; i++) {
    const c = data[i]!;
    if (c === 0x0d || c === 0x0a) break;
    if (c < 0x20 || c > 0x7e) {
      text = '';
      break;
    }
    text += String.fromCharCode(c);
  }
  if (text.length >= 2) return `text ${JSON.stringify(text)}${data.length > text.length ? '…' : ''}`;
  const hex = Buffer.from(data.subarray(0, Math.min(data.length, 16))).toString('hex');
  return `bytes ${hex}${data.length > 16 ? '…' : ''}`;
}

function hex(b: number): string {
  return `0x${b.toString(16).padStart(2, '0')}`;
}

/**
 * The error for a client that got `data[0]` as S0 after sending `expected` as C0.
 * `data` starts at S0 and holds the bytes received so far.
 */
export function serverVersionError(data: Uint8Array, expected: number): RTMPHandshakeError {
  const got = data[0]!;
  const seen = describeBytes(data);
  if (expected === RTMP_VERSION && RTMPE_VERSIONS.includes(got)) {
    return new RTMPHandshakeError(
      `server answered with RTMPE version ${got}; try rtmpe://`,
      HandshakeCode.HANDSHAKE_RTMPE,
    );
  }
  if (got === 0x48) {
    return new RTMPHandshakeError(
      `server answered HTTP (${seen}); try rtmpt://`,
      HandshakeCode.HANDSHAKE_HTTP,
    );
  }
  if (got === 0x15 || got === 0x16) {
    return new RTMPHandshakeError(
      `server speaks TLS (record type ${hex(got)}); try rtmps://`,
      HandshakeCode.HANDSHAKE_TLS,
    );
  }
  if (got < 32) {
    return new RTMPHandshakeError(
      `server answered RTMP version ${got} (${hex(got)}); expected ${expected}`,
      HandshakeCode.HANDSHAKE_VERSION,
    );
  }
  return new RTMPHandshakeError(
    `server answered ${hex(got)}, which is not an RTMP version (expected ${expected}); not an RTMP server? ` +
      `(received ${seen})`,
    HandshakeCode.HANDSHAKE_VERSION,
  );
}

/** First letters of HTTP request methods (GET, POST, HEAD, PUT, OPTIONS, DELETE, CONNECT). */
const HTTP_METHOD_INITIALS = new Set([0x47, 0x50, 0x48, 0x4f, 0x44, 0x43]);

/**
 * The error for a server that got `data[0]` as C0 (only plain RTMP, version 3, is served).
 * `data` starts at C0 and holds the bytes received so far.
 */
export function clientVersionError(data: Uint8Array): RTMPHandshakeError {
  const got = data[0]!;
  const seen = describeBytes(data);
  if (RTMPE_VERSIONS.includes(got)) {
    return new RTMPHandshakeError(
      `client asked for RTMPE (version ${got}); this server speaks plain RTMP (version 3) only`,
      HandshakeCode.HANDSHAKE_RTMPE,
    );
  }
  if (HTTP_METHOD_INITIALS.has(got)) {
    return new RTMPHandshakeError(
      `client sent an HTTP request (${seen}); this port speaks RTMP, not HTTP/RTMPT`,
      HandshakeCode.HANDSHAKE_HTTP,
    );
  }
  if (got === 0x16 || got === 0x15) {
    return new RTMPHandshakeError(
      `client speaks TLS (record type ${hex(got)}, rtmps://?); this port speaks plain RTMP`,
      HandshakeCode.HANDSHAKE_TLS,
    );
  }
  if (got < 32) {
    return new RTMPHandshakeError(
      `client sent RTMP version ${got} (${hex(got)}); only version 3 is supported`,
      HandshakeCode.HANDSHAKE_VERSION,
    );
  }
  return new RTMPHandshakeError(
    `client sent ${hex(got)}, which is not an RTMP version (expected 3); not an RTMP client? (received ${seen})`,
    HandshakeCode.HANDSHAKE_VERSION,
  );
}
