/**
 * Client side of the RTMP handshake (RTMP-SPEC §5.2; the FP9 digest handshake of librtmp
 * `handshake.h`), sans-IO, plain or RTMPE (option `rtmpe`: C0 6, a DH public key in C1,
 * S0 6/8/9 choosing how C2/S2 signatures are wrapped — rtmpe.ts).
 *
 * `start()` gives C0+C1; `receive()` takes server bytes in any split. C2 goes out as soon
 * as S0+S1 are in (not after S2: a conforming server may wait for C2 before sending S2, and
 * FFmpeg's read-S2-first order would deadlock there). Bytes after S2 are the start of the
 * chunk stream and are handed back as `rest` — for RTMPE a decrypted copy, made with
 * `info.rtmpe.cipher`, which then owns both directions of the connection.
 *
 * Invariants: the outcome (bytes sent, `done`, `rest`, error code) is the same for every
 * split of the input; the only errors the peer can cause are `RTMPHandshakeError`s; at
 * most 3073 bytes are buffered; calls out of order are `RTMPUsageError`s.
 */

import { timingSafeEqual } from 'node:crypto';
import type { DHKeyPair } from '../crypto/dh.js';
import { HandshakeCode } from '../error-codes.js';
import {
  asBuffer,
  checkFlashVersion,
  checkFunction,
  checkOneOf,
  checkRandom,
  checkUint32,
  type FlashVersion,
  type HandshakeMode,
  type HandshakePolicy,
  type HandshakeStep,
  HELLO_SIZE,
  isEcho,
  PeerHandshakeBytes,
  type RandomSource,
  readFlashVersion,
  TOTAL_SIZE,
  takeRandom,
} from './common.js';
import { RTMP_VERSION, serverVersionError } from './diagnose.js';
import {
  DIGEST_SIZE,
  type DigestMatch,
  type DigestScheme,
  findServerDigest,
  genuineFmsKey,
  genuineFpKey,
  HANDSHAKE_PACKET_SIZE,
  writeClientDigest,
} from './digest.js';
import { optionError, RTMPHandshakeError, stateError } from './errors.js';
import {
  dhKeyPair,
  isRtmpeType,
  RTMPE_CLIENT_VERSION,
  type RtmpeInfo,
  type RtmpeType,
  readDhPublicKey,
  rtmpeResponseSignature,
  sharedSecret,
  writeDhPublicKey,
} from './rtmpe.js';
import { RtmpeCipher } from './rtmpe-cipher.js';

/** Options of `ClientHandshake`. */
export interface ClientHandshakeOptions {
  /** Which handshake to offer (default `'auto'`). */
  policy?: HandshakePolicy;
  /**
   * RTMPE (rtmpe://, rtmpte://): a DH key in C1, the connection encrypted afterwards.
   * Implies the digest handshake (policy `'simple'` is refused) and changes the defaults
   * below to librtmp's: C0 6, C1 version 128.0.3.2, scheme 1. Default false.
   */
  rtmpe?: boolean;
  /**
   * C0 byte: 3 (plain, the default) or, with `rtmpe`, 6 (default), 8 or 9; S0 must be the
   * same, except that an RTMPE server may answer any of 6, 8 and 9.
   */
  version?: number;
  /** Random source (default `crypto.randomBytes`); inject for reproducible bytes. */
  random?: RandomSource;
  /** C1 time field, the epoch of our chunk timestamps (default 0). */
  epoch?: number;
  /**
   * C1 version bytes of a digest handshake (default 9.0.124.2, as FFmpeg and Flash 9;
   * RTMPE 128.0.3.2 — librtmp's server answers type 8 to a first byte of 128, else 6).
   */
  fp9Version?: FlashVersion;
  /** Digest layout of a signed C1 (default 0; RTMPE 1, as librtmp and FFmpeg). */
  scheme?: DigestScheme;
  /**
   * RTMPE: makes our DH key pair from the random source (default `dhKeyPair`: 127 bytes of
   * `random` as the private key). The fuzzer memoizes pairs to skip their generation
   * (~1.5 ms of CPU); a pair must never serve two real connections, since the RC4 keys
   * derive from it.
   */
  makeDhKeyPair?: (random: RandomSource) => DHKeyPair;
}

