/**
 * `RTMPCall` — the handle of one remote call (python-librtmp `RTMPCall`): its transaction id, whether the answer arrived, and
 * `result()`. Unlike python-librtmp, an `_error` answer rejects (RTMPError
 * `ERR_RTMP_CALL_FAILED` carrying the server's info) instead of blocking forever
 * (python-librtmp never settles a call answered with `_error`), and the answer is matched whenever it arrives — `result()` may be
 * called before or after.
 *
 * Invariant: settles once; `done` turns true when the answer (or a connection
 * failure) settles it. A `result()` timeout or abort does not settle the call — a
 * later `result()` can still receive the answer.
 */
import type { AmfValue } from '../amf/types.js';
import { GeneralCode, UsageCode } from '../error-codes.js';
import { RTMPError, RTMPUsageError } from '../errors.js';
import { checkSeconds, type Deferred, deferred, waitFor } from './waiters.js';

/** Options of `RTMPCall.result`. */
export interface ResultOptions {
  /** Seconds to wait for the answer (default: no limit beyond the connection's own timeouts). */
  timeout?: number;
  /** Cancels the wait (rejects with `signal.reason`; the call itself stays pending). */
  signal?: AbortSignal;
}

/** What the server answered: the whole `_result`. */
export interface CallAnswer {
  /** The command object slot (3rd value). */
  commandObject: AmfValue;
  /** Every value after it; `result()` returns the first one (python-librtmp `args[0]`). */
  values: AmfValue[];
}

/**
 * A remote call in flight (or answered). `T` is the result type the caller expects
 * (`conn.call<number>('add', 1, 2)`): a declaration, not a check — the server may
 * answer any AMF value.
 */
export class RTMPCall<T extends AmfValue = AmfValue> {
  /** The method called. */
  readonly method: string;
  /** Its transaction id (0 = no answer expected). */
  readonly transactionId: number;
  readonly #answer: Deferred<CallAnswer>;

  /** @internal Created by `RTMP.call`; settled by the connection. */
  constructor(method: string, transactionId: number) {
    this.method = method;
    this.transactionId = transactionId;
    this.#answer = deferred<CallAnswer>();
    if (transactionId === 0) {
      this.#answer.reject(
        new RTMPUsageError(`${method} was sent with transaction id 0: the server sends no answer`, {
          code: UsageCode.RTMP_NO_RESULT,
        }),
      );
    }
  }

  /** True once the answer (or a failure) arrived (python-librtmp `done`). */
  get done(): boolean {
    return this.#answer.settled;
  }

  /**
   * The call's result: the first value after the command object of `_result` (null
   * when there is none). Rejects with `RTMPError` (`ERR_RTMP_CALL_FAILED`, `info` = the
   * server's error object) on `_error`, `RTMPTimeoutError` after `timeout` seconds,
   * `RTMPConnectionError` if the connection ends first, `signal.reason` on abort.
   */
  async result(options: ResultOptions = {}): Promise<T> {
    const a = await this.answer(options);
    return (a.values.length > 0 ? a.values[0] : null) as T;
  }

  /** Like `result()`, but the whole answer (command object and all values). */
  answer(options: ResultOptions = {}): Promise<CallAnswer> {
    const timeoutSec = checkSeconds('timeout', options.timeout);
    return waitFor(this.#answer.promise, {
      timeoutSec,
      signal: options.signal,
      what: `waiting for the result of ${this.method} (transaction ${this.transactionId})`,
    });
  }

  /** @internal The server answered `_result`. */
  settleResult(answer: CallAnswer): void {
    this.#answer.resolve(answer);
  }

  /** @internal The server answered `_error` (or the connection failed). */
  settleError(error: RTMPError): void {
    this.#answer.reject(error);
  }

  /** @internal Builds the rejection for an `_error` answer. */
  static callFailed(method: string, info: AmfValue): RTMPError {
    const desc =
      info !== null &&
      typeof info === 'object' &&
      typeof (info as { description?: unknown }).description === 'string'
        ? `: ${(info as { description: string }).description}`
        : '';
    const code =
      info !== null && typeof info === 'object' && typeof (info as { code?: unknown }).code === 'string'
        ? ` (${(info as { code: string }).code})`
        : '';
    return new RTMPError(`${method} failed on the server${code}${desc}`, {
      code: GeneralCode.RTMP_CALL_FAILED,
      info,
    });
  }
}
