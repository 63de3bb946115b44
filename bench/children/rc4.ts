/**
 * Child process of the RC4 row: `node rc4.js SECONDS` runs RTMPE's RC4 in place over one
 * 256 KiB buffer (the client's read size) as the micro pairs are measured (a warm-up, then
 * SECONDS of CPU) and prints its MB per CPU second — the figure `openssl speed -evp rc4`
 * prints for OpenSSL's assembly RC4, so the two alternate as separate processes on equal terms.
 */
import { RC4 } from '../../src/crypto/rc4.js';
import { measure } from '../micro.js';

const seconds = Number(process.argv[2] ?? '2');
const rc4 = new RC4(Buffer.alloc(16, 1));
const buf = Buffer.alloc(256 * 1024, 7);
const mbPerS = measure({ label: 'RC4', bytes: buf.length, fn: () => rc4.update(buf) }, seconds * 1000);
process.stdout.write(`${mbPerS.toFixed(1)}\n`);
