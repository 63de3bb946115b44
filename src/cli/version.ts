/**
 * The package version for `rtmpkit --version`, read at run time from the package's own
 * `package.json` (resolved from this module's URL: `dist/src/cli/` → the package root),
 * so the number is never duplicated in code.
 */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The `version` field of rtmpkit's package.json (`'unknown'` if it cannot be read). */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'rtmpkit' && typeof pkg.version === 'string') {
        cached = pkg.version;
        break;
      }
    } catch {
      // Try the next layout.
    }
  }
  return cached;
}
