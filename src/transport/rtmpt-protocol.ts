/**
 * RTMPT — RTMP tunnelled in HTTP POSTs — as a sans-IO state machine (librtmp
 * `HTTP_Post`/`HTTP_read`, FFmpeg `rtmphttp.c`). It
 * decides which request to make next and interprets each reply; the shell
 * (`rtmpt.ts`) does the HTTP.
 *
 * Wire protocol, as librtmp and FFmpeg speak it:
 * - `POST /open/1` (body `00`) → 200, body = session id + `\n` (no interval byte);
 * - `POST /send/<id>/<seq>` (body = RTMP bytes), `POST /idle/<id>/<seq>` (body `00`),
 *   `POST /close/<id>/<seq>` (body `00`); `<seq>` counts from 0 after the open, one per
 *   request (a retried request keeps its number);
 * - every send/idle reply: byte 0 = the server's polling interval, the rest = RTMP bytes.
 *   A 404 means the session is gone (the server closed the RTMP connection).
 *
 * Choices (documented, tested): at most ONE request outstanding (librtmp's `m_unackd`;
 * FFmpeg pipelines, but ordering on retry is then ambiguous). Sends go out as soon as
 * nothing is in flight and carry everything written meanwhile (up to `maxSendBytes`).
 * Idle polls: immediately after a reply that carried data, then exponential backoff
 * after consecutive empty idle replies — `minPollMs`, ×2 each, capped at `maxPollMs`
 * (FFmpeg sleeps a fixed 50 ms; librtmp never waits). The interval byte is recorded
 * (`serverInterval`) but, like librtmp and FFmpeg, not obeyed.
 *
 * Invariants: `nextRequest` returns nothing while a request is in flight; byte counts
 * `written`/`acked` only grow; after `closed` no request is made.
 */
import { ProtocolCode } from '../error-codes.js';
import { RTMPProtocolError } from '../errors.js';

/** One HTTP request to make. */
export interface RtmptRequest {
  /** What the request does. */
  readonly kind: 'open' | 'send' | 'idle' | 'close';
  /** Request path, e.g. `/send/abc/3`. */
  readonly path: string;
  /** Request body (one zero byte except for sends). */
  readonly body: Uint8Array;
  /** For sends: the stream offset (`written` count) reached once this body is acknowledged. */
  readonly ackMark: number;
}

/** What a reply meant. */
export type RtmptReply =
  | { readonly kind: 'opened'; readonly sessionId: string }
  /** RTMP bytes from the server (possibly empty). */
  | { readonly kind: 'data'; readonly data: Uint8Array }
  /** The session ended: the close was answered, or the server dropped the session (404). */
  | { readonly kind: 'closed' };

/** Tunables of the state machine. */
export interface RtmptProtocolOptions {
  /** First delay after an empty idle reply, ms (default 10). */
  minPollMs?: number;
  /** Longest delay between idle polls, ms (default 200). */
  maxPollMs?: number;
  /** Most RTMP bytes in one send body (default 1 MiB). */
  maxSendBytes?: number;
}

/** Content type of every RTMPT request and reply. */
export const RTMPT_CONTENT_TYPE = 'application/x-fcs';

/** Headers every request carries (librtmp `HTTP_Post`; Host and Content-Length are added by HTTP). */
export const RTMPT_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': RTMPT_CONTENT_TYPE,
  'User-Agent': 'Shockwave Flash',
  'Cache-Control': 'no-cache',
  Accept: '*/*',
};

const ZERO = Uint8Array.of(0);
/** Longest session id accepted (FFmpeg keeps < 64 chars). */
const MAX_ID = 64;

