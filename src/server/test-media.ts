/**
 * Built-in test media: a valid FLV (FLV-10.1 Annex E) synthesized in memory, so
 * `rtmpkit demo` and tests run on a machine without FFmpeg. Content: onMetaData, an
 * AVC sequence header + H.264 160x90 10 fps (one embedded GOP, `test-media-h264.ts`,
 * repeated every second, a keyframe each second), and an AAC-LC 44.1 kHz stereo
 * sequence header + frames of digital silence (1024 samples each).
 *
 * Invariants: deterministic (same `seconds` → same bytes); tags in timestamp order
 * (video before audio at equal times); timestamps in ms; composition time 0 (no B
 * frames); onMetaData `duration` is the last tag's timestamp (see `makeTestFlv`).
 */
import * as amf0 from '../amf/amf0.js';
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import { FlvTagType } from '../flv/header.js';
import { FlvMuxer } from '../flv/muxer.js';
import { H264_CONFIG_B64, H264_GOP_B64 } from './test-media-h264.js';

/** AudioSpecificConfig: object type 2 (AAC-LC), frequency index 4 (44100 Hz), channel configuration 2. */
export const AAC_LC_44100_STEREO_CONFIG: Buffer = Buffer.from([0x12, 0x10]);

/**
 * One raw AAC-LC frame (ISO/IEC 14496-3 §4.4.2.1 raw_data_block) of silence for a
 * stereo stream, 46 bits padded to 6 bytes:
 * `001` ID_CPE, `0000` element_instance_tag, `1` common_window,
 * ics_info: `0` reserved, `00` ONLY_LONG_SEQUENCE, `0` window_shape, `000000` max_sfb = 0,
 * `0` predictor_data_present; `00` ms_mask_present;
 * two individual_channel_streams, each `00000000` global_gain then `0` pulse, `0` tns,
 * `0` gain_control (max_sfb = 0: no section, scale factor or spectral data);
 * `111` ID_END, `00` byte alignment. Decodes to 1024 zero samples per channel.
 */
export const AAC_SILENT_STEREO_FRAME: Buffer = Buffer.from([0x21, 0x00, 0x00, 0x00, 0x00, 0x1c]);

/** Picture size, frame rate and audio rate of the test media. */
export const TEST_MEDIA = {
  width: 160,
  height: 90,
  frameRate: 10,
  sampleRate: 44_100,
  samplesPerFrame: 1024,
} as const;

/**
 * Makes a `seconds`-long FLV (integer 1…3600, default 10) of H.264 + AAC test media.
 *
 * onMetaData `duration` is set to the last tag's timestamp rather than that plus one
 * frame: rtmpdump judges a download complete only when the last timestamp reaches
 * 99.9 % of `duration` (rtmpdump.c `Download`), so this file downloads with exit 0.
 */
export function makeTestFlv(seconds = 10): Buffer {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
    throw new RTMPUsageError(`makeTestFlv: seconds must be an integer in 1..3600, got ${String(seconds)}`, {
      code: UsageCode.RTMP_USAGE,
    });
  }
  const { frameRate, sampleRate, samplesPerFrame } = TEST_MEDIA;
  const config = Buffer.from(H264_CONFIG_B64, 'base64');
  const gop = H264_GOP_B64.map((s) => Buffer.from(s, 'base64'));
  const endMs = seconds * 1000;

  type Item = { type: number; ts: number; body: Buffer };
  const media: Item[] = [];
  const frames = seconds * frameRate;
  for (let i = 0; i < frames; i++) {
    const n = i % gop.length;
    const head = Buffer.from([n === 0 ? 0x17 : 0x27, 0x01, 0, 0, 0]);
    media.push({
      type: FlvTagType.Video,
      ts: Math.round((i * 1000) / frameRate),
      body: Buffer.concat([head, gop[n]!]),
    });
  }
  const aacFrame = Buffer.concat([Buffer.from([0xaf, 0x01]), AAC_SILENT_STEREO_FRAME]);
  for (let j = 0; ; j++) {
    const ts = Math.round((j * samplesPerFrame * 1000) / sampleRate);
    if (ts >= endMs) break;
    media.push({ type: FlvTagType.Audio, ts, body: aacFrame });
  }
  // Stable sort: by time, video first at equal times.
  media.sort((a, b) => a.ts - b.ts || b.type - a.type);
  const last = media.at(-1)!.ts;

  const videoBytes = media.filter((m) => m.type === FlvTagType.Video).reduce((n, m) => n + m.body.length, 0);
  const audioBytes = media.filter((m) => m.type === FlvTagType.Audio).reduce((n, m) => n + m.body.length, 0);
  const meta = amf0.encode('onMetaData', {
    duration: last / 1000,
    width: TEST_MEDIA.width,
    height: TEST_MEDIA.height,
    videodatarate: Math.round((videoBytes * 8) / seconds / 1000),
    framerate: frameRate,
    videocodecid: 7,
    audiodatarate: Math.round((audioBytes * 8) / seconds / 1000),
    audiosamplerate: sampleRate,
    audiosamplesize: 16,
    stereo: true,
    audiocodecid: 10,
    encoder: 'rtmpkit test media',
  });

  const mux = new FlvMuxer();
  const tag = (type: number, timestamp: number, payload: Buffer) =>
    mux.writeTag({ type, timestamp, payload });
  return Buffer.concat([
    mux.header({ audio: true, video: true }),
    ...tag(FlvTagType.Script, 0, meta),
    ...tag(FlvTagType.Video, 0, Buffer.concat([Buffer.from([0x17, 0x00, 0, 0, 0]), config])),
    ...tag(FlvTagType.Audio, 0, Buffer.concat([Buffer.from([0xaf, 0x00]), AAC_LC_44100_STEREO_CONFIG])),
    ...media.flatMap((m) => tag(m.type, m.ts, m.body)),
  ]);
}
