/**
 * The E-RTMP / legacy tag writer against the byte layouts of ERTMP-V2 ("Enhanced Video",
 * "Enhanced Audio", "Multitrack") and FLV-10.1 E.4.2/E.4.3: golden hex for every packet
 * type, ModEx TimestampOffsetNano, the three Multitrack forms, CodedFramesX, Metadata,
 * Command, MultichannelConfig (native / custom / unspecified), silence and the legacy AVC,
 * AAC and MP3 headers — then each back through media.ts's parser (`parseVideoPayload` /
 * `parseAudioPayload`), which must give the packets written, and writing the parsed
 * packets again gives the same bytes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encode as encodeAmf0 } from '../../src/amf/amf0.js';
import { AMFObject } from '../../src/amf/types.js';
import { RTMPUsageError } from '../../src/errors.js';
import {
  type AudioPacket,
  parseAudioPayload,
  parseVideoPayload,
  type VideoPacket,
} from '../../src/flv/media.js';
import {
  type AudioPacketInit,
  audioTagBody,
  type TagBodyOptions,
  type VideoPacketInit,
  videoTagBody,
} from '../../src/flv/media-writer.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const NALU = hex('00000005 6588840021');
const OBU = hex('12000A0B0000');

type V = Partial<VideoPacketInit> & Pick<VideoPacketInit, 'codec' | 'packetType'>;
type A = Partial<AudioPacketInit> & Pick<AudioPacketInit, 'codec' | 'packetType'>;
const v = (p: V): VideoPacketInit => ({ data: Buffer.alloc(0), ...p });
const a = (p: A): AudioPacketInit => ({ data: Buffer.alloc(0), ...p });

/** Writes, compares with the golden bytes, parses, and writes the parsed packets again. */
function video(packets: V | V[], golden: string, options: TagBodyOptions = {}): VideoPacket[] {
  const list = (Array.isArray(packets) ? packets : [packets]).map(v);
  const body = videoTagBody(list.length === 1 ? list[0]! : list, options);
  assert.equal(body.toString('hex'), hex(golden).toString('hex'));
  const parsed = parseVideoPayload(body);
  assert.equal(parsed.length, list.length);
  const again = videoTagBody(parsed, { legacy: !parsed[0]!.enhanced, multitrack: parsed[0]!.multitrack });
  assert.equal(again.toString('hex'), body.toString('hex'), 'parsed packets write back to the same bytes');
  return parsed;
}

function audio(packets: A | A[], golden: string, options: TagBodyOptions = {}): AudioPacket[] {
  const list = (Array.isArray(packets) ? packets : [packets]).map(a);
  const body = audioTagBody(list.length === 1 ? list[0]! : list, options);
  assert.equal(body.toString('hex'), hex(golden).toString('hex'));
  const parsed = parseAudioPayload(body);
  assert.equal(parsed.length, list.length);
  if (parsed[0]!.packetType !== 'silence') {
    const again = audioTagBody(parsed, { legacy: !parsed[0]!.enhanced, multitrack: parsed[0]!.multitrack });
    assert.equal(again.toString('hex'), body.toString('hex'), 'parsed packets write back to the same bytes');
  }
  return parsed;
}

const pick = <T extends object, K extends keyof T>(o: T, ...keys: K[]) =>
  Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>;

