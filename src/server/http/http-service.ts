/**
 * The server's HTTP side (`RTMPServer.listenHttp`, `rtmpkit serve --http-port`), HTTP/1.1
 * (RFC 9110/9112) on node:http:
 * - `GET /stats` — the statistics as JSON (`ServerStats`);
 * - `GET /` — the status page, which renders `/stats`;
 * - `GET /<app>/<name>.flv` — HTTP-FLV playback of a live stream (`HttpFlvPlayer`);
 * - RTMPT's POSTs, answered by the `rtmpt` handler the server gives (rtmpt-service.ts);
 * - `HEAD` for each; anything else is 404, other methods 405.
 *
 * Invariants: loopback unless the caller binds elsewhere; at most `maxConnections`
 * sockets; `close()` ends every HTTP-FLV response and resolves when the listener has
 * closed. HTTP-FLV plays are not passed to `onPlay` (that hook sees RTMP clients).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../../log.js';
import type { LiveChannel } from '../live-channel.js';
import type { ResolvedServerOptions } from '../options.js';
import type { ServerStats } from '../stats.js';
import type { ServerAddress } from '../types.js';
import { HttpFlvPlayer } from './http-flv.js';
import { STATUS_PAGE } from './status-page.js';

/** What the HTTP side needs from the server. */
export interface HttpContext {
  readonly options: ResolvedServerOptions;
  readonly log: Logger;
  /** The live channel of (app, name), created when missing. */
  channel(app: string, name: string): LiveChannel;
  /** Forgets `channel` when nobody publishes or plays it. */
  releaseChannel(channel: LiveChannel): void;
  /** A connection number (shared with RTMP clients). */
  nextId(): number;
  stats(): ServerStats;
  /** Answers an RTMPT request; false when `req` is none. */
  rtmpt?(req: IncomingMessage, res: ServerResponse): boolean;
}

/** `/<app…>/<name>.flv` → [app, name], percent-decoded; undefined for any other path. */
export function flvPath(pathname: string): [string, string] | undefined {
  const m = /^\/(.+)\/([^/]+)\.flv$/.exec(pathname);
  if (!m) return undefined;
  try {
    const app = decodeURIComponent(m[1]!);
    const name = decodeURIComponent(m[2]!);
    if (app.split('/').some((s) => s === '') || name === '') return undefined;
    return [app, name];
  } catch {
    return undefined;
  }
}

/** The HTTP listener and its HTTP-FLV viewers. */
export class HttpService {
  readonly players = new Set<HttpFlvPlayer>();
  readonly #ctx: HttpContext;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #address: ServerAddress | undefined;

  constructor(ctx: HttpContext) {
    this.#ctx = ctx;
  }

  /** The bound address, or undefined. */
  get address(): ServerAddress | undefined {
    return this.#address;
  }

  /** Starts listening; resolves with the bound address. */
  listen(host: string, port: number): Promise<ServerAddress> {
    const server = createServer((req, res) => this.handle(req, res));
    server.maxConnections = this.#ctx.options.maxConnections;
    server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.once('close', () => this.#sockets.delete(s));
    });
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (err) => {
        this.#server = undefined;
        reject(err);
      });
      server.listen({ host, port }, () => {
        server.removeAllListeners('error');
        server.on('error', (err) => this.#ctx.log.error(`HTTP listener: ${err.message}`));
        const a = server.address();
        this.#address = typeof a === 'object' && a ? { host: a.address, port: a.port } : { host, port };
        this.#ctx.log.info(`HTTP on ${this.#address.host}:${this.#address.port}`);
        resolve(this.#address);
      });
    });
  }

  /** Answers one request (also usable from an application's own node:http server). */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    if (method === 'POST' && this.#ctx.rtmpt?.(req, res) === true) return;
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return;
    }
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      pathname = '';
    }
    if (pathname === '/stats' || pathname === '/stats.json') {
      const body = `${JSON.stringify(this.#ctx.stats(), null, 2)}\n`;
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-store',
        'Access-Control-Allow-Origin': '*',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }
    if (pathname === '/' || pathname === '/index.html') {
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Length': Buffer.byteLength(STATUS_PAGE),
      });
      res.end(method === 'HEAD' ? undefined : STATUS_PAGE);
      return;
    }
    const flv = flvPath(pathname);
    const o = this.#ctx.options;
    if (flv && !o.vodApps.has(flv[0]) && (!o.apps || o.apps.has(flv[0]))) {
      if (method === 'HEAD') {
        res.writeHead(200, { 'Content-Type': 'video/x-flv', 'Cache-Control': 'no-cache, no-store' });
        res.end();
        return;
      }
      this.#play(req, res, flv[0], flv[1]);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
  }

  #play(req: IncomingMessage, res: ServerResponse, app: string, name: string): void {
    const ctx = this.#ctx;
    const channel = ctx.channel(app, name);
    const player = new HttpFlvPlayer(
      ctx.nextId(),
      req,
      res,
      channel,
      { highWaterMark: ctx.options.liveHighWaterMark, stallMs: ctx.options.idleTimeoutMs },
      (p) => {
        this.players.delete(p);
        ctx.releaseChannel(p.channel);
        ctx.log.info(`HTTP-FLV client ${p.id} stopped playing ${app}/${name}`);
      },
    );
    this.players.add(player);
    ctx.log.info(
      `HTTP-FLV client ${player.id} (${player.remoteAddress}:${player.remotePort}) plays ${app}/${name}` +
        (channel.publisher ? '' : ', waiting for a publisher'),
    );
  }

  /** Stops listening and ends every response; resolves when the listener has closed. */
  close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#address = undefined;
    for (const p of [...this.players]) p.destroy();
    if (!server) return Promise.resolve();
    const closed = new Promise<void>((res) => server.close(() => res()));
    for (const s of this.#sockets) s.destroy();
    return closed;
  }
}
