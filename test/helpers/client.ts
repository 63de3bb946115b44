/**
 * Helpers shared by the client interop tests: download a stream with rtmpkit, and
 * list a file's packets with ffprobe in a comparable form.
 */
import assert from 'node:assert/strict';
import { RTMP } from '../../src/index.js';
import { runBounded } from './peers.js';

/** Downloads `url` with rtmpkit (play to the end) and returns the FLV bytes. */
export async function download(
  url: string,
  options: ConstructorParameters<typeof RTMP>[1] = {},
): Promise<Buffer> {
  const conn = new RTMP(url, { timeout: 20, ...options });
  await conn.connect();
  const stream = await conn.createStream();
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk);
  await conn.close();
  return Buffer.concat(parts);
}

/** ffprobe's packets of `file` as rows: stream, pts, dts, flags, size, MD5 of the data. */
export async function packets(file: string): Promise<string[]> {
  const r = await runBounded(
    'ffprobe',
    ['-v', 'error', '-show_packets', '-show_data_hash', 'MD5', '-of', 'json', file],
    60_000,
  );
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout.toString()) as {
    packets: {
      stream_index: number;
      pts: number;
      dts: number;
      flags: string;
      size: string;
      data_hash: string;
    }[];
  };
  return j.packets.map((p) => `${p.stream_index} ${p.pts} ${p.dts} ${p.flags} ${p.size} ${p.data_hash}`);
}
