/**
 * Server side of the RTMP handshake (RTMP-SPEC §5.2; the FP9 digest handshake of librtmp
 * `handshake.h`), sans-IO: plain RTMP (C0 = 3) and, with option `rtmpe`, RTMPE too (C0
 * 6/8/9, as librtmp's rtmpsrv/rtmpsuck accept both on one port).
 *
 * As soon as C0+C1 are in, S0+S1+S2 go out in one buffer (FFmpeg reads S2 before it sends
 * C2, so S2 must not wait for C2). When C1 carries a valid client digest (scheme 0 or 1,
 * key FPKey[0..30)) and policy is `'auto'`, the answer is digest-style: S1 signed with
 * FMSKey[0..36) in the client's scheme, S2 random with the signature keyed by the C1
 * digest — what FFmpeg's client verifies. Otherwise (librtmp, OBS, policy `'simple'`): S1 =
 * time + zero + random, S2 = C1 echoed. The C2 check only informs (FFmpeg's server
 * likewise only warns). Bytes after C2 are the start of the chunk stream (`rest`).
 *
 * RTMPE: C1 must carry a client digest (it locates the client's DH key); S0 is the type
 * asked for (option `rtmpeType`, default the client's C0), S1 carries our DH key in the
 * client's scheme, S2 and the C2 check use that type's signature wrapping, and `rest` comes
 * back as a decrypted copy, made with `info.rtmpe.cipher`, which then owns both directions. Our
 * DH key is drawn again while the shared secret's top byte is zero: the secret then has
 * no leading zero byte, and the padded and unpadded 128-byte layouts peers use (librtmp's
 * GnuTLS and OpenSSL builds differ) give the same RC4 keys.
 *
 * Invariants: same outcome for every split of the input; only `RTMPHandshakeError`s for
 * peer faults; at most 3073 bytes buffered.
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
  type HandshakeStep,
  HELLO_SIZE,
  isEcho,
  PeerHandshakeBytes,
  type RandomSource,
  readFlashVersion,
  TOTAL_SIZE,
  takeRandom,
} from './common.js';
import { clientVersionError, RTMP_VERSION } from './diagnose.js';
import {
  DIGEST_SIZE,
  type DigestMatch,
  type DigestScheme,
  findClientDigest,
  genuineFmsKey,
  genuineFpKey,
  HANDSHAKE_PACKET_SIZE,
  writeServerDigest,
} from './digest.js';
import { RTMPHandshakeError, stateError } from './errors.js';
import {
  dhKeyPair,
  isRtmpeType,
  type RtmpeInfo,
  type RtmpeType,
  readDhPublicKey,
  rtmpeResponseSignature,
  sharedSecret,
  writeDhPublicKey,
} from './rtmpe.js';
import { RtmpeCipher } from './rtmpe-cipher.js';

/** Options of `ServerHandshake`. */
export interface ServerHandshakeOptions {
  /** `'auto'` (default) answers a signed C1 digest-style; `'simple'` never does. */
  policy?: 'auto' | 'simple';
  /** Random source (default `crypto.randomBytes`); inject for reproducible bytes. */
  random?: RandomSource;
  /** RTMPE: makes each DH key pair drawn (as `ClientHandshakeOptions.makeDhKeyPair`). */
  makeDhKeyPair?: (random: RandomSource) => DHKeyPair;
  /** S1 time field, the epoch of our chunk timestamps (default 0). */
  epoch?: number;
  /** S1 version bytes of a digest answer (default 3.5.1.1; FFmpeg verifies S1 only when the first is >= 3). */
  serverVersion?: FlashVersion;
  /** Accept RTMPE clients (C0 6, 8 or 9) besides plain ones (default false: they get `ERR_HANDSHAKE_RTMPE`). */
  rtmpe?: boolean;
  /**
   * S0 answered to an RTMPE client, choosing the signature wrapping: 6, 8 (XTEA) or 9
   * (Blowfish); default the client's C0. librtmp clients follow whatever S0 says.
   */
  rtmpeType?: RtmpeType;
}

