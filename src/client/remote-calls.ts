/**
 * Remote calls of an `RTMP` connection, both ways (RTMP-SPEC §7.2.1 NetConnection
 * commands; python-librtmp's `call`, `remote_method`, `invoke_handler` and
 * `process_packets`): our calls and their `_result`/`_error`, the server's invocations
 * and the handlers that answer them, and the waits on either.
 *
 * Differences from python-librtmp, on purpose: `_error` rejects `RTMPCall.result()` with
 * the server's info (python blocked forever); handlers run whenever the server invokes,
 * not only inside `processPackets`; invocations that arrive before
 * `processPackets({ invokedMethod })` is called are remembered (`limits.invokeBacklog`)
 * and satisfy it; answers are remembered too (the last 64), so `processPackets({
 * transactionId })` after the answer arrived resolves with it at once, as python's does.
 *
 * Invariants: a call never keeps the connection alive or kills it — a server that never
 * answers (nginx-rtmp ignores unknown commands) only times out the waits that asked for
 * a timeout; every wait given up (timeout, abort) leaves nothing behind; when the
 * connection closes every pending call and wait rejects with its reason.
 */
import { decode as decodeAmf0 } from '../amf/amf0.js';
import { AMFObject, type AmfValue } from '../amf/types.js';
import { ConnectionCode, UsageCode } from '../error-codes.js';
import { RTMPConnectionError, RTMPError, RTMPUsageError } from '../errors.js';
import { createLogger } from '../log.js';
import type { ErrorEvent, InvokeEvent, ResultEvent } from '../session/client-events.js';
import type { ClientSession } from '../session/client-session.js';
import { type CallAnswer, RTMPCall } from './rtmp-call.js';
import { checkSeconds, type Deferred, deferred, waitFor } from './waiters.js';

const log = createLogger('client');

/** A server-initiated call, as the `invoke` event and `processPackets` report it. */
export interface Invocation {
  /** Method name. */
  name: string;
  /** Transaction id (0 = the server expects no answer). */
  transactionId: number;
  /** Arguments after the command object (what handlers receive). */
  args: AmfValue[];
  /** The command object slot. */
  commandObject: AmfValue;
  /** Message stream id it arrived on. */
  streamId: number;
}

/** An invoke handler: receives the call's arguments; its return value (or resolved promise) is sent as `_result`. */
export type InvokeHandler = (...args: AmfValue[]) => unknown;

/** Options of `RTMP.callWithOptions`. */
export interface CallOptions {
  /** Transaction id (default: the next one; 0 = no answer expected). */
  transactionId?: number;
  /** Command object (python-librtmp `obj`), default null. */
  commandObject?: AmfValue;
  /** Message stream id (default 0, the NetConnection). */
  streamId?: number;
  /** Chunk stream id (python-librtmp `channel`; default 3, or 8 on a stream). */
  channel?: number;
}

/** Options of `processPackets` (python-librtmp `process_packets`). */
export interface ProcessPacketsOptions {
  /** Resolve with the result of this transaction. */
  transactionId?: number;
  /** Resolve with the arguments of the next call of this method by the server. */
  invokedMethod?: string;
  /** Seconds to wait (RTMPTimeoutError after); default: no limit beyond the connection's. */
  timeout?: number;
  signal?: AbortSignal;
}

/** What the calls need of their connection. */
export interface CallLink {
  /** The session once connected (throws `ERR_RTMP_NOT_CONNECTED` / the failure otherwise). */
  connectedSession(): ClientSession;
  /** The session while the transport is open (throws the failure / `ERR_RTMP_NOT_CONNECTED` otherwise). */
  liveSession(): ClientSession;
  /** True while connected. */
  connected(): boolean;
  /** True while the transport is open. */
  open(): boolean;
  /** Flushes what the session queued. */
  kick(): void;
  /** Resolves when the connection closed (never rejects). */
  closed(): Promise<void>;
  /** Reports an invocation to the connection's `invoke` listeners. */
  invoked(inv: Invocation): void;
  /** How many unclaimed invocations to remember (`limits.invokeBacklog`). */
  readonly invokeBacklog: number;
}

type Outcome = { ok: true; answer: CallAnswer } | { ok: false; error: RTMPError };

/** How many answers are remembered for a later `processPackets({ transactionId })`. */
const MAX_ANSWERS = 64;

/** Our calls and the server's invocations on one connection. */
export class RemoteCalls {
  readonly #link: CallLink;
  readonly #calls = new Map<number, RTMPCall>();
  /** Answers by transaction id (latest `MAX_ANSWERS`), for calls made or asked about later. */
  readonly #answers = new Map<number, Outcome>();
  readonly #handlers = new Map<string, InvokeHandler>();
  #invokeWaiters: { method: string; deferred: Deferred<AmfValue[]> }[] = [];
  #recentInvokes: Invocation[] = [];

