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
 * key read at the wrong offset fails this about half the time. The second test is done
 * as a Legendre symbol (Euler's criterion), since q is prime and 2 generates the subgroup.
 */
import { createDiffieHellman, type DiffieHellman } from 'node:crypto';
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';

/** Size in bytes of the prime, a public key and the shared secret. */
export const DH_KEY_SIZE = 128;
/** Size of the private exponent drawn from random bytes (FFmpeg: bytes(p) − 1, i.e. 1016 bits). */
export const DH_PRIVATE_KEY_SIZE = DH_KEY_SIZE - 1;

/** The RFC 2409 §6.2 prime p = 2^1024 − 2^960 − 1 + 2^64 · (⌊2^894 π⌋ + 129093), 128 bytes big-endian. */
export const DH_PRIME: Buffer = Buffer.from(
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF',
  'hex',
);
/** The generator, 2. */
export const DH_GENERATOR = 2;

const P = toBigInt(DH_PRIME);

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0
    ? 0n
    : BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex')}`);
}

/**
 * The Jacobi symbol (a/n) for odd n > 0 (binary algorithm, quadratic reciprocity). For the
 * prime p it is the Legendre symbol, and Euler's criterion makes (y/p) = 1 exactly when
 * y^q ≡ 1 (mod p): 25 times cheaper here than the modular exponentiation.
 */
function jacobi(value: bigint, modulus: bigint): number {
  let a = value % modulus;
  let n = modulus;
  let t = 1;
  while (a !== 0n) {
    let twos = 0;
    while ((a & 1n) === 0n) {
      a >>= 1n;
      twos++;
    }
    // (2/n) = -1 when n ≡ 3 or 5 (mod 8).
    const n8 = n & 7n;
    if (twos & 1 && (n8 === 3n || n8 === 5n)) t = -t;
    // Reciprocity: (a/n)(n/a) = -1 when both are ≡ 3 (mod 4).
    if ((a & 3n) === 3n && (n & 3n) === 3n) t = -t;
    [a, n] = [n % a, a];
  }
  return n === 1n ? t : 0;
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
  return jacobi(y, P) === 1;
}

/**
 * One DiffieHellman object for every key pair: building one checks the prime (~100 ms
 * here), while setting a private key and exponentiating takes under 1 ms. Each use sets
 * the key it needs first; calls are synchronous, so uses never interleave.
 */
let engine: DiffieHellman | undefined;
function dhEngine(privateKey: Buffer): DiffieHellman {
  engine ??= createDiffieHellman(DH_PRIME, Buffer.from([DH_GENERATOR]));
  engine.setPrivateKey(privateKey);
  return engine;
}

/** One side's DH key pair. */
export class DHKeyPair {
  readonly #privateKey: Buffer;
  /** Our public key, 128 bytes big-endian, left-padded. */
  readonly publicKey: Buffer;

  /**
   * `privateKey`: the private exponent, big-endian (127 random bytes in RTMPE). It must give
   * a valid public key (any random 1016-bit value does; zero or one do not).
   */
  constructor(privateKey: Uint8Array) {
    if (!(privateKey instanceof Uint8Array) || privateKey.length === 0 || privateKey.length > DH_KEY_SIZE) {
      throw new RTMPUsageError('DH private key must be 1…128 bytes', { code: UsageCode.CRYPTO_KEY });
    }
    this.#privateKey = Buffer.from(privateKey);
    this.publicKey = pad128(dhEngine(this.#privateKey).generateKeys());
    if (!isValidDhPublicKey(this.publicKey)) {
      throw new RTMPUsageError('DH private key gives an invalid public key (degenerate random bytes?)', {
        code: UsageCode.CRYPTO_KEY,
      });
    }
  }

  /**
   * The shared secret with the peer whose public key is `peerKey` (128 bytes, left-padded).
   * Returns undefined when `peerKey` is not a valid public key of the group.
   */
  sharedSecret(peerKey: Uint8Array): Buffer | undefined {
    if (!isValidDhPublicKey(peerKey)) return undefined;
    return pad128(dhEngine(this.#privateKey).computeSecret(Buffer.from(peerKey)));
  }
}
