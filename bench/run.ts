/**
 * `npm run bench`: runs every scenario (bench/scenarios) against its peer in one run
 * and prints one table — scenario, metric, rtmpkit's figure, the peer's, the ratio,
 * the goal and whether it is met — with the machine above it; `--json FILE` writes the
 * same for machines. See `--help` and BENCHMARKS.md.
 *
 * The runner owns the shared resources: the media (made once, cached), a scratch
 * folder, and the servers scenarios ask for (started on first use on free loopback
 * ports, stopped at the end and on Ctrl-C, by the PIDs it started). A scenario whose
 * peer is missing gets a "skipped: <peer> missing" row; one that fails gets an
 * "error: …" row, and the run goes on.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchArgs, usage } from './lib/args.js';
import { describeMachine, REPORTING_ORDER } from './lib/machine.js';
import { ensureMedia, type Media } from './lib/media.js';
import { evaluate, type Row, renderTable, toJson } from './lib/report.js';
import { type Context, missingPeer } from './lib/scenario.js';
import { type RunningServer, startEmbedded, startNginx } from './lib/servers.js';
import { SCENARIOS } from './scenarios/index.js';

const ids = SCENARIOS.map((s) => s.id);
let opts: ReturnType<typeof parseBenchArgs>;
try {
  opts = parseBenchArgs(process.argv.slice(2), ids);
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\n\n${usage(ids)}`);
  process.exit(1);
}
if (opts.help) {
  process.stdout.write(usage(ids));
  process.exit(0);
}

const log = (msg: string): void => void process.stderr.write(`bench: ${msg}\n`);
const here = dirname(fileURLToPath(import.meta.url));
const selected = SCENARIOS.filter((s) => opts.only.length === 0 || opts.only.includes(s.id));
const machine = describeMachine();
if (Number(machine.shmUsedGiB) >= 1) {
  log(
    `warning: /dev/shm already holds ${machine.shmUsedGiB} GiB — old outputs there distorted a ` +
      "peer's figures before (BENCHMARKS.md, round-7 table); remove them for a clean table",
  );
}
if (machine.pageReporting === 'on') {
  log(
    'warning: this guest returns freed memory to its host (free page reporting), so fresh pages ' +
      'cost each run a different amount and the rows that write files swing; for a steady table, as ' +
      `root: echo 11 > ${REPORTING_ORDER} and touch the memory once first (BENCHMARKS.md, "Reproduce")`,
  );
}
const rows: Row[] = [];
const work = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'rtmpkit-bench-'));
const servers: Promise<RunningServer>[] = [];

async function cleanup(): Promise<void> {
  for (const s of servers.splice(0)) {
    try {
      await (await s).stop();
    } catch {}
  }
  rmSync(work, { recursive: true, force: true });
}

process.once('SIGINT', () => {
  log('interrupted: stopping the servers it started');
  void cleanup().then(() => process.exit(130));
});
// A crash must not leave nginx or the server child running.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.once(event, (err: unknown) => {
    log(`crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    void cleanup().then(() => process.exit(1));
  });
}

// Media only when a scenario with peers runs (those are the ones that play files).
let media: Media | undefined;
let mediaProblem: string | undefined;
if (selected.some((s) => s.needs.length > 0)) {
  if (missingPeer(['ffmpeg'])) mediaProblem = 'ffmpeg missing (it makes the media)';
  else media = ensureMedia(opts.quick, log);
}

let nginx: Promise<RunningServer> | undefined;
let embedded: Promise<RunningServer> | undefined;
const ctx: Context = {
  quick: opts.quick,
  runs: opts.runs,
  media: media!,
  work,
  cli: resolve(here, '../src/bin/rtmpkit.js'),
  library: resolve(here, '../src/rtmpkit.js'),
  nginx() {
    if (!nginx) {
      nginx = startNginx(media!.dir);
      servers.push(nginx);
    }
    return nginx;
  },
  embedded() {
    if (!embedded) {
      embedded = startEmbedded(media!.dir);
      servers.push(embedded);
    }
    return embedded;
  },
  log,
};

try {
  for (const [i, s] of selected.entries()) {
    const missing = missingPeer(['/usr/bin/time', ...s.needs]);
    const skip = missing ? `skipped: ${missing} missing` : s.needs.length > 0 ? mediaProblem : undefined;
    if (skip) {
      rows.push({
        scenario: s.title,
        metric: '—',
        unit: 'count',
        note: skip.startsWith('skipped') ? skip : `skipped: ${skip}`,
      });
      continue;
    }
    log(`[${i + 1}/${selected.length}] ${s.id}…`);
    const t0 = performance.now();
    try {
      rows.push(...(await s.run(ctx)));
    } catch (err) {
      rows.push({
        scenario: s.title,
        metric: '—',
        unit: 'count',
        note: `error: ${(err as Error).message.split('\n')[0]}`,
      });
    }
    log(`[${i + 1}/${selected.length}] ${s.id} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
} finally {
  await cleanup();
}

machine.loadAtEnd = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
const report = evaluate(rows);
process.stdout.write(
  `rtmpkit benchmarks, ${machine.date}: ${opts.runs} runs per side, alternating, medians${opts.quick ? ' (--quick: small sizes)' : ''}\n` +
    `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB RAM (${machine.availableGiB} available, ${machine.shmUsedGiB} in /dev/shm, free page reporting ${machine.pageReporting}), Linux ${machine.kernel}; ` +
    `Node ${machine.node}, ${machine.nginx}, ${machine.rtmpdump}, ${machine.ffmpeg}, ${machine.stunnel}; ` +
    `load ${machine.loadAtStart} → ${machine.loadAtEnd}\n` +
    'ratio = rtmpkit ÷ peer; a goal "× peer" is on the ratio, any other on rtmpkit\'s figure\n\n' +
    `${renderTable(report)}\n`,
);
if (opts.json) {
  writeFileSync(
    opts.json,
    toJson({
      machine,
      options: { runs: opts.runs, quick: opts.quick, only: opts.only.join(',') },
      rows: report,
    }),
  );
  log(`wrote ${opts.json}`);
}
