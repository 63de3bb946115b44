/**
 * The registry of every error code rtmpkit uses, grouped by the class that carries it.
 *
 * Invariants (checked by test/unit/error-codes.test.ts and enforced by the error
 * constructors' types):
 * - each code is defined here once, as `KEY: 'ERR_KEY'`, with a one-line meaning;
 * - a code belongs to exactly one class: the constructor of that class accepts only the
 *   codes of its group, so class and code always agree;
 * - nothing else in the sources spells an `ERR_…` code as a string literal.
 *
 * docs/errors.md is generated from this file (`npm run docs`).
 */

/** Codes of `RTMPError` itself: a request the server (or a remote) refused, with its answer in `info`. */
export const GeneralCode = {
  /** An error with no more specific code. */
  RTMP: 'ERR_RTMP',
  /** The server rejected `connect` (NetConnection.Connect.Rejected or `_error`); `info` is its answer. */
  RTMP_CONNECT_REJECTED: 'ERR_RTMP_CONNECT_REJECTED',
  /** Publisher authentication needs a new connection; rtmpkit reconnects by itself (internal). */
  RTMP_AUTH_RETRY: 'ERR_RTMP_AUTH_RETRY',
  /** The server answered `createStream` with `_error`. */
  RTMP_CREATE_STREAM_FAILED: 'ERR_RTMP_CREATE_STREAM_FAILED',
  /** The server answered `createStream` with a stream id another stream of this connection uses. */
  RTMP_STREAM_ID_IN_USE: 'ERR_RTMP_STREAM_ID_IN_USE',
  /** A remote call was answered with `_error`; `info` is the server's error object. */
  RTMP_CALL_FAILED: 'ERR_RTMP_CALL_FAILED',
  /** `play` failed: NetStream.Play.StreamNotFound, .Failed or another error status. */
  RTMP_PLAY_FAILED: 'ERR_RTMP_PLAY_FAILED',
  /** `publish` failed: NetStream.Publish.BadName, .Denied or another error status. */
  RTMP_PUBLISH_FAILED: 'ERR_RTMP_PUBLISH_FAILED',
  /** `seek` failed: NetStream.Seek.Failed or .InvalidTime. */
  RTMP_SEEK_FAILED: 'ERR_RTMP_SEEK_FAILED',
  /** A seek was superseded by a newer seek before the server answered it. */
  RTMP_SEEK_SUPERSEDED: 'ERR_RTMP_SEEK_SUPERSEDED',
  /** A call the server made to a client was answered with `_error`. */
  SERVER_CALL_FAILED: 'ERR_SERVER_CALL_FAILED',
  /** A server hook threw something that is not an `RTMPError`. */
  SERVER_INTERNAL: 'ERR_SERVER_INTERNAL',
  /** A session handler threw something that is not an `RTMPError` (a bug; please report it). */
  SESSION_INTERNAL: 'ERR_SESSION_INTERNAL',
  /** Reading an MP4 file failed; `cause` is the system error. */
  MP4_IO: 'ERR_MP4_IO',
  /** A SWF is not a SWF (bad signature, bad zlib data, empty body). */
  SWF_FORMAT: 'ERR_SWF_FORMAT',
  /** A SWF is larger than `maxSize` once decompressed. */
  SWF_TOO_LARGE: 'ERR_SWF_TOO_LARGE',
  /** A SWF is LZMA-compressed (ZWS), which rtmpkit does not decompress. */
  SWF_UNSUPPORTED: 'ERR_SWF_UNSUPPORTED',
} as const;

/** Codes of `SwfHttpError`: the SWF's web server answered with an unusable HTTP status. */
export const SwfHttpCode = {
  /** An HTTP answer other than 2xx or a usable 304; `status` and `location` say which. */
  SWF_HTTP: 'ERR_SWF_HTTP',
} as const;

