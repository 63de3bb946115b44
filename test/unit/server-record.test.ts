/**
 * Embedded server, recording (`record` option): every publish becomes an FLV file
 * under `<dir>/<app>/<name>-<time>.flv` with onMetaData and every A/V tag as published;
 * a publisher that vanishes (TCP reset) still leaves a file that ends at a tag
 * boundary; names cannot climb out of the directory; files are never overwritten; a
 * disk error or a disk that does not keep up stops that recording only; options are
 * checked.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import * as amf0 from '../../src/amf/amf0.js';
import { recordingPath, resolveRecordOptions } from '../../src/server/recorder.js';
import { createServer } from '../../src/server/server.js';
import { makeTestFlv } from '../../src/server/test-media.js';
import type { RecordingInfo } from '../../src/server/types.js';
import { avRows, flvTags, mediaTags, startServer, type Tag, TestClient, until } from './server-harness.js';

const TAGS = flvTags(makeTestFlv(3));
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rtmpkit-rec-'));
  dirs.push(d);
  return d;
}

/** Tags of a whole file, asserting it ends exactly at a tag boundary. */
function wholeTags(file: Buffer): Tag[] {
  const tags = flvTags(file);
  let end = 13;
  for (const t of tags) end += 11 + t.body.length + 4;
  assert.equal(end, file.length, 'the file ends at a tag boundary');
  return tags;
}

function nextEvent<T>(
  server: ReturnType<typeof createServer>,
  name: 'recordStart' | 'recordStop',
): Promise<T> {
  return new Promise((res) => server.once(name, (info: RecordingInfo) => res(info as T)));
}

