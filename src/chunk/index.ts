/**
 * The chunk layer (RTMP-SPEC §5.3–§5.4): the sans-IO reader (bytes → RawMessage),
 * writer (RawMessage → Buffer[] for writev), basic-header codec, error codes and
 * acknowledgement accounting.
 */
export { AckTracker, type AckTrackerOptions, PeerBandwidthLimit } from './ack.js';
export { type ChunkErrorCode, chunkProtocolError, chunkUsageError, isChunkProtocolError } from './errors.js';
export {
  type BasicHeader,
  basicHeaderSize,
  CONTROL_CSID,
  DEFAULT_CHUNK_SIZE,
  EXTENDED_TIMESTAMP,
  MAX_CHUNK_HEADER_SIZE,
  MAX_CHUNK_SIZE,
  MAX_CSID,
  MAX_MESSAGE_LENGTH,
  MESSAGE_HEADER_SIZE,
  MIN_CSID,
  readBasicHeader,
  writeBasicHeader,
} from './header.js';
export { ChunkReader, type ChunkReaderOptions, type ChunkReaderStats } from './reader.js';
export { ChunkWriter, type ChunkWriterOptions } from './writer.js';
