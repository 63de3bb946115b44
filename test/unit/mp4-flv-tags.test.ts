/**
 * MP4 → FLV tags (src/mp4/flv-tags.ts) on a built movie with H.264, two AAC tracks (two
 * languages), a 5.1 AC-3 track and a text track: the head (onMetaData, SequenceStarts,
 * MultichannelConfig), one CodedFrames tag per sample with the timestamp offset that makes
 * the first decode time 0, E-RTMP track ids 0, 1, … per kind, legacy forms only where
 * asked and possible, ModEx nano offsets only on E-RTMP tags, SequenceEnd at the end —
 * every tag read back through media.ts's parser equals the sample it came from.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTMPUsageError } from '../../src/errors.js';
import { parseMediaPayload } from '../../src/flv/media.js';
import { parseOnMetaData } from '../../src/flv/metadata.js';
import type { FlvTagInput } from '../../src/flv/muxer.js';
import { parseScriptTag } from '../../src/flv/script.js';
import { Mp4TagWriter, mp4FlvTags, mp4FlvTagsSync } from '../../src/mp4/flv-tags.js';
import { openMp4, readMp4 } from '../../src/mp4/reader.js';
import {
  audioEntry,
  avc1,
  box,
  mp4a,
  progressive,
  samples,
  type TrackSpec,
  u24,
} from '../helpers/mp4-builder.js';

const AVCC = Buffer.from(
  '014d400bffe10018674d400beca1423f2e0220000003002000000641e28532c001000468ce0fc8',
  'hex',
);
const tracks: TrackSpec[] = [
  {
    id: 1,
    handler: 'vide',
    timescale: 90000,
    entry: avc1(AVCC),
    samples: samples(6, 40, 3000, 1, (i) => ({ cts: [3000, 9000, 0][i % 3], sync: i === 0 })),
    edits: [[200, 3000]],
  },
  {
    id: 2,
    handler: 'soun',
    timescale: 44100,
    entry: mp4a(Buffer.from('1210', 'hex'), 2, 44100),
    samples: samples(8, 10, 1024, 2),
    language: 'eng',
  },
  {
    id: 3,
    handler: 'soun',
    timescale: 48000,
    entry: mp4a(Buffer.from('1190', 'hex'), 1, 48000),
    samples: samples(7, 12, 1024, 3),
    language: 'fra',
  },
  {
    id: 4,
    handler: 'soun',
    timescale: 48000,
    entry: audioEntry('ac-3', 2, 48000, box('dac3', u24((8 << 17) | (7 << 11) | (1 << 10)))),
    samples: samples(3, 30, 1536, 4),
  },
  {
    id: 5,
    handler: 'text',
    timescale: 1000,
    entry: box('tx3g', Buffer.alloc(30)),
    samples: samples(1, 3, 1000, 5),
  },
];
const FILE = progressive(tracks);

function parse(tag: FlvTagInput) {
  return parseMediaPayload(tag.type, tag.payload);
}

describe('Mp4TagWriter', () => {
  it('head: onMetaData, a SequenceStart per track with a record, MultichannelConfig beyond stereo', () => {
    const w = new Mp4TagWriter(readMp4(FILE));
    assert.deepEqual(
      [...w.tracks.values()].map((t) => [t.track.id, t.trackId, t.legacy]),
      [
        [1, 0, false],
        [2, 0, false],
        [3, 1, false],
        [4, 2, false],
      ],
    );
    const head = w.head();
    assert.deepEqual(
      head.map((t) => [t.type, t.timestamp]),
      [
        [18, 0],
        [9, 0],
        [8, 0],
        [8, 0],
        [8, 0],
      ],
    );
    const meta = parseOnMetaData(parseScriptTag(head[0]!.payload).values)!;
    assert.deepEqual(
      [meta.videoCodec, meta.width, meta.framerate, meta.audioCodec, meta.audioSampleRate],
      ['avc', 160, 30, 'aac', 44100],
    );
    assert.deepEqual([...meta.audioTracks!.keys()], [1, 2]);
    assert.deepEqual(
      [meta.audioTracks!.get(2)!.audioCodec, meta.audioTracks!.get(2)!.audioChannels],
      ['ac3', 6],
    );
    const packets = head.slice(1).flatMap(parse);
    assert.deepEqual(
      packets.map((p) => [p.kind, p.codec, p.packetType, p.trackId, p.enhanced]),
      [
        ['video', 'avc', 'sequenceStart', 0, true],
        ['audio', 'aac', 'sequenceStart', 0, true],
        ['audio', 'aac', 'sequenceStart', 1, true],
        ['audio', 'ac3', 'multichannelConfig', 2, true],
      ],
    );
    assert.deepEqual(packets[0]!.data, AVCC);
    assert.equal(packets[3]!.kind === 'audio' && packets[3]!.multichannelConfig!.channelCount, 6);
  });

  it('samples: timestamps from 0, CompositionTime = ptsMs − dtsMs, track ids, the bytes', () => {
    const m = readMp4(FILE);
    const w = new Mp4TagWriter(m);
    const all = [...m.samples({ tracks: w.trackIds })];
    const tags = all.map((s) => w.sample(s));
    assert.equal(w.timestampOffset, 34, 'the first decode time is −3000/90000 s = −33.3 ms, floored');
    assert.equal(tags[0]!.timestamp, 0);
    all.forEach((s, i) => {
      const [p] = parse(tags[i]!);
      assert.equal(tags[i]!.timestamp, s.dtsMs + 34);
      assert.deepEqual(p!.data, s.data);
      assert.equal(p!.trackId, w.tracks.get(s.track.id)!.trackId);
      assert.equal(p!.timestampOffsetNano, 0);
      if (p!.kind === 'video') {
        assert.equal(p.compositionTime, s.ptsMs - s.dtsMs);
        assert.equal(p.isKeyframe, s.keyframe);
      }
    });
    const end = w.end();
    assert.deepEqual(
      end.map((t) => [t.type, t.timestamp, parse(t)[0]!.packetType]),
      [[9, Math.max(...tags.map((t) => t.timestamp)), 'sequenceEnd']],
    );
  });

  it('legacy: AVC and AAC on track 0 legacy, the other tracks E-RTMP; nano offsets only on E-RTMP tags', () => {
    const m = readMp4(FILE);
    const tags = [...mp4FlvTagsSync(m, { legacy: true, nanoOffsets: true, tracks: [1, 2, 3] })];
    const meta = parseOnMetaData(parseScriptTag(tags[0]!.payload).values)!;
    assert.deepEqual([meta.videoCodecId, meta.audioCodecId], [7, 10]);
    const packets = tags.slice(1).flatMap(parse);
    const byTrack = (kind: string, id: number) => packets.filter((p) => p.kind === kind && p.trackId === id);
    assert.ok(byTrack('video', 0).every((p) => !p.enhanced));
    assert.ok(byTrack('audio', 0).every((p) => !p.enhanced && p.timestampOffsetNano === 0));
    const fra = byTrack('audio', 1);
    assert.ok(fra.every((p) => p.enhanced && p.multitrack === 'oneTrack'));
    // 48 kHz: 1024 ticks = 21.333… ms, so every sample after the first has a sub-ms rest
    assert.deepEqual(
      fra.filter((p) => p.packetType === 'codedFrames').map((p) => p.timestampOffsetNano),
      [0, 333333, 666666, 0, 333333, 666666, 0],
    );
    assert.equal(packets.filter((p) => p.packetType === 'sequenceEnd').length, 1);
  });

  it('mp4FlvTags over a file equals mp4FlvTagsSync over the buffer', async () => {
    const file = await openMp4(FILE);
    const got: FlvTagInput[] = [];
    for await (const t of mp4FlvTags(file, { nanoOffsets: true })) got.push(t);
    const want = [...mp4FlvTagsSync(readMp4(FILE), { nanoOffsets: true })];
    assert.deepEqual(
      got.map((t) => [t.type, t.timestamp, t.payload.toString('hex')]),
      want.map((t) => [t.type, t.timestamp, t.payload.toString('hex')]),
    );
    assert.equal(want.length, 1 + 4 + 24 + 1);
  });

  it('refuses tracks E-RTMP cannot carry, unknown tracks and samples of tracks not published', () => {
    const m = readMp4(FILE);
    assert.throws(() => new Mp4TagWriter(m, { tracks: [5] }), RTMPUsageError);
    assert.throws(() => new Mp4TagWriter(m, { tracks: [9] }), RTMPUsageError);
    const w = new Mp4TagWriter(m, { tracks: [2] });
    const video = m.samples({ tracks: [1] }).next().value!;
    assert.throws(() => w.sample(video), /not published/);
  });
});
