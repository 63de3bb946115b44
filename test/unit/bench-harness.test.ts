/**
 * The benchmark harness's own logic (bench/lib): medians and percentiles, ratios and
 * goal verdicts, number and table formatting, the JSON shape, the command line, GNU
 * time and /proc parsing, the CPU-profile summary, and the FLV output checks. Nothing
 * here is timed: every input is a fixed string, number or small file.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseBenchArgs } from '../../bench/lib/args.js';
import { type CpuProfile, shortLocation, topFunctions } from '../../bench/lib/cpuprofile.js';
import {
  avDigest,
  avTags,
  flvPieceSizes,
  keptByLibrtmp,
  sameBytes,
  sameTags,
  tagLoss,
} from '../../bench/lib/flv-check.js';
import {
  parseResetsOnClose,
  parseStatPpid,
  parseStatTicks,
  parseStatusKiB,
  parseTimeOutput,
} from '../../bench/lib/proc.js';
import { evaluate, formatGoal, formatValue, renderTable, sig3, toJson } from '../../bench/lib/report.js';
import { CHILDREN_DIR, startFloorSender, startRtmpRelayFloor } from '../../bench/lib/servers.js';
import { cpuPerGb, maximum, mbPerSec, median, meets, percentile, ratio } from '../../bench/lib/stats.js';
import { FlvDemuxer } from '../../src/flv/demuxer.js';
import { createServer, RTMP } from '../../src/index.js';
import { multiChunkFlv } from '../helpers/multi-chunk-flv.js';
import { tempDir } from '../helpers/peers.js';

/** The command line as `npm run build` leaves it (tsc's output, not the bundle). */
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

describe('bench stats', () => {
  it('median: middle value, mean of the two middles, undefined when empty; NaN ignored', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([]), undefined);
    assert.equal(median([Number.NaN, 5, Number.NaN]), 5);
    assert.equal(median([Number.NaN]), undefined);
  });

  it('percentile: nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100 shuffled order
    assert.equal(percentile(xs, 50), 50);
    assert.equal(percentile(xs, 90), 90);
    assert.equal(percentile(xs, 99), 99);
    assert.equal(percentile(xs, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([1, 2, 3], 50), 2);
    assert.equal(percentile([], 50), undefined);
    assert.equal(maximum([1, Number.NaN, 3]), 3);
    assert.equal(maximum([]), undefined);
  });

  it('ratio: ours ÷ peer only when both are finite and the peer is positive', () => {
    assert.equal(ratio(3, 2), 1.5);
    assert.equal(ratio(3, 0), undefined);
    assert.equal(ratio(undefined, 2), undefined);
    assert.equal(ratio(3, undefined), undefined);
    assert.equal(ratio(Number.NaN, 2), undefined);
    assert.equal(ratio(3, Number.POSITIVE_INFINITY), undefined);
  });

  it('meets: ratio goals on the ratio, value goals on our figure, undecidable without one', () => {
    const atMost1 = { kind: 'ratio', op: '<=', target: 1 } as const;
    assert.equal(meets(atMost1, 10, 1), true);
    assert.equal(meets(atMost1, 10, 1.01), false);
    assert.equal(meets(atMost1, 10, undefined), undefined);
    const atLeastHalf = { kind: 'ratio', op: '>=', target: 0.5 } as const;
    assert.equal(meets(atLeastHalf, 1, 0.5), true);
    assert.equal(meets(atLeastHalf, 1, 0.08), false);
    const rss = { kind: 'value', op: '<=', target: 64 } as const;
    assert.equal(meets(rss, 63.9, 99), true, 'the ratio does not matter for a value goal');
    assert.equal(meets(rss, 101, 0.1), false);
    assert.equal(meets(rss, undefined, 1), undefined);
    assert.equal(meets(undefined, 1, 1), undefined);
  });

  it('rates: MB/s and CPU s per GB in powers of ten', () => {
    assert.equal(mbPerSec(300e6, 2), 150);
    assert.equal(mbPerSec(300e6, 0), undefined);
    assert.equal(mbPerSec(300e6, undefined), undefined);
    assert.equal(cpuPerGb(0.75, 300e6), 2.5);
    assert.equal(cpuPerGb(0.75, 0), undefined);
    assert.equal(cpuPerGb(undefined, 1e9), undefined);
  });
});