/** Codes of `RTMPTimeoutError`: a wait ran past its deadline. */
export const TimeoutCode = {
  /** A wait timed out (`timeout` option, `waitFor`, a server's call to a client). */
  RTMP_TIMEOUT: 'ERR_RTMP_TIMEOUT',
  /** The TCP/TLS/proxy connection or the answer to `connect` took longer than `timeout`. */
  RTMP_CONNECT_TIMEOUT: 'ERR_RTMP_CONNECT_TIMEOUT',
  /** The server did not complete the handshake in time. */
  RTMP_HANDSHAKE_TIMEOUT: 'ERR_RTMP_HANDSHAKE_TIMEOUT',
  /** No byte arrived from the peer for longer than the idle limit. */
  RTMP_IDLE_TIMEOUT: 'ERR_RTMP_IDLE_TIMEOUT',
  /** Writing to the peer stalled (the socket stayed full) for longer than the write limit. */
  RTMP_WRITE_TIMEOUT: 'ERR_RTMP_WRITE_TIMEOUT',
  /** A played stream got no audio or video for `mediaTimeout` seconds, whatever control traffic flowed. */
  RTMP_NO_MEDIA: 'ERR_RTMP_NO_MEDIA',
  /** A played stream's media came slower than the `minMediaRate` the recorder asked for. */
  RTMP_MEDIA_TOO_SLOW: 'ERR_RTMP_MEDIA_TOO_SLOW',
  /** An RTMPT HTTP request was not answered in time. */
  RTMPT_REQUEST_TIMEOUT: 'ERR_RTMPT_REQUEST_TIMEOUT',
  /** Fetching a SWF for verification made no progress in time. */
  SWF_TIMEOUT: 'ERR_SWF_TIMEOUT',
} as const;

