/**
 * E-RTMP interop helpers: small MP4s the local ffmpeg makes at test time (1 s, 160×120)
 * in the codecs Enhanced RTMP carries, what `ffprobe -show_packets -show_data_hash MD5`
 * says their samples are — as the (kind, E-RTMP track id, timestamp, composition offset,
 * size, MD5) rows rtmpkit must deliver after publishing them — and the same rows from
 * typed packets, so a test compares what it received with the source sample by sample.
 *
 * Track ids: per kind, in file order, 0 first (what `rtmpkit publish` assigns). Times:
 * ms rounded down, plus the offset that makes the earliest decode time 0 (an edit list
 * starts B-frame video below 0); composition offset = pts ms − dts ms.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { AudioPacket, VideoPacket } from '../../src/flv/media.js';

const V = ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25'];
const A = (rate = 48000, freq = 440) => ['-f', 'lavfi', '-i', `sine=frequency=${freq}:sample_rate=${rate}`];
const X265 = [
  '-c:v',
  'libx265',
  '-preset',
  'ultrafast',
  '-x265-params',
  'log-level=error:bframes=2:keyint=12',
];
const AV1 = ['-c:v', 'libaom-av1', '-cpu-used', '8', '-g', '12'];

/** The media: name → ffmpeg input/codec arguments. */
export const ERTMP_CASES: Record<string, string[]> = {
  'hevc-opus': [...V, ...A(), ...X265, '-tag:v', 'hvc1', '-c:a', 'libopus'],
  'av1-flac-fragmented': [
    ...V,
    ...A(),
    ...AV1,
    '-c:a',
    'flac',
    '-strict',
    '-2',
    '-movflags',
    'frag_keyframe+empty_moov',
  ],
  'vp9-eac3': [
    ...V,
    ...A(),
    '-c:v',
    'libvpx-vp9',
    '-deadline',
    'realtime',
    '-cpu-used',
    '8',
    '-g',
    '12',
    '-c:a',
    'eac3',
  ],
  'h264-ac3-5.1': [
    ...V,
    ...A(),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-bf',
    '2',
    '-g',
    '12',
    '-c:a',
    'ac3',
    '-ac',
    '6',
  ],
  'hevc-two-languages': [
    ...V,
    ...A(48000, 440),
    ...A(48000, 880),
    '-map',
    '0:v',
    '-map',
    '1:a',
    '-map',
    '2:a',
    ...X265,
    '-tag:v',
    'hvc1',
    '-c:a:0',
    'aac',
    '-c:a:1',
    'libopus',
    '-metadata:s:a:0',
    'language=eng',
    '-metadata:s:a:1',
    'language=fra',
  ],
  'hevc-aac': [...V, ...A(), ...X265, '-tag:v', 'hvc1', '-c:a', 'aac'],
  'av1-aac': [...V, ...A(), ...AV1, '-c:a', 'aac'],
};

/** Makes `names` into `dir/<name>.mp4` (ffmpeg, bounded). */
export function makeErtmpMedia(dir: string, names: readonly string[]): void {
  for (const name of names) {
    execFileSync(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-nostdin',
        '-y',
        ...ERTMP_CASES[name]!,
        '-t',
        '1',
        join(dir, `${name}.mp4`),
      ],
      { timeout: 180_000, stdio: ['ignore', 'ignore', 'pipe'] },
    );
  }
}

interface ProbeStream {
  index: number;
  codec_type: string;
  codec_name: string;
  time_base: string;
  extradata?: string;
}
interface ProbePacket {
  stream_index: number;
  pts: number;
  dts: number;
  size: string;
  data_hash: string;
}

/** One sample as compared: `kind#track ts cts size md5`. */
export type SampleRow = string;

/** What ffprobe says of a file: rows per `kind#track`, and each track's ffprobe codec name and extradata. */
export interface SourceTracks {
  rows: Map<string, SampleRow[]>;
  codecs: Map<string, { codec: string; extradata: Buffer | undefined }>;
}

