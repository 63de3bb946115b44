/**
 * The machine a table was measured on, for the report header, the JSON and
 * BENCHMARKS.md: CPU model and cores, RAM, kernel, Node and peer versions, load.
 */
import { cpus, loadavg, release, totalmem } from 'node:os';
import { versionOf } from './proc.js';

/** Name → value, printed in this order. */
export type Machine = Record<string, string | number>;

/** Describes this machine (peer versions read from the binaries; "?" when missing). */
export function describeMachine(): Machine {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? '?',
    cores: cpu.length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
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
