/**
 * The package as its users load it: `import 'rtmpkit'` resolves through package.json
 * "exports" to the bundled dist/src/rtmpkit.js (scripts/bundle.mjs, part of `npm run
 * build`), not tsc's ~230 per-module files. Children that measure the library or the
 * embedded server load it from here, so they measure what ships: from the per-module
 * files, Node's module loader (URL and path helpers) stays hot long enough for V8 to
 * optimise it inside the measured window, and a 303 MB `for await` cost 0.68 s of CPU
 * against 0.53 s from the bundle (7 alternated runs).
 */
import type * as Rtmpkit from '../../src/index.js';

/** The bundled package entry (dist/src/rtmpkit.js), typed as src/index.ts. */
export async function importPackage(): Promise<typeof Rtmpkit> {
  return (await import(new URL('../../src/rtmpkit.js', import.meta.url).href)) as typeof Rtmpkit;
}
