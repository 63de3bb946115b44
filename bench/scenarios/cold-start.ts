/**
 * Cold start: `rtmpkit --version` (Node, ESM loading of the CLI's modules, printing the
 * version) and a program that only imports the library (`import 'rtmpkit'`: all of it,
 * client, server, codecs), each against `node -e 0` (Node's own floor), whole processes
 * under GNU time, alternated. Start-up is short and noisy, so this scenario runs five
 * times as many pairs as the others.
 */
import { pathToFileURL } from 'node:url';
import type { Row } from '../lib/report.js';
import {
  alternate,
  client,
  failureNote,
  notes,
  type Scenario,
  summarize,
  summaryRows,
} from '../lib/scenario.js';

/** The cold-start scenario. */
export const coldStart: Scenario = {
  id: 'cold-start',
  title: 'CLI cold start',
  needs: [],
  async run(ctx): Promise<Row[]> {
    const [ours, floor] = await alternate(
      ctx.runs * 5,
      () => client(process.execPath, [ctx.cli, '--version']),
      () => client(process.execPath, ['-e', '0']),
    );
    const importer = `import ${JSON.stringify(pathToFileURL(ctx.library).href)};`;
    const [imports, floor2] = await alternate(
      ctx.runs * 5,
      () => client(process.execPath, ['--input-type=module', '-e', importer]),
      () => client(process.execPath, ['-e', '0']),
    );
    return [
      ...summaryRows(
        'CLI cold start (--version)',
        'node -e 0',
        summarize(ours),
        summarize(floor),
        [['wall', { kind: 'ratio', op: '<=', target: 1.3 }], ['CPU']],
        notes(`${ours.length} runs each`, failureNote('rtmpkit', ours)),
      ),
      ...summaryRows(
        "library import (import 'rtmpkit')",
        'node -e 0',
        summarize(imports),
        summarize(floor2),
        [['wall'], ['CPU']],
        notes(
          `${imports.length} runs each; the whole library, one bundled file`,
          failureNote('rtmpkit', imports),
        ),
      ),
    ];
  },
};
