/**
 * Script data: the handler-name peek, `parseScriptTag`, `metadataTag` (golden), the
 * publishing rule `scriptTagToDataMessage` (`@setDataFrame` prefix, never doubled — the
 * double prefix of librtmp's RTMP_Write), `tagToMessage`, and
 * `parseOnMetaData` on the forms real peers send (ECMA array / Object, FourCC numbers and
 * strings, hostile values, multitrack info maps).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { amf0 } from '../../src/amf/index.js';
import { AMFObject, type AmfValue } from '../../src/amf/types.js';
import { parseOnMetaData } from '../../src/flv/metadata.js';
import { tagToMessage } from '../../src/flv/publish.js';
import {
  firstScriptName,
  metadataTag,
  parseScriptTag,
  scriptTagToDataMessage,
} from '../../src/flv/script.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ecma = (o: Record<string, AmfValue>) =>
  Object.assign(Object.create(null), o) as Record<string, AmfValue>;

const SET_DATA_FRAME = '02000D 40736574446174614672616D65';
const META = '02000A 6F6E4D65746144617461 08 00000001 0008 6475726174696F6E 00 4024000000000000 000009';

test('firstScriptName peeks the handler name (string or long string) without decoding the rest', () => {
  assert.equal(firstScriptName(hex(`${META}`)), 'onMetaData');
  assert.equal(firstScriptName(hex('02000A 6F6E4D65746144617461 FF')), 'onMetaData'); // rest is garbage
  assert.equal(firstScriptName(hex('0C 0000000A 6F6E4D65746144617461')), 'onMetaData');
  assert.equal(firstScriptName(hex('02 0003 C3A9 41')), 'éA');
  assert.equal(firstScriptName(hex('02 0002 C3')), undefined); // truncated
  assert.equal(firstScriptName(hex('02 0001 FF')), undefined); // invalid UTF-8
  assert.equal(firstScriptName(hex('00 3FF0000000000000')), undefined);
  assert.equal(firstScriptName(hex('')), undefined);
  assert.equal(firstScriptName(hex('0C FFFFFFFF 41')), undefined);
});

test('parseScriptTag decodes; bad AMF is ERR_FLV_BAD_SCRIPT with the AMF error as cause', () => {
  const s = parseScriptTag(hex(META));
  assert.equal(s.name, 'onMetaData');
  assert.deepEqual(s.values[1], ecma({ duration: 10 }));
  assert.equal(parseScriptTag(hex('05')).name, undefined);
  assert.throws(
    () => parseScriptTag(hex('02000A 6F6E4D65746144617461 08 0000')),
    (e: unknown) =>
      (e as { code: string }).code === 'ERR_FLV_BAD_SCRIPT' &&
      String((e as { cause: { code: string } }).cause.code).startsWith('ERR_AMF_'),
  );
});

test('metadataTag: onMetaData + ECMA array (golden); undefined values left out; Map and AMFObject accepted', () => {
  assert.deepEqual(metadataTag({ duration: 10 }), hex(META));
  assert.deepEqual(metadataTag({ duration: 10, width: undefined }), hex(META));
  assert.deepEqual(metadataTag(new Map([['duration', 10]])), hex(META));
  assert.deepEqual(metadataTag(new AMFObject({ duration: 10 })), hex(META));
  const round = parseOnMetaData(amf0.decode(metadataTag({ width: 1280, height: 720, videocodecid: 7 })));
  assert.deepEqual([round?.width, round?.height, round?.videoCodec], [1280, 720, 'avc']);
});

test('scriptTagToDataMessage: onMetaData gets @setDataFrame (golden), never twice (librtmp double-prefixes)', () => {
  assert.deepEqual(scriptTagToDataMessage(hex(META)), hex(`${SET_DATA_FRAME} ${META}`));
  const already = hex(`${SET_DATA_FRAME} ${META}`);
  assert.equal(scriptTagToDataMessage(already), already); // same Buffer back
  assert.equal(scriptTagToDataMessage(already, { setDataFrame: 'all' }), already);
  // FFmpeg also prefixes |RtmpSampleAccess; onCuePoint / onTextData go as they are
  const sample = amf0.encode('|RtmpSampleAccess', true, true);
  assert.deepEqual(scriptTagToDataMessage(sample), Buffer.concat([hex(SET_DATA_FRAME), sample]));
  const cue = amf0.encode('onCuePoint', ecma({ name: 'x' }));
  assert.equal(scriptTagToDataMessage(cue), cue);
  // librtmp's rule: every script tag (but still never doubled)
  assert.deepEqual(
    scriptTagToDataMessage(cue, { setDataFrame: 'all' }),
    Buffer.concat([hex(SET_DATA_FRAME), cue]),
  );
  const none = hex(META);
  assert.equal(scriptTagToDataMessage(none, { setDataFrame: 'none' }), none);
  assert.throws(() => scriptTagToDataMessage(none, { setDataFrame: 'x' as never }), {
    code: 'ERR_FLV_INVALID_ARGUMENT',
  });
  assert.deepEqual(amf0.decode(scriptTagToDataMessage(hex(META))).slice(0, 2), [
    '@setDataFrame',
    'onMetaData',
  ]);
});

test('tagToMessage: RTMP_Write mapping (types, csids, prefix), non-media tags are not sent', () => {
  const a = tagToMessage({ type: 8, timestamp: 0x80000000, payload: hex('AF01') }, 1);
  assert.deepEqual(a, { type: 8, streamId: 1, timestamp: 0x80000000, csid: 4, payload: hex('AF01') });
  const v = tagToMessage({ type: 9, timestamp: 40, payload: hex('2701') }, 3);
  assert.deepEqual(v, { type: 9, streamId: 3, timestamp: 40, csid: 6, payload: hex('2701') });
  const d = tagToMessage({ type: 18, timestamp: 0, payload: hex(META) }, 1);
  assert.deepEqual(d!.payload, hex(`${SET_DATA_FRAME} ${META}`));
  assert.equal(d!.type, 18);
  assert.equal(tagToMessage({ type: 15, timestamp: 0, payload: hex('00 05') }, 1)!.type, 15);
  assert.equal(tagToMessage({ type: 20, timestamp: 0, payload: hex('05') }, 1), undefined);
  assert.equal(tagToMessage({ type: 18, timestamp: -1, payload: hex('05') }, 1)!.timestamp, 0xffffffff);
});

test('parseOnMetaData: ffmpeg-style ECMA array behind onMetaData', () => {
  const m = parseOnMetaData([
    'onMetaData',
    ecma({
      duration: 10.067,
      width: 640,
      height: 360,
      videodatarate: 976.5625,
      framerate: 30,
      videocodecid: 7,
      audiodatarate: 125,
      audiosamplerate: 44100,
      audiosamplesize: 16,
      stereo: true,
      audiocodecid: 10,
      encoder: 'Lavf59.27.100',
      filesize: 1414453,
    }),
  ])!;
  assert.deepEqual(
    { ...m, properties: undefined },
    {
      duration: 10.067,
      width: 640,
      height: 360,
      framerate: 30,
      videoDataRate: 976.5625,
      audioDataRate: 125,
      audioSampleRate: 44100,
      audioSampleSize: 16,
      fileSize: 1414453,
      stereo: true,
      audioChannels: 2,
      encoder: 'Lavf59.27.100',
      videoCodecId: 7,
      videoCodec: 'avc',
      audioCodecId: 10,
      audioCodec: 'aac',
      properties: undefined,
    },
  );
  assert.equal(m.properties.encoder, 'Lavf59.27.100');
});

test('parseOnMetaData: Object form, @setDataFrame form, bare object, Map; FourCC numbers and strings', () => {
  const obj = new AMFObject({ videocodecid: 1635135537, audiocodecid: 1332770163 }); // av01, Opus
  for (const input of [
    ['onMetaData', obj],
    ['@setDataFrame', 'onMetaData', obj],
    obj,
    [obj],
  ] as AmfValue[][]) {
    const m = parseOnMetaData(input as AmfValue)!;
    assert.equal(m.videoCodec, 'av1');
    assert.equal(m.videoFourCc, 'av01');
    assert.equal(m.audioCodec, 'opus');
    assert.equal(m.audioFourCc, 'Opus');
  }
  const fmle = parseOnMetaData(
    new Map<string, AmfValue>([
      ['videocodecid', 'avc1'],
      ['audiocodecid', 'mp4a'],
    ]),
  )!;
  assert.deepEqual(
    [fmle.videoCodec, fmle.videoFourCc, fmle.audioCodec, fmle.videoCodecId],
    ['avc', 'avc1', 'aac', 'avc1'],
  );
  const hevc = parseOnMetaData(ecma({ videocodecid: 12, audiocodecid: '.mp3' }))!;
  assert.deepEqual([hevc.videoCodec, hevc.audioCodec], ['hevc', 'mp3']);
  assert.equal(parseOnMetaData(ecma({ videocodecid: '7' }))!.videoCodec, 'avc');
  assert.equal(parseOnMetaData(ecma({ videocodecid: 'H264Avc' }))!.videoCodec, 'unknown');
  assert.equal(parseOnMetaData(ecma({ videocodecid: 99 }))!.videoCodec, 'unknown');
  assert.equal(parseOnMetaData(['onCuePoint', obj]), undefined);
  assert.equal(parseOnMetaData(['onMetaData']), undefined);
  assert.equal(parseOnMetaData('x'), undefined);
});

test('parseOnMetaData: hostile values left out of typed fields; case-insensitive keys; numeric strings', () => {
  const m = parseOnMetaData(
    ecma({
      duration: Number.NaN,
      width: -1,
      height: Number.POSITIVE_INFINITY,
      framerate: '29.97',
      Width: 100, // second spelling of width: ignored (first wins) — width is invalid anyway
      VideoDataRate: 800,
      stereo: 0,
      filesize: 'big',
      keyframes: ecma({ times: [0, 1, 'x', Number.NaN], filepositions: [13, 900] }),
      videocodecid: 1.5,
      audiocodecid: null,
    }),
  )!;
  assert.equal(m.duration, undefined);
  assert.equal(m.width, undefined);
  assert.equal(m.height, undefined);
  assert.equal(m.framerate, 29.97);
  assert.equal(m.videoDataRate, 800);
  assert.equal(m.stereo, false);
  assert.equal(m.audioChannels, 1);
  assert.equal(m.fileSize, undefined);
  assert.deepEqual(m.keyframes, { times: [0, 1], filePositions: [13, 900] });
  assert.equal(m.videoCodec, undefined);
  assert.equal(m.audioCodec, undefined);
  assert.ok(Number.isNaN(m.properties.duration as number));
});

test('parseOnMetaData: E-RTMP videoTrackIdInfoMap / audioTrackIdInfoMap', () => {
  const m = parseOnMetaData(
    ecma({
      videocodecid: 7,
      videoTrackIdInfoMap: new AMFObject({
        1: new AMFObject({ width: 1920, height: 1080, videocodecid: 1752589105 }),
        2: new AMFObject({ width: 1280, height: 720, videocodecid: 1635148593 }),
        bogus: new AMFObject({ width: 1 }),
      }),
      audioTrackIdInfoMap: ecma({ 1: ecma({ audiocodecid: 1836069985, channels: 6, samplerate: 48000 }) }),
    }),
  )!;
  assert.equal(m.videoTracks!.size, 2);
  assert.deepEqual([m.videoTracks!.get(1)!.videoCodec, m.videoTracks!.get(1)!.width], ['hevc', 1920]);
  assert.equal(m.videoTracks!.get(2)!.videoCodec, 'avc');
  assert.deepEqual(
    [
      m.audioTracks!.get(1)!.audioCodec,
      m.audioTracks!.get(1)!.audioChannels,
      m.audioTracks!.get(1)!.audioSampleRate,
    ],
    ['aac', 6, 48000],
  );
});
