/**
 * The buffer length `rtmpkit dump` asks for, against a scripted server that paces a
 * recorded file the way nginx-rtmp does: it sends a message only while its timestamp is at
 * most (time since play) + start + buffer + 1 s, and looks again every 20 ms with the
 * buffer length as it is then. With rtmpdump's default (10 hours) such a server sends the
 * whole file at once; over a fast link it then ran several MB ahead of a client whose code
 * was not optimised yet, and nginx-rtmp's per-client queue overflowed (it discards
 * messages). So a default-buffer download of a recorded stream asks for 120 s first and
 * for the 10 hours once 115 s of media were written; `-b` and a live stream keep what they
 * had. Checked: the lengths the server got, how far it had sent when the raise came (it
 * was waiting on the first buffer), and the file (every tag, in order).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AMFObject } from '../../src/amf/types.js';
import { FlvDemuxer } from '../../src/flv/demuxer.js';
import { command, streamBegin } from '../../src/message/builders.js';
import type { Message } from '../../src/message/types.js';
import { makeTestFlv } from '../../src/server/test-media.js';
import { runBounded, tempDir } from '../helpers/peers.js';
import { defaultAnswers, type ScriptedConn, startScriptedServer } from '../helpers/scripted-server.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const dir = tempDir('rtmpkit-dump-buffer-');

const onStream1 = (m: Message): Message => ({ ...m, streamId: 1 });
const status = (code: string): Message =>
  onStream1(command('onStatus', 0, null, new AMFObject({ level: 'status', code })));

/** A/V tags of an FLV as `type@timestamp:length`. */
function rows(flv: Uint8Array): string[] {
  return new FlvDemuxer()
    .push(Buffer.from(flv))
    .filter((t) => t.type === 8 || t.type === 9)
    .map((t) => `${t.type}@${t.timestamp}:${t.payload.length}`);
}

/**
 * What the server saw: each SetBufferLength, with the media time it had sent by then and
 * whether the buffer in force had held it back (it stopped short of the file's end).
 */
interface Seen {
  buffers: { ms: number; sentMs: number; held: boolean }[];
}

/** A server playing `seconds` of test media paced by the client's buffer length, nginx-rtmp's way. */
async function pacedServer(seconds: number) {
  const media = new FlvDemuxer()
    .push(Buffer.from(makeTestFlv(seconds)))
    .filter((t) => t.type === 8 || t.type === 9);
  const seen: Seen = { buffers: [] };
  const timers = new Set<NodeJS.Timeout>();
  let buffer = 0;
  let sent = 0;
  let sentMs = 0;
  let held = false;
  let epoch = 0;
  const pump = (c: ScriptedConn): void => {
    const end = performance.now() - epoch + buffer + 1000;
    const batch = [];
    while (sent < media.length && media[sent]!.timestamp <= end) {
      const t = media[sent++]!;
      sentMs = t.timestamp;
      batch.push({
        type: t.type,
        streamId: 1,
        timestamp: t.timestamp,
        csid: t.type === 8 ? 4 : 6,
        payload: t.payload,
      });
    }
    if (batch.length > 0) c.sendRaw(...batch);
    if (sent < media.length && buffer > 0) held = true;
    if (sent < media.length) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!c.socket.destroyed) pump(c);
      }, 20);
      timers.add(timer);
    } else {
      c.send(status('NetStream.Play.Stop'));
    }
  };
  const server = await startScriptedServer((c, msg) => {
    // Stream 1's (librtmp also sends 300 ms for stream 0 after connect).
    if (msg?.kind === 'userControl' && msg.data.event === 'setBufferLength' && msg.data.streamId === 1) {
      seen.buffers.push({ ms: msg.data.bufferLength, sentMs, held });
      buffer = msg.data.bufferLength;
      return;
    }
    if (msg?.kind !== 'command') return;
    defaultAnswers(c, msg);
    if (msg.name === 'play') {
      c.send(streamBegin(1), status('NetStream.Play.Start'));
      epoch = performance.now();
      // nginx-rtmp starts sending when its play event runs, after the SetBufferLength that
      // follows play has come in: here on the next turn.
      setImmediate(() => pump(c));
    }
  });
  return {
    server,
    seen,
    source: media.map((t) => `${t.type}@${t.timestamp}:${t.payload.length}`),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await server.close();
    },
  };
}

describe('rtmpkit dump: the buffer length, against a server that paces by it (nginx-rtmp)', {
  timeout: 120_000,
}, () => {
  const servers: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  /** `rtmpkit dump ARGS` of `seconds` of media from a paced server: the server, the run, the file. */
  async function dump(seconds: number, name: string, args: readonly string[]) {
    const p = await pacedServer(seconds);
    servers.push(p);
    const out = join(dir, `${name}.flv`);
    const r = await runBounded(
      process.execPath,
      [MAIN, 'dump', ...args, '-r', p.server.url('vod/clip'), '-o', out],
      60_000,
    );
    return { p, r, flv: () => readFileSync(out), buffers: p.seen.buffers.map((b) => b.ms) };
  }

  it('a recorded stream, default buffer: 120 s first, the 10 hours once 115 s were written; the file is whole', async () => {
    const { p, r, flv, buffers } = await dump(300, 'recorded', ['-V']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(buffers, [120_000, 36_000_000]);
    // The raise came once the client had 115 s, while the first buffer held the server
    // back: it had stopped short of the file's end (at play time + 121 s, so how far it got
    // depends on how fast the client was).
    const raise = p.seen.buffers[1]!;
    assert.ok(raise.held, 'the server was held back by the first buffer');
    assert.ok(
      raise.sentMs >= 115_000 && raise.sentMs < 299_000,
      `the raise came with ${raise.sentMs} ms sent`,
    );
    assert.match(r.stderr, /buffer raised to 36000000 ms/);
    assert.deepEqual(rows(flv()), p.source);
  });

  it('a recorded stream shorter than the first buffer: 120 s, never raised; the file is whole', async () => {
    const { p, r, flv, buffers } = await dump(20, 'short', ['-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(buffers, [120_000]);
    assert.deepEqual(rows(flv()), p.source);
  });

  it('-b and a live stream keep the buffer they ask for', async () => {
    for (const [args, want] of [
      [['-b', '3000'], 3000],
      [['-v'], 36_000_000],
    ] as const) {
      const { r, buffers } = await dump(5, `kept-${want}`, ['-q', ...args]);
      assert.ok(r.code === 0 || r.code === 2, r.stderr); // a live dump of a stream that stops: 0 or 2
      assert.deepEqual(buffers, [want], args.join(' '));
    }
  });
});
