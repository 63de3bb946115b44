/**
 * The digest ("FP9", "complex") handshake primitives (librtmp `handshake.h`, FFmpeg
 * `rtmpdigest.c`), shared by the plain handshake, RTMPE and SWF verification.
 *
 * Invariants: every function takes a 1536-byte C1/S1/C2/S2 packet *without* the C0/S0
 * byte; a digest is 32 bytes of HMAC-SHA256 over the packet minus those 32 bytes, at an
 * offset chosen by the packet's own bytes (the scheme); C1/S1 digests use the ASCII key
 * prefixes (30 / 36 bytes), C2/S2 signatures the full 62 / 68-byte keys. Nothing here
 * allocates more than the 32-byte results; a packet shorter than 1536 bytes is a usage error
 * (`ERR_HANDSHAKE_ARGUMENT`), any 1536 bytes are valid input.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { argumentError } from './errors.js';

/** Size of C1, S1, C2 and S2. */
export const HANDSHAKE_PACKET_SIZE = 1536;
/** Size of a digest or signature (HMAC-SHA256). */
export const DIGEST_SIZE = 32;
/** Length of the ASCII prefix of `genuineFpKey` that signs C1. */
export const FP_KEY_PARTIAL_LENGTH = 30;
/** Length of the ASCII prefix of `genuineFmsKey` that signs S1. */
export const FMS_KEY_PARTIAL_LENGTH = 36;

/** Shared 32-byte tail of both Genuine Adobe keys (librtmp `GenuineFPKey`/`GenuineFMSKey`). */
const KEY_TAIL = Buffer.from('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae', 'hex');

/** "Genuine Adobe Flash Player 001" + tail: 62 bytes (librtmp `GenuineFPKey`). */
export const genuineFpKey: Buffer = Buffer.concat([
  Buffer.from('Genuine Adobe Flash Player 001', 'latin1'),
  KEY_TAIL,
]);
/** "Genuine Adobe Flash Media Server 001" + tail: 68 bytes (librtmp `GenuineFMSKey`). */
export const genuineFmsKey: Buffer = Buffer.concat([
  Buffer.from('Genuine Adobe Flash Media Server 001', 'latin1'),
  KEY_TAIL,
]);

/** The key that signs a client's C1 (first 30 bytes of `genuineFpKey`). */
export const clientDigestKey: Buffer = genuineFpKey.subarray(0, FP_KEY_PARTIAL_LENGTH);
/** The key that signs a server's S1 (first 36 bytes of `genuineFmsKey`). */
export const serverDigestKey: Buffer = genuineFmsKey.subarray(0, FMS_KEY_PARTIAL_LENGTH);

/**
 * Layout of the 1528 bytes after time and version. Scheme 0: digest block first (librtmp
 * and FFmpeg use it for plain FP9); scheme 1: DH key block first (both use it for RTMPE).
 */
export type DigestScheme = 0 | 1;

/** Where a valid digest was found. */
export interface DigestMatch {
  scheme: DigestScheme;
  /** Offset of the digest in the 1536-byte packet. */
  offset: number;
  /** The 32 digest bytes (a copy). */
  digest: Buffer;
}

function sum4(p: Uint8Array, at: number): number {
  return p[at]! + p[at + 1]! + p[at + 2]! + p[at + 3]!;
}

function checkPacket(p: Uint8Array): void {
  if (p.length < HANDSHAKE_PACKET_SIZE) {
    throw argumentError(`handshake packet must be ${HANDSHAKE_PACKET_SIZE} bytes, got ${p.length}`);
  }
}

/** Offset of the 32-byte digest: scheme 0 `Σb[8..11] % 728 + 12`, scheme 1 `Σb[772..775] % 728 + 776`. */
export function digestOffset(packet: Uint8Array, scheme: DigestScheme): number {
  checkPacket(packet);
  return scheme === 0 ? (sum4(packet, 8) % 728) + 12 : (sum4(packet, 772) % 728) + 776;
}

/** Offset of the 128-byte RTMPE DH public key: scheme 0 `Σb[1532..1535] % 632 + 772`, scheme 1 `Σb[768..771] % 632 + 8`. */
export function dhKeyOffset(packet: Uint8Array, scheme: DigestScheme): number {
  checkPacket(packet);
  return scheme === 0 ? (sum4(packet, 1532) % 632) + 772 : (sum4(packet, 768) % 632) + 8;
}

/** HMAC-SHA256 with `key` over the 1536-byte packet minus the 32 bytes at `offset`. */
export function packetDigest(packet: Uint8Array, offset: number, key: Uint8Array): Buffer {
  checkPacket(packet);
  return createHmac('sha256', key)
    .update(packet.subarray(0, offset))
    .update(packet.subarray(offset + DIGEST_SIZE, HANDSHAKE_PACKET_SIZE))
    .digest();
}