/** Codes of `RTMPProtocolError`: the peer, a file or encoded bytes broke the format's rules. */
export const ProtocolCode = {
  /** The peer broke the protocol, no more specific code. */
  RTMP_PROTOCOL: 'ERR_RTMP_PROTOCOL',
  /** The server's answer to a command we sent (connect, createStream, a call) does not decode. */
  RTMP_MALFORMED_ANSWER: 'ERR_RTMP_MALFORMED_ANSWER',
  /** A chunk header declared a message longer than `maxMessageSize` (RTMP-SPEC §5.3.1.2). */
  CHUNK_MESSAGE_TOO_LARGE: 'ERR_CHUNK_MESSAGE_TOO_LARGE',
  /** The peer opened more chunk streams than `maxChunkStreams`. */
  CHUNK_TOO_MANY_STREAMS: 'ERR_CHUNK_TOO_MANY_STREAMS',
  /** A Set Chunk Size carried 0 or fewer than 4 payload bytes (RTMP-SPEC §5.4.1). */
  CHUNK_INVALID_CHUNK_SIZE: 'ERR_CHUNK_INVALID_CHUNK_SIZE',
  /** A Set Chunk Size exceeded `maxChunkSize`. */
  CHUNK_CHUNK_SIZE_TOO_LARGE: 'ERR_CHUNK_CHUNK_SIZE_TOO_LARGE',
  /** An Abort Message carried fewer than 4 payload bytes (RTMP-SPEC §5.4.2). */
  CHUNK_INVALID_ABORT: 'ERR_CHUNK_INVALID_ABORT',
  /** A message payload is shorter than its fixed layout. */
  MESSAGE_TRUNCATED: 'ERR_MESSAGE_TRUNCATED',
  /** Set Chunk Size with bit 31 set, or 0 (RTMP-SPEC §5.4.1). */
  MESSAGE_BAD_CHUNK_SIZE: 'ERR_MESSAGE_BAD_CHUNK_SIZE',
  /** A type 15/16/17 message's format selector byte is not 0. */
  MESSAGE_BAD_FORMAT: 'ERR_MESSAGE_BAD_FORMAT',
  /** A command's AMF does not decode, or its name or transaction id are missing or mistyped. */
  MESSAGE_BAD_COMMAND: 'ERR_MESSAGE_BAD_COMMAND',
  /** A data message's AMF does not decode. */
  MESSAGE_BAD_DATA: 'ERR_MESSAGE_BAD_DATA',
  /** A shared object message's events do not decode. */
  MESSAGE_BAD_SHARED_OBJECT: 'ERR_MESSAGE_BAD_SHARED_OBJECT',
  /** An aggregate message's sub-messages overrun its payload (RTMP-SPEC §7.1.6). */
  SESSION_AGGREGATE_TRUNCATED: 'ERR_SESSION_AGGREGATE_TRUNCATED',
  /** A client's command lacks a required argument (play/publish without a stream name). */
  SESSION_BAD_COMMAND: 'ERR_SESSION_BAD_COMMAND',
  /** A client sent `connect` twice. */
  SESSION_DUPLICATE_CONNECT: 'ERR_SESSION_DUPLICATE_CONNECT',
  /** A client sent a command before its connection was accepted. */
  SESSION_NOT_CONNECTED: 'ERR_SESSION_NOT_CONNECTED',
  /** A client queued more commands than allowed while its `connect` was pending. */
  SESSION_TOO_MANY_EARLY_COMMANDS: 'ERR_SESSION_TOO_MANY_EARLY_COMMANDS',
  /** A client called `createStream` beyond `maxStreams`. */
  SESSION_TOO_MANY_STREAMS: 'ERR_SESSION_TOO_MANY_STREAMS',
  /** A client addressed a message stream it never created. */
  SESSION_UNKNOWN_STREAM: 'ERR_SESSION_UNKNOWN_STREAM',
  /** The server's secureToken challenge is not hex, or too long to answer. */
  RTMP_SECURE_TOKEN: 'ERR_RTMP_SECURE_TOKEN',
  /** An RTMPT `/open` answer is not a usable session id. */
  RTMPT_BAD_SESSION: 'ERR_RTMPT_BAD_SESSION',
  /** An RTMPT request was answered with an HTTP status other than 200. */
  RTMPT_HTTP: 'ERR_RTMPT_HTTP',
  /** RTMPT data was written after the tunnel was closed. */
  RTMPT_STATE: 'ERR_RTMPT_STATE',
  /** The input ended inside the FLV header, a tag header, a payload or a PreviousTagSize. */
  FLV_TRUNCATED: 'ERR_FLV_TRUNCATED',
  /** The FLV header is malformed ('FLV' signature seen, DataOffset < 9). */
  FLV_BAD_HEADER: 'ERR_FLV_BAD_HEADER',
  /** An FLV tag declared a DataSize above `maxTagSize`. */
  FLV_TAG_TOO_LARGE: 'ERR_FLV_TAG_TOO_LARGE',
  /** Strict mode: a PreviousTagSize differs from 11 + DataSize of the tag before it (FLV-10.1 §E.3). */
  FLV_BAD_PREVIOUS_TAG_SIZE: 'ERR_FLV_BAD_PREVIOUS_TAG_SIZE',
  /** Strict mode: an FLV tag header has one of its reserved bits set. */
  FLV_BAD_TAG_HEADER: 'ERR_FLV_BAD_TAG_HEADER',
  /** An audio/video payload ended inside its (legacy or E-RTMP) header fields. */
  FLV_MEDIA_TRUNCATED: 'ERR_FLV_MEDIA_TRUNCATED',
  /** An audio/video payload broke a structural rule (multitrack in multitrack, track size overrun). */
  FLV_MEDIA_INVALID: 'ERR_FLV_MEDIA_INVALID',
  /** A script data payload (or an E-RTMP Metadata body) is not valid AMF0; `cause` is the AMF error. */
  FLV_BAD_SCRIPT: 'ERR_FLV_BAD_SCRIPT',
  /** A partial FLV file has fewer keyframes than `--skip` asks to go back over. */
  FLV_NO_RESUME_POINT: 'ERR_FLV_NO_RESUME_POINT',
  /** Resuming: the stream passed the file's last keyframe without sending it again. */
  FLV_RESUME_FAILED: 'ERR_FLV_RESUME_FAILED',
  /**
   * Resuming: the stream, with the file's timestamps, started after the file's last keyframe
   * (nginx-rtmp's index lands on the next one); seeking 1 ms before that keyframe may find
   * it — the filter then takes it only with its own timestamp. Once; then `ERR_FLV_RESUME_FAILED`.
   */
  FLV_RESUME_PASSED: 'ERR_FLV_RESUME_PASSED',
  /** An MP4 box, or a field inside one, ends beyond its parent box or the file. */
  MP4_TRUNCATED: 'ERR_MP4_TRUNCATED',
  /** An MP4 box is malformed, or the file is not ISO-BMFF at all. */
  MP4_BAD_BOX: 'ERR_MP4_BAD_BOX',
  /** The MP4 file has no `moov` box, or a required box is missing. */
  MP4_NO_MOVIE: 'ERR_MP4_NO_MOVIE',
  /** The MP4 sample tables contradict each other. */
  MP4_BAD_TABLE: 'ERR_MP4_BAD_TABLE',
  /** An MP4 sample lies outside the file, or its composition offset does not fit an FLV tag. */
  MP4_BAD_SAMPLE: 'ERR_MP4_BAD_SAMPLE',
  /** An MP4 box, sample or count is larger than the reader's limits allow. */
  MP4_TOO_LARGE: 'ERR_MP4_TOO_LARGE',
} as const;

