/**
 * Runs inside a private network namespace (`unshare --net`, only `lo`, brought up by the
 * caller) for rtmpe-rtmpsuck.test.ts, because rtmpsuck listens on the hard-coded
 * 0.0.0.0:1935: starts nginx-rtmp on free ports and rtmpsuck (test/peers scripts), then a
 * bridge that accepts plain RTMP and connects to rtmpsuck with rtmpkit's RTMPE
 * ClientHandshake. rtmpdump downloads through bridge → rtmpsuck → nginx (tcUrl names
 * nginx, which is how rtmpsuck picks its upstream) and directly from nginx. Prints one
 * JSON line (files, handshake facts) for the test to check; stops what it started, by PID.
 * Then rtmpkit itself as the RTMPE client: `rtmpkit dump` (the built CLI) and the API
 * download rtmpe://rtmpsuck and rtmpte:// through the RTMPT bridge (test/peers) in front of
 * rtmpsuck, next to rtmpkit's and rtmpdump's plain downloads from nginx.
 * usage: node rtmpe-rtmpsuck.runner.js OUTDIR
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FlashVersion } from '../../src/handshake/index.js';
import { download } from '../helpers/client.js';
import {
  makeMedia,
  type Peer,
  runBounded,
  startNginx,
  startRtmpsuck,
  startRtmptBridge,
} from '../helpers/peers.js';
import { startBridge } from '../helpers/rtmpe-bridge.js';
import { rtmpkit } from '../helpers/serve-cli.js';

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

/** One download by rtmpkit: the CLI's file (and exit code) and the API's bytes, saved to `apiFile`. */
export interface KitCase {
  label: string;
  file: string;
  code: number | null;
  stderr: string;
  apiFile: string;
  apiError?: string;
}

/** What the runner prints. */
export interface SuckReport {
  plain: { file: string; code: number | null; stderr: string };
  cases: SuckCase[];
  /** rtmpkit plain from nginx, rtmpe through rtmpsuck, rtmpte through the bridge and rtmpsuck. */
  kit: KitCase[];
  rtmpsuckLog: string;
}

const out = process.argv[2]!;
const media = makeMedia();
let nginx: Peer | undefined;
let rtmpsuck: Peer | undefined;
let rtmptBridge: Peer | undefined;
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
  rtmptBridge = await startRtmptBridge('127.0.0.1:1935');
  const kit: KitCase[] = [];
  for (const [label, url] of [
    ['rtmp (nginx)', `${tcUrl}/short.flv`],
    ['rtmp (rtmpsuck)', 'rtmp://127.0.0.1:1935/vod/short.flv'],
    ['rtmpe (rtmpsuck)', 'rtmpe://127.0.0.1:1935/vod/short.flv'],
    ['rtmpte (bridge, rtmpsuck)', `rtmpte://127.0.0.1:${rtmptBridge.port}/vod/short.flv`],
  ] as const) {
    const tag = label.replace(/[^a-z]+/g, '-');
    const file = join(out, `kit-${tag}.flv`);
    const r = await rtmpkit(['dump', '-q', '-r', url, '-t', tcUrl, '-o', file], 120_000);
    const apiFile = join(out, `api-${tag}.flv`);
    const c: KitCase = { label, file, code: r.code, stderr: r.stderr.slice(-2000), apiFile };
    try {
      writeFileSync(apiFile, await download(url, { tcUrl }));
    } catch (err) {
      c.apiError = String(err);
    }
    kit.push(c);
  }
  let rtmpsuckLog = '';
  try {
    rtmpsuckLog = execFileSync('tail', ['-c', '2000', join(suckDir, 'rtmpsuck.log')], { encoding: 'utf8' });
  } catch {}
  const report: SuckReport = {
    plain: { file: plainFile, code: plain.code, stderr: plain.stderr.slice(-2000) },
    cases,
    kit,
    rtmpsuckLog,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
} finally {
  // Each stop on its own: a process left behind would keep the namespace alive.
  for (const p of [rtmptBridge, rtmpsuck, nginx]) {
    try {
      p?.stop();
    } catch (err) {
      process.stderr.write(`stopping PID ${p?.pid}: ${(err as Error).message}\n`);
    }
  }
}
