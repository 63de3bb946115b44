/**
 * The machine a table was measured on, for the report header, the JSON and
 * BENCHMARKS.md: CPU model and cores, RAM (and how much is available), kernel, Node and
 * peer versions, load.
 */
import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { versionOf } from './proc.js';

/** Name → value, printed in this order. */
export type Machine = Record<string, string | number>;

/** GiB in use in /dev/shm (0 where there is none). */
function shmUsedGiB(): number {
  if (!existsSync('/dev/shm')) return 0;
  const st = statfsSync('/dev/shm');
  return Math.round((((st.blocks - st.bfree) * st.bsize) / 2 ** 30) * 10) / 10;
}

/** Where Linux takes the smallest free block it reports to the host (free page reporting). */
export const REPORTING_ORDER = '/sys/module/page_reporting/parameters/page_reporting_order';
/** Above the largest buddy order (10 on x86-64 and arm64 with 4 KiB pages): no block qualifies. */
const LARGEST_ORDER = 10;

/**
 * Whether this guest hands freed memory back to its host: `on` when a virtio balloon
 * device is bound and blocks of `page_reporting_order` qualify, `off` when the order is
 * set above the largest one (nothing is reported), `none` without either. With it on,
 * memory a process frees goes back to the host within seconds and is cold again when the
 * guest next hands it out — measured on a 2-core Firecracker guest: touching 4 GiB took
 * 6.5–9.9 s each time, 2.7–3.0 s once reporting was off and the memory had been touched;
 * a 1 GB download into /dev/shm (fresh pages) cost rtmpkit 0.93–4.01 s and rtmpdump
 * 0.60–2.80 s of CPU run to run, then 0.94–1.03 and 0.63–0.72.
 */
export function pageReporting(): 'on' | 'off' | 'none' {
  let order: number;
  try {
    order = Number(readFileSync(REPORTING_ORDER, 'utf8').trim());
  } catch {
    return 'none';
  }
  let balloons: string[] = [];
  try {
    balloons = readdirSync('/sys/bus/virtio/drivers/virtio_balloon').filter((d) => d.startsWith('virtio'));
  } catch {}
  if (balloons.length === 0) return 'none';
  return order > LARGEST_ORDER ? 'off' : 'on';
}

/** Describes this machine (peer versions read from the binaries; "?" when missing). */
export function describeMachine(): Machine {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? '?',
    cores: cpu.length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    availableGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    // What /dev/shm (where outputs go) already holds: with 7.9 GB of old outputs there,
    // rtmpdump's 1 GB download cost 1.88 s CPU against 0.72 s once they were removed.
    shmUsedGiB: shmUsedGiB(),
    pageReporting: pageReporting(),
    kernel: release(),
    node: process.version,
    nginx: versionOf('nginx', ['-v'], /nginx\/[\w.]+/),
    rtmpdump: versionOf('rtmpdump', ['-h'], /RTMPDump v[\w.]+/),
    ffmpeg: versionOf('ffmpeg', ['-version'], /ffmpeg version \S+/),
    stunnel: versionOf('stunnel', ['-version'], /stunnel [\d.]+/),
    loadAtStart: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    date: new Date().toISOString(),
  };
}
