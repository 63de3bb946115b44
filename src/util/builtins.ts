/**
 * Node built-ins that only some connections use — TLS (rtmps://, https:// SWF fetches),
 * HTTP (rtmpt://, SWF fetches), zlib (compressed SWF), DNS (proxies that need an IPv4
 * address) — loaded on first use (`process.getBuiltinModule`, Node ≥ 20.16) instead of with
 * the module graph: a plain rtmp:// download, and every `rtmpkit` command that makes one,
 * no longer compiles node:tls, node:https, node:http, node:zlib and their dependencies at
 * start-up (`rtmpkit dump`: 19 of the 74 internal modules it loaded beyond `--version`'s;
 * a short download's CPU fell by about 0.05 s, a fifth of it).
 *
 * Invariant: each getter loads its module once and returns the same object every time.
 */
import type * as DnsPromises from 'node:dns/promises';
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type * as Tls from 'node:tls';
import type * as Zlib from 'node:zlib';

function lazy<T>(id: string): () => T {
  let m: T | undefined;
  return () => (m ??= process.getBuiltinModule(id) as T);
}

/** node:tls, loaded on first use. */
export const nodeTls: () => typeof Tls = lazy('node:tls');
/** node:http, loaded on first use. */
export const nodeHttp: () => typeof Http = lazy('node:http');
/** node:https, loaded on first use. */
export const nodeHttps: () => typeof Https = lazy('node:https');
/** node:zlib, loaded on first use. */
export const nodeZlib: () => typeof Zlib = lazy('node:zlib');
/** node:dns/promises, loaded on first use. */
export const nodeDns: () => typeof DnsPromises = lazy('node:dns/promises');
