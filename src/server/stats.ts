/**
 * The server's statistics (`RTMPServer.stats()`, `GET /stats`): the server, its live
 * streams grouped by app — publisher, codecs, bytes and bitrates in and out, players,
 * recording, pushes — and every client (RTMP connections and HTTP-FLV viewers) with
 * address, state and bytes. The same information as nginx-rtmp's `/stat`, as JSON.
 *
 * Units: bytes; bitrates in bits per second over the last few seconds; times as ISO
 * 8601 strings and uptimes in seconds. Invariant: a snapshot, safe to JSON.stringify.
 */
import type { AmfValue } from '../amf/types.js';
import { parseOnMetaData } from '../flv/metadata.js';
import type { HttpFlvInfo } from './http/http-flv.js';
import type { LiveChannel } from './live-channel.js';
import type { PushInfo, RecordingInfo, ServerAddress, ServerClient } from './types.js';

/** `RTMPServer.stats()`. */
export interface ServerStats {
  server: {
    name: 'rtmpkit';
    pid: number;
    startedAt: string;
    /** Seconds since the server was created. */
    uptime: number;
    /** RTMP listener, or null when not listening. */
    rtmp: ServerAddress | null;
    /** HTTP listener (`listenHttp`), or null. */
    http: ServerAddress | null;
    /** Open RTMP connections and HTTP-FLV responses. */
    connections: number;
    /** Socket bytes of every RTMP connection so far (closed ones included). */
    bytesIn: number;
    bytesOut: number;
    /** Sum of the streams' media bitrates. */
    bitrateIn: number;
    bitrateOut: number;
  };
  apps: AppStats[];
  clients: ClientStats[];
}

/** One app's streams. */
export interface AppStats {
  name: string;
  streams: StreamStats[];
}

/** One live stream. */
export interface StreamStats {
  app: string;
  name: string;
  /** Someone publishes it (else players wait for a publisher). */
  publishing: boolean;
  publisher: {
    clientId: number;
    address: string | null;
    port: number | null;
    /** `live`, `record` or `append` as the publisher sent it. */
    type: string;
    since: string;
  } | null;
  /** Seconds since the publish started (0 when none). */
  uptime: number;
  codecs: {
    video: { codec: string; width: number | null; height: number | null; fps: number | null } | null;
    audio: { codec: string; sampleRate: number | null; channels: number | null } | null;
  };
  /** Media payload bytes from the publisher(s), and sent to players, HTTP-FLV viewers and pushes. */
  bytesIn: number;
  bytesOut: number;
  bitrateIn: number;
  bitrateOut: number;
  /** RTMP players (waiting ones included) and HTTP-FLV viewers. */
  players: number;
  httpPlayers: number;
  recording: { path: string; bytes: number; error: string | null } | null;
  pushes: PushInfo[];
}

/** One client: an RTMP connection or an HTTP-FLV viewer. */
export interface ClientStats {
  id: number;
  protocol: 'rtmp' | 'http-flv';
  address: string | null;
  port: number | null;
  /** RTMP: handshake, connecting, connected; HTTP-FLV: waiting, playing. */
  state: string;
  app: string | null;
  since: string;
  uptime: number;
  bytesIn: number;
  bytesOut: number;
  /** RTMP: what each message stream does; HTTP-FLV: the one stream it plays. */
  streams: { id: number; kind: string; name: string | null }[];
}

/** What `collectStats` reads. */
export interface StatsSource {
  startedAt: number;
  rtmp: ServerAddress | undefined;
  http: ServerAddress | undefined;
  clients: Iterable<ServerClient>;
  httpPlayers: Iterable<HttpFlvInfo>;
  channels: Iterable<LiveChannel>;
  /** Socket bytes of closed RTMP connections. */
  closedBytes: { in: number; out: number };
  recording(channel: LiveChannel): RecordingInfo | undefined;
  pushes(channel: LiveChannel): PushInfo[];
}

const iso = (ms: number): string => new Date(ms).toISOString();
const secondsSince = (ms: number, now: number): number => Math.max(0, Math.round((now - ms) / 100) / 10);
const num = (v: number | undefined): number | null => (v === undefined ? null : v);

