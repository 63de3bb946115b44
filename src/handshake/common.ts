/**
 * Types and option checks shared by the client and server handshake state machines
 * (RTMP-SPEC §5.2). Sans-IO: randomness comes from an injectable `random(n)` (default
 * `node:crypto` `randomBytes`), the C1/S1 time field from an `epoch` option; nothing here
 * reads a clock or touches a socket.
 */
import { randomBytes } from 'node:crypto';
import { argumentError, optionError } from './errors.js';

/**
 * Which handshake a client offers: `'simple'` (RTMP-SPEC: C1 = time + zero + random;
 * librtmp's default), `'fp9'` (digest-signed C1; a server without a digest is tolerated only
 * when its S1 version field is zero, a bad S2 signature fails), or `'auto'` (digest-signed
 * C1 like Flash and FFmpeg, falling back to simple and accepting unsigned S2 with a warning).
 */
export type HandshakePolicy = 'auto' | 'simple' | 'fp9';

/** The handshake actually performed. */
export type HandshakeMode = 'simple' | 'fp9';

/** A four-part Flash Player / FMS version as carried in bytes 4..7 of C1/S1. */
export type FlashVersion = readonly [number, number, number, number];

/** Source of random bytes: must return exactly `n` bytes. */
export type RandomSource = (n: number) => Uint8Array;

/** What one `receive()` call produced. */
export interface HandshakeStep<Info> {
  /** Bytes to write to the peer, in order (empty when nothing is due). */
  send: Buffer[];
  /** True once the handshake is complete; the chunk stream starts with `rest`. */
  done: boolean;
  /**
   * Bytes of this input that follow the handshake (the start of the chunk stream);
   * only when `done` and non-empty. A view of the caller's buffer, not a copy — except
   * after an RTMPE handshake, where it is a decrypted copy.
   */
  rest?: Buffer;
  /** What was learned about the peer; present on the step that completes the handshake. */
  info?: Info;
}

/** Size of C0/S0 plus C1/S1. */
export const HELLO_SIZE = 1537;
/** Size of the whole C0+C1+C2 or S0+S1+S2. */
export const TOTAL_SIZE = 1 + 1536 + 1536;

/** The default random source. */
export const defaultRandom: RandomSource = (n) => randomBytes(n);

/** Calls `random(n)` and checks what it returned. */
export function takeRandom(random: RandomSource, n: number): Uint8Array {
  const r = random(n);
  if (!(r instanceof Uint8Array) || r.length !== n) {
    throw optionError(
      `random(${n}) must return a Buffer/Uint8Array of ${n} bytes, got ${r instanceof Uint8Array ? `${r.length} bytes` : typeof r}`,
    );
  }
  return r;
}

/** Checks an optional `random` option. */
export function checkRandom(random: unknown): RandomSource {
  return checkFunction('random', random, defaultRandom);
}

/** Checks an optional function option, `dflt` when absent. */
export function checkFunction<F>(name: string, v: unknown, dflt: F): F {
  if (v === undefined) return dflt;
  if (typeof v !== 'function') throw optionError(`${name} must be a function, got ${typeof v}`);
  return v as F;
}

/** Checks an optional uint32 option (`epoch`). */
export function checkUint32(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw optionError(`${name} must be an integer in 0..2^32-1, got ${String(v)}`);
  }
  return v;
}

/** Checks an optional four-byte version option. */
export function checkFlashVersion(name: string, v: unknown, dflt: FlashVersion): FlashVersion {
  if (v === undefined) return dflt;
  if (
    !Array.isArray(v) ||
    v.length !== 4 ||
    !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 255)
  ) {
    throw optionError(`${name} must be four integers in 0..255, got ${JSON.stringify(v)}`);
  }
  return [v[0], v[1], v[2], v[3]];
}

/** Checks an enumerated option. */
export function checkOneOf<T extends string | number>(
  name: string,
  v: unknown,
  allowed: readonly T[],
  dflt: T,
): T {
  if (v === undefined) return dflt;
  if (!allowed.includes(v as T)) {
    throw optionError(
      `${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${String(v)}`,
    );
  }
  return v as T;
}

/** Views `data` as a Buffer (no copy), rejecting non-byte input. */
export function asBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw argumentError(`receive() takes a Buffer or Uint8Array, got ${typeof data}`);
}

/** Reads bytes 4..7 of a C1/S1 packet as a version. */
export function readFlashVersion(p: Uint8Array): FlashVersion {
  return [p[4]!, p[5]!, p[6]!, p[7]!];
}

/** Whether a C2/S2 echoes a C1/S1: the same time and random bytes (`time2`, bytes 4..7, may differ). */
export function isEcho(response: Uint8Array, original: Uint8Array): boolean {
  return (
    Buffer.compare(response.subarray(0, 4), original.subarray(0, 4)) === 0 &&
    Buffer.compare(response.subarray(8, 1536), original.subarray(8, 1536)) === 0
  );
}

/**
 * The peer's side of a handshake — version byte, hello (C1/S1) and response (C2/S2),
 * 1 + 1536 + 1536 bytes — gathered from any split of the input. `receive` calls
 * `onHello` once the version and hello are complete (its bytes go out at once: C2 is
 * sent before S2 arrives) and `onResponse` once everything is; bytes past the end are
 * returned as `rest` (the start of the chunk stream).
 */
export class PeerHandshakeBytes {
  /** The bytes received so far (version at 0, hello at 1, response at HELLO_SIZE). */
  readonly bytes = Buffer.alloc(TOTAL_SIZE);
  #filled = 0;

  /** Whether nothing has been received yet (the next byte is the peer's version). */
  get empty(): boolean {
    return this.#filled === 0;
  }

  receive<Info>(data: Buffer, onHello: () => Buffer, onResponse: () => Info): HandshakeStep<Info> {
    const send: Buffer[] = [];
    let off = 0;
    if (this.#filled < HELLO_SIZE) {
      off = this.#fill(data, off, HELLO_SIZE);
      if (this.#filled === HELLO_SIZE) send.push(onHello());
    }
    if (this.#filled >= HELLO_SIZE) {
      off = this.#fill(data, off, TOTAL_SIZE);
      if (this.#filled === TOTAL_SIZE) {
        const step: HandshakeStep<Info> = { send, done: true, info: onResponse() };
        if (off < data.length) step.rest = data.subarray(off);
        return step;
      }
    }
    return { send, done: false };
  }

  /** Copies input up to `limit` bytes in all; returns the new input offset. */
  #fill(data: Buffer, off: number, limit: number): number {
    const n = Math.min(limit - this.#filled, data.length - off);
    if (n > 0) {
      data.copy(this.bytes, this.#filled, off, off + n);
      this.#filled += n;
    }
    return off + n;
  }
}