describe('E-RTMP video tags', () => {
  it('SequenceStart, CodedFrames with SI24 CompositionTime, CodedFramesX, SequenceEnd', () => {
    const [seq] = video(
      { codec: 'hevc', packetType: 'sequenceStart', data: hex('0101600000') },
      '90 68766331 0101600000',
    );
    assert.deepEqual(pick(seq!, 'codec', 'fourcc', 'packetType', 'isKeyframe', 'trackId', 'multitrack'), {
      codec: 'hevc',
      fourcc: 'hvc1',
      packetType: 'sequenceStart',
      isKeyframe: true,
      trackId: 0,
      multitrack: undefined,
    });
    const [key] = video(
      { codec: 'hevc', packetType: 'codedFrames', isKeyframe: true, compositionTime: 33, data: NALU },
      `91 68766331 000021 ${NALU.toString('hex')}`,
    );
    assert.deepEqual(pick(key!, 'compositionTime', 'rawPacketType', 'data', 'frameType'), {
      compositionTime: 33,
      rawPacketType: 1,
      data: NALU,
      frameType: 1,
    });
    const [neg] = video(
      { codec: 'avc', packetType: 'codedFrames', compositionTime: -40, data: NALU },
      `A1 61766331 FFFFD8 ${NALU.toString('hex')}`,
    );
    assert.equal(neg!.compositionTime, -40);
    const [x] = video(
      { codec: 'hevc', packetType: 'codedFrames', data: NALU },
      `A3 68766331 ${NALU.toString('hex')}`,
    );
    assert.deepEqual(pick(x!, 'packetType', 'rawPacketType', 'compositionTime', 'isKeyframe'), {
      packetType: 'codedFrames',
      rawPacketType: 3,
      compositionTime: 0,
      isKeyframe: false,
    });
    // AV1 and VP9 CodedFrames have no CompositionTime field, and no CodedFramesX
    video(
      { codec: 'av1', packetType: 'codedFrames', isKeyframe: true, data: OBU },
      `91 61763031 ${OBU.toString('hex')}`,
    );
    video({ codec: 'vp9', packetType: 'codedFrames', data: hex('8249') }, 'A1 76703039 8249');
    video({ codec: 'vp8', packetType: 'sequenceStart', data: hex('0102') }, '90 76703038 0102');
    const [end] = video({ codec: 'av1', packetType: 'sequenceEnd' }, '92 61763031');
    assert.equal(end!.isSequenceEnd, true);
    video({ codec: 'av1', packetType: 'mpeg2tsSequenceStart', data: hex('80') }, '95 61763031 80');
  });

  it('ModEx TimestampOffsetNano before the packet type', () => {
    const [p] = video(
      { codec: 'av1', packetType: 'codedFrames', isKeyframe: true, timestampOffsetNano: 500, data: OBU },
      `97 02 0001F4 01 61763031 ${OBU.toString('hex')}`,
    );
    assert.deepEqual(pick(p!, 'timestampOffsetNano', 'packetType', 'isKeyframe'), {
      timestampOffsetNano: 500,
      packetType: 'codedFrames',
      isKeyframe: true,
    });
    video(
      { codec: 'hevc', packetType: 'codedFrames', timestampOffsetNano: 999_999, data: NALU },
      `A7 02 0F423F 03 68766331 ${NALU.toString('hex')}`,
    );
  });

  it('Multitrack: OneTrack for one track ≠ 0, ManyTracks, ManyTracksManyCodecs', () => {
    const [one] = video(
      { codec: 'av1', packetType: 'codedFrames', isKeyframe: true, trackId: 1, data: OBU },
      `96 01 61763031 01 ${OBU.toString('hex')}`,
    );
    assert.deepEqual(pick(one!, 'trackId', 'multitrack', 'codec'), {
      trackId: 1,
      multitrack: 'oneTrack',
      codec: 'av1',
    });
    // OneTrack for track 0 when asked (GStreamer's eflvmux writes it)
    video({ codec: 'av1', packetType: 'sequenceEnd', trackId: 0 }, '96 02 61763031 00', {
      multitrack: 'oneTrack',
    });
    const many = video(
      [
        {
          codec: 'hevc',
          packetType: 'codedFrames',
          isKeyframe: true,
          trackId: 0,
          compositionTime: 66,
          data: NALU,
        },
        {
          codec: 'hevc',
          packetType: 'codedFrames',
          isKeyframe: true,
          trackId: 2,
          compositionTime: 0,
          data: hex('AA'),
        },
      ],
      `96 11 68766331 00 00000C 000042 ${NALU.toString('hex')} 02 000004 000000 AA`,
    );
    assert.deepEqual(
      many.map((p) => [p.trackId, p.multitrack, p.compositionTime, p.data.toString('hex')]),
      [
        [0, 'manyTracks', 66, NALU.toString('hex')],
        [2, 'manyTracks', 0, 'aa'],
      ],
    );
    const mixed = video(
      [
        { codec: 'av1', packetType: 'sequenceStart', trackId: 0, data: hex('81000c00') },
        { codec: 'hevc', packetType: 'sequenceStart', trackId: 1, data: hex('01') },
      ],
      '96 20 61763031 00 000004 81000c00 68766331 01 000001 01',
    );
    assert.deepEqual(
      mixed.map((p) => [p.codec, p.trackId, p.multitrack, p.packetType]),
      [
        ['av1', 0, 'manyTracksManyCodecs', 'sequenceStart'],
        ['hevc', 1, 'manyTracksManyCodecs', 'sequenceStart'],
      ],
    );
    // all tracks with CompositionTime 0: CodedFramesX for the whole message
    video(
      [
        { codec: 'avc', packetType: 'codedFrames', trackId: 1, data: hex('01') },
        { codec: 'avc', packetType: 'codedFrames', trackId: 2, data: hex('02') },
      ],
      'A6 13 61766331 01 000001 01 02 000001 02',
    );
  });

  it('Metadata (colorInfo, AMF0 Object) with FrameType 5, and Command', () => {
    const colorInfo = {
      colorConfig: { bitDepth: 10, colorPrimaries: 9 },
      hdrCll: { maxFall: 400, maxCLL: 1000 },
    };
    const amf = encodeAmf0(
      'colorInfo',
      new AMFObject({
        colorConfig: new AMFObject({ bitDepth: 10, colorPrimaries: 9 }),
        hdrCll: new AMFObject({ maxFall: 400, maxCLL: 1000 }),
      }),
    );
    const [m] = video(
      { codec: 'hevc', packetType: 'metadata', metadata: { colorInfo } },
      `D4 68766331 ${amf.toString('hex')}`,
    );
    assert.equal(m!.packetType, 'metadata');
    assert.ok(m!.metadata!.colorInfo instanceof AMFObject);
    assert.deepEqual(
      { ...((m!.metadata!.colorInfo as AMFObject).colorConfig as object) },
      colorInfo.colorConfig,
    );
    // OBS writes FrameType 0: kept when the caller says so
    video(
      { codec: 'hevc', packetType: 'metadata', frameType: 0, data: amf },
      `84 68766331 ${amf.toString('hex')}`,
    );
    const [cmd] = video({ codec: 'avc', packetType: 'command', command: 1 }, 'D1 01');
    assert.deepEqual(pick(cmd!, 'packetType', 'command', 'frameType', 'isKeyframe'), {
      packetType: 'command',
      command: 1,
      frameType: 5,
      isKeyframe: false,
    });
  });
});

