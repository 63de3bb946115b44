/**
 * rtmpkit — a pure-TypeScript RTMP client library and toolkit for Node.js.
 * Public exports only; see README.md for the tour.
 *
 * - The client (python-librtmp's API): RTMP, RTMPStream, RTMPCall, RTMPPacket.
 * - AMF0/AMF3: encodeAmf, decodeAmf, AMFObject, amf0, amf3.
 * - URLs and librtmp option strings: parseUrl, parseLibrtmpUrl.
 * - FLV and typed media packets: FlvDemuxer, FlvMuxer, parseMediaPayload, parseOnMetaData;
 *   E-RTMP tag bodies and onMetaData written: videoTagBody, audioTagBody, onMetaDataTag.
 * - MP4 input: openMp4 / readMp4 (samples in decode order), Mp4TagWriter / mp4FlvTags
 *   (samples as FLV tags for publishing).
 * - The sans-IO protocol core, for custom transports and servers: ClientSession,
 *   ServerSession, ClientHandshake, ServerHandshake, ChunkReader, ChunkWriter,
 *   decodeMessage, encodeMessage.
 * - The embedded server (live relay, FLV VOD, RPC hooks) and test media: createServer, makeTestFlv.
 * - Errors and logging.
 */
export * from './amf/index.js';
export { ChunkReader, type ChunkReaderOptions, ChunkWriter, type ChunkWriterOptions } from './chunk/index.js';
export * from './client/index.js';
export {
  AmfCode,
  AuthCode,
  ConnectionCode,
  ERROR_CODES,
  type ErrorCode,
  GeneralCode,
  HandshakeCode,
  ProtocolCode,
  ProxyCode,
  StreamCutCode,
  SwfHttpCode,
  TimeoutCode,
  UsageCode,
} from './error-codes.js';
export {
  AMFError,
  type ProxyErrorInfo,
  RTMPAuthError,
  RTMPConnectionError,
  RTMPError,
  type RTMPErrorOptions,
  RTMPHandshakeError,
  RTMPLimitError,
  RTMPProtocolError,
  RTMPProxyError,
  RTMPStreamCutError,
  RTMPTimeoutError,
  RTMPUsageError,
  type StreamCutInfo,
  SwfHttpError,
} from './errors.js';
export {
  type AudioPacketInit,
  audioTagBody,
  buildOnMetaData,
  demuxFlv,
  FlvDemuxer,
  type FlvDemuxerOptions,
  type FlvMetadata,
  FlvMuxer,
  type FlvMuxerOptions,
  type FlvTag,
  FlvTagType,
  isKeyframe,
  isSequenceHeader,
  type MediaPacket,
  type MetadataTrack,
  onMetaDataTag,
  parseAudioPayload,
  parseMediaPayload,
  parseOnMetaData,
  parseVideoPayload,
  type TagBodyOptions,
  type VideoPacketInit,
  videoTagBody,
} from './flv/index.js';
export {
  ClientHandshake,
  type HandshakePolicy,
  ServerHandshake,
} from './handshake/index.js';
export {
  addLogCallback,
  getLogLevel,
  type LogCallback,
  LogLevel,
  type LogOutput,
  removeLogCallback,
  setLogLevel,
  setLogOutput,
} from './log.js';
export {
  decodeMessage,
  encodeMessage,
  type Message,
  MessageType,
  type RawMessage,
  UserControlEvent,
} from './message/index.js';
export {
  isMp4Error,
  Mp4Buffer,
  Mp4File,
  type Mp4FlvOptions,
  type Mp4FlvTrack,
  type Mp4Limits,
  type Mp4ReadOptions,
  type Mp4Sample,
  type Mp4SampleOptions,
  Mp4TagWriter,
  type Mp4Track,
  mp4FlvTags,
  openMp4,
  readMp4,
} from './mp4/index.js';
export {
  type CallHook,
  type ConnectHook,
  createServer,
  type DrainOptions,
  type DrainResult,
  type ListenOptions,
  type LiveStreamInfo,
  makeTestFlv,
  type PlayHook,
  type PublishHook,
  type PushInfo,
  type PushTarget,
  type RecordingInfo,
  type RecordOptions,
  RTMPServer,
  type RTMPServerEvents,
  type RTMPServerOptions,
  type ServerAddress,
  type ServerClient,
  type ServerStats,
} from './server/index.js';
export type { SessionEvent } from './session/client-events.js';
export {
  ClientSession,
  type ClientSessionOptions,
  type ConnectDuties,
  type SessionCallOptions,
} from './session/client-session.js';
export {
  CapsEx,
  ENHANCED_FOURCCS,
  type EnhancedCapabilities,
  FourCcInfo,
  type ReconnectRequest,
  supportsFourCc,
} from './session/connect-object.js';
export type {
  MediaDropReason,
  NetStreamChange,
  NetStreamPhase,
  NetStreamState,
  NetStreamView,
} from './session/net-stream.js';
export type { ServerEvent } from './session/server-events.js';
export { ServerSession, type ServerSessionOptions } from './session/server-session.js';
export type { DataEvent, MediaEvent, MediaEventType } from './session/shared-events.js';
export { classifyStatus, NET_STATUS_CODES, type NetStatusCode, type StatusInfo } from './session/status.js';
export {
  type HashSwfOptions,
  hashSwf,
  hashSwfBytes,
  type SwfDigest,
  type SwfFetch,
} from './swf/index.js';
export {
  formatMessage,
  type MessageTrace,
  type TraceRecord,
  type TraceSection,
  type UserLogger,
} from './trace.js';
export { connectRtmpt, type RtmptOptions, RtmptStream } from './transport/index.js';
export type { TlsOptions } from './transport/tls.js';
export {
  parseLibrtmpUrl,
  parseUrl,
  type RTMPParams,
  type RTMPUrl,
  type RTMPUrlOptions,
} from './url/index.js';