/** Codes of `AMFError` (an `RTMPProtocolError`): AMF0/AMF3 bytes that do not decode, values that do not encode. */
export const AmfCode = {
  /** The input ended inside an AMF value. */
  AMF_TRUNCATED: 'ERR_AMF_TRUNCATED',
  /** A type marker that no AMF version defines. */
  AMF_UNKNOWN_MARKER: 'ERR_AMF_UNKNOWN_MARKER',
  /** An AMF0 marker that is defined but not supported (movieclip, recordset). */
  AMF_UNSUPPORTED_MARKER: 'ERR_AMF_UNSUPPORTED_MARKER',
  /** An AMF0 object-end marker where a value was expected. */
  AMF_UNEXPECTED_OBJECT_END: 'ERR_AMF_UNEXPECTED_OBJECT_END',
  /** An empty property name not followed by the object-end marker. */
  AMF_BAD_OBJECT_END: 'ERR_AMF_BAD_OBJECT_END',
  /** A reference to an object, string or trait not yet seen. */
  AMF_BAD_REFERENCE: 'ERR_AMF_BAD_REFERENCE',
  /** An AMF3 array whose associative part has a key that clashes with its dense part. */
  AMF_BAD_KEY: 'ERR_AMF_BAD_KEY',
  /** A string is not valid UTF-8. */
  AMF_INVALID_UTF8: 'ERR_AMF_INVALID_UTF8',
  /** Values nest deeper than `maxDepth` (or than the call stack holds). */
  AMF_DEPTH: 'ERR_AMF_DEPTH',
  /** An AMF3 externalizable class without a registered reader/writer, or one that failed. */
  AMF_EXTERNALIZABLE: 'ERR_AMF_EXTERNALIZABLE',
  /** A value cannot be encoded (a symbol, a function, an over-long name). */
  AMF_ENCODE: 'ERR_AMF_ENCODE',
  /** A number is outside the range its AMF3 encoding (U29) holds. */
  AMF_RANGE: 'ERR_AMF_RANGE',
  /** A bad AMF codec option (`maxDepth`). */
  AMF_OPTION: 'ERR_AMF_OPTION',
} as const;