describe('bench report', () => {
  it('sig3 keeps three significant digits without exponents', () => {
    assert.equal(sig3(0.0631), '0.0631');
    assert.equal(sig3(0.751), '0.751');
    assert.equal(sig3(1.544), '1.54');
    assert.equal(sig3(22.46), '22.5');
    assert.equal(sig3(303.4), '303');
    assert.equal(sig3(12345.6), '12346');
    assert.equal(sig3(0), '0');
  });

  it('formats figures and goals with their units', () => {
    assert.equal(formatValue(0.751, 's'), '0.751 s');
    assert.equal(formatValue(101.2, 'MiB'), '101 MiB');
    assert.equal(formatValue(499.6, 'count'), '500');
    assert.equal(formatValue(1.544, 'x'), '1.54×');
    assert.equal(formatValue(undefined, 's'), '—');
    assert.equal(formatValue(Number.NaN, 's'), '—');
    assert.equal(formatGoal({ kind: 'ratio', op: '<=', target: 1 }, 's'), '≤ 1.0× peer');
    assert.equal(formatGoal({ kind: 'ratio', op: '>=', target: 0.5 }, 'MB/s'), '≥ 0.5× peer');
    assert.equal(formatGoal({ kind: 'value', op: '<=', target: 64 }, 'MiB'), '≤ 64 MiB');
    assert.equal(formatGoal({ kind: 'value', op: '>=', target: 500 }, 'count'), '≥ 500');
    assert.equal(formatGoal(undefined, 's'), '—');
  });

  it('evaluates rows and renders an aligned table, skipped rows included', () => {
    const rows = evaluate([
      {
        scenario: 'dump VOD 303 MB',
        metric: 'wall',
        unit: 's',
        ours: 1.2,
        peer: { name: 'rtmpdump', value: 0.8 },
        goal: { kind: 'ratio', op: '<=', target: 1 },
        note: 'outputs byte-identical',
      },
      {
        scenario: 'dump VOD 303 MB',
        metric: 'peak RSS',
        unit: 'MiB',
        ours: 60,
        peer: { name: 'rtmpdump', value: 11.6 },
        goal: { kind: 'value', op: '<=', target: 64 },
      },
      { scenario: 'RTMPS through stunnel', metric: '—', unit: 'count', note: 'skipped: stunnel missing' },
    ]);
    assert.deepEqual(
      rows.map((r) => [r.ratio === undefined ? undefined : Number(r.ratio.toFixed(3)), r.met]),
      [
        [1.5, false],
        [5.172, true],
        [undefined, undefined],
      ],
    );
    const lines = renderTable(rows).split('\n');
    assert.equal(lines.length, 5);
    assert.match(lines[0]!, /^scenario\s+metric\s+rtmpkit\s+peer\s+ratio\s+goal\s+met\s+note$/);
    assert.match(lines[1]!, /^-+( +-+){7}$/);
    assert.match(
      lines[2]!,
      /wall +1\.20 s +rtmpdump 0\.800 s +1\.50× +≤ 1\.0× peer +NO +outputs byte-identical$/,
    );
    assert.match(lines[3]!, /peak RSS +60\.0 MiB +rtmpdump 11\.6 MiB +5\.17× +≤ 64 MiB +yes$/);
    assert.match(lines[4]!, /^RTMPS through stunnel +— +— +— +— +— +— +skipped: stunnel missing$/);
    // columns line up: "metric" starts at the same offset on every line
    const at = lines[0]!.indexOf('metric');
    assert.equal(lines[2]!.indexOf('wall'), at);
    assert.equal(lines[3]!.indexOf('peak RSS'), at);
  });

  it('JSON keeps every key, missing figures as null', () => {
    const rows = evaluate([{ scenario: 's', metric: 'm', unit: 's', ours: 1, peer: { name: 'p' } }]);
    const doc = JSON.parse(toJson({ machine: { cores: 2 }, options: { runs: 3 }, rows }));
    assert.deepEqual(doc.rows[0], {
      scenario: 's',
      metric: 'm',
      unit: 's',
      ours: 1,
      peer: { name: 'p' },
      ratio: null,
      met: null,
    });
    assert.deepEqual(doc.machine, { cores: 2 });
  });
});

