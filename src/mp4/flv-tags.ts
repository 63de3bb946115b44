/**
 * MP4 → FLV tags for publishing (Enhanced RTMP v2; FLV-10.1 for legacy tags): an
 * `onMetaData` script tag, each track's SequenceStart (and a MultichannelConfig beyond
 * stereo), one CodedFrames tag per sample, and a SequenceEnd per video track at the end.
 *
 * Track ids: per media kind, the first selected track is E-RTMP track 0 (the default
 * track) and the next ones 1, 2, … in file order, written with a Multitrack OneTrack
 * wrapper as FFmpeg and OBS do. With `legacy`, AVC, AAC and MP3 on track 0 use the
 * legacy FLV headers that servers without E-RTMP read, and every other track E-RTMP.
 *
 * Times: tag timestamp = sample `dtsMs` + an offset that makes the first (earliest) decode
 * time 0 when the edit list made it negative; CompositionTime = `ptsMs − dtsMs`; with
 * `nanoOffsets` the sub-millisecond rest of the decode time goes into a ModEx
 * TimestampOffsetNano on E-RTMP tags.
 *
 * Invariants: pure over samples (no I/O of its own); tracks E-RTMP cannot carry (no
 * FourCC) are refused when asked for and left out by default; what a hostile file can
 * make unwritable (a composition offset beyond SI24, more than 256 tracks of a kind) is
 * an `ERR_MP4_*` error, never a writer usage error.
 */

import { ProtocolCode } from '../error-codes.js';
import { FlvTagType } from '../flv/header.js';
import type { AudioCodec, VideoCodec } from '../flv/media.js';
import {
  type AudioPacketInit,
  audioTagBody,
  type VideoPacketInit,
  videoTagBody,
} from '../flv/media-writer.js';
import { type MetadataTrack, onMetaDataTag } from '../flv/metadata-writer.js';
import type { FlvTagInput } from '../flv/muxer.js';
import type { Mp4Sample } from './demux.js';
import { mp4Error, mp4UsageError } from './errors.js';
import type { Mp4Track } from './moov.js';
import type { Mp4Buffer, Mp4File, Mp4Movie } from './reader.js';

/** Options of `Mp4TagWriter` / `mp4FlvTags`. */
export interface Mp4FlvOptions {
  /** MP4 track ids to publish (default: every audio and video track E-RTMP can carry). */
  tracks?: readonly number[];
  /** Legacy FLV tags for AVC, AAC and MP3 on track 0 (default false: E-RTMP for all). */
  legacy?: boolean;
  /** ModEx TimestampOffsetNano with the sub-millisecond decode time on E-RTMP tags (default false). */
  nanoOffsets?: boolean;
  /** `encoder` in onMetaData. */
  encoder?: string;
}

/** A published track: the MP4 track, its E-RTMP track id and tag form. */
export interface Mp4FlvTrack {
  track: Mp4Track;
  /** E-RTMP track id (0 = the default track of its kind). */
  trackId: number;
  /** Written with legacy FLV headers. */
  legacy: boolean;
}

const LEGACY_CODECS = new Set(['avc', 'aac', 'mp3']);

/** A packet of either kind, before the track's kind picks the writer. */
type AnyPacket = Omit<VideoPacketInit, 'codec'> & { codec: VideoCodec | AudioCodec };

/** Turns a movie's samples into FLV tags (see the module comment). */
export class Mp4TagWriter {
  /** The published tracks, by MP4 track id. */
  readonly tracks: ReadonlyMap<number, Mp4FlvTrack>;
  /** Milliseconds added to every decode time (set by the first sample). */
  timestampOffset: number | undefined;
  readonly #movie: Mp4Movie;
  readonly #nano: boolean;
  readonly #encoder: string | undefined;
  #last = 0;

  constructor(movie: Mp4Movie, options: Mp4FlvOptions = {}) {
    this.#movie = movie;
    this.#nano = options.nanoOffsets ?? false;
    this.#encoder = options.encoder;
    const picked = options.tracks
      ? options.tracks.map((id) => {
          const t = movie.tracks.find((x) => x.id === id);
          if (!t) throw mp4UsageError(`the movie has no track ${id}`);
          if (t.kind === 'other' || t.fourcc === undefined) {
            throw mp4UsageError(`track ${id} (${t.sampleEntry}) cannot be carried in E-RTMP`);
          }
          return t;
        })
      : movie.tracks.filter((t) => t.kind !== 'other' && t.fourcc !== undefined);
    const next = { video: 0, audio: 0 };
    const tracks = new Map<number, Mp4FlvTrack>();
    for (const track of movie.tracks) {
      if (!picked.includes(track) || track.kind === 'other') continue;
      const trackId = next[track.kind]++;
      if (trackId > 255) {
        throw mp4Error(
          ProtocolCode.MP4_TOO_LARGE,
          `more than 256 ${track.kind} tracks: E-RTMP track ids are UI8`,
        );
      }
      tracks.set(track.id, {
        track,
        trackId,
        legacy: !!options.legacy && trackId === 0 && LEGACY_CODECS.has(track.codec),
      });
    }
    this.tracks = tracks;
  }

