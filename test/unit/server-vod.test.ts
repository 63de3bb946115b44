/**
 * Embedded server, VOD: a whole file plays with the file's tags; start/duration from
 * play; seek restarts at the keyframe at or before the time with the sequence headers
 * first; pause/unpause stop and resume sending with nothing lost or repeated;
 * StreamNotFound for missing and path-traversal names; getStreamLength; vodDir files.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeTestFlv } from '../../src/server/test-media.js';
import type { SessionEvent } from '../../src/session/client-events.js';
import { avRows, flvTags, mediaTags, startServer, type Tag, TestClient, until } from './server-harness.js';

type Ev<K extends SessionEvent['kind']> = Extract<SessionEvent, { kind: K }>;

const FILE = makeTestFlv(10);
const TAGS = flvTags(FILE);
const AV = TAGS.filter((t) => t.type === 8 || t.type === 9);
const isConfig = (t: Tag) => t.body[1] === 0;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A vodDir with test.flv and sub/clip.flv, next to an outside.flv that must stay unreachable. */
function vodDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'rtmpkit-vod-'));
  dirs.push(root);
  const dir = join(root, 'media');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'test.flv'), FILE);
  writeFileSync(join(dir, 'sub', 'clip.flv'), makeTestFlv(2));
  writeFileSync(join(root, 'outside.flv'), FILE);
  writeFileSync(join(dir, 'bad.flv'), 'not an flv at all');
  return dir;
}

async function playToEnd(c: TestClient, name: string, options: { start?: number; duration?: number } = {}) {
  const id = await c.play(name, options);
  await c.status('NetStream.Play.Stop');
  return id;
}

