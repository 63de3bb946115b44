/**
 * The FLV layer (FLV-10.1 Annex E, Enhanced RTMP v1/v2): the FLV byte stream a player
 * writes (`FlvMuxer`, laid out like librtmp's `RTMP_Read`), the FLV parser a publisher
 * reads (`FlvDemuxer`, like `RTMP_Write` but split-proof), typed audio/video packets
 * (legacy and E-RTMP) read and written, and script data / `onMetaData` helpers (E-RTMP
 * track maps included).
 * Pure functions and sans-IO state machines over Buffers; used by session/client.
 */
export {
  demuxFlv,
  FlvDemuxer,
  type FlvDemuxerOptions,
  type FlvDemuxerStats,
  type FlvHeaderMode,
  type FlvTag,
  type PreviousTagSizeMismatch,
} from './demuxer.js';
export { type FlvErrorCode, isFlvError } from './errors.js';
export { frameTag, tagPieces } from './framing.js';
export {
  decodeFileHeader,
  decodeTagHeader,
  encodeFileHeader,
  encodeTagHeader,
  FLV_HEADER_SIZE,
  FLV_MAX_DATA_SIZE,
  FLV_PREVIOUS_TAG_SIZE_SIZE,
  FLV_TAG_HEADER_SIZE,
  FLV_VERSION,
  type FlvFileHeader,
  FlvHeaderFlag,
  type FlvHeaderOptions,
  type FlvTagHeader,
  FlvTagType,
  type FlvTagTypeId,
  hasFlvSignature,
  readTimestamp,
  si32,
  tagHeaderReservedBits,
  writeTagHeader,
  writeTimestamp,
} from './header.js';
export {
  AacPacketType,
  AudioChannelOrder,
  type AudioCodec,
  type AudioPacket,
  AudioPacketType,
  AvcPacketType,
  AvMultitrackType,
  audioCodecOfFourCC,
  FourCC,
  fourcc,
  fourccToString,
  isKeyframe,
  isSequenceHeader,
  legacyAudioCodec,
  legacyVideoCodec,
  type MediaPacket,
  type MediaPacketKind,
  type MediaParseOptions,
  type MultichannelConfig,
  type MultitrackKind,
  parseAudioPayload,
  parseMediaPayload,
  parseVideoPayload,
  SoundFormat,
  type VideoCodec,
  VideoCodecId,
  VideoCommand,
  VideoFrameType,
  type VideoPacket,
  VideoPacketType,
  videoCodecOfFourCC,
} from './media.js';
export {
  type AudioPacketInit,
  audioTagBody,
  type TagBodyOptions,
  type VideoPacketInit,
  videoTagBody,
} from './media-writer.js';
export { type FlvMetadata, parseOnMetaData } from './metadata.js';
export {
  buildOnMetaData,
  type MetadataTrack,
  type OnMetaDataOptions,
  onMetaDataTag,
} from './metadata-writer.js';
export {
  FlvMuxer,
  type FlvMuxerOptions,
  type FlvMuxerStats,
  type FlvMuxInput,
  type FlvScriptDataPolicy,
  type FlvTagInput,
} from './muxer.js';
export { tagToMessage } from './publish.js';
export {
  type FindResumePointOptions,
  type FlvRandomRead,
  type FlvResumeAt,
  type FlvResumeFresh,
  type FlvResumeKeyframe,
  type FlvResumePoint,
  type FlvResumeScan,
  type FlvResumeTarget,
  findResumePoint,
  findResumePointIn,
  ResumeFilter,
} from './resume.js';
export {
  firstScriptName,
  type MetadataProperties,
  metadataTag,
  ON_METADATA,
  parseScriptTag,
  RTMP_SAMPLE_ACCESS,
  type ScriptData,
  type ScriptTagToDataMessageOptions,
  SET_DATA_FRAME,
  type SetDataFramePolicy,
  scriptTagToDataMessage,
} from './script.js';
