/**
 * Embedded server, live relay: publish → play with identical media, late joiners get
 * onMetaData + sequence headers + the GOP from the last keyframe first, a second
 * publisher gets Publish.BadName, unpublish notifies players who stay for the next
 * publisher, publish hooks, and backpressure on a player that does not read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTMPServer } from '../../src/server/server.js';
import { makeTestFlv } from '../../src/server/test-media.js';
import type { SessionEvent } from '../../src/session/client-events.js';
import { avRows, flvTags, mediaTags, startServer, type Tag, TestClient, until } from './server-harness.js';

type Ev<K extends SessionEvent['kind']> = Extract<SessionEvent, { kind: K }>;

const TAGS = flvTags(makeTestFlv(3));
const isKey = (t: Tag) => t.type === 9 && t.body[0] === 0x17 && t.body[1] === 1;
const isConfig = (t: Tag) => (t.type === 9 || t.type === 8) && t.body[1] === 0;

describe('server: live relay', () => {
  it('a player that joined first gets onMetaData and every A/V message as published', async () => {
    const { server, port } = await startServer();
    const seen: string[] = [];
    server.on('publish', (r) => seen.push(`publish ${r.app}/${r.name}?${r.query}`));
    server.on('unpublish', (r) => seen.push(`unpublish ${r.name}`));
    server.on('play', (r) => seen.push(`play ${r.kind} ${r.name}`));
    try {
      const player = await TestClient.connect(port, 'live');
      const pid = await player.play('cam');
      const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
      const sid = await pub.publish('cam?key=abc');
      await player.status('NetStream.Play.PublishNotify');
      pub.sendTags(sid, TAGS);
      const want = avRows(TAGS);
      await until(() => mediaTags(player.events, pid).length >= want.length, 5000, 'all media');
      assert.deepEqual(avRows(mediaTags(player.events, pid)), want);
      const meta = player.events.find((e) => e.kind === 'data' && e.name === 'onMetaData') as Ev<'data'>;
      assert.equal((meta.values[0] as Record<string, unknown>).width, 160);
      assert.equal(meta.dataFrame, false, 'relayed without @setDataFrame');
      assert.deepEqual(
        server.liveStreams().map((s) => [s.app, s.name, s.players, s.publisher?.id]),
        [['live', 'cam', 1, [...server.clients].find((c) => c.streams.get(sid)?.kind === 'publish')?.id]],
      );
      pub.session.deleteStream(sid);
      pub.flush();
      await player.status('NetStream.Play.UnpublishNotify');
      assert.deepEqual(seen, ['play live cam', 'publish live/cam?key=abc', 'unpublish cam']);
      player.destroy();
      pub.destroy();
      await until(() => server.liveStreams().length === 0, 5000, 'channel released');
    } finally {
      await server.close();
    }
  });

  it('a late joiner gets onMetaData, the sequence headers, then the GOP from the last keyframe, then live', async () => {
    const { server, port } = await startServer();
    try {
      const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
      const sid = await pub.publish('late');
      // Everything up to 1.5 s: keyframes at 0 and 1000 ms.
      const cut = TAGS.findIndex((t) => t.timestamp > 1500);
      pub.sendTags(sid, TAGS.slice(0, cut));
      await until(() => server.liveStreams()[0]?.metadata !== undefined);
      await new Promise((res) => setTimeout(res, 50));
      const player = await TestClient.connect(port, 'live');
      const pid = await player.play('late');
      const lastKey = TAGS.findLastIndex((t, i) => i < cut && isKey(t));
      assert.equal(TAGS[lastKey]!.timestamp, 1000);
      const expectedGop = TAGS.slice(lastKey, cut).filter((t) => t.type === 8 || t.type === 9);
      await until(() => mediaTags(player.events, pid).length >= 2 + expectedGop.length, 5000, 'catch-up');
      // Catch-up order: onMetaData, then video + audio sequence headers (stamped at the GOP start), then the GOP.
      const afterStart = player.events.slice(
        player.events.findIndex((e) => e.kind === 'status' && e.info.code === 'NetStream.Play.Start'),
      );
      const firstData = afterStart.findIndex((e) => e.kind === 'data' && e.name === 'onMetaData');
      const firstMedia = afterStart.findIndex((e) => e.kind === 'media');
      assert.ok(firstData >= 0 && firstData < firstMedia, 'onMetaData before any media');
      const got = mediaTags(player.events, pid);
      assert.deepEqual(
        got.slice(0, 2).map((t) => [t.type, t.timestamp, isConfig(t)]),
        [
          [9, 1000, true],
          [8, 1000, true],
        ],
      );
      assert.deepEqual(avRows(got.slice(2)), avRows(expectedGop));
      // Then live, with the publisher's timestamps.
      pub.sendTags(sid, TAGS.slice(cut));
      const rest = TAGS.slice(cut).filter((t) => t.type === 8 || t.type === 9);
      await until(() => mediaTags(player.events, pid).length >= 2 + expectedGop.length + rest.length);
      assert.deepEqual(avRows(mediaTags(player.events, pid).slice(2 + expectedGop.length)), avRows(rest));
      pub.destroy();
      await player.status('NetStream.Play.UnpublishNotify');
      player.destroy();
    } finally {
      await server.close();
    }
  });

  it('with gopCacheMaxBytes 0 a late joiner gets headers and then waits for the next keyframe', async () => {
    const { server, port } = await startServer({ gopCacheMaxBytes: 0 });
    try {
      const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
      const sid = await pub.publish('nogop');
      const cut = TAGS.findIndex((t) => t.timestamp > 1500);
      pub.sendTags(sid, TAGS.slice(0, cut));
      await until(() => server.liveStreams()[0]?.metadata !== undefined);
      const player = await TestClient.connect(port, 'live');
      const pid = await player.play('nogop');
      pub.sendTags(sid, TAGS.slice(cut));
      await until(() => mediaTags(player.events, pid).some((t) => t.type === 9 && t.timestamp === 2900));
      const video = mediaTags(player.events, pid).filter((t) => t.type === 9);
      assert.ok(isConfig(video[0]!));
      assert.ok(isKey(video[1]!), 'first video frame after the headers is a keyframe');
      assert.equal(video[1]!.timestamp, 2000);
      pub.destroy();
      player.destroy();
    } finally {
      await server.close();
    }
  });

  it('a second publisher of the same name gets NetStream.Publish.BadName; after unpublish it may publish', async () => {
    const { server, port } = await startServer();
    try {
      const a = await TestClient.connect(port, 'live', { mode: 'publish' });
      const aid = await a.publish('dup');
      const b = await TestClient.connect(port, 'live', { mode: 'publish' });
      await assert.rejects(b.publish('dup'), /NetStream\.Publish\.BadName/);
      // Same name in another app is a different stream.
      const c = await TestClient.connect(port, 'other', { mode: 'publish' });
      await c.publish('dup');
      a.session.closeStream(aid);
      a.flush();
      await until(() => server.liveStreams().find((s) => s.app === 'live')?.publisher === undefined);
      await b.publish('dup');
      a.destroy();
      b.destroy();
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('unpublish: players get UnpublishNotify, stay, and get PublishNotify + headers from the next publisher', async () => {
    const { server, port } = await startServer();
    try {
      const player = await TestClient.connect(port, 'live');
      const pid = await player.play('re');
      const pub1 = await TestClient.connect(port, 'live', { mode: 'publish' });
      const s1 = await pub1.publish('re');
      pub1.sendTags(s1, TAGS.slice(0, 20));
      pub1.destroy(); // disconnect = unpublish
      await player.status('NetStream.Play.UnpublishNotify');
      const before = mediaTags(player.events, pid).length;
      const pub2 = await TestClient.connect(port, 'live', { mode: 'publish' });
      const s2 = await pub2.publish('re');
      await player.status('NetStream.Play.PublishNotify');
      pub2.sendTags(s2, TAGS);
      const want = avRows(TAGS);
      await until(() => mediaTags(player.events, pid).length >= before + want.length);
      assert.deepEqual(avRows(mediaTags(player.events, pid).slice(before)), want);
      assert.ok(!player.closed);
      pub2.destroy();
      player.destroy();
    } finally {
      await server.close();
    }
  });

  it('onPublish/onPlay can refuse; publishing into a VOD app is denied', async () => {
    const { server, port } = await startServer({
      onPublish: (r) => (r.query === 'key=good' ? true : { description: 'bad key' }),
      onPlay: (r) => r.name !== 'secret',
    });
    try {
      const c = await TestClient.connect(port, 'live', { mode: 'publish' });
      await assert.rejects(c.publish('x?key=bad'), /NetStream\.Publish\.Denied/);
      const denied = c.events.findLast((e) => e.kind === 'status') as Ev<'status'>;
      assert.equal(denied.info.description, 'bad key');
      await c.publish('x?key=good');
      const p = await TestClient.connect(port, 'live');
      await p.play('secret');
      assert.ok(p.codes().includes('NetStream.Play.Failed'));
      const v = await TestClient.connect(port, 'vod', { mode: 'publish' });
      await assert.rejects(v.publish('x'), /NetStream\.Publish\.Denied/);
      c.destroy();
      p.destroy();
      v.destroy();
    } finally {
      await server.close();
    }
  });

  it('pause on a live play stops media; unpause resumes at a keyframe after the headers', async () => {
    const { server, port } = await startServer();
    try {
      const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
      const sid = await pub.publish('p');
      pub.sendTags(sid, TAGS.slice(0, 5));
      const player = await TestClient.connect(port, 'live');
      const pid = await player.play('p');
      player.session.pause(pid, true, 0);
      player.flush();
      await player.status('NetStream.Pause.Notify');
      const n = mediaTags(player.events, pid).length;
      const mid = TAGS.findIndex((t) => t.timestamp > 1500);
      pub.sendTags(sid, TAGS.slice(5, mid));
      await new Promise((res) => setTimeout(res, 100));
      assert.equal(mediaTags(player.events, pid).length, n, 'nothing while paused');
      player.session.pause(pid, false, 0);
      player.flush();
      await player.status('NetStream.Unpause.Notify');
      pub.sendTags(sid, TAGS.slice(mid));
      await until(() => mediaTags(player.events, pid).some((t) => t.timestamp === 2900 && t.type === 9));
      const after = mediaTags(player.events, pid).slice(n);
      assert.ok(isConfig(after[0]!) && after[0]!.type === 9, 'headers again after unpause');
      const firstFrame = after.find((t) => t.type === 9 && !isConfig(t))!;
      assert.ok(isKey(firstFrame));
      assert.equal(firstFrame.timestamp, 2000);
      pub.destroy();
      player.destroy();
    } finally {
      await server.close();
    }
  });

  it('a player that stops reading has its video dropped to the next keyframe; memory stays bounded', async (t) => {
    const hwm = 64 * 1024;
    const { server, port } = await startServer({ liveHighWaterMark: hwm });
    try {
      const player = await TestClient.connect(port, 'live');
      const pid = await player.play('bp');
      const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
      const sid = await pub.publish('bp');
      await player.status('NetStream.Play.PublishNotify');
      player.socket.pause(); // stop reading: kernel buffers fill, then the server's socket buffer
      const serverPlayer = [...server.clients].find((c) => c.streams.get(pid)?.kind === 'live')!;
      // 40 MB of synthetic video: a keyframe every 25 frames of 40 KB; audio in between.
      const frame = (key: boolean, n: number) =>
        Buffer.concat([Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0]), Buffer.alloc(40_000, n & 0xff)]);
      const config = TAGS.find((t) => t.type === 9 && isConfig(t))!;
      pub.sendTags(sid, [config]);
      let maxBacklog = 0;
      for (let i = 0; i < 1000; i++) {
        const tag: Tag = { type: 9, timestamp: i * 40, body: frame(i % 25 === 0, i) };
        pub.sendTags(sid, [
          tag,
          { type: 8, timestamp: i * 40, body: Buffer.from([0xaf, 1, 0x21, 0, 0, 0, 0, 0x1c]) },
        ]);
        if (i % 50 === 49) {
          await new Promise((res) => setTimeout(res, 5));
          maxBacklog = Math.max(maxBacklog, serverPlayer.backlog);
        }
      }
      await new Promise((res) => setTimeout(res, 100));
      maxBacklog = Math.max(maxBacklog, serverPlayer.backlog);
      // One frame may go out above the mark: bounded by hwm + the largest message (+ audio).
      assert.ok(maxBacklog < hwm * 4 + 200_000, `backlog ${maxBacklog}`);
      pub.session.deleteStream(sid);
      pub.flush();
      player.socket.resume();
      // Status messages are never dropped: UnpublishNotify marks the end of what was relayed.
      await player.status('NetStream.Play.UnpublishNotify', 20_000);
      const video = mediaTags(player.events, pid).filter((t) => t.type === 9 && !isConfig(t));
      assert.ok(video.length < 1000, `some video was dropped (${video.length} of 1000 arrived)`);
      t.diagnostic(
        `max backlog ${maxBacklog} B (mark ${hwm}); ${video.length} of 1000 video frames delivered`,
      );
      // After every gap the next frame is a keyframe.
      for (let i = 1; i < video.length; i++) {
        if (video[i]!.timestamp !== video[i - 1]!.timestamp + 40) {
          assert.equal(video[i]!.body[0], 0x17, `frame at ${video[i]!.timestamp} after a gap is a keyframe`);
        }
      }
      assert.equal(mediaTags(player.events, pid).filter((t) => t.type === 9 && isConfig(t)).length, 1);
      pub.destroy();
      player.destroy();
    } finally {
      await server.close();
    }
  });

  it('RTMPServer is an EventEmitter with typed events', () => {
    const s = new RTMPServer();
    let n = 0;
    s.on('listening', () => n++);
    s.emit('listening', { host: 'x', port: 1 });
    assert.equal(n, 1);
  });
});
