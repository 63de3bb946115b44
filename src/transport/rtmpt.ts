/**
 * RTMPT / RTMPTS transport: RTMP tunnelled in HTTP(S) POSTs (librtmp `HTTP_Post`, FFmpeg
 * `rtmphttp.c`; servers close keep-alive connections at their request limits). The
 * protocol decisions live in the sans-IO `RtmptProtocol` (rtmpt-protocol.ts); this is
 * the shell: a `Duplex` stream the client's I/O loop drives exactly like a socket.
 *
 * Design:
 * - one `http.Agent`/`https.Agent` with keep-alive and a single socket; at most ONE
 *   request outstanding (librtmp's behaviour; FFmpeg pipelines);
 * - writes are sent at once when no request is in flight, else batched into the next
 *   send; a write's callback fires when the server answered the send carrying it (so
 *   `writableNeedDrain` and the loop's stall timeout give backpressure);
 * - while the stream is read (flowing, below its high-water mark) the tunnel polls with
 *   `/idle`, immediately after data, with backoff after empty replies (rtmpt-protocol);
 * - a request that fails on a REUSED keep-alive connection before any reply (the server
 *   closed it: idle timeout, nginx `keepalive_requests`) is retried once, same path and
 *   seq, on a fresh connection — the server never saw it, so nothing is duplicated;
 * - `end()` sends the pending bytes, then `/close/<id>/<seq>`; `destroy()` fires a
 *   best-effort `/close` and drops the connection;
 * - RTMPTS verifies certificates and host names by default (TlsOptions, as rtmps);
 * - with a proxy, each HTTP connection (the first and any after a drop) is a tunnel
 *   through it (proxy.ts), TLS on top for RTMPTS.
 *
 * Invariants: `connectRtmpt` resolves only after `/open/1` was answered with a session
 * id; failures before that are `RTMPConnectionError` (`ERR_RTMP_CONNECTION`,
 * `ERR_RTMP_TLS`), `RTMPTimeoutError` (`ERR_RTMP_CONNECT_TIMEOUT`), `RTMPProtocolError`
 * (bad open reply) or the abort signal's reason. A 404 to a send/idle (the server closed
 * the RTMP connection) ends the readable side like a FIN.
 */
import type { ClientRequest, Agent as HttpAgent, request as httpRequest, IncomingMessage } from 'node:http';
import type { AgentOptions as HttpsAgentOptions } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { ConnectionCode, TimeoutCode, UsageCode } from '../error-codes.js';
import { RTMPConnectionError, RTMPError, RTMPTimeoutError, RTMPUsageError } from '../errors.js';
import { createLogger } from '../log.js';
import { nodeHttp, nodeHttps } from '../util/builtins.js';
import { connectViaProxy, describeProxy, type ProxyConfig } from './proxy.js';
import {
  RTMPT_HEADERS,
  RtmptProtocol,
  type RtmptProtocolOptions,
  type RtmptRequest,
} from './rtmpt-protocol.js';
import { checkPort, formatHostPort } from './tcp.js';
import { connectTls, type TlsOptions } from './tls.js';
import type { ConnectTarget, Transport } from './transport.js';

const log = createLogger('rtmpt');
const now = (): number => performance.now();
/** Largest reply body accepted (the bridge sends ≤ 4 MiB; Red5 far less). */
const MAX_REPLY = 64 << 20;
/** Codes of a dropped keep-alive connection (the request never reached the server). */
const RETRYABLE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Options of the RTMPT transport. */
export interface RtmptOptions {
  /** HTTPS (rtmpts://) instead of HTTP. */
  secure?: boolean;
  /** TLS options for rtmpts (verification on by default). */
  tls?: TlsOptions;
  /** Poll backoff and send size (tests shorten them). */
  protocol?: RtmptProtocolOptions;
  /** Make each HTTP connection through this proxy (SOCKS4/4a/5, HTTP CONNECT). */
  proxy?: ProxyConfig;
}

interface HttpReply {
  status: number;
  body: Buffer;
}

interface WriteWaiter {
  mark: number;
  cb: (err?: Error | null) => void;
}

