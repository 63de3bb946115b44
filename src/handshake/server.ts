/**
 * Server side of the RTMP handshake (RTMP-SPEC §5.2; notes/protocol.md §1.2), sans-IO,
 * plain RTMP (C0 = 3) only.
 *
 * As soon as C0+C1 are in, S0+S1+S2 go out in one buffer (FFmpeg reads S2 before it sends
 * C2, so S2 must not wait for C2). When C1 carries a valid client digest (scheme 0 or 1,
 * key FPKey[0..30)) and policy is `'auto'`, the answer is digest-style: S1 signed with
 * FMSKey[0..36) in the client's scheme, S2 random with the signature keyed by the C1
 * digest — what FFmpeg's client verifies. Otherwise (librtmp, OBS, policy `'simple'`): S1 =
 * time + zero + random, S2 = C1 echoed. The C2 check only informs (FFmpeg's server
 * likewise only warns). Bytes after C2 are the start of the chunk stream (`rest`).
 *
 * Invariants: same outcome for every split of the input; only `RTMPHandshakeError`s for
 * peer faults; at most 3073 bytes buffered.
 */
import {
  asBuffer,
  checkFlashVersion,
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
  HANDSHAKE_PACKET_SIZE,
  signServerResponse,
  verifyClientResponse,
  writeServerDigest,
} from './digest.js';
import { stateError } from './errors.js';

/** Options of `ServerHandshake`. */
export interface ServerHandshakeOptions {
  /** `'auto'` (default) answers a signed C1 digest-style; `'simple'` never does. */
  policy?: 'auto' | 'simple';
  /** Random source (default `crypto.randomBytes`); inject for reproducible bytes. */
  random?: RandomSource;
  /** S1 time field, the epoch of our chunk timestamps (default 0). */
  epoch?: number;
  /** S1 version bytes of a digest answer (default 3.5.1.1; FFmpeg verifies S1 only when the first is >= 3). */
  serverVersion?: FlashVersion;
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
}

type State = 'hello' | 'response' | 'done' | 'failed';

const DEFAULT_SERVER_VERSION: FlashVersion = [3, 5, 1, 1];
const POLICIES: readonly ('auto' | 'simple')[] = ['auto', 'simple'];

/** The server handshake state machine: `receive()` until `done`. */
export class ServerHandshake {
  readonly policy: 'auto' | 'simple';
  readonly #random: RandomSource;
  readonly #epoch: number;
  readonly #serverVersion: FlashVersion;

  #state: State = 'hello';
  /** C0+C1+C2 as they arrive. */
  readonly #peer = new PeerHandshakeBytes();
  #mode: HandshakeMode = 'simple';
  #c1Digest: DigestMatch | undefined;
  #s1: Buffer | undefined;
  #s1Digest: DigestMatch | undefined;
  readonly #warnings: string[] = [];
  #info: ServerHandshakeInfo | undefined;

  constructor(options: ServerHandshakeOptions = {}) {
    this.policy = checkOneOf('policy', options.policy, POLICIES, 'auto');
    this.#random = checkRandom(options.random);
    this.#epoch = checkUint32('epoch', options.epoch, 0);
    this.#serverVersion = checkFlashVersion('serverVersion', options.serverVersion, DEFAULT_SERVER_VERSION);
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
    if (this.#peer.empty && data.length > 0 && data[0] !== RTMP_VERSION) throw clientVersionError(data);
    return this.#peer.receive(
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
  }

  /** C1 is complete: build S0+S1+S2. */
  #onC1(): Buffer {
    const c1 = this.#peer.bytes.subarray(1, HELLO_SIZE);
    // Why skip a zero-version C1: librtmp/OBS send 0.0.0.0 and no digest (nginx-rtmp does the same check).
    if (this.policy === 'auto' && readFlashVersion(c1).some((b) => b !== 0)) {
      this.#c1Digest = findClientDigest(c1, [0, 1]);
    }
    const out = Buffer.alloc(TOTAL_SIZE);
    out[0] = RTMP_VERSION;
    const s1 = out.subarray(1, HELLO_SIZE);
    const s2 = out.subarray(HELLO_SIZE);
    s1.writeUInt32BE(this.#epoch, 0);
    s1.set(takeRandom(this.#random, HANDSHAKE_PACKET_SIZE - 8), 8);
    if (this.#c1Digest) {
      this.#mode = 'fp9';
      s1.set(this.#serverVersion, 4);
      this.#s1Digest = writeServerDigest(s1, this.#c1Digest.scheme);
      s2.set(takeRandom(this.#random, HANDSHAKE_PACKET_SIZE - DIGEST_SIZE), 0);
      signServerResponse(s2, this.#c1Digest.digest);
    } else {
      c1.copy(s2);
    }
    this.#s1 = Buffer.from(s1);
    return out;
  }

  /** C2 is complete: check it (informational) and freeze the info. */
  #onC2(): void {
    const c1 = this.#peer.bytes.subarray(1, HELLO_SIZE);
    const c2 = this.#peer.bytes.subarray(HELLO_SIZE, TOTAL_SIZE);
    let c2Valid: boolean;
    if (this.#mode === 'fp9') {
      c2Valid = verifyClientResponse(c2, this.#s1Digest!.digest);
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
    this.#info = info;
  }
}
