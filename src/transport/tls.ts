/**
 * TLS for rtmps:// (plain RTMP inside TLS, RFC 8446/5246). Unlike librtmp — no
 * verification, no SNI — certificates and host names are verified by default and SNI
 * is sent for host names (never for IP literals, which TLS forbids as SNI).
 *
 * Invariants: resolves only after the TLS handshake succeeded (and verification, when
 * on); a verification failure is an `RTMPConnectionError` with code
 * `ERR_RTMP_TLS` and the OpenSSL error as `cause`.
 *
 * Read path: a TLS connection of its own decrypts into one reused buffer (`onread`, as
 * tcp.ts does), instead of a fresh Buffer and a trip through the Readable stream per
 * 16 KiB TLS record, and the records of one event-loop turn are decrypted one after the
 * other into it and handed on as one read (`reusedReads(true)`); over a given socket (a
 * proxy tunnel) Node ignores `onread` and the reads come as 'data'.
 */
import { isIP, type Socket } from 'node:net';
import type { ConnectionOptions, PeerCertificate } from 'node:tls';
import { ConnectionCode } from '../error-codes.js';
import { RTMPConnectionError } from '../errors.js';
import { nodeTls } from '../util/builtins.js';
import { awaitSocket, checkPort, formatHostPort, type OnReadOption, reusedReads } from './tcp.js';
import type { ConnectTarget } from './transport.js';

/** TLS options of the client (`tls` constructor option). Verification is on unless turned off. */
export interface TlsOptions {
  /** Trusted CA certificate(s) in PEM, replacing Node's default bundle. */
  ca?: string | Buffer | (string | Buffer)[];
  /** SNI and the name the certificate must match (default: the URL's host, unless it is an IP). */
  servername?: string;
  /** Verify the server's certificate chain and name (default true). */
  rejectUnauthorized?: boolean;
  /** Custom host-name check, as `tls.connect` takes it. */
  checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
  /** Minimum TLS version (default Node's). */
  minVersion?: ConnectionOptions['minVersion'];
  /** Maximum TLS version (default Node's). */
  maxVersion?: ConnectionOptions['maxVersion'];
  /** Client certificate (PEM) and key, for servers that ask for one. */
  cert?: string | Buffer;
  /** Private key (PEM) of `cert`. */
  key?: string | Buffer;
}

/**
 * Starts TLS to `target` — over `socket` when given (a SOCKS tunnel), else over a new
 * TCP connection — and resolves with the secured socket.
 */
export async function connectTls(
  target: ConnectTarget,
  options: TlsOptions = {},
  socket?: Socket,
): Promise<Socket> {
  checkPort(target.port);
  const servername = options.servername ?? (isIP(target.host) === 0 ? target.host : undefined);
  const opts: ConnectionOptions = {
    host: target.host,
    port: target.port,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
  };
  if (servername !== undefined) opts.servername = servername;
  if (options.ca !== undefined) opts.ca = options.ca;
  if (options.checkServerIdentity !== undefined) opts.checkServerIdentity = options.checkServerIdentity;
  if (options.minVersion !== undefined) opts.minVersion = options.minVersion;
  if (options.maxVersion !== undefined) opts.maxVersion = options.maxVersion;
  if (options.cert !== undefined) opts.cert = options.cert;
  if (options.key !== undefined) opts.key = options.key;
  const reads = socket === undefined ? reusedReads(true) : undefined;
  if (socket !== undefined) opts.socket = socket;
  // `onread` is a tls.connect option since Node 12.3 (not in @types/node's ConnectionOptions).
  else (opts as ConnectionOptions & { onread?: OnReadOption }).onread = reads!.onread;
  const tls = nodeTls().connect(opts);
  reads?.attach(tls);
  const what = `${formatHostPort(target.host, target.port)} (TLS)`;
  try {
    await awaitSocket(tls, 'secureConnect', target, what);
  } catch (err) {
    socket?.destroy();
    if (err instanceof RTMPConnectionError && err.cause !== undefined) {
      throw new RTMPConnectionError(err.message, { code: ConnectionCode.RTMP_TLS, cause: err.cause });
    }
    throw err;
  }
  tls.setNoDelay(true);
  return tls;
}