/** What the server learned about the client. */
export interface ServerHandshakeInfo {
  /** `'fp9'` when C1 carried a valid client digest and we answered digest-style. */
  mode: HandshakeMode;
  /** C0. */
  clientVersion: number;
  /** C1 time field (the client's epoch). */
  clientTime: number;
  /** C1 bytes 4..7 (e.g. 9.0.124.2 from FFmpeg, 0.0.0.0 from librtmp). */
  clientFlashVersion: FlashVersion;
  /** Whether C1 carried a valid client digest (checked only under policy `'auto'` and a non-zero C1 version). */
  clientDigest: boolean;
  /** The scheme whose digest validated. */
  scheme?: DigestScheme;
  /** fp9: C2 carries the right signature; simple: C2 echoes S1's time and random bytes. */
  c2Valid: boolean;
  /** Things that were tolerated (a C2 that is neither signed nor an echo). */
  warnings: string[];
  /** C1 as received. */
  c1: Buffer;
  /** RTMPE: the S0 type we answered and the cipher for everything after the handshake. */
  rtmpe?: RtmpeInfo;
}

type State = 'hello' | 'response' | 'done' | 'failed';

const DEFAULT_SERVER_VERSION: FlashVersion = [3, 5, 1, 1];
const POLICIES: readonly ('auto' | 'simple')[] = ['auto', 'simple'];
const RTMPE_TYPES: readonly RtmpeType[] = [6, 8, 9];
/** Draws of our DH key before accepting a secret with a zero top byte (each redraw fails with p = 1/256). */
const DH_DRAWS = 8;

/** The server handshake state machine: `receive()` until `done`. */
export class ServerHandshake {
  readonly policy: 'auto' | 'simple';
  readonly #random: RandomSource;
  readonly #makeDh: (random: RandomSource) => DHKeyPair;
  readonly #epoch: number;
  readonly #serverVersion: FlashVersion;
  readonly #rtmpe: boolean;
  readonly #rtmpeType: RtmpeType | undefined;

  #state: State = 'hello';
  /** C0+C1+C2 as they arrive. */
  readonly #peer = new PeerHandshakeBytes();
  #mode: HandshakeMode = 'simple';
  #c1Digest: DigestMatch | undefined;
  #s1: Buffer | undefined;
  #s1Digest: DigestMatch | undefined;
  readonly #warnings: string[] = [];
  #info: ServerHandshakeInfo | undefined;
  #rtmpeInfo: RtmpeInfo | undefined;

  constructor(options: ServerHandshakeOptions = {}) {
    this.policy = checkOneOf('policy', options.policy, POLICIES, 'auto');
    this.#random = checkRandom(options.random);
    this.#makeDh = checkFunction('makeDhKeyPair', options.makeDhKeyPair, dhKeyPair);
    this.#epoch = checkUint32('epoch', options.epoch, 0);
    this.#serverVersion = checkFlashVersion('serverVersion', options.serverVersion, DEFAULT_SERVER_VERSION);
    this.#rtmpe = options.rtmpe === true;
    this.#rtmpeType =
      options.rtmpeType === undefined
        ? undefined
        : checkOneOf('rtmpeType', options.rtmpeType, RTMPE_TYPES, 6);
  }

  /** True once C2 has been read. */
  get done(): boolean {
    return this.#state === 'done';
  }

  /** What was learned about the client; set when the handshake completes. */
  get info(): ServerHandshakeInfo | undefined {
    return this.#info;
  }

