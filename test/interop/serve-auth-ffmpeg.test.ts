/**
 * `rtmpkit serve --auth adobe|llnw --users FILE` (the BUILT binary) against FFmpeg's
 * client, which answers both challenges from `rtmp://user:pass@host/…`: the right password
 * publishes, and the recording (`--record`) has every A/V tag of the source (flvcmp); a
 * wrong password and an unknown user are refused — FFmpeg exits with an error, nothing is
 * recorded, serve prints each as a refusal naming the user — and the password never
 * appears in what serve prints.
 */
import assert from 'node:assert/strict';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { copyFlv, flvcmp } from '../helpers/ffmpeg.js';
import { makeMedia, requirePeers, tempDir } from '../helpers/peers.js';
import { startServe } from '../helpers/serve-cli.js';
import { until } from '../unit/server-harness.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The FLV files recorded under `dir` (serve --record writes DIR/APP/NAME-TIME.flv). */
function recordings(dir: string): string[] {
  try {
    return readdirSync(join(dir, 'live')).map((f) => join(dir, 'live', f));
  } catch {
    return [];
  }
}

describe('serve --auth: FFmpeg publishes with a user and password', { timeout: 240_000 }, () => {
  for (const mode of ['adobe', 'llnw'] as const) {
    it(`authmod=${mode}: the right password records the source; a wrong one and an unknown user are refused`, async (t) => {
      if (!requirePeers(t, ['ffmpeg', 'python3'])) return;
      const src = join(makeMedia(), 'short.flv');
      const dir = tempDir(`rtmpkit-serve-auth-${mode}-`);
      dirs.push(dir);
      const users = join(dir, 'users.txt');
      writeFileSync(users, '# user:password\nalice:Pa55-w0rd\n');
      const rec = join(dir, 'rec');
      const serve = await startServe(['--auth', mode, '--users', users, '--record', rec]);
      try {
        const base = `127.0.0.1:${serve.port}/live`;
        const wrong = await copyFlv(src, `rtmp://alice:nope@${base}/w`, [], 60_000);
        assert.notEqual(wrong.code, 0, 'a wrong password is refused');
        const unknown = await copyFlv(src, `rtmp://mallory:Pa55-w0rd@${base}/u`, [], 60_000);
        assert.notEqual(unknown.code, 0, 'an unknown user is refused');
        assert.deepEqual(recordings(rec), [], 'nothing recorded for refused publishers');
        await until(
          () =>
            new RegExp(`publisher "alice" refused \\(${mode} auth: failed\\)`).test(serve.text()) &&
            new RegExp(`publisher "mallory" refused \\(${mode} auth: no such user\\)`).test(serve.text()),
          10_000,
          'the refusals in the log',
        );

        const ok = await copyFlv(src, `rtmp://alice:Pa55-w0rd@${base}/s`, [], 60_000);
        assert.equal(ok.code, 0, ok.stderr);
        await until(() => recordings(rec).length === 1 && /recorded /.test(serve.text()), 20_000, 'recorded');
        await flvcmp(src, recordings(rec)[0]!);
        assert.doesNotMatch(serve.text(), /Pa55-w0rd|nope/, 'passwords are never printed');
      } finally {
        await serve.stop();
      }
    });
  }
});
