/**
 * `serve --vod DIR` and symbolic links: a link inside vodDir that points outside it (to
 * a file, or a linked directory) is NetStream.Play.StreamNotFound unless `vodFollowLinks`;
 * a link that stays inside vodDir plays; and the check is made on the file opened, so a
 * link swapped around the open (between the open and the check) is refused, never served.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openVodFile } from '../../src/server/flv-source.js';
import { makeTestFlv } from '../../src/server/test-media.js';
import type { SessionEvent } from '../../src/session/client-events.js';
import { startServer, TestClient } from './server-harness.js';

const root = mkdtempSync(join(tmpdir(), 'rtmpkit-vodlinks-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** <root>/vod with inside.flv, in-link.flv → inside.flv, out-link.flv → ../secret.flv, outdir → <root>/private. */
function layout(): string {
  const dir = join(root, 'vod');
  mkdirSync(dir);
  mkdirSync(join(root, 'private'));
  const flv = makeTestFlv(2);
  writeFileSync(join(dir, 'inside.flv'), flv);
  writeFileSync(join(root, 'secret.flv'), flv);
  writeFileSync(join(root, 'private', 'clip.flv'), flv);
  symlinkSync(join(dir, 'inside.flv'), join(dir, 'in-link.flv'));
  symlinkSync(join(root, 'secret.flv'), join(dir, 'out-link.flv'));
  symlinkSync(join(root, 'private'), join(dir, 'outdir'));
  return dir;
}

async function playCode(port: number, name: string): Promise<string> {
  const c = await TestClient.connect(port, 'vod');
  try {
    const id = await c.play(name);
    const st = c.events.find(
      (e) =>
        e.kind === 'status' &&
        e.streamId === id &&
        (e.info.code === 'NetStream.Play.Start' || e.info.level === 'error'),
    ) as Extract<SessionEvent, { kind: 'status' }>;
    return String(st.info.code);
  } finally {
    c.destroy();
  }
}

describe('server: VOD and symbolic links', () => {
  const dir = layout();

  it('links out of vodDir are not served; links inside it are', async () => {
    const { server, port } = await startServer({ vodDir: dir });
    try {
      assert.equal(await playCode(port, 'inside'), 'NetStream.Play.Start');
      assert.equal(await playCode(port, 'in-link'), 'NetStream.Play.Start');
      assert.equal(await playCode(port, 'out-link'), 'NetStream.Play.StreamNotFound');
      assert.equal(await playCode(port, 'outdir/clip'), 'NetStream.Play.StreamNotFound');
    } finally {
      await server.close();
    }
  });

  it('vodFollowLinks: true serves them', async () => {
    const { server, port } = await startServer({ vodDir: dir, vodFollowLinks: true });
    try {
      assert.equal(await playCode(port, 'out-link'), 'NetStream.Play.Start');
      assert.equal(await playCode(port, 'outdir/clip'), 'NetStream.Play.Start');
    } finally {
      await server.close();
    }
  });
});

describe('openVodFile: the check is made on the file opened (a link swapped around the open)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtmpkit-vodswap-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const vod = join(dir, 'vod');
  mkdirSync(vod);
  const inside = Buffer.from(makeTestFlv(2));
  const secret = Buffer.from(makeTestFlv(3));
  writeFileSync(join(vod, 'inside.flv'), inside);
  writeFileSync(join(dir, 'secret.flv'), secret);
  const link = join(vod, 'swap.flv');
  const point = (target: string): void => {
    rmSync(link, { force: true });
    symlinkSync(target, link);
  };

  it('a link out of the directory at the open, swapped to a file inside before the check: refused', async () => {
    point(join(dir, 'secret.flv'));
    let swapped = false;
    const src = await openVodFile(vod, link, false, async () => {
      point(join(vod, 'inside.flv')); // the name now resolves inside: a check by name alone passes
      swapped = true;
    });
    assert.ok(swapped);
    assert.equal(src, undefined);
  });

  it('a link inside at the open, swapped out of the directory before the check: refused as well', async () => {
    point(join(vod, 'inside.flv'));
    const src = await openVodFile(vod, link, false, async () => point(join(dir, 'secret.flv')));
    // The name now leads out of the directory and to another file than the one opened: the
    // check fails closed (refusing a file that was inside is safe; serving one outside is not).
    assert.equal(src, undefined);
  });

  it('no swap: a link inside is served with its bytes, a link out is refused, vodFollowLinks serves it', async () => {
    point(join(vod, 'inside.flv'));
    const src = await openVodFile(vod, link, false);
    assert.ok(src);
    assert.deepEqual(await src.read(0, src.size), inside);
    await src.close();
    point(join(dir, 'secret.flv'));
    assert.equal(await openVodFile(vod, link, false), undefined);
    const followed = await openVodFile(vod, link, true);
    assert.ok(followed);
    assert.deepEqual(await followed.read(0, followed.size), secret);
    await followed.close();
  });

  it('a name that vanishes before the check rejects like fs.realpath (ENOENT), the handle closed', async () => {
    point(join(vod, 'inside.flv'));
    await assert.rejects(
      openVodFile(vod, link, false, async () => rmSync(link)),
      (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
    );
  });
});
