/**
 * Typed media packets: legacy AVC/HEVC/AAC headers (FLV-10.1 E.4.2/E.4.3) and the
 * E-RTMP vectors hand-built from ERTMP-V2 (HEVC CodedFrames / SequenceStart /
 * CodedFramesX, Metadata colorInfo, Multitrack OneTrack AV1, Opus SequenceStart, audio
 * multitrack AAC, ModEx TimestampOffsetNano), plus ManyTracks(ManyCodecs),
 * MultichannelConfig, commands, silence, unknown/reserved values and the typed errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { amf0 } from '../../src/amf/index.js';
import { AMFObject } from '../../src/amf/types.js';
import {
  type AudioPacket,
  FourCC,
  fourcc,
  fourccToString,
  isKeyframe,
  isSequenceHeader,
  parseAudioPayload,
  parseMediaPayload,
  parseVideoPayload,
  type VideoPacket,
} from '../../src/flv/media.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const video1 = (h: string) => {
  const p = parseVideoPayload(hex(h));
  assert.equal(p.length, 1);
  return p[0]!;
};
const audio1 = (h: string) => {
  const p = parseAudioPayload(hex(h));
  assert.equal(p.length, 1);
  return p[0]!;
};
/** The fields a test cares about, data as hex. */
const pick = <T extends VideoPacket | AudioPacket>(p: T, keys: (keyof T)[]) =>
  Object.fromEntries(keys.map((k) => [k, k === 'data' ? (p.data as Buffer).toString('hex') : p[k]]));

test('FourCC helpers', () => {
  assert.equal(fourcc('hvc1'), 0x68766331);
  assert.equal(fourcc('av01'), 1635135537);
  assert.equal(fourccToString(FourCC.opus), 'Opus');
  assert.equal(fourccToString(FourCC.mp3), '.mp3');
  assert.throws(() => fourcc('abc'), RangeError);
});

test('legacy AVC: sequence header 0x17 00, NALUs 0x27 01 with positive and negative SI24 CTS, end of sequence', () => {
  const seq = video1('17 00 000000 0164001F FFE1');
  assert.deepEqual(
    pick(seq, [
      'codec',
      'codecId',
      'enhanced',
      'frameType',
      'isKeyframe',
      'packetType',
      'rawPacketType',
      'isSequenceHeader',
      'compositionTime',
      'trackId',
      'data',
    ]),
    {
      codec: 'avc',
      codecId: 7,
      enhanced: false,
      frameType: 1,
      isKeyframe: true,
      packetType: 'sequenceStart',
      rawPacketType: 0,
      isSequenceHeader: true,
      compositionTime: 0,
      trackId: 0,
      data: '0164001fffe1',
    },
  );
  const inter = video1('27 01 000043 00000005 6588');
  assert.deepEqual(pick(inter, ['frameType', 'isKeyframe', 'packetType', 'compositionTime', 'data']), {
    frameType: 2,
    isKeyframe: false,
    packetType: 'codedFrames',
    compositionTime: 67,
    data: '000000056588',
  });
  assert.equal(video1('27 01 FFFFDE AA').compositionTime, -34);
  assert.equal(video1('27 01 800000 AA').compositionTime, -0x800000);
  const eos = video1('17 02 000000');
  assert.equal(eos.isSequenceEnd, true);
  assert.equal(eos.data.length, 0);
  assert.equal(video1('17 07 000000').packetType, 'unknown'); // reserved AVCPacketType
});

test('legacy HEVC codec id 12 (FFmpeg FLV_CODECID_X_HEVC) and other legacy codecs', () => {
  const h = video1('1C 00 000000 01 02');
  assert.deepEqual(pick(h, ['codec', 'codecId', 'isSequenceHeader', 'data']), {
    codec: 'hevc',
    codecId: 12,
    isSequenceHeader: true,
    data: '0102',
  });
  assert.deepEqual(pick(video1('22 AABB'), ['codec', 'frameType', 'packetType', 'rawPacketType', 'data']), {
    codec: 'h263',
    frameType: 2,
    packetType: 'codedFrames',
    rawPacketType: undefined,
    data: 'aabb',
  });
  assert.equal(video1('14 00').codec, 'vp6');
  assert.equal(video1('15 00').codec, 'vp6a');
  assert.equal(video1('1F 00').codec, 'unknown');
  assert.equal(video1('38 00').frameType, 3);
});

