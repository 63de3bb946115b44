/**
 * Plain TCP for rtmp:// (like librtmp's, but IPv4 and IPv6: `net.connect` tries
 * every address `dns.lookup` returns, happy-eyeballs style on Node ≥ 20).
 *
 * Invariants: resolves only with a connected socket with Nagle off (`setNoDelay`, as
 * librtmp sets TCP_NODELAY); on failure the socket is destroyed and the promise rejects
 * with `RTMPConnectionError` (`ERR_RTMP_CONNECTION`, the system error as `cause`),
 * `RTMPTimeoutError` (`ERR_RTMP_CONNECT_TIMEOUT`) or the abort signal's reason.
 *
 * Reads go into a reused buffer (`onread`, `reusedReads`) instead of a fresh Buffer per
 * read: plain-TCP sockets — connected ones and a server's accepted ones
 * (`reuseAcceptedReads`) — share the process's (`sharedReadBuffer`: RC4's memory for RTMPE
 * and servers, a plain buffer otherwise), each TLS socket has its own.
 * Until `setReadSink` claims the socket, each read is copied and pushed to the socket's
 * readable side, so 'data' listeners (the SOCKS4 reply, TLS wrapping) see the usual
 * stream; after it, the sink gets a view of the reused buffer, valid only during the
 * call (it must copy what it keeps: a ChunkReader with `zeroCopy: false`).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { kernelReadArea } from '../crypto/rc4-kernel.js';
import { ConnectionCode, TimeoutCode, UsageCode } from '../error-codes.js';
import { RTMPConnectionError, RTMPTimeoutError, RTMPUsageError } from '../errors.js';
import type { ConnectTarget } from './transport.js';

/** Size of the reused read buffer: 256 KiB beat 64 KiB (cold download −8% CPU s/GB, +5% MB/s). */
export const READ_BUFFER_SIZE = 256 * 1024;

/** Where a `connectTcp` socket's reads go once claimed; undefined = pushed as 'data'. */
interface ReadSink {
  fn: ((bytes: Buffer) => void) | undefined;
}
const readSinks = new WeakMap<Socket, ReadSink>();

/** An `onread` option as `net.connect` and `tls.connect` take it. */
export interface OnReadOption {
  /** Where reads go: one reused buffer, or a function called after every read giving the next one. */
  buffer: Uint8Array | (() => Uint8Array);
  callback: (n: number, buf: Uint8Array) => boolean;
}

/** The largest read a TLS socket hands over: one record's plaintext (RFC 8446 §5.1, RFC 5246 §6.2.1). */
const TLS_RECORD_MAX = 16 * 1024;

/**
 * An `onread` option reading into one reused READ_BUFFER_SIZE buffer (or `buffer`, which
 * sockets may share when each read is handed on at once: without `coalesce`), and
 * `attach`, to be called with the socket it was given to (before any data can arrive):
 * from then on `setReadSink` can claim that socket's reads.
 *
 * `coalesce` (for TLS, whose reads are one record each): once claimed, successive reads
 * land one after the other in the buffer (`onread.buffer` as a function hands Node the
 * free tail after each read) and reach the sink as one view when the buffer is nearly
 * full, at the end of the event-loop turn (`setImmediate`), or at the peer's FIN or the
 * close after a socket error — so the per-read path runs once per ~200 KiB instead of once per 16 KiB
 * record, with no copy. Bytes still waiting when the socket is destroyed locally are
 * dropped, as reads after `destroy()` are.
 */