/** Codes of `RTMPHandshakeError` (an `RTMPProtocolError`): the peer broke the handshake (RTMP-SPEC §5.2). */
export const HandshakeCode = {
  /** S0/C0 is not the version we speak. */
  HANDSHAKE_VERSION: 'ERR_HANDSHAKE_VERSION',
  /** The peer wants RTMPE (6/8/9) where plain RTMP was asked, or answered 3 to an RTMPE client. */
  HANDSHAKE_RTMPE: 'ERR_HANDSHAKE_RTMPE',
  /** The peer speaks HTTP (wrong port or scheme: try rtmpt://). */
  HANDSHAKE_HTTP: 'ERR_HANDSHAKE_HTTP',
  /** The peer speaks TLS (try rtmps://). */
  HANDSHAKE_TLS: 'ERR_HANDSHAKE_TLS',
  /** Policy 'fp9': S1/C1 claims a version but carries no valid digest. */
  HANDSHAKE_BAD_DIGEST: 'ERR_HANDSHAKE_BAD_DIGEST',
  /** Policy 'fp9': the S2 signature does not match ("server not genuine"). */
  HANDSHAKE_BAD_SIGNATURE: 'ERR_HANDSHAKE_BAD_SIGNATURE',
  /** RTMPE: the peer's Diffie-Hellman public key is not a valid group element (RFC 2631 §2.1.5). */
  HANDSHAKE_BAD_DH_KEY: 'ERR_HANDSHAKE_BAD_DH_KEY',
} as const;

/** Codes of `RTMPConnectionError`: the transport failed or the connection ended. */
export const ConnectionCode = {
  /** The connection failed: refused, reset, DNS, unreachable. */
  RTMP_CONNECTION: 'ERR_RTMP_CONNECTION',
  /** The TLS handshake failed (certificate, protocol). */
  RTMP_TLS: 'ERR_RTMP_TLS',
  /** The server closed the connection. */
  RTMP_CONNECTION_CLOSED: 'ERR_RTMP_CONNECTION_CLOSED',
  /** The server sent the `close` command. */
  RTMP_SERVER_CLOSED: 'ERR_RTMP_SERVER_CLOSED',
  /** The operation needs a connection that is already closed. */
  RTMP_CLOSED: 'ERR_RTMP_CLOSED',
  /** The connection was aborted (`close()`, an abort signal) while the operation was pending. */
  RTMP_ABORTED: 'ERR_RTMP_ABORTED',
  /**
   * Following an E-RTMP ReconnectRequest failed (the new connection or a stream on it
   * failed, or the streams did not join in time); `cause` says why. The old connection is kept.
   */
  RTMP_RECONNECT_REQUEST_FAILED: 'ERR_RTMP_RECONNECT_REQUEST_FAILED',
  /** A server's client disconnected before answering a call. */
  SERVER_CLIENT_CLOSED: 'ERR_SERVER_CLIENT_CLOSED',
  /** Fetching a SWF for verification failed at the network level. */
  SWF_CONNECTION: 'ERR_SWF_CONNECTION',
} as const;

/** Codes of `RTMPStreamCutError` (an `RTMPConnectionError`). */
export const StreamCutCode = {
  /** A played stream's connection ended before the stream did; `bytesDelivered` says how far it got. */
  RTMP_STREAM_CUT: 'ERR_RTMP_STREAM_CUT',
} as const;

