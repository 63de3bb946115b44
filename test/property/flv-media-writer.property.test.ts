/**
 * The E-RTMP tag writer with fast-check: any message of 1–4 tracks (any codec with a
 * FourCC, packet type, frame type, composition time, track ids, nano offset, data) written
 * by `videoTagBody` / `audioTagBody` parses back (media.ts) to the same packets, and the
 * parsed packets write back to the same bytes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseAudioPayload, parseVideoPayload } from '../../src/flv/media.js';
import {
  type AudioPacketInit,
  audioTagBody,
  type VideoPacketInit,
  videoTagBody,
} from '../../src/flv/media-writer.js';

const RUNS = Number(process.env.PROPERTY_RUNS) || 300;

const trackIds = (n: number) =>
  fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: n, maxLength: n });
const nano = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999 }));
const data = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));

const videoMessage = fc
  .record({
    n: fc.integer({ min: 1, max: 4 }),
    packetType: fc.constantFrom('sequenceStart', 'codedFrames', 'sequenceEnd', 'mpeg2tsSequenceStart'),
    frameType: fc.integer({ min: 1, max: 4 }),
    nano,
  })
  .chain(({ n, packetType, frameType, nano }) =>
    fc
      .tuple(
        trackIds(n),
        fc.array(
          fc.record({
            codec: fc.constantFrom('avc', 'hevc', 'vvc', 'av1', 'vp9', 'vp8'),
            compositionTime: fc.integer({ min: -0x800000, max: 0x7fffff }),
            data,
          }),
          { minLength: n, maxLength: n },
        ),
      )
      .map(([ids, tracks]) =>
        tracks.map(
          (t, i): VideoPacketInit => ({
            ...t,
            packetType,
            frameType,
            trackId: ids[i]!,
            timestampOffsetNano: nano,
          }),
        ),
      ),
  );

const audioMessage = fc
  .record({
    n: fc.integer({ min: 1, max: 4 }),
    packetType: fc.constantFrom('sequenceStart', 'codedFrames', 'sequenceEnd', 'multichannelConfig'),
    nano,
  })
  .chain(({ n, packetType, nano }) =>
    fc
      .tuple(
        trackIds(n),
        fc.array(
          fc.record({
            codec: fc.constantFrom('aac', 'mp3', 'opus', 'flac', 'ac3', 'eac3'),
            data,
            order: fc.integer({ min: 0, max: 2 }),
            channels: fc.integer({ min: 1, max: 24 }),
            mask: fc.integer({ min: 0, max: 0xffffff }),
          }),
          { minLength: n, maxLength: n },
        ),
      )
      .map(([ids, tracks]) =>
        tracks.map(
          (t, i): AudioPacketInit => ({
            codec: t.codec,
            data: t.data,
            packetType,
            trackId: ids[i]!,
            timestampOffsetNano: nano,
            multichannelConfig: {
              channelOrder: t.order,
              channelCount: t.channels,
              channelMapping: t.order === 2 ? Array.from({ length: t.channels }, (_, k) => k) : undefined,
              channelMask: t.order === 1 ? t.mask : undefined,
            },
          }),
        ),
      ),
  );

const CTS = new Set(['avc', 'hevc', 'vvc']);

describe('E-RTMP tag writer round trips', () => {
  it('video: write → parse gives the packets; parse → write gives the bytes', () => {
    fc.assert(
      fc.property(videoMessage, (packets) => {
        const body = videoTagBody(packets);
        const parsed = parseVideoPayload(body);
        assert.equal(parsed.length, packets.length);
        parsed.forEach((p, i) => {
          const w = packets[i]!;
          assert.equal(p.codec, w.codec);
          assert.equal(p.packetType, w.packetType);
          assert.equal(p.frameType, w.frameType);
          assert.equal(p.trackId, w.trackId);
          assert.equal(p.timestampOffsetNano, w.timestampOffsetNano);
          assert.equal(p.multitrack !== undefined, packets.length > 1 || w.trackId !== 0);
          // CompositionTime survives for avc1/hvc1/vvc1 (CodedFramesX only when all are 0); others have none
          if (w.packetType === 'codedFrames')
            assert.equal(p.compositionTime, CTS.has(w.codec) ? w.compositionTime : 0);
          if (w.packetType !== 'sequenceEnd') assert.deepEqual(p.data, w.data);
        });
        assert.deepEqual(videoTagBody(parsed, { multitrack: parsed[0]!.multitrack }), body);
      }),
      { numRuns: RUNS },
    );
  });

  it('audio: write → parse gives the packets; parse → write gives the bytes', () => {
    fc.assert(
      fc.property(audioMessage, (packets) => {
        const body = audioTagBody(packets);
        const parsed = parseAudioPayload(body);
        assert.equal(parsed.length, packets.length);
        parsed.forEach((p, i) => {
          const w = packets[i]!;
          assert.deepEqual(
            [p.codec, p.packetType, p.trackId, p.timestampOffsetNano],
            [w.codec, w.packetType, w.trackId, w.timestampOffsetNano],
          );
          if (w.packetType === 'multichannelConfig')
            assert.deepEqual(p.multichannelConfig, w.multichannelConfig);
          else if (w.packetType !== 'sequenceEnd') assert.deepEqual(p.data, w.data);
        });
        assert.deepEqual(audioTagBody(parsed, { multitrack: parsed[0]!.multitrack }), body);
      }),
      { numRuns: RUNS },
    );
  });
});
