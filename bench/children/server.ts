/**
 * Child process running the embedded server for the benchmarks:
 * `node server.js VOD_DIR` listens on a free loopback port, prints `{"port":N}` on
 * stdout and serves until SIGTERM/SIGINT (then closes every client and exits 0).
 * Defaults are the library's, except `maxConnections` (default 100), raised so the
 * idle-connection scenario can hold 10,000 clients, and the per-player queue
 * (`liveHighWaterMark`, default 4 MiB; `maxOutputBuffer`, default 32 MiB), raised to
 * 1 GiB and 2 GiB as nginx-rtmp's out_queue is raised to 32,768 messages (lib/servers.ts).
 * In the live relay ffmpeg publishes faster than real time and the player lags; at their
 * defaults both servers shed it (measured on a 2-core Xeon: nginx with out_queue 256
 * delivered 4,086 and 4,483 of 4,616 A/V tags; rtmpkit dropped frames above 4 MiB, 4,031–4,090
 * delivered, and with only that raised cut the player off at 32 MiB queued), so both queue
 * what the player has not taken yet, and the row compares the same work.
 * The server is the bundled package entry users import (lib/package-entry.ts).
 */
import { importPackage } from '../lib/package-entry.js';

const { createServer } = await importPackage();
const vodDir = process.argv[2];
const server = createServer({
  ...(vodDir ? { vodDir } : {}),
  maxConnections: 1_000_000,
  liveHighWaterMark: 2 ** 30,
  maxOutputBuffer: 2 ** 31,
});
const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ port })}\n`);
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
