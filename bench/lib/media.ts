/**
 * The media the scenarios play, made with ffmpeg once and cached under
 * /tmp/rtmpkit-bench-media (`--quick`: its `quick/` folder, small files):
 * - `big.flv`: 1280x720 H.264 at 40 Mbit/s + AAC, 60 s ≈ 300 MB (quick 5 s), made by
 *   test/peers/make-media.sh (which also leaves short.flv/short.mp4 there);
 * - `long.flv`: big.flv looped without re-encoding (`-stream_loop -c copy`) to 200 s
 *   ≈ 1 GB (quick 10 s), so steady-state throughput shows apart from start-up;
 * - `live6m.flv`: 1280x720 H.264 at 6 Mbit/s + AAC, 20 s (quick 6 s), a keyframe every
 *   2 s — the fan-out stream;
 * - `msgs.flv`: 320x240 H.264 at 300 kbit/s + AAC at 64 kbit/s, 300 s ≈ 14 MB (quick
 *   30 s), a keyframe every 2 s — a realistic bitrate, where the per-message cost shows:
 *   ~22,000 audio/video messages of a few hundred bytes each.
 * A file is written as NAME.tmp and renamed, so an interrupted run never leaves a short
 * file that later runs would trust. The A/V digest of each file is cached beside it
 * (NAME.digest.json, keyed by size and mtime).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PEERS_DIR } from '../../test/helpers/peers.js';
import { type AvDigest, avDigest } from './flv-check.js';

/** The cache folder of full-size media. */
export const MEDIA_ROOT = '/tmp/rtmpkit-bench-media';

/** One media file and what the checks need to know about it. */
export interface MediaFile {
  path: string;
  /** File name, which is also the stream name in the vod app. */
  name: string;
  bytes: number;
  digest: AvDigest;
}

/** The files of a run. */
export interface Media {
  dir: string;
  big: MediaFile;
  long: MediaFile;
  live: MediaFile;
  msgs: MediaFile;
}

const SIZES = {
  full: { big: 60, long: 200, live: 20, msgs: 300 },
  quick: { big: 5, long: 10, live: 6, msgs: 30 },
};

function ffmpeg(args: string[], out: string): void {
  execFileSync(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args, '-f', 'flv', `${out}.tmp`],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 1_800_000,
    },
  );
  renameSync(`${out}.tmp`, out);
}

function describe(path: string): MediaFile {
  const st = statSync(path);
  const cache = `${path}.digest.json`;
  let digest: AvDigest | undefined;
  try {
    const c = JSON.parse(readFileSync(cache, 'utf8')) as { size: number; mtimeMs: number; digest: AvDigest };
    if (c.size === st.size && c.mtimeMs === st.mtimeMs) digest = c.digest;
  } catch {}
  if (!digest) {
    digest = avDigest(path);
    writeFileSync(cache, JSON.stringify({ size: st.size, mtimeMs: st.mtimeMs, digest }));
  }
  return { path, name: path.slice(path.lastIndexOf('/') + 1), bytes: st.size, digest };
}

/** Makes (or finds) the media of a run; `log` hears what is being made. */
export function ensureMedia(quick: boolean, log: (msg: string) => void): Media {
  const dir = quick ? join(MEDIA_ROOT, 'quick') : MEDIA_ROOT;
  const s = quick ? SIZES.quick : SIZES.full;
  mkdirSync(dir, { recursive: true });
  const big = join(dir, 'big.flv');
  if (!existsSync(big)) {
    log(`making ${big} (${s.big} s at 40 Mbit/s)…`);
    execFileSync('bash', [join(PEERS_DIR, 'make-media.sh'), dir], {
      env: { ...process.env, BIG_SECONDS: String(s.big), BIG_MBPS: '40' },
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 1_800_000,
    });
  }
  const long = join(dir, 'long.flv');
  if (!existsSync(long)) {
    log(`making ${long} (big.flv looped to ${s.long} s)…`);
    ffmpeg(['-stream_loop', '-1', '-i', big, '-t', String(s.long), '-c', 'copy'], long);
  }
  const live = join(dir, 'live6m.flv');
  if (!existsSync(live)) {
    log(`making ${live} (${s.live} s at 6 Mbit/s)…`);
    // noise keeps x264 from compressing the test pattern away, so the bitrate is real
    ffmpeg(
      [
        ...['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(s.live)],
        ...['-vf', 'noise=alls=20:allf=t', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60'],
        ...['-b:v', '6M', '-maxrate', '6M', '-bufsize', '3M', '-pix_fmt', 'yuv420p'],
        ...['-c:a', 'aac', '-b:a', '128k', '-ac', '2'],
      ],
      live,
    );
  }
  const msgs = join(dir, 'msgs.flv');
  if (!existsSync(msgs)) {
    log(`making ${msgs} (${s.msgs} s at 300 kbit/s)…`);
    ffmpeg(
      [
        ...['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', String(s.msgs)],
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-b:v', '300k', '-pix_fmt', 'yuv420p'],
        ...['-c:a', 'aac', '-b:a', '64k'],
      ],
      msgs,
    );
  }
  log('checking media digests…');
  return { dir, big: describe(big), long: describe(long), live: describe(live), msgs: describe(msgs) };
}
