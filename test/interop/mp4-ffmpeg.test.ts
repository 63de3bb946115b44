/**
 * The MP4 reader and the E-RTMP tag writer against FFmpeg, on media the local ffmpeg makes
 * at test time (1 s, 160×120): H.264 (B-frames, edit lists), HEVC, AV1, VP9; AAC, MP3,
 * Opus, FLAC, AC-3 (5.1), E-AC-3; progressive (moov last and +faststart), fragmented
 * (frag_keyframe+empty_moov), moov samples continued by fragments (frag_keyframe alone),
 * negative composition offsets (ctts v1 / trun v1) and two audio tracks in two languages.
 *
 * (a) Every sample `openMp4` yields equals `ffprobe -show_packets -show_data_hash MD5`:
 *     same count per track, dts, pts, keyframe flag, size and MD5 of the payload; each
 *     track's codec, size / rate / channels and language equal ffprobe's streams, and its
 *     configuration record equals ffprobe's extradata (`-show_streams -show_data`) — for
 *     FLAC as "fLaC" + the STREAMINFO block header + extradata, the form E-RTMP carries;
 *     FFmpeg 5.1 exposes no extradata for VP9, AC-3, E-AC-3 and MP3, so VP9's record is
 *     checked against the vpcC box found in the file by byte search, and the others have none;
 *     fragmented libaom output has an empty av1C, so the record the reader builds from the
 *     first Sequence Header OBU is checked against the av1C FFmpeg writes when remuxing.
 * (b) Every sample through `Mp4TagWriter` (E-RTMP with nano offsets, and legacy) and back
 *     through media.ts's `parseMediaPayload` gives the same codec, track id, timestamps
 *     (dtsMs + offset, CompositionTime = ptsMs − dtsMs, TimestampOffsetNano) and payload.
 * (c) Legacy FLV (H.264 + AAC / MP3) written with FlvMuxer is read by ffprobe with the same
 *     packets and payload hashes as the MP4. FFmpeg 5.1 cannot read enhanced FLV, so the
 *     E-RTMP forms are checked by (b) and by the spec's byte layouts in the unit tests.
 *
 * Missing ffmpeg/ffprobe: the test fails under CI=true, else skips.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { encodeFileHeader } from '../../src/flv/header.js';
import { parseMediaPayload } from '../../src/flv/media.js';
import { FlvMuxer, type FlvTagInput } from '../../src/flv/muxer.js';
import type { Mp4Sample } from '../../src/mp4/demux.js';
import { Mp4TagWriter } from '../../src/mp4/flv-tags.js';
import { type Mp4File, openMp4 } from '../../src/mp4/reader.js';
import { requirePeers, tempDir } from '../helpers/peers.js';

const V = ['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25'];
const A = (rate = 48000, freq = 440) => ['-f', 'lavfi', '-i', `sine=frequency=${freq}:sample_rate=${rate}`];
const X264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '2', '-g', '12', '-pix_fmt', 'yuv420p'];
const FRAG = ['-movflags', 'frag_keyframe+empty_moov'];

interface Case {
  name: string;
  args: string[];
  /** Legacy FLV of this file is checked with ffprobe (H.264 + AAC/MP3 only). */
  legacyFlv?: boolean;
}

