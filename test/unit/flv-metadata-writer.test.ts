/**
 * `onMetaData` with the E-RTMP fields (ERTMP-V2 "Enhancing onMetaData"): codec ids as
 * FourCC numbers (the spec's own examples: `av01` = 1635135537, `Opus` = 1332770163) or
 * legacy ids, the default track of each kind at the top level, the others in
 * `videoTrackIdInfoMap` / `audioTrackIdInfoMap` as AMF0 Objects keyed by track id — and
 * what `parseOnMetaData` reads back from the encoded tag.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AMFObject } from '../../src/amf/types.js';
import { RTMPUsageError } from '../../src/errors.js';
import { parseOnMetaData } from '../../src/flv/metadata.js';
import { buildOnMetaData, type MetadataTrack, onMetaDataTag } from '../../src/flv/metadata-writer.js';
import { parseScriptTag } from '../../src/flv/script.js';

const HEVC: MetadataTrack = {
  kind: 'video',
  codec: 'hevc',
  width: 1920,
  height: 1080,
  frameRate: 30,
  dataRate: 6000,
};
const AAC: MetadataTrack = {
  kind: 'audio',
  codec: 'aac',
  sampleRate: 48000,
  channels: 2,
  sampleSize: 16,
  dataRate: 128,
};
const OPUS: MetadataTrack = { kind: 'audio', codec: 'opus', trackId: 1, sampleRate: 48000, channels: 1 };

describe('buildOnMetaData', () => {
  it('FourCC codec ids, the default tracks on top, the others in the track maps', () => {
    const props = buildOnMetaData(
      [HEVC, AAC, OPUS, { kind: 'video', codec: 'av1', trackId: 2, width: 640 }],
      {
        duration: 12.5,
        encoder: 'rtmpkit',
      },
    );
    assert.deepEqual(
      { ...props, audioTrackIdInfoMap: undefined, videoTrackIdInfoMap: undefined },
      {
        duration: 12.5,
        width: 1920,
        height: 1080,
        framerate: 30,
        videodatarate: 6000,
        videocodecid: 0x68766331,
        audiodatarate: 128,
        audiosamplerate: 48000,
        audiosamplesize: 16,
        stereo: true,
        audiochannels: 2,
        audiocodecid: 0x6d703461,
        encoder: 'rtmpkit',
        audioTrackIdInfoMap: undefined,
        videoTrackIdInfoMap: undefined,
      },
    );
    assert.ok(props.audioTrackIdInfoMap instanceof AMFObject);
    assert.deepEqual(Object.keys(props.audioTrackIdInfoMap), ['1']);
    assert.deepEqual(
      { ...((props.audioTrackIdInfoMap as Record<string, object>)['1'] as object) },
      {
        samplerate: 48000,
        channels: 1,
        audiocodecid: 1332770163,
      },
    );
    assert.deepEqual(
      { ...((props.videoTrackIdInfoMap as Record<string, object>)['2'] as object) },
      {
        width: 640,
        videocodecid: 1635135537,
      },
    );
  });

  it('encodes as onMetaData (track maps as AMF0 Objects) and parseOnMetaData reads it back', () => {
    const tag = onMetaDataTag([HEVC, AAC, OPUS], { duration: 3 });
    const at = tag.indexOf('audioTrackIdInfoMap', 0, 'latin1');
    assert.equal(tag[at + 'audioTrackIdInfoMap'.length], 0x03, 'an AMF0 Object');
    const meta = parseOnMetaData(parseScriptTag(tag).values)!;
    assert.deepEqual(
      [
        meta.duration,
        meta.videoCodec,
        meta.videoFourCc,
        meta.width,
        meta.audioCodec,
        meta.audioChannels,
        meta.stereo,
      ],
      [3, 'hevc', 'hvc1', 1920, 'aac', 2, true],
    );
    const opus = meta.audioTracks!.get(1)!;
    assert.deepEqual(
      [opus.audioCodec, opus.audioFourCc, opus.audioSampleRate, opus.audioChannels],
      ['opus', 'Opus', 48000, 1],
    );
  });

  it('legacy codec ids where FLV has them; the default track is track 0, else the first', () => {
    const legacy = buildOnMetaData(
      [
        { kind: 'video', codec: 'avc' },
        { kind: 'audio', codec: 'mp3', trackId: 3 },
        { kind: 'audio', codec: 'aac', trackId: 5 },
      ],
      { legacy: true },
    );
    assert.equal(legacy.videocodecid, 7);
    assert.equal(legacy.audiocodecid, 2, 'the first audio track when none is track 0');
    assert.equal(
      (
        (legacy.audioTrackIdInfoMap as Record<string, Record<string, unknown>>)['5'] as Record<
          string,
          unknown
        >
      ).audiocodecid,
      0x6d703461,
    );
    assert.equal(buildOnMetaData([{ kind: 'audio', codec: 'aac' }], { legacy: true }).audiocodecid, 10);
    assert.equal(
      buildOnMetaData([{ kind: 'video', codec: 'hevc' }], { legacy: true }).videocodecid,
      0x68766331,
    );
    assert.equal(
      buildOnMetaData([{ kind: 'video', codec: 'unknown', fourcc: 'vvc2' }]).videocodecid,
      0x76766332,
    );
    assert.deepEqual(buildOnMetaData([]), {});
  });

  it('refuses track ids outside 0…255 and a track id used twice', () => {
    assert.throws(() => buildOnMetaData([{ ...AAC, trackId: 256 }]), RTMPUsageError);
    assert.throws(() => buildOnMetaData([AAC, { ...OPUS, trackId: 0 }]), /two audio tracks have trackId 0/);
    assert.doesNotThrow(() => buildOnMetaData([HEVC, AAC]), 'video and audio ids are separate namespaces');
  });
});
