/**
 * rtmpdump's console output (src/cli/progress.ts): C `printf("%.Nf")` rounding (golden
 * strings produced by glibc printf with rtmpdump's exact expressions), the truncated
 * percentage, the 200 ms rate limit, `-#` hashes, quiet mode, and librtmp's "newline
 * before a message that follows a status line".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Console, downloadPercent, formatFixed, formatProgress, Progress } from '../../src/cli/progress.js';
import { Secrets } from '../../src/cli/terminal.js';

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

/** A sink that says it is a terminal (`isTTY`, as Node sets it on a TTY stream) or not. */
function sink(isTTY = true) {
  const chunks: string[] = [];
  return { chunks, isTTY, text: () => chunks.join(''), write: (s: string) => chunks.push(s) };
}

test('Progress on a terminal: the first update at once, then at most one line per >200 ms, with rate and ETA', () => {
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
  now += 1000; // 1.401 s in: 12 kB at 8.6 kB/s; 0.4 s of media advanced 0.3 s in 1.401 s → 9.6 s left ≈ 45 s
  p.update(12288, 400, 10);
  assert.deepEqual(s.chunks, [
    '\r1.000 kB / 0.10 sec (1.0%)  0.0 kB/s  0:00 elapsed',
    '\r4.000 kB / 0.30 sec (3.0%)  19.9 kB/s  0:00 elapsed',
    '\r12.000 kB / 0.40 sec (4.0%)  8.6 kB/s  0:01 elapsed  0:45 left',
  ]);
  // The final line is rtmpdump's, byte for byte.
  p.final(12288, 400, 10);
  assert.equal(s.chunks.at(-1), '\r12.000 kB / 0.40 sec (4.0%)');
});

test('Progress into a pipe: never a \\r; a plain line every 5 s and a final one', () => {
  const s = sink(false);
  let now = 0;
  const p = new Progress(new Console(s), { now: () => now });
  for (let t = 0; t < 12_000; t += 100) {
    now = t;
    p.update(t * 10, t, 20);
  }
  p.final(120_000, 12_000, 20);
  assert.ok(!s.text().includes('\r'), JSON.stringify(s.text()));
  const lines = s
    .text()
    .split('\n')
    .filter((l) => l !== '');
  assert.deepEqual(lines, [
    '49.805 kB / 5.10 sec (25.5%)  9.8 kB/s  0:05 elapsed  0:15 left',
    '99.609 kB / 10.20 sec (51.0%)  9.8 kB/s  0:10 elapsed  0:10 left',
    '117.188 kB / 12.00 sec (60.0%)  9.8 kB/s  0:12 elapsed  0:08 left',
  ]);
});

test('Progress with --json: NDJSON progress events once a second, numbers rounded; hashes ignored', () => {
  const err = sink(false);
  const json = sink(false);
  let now = 0;
  const p = new Progress(new Console(err, 1, { json }), { now: () => now, hashes: true });
  for (let t = 0; t <= 2500; t += 250) {
    now = t;
    p.update(t * 3 + 1, t / 3, 10 / 3);
  }
  p.final(7501, 2500 / 3, 10 / 3);
  assert.equal(err.text(), '');
  const events = json
    .text()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    events.map((e) => [e.event, e.seconds, e.duration, e.percent, e.final]),
    [
      ['progress', 0, 3.333, 0, false],
      ['progress', 0.417, 3.333, 12.5, false],
      ['progress', 0.833, 3.333, 25, false],
      ['progress', 0.833, 3.333, 25, true],
    ],
  );
  assert.deepEqual(Object.keys(events[3]), [
    'event',
    'bytes',
    'seconds',
    'duration',
    'rateKBps',
    'elapsed',
    'percent',
    'eta',
    'final',
  ]);
  assert.equal(events[3].eta, 8);
  assert.equal(events[3].rateKBps, 2.9);
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

test('Console: status lines only on a terminal; server text escaped; secrets masked', () => {
  const pipe = sink(false);
  const c = new Console(pipe, 1, { secrets: new Secrets().add('sekrit-key') });
  c.status('\r1.000 kB / 0.10 sec');
  c.print('title: \u001b]0;pwned\u0007 and \u009b31m');
  c.info('Connecting to rtmp://h/live/sekrit-key ...');
  c.raw('WARNING: client: server said \u001b[2J\n');
  c.error('publish of sekrit-key refused');
  assert.equal(
    pipe.text(),
    'title: \\x1b]0;pwned\\x07 and \\x9b31m\nINFO: Connecting to rtmp://h/live/se*** ...\n' +
      'WARNING: client: server said \\x1b[2J\nrtmpkit: publish of se*** refused\n',
  );
  const json = sink(false);
  const j = new Console(sink(false), 1, { json, secrets: new Secrets().add('sekrit-key') });
  j.print('not in JSON mode');
  j.warn('w sekrit-key');
  j.error('boom', { exitCode: 3 });
  j.event('end', { ratio: 1 / 3, text: '\u009b' });
  assert.equal(
    json.text(),
    '{"event":"warning","message":"w se***"}\n{"event":"error","message":"boom","exitCode":3}\n' +
      '{"event":"end","ratio":0.333,"text":"\\u009b"}\n',
  );
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
