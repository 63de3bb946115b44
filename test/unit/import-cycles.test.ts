/**
 * No import cycles in the package: the module graph of dist/src — runtime imports from
 * the `.js` files and type imports from the `.d.ts` files, so `import type` circles
 * count too — has no strongly connected component of more than one module. A cycle
 * makes load order matter (a module may see another's exports still undefined) and
 * ties modules that should be separable; the layers (codecs → sans-IO core → I/O shell)
 * only import downwards.
 *
 * `KNOWN_CYCLES` lists cycles that exist and are to be removed; each must still exist
 * (so the list shrinks as they are fixed) and no other may appear.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** dist/src (this file runs from dist/test/unit) and the sources it was built from. */
const DIST_SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const SRC = resolve(DIST_SRC, '../../src');

/** Cycles to be removed, each as its sorted module list (paths under src/, no extension). */
const KNOWN_CYCLES: string[][] = [];

/** Relative module specifiers of a compiled file: `from '…'`, `import '…'`, `import('…')`. */
export function specifiers(code: string): string[] {
  const text = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of text.matchAll(/\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g)) {
    const spec = m[1] ?? m[2]!;
    if (spec.startsWith('.')) out.push(spec);
  }
  return out;
}

/** The import graph of dist/src: module (path under src/, no extension) → the modules it imports. */
function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const moduleOf = (file: string): string => relative(DIST_SRC, file).replace(/(\.d\.ts|\.js)$/, '');
  // A stale output of a deleted source is not part of the package.
  const isSource = (mod: string): boolean => existsSync(join(SRC, `${mod}.ts`));
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (statSync(file).isDirectory()) {
        walk(file);
        continue;
      }
      if (!name.endsWith('.js') && !name.endsWith('.d.ts')) continue;
      const mod = moduleOf(file);
      if (!isSource(mod)) continue;
      const edges = graph.get(mod) ?? new Set<string>();
      graph.set(mod, edges);
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const target = moduleOf(resolve(dirname(file), spec));
        if (isSource(target)) edges.add(target);
      }
    }
  };
  walk(DIST_SRC);
  return graph;
}

/** Strongly connected components with more than one module (or a self-import), each sorted (Tarjan). */
export function cycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.has(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** One concrete circle through a component, for the failure message: a → b → … → a. */
function circleThrough(graph: ReadonlyMap<string, ReadonlySet<string>>, component: string[]): string {
  const inside = new Set(component);
  const start = component[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(prev.get(path[0]!)!);
        return [...path, start].join(' → ');
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return component.join(', ');
}

describe('import cycles', () => {
  it('the finder names the cycles of a small graph, and only those', () => {
    const g = new Map<string, Set<string>>([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a', 'd'])],
      ['d', new Set()],
      ['e', new Set(['e'])],
      ['f', new Set(['a'])],
    ]);
    assert.deepEqual(cycles(g), [['a', 'b', 'c'], ['e']]);
    assert.equal(circleThrough(g, ['a', 'b', 'c']), 'a → b → c → a');
  });

  it('specifiers: runtime, type-only, re-export and inline type imports; comments and packages ignored', () => {
    const code = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export * from './c.js';",
      "import './d.js';",
      "export declare const x: import('./e.js').E;",
      "/** import { z } from './z.js' */",
      "import { f } from 'node:fs';",
    ].join('\n');
    assert.deepEqual(specifiers(code), ['./a.js', '../b.js', './c.js', './d.js', './e.js']);
  });

  it('dist/src has no import cycle outside the known ones', () => {
    const graph = importGraph();
    assert.ok(graph.size > 50, `read the package (${graph.size} modules)`);
    assert.ok(graph.get('server/client')?.has('server/client-streams'), 'edges were read');
    const found = cycles(graph);
    const key = (c: string[]): string => c.join(' ');
    const known = new Set(KNOWN_CYCLES.map(key));
    const fresh = found.filter((c) => !known.has(key(c)));
    assert.deepEqual(
      fresh.map((c) => `${circleThrough(graph, c)} (all of: ${c.join(', ')})`),
      [],
      'import cycles (break each by moving the shared type to a module both import)',
    );
    const gone = KNOWN_CYCLES.filter((c) => !found.some((f) => key(f) === key(c)));
    assert.deepEqual(gone, [], 'known cycles that no longer exist: remove them from KNOWN_CYCLES');
  });
});
