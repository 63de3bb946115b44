/**
 * `packets()`'s mapping (stream-packets.ts) and `writePacket`'s (packet-writer.ts) on
 * byte vectors of every ExVideoTagHeader / ExAudioTagHeader form of ERTMP-V2 and the
 * legacy FLV-10.1 headers:
 * - each body yields the typed packets the spec's layout says (codec, FourCC, track,
 *   packet type, frame type, composition time, nano offset, config record);
 * - writing the packets of a message back gives the same bytes (one packet, or the
 *   tracks of a Multitrack message as one array) — a relay loop is lossless;
 * - a body the parser refuses is one `'unknown'` packet, forwarded as its payload;
 * - script data gets `@setDataFrame` before onMetaData; aggregates are split.
 * And the connect negotiation helpers (session/connect-object.ts): the offer's AMF0
 * bytes, tolerant reading of an answer, FourCC support rules, and ReconnectRequest's
 * tcUrl resolution (RFC 3986 §5).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode as decodeAmf0, encode as encodeAmf0 } from '../../src/amf/amf0.js';
import { AMFObject } from '../../src/amf/types.js';
import { type PublishPacket, publishMessage } from '../../src/client/packet-writer.js';
import { type StreamPacket, toStreamPackets } from '../../src/client/stream-packets.js';
import { RTMPUsageError } from '../../src/errors.js';
import {
  type AudioPacketInit,
  audioTagBody,
  type TagBodyOptions,
  type VideoPacketInit,
  videoTagBody,
} from '../../src/flv/media-writer.js';
import {
  CapsEx,
  enhancedConnectFields,
  enhancedOffer,
  readEnhancedCapabilities,
  reconnectRequest,
  supportsFourCc,
} from '../../src/session/connect-object.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const NALU = hex('00000005 6588840021');
const video = (p: Omit<VideoPacketInit, 'data'> & { data?: Buffer }, o: TagBodyOptions = {}) =>
  videoTagBody({ data: Buffer.alloc(0), ...p }, o);
const audio = (p: Omit<AudioPacketInit, 'data'> & { data?: Buffer }, o: TagBodyOptions = {}) =>
  audioTagBody({ data: Buffer.alloc(0), ...p }, o);

/** Bodies of every form: [name, RTMP type, body]. */
const BODIES: [string, 8 | 9, Buffer][] = [
  [
    'legacy AVC sequence header',
    9,
    video({ codec: 'avc', packetType: 'sequenceStart', data: hex('0164001f') }, { legacy: true }),
  ],
  [
    'legacy AVC NALU cts 80',
    9,
    video(
      { codec: 'avc', packetType: 'codedFrames', isKeyframe: true, compositionTime: 80, data: NALU },
      { legacy: true },
    ),
  ],
  ['legacy AVC end of sequence', 9, video({ codec: 'avc', packetType: 'sequenceEnd' }, { legacy: true })],
  [
    'legacy AAC config',
    8,
    audio({ codec: 'aac', packetType: 'sequenceStart', data: hex('1210') }, { legacy: true }),
  ],
  [
    'legacy AAC frame',
    8,
    audio({ codec: 'aac', packetType: 'codedFrames', data: hex('2100') }, { legacy: true }),
  ],
  [
    'legacy MP3 22 kHz mono',
    8,
    audio(
      { codec: 'mp3', packetType: 'codedFrames', soundRate: 22050, channels: 1, data: hex('fffb') },
      { legacy: true },
    ),
  ],
  ['hvc1 SequenceStart', 9, video({ codec: 'hevc', packetType: 'sequenceStart', data: hex('01016000') })],
  [
    'hvc1 CodedFrames cts -40',
    9,
    video({ codec: 'hevc', packetType: 'codedFrames', compositionTime: -40, data: NALU }),
  ],
  ['hvc1 CodedFramesX', 9, video({ codec: 'hevc', packetType: 'codedFrames', isKeyframe: true, data: NALU })],
  [
    'avc1 CodedFrames (E-RTMP)',
    9,
    video({ codec: 'avc', packetType: 'codedFrames', compositionTime: 40, data: NALU }),
  ],
  ['av01 SequenceStart', 9, video({ codec: 'av1', packetType: 'sequenceStart', data: hex('81000c00') })],
  [
    'av01 MPEG2TSSequenceStart',
    9,
    video({ codec: 'av1', packetType: 'mpeg2tsSequenceStart', data: hex('8004') }),
  ],
  ['vp09 inter frame', 9, video({ codec: 'vp9', packetType: 'codedFrames', data: hex('8649') })],
  ['vp09 SequenceEnd', 9, video({ codec: 'vp9', packetType: 'sequenceEnd' })],
  [
    'hvc1 Metadata colorInfo',
    9,
    video({
      codec: 'hevc',
      packetType: 'metadata',
      metadata: { colorInfo: new AMFObject([['colorConfig', new AMFObject([['bitDepth', 10]])]]) },
    }),
  ],
  [
    'ModEx nano + av01 key',
    9,
    video({
      codec: 'av1',
      packetType: 'codedFrames',
      isKeyframe: true,
      timestampOffsetNano: 123456,
      data: hex('12000a'),
    }),
  ],
  ['Command (end of seek)', 9, video({ codec: 'hevc', packetType: 'command', command: 1 })],
  [
    'OneTrack hvc1 track 2',
    9,
    video({ codec: 'hevc', packetType: 'codedFrames', trackId: 2, compositionTime: 40, data: NALU }),
  ],
  [
    'Opus SequenceStart',
    8,
    audio({ codec: 'opus', packetType: 'sequenceStart', data: hex('4f707573486561640102') }),
  ],
  ['fLaC CodedFrames', 8, audio({ codec: 'flac', packetType: 'codedFrames', data: hex('fff8') })],
  ['ac-3 CodedFrames', 8, audio({ codec: 'ac3', packetType: 'codedFrames', data: hex('0b77') })],
  ['ec-3 SequenceEnd', 8, audio({ codec: 'eac3', packetType: 'sequenceEnd' })],
  ['mp4a (E-RTMP) config', 8, audio({ codec: 'aac', packetType: 'sequenceStart', data: hex('1190') })],
  ['.mp3 (E-RTMP) frame', 8, audio({ codec: 'mp3', packetType: 'codedFrames', data: hex('fffb') })],
  [
    'Opus MultichannelConfig native',
    8,
    audio({
      codec: 'opus',
      packetType: 'multichannelConfig',
      multichannelConfig: { channelOrder: 1, channelCount: 6, channelMask: 0x3f, channelMapping: undefined },
    }),
  ],
  [
    'OneTrack mp4a track 1 (second language)',
    8,
    audio({ codec: 'aac', packetType: 'codedFrames', trackId: 1, data: hex('2101') }),
  ],
  ['silence', 8, Buffer.alloc(0)],
];