/** Codes of `RTMPProxyError` (an `RTMPConnectionError`): a SOCKS or HTTP proxy refused or broke the tunnel. */
export const ProxyCode = {
  /** The proxy wants credentials we were not given (SOCKS5 no acceptable method; HTTP 407/401). */
  PROXY_AUTH_REQUIRED: 'ERR_PROXY_AUTH_REQUIRED',
  /** The proxy refused the credentials (RFC 1929 status ≠ 0; HTTP 407/401 with them). */
  PROXY_AUTH_FAILED: 'ERR_PROXY_AUTH_FAILED',
  /** The proxy's rules refuse this destination (SOCKS5 reply 2, SOCKS4 91, HTTP 403). */
  PROXY_DENIED: 'ERR_PROXY_DENIED',
  /** The proxy could not reach the destination (SOCKS5 3–6, HTTP 502/503/504). */
  PROXY_UNREACHABLE: 'ERR_PROXY_UNREACHABLE',
  /** Any other refusal (SOCKS5 1/7/8, SOCKS4 92/93, another HTTP status). */
  PROXY_FAILED: 'ERR_PROXY_FAILED',
  /** The proxy closed the connection before answering. */
  PROXY_CLOSED: 'ERR_PROXY_CLOSED',
  /** The proxy's answer is not the protocol asked for (wrong version, oversize). */
  PROXY_PROTOCOL: 'ERR_PROXY_PROTOCOL',
} as const;

/** Codes of `RTMPAuthError`: publisher authentication (adobe, llnw) failed. */
export const AuthCode = {
  /** Wrong password, or the server refused our response. */
  AUTH_FAILED: 'ERR_AUTH_FAILED',
  /** The server does not know the user. */
  AUTH_NO_SUCH_USER: 'ERR_AUTH_NO_SUCH_USER',
  /** The server asks for credentials and we have none (pubUser/pubPasswd). */
  AUTH_NO_CREDENTIALS: 'ERR_AUTH_NO_CREDENTIALS',
  /** The server asks for an authmod other than adobe or llnw. */
  AUTH_UNSUPPORTED: 'ERR_AUTH_UNSUPPORTED',
  /** The server's challenge lacks its salt or nonce. */
  AUTH_BAD_CHALLENGE: 'ERR_AUTH_BAD_CHALLENGE',
} as const;

/**
 * Codes of `RTMPLimitError`: a client of the embedded server went over one of its limits
 * and was refused or cut off (`error.limit` names the `RTMPServerOptions` field).
 */
export const LimitCode = {
  /** The server already has `maxConnections` clients. */
  SERVER_LIMIT_CONNECTIONS: 'ERR_SERVER_LIMIT_CONNECTIONS',
  /** The client's address already has `maxConnectionsPerAddress` connections. */
  SERVER_LIMIT_CONNECTIONS_PER_ADDRESS: 'ERR_SERVER_LIMIT_CONNECTIONS_PER_ADDRESS',
  /** The handshake did not complete within `handshakeTimeoutMs` of the accept. */
  SERVER_LIMIT_HANDSHAKE_TIMEOUT: 'ERR_SERVER_LIMIT_HANDSHAKE_TIMEOUT',
  /** No connect command within `connectTimeoutMs` of the accept. */
  SERVER_LIMIT_CONNECT_TIMEOUT: 'ERR_SERVER_LIMIT_CONNECT_TIMEOUT',
  /** A message was still incomplete `messageTimeoutMs` after its first byte (a slow sender). */
  SERVER_LIMIT_MESSAGE_TIMEOUT: 'ERR_SERVER_LIMIT_MESSAGE_TIMEOUT',
  /** Bytes held for unfinished messages passed `maxInputBuffer`. */
  SERVER_LIMIT_INPUT_BUFFER: 'ERR_SERVER_LIMIT_INPUT_BUFFER',
  /** A command message was larger than `maxCommandSize`. */
  SERVER_LIMIT_COMMAND_SIZE: 'ERR_SERVER_LIMIT_COMMAND_SIZE',
  /** More than `maxCommandsPerSecond` commands in a second. */
  SERVER_LIMIT_COMMAND_RATE: 'ERR_SERVER_LIMIT_COMMAND_RATE',
  /** Unsent output to the client passed `maxOutputBuffer`. */
  SERVER_LIMIT_OUTPUT: 'ERR_SERVER_LIMIT_OUTPUT',
  /** The client neither read nor sent while its output waited (a slow reader). */
  SERVER_LIMIT_SLOW_READER: 'ERR_SERVER_LIMIT_SLOW_READER',
  /** A data message (metadata) was larger than `maxMetadataSize`; it was dropped. */
  SERVER_LIMIT_METADATA_SIZE: 'ERR_SERVER_LIMIT_METADATA_SIZE',
} as const;

