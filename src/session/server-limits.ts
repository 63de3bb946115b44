/**
 * The limits a server session enforces on its client, sans-IO (times are the host's
 * `now` values): deadlines that no byte the client sends can push back — the handshake
 * (RTMP-SPEC §5.2) and the connect command (§7.2.1.1) must arrive within a time of the
 * accept, and a message that has begun must be complete within a time of its first byte
 * (a sender dripping a chunk byte by byte) — plus the bytes held for unfinished messages,
 * the size of a command's AMF body and the rate of commands (a token bucket of one
 * second's worth).
 *
 * Invariants: pure bookkeeping; every check returns the `RTMPLimitError` to report (the
 * session then ends the connection) or undefined; a deadline fires once; all limits are
 * off unless their option is set.
 */
import { LimitCode } from '../error-codes.js';
import { RTMPLimitError } from '../errors.js';
import { usage } from './checks.js';

/** The limits' options (ServerSessionOptions fields of the same names); undefined = off. */
export interface ServerLimitOptions {
  /** The handshake must complete within this of the accept (ms). */
  handshakeTimeoutMs?: number;
  /** The connect command must arrive within this of the accept (ms). */
  connectTimeoutMs?: number;
  /** A message must be complete within this of its first byte (ms): slow senders are cut. */
  messageTimeoutMs?: number;
  /** Most bytes held for unfinished messages (payload received plus a partial chunk header). */
  maxInputBuffer?: number;
  /** Largest command message (its AMF body, bytes). */
  maxCommandSize?: number;
  /** Most commands per second (bursts of one second's worth allowed). */
  maxCommandsPerSecond?: number;
}

type Phase = 'handshake' | 'awaitingConnect' | 'later';

const MAX_MS = 2 ** 31 - 1;

/** Deadlines, input bytes and command rate of one server connection. */
export class ServerLimits {
  readonly #handshakeMs: number | undefined;
  readonly #connectMs: number | undefined;
  readonly #messageMs: number | undefined;
  readonly #maxInput: number | undefined;
  readonly #maxCommand: number | undefined;
  readonly #rate: number | undefined;
  #acceptedAt: number | undefined;
  /** When the unfinished input began (after the last message that completed), if any. */
  #partialSince: number | undefined;
  #tokens: number;
  #tokensAt: number | undefined;

  /** `since`: when the connection was accepted (else the first input's time). Throws `RTMPUsageError` for bad values. */
  constructor(o: ServerLimitOptions, since: number | undefined) {
    const opt = (name: keyof ServerLimitOptions, max: number): number | undefined => {
      const v = o[name];
      if (v !== undefined && (!Number.isSafeInteger(v) || v < 1 || v > max)) {
        throw usage(`${name} must be an integer in 1..${max}, got ${String(v)}`);
      }
      return v;
    };
    this.#handshakeMs = opt('handshakeTimeoutMs', MAX_MS);
    this.#connectMs = opt('connectTimeoutMs', MAX_MS);
    this.#messageMs = opt('messageTimeoutMs', MAX_MS);
    this.#maxInput = opt('maxInputBuffer', Number.MAX_SAFE_INTEGER);
    this.#maxCommand = opt('maxCommandSize', Number.MAX_SAFE_INTEGER);
    this.#rate = opt('maxCommandsPerSecond', 1_000_000);
    this.#acceptedAt = since;
    this.#tokens = this.#rate ?? 0;
  }

  /**
   * Input arrived at `now`; `held` is what the chunk reader holds for unfinished messages
   * after it and `completed` whether it finished a message. Returns the limit exceeded, if any.
   */
  input(
    now: number,
    held: { partial: boolean; bytes: number },
    completed: boolean,
  ): RTMPLimitError | undefined {
    this.#acceptedAt ??= now;
    if (!held.partial) this.#partialSince = undefined;
    else if (completed || this.#partialSince === undefined) this.#partialSince = now;
    if (this.#maxInput !== undefined && held.bytes > this.#maxInput) {
      return new RTMPLimitError(
        `${held.bytes} bytes of unfinished messages held, over maxInputBuffer ${this.#maxInput}`,
        LimitCode.SERVER_LIMIT_INPUT_BUFFER,
        'maxInputBuffer',
      );
    }
    return undefined;
  }

  /** Starts the deadlines at `now` when no accept time was given (first input or first deadline query). */
  arm(now: number): void {
    this.#acceptedAt ??= now;
  }

  /** The next deadline in `phase`, or undefined. */
  deadline(phase: Phase): number | undefined {
    let d: number | undefined;
    const at = (t: number | undefined): void => {
      if (t !== undefined && (d === undefined || t < d)) d = t;
    };
    const a = this.#acceptedAt;
    if (a !== undefined && phase === 'handshake' && this.#handshakeMs !== undefined)
      at(a + this.#handshakeMs);
    if (a !== undefined && phase !== 'later' && this.#connectMs !== undefined) at(a + this.#connectMs);
    if (this.#partialSince !== undefined && this.#messageMs !== undefined)
      at(this.#partialSince + this.#messageMs);
    return d;
  }

  /** The deadline of `phase` that is due at `now`, as the error to end the connection with. */
  due(now: number, phase: Phase): RTMPLimitError | undefined {
    const a = this.#acceptedAt;
    if (
      a !== undefined &&
      phase === 'handshake' &&
      this.#handshakeMs !== undefined &&
      now >= a + this.#handshakeMs
    ) {
      return new RTMPLimitError(
        `handshake not complete ${Math.round(now - a)} ms after the accept (handshakeTimeoutMs ${this.#handshakeMs})`,
        LimitCode.SERVER_LIMIT_HANDSHAKE_TIMEOUT,
        'handshakeTimeoutMs',
      );
    }
    if (a !== undefined && phase !== 'later' && this.#connectMs !== undefined && now >= a + this.#connectMs) {
      return new RTMPLimitError(
        `no connect ${Math.round(now - a)} ms after the accept (connectTimeoutMs ${this.#connectMs})`,
        LimitCode.SERVER_LIMIT_CONNECT_TIMEOUT,
        'connectTimeoutMs',
      );
    }
    const p = this.#partialSince;
    if (p !== undefined && this.#messageMs !== undefined && now >= p + this.#messageMs) {
      return new RTMPLimitError(
        `a message still incomplete ${Math.round(now - p)} ms after its first byte (messageTimeoutMs ${this.#messageMs})`,
        LimitCode.SERVER_LIMIT_MESSAGE_TIMEOUT,
        'messageTimeoutMs',
      );
    }
    return undefined;
  }

  /** A command of `size` bytes arrived at `now`: the limit it exceeds, if any. */
  command(now: number, size: number): RTMPLimitError | undefined {
    if (this.#maxCommand !== undefined && size > this.#maxCommand) {
      return new RTMPLimitError(
        `a command of ${size} bytes, over maxCommandSize ${this.#maxCommand}`,
        LimitCode.SERVER_LIMIT_COMMAND_SIZE,
        'maxCommandSize',
      );
    }
    const rate = this.#rate;
    if (rate === undefined) return undefined;
    const last = this.#tokensAt ?? now;
    this.#tokensAt = now;
    this.#tokens = Math.min(rate, this.#tokens + (Math.max(0, now - last) * rate) / 1000);
    if (this.#tokens < 1) {
      return new RTMPLimitError(
        `more than ${rate} commands per second (maxCommandsPerSecond)`,
        LimitCode.SERVER_LIMIT_COMMAND_RATE,
        'maxCommandsPerSecond',
      );
    }
    this.#tokens -= 1;
    return undefined;
  }
}
