/**
 * Embedded server, restreaming (`push` option) between two embedded servers: every
 * message published on A reaches a player on B (a push that starts with the publish
 * loses nothing while it connects); only matching streams are pushed, under their own
 * name or the URL's; a target that is down is retried with backoff (pushError, then
 * pushStart once it is up) while the local stream is untouched; the push ends with the
 * publish; options are checked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolvePushTarget } from '../../src/server/push.js';
import { createServer } from '../../src/server/server.js';
import { makeTestFlv } from '../../src/server/test-media.js';
import type { PushInfo } from '../../src/server/types.js';
import { avRows, flvTags, mediaTags, startServer, TestClient, until } from './server-harness.js';

const TAGS = flvTags(makeTestFlv(3));

describe('server: push', () => {
  it('restreams a publish to another server: the player there gets every message; it ends with the publish', async () => {
    const b = await startServer();
    const a = await startServer({
      push: [
        `rtmp://127.0.0.1:${b.port}/relay`,
        { url: `rtmp://127.0.0.1:${b.port}/only/fixed`, app: 'live', name: 'other' },
      ],
    });
    try {
      const player = await TestClient.connect(b.port, 'relay');
      const pid = await player.play('cam');
      const started: PushInfo[] = [];
      a.server.on('pushStart', (i) => started.push(i));
      const pub = await TestClient.connect(a.port, 'live', { mode: 'publish' });
      const sid = await pub.publish('cam');
      pub.sendTags(sid, TAGS); // at once: the push is still connecting
      const want = avRows(TAGS);
      await until(() => mediaTags(player.events, pid).length >= want.length, 10_000, 'media at B');
      assert.deepEqual(avRows(mediaTags(player.events, pid)), want);
      assert.ok(
        player.events.some((e) => e.kind === 'data' && e.name === 'onMetaData'),
        'onMetaData pushed',
      );
      assert.deepEqual(
        started.map((i) => [i.app, i.name, i.url, i.targetName, i.state]),
        [['live', 'cam', `rtmp://127.0.0.1:${b.port}/relay`, 'cam', 'publishing']],
        'only the matching target',
      );
      const push = a.server.stats().apps[0]!.streams[0]!.pushes;
      assert.equal(push.length, 1);
      assert.ok(push[0]!.bytes > 0);
      pub.session.deleteStream(sid);
      pub.flush();
      await player.status('NetStream.Play.UnpublishNotify', 10_000);
      await until(
        () => b.server.liveStreams().every((s) => s.publisher === undefined),
        5000,
        'unpublished at B',
      );
      pub.destroy();
      player.destroy();
    } finally {
      await a.server.close();
      await b.server.close();
    }
  });

  it('a target given with a name publishes under that name (not shown in stats)', async () => {
    const b = await startServer();
    const a = await startServer({ push: [{ url: `rtmp://127.0.0.1:${b.port}/in/SECRET`, app: 'live' }] });
    try {
      const player = await TestClient.connect(b.port, 'in');
      const pid = await player.play('SECRET');
      const pub = await TestClient.connect(a.port, 'live', { mode: 'publish' });
      const sid = await pub.publish('cam');
      pub.sendTags(sid, TAGS.slice(0, 20));
      await until(() => mediaTags(player.events, pid).length > 0, 10_000, 'media at B');
      const info = a.server.stats().apps[0]!.streams[0]!.pushes[0]!;
      assert.equal(info.url, `rtmp://127.0.0.1:${b.port}/in`);
      assert.equal(info.targetName, null);
      assert.ok(!JSON.stringify(a.server.stats()).includes('SECRET'));
      pub.destroy();
      player.destroy();
    } finally {
      await a.server.close();
      await b.server.close();
    }
  });

  it('a target that is down is retried with backoff; the local stream is untouched; it catches up once the target is up', async () => {
    // A port with no listener: take one from a server that is closed right away.
    const probe = await startServer();
    const port = probe.port;
    await probe.server.close();
    const a = await startServer({ push: [`rtmp://127.0.0.1:${port}/relay`] });
    const b = createServer();
    try {
      const errors: PushInfo[] = [];
      const startedAt: number[] = [];
      a.server.on('pushError', (_e, i) => errors.push(i));
      a.server.on('pushStart', () => startedAt.push(Date.now()));
      const local = await TestClient.connect(a.port, 'live');
      const lid = await local.play('cam');
      const pub = await TestClient.connect(a.port, 'live', { mode: 'publish' });
      const sid = await pub.publish('cam');
      pub.sendTags(sid, TAGS);
      const want = avRows(TAGS);
      await until(() => mediaTags(local.events, lid).length >= want.length, 5000, 'local player');
      assert.deepEqual(avRows(mediaTags(local.events, lid)), want, 'the local stream is untouched');
      await until(() => errors.length >= 2, 10_000, 'two failed attempts');
      const info = a.server.stats().apps[0]!.streams[0]!.pushes[0]!;
      assert.ok(info.attempts >= 2 && info.error !== undefined, JSON.stringify(info));
      await b.listen({ port });
      const player = await TestClient.connect(port, 'relay');
      const pid = await player.play('cam');
      await until(() => startedAt.length === 1, 15_000, 'pushStart after the target came up');
      // The retry starts from the channel's catch-up: onMetaData, sequence headers, the last GOP.
      await until(() => mediaTags(player.events, pid).length > 0, 5000, 'catch-up at B');
      const got = avRows(mediaTags(player.events, pid));
      const tail = avRows(TAGS).slice(-got.length + 2);
      assert.deepEqual(got.slice(2), tail, 'sequence headers, then the last GOP');
      pub.destroy();
      local.destroy();
      player.destroy();
    } finally {
      await a.server.close();
      await b.close();
    }
  });

  it('checks push targets', () => {
    for (const push of [
      'rtmp://h/app',
      [42],
      ['not a url'],
      ['http://h/app'],
      ['rtmp://h'],
      [{ url: 'rtmp://h/a', app: '' }],
    ]) {
      assert.throws(
        () => createServer({ push: push as never }),
        (e: Error & { code?: string }) => e.code === 'ERR_SERVER_OPTION' && /push/.test(e.message),
        JSON.stringify(push),
      );
    }
    assert.equal(resolvePushTarget('rtmp://user:pw@h:1940/live/key').safeUrl, 'rtmp://h:1940/live');
    assert.equal(resolvePushTarget('rtmp://h/live/key').fixedName, 'key');
    assert.equal(resolvePushTarget('rtmp://h/live').fixedName, undefined);
  });
});
