/**
 * Runs inside a private network namespace (`unshare --net`, only `lo`, brought up by the
 * caller) for rtmpe-rtmpsuck.test.ts, because rtmpsuck listens on the hard-coded
 * 0.0.0.0:1935: starts nginx-rtmp on free ports and rtmpsuck (test/peers scripts), then a
 * bridge that accepts plain RTMP and connects to rtmpsuck with rtmpkit's RTMPE
 * ClientHandshake. rtmpdump downloads through bridge → rtmpsuck → nginx (tcUrl names
 * nginx, which is how rtmpsuck picks its upstream) and directly from nginx. Prints one
 * JSON line (files, handshake facts) for the test to check; stops what it started, by PID.
 * usage: node rtmpe-rtmpsuck.runner.js OUTDIR
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { FlashVersion } from '../../src/handshake/index.js';
import { makeMedia, type Peer, runBounded, startNginx, startRtmpsuck } from '../helpers/peers.js';
import { startBridge } from '../helpers/rtmpe-bridge.js';

/** One download through rtmpsuck. */
export interface SuckCase {
  label: string;
  fp9Version: FlashVersion;
  file: string;
  code: number | null;
  stderr: string;
  type?: number;
  s2Valid?: boolean;
  warnings?: string[];
  errors: string[];
  relayed: number;
}

/** What the runner prints. */
export interface SuckReport {
  plain: { file: string; code: number | null; stderr: string };
  cases: SuckCase[];
  rtmpsuckLog: string;
}

const out = process.argv[2]!;
const media = makeMedia();
let nginx: Peer | undefined;
let rtmpsuck: Peer | undefined;
const suckDir = join(out, 'rtmpsuck');
try {
  nginx = await startNginx({ mediaDir: media });
  rtmpsuck = startRtmpsuck(suckDir);
  const tcUrl = `rtmp://127.0.0.1:${nginx.port}/vod`;
  const plainFile = join(out, 'plain.flv');
  const plain = await runBounded('rtmpdump', ['-r', `${tcUrl}/short.flv`, '-o', plainFile], 60_000);
  const cases: SuckCase[] = [];
  // librtmp's server answers type 8 when C1's first version byte is 128 (FP10), else the client's 6.
  for (const [label, fp9Version] of [
    ['C1 version 128.0.3.2', [128, 0, 3, 2]],
    ['C1 version 9.0.124.2', [9, 0, 124, 2]],
  ] as const) {
    const bridge = await startBridge({
      server: {},
      upstream: { host: '127.0.0.1', port: 1935, handshake: { rtmpe: true, fp9Version } },
    });
    const file = join(out, `suck-${fp9Version[0]}.flv`);
    const r = await runBounded(
      'rtmpdump',
      ['-r', `rtmp://127.0.0.1:${bridge.port}/vod/short.flv`, '-t', tcUrl, '-o', file],
      60_000,
    );
    await bridge.close();
    const conn = bridge.connections[0];
    const c: SuckCase = {
      label,
      fp9Version,
      file,
      code: r.code,
      stderr: r.stderr.slice(-2000),
      errors: conn?.errors ?? ['no connection reached the bridge'],
      relayed: conn?.down ?? 0,
    };
    const info = conn?.upstream;
    if (info?.rtmpe) c.type = info.rtmpe.type;
    if (info) {
      c.s2Valid = info.s2Valid;
      c.warnings = info.warnings;
    }
    cases.push(c);
  }
  let rtmpsuckLog = '';
  try {
    rtmpsuckLog = execFileSync('tail', ['-c', '2000', join(suckDir, 'rtmpsuck.log')], { encoding: 'utf8' });
  } catch {}
  const report: SuckReport = {
    plain: { file: plainFile, code: plain.code, stderr: plain.stderr.slice(-2000) },
    cases,
    rtmpsuckLog,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  // Each stop on its own: a process left behind would keep the namespace alive.
  for (const p of [rtmpsuck, nginx]) {
    try {
      p?.stop();
    } catch (err) {
      process.stderr.write(`stopping PID ${p?.pid}: ${(err as Error).message}\n`);
    }
  }
}
