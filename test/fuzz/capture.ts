/**
 * Builds the committed fuzz corpus (test/fuzz/corpus) — run by hand, not in CI:
 * `node dist/test/fuzz/capture.js [--vectors]`.
 *
 * Captures real conversations on loopback through a recording TCP relay: rtmpdump,
 * ffmpeg (player and publisher) and rtmpkit's own client against nginx-rtmp and the
 * embedded server, on a tiny H.264/AAC file (64×48, 1 s) so frames stay small. Each
 * direction is minimised: the handshake (C0+C1+C2 or S0+S1+S2, RTMP-SPEC §5.2) is cut
 * off and the chunk stream kept up to the last message boundary under a size cap, so
 * a seed holds the peer's own header forms, chunk sizes, commands and first media.
 * From each capture it derives the seeds of the targets that read that layer:
 * handshake bytes, chunk streams (chunk reader, sessions), single messages (message
 * decoder, AMF0 bodies) and the FLV file rtmpdump wrote (FLV demuxer).
 * `--vectors` also writes every target's in-code seeds, so the corpus stands alone.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer as createNetServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ChunkReader } from '../../src/chunk/reader.js';
import { RTMP } from '../../src/index.js';
import { createServer } from '../../src/server/server.js';
import { runBounded, startNginx, tempDir } from '../helpers/peers.js';
import { addToCorpus, CORPUS_DIR } from './corpus.js';
import type { FuzzTarget } from './engine.js';
import { FUZZ_TYPES } from './message.target.js';

const HANDSHAKE = 1 + 1536 + 1536;
const STREAM_CAP = 6 * 1024;
const MESSAGE_CAP = 1024;

/** Both directions of one TCP conversation. */
interface Capture {
  c2s: Buffer;
  s2c: Buffer;
}

