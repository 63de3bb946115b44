/**
 * The byte pipe the client's I/O loop drives (DESIGN.md §1, layer 3): a connected,
 * full-duplex Node stream — a `net.Socket` for rtmp://, a `tls.TLSSocket` for rtmps://,
 * both possibly tunnelled through a SOCKS4 proxy first.
 *
 * Invariant: a `Transport` is returned only once it is connected (TCP established, TLS
 * handshake finished, proxy CONNECT granted); every failure before that is an
 * `RTMPConnectionError` (or `RTMPTimeoutError`, or the abort signal's reason).
 */
import type { Socket } from 'node:net';

/** A connected byte stream to the RTMP server. */
export interface Transport {
  /** The socket (net.Socket, or tls.TLSSocket which extends it). */
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
}
