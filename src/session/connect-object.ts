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

// ============================================================ Enhanced RTMP negotiation

/** `capsEx` bits (ERTMP-V2 "Enhancing NetConnection connect Command", CapsExMask). */
export const CapsEx = {
  /** Can follow NetConnection.Connect.ReconnectRequest. */
  Reconnect: 0x01,
  /** Can receive/send Multitrack messages. */
  Multitrack: 0x02,
  /** Can parse ModEx packets. */
  ModEx: 0x04,
  /** Can handle the ModEx TimestampOffsetNano. */
  TimestampNanoOffset: 0x08,
} as const;

/** Values of `videoFourCcInfoMap` / `audioFourCcInfoMap` (ERTMP-V2 FourCcInfoMask). */
export const FourCcInfo = {
  CanDecode: 0x01,
  CanEncode: 0x02,
  CanForward: 0x04,
} as const;

/** Every FourCC the FLV layer parses and writes (ERTMP-V2 VideoFourCc / AudioFourCc). */
export const ENHANCED_FOURCCS: readonly string[] = [
  'avc1',
  'hvc1',
  'vvc1',
  'av01',
  'vp09',
  'vp08',
  'mp4a',
  '.mp3',
  'Opus',
  'fLaC',
  'ac-3',
  'ec-3',
];

/** What one side of a connect says about Enhanced RTMP (the client's offer, or the server's answer). */
export interface EnhancedCapabilities {
  /** `fourCcList`: codecs the side can receive (`'*'` = any). */
  fourCcList?: string[] | undefined;
  /** `videoFourCcInfoMap`: FourCC (or `'*'`) → `FourCcInfo` bits. */
  videoFourCcInfoMap?: Record<string, number> | undefined;
  /** `audioFourCcInfoMap`: FourCC (or `'*'`) → `FourCcInfo` bits. */
  audioFourCcInfoMap?: Record<string, number> | undefined;
  /** `capsEx` bits (`CapsEx`). */
  capsEx?: number | undefined;
}

/** The connect command-object properties for an offer (undefined fields are left out). */
export function enhancedConnectFields(offer: EnhancedCapabilities): Record<string, AmfValue> {
  const out: Record<string, AmfValue> = {};
  if (offer.fourCcList !== undefined) out.fourCcList = [...offer.fourCcList];
  // The info maps are AMF0 Objects (ERTMP-V2: "Object"), never ECMA arrays.
  if (offer.videoFourCcInfoMap !== undefined)
    out.videoFourCcInfoMap = new AMFObject(Object.entries(offer.videoFourCcInfoMap));
  if (offer.audioFourCcInfoMap !== undefined)
    out.audioFourCcInfoMap = new AMFObject(Object.entries(offer.audioFourCcInfoMap));
  if (offer.capsEx !== undefined) out.capsEx = offer.capsEx;
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function infoMap(v: unknown): Record<string, number> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, number> = Object.create(null);
  for (const [k, x] of Object.entries(v)) if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
  return out;
}

/**
 * The Enhanced RTMP fields of a connect command object or of the server's `_result`
 * properties, read tolerantly (wrong types are ignored), or undefined when there are
 * none — a peer that predates E-RTMP.
 */
export function readEnhancedCapabilities(obj: unknown): EnhancedCapabilities | undefined {
  if (!isRecord(obj)) return undefined;
  const caps: EnhancedCapabilities = {};
  const list = obj.fourCcList;
  if (Array.isArray(list)) caps.fourCcList = list.filter((x): x is string => typeof x === 'string');
  caps.videoFourCcInfoMap = infoMap(obj.videoFourCcInfoMap);
  caps.audioFourCcInfoMap = infoMap(obj.audioFourCcInfoMap);
  if (typeof obj.capsEx === 'number' && Number.isFinite(obj.capsEx)) caps.capsEx = obj.capsEx >>> 0;
  const any =
    caps.fourCcList !== undefined ||
    caps.videoFourCcInfoMap !== undefined ||
    caps.audioFourCcInfoMap !== undefined ||
    caps.capsEx !== undefined;
  return any ? caps : undefined;
}

/**
 * Whether `caps` say the side can take `fourcc` for `kind` (`'*'` entries included):
 * its info map names it with one of `mask`'s bits (default CanDecode | CanForward), or —
 * without an info map for the kind — `fourCcList` lists it.
 */
