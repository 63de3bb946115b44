/**
 * The recipes in examples/ run as a user runs them (`node examples/x.mjs URL …`, importing
 * 'rtmpkit' by the package's self-reference to this build) against the embedded server
 * with the demo methods `rtmpkit serve` answers: probe, RPC both ways, publish → record,
 * relay → record. The recordings are checked tag by tag with the FLV demuxer.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { demoCall } from '../../src/cli/demo-rpc.js';
import { FlvDemuxer } from '../../src/flv/demuxer.js';
import { createServer, makeTestFlv, type RTMPServer } from '../../src/index.js';
import { runBounded, tempDir } from '../helpers/peers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const example = (name: string): string => join(ROOT, 'examples', name);

/** Runs an example with node; resolves with its stdout, failing on a non-zero exit. */
async function run(name: string, ...args: string[]): Promise<string> {
  const r = await runBounded(process.execPath, [example(name), ...args], 60_000);
  assert.equal(
    r.code,
    0,
    `${name} ${args.join(' ')} → ${r.code}${r.timedOut ? ' (timed out)' : ''}\n${r.stderr}`,
  );
  return r.stdout.toString('utf8');
}

/** The tags of an FLV file (the demuxer throws on anything malformed or cut). */
function tagsOf(file: string): { audio: number; video: number; script: number; last: number } {
  const d = new FlvDemuxer();
  const tags = d.push(readFileSync(file));
  d.end();
  return {
    audio: tags.filter((t) => t.type === 8).length,
    video: tags.filter((t) => t.type === 9).length,
    script: tags.filter((t) => t.type === 18).length,
    last: Math.max(...tags.map((t) => t.timestamp)),
  };
}

describe('examples/ against the embedded server', { timeout: 180_000 }, () => {
  let server: RTMPServer;
  let base: string;
  let dir: string;

  before(async () => {
    dir = tempDir('rtmpkit-examples-');
    server = createServer({ vodFiles: { test: makeTestFlv(3) }, onCall: demoCall });
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    base = `rtmp://127.0.0.1:${port}`;
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Resolves when a player of `name` is waiting on the server. */
  const playing = (name: string): Promise<void> =>
    new Promise((res) => {
      const on = (r: { name: string }): void => {
        if (r.name !== name) return;
        server.off('play', on);
        res();
      };
      server.on('play', on);
    });

  it('probe.mjs names the codecs and counts packets', async () => {
    const out = await run('probe.mjs', `${base}/vod/test`, '2');
    assert.match(out, /^server: NetConnection\.Connect\.Success/m);
    assert.match(out, /duration: 2\.995,/);
    assert.match(out, /^video: avc, \d+ packets, \d+ bytes$/m);
    assert.match(out, /^audio: aac, \d+ packets, \d+ bytes$/m);
  });

  it('rpc.mjs calls the server and answers the server', async () => {
    const out = await run('rpc.mjs', `${base}/app`);
    assert.match(out, /^MyMath\.MyAdd\(1, 2\) = 3$/m);
    assert.match(out, /^echo = \[ 'hello'/m);
    assert.match(out, /^server asked us: 42$/m);
  });

  it('publish.mjs (real time) → record.mjs: the recording has every media tag, ends with the publisher', async () => {
    const input = join(dir, 'two.flv');
    writeFileSync(input, makeTestFlv(2));
    const sent = tagsOf(input);
    const file = join(dir, 'rec.flv');
    const waiting = playing('rec');
    const recorder = run('record.mjs', `${base}/live/rec`, file, '30');
    await waiting;
    const began = performance.now();
    const published = await run('publish.mjs', `${base}/live/rec`, input);
    const took = performance.now() - began;
    assert.match(published, /^published \d+ tags to /m);
    assert.ok(took >= 1500, `paced in real time: 2 s of media took ${Math.round(took)} ms`);
    assert.match(await recorder, /^recorded \d+ tags into /m);
    const got = tagsOf(file);
    assert.deepEqual([got.audio, got.video], [sent.audio, sent.video]);
    assert.equal(got.last, sent.last);
  });

  it('relay.mjs restreams a recorded stream to a live name; record.mjs gets all of it', async () => {
    const file = join(dir, 'copy.flv');
    const waiting = playing('copy');
    const recorder = run('record.mjs', `${base}/live/copy`, file, '30');
    await waiting;
    const out = await run('relay.mjs', `${base}/vod/test`, `${base}/live/copy`);
    assert.match(out, /^relayed \d+ tags from /m);
    await recorder;
    const source = join(dir, 'source.flv');
    writeFileSync(source, makeTestFlv(3)); // what vod/test serves
    const sent = tagsOf(source);
    const got = tagsOf(file);
    assert.deepEqual([got.audio, got.video], [sent.audio, sent.video]);
    assert.equal(got.last, sent.last);
  });
});