export function reusedReads(
  coalesce = false,
  buffer: Buffer = Buffer.allocUnsafe(READ_BUFFER_SIZE),
): { onread: OnReadOption; attach(socket: Socket): void } {
  const sink: ReadSink = { fn: undefined };
  let owner: Socket | undefined;
  // Bytes [start, end) are read and not yet delivered; Node's next read goes to `end`
  // (always 0 without `coalesce`: every read is handed on at once).
  let start = 0;
  let end = 0;
  let queued = false;
  const deliver = (): void => {
    if (end > start) {
      const view = buffer.subarray(start, end);
      start = end;
      sink.fn?.(view);
    }
  };
  const endOfTurn = (): void => {
    queued = false;
    if (owner?.destroyed !== true) deliver();
  };
  return {
    onread: {
      // As a function, called after every read (and once at the start): where the next read goes.
      buffer: coalesce ? (): Uint8Array => buffer.subarray(end) : buffer,
      callback: (n: number): boolean => {
        end += n;
        if (sink.fn === undefined) {
          owner?.push(Buffer.from(buffer.subarray(start, end)));
          start = end = 0;
        } else if (!coalesce || buffer.length - end < TLS_RECORD_MAX) {
          deliver();
          start = end = 0;
        } else if (!queued) {
          queued = true;
          setImmediate(endOfTurn);
        }
        return true;
      },
    },
    attach(socket: Socket): void {
      owner = socket;
      readSinks.set(socket, sink);
      if (coalesce) {
        // Before the socket's other listeners (the I/O loop's): what arrived before the
        // FIN or the error is seen before them. Not an 'error' listener: that would
        // count as handling the socket's errors.
        socket.prependListener('end', deliver);
        socket.prependListener('close', (hadError: boolean) => {
          if (hadError) deliver();
        });
      }
    },
  };
}

/**
 * The read buffers the plain-TCP sockets of the process share — `connectTcp`'s and the
 * accepted ones of `reuseAcceptedReads` — each made on first use. Sharing is safe because
 * each read is handed on and consumed before the next one lands (libuv reads one socket
 * at a time, and these sockets never coalesce reads across turns). An RTMPE connection
 * (`ConnectTarget.rc4Reads`) and a server's sockets (any of which may turn out to be RTMPE)
 * read into RC4's read area where WebAssembly runs, so RTMPE decrypts a read where it
 * landed (crypto/rc4-kernel.ts); other connections into a plain buffer, so a plain
 * rtmp:// client never builds that kernel (~1.7 ms of compiling, once per process).
 */
let plainBuffer: Buffer | undefined;
let rc4Buffer: Buffer | undefined;

function sharedReadBuffer(rc4: boolean): Buffer {
  if (!rc4) {
    plainBuffer ??= Buffer.allocUnsafe(READ_BUFFER_SIZE);
    return plainBuffer;
  }
  rc4Buffer ??= kernelReadArea() ?? sharedReadBuffer(false);
  return rc4Buffer;
}

/** Node's `onread` slots of a Socket (internal symbols), looked up once; null = not found. */
let onreadSlots: { buffer: symbol; callback: symbol } | null | undefined;

function findOnreadSlots(socket: Socket): { buffer: symbol; callback: symbol } | null {
  const own = Object.getOwnPropertySymbols(socket);
  const buffer = own.find((s) => s.description === 'kBuffer');
  const callback = own.find((s) => s.description === 'kBufferCb');
  return buffer !== undefined && callback !== undefined ? { buffer, callback } : null;
}

/**
 * Makes a socket a `net.Server` accepted read into the process's shared read buffer, as
 * `onread` makes a connecting socket do (`net.Server` takes no `onread`): a fresh 64 KiB
 * Buffer per read was a server's largest source of garbage (a live relay's major GCs went
 * 15 → 1–3 per 303 MB, its CPU per GB −25 %). The reader must copy what it keeps
 * (`setReadSink`; why sharing is safe: `sharedBuffer`). Call it in the 'connection' listener,
 * before any data can arrive. Node exposes no public hook for this, so it fills the two
 * slots `onread` fills (`kBuffer`, `kBufferCb`; the same since Node 12) and points the
 * handle at the buffer; where they are not found it returns false and changes nothing
 * (the socket then reads as usual).
 */