function floorMs(t: number, timeBase: string): number {
  const [num, den] = timeBase.split('/').map(Number) as [number, number];
  return Math.floor((t * num * 1000) / den);
}

/** Bytes of an ffprobe `-show_data` hexdump. */
function hexdump(dump: string | undefined): Buffer | undefined {
  const lines = (dump ?? '').split('\n').filter((l) => /^[0-9a-f]{8}: /.test(l));
  if (lines.length === 0) return undefined;
  return Buffer.from(lines.map((l) => l.slice(10, 50).replace(/ /g, '')).join(''), 'hex');
}

/** ffprobe's view of `file` as rows (see the module comment). */
export function ffprobeTracks(file: string): SourceTracks {
  const out = execFileSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-show_streams',
      '-show_data',
      '-show_packets',
      '-show_data_hash',
      'MD5',
      '-of',
      'json',
      file,
    ],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 256 << 20 },
  );
  const { streams, packets } = JSON.parse(out) as { streams: ProbeStream[]; packets: ProbePacket[] };
  const next = { video: 0, audio: 0 };
  const keyOf = new Map<number, string>();
  const codecs = new Map<string, { codec: string; extradata: Buffer | undefined }>();
  for (const s of streams) {
    if (s.codec_type !== 'video' && s.codec_type !== 'audio') continue;
    const key = `${s.codec_type}#${next[s.codec_type]++}`;
    keyOf.set(s.index, key);
    codecs.set(key, { codec: s.codec_name, extradata: hexdump(s.extradata) });
  }
  const tb = (i: number) => streams.find((s) => s.index === i)!.time_base;
  const offset = Math.max(0, -Math.min(...packets.map((p) => floorMs(p.dts, tb(p.stream_index)))));
  const rows = new Map<string, SampleRow[]>();
  for (const p of packets) {
    const key = keyOf.get(p.stream_index);
    if (key === undefined) continue;
    const dts = floorMs(p.dts, tb(p.stream_index));
    const cts = key.startsWith('video') ? floorMs(p.pts, tb(p.stream_index)) - dts : 0;
    const list = rows.get(key) ?? [];
    list.push(`${key} ${dts + offset} ${cts} ${p.size} ${p.data_hash}`);
    rows.set(key, list);
  }
  return { rows, codecs };
}

const md5 = (b: Buffer) => `MD5:${createHash('md5').update(b).digest('hex')}`;

/** The coded frames among typed packets as rows per `kind#track` (timestamps from `timestampOf`). */
export function packetRows(
  packets: Iterable<{ packet: VideoPacket | AudioPacket; timestamp: number }>,
): Map<string, SampleRow[]> {
  const rows = new Map<string, SampleRow[]>();
  for (const { packet: p, timestamp } of packets) {
    if (p.packetType !== 'codedFrames') continue;
    const key = `${p.kind}#${p.trackId}`;
    const cts = p.kind === 'video' ? p.compositionTime : 0;
    const list = rows.get(key) ?? [];
    list.push(`${key} ${timestamp} ${cts} ${p.data.length} ${md5(p.data)}`);
    rows.set(key, list);
  }
  return rows;
}

/** The sequence-start records among typed packets, per `kind#track`. */
export function configRecords(packets: Iterable<VideoPacket | AudioPacket>): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const p of packets) if (p.packetType === 'sequenceStart') out.set(`${p.kind}#${p.trackId}`, p.data);
  return out;
}

/** Whether a received configuration record matches ffprobe's extradata (FLAC: "fLaC" + block header first). */
export function configMatches(codec: string, record: Buffer, extradata: Buffer | undefined): boolean {
  if (extradata === undefined) return true; // FFmpeg 5.1 shows none for VP9, AC-3, E-AC-3, MP3
  if (codec === 'flac')
    return record.subarray(8).equals(extradata) && record.toString('latin1', 0, 4) === 'fLaC';
  if (codec === 'av1' && extradata[0] !== 0x81) return record.subarray(4).equals(extradata);
  return record.equals(extradata);
}