/** Codes of `RTMPUsageError`: the caller used the API wrongly (bad option, bad argument, wrong state). */
export const UsageCode = {
  /** A usage error with no more specific code. */
  RTMP_USAGE: 'ERR_RTMP_USAGE',
  /** An unknown or invalid option (constructor, URL option string, `conn` items). */
  RTMP_OPTION: 'ERR_RTMP_OPTION',
  /** A bad argument to a method. */
  RTMP_BAD_ARGUMENT: 'ERR_RTMP_BAD_ARGUMENT',
  /** No host to connect to, or a host the proxy protocol cannot carry. */
  RTMP_BAD_HOST: 'ERR_RTMP_BAD_HOST',
  /** A port outside 1..65535. */
  RTMP_BAD_PORT: 'ERR_RTMP_BAD_PORT',
  /** A proxy URL that cannot be parsed. */
  RTMP_PROXY_URL: 'ERR_RTMP_PROXY_URL',
  /** A URL scheme rtmpkit knows but cannot connect with here. */
  RTMP_UNSUPPORTED_PROTOCOL: 'ERR_RTMP_UNSUPPORTED_PROTOCOL',
  /** A method called in the wrong connection state (connect while connected, setupUrl while open). */
  RTMP_STATE: 'ERR_RTMP_STATE',
  /** The method needs a connected `RTMP`. */
  RTMP_NOT_CONNECTED: 'ERR_RTMP_NOT_CONNECTED',
  /** `createStream` without a playpath in the URL or the call. */
  RTMP_NO_PLAYPATH: 'ERR_RTMP_NO_PLAYPATH',
  /** Waiting for the result of a call sent with transaction id 0 (which gets none). */
  RTMP_NO_RESULT: 'ERR_RTMP_NO_RESULT',
  /** An `RTMPPacket` field out of range, or a body that is not bytes. */
  RTMP_PACKET: 'ERR_RTMP_PACKET',
  /** Reading from a stream opened for publishing. */
  RTMP_NOT_READABLE: 'ERR_RTMP_NOT_READABLE',
  /** Writing to a stream opened for playing. */
  RTMP_NOT_WRITEABLE: 'ERR_RTMP_NOT_WRITEABLE',
  /** The stream was closed. */
  RTMP_STREAM_CLOSED: 'ERR_RTMP_STREAM_CLOSED',
  /** A stream read both as FLV bytes and as packets, or muxer options set after the first read. */
  RTMP_READ_MODE: 'ERR_RTMP_READ_MODE',
  /** `setLogLevel` outside 1..7. */
  RTMP_LOG_LEVEL: 'ERR_RTMP_LOG_LEVEL',
  /** `setLogOutput` with something that has no `write` method. */
  RTMP_LOG_OUTPUT: 'ERR_RTMP_LOG_OUTPUT',
  /** `addLogCallback` with something that is not a function. */
  RTMP_LOG_CALLBACK: 'ERR_RTMP_LOG_CALLBACK',
  /** A bad URL: not a string, no `://`, unbalanced brackets. */
  URL_SYNTAX: 'ERR_URL_SYNTAX',
  /** A URL scheme rtmpkit does not know. */
  URL_SCHEME: 'ERR_URL_SCHEME',
  /** A bad host in the URL (empty, too long, bad characters, bad IPv6 literal). */
  URL_HOST: 'ERR_URL_HOST',
  /** A bad port in the URL. */
  URL_PORT: 'ERR_URL_PORT',
  /** A malformed percent-escape in the URL. */
  URL_ESCAPE: 'ERR_URL_ESCAPE',
  /** A bad chunk layer option or message. */
  CHUNK_INVALID_ARGUMENT: 'ERR_CHUNK_INVALID_ARGUMENT',
  /** A bad FLV option or value. */
  FLV_INVALID_ARGUMENT: 'ERR_FLV_INVALID_ARGUMENT',
  /** A bad MP4 reader option or value. */
  MP4_INVALID_ARGUMENT: 'ERR_MP4_INVALID_ARGUMENT',
  /** A bad handshake option. */
  HANDSHAKE_OPTION: 'ERR_HANDSHAKE_OPTION',
  /** A bad argument to a handshake method. */
  HANDSHAKE_ARGUMENT: 'ERR_HANDSHAKE_ARGUMENT',
  /** Input to a handshake that has ended or failed. */
  HANDSHAKE_STATE: 'ERR_HANDSHAKE_STATE',
  /** A cipher or Diffie-Hellman key of the wrong size or value. */
  CRYPTO_KEY: 'ERR_CRYPTO_KEY',
  /** A bad argument to a cipher (data not a multiple of the block size). */
  CRYPTO_ARGUMENT: 'ERR_CRYPTO_ARGUMENT',
  /** A sans-IO session method used wrongly (wrong state, bad argument). */
  SESSION_USAGE: 'ERR_SESSION_USAGE',
  /** A bad server option (createServer, record, push, keys). */
  SERVER_OPTION: 'ERR_SERVER_OPTION',
  /** `listen` on a server that is listening or closed. */
  SERVER_STATE: 'ERR_SERVER_STATE',
  /** `call()` on a server's client that has not connected. */
  SERVER_NOT_CONNECTED: 'ERR_SERVER_NOT_CONNECTED',
  /** A bad SWF verification argument (`maxSize`, URL). */
  SWF_ARGUMENT: 'ERR_SWF_ARGUMENT',
} as const;

