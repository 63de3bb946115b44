/**
 * Client side of the RTMP handshake (RTMP-SPEC §5.2; notes/protocol.md §1.2), sans-IO.
 *
 * `start()` gives C0+C1; `receive()` takes server bytes in any split. C2 goes out as soon
 * as S0+S1 are in (not after S2: a conforming server may wait for C2 before sending S2, and
 * FFmpeg's read-S2-first order would deadlock there). Bytes after S2 are the start of the
 * chunk stream and are handed back as `rest`.
 *
 * Invariants: the outcome (bytes sent, `done`, `rest`, error code) is the same for every
 * split of the input; the only errors the peer can cause are `RTMPHandshakeError`s; at
 * most 3073 bytes are buffered; calls out of order are `RTMPUsageError`s.
 */
import {
  asBuffer,
  checkFlashVersion,
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
  HANDSHAKE_PACKET_SIZE,
  signClientResponse,
  verifyServerResponse,
  writeClientDigest,
} from './digest.js';
import { optionError, RTMPHandshakeError, stateError } from './errors.js';

/** Options of `ClientHandshake`. */
export interface ClientHandshakeOptions {
  /** Which handshake to offer (default `'auto'`). */
  policy?: HandshakePolicy;
  /** C0 byte (default 3). The RTMPE layer uses 6; S0 must equal it. */
  version?: number;
  /** Random source (default `crypto.randomBytes`); inject for reproducible bytes. */
  random?: RandomSource;
  /** C1 time field, the epoch of our chunk timestamps (default 0). */
  epoch?: number;
  /** C1 version bytes of a digest handshake (default 9.0.124.2, as FFmpeg and Flash 9). */
  fp9Version?: FlashVersion;
  /** Digest layout of a signed C1 (default 0; RTMPE uses 1). */
  scheme?: DigestScheme;
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
  /** S1 as received (SWF verification uses its last 32 bytes, RTMPE its DH key). */
  s1: Buffer;
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

  constructor(options: ClientHandshakeOptions = {}) {
    this.policy = checkOneOf('policy', options.policy, POLICIES, 'auto');
    const version = options.version ?? RTMP_VERSION;
    if (!Number.isInteger(version) || version < 0 || version > 255) {
      throw optionError(`version must be an integer in 0..255, got ${String(version)}`);
    }
    this.version = version;
    this.#random = checkRandom(options.random);
    this.#epoch = checkUint32('epoch', options.epoch, 0);
    this.#fp9Version = checkFlashVersion('fp9Version', options.fp9Version, DEFAULT_FP9_VERSION);
    this.#scheme = checkOneOf('scheme', options.scheme, SCHEMES, 0);
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
    if (this.#peer.empty && data.length > 0 && data[0] !== this.version) {
      throw serverVersionError(data, this.version);
    }
    return this.#peer.receive(
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
  }

  /** S1 is complete: decide the mode and build C2. */
  #onS1(): Buffer {
    const s1 = this.#peer.bytes.subarray(1, HELLO_SIZE);
    const serverFlashVersion = readFlashVersion(s1);
    const zeroVersion = serverFlashVersion.every((b) => b === 0);
    if (this.#c1Digest && !zeroVersion) {
      const order: DigestScheme[] = this.#scheme === 0 ? [0, 1] : [1, 0];
      this.#s1Digest = findServerDigest(s1, order);
    }
    if (this.#s1Digest) {
      this.#mode = 'fp9';
      const c2 = Buffer.alloc(HANDSHAKE_PACKET_SIZE);
      c2.set(takeRandom(this.#random, HANDSHAKE_PACKET_SIZE - DIGEST_SIZE), 0);
      signClientResponse(c2, this.#s1Digest.digest);
      return c2;
    }
    if (this.#c1Digest) {
      if (this.policy === 'fp9' && !zeroVersion) {
        throw new RTMPHandshakeError(
          `couldn't verify the server digest: S1 claims version ${serverFlashVersion.join('.')} but carries no ` +
            `valid digest in scheme 0 or 1 (use handshake 'auto' or 'simple' for this server)`,
          'ERR_HANDSHAKE_BAD_DIGEST',
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
      this.#s2Valid = verifyServerResponse(s2, this.#c1Digest!.digest);
      if (!this.#s2Valid) {
        if (this.policy === 'fp9') {
          throw new RTMPHandshakeError(
            'server not genuine: the S2 signature does not match our C1 digest',
            'ERR_HANDSHAKE_BAD_SIGNATURE',
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
    this.#info = info;
  }
}
