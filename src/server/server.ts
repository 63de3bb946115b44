/**
 * The embedded RTMP server (`createServer`): a node:net listener (loopback by
 * default) whose connections are `ClientConnection`s (a sans-IO `ServerSession` each);
 * live relay through `LiveChannel`s keyed by (app, name); VOD from `vodFiles` and
 * `vodDir` with a small cache of FLV indexes; hooks for auth and RPC; typed events.
 * Each publish can also be recorded (`record`) and restreamed (`push`), and an HTTP
 * port (`listenHttp`) serves `/stats`, a status page, HTTP-FLV playback and RTMPT
 * (rtmpt-service.ts). RTMPE clients are accepted on the RTMP port and inside RTMPT
 * (`rtmpe`); publishers can be made to authenticate (`auth`, publisher-auth.ts).
 * Built for tests, demos and `rtmpkit serve` — not a production media server.
 *
 * `drain()` asks clients to reconnect elsewhere (E-RTMP ReconnectRequest) before a restart.
 *
 * Invariants: at most `maxConnections` sockets at once (extra sockets are destroyed on
 * accept); channels exist only while someone publishes or plays them; `close()` stops
 * listening (RTMP and HTTP), drops every client, stops every playback, closes every
 * recording and stops every push, and resolves when all of that is done; a VOD index
 * is reused only while the file's size and mtime are unchanged.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { LimitCode, UsageCode } from '../error-codes.js';
import { RTMPLimitError, RTMPUsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { CapsEx } from '../session/connect-object.js';
import { reuseAcceptedReads } from '../transport/tcp.js';
import { ClientConnection } from './client.js';
import type { ServerContext, VodLookup } from './context.js';
import { type FlvIndex, indexFlv } from './flv-index.js';
import { bufferSource, type FlvSource, openVodFile, resolveVodPath } from './flv-source.js';
import { HttpService } from './http/http-service.js';
import { LiveChannel } from './live-channel.js';
import { type ResolvedServerOptions, type RTMPServerOptions, resolveOptions } from './options.js';
import { startRecycling } from './payload-refs.js';
import { PublishOutputs } from './publish-outputs.js';
import { RefusalLog } from './refusal-log.js';
import { RtmptService } from './rtmpt-service.js';
import { serverLogger } from './server-log.js';
import { collectStats, type ServerStats } from './stats.js';
import type { LiveStreamInfo, RTMPServerEvents, ServerAddress, ServerClient } from './types.js';

/** Options of `RTMPServer.drain`. */
export interface DrainOptions {
  /** Where clients should reconnect (absolute, or relative to their tcUrl); absent = this server. */
  tcUrl?: string;
  /** The ReconnectRequest's `description`. */
  description?: string;
  /** Milliseconds to wait for the clients to leave before closing them (default 30000). */
  timeoutMs?: number;
  /** Ask every connected client, not only those that offered `capsEx` Reconnect. */
  all?: boolean;
}

/** What `RTMPServer.drain` did. */
export interface DrainResult {
  /** Clients sent a ReconnectRequest. */
  asked: number;
  /** Of those, still connected at the timeout and closed by the server. */
  closed: number;
}

/** Options of `RTMPServer.listen`. */
export interface ListenOptions {
  /** Interface to bind (default `127.0.0.1`: loopback only). */
  host?: string;
  /** TCP port (default 1935; 0 = an ephemeral port, see the result / `address()`). */
  port?: number;
}

const VOD_CACHE_ENTRIES = 32;

interface CachedIndex {
  size: number;
  mtimeMs: number;
  index: FlvIndex;
}

/**
 * An embedded RTMP server.
 *
 * ```ts
 * const server = createServer({ vodDir: './media', onCall: (name, [a, b]) => (name === 'add' ? Number(a) + Number(b) : null) });
 * const { port } = await server.listen({ port: 0 });
 * server.on('publish', ({ app, name }) => console.log('live:', app, name));
 * // ffmpeg -re -i x.flv -c copy -f flv rtmp://127.0.0.1:PORT/live/x ; ffplay rtmp://127.0.0.1:PORT/live/x
 * await server.close();
 * ```
 */
export class RTMPServer extends EventEmitter<RTMPServerEvents> {
  readonly #opts: ResolvedServerOptions;
  readonly #log: Logger;
  readonly #clients = new Set<ClientConnection>();
  readonly #channels = new Map<string, LiveChannel>();
  readonly #vodIndexes = new Map<string, CachedIndex>();
  readonly #context: ServerContext;
  #net: Server | undefined;
  #address: ServerAddress | undefined;
  readonly #outputs: PublishOutputs;
  readonly #http: HttpService;
  readonly #rtmpt: RtmptService;
  readonly #startedAt = Date.now();
  /** Socket bytes of closed connections, for the totals in `stats()`. */
  readonly #closedBytes = { in: 0, out: 0 };
  #nextId = 1;
  #closing: Promise<void> | undefined;
  /** Open connections by remote address (`maxConnectionsPerAddress`). */
  readonly #perAddress = new Map<string, number>();
  /** Refusals and client faults, logged once per address and kind per interval. */
  readonly #refusals: RefusalLog;
  readonly #refusalTimer: NodeJS.Timeout;

