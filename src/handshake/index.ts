/**
 * The RTMP handshake (RTMP-SPEC §5.2): sans-IO client and server state machines for the
 * simple and the FP9 digest handshakes and RTMPE (types 6, 8, 9, with the RC4 pair that
 * encrypts the connection afterwards), the digest primitives RTMPE and SWF verification
 * build on, and the diagnosis of wrong first bytes.
 */
export { ClientHandshake, type ClientHandshakeInfo, type ClientHandshakeOptions } from './client.js';
export {
  defaultRandom,
  type FlashVersion,
  type HandshakeMode,
  type HandshakePolicy,
  type HandshakeStep,
  type RandomSource,
} from './common.js';
export {
  clientVersionError,
  describeBytes,
  RTMP_VERSION,
  RTMPE_VERSIONS,
  serverVersionError,
} from './diagnose.js';
export {
  clientDigestKey,
  clientResponseSignature,
  DIGEST_SIZE,
  type DigestMatch,
  type DigestScheme,
  dhKeyOffset,
  digestOffset,
  FMS_KEY_PARTIAL_LENGTH,
  FP_KEY_PARTIAL_LENGTH,
  findClientDigest,
  findDigest,
  findServerDigest,
  genuineFmsKey,
  genuineFpKey,
  HANDSHAKE_PACKET_SIZE,
  packetDigest,
  responseKey,
  responseSignature,
  serverDigestKey,
  serverResponseSignature,
  signClientResponse,
  signServerResponse,
  verifyClientResponse,
  verifyDigest,
  verifyServerResponse,
  writeClientDigest,
  writeDigest,
  writeServerDigest,
} from './digest.js';
export { RTMPHandshakeError } from './errors.js';
export {
  isRtmpeType,
  RTMPE_CLIENT_VERSION,
  type RtmpeInfo,
  type RtmpeType,
  rtmpeResponseSignature,
  wrapSignature,
} from './rtmpe.js';
export { RTMPE_KEYSTREAM_SKIP, RtmpeCipher } from './rtmpe-cipher.js';
export { ServerHandshake, type ServerHandshakeInfo, type ServerHandshakeOptions } from './server.js';
