/**
 * `rtmpkit publish --no-realtime` of an FLV file and of FLV on stdin, as a user runs the
 * binary, into the embedded server recording the stream: the recording equals the source
 * byte for byte — every tag of every read sent once, in order, including the tags that
 * straddle two 1 MiB file reads (the CLI writes each read's tags in one batch), and
 * of frames of 100 KB to 2.5 MiB, most of which straddle two or three reads: the CLI
 * reads into a buffer again once nothing points into it (fileReads in publish.ts), and
 * one reused while the demuxer still held part of an unfinished frame would corrupt it.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createServer } from '../../src/index.js';
import { largeFramesFlv, multiChunkFlv } from '../helpers/multi-chunk-flv.js';
import { runBounded, tempDir } from '../helpers/peers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

describe('rtmpkit publish --no-realtime', { timeout: 120_000 }, () => {
  const cases = [
    ['a file', multiChunkFlv()],
    ['stdin', multiChunkFlv()],
    ['a file of frames up to 2.5 MiB', largeFramesFlv()],
  ] as const;

  for (const [input, source] of cases) {
    it(`${input}: the server records the source byte for byte`, async () => {
      const dir = tempDir('rtmpkit-cli-publish-');
      const path = join(dir, 'source.flv');
      writeFileSync(path, source);
      const server = createServer({ record: { dir, pattern: '{name}.rec.flv' } });
      try {
        const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
        const url = `rtmp://127.0.0.1:${port}/live/clip`;
        const r =
          input === 'stdin'
            ? await runBounded(
                process.execPath,
                [MAIN, 'publish', '-q', '--no-realtime', url, '-'],
                60_000,
                source,
              )
            : await runBounded(process.execPath, [MAIN, 'publish', '-q', '--no-realtime', url, path], 60_000);
        assert.equal(r.code, 0, r.stderr);
      } finally {
        await server.close(); // the recording is complete once the server closed
      }
      assert.ok(source.length > 3 << 20, 'the source spans several reads');
      assert.ok(readFileSync(join(dir, 'clip.rec.flv')).equals(source), 'recording = source');
    });
  }
});