/** Computes the digest for `scheme` and writes it into `packet` (in place). */
export function writeDigest(packet: Uint8Array, scheme: DigestScheme, key: Uint8Array): DigestMatch {
  const offset = digestOffset(packet, scheme);
  const digest = packetDigest(packet, offset, key);
  packet.set(digest, offset);
  return { scheme, offset, digest };
}

/** Whether `packet` carries a valid digest for `scheme` and `key`. */
export function verifyDigest(
  packet: Uint8Array,
  scheme: DigestScheme,
  key: Uint8Array,
): DigestMatch | undefined {
  const offset = digestOffset(packet, scheme);
  const digest = packetDigest(packet, offset, key);
  return timingSafeEqual(digest, packet.subarray(offset, offset + DIGEST_SIZE))
    ? { scheme, offset, digest }
    : undefined;
}

/** Tries the schemes in `order` and returns the first valid digest. */
export function findDigest(
  packet: Uint8Array,
  key: Uint8Array,
  order: readonly DigestScheme[] = [0, 1],
): DigestMatch | undefined {
  for (const scheme of order) {
    const m = verifyDigest(packet, scheme, key);
    if (m) return m;
  }
  return undefined;
}

/** Signs a client C1 in place (key: first 30 bytes of FPKey). */
export function writeClientDigest(c1: Uint8Array, scheme: DigestScheme = 0): DigestMatch {
  return writeDigest(c1, scheme, clientDigestKey);
}

/** Finds a valid client digest in C1 (the given scheme order, default 0 then 1). */
export function findClientDigest(c1: Uint8Array, order?: readonly DigestScheme[]): DigestMatch | undefined {
  return findDigest(c1, clientDigestKey, order);
}

/** Signs a server S1 in place (key: first 36 bytes of FMSKey). */
export function writeServerDigest(s1: Uint8Array, scheme: DigestScheme = 0): DigestMatch {
  return writeDigest(s1, scheme, serverDigestKey);
}

/** Finds a valid server digest in S1 (the given scheme order, default 0 then 1). */
export function findServerDigest(s1: Uint8Array, order?: readonly DigestScheme[]): DigestMatch | undefined {
  return findDigest(s1, serverDigestKey, order);
}

/**
 * The intermediate key of a C2/S2 signature: `HMAC-SHA256(fullKey, peerDigest)`. RTMPE
 * types 8/9 pick their XTEA/Blowfish key indices from these bytes.
 */
export function responseKey(peerDigest: Uint8Array, fullKey: Uint8Array): Buffer {
  return createHmac('sha256', fullKey).update(peerDigest).digest();
}

/** The signature of a C2/S2: `HMAC-SHA256(responseKey(peerDigest, fullKey), packet[0..1504))`. */
export function responseSignature(packet: Uint8Array, peerDigest: Uint8Array, fullKey: Uint8Array): Buffer {
  checkPacket(packet);
  return createHmac('sha256', responseKey(peerDigest, fullKey))
    .update(packet.subarray(0, HANDSHAKE_PACKET_SIZE - DIGEST_SIZE))
    .digest();
}

/** The C2 signature a client owes a server whose S1 digest is `serverDigest` (key: full 62-byte FPKey). */
export function clientResponseSignature(c2: Uint8Array, serverDigest: Uint8Array): Buffer {
  return responseSignature(c2, serverDigest, genuineFpKey);
}

/** The S2 signature a server owes a client whose C1 digest is `clientDigest` (key: full 68-byte FMSKey). */
export function serverResponseSignature(s2: Uint8Array, clientDigest: Uint8Array): Buffer {
  return responseSignature(s2, clientDigest, genuineFmsKey);
}

/** Writes the C2 signature into its last 32 bytes (in place). */
export function signClientResponse(c2: Uint8Array, serverDigest: Uint8Array): void {
  c2.set(clientResponseSignature(c2, serverDigest), HANDSHAKE_PACKET_SIZE - DIGEST_SIZE);
}

/** Writes the S2 signature into its last 32 bytes (in place). */
export function signServerResponse(s2: Uint8Array, clientDigest: Uint8Array): void {
  s2.set(serverResponseSignature(s2, clientDigest), HANDSHAKE_PACKET_SIZE - DIGEST_SIZE);
}

/** Whether the last 32 bytes of `c2` are the signature for `serverDigest`. */
export function verifyClientResponse(c2: Uint8Array, serverDigest: Uint8Array): boolean {
  return timingSafeEqual(
    clientResponseSignature(c2, serverDigest),
    c2.subarray(HANDSHAKE_PACKET_SIZE - DIGEST_SIZE, HANDSHAKE_PACKET_SIZE),
  );
}

/** Whether the last 32 bytes of `s2` are the signature for `clientDigest`. */
export function verifyServerResponse(s2: Uint8Array, clientDigest: Uint8Array): boolean {
  return timingSafeEqual(
    serverResponseSignature(s2, clientDigest),
    s2.subarray(HANDSHAKE_PACKET_SIZE - DIGEST_SIZE, HANDSHAKE_PACKET_SIZE),
  );
}