describe('E-RTMP audio tags', () => {
  it('SequenceStart / CodedFrames / SequenceEnd for every audio FourCC', () => {
    const head = hex('4F7075734865616401013801 80BB0000 0000 00');
    const [opus] = audio(
      { codec: 'opus', packetType: 'sequenceStart', data: head },
      `90 4F707573 ${head.toString('hex')}`,
    );
    assert.deepEqual(pick(opus!, 'codec', 'fourcc', 'isSequenceHeader', 'enhanced'), {
      codec: 'opus',
      fourcc: 'Opus',
      isSequenceHeader: true,
      enhanced: true,
    });
    for (const [codec, fourcc] of [
      ['aac', '6D703461'],
      ['mp3', '2E6D7033'],
      ['opus', '4F707573'],
      ['flac', '664C6143'],
      ['ac3', '61632D33'],
      ['eac3', '65632D33'],
    ] as const) {
      const [p] = audio({ codec, packetType: 'codedFrames', data: hex('FFF1') }, `91 ${fourcc} FFF1`);
      assert.deepEqual([p!.codec, p!.packetType, p!.trackId], [codec, 'codedFrames', 0]);
    }
    audio(
      { codec: 'flac', packetType: 'sequenceStart', data: hex('664C6143 80000022') },
      '90 664C6143 664C6143 80000022',
    );
    audio({ codec: 'opus', packetType: 'sequenceEnd' }, '92 4F707573');
  });

  it('MultichannelConfig: native mask, custom mapping, unspecified', () => {
    const [native] = audio(
      {
        codec: 'ac3',
        packetType: 'multichannelConfig',
        multichannelConfig: {
          channelOrder: 1,
          channelCount: 6,
          channelMask: 0x3f,
          channelMapping: undefined,
        },
      },
      '94 61632D33 01 06 0000003F',
    );
    assert.deepEqual(native!.multichannelConfig, {
      channelOrder: 1,
      channelCount: 6,
      channelMask: 0x3f,
      channelMapping: undefined,
    });
    const [custom] = audio(
      {
        codec: 'opus',
        packetType: 'multichannelConfig',
        multichannelConfig: {
          channelOrder: 2,
          channelCount: 3,
          channelMapping: [0, 1, 2],
          channelMask: undefined,
        },
      },
      '94 4F707573 02 03 000102',
    );
    assert.deepEqual(custom!.multichannelConfig!.channelMapping, [0, 1, 2]);
    audio(
      {
        codec: 'eac3',
        packetType: 'multichannelConfig',
        multichannelConfig: {
          channelOrder: 0,
          channelCount: 8,
          channelMask: undefined,
          channelMapping: undefined,
        },
      },
      '94 65632D33 00 08',
    );
  });

  it('ModEx, Multitrack (two languages), ManyTracksManyCodecs, silence', () => {
    const [n] = audio(
      { codec: 'opus', packetType: 'codedFrames', timestampOffsetNano: 1000, data: hex('AA') },
      '97 02 0003E8 01 4F707573 AA',
    );
    assert.equal(n!.timestampOffsetNano, 1000);
    const [fr] = audio(
      { codec: 'aac', packetType: 'codedFrames', trackId: 1, data: hex('2110') },
      '95 01 6D703461 01 2110',
    );
    assert.deepEqual([fr!.trackId, fr!.multitrack], [1, 'oneTrack']);
    const two = audio(
      [
        { codec: 'aac', packetType: 'codedFrames', trackId: 0, data: hex('AA') },
        { codec: 'aac', packetType: 'codedFrames', trackId: 1, data: hex('BBCC') },
      ],
      '95 11 6D703461 00 000001 AA 01 000002 BBCC',
    );
    assert.deepEqual(
      two.map((p) => [p.trackId, p.data.toString('hex')]),
      [
        [0, 'aa'],
        [1, 'bbcc'],
      ],
    );
    audio(
      [
        { codec: 'aac', packetType: 'codedFrames', trackId: 0, data: hex('AA') },
        { codec: 'opus', packetType: 'codedFrames', trackId: 2, data: hex('BBCC') },
      ],
      '95 21 6D703461 00 000001 AA 4F707573 02 000002 BBCC',
    );
    const [s] = audio({ codec: 'aac', packetType: 'silence' }, '');
    assert.equal(s!.packetType, 'silence');
  });

  it('an unknown FourCC is relayed as it is', () => {
    const [p] = audio(
      { codec: 'unknown', fourcc: 'ipcm', packetType: 'codedFrames', data: hex('01') },
      '91 6970636D 01',
    );
    assert.deepEqual([p!.codec, p!.fourcc], ['unknown', 'ipcm']);
    video(
      { codec: 'unknown', fourcc: 'vvc2', packetType: 'sequenceStart', data: hex('01') },
      '90 76766332 01',
    );
  });
});

