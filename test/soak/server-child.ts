/**
 * The soak's server process: the embedded server on an ephemeral loopback port, run
 * in a child of its own so its memory is measured alone. Talks over the IPC channel:
 * sends `{ kind: 'listening', port }`, `{ kind: 'publish' }` and `{ kind: 'unpublish' }`; answers
 * `{ kind: 'sample' }` with a full GC (the child runs with --expose-gc) and
 * `process.memoryUsage()` plus the number of connected clients; `{ kind: 'stop' }`
 * closes the server and exits. `--leak-kib-per-s N` makes it keep N KiB a second on
 * purpose, to see the growth check fail.
 */
import { createServer } from '../../src/server/server.js';

const send = (m: object) => process.send?.(m);
const server = createServer();
let clients = 0;
server.on('connection', () => clients++);
server.on('disconnect', () => clients--);
server.on('publish', () => send({ kind: 'publish' }));
server.on('unpublish', () => send({ kind: 'unpublish' }));
const { port } = await server.listen({ port: 0 });
send({ kind: 'listening', port });
const gc = (globalThis as { gc?: () => void }).gc;
const leakAt = process.argv.indexOf('--leak-kib-per-s');
if (leakAt >= 0) {
  const kept: Buffer[] = [];
  const kib = Number(process.argv[leakAt + 1]);
  setInterval(() => kept.push(Buffer.alloc(kib * 1024, 1)), 1000).unref();
}

process.on('message', (m: { kind: string }) => {
  if (m.kind === 'sample') {
    gc?.();
    const mem = process.memoryUsage();
    send({
      kind: 'sample',
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      external: mem.external,
      clients,
      gc: gc !== undefined,
    });
  } else if (m.kind === 'stop') {
    void server.close().then(() => process.exit(0));
  }
});
// The driver going away ends the server too (no orphan on a crash of the driver).
process.on('disconnect', () => process.exit(0));
