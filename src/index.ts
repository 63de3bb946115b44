/**
 * rtmpkit — a pure-TypeScript RTMP client library and toolkit for Node.js.
 * Public exports only; see README.md for the tour.
 */
export * from './amf/index.js';
export {
  AMFError,
  RTMPConnectionError,
  RTMPError,
  type RTMPErrorOptions,
  RTMPProtocolError,
  RTMPTimeoutError,
  RTMPUsageError,
} from './errors.js';
