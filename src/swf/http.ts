/**
 * The one piece of I/O `hashSwf` needs: an HTTP(S) GET, behind a minimal `fetch`-shaped
 * interface (`SwfFetch`) so callers can substitute their own (a proxy, a test double, or
 * the global `fetch`). The default, `nodeSwfFetch`, uses node:http / node:https: no
 * redirects are followed (librtmp follows none either), certificates are verified unless
 * `tls.rejectUnauthorized` is false, and the body is the live response stream.
 *
 * Differences from librtmp's `HTTP_get` (harmless, on purpose): the request is HTTP/1.1
 * with `Connection: close` (node:http cannot speak 1.0) and `Host` carries the port when
 * it is not the default (librtmp drops it, which is wrong for virtual hosts); chunked and
 * close-delimited bodies are accepted (librtmp needs a `Content-Length` or the close).
 */
import type { IncomingMessage } from 'node:http';
import type { TlsOptions } from '../transport/tls.js';
import { nodeHttp, nodeHttps } from '../util/builtins.js';

/** The request `hashSwf` makes (a subset of `fetch`'s `RequestInit`). */
export interface SwfFetchInit {
  /** Always `'GET'`. */
  method: 'GET';
  /** `User-Agent`, `Referer` and, when revalidating, `If-Modified-Since`. */
  headers: Record<string, string>;
  /** Always `'manual'`: a 3xx answer must come back as is. */
  redirect: 'manual';
  /** Aborts the request and the body (timeout or the caller's signal). */
  signal: AbortSignal;
}

/** The response `hashSwf` reads (a subset of `fetch`'s `Response`). */
export interface SwfFetchResponse {
  /** HTTP status code. */
  status: number;
  /** Response headers (case-insensitive `get`, null when absent). */
  headers: { get(name: string): string | null };
  /** The body as byte chunks; null for none. */
  body: AsyncIterable<Uint8Array> | null;
}

/** A `fetch`-compatible function: `globalThis.fetch` fits, as does `nodeSwfFetch`. */
export type SwfFetch = (url: string, init: SwfFetchInit) => Promise<SwfFetchResponse>;

/**
 * GET over node:http / node:https with `tls` applied to https (verification on by default).
 * Rejects with Node's error (ECONNREFUSED, certificate errors, AbortError…).
 */
export function nodeSwfFetch(tls: TlsOptions = {}): SwfFetch {
  return (url, init) =>
    new Promise<SwfFetchResponse>((resolve, reject) => {
      const u = new URL(url);
      const options = {
        method: init.method,
        headers: { ...init.headers, Connection: 'close' },
        signal: init.signal,
        agent: false as const,
      };
      const req =
        u.protocol === 'https:'
          ? nodeHttps().request(u, { ...options, ...tls })
          : u.protocol === 'http:'
            ? nodeHttp().request(u, options)
            : undefined;
      if (req === undefined) {
        reject(new TypeError(`unsupported protocol ${u.protocol}`));
        return;
      }
      // Stays attached: an abort after the answer must not become an unhandled 'error'.
      req.on('error', reject);
      req.on('response', (res: IncomingMessage) => {
        res.on('error', () => {}); // the body's reader sees errors through its iterator
        resolve({
          status: res.statusCode ?? 0,
          headers: {
            get(name: string): string | null {
              const v = res.headers[name.toLowerCase()];
              if (v === undefined) return null;
              return Array.isArray(v) ? v.join(', ') : v;
            },
          },
          body: res,
        });
      });
      req.end();
    });
}
