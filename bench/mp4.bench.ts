/**
 * MP4 reader throughput. In-process rows on a synthetic 60 s movie (30 fps H.264-like
 * frames of 2–60 KB, AAC-like frames every 21 ms, ≈ 20 MB) built progressive and
 * fragmented: `readMp4` over a Buffer (views, no copies), `openMp4` over the file written
 * to a temp dir (positional reads, `readSize` 1 MiB), and the same through
 * `Mp4TagWriter` (one E-RTMP tag body per sample, copied once). MB/s are file bytes per
 * second.
 *
 * With `MP4_FILE=/path/big.mp4` it also reads that file once with `openMp4` and reports
 * MB/s, samples/s and the peak RSS and external memory above the starting point — the
 * reader holds the moov, one read window per track and the samples in flight, not the file.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mp4TagWriter } from '../src/mp4/flv-tags.js';
import { openMp4, readMp4 } from '../src/mp4/reader.js';
import { rng } from '../test/fuzz/engine.js';
import {
  avc1,
  fragmented,
  mp4a,
  progressive,
  type SampleSpec,
  type TrackSpec,
} from '../test/helpers/mp4-builder.js';
import { measure, table } from './measure.js';

function movie(seconds = 60): TrackSpec[] {
  const next = rng(0x4d50);
  const video: SampleSpec[] = [];
  for (let f = 0; f < seconds * 30; f++) {
    const key = f % 60 === 0;
    video.push({
      data: Buffer.alloc(key ? 55_000 + (next() % 10_000) : 2_000 + (next() % 18_000), f & 0xff),
      duration: 3000,
      sync: key,
    });
  }
  const audio: SampleSpec[] = [];
  for (let t = 0; t < (seconds * 48000) / 1024; t++)
    audio.push({ data: Buffer.alloc(180 + (next() % 41), t & 0xff), duration: 1024 });
  const avcC = Buffer.from('014d401effe1001a674d401eec', 'hex');
  return [
    { id: 1, handler: 'vide', timescale: 90000, entry: avc1(avcC, 1280, 720), samples: video },
    { id: 2, handler: 'soun', timescale: 48000, entry: mp4a(Buffer.from('1190', 'hex')), samples: audio },
  ];
}

async function readFile(path: string): Promise<number> {
  const m = await openMp4(path);
  let n = 0;
  for await (const s of m.samples()) n += s.data.length;
  await m.close();
  return n;
}

async function timeAsync(fn: () => Promise<unknown>, bytes: number, rounds = 5): Promise<number> {
  await fn();
  const start = performance.now();
  for (let i = 0; i < rounds; i++) await fn();
  return (bytes * rounds) / ((performance.now() - start) / 1000) / 1e6;
}

async function bigFile(path: string): Promise<void> {
  const size = statSync(path).size;
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakExternal = base.external + base.arrayBuffers;
  let samples = 0;
  const start = performance.now();
  const m = await openMp4(path);
  for await (const s of m.samples()) {
    if ((++samples & 15) === 0) {
      const u = process.memoryUsage();
      peakRss = Math.max(peakRss, u.rss);
      peakExternal = Math.max(peakExternal, u.external + u.arrayBuffers);
    }
    void s;
  }
  await m.close();
  const seconds = (performance.now() - start) / 1000;
  console.log(
    table(
      ['file', 'MB', 'tracks', 'samples', 's', 'MB/s', 'samples/s', 'peak RSS +MB', 'peak external +MB'],
      [
        [
          path,
          size / 1e6,
          m.tracks.map((t) => t.fourcc).join(','),
          samples,
          seconds,
          size / seconds / 1e6,
          samples / seconds,
          (peakRss - base.rss) / 1e6,
          (peakExternal - base.external - base.arrayBuffers) / 1e6,
        ],
      ],
    ),
  );
}

export default async function run(): Promise<void> {
  // The real file first, in a fresh heap, so the memory figures are the reader's.
  if (process.env.MP4_FILE) await bigFile(process.env.MP4_FILE);
  const tracks = movie();
  const dir = join(tmpdir(), `rtmpkit-mp4-bench-${process.pid}`);
  const rows: (string | number)[][] = [];
  mkdirSync(dir, { recursive: true });
  try {
    for (const [name, file] of [
      ['progressive', progressive(tracks, { chunk: 30 })],
      ['fragmented', fragmented(tracks, { perFragment: 60 })],
    ] as const) {
      const m = readMp4(file);
      rows.push([
        `readMp4 ${name} (Buffer)`,
        measure(
          () => {
            for (const s of m.samples()) void s;
          },
          file.length,
          1500,
        ).mbPerSec,
      ]);
      rows.push([
        `readMp4 ${name} + Mp4TagWriter`,
        measure(
          () => {
            const w = new Mp4TagWriter(m);
            for (const s of m.samples()) w.sample(s);
          },
          file.length,
          1500,
        ).mbPerSec,
      ]);
      writeFileSync(join(dir, `${name}.mp4`), file, { flag: 'w' });
      rows.push([
        `openMp4 ${name} (file)`,
        await timeAsync(() => readFile(join(dir, `${name}.mp4`)), file.length),
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(table(['row', 'MB/s'], rows));
}