test('legacy video command frame (FrameType 5): UI8 command, no AVC header', () => {
  const c = video1('57 01');
  assert.deepEqual(pick(c, ['packetType', 'command', 'isKeyframe', 'codec']), {
    packetType: 'command',
    command: 1,
    isKeyframe: false,
    codec: 'avc',
  });
});

test('E-RTMP: HEVC keyframe CodedFrames `91 hvc1 <SI24 cts>`', () => {
  const p = video1('91 68766331 000021 00000002 4001');
  assert.deepEqual(
    pick(p, [
      'enhanced',
      'codec',
      'fourcc',
      'codecId',
      'frameType',
      'isKeyframe',
      'packetType',
      'rawPacketType',
      'compositionTime',
      'data',
    ]),
    {
      enhanced: true,
      codec: 'hevc',
      fourcc: 'hvc1',
      codecId: undefined,
      frameType: 1,
      isKeyframe: true,
      packetType: 'codedFrames',
      rawPacketType: 1,
      compositionTime: 33,
      data: '000000024001',
    },
  );
  assert.equal(video1('91 68766331 FFFFFF AA').compositionTime, -1);
  // avc1 and vvc1 carry the CTS too; av01/vp09/vp08 do not
  assert.equal(video1('91 61766331 000005 AA').compositionTime, 5);
  assert.equal(video1('91 76766331 000006 AA').codec, 'vvc');
  const av1 = video1('91 61763031 0A0B0C');
  assert.deepEqual(pick(av1, ['codec', 'compositionTime', 'data']), {
    codec: 'av1',
    compositionTime: 0,
    data: '0a0b0c',
  });
  assert.deepEqual(pick(video1('A1 76703039 AABB'), ['codec', 'frameType', 'data']), {
    codec: 'vp9',
    frameType: 2,
    data: 'aabb',
  });
  assert.equal(video1('A1 76703038 AABB').codec, 'vp8');
});

test('E-RTMP: HEVC SequenceStart `90 hvc1 <hvcC>`, SequenceEnd, MPEG2TSSequenceStart', () => {
  const p = video1('90 68766331 01 01 60 00000000');
  assert.deepEqual(pick(p, ['codec', 'packetType', 'isSequenceHeader', 'isKeyframe', 'data']), {
    codec: 'hevc',
    packetType: 'sequenceStart',
    isSequenceHeader: true,
    isKeyframe: true,
    data: '01016000000000',
  });
  const end = video1('92 68766331');
  assert.deepEqual(pick(end, ['packetType', 'isSequenceEnd', 'data']), {
    packetType: 'sequenceEnd',
    isSequenceEnd: true,
    data: '',
  });
  const ts = video1('95 61763031 80');
  assert.deepEqual(pick(ts, ['packetType', 'isSequenceHeader', 'codec']), {
    packetType: 'mpeg2tsSequenceStart',
    isSequenceHeader: true,
    codec: 'av1',
  });
});

test('E-RTMP: CodedFramesX inter `A3 hvc1` — CTS implied 0', () => {
  const p = video1('A3 68766331 00000003 260101');
  assert.deepEqual(
    pick(p, ['frameType', 'isKeyframe', 'packetType', 'rawPacketType', 'compositionTime', 'data']),
    {
      frameType: 2,
      isKeyframe: false,
      packetType: 'codedFrames',
      rawPacketType: 3,
      compositionTime: 0,
      data: '00000003260101',
    },
  );
});