describe('bench command line', () => {
  const ids = ['micro', 'dump', 'idle'];

  it('defaults: 3 runs, full size, every scenario', () => {
    assert.deepEqual(parseBenchArgs([], ids), {
      runs: 3,
      quick: false,
      json: undefined,
      only: [],
      help: false,
    });
  });

  it('reads --quick, --runs, --only and --json', () => {
    assert.deepEqual(
      parseBenchArgs(['--quick', '--runs', '5', '--only', 'dump,idle', '--json', 'out.json'], ids),
      {
        runs: 5,
        quick: true,
        json: 'out.json',
        only: ['dump', 'idle'],
        help: false,
      },
    );
    assert.equal(parseBenchArgs(['--runs=1'], ids).runs, 1);
  });

  it('refuses bad usage with a message', () => {
    assert.throws(() => parseBenchArgs(['--runs', '0'], ids), /--runs must be an integer/);
    assert.throws(() => parseBenchArgs(['--runs', '2.5'], ids), /--runs must be an integer/);
    assert.throws(() => parseBenchArgs(['--only', 'dump,nope'], ids), /unknown scenario 'nope'/);
    assert.throws(() => parseBenchArgs(['--fast'], ids), /Unknown option/);
    assert.throws(() => parseBenchArgs(['dump'], ids), /unexpected argument 'dump'/);
    assert.throws(() => parseBenchArgs(['--json', ''], ids), /--json needs a file name/);
  });
});

describe('bench process measurement parsing', () => {
  it('reads GNU time -f "%e %U %S %M", also after its exit/signal lines', () => {
    assert.deepEqual(parseTimeOutput('1.23 0.50 0.25 103424\n'), {
      userS: 0.5,
      sysS: 0.25,
      cpuS: 0.75,
      maxRssMiB: 101,
    });
    const failed = parseTimeOutput('Command exited with non-zero status 2\n0.10 0.04 0.01 11878\n');
    assert.equal(failed?.maxRssMiB, 11878 / 1024);
    assert.ok(Math.abs(failed!.cpuS - 0.05) < 1e-9);
    const killed = parseTimeOutput('Command terminated by signal 9\n3.00 2.00 1.00 2048\n');
    assert.equal(killed?.cpuS, 3);
    assert.equal(parseTimeOutput(''), undefined);
    assert.equal(parseTimeOutput('Command terminated by signal 9\n'), undefined);
  });

  it('reads utime+stime and the parent from /proc/PID/stat, whatever the command name holds', () => {
    // proc(5): pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime …
    const stat =
      '4242 (nginx: worker (x) 1) S 4241 4241 4241 0 -1 4194624 100 0 0 0 1234 567 0 0 20 0 1 0 99 0\n';
    assert.equal(parseStatTicks(stat), 1801);
    assert.equal(parseStatPpid(stat), 4241);
    assert.equal(parseStatTicks('garbage'), undefined);
    assert.equal(parseStatPpid('garbage'), undefined);
  });

  it('reads kB fields of /proc/PID/status', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1000 kB\nVmHWM:\t  104448 kB\nVmRSS:\t   98304 kB\n';
    assert.equal(parseStatusKiB(status, 'VmHWM'), 104448);
    assert.equal(parseStatusKiB(status, 'VmRSS'), 98304);
    assert.equal(parseStatusKiB(status, 'VmSwap'), undefined);
  });

  it('reads the resets on close of /proc/net/netstat (TcpExt TCPAbortOnClose)', () => {
    const netstat =
      'TcpExt: SyncookiesSent TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory\n' +
      'TcpExt: 0 33 90 0\n' +
      'IpExt: InNoRoutes InTruncatedPkts\n' +
      'IpExt: 0 0\n';
    assert.equal(parseResetsOnClose(netstat), 90);
    assert.equal(parseResetsOnClose('TcpExt: TCPAbortOnData\nTcpExt: 5\n'), undefined);
    assert.equal(parseResetsOnClose('TcpExt: TCPAbortOnClose\nTcpExt: x\n'), undefined);
    assert.equal(parseResetsOnClose(''), undefined);
  });
});