export function supportsFourCc(
  caps: EnhancedCapabilities | undefined,
  kind: 'audio' | 'video',
  fourcc: string,
  mask: number = FourCcInfo.CanDecode | FourCcInfo.CanForward,
): boolean {
  if (caps === undefined) return false;
  const map = kind === 'video' ? caps.videoFourCcInfoMap : caps.audioFourCcInfoMap;
  if (map !== undefined) return (((map['*'] ?? 0) | (map[fourcc] ?? 0)) & mask) !== 0;
  return caps.fourCcList !== undefined && (caps.fourCcList.includes('*') || caps.fourCcList.includes(fourcc));
}

/** A NetConnection.Connect.ReconnectRequest (ERTMP-V2 "Reconnect Request"), resolved. */
export interface ReconnectRequest {
  /** Where to reconnect: the request's `tcUrl` resolved against the current one (RFC 3986 §5), else the current one. */
  tcUrl: string;
  /** The server's `description`, if any. */
  description: string | undefined;
}

/**
 * The reconnect target of a ReconnectRequest `info` object: its `tcUrl` — absolute, or
 * relative (`//host/app`, `/app`) resolved per RFC 3986 against `currentTcUrl` — or
 * `currentTcUrl` itself when it names none or does not parse.
 */
export function reconnectRequest(info: Record<string, unknown>, currentTcUrl: string): ReconnectRequest {
  const description = typeof info.description === 'string' ? info.description : undefined;
  let tcUrl = currentTcUrl;
  if (typeof info.tcUrl === 'string' && info.tcUrl !== '') {
    try {
      tcUrl = new URL(info.tcUrl, currentTcUrl).href;
    } catch {
      tcUrl = currentTcUrl;
    }
  }
  return { tcUrl, description };
}

/** The client options that make an offer. */
export interface EnhancedOfferOptions extends EnhancedCapabilities {
  /** Offer everything rtmpkit handles; the other fields override each part. */
  enhanced?: boolean | undefined;
  /** Follow a ReconnectRequest: `true` adds `capsEx` Reconnect to the offer; `false` never follows. */
  followReconnect?: boolean | undefined;
}

/** The `capsEx` a client offers: its offer's, with Reconnect when it follows ReconnectRequests (`followReconnect: true`). */
export function offeredCapsEx(o: EnhancedOfferOptions): number {
  const caps = enhancedOffer(o)?.capsEx ?? 0;
  return o.followReconnect === true ? (caps | CapsEx.Reconnect) >>> 0 : caps;
}

/**
 * Whether a client follows a ReconnectRequest by itself: it offered `capsEx` Reconnect
 * (ERTMP-V2: the bit says the client can reconnect when asked), unless `followReconnect`
 * is false.
 */
export function followsReconnectRequest(o: EnhancedOfferOptions): boolean {
  return o.followReconnect !== false && (offeredCapsEx(o) & CapsEx.Reconnect) !== 0;
}

/**
 * The E-RTMP offer of a client: `enhanced: true` fills `fourCcList` with every FourCC
 * rtmpkit reads, both info maps with `'*'` → CanDecode | CanEncode | CanForward and
 * `capsEx` with Multitrack | ModEx | TimestampNanoOffset (Reconnect only when the
 * caller sets it: following a ReconnectRequest is the application's decision); explicit
 * fields replace those parts. Undefined when nothing is offered (a legacy connect).
 */
export function enhancedOffer(o: EnhancedOfferOptions): EnhancedCapabilities | undefined {
  const all = o.enhanced === true;
  const every = FourCcInfo.CanDecode | FourCcInfo.CanEncode | FourCcInfo.CanForward;
  const offer: EnhancedCapabilities = {
    fourCcList: o.fourCcList ?? (all ? [...ENHANCED_FOURCCS] : undefined),
    videoFourCcInfoMap: o.videoFourCcInfoMap ?? (all ? { '*': every } : undefined),
    audioFourCcInfoMap: o.audioFourCcInfoMap ?? (all ? { '*': every } : undefined),
    capsEx: o.capsEx ?? (all ? CapsEx.Multitrack | CapsEx.ModEx | CapsEx.TimestampNanoOffset : undefined),
  };
  return Object.values(offer).some((v) => v !== undefined) ? offer : undefined;
}