type Values<T> = T[keyof T];
/** One of the `GeneralCode` values. */
export type GeneralCode = Values<typeof GeneralCode>;
/** One of the `SwfHttpCode` values. */
export type SwfHttpCode = Values<typeof SwfHttpCode>;
/** One of the `TimeoutCode` values. */
export type TimeoutCode = Values<typeof TimeoutCode>;
/** One of the `ProtocolCode` values. */
export type ProtocolCode = Values<typeof ProtocolCode>;
/** One of the `AmfCode` values. */
export type AmfCode = Values<typeof AmfCode>;
/** One of the `HandshakeCode` values. */
export type HandshakeCode = Values<typeof HandshakeCode>;
/** One of the `ConnectionCode` values. */
export type ConnectionCode = Values<typeof ConnectionCode>;
/** One of the `StreamCutCode` values. */
export type StreamCutCode = Values<typeof StreamCutCode>;
/** One of the `ProxyCode` values. */
export type ProxyCode = Values<typeof ProxyCode>;
/** One of the `AuthCode` values. */
export type AuthCode = Values<typeof AuthCode>;
/** One of the `UsageCode` values. */
export type UsageCode = Values<typeof UsageCode>;
/** A code of `RTMPLimitError`. */
export type LimitCode = Values<typeof LimitCode>;

/** Every registered code group, by the name of the error class that carries its codes. */
export const ERROR_CODES = {
  RTMPError: GeneralCode,
  SwfHttpError: SwfHttpCode,
  RTMPTimeoutError: TimeoutCode,
  RTMPProtocolError: ProtocolCode,
  AMFError: AmfCode,
  RTMPHandshakeError: HandshakeCode,
  RTMPConnectionError: ConnectionCode,
  RTMPStreamCutError: StreamCutCode,
  RTMPProxyError: ProxyCode,
  RTMPAuthError: AuthCode,
  RTMPUsageError: UsageCode,
  RTMPLimitError: LimitCode,
} as const;

/** Any code an rtmpkit error carries. */
export type ErrorCode = {
  [K in keyof typeof ERROR_CODES]: Values<(typeof ERROR_CODES)[K]>;
}[keyof typeof ERROR_CODES];