const CASES: Case[] = [
  { name: 'h264-aac-progressive', args: [...V, ...A(), ...X264, '-c:a', 'aac'], legacyFlv: true },
  { name: 'h264-aac-faststart', args: [...V, ...A(), ...X264, '-c:a', 'aac', '-movflags', '+faststart'] },
  { name: 'h264-aac-fragmented', args: [...V, ...A(), ...X264, '-c:a', 'aac', ...FRAG], legacyFlv: true },
  {
    name: 'h264-ac3-5.1-hybrid',
    args: [...V, ...A(), ...X264, '-c:a', 'ac3', '-ac', '6', '-movflags', 'frag_keyframe'],
  },
  {
    name: 'h264-mp3-negative-cts',
    args: [...V, ...A(44100), ...X264, '-c:a', 'libmp3lame', '-movflags', '+negative_cts_offsets'],
    legacyFlv: true,
  },
  {
    name: 'h264-negative-cts-fragmented',
    args: [...V, ...X264, '-movflags', 'frag_keyframe+empty_moov+negative_cts_offsets'],
  },
  {
    name: 'hevc-opus',
    args: [
      ...V,
      ...A(),
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-x265-params',
      'log-level=error:bframes=2:keyint=12',
      '-tag:v',
      'hvc1',
      '-c:a',
      'libopus',
    ],
  },
  {
    name: 'av1-flac-fragmented',
    args: [
      ...V,
      ...A(),
      '-c:v',
      'libaom-av1',
      '-cpu-used',
      '8',
      '-g',
      '12',
      '-c:a',
      'flac',
      '-strict',
      '-2',
      ...FRAG,
    ],
  },
  {
    name: 'vp9-eac3-faststart',
    args: [
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
      '-movflags',
      '+faststart',
    ],
  },
  {
    name: 'h264-two-languages',
    args: [
      ...V,
      ...A(48000, 440),
      ...A(44100, 880),
      '-map',
      '0:v',
      '-map',
      '1:a',
      '-map',
      '2:a',
      ...X264,
      '-c:a',
      'aac',
      '-metadata:s:a:0',
      'language=eng',
      '-metadata:s:a:1',
      'language=fra',
    ],
  },
];

const CODEC: Record<string, [string, string]> = {
  h264: ['avc', 'avc1'],
  hevc: ['hevc', 'hvc1'],
  av1: ['av1', 'av01'],
  vp9: ['vp9', 'vp09'],
  aac: ['aac', 'mp4a'],
  mp3: ['mp3', '.mp3'],
  opus: ['opus', 'Opus'],
  flac: ['flac', 'fLaC'],
  ac3: ['ac3', 'ac-3'],
  eac3: ['eac3', 'ec-3'],
};

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let mediaDir: string | undefined;
/** Makes every case's file once (ffmpeg, bounded). */
function media(): string {
  if (mediaDir) return mediaDir;
  const dir = tempDir('rtmpkit-mp4-media-');
  dirs.push(dir);
  for (const c of CASES) {
    execFileSync(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-nostdin',
        '-y',
        ...c.args,
        '-t',
        '1',
        join(dir, `${c.name}.mp4`),
      ],
      {
        timeout: 120_000,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
  }
  mediaDir = dir;
  return dir;
}

interface ProbeStream {
  index: number;
  id: string;
  codec_name: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
  extradata?: string;
  tags?: { language?: string };
}
interface ProbePacket {
  stream_index: number;
  pts: number;
  dts: number;
  size: string;
  flags: string;
  data_hash: string;
}

function ffprobe(file: string, args: string[]): { streams?: ProbeStream[]; packets?: ProbePacket[] } {
  const out = execFileSync('ffprobe', ['-v', 'error', ...args, '-of', 'json', file], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 << 20,
  });
  return JSON.parse(out);
}

/** Bytes of an ffprobe `-show_data` hexdump ("00000000: 0164 001f …  .d..", 8 groups a line). */
function hexdump(dump: string | undefined): Buffer | undefined {
  const lines = (dump ?? '').split('\n').filter((l) => /^[0-9a-f]{8}: /.test(l));
  if (lines.length === 0) return undefined;
  return Buffer.from(lines.map((l) => l.slice(10, 50).replace(/ /g, '')).join(''), 'hex');
}

const md5 = (b: Buffer) => `MD5:${createHash('md5').update(b).digest('hex')}`;

async function readAll(file: Mp4File, tracks?: number[]): Promise<Mp4Sample[]> {
  const out: Mp4Sample[] = [];
  for await (const s of file.samples(tracks ? { tracks } : {})) out.push(s);
  return out;
}

