/**
 * The buffer length `rtmpkit dump` announces, against a scripted server that paces a
 * recorded file the way nginx-rtmp does: it sends a message only while its timestamp is at
 * most (time since play) + start + buffer + 1 s, and looks again every 20 ms with the
 * buffer length as it is then. With rtmpdump's 10 hours such a server sends the whole file
 * at once, and nginx-rtmp discards messages whenever a client slower than its disk lets
 * its per-client queue fill. So a default-buffer download of a recorded stream starts at 0
 * and raises the buffer as media is written, keeping the server a bounded lead ahead
 * (src/client/buffer-lead.ts); `-b` and a live stream keep what they had. Checked: the
 * lengths the server got, how far ahead of a consumer that stops reading the server got,
 * and the file (every tag, in order).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AMFObject } from '../../src/amf/types.js';
import { FlvDemuxer } from '../../src/flv/demuxer.js';
import { command, streamBegin } from '../../src/message/builders.js';
import type { Message } from '../../src/message/types.js';
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

/** What the server saw: each SetBufferLength, and how far it had sent (media ms). */
interface Seen {
  buffers: { ms: number; sentMs: number }[];
  sentMs: number;
}

interface Tag {
  type: number;
  timestamp: number;
  payload: Buffer;
}

/**
 * `seconds` of media of a realistic size: 25 fps video (10 KB, a 40 KB keyframe every 2 s)
 * and 43 AAC frames a second (300 bytes) after their sequence headers: ≈ 2.2 Mbit/s, 68
 * messages a second. The payloads are not decodable; nothing here decodes them.
 */
function media(seconds: number): Tag[] {
  const tags: Tag[] = [
    { type: 9, timestamp: 0, payload: Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff]) },
    { type: 8, timestamp: 0, payload: Buffer.from([0xaf, 0, 0x12, 0x10]) },
  ];
  const frame = (head: number[], size: number, n: number) => {
    const b = Buffer.alloc(size, n & 0xff);
    b.set(head);
    return b;
  };
  for (let v = 0, a = 0; ; ) {
    const tv = v * 40;
    const ta = Math.round((a * 1024 * 1000) / 44_100);
    if (Math.min(tv, ta) >= seconds * 1000) break;
    if (tv <= ta) {
      const key = v % 50 === 0;
      tags.push({
        type: 9,
        timestamp: tv,
        payload: frame([key ? 0x17 : 0x27, 1, 0, 0, 0], key ? 40_000 : 10_000, v),
      });
      v++;
    } else {
      tags.push({ type: 8, timestamp: ta, payload: frame([0xaf, 1], 300, a) });
      a++;
    }
  }
  return tags;
}

/** A server playing `seconds` of media paced by the client's buffer length, nginx-rtmp's way. */
async function pacedServer(seconds: number) {
  const tags = media(seconds);
  const seen: Seen = { buffers: [], sentMs: 0 };
  const timers = new Set<NodeJS.Timeout>();
  let buffer = 0;
  let sent = 0;
  let epoch = 0;
  const pump = (c: ScriptedConn): void => {
    const end = performance.now() - epoch + buffer + 1000;
    const batch = [];
    while (sent < tags.length && tags[sent]!.timestamp <= end) {
      const t = tags[sent++]!;
      seen.sentMs = t.timestamp;
      batch.push({
        type: t.type,
        streamId: 1,
        timestamp: t.timestamp,
        csid: t.type === 8 ? 4 : 6,
        payload: t.payload,
      });
    }
    if (batch.length > 0) c.sendRaw(...batch);
    if (sent < tags.length) {
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
      seen.buffers.push({ ms: msg.data.bufferLength, sentMs: seen.sentMs });
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
    source: tags.map((t) => `${t.type}@${t.timestamp}:${t.payload.length}`),
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

  it('a recorded stream, default buffer: 0 first, then rising as media is written, never falling; the file is whole', async () => {
    const { p, r, flv, buffers } = await dump(120, 'recorded', ['-q']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(buffers[0], 0, 'the play announces 0');
    assert.ok(buffers.length >= 4, `raised as media came: ${buffers.join(', ')}`);
    for (let i = 1; i < buffers.length; i++)
      assert.ok(buffers[i]! >= buffers[i - 1]!, `never lower than before: ${buffers.join(', ')}`);
    // The last raise is short of the 10 hours: the lead follows the media written.
    assert.ok(buffers.at(-1)! < 120_000 + 60_000, `the last: ${buffers.at(-1)}`);
    assert.deepEqual(rows(flv()), p.source);
  });

  it('a consumer that stops reading holds the server back: it gets no further than the lead ahead', async (t) => {
    const p = await pacedServer(300);
    servers.push(p);
    const child = spawn(process.execPath, [MAIN, 'dump', '-q', '-r', p.server.url('vod/clip'), '-o', '-'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const demux = new FlvDemuxer();
    const got: string[] = [];
    let readMs = 0;
    let bytes = 0;
    let stall: { readMs: number; sentMs: number } | undefined;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      for (const t of demux.push(d)) {
        if (t.type !== 8 && t.type !== 9) continue;
        got.push(`${t.type}@${t.timestamp}:${t.payload.length}`);
        readMs = t.timestamp;
      }
      if (stall === undefined && bytes >= 4 << 20) {
        // 4 MB in (≈ 15 s of media): stop reading for 1.5 s, as a slow disk or pipe would.
        stall = { readMs: -1, sentMs: -1 };
        child.stdout.pause();
        setTimeout(() => {
          stall = { readMs, sentMs: p.seen.sentMs };
          child.stdout.resume();
        }, 1500);
      }
    });
    const code = await new Promise<number | null>((done) => child.on('close', done));
    clearTimeout(kill);
    assert.equal(code, 0, stderr);
    assert.ok(stall !== undefined && stall.sentMs >= 0, 'the reader stalled');
    // The lead counts from what the client received: 128 messages plus what 2 MiB hold
    // at this bitrate (the server is on this host), ≈ 10 s. What the client holds unread
    // comes on top: its stream queue (4 MiB, ≈ 15 s here), the pipe, the server's clock
    // running on during the stall. With the 10 hours the server would have sent the whole
    // 300 s during the stall (with round 10's 120 s first buffer: 108 s ahead).
    const ahead = stall.sentMs - stall.readMs;
    t.diagnostic(`after the stall: read to ${stall.readMs} ms, the server had sent to ${stall.sentMs} ms`);
    assert.ok(ahead < 60_000, `the server was ${ahead} ms of media ahead of the reader after the stall`);
    assert.deepEqual(got, p.source);
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
