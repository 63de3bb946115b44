/**
 * The byte pipe the client's I/O loop drives (the I/O shell under the sans-IO core): a connected,
 * full-duplex Node stream — a `net.Socket` for rtmp://, a `tls.TLSSocket` for rtmps://,
 * both possibly tunnelled through a proxy first (SOCKS4/4a/5, HTTP CONNECT), or an
 * `RtmptStream` (a socket-like `Duplex` over HTTP POSTs) for rtmpt:// and rtmpts://.
 *
 * Invariant: a `Transport` is returned only once it is connected (TCP established, TLS
 * handshake finished, proxy CONNECT granted, RTMPT session opened); every failure before that is an
 * `RTMPConnectionError` (or `RTMPTimeoutError`, or the abort signal's reason).
 */
import type { Socket } from 'node:net';

/** A connected byte stream to the RTMP server. */
export interface Transport {
  /**
   * The socket (net.Socket, or tls.TLSSocket which extends it). For rtmpt/rtmpts it is an
   * `RtmptStream`, a `Duplex` typed as `Socket`: users of a Transport must stick to
   * stream members (data/drain/end/close events, write/cork/uncork/end/destroy,
   * pause/resume, writableLength/writableNeedDrain), as the I/O loop does.
   */
  readonly socket: Socket;
  /** What was connected, for messages: `host:port` (and `via socks host:port`). */
  readonly description: string;
}

/** Where to connect and how long to try. */
export interface ConnectTarget {
  /** Host name or IP literal (IPv6 without brackets). */
  host: string;
  /** TCP port. */
  port: number;
  /** Give up after this many ms (default: no limit beyond the OS's). */
  timeoutMs?: number;
  /** Cancels the attempt; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** The connection will be RTMPE: TCP reads land in RC4's memory (transport/tcp.ts). */
  rc4Reads?: boolean;
}