  constructor(link: CallLink) {
    this.#link = link;
  }

  /** Forgets everything (a new connection starts). */
  reset(): void {
    this.#calls.clear();
    this.#answers.clear();
    this.#invokeWaiters = [];
    this.#recentInvokes = [];
  }

  /** `RTMP.callWithOptions`: sends the command, returns its `RTMPCall`. */
  call(method: string, args: readonly AmfValue[], options: CallOptions): RTMPCall {
    if (typeof method !== 'string' || method === '') {
      throw new RTMPUsageError('call() needs a method name', { code: UsageCode.RTMP_BAD_ARGUMENT });
    }
    const session = this.#link.connectedSession();
    const txn = session.call(method, [...args], {
      ...(options.transactionId !== undefined ? { transactionId: options.transactionId } : {}),
      ...(options.commandObject !== undefined ? { commandObject: options.commandObject } : {}),
      ...(options.streamId !== undefined ? { streamId: options.streamId } : {}),
      ...(options.channel !== undefined ? { csid: options.channel } : {}),
      expectResult: false,
    });
    const call = this.expect(txn, method);
    this.#link.kick();
    return call;
  }

  /** Registers a handler (`RTMP.invokeHandler`). */
  setHandler(name: string, handler: InvokeHandler): void {
    this.#handlers.set(name, handler);
  }

  /** Removes a handler; whether one was registered. */
  removeHandler(name: string): boolean {
    return this.#handlers.delete(name);
  }