/** A relay on 127.0.0.1 in front of `port` that records every connection's bytes. */
async function relay(port: number): Promise<{ port: number; server: Server; captures: Capture[] }> {
  const captures: Capture[] = [];
  const server = createNetServer((client) => {
    const c2s: Buffer[] = [];
    const s2c: Buffer[] = [];
    const upstream = connect(port, '127.0.0.1');
    client.on('data', (d) => {
      c2s.push(d);
      upstream.write(d);
    });
    upstream.on('data', (d) => {
      s2c.push(d);
      client.write(d);
    });
    const done = () => {
      client.destroy();
      upstream.destroy();
    };
    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      captures.push({ c2s: Buffer.concat(c2s), s2c: Buffer.concat(s2c) });
    };
    for (const s of [client, upstream]) {
      s.on('close', () => {
        record();
        done();
      });
      s.on('error', done);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, server, captures };
}

/** The chunk-stream prefix up to the last message boundary within `cap` bytes, and its messages. */
function minimise(
  stream: Buffer,
  cap: number,
): { bytes: Buffer; messages: { type: number; payload: Buffer }[] } {
  const r = new ChunkReader({ zeroCopy: false });
  const messages: { type: number; payload: Buffer }[] = [];
  let end = 0;
  for (let i = 0; i < Math.min(stream.length, cap); i++) {
    const got = r.push(stream.subarray(i, i + 1));
    if (r.error !== null) break;
    if (got.length > 0) {
      end = i + 1;
      for (const m of got) messages.push({ type: m.type, payload: m.payload });
    }
  }
  return { bytes: stream.subarray(0, end), messages };
}

/** ffmpeg's flags for a quiet, non-interactive run. */
const QUIET = ['-hide_banner', '-loglevel', 'error', '-nostdin'];

function tinyMedia(dir: string): string {
  const file = join(dir, 'tiny.flv');
  const args =
    '-y -f lavfi -i testsrc2=size=64x48:rate=10 -f lavfi -i sine=frequency=440:sample_rate=22050 -t 1 ' +
    '-c:v libx264 -preset veryfast -pix_fmt yuv420p -g 10 -b:v 50k -c:a aac -b:a 32k -ac 1 -f flv';
  execFileSync('ffmpeg', [...QUIET, ...args.split(' '), file], { timeout: 60_000 });
  return file;
}

/** Writes the seeds one capture gives each target. */
function derive(label: string, cap: Capture): number {
  let n = 0;
  const add = (target: string, input: Buffer) => {
    if (input.length === 0) return;
    addToCorpus(target, input, label);
    n++;
  };
  const fromServer = minimise(cap.s2c.subarray(HANDSHAKE), STREAM_CAP);
  const fromClient = minimise(cap.c2s.subarray(HANDSHAKE), STREAM_CAP);
  add('session/client-stream', fromServer.bytes);
  add('session/server-stream', fromClient.bytes);
  for (const side of [fromServer, fromClient]) {
    const small = minimise(side.bytes, 2048).bytes;
    for (const t of ['chunk-reader', 'chunk-reader-split', 'chunk-reader-limits']) add(t, small);
  }
  for (const p of ['auto', 'fp9', 'simple'])
    add(`handshake/client-${p}`, cap.s2c.subarray(0, HANDSHAKE + 64));
  for (const p of ['auto', 'simple']) add(`handshake/server-${p}`, cap.c2s.subarray(0, HANDSHAKE + 64));
  for (const m of [...fromServer.messages, ...fromClient.messages]) {
    if (m.payload.length > MESSAGE_CAP) continue;
    const index = FUZZ_TYPES.indexOf(m.type as never);
    if (index >= 0) add('message.decode', Buffer.concat([Buffer.from([index]), m.payload]));
    if (m.type === 20 || m.type === 18) {
      add('amf0.decode', m.payload);
      add('amf0.decode (utf8 replace, maxDepth 8)', m.payload);
    }
    if (m.type === 18) add('flv-script', m.payload);
  }
  return n;
}

async function captureAll(): Promise<void> {
  const work = tempDir('rtmpkit-capture-');
  // nginx workers run as nobody: they must reach the VOD file
  chmodSync(work, 0o755);
  const media = tinyMedia(work);
  const nginx = await startNginx({ mediaDir: work });
  const embedded = createServer({ vodDir: work });
  const { port: embeddedPort } = await embedded.listen({ port: 0 });
  const total: Record<string, number> = {};
  try {
    for (const [server, port] of [
      ['nginx', nginx.port],
      ['embedded', embeddedPort],
    ] as const) {
      const r = await relay(port);
      const url = (app: string, name: string) => `rtmp://127.0.0.1:${r.port}/${app}/${name}`;
      const runs: [string, () => Promise<unknown>][] = [
        [
          'rtmpdump-vod',
          () =>
            runBounded('rtmpdump', ['-r', url('vod', 'tiny.flv'), '-o', join(work, `${server}.flv`)], 30_000),
        ],
        [
          'ffmpeg-publish',
          () =>
            runBounded(
              'ffmpeg',
              [...QUIET, '-i', media, '-c', 'copy', '-f', 'flv', url('live', 'cap')],
              30_000,
            ),
        ],
        [
          'ffmpeg-play',
          () =>
            runBounded(
              'ffmpeg',
              [...QUIET, '-i', url('vod', 'tiny.flv'), '-c', 'copy', '-f', 'null', '-'],
              30_000,
            ),
        ],
        [
          'rtmpkit-vod',
          async () => {
            const conn = new RTMP(url('vod', 'tiny.flv'), { timeout: 20 });
            await conn.connect();
            const stream = await conn.createStream();
            for await (const _ of stream);
            await conn.close();
          },
        ],
      ];
      for (const [client, run] of runs) {
        const before = r.captures.length;
        await run().catch((err: unknown) => console.error(`${server} ${client}: ${String(err)}`));
        for (let i = 0; i < 50 && r.captures.length === before; i++)
          await new Promise((res) => setTimeout(res, 100));
        for (const cap of r.captures.slice(before)) {
          const label = `${server}-${client}`;
          total[label] = (total[label] ?? 0) + derive(label, cap);
        }
      }
      r.server.close();
      const flv = readFileSync(join(work, `${server}.flv`));
      // flv-demuxer input: options byte, split seed byte, then the file (header + first tags)
      addToCorpus(
        'flv-demuxer',
        Buffer.concat([Buffer.from([0, 0]), flv.subarray(0, 4096)]),
        `${server}-rtmpdump`,
      );
      addToCorpus(
        'flv-resume',
        Buffer.concat([Buffer.from([0]), flv.subarray(0, 4096)]),
        `${server}-rtmpdump`,
      );
    }
  } finally {
    await embedded.close();
    nginx.stop();
    rmSync(work, { recursive: true, force: true });
  }
  console.log('seeds offered per capture (duplicates are kept once):', total);
}

/** Writes every target's in-code seeds as `vector-*.bin` files. */
async function writeVectors(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const file of readdirSync(here)
    .filter((f) => f.endsWith('.target.js'))
    .sort()) {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { targets: FuzzTarget[] };
    for (const t of mod.targets) for (const s of t.seeds) if (s.length > 0) addToCorpus(t.name, s, 'vector');
  }
}

/** Removes the generated seeds (captures and vectors), keeping hand-added findings (`finding-*`). */
function clearGenerated(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) clearGenerated(p);
    else if (!e.name.startsWith('finding-')) rmSync(p);
  }
}

clearGenerated(CORPUS_DIR);
if (process.argv.includes('--vectors')) await writeVectors();
await captureAll();
console.log(`corpus in ${CORPUS_DIR}`);
