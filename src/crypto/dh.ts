/**
 * Diffie-Hellman over RFC 2409 §6.2's Second Oakley Group (the 1024-bit MODP prime,
 * generator 2), the key agreement of the RTMPE handshake. Exponentiation is Node's
 * (`node:crypto`); the private key comes from the caller's random bytes, so handshakes are
 * reproducible in tests. Keys go to OpenSSL as key objects (PKCS #8 / SPKI DER, PKCS #3
 * `dhKeyAgreement` parameters), not as a `DiffieHellman` object: building one of those
 * runs OpenSSL's DH_check, primality tests of p and q that cost ~34 ms of CPU per process
 * (a tenth of a 300 MB RTMPE download's client CPU) where the key-object path takes ~4 ms.
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
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
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

// ---------------------------------------------------------------- DER (X.690 §8) for key objects

/** A DER tag-length-value (X.690 §8.1: definite length, long form from 128 bytes). */
function tlv(tag: number, ...body: Uint8Array[]): Buffer {
  const content = Buffer.concat(body);
  const n = content.length;
  const head = n < 0x80 ? [tag, n] : n < 0x100 ? [tag, 0x81, n] : [tag, 0x82, n >>> 8, n & 0xff];
  return Buffer.concat([Buffer.from(head), content]);
}

/** A non-negative big-endian number as a DER INTEGER (minimal, a 0 byte before a set top bit). */
function derInteger(bytes: Uint8Array): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const digits = bytes.subarray(i);
  return tlv(0x02, ...(digits.length === 0 || digits[0]! & 0x80 ? [Buffer.from([0])] : []), digits);
}

/** AlgorithmIdentifier { dhKeyAgreement (PKCS #3, 1.2.840.113549.1.3.1), DHParameter { p, g } }. */
const DH_ALGORITHM = tlv(
  0x30,
  Buffer.from('06092a864886f70d010301', 'hex'),
  tlv(0x30, derInteger(DH_PRIME), derInteger(Buffer.from([DH_GENERATOR]))),
);

/** Reads the TLV at `at` of `der`: where its content starts and ends. */
function readTlv(der: Buffer, at: number): { start: number; end: number } {
  let len = der[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const size = len & 0x7f;
    len = 0;
    for (let k = 0; k < size; k++) len = len * 256 + der[start + k]!;
    start += size;
  }
  return { start, end: start + len };
}

/** The public key y of a DH SubjectPublicKeyInfo: SEQUENCE { algorithm, BIT STRING { INTEGER y } }. */
function spkiPublicKey(spki: Buffer): Buffer {
  const outer = readTlv(spki, 0);
  const bits = readTlv(spki, readTlv(spki, outer.start).end);
  const y = readTlv(spki, bits.start + 1); // after the unused-bits byte
  let start = y.start;
  while (start < y.end - 1 && spki[start] === 0) start++; // a DER INTEGER's sign byte
  return spki.subarray(start, y.end);
}

/** A key object for public key `y` of the group (the peer's). */
function publicKeyObject(y: Uint8Array): KeyObject {
  const spki = tlv(0x30, DH_ALGORITHM, tlv(0x03, Buffer.from([0]), derInteger(y)));
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

/** One side's DH key pair. */
export class DHKeyPair {
  readonly #privateKey: KeyObject;
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
    let publicKey: Buffer | undefined;
    try {
      // PrivateKeyInfo (RFC 5208 §5) { version 0, algorithm, OCTET STRING { INTEGER x } }.
      const pkcs8 = tlv(0x30, derInteger(Buffer.from([0])), DH_ALGORITHM, tlv(0x04, derInteger(privateKey)));
      this.#privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
      publicKey = pad128(
        spkiPublicKey(createPublicKey(this.#privateKey).export({ format: 'der', type: 'spki' })),
      );
    } catch (err) {
      throw new RTMPUsageError('DH private key refused by OpenSSL (degenerate random bytes?)', {
        code: UsageCode.CRYPTO_KEY,
        cause: err,
      });
    }
    if (!isValidDhPublicKey(publicKey)) {
      throw new RTMPUsageError('DH private key gives an invalid public key (degenerate random bytes?)', {
        code: UsageCode.CRYPTO_KEY,
      });
    }
    this.publicKey = publicKey;
  }

  /**
   * The shared secret with the peer whose public key is `peerKey` (128 bytes, left-padded).
   * Returns undefined when `peerKey` is not a valid public key of the group.
   */
  sharedSecret(peerKey: Uint8Array): Buffer | undefined {
    if (!isValidDhPublicKey(peerKey)) return undefined;
    return pad128(diffieHellman({ privateKey: this.#privateKey, publicKey: publicKeyObject(peerKey) }));
  }
}