describe('bench CPU profile summary', () => {
  const frame = (functionName: string, url: string, lineNumber: number) => ({
    functionName,
    url,
    lineNumber,
  });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', '', -1) },
      { id: 2, callFrame: frame('#run', 'file:///w/dist/src/chunk/reader.js', 177) },
      { id: 3, callFrame: frame('#run', 'file:///w/dist/src/chunk/reader.js', 177) }, // another call path
      { id: 4, callFrame: frame('(garbage collector)', '', -1) },
      { id: 5, callFrame: frame('', 'node:buffer', 240) },
    ],
    samples: [2, 3, 4, 2, 5, 2],
    timeDeltas: [0, 1000, 2000, 1000, 3000, 1000],
  };

  it('self time per function, merged across call paths, heaviest first', () => {
    // sample i gets timeDeltas[i + 1]: node2 1000+3000, node3 2000, node4 1000, node5 1000, last 0
    const top = topFunctions(profile);
    assert.deepEqual(
      top.map((f) => [f.name, f.location, f.selfMs, Number(f.percent.toFixed(2))]),
      [
        ['#run', 'src/chunk/reader.js:178', 6, 75],
        ['(garbage collector)', '', 1, 12.5],
        ['(anonymous)', 'node:buffer:241', 1, 12.5],
      ],
    );
    assert.equal(topFunctions(profile, 1).length, 1);
  });

  it('shortens locations below dist/', () => {
    assert.equal(shortLocation('file:///work/x/dist/src/a.js', 0), 'src/a.js:1');
    assert.equal(shortLocation('file:///opt/lib.js', 9), '/opt/lib.js:10');
    assert.equal(shortLocation('', 3), '');
  });
});