function checkTrack(
  t: TestContext,
  file: string,
  raw: Buffer,
  mp4: Mp4File,
  s: ProbeStream,
  mine: Mp4Sample[],
  theirs: ProbePacket[],
): void {
  const track = mp4.tracks.find((x) => x.id === Number.parseInt(s.id, 16))!;
  assert.ok(track, `${file}: stream ${s.index} (${s.id}) is a track`);
  const [codec, fourcc] = CODEC[s.codec_name]!;
  assert.deepEqual([track.codec, track.fourcc], [codec, fourcc], `${file}: codec`);
  if (s.width !== undefined)
    assert.deepEqual([track.width, track.height], [s.width, s.height], `${file}: size`);
  if (s.sample_rate !== undefined) {
    assert.deepEqual(
      [track.sampleRate, track.channels],
      [Number(s.sample_rate), s.channels],
      `${file}: rate/channels`,
    );
  }
  assert.equal(track.language, s.tags?.language ?? 'und', `${file}: language`);
  const extradata = hexdump(s.extradata);
  if (codec === 'flac') {
    assert.deepEqual(track.config!.subarray(8), extradata, `${file}: STREAMINFO`);
    assert.equal(track.config!.toString('latin1', 0, 4), 'fLaC');
    assert.equal(track.config!.readUIntBE(5, 3), extradata!.length, 'STREAMINFO block length');
  } else if (codec === 'vp9') {
    assert.equal(extradata, undefined, 'FFmpeg 5.1 has no VP9 extradata');
    const at = raw.indexOf('vpcC', 0, 'latin1');
    const box = raw.subarray(at - 4, at - 4 + raw.readUInt32BE(at - 4));
    assert.deepEqual(track.config, box.subarray(12), `${file}: vpcC record without its FullBox header`);
  } else if (codec === 'av1' && extradata?.[0] !== 0x81) {
    // An empty av1C (FFmpeg, fragmented libaom output): ffprobe's extradata is the Sequence
    // Header OBU of the first sample, and the record built from it must be the av1C FFmpeg
    // writes when it remuxes the track into a progressive MP4.
    assert.deepEqual(track.config!.subarray(4), extradata, `${file}: configOBUs = extradata`);
    const remux = join(media(), `${file}-remux.mp4`);
    execFileSync(
      'ffmpeg',
      [
        '-v',
        'error',
        '-nostdin',
        '-y',
        '-i',
        join(media(), `${file}.mp4`),
        '-map',
        '0:v',
        '-c',
        'copy',
        remux,
      ],
      {
        timeout: 60_000,
      },
    );
    const bytes = readFileSync(remux);
    const at = bytes.indexOf('av1C', 0, 'latin1');
    assert.deepEqual(
      track.config,
      bytes.subarray(at + 4, at - 4 + bytes.readUInt32BE(at - 4)),
      `${file}: av1C as FFmpeg writes it`,
    );
  } else {
    assert.deepEqual(track.config, extradata, `${file}: configuration record = extradata`);
  }
  const view = (p: { dts: number; pts: number; size: number; key: boolean; hash: string }) => p;
  assert.equal(mine.length, theirs.length, `${file} track ${track.id}: sample count`);
  assert.deepEqual(
    mine.map((x) =>
      view({ dts: x.dts, pts: x.pts, size: x.data.length, key: x.keyframe, hash: md5(x.data) }),
    ),
    theirs.map((p) =>
      view({ dts: p.dts, pts: p.pts, size: Number(p.size), key: p.flags.startsWith('K'), hash: p.data_hash }),
    ),
    `${file} track ${track.id}: samples equal ffprobe's packets`,
  );
  t.diagnostic(`${file} track ${track.id} ${fourcc}: ${mine.length} samples equal`);
}

/** Every sample through the tag writer and back through media.ts. */
function roundTrip(mp4: Mp4File, samples: Mp4Sample[], legacy: boolean): FlvTagInput[] {
  const w = new Mp4TagWriter(mp4, { legacy, nanoOffsets: true });
  const head = w.head();
  for (const tag of head.slice(1)) {
    const [p] = parseMediaPayload(tag.type, tag.payload);
    assert.ok(p && (p.packetType === 'sequenceStart' || p.packetType === 'multichannelConfig'));
    const t = [...w.tracks.values()].find((x) => x.track.kind === p.kind && x.trackId === p.trackId)!;
    if (p.packetType === 'sequenceStart') assert.deepEqual(p.data, t.track.config);
  }
  const tags = samples.map((s) => {
    const tag = w.sample(s);
    const published = w.tracks.get(s.track.id)!;
    const [p] = parseMediaPayload(tag.type, tag.payload);
    assert.ok(p);
    assert.equal(p.codec, published.legacy && s.track.codec === 'mp3' ? 'mp3' : s.track.codec);
    assert.equal(p.enhanced, !published.legacy);
    assert.equal(p.trackId, published.trackId);
    assert.equal(tag.timestamp, s.dtsMs + w.timestampOffset!);
    assert.equal(p.timestampOffsetNano, published.legacy ? 0 : s.timestampOffsetNano);
    if (p.kind === 'video') {
      assert.equal(p.compositionTime, s.ptsMs - s.dtsMs);
      assert.equal(p.isKeyframe, s.keyframe);
    }
    assert.ok(p.data.equals(s.data), 'payload');
    return tag;
  });
  return [...head, ...tags, ...w.end()];
}