/** The tunnel as a duplex byte stream (what `Transport.socket` holds for rtmpt/rtmpts). */
export class RtmptStream extends Duplex {
  readonly #proto: RtmptProtocol;
  readonly #agent: HttpAgent;
  /** RTMPTS: HTTP over TLS. */
  readonly #secure: boolean;
  readonly #request: typeof httpRequest;
  readonly #host: string;
  readonly #port: number;
  #what: string;
  readonly #requestTimeoutMs: number;
  #wantRead = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #current: ClientRequest | undefined;
  #writes: WriteWaiter[] = [];
  #finalCb: ((err?: Error | null) => void) | undefined;
  #ended = false;
  #retries = 0;

  /** Use `connectRtmpt`. */
  constructor(host: string, port: number, options: RtmptOptions = {}, requestTimeoutMs = 0) {
    super({ allowHalfOpen: false, readableHighWaterMark: 1 << 20, writableHighWaterMark: 256 << 10 });
    this.#proto = new RtmptProtocol(options.protocol);
    this.#host = host;
    this.#port = port;
    this.#requestTimeoutMs = requestTimeoutMs;
    this.#what = `${formatHostPort(host, port)} (${options.secure ? 'RTMPTS' : 'RTMPT'})`;
    this.#secure = options.secure === true;
    if (options.secure) {
      const https = nodeHttps();
      this.#agent = new https.Agent(httpsAgentOptions(host, options.tls ?? {}));
      this.#request = https.request as unknown as typeof httpRequest;
    } else {
      const http = nodeHttp();
      this.#agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      this.#request = http.request;
    }
    if (options.proxy) {
      const proxy = options.proxy;
      this.#what += ` via ${describeProxy(proxy)}`;
      const target: ConnectTarget = { host, port };
      if (requestTimeoutMs > 0) target.timeoutMs = requestTimeoutMs;
      // http.Agent takes a connection from the callback when createConnection returns nothing.
      const agent = this.#agent as unknown as {
        createConnection(o: unknown, cb: (err: Error | null, s?: Socket) => void): undefined;
      };
      agent.createConnection = (_o, cb) => {
        connectViaProxy(proxy, target)
          .then((s) => (options.secure ? connectTls(target, options.tls, s) : s))
          .then(
            (s) => cb(null, s),
            (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
          );
        return undefined;
      };
    }
  }

  /** The session id the server gave (after `open`). */
  get sessionId(): string {
    return this.#proto.sessionId;
  }
  /** Requests retried after a dropped keep-alive connection. */
  get retries(): number {
    return this.#retries;
  }
  /** The protocol state machine (read-only use: tests, diagnostics). */
  get protocol(): RtmptProtocol {
    return this.#proto;
  }

  /** POSTs `/open/1`; resolves once the session id arrived. */
  async open(target: ConnectTarget): Promise<void> {
    const req = this.#proto.open();
    const reply = await this.#exchange(req, target.timeoutMs ?? 0, target.signal, true);
    this.#proto.receive(reply.status, reply.body, now());
    log.debug(`RTMPT session ${this.#proto.sessionId} on ${this.#what}`);
  }