  /** MP4 track ids to read (`samples({ tracks })`). */
  get trackIds(): number[] {
    return [...this.tracks.keys()];
  }

  /** The onMetaData tag and every track's configuration, at timestamp 0. */
  head(): FlvTagInput[] {
    const movie = this.#movie;
    const seconds = movie.duration > 0 ? movie.duration / movie.timescale : undefined;
    const meta: MetadataTrack[] = [];
    const tags: FlvTagInput[] = [];
    for (const { track, trackId, legacy } of this.tracks.values()) {
      const trackSeconds = track.duration / track.timescale;
      meta.push({
        kind: track.kind as 'video' | 'audio',
        trackId,
        codec: track.codec,
        fourcc: track.fourcc,
        width: track.width,
        height: track.height,
        frameRate: track.kind === 'video' && trackSeconds > 0 ? track.sampleCount / trackSeconds : undefined,
        sampleRate: track.sampleRate,
        channels: track.channels,
      });
      if (track.config) {
        const packet = {
          codec: track.codec,
          packetType: 'sequenceStart',
          trackId,
          data: track.config,
        } as const;
        tags.push(this.#tag(track, 0, packet, legacy));
      }
      if (track.kind === 'audio' && !legacy && (track.channels ?? 0) > 2) {
        const packet: AudioPacketInit = {
          codec: track.codec as AudioPacketInit['codec'],
          packetType: 'multichannelConfig',
          trackId,
          data: Buffer.alloc(0),
          multichannelConfig: {
            channelOrder: 0,
            channelCount: track.channels!,
            channelMapping: undefined,
            channelMask: undefined,
          },
        };
        tags.push({ type: FlvTagType.Audio, timestamp: 0, payload: audioTagBody(packet) });
      }
    }
    const legacyMeta = [...this.tracks.values()].some((t) => t.legacy);
    const script = onMetaDataTag(meta, { duration: seconds, legacy: legacyMeta, encoder: this.#encoder });
    return [{ type: FlvTagType.Script, timestamp: 0, payload: script }, ...tags];
  }

  /** The CodedFrames tag of one sample of a published track. */
  sample(s: Mp4Sample): FlvTagInput {
    const t = this.tracks.get(s.track.id);
    if (!t) throw mp4UsageError(`track ${s.track.id} is not published`);
    this.timestampOffset ??= Math.max(0, -s.dtsMs);
    const timestamp = s.dtsMs + this.timestampOffset;
    this.#last = Math.max(this.#last, timestamp);
    const nano = this.#nano && !t.legacy ? s.timestampOffsetNano : 0;
    const compositionTime = s.ptsMs - s.dtsMs;
    if (compositionTime < -0x800000 || compositionTime > 0x7fffff) {
      throw mp4Error(
        ProtocolCode.MP4_BAD_SAMPLE,
        `track ${s.track.id} sample ${s.index}: composition offset ${compositionTime} ms does not fit FLV's SI24`,
      );
    }
    const packet = {
      codec: t.track.codec,
      packetType: 'codedFrames',
      trackId: t.trackId,
      isKeyframe: s.keyframe,
      compositionTime,
      timestampOffsetNano: nano,
      data: s.data,
    } as const;
    return this.#tag(t.track, timestamp, packet, t.legacy);
  }

  /** A SequenceEnd per video track, at the last timestamp written. */
  end(): FlvTagInput[] {
    const tags: FlvTagInput[] = [];
    for (const { track, trackId, legacy } of this.tracks.values()) {
      if (track.kind !== 'video') continue;
      const packet = {
        codec: track.codec,
        packetType: 'sequenceEnd',
        trackId,
        data: Buffer.alloc(0),
      } as const;
      tags.push(this.#tag(track, this.#last, packet, legacy));
    }
    return tags;
  }

  #tag(track: Mp4Track, timestamp: number, packet: AnyPacket, legacy: boolean): FlvTagInput {
    const options = { legacy };
    if (track.kind === 'video') {
      const payload = videoTagBody({ ...packet, codec: packet.codec as VideoCodec }, options);
      return { type: FlvTagType.Video, timestamp, payload };
    }
    const audio = {
      ...packet,
      codec: packet.codec as AudioCodec,
      soundRate: track.sampleRate,
      channels: track.channels,
    };
    return { type: FlvTagType.Audio, timestamp, payload: audioTagBody(audio, options) };
  }
}

/** Every FLV tag for publishing an MP4 file (head, samples, end). */
export async function* mp4FlvTags(file: Mp4File, options?: Mp4FlvOptions): AsyncGenerator<FlvTagInput> {
  const w = new Mp4TagWriter(file, options);
  yield* w.head();
  for await (const s of file.samples({ tracks: w.trackIds })) yield w.sample(s);
  yield* w.end();
}

/** Every FLV tag for publishing an MP4 held in memory (head, samples, end). */
export function* mp4FlvTagsSync(movie: Mp4Buffer, options?: Mp4FlvOptions): Generator<FlvTagInput> {
  const w = new Mp4TagWriter(movie, options);
  yield* w.head();
  for (const s of movie.samples({ tracks: w.trackIds })) yield w.sample(s);
  yield* w.end();
}
