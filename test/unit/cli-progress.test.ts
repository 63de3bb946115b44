/**
 * rtmpdump's console output (src/cli/progress.ts): C `printf("%.Nf")` rounding (golden
 * strings produced by glibc printf with rtmpdump's exact expressions), the truncated
 * percentage, the 200 ms rate limit, `-#` hashes, quiet mode, and librtmp's "newline
 * before a message that follows a status line".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Console, downloadPercent, formatFixed, formatProgress, Progress } from '../../src/cli/progress.js';

test('formatFixed matches glibc printf, ties to even included', () => {
  // glibc: printf("%.3f %.2f %.1f %.0f", v, v, v, v)
  const golden: [number, string, string, string, string][] = [
    [0.0625, '0.062', '0.06', '0.1', '0'],
    [0.125, '0.125', '0.12', '0.1', '0'],
    [2.5, '2.500', '2.50', '2.5', '2'],
    [3.5, '3.500', '3.50', '3.5', '4'],
    [0.375, '0.375', '0.38', '0.4', '0'],
    [10.005, '10.005', '10.01', '10.0', '10'],
    [1414433 / 1024, '1381.282', '1381.28', '1381.3', '1381'],
    [0, '0.000', '0.00', '0.0', '0'],
    [12345.6785, '12345.678', '12345.68', '12345.7', '12346'],
    [-0.0625, '-0.062', '-0.06', '-0.1', '-0'],
    [2.675, '2.675', '2.67', '2.7', '3'],
    [96 / 1024, '0.094', '0.09', '0.1', '0'],
  ];
  for (const [v, f3, f2, f1, f0] of golden) {
    assert.equal(formatFixed(v, 3), f3, `${v} %.3f`);
    assert.equal(formatFixed(v, 2), f2, `${v} %.2f`);
    assert.equal(formatFixed(v, 1), f1, `${v} %.1f`);
    assert.equal(formatFixed(v, 0), f0, `${v} %.0f`);
  }
});

test("downloadPercent truncates to one decimal, as rtmpdump's (int)(p * 10) / 10", () => {
  assert.equal(downloadPercent(10052, 10.067), 99.8);
  assert.equal(downloadPercent(999, 1), 99.9);
  assert.equal(downloadPercent(1000, 1), 100);
  assert.equal(downloadPercent(5, 0), 0);
});

test('formatProgress: golden lines from rtmpdump\'s printf("\\r%.3f kB / %.2f sec (%.1f%%)")', () => {
  assert.equal(formatProgress(1414433, 10052, 10.067), '\r1381.282 kB / 10.05 sec (99.8%)');
  assert.equal(formatProgress(62771, 560, 10.067), '\r61.300 kB / 0.56 sec (5.5%)');
  assert.equal(formatProgress(573632, 4000, 10.067), '\r560.188 kB / 4.00 sec (39.7%)');
  assert.equal(formatProgress(1536, 125, 1), '\r1.500 kB / 0.12 sec (12.5%)');
  assert.equal(formatProgress(5 * 1024 * 1024 + 96, 3600005, 7200), '\r5120.094 kB / 3600.01 sec (50.0%)');
  assert.equal(formatProgress(1023, 999, 1), '\r0.999 kB / 1.00 sec (99.9%)');
  // Duration unknown: no percentage.
  assert.equal(formatProgress(64, 5, 0), '\r0.062 kB / 0.01 sec');
  assert.equal(formatProgress(0, 0, 0), '\r0.000 kB / 0.00 sec');
});

function sink() {
  const chunks: string[] = [];
  return { chunks, text: () => chunks.join(''), write: (s: string) => chunks.push(s) };
}

test('Progress: the first update prints at once, then at most one line per >200 ms', () => {
  const s = sink();
  let now = 10_000;
  const p = new Progress(new Console(s), { now: () => now });
  p.update(1024, 100, 10);
  now += 150;
  p.update(2048, 200, 10);
  now += 51; // 201 ms after the first
  p.update(4096, 300, 10);
  now += 200; // exactly 200: not more than 200
  p.update(8192, 400, 10);
  assert.deepEqual(s.chunks, ['\r1.000 kB / 0.10 sec (1.0%)', '\r4.000 kB / 0.30 sec (3.0%)']);
  p.final(8192, 400, 10);
  assert.equal(s.chunks.at(-1), '\r8.000 kB / 0.40 sec (4.0%)');
});

test('Progress -#: one # per whole percent, 100 for a complete download; no final line', () => {
  const s = sink();
  const p = new Progress(new Console(s), { hashes: true });
  p.update(1, 50, 10); // 0.5 %
  p.update(1, 120, 10); // 1.2 %
  p.update(1, 5000, 10); // 50 %
  p.update(1, 10_000, 10); // 100 %
  p.final(1, 10_000, 10);
  assert.equal(s.text(), '#'.repeat(100));
});

test('Console: a message after a status line starts on a new line; quiet prints only errors', () => {
  const s = sink();
  const c = new Console(s, 1);
  c.status('\r1.000 kB / 0.10 sec');
  c.print('Download complete');
  c.info('Connected...');
  c.debug('hidden at normal verbosity');
  assert.equal(s.text(), '\r1.000 kB / 0.10 sec\nDownload complete\nINFO: Connected...\n');

  const q = sink();
  const quiet = new Console(q, 0);
  quiet.status('\rx');
  quiet.print('msg');
  quiet.warn('w');
  quiet.error('boom');
  assert.equal(q.text(), 'rtmpkit: boom\n');

  const v = sink();
  new Console(v, 2).debug('shown');
  assert.equal(v.text(), 'DEBUG: shown\n');
});