describe('server: recording', () => {
  it('records a publish to <dir>/<app>/<name>-<time>.flv: header, onMetaData, every A/V tag as published', async () => {
    const dir = tempDir();
    const { server, port } = await startServer({ record: dir });
    try {
      const started = nextEvent<RecordingInfo>(server, 'recordStart');
      const stopped = nextEvent<RecordingInfo>(server, 'recordStop');
      const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
      const sid = await pub.publish('cam');
      pub.sendTags(sid, TAGS);
      const info = await started;
      assert.match(relative(dir, info.path), /^live\/cam-\d{8}-\d{6}\.flv$/);
      await until(
        () => (server.stats().apps[0]?.streams[0]?.recording?.bytes ?? 0) > 0,
        5000,
        'bytes written',
      );
      pub.session.deleteStream(sid);
      pub.flush();
      const done = await stopped;
      assert.equal(done.error, undefined);
      const file = readFileSync(info.path);
      assert.equal(done.bytes, file.length, 'recordStop reports the file size');
      assert.equal(file.subarray(0, 5).toString('hex'), '464c560105', 'FLV header, audio + video');
      const tags = wholeTags(file);
      assert.equal(tags[0]!.type, 18, 'onMetaData first');
      assert.equal(amf0.decode(tags[0]!.body)[0], 'onMetaData');
      assert.deepEqual(avRows(tags), avRows(TAGS));
      pub.destroy();
    } finally {
      await server.close();
    }
  });

  it('a publisher that vanishes mid-stream (TCP reset) leaves a valid file of what arrived, closed at a tag boundary', async () => {
    const dir = tempDir();
    const { server, port } = await startServer({ record: dir });
    try {
      const stopped = nextEvent<RecordingInfo>(server, 'recordStop');
      const player = await TestClient.connect(port, 'live');
      const pid = await player.play('cut');
      const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
      const sid = await pub.publish('cut');
      const half = TAGS.slice(0, Math.floor(TAGS.length / 2));
      pub.sendTags(sid, half);
      // The player has everything once the server relayed it; then the publisher resets.
      const want = avRows(half);
      await until(() => mediaTags(player.events, pid).length >= want.length, 5000, 'relayed');
      pub.socket.resetAndDestroy();
      const info = await stopped;
      assert.equal(info.error, undefined);
      const tags = wholeTags(readFileSync(info.path));
      assert.deepEqual(avRows(tags), want);
      player.destroy();
    } finally {
      await server.close();
    }
  });

  it('server.close() during a publish closes the file with everything received so far', async () => {
    const dir = tempDir();
    const { server, port } = await startServer({ record: dir });
    const started = nextEvent<RecordingInfo>(server, 'recordStart');
    const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
    const sid = await pub.publish('shut');
    pub.sendTags(sid, TAGS);
    const info = await started;
    await until(() => (server.stats().apps[0]?.streams[0]?.bytesIn ?? 0) > 0, 5000, 'media in');
    const inBytes = (): number => server.stats().apps[0]?.streams[0]?.bytesIn ?? 0;
    let last = -1;
    await until(
      () => {
        const now = inBytes();
        const still = now === last;
        last = now;
        return still;
      },
      5000,
      'publisher done',
    );
    await server.close();
    assert.deepEqual(avRows(wholeTags(readFileSync(info.path))), avRows(TAGS));
    pub.destroy();
  });

  it('client names are reduced to safe path components; an existing file is never overwritten', async () => {
    const dir = tempDir();
    const o = resolveRecordOptions({ dir, pattern: '{app}/{name}.flv' })!;
    assert.equal(
      recordingPath(o, 'live', '../../etc/passwd', new Date(0)),
      join(dir, 'live', '___.._etc_passwd.flv'),
    );
    assert.equal(recordingPath(o, '..', 'a b?c', new Date(0)), join(dir, '__', 'a_b_c.flv'));
    assert.equal(
      recordingPath(resolveRecordOptions(dir)!, 'live', 'x', new Date(Date.UTC(2024, 0, 2, 3, 4, 5))),
      join(dir, 'live', 'x-20240102-030405.flv'),
    );
    const { server, port } = await startServer({ record: { dir, pattern: '{app}/{name}.flv' } });
    try {
      const paths: string[] = [];
      server.on('recordStart', (i) => paths.push(i.path));
      for (let i = 0; i < 2; i++) {
        const stopped = nextEvent<RecordingInfo>(server, 'recordStop');
        const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
        const sid = await pub.publish('same');
        pub.sendTags(sid, TAGS.slice(0, 10));
        await until(() => paths.length > i, 5000, 'recording started');
        pub.destroy();
        await stopped;
      }
      assert.deepEqual(
        paths.map((p) => relative(dir, p)),
        ['live/same.flv', 'live/same-2.flv'],
      );
      assert.deepEqual(readdirSync(join(dir, 'live')).sort(), ['same-2.flv', 'same.flv']);
    } finally {
      await server.close();
    }
  });

  it('a disk error stops that recording only: logged as recordStop with the error, the relay goes on', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'live'), 'a file where the app directory should be');
    const { server, port } = await startServer({ record: dir });
    try {
      const stopped = nextEvent<RecordingInfo>(server, 'recordStop');
      const player = await TestClient.connect(port, 'live');
      const pid = await player.play('cam');
      const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
      const sid = await pub.publish('cam');
      pub.sendTags(sid, TAGS);
      const info = await stopped;
      assert.match(info.error ?? '', /EEXIST|ENOTDIR/);
      const want = avRows(TAGS);
      await until(() => mediaTags(player.events, pid).length >= want.length, 5000, 'all media relayed');
      assert.deepEqual(avRows(mediaTags(player.events, pid)), want);
      assert.match(
        server.stats().apps[0]!.streams[0]!.recording?.error ?? '',
        /EEXIST|ENOTDIR/,
        'stats say why',
      );
      player.destroy();
      pub.destroy();
    } finally {
      await server.close();
    }
  });

  it('memory is bounded: a recording whose queue outgrows 4 × liveHighWaterMark stops with an error', async () => {
    const dir = tempDir();
    const { server, port } = await startServer({ record: dir, liveHighWaterMark: 4096 });
    try {
      const stopped = nextEvent<RecordingInfo>(server, 'recordStop');
      const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
      const sid = await pub.publish('big');
      // One burst: the messages arrive while the file is being opened.
      const frame = Buffer.alloc(20_000, 0x27);
      frame[0] = 0x17;
      frame[1] = 1;
      pub.sendTags(
        sid,
        Array.from({ length: 10 }, (_, i) => ({ type: 9, timestamp: i * 40, body: frame })),
      );
      const info = await stopped;
      assert.match(info.error ?? '', /does not keep up: \d+ bytes waiting/);
      pub.destroy();
    } finally {
      await server.close();
    }
  });

  it('checks the record option', () => {
    const bad: unknown[] = [
      '',
      { dir: '' },
      { dir: 'x', pattern: 'no-name.flv' },
      { dir: 'x', pattern: '{app}/{nam}{name}.flv' },
      { dir: 'x', pattern: '/abs/{name}.flv' },
      { dir: 'x', pattern: '../{name}.flv' },
      { dir: 'x', pattern: '{name}/' },
      42,
    ];
    for (const record of bad) {
      assert.throws(
        () => createServer({ record: record as string }),
        (e: Error & { code?: string }) => e.code === 'ERR_SERVER_OPTION' && /record/.test(e.message),
        JSON.stringify(record),
      );
    }
  });
});