/** What the client learned about the server. */
export interface ClientHandshakeInfo {
  /** The handshake performed: `'fp9'` when S1 carried a valid server digest (and we signed C1). */
  mode: HandshakeMode;
  /** S0. */
  serverVersion: number;
  /** S1 time field (the server's epoch). */
  serverTime: number;
  /** S1 bytes 4..7 (zero for a simple handshake, e.g. FMS 3.5.1.1 or nginx-rtmp 13.14.10.13 otherwise). */
  serverFlashVersion: FlashVersion;
  /** Whether S1 carried a valid digest (checked only for a signed C1 and a non-zero S1 version). */
  serverDigest: boolean;
  /** The scheme whose digest validated. */
  scheme?: DigestScheme;
  /** fp9: S2 carries the right signature; simple: S2 echoes C1's time and random bytes. */
  s2Valid: boolean;
  /** Things that were tolerated (non-echo S2, unsigned S2, fallback to simple). */
  warnings: string[];
  /** S1 as received (SWF verification uses its last 32 bytes). */
  s1: Buffer;
  /** RTMPE: the S0 type and the cipher for everything after the handshake. */
  rtmpe?: RtmpeInfo;
}

type State = 'new' | 'hello' | 'response' | 'done' | 'failed';

const DEFAULT_FP9_VERSION: FlashVersion = [9, 0, 124, 2];
const POLICIES: readonly HandshakePolicy[] = ['auto', 'simple', 'fp9'];
const SCHEMES: readonly DigestScheme[] = [0, 1];

/** The client handshake state machine: `start()`, then `receive()` until `done`. */
export class ClientHandshake {
  readonly policy: HandshakePolicy;
  readonly version: number;
  readonly #random: RandomSource;
  readonly #epoch: number;
  readonly #fp9Version: FlashVersion;
  readonly #scheme: DigestScheme;
  readonly #rtmpe: boolean;

  #state: State = 'new';
  /** S0+S1+S2 as they arrive. */
  readonly #peer = new PeerHandshakeBytes();
  #c1: Buffer | undefined;
  #c1Digest: DigestMatch | undefined;
  #mode: HandshakeMode = 'simple';
  #s1Digest: DigestMatch | undefined;
  #s2Valid = false;
  readonly #warnings: string[] = [];
  #info: ClientHandshakeInfo | undefined;
  /** RTMPE: our DH key pair (from `start`), then the negotiated type and cipher (from S1). */
  #dh: DHKeyPair | undefined;
  readonly #makeDh: (random: RandomSource) => DHKeyPair;
  #rtmpeInfo: RtmpeInfo | undefined;

  constructor(options: ClientHandshakeOptions = {}) {
    this.policy = checkOneOf('policy', options.policy, POLICIES, 'auto');
    this.#rtmpe = options.rtmpe === true;
    const version = options.version ?? (this.#rtmpe ? 6 : RTMP_VERSION);
    if (!Number.isInteger(version) || version < 0 || version > 255) {
      throw optionError(`version must be an integer in 0..255, got ${String(version)}`);
    }
    if (this.#rtmpe && !isRtmpeType(version)) {
      throw optionError(`an RTMPE handshake starts with C0 6, 8 or 9, got ${version}`);
    }
    if (this.#rtmpe && this.policy === 'simple') {
      throw optionError("RTMPE needs the digest handshake: policy 'simple' cannot be combined with rtmpe");
    }
    this.version = version;
    this.#random = checkRandom(options.random);
    this.#makeDh = checkFunction('makeDhKeyPair', options.makeDhKeyPair, dhKeyPair);
    this.#epoch = checkUint32('epoch', options.epoch, 0);
    this.#fp9Version = checkFlashVersion(
      'fp9Version',
      options.fp9Version,
      this.#rtmpe ? RTMPE_CLIENT_VERSION : DEFAULT_FP9_VERSION,
    );
    this.#scheme = checkOneOf('scheme', options.scheme, SCHEMES, this.#rtmpe ? 1 : 0);
  }

