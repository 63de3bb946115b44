/**
 * The library floor: `node library-floor.js receive|receive-tls|iterate|readable PORT SRC [OUT]` receives
 * the bytes of the FLV file SRC from the floor sender on 127.0.0.1:PORT and hands them
 * out as one fresh Buffer per FLV piece — the file header, then each tag with its
 * PreviousTagSize, the pieces `for await` over an `RTMPStream` yields — that a consumer
 * could keep: reads into one reused 256 KiB buffer (`onread`), each piece copied into a
 * new Buffer, no parsing (the piece sizes are taken from SRC before the clock starts).
 * - `receive`: nothing handed out — each read only counted (the socket's own cost);
 * - `receive-tls`: the same over TLS (PORT is then stunnel's in front of the sender,
 *   its certificate trusted through NODE_EXTRA_CA_CERTS): what Node's TLS adds;
 * - `iterate`: a `for await` over an async generator of the pieces, counting bytes;
 * - `readable`: a Readable of the pieces piped to the file OUT (the socket paused while
 *   the Readable is full).
 * Prints one JSON line `{ bytes, pieces, wallS, cpuS, minorFaults }` measured from
 * before `connect()` to the end, as children/library.js does for the library itself.
 */
import { createWriteStream } from 'node:fs';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { flvPieceSizes } from '../lib/flv-check.js';
import { pieceQueue } from './piece-queue.js';

const [mode, port, src, out] = process.argv.slice(2);
const MODES = ['receive', 'receive-tls', 'iterate', 'readable'];
if (!MODES.includes(mode ?? '') || !port || !src || (mode === 'readable' && !out)) {
  process.stderr.write('usage: library-floor.js receive|receive-tls|iterate|readable PORT SRC [OUT]\n');
  process.exit(1);
}
const sizes = flvPieceSizes(src);
const c0 = process.cpuUsage();
const f0 = process.resourceUsage().minorPageFault;
const t0 = performance.now();

let handOut: (piece: Buffer) => void = () => {};
let pieces = 0;
let current = Buffer.allocUnsafe(sizes[0] ?? 0);
let filled = 0;
let received = 0;
const count = (n: number): boolean => {
  received += n;
  return true;
};
const split = (n: number, buf: Uint8Array): boolean => {
  for (let at = 0; at < n; ) {
    if (pieces === sizes.length) throw new Error('more bytes than the source file');
    const take = Math.min(n - at, current.length - filled);
    (buf as Buffer).copy(current, filled, at, at + take);
    filled += take;
    at += take;
    if (filled === current.length) {
      handOut(current);
      pieces++;
      current = Buffer.allocUnsafe(sizes[pieces] ?? 0);
      filled = 0;
    }
  }
  return true;
};
const onread = {
  buffer: Buffer.allocUnsafe(256 * 1024),
  callback: mode === 'receive' || mode === 'receive-tls' ? count : split,
};
const target = { host: '127.0.0.1', port: Number(port) };
// `onread` is a tls.connect option too (not in @types/node's ConnectionOptions).
const socket =
  mode === 'receive-tls'
    ? tlsConnect({ ...target, onread } as ConnectionOptions)
    : connect({ ...target, onread });
const ended = new Promise<void>((resolve, reject) => socket.on('end', resolve).on('error', reject));

let bytes = 0;
if (mode === 'receive' || mode === 'receive-tls') {
  await ended;
  bytes = received;
  pieces = sizes.length;
} else if (mode === 'iterate') {
  const queue = pieceQueue();
  handOut = (piece) => queue.handOut(piece);
  void ended.then(
    () => queue.end(),
    () => {},
  );
  for await (const piece of queue.pieces()) bytes += piece.length;
  await ended;
} else {
  const readable = new Readable({ read: () => void socket.resume() });
  handOut = (piece) => {
    if (!readable.push(piece)) socket.pause();
  };
  void ended.then(
    () => readable.push(null),
    (err: Error) => readable.destroy(err),
  );
  const file = createWriteStream(out!);
  await pipeline(readable, file);
  bytes = file.bytesWritten;
}
const wallS = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
const minorFaults = process.resourceUsage().minorPageFault - f0;
process.stdout.write(
  `${JSON.stringify({ bytes, pieces, wallS, cpuS: (c.user + c.system) / 1e6, minorFaults })}\n`,
);
