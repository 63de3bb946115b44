/**
 * rtmpkit's RTMPE ClientHandshake against librtmp's server code: rtmpsuck (rtmpdump
 * package) terminates RTMPE and proxies to nginx-rtmp. rtmpsuck can only listen on
 * 0.0.0.0:1935, so everything runs in a private network namespace (`unshare --net`, as
 * root — true here and in CI) through rtmpe-rtmpsuck.runner.ts, never on the host's 1935.
 * There a bridge takes `rtmpdump -r rtmp://…` in plain RTMP and speaks RTMPE to rtmpsuck;
 * the FLV must equal the direct plain download byte for byte. librtmp's server answers
 * type 8 to a C1 whose first version byte is 128 and type 6 otherwise; it has no type 9
 * (that one is proven client↔server in test/unit/handshake-rtmpe.test.ts and, for the
 * server side, against librtmp's client in rtmpe-rtmpdump.test.ts). Then rtmpkit's own
 * client: `rtmpkit dump` and the API download rtmp:// and rtmpe:// through rtmpsuck (a
 * librtmp server: it ignores a client's Set Chunk Size, which rtmpkit's player therefore
 * never sends) and rtmpte://
 * through the RTMPT bridge in front of rtmpsuck, byte-identical to rtmpkit's and
 * rtmpdump's plain downloads from nginx.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { requirePeers, runBounded, tempDir } from '../helpers/peers.js';
import type { SuckReport } from './rtmpe-rtmpsuck.runner.js';

const RUNNER = join(dirname(fileURLToPath(import.meta.url)), 'rtmpe-rtmpsuck.runner.js');
const NEEDS = [
  'unshare',
  'ip',
  'nginx',
  '/usr/lib/nginx/modules/ngx_rtmp_module.so',
  'rtmpdump',
  '/usr/sbin/rtmpsuck',
];
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test("RTMPE types 8 and 6 from rtmpkit's client through rtmpsuck = the plain download (netns)", async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const out = tempDir('rtmpkit-rtmpsuck-');
  dirs.push(out);
  const r = await runBounded(
    'unshare',
    ['--net', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, RUNNER, out],
    240_000,
  );
  assert.equal(r.timedOut, false, `runner timed out:\n${r.stderr}`);
  assert.equal(r.code, 0, `runner failed:\n${r.stderr}`);
  const report = JSON.parse(r.stdout.toString()) as SuckReport;
  const plain = readFileSync(report.plain.file);
  assert.ok(plain.length > 1_000_000, `plain download only ${plain.length} bytes:\n${report.plain.stderr}`);
  assert.deepEqual(
    report.cases.map((c) => c.type),
    [8, 6],
  );
  for (const c of report.cases) {
    const why = `${c.label}:\n${c.stderr}\nrtmpsuck:\n${report.rtmpsuckLog}`;
    assert.deepEqual(c.errors, [], why);
    assert.equal(c.s2Valid, true, `S2 signature from librtmp's server (${why})`);
    assert.deepEqual(c.warnings, [], why);
    assert.ok(c.relayed > 1_000_000, `only ${c.relayed} bytes relayed (${why})`);
    assert.equal(c.code, report.plain.code, why);
    const got = readFileSync(c.file);
    assert.ok(got.equals(plain), `${c.label}: ${got.length} B through rtmpsuck != ${plain.length} B plain`);
  }
  assert.deepEqual(
    report.kit.map((k) => k.label),
    ['rtmp (nginx)', 'rtmp (rtmpsuck)', 'rtmpe (rtmpsuck)', 'rtmpte (bridge, rtmpsuck)'],
  );
  const apiPlain = readFileSync(report.kit[0]!.apiFile);
  assert.ok(apiPlain.length > 1_000_000, `API plain download only ${apiPlain.length} bytes`);
  for (const k of report.kit) {
    const why = `${k.label}:\n${k.stderr}\nrtmpsuck:\n${report.rtmpsuckLog}`;
    assert.equal(k.code, 0, `rtmpkit dump exit code (${why})`);
    assert.ok(readFileSync(k.file).equals(plain), `rtmpkit dump ${k.label} = rtmpdump's plain file (${why})`);
    assert.equal(k.apiError, undefined, why);
    assert.ok(readFileSync(k.apiFile).equals(apiPlain), `API ${k.label} = API plain (${why})`);
  }
});