  /** True once S2 has been read. */
  get done(): boolean {
    return this.#state === 'done';
  }

  /** What was learned about the server; set when the handshake completes. */
  get info(): ClientHandshakeInfo | undefined {
    return this.#info;
  }

  /** The C1 we sent (a copy), once `start()` ran. */
  get c1(): Buffer | undefined {
    return this.#c1 ? Buffer.from(this.#c1) : undefined;
  }

  /** Builds C0+C1 (one 1537-byte buffer) to send first. */
  start(): Buffer {
    if (this.#state !== 'new') throw stateError('ClientHandshake.start() called twice');
    const out = Buffer.alloc(HELLO_SIZE);
    out[0] = this.version;
    const c1 = out.subarray(1);
    c1.writeUInt32BE(this.#epoch, 0);
    c1.set(takeRandom(this.#random, HANDSHAKE_PACKET_SIZE - 8), 8);
    if (this.policy !== 'simple') {
      c1.set(this.#fp9Version, 4);
      if (this.#rtmpe) {
        // The key goes in before the digest, which covers it.
        this.#dh = this.#makeDh(this.#random);
        writeDhPublicKey(c1, this.#scheme, this.#dh);
      }
      this.#c1Digest = writeClientDigest(c1, this.#scheme);
    }
    this.#c1 = Buffer.from(c1);
    this.#state = 'hello';
    return out;
  }

  /**
   * Feeds bytes from the server. Returns what to send (C2, once), whether the handshake is
   * done, and the bytes after S2. Throws `RTMPHandshakeError` when the server broke the
   * handshake (after which the object is spent).
   */
  receive(data: Uint8Array): HandshakeStep<ClientHandshakeInfo> {
    if (this.#state === 'new') throw stateError('ClientHandshake.receive() called before start()');
    if (this.#state === 'done')
      throw stateError('ClientHandshake.receive() called after the handshake completed');
    if (this.#state === 'failed')
      throw stateError('ClientHandshake.receive() called after the handshake failed');
    const buf = asBuffer(data);
    try {
      return this.#receive(buf);
    } catch (err) {
      this.#state = 'failed';
      throw err;
    }
  }

  #receive(data: Buffer): HandshakeStep<ClientHandshakeInfo> {
    if (this.#peer.empty && data.length > 0) this.#checkS0(data);
    const step = this.#peer.receive(
      data,
      () => {
        const reply = this.#onS1();
        this.#state = 'response';
        return reply;
      },
      () => {
        this.#onS2();
        this.#state = 'done';
        return this.#info!;
      },
    );
    // A decrypted copy: the caller's buffer stays as it was (this happens once per connection).
    if (step.rest && this.#rtmpeInfo) step.rest = this.#rtmpeInfo.cipher.decrypt(Buffer.from(step.rest));
    return step;
  }

  /** S0, the first byte: the version we sent, or for RTMPE any of 6, 8, 9. */
  #checkS0(data: Buffer): void {
    const s0 = data[0]!;
    if (!this.#rtmpe) {
      if (s0 !== this.version) throw serverVersionError(data, this.version);
    } else if (s0 === RTMP_VERSION) {
      throw new RTMPHandshakeError(
        'server answered plain RTMP (version 3) to an RTMPE handshake: it does not speak RTMPE; try rtmp://',
        HandshakeCode.HANDSHAKE_RTMPE,
      );
    } else if (!isRtmpeType(s0)) {
      throw serverVersionError(data, this.version);
    }
  }

  /** The signature variant of C2/S2: S0 for RTMPE, plain (6) otherwise. */
  get #signatureType(): RtmpeType {
    const s0 = this.#peer.bytes[0]!;
    return this.#rtmpe && isRtmpeType(s0) ? s0 : 6;
  }

  /** S1 is complete: decide the mode and build C2. */
  #onS1(): Buffer {
    const s1 = this.#peer.bytes.subarray(1, HELLO_SIZE);
    const serverFlashVersion = readFlashVersion(s1);
    const zeroVersion = serverFlashVersion.every((b) => b === 0);
    if (this.#c1Digest && (!zeroVersion || this.#rtmpe)) {
      const order: DigestScheme[] = this.#scheme === 0 ? [0, 1] : [1, 0];
      this.#s1Digest = findServerDigest(s1, order);
    }
    if (this.#rtmpe && !this.#s1Digest) {
      throw new RTMPHandshakeError(
        `couldn't verify the server digest in S1 (scheme 0 or 1): RTMPE cannot locate the server's DH key`,
        HandshakeCode.HANDSHAKE_BAD_DIGEST,
      );
    }
    if (this.#s1Digest) {
      this.#mode = 'fp9';
      if (this.#dh) {
        const serverKey = readDhPublicKey(s1, this.#s1Digest.scheme);
        const secret = sharedSecret(this.#dh, serverKey, 'server');
        const cipher = new RtmpeCipher(secret, this.#dh.publicKey, serverKey);
        this.#rtmpeInfo = { type: this.#signatureType, cipher };
      }
      const c2 = Buffer.alloc(HANDSHAKE_PACKET_SIZE);
      c2.set(takeRandom(this.#random, HANDSHAKE_PACKET_SIZE - DIGEST_SIZE), 0);
      const signature = rtmpeResponseSignature(c2, this.#s1Digest.digest, genuineFpKey, this.#signatureType);
      c2.set(signature, HANDSHAKE_PACKET_SIZE - DIGEST_SIZE);
      return c2;
    }
    if (this.#c1Digest) {
      if (this.policy === 'fp9' && !zeroVersion) {
        throw new RTMPHandshakeError(
          `couldn't verify the server digest: S1 claims version ${serverFlashVersion.join('.')} but carries no ` +
            `valid digest in scheme 0 or 1 (use handshake 'auto' or 'simple' for this server)`,
          HandshakeCode.HANDSHAKE_BAD_DIGEST,
        );
      }
      this.#warnings.push(
        zeroVersion
          ? 'server answered a simple handshake (S1 version 0); fell back to echoing S1'
          : `S1 (version ${serverFlashVersion.join('.')}) carries no valid server digest; fell back to echoing S1`,
      );
    }
    this.#mode = 'simple';
    return Buffer.from(s1);
  }

  /** S2 is complete: check it and freeze the info. */
  #onS2(): void {
    const s1 = this.#peer.bytes.subarray(1, HELLO_SIZE);
    const s2 = this.#peer.bytes.subarray(HELLO_SIZE, TOTAL_SIZE);
    if (this.#mode === 'fp9') {
      const want = rtmpeResponseSignature(s2, this.#c1Digest!.digest, genuineFmsKey, this.#signatureType);
      this.#s2Valid = timingSafeEqual(want, s2.subarray(HANDSHAKE_PACKET_SIZE - DIGEST_SIZE));
      if (!this.#s2Valid) {
        if (this.policy === 'fp9') {
          throw new RTMPHandshakeError(
            'server not genuine: the S2 signature does not match our C1 digest',
            HandshakeCode.HANDSHAKE_BAD_SIGNATURE,
          );
        }
        this.#warnings.push('S2 signature does not match our C1 digest (server not genuine?); accepted');
      }
    } else {
      this.#s2Valid = isEcho(s2, this.#c1!);
      if (!this.#s2Valid) this.#warnings.push('S2 does not echo C1; accepted');
    }
    const info: ClientHandshakeInfo = {
      mode: this.#mode,
      serverVersion: this.#peer.bytes[0]!,
      serverTime: s1.readUInt32BE(0),
      serverFlashVersion: readFlashVersion(s1),
      serverDigest: this.#s1Digest !== undefined,
      s2Valid: this.#s2Valid,
      warnings: [...this.#warnings],
      s1: Buffer.from(s1),
    };
    if (this.#s1Digest) info.scheme = this.#s1Digest.scheme;
    if (this.#rtmpeInfo) info.rtmpe = this.#rtmpeInfo;
    this.#info = info;
  }
}
