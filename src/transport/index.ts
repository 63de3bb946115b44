/**
 * Opens the transport a URL's scheme asks for: rtmp:// and rtmpe:// → TCP, rtmps:// →
 * TLS; rtmpt:// and rtmpte:// → RTMP in HTTP POSTs, rtmpts:// → the same over HTTPS
 * (rtmpt.ts). Every one of them can go through a proxy — librtmp's `socks=host:port`
 * (SOCKS4) or a proxy URL (SOCKS4, SOCKS4a, SOCKS5, HTTP CONNECT; proxy.ts); under the
 * tunnel schemes each HTTP connection is made through it. RTMPE's encryption is not the
 * transport's: the session runs it over these bytes after the handshake
 * (handshake/rtmpe.ts). `checkScheme` is the client's gate: rtmfp:// is refused with
 * `ERR_RTMP_UNSUPPORTED_PROTOCOL`.
 */
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import type { SocksProxy } from '../url/options.js';
import { connectViaProxy, describeProxy, type ProxyConfig, parseProxyUrl } from './proxy.js';
import { connectRtmpt } from './rtmpt.js';
import { connectTcp, formatHostPort } from './tcp.js';
import { connectTls, type TlsOptions } from './tls.js';
import type { ConnectTarget, Transport } from './transport.js';

export type { SocksProxy } from '../url/options.js';
export {
  encodeHttpConnect,
  HttpConnectNegotiation,
  MAX_CONNECT_RESPONSE,
} from './http-connect.js';
export {
  connectViaProxy,
  describeProxy,
  type ProxyConfig,
  type ProxyProtocol,
  parseProxyUrl,
} from './proxy.js';
export { type ProxyErrorInfo, RTMPProxyError } from './proxy-errors.js';
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
  Socks4Negotiation,
  Socks4Status,
} from './socks4.js';
export {
  type ProxyCredentials,
  type ProxyStep,
  Socks5Negotiation,
  Socks5Reply,
  socks5Address,
} from './socks5.js';
export { checkPort, connectTcp, formatHostPort } from './tcp.js';
export { connectTls, type TlsOptions } from './tls.js';
export type { ConnectTarget, Transport } from './transport.js';

/** URL schemes rtmpkit knows (librtmp's set). */
export type RTMPScheme = 'rtmp' | 'rtmps' | 'rtmpt' | 'rtmpe' | 'rtmpte' | 'rtmpts' | 'rtmfp';

/** Schemes the client connects with. */
export const SUPPORTED_SCHEMES: readonly RTMPScheme[] = [
  'rtmp',
  'rtmps',
  'rtmpt',
  'rtmpts',
  'rtmpe',
  'rtmpte',
];

/** Whether `scheme` is RTMPE (rtmpe://, or rtmpte:// inside the HTTP tunnel). */
export function isRtmpeScheme(scheme: string): boolean {
  const s = scheme.toLowerCase();
  return s === 'rtmpe' || s === 'rtmpte';
}

/** What `openTransport` needs. */
export interface OpenTransportOptions extends ConnectTarget {
  /** The URL scheme (lower case). */
  scheme: string;
  /** librtmp's `socks=host:port`: a SOCKS4 proxy (target resolved locally). */
  socks?: SocksProxy;
  /** A proxy URL (`socks5://user:pass@h:p`, `socks4a://h:p`, `http://h:p`) or its parsed form. */
  proxy?: string | ProxyConfig;
  /** TLS options for rtmps:// and rtmpts:// (verification on by default). */
  tls?: TlsOptions;
}

const SCHEME_LIST = 'rtmp://, rtmps://, rtmpe://, rtmpt://, rtmpte:// and rtmpts://';

/** Throws `ERR_RTMP_UNSUPPORTED_PROTOCOL` for schemes the client cannot use (rtmfp://, unknown ones). */
export function checkScheme(scheme: string): void {
  const s = scheme.toLowerCase();
  if ((SUPPORTED_SCHEMES as readonly string[]).includes(s)) return;
  throw new RTMPUsageError(
    s === 'rtmfp'
      ? `rtmfp:// (UDP) is not supported (rtmpkit connects with ${SCHEME_LIST})`
      : `unknown URL scheme "${scheme}://" (want ${SCHEME_LIST})`,
    { code: UsageCode.RTMP_UNSUPPORTED_PROTOCOL },
  );
}

/** The byte pipe under each scheme (RTMPE and RTMPTE add encryption on top, in the session). */
const CARRIER: Record<string, 'tcp' | 'tls' | 'http' | 'https'> = {
  rtmp: 'tcp',
  rtmpe: 'tcp',
  rtmps: 'tls',
  rtmpt: 'http',
  rtmpte: 'http',
  rtmpts: 'https',
};

/** The proxy to use: `proxy` (a URL or config) or librtmp's `socks` (SOCKS4); never both. */
function proxyOf(options: OpenTransportOptions): ProxyConfig | undefined {
  if (options.proxy !== undefined && options.socks !== undefined) {
    throw new RTMPUsageError('give either socks (librtmp SOCKS4) or proxy, not both', {
      code: UsageCode.RTMP_OPTION,
    });
  }
  if (options.socks) return { protocol: 'socks4', host: options.socks.host, port: options.socks.port };
  if (options.proxy === undefined) return undefined;
  return typeof options.proxy === 'string' ? parseProxyUrl(options.proxy) : options.proxy;
}

/** Connects: [proxy tunnel] → [TLS] (or the RTMPT tunnel) and returns the transport. */
export async function openTransport(options: OpenTransportOptions): Promise<Transport> {
  const scheme = options.scheme.toLowerCase();
  const carrier = CARRIER[scheme];
  if (carrier === undefined) checkScheme(scheme);
  const proxy = proxyOf(options);
  const target: ConnectTarget = { host: options.host, port: options.port };
  if (options.timeoutMs !== undefined) target.timeoutMs = options.timeoutMs;
  if (options.signal !== undefined) target.signal = options.signal;
  if (isRtmpeScheme(scheme)) target.rc4Reads = true;
  if (carrier === 'http' || carrier === 'https') {
    return connectRtmpt(target, {
      secure: carrier === 'https',
      ...(options.tls ? { tls: options.tls } : {}),
      ...(proxy ? { proxy } : {}),
    });
  }
  let description = formatHostPort(options.host, options.port);
  let socket = proxy ? await connectViaProxy(proxy, target) : undefined;
  if (proxy) description += ` via ${describeProxy(proxy)}`;
  if (carrier === 'tls') {
    socket = await connectTls(target, options.tls, socket);
    description += ' (TLS)';
  } else if (socket === undefined) {
    socket = await connectTcp(target);
  }
  return { socket, description };
}