describe('server: VOD', () => {
  it('plays a whole file: onMetaData first, then every tag of the file; Play.Complete + Play.Stop at the end', async () => {
    const { server, port } = await startServer({ vodFiles: { test: FILE } });
    const seen: string[] = [];
    server.on('play', (r) => seen.push(`play ${r.kind} ${r.name}`));
    server.on('stop', (r) => seen.push(`stop ${r.name}`));
    try {
      const c = await TestClient.connect(port, 'vod');
      const id = await playToEnd(c, 'test.flv');
      assert.deepEqual(avRows(mediaTags(c.events, id)), avRows(AV));
      const startIdx = c.events.findIndex(
        (e) => e.kind === 'status' && e.info.code === 'NetStream.Play.Start',
      );
      const metaIdx = c.events.findIndex((e) => e.kind === 'data' && e.name === 'onMetaData');
      const mediaIdx = c.events.findIndex((e) => e.kind === 'media');
      assert.ok(startIdx < metaIdx && metaIdx < mediaIdx);
      const meta = c.events[metaIdx] as Ev<'data'>;
      assert.equal((meta.values[0] as Record<string, number>).duration, AV.at(-1)!.timestamp / 1000);
      const codes = c.codes();
      assert.deepEqual(codes.slice(0, 2), ['NetStream.Play.Reset', 'NetStream.Play.Start']);
      assert.deepEqual(codes.slice(-2), ['NetStream.Play.Complete', 'NetStream.Play.Stop']);
      assert.ok(c.events.some((e) => e.kind === 'userControl' && e.event === 'streamIsRecorded'));
      assert.ok(c.events.some((e) => e.kind === 'userControl' && e.event === 'streamEOF'));
      await until(() => seen.length === 2);
      assert.deepEqual(seen, ['play vod test.flv', 'stop test.flv']);
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('serves files from vodDir (subdirectories too); names may carry flv: and .flv', async () => {
    const dir = vodDir();
    const { server, port } = await startServer({ vodDir: dir });
    try {
      const c = await TestClient.connect(port, 'vod');
      const id = await playToEnd(c, 'flv:test');
      assert.deepEqual(avRows(mediaTags(c.events, id)), avRows(AV));
      const id2 = await playToEnd(c, 'sub/clip');
      assert.deepEqual(avRows(mediaTags(c.events, id2)), avRows(flvTags(makeTestFlv(2))));
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('missing files and path traversal get NetStream.Play.StreamNotFound; a non-FLV gets FileStructureInvalid', async () => {
    const dir = vodDir();
    const { server, port } = await startServer({ vodDir: dir });
    try {
      for (const name of [
        'missing',
        '../outside',
        '../outside.flv',
        'sub/../../outside',
        `${dir}/test`,
        '/etc/passwd',
        '..\\outside',
        'C:/x',
        'sub//clip',
        './test',
        'test\u0000',
        '',
      ]) {
        const c = await TestClient.connect(port, 'vod');
        const id = await c.play(name);
        const st = c.events.findLast((e) => e.kind === 'status' && e.streamId === id) as Ev<'status'>;
        assert.equal(st.info.code, 'NetStream.Play.StreamNotFound', `play ${JSON.stringify(name)}`);
        assert.equal(st.info.level, 'error');
        assert.equal(mediaTags(c.events).length, 0);
        c.destroy();
      }
      const c = await TestClient.connect(port, 'vod');
      await c.play('bad');
      assert.ok(c.codes().includes('NetStream.Play.FileStructureInvalid'));
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('start and duration from play: begins at the keyframe at/before start (headers first, timestamps from 0), ends after start+duration', async () => {
    const { server, port } = await startServer({ vodFiles: { test: FILE } });
    try {
      const c = await TestClient.connect(port, 'vod');
      const id = await playToEnd(c, 'test', { start: 2500, duration: 3000 });
      const got = mediaTags(c.events, id);
      assert.ok(isConfig(got[0]!) && got[0]!.type === 9);
      assert.ok(isConfig(got[1]!) && got[1]!.type === 8);
      const from = AV.findIndex((t) => t.type === 9 && t.timestamp === 2000);
      const to = AV.findLastIndex((t) => t.timestamp <= 5500);
      // Rebased so the start keyframe is 0 (FMS/librtmp: rtmpdump adds its --start offset back).
      const rebased = AV.slice(from, to + 1).map((t) => ({ ...t, timestamp: t.timestamp - 2000 }));
      assert.deepEqual(avRows(got.slice(2)), avRows(rebased));
      assert.deepEqual([got[0]!.timestamp, got[1]!.timestamp], [0, 0]);
      // duration 0: one frame.
      const id2 = await playToEnd(c, 'test', { start: 3000, duration: 0 });
      const one = mediaTags(c.events, id2).filter((t) => !isConfig(t));
      assert.ok(one.length >= 1 && one.at(-1)!.type === 9 && one.at(-1)!.timestamp === 0);
      assert.deepEqual(one.at(-1)!.body, AV.find((t) => t.type === 9 && t.timestamp === 3000)!.body);
      assert.equal(one.filter((t) => t.type === 9).length, 1);
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('seek to 5 s: Seek.Notify, then the sequence headers and the tags from the keyframe at/before 5 s', async () => {
    const { server, port } = await startServer({ vodFiles: { test: FILE } });
    try {
      const c = await TestClient.connect(port, 'vod');
      const id = await playToEnd(c, 'test');
      const n = mediaTags(c.events, id).length;
      c.session.seek(id, 5050);
      c.flush();
      await c.status('NetStream.Seek.Notify');
      await c.status('NetStream.Play.Stop');
      const got = mediaTags(c.events, id).slice(n);
      assert.ok(isConfig(got[0]!) && isConfig(got[1]!));
      assert.equal(got[2]!.type, 9);
      assert.equal(got[2]!.body[0], 0x17);
      assert.equal(got[2]!.timestamp, 5000);
      const from = AV.findIndex((t) => t.type === 9 && t.timestamp === 5000);
      assert.deepEqual(avRows(got.slice(2)), avRows(AV.slice(from)));
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('pause stops sending (Pause.Notify), unpause resumes (Unpause.Notify): every tag exactly once', async () => {
    const big = makeTestFlv(600); // ~3.6 MB: more than the socket buffers hold
    const bigAv = flvTags(big).filter((t) => t.type === 8 || t.type === 9);
    const { server, port } = await startServer({ vodFiles: { big } });
    try {
      const c = await TestClient.connect(port, 'vod');
      const sid = await c.createStream();
      c.socket.pause(); // the server blocks on 'drain' while we hold back
      c.session.play(sid, 'big');
      c.session.setBufferLength(sid, 36_000_000);
      c.session.pause(sid, true, 0);
      c.flush();
      await new Promise((res) => setTimeout(res, 100));
      c.socket.resume();
      await c.status('NetStream.Pause.Notify');
      const atPause = mediaTags(c.events, sid).length;
      assert.ok(atPause < bigAv.length, `paused before the end (${atPause}/${bigAv.length})`);
      await new Promise((res) => setTimeout(res, 200));
      assert.equal(mediaTags(c.events, sid).length, atPause, 'no media while paused');
      c.session.pause(sid, false, 0);
      c.flush();
      await c.status('NetStream.Unpause.Notify');
      await c.status('NetStream.Play.Stop', 20_000);
      assert.deepEqual(avRows(mediaTags(c.events, sid)), avRows(bigAv));
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('VOD is paced to the client buffer: about real time plus the lead, not the whole file at once', async () => {
    const { server, port } = await startServer({ vodFiles: { short: makeTestFlv(3) } });
    try {
      const c = await TestClient.connect(port, 'vod');
      const t0 = performance.now();
      const id = await c.play('short', { bufferMs: 500 }); // lead = 1 s (the floor)
      const arrival: [number, number][] = [];
      const seen = new Set<SessionEvent>();
      const timer = setInterval(() => {
        for (const e of c.events) {
          if (e.kind === 'media' && !seen.has(e)) {
            seen.add(e);
            arrival.push([e.timestamp, performance.now() - t0]);
          }
        }
      }, 5);
      await c.status('NetStream.Play.Stop', 10_000);
      clearInterval(timer);
      const elapsed = performance.now() - t0;
      // 3 s of media with a 1 s lead: about 2 s, not ~0.
      assert.ok(elapsed > 1500 && elapsed < 4000, `took ${Math.round(elapsed)} ms`);
      for (const [ts, at] of arrival)
        assert.ok(at >= ts - 1000 - 50, `tag ${ts} arrived at ${Math.round(at)} ms`);
      assert.equal(
        mediaTags(c.events, id).length,
        flvTags(makeTestFlv(3)).filter((t) => t.type !== 18).length,
      );
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it("vodPacing 'none' sends as fast as the socket drains", async () => {
    const { server, port } = await startServer({ vodFiles: { test: FILE }, vodPacing: 'none' });
    try {
      const c = await TestClient.connect(port, 'vod');
      const t0 = performance.now();
      await c.play('test', { bufferMs: 100 });
      await c.status('NetStream.Play.Stop');
      assert.ok(performance.now() - t0 < 1500);
      c.destroy();
    } finally {
      await server.close();
    }
  });

  it('getStreamLength answers the file duration in seconds', async () => {
    const { server, port } = await startServer({ vodFiles: { test: FILE } });
    try {
      const c = await TestClient.connect(port, 'vod');
      const txn = c.session.call('getStreamLength', ['test']);
      c.flush();
      const r = (await c.next((e) => e.kind === 'result' && e.txn === txn)) as Ev<'result'>;
      assert.deepEqual(r.values, [AV.at(-1)!.timestamp / 1000]);
      c.destroy();
    } finally {
      await server.close();
    }
  });
});
