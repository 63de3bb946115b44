/**
 * Typed errors for rtmpkit.
 *
 * Every failure rtmpkit reports is an `RTMPError` with a stable string `code`
 * (`ERR_RTMP_*`, `ERR_AMF_*`, `ERR_CHUNK_*`, `ERR_HANDSHAKE_*`, ...), an optional
 * `cause`, and — where a server gave one — its `info` object. Subclasses say who
 * is at fault: the peer (`RTMPProtocolError`), the network (`RTMPConnectionError`),
 * the clock (`RTMPTimeoutError`) or the caller (`RTMPUsageError`).
 */

/** Options accepted by every rtmpkit error constructor. */
export interface RTMPErrorOptions {
  /** Stable machine-readable code, e.g. `ERR_AMF_TRUNCATED`. */
  code?: string;
  /** The underlying error, if any. */
  cause?: unknown;
  /** The server's information object (e.g. an `_error` or `onStatus` info), if any. */
  info?: unknown;
}

/** Base class of every error rtmpkit throws (python-librtmp's `RTMPError`). */
export class RTMPError extends Error {
  /** Stable machine-readable error code. */
  readonly code: string;
  /** The server's information object, when the error came from the server. */
  readonly info: unknown;

  constructor(message: string, options: RTMPErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'ERR_RTMP';
    this.info = options.info;
  }
}

/** A wait ran past its deadline (python-librtmp's `RTMPTimeoutError`). */
export class RTMPTimeoutError extends RTMPError {
  constructor(message: string, options: RTMPErrorOptions = {}) {
    super(message, { code: 'ERR_RTMP_TIMEOUT', ...options });
  }
}

/** The peer (or a file, or encoded bytes) broke the protocol's rules. */
export class RTMPProtocolError extends RTMPError {
  constructor(message: string, options: RTMPErrorOptions = {}) {
    super(message, { code: 'ERR_RTMP_PROTOCOL', ...options });
  }
}

/** AMF bytes could not be decoded, or a value could not be encoded. Codes are `ERR_AMF_*`. */
export class AMFError extends RTMPProtocolError {
  constructor(message: string, code: string, options: Omit<RTMPErrorOptions, 'code'> = {}) {
    super(message, { ...options, code });
  }
}

/** The transport failed: refused, reset, closed, DNS, TLS. */
export class RTMPConnectionError extends RTMPError {
  constructor(message: string, options: RTMPErrorOptions = {}) {
    super(message, { code: 'ERR_RTMP_CONNECTION', ...options });
  }
}

/** The caller used the API wrongly: bad option, bad argument, wrong state. */
export class RTMPUsageError extends RTMPError {
  constructor(message: string, options: RTMPErrorOptions = {}) {
    super(message, { code: 'ERR_RTMP_USAGE', ...options });
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
    super(message, { ...options, code: 'ERR_RTMP_STREAM_CUT' });
    this.bytesDelivered = info.bytesDelivered;
    this.lastTimestamp = info.lastTimestamp;
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
  /** The option whose limit was exceeded, e.g. `maxConnectionsPerAddress`. */
  readonly limit: string;

  constructor(
    message: string,
    code: `ERR_SERVER_LIMIT_${string}`,
    limit: string,
    options: Omit<RTMPErrorOptions, 'code'> = {},
  ) {
    super(message, { ...options, code });
    this.limit = limit;
  }
}