  /** Use `createServer(options)`. Throws `RTMPUsageError` (`ERR_SERVER_OPTION`) for bad options. */
  constructor(options: RTMPServerOptions = {}) {
    super();
    this.#opts = resolveOptions(options);
    this.#log = serverLogger(this.#opts.logger);
    startRecycling(this.#opts.gopCacheMaxBytes);
    this.#refusals = new RefusalLog((line) => this.#log.warn(line), this.#opts.logIntervalMs);
    this.#refusalTimer = setInterval(() => this.#refusals.flush(performance.now()), this.#opts.logIntervalMs);
    this.#refusalTimer.unref();
    this.#context = {
      options: this.#opts,
      log: this.#log,
      emit: (event, ...args) => this.#emitSafe(event, args),
      channel: (app, name) => this.#channel(app, name),
      releaseChannel: (ch) => {
        if (ch.idle && this.#channels.get(key(ch.app, ch.name)) === ch)
          this.#channels.delete(key(ch.app, ch.name));
      },
      published: (ch) => this.#outputs.started(ch),
      unpublished: (ch) => this.#outputs.ended(ch),
      openVod: (name) => this.#openVod(name),
      // Only this server's own connections are ever handed to its context.
      limit: (error, client, address) => this.#limit(error, client, address),
      fault: (address, code, message) => this.#refusals.report(performance.now(), address, code, message),
      clientClosed: (client) => {
        if (!this.#clients.delete(client as ClientConnection)) return;
        this.#release(client.remoteAddress);
        this.#closedBytes.in += client.bytesIn;
        this.#closedBytes.out += client.bytesOut;
        this.#emitSafe('disconnect', [client]);
      },
    };
    this.#outputs = new PublishOutputs({
      record: this.#opts.record,
      push: this.#opts.push,
      highWaterMark: this.#opts.liveHighWaterMark,
      log: this.#log,
      emit: (event, ...args) => this.#emitSafe(event, args),
    });
    this.#rtmpt = new RtmptService({
      log: this.#log,
      maxBody: 2 * this.#opts.maxMessageSize,
      accept: (socket) => this.#accept(socket),
    });
    this.#http = new HttpService({
      rtmpt: (req, res) => this.#rtmpt.handle(req, res),
      options: this.#opts,
      log: this.#log,
      channel: (app, name) => this.#channel(app, name),
      releaseChannel: (ch) => this.#context.releaseChannel(ch),
      nextId: () => this.#nextId++,
      stats: () => this.stats(),
    });
  }

  /** Starts listening; resolves with the bound address. Rejects on listen errors (EADDRINUSE…). */
  listen(options: ListenOptions = {}): Promise<ServerAddress> {
    if (this.#net || this.#closing) {
      return Promise.reject(
        new RTMPUsageError(`RTMPServer.listen: ${this.#closing ? 'closed' : 'already listening'}`, {
          code: UsageCode.SERVER_STATE,
        }),
      );
    }
    const host = options.host ?? '127.0.0.1';
    const port = options.port ?? 1935;
    const net = createNetServer((socket) => {
      reuseAcceptedReads(socket);
      this.#accept(socket);
    });
    this.#net = net;
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => {
        this.#net = undefined;
        reject(err);
      };
      net.once('error', onError);
      net.listen({ host, port }, () => {
        net.off('error', onError);
        net.on('error', (err) => {
          this.#log.error(`listener: ${err.message}`);
          if (this.listenerCount('error') > 0) this.emit('error', err);
        });
        const a = net.address();
        this.#address = typeof a === 'object' && a ? { host: a.address, port: a.port } : { host, port };
        this.#log.info(`listening on ${this.#address.host}:${this.#address.port}`);
        this.#emitSafe('listening', [this.#address]);
        resolve(this.#address);
      });
    });
  }

  /** The bound address, or undefined when not listening. */
  address(): ServerAddress | undefined {
    return this.#address;
  }

  /**
   * Starts the HTTP side on its own port (default host `127.0.0.1`, port 0 = a free
   * one): `GET /stats` (JSON, `ServerStats`), `GET /` (a status page rendering it),
   * `GET /<app>/<name>.flv` (HTTP-FLV playback of a live stream; waits for the
   * publisher, ends when it leaves) and RTMPT (`POST /open/1`…: rtmpt:// and rtmpte://
   * clients, as on the RTMP port). Resolves with the bound address.
   */
  listenHttp(options: ListenOptions = {}): Promise<ServerAddress> {
    if (this.#http.address || this.#closing) {
      return Promise.reject(
        new RTMPUsageError(`RTMPServer.listenHttp: ${this.#closing ? 'closed' : 'already listening'}`, {
          code: UsageCode.SERVER_STATE,
        }),
      );
    }
    return this.#http.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  }

  /** The HTTP side's bound address, or undefined when it is not listening. */
  httpAddress(): ServerAddress | undefined {
    return this.#http.address;
  }

  /**
   * Answers an HTTP request as the HTTP port does (`/stats`, `/`, `/<app>/<name>.flv`,
   * RTMPT, else 404) — to mount the server's HTTP side in an application's own `node:http` server.
   */
  handleHttp(req: IncomingMessage, res: ServerResponse): void {
    this.#http.handle(req, res);
  }

  /** A snapshot of the statistics: server, streams by app, clients (the JSON of `GET /stats`). */
  stats(): ServerStats {
    return collectStats({
      startedAt: this.#startedAt,
      rtmp: this.#address,
      http: this.#http.address,
      clients: this.#clients,
      httpPlayers: this.#http.players,
      channels: this.#channels.values(),
      closedBytes: this.#closedBytes,
      recording: (ch) => this.#outputs.recording(ch),
      pushes: (ch) => this.#outputs.pushes(ch),
    });
  }

  /** The connected clients. */
  get clients(): ReadonlySet<ServerClient> {
    return this.#clients;
  }

  /** The live streams (published or waited for). */
  liveStreams(): LiveStreamInfo[] {
    return [...this.#channels.values()].map((ch) => ({
      app: ch.app,
      name: ch.name,
      publisher: ch.publisher?.request.client,
      // RTMP players and HTTP-FLV viewers; recordings and pushes are not players.
      players:
        [...ch.players].filter((p) => p.out.end === undefined).length +
        [...this.#http.players].filter((p) => p.channel === ch).length,
      metadata: ch.metadata?.[0],
    }));
  }

  /**
   * Graceful drain (ERTMP-V2 "Reconnect Request"): every connected client that offered
   * `capsEx` Reconnect in its connect (all connected clients with `all: true`) gets onStatus
   * NetConnection.Connect.ReconnectRequest on stream 0 — with `tcUrl` when given (another
   * server; absent = this one again) and `description`. The server keeps serving them and
   * keeps accepting connections (a client may reconnect here); the promise resolves once
   * every asked client has disconnected, or after `timeoutMs` (default 30 s), when those
   * still connected are closed. Resolves with how many were asked and how many had to be closed.
   */
  async drain(options: DrainOptions = {}): Promise<DrainResult> {
    const asked = [...this.#clients].filter(
      (c) =>
        (options.all === true || ((c.enhancedCapabilities?.capsEx ?? 0) & CapsEx.Reconnect) !== 0) &&
        c.requestReconnect({ tcUrl: options.tcUrl, description: options.description }),
    );
    this.#log.info(`drain: asked ${asked.length} client(s) to reconnect`);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const gone = (): boolean => asked.every((c) => !this.#clients.has(c));
    await new Promise<void>((resolve) => {
      // The timer is the deadline: a timer may fire a millisecond before Date.now() reaches
      // a deadline computed from it, and a re-check against the wall clock then waited forever.
      const finish = (): void => {
        this.off('disconnect', check);
        clearTimeout(timer);
        resolve();
      };
      const check = (): void => {
        if (gone()) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.on('disconnect', check);
      check();
    });
    const left = asked.filter((c) => this.#clients.has(c));
    for (const c of left) c.close();
    return { asked: asked.length, closed: left.length };
  }

  /**
   * Stops listening and drops every client (their playbacks stop, their VOD files
   * close); resolves when all of that is done. Idempotent; a closed server cannot listen again.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const net = this.#net;
      const listenerClosed = new Promise<void>((res) => (net ? net.close(() => res()) : res()));
      const httpClosed = this.#http.close();
      this.#rtmpt.close();
      await Promise.all([...this.#clients].map((c) => c.destroy()));
      await this.#outputs.close();
      await Promise.all([listenerClosed, httpClosed]);
      clearInterval(this.#refusalTimer);
      this.#refusals.flush(performance.now(), true);
      this.#address = undefined;
      this.#emitSafe('close', []);
    })();
    return this.#closing;
  }

  /** A new connection (TCP, or an RTMPT session); false when it was refused (and destroyed). */
  #accept(socket: Socket): boolean {
    if (this.#closing) {
      socket.destroy();
      return false;
    }
    const address = socket.remoteAddress;
    const o = this.#opts;
    const fromAddress = address === undefined ? 0 : (this.#perAddress.get(address) ?? 0);
    const over =
      this.#clients.size >= o.maxConnections
        ? new RTMPLimitError(
            `refused ${address}: ${this.#clients.size} connections open (maxConnections ${o.maxConnections})`,
            LimitCode.SERVER_LIMIT_CONNECTIONS,
            'maxConnections',
          )
        : fromAddress >= o.maxConnectionsPerAddress
          ? new RTMPLimitError(
              `refused ${address}: ${fromAddress} connections open from it (maxConnectionsPerAddress ${o.maxConnectionsPerAddress})`,
              LimitCode.SERVER_LIMIT_CONNECTIONS_PER_ADDRESS,
              'maxConnectionsPerAddress',
            )
          : undefined;
    if (over) {
      socket.destroy();
      this.#limit(over, undefined, address);
      return false;
    }
    if (address !== undefined) this.#perAddress.set(address, fromAddress + 1);
    const client = new ClientConnection(this.#nextId++, socket, this.#context);
    this.#clients.add(client);
    this.#log.debug(`client ${client.id}: accepted ${socket.remoteAddress}:${socket.remotePort}`);
    this.#emitSafe('connection', [client]);
    return true;
  }

  /** A limit refused a connection or cut a client: the `limit` event, and a rate-limited log line. */
  #limit(error: RTMPLimitError, client: ServerClient | undefined, address: string | undefined): void {
    const who = client ? `client ${client.id}: ` : '';
    this.#refusals.report(performance.now(), address, error.code, `${who}${error.code}: ${error.message}`);
    this.#emitSafe('limit', [error, client]);
  }

  /** One connection from `address` ended. */
  #release(address: string | undefined): void {
    if (address === undefined) return;
    const n = (this.#perAddress.get(address) ?? 1) - 1;
    if (n > 0) this.#perAddress.set(address, n);
    else this.#perAddress.delete(address);
  }

  #channel(app: string, name: string): LiveChannel {
    const k = key(app, name);
    let ch = this.#channels.get(k);
    if (!ch) {
      ch = new LiveChannel(app, name, this.#opts.gopCacheMaxBytes);
      this.#channels.set(k, ch);
    }
    return ch;
  }

  async #openVod(name: string): Promise<VodLookup> {
    const mem = this.#opts.vodFiles.get(name);
    let source: FlvSource & { mtimeMs?: number };
    let cacheKey: string;
    if (mem) {
      source = bufferSource(mem);
      cacheKey = `mem:${name}`;
    } else {
      const dir = this.#opts.vodDir;
      const path = dir === undefined ? undefined : resolveVodPath(dir, name);
      if (!path) return { error: 'notFound', message: `${name} not found` };
      try {
        const opened = await openVodFile(dir!, path, this.#opts.vodFollowLinks);
        if (opened === undefined) {
          const why = `VOD ${name}: refused, the file opened is not inside vodDir (vodFollowLinks is off)`;
          this.#refusals.report(performance.now(), undefined, 'vodFollowLinks', why);
          return { error: 'notFound', message: `${name} not found` };
        }
        source = opened;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'EISDIR' && code !== 'ENOTDIR') {
          this.#log.warn(`VOD ${name}: ${(err as Error).message}`);
        }
        return { error: 'notFound', message: `${name} not found` };
      }
      cacheKey = `file:${path}`;
    }
    const cached = this.#vodIndexes.get(cacheKey);
    if (cached && cached.size === source.size && cached.mtimeMs === (source.mtimeMs ?? 0)) {
      this.#vodIndexes.delete(cacheKey);
      this.#vodIndexes.set(cacheKey, cached); // LRU: most recent last
      return { source, index: cached.index };
    }
    try {
      const index = await indexFlv(source);
      this.#vodIndexes.set(cacheKey, { size: source.size, mtimeMs: source.mtimeMs ?? 0, index });
      while (this.#vodIndexes.size > VOD_CACHE_ENTRIES)
        this.#vodIndexes.delete(this.#vodIndexes.keys().next().value!);
      return { source, index };
    } catch (err) {
      await source.close();
      this.#log.warn(`VOD ${name}: ${(err as Error).message}`);
      return { error: 'invalid', message: (err as Error).message };
    }
  }

  /** Emits without letting a throwing listener break the connection that triggered it. */
  #emitSafe<K extends keyof RTMPServerEvents>(event: K, args: RTMPServerEvents[K]): void {
    if (event === 'error' && this.listenerCount('error') === 0) return;
    try {
      (this.emit as (e: K, ...a: RTMPServerEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.#log.error(
        `a '${String(event)}' listener threw: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}

function key(app: string, name: string): string {
  return `${app}\u0000${name}`;
}

/** Creates an embedded RTMP server; call `listen()` to start it. */
export function createServer(options: RTMPServerOptions = {}): RTMPServer {
  return new RTMPServer(options);
}
