/**
 * Warm, in-process client hot path on BENCH_MEDIA's big.flv (see client-download):
 * - `nginx`: full downloads with `RTMP` from nginx-rtmp on loopback (`for await` over
 *   the stream), one warm-up then HOTPATH_RUNS (default 5) measured;
 * - `memory`: no network — the file's tags chunked by ChunkWriter at 4096 into one
 *   recorded byte stream, fed in 64 KiB pieces through `ClientSession.receive`, its
 *   events routed like `RTMP` routes them (media/data → `RTMPStream.onMedia`/`onData`) and read back
 *   as FLV with `for await`: the protocol stack's CPU per GB without a server.
 * Reports median MB/s and this process's CPU seconds per GB (user + system).
 */
import { readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkWriter } from '../src/chunk/index.js';
import { RTMP } from '../src/client/rtmp.js';
import { RTMPStream, type StreamConnection } from '../src/client/rtmp-stream.js';
import { demuxFlv } from '../src/flv/demuxer.js';
import { ServerHandshake } from '../src/handshake/server.js';
import { MessageType } from '../src/message/types.js';
import { ClientSession } from '../src/session/client-session.js';
import { startNginx, which } from '../test/helpers/peers.js';
import { table } from './measure.js';

const PIECE = 64 * 1024;

interface Sample {
  seconds: number;
  cpu: number;
  bytes: number;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function sample(fn: () => Promise<number>): Promise<Sample> {
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const bytes = await fn();
  return { seconds: (performance.now() - t0) / 1000, cpu: cpuSeconds() - c0, bytes };
}

/** One download with the public client; returns the FLV bytes read. */
async function download(url: string): Promise<number> {
  const conn = new RTMP(url, { timeout: 30 });
  await conn.connect();
  const stream = await conn.createStream();
  let bytes = 0;
  for await (const c of stream) bytes += c.length;
  await conn.close();
  return bytes;
}

/** big.flv's tags as the server would send them: chunk size 4096, audio csid 4, video 6. */
function record(flv: Buffer): Buffer {
  const w = new ChunkWriter();
  const parts: Buffer[] = [...w.writeSetChunkSize(4096)];
  for (const tag of demuxFlv(flv)) {
    const csid = tag.type === MessageType.Audio ? 4 : tag.type === MessageType.Video ? 6 : 5;
    parts.push(
      ...w.write({ type: tag.type, streamId: 1, timestamp: tag.timestamp, csid, payload: tag.payload }),
    );
  }
  return Buffer.concat(parts);
}

/** A session whose handshake is done (against an in-memory ServerHandshake). */
function readySession(): ClientSession {
  const session = new ClientSession();
  session.start(performance.now());
  const server = new ServerHandshake();
  let step = server.receive(Buffer.concat(session.takeOutput()));
  session.receive(Buffer.concat(step.send), performance.now());
  step = server.receive(Buffer.concat(session.takeOutput()));
  if (!step.done || !session.handshakeDone) throw new Error('in-memory handshake failed');
  session.takeEvents();
  return session;
}

/** Feeds the recording through a session into a stream and reads it back as FLV. */
async function replay(recording: Buffer): Promise<number> {
  const session = readySession();
  session.play(1, 'big');
  let paused = 0;
  let resume: (() => void) | undefined;
  const host: StreamConnection = {
    session: () => session,
    kick: () => void session.takeOutput(),
    pauseReading: () => void paused++,
    resumeReading: () => {
      paused = 0;
      resume?.();
    },
    waitStarted: () => {},
    waitDrain: () => Promise.resolve(),
    needsDrain: () => false,
    forget: () => {},
    metadata: () => {},
  };
  const stream = new RTMPStream(host, {
    streamId: 1,
    writeable: false,
    playpath: 'big',
    live: false,
    highWaterMark: 4 * 1024 * 1024,
    timeoutSec: 0,
    netStream: session.netStream(1)!,
  });
  const feed = async () => {
    for (let p = 0; p < recording.length; p += PIECE) {
      session.receive(recording.subarray(p, p + PIECE), performance.now());
      session.takeOutput();
      for (const ev of session.takeEvents()) {
        if (ev.kind === 'media' && ev.streamId === 1) stream.onMedia(ev);
        else if (ev.kind === 'data' && ev.streamId === 1) stream.onData(ev);
      }
      // Yield like a socket does between reads; wait while the stream is over its mark.
      await new Promise<void>((r) => setImmediate(r));
      while (paused > 0) await new Promise<void>((r) => (resume = r));
    }
    stream.onChange(
      { streamId: 1, from: 'play', to: 'ended-complete', cause: 'NetStream.Play.Stop' },
      undefined,
    );
  };
  let bytes = 0;
  const fed = feed();
  for await (const c of stream) bytes += c.length;
  await fed;
  return bytes;
}

function summarize(name: string, samples: Sample[]): (string | number)[] {
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const mbps = median(samples.map((s) => s.bytes / s.seconds / 1e6));
  const cpuPerGb = median(samples.map((s) => s.cpu / (s.bytes / 1e9)));
  return [name, mbps, cpuPerGb.toFixed(3), String(samples.length), (samples[0]!.bytes / 1e6).toFixed(0)];
}

/** The benchmark: prints a table; skips rows whose media or peer is missing. */
export default async function bench(): Promise<void> {
  const mediaDir = process.env.BENCH_MEDIA ?? join(tmpdir(), 'rtmpkit-bench-media');
  const src = join(mediaDir, 'big.flv');
  if (!statSync(src, { throwIfNoEntry: false })) {
    console.log(`skipped: ${src} missing (run the client-download bench first)`);
    return;
  }
  const runs = Number(process.env.HOTPATH_RUNS ?? 5);
  const only = process.env.HOTPATH_ONLY;
  const rows: (string | number)[][] = [];
  if (only !== 'nginx') {
    const recording = record(readFileSync(src));
    await replay(recording);
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) samples.push(await sample(() => replay(recording)));
    rows.push(summarize('memory', samples));
  }
  if (only !== 'memory' && which('nginx')) {
    const nginx = await startNginx({ mediaDir });
    try {
      const url = `rtmp://127.0.0.1:${nginx.port}/vod/big.flv`;
      await download(url);
      const samples: Sample[] = [];
      for (let i = 0; i < runs; i++) samples.push(await sample(() => download(url)));
      rows.push(summarize('nginx', samples));
    } finally {
      nginx.stop();
    }
  }
  console.log(table(['path', 'MB/s', 'CPU s/GB', 'runs', 'MB/run'], rows));
}