export function reuseAcceptedReads(socket: Socket): boolean {
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Uint8Array) => void } })._handle;
  if (typeof handle?.useUserBuffer !== 'function' || readSinks.has(socket)) return false;
  onreadSlots ??= findOnreadSlots(socket);
  const slots = onreadSlots;
  const own = socket as unknown as Record<symbol, unknown>;
  if (slots === null || own[slots.buffer] !== null) return false;
  const buffer = sharedReadBuffer(true);
  const reads = reusedReads(false, buffer);
  own[slots.buffer] = buffer;
  own[slots.callback] = reads.onread.callback;
  handle.useUserBuffer(buffer);
  reads.attach(socket);
  return true;
}

/** Whether `socket` reads into a reused buffer (`connectTcp`, `connectTls`, `reuseAcceptedReads`): see `setReadSink`. */
export function readsIntoReusedBuffer(socket: Socket): boolean {
  return readSinks.has(socket);
}

/**
 * Sends `socket`'s reads to `fn` as views of a reused buffer (valid only during the call),
 * after handing it whatever the readable side already buffered. Returns false — and
 * changes nothing — when the socket does not read into a reused buffer (TLS, other sockets):
 * the caller then listens to 'data'.
 */
export function setReadSink(socket: Socket, fn: (bytes: Buffer) => void): boolean {
  const sink = readSinks.get(socket);
  if (sink === undefined) return false;
  for (let b = socket.read() as Buffer | null; b !== null; b = socket.read() as Buffer | null) fn(b);
  sink.fn = fn;
  return true;
}

/** Checks a TCP port number (1…65535). */
export function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RTMPUsageError(`port must be an integer in 1..65535, got ${String(port)}`, {
      code: UsageCode.RTMP_BAD_PORT,
    });
  }
  return port;
}

/**
 * Runs `start` (which begins connecting `socket`) and settles when `readyEvent` fires,
 * or fails on error, close, timeout or abort. Shared by TCP and TLS.
 */
export function awaitSocket(
  socket: Socket,
  readyEvent: 'connect' | 'secureConnect',
  target: ConnectTarget,
  what: string,
): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const { signal, timeoutMs } = target;
    let timer: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      if (timer) clearTimeout(timer);
      socket.off(readyEvent, onReady);
      socket.off('error', onError);
      socket.off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: unknown): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onReady = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (err: Error): void => {
      fail(
        new RTMPConnectionError(`cannot connect to ${what}: ${err.message}`, {
          code: ConnectionCode.RTMP_CONNECTION,
          cause: err,
        }),
      );
    };
    const onClose = (): void => {
      fail(new RTMPConnectionError(`connection to ${what} closed while connecting`));
    };
    const onAbort = (): void => fail(signal?.reason);
    if (signal?.aborted) {
      fail(signal.reason);
      return;
    }
    socket.once(readyEvent, onReady);
    socket.once('error', onError);
    socket.once('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      timer = setTimeout(
        () =>
          fail(
            new RTMPTimeoutError(`connecting to ${what} timed out after ${timeoutMs / 1000} s`, {
              code: TimeoutCode.RTMP_CONNECT_TIMEOUT,
            }),
          ),
        timeoutMs,
      );
    }
  });
}

/** Opens a TCP connection to `target.host:target.port` (IPv4 or IPv6) with TCP_NODELAY. */
export async function connectTcp(target: ConnectTarget): Promise<Socket> {
  checkPort(target.port);
  if (typeof target.host !== 'string' || target.host === '') {
    throw new RTMPUsageError('no host to connect to', { code: UsageCode.RTMP_BAD_HOST });
  }
  // A reused read buffer instead of Node's fresh 64 KiB Buffer per read: fewer page faults
  // and less GC (cold 303 MB download: 1.22 → 1.03 CPU s/GB); the process's shared one.
  const reads = reusedReads(false, sharedReadBuffer(target.rc4Reads === true));
  const socket: Socket = netConnect({
    host: target.host,
    port: target.port,
    noDelay: true,
    onread: reads.onread,
  });
  reads.attach(socket);
  const what = formatHostPort(target.host, target.port);
  await awaitSocket(socket, 'connect', target, what);
  socket.setNoDelay(true);
  return socket;
}

/** `host:port`, with brackets around IPv6 literals. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