const MULTI: [string, 8 | 9, Buffer][] = [
  [
    'ManyTracks hvc1 0+1',
    9,
    videoTagBody([
      {
        codec: 'hevc',
        packetType: 'codedFrames',
        trackId: 0,
        compositionTime: 40,
        isKeyframe: true,
        data: NALU,
      },
      {
        codec: 'hevc',
        packetType: 'codedFrames',
        trackId: 1,
        compositionTime: 40,
        isKeyframe: true,
        data: hex('0000000165'),
      },
    ]),
  ],
  [
    'ManyTracksManyCodecs mp4a+Opus',
    8,
    audioTagBody([
      { codec: 'aac', packetType: 'codedFrames', trackId: 0, data: hex('2100') },
      { codec: 'opus', packetType: 'codedFrames', trackId: 3, data: hex('fc') },
    ]),
  ],
];

const packetsOf = (type: 8 | 9, body: Buffer, timestamp = 1000): StreamPacket[] =>
  toStreamPackets({ type, timestamp, payload: body });

describe('packets(): typed E-RTMP packets', () => {
  it('carry codec, FourCC, track, packet and frame type, composition and nano offsets, config', () => {
    const [cts] = packetsOf(9, BODIES[7]![2]);
    assert.ok(cts?.type === 'video');
    assert.deepEqual(
      [cts.codec, cts.fourcc, cts.trackId, cts.packetType, cts.frameType, cts.compositionTime, cts.enhanced],
      ['hevc', 'hvc1', 0, 'codedFrames', 2, -40, true],
    );
    assert.deepEqual(cts.data, NALU);
    assert.equal(cts.timestamp, 1000);
    const [nano] = packetsOf(9, BODIES[15]![2]);
    assert.ok(nano?.type === 'video' && nano.timestampOffsetNano === 123456 && nano.keyframe);
    const [seq] = packetsOf(9, BODIES[10]![2]);
    assert.ok(seq?.type === 'video' && seq.sequenceHeader && seq.config?.equals(hex('81000c00')));
    const [frame] = packetsOf(9, BODIES[12]![2]);
    assert.ok(frame?.type === 'video' && frame.config === undefined && !frame.keyframe);
    const [meta] = packetsOf(9, BODIES[14]![2]);
    assert.ok(meta?.type === 'video' && meta.packetType === 'metadata');
    assert.equal(
      (meta.metadata?.colorInfo as Record<string, Record<string, unknown>> | undefined)?.colorConfig
        ?.bitDepth,
      10,
    );
    const [mc] = packetsOf(8, BODIES[24]![2]);
    assert.ok(mc?.type === 'audio' && mc.multichannelConfig?.channelMask === 0x3f);
    const [lang] = packetsOf(8, BODIES[25]![2]);
    assert.ok(lang?.type === 'audio' && lang.trackId === 1 && lang.multitrack === 'oneTrack');
    const [silence] = packetsOf(8, Buffer.alloc(0));
    assert.ok(silence?.type === 'audio' && silence.packetType === 'silence' && !silence.keyframe);
    const [legacy] = packetsOf(8, BODIES[5]![2]);
    assert.ok(
      legacy?.type === 'audio' && !legacy.enhanced && legacy.soundRate === 22050 && legacy.channels === 1,
    );
  });

  it('a Multitrack message gives one packet per track, sharing the payload', () => {
    const tracks = packetsOf(8, MULTI[1]![2]);
    assert.deepEqual(
      tracks.map((p) =>
        p.type === 'audio' ? [p.trackId, p.fourcc, p.multitrack, p.payload === MULTI[1]![2]] : [],
      ),
      [
        [0, 'mp4a', 'manyTracksManyCodecs', true],
        [3, 'Opus', 'manyTracksManyCodecs', true],
      ],
    );
  });

  for (const [name, type, body] of BODIES) {
    it(`${name}: writePacket writes back the same bytes`, () => {
      const packets = packetsOf(type, body);
      assert.equal(packets.length, 1);
      const msg = publishMessage(packets[0] as PublishPacket);
      assert.equal(msg.type, type === 8 ? 'audio' : 'video');
      assert.equal(msg.timestamp, 1000);
      assert.equal(msg.payload.toString('hex'), body.toString('hex'));
    });
  }

  for (const [name, type, body] of MULTI) {
    it(`${name}: the tracks as one array write back the same bytes; one by one, the same tracks`, () => {
      const packets = packetsOf(type, body) as PublishPacket[];
      assert.equal(publishMessage(packets).payload.toString('hex'), body.toString('hex'));
      const oneByOne = packets.flatMap((p) => packetsOf(type, publishMessage(p).payload));
      assert.deepEqual(
        oneByOne.map((p) => (p.type === 'data' ? '' : `${p.trackId} ${p.fourcc} ${p.data.toString('hex')}`)),
        packets.map((p) => (p.type === 'data' ? '' : `${p.trackId} ${p.fourcc} ${p.data.toString('hex')}`)),
      );
    });
  }

  it('a body the parser refuses is one unknown packet, forwarded as it came', () => {
    const cut = hex('91 6876'); // E-RTMP CodedFrames, FourCC cut
    const [p] = packetsOf(9, cut);
    assert.ok(p?.type === 'video' && p.codec === 'unknown' && p.packetType === 'unknown' && p.enhanced);
    assert.deepEqual(p.data, cut);
    assert.deepEqual(publishMessage(p as PublishPacket).payload, cut);
    const legacySpeex = hex('b2 0102'); // Speex: no writer form, so the payload goes as is
    const [s] = packetsOf(8, legacySpeex);
    assert.ok(s?.type === 'audio' && s.codec === 'speex');
    assert.deepEqual(publishMessage(s as PublishPacket).payload, legacySpeex);
    const { payload: _p, ...noPayload } = s as PublishPacket & { payload: Buffer };
    assert.throws(() => publishMessage(noPayload as PublishPacket), RTMPUsageError);
  });

  it('default form: AVC/AAC/MP3 on track 0 legacy, everything else E-RTMP; enhanced forces it', () => {
    const aac = {
      type: 'audio',
      timestamp: 0,
      codec: 'aac',
      packetType: 'codedFrames',
      data: hex('21'),
    } as const;
    assert.equal(publishMessage(aac).payload[0], 0xaf, 'legacy AAC');
    assert.equal(publishMessage({ ...aac, enhanced: true }).payload[0], 0x91, 'E-RTMP CodedFrames');
    assert.equal(publishMessage({ ...aac, trackId: 1 }).payload[0], 0x95, 'Multitrack for track 1');
    const hevc = {
      type: 'video',
      timestamp: 0,
      codec: 'hevc',
      packetType: 'codedFrames',
      data: NALU,
    } as const;
    assert.equal(publishMessage(hevc).payload[0]! & 0x80, 0x80, 'HEVC is always E-RTMP');
    assert.throws(
      () => publishMessage({ ...hevc, enhanced: false }),
      RTMPUsageError,
      'no legacy HEVC header',
    );
    assert.throws(
      () => publishMessage([aac, { ...hevc, timestamp: 0 }]),
      RTMPUsageError,
      'one type per message',
    );
    assert.throws(() => publishMessage({ ...aac, timestamp: -1 }), RTMPUsageError);
  });

  it('script data: values get @setDataFrame before onMetaData; others go as they are', () => {
    const meta = publishMessage({ type: 'data', timestamp: 0, values: ['onMetaData', { width: 640 }] });
    assert.deepEqual(decodeAmf0(meta.payload).slice(0, 2), ['@setDataFrame', 'onMetaData']);
    const cue = encodeAmf0('onCuePoint', 1);
    assert.deepEqual(publishMessage({ type: 'data', timestamp: 5, payload: cue }).payload, cue);
    const [p] = toStreamPackets({ type: 18, timestamp: 7, payload: cue });
    assert.ok(p?.type === 'data' && p.values?.[0] === 'onCuePoint');
  });

  it('an aggregate is split into its records, each typed', () => {
    const body = BODIES[7]![2];
    const rec = Buffer.alloc(11 + body.length + 4);
    rec[0] = 9;
    rec.writeUIntBE(body.length, 1, 3);
    rec.writeUIntBE(500, 4, 3);
    body.copy(rec, 11);
    rec.writeUInt32BE(11 + body.length, 11 + body.length);
    const out = toStreamPackets({ type: 22, timestamp: 2000, payload: rec });
    assert.equal(out.length, 1);
    assert.ok(out[0]?.type === 'video' && out[0].codec === 'hevc' && out[0].timestamp === 2000);
  });
});