/** Parses the open reply's body into the session id (trimmed; printable, no `/`). */
export function parseSessionId(body: Uint8Array): string {
  const id = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1').trim();
  if (id === '' || id.length > MAX_ID || !/^[\x21-\x7e]+$/.test(id) || /[/?#]/.test(id)) {
    throw new RTMPProtocolError(`RTMPT open: bad session id ${JSON.stringify(id.slice(0, 80))}`, {
      code: ProtocolCode.RTMPT_BAD_SESSION,
    });
  }
  return id;
}

/** The RTMPT client state machine. */
export class RtmptProtocol {
  readonly #minPoll: number;
  readonly #maxPoll: number;
  readonly #maxSend: number;
  #state: 'new' | 'opening' | 'open' | 'closing' | 'closed' = 'new';
  #id = '';
  #seq = 0;
  #inflight: RtmptRequest | undefined;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #written = 0;
  #acked = 0;
  #endRequested = false;
  #emptyPolls = 0;
  #nextPollAt = 0;
  #serverInterval: number | undefined;

  constructor(options: RtmptProtocolOptions = {}) {
    this.#minPoll = options.minPollMs ?? 10;
    this.#maxPoll = options.maxPollMs ?? 200;
    this.#maxSend = options.maxSendBytes ?? 1 << 20;
  }

  /** `new` → `opening` → `open` → `closing` → `closed`. */
  get state(): 'new' | 'opening' | 'open' | 'closing' | 'closed' {
    return this.#state;
  }
  /** The session id from the open reply ('' before). */
  get sessionId(): string {
    return this.#id;
  }
  /** The request awaiting its reply. */
  get inflight(): RtmptRequest | undefined {
    return this.#inflight;
  }
  /** The `<seq>` the next new request gets. */
  get nextSeq(): number {
    return this.#seq;
  }
  /** RTMP bytes written so far. */
  get written(): number {
    return this.#written;
  }
  /** RTMP bytes whose send was answered. */
  get acked(): number {
    return this.#acked;
  }
  /** Bytes written but not yet in a request. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }
  /** Consecutive empty idle replies. */
  get emptyPolls(): number {
    return this.#emptyPolls;
  }
  /** The last polling-interval byte the server sent. */
  get serverInterval(): number | undefined {
    return this.#serverInterval;
  }

  /** The open request (`/open/1`); call once. */
  open(): RtmptRequest {
    if (this.#state !== 'new') throw new Error('RtmptProtocol.open() called twice');
    this.#state = 'opening';
    this.#inflight = { kind: 'open', path: '/open/1', body: ZERO, ackMark: 0 };
    return this.#inflight;
  }

  /** Queues RTMP bytes for the server; returns the `written` mark they complete. */
  write(bytes: Uint8Array): number {
    if (this.#endRequested || this.#state === 'closed') {
      throw new RTMPProtocolError('RTMPT: write after end', { code: ProtocolCode.RTMPT_STATE });
    }
    if (bytes.byteLength > 0) {
      this.#pending.push(bytes);
      this.#pendingBytes += bytes.byteLength;
      this.#written += bytes.byteLength;
    }
    return this.#written;
  }

  /** Asks for a `/close` once the pending bytes were sent. */
  end(): void {
    this.#endRequested = true;
  }

  /**
   * The next request to make, if any: a send when bytes wait, else the close once
   * ended, else an idle poll when `wantData` and the poll is due at `now`.
   */
  nextRequest(now: number, wantData: boolean): RtmptRequest | undefined {
    if (this.#inflight !== undefined || this.#state !== 'open') return undefined;
    if (this.#pendingBytes > 0) return this.#start('send', this.#takePending());
    if (this.#endRequested) {
      this.#state = 'closing';
      return this.#start('close', ZERO);
    }
    if (wantData && now >= this.#nextPollAt) return this.#start('idle', ZERO);
    return undefined;
  }

  /** When the next idle poll is due (ms, same clock as `now`), or undefined when not open. */
  nextPollAt(): number | undefined {
    return this.#state === 'open' ? this.#nextPollAt : undefined;
  }

  /**
   * Interprets the reply to the in-flight request. Throws `RTMPProtocolError` for a
   * reply that breaks the protocol (non-200 other than a 404 for a session request,
   * bad session id).
   */
  receive(status: number, body: Uint8Array, now: number): RtmptReply {
    const req = this.#inflight;
    if (req === undefined) throw new Error('RtmptProtocol.receive() without a request in flight');
    this.#inflight = undefined;
    if (req.kind === 'open') {
      if (status !== 200) {
        this.#state = 'closed';
        throw new RTMPProtocolError(`RTMPT open failed: HTTP ${status}`, { code: ProtocolCode.RTMPT_HTTP });
      }
      try {
        this.#id = parseSessionId(body);
      } catch (err) {
        this.#state = 'closed';
        throw err;
      }
      this.#state = 'open';
      return { kind: 'opened', sessionId: this.#id };
    }
    if (req.kind === 'close') {
      this.#state = 'closed';
      return { kind: 'closed' };
    }
    if (status === 404) {
      this.#state = 'closed';
      return { kind: 'closed' };
    }
    if (status !== 200) {
      this.#state = 'closed';
      throw new RTMPProtocolError(`RTMPT ${req.kind} failed: HTTP ${status}`, {
        code: ProtocolCode.RTMPT_HTTP,
      });
    }
    if (req.kind === 'send') this.#acked = req.ackMark;
    if (body.byteLength > 0) this.#serverInterval = body[0];
    const data = body.byteLength > 1 ? body.subarray(1) : new Uint8Array(0);
    if (data.byteLength > 0) {
      this.#emptyPolls = 0;
      this.#nextPollAt = now;
    } else if (req.kind === 'idle') {
      this.#emptyPolls++;
      const delay = Math.min(this.#maxPoll, this.#minPoll * 2 ** Math.min(this.#emptyPolls - 1, 30));
      this.#nextPollAt = now + delay;
    }
    return { kind: 'data', data };
  }

  /** Forgets the session without a close request (the transport died). */
  abandon(): void {
    this.#state = 'closed';
    this.#inflight = undefined;
  }

  #start(kind: 'send' | 'idle' | 'close', body: Uint8Array): RtmptRequest {
    const ackMark = this.#written - this.#pendingBytes;
    this.#inflight = { kind, path: `/${kind}/${this.#id}/${this.#seq++}`, body, ackMark };
    return this.#inflight;
  }

  #takePending(): Uint8Array {
    let n = 0;
    const parts: Uint8Array[] = [];
    while (this.#pending.length > 0 && n < this.#maxSend) {
      let p = this.#pending[0]!;
      if (n + p.byteLength > this.#maxSend) {
        const cut = this.#maxSend - n;
        this.#pending[0] = p.subarray(cut);
        p = p.subarray(0, cut);
      } else {
        this.#pending.shift();
      }
      parts.push(p);
      n += p.byteLength;
    }
    this.#pendingBytes -= n;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}
