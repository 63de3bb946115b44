/**
 * ffmpeg and FLV comparison helpers for the interop tests: bounded ffmpeg runs, a
 * stream-copy of an FLV file to a URL (RTMP publish or an output file), and
 * test/peers/flvcmp.py as the judge of two FLV files' audio/video tags.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PEERS_DIR, type RunResult, runBounded } from './peers.js';

/** `args` with ffmpeg's banner, stdin and log noise off. */
export function quiet(args: string[]): string[] {
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args];
}

/** ffmpeg with `args`, quiet, bounded. */
export function ffmpeg(args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return runBounded('ffmpeg', quiet(args), timeoutMs);
}

/** The arguments of `ffmpeg [before…] -i src -c copy -f flv -y dest`. */
export function copyArgs(src: string, dest: string, before: string[] = []): string[] {
  return [...before, '-i', src, '-c', 'copy', '-f', 'flv', '-y', dest];
}

/** Publishes a file (`-re` for real time) or copies a stream to `dest` as FLV. */
export function copyFlv(
  src: string,
  dest: string,
  before: string[] = [],
  timeoutMs?: number,
): Promise<RunResult> {
  return ffmpeg(copyArgs(src, dest, before), timeoutMs);
}

/** Asserts test/peers/flvcmp.py finds the A/V tags of two FLV files equal (type, timestamp, payload). */
export async function flvcmp(a: string, b: string): Promise<void> {
  const r = await runBounded('python3', [join(PEERS_DIR, 'flvcmp.py'), a, b], 60_000);
  assert.equal(r.code, 0, `flvcmp ${a} ${b}:\n${r.stdout.toString()}${r.stderr}`);
}