  /** `RTMP.processPackets` (see there). */
  async processPackets(options: ProcessPacketsOptions): Promise<AmfValue | AmfValue[] | undefined> {
    const timeoutSec = checkSeconds('timeout', options.timeout);
    const { transactionId, invokedMethod, signal } = options;
    if (transactionId !== undefined && transactionId !== 0) {
      if (!Number.isFinite(transactionId) || transactionId < 0) {
        throw new RTMPUsageError(`transactionId must be a positive number, got ${transactionId}`, {
          code: UsageCode.RTMP_BAD_ARGUMENT,
        });
      }
      // Answered already: python-librtmp pops the stored result.
      const outcome = this.#answers.get(transactionId);
      if (outcome !== undefined) {
        this.#answers.delete(transactionId);
        if (!outcome.ok) throw outcome.error;
        return outcome.answer.values.length > 0 ? outcome.answer.values[0] : null;
      }
      this.#link.liveSession();
      const call = this.expect(transactionId, undefined);
      const value = await call.result({
        ...(timeoutSec !== undefined ? { timeout: timeoutSec } : {}),
        signal,
      });
      this.#answers.delete(transactionId);
      return value;
    }
    if (invokedMethod !== undefined) {
      if (typeof invokedMethod !== 'string' || invokedMethod === '') {
        throw new RTMPUsageError('invokedMethod must be a method name', {
          code: UsageCode.RTMP_BAD_ARGUMENT,
        });
      }
      const i = this.#recentInvokes.findIndex((inv) => inv.name === invokedMethod);
      if (i >= 0) return this.#recentInvokes.splice(i, 1)[0]!.args;
      this.#link.liveSession();
      const entry = { method: invokedMethod, deferred: deferred<AmfValue[]>() };
      this.#invokeWaiters.push(entry);
      return waitFor(entry.deferred.promise, {
        timeoutSec,
        signal,
        what: `waiting for the server to call ${invokedMethod}`,
        onGiveUp: () => {
          this.#invokeWaiters = this.#invokeWaiters.filter((w) => w !== entry);
        },
      });
    }
    if (!this.#link.open()) return undefined;
    await waitFor(this.#link.closed(), { timeoutSec, signal, what: 'processing packets' });
    return undefined;
  }

  /** The `RTMPCall` of `txn` (made now if needed); an answer that already arrived settles it. */
  expect(txn: number, method: string | undefined): RTMPCall {
    let call = this.#calls.get(txn);
    if (call !== undefined) return call;
    call = new RTMPCall(method ?? 'call', txn);
    const early = this.#answers.get(txn);
    if (early !== undefined) {
      if (early.ok) call.settleResult(early.answer);
      else call.settleError(early.error);
      return call;
    }
    if (txn !== 0) this.#calls.set(txn, call);
    return call;
  }

  /** A `_result` event. */
  onResult(ev: ResultEvent): void {
    this.#settle(ev.txn, { ok: true, answer: { commandObject: ev.commandObject, values: ev.values } });
  }

  /** An `_error` event. */
  onError(ev: ErrorEvent): void {
    this.#settle(ev.txn, { ok: false, error: RTMPCall.callFailed(ev.method ?? 'call', ev.info) });
  }

  /** An answer to `txn` that does not decode: the call fails with `error`. */
  onMalformed(txn: number, error: RTMPError): void {
    this.#settle(txn, { ok: false, error });
  }

  /** An `invoke` event: runs the handler, satisfies a waiter (or remembers it), reports it. */
  onInvoke(ev: InvokeEvent): void {
    const inv: Invocation = {
      name: ev.name,
      transactionId: ev.txn,
      args: ev.args,
      commandObject: ev.commandObject,
      streamId: ev.streamId,
    };
    void this.runHandler(inv, ev.handled);
    const i = this.#invokeWaiters.findIndex((w) => w.method === ev.name);
    if (i >= 0) {
      this.#invokeWaiters.splice(i, 1)[0]!.deferred.resolve(ev.args);
    } else if (!ev.handled) {
      this.#recentInvokes.push(inv);
      while (this.#recentInvokes.length > this.#link.invokeBacklog) this.#recentInvokes.shift();
    }
    this.#link.invoked(inv);
  }

  /** Runs the handler for `inv` (if any) and answers: value → `_result`, throw → `_error`. */
  async runHandler(inv: Invocation, alreadyAnswered: boolean): Promise<void> {
    const handler = this.#handlers.get(inv.name);
    if (handler === undefined) return;
    const answer = !alreadyAnswered && inv.transactionId !== 0;
    const respond = (f: (s: ClientSession) => void): void => {
      if (!answer || !this.#link.connected()) return;
      f(this.#link.connectedSession());
      this.#link.kick();
    };
    let value: unknown;
    try {
      value = handler(...inv.args);
      if (
        value !== null &&
        typeof value === 'object' &&
        typeof (value as Promise<unknown>).then === 'function'
      ) {
        value = await value;
      }
    } catch (err) {
      log.warn(`invoke handler ${inv.name} failed: ${(err as Error)?.message ?? String(err)}`);
      const description = err instanceof Error ? err.message : String(err);
      respond((s) => s.respondError(inv.transactionId, failed(description), { streamId: inv.streamId }));
      return;
    }
    if (value === undefined) return;
    respond((s) => {
      try {
        s.respond(inv.transactionId, value as AmfValue, { streamId: inv.streamId });
      } catch (err) {
        log.warn(`invoke handler ${inv.name} returned a value AMF cannot carry: ${(err as Error).message}`);
        s.respondError(inv.transactionId, failed('unencodable result'), { streamId: inv.streamId });
      }
    });
  }

  /** Runs the handler of an INVOKE body you built (python-librtmp `handle_packet` on your own packet). */
  async handleInvokeBody(body: Buffer, streamId: number): Promise<void> {
    const [name, txn, obj, ...args] = decodeAmf0(body);
    if (typeof name !== 'string') return;
    const transactionId = typeof txn === 'number' ? txn : 0;
    await this.runHandler({ name, transactionId, commandObject: obj ?? null, args, streamId }, false);
  }

  /**
   * The connection was left for another (a ReconnectRequest's hand-over): the calls waiting
   * for an answer on it reject with `reason` (the answer cannot come on the new one);
   * waits for the server's own calls go on.
   */
  abandon(reason: RTMPError): void {
    for (const call of this.#calls.values()) call.settleError(reason);
    this.#calls.clear();
  }

  /** The connection closed with `reason`: every pending call and wait rejects. */
  closed(reason: unknown): void {
    const asRtmp =
      reason instanceof RTMPError
        ? reason
        : new RTMPConnectionError('connection aborted', { code: ConnectionCode.RTMP_ABORTED, cause: reason });
    for (const call of this.#calls.values()) call.settleError(asRtmp);
    this.#calls.clear();
    for (const w of this.#invokeWaiters) w.deferred.reject(reason);
    this.#invokeWaiters = [];
  }

  #settle(txn: number, outcome: Outcome): void {
    this.#answers.set(txn, outcome);
    if (this.#answers.size > MAX_ANSWERS) this.#answers.delete(this.#answers.keys().next().value!);
    const call = this.#calls.get(txn);
    if (call === undefined) return;
    this.#calls.delete(txn);
    if (outcome.ok) call.settleResult(outcome.answer);
    else call.settleError(outcome.error);
  }
}

function failed(description: string): AMFObject {
  return new AMFObject({ level: 'error', code: 'NetConnection.Call.Failed', description });
}
