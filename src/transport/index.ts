/**
 * Opens the transport a URL's scheme asks for: rtmp:// → TCP, rtmps:// → TLS, either
 * optionally through a SOCKS4 proxy (librtmp `socks=`); rtmpt:// → RTMP in HTTP POSTs,
 * rtmpts:// → the same over HTTPS (notes/protocol.md §4.2, rtmpt.ts). rtmpe://,
 * rtmpte:// and rtmfp:// are not implemented and fail early with
 * `ERR_RTMP_UNSUPPORTED_PROTOCOL` (before any network I/O), as does SOCKS with rtmpt.
 */
import { RTMPUsageError } from '../errors.js';
import { connectRtmpt } from './rtmpt.js';
import { type SocksProxy, socks4Connect } from './socks4.js';
import { connectTcp, formatHostPort } from './tcp.js';
import { connectTls, type TlsOptions } from './tls.js';
import type { ConnectTarget, Transport } from './transport.js';

export { connectRtmpt, type RtmptOptions, RtmptStream } from './rtmpt.js';
export {
  parseSessionId,
  RTMPT_CONTENT_TYPE,
  RTMPT_HEADERS,
  RtmptProtocol,
  type RtmptProtocolOptions,
  type RtmptReply,
  type RtmptRequest,
} from './rtmpt-protocol.js';
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
export const SUPPORTED_SCHEMES: readonly RTMPScheme[] = ['rtmp', 'rtmps', 'rtmpt', 'rtmpts'];

/** What `openTransport` needs. */
export interface OpenTransportOptions extends ConnectTarget {
  /** The URL scheme (lower case). */
  scheme: string;
  /** SOCKS4 proxy to tunnel through. */
  socks?: SocksProxy;
  /** TLS options for rtmps:// and rtmpts:// (verification on by default). */
  tls?: TlsOptions;
}

/**
 * Throws `ERR_RTMP_UNSUPPORTED_PROTOCOL` for schemes without a transport yet, e.g.
 * `rtmpt:// is not supported yet`.
 */
export function checkScheme(scheme: string): void {
  const s = scheme.toLowerCase();
  if ((SUPPORTED_SCHEMES as readonly string[]).includes(s)) return;
  const known = ['rtmpe', 'rtmpte', 'rtmfp'].includes(s);
  throw new RTMPUsageError(
    known
      ? `${s}:// is not supported yet (rtmpkit connects with rtmp://, rtmps://, rtmpt:// and rtmpts://)`
      : `unknown URL scheme "${scheme}://" (want rtmp://, rtmps://, rtmpt:// or rtmpts://)`,
    { code: 'ERR_RTMP_UNSUPPORTED_PROTOCOL' },
  );
}

/** Connects: [SOCKS4 tunnel] → [TLS] and returns the transport. */
export async function openTransport(options: OpenTransportOptions): Promise<Transport> {
  checkScheme(options.scheme);
  const scheme = options.scheme.toLowerCase();
  if (scheme === 'rtmpt' || scheme === 'rtmpts') {
    if (options.socks) {
      throw new RTMPUsageError(`${scheme}:// through a SOCKS proxy is not supported`, {
        code: 'ERR_RTMP_UNSUPPORTED_PROTOCOL',
      });
    }
    const t: ConnectTarget = { host: options.host, port: options.port };
    if (options.timeoutMs !== undefined) t.timeoutMs = options.timeoutMs;
    if (options.signal !== undefined) t.signal = options.signal;
    return connectRtmpt(t, { secure: scheme === 'rtmpts', ...(options.tls ? { tls: options.tls } : {}) });
  }
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
