/**
 * The machine a table was measured on, for the report header, the JSON and
 * BENCHMARKS.md: CPU model and cores, RAM (and how much is available), kernel, Node and
 * peer versions, load.
 */
import { existsSync, statfsSync } from 'node:fs';
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
