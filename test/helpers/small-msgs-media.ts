/**
 * Test media of a realistic low bitrate — many small messages — made once with ffmpeg and
 * cached in a folder nginx-rtmp can serve as its VOD app. Small messages are what show a
 * client's per-message cost, and what fill nginx-rtmp's per-client send queue (counted in
 * messages) when the client falls behind.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBounded } from './peers.js';

/** The largest send buffer TCP autotuning may give nginx (tcp_wmem's third field), bytes. */
function tcpWmemMax(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/tcp_wmem', 'utf8').trim().split(/\s+/)[2]) || 4 << 20;
  } catch {
    return 4 << 20;
  }
}

/**
 * 160x120 H.264 at 300 kbit/s + AAC at 64 kbit/s (≈ 47 KB/s, 73 messages/s) in a cached
 * folder nginx serves: 180 s with the usual 4 MB tcp_wmem maximum (8.4 MB, 13,000
 * messages), longer when the kernel lets the send buffer grow further.
 */
export async function smallMessageMedia(): Promise<{ dir: string; name: string }> {
  const seconds = Math.ceil(180 * Math.max(1, tcpWmemMax() / (4 << 20)));
  const dir = join(tmpdir(), 'rtmpkit-media-vod-drop');
  const name = `small-msgs-${seconds}s.flv`;
  const path = join(dir, name);
  const tmp = `${path}.${process.pid}.tmp`;
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const ff = await runBounded(
      'ffmpeg',
      [
        ...['-v', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=30'],
        ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100', '-t', String(seconds)],
        // noise keeps x264 from compressing the test pattern away, so the frames have a real size
        ...['-vf', 'noise=alls=20:allf=t', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60'],
        ...['-b:v', '300k', '-maxrate', '300k', '-bufsize', '150k', '-pix_fmt', 'yuv420p'],
        ...['-c:a', 'aac', '-b:a', '64k', '-f', 'flv', tmp],
      ],
      120_000,
    );
    assert.equal(ff.code, 0, ff.stderr);
    renameSync(tmp, path);
  }
  return { dir, name };
}
