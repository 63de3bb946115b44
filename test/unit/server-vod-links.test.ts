/**
 * `serve --vod DIR` and symbolic links: a link inside vodDir that points outside it (to
 * a file, or a linked directory) is NetStream.Play.StreamNotFound unless `vodFollowLinks`;
 * a link that stays inside vodDir plays.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
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
