/**
 * Child process of the library scenario: `node library.js iterate|readable URL [OUT]`
 * downloads URL with the public client — `for await` over the stream (counting bytes),
 * or `toReadable()` piped to the file OUT — and prints one JSON line
 * `{ bytes, wallS, cpuS, minorFaults }` measured from before `connect()` to after
 * `close()`, so the figures are the library's own, without Node's start-up and module
 * loading (`minorFaults`: page faults in that span — fresh memory touched first). The
 * library is the bundled package entry users import (lib/package-entry.ts).
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { importPackage } from '../lib/package-entry.js';

const { RTMP } = await importPackage();
const [mode, url, out] = process.argv.slice(2);
if ((mode !== 'iterate' && mode !== 'readable') || !url || (mode === 'readable' && !out)) {
  process.stderr.write('usage: library.js iterate|readable URL [OUT]\n');
  process.exit(1);
}
const c0 = process.cpuUsage();
const f0 = process.resourceUsage().minorPageFault;
const t0 = performance.now();
const conn = new RTMP(url, { timeout: 30 });
await conn.connect();
const stream = await conn.createStream();
let bytes = 0;
if (mode === 'iterate') {
  for await (const chunk of stream) bytes += chunk.length;
} else {
  const file = createWriteStream(out!);
  await pipeline(stream.toReadable(), file);
  bytes = file.bytesWritten;
}
await conn.close();
const wallS = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
const minorFaults = process.resourceUsage().minorPageFault - f0;
process.stdout.write(`${JSON.stringify({ bytes, wallS, cpuS: (c.user + c.system) / 1e6, minorFaults })}\n`);