test('E-RTMP: Metadata colorInfo, FFmpeg form `D4 <fourcc> …` and OBS form `84 …`; FrameType ignored', () => {
  const colorInfo = new AMFObject({
    colorConfig: new AMFObject({
      bitDepth: 10,
      colorPrimaries: 9,
      transferCharacteristics: 16,
      matrixCoefficients: 9,
    }),
    hdrCll: new AMFObject({ maxFall: 400, maxCLL: 1000 }),
  });
  const body = amf0.encode('colorInfo', colorInfo);
  assert.equal(body.subarray(0, 12).toString('hex'), '020009636f6c6f72496e666f');
  for (const b0 of ['D4', '84']) {
    const p = video1(`${b0} 68766331 ${body.toString('hex')}`);
    assert.equal(p.packetType, 'metadata');
    assert.equal(p.isKeyframe, false);
    assert.equal(p.codec, 'hevc');
    assert.deepEqual(p.metadata!.colorInfo, colorInfo);
    assert.deepEqual(p.data, body);
  }
  // metadata decoding can be turned off
  const raw = parseVideoPayload(hex(`D4 68766331 ${body.toString('hex')}`), { metadata: false })[0]!;
  assert.equal(raw.metadata, undefined);
  // a reset: colorInfo = undefined
  assert.deepEqual(
    { ...video1(`D4 68766331 ${amf0.encode('colorInfo', undefined).toString('hex')}`).metadata },
    {
      colorInfo: undefined,
    },
  );
  assert.throws(() => video1('D4 68766331 02 0009 636f6c6f72'), { code: 'ERR_FLV_BAD_SCRIPT' });
  assert.throws(() => video1(`D4 68766331 ${amf0.encode(1, 2).toString('hex')}`), {
    code: 'ERR_FLV_BAD_SCRIPT',
  });
});

test('E-RTMP: Multitrack OneTrack trackId 1 AV1 keyframe `96 01 av01 01 <OBUs>`', () => {
  const p = video1('96 01 61763031 01 12000A0B');
  assert.deepEqual(
    pick(p, ['codec', 'frameType', 'isKeyframe', 'packetType', 'trackId', 'multitrack', 'data']),
    {
      codec: 'av1',
      frameType: 1,
      isKeyframe: true,
      packetType: 'codedFrames',
      trackId: 1,
      multitrack: 'oneTrack',
      data: '12000a0b',
    },
  );
  // GStreamer eflvmux can wrap track 0
  assert.equal(video1('96 01 61763031 00 12').trackId, 0);
});

test('E-RTMP: Multitrack ManyTracks (shared FourCC, UI24 sizes) and ManyTracksManyCodecs', () => {
  const many = parseVideoPayload(hex('96 11 68766331  01 000005 000010 AABB  02 000004 FFFFFF CC'));
  assert.deepEqual(
    many.map((p) => pick(p, ['trackId', 'codec', 'compositionTime', 'multitrack', 'data'])),
    [
      { trackId: 1, codec: 'hevc', compositionTime: 16, multitrack: 'manyTracks', data: 'aabb' },
      { trackId: 2, codec: 'hevc', compositionTime: -1, multitrack: 'manyTracks', data: 'cc' },
    ],
  );
  const codecs = parseVideoPayload(hex('96 20 61763031 00 000002 0A0B  68766331 01 000003 01 02 03'));
  assert.deepEqual(
    codecs.map((p) => pick(p, ['trackId', 'codec', 'packetType', 'multitrack', 'data'])),
    [
      {
        trackId: 0,
        codec: 'av1',
        packetType: 'sequenceStart',
        multitrack: 'manyTracksManyCodecs',
        data: '0a0b',
      },
      {
        trackId: 1,
        codec: 'hevc',
        packetType: 'sequenceStart',
        multitrack: 'manyTracksManyCodecs',
        data: '010203',
      },
    ],
  );
  assert.throws(() => parseVideoPayload(hex('96 11 68766331 01 000009 AABB')), {
    code: 'ERR_FLV_MEDIA_INVALID',
  });
  assert.throws(() => parseVideoPayload(hex('96 16 68766331 01')), { code: 'ERR_FLV_MEDIA_INVALID' });
  assert.throws(() => parseVideoPayload(hex('96 11 68766331')), { code: 'ERR_FLV_MEDIA_TRUNCATED' });
  // reserved AvMultitrackType: one 'unknown' packet, nothing read past the byte
  const r = video1('96 31 68766331 01 02');
  assert.deepEqual(pick(r, ['packetType', 'codec', 'data']), {
    packetType: 'unknown',
    codec: 'unknown',
    data: '6876633101' + '02',
  });
});

