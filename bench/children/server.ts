/**
 * Child process running the embedded server for the benchmarks:
 * `node server.js VOD_DIR` listens on a free loopback port, prints `{"port":N}` on
 * stdout and serves until SIGTERM/SIGINT (then closes every client and exits 0).
 * Defaults are the library's, except `maxConnections` (default 100), raised so the
 * idle-connection scenario can hold 10,000 clients. The server is the bundled package
 * entry users import (lib/package-entry.ts).
 */
import { importPackage } from '../lib/package-entry.js';

const { createServer } = await importPackage();
const vodDir = process.argv[2];
const server = createServer({ ...(vodDir ? { vodDir } : {}), maxConnections: 1_000_000 });
const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ port })}\n`);
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
