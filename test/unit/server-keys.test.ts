/**
 * Embedded server, stream keys (`keys`, `keysFile`): a key file's syntax; a known key
 * publishes, an unknown one gets NetStream.Publish.Denied and is logged without the
 * key; `app/name` entries bind a key to an app; the file is re-read when it changes;
 * a key file that disappears refuses everything; bad options are usage errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { addLogCallback, LogLevel, removeLogCallback, setLogLevel } from '../../src/log.js';
import { createServer } from '../../src/server/server.js';
import { parseKeys } from '../../src/server/stream-keys.js';
import { startServer, TestClient } from './server-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'rtmpkit-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Publishes `name` in `app`; resolves with the status code the server answered. */
async function publishCode(port: number, app: string, name: string): Promise<string> {
  const c = await TestClient.connect(port, app, { mode: 'publish' });
  try {
    const id = await c.createStream();
    c.session.publish(id, name);
    c.flush();
    const e = await c.next(
      (x) => x.kind === 'status' && x.streamId === id && String(x.info.code).startsWith('NetStream.Publish.'),
    );
    return e.kind === 'status' ? String(e.info.code) : '';
  } finally {
    c.destroy();
  }
}

describe('server: stream keys', () => {
  it('parses a key file: entries trimmed, # comments and blank lines ignored, CRLF accepted', () => {
    assert.deepEqual(parseKeys('# keys\n  s3cret  \r\n\nlive/cam1 # the camera\n#x\n\t\nk2'), [
      's3cret',
      'live/cam1',
      'k2',
    ]);
    assert.deepEqual(parseKeys(''), []);
  });

  it('a known key publishes; an unknown one is Publish.Denied and logged without the key, rate-limited', async () => {
    const lines: string[] = [];
    const cb = addLogCallback((_l, m) => lines.push(m));
    setLogLevel(LogLevel.INFO);
    const { server, port } = await startServer({ keys: ['s3cret-KEY', 'live/cam1'] });
    try {
      assert.equal(await publishCode(port, 'live', 's3cret-KEY'), 'NetStream.Publish.Start');
      assert.equal(
        await publishCode(port, 'other', 's3cret-KEY'),
        'NetStream.Publish.Start',
        'bare key: any app',
      );
      assert.equal(await publishCode(port, 'live', 'cam1'), 'NetStream.Publish.Start');
      assert.equal(
        await publishCode(port, 'other', 'cam1'),
        'NetStream.Publish.Denied',
        'app/name: that app only',
      );
      assert.equal(await publishCode(port, 'live', 'wrong-GUESS'), 'NetStream.Publish.Denied');
      // Refusals are rate-limited per address: the second is counted, then summed up at close.
      const refusals = () => lines.filter((l) => /refused: unknown stream key/.test(l));
      assert.equal(refusals().length, 1, lines.join('\n'));
      await server.close();
      assert.equal(refusals().length, 2, lines.join('\n'));
      assert.match(refusals()[1]!, /live\/<key of 11 characters>.*\(repeated 1 times in \d+ ms/);
      assert.ok(
        lines.every((l) => !l.includes('wrong-GUESS')),
        'the refused key is never logged',
      );
    } finally {
      removeLogCallback(cb);
      setLogLevel(LogLevel.ERROR);
      await server.close();
    }
  });

  it('keysFile is re-read when it changes; a key file that disappears refuses every publish', async () => {
    const file = join(dir, 'keys.txt');
    writeFileSync(file, '# first\nold-key\n');
    const { server, port } = await startServer({ keysFile: file });
    try {
      assert.equal(await publishCode(port, 'live', 'old-key'), 'NetStream.Publish.Start');
      assert.equal(await publishCode(port, 'live', 'new-key'), 'NetStream.Publish.Denied');
      writeFileSync(file, 'new-key\n');
      const later = new Date(Date.now() + 5000);
      utimesSync(file, later, later); // a distinct mtime even on coarse file systems
      assert.equal(await publishCode(port, 'live', 'new-key'), 'NetStream.Publish.Start');
      assert.equal(await publishCode(port, 'live', 'old-key'), 'NetStream.Publish.Denied', 'revoked');
      rmSync(file);
      assert.equal(await publishCode(port, 'live', 'new-key'), 'NetStream.Publish.Denied', 'fails closed');
    } finally {
      await server.close();
    }
  });

  it('checks keys and keysFile', () => {
    for (const o of [
      { keys: 'k' },
      { keys: [''] },
      { keys: [1] },
      { keysFile: '' },
      { keysFile: join(dir, 'none') },
    ]) {
      assert.throws(
        () => createServer(o as never),
        (e: Error & { code?: string }) => e.code === 'ERR_SERVER_OPTION' && /keys/.test(e.message),
        JSON.stringify(o),
      );
    }
  });
});