test('E-RTMP: ModEx TimestampOffsetNano 500 ns then CodedFrames `97 02 0001F4 01 …`', () => {
  const p = video1('97 02 0001F4 01 68766331 000000 AA');
  assert.deepEqual(
    pick(p, ['timestampOffsetNano', 'packetType', 'codec', 'frameType', 'isKeyframe', 'data']),
    {
      timestampOffsetNano: 500,
      packetType: 'codedFrames',
      codec: 'hevc',
      frameType: 1,
      isKeyframe: true,
      data: 'aa',
    },
  );
  // chained ModEx, 16-bit size form (size byte 0xFF → UI16 size − 1), reserved modExType skipped
  const big = `97 FF 0100 ${'00'.repeat(257)} 17 02 0F4240 01 68766331 000000 BB`;
  assert.equal(video1(big).timestampOffsetNano, 0x0f4240);
  assert.equal(video1(big).data.toString('hex'), 'bb');
  // ModEx then Multitrack
  assert.equal(video1('97 02 000064 06 01 61763031 03 AA').trackId, 3);
  assert.throws(() => video1('97 05 0001'), { code: 'ERR_FLV_MEDIA_TRUNCATED' });
});

test('E-RTMP: command frame — no FourCC; unknown FourCC and reserved packet types are typed, not errors', () => {
  const c = video1('D1 00');
  assert.deepEqual(pick(c, ['packetType', 'command', 'fourcc', 'isKeyframe']), {
    packetType: 'command',
    command: 0,
    fourcc: undefined,
    isKeyframe: false,
  });
  const unk = video1('91 78797A31 000000 AA');
  assert.deepEqual(pick(unk, ['codec', 'fourcc', 'compositionTime', 'data']), {
    codec: 'unknown',
    fourcc: 'xyz1',
    compositionTime: 0,
    data: '000000aa',
  });
  const reserved = video1('9C 68766331 AA');
  assert.deepEqual(pick(reserved, ['packetType', 'rawPacketType', 'data']), {
    packetType: 'unknown',
    rawPacketType: 12,
    data: 'aa',
  });
});

test('video truncation: every cut header field is ERR_FLV_MEDIA_TRUNCATED', () => {
  for (const h of [
    '',
    '17',
    '17 00',
    '17 01 0000',
    '91',
    '91 687663',
    '91 68766331 0000',
    '96',
    '96 01 61763031',
    '57',
    '97',
    '97 01 00',
  ]) {
    assert.throws(() => parseVideoPayload(hex(h)), { code: 'ERR_FLV_MEDIA_TRUNCATED' }, h);
  }
});

