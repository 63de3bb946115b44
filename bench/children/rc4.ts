/**
 * Child process of the RC4 row: `node rc4.js SECONDS` runs RTMPE's RC4 in place over one
 * 256 KiB buffer (the client's read size) for about SECONDS of CPU after a warm-up, and
 * prints its MB per CPU second — the figure `openssl speed -evp rc4` prints for OpenSSL's
 * assembly RC4, so the two alternate as separate processes on equal terms.
 */
import { RC4 } from '../../src/crypto/rc4.js';

const seconds = Number(process.argv[2] ?? '2');
const rc4 = new RC4(Buffer.alloc(16, 1));
const buf = Buffer.alloc(256 * 1024, 7);
const cpu = (from?: NodeJS.CpuUsage): number => {
  const c = process.cpuUsage(from);
  return (c.user + c.system) / 1e6;
};
const warm = cpu() + seconds / 4;
while (cpu() < warm) rc4.update(buf);
const c0 = process.cpuUsage();
let bytes = 0;
while (cpu(c0) < seconds) {
  rc4.update(buf);
  bytes += buf.length;
}
process.stdout.write(`${(bytes / cpu(c0) / 1e6).toFixed(1)}\n`);