describe('MP4 from ffmpeg: samples equal ffprobe, tags round-trip through media.ts', () => {
  for (const c of CASES) {
    it(c.name, async (t) => {
      if (!requirePeers(t, ['ffmpeg', 'ffprobe'])) return;
      const path = join(media(), `${c.name}.mp4`);
      const raw = readFileSync(path);
      const probe = ffprobe(path, [
        '-show_packets',
        '-show_data_hash',
        'MD5',
        '-show_entries',
        'packet=stream_index,pts,dts,size,flags,data_hash',
      ]);
      const { streams } = ffprobe(path, ['-show_streams', '-show_data']);
      const mp4 = await openMp4(path);
      try {
        if (c.name.includes('fragmented')) assert.equal(mp4.fragmented, true);
        const samples = await readAll(mp4);
        assert.equal(streams!.length, mp4.tracks.length);
        for (const s of streams!) {
          const id = Number.parseInt(s.id, 16);
          checkTrack(
            t,
            c.name,
            raw,
            mp4,
            s,
            samples.filter((x) => x.track.id === id),
            probe.packets!.filter((p) => p.stream_index === s.index),
          );
        }
        // decode order across tracks
        for (let i = 1; i < samples.length; i++) {
          const a = samples[i - 1]!;
          const b = samples[i]!;
          assert.ok(
            a.dts / a.track.timescale <= b.dts / b.track.timescale,
            `${c.name}: decode order at ${i}`,
          );
        }
        roundTrip(mp4, samples, false);
        const legacyTags = roundTrip(mp4, samples, true);
        if (c.legacyFlv) checkLegacyFlv(c.name, legacyTags, samples);
        if (c.name === 'h264-two-languages') {
          const w = new Mp4TagWriter(mp4);
          assert.deepEqual(
            [...w.tracks.values()].map((x) => [x.track.kind, x.track.language, x.trackId]),
            [
              ['video', 'und', 0],
              ['audio', 'eng', 0],
              ['audio', 'fra', 1],
            ],
          );
        }
      } finally {
        await mp4.close();
      }
    });
  }
});

/** Legacy FLV written with FlvMuxer: ffprobe reads the same packets as the MP4's samples. */
function checkLegacyFlv(name: string, tags: FlvTagInput[], samples: Mp4Sample[]): void {
  const dir = tempDir('rtmpkit-mp4-flv-');
  dirs.push(dir);
  const out = join(dir, `${name}.flv`);
  const mux = new FlvMuxer();
  writeFileSync(
    out,
    Buffer.concat([encodeFileHeader({ audio: true, video: true }), ...tags.flatMap((t) => mux.writeTag(t))]),
  );
  const probe = ffprobe(out, [
    '-show_packets',
    '-show_data_hash',
    'MD5',
    '-show_entries',
    'packet=codec_type,pts,dts,size,flags,data_hash:stream=index,codec_type',
  ]);
  const got = (probe.packets as unknown as (ProbePacket & { codec_type: string })[]).map((p) => [
    p.codec_type,
    p.data_hash,
    p.flags.startsWith('K'),
  ]);
  const want = samples.map((s) => [s.track.kind, md5(s.data), s.track.kind === 'audio' || s.keyframe]);
  const kinds = ['video', 'audio'];
  for (const kind of kinds) {
    assert.deepEqual(
      got.filter((g) => g[0] === kind),
      want.filter((w) => w[0] === kind),
      `${name}: ffprobe reads the legacy FLV's ${kind} as the MP4's`,
    );
  }
}