test('legacy AAC `AF 00 <ASC>` / `AF 01 <raw>`, MP3, Speex: rate/size/channels', () => {
  const seq = audio1('AF 00 1210');
  assert.deepEqual(
    pick(seq, [
      'codec',
      'soundFormat',
      'soundRate',
      'soundSize',
      'channels',
      'packetType',
      'rawPacketType',
      'isSequenceHeader',
      'data',
    ]),
    {
      codec: 'aac',
      soundFormat: 10,
      soundRate: 44100,
      soundSize: 16,
      channels: 2,
      packetType: 'sequenceStart',
      rawPacketType: 0,
      isSequenceHeader: true,
      data: '1210',
    },
  );
  assert.deepEqual(pick(audio1('AF 01 21 10'), ['packetType', 'data']), {
    packetType: 'codedFrames',
    data: '2110',
  });
  assert.equal(audio1('AF 05').packetType, 'unknown');
  assert.deepEqual(pick(audio1('2A FFFB'), ['codec', 'soundRate', 'soundSize', 'channels', 'data']), {
    codec: 'mp3',
    soundRate: 22050,
    soundSize: 16,
    channels: 1,
    data: 'fffb',
  });
  assert.deepEqual(pick(audio1('B2 00'), ['codec', 'soundRate', 'soundSize']), {
    codec: 'speex',
    soundRate: 5512.5,
    soundSize: 16,
  });
  assert.equal(audio1('E0').codec, 'mp3-8k');
  assert.equal(audio1('C0').codec, 'unknown');
  assert.throws(() => parseAudioPayload(hex('AF')), { code: 'ERR_FLV_MEDIA_TRUNCATED' });
});

test('E-RTMP audio: Opus SequenceStart `90 Opus <ID header or empty>`', () => {
  const p = audio1('90 4F707573 4F707573486561640102');
  assert.deepEqual(
    pick(p, [
      'enhanced',
      'codec',
      'fourcc',
      'soundFormat',
      'packetType',
      'isSequenceHeader',
      'soundRate',
      'data',
    ]),
    {
      enhanced: true,
      codec: 'opus',
      fourcc: 'Opus',
      soundFormat: 9,
      packetType: 'sequenceStart',
      isSequenceHeader: true,
      soundRate: undefined,
      data: '4f707573486561640102',
    },
  );
  assert.equal(audio1('90 4F707573').data.length, 0); // empty ID header is allowed
  assert.equal(audio1('91 664C6143 FFF8').codec, 'flac');
  assert.equal(audio1('91 61632D33 0B77').codec, 'ac3');
  assert.equal(audio1('91 65632D33 0B77').codec, 'eac3');
  assert.equal(audio1('91 2E6D7033 FFFB').codec, 'mp3');
  assert.equal(audio1('92 6D703461').isSequenceEnd, true);
});

test('E-RTMP audio: multitrack AAC track 1 frames `95 01 mp4a 01 <raw>`; ManyTracks; ModEx', () => {
  const p = audio1('95 01 6D703461 01 2110');
  assert.deepEqual(pick(p, ['codec', 'packetType', 'trackId', 'multitrack', 'data']), {
    codec: 'aac',
    packetType: 'codedFrames',
    trackId: 1,
    multitrack: 'oneTrack',
    data: '2110',
  });
  const many = parseAudioPayload(hex('95 21 6D703461 00 000001 AA 4F707573 02 000002 BBCC'));
  assert.deepEqual(
    many.map((x) => pick(x, ['trackId', 'codec', 'data'])),
    [
      { trackId: 0, codec: 'aac', data: 'aa' },
      { trackId: 2, codec: 'opus', data: 'bbcc' },
    ],
  );
  assert.equal(audio1('97 02 0003E8 01 4F707573 AA').timestampOffsetNano, 1000);
  assert.throws(() => parseAudioPayload(hex('95 05 6D703461 01')), { code: 'ERR_FLV_MEDIA_INVALID' });
  assert.throws(() => parseAudioPayload(hex('95 11 6D703461 01 000005 AA')), {
    code: 'ERR_FLV_MEDIA_INVALID',
  });
  assert.equal(audio1('95 41 6D703461 01 AA').packetType, 'unknown');
});

