/**
 * Transaction bookkeeping (RTMP-SPEC §7.2.1: a response carries the transaction id of its
 * command). `TransactionTable`: the client's transactions awaiting `_result`/`_error`, so
 * an answer maps back to the method it answers. `RequestTable`: the server's client
 * requests awaiting the host's answer.
 *
 * A transaction is awaited (it has a deadline, when a timeout is configured) or merely
 * tracked (no deadline: releaseStream, FCPublish, play… — old Wowza never answers
 * them, so nothing may wait for them). Invariants: memory is bounded — at most
 * `MAX_UNAWAITED` merely tracked transactions are remembered, the oldest forgotten
 * first (never the one `keep` names); a transaction id is in the table at most once.
 */

/** A transaction waiting for its answer. */
export interface PendingTransaction {
  /** The method it was sent for. */
  readonly method: string;
  /** The message stream it was sent on. */
  readonly streamId: number;
  /** Deadline (session clock, ms), or undefined when not awaited. */
  readonly deadline: number | undefined;
  /** When it was sent (session clock, ms; a command queued during the handshake: when queued). */
  readonly sentAt: number;
}

/** How many merely tracked transactions are remembered for mapping late answers. */
const MAX_UNAWAITED = 128;

/** Transactions by id. */
export class TransactionTable {
  readonly #pending = new Map<number, PendingTransaction>();
  #unawaited = 0;

  /** Records `txn` (replacing an earlier one with that id); never forgets `keep` to stay bounded. */
  track(txn: number, entry: PendingTransaction, keep?: number): void {
    this.take(txn);
    this.#pending.set(txn, entry);
    if (entry.deadline !== undefined) return;
    if (++this.#unawaited <= MAX_UNAWAITED) return;
    for (const [k, p] of this.#pending) {
      if (p.deadline === undefined && k !== keep) {
        this.take(k);
        return;
      }
    }
  }

  /** Removes and returns `txn`'s entry. */
  take(txn: number): PendingTransaction | undefined {
    const p = this.#pending.get(txn);
    if (p === undefined) return undefined;
    this.#pending.delete(txn);
    if (p.deadline === undefined) this.#unawaited--;
    return p;
  }

  /** The earliest deadline, or undefined. */
  nextDeadline(): number | undefined {
    let d: number | undefined;
    // Asked after every read; a playing session usually has only merely tracked ones (play).
    if (this.#pending.size === this.#unawaited) return d;
    for (const p of this.#pending.values()) {
      if (p.deadline !== undefined && (d === undefined || p.deadline < d)) d = p.deadline;
    }
    return d;
  }

  /** Removes and returns the transactions whose deadline is at or before `now`, in table order. */
  expire(now: number): [number, PendingTransaction][] {
    const due: [number, PendingTransaction][] = [];
    for (const [txn, p] of this.#pending)
      if (p.deadline !== undefined && now >= p.deadline) due.push([txn, p]);
    for (const [txn] of due) this.#pending.delete(txn);
    return due;
  }

  /** Forgets everything. */
  clear(): void {
    this.#pending.clear();
    this.#unawaited = 0;
  }
}

/** A peer request awaiting our answer (server side: connect, createStream, a call). */
export interface PendingRequest {
  /** What the transaction is for: which answer method may settle it. */
  what: 'connect' | 'createStream' | 'call';
  /** The message stream it arrived on (the answer goes there). */
  streamId: number;
  /** It arrived as a type-17 command (connect's answer goes out in the same form). */
  amf3: boolean;
}

/**
 * The server's table of client requests awaiting an answer, by transaction id; a list
 * per id because a peer may reuse one (each request still gets exactly one answer,
 * oldest first). Bounded: beyond `limit` the oldest request is forgotten.
 */
export class RequestTable {
  readonly #byTxn = new Map<number, PendingRequest[]>();
  readonly #limit: number;
  #count = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Records a request that awaits an answer (calls with txn 0 expect none; connect/createStream always do). */
  add(txn: number, p: PendingRequest): void {
    if (txn === 0 && p.what === 'call') return;
    const list = this.#byTxn.get(txn);
    if (list) list.push(p);
    else this.#byTxn.set(txn, [p]);
    if (++this.#count > this.#limit) {
      // Forget the oldest request: a peer that never lets us answer must not grow memory.
      const [oldTxn, oldList] = this.#byTxn.entries().next().value!;
      oldList.shift();
      if (oldList.length === 0) this.#byTxn.delete(oldTxn);
      this.#count--;
    }
  }

  /**
   * Removes and returns the oldest request `txn` of an `allowed` kind, or (a string) why
   * there is none.
   */
  take(txn: number, allowed: readonly PendingRequest['what'][]): PendingRequest | string {
    const list = this.#byTxn.get(txn);
    const i = list ? list.findIndex((p) => allowed.includes(p.what)) : -1;
    if (!list || i < 0) {
      return list
        ? `it is a ${list[0]!.what} request`
        : 'no client request with that transaction id awaits an answer';
    }
    const [p] = list.splice(i, 1);
    if (list.length === 0) this.#byTxn.delete(txn);
    this.#count--;
    return p!;
  }
}
