/**
 * `node --import …/copy-counter-preload.js`: counts the bytes the process copies (see
 * copy-counter.ts) and writes `{ "bytes": N }` to the file `$RTMPKIT_COPY_REPORT` at exit.
 */
import { writeFileSync } from 'node:fs';
import { copied, installCopyCounter } from './copy-counter.js';

installCopyCounter();
const report = process.env.RTMPKIT_COPY_REPORT;
if (report) process.on('exit', () => writeFileSync(report, JSON.stringify(copied)));
