/**
 * Opens the transport a URL's scheme asks for: rtmp:// → TCP, rtmps:// → TLS, either
 * optionally through a SOCKS4 proxy (librtmp `socks=`). rtmpt://, rtmpe://, rtmpte://,
 * rtmpts:// and rtmfp:// are not implemented yet and fail early with
 * `ERR_RTMP_UNSUPPORTED_PROTOCOL` (before any network I/O).
 */
import { RTMPUsageError } from '../errors.js';
import { type SocksProxy, socks4Connect } from './socks4.js';
import { connectTcp, formatHostPort } from './tcp.js';
import { connectTls, type TlsOptions } from './tls.js';
import type { ConnectTarget, Transport } from './transport.js';

export {
  decodeSocks4Reply,
  encodeSocks4Connect,
  SOCKS_DEFAULT_PORT,
  Socks4Status,
  type SocksProxy,
  socks4Connect,
} from './socks4.js';
export { checkPort, connectTcp, formatHostPort } from './tcp.js';
export { connectTls, type TlsOptions } from './tls.js';
export type { ConnectTarget, Transport } from './transport.js';

/** URL schemes rtmpkit knows (librtmp's set). */
export type RTMPScheme = 'rtmp' | 'rtmps' | 'rtmpt' | 'rtmpe' | 'rtmpte' | 'rtmpts' | 'rtmfp';

/** Schemes the client connects with today. */
export const SUPPORTED_SCHEMES: readonly RTMPScheme[] = ['rtmp', 'rtmps'];

/** What `openTransport` needs. */
export interface OpenTransportOptions extends ConnectTarget {
  /** The URL scheme (lower case). */
  scheme: string;
  /** SOCKS4 proxy to tunnel through. */
  socks?: SocksProxy;
  /** TLS options for rtmps:// (verification on by default). */
  tls?: TlsOptions;
}

/**
 * Throws `ERR_RTMP_UNSUPPORTED_PROTOCOL` for schemes without a transport yet, e.g.
 * `rtmpt:// is not supported yet`.
 */
export function checkScheme(scheme: string): void {
  const s = scheme.toLowerCase();
  if (s === 'rtmp' || s === 'rtmps') return;
  const known = ['rtmpt', 'rtmpe', 'rtmpte', 'rtmpts', 'rtmfp'].includes(s);
  throw new RTMPUsageError(
    known
      ? `${s}:// is not supported yet (rtmpkit connects with rtmp:// and rtmps://)`
      : `unknown URL scheme "${scheme}://" (want rtmp:// or rtmps://)`,
    { code: 'ERR_RTMP_UNSUPPORTED_PROTOCOL' },
  );
}

/** Connects: [SOCKS4 tunnel] → [TLS] and returns the transport. */
export async function openTransport(options: OpenTransportOptions): Promise<Transport> {
  checkScheme(options.scheme);
  const target: ConnectTarget = { host: options.host, port: options.port };
  if (options.timeoutMs !== undefined) target.timeoutMs = options.timeoutMs;
  if (options.signal !== undefined) target.signal = options.signal;
  let description = formatHostPort(options.host, options.port);
  let socket = options.socks ? await socks4Connect(options.socks, target) : undefined;
  if (options.socks) description += ` via socks4 ${formatHostPort(options.socks.host, options.socks.port)}`;
  if (options.scheme.toLowerCase() === 'rtmps') {
    socket = await connectTls(target, options.tls, socket);
    description += ' (TLS)';
  } else if (socket === undefined) {
    socket = await connectTcp(target);
  }
  return { socket, description };
}
