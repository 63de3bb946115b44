/**
 * The committed fuzz corpus: test/fuzz/corpus/<target>/<file>, one input per file.
 * A target's folder is its name in lower case with every run of characters other than
 * letters, digits, `.`, `/` and `-` turned into one `-` (`amf0.decode (utf8 replace,
 * maxDepth 8)` → `amf0.decode-utf8-replace-maxdepth-8`; `handshake/client-auto` is a
 * nested folder). Files are read in name order, so runs are reproducible.
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fuzz/corpus in the source tree (this module runs from dist/test/fuzz). */
export const CORPUS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/fuzz/corpus');

/** The corpus folder of a target name. */
export function corpusDirOf(target: string): string {
  const rel = target
    .toLowerCase()
    .replace(/[^a-z0-9./-]+/g, '-')
    .replace(/(^|\/)-+|-+($|\/)/g, '$1$2');
  return join(CORPUS_DIR, rel);
}

/** The corpus inputs of a target (none when it has no folder). */
export function corpusOf(target: string): Buffer[] {
  const dir = corpusDirOf(target);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((f) => join(dir, f))
    .filter((p) => statSync(p).isFile())
    .map((p) => readFileSync(p));
}

/**
 * Adds `input` to a target's corpus as `<prefix>-<sha256 prefix>.bin` unless the same
 * input is there already (under any prefix); returns its path.
 */
export function addToCorpus(target: string, input: Buffer, prefix: string): string {
  const dir = corpusDirOf(target);
  mkdirSync(dir, { recursive: true });
  const suffix = `-${createHash('sha256').update(input).digest('hex').slice(0, 12)}.bin`;
  const existing = readdirSync(dir).find((f) => f.endsWith(suffix));
  if (existing !== undefined) return join(dir, existing);
  const path = join(dir, `${prefix}${suffix}`);
  writeFileSync(path, input);
  return path;
}
