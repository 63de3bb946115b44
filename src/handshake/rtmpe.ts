/**
 * The parts of the RTMPE handshake both sides share (librtmp `handshake.h`, FFmpeg
 * `rtmpcrypt.c`/`rtmpdh.c`): a digest handshake whose C1/S1 also carry a 128-byte DH
 * public key at the scheme's DH offset (written before the digest is computed), C0/S0
 * 6, 8 or 9, and C2/S2 signatures that types 8 and 9 wrap block by block:
 * `sig[i..i+8) = E_k(sig[i..i+8))` for i = 0, 8, 16, 24 with key number
 * `keyDigest[i] % 15`, where `keyDigest` is the intermediate HMAC the signature is keyed
 * with; E is XTEA (type 8, 32 cycles, little-endian words) or Blowfish (type 9, 24-byte
 * keys, little-endian words). C2/S2 themselves travel in clear.
 *
 * Invariants: pure functions of their inputs (the DH private key comes from the caller's
 * random bytes); a peer's DH key that is not a valid group element is an
 * `RTMPHandshakeError` `ERR_HANDSHAKE_BAD_DH_KEY`.
 */
import { createHmac } from 'node:crypto';
import { Blowfish } from '../crypto/blowfish.js';
import { DH_KEY_SIZE, DH_PRIVATE_KEY_SIZE, DHKeyPair } from '../crypto/dh.js';
import { XTEA } from '../crypto/xtea.js';
import { HandshakeCode } from '../error-codes.js';
import { type FlashVersion, type RandomSource, takeRandom } from './common.js';
import { DIGEST_SIZE, type DigestScheme, dhKeyOffset, HANDSHAKE_PACKET_SIZE, responseKey } from './digest.js';
import { RTMPHandshakeError } from './errors.js';
import type { RtmpeCipher } from './rtmpe-cipher.js';
import { RTMPE8_KEYS, RTMPE9_KEYS } from './rtmpe-keys.js';

/** C0/S0 of RTMPE: 6 = plain signatures, 8 = XTEA-wrapped, 9 = Blowfish-wrapped. */
export type RtmpeType = 6 | 8 | 9;

/** C1 version bytes of an RTMPE client: 128.0.3.2, as librtmp and FFmpeg send ("at least 9.0.115"). */
export const RTMPE_CLIENT_VERSION: FlashVersion = [128, 0, 3, 2];

/** What an RTMPE handshake yields besides the plain handshake's facts. */
export interface RtmpeInfo {
  /** The signature variant S0 announced (and both sides used). */
  type: RtmpeType;
  /** The RC4 pair for every byte after the handshake. */
  cipher: RtmpeCipher;
}

/** Whether `v` is an RTMPE C0/S0 value. */
export function isRtmpeType(v: number): v is RtmpeType {
  return v === 6 || v === 8 || v === 9;
}

/** A DH key pair from `DH_PRIVATE_KEY_SIZE` random bytes. */
export function dhKeyPair(random: RandomSource): DHKeyPair {
  return new DHKeyPair(takeRandom(random, DH_PRIVATE_KEY_SIZE));
}

/** Writes our DH public key into a C1/S1 (in place) at the scheme's DH offset. */
export function writeDhPublicKey(packet: Uint8Array, scheme: DigestScheme, pair: DHKeyPair): void {
  packet.set(pair.publicKey, dhKeyOffset(packet, scheme));
}

/** The peer's DH public key (a copy) at the DH offset of the scheme whose digest validated. */
export function readDhPublicKey(packet: Uint8Array, scheme: DigestScheme): Buffer {
  const at = dhKeyOffset(packet, scheme);
  return Buffer.from(packet.subarray(at, at + DH_KEY_SIZE));
}

/**
 * The 128-byte shared secret of our key pair and the peer's public key. Throws
 * `ERR_HANDSHAKE_BAD_DH_KEY` when the peer's key is not in the group (wrong offset or garbage).
 */
export function sharedSecret(pair: DHKeyPair, peerKey: Uint8Array, who: 'client' | 'server'): Buffer {
  const secret = pair.sharedSecret(peerKey);
  if (secret === undefined) {
    throw new RTMPHandshakeError(
      `the ${who}'s RTMPE Diffie-Hellman public key is not a valid group element (1 < y < p-1, y^q = 1)`,
      HandshakeCode.HANDSHAKE_BAD_DH_KEY,
    );
  }
  return secret;
}

let xteaKeys: XTEA[] | undefined;
let blowfishKeys: Blowfish[] | undefined;

/** The 16 key schedules of `type`, built on first use (Blowfish's costs 521 block encryptions each). */
function signatureCiphers(type: 8 | 9): readonly (XTEA | Blowfish)[] {
  if (type === 8) {
    xteaKeys ??= RTMPE8_KEYS.map((k) => new XTEA(k, { littleEndian: true }));
    return xteaKeys;
  }
  blowfishKeys ??= RTMPE9_KEYS.map((k) => new Blowfish(k, { littleEndian: true }));
  return blowfishKeys;
}

/** Wraps a 32-byte signature in place for type 8/9 (type 6 leaves it alone). */
export function wrapSignature(signature: Uint8Array, keyDigest: Uint8Array, type: RtmpeType): void {
  if (type === 6) return;
  const ciphers = signatureCiphers(type);
  for (let i = 0; i < DIGEST_SIZE; i += 8)
    ciphers[keyDigest[i]! % 15]!.encryptBlock(signature, i, signature, i);
}

/**
 * The last 32 bytes a C2/S2 must carry: `HMAC-SHA256(responseKey(peerDigest, fullKey),
 * packet[0..1504))`, wrapped for `type` with the response key's bytes choosing the keys.
 */
export function rtmpeResponseSignature(
  packet: Uint8Array,
  peerDigest: Uint8Array,
  fullKey: Uint8Array,
  type: RtmpeType,
): Buffer {
  const key = responseKey(peerDigest, fullKey);
  const sig = createHmac('sha256', key)
    .update(packet.subarray(0, HANDSHAKE_PACKET_SIZE - DIGEST_SIZE))
    .digest();
  wrapSignature(sig, key, type);
  return sig;
}