describe('bench FLV output checks', () => {
  /** An FLV file: header, PreviousTagSize0, then each tag and its PreviousTagSize. */
  function flv(tags: { type: number; ts: number; payload: Buffer }[]): Buffer {
    const parts: Buffer[] = [Buffer.from('464c5601050000000900000000', 'hex')];
    for (const t of tags) {
      const h = Buffer.alloc(11);
      h[0] = t.type;
      h.writeUIntBE(t.payload.length, 1, 3);
      h.writeUIntBE(t.ts & 0xffffff, 4, 3);
      h[7] = t.ts >>> 24;
      const prev = Buffer.alloc(4);
      prev.writeUInt32BE(11 + t.payload.length);
      parts.push(h, t.payload, prev);
    }
    return Buffer.concat(parts);
  }
  const video = (ts: number, n: number) => ({ type: 9, ts, payload: Buffer.alloc(n, ts & 0xff) });
  const audio = (ts: number, n: number) => ({ type: 8, ts, payload: Buffer.alloc(n, 0x80 | (ts & 0x7f)) });
  const meta = { type: 18, ts: 0, payload: Buffer.from('02000a6f6e4d65746144617461', 'hex') };

  it('librtmp keeps video over 5 bytes and audio over 1 byte only', () => {
    assert.equal(keptByLibrtmp(9, 5), false);
    assert.equal(keptByLibrtmp(9, 6), true);
    assert.equal(keptByLibrtmp(8, 1), false);
    assert.equal(keptByLibrtmp(8, 2), true);
    assert.equal(keptByLibrtmp(18, 100), false);
  });

  it('digests A/V tags per type: metadata, tiny tags and A/V interleaving do not matter; payload and time do', () => {
    const dir = tempDir('rtmpkit-bench-test-');
    const write = (name: string, tags: Parameters<typeof flv>[0]) => {
      const p = join(dir, name);
      writeFileSync(p, flv(tags));
      return p;
    };
    const source = write('a.flv', [
      meta,
      video(0, 100),
      audio(0, 10),
      video(33, 50),
      audio(23, 10),
      video(66, 5),
    ]);
    const relayed = write('b.flv', [video(0, 100), video(33, 50), audio(0, 10), audio(23, 10)]);
    const changed = write('c.flv', [video(0, 100), audio(0, 10), video(34, 50), audio(23, 10)]);
    const reordered = write('d.flv', [video(33, 50), video(0, 100), audio(0, 10), audio(23, 10)]);
    const extended = write('e.flv', [video(0x01000000, 100)]);
    const a = avDigest(source);
    assert.equal(a.tags, 4);
    assert.equal(a.trailing, 0);
    assert.deepEqual(avDigest(relayed), a);
    assert.ok(sameTags(avDigest(relayed), a));
    assert.ok(!sameTags(avDigest(changed), a));
    assert.notEqual(avDigest(changed).sha1, a.sha1);
    assert.notEqual(avDigest(reordered).sha1, a.sha1, 'order within a type matters');
    assert.notEqual(avDigest(extended).sha1, avDigest(write('f.flv', [video(0, 100)])).sha1);
    const cut = join(dir, 'cut.flv');
    writeFileSync(cut, flv([video(0, 100), audio(0, 10)]).subarray(0, -7));
    assert.deepEqual(avDigest(cut), { ...avDigest(write('h.flv', [video(0, 100)])), trailing: 18 });
    assert.equal(avDigest(write('g.flv', [])).tags, 0);
    assert.throws(() => avDigest(join(dir, 'nope')), /ENOENT/);
    writeFileSync(join(dir, 'x.bin'), 'not flv at all');
    assert.throws(() => avDigest(join(dir, 'x.bin')), /not an FLV file/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('tagLoss: a message a server dropped is missing, the rest of its track restamped; other tracks untouched', () => {
    const dir = tempDir('rtmpkit-bench-test-');
    const write = (name: string, tags: Parameters<typeof flv>[0]) => {
      const p = join(dir, name);
      writeFileSync(p, flv(tags));
      return avTags(p);
    };
    // Distinct payloads per frame (size differs), video every 33 ms, audio every 23 ms.
    const v = (i: number) => ({ type: 9, ts: i * 33, payload: Buffer.alloc(20 + i, i) });
    const a = (i: number) => ({ type: 8, ts: i * 23, payload: Buffer.alloc(4 + i, i) });
    const frames = [0, 1, 2, 3, 4, 5].flatMap((i) => [v(i), a(i)]);
    const source = write('src.flv', [meta, ...frames, video(200, 5)]);
    assert.equal(source[9].keys.length, 6, 'the 5-byte video tag is one librtmp drops');
    assert.deepEqual(tagLoss(source, source), { missing: 0, extra: 0, shifted: 0 });
    // nginx-rtmp discarded video #2: #3 arrives with #2's time, #4 with #3's, and so on.
    const dropped = [
      v(0),
      a(0),
      v(1),
      a(1),
      a(2),
      ...[3, 4, 5].flatMap((i) => [{ ...v(i), ts: (i - 1) * 33 }, a(i)]),
    ];
    assert.deepEqual(tagLoss(source, write('drop.flv', dropped)), { missing: 1, extra: 0, shifted: 3 });
    // A cut-off download lacks its tail; a foreign payload is extra, not a match.
    assert.deepEqual(tagLoss(source, write('cut.flv', frames.slice(0, 8))), {
      missing: 4,
      extra: 0,
      shifted: 0,
    });
    const foreign = [
      ...frames.slice(0, 2),
      { type: 9, ts: 33, payload: Buffer.alloc(21, 0xee) },
      ...frames.slice(2),
    ];
    assert.deepEqual(tagLoss(source, write('foreign.flv', foreign)), { missing: 0, extra: 1, shifted: 0 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('flvPieceSizes: the header with PreviousTagSize0, each tag with its PreviousTagSize, a cut-off tail', () => {
    const dir = tempDir('rtmpkit-bench-test-');
    const bytes = flv([meta, video(0, 100), audio(0, 10)]);
    writeFileSync(join(dir, 'a.flv'), bytes);
    const sizes = flvPieceSizes(join(dir, 'a.flv'));
    assert.deepEqual(sizes, [13, 11 + meta.payload.length + 4, 115, 25]);
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      bytes.length,
    );
    writeFileSync(join(dir, 'cut.flv'), bytes.subarray(0, -7));
    assert.deepEqual(flvPieceSizes(join(dir, 'cut.flv')), [13, 11 + meta.payload.length + 4, 115, 18]);
    writeFileSync(join(dir, 'head.flv'), bytes.subarray(0, 13 + 5));
    assert.deepEqual(flvPieceSizes(join(dir, 'head.flv')), [13, 5]);
    writeFileSync(join(dir, 'x.bin'), 'not flv at all');
    assert.throws(() => flvPieceSizes(join(dir, 'x.bin')), /not an FLV file/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('sameBytes compares length and content', () => {
    const dir = tempDir('rtmpkit-bench-test-');
    const big = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    writeFileSync(join(dir, 'a'), big);
    writeFileSync(join(dir, 'b'), big);
    assert.equal(sameBytes(join(dir, 'a'), join(dir, 'b')), true);
    const other = Buffer.from(big);
    other[other.length - 1] = 8;
    writeFileSync(join(dir, 'c'), other);
    assert.equal(sameBytes(join(dir, 'a'), join(dir, 'c')), false);
    writeFileSync(join(dir, 'd'), big.subarray(0, -1));
    assert.equal(sameBytes(join(dir, 'a'), join(dir, 'd')), false);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('bench floor children', () => {
  const run = promisify(execFile);
  const child = (script: string, args: string[]) =>
    run(process.execPath, [join(CHILDREN_DIR, script), ...args], { timeout: 30_000 });

  it('the sender sends the file; each floor receives exactly its bytes and pieces', async () => {
    const dir = tempDir('rtmpkit-bench-test-');
    // An FLV header + PreviousTagSize0, then tags of 3 KiB to 600 KiB: pieces cross the 256 KiB reads.
    const parts: Buffer[] = [Buffer.from('464c5601050000000900000000', 'hex')];
    for (const [i, n] of [3000, 600_000, 70_000, 1, 300_000].entries()) {
      const h = Buffer.alloc(11);
      h[0] = 9;
      h.writeUIntBE(n, 1, 3);
      const prev = Buffer.alloc(4);
      prev.writeUInt32BE(11 + n);
      parts.push(h, Buffer.alloc(n, i + 1), prev);
    }
    const src = join(dir, 'src.flv');
    const bytes = Buffer.concat(parts);
    writeFileSync(src, bytes);
    const sender = await startFloorSender(src);
    try {
      for (const mode of ['reused', 'pipe']) {
        const out = join(dir, `${mode}.flv`);
        await child('floor-dump.js', [mode, `${sender.port}`, out]);
        assert.ok(readFileSync(out).equals(bytes), `floor-dump ${mode}: output = source`);
      }
      for (const mode of ['receive', 'iterate', 'readable']) {
        const out = join(dir, `lib-${mode}.flv`);
        const { stdout } = await child('library-floor.js', [mode, `${sender.port}`, src, out]);
        const r = JSON.parse(stdout) as { bytes: number; pieces: number; cpuS: number };
        assert.equal(r.bytes, bytes.length, mode);
        assert.equal(r.pieces, 6, mode);
        assert.ok(r.cpuS > 0, mode);
        if (mode === 'readable') assert.ok(readFileSync(out).equals(bytes), 'Readable→file: output = source');
      }
    } finally {
      await sender.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the RTMP floor plays what rtmpkit dump downloads (the embedded server)', async () => {
    const dir = tempDir('rtmpkit-bench-test-');
    const server = createServer({ vodFiles: { clip: multiChunkFlv() } });
    try {
      const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
      const url = `rtmp://127.0.0.1:${port}/vod/clip`;
      const floor = join(dir, 'floor.flv');
      const dump = join(dir, 'dump.flv');
      await child('floor-rtmp.js', ['play', url, floor]);
      await run(process.execPath, [MAIN, 'dump', '-q', '-r', url, '-o', dump], { timeout: 30_000 });
      const got = readFileSync(floor);
      assert.ok(got.length > 3_000_000, `floor output of ${got.length} bytes`);
      assert.ok(got.equals(readFileSync(dump)), 'floor-rtmp output = rtmpkit dump output');
      // In process: the same pieces (file header, then each tag) handed to a for await.
      const { stdout } = await child('floor-rtmp.js', ['iterate', url]);
      const r = JSON.parse(stdout) as { bytes: number; pieces: number; cpuS: number };
      assert.equal(r.bytes, got.length);
      assert.equal(r.pieces, 1 + [...new FlvDemuxer().push(got)].length);
      assert.ok(r.cpuS > 0);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the RTMP relay floor relays a publish to a player: every A/V tag, in order, with its timestamp', async () => {
    const dir = tempDir('rtmpkit-bench-test-');
    const source = join(dir, 'source.flv');
    writeFileSync(source, multiChunkFlv());
    const relay = await startRtmpRelayFloor();
    try {
      const url = `rtmp://127.0.0.1:${relay.port}/live/clip`;
      const conn = new RTMP(url, { live: true, timeout: 20 });
      await conn.connect();
      const stream = await conn.createStream();
      const got: Buffer[] = [];
      const reading = (async () => {
        for await (const chunk of stream) got.push(chunk);
      })();
      const pub = await run(process.execPath, [MAIN, 'publish', '-q', '--no-realtime', url, source], {
        timeout: 30_000,
      });
      assert.equal(pub.stderr, '');
      await reading;
      await conn.close();
      const av = (flv: Buffer) =>
        new FlvDemuxer()
          .push(flv)
          .filter((t) => t.type === 8 || t.type === 9)
          .map(
            (t) => `${t.type}@${t.timestamp}:${t.payload.length}:${t.payload.subarray(0, 8).toString('hex')}`,
          );
      const sent = av(readFileSync(source));
      assert.ok(sent.length > 200);
      assert.deepEqual(av(Buffer.concat(got)), sent);
    } finally {
      await relay.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the RTMP floor publishes a file the embedded server records byte for byte', async () => {
    const dir = tempDir('rtmpkit-bench-test-');
    const source = join(dir, 'source.flv');
    writeFileSync(source, multiChunkFlv());
    const server = createServer({ record: { dir, pattern: '{name}.rec.flv' } });
    try {
      const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
      await child('floor-rtmp.js', ['publish', `rtmp://127.0.0.1:${port}/live/clip`, source]);
    } finally {
      await server.close(); // the recording is complete once the server closed
    }
    try {
      assert.ok(readFileSync(join(dir, 'clip.rec.flv')).equals(readFileSync(source)), 'recording = source');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