  override _read(): void {
    this.#wantRead = true;
    this.#pump();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#queue([chunk], cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.#queue(
      chunks.map((c) => c.chunk),
      cb,
    );
  }

  override _final(cb: (err?: Error | null) => void): void {
    const st = this.#proto.state;
    if (st !== 'open') {
      cb();
      return;
    }
    this.#proto.end();
    this.#finalCb = cb;
    this.#pump();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
    this.#current?.destroy();
    this.#current = undefined;
    const st = this.#proto.state;
    const id = this.#proto.sessionId;
    const seq = this.#proto.nextSeq;
    this.#proto.abandon();
    for (const w of this.#writes.splice(0)) w.cb(err ?? new RTMPConnectionError(`${this.#what} closed`));
    if ((st === 'open' || st === 'closing') && id !== '') {
      // Best effort: tell the server the session is over, then drop the connection.
      const r = this.#post(`/close/${id}/${seq}`, Uint8Array.of(0));
      const done = (): void => {
        clearTimeout(t);
        this.#agent.destroy();
      };
      const t = setTimeout(() => r.destroy(), 1000);
      t.unref();
      r.on('response', (res: IncomingMessage) => {
        res.resume();
        res.on('end', done);
        res.on('error', done);
      });
      r.on('error', done);
    } else {
      this.#agent.destroy();
    }
    cb(err);
  }

  // ---------------------------------------------------------------- internals

  #queue(chunks: Buffer[], cb: (err?: Error | null) => void): void {
    if (this.#proto.state !== 'open') {
      cb(new RTMPConnectionError(`write to ${this.#what} after the tunnel closed`));
      return;
    }
    let mark = this.#proto.written;
    for (const c of chunks) mark = this.#proto.write(c);
    if (mark <= this.#proto.acked) cb();
    else this.#writes.push({ mark, cb });
    this.#pump();
  }

  #pump(): void {
    if (this.destroyed || this.#proto.inflight !== undefined) return;
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
    const t = now();
    const req = this.#proto.nextRequest(t, this.#wantRead);
    if (req === undefined) {
      const at = this.#proto.nextPollAt();
      if (this.#wantRead && at !== undefined && at > t) {
        this.#pollTimer = setTimeout(
          () => {
            this.#pollTimer = undefined;
            this.#pump();
          },
          Math.ceil(at - t),
        );
      }
      return;
    }
    this.#exchange(req, this.#requestTimeoutMs, undefined, false).then(
      (reply) => this.#onReply(reply),
      (err: unknown) => this.destroy(err instanceof Error ? err : new Error(String(err))),
    );
  }

  #onReply(reply: HttpReply): void {
    if (this.destroyed) return;
    let r: ReturnType<RtmptProtocol['receive']>;
    try {
      r = this.#proto.receive(reply.status, reply.body, now());
    } catch (err) {
      this.destroy(err as Error);
      return;
    }
    const acked = this.#proto.acked;
    while (this.#writes.length > 0 && this.#writes[0]!.mark <= acked) this.#writes.shift()!.cb();
    if (r.kind === 'closed') {
      this.#onClosed();
      return;
    }
    if (r.kind === 'data' && r.data.byteLength > 0 && !this.push(r.data)) this.#wantRead = false;
    this.#pump();
  }

  #onClosed(): void {
    const cb = this.#finalCb;
    this.#finalCb = undefined;
    for (const w of this.#writes.splice(0)) {
      w.cb(new RTMPConnectionError(`${this.#what}: the server closed the RTMPT session`));
    }
    if (!this.#ended) {
      this.#ended = true;
      this.push(null);
    }
    this.#agent.destroy();
    cb?.();
  }

  /** One request with one retry on a dropped reused keep-alive connection. */
  async #exchange(
    req: RtmptRequest,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    connecting: boolean,
  ): Promise<HttpReply> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once(req, timeoutMs, signal, connecting);
      } catch (err) {
        const e = err as NodeJS.ErrnoException & { reusedSocket?: boolean };
        if (attempt === 0 && e.reusedSocket === true && RETRYABLE.has(e.code ?? '') && !this.destroyed) {
          this.#retries++;
          log.debug(`${this.#what}: keep-alive connection dropped (${e.code}); retrying ${req.path}`);
          continue;
        }
        throw this.#wrap(err, req, connecting, timeoutMs);
      }
    }
  }

  #wrap(err: unknown, req: RtmptRequest, connecting: boolean, timeoutMs: number): unknown {
    if (
      err instanceof RTMPError ||
      (err as { name?: string }).name === 'AbortError' ||
      !(err instanceof Error)
    ) {
      return err;
    }
    if ((err as { timedOut?: boolean }).timedOut === true) {
      return connecting
        ? new RTMPTimeoutError(`connecting to ${this.#what} timed out after ${timeoutMs / 1000} s`, {
            code: TimeoutCode.RTMP_CONNECT_TIMEOUT,
          })
        : new RTMPTimeoutError(`RTMPT ${req.kind} to ${this.#what} timed out after ${timeoutMs / 1000} s`, {
            code: TimeoutCode.RTMPT_REQUEST_TIMEOUT,
          });
    }
    const sys = (err as NodeJS.ErrnoException).syscall !== undefined || /hang up/.test(err.message);
    const tls = this.#secure && !sys;
    return new RTMPConnectionError(
      connecting ? `cannot connect to ${this.#what}: ${err.message}` : `${this.#what} failed: ${err.message}`,
      { code: tls ? ConnectionCode.RTMP_TLS : ConnectionCode.RTMP_CONNECTION, cause: err },
    );
  }

  #once(
    req: RtmptRequest,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    _c: boolean,
  ): Promise<HttpReply> {
    return new Promise<HttpReply>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const r = this.#post(req.path, req.body);
      this.#current = r;
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (err: unknown, reply?: HttpReply): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.#current === r) this.#current = undefined;
        if (reply) resolve(reply);
        else {
          if (err instanceof Error && !(err instanceof RTMPError)) {
            Object.assign(err, { reusedSocket: r.reusedSocket });
          }
          reject(err);
        }
      };
      const onAbort = (): void => {
        finish(signal?.reason);
        r.destroy();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          const e = Object.assign(new Error(`timed out after ${timeoutMs} ms`), { timedOut: true });
          finish(e);
          r.destroy();
        }, timeoutMs);
      }
      r.on('error', (err) => finish(err));
      r.on('response', (res: IncomingMessage) => {
        const parts: Buffer[] = [];
        let n = 0;
        res.on('data', (d: Buffer) => {
          n += d.length;
          if (n > MAX_REPLY) {
            finish(new RTMPConnectionError(`${this.#what}: RTMPT reply over ${MAX_REPLY} bytes`));
            r.destroy();
            return;
          }
          parts.push(d);
        });
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
        res.on('error', (err) => finish(err));
        res.on('aborted', () => finish(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
      });
    });
  }

  #post(path: string, body: Uint8Array): ClientRequest {
    const r = this.#request({
      agent: this.#agent,
      host: this.#host,
      port: this.#port,
      method: 'POST',
      path,
      headers: { ...RTMPT_HEADERS, 'Content-Length': String(body.byteLength) },
    });
    r.end(body);
    return r;
  }
}