  /**
   * Feeds bytes from the client. Returns S0+S1+S2 (once, after C1), whether the handshake
   * is done, and the bytes after C2. Throws `RTMPHandshakeError` for a bad C0.
   */
  receive(data: Uint8Array): HandshakeStep<ServerHandshakeInfo> {
    if (this.#state === 'done')
      throw stateError('ServerHandshake.receive() called after the handshake completed');
    if (this.#state === 'failed')
      throw stateError('ServerHandshake.receive() called after the handshake failed');
    const buf = asBuffer(data);
    try {
      return this.#receive(buf);
    } catch (err) {
      this.#state = 'failed';
      throw err;
    }
  }

  #receive(data: Buffer): HandshakeStep<ServerHandshakeInfo> {
    if (this.#peer.empty && data.length > 0) {
      const c0 = data[0]!;
      if (c0 !== RTMP_VERSION && !(this.#rtmpe && isRtmpeType(c0))) throw clientVersionError(data);
    }
    const step = this.#peer.receive(
      data,
      () => {
        const reply = this.#onC1();
        this.#state = 'response';
        return reply;
      },
      () => {
        this.#onC2();
        this.#state = 'done';
        return this.#info!;
      },
    );
    // A decrypted copy: the caller's buffer stays as it was (this happens once per connection).
    if (step.rest && this.#rtmpeInfo) step.rest = this.#rtmpeInfo.cipher.decrypt(Buffer.from(step.rest));
    return step;
  }

  /** The C0 the client sent, when it asked for RTMPE. */
  get #clientRtmpeType(): RtmpeType | undefined {
    const c0 = this.#peer.bytes[0]!;
    return isRtmpeType(c0) ? c0 : undefined;
  }

  /** C1 is complete: build S0+S1+S2. */
  #onC1(): Buffer {
    const c1 = this.#peer.bytes.subarray(1, HELLO_SIZE);
    const asked = this.#clientRtmpeType;
    // Why skip a zero-version C1: librtmp/OBS send 0.0.0.0 and no digest (nginx-rtmp does the same check).
    if (asked !== undefined || (this.policy === 'auto' && readFlashVersion(c1).some((b) => b !== 0))) {
      this.#c1Digest = findClientDigest(c1, asked === undefined ? [0, 1] : [1, 0]);
    }
    if (asked !== undefined && !this.#c1Digest) {
      throw new RTMPHandshakeError(
        `couldn't verify the client digest in C1 (scheme 0 or 1): RTMPE cannot locate the client's DH key`,
        HandshakeCode.HANDSHAKE_BAD_DIGEST,
      );
    }
    const type = asked === undefined ? 6 : (this.#rtmpeType ?? asked);
    const out = Buffer.alloc(TOTAL_SIZE);
    out[0] = asked === undefined ? RTMP_VERSION : type;
    const s1 = out.subarray(1, HELLO_SIZE);
    const s2 = out.subarray(HELLO_SIZE);
    s1.writeUInt32BE(this.#epoch, 0);
    s1.set(takeRandom(this.#random, HANDSHAKE_PACKET_SIZE - 8), 8);
    if (this.#c1Digest) {
      this.#mode = 'fp9';
      s1.set(this.#serverVersion, 4);
      const scheme = this.#c1Digest.scheme;
      if (asked !== undefined) {
        const { pair, cipher } = this.#agree(readDhPublicKey(c1, scheme));
        writeDhPublicKey(s1, scheme, pair);
        this.#rtmpeInfo = { type, cipher };
      }
      this.#s1Digest = writeServerDigest(s1, scheme);
      s2.set(takeRandom(this.#random, HANDSHAKE_PACKET_SIZE - DIGEST_SIZE), 0);
      const signature = rtmpeResponseSignature(s2, this.#c1Digest.digest, genuineFmsKey, type);
      s2.set(signature, HANDSHAKE_PACKET_SIZE - DIGEST_SIZE);
    } else {
      c1.copy(s2);
    }
    this.#s1 = Buffer.from(s1);
    return out;
  }

  /** Our DH key pair, drawn until the secret with `clientKey` has a non-zero top byte, and the cipher. */
  #agree(clientKey: Buffer): { pair: DHKeyPair; cipher: RtmpeCipher } {
    for (let draw = 1; ; draw++) {
      const pair = this.#makeDh(this.#random);
      const secret = sharedSecret(pair, clientKey, 'client');
      if (secret[0] !== 0 || draw === DH_DRAWS) {
        return { pair, cipher: new RtmpeCipher(secret, pair.publicKey, clientKey) };
      }
    }
  }

  /** C2 is complete: check it (informational) and freeze the info. */
  #onC2(): void {
    const c1 = this.#peer.bytes.subarray(1, HELLO_SIZE);
    const c2 = this.#peer.bytes.subarray(HELLO_SIZE, TOTAL_SIZE);
    let c2Valid: boolean;
    if (this.#mode === 'fp9') {
      const type = this.#rtmpeInfo?.type ?? 6;
      const want = rtmpeResponseSignature(c2, this.#s1Digest!.digest, genuineFpKey, type);
      c2Valid = timingSafeEqual(want, c2.subarray(HANDSHAKE_PACKET_SIZE - DIGEST_SIZE));
      if (!c2Valid)
        this.#warnings.push('C2 signature does not match our S1 digest (client not genuine?); accepted');
    } else {
      c2Valid = isEcho(c2, this.#s1!);
      if (!c2Valid) this.#warnings.push('C2 does not echo S1; accepted');
    }
    const info: ServerHandshakeInfo = {
      mode: this.#mode,
      clientVersion: this.#peer.bytes[0]!,
      clientTime: c1.readUInt32BE(0),
      clientFlashVersion: readFlashVersion(c1),
      clientDigest: this.#c1Digest !== undefined,
      c2Valid,
      warnings: [...this.#warnings],
      c1: Buffer.from(c1),
    };
    if (this.#c1Digest) info.scheme = this.#c1Digest.scheme;
    if (this.#rtmpeInfo) info.rtmpe = this.#rtmpeInfo;
    this.#info = info;
  }
}
