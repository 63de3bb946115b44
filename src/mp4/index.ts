/**
 * MP4 (ISO-BMFF, ISO/IEC 14496-12) input of rtmpkit's own — zero runtime dependencies is
 * a project rule, so no package is used. Progressive (moov + mdat in either order) and
 * fragmented (moof/traf/trun) movies as FFmpeg writes them; H.264, HEVC, AV1, VP9/VP8,
 * AAC, MP3, Opus, FLAC, AC-3 and E-AC-3 tracks with their decoder configuration records in
 * E-RTMP form. `openMp4` reads files with bounded memory; `readMp4` parses a Buffer;
 * `Mp4TagWriter` / `mp4FlvTags` turn samples into E-RTMP (or legacy) FLV tags; the box
 * and table parsers below are pure functions over Buffers.
 */
export { av1ConfigFromSample } from './av1.js';
export { type BoxHeader, childBoxes, findBox, readBoxHeader } from './box.js';
export {
  DEFAULT_MP4_LIMITS,
  type Mp4Limits,
  type Mp4ReadRequest,
  type Mp4Sample,
  type Mp4Step,
  mp4Limits,
  type OpenedMovie,
  openMovie,
  readSamples,
  splitMilliseconds,
} from './demux.js';
export { isMp4Error, type Mp4ErrorCode } from './errors.js';
export {
  type Mp4FlvOptions,
  type Mp4FlvTrack,
  Mp4TagWriter,
  mp4FlvTags,
  mp4FlvTagsSync,
} from './flv-tags.js';
export { type FragmentRun, type FragmentTrackState, parseMoof, RunCursor } from './fragment.js';
export {
  decodeLanguage,
  type MovieBox,
  type Mp4Track,
  type Mp4TrackKind,
  parseMoov,
  type TrackBox,
} from './moov.js';
export {
  Mp4Buffer,
  Mp4File,
  Mp4Movie,
  type Mp4ReadOptions,
  type Mp4SampleOptions,
  openMp4,
  readMp4,
} from './reader.js';
export { type Mp4CodecInfo, mpegAudioHeader, parseEsds, parseSampleDescription } from './sample-entry.js';
export {
  parseSampleTables,
  type RawSample,
  type SampleSource,
  type SampleTables,
  TableCursor,
} from './sample-table.js';
