/**
 * RTMPT and RTMPTE, server side: RTMP tunnelled in HTTP POSTs, as Flash Media Server and
 * Red5 answer them and as librtmp (`HTTP_Post`/`HTTP_read`), FFmpeg (`rtmphttp.c`) and
 * rtmpkit's client speak them:
 * - `POST /open/1` → a new session: body = its id + `\n`;
 * - `POST /send/<id>/<seq>` (body = RTMP bytes from the client) → body `01`;
 * - `POST /idle/<id>/<seq>` → byte 0 = polling interval, then the RTMP bytes waiting for
 *   the client (at most `MAX_REPLY_BODY`); an empty poll is held up to `HOLD_MS` for bytes;
 * - `POST /close/<id>/<seq>` → body `00`, the session ends;
 * - `POST /fcs/ident2` → 404, as Flash Player's ident probe expects; an unknown or ended
 *   session → 404 (the client reads it as the end of the connection).
 *
 * Each session is a socket-like `Duplex` (`RtmptSessionSocket`) the server drives with a
 * `ClientConnection` exactly like a TCP socket, so RTMPTE needs nothing here: the
 * session's bytes are RTMPE's, the ServerSession decrypts them.
 *
 * Server bytes go out only in answers to idle polls: librtmp mis-parses a reply header
 * that straddles the end of its 16 KiB read buffer, which big bodies followed by answers
 * to pipelined sends provoke (seen with rtmpdump through a relay that answered sends with
 * data). Pipelined requests of one session are answered in order: a new request first
 * releases a held poll.
 *
 * Invariants: sessions exist only between open and close/destroy; request bodies are
 * bounded (`maxBody`, else 413 and the session ends); bytes queued for the client are
 * bounded by backpressure — writes beyond `HIGH_WATER` wait for polls, and a client that
 * stops polling stalls the connection's writes, which the I/O loop's stall timeout ends.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { Logger } from '../log.js';

/** Longest an empty idle poll is held waiting for server bytes, ms. */
export const HOLD_MS = 40;
/** Most RTMP bytes in one reply body. */
export const MAX_REPLY_BODY = 1 << 20;
/** Queued bytes above which the connection's writes wait for the client's polls. */
const HIGH_WATER = 1 << 20;
/** Interval byte of a reply carrying data, and of an empty one (poll less often). */
const INTERVAL_DATA = 0x01;
const INTERVAL_EMPTY = 0x09;

/** What the service needs from the server. */
export interface RtmptContext {
  readonly log: Logger;
  /** Largest request body accepted (bytes). */
  readonly maxBody: number;
  /** Takes a new tunnelled connection; false when the server refuses it (it then destroys the socket). */
  accept(socket: Socket): boolean;
}

function reply(res: ServerResponse, status: number, body: Uint8Array): void {
  res.writeHead(status, {
    'Content-Type': 'application/x-fcs',
    'Content-Length': body.byteLength,
    Connection: 'Keep-Alive',
    'Cache-Control': 'no-cache',
  });
  res.end(body);
}

/** One RTMPT session as the socket of an RTMP connection. */
export class RtmptSessionSocket extends Duplex {
  readonly id: string;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  #bytesRead = 0;
  #bytesWritten = 0;
  #queue: Buffer[] = [];
  #queued = 0;
  #waiting: (() => void) | undefined;
  #held: { res: ServerResponse; timer: NodeJS.Timeout } | undefined;
  #finished = false;
  readonly #onGone: (s: RtmptSessionSocket) => void;

  constructor(id: string, req: IncomingMessage, onGone: (s: RtmptSessionSocket) => void) {
    super({ allowHalfOpen: false });
    this.id = id;
    this.remoteAddress = req.socket.remoteAddress;
    this.remotePort = req.socket.remotePort;
    this.#onGone = onGone;
  }

  /** RTMP bytes received from the client. */
  get bytesRead(): number {
    return this.#bytesRead;
  }

  /** RTMP bytes handed to the client in replies. */
  get bytesWritten(): number {
    return this.#bytesWritten;
  }

  /** Socket API the server calls (meaningless for a tunnel). */
  setNoDelay(): this {
    return this;
  }

  /** Bytes of a `/send`. */
  received(body: Buffer): void {
    if (body.length === 0 || this.destroyed) return;
    this.#bytesRead += body.length;
    this.push(body);
  }

