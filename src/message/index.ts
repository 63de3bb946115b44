/**
 * The typed RTMP message layer (RTMP-SPEC §5.4, §6, §7): payload codecs for
 * every message type, RawMessage ⇄ `Message` dispatch, aggregate splitting and the
 * builders the session layer sends with. Sans-IO: pure functions over Buffers.
 */
export {
  type AggregateRecord,
  type AggregateSource,
  type AggregateSplit,
  type AggregateSummary,
  aggregateRecords,
  buildAggregate,
  newAggregateSummary,
  readAggregate,
  splitAggregate,
} from './aggregate.js';
export {
  abort,
  ack,
  command,
  dataMessage,
  pingRequest,
  pingResponse,
  setBufferLength,
  setChunkSize,
  setPeerBandwidth,
  streamBegin,
  swfVerifyResponse,
  userControl,
  windowAckSize,
} from './builders.js';
export {
  type DecodeMessageOptions,
  decodeMessage,
  defaultCsid,
  encodeMessage,
  messageTypeOf,
} from './codec.js';
export type { MessageErrorCode, MessageErrorInfo } from './common.js';
export { MAX_CHUNK_SIZE } from './control.js';
export type { RawMessage } from './raw-message.js';
export {
  decodeSharedObjectEvent,
  encodeSharedObjectEvent,
  type SharedObjectEventData,
} from './shared-object.js';
export * from './types.js';
export {
  SWF_VERIFY_REQUEST_DATA_SIZE,
  SWF_VERIFY_RESPONSE_DATA_SIZE,
  userControlEventType,
} from './user-control.js';