describe('legacy tags (FLV-10.1)', () => {
  it('AVC: sequence header, NALUs with CompositionTime, end of sequence, command', () => {
    const [seq] = video(
      { codec: 'avc', packetType: 'sequenceStart', data: hex('014d40') },
      '17 00 000000 014d40',
      { legacy: true },
    );
    assert.deepEqual(pick(seq!, 'enhanced', 'codecId', 'isSequenceHeader'), {
      enhanced: false,
      codecId: 7,
      isSequenceHeader: true,
    });
    video(
      { codec: 'avc', packetType: 'codedFrames', isKeyframe: true, compositionTime: 40, data: NALU },
      `17 01 000028 ${NALU.toString('hex')}`,
      { legacy: true },
    );
    const [inter] = video(
      { codec: 'avc', packetType: 'codedFrames', compositionTime: -1, data: NALU },
      `27 01 FFFFFF ${NALU.toString('hex')}`,
      {
        legacy: true,
      },
    );
    assert.equal(inter!.compositionTime, -1);
    video({ codec: 'avc', packetType: 'sequenceEnd' }, '17 02 000000', { legacy: true });
    video({ codec: 'avc', packetType: 'command', command: 0 }, '57 00', { legacy: true });
  });

  it('AAC (0xAF as FLV-10.1 asks) and MP3 (rate, size and channels; SoundFormat 14 at 8 kHz)', () => {
    const [asc] = audio({ codec: 'aac', packetType: 'sequenceStart', data: hex('1190') }, 'AF 00 1190', {
      legacy: true,
    });
    assert.deepEqual(pick(asc!, 'enhanced', 'soundFormat', 'isSequenceHeader'), {
      enhanced: false,
      soundFormat: 10,
      isSequenceHeader: true,
    });
    audio({ codec: 'aac', packetType: 'codedFrames', data: hex('2110') }, 'AF 01 2110', { legacy: true });
    const [mp3] = audio({ codec: 'mp3', packetType: 'codedFrames', data: hex('FFFB') }, '2F FFFB', {
      legacy: true,
    });
    assert.deepEqual(pick(mp3!, 'soundRate', 'soundSize', 'channels'), {
      soundRate: 44100,
      soundSize: 16,
      channels: 2,
    });
    audio(
      { codec: 'mp3', packetType: 'codedFrames', soundRate: 22050, channels: 1, data: hex('FFF3') },
      '2A FFF3',
      { legacy: true },
    );
    audio(
      {
        codec: 'mp3',
        packetType: 'codedFrames',
        soundRate: 48000,
        soundSize: 8,
        channels: 2,
        data: hex('FFFB'),
      },
      '2D FFFB',
      { legacy: true },
    );
    const [low] = audio(
      { codec: 'mp3', packetType: 'codedFrames', soundRate: 8000, channels: 1, data: hex('FFE3') },
      'E2 FFE3',
      { legacy: true },
    );
    assert.equal(low!.codec, 'mp3-8k');
  });
});

