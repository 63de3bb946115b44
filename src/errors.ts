/**
 * Typed errors for rtmpkit.
 *
 * Every failure rtmpkit reports is an `RTMPError` with a stable string `code`
 * (`ERR_RTMP_*`, `ERR_AMF_*`, `ERR_CHUNK_*`, `ERR_HANDSHAKE_*`, ...), an optional
 * `cause`, and — where a server gave one — its `info` object. Subclasses say who
 * is at fault: the peer (`RTMPProtocolError`), the network (`RTMPConnectionError`),
 * the clock (`RTMPTimeoutError`) or the caller (`RTMPUsageError`); narrower classes
 * (`AMFError`, `RTMPHandshakeError`, `RTMPStreamCutError`, `RTMPProxyError`,
 * `RTMPAuthError`, `SwfHttpError`) refine them.
 *
 * Invariant: every code is registered in error-codes.ts under the one class that
 * carries it, and each constructor accepts only its own group's codes, so class and
 * code always agree.
 */
import {
  type AmfCode,
  type AuthCode,
  ConnectionCode,
  type ErrorCode,
  GeneralCode,
  type HandshakeCode,
  type LimitCode,
  ProtocolCode,
  type ProxyCode,
  StreamCutCode,
  SwfHttpCode,
  TimeoutCode,
  UsageCode,
} from './error-codes.js';

/** Options accepted by rtmpkit error constructors; `C` is the codes the class carries. */
export interface RTMPErrorOptions<C extends ErrorCode = GeneralCode> {
  /** Stable machine-readable code, e.g. `ERR_AMF_TRUNCATED` (every code: docs/errors.md). */
  code?: C;
  /** The underlying error, if any. */
  cause?: unknown;
  /** The server's information object (e.g. an `_error` or `onStatus` info), if any. */
  info?: unknown;
}

/**
 * A subclass's code on its way through a parent constructor, whose own parameter type
 * admits only the parent's group: the subclass's constructor already typed it.
 */
function inherited<C extends ErrorCode>(options: RTMPErrorOptions<C>): RTMPErrorOptions<never> {
  return options as RTMPErrorOptions<never>;
}

/** Base class of every error rtmpkit throws (python-librtmp's `RTMPError`). */
export class RTMPError extends Error {
  /** Stable machine-readable error code (every code: docs/errors.md). */
  readonly code: ErrorCode;
  /** The server's information object, when the error came from the server. */
  readonly info: unknown;

  constructor(message: string, options: RTMPErrorOptions<GeneralCode> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? GeneralCode.RTMP;
    this.info = options.info;
  }
}

/** A wait ran past its deadline (python-librtmp's `RTMPTimeoutError`). */
export class RTMPTimeoutError extends RTMPError {
  constructor(message: string, options: RTMPErrorOptions<TimeoutCode> = {}) {
    super(message, inherited({ ...options, code: options.code ?? TimeoutCode.RTMP_TIMEOUT }));
  }
}

/** The peer (or a file, or encoded bytes) broke the protocol's rules. */
export class RTMPProtocolError extends RTMPError {
  constructor(message: string, options: RTMPErrorOptions<ProtocolCode> = {}) {
    super(message, inherited({ ...options, code: options.code ?? ProtocolCode.RTMP_PROTOCOL }));
  }
}

/** AMF bytes could not be decoded, or a value could not be encoded. Codes are `ERR_AMF_*`. */
export class AMFError extends RTMPProtocolError {
  declare readonly code: AmfCode;

  constructor(message: string, code: AmfCode, options: Omit<RTMPErrorOptions, 'code'> = {}) {
    super(message, inherited({ ...options, code }));
  }
}

/** The peer broke the handshake (RTMP-SPEC §5.2); codes are `ERR_HANDSHAKE_*`. */
export class RTMPHandshakeError extends RTMPProtocolError {
  declare readonly code: HandshakeCode;

  constructor(message: string, code: HandshakeCode, options: { cause?: unknown } = {}) {
    super(message, inherited({ ...options, code }));
  }
}

/** The transport failed: refused, reset, closed, DNS, TLS. */
export class RTMPConnectionError extends RTMPError {
  constructor(message: string, options: RTMPErrorOptions<ConnectionCode> = {}) {
    super(message, inherited({ ...options, code: options.code ?? ConnectionCode.RTMP_CONNECTION }));
  }
}