function codecs(ch: LiveChannel): StreamStats['codecs'] {
  const meta = ch.metadata ? parseOnMetaData(ch.metadata[0] as AmfValue) : undefined;
  const v = ch.codecs.video ?? meta?.videoCodec;
  const a = ch.codecs.audio ?? meta?.audioCodec;
  return {
    video:
      v === undefined
        ? null
        : { codec: v, width: num(meta?.width), height: num(meta?.height), fps: num(meta?.framerate) },
    audio:
      a === undefined
        ? null
        : { codec: a, sampleRate: num(meta?.audioSampleRate), channels: num(meta?.audioChannels) },
  };
}

/** A snapshot of the statistics. */
export function collectStats(src: StatsSource): ServerStats {
  const now = Date.now();
  const http = [...src.httpPlayers];
  const apps = new Map<string, StreamStats[]>();
  let bitrateIn = 0;
  let bitrateOut = 0;
  for (const ch of src.channels) {
    const pub = ch.publisher?.request;
    const rec = src.recording(ch);
    const s: StreamStats = {
      app: ch.app,
      name: ch.name,
      publishing: pub !== undefined,
      publisher: pub
        ? {
            clientId: pub.client.id,
            address: pub.client.remoteAddress ?? null,
            port: pub.client.remotePort ?? null,
            type: pub.type,
            since: iso(ch.publishedAt ?? now),
          }
        : null,
      uptime: ch.publishedAt === undefined ? 0 : secondsSince(ch.publishedAt, now),
      codecs: codecs(ch),
      bytesIn: ch.bytesIn.total,
      bytesOut: ch.bytesOut.total,
      bitrateIn: ch.bytesIn.bitrate(),
      bitrateOut: ch.bytesOut.bitrate(),
      players: [...ch.players].filter((p) => p.out.end === undefined).length,
      httpPlayers: http.filter((h) => h.app === ch.app && h.name === ch.name).length,
      recording: rec ? { path: rec.path, bytes: rec.bytes, error: rec.error ?? null } : null,
      pushes: src.pushes(ch).map((p) => ({ ...p })),
    };
    bitrateIn += s.bitrateIn;
    bitrateOut += s.bitrateOut;
    const list = apps.get(ch.app) ?? [];
    list.push(s);
    apps.set(ch.app, list);
  }
  const clients: ClientStats[] = [];
  let bytesIn = src.closedBytes.in;
  let bytesOut = src.closedBytes.out;
  const client = (
    c: Pick<HttpFlvInfo, 'id' | 'remoteAddress' | 'remotePort' | 'acceptedAt' | 'bytesOut'>,
    protocol: ClientStats['protocol'],
    rest: Pick<ClientStats, 'state' | 'app' | 'bytesIn' | 'streams'>,
  ): ClientStats => ({
    id: c.id,
    protocol,
    address: c.remoteAddress ?? null,
    port: c.remotePort ?? null,
    since: iso(c.acceptedAt),
    uptime: secondsSince(c.acceptedAt, now),
    bytesOut: c.bytesOut,
    ...rest,
  });
  for (const c of src.clients) {
    bytesIn += c.bytesIn;
    bytesOut += c.bytesOut;
    clients.push(
      client(c, 'rtmp', {
        state: c.state,
        app: c.app ?? null,
        bytesIn: c.bytesIn,
        streams: [...c.streams].map(([id, r]) => ({ id, kind: r.kind, name: r.name ?? null })),
      }),
    );
  }
  for (const h of http) {
    clients.push(
      client(h, 'http-flv', {
        state: h.state,
        app: h.app,
        bytesIn: 0,
        streams: [{ id: 0, kind: 'http-flv', name: h.name }],
      }),
    );
  }
  clients.sort((a, b) => a.id - b.id);
  return {
    server: {
      name: 'rtmpkit',
      pid: process.pid,
      startedAt: iso(src.startedAt),
      uptime: secondsSince(src.startedAt, now),
      rtmp: src.rtmp ?? null,
      http: src.http ?? null,
      connections: clients.length,
      bytesIn,
      bytesOut,
      bitrateIn,
      bitrateOut,
    },
    apps: [...apps].map(([name, streams]) => ({ name, streams })),
    clients,
  };
}