describe('what a form cannot carry is an RTMPUsageError', () => {
  const bad = (fn: () => unknown, what: RegExp) =>
    assert.throws(
      fn,
      (err: unknown) =>
        err instanceof RTMPUsageError && err.code === 'ERR_FLV_INVALID_ARGUMENT' && what.test(err.message),
    );
  it('lists each refusal', () => {
    bad(() => videoTagBody([]), /at least one packet/);
    bad(() => videoTagBody(v({ codec: 'vp6', packetType: 'codedFrames' })), /no FourCC for the vp6/);
    bad(
      () => videoTagBody(v({ codec: 'unknown', fourcc: 'toolong', packetType: 'codedFrames' })),
      /4 latin1/,
    );
    bad(() => videoTagBody(v({ codec: 'hevc', packetType: 'codedFrames' }), { legacy: true }), /carries AVC/);
    bad(
      () => videoTagBody(v({ codec: 'avc', packetType: 'metadata' }), { legacy: true }),
      /no metadata packet/,
    );
    bad(
      () => videoTagBody(v({ codec: 'avc', packetType: 'codedFrames', trackId: 1 }), { legacy: true }),
      /one track/,
    );
    bad(
      () =>
        videoTagBody(v({ codec: 'avc', packetType: 'codedFrames', timestampOffsetNano: 5 }), {
          legacy: true,
        }),
      /timestampOffsetNano/,
    );
    bad(
      () => videoTagBody(v({ codec: 'avc', packetType: 'codedFrames', timestampOffsetNano: 1_000_000 })),
      /0…999,999/,
    );
    bad(() => videoTagBody(v({ codec: 'avc', packetType: 'codedFrames', compositionTime: 2 ** 23 })), /SI24/);
    bad(() => videoTagBody(v({ codec: 'avc', packetType: 'codedFrames', trackId: 256 })), /0…255/);
    bad(
      () => videoTagBody(v({ codec: 'avc', packetType: 'multichannelConfig' })),
      /no multichannelConfig packet/,
    );
    bad(
      () =>
        videoTagBody([
          v({ codec: 'avc', packetType: 'codedFrames' }),
          v({ codec: 'avc', packetType: 'sequenceEnd' }),
        ]),
      /packet type/,
    );
    bad(
      () =>
        videoTagBody([
          v({ codec: 'avc', packetType: 'codedFrames', isKeyframe: true }),
          v({ codec: 'avc', packetType: 'codedFrames', trackId: 1 }),
        ]),
      /frame type/,
    );
    bad(
      () =>
        videoTagBody(
          [
            v({ codec: 'avc', packetType: 'codedFrames' }),
            v({ codec: 'hevc', packetType: 'codedFrames', trackId: 1 }),
          ],
          {
            multitrack: 'manyTracks',
          },
        ),
      /ManyTracks carries one codec/,
    );
    bad(
      () =>
        videoTagBody(
          [
            v({ codec: 'avc', packetType: 'codedFrames' }),
            v({ codec: 'avc', packetType: 'codedFrames', trackId: 1 }),
          ],
          {
            multitrack: 'oneTrack',
          },
        ),
      /OneTrack carries one track/,
    );
    bad(
      () =>
        audioTagBody([
          a({ codec: 'aac', packetType: 'codedFrames', timestampOffsetNano: 1 }),
          a({ codec: 'aac', packetType: 'codedFrames', trackId: 1 }),
        ]),
      /share its timestampOffsetNano/,
    );
    bad(() => audioTagBody(a({ codec: 'opus', packetType: 'codedFrames' }), { legacy: true }), /AAC or MP3/);
    bad(
      () => audioTagBody(a({ codec: 'aac', packetType: 'sequenceEnd' }), { legacy: true }),
      /no sequenceEnd/,
    );
    bad(
      () => audioTagBody(a({ codec: 'mp3', packetType: 'sequenceStart' }), { legacy: true }),
      /no sequenceStart/,
    );
    bad(
      () => audioTagBody(a({ codec: 'opus', packetType: 'multichannelConfig' })),
      /needs its multichannelConfig/,
    );
    bad(
      () =>
        audioTagBody(
          a({
            codec: 'opus',
            packetType: 'multichannelConfig',
            multichannelConfig: {
              channelOrder: 2,
              channelCount: 3,
              channelMapping: [0],
              channelMask: undefined,
            },
          }),
        ),
      /maps every channel/,
    );
    bad(
      () =>
        audioTagBody([
          a({ codec: 'aac', packetType: 'silence' }),
          a({ codec: 'aac', packetType: 'silence' }),
        ]),
      /no tracks/,
    );
    bad(
      () => videoTagBody(v({ codec: 'avc', packetType: 'command' }), { multitrack: 'oneTrack' }),
      /no tracks/,
    );
  });
});