/** The caller used the API wrongly: bad option, bad argument, wrong state. */
export class RTMPUsageError extends RTMPError {
  constructor(message: string, options: RTMPErrorOptions<UsageCode> = {}) {
    super(message, inherited({ ...options, code: options.code ?? UsageCode.RTMP_USAGE }));
  }
}

/** What a resume needs to know about a stream that was cut (`RTMPStreamCutError`). */
export interface StreamCutInfo {
  /** Bytes handed to the reader: FLV bytes (`read`, iteration, `toReadable`), or payload bytes (`packets`). */
  bytesDelivered: number;
  /** Timestamp (ms) of the last audio/video message handed to the reader completely; undefined before any. */
  lastTimestamp: number | undefined;
}

/**
 * A played stream's connection ended before the stream did — no NetStream.Play.Complete,
 * Play.Stop or Play.UnpublishNotify (the TCP connection closed, mid-message or between
 * messages, or the server sent `close`). Raised by the stream's readers after every
 * byte received has been delivered; `cause` is the connection's own error, if any.
 * Code `ERR_RTMP_STREAM_CUT`.
 */
export class RTMPStreamCutError extends RTMPConnectionError implements StreamCutInfo {
  readonly bytesDelivered: number;
  readonly lastTimestamp: number | undefined;

  constructor(message: string, info: StreamCutInfo, options: Omit<RTMPErrorOptions, 'code'> = {}) {
    super(message, inherited({ ...options, code: StreamCutCode.RTMP_STREAM_CUT }));
    this.bytesDelivered = info.bytesDelivered;
    this.lastTimestamp = info.lastTimestamp;
  }
}

/** What a proxy error reports about the proxy's answer. */
export interface ProxyErrorInfo {
  /** `socks4`, `socks4a`, `socks5` or `http`. */
  proxy: string;
  /** The proxy's reply code (SOCKS reply byte, RFC 1929 status, HTTP status), when it gave one. */
  status?: number;
}

/**
 * A SOCKS4/4a, SOCKS5 (RFC 1928/1929) or HTTP CONNECT
 * (RFC 9110 §9.3.6) proxy refused or broke the tunnel; codes are `ERR_PROXY_*`. `info`
 * names the proxy protocol and its reply code, never its credentials.
 */
export class RTMPProxyError extends RTMPConnectionError {
  declare readonly code: ProxyCode;
  declare readonly info: ProxyErrorInfo;

  constructor(message: string, code: ProxyCode, info: ProxyErrorInfo, options: { cause?: unknown } = {}) {
    super(message, inherited({ ...options, code, info }));
  }
}

/**
 * Publisher authentication (adobe, llnw) failed; codes are `ERR_AUTH_*`. `info` may
 * carry the server's status object.
 */
export class RTMPAuthError extends RTMPError {
  declare readonly code: AuthCode;

  constructor(message: string, code: AuthCode, options: { info?: unknown; cause?: unknown } = {}) {
    super(message, inherited({ ...options, code }));
  }
}

/** The SWF's web server answered other than 2xx or a usable 304 (`ERR_SWF_HTTP`). */
export class SwfHttpError extends RTMPError {
  /** The HTTP status code. */
  readonly status: number;
  /** The `Location` of a 3xx answer, if any. */
  readonly location: string | undefined;

  constructor(message: string, status: number, location?: string) {
    super(message, inherited({ code: SwfHttpCode.SWF_HTTP, info: { status, location } }));
    this.status = status;
    this.location = location;
  }
}

/**
 * A client of the embedded server went over one of the server's limits (connections in
 * total or per address, handshake/connect/message deadlines, buffered input or output,
 * command rate or size, metadata size); the server refused it or cut it off, and its
 * other clients are unaffected. Codes are `ERR_SERVER_LIMIT_*`; `limit` names the
 * `RTMPServerOptions` field that was exceeded.
 */
export class RTMPLimitError extends RTMPError {
  declare readonly code: LimitCode;
  /** The option whose limit was exceeded, e.g. `maxConnectionsPerAddress`. */
  readonly limit: string;

  constructor(message: string, code: LimitCode, limit: string, options: Omit<RTMPErrorOptions, 'code'> = {}) {
    super(message, inherited({ ...options, code }));
    this.limit = limit;
  }
}
