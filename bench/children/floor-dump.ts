/**
 * The dump floor: `node floor-dump.js reused|pipe PORT OUT` receives everything the
 * floor sender on 127.0.0.1:PORT writes and stores it in OUT, then exits — the least a
 * Node process spends turning socket bytes into a file, start-up included (measured
 * whole by GNU time, like `rtmpkit dump` and rtmpdump):
 * - `reused`: reads into one reused 256 KiB buffer (`onread`, as rtmpkit's TCP
 *   transport reads) and `fs.writeSync`s each read to OUT — no allocation per read;
 * - `pipe`: `socket.pipe(fs.createWriteStream(OUT))` — what a plain Node program pays
 *   (a fresh Buffer per read, thread-pool writes).
 * Imports nothing but node:net and node:fs, so its start-up is Node's own.
 */
import { closeSync, createWriteStream, openSync, writeSync } from 'node:fs';
import { connect } from 'node:net';

const [mode, port, out] = process.argv.slice(2);
if ((mode !== 'reused' && mode !== 'pipe') || !port || !out) {
  process.stderr.write('usage: floor-dump.js reused|pipe PORT OUT\n');
  process.exit(1);
}
const fail = (err: Error): void => {
  process.stderr.write(`floor-dump: ${err.message}\n`);
  process.exit(1);
};
const target = { host: '127.0.0.1', port: Number(port) };
if (mode === 'reused') {
  const fd = openSync(out, 'w');
  const buffer = Buffer.allocUnsafe(256 * 1024);
  const callback = (n: number, buf: Uint8Array): boolean => {
    for (let done = 0; done < n; ) done += writeSync(fd, buf, done, n - done);
    return true;
  };
  connect({ ...target, onread: { buffer, callback } })
    .on('end', () => closeSync(fd))
    .on('error', fail);
} else {
  const file = createWriteStream(out).on('error', fail);
  connect(target).on('error', fail).pipe(file);
}
