/**
 * Reading a V8 CPU profile (`node --cpu-prof`, the .cpuprofile JSON of the DevTools
 * protocol's Profiler.Profile): self time per function, heaviest first. Pure.
 *
 * Each sample names the node (function + call site) that was on top of the stack; the
 * time until the next sample (`timeDeltas[i + 1]`, µs) is that node's self time.
 * Functions are merged by name and location across call paths.
 */

/** The parts of Profiler.Profile this reads. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of the profile. */
export interface HotFunction {
  name: string;
  /** "src/chunk/reader.js:273", "node:internal/…", or "" for V8's pseudo-functions. */
  location: string;
  selfMs: number;
  /** Of all sampled time, 0–100. */
  percent: number;
}

/** Shortens a script URL to its path below dist/ (or keeps node: URLs). */
export function shortLocation(url: string, line: number): string {
  if (url === '') return '';
  const dist = url.lastIndexOf('/dist/');
  const path = dist >= 0 ? url.slice(dist + 6) : url.replace(/^file:\/\//, '');
  return `${path}:${line + 1}`;
}

/** The `top` functions by self time. */
export function topFunctions(profile: CpuProfile, top = 20): HotFunction[] {
  const byNode = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i + 1] ?? 0;
    byNode.set(profile.samples[i]!, (byNode.get(profile.samples[i]!) ?? 0) + Math.max(0, us));
  }
  const total = [...byNode.values()].reduce((a, b) => a + b, 0);
  const merged = new Map<string, HotFunction>();
  for (const node of profile.nodes) {
    const us = byNode.get(node.id);
    if (!us) continue;
    const name = node.callFrame.functionName || '(anonymous)';
    const location = shortLocation(node.callFrame.url, node.callFrame.lineNumber);
    const key = `${name}\u0000${location}`;
    const f = merged.get(key) ?? { name, location, selfMs: 0, percent: 0 };
    f.selfMs += us / 1000;
    merged.set(key, f);
  }
  const list = [...merged.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  for (const f of list) f.percent = total > 0 ? (f.selfMs * 1000 * 100) / total : 0;
  return list;
}
