/**
 * Child process feeding the floor rows: `node floor-sender.js FILE` listens on a free
 * loopback port, prints `{"port":N}` on stdout, and writes the bytes of FILE to every
 * connection as fast as the socket takes them, then ends it. FILE is read into memory
 * once and each connection gets it as one write (libuv writes it out as the socket
 * drains, no JavaScript per piece), so the receiver's reads are as large and as few as
 * loopback makes them. Its CPU is not counted: it stands in for the RTMP server, so the
 * measured receiver gets exactly the file's bytes and does no protocol work.
 * Serves until SIGTERM/SIGINT.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: floor-sender.js FILE\n');
  process.exit(1);
}
const bytes = readFileSync(file);
const server = createServer((socket) => {
  socket.on('error', () => socket.destroy()); // a receiver that goes away ends its copy only
  socket.end(bytes);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`);
});
// Nothing to flush: a copy cut short only fails the run that was still reading.
process.once('SIGTERM', () => process.exit(0));
process.once('SIGINT', () => process.exit(0));
