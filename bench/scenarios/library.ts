/**
 * The library in-process: a child Node process downloads the ~300 MB VOD from
 * nginx-rtmp with the public client, once with `for await` over the stream and once
 * with `toReadable()` piped to a file, timing itself from `connect()` to `close()`
 * (children/library.js) — the rate and CPU per GB of the library, without start-up.
 * Alternated with `rtmpdump -q`, whose rate is the one to reach (issue 9: "reach the
 * same rate at ≤ 0.5 CPU s per GB"). Checks: the `for await` byte count equals the
 * size of rtmpdump's output, and the piped file is byte-identical to it.
 */

import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sameBytes } from '../lib/flv-check.js';
import type { TimedRun } from '../lib/proc.js';
import type { Row } from '../lib/report.js';
import {
  acceptComplete,
  type Context,
  client,
  failureNote,
  notes,
  rtmpdump,
  type Scenario,
  scratch,
  sizeLabel,
  summarize,
} from '../lib/scenario.js';
import { CHILDREN_DIR } from '../lib/servers.js';
import { cpuPerGb, mbPerSec, median } from '../lib/stats.js';

interface LibraryRun {
  bytes: number;
  wallS: number;
  cpuS: number;
}

async function library(mode: 'iterate' | 'readable', url: string, out: string): Promise<LibraryRun | string> {
  const r = await client(process.execPath, [join(CHILDREN_DIR, 'library.js'), mode, url, out]);
  if (r.code !== 0)
    return `exit ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').pop() ?? ''}`.slice(0, 100);
  return JSON.parse(r.stdout) as LibraryRun;
}

async function run(ctx: Context): Promise<Row[]> {
  const nginx = await ctx.nginx();
  const file = ctx.media.big;
  const url = `rtmp://127.0.0.1:${nginx.port}/vod/${file.name}`;
  const ref = scratch(ctx, 'library-rtmpdump.flv');
  const piped = scratch(ctx, 'library-readable.flv');
  const iterate: LibraryRun[] = [];
  const readable: LibraryRun[] = [];
  const dumps: TimedRun[] = [];
  const problems = { iterate: [] as string[], readable: [] as string[] };
  for (let i = 0; i < ctx.runs; i++) {
    const a = await library('iterate', url, '');
    const d = await rtmpdump(url, ref);
    dumps.push(acceptComplete(d, ref, file));
    const c = await library('readable', url, piped);
    const refBytes = statSync(ref, { throwIfNoEntry: false })?.size ?? -1;
    if (typeof a === 'string') problems.iterate.push(a);
    else {
      iterate.push(a);
      if (a.bytes !== refBytes) problems.iterate.push(`${a.bytes} bytes, rtmpdump ${refBytes}`);
    }
    if (typeof c === 'string') problems.readable.push(c);
    else {
      readable.push(c);
      if (!sameBytes(piped, ref)) problems.readable.push('file differs from rtmpdump output');
    }
    rmSync(ref, { force: true });
    rmSync(piped, { force: true });
  }
  const d = summarize(dumps);
  const dumpRate = mbPerSec(file.bytes, d.wallS);
  const dumpCpu = cpuPerGb(d.cpuS, file.bytes);
  const rows = (label: string, runs: LibraryRun[], issues: string[], ok: string): Row[] => {
    const scenario = `library ${label} ${sizeLabel(file.bytes)}`;
    return [
      {
        scenario,
        metric: 'rate',
        unit: 'MB/s',
        ours: median(runs.map((r) => r.bytes / r.wallS / 1e6)),
        peer: { name: 'rtmpdump', value: dumpRate },
        goal: { kind: 'ratio', op: '>=', target: 1.0 },
        note: notes(issues.length === 0 ? ok : issues[0], failureNote('rtmpdump', dumps)),
      },
      {
        scenario,
        metric: 'CPU per GB',
        unit: 's/GB',
        ours: median(runs.map((r) => (r.cpuS / r.bytes) * 1e9)),
        peer: { name: 'rtmpdump', value: dumpCpu },
        goal: { kind: 'value', op: '<=', target: 0.5 },
      },
    ];
  };
  return [
    ...rows('for await', iterate, problems.iterate, 'byte count = rtmpdump output'),
    ...rows('toReadable→file', readable, problems.readable, 'file byte-identical to rtmpdump output'),
  ];
}

/** The library scenario. */
export const libraryScenario: Scenario = {
  id: 'library',
  title: 'library for await / toReadable',
  needs: ['nginx', 'rtmpdump'],
  run,
};
