/**
 * Diffie-Hellman over RFC 2409 §6.2's Second Oakley Group (the 1024-bit MODP prime,
 * generator 2), the key agreement of the RTMPE handshake. Exponentiation is Node's
 * (`node:crypto`); the private key comes from the caller's random bytes, so handshakes are
 * reproducible in tests.
 *
 * Encodings (what librtmp and FFmpeg put on the wire): a public key is 128 bytes
 * big-endian, left-padded with zeros; the shared secret is 128 bytes big-endian,
 * left-padded with zeros (librtmp's GnuTLS/nettle build — Debian's rtmpdump and rtmpsuck —
 * and FFmpeg's mbedTLS build; their OpenSSL builds write the secret unpadded at the start
 * of the buffer instead, which differs only when its top byte is zero, 1 handshake in 256).
 *
 * A peer's public key must satisfy 1 < y < p − 1 and y^q ≡ 1 (mod p) with q = (p − 1)/2
 * (RFC 2631 §2.1.5; FFmpeg `ff_dh_compute_shared_secret_key` rejects otherwise): a
 * key read at the wrong offset fails this about half the time.
 */
import { createDiffieHellman, type DiffieHellman, getDiffieHellman } from 'node:crypto';
import { RTMPUsageError } from '../errors.js';

/** Size in bytes of the prime, a public key and the shared secret. */
export const DH_KEY_SIZE = 128;
/** Size of the private exponent drawn from random bytes (FFmpeg: bytes(p) − 1, i.e. 1016 bits). */
export const DH_PRIVATE_KEY_SIZE = DH_KEY_SIZE - 1;

/** The RFC 2409 §6.2 prime p (128 bytes, big-endian). */
export const DH_PRIME: Buffer = getDiffieHellman('modp2').getPrime();
/** The generator, 2. */
export const DH_GENERATOR = 2;

const P = toBigInt(DH_PRIME);
const Q = (P - 1n) / 2n;

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0
    ? 0n
    : BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`);
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

/** Left-pads (or checks) a big-endian number to 128 bytes. */
function pad128(bytes: Buffer): Buffer {
  if (bytes.length === DH_KEY_SIZE) return bytes;
  const out = Buffer.alloc(DH_KEY_SIZE);
  bytes.copy(out, DH_KEY_SIZE - bytes.length);
  return out;
}

/**
 * Whether `key` (128 bytes, big-endian) is a valid public key of the group: 1 < y < p − 1
 * and y^q mod p = 1.
 */
export function isValidDhPublicKey(key: Uint8Array): boolean {
  if (key.length !== DH_KEY_SIZE) return false;
  const y = toBigInt(key);
  if (y <= 1n || y >= P - 1n) return false;
  return modPow(y, Q, P) === 1n;
}

/** One side's DH key pair. */
export class DHKeyPair {
  readonly #dh: DiffieHellman;
  /** Our public key, 128 bytes big-endian, left-padded. */
  readonly publicKey: Buffer;

  /**
   * `privateKey`: the private exponent, big-endian (127 random bytes in RTMPE). It must give
   * a valid public key (any random 1016-bit value does; zero or one do not).
   */
  constructor(privateKey: Uint8Array) {
    if (!(privateKey instanceof Uint8Array) || privateKey.length === 0 || privateKey.length > DH_KEY_SIZE) {
      throw new RTMPUsageError('DH private key must be 1…128 bytes', { code: 'ERR_CRYPTO_KEY' });
    }
    this.#dh = createDiffieHellman(DH_PRIME, Buffer.from([DH_GENERATOR]));
    this.#dh.setPrivateKey(Buffer.from(privateKey));
    this.publicKey = pad128(this.#dh.generateKeys());
    if (!isValidDhPublicKey(this.publicKey)) {
      throw new RTMPUsageError('DH private key gives an invalid public key (degenerate random bytes?)', {
        code: 'ERR_CRYPTO_KEY',
      });
    }
  }

  /**
   * The shared secret with the peer whose public key is `peerKey` (128 bytes, left-padded).
   * Returns undefined when `peerKey` is not a valid public key of the group.
   */
  sharedSecret(peerKey: Uint8Array): Buffer | undefined {
    if (!isValidDhPublicKey(peerKey)) return undefined;
    return pad128(this.#dh.computeSecret(Buffer.from(peerKey)));
  }
}