test('E-RTMP audio: MultichannelConfig custom mapping and native mask; reserved types', () => {
  const custom = audio1('94 4F707573 02 03 00 01 03');
  assert.equal(custom.packetType, 'multichannelConfig');
  assert.deepEqual(custom.multichannelConfig, {
    channelOrder: 2,
    channelCount: 3,
    channelMapping: [0, 1, 3],
    channelMask: undefined,
  });
  const native = audio1('94 4F707573 01 06 0000003F');
  assert.deepEqual(native.multichannelConfig, {
    channelOrder: 1,
    channelCount: 6,
    channelMapping: undefined,
    channelMask: 0x3f,
  });
  assert.deepEqual(audio1('94 4F707573 00 02').multichannelConfig?.channelCount, 2);
  assert.throws(() => parseAudioPayload(hex('94 4F707573 02 03 00')), { code: 'ERR_FLV_MEDIA_TRUNCATED' });
  assert.equal(audio1('93 4F707573 AA').packetType, 'unknown');
  assert.equal(audio1('96 4F707573 AA').packetType, 'unknown'); // GStreamer's wrong ModEx value 6
  assert.equal(audio1('91 41424344 AA').codec, 'unknown');
});

test('E-RTMP audio silence: a zero-length payload is a packet, not an error', () => {
  const s = audio1('');
  assert.equal(s.packetType, 'silence');
  assert.equal(s.data.length, 0);
});

test('parseMediaPayload dispatches by type; data is a view of the payload', () => {
  const payload = hex('27 01 000000 AABB');
  const [p] = parseMediaPayload(9, payload);
  assert.equal(p!.data.buffer, payload.buffer);
  assert.equal(parseMediaPayload(8, hex('AF01')).length, 1);
  assert.deepEqual(parseMediaPayload(18, hex('02')), []);
});

test('isKeyframe (resume/probe) and isSequenceHeader never throw', () => {
  assert.equal(isKeyframe(9, hex('17 01 000000')), true);
  assert.equal(isKeyframe(9, hex('17 00 000000')), true); // librtmp's resume test (byte & 0xF0) == 0x10
  assert.equal(isKeyframe(9, hex('27 01 000000')), false);
  assert.equal(isKeyframe(9, hex('47 01 000000')), false); // generated keyframe: not 1
  assert.equal(isKeyframe(9, hex('91 68766331')), true);
  assert.equal(isKeyframe(9, hex('A1 68766331')), false);
  assert.equal(isKeyframe(9, hex('94 68766331')), false); // Metadata with FrameType 1
  assert.equal(isKeyframe(9, hex('96 01 61763031 01')), true);
  assert.equal(isKeyframe(9, hex('97 02 0001F4 01 68766331 000000')), true);
  assert.equal(isKeyframe(9, hex('97 02 0001F4 04')), false); // truncated: false, no throw
  assert.equal(isKeyframe(9, hex('')), false);
  assert.equal(isKeyframe(8, hex('AF01')), true);
  assert.equal(isKeyframe(8, hex('')), false);
  assert.equal(isKeyframe(18, hex('02')), false);

  assert.equal(isSequenceHeader(9, hex('17 00 000000')), true);
  assert.equal(isSequenceHeader(9, hex('1C 00 000000')), true);
  assert.equal(isSequenceHeader(9, hex('57 00')), false);
  assert.equal(isSequenceHeader(9, hex('17 01 000000')), false);
  assert.equal(isSequenceHeader(9, hex('90 68766331')), true);
  assert.equal(isSequenceHeader(9, hex('95 61763031')), true);
  assert.equal(isSequenceHeader(9, hex('96 20 61763031 00 000002 0A0B 68766331 01 000000')), true);
  assert.equal(isSequenceHeader(9, hex('96 20 61763031')), false);
  assert.equal(isSequenceHeader(8, hex('AF 00 1210')), true);
  assert.equal(isSequenceHeader(8, hex('AF 01 1210')), false);
  assert.equal(isSequenceHeader(8, hex('90 4F707573')), true);
  assert.equal(isSequenceHeader(8, hex('95 00 6D703461 01 1210')), true);
  assert.equal(isSequenceHeader(8, hex('2A FF')), false);
  assert.equal(isSequenceHeader(18, hex('0200')), false);
});