function httpsAgentOptions(host: string, tls: TlsOptions): HttpsAgentOptions {
  const o: HttpsAgentOptions = {
    keepAlive: true,
    maxSockets: 1,
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  };
  const servername = tls.servername ?? (isIP(host) === 0 ? host : undefined);
  if (servername !== undefined) o.servername = servername;
  if (tls.ca !== undefined) o.ca = tls.ca;
  if (tls.checkServerIdentity !== undefined) o.checkServerIdentity = tls.checkServerIdentity;
  if (tls.minVersion !== undefined) o.minVersion = tls.minVersion;
  if (tls.maxVersion !== undefined) o.maxVersion = tls.maxVersion;
  if (tls.cert !== undefined) o.cert = tls.cert;
  if (tls.key !== undefined) o.key = tls.key;
  return o;
}

/**
 * Opens an RTMPT (or, with `secure`, RTMPTS) session to `target` and returns it as a
 * `Transport`. `target.timeoutMs` bounds the open and, afterwards, each request.
 */
export async function connectRtmpt(target: ConnectTarget, options: RtmptOptions = {}): Promise<Transport> {
  checkPort(target.port);
  if (typeof target.host !== 'string' || target.host === '') {
    throw new RTMPUsageError('no host to connect to', { code: UsageCode.RTMP_BAD_HOST });
  }
  const stream = new RtmptStream(target.host, target.port, options, target.timeoutMs ?? 0);
  try {
    await stream.open(target);
  } catch (err) {
    stream.destroy();
    throw err;
  }
  const via = options.proxy ? ` via ${describeProxy(options.proxy)}` : '';
  return {
    // A Duplex, not a net.Socket: see Transport.socket (the I/O loop uses stream members only).
    socket: stream as unknown as Socket,
    description: `${formatHostPort(target.host, target.port)} (${options.secure ? 'RTMPTS' : 'RTMPT'})${via}`,
  };
}
