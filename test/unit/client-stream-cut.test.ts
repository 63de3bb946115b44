/**
 * A played stream whose connection is cut before the server ended it (TCP closed at a
 * message boundary or in the middle of a chunk, or the server's `close` command): every
 * reader — `read()`, iteration, `toReadable()`, `packets()` — first gets every byte
 * received, then fails with `RTMPStreamCutError` carrying what a resume needs (bytes and
 * last media timestamp delivered). A stream the server ends (NetStream.Play.Complete)
 * still ends normally. `rtmpkit dump` exits 2 ("Download may be incomplete") on a cut.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AMFObject } from '../../src/amf/types.js';
import { RTMP, RTMPConnectionError, type RTMPStream, RTMPStreamCutError } from '../../src/index.js';
import { command, dataMessage, streamBegin } from '../../src/message/builders.js';
import type { RawMessage } from '../../src/message/raw-message.js';
import { runBounded, tempDir } from '../helpers/peers.js';
import { type ScriptedConn, startScriptedServer } from '../helpers/scripted-server.js';

const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

type Ending = 'boundary' | 'mid-chunk' | 'close-command' | 'complete';

const FRAMES = 10;
const LAST_TS = (FRAMES - 1) * 40;

function onStream1(msg: ReturnType<typeof dataMessage> | ReturnType<typeof command>) {
  return { ...msg, streamId: 1 };
}

function frame(type: 8 | 9, ts: number, size: number): RawMessage {
  const payload = Buffer.alloc(size, ts & 0xff);
  payload[0] = type === 9 ? (ts === 0 ? 0x17 : 0x27) : 0xaf;
  payload[1] = 1;
  return { type, streamId: 1, timestamp: ts, csid: type === 8 ? 4 : 6, payload };
}

/** Plays FRAMES video+audio pairs (metadata duration `duration` s), then ends as `ending` says. */
function play(c: ScriptedConn, ending: Ending, duration: number): void {
  c.send(
    streamBegin(1),
    onStream1(command('onStatus', 0, null, new AMFObject({ level: 'status', code: 'NetStream.Play.Start' }))),
    onStream1(dataMessage('onMetaData', new AMFObject({ duration, videocodecid: 7, audiocodecid: 10 }))),
  );
  const frames: RawMessage[] = [];
  for (let i = 0; i < FRAMES; i++) frames.push(frame(9, i * 40, 300), frame(8, i * 40, 50));
  c.sendRaw(...frames);
  switch (ending) {
    case 'boundary':
      c.socket.end();
      break;
    case 'mid-chunk': {
      // A 5000-byte frame in 128-byte chunks, cut inside its 20th chunk.
      const bytes = c.chunks(frame(9, LAST_TS + 40, 5000));
      c.socket.end(bytes.subarray(0, 20 * 129 + 50));
      break;
    }
    case 'close-command':
      c.send(command('close', 0, null));
      break;
    case 'complete':
      c.send(
        onStream1(
          dataMessage('onPlayStatus', new AMFObject({ level: 'status', code: 'NetStream.Play.Complete' })),
        ),
      );
      c.send(
        onStream1(
          command('onStatus', 0, null, new AMFObject({ level: 'status', code: 'NetStream.Play.Stop' })),
        ),
      );
      break;
  }
}

async function server(ending: Ending, duration = 10) {
  return startScriptedServer((c, msg) => {
    if (msg?.kind !== 'command') return;
    if (msg.name === 'connect') c.acceptConnect(msg.transactionId);
    else if (msg.name === 'createStream') c.send(command('_result', msg.transactionId, null, 1));
    else if (msg.name === 'play') play(c, ending, duration);
  });
}

type Reader = 'read' | 'iterate' | 'toReadable' | 'packets';

