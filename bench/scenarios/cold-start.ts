/**
 * CLI cold start: `rtmpkit --version` (Node, ESM loading of the CLI's modules, printing
 * the version) against `node -e 0` (Node's own floor), both whole processes under GNU
 * time, alternated. Start-up is short and noisy, so this scenario runs five times as
 * many pairs as the others.
 */
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
    return summaryRows(
      'CLI cold start (--version)',
      'node -e 0',
      summarize(ours),
      summarize(floor),
      [['wall', { kind: 'ratio', op: '<=', target: 1.3 }], ['CPU']],
      notes(`${ours.length} runs each`, failureNote('rtmpkit', ours)),
    );
  },
};
