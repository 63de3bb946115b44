/**
 * URL parsing and librtmp's option syntax (librtmp `RTMP_ParseURL`/`RTMP_SetupURL`):
 * `parseUrl` for RTMP URLs with librtmp's app/playpath rules,
 * `parseLibrtmpUrl` for `"url key=value …"` strings, `RTMPParams` as the one normalized
 * set of connection parameters (JavaScript units), and the `conn=` AMF grammar.
 */
export {
  appendConn,
  type ConnectData,
  cloneConnArgs,
  closeConn,
  connDepth,
  connectDataToArgs,
  formatConnArgs,
  MAX_CONN_DEPTH,
  parseConn,
} from './conn.js';
export { applyConstructorOptions } from './constructor-options.js';
export {
  applyLibrtmpOption,
  cloneParams,
  createParams,
  DEFAULT_BUFFER_MS,
  DEFAULT_SOCKS_PORT,
  DEFAULT_SWF_AGE_DAYS,
  DEFAULT_TIMEOUT_S,
  deriveTcUrl,
  escapeLibrtmpValue,
  formatLibrtmpUrl,
  LIBRTMP_OPTIONS,
  type LibrtmpOptionInfo,
  type LibrtmpOptionToken,
  type LibrtmpOptionType,
  parseLibrtmpUrl,
  parseSocks,
  type RTMPParams,
  type RTMPUrlOptions,
  type SocksProxy,
  setupLibrtmpUrl,
  splitLibrtmpUrl,
  unescapeLibrtmpValue,
} from './options.js';
export {
  parsePlaypath,
  parseUrl,
  RTMP_PROTOCOLS,
  type RTMPProtocol,
  type RTMPProtocolInfo,
  type RTMPTransport,
  type RTMPUrl,
  splitAppPlaypath,
} from './parse-url.js';
export { formatStrtod, parseAtoiFlag, parseLibrtmpBool, parseLibrtmpInt, parseStrtod } from './scalars.js';