/** Reads the whole stream one way: what was delivered (bytes or packets) and how it ended. */
async function drain(
  stream: RTMPStream,
  how: Reader,
): Promise<{ bytes: number; tags: number; error: unknown }> {
  let bytes = 0;
  let tags = 0;
  const parts: Buffer[] = [];
  try {
    if (how === 'read') {
      for (let b = await stream.read(1000); b.length > 0; b = await stream.read(1000)) parts.push(b);
    } else if (how === 'iterate') {
      for await (const b of stream) parts.push(b);
    } else if (how === 'toReadable') {
      for await (const b of stream.toReadable()) parts.push(b as Buffer);
    } else {
      for await (const p of stream.packets()) {
        bytes += p.payload.length;
        tags++;
      }
    }
    return {
      bytes: bytes || Buffer.concat(parts).length,
      tags: tags || countTags(Buffer.concat(parts)),
      error: undefined,
    };
  } catch (error) {
    return {
      bytes: bytes || Buffer.concat(parts).length,
      tags: tags || countTags(Buffer.concat(parts)),
      error,
    };
  }
}

/** Tags of an FLV byte stream (header skipped). */
function countTags(flv: Buffer): number {
  let n = 0;
  for (let p = 13; p + 11 <= flv.length; p += 15 + flv.readUIntBE(p + 1, 3)) n++;
  return n;
}

for (const ending of ['boundary', 'mid-chunk', 'close-command'] as const) {
  for (const how of ['read', 'iterate', 'toReadable', 'packets'] as const) {
    test(`cut (${ending}), read by ${how}: every frame, then RTMPStreamCutError with what was delivered`, async () => {
      const s = await server(ending);
      try {
        const conn = new RTMP(s.url('app/clip'), { timeout: 5 });
        await conn.connect();
        const stream = await conn.createStream();
        const got = await drain(stream, how);
        const err = got.error;
        assert.ok(err instanceof RTMPStreamCutError, `${String(err)}`);
        assert.ok(err instanceof RTMPConnectionError);
        assert.equal(err.code, 'ERR_RTMP_STREAM_CUT');
        assert.equal(got.tags, 2 * FRAMES + 1, 'metadata and every frame received before the cut');
        assert.equal(err.bytesDelivered, got.bytes);
        assert.equal(err.lastTimestamp, LAST_TS);
        assert.equal(stream.complete, false);
        await conn.close();
      } finally {
        await s.close();
      }
    });
  }
}

test('a stream the server ends (Play.Complete, Play.Stop) ends normally: no error, complete', async () => {
  const s = await server('complete');
  try {
    const conn = new RTMP(s.url('app/clip'), { timeout: 5 });
    await conn.connect();
    const stream = await conn.createStream();
    const got = await drain(stream, 'read');
    assert.equal(got.error, undefined);
    assert.equal(got.tags, 2 * FRAMES + 1);
    assert.equal(stream.complete, true);
    await conn.close();
  } finally {
    await s.close();
  }
});

test('rtmpkit dump: a cut download exits 2 ("Download may be incomplete"), a complete one 0', async () => {
  const dir = tempDir('rtmpkit-cut-');
  for (const [ending, duration, code] of [
    ['boundary', 10, 2],
    ['boundary', 0, 2], // no duration (live-like): only the cut says it is incomplete
    ['complete', 10, 0],
  ] as const) {
    const s = await server(ending, duration);
    try {
      const file = join(dir, `${ending}-${duration}.flv`);
      const r = await runBounded(
        process.execPath,
        [BIN, 'dump', '-r', s.url('app/clip'), '-o', file],
        30_000,
      );
      assert.equal(r.code, code, `${ending} ${duration}: ${r.stderr}`);
      if (code === 2) assert.match(r.stderr, /Download may be incomplete/);
      else assert.match(r.stderr, /Download complete/);
      assert.equal(
        countTags(readFileSync(file)),
        2 * FRAMES + 1,
        'the partial file has every frame received',
      );
    } finally {
      await s.close();
    }
  }
});
