/**
 * The ciphers and key agreement RTMPE needs, in pure TypeScript where Node's OpenSSL 3
 * refuses them (RC4, Blowfish; XTEA is not in OpenSSL at all) and over `node:crypto`
 * for Diffie-Hellman (RFC 2409 §6.2). Each has its published test vectors in
 * test/unit/crypto-*.test.ts.
 */
export { Blowfish, type BlowfishOptions } from './blowfish.js';
export {
  DH_GENERATOR,
  DH_KEY_SIZE,
  DH_PRIME,
  DH_PRIVATE_KEY_SIZE,
  DHKeyPair,
  isValidDhPublicKey,
} from './dh.js';
export { RC4 } from './rc4.js';
export { XTEA, type XteaOptions } from './xtea.js';