  /** Answers an `/idle` now when bytes wait (or the server ended), else holds it a little. */
  poll(res: ServerResponse): void {
    this.release();
    if (this.#queued > 0 || this.#finished) {
      this.#answer(res);
      return;
    }
    const timer = setTimeout(() => {
      if (this.#held?.res !== res) return;
      this.#held = undefined;
      this.#answer(res);
    }, HOLD_MS);
    this.#held = { res, timer };
  }

  /** Answers a held poll with what is there (a later request of the session must not overtake it). */
  release(): void {
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    clearTimeout(held.timer);
    this.#answer(held.res);
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#enqueue([chunk], cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.#enqueue(
      chunks.map((c) => c.chunk),
      cb,
    );
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#finished = true;
    if (this.#held && this.#queued === 0) this.release();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const held = this.#held;
    this.#held = undefined;
    if (held) {
      clearTimeout(held.timer);
      reply(held.res, 404, Buffer.alloc(0));
    }
    this.#queue = [];
    this.#queued = 0;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.();
    this.#onGone(this);
    cb(err);
  }

  #enqueue(chunks: Buffer[], cb: (err?: Error | null) => void): void {
    // Copied: a writer may reuse a chunk's memory once its callback ran (the server
    // recycles relayed and VOD payload buffers after their write completed), and these
    // bytes wait here for a later poll.
    const copy = Buffer.concat(chunks);
    this.#queue.push(copy);
    this.#queued += copy.length;
    if (this.#queued < HIGH_WATER) cb();
    else this.#waiting = () => cb();
    this.release();
  }

  /** One reply: up to MAX_REPLY_BODY queued bytes, or 404 once the server ended and all went out. */
  #answer(res: ServerResponse): void {
    if (this.#queued === 0 && this.#finished) {
      reply(res, 404, Buffer.alloc(0));
      this.destroy();
      return;
    }
    const parts: Buffer[] = [Buffer.of(this.#queued > 0 ? INTERVAL_DATA : INTERVAL_EMPTY)];
    let n = 0;
    while (this.#queue.length > 0 && n < MAX_REPLY_BODY) {
      let c = this.#queue.shift()!;
      if (n + c.length > MAX_REPLY_BODY) {
        this.#queue.unshift(c.subarray(MAX_REPLY_BODY - n));
        c = c.subarray(0, MAX_REPLY_BODY - n);
      }
      parts.push(c);
      n += c.length;
    }
    this.#queued -= n;
    this.#bytesWritten += n;
    reply(res, 200, Buffer.concat(parts));
    if (this.#queued < HIGH_WATER && this.#waiting) {
      const w = this.#waiting;
      this.#waiting = undefined;
      w();
    }
  }
}

/** The RTMPT endpoints of the server's HTTP side. */
export class RtmptService {
  readonly #ctx: RtmptContext;
  readonly #sessions = new Map<string, RtmptSessionSocket>();

  constructor(ctx: RtmptContext) {
    this.#ctx = ctx;
  }

  /** Sessions open now. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Answers `req` when it is an RTMPT request (a POST to /open, /send, /idle, /close, /fcs); false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'POST') return false;
    const m = /^\/(open|send|idle|close|fcs)\/([^/?]*)(?:\/[^/?]*)?$/.exec(req.url ?? '');
    if (!m) return false;
    const [, cmd, id] = m as unknown as [string, string, string];
    const body: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size > this.#ctx.maxBody) tooBig = true;
      else body.push(d);
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (tooBig) {
        this.#sessions.get(id)?.destroy();
        reply(res, 413, Buffer.alloc(0));
        return;
      }
      this.#request(cmd, id, req, res, Buffer.concat(body));
    });
    return true;
  }

  /** Ends every session (server shutdown). */
  close(): void {
    for (const s of [...this.#sessions.values()]) s.destroy();
  }

  #request(cmd: string, id: string, req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    if (cmd === 'open') {
      this.#open(req, res);
      return;
    }
    const s = cmd === 'fcs' ? undefined : this.#sessions.get(id);
    if (s === undefined) {
      reply(res, 404, Buffer.alloc(0));
      return;
    }
    s.release();
    if (cmd === 'send') {
      s.received(body);
      reply(res, 200, Buffer.of(INTERVAL_DATA));
    } else if (cmd === 'idle') {
      s.poll(res);
    } else {
      reply(res, 200, Buffer.of(0));
      s.destroy();
    }
  }

  #open(req: IncomingMessage, res: ServerResponse): void {
    const id = randomBytes(8).toString('hex');
    const socket = new RtmptSessionSocket(id, req, (s) => {
      if (this.#sessions.get(s.id) === s) this.#sessions.delete(s.id);
    });
    this.#sessions.set(id, socket);
    if (!this.#ctx.accept(socket as unknown as Socket)) {
      reply(res, 503, Buffer.alloc(0));
      return;
    }
    this.#ctx.log.debug(`RTMPT session ${id} opened by ${req.socket.remoteAddress}:${req.socket.remotePort}`);
    reply(res, 200, Buffer.from(`${id}\n`));
  }
}
