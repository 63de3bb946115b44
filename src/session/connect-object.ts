/**
 * The `connect` command object and arguments (RTMP-SPEC §7.2.1.1; librtmp's
 * `SendConnectPacket`; FFmpeg's `gen_connect`).
 *
 * Invariants: the command object is an AMF0 object (`AMFObject`, marker 0x03), never
 * an ECMA array; properties are written in librtmp's order (app, type, flashVer,
 * swfUrl, tcUrl, then the player-only fields, pageUrl, objectEncoding) followed by the
 * caller's extras; a field left `undefined` is omitted, never written as AMF undefined.
 * Publishers (`mode: 'publish'`) get `type: 'nonprivate'` and the FMLE flashVer and no
 * player-only fields unless the caller sets them (ingest servers such as YouTube's and
 * Twitch's expect a publisher to look like FMLE/OBS).
 */
import { AMFObject, type AmfValue } from '../amf/types.js';

/**
 * flashVer sent by players unless overridden: librtmp's default on Linux (`RTMP_Init`:
 * `"LNX 10,0,32,18"`), what rtmpdump and python-librtmp send — servers that filter on
 * flashVer see the same client.
 */
export const DEFAULT_PLAYER_FLASH_VER = 'LNX 10,0,32,18';
/** flashVer sent by publishers unless overridden (OBS's; what YouTube/Twitch ingests expect). */
export const DEFAULT_PUBLISHER_FLASH_VER = 'FMLE/3.0 (compatible; FMSc/1.0)';
/** `capabilities` sent by players (librtmp, FFmpeg, GStreamer). */
export const DEFAULT_CAPABILITIES = 15;
/** `audioCodecs` sent by players: librtmp's 3191 (0x0C77). */
export const DEFAULT_AUDIO_CODECS = 0x0c77;
/** `videoCodecs` sent by players: 252 (0xFC). */
export const DEFAULT_VIDEO_CODECS = 252;
/** `videoFunction` sent by players: 1 = SUPPORT_VID_CLIENT_SEEK. */
export const DEFAULT_VIDEO_FUNCTION = 1;

/** Parameters of `connect`. Every field is optional except `app`. */
export interface ConnectParams {
  /** Application name, e.g. `live` or `app/instance` (auth queries are appended here). */
  app: string;
  /** `proto://host[:port]/app[/instance]`. */
  tcUrl?: string;
  /**
   * `play` (default) sends the player fields (fpad, capabilities, codecs, videoFunction);
   * `publish` sends `type: 'nonprivate'` and the FMLE flashVer instead, like librtmp,
   * FFmpeg and OBS publishers.
   */
  mode?: 'play' | 'publish';
  /** Flash version string; default by mode ({@link DEFAULT_PLAYER_FLASH_VER} / {@link DEFAULT_PUBLISHER_FLASH_VER}). */
  flashVer?: string;
  /** URL of the SWF (some CDNs check it; OBS sends tcUrl here). */
  swfUrl?: string;
  /** URL of the web page the player was embedded in. */
  pageUrl?: string;
  /** Proxy flag; default `false` for players. */
  fpad?: boolean;
  /** Capabilities bit field; default 15 for players. */
  capabilities?: number;
  /** Audio codec flags; default 3191 (0x0C77) for players. */
  audioCodecs?: number;
  /** Video codec flags; default 252 for players. */
  videoCodecs?: number;
  /** Video function flags; default 1 for players. */
  videoFunction?: number;
  /** 0 = AMF0 (default), 3 = AMF3 allowed. */
  objectEncoding?: number;
  /** The undocumented `type` property; default `'nonprivate'` in publish mode, absent otherwise. */
  type?: string;
  /**
   * Extra command-object properties (E-RTMP `fourCcList`, `capsEx`, …), written after
   * the standard ones. A key whose value is `undefined` removes a standard property.
   */
  extra?: Readonly<Record<string, AmfValue>>;
  /** librtmp's `auth` option: when set, `true` and this string follow the command object. */
  auth?: string;
  /** Optional user arguments after the command object (librtmp `conn=` values, already parsed). */
  extraArgs?: readonly AmfValue[];
}

/**
 * Builds the `connect` command object the way librtmp/FFmpeg do, with rtmpkit's
 * defaults, omitting undefined fields, then the caller's `extra` properties.
 */
export function buildConnectCommandObject(params: ConnectParams): AMFObject {
  const publish = params.mode === 'publish';
  const entries: [string, AmfValue][] = [];
  const put = (k: string, v: AmfValue): void => {
    if (v !== undefined) entries.push([k, v]);
  };
  put('app', params.app);
  put('type', params.type ?? (publish ? 'nonprivate' : undefined));
  put('flashVer', params.flashVer ?? (publish ? DEFAULT_PUBLISHER_FLASH_VER : DEFAULT_PLAYER_FLASH_VER));
  put('swfUrl', params.swfUrl);
  put('tcUrl', params.tcUrl);
  put('fpad', params.fpad ?? (publish ? undefined : false));
  put('capabilities', params.capabilities ?? (publish ? undefined : DEFAULT_CAPABILITIES));
  put('audioCodecs', params.audioCodecs ?? (publish ? undefined : DEFAULT_AUDIO_CODECS));
  put('videoCodecs', params.videoCodecs ?? (publish ? undefined : DEFAULT_VIDEO_CODECS));
  put('videoFunction', params.videoFunction ?? (publish ? undefined : DEFAULT_VIDEO_FUNCTION));
  put('pageUrl', params.pageUrl);
  put('objectEncoding', params.objectEncoding ?? 0);
  const obj = new AMFObject(entries);
  if (params.extra) {
    for (const key of Object.keys(params.extra)) {
      const v = params.extra[key];
      if (v === undefined) delete obj[key];
      else
        Object.defineProperty(obj, key, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  return obj;
}

/**
 * The AMF values that follow the command object in `connect`: `true, auth` when
 * `auth` is set (librtmp), then `extraArgs` (librtmp `conn=` items) in order.
 */
export function buildConnectArgs(params: ConnectParams): AmfValue[] {
  const args: AmfValue[] = [];
  if (params.auth !== undefined) args.push(true, params.auth);
  if (params.extraArgs) args.push(...params.extraArgs);
  return args;
}
