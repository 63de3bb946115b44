/**
 * The embedded RTMP server's public surface: `createServer`, the server and client
 * classes, their option/hook/event types, and the built-in test media generator.
 *
 * ```ts
 * import { createServer, makeTestFlv } from 'rtmpkit';
 * const server = createServer({ vodFiles: { demo: makeTestFlv(10) }, vodDir: './media' });
 * const { port } = await server.listen({ port: 0 });   // 127.0.0.1 by default
 * // VOD:  rtmp://127.0.0.1:PORT/vod/demo      (vodApps, default ['vod'])
 * // live: publish and play rtmp://127.0.0.1:PORT/live/NAME (any other app)
 * const http = await server.listenHttp({ port: 0 });
 * // http://127.0.0.1:HTTP/stats (JSON), / (status page), /live/NAME.flv (HTTP-FLV)
 * ```
 */
export type { HttpFlvInfo } from './http/http-flv.js';
export type { RTMPServerOptions } from './options.js';
export type { PushTarget } from './push.js';
export type { RecordOptions } from './recorder.js';
export {
  createServer,
  type DrainOptions,
  type DrainResult,
  type ListenOptions,
  RTMPServer,
} from './server.js';
export type { AppStats, ClientStats, ServerStats, StreamStats } from './stats.js';
export {
  AAC_LC_44100_STEREO_CONFIG,
  AAC_SILENT_STEREO_FRAME,
  makeTestFlv,
  TEST_MEDIA,
} from './test-media.js';
export type {
  CallHook,
  CallRequest,
  ConnectHook,
  ConnectRequest,
  Decision,
  LiveStreamInfo,
  PlayHook,
  PlayRequest,
  PublishHook,
  PublishRequest,
  PushInfo,
  RecordingInfo,
  RTMPServerEvents,
  ServerAddress,
  ServerClient,
  ServerClientState,
  StatusInit,
  StreamRequest,
} from './types.js';