describe('connect negotiation helpers', () => {
  it('enhanced: true offers every FourCC, both info maps and capsEx; explicit fields win; nothing = legacy', () => {
    const all = enhancedOffer({ enhanced: true });
    assert.equal(all?.fourCcList?.length, 12);
    assert.deepEqual(all?.videoFourCcInfoMap, { '*': 7 });
    assert.equal(all?.capsEx, CapsEx.Multitrack | CapsEx.ModEx | CapsEx.TimestampNanoOffset);
    assert.deepEqual(enhancedOffer({ enhanced: true, capsEx: 1 })?.capsEx, 1);
    assert.deepEqual(enhancedOffer({ fourCcList: ['hvc1'] }), {
      fourCcList: ['hvc1'],
      videoFourCcInfoMap: undefined,
      audioFourCcInfoMap: undefined,
      capsEx: undefined,
    });
    assert.equal(enhancedOffer({}), undefined);
  });

  it('the offer encodes as a strict array of strings, AMF0 Objects and a number', () => {
    const fields = enhancedConnectFields({ fourCcList: ['hvc1'], videoFourCcInfoMap: { '*': 1 }, capsEx: 2 });
    assert.equal(
      encodeAmf0(fields.fourCcList!, fields.videoFourCcInfoMap!, fields.capsEx!).toString('hex'),
      // 0x0A strict array [ "hvc1" ]; 0x03 object { "*": 1 } 0x000009; 0x00 number 2
      '0a00000001020004687663310300012a003ff00000000000000000090040000000000000' + '00',
    );
  });

  it('reads an answer tolerantly; support follows the info map, else fourCcList', () => {
    assert.equal(readEnhancedCapabilities({ fmsVer: 'FMS/3,5,7,7009' }), undefined, 'legacy server');
    const caps = readEnhancedCapabilities({
      fourCcList: ['av01', 7, 'hvc1'],
      audioFourCcInfoMap: { Opus: 1, 'ec-3': 'x' },
      capsEx: 3,
    })!;
    assert.deepEqual(caps.fourCcList, ['av01', 'hvc1']);
    assert.deepEqual({ ...caps.audioFourCcInfoMap }, { Opus: 1 });
    assert.equal(supportsFourCc(caps, 'video', 'hvc1'), true, 'by fourCcList');
    assert.equal(supportsFourCc(caps, 'video', 'vp09'), false);
    assert.equal(supportsFourCc(caps, 'audio', 'Opus'), true, 'by the audio info map');
    assert.equal(supportsFourCc(caps, 'audio', 'mp4a'), false, 'the info map replaces the list');
    assert.equal(
      supportsFourCc({ videoFourCcInfoMap: { '*': 2 } }, 'video', 'av01'),
      false,
      'CanEncode only',
    );
    assert.equal(supportsFourCc({ fourCcList: ['*'] }, 'audio', 'fLaC'), true);
    assert.equal(supportsFourCc(undefined, 'video', 'avc1'), false);
  });

  it('ReconnectRequest tcUrl: absolute, network-path and path-relative references, or the current one', () => {
    const cur = 'rtmp://a.example:1935/live/inst';
    assert.deepEqual(reconnectRequest({}, cur), { tcUrl: cur, description: undefined });
    assert.equal(reconnectRequest({ tcUrl: 'rtmps://b.example/app' }, cur).tcUrl, 'rtmps://b.example/app');
    assert.equal(
      reconnectRequest({ tcUrl: '//192.0.2.0/realtimeapp' }, cur).tcUrl,
      'rtmp://192.0.2.0/realtimeapp',
    );
    assert.equal(reconnectRequest({ tcUrl: '/realtimeapp' }, cur).tcUrl, 'rtmp://a.example:1935/realtimeapp');
    assert.equal(reconnectRequest({ tcUrl: 5, description: 'bye' }, cur).description, 'bye');
  });
});
