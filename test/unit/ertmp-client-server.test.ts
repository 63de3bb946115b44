/**
 * Enhanced RTMP end to end between rtmpkit's client and rtmpkit's server, on loopback:
 * - negotiation: a client's offer (fourCcList, info maps, capsEx) is answered in the
 *   connect `_result` and exposed as `enhancedCapabilities`; a legacy client sends and
 *   gets no E-RTMP fields;
 * - a publisher's `writePacket` of HEVC (E-RTMP) and two audio languages (AAC track 0
 *   legacy, AAC track 1 as E-RTMP Multitrack) with `writeMetadata`'s E-RTMP onMetaData
 *   reaches an E-RTMP player as the same typed packets; a late joiner gets onMetaData,
 *   every track's configuration and the GOP from the last track-0 keyframe; a player
 *   without `capsEx` Multitrack gets track 0 only; a legacy player gets
 *   NetStream.Play.Failed naming `hvc1`; a play → publish relay of `packets()` into
 *   `writePacket` is one loop and gives the same bodies byte for byte;
 * - `drain()` sends NetConnection.Connect.ReconnectRequest to clients that offered
 *   capsEx Reconnect (the client's `reconnectRequest` event has the resolved tcUrl) and
 *   closes those that stay past the timeout.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PublishPacket } from '../../src/client/packet-writer.js';
import { RTMP } from '../../src/client/rtmp.js';
import type { RTMPStream } from '../../src/client/rtmp-stream.js';
import type { StreamPacket } from '../../src/client/stream-packets.js';
import type { ReconnectRequest } from '../../src/session/connect-object.js';
import { CapsEx } from '../../src/session/connect-object.js';
import { startServer, until } from './server-harness.js';

const HVCC = Buffer.from('0101600000009000000000005df000fcfdf8f800000f', 'hex');
const ASC = Buffer.from('1210', 'hex');

/** What the publisher sends: HEVC track 0, AAC track 0 (legacy form), AAC track 1 (E-RTMP Multitrack). */
function program(frames: number): PublishPacket[] {
  const out: PublishPacket[] = [
    { type: 'video', timestamp: 0, codec: 'hevc', packetType: 'sequenceStart', data: HVCC },
    { type: 'audio', timestamp: 0, codec: 'aac', packetType: 'sequenceStart', data: ASC },
    { type: 'audio', timestamp: 0, codec: 'aac', packetType: 'sequenceStart', trackId: 1, data: ASC },
  ];
  for (let i = 0; i < frames; i++) {
    const ts = i * 40;
    out.push({
      type: 'video',
      timestamp: ts,
      codec: 'hevc',
      packetType: 'codedFrames',
      isKeyframe: i % 10 === 0,
      compositionTime: i % 2 === 0 ? 0 : 80,
      data: Buffer.from([0, 0, 0, 2, i % 10 === 0 ? 0x26 : 0x02, i]),
    });
    out.push({
      type: 'audio',
      timestamp: ts,
      codec: 'aac',
      packetType: 'codedFrames',
      data: Buffer.from([0x21, i]),
    });
    out.push({
      type: 'audio',
      timestamp: ts,
      codec: 'aac',
      packetType: 'codedFrames',
      trackId: 1,
      data: Buffer.from([0x21, 0x80 | i]),
    });
  }
  return out;
}

/** A packet as a comparable row: kind, track, codec, packet type, time, composition offset, data. */
function row(p: StreamPacket | PublishPacket): string {
  if (p.type === 'data') return `data ${p.timestamp}`;
  const cts = p.type === 'video' ? (p.compositionTime ?? 0) : 0;
  return `${p.type}#${p.trackId ?? 0} ${p.codec} ${p.packetType} ${p.timestamp} ${cts} ${p.data.toString('hex')}`;
}

async function collect(stream: RTMPStream, into: StreamPacket[]): Promise<unknown> {
  try {
    for await (const p of stream.packets()) into.push(p);
    return undefined;
  } catch (err) {
    return err;
  }
}

async function player(url: string, options: ConstructorParameters<typeof RTMP>[1]) {
  const conn = new RTMP(url, { live: true, timeout: 10, ...options });
  await conn.connect();
  const stream = await conn.createStream();
  const packets: StreamPacket[] = [];
  const done = collect(stream, packets);
  return { conn, stream, packets, done };
}

describe('E-RTMP: rtmpkit client ↔ rtmpkit server', () => {
  it('negotiates in connect: the offer is answered and exposed; legacy clients see no E-RTMP', async () => {
    const { server, port } = await startServer();
    try {
      const url = `rtmp://127.0.0.1:${port}/live/x`;
      const e = new RTMP(url, { enhanced: true, capsEx: CapsEx.Reconnect | CapsEx.Multitrack });
      await e.connect();
      const caps = e.enhancedCapabilities;
      assert.ok(caps, 'the server answered');
      assert.equal(caps.capsEx, 0x0f, 'Reconnect | Multitrack | ModEx | TimestampNanoOffset');
      assert.ok(caps.fourCcList?.includes('hvc1') && caps.fourCcList.includes('Opus'));
      assert.deepEqual({ ...caps.videoFourCcInfoMap }, { '*': 4 }, 'CanForward anything');
      const client = [...server.clients][0]!;
      assert.equal(client.enhancedCapabilities?.capsEx, CapsEx.Reconnect | CapsEx.Multitrack);
      assert.deepEqual({ ...client.enhancedCapabilities?.videoFourCcInfoMap }, { '*': 7 });
      assert.equal(client.enhancedCapabilities?.fourCcList?.length, 12);
      await e.close();

      const legacy = new RTMP(url);
      await legacy.connect();
      assert.equal(legacy.enhancedCapabilities, undefined);
      assert.equal(legacy.serverProperties?.capsEx, undefined);
      await until(() => server.clients.size === 1, 5000, 'first client gone');
      assert.equal([...server.clients][0]!.enhancedCapabilities, undefined);
      await legacy.close();
    } finally {
      await server.close();
    }
  });

  it('relays HEVC and two audio languages: typed packets, late joiner, Multitrack filter, legacy refusal, relay loop', async () => {
    const { server, port } = await startServer();
    const base = `rtmp://127.0.0.1:${port}/live`;
    try {
      const sent = program(30);
      const early = await player(`${base}/tv`, { enhanced: true });
      const mono = await player(`${base}/tv`, { fourCcList: ['hvc1', 'mp4a'] }); // no capsEx Multitrack
      const legacy = await player(`${base}/tv`, {});
      const relayed = await player(`${base}/copy`, { enhanced: true });

      const pub = new RTMP(`${base}/tv`, { publish: true, enhanced: true });
      await pub.connect();
      const out = await pub.createStream({ writeable: true });
      await out.writeMetadata([
        { kind: 'video', codec: 'hevc', width: 160, height: 120 },
        { kind: 'audio', codec: 'aac', sampleRate: 48000, channels: 2 },
        { kind: 'audio', codec: 'aac', trackId: 1, sampleRate: 44100, channels: 2 },
      ]);

      // The relay: play → publish in one loop.
      const relayConn = new RTMP(`${base}/tv`, { live: true, enhanced: true });
      await relayConn.connect();
      const relayIn = await relayConn.createStream();
      const relayPub = new RTMP(`${base}/copy`, { publish: true, enhanced: true });
      await relayPub.connect();
      const relayOut = await relayPub.createStream({ writeable: true });
      const relayDone = (async () => {
        for await (const p of relayIn.packets()) await relayOut.writePacket(p);
      })();

      const half = sent.findIndex((p) => p.timestamp === 15 * 40);
      for (const p of sent.slice(0, half)) await out.writePacket(p);
      await until(() => early.packets.some((p) => p.timestamp === 14 * 40), 5000, 'half the frames');
      const late = await player(`${base}/tv`, { enhanced: true });
      for (const p of sent.slice(half)) await out.writePacket(p);
      await until(() => early.packets.filter((p) => p.type !== 'data').length >= sent.length, 5000, 'all');
      await until(
        () => late.packets.some((p) => p.timestamp === 29 * 40 && p.type === 'audio'),
        5000,
        'late',
      );
      await until(
        () => relayed.packets.filter((p) => p.type !== 'data').length >= sent.length,
        5000,
        'relay',
      );
      await out.close();
      await pub.close();

      // The early E-RTMP player: every packet, typed as sent.
      assert.deepEqual(
        early.packets.filter((p) => p.type !== 'data').map(row),
        sent.map(row),
        'same typed packets',
      );
      const meta = early.packets.find((p) => p.type === 'data' && p.values?.[0] === 'onMetaData');
      assert.ok(meta?.type === 'data');
      const props = meta.values![1] as Record<string, unknown>;
      assert.equal(props.videocodecid, 0x68766331, 'videocodecid is the hvc1 FourCC number');
      assert.equal(props.audiocodecid, 10, 'AAC track 0 in its legacy form keeps FLV id 10');
      const info = props.audioTrackIdInfoMap as Record<string, Record<string, unknown>>;
      assert.equal(info['1']?.samplerate, 44100, 'track 1 described in audioTrackIdInfoMap');
      const v0 = early.packets.find(
        (p) => p.type === 'video' && p.packetType === 'codedFrames' && p.compositionTime,
      );
      assert.ok(v0?.type === 'video' && v0.enhanced && v0.fourcc === 'hvc1');
      const a1 = early.packets.find((p) => p.type === 'audio' && p.trackId === 1);
      assert.ok(a1?.type === 'audio' && a1.enhanced && a1.multitrack === 'oneTrack' && a1.fourcc === 'mp4a');
      const a0 = early.packets.find((p) => p.type === 'audio' && p.trackId === 0);
      assert.ok(a0?.type === 'audio' && !a0.enhanced, 'AAC track 0 kept the legacy header (default)');
      assert.deepEqual(
        early.packets
          .filter((p) => p.type !== 'data' && p.sequenceHeader)
          .map((p) => (p.type === 'data' ? '' : p.config?.toString('hex'))),
        [HVCC.toString('hex'), ASC.toString('hex'), ASC.toString('hex')],
        'config is the record',
      );

      // The late joiner: onMetaData, the three configurations, then the GOP from frame 10.
      const lateRows = late.packets
        .filter((p) => p.type !== 'data' || p.values?.[0] !== '|RtmpSampleAccess')
        .map((p) => (p.type === 'data' ? `data ${String(p.values?.[0])}` : row(p)));
      assert.equal(lateRows[0], 'data onMetaData');
      assert.deepEqual(
        lateRows.slice(1, 4).map((r) => r.split(' ').slice(0, 3).join(' ')),
        ['video#0 hevc sequenceStart', 'audio#0 aac sequenceStart', 'audio#1 aac sequenceStart'],
      );
      const firstVideo = late.packets.find((p) => p.type === 'video' && p.packetType === 'codedFrames');
      assert.ok(
        firstVideo?.type === 'video' && firstVideo.keyframe && firstVideo.timestamp === 400,
        'GOP from frame 10',
      );
      assert.deepEqual(
        late.packets.filter((p) => p.type !== 'data' && p.timestamp >= 600).map(row),
        sent.filter((p) => p.timestamp >= 600).map(row),
        'then live',
      );

      // No capsEx Multitrack: track 0 only.
      assert.deepEqual(
        mono.packets.filter((p) => p.type !== 'data').map(row),
        sent.filter((p) => p.type !== 'data' && (p.trackId ?? 0) === 0).map(row),
      );

      // Legacy player: a refusal naming the codec, no media.
      await until(() => legacy.stream.ended, 5000, 'legacy refused');
      const err = (await legacy.done) as { info?: Record<string, unknown> };
      assert.equal(err?.info?.code, 'NetStream.Play.Failed');
      assert.match(String(err.info?.description), /hvc1/);
      assert.equal(legacy.packets.filter((p) => p.type !== 'data').length, 0, 'no media to a legacy player');

      // The relay: the same bodies byte for byte.
      assert.deepEqual(
        relayed.packets
          .filter((p) => p.type !== 'data')
          .map((p) => `${p.type} ${p.timestamp} ${p.payload.toString('hex')}`),
        early.packets
          .filter((p) => p.type !== 'data')
          .map((p) => `${p.type} ${p.timestamp} ${p.payload.toString('hex')}`),
      );
      await Promise.race([relayDone, relayIn.close()]);
      for (const c of [early, mono, legacy, late, relayed]) await c.conn.close();
      await relayPub.close();
      await relayConn.close();
    } finally {
      await server.close();
    }
  });

  it('drain() asks capsEx-Reconnect clients to reconnect, waits for them, closes stragglers', async () => {
    const { server, port } = await startServer();
    try {
      const url = `rtmp://127.0.0.1:${port}/live/x`;
      // (followReconnect: false — these clients leave, or stay, by themselves)
      const willing = new RTMP(url, { capsEx: CapsEx.Reconnect, followReconnect: false });
      const stubborn = new RTMP(url, { capsEx: CapsEx.Reconnect, followReconnect: false });
      const legacy = new RTMP(url);
      await Promise.all([willing.connect(), stubborn.connect(), legacy.connect()]);
      const asked: ReconnectRequest[] = [];
      willing.on('reconnectRequest', (r) => {
        asked.push(r);
        void willing.close();
      });
      let legacyAsked = false;
      legacy.on('reconnectRequest', () => {
        legacyAsked = true;
      });
      // (not events.once: it would also take the connection's 'error' event as a rejection)
      const stubbornClosed = new Promise((resolve) => stubborn.on('close', resolve));
      const result = await server.drain({ tcUrl: '/other', description: 'maintenance', timeoutMs: 1500 });
      assert.deepEqual(result, { asked: 2, closed: 1 });
      assert.deepEqual(asked, [{ tcUrl: `rtmp://127.0.0.1:${port}/other`, description: 'maintenance' }]);
      await stubbornClosed;
      assert.equal(legacyAsked, false, 'a client that did not offer Reconnect is not asked');
      assert.equal(legacy.connected, true);
      await legacy.close();
    } finally {
      await server.close();
    }
  });

  it("drain()'s timeout ends it even when the wall clock has not reached it as the timer fires", async () => {
    // A timer can fire a millisecond before Date.now() reaches a deadline computed from it;
    // drain() then re-checked the wall clock and waited forever (a CI run hung here). A
    // frozen Date.now() makes that moment last.
    const { server, port } = await startServer();
    const realNow = Date.now;
    try {
      const stays = new RTMP(`rtmp://127.0.0.1:${port}/live/x`, {
        capsEx: CapsEx.Reconnect,
        followReconnect: false,
      });
      await stays.connect();
      const frozen = realNow();
      Date.now = () => frozen;
      const result = await Promise.race([
        server.drain({ timeoutMs: 100 }),
        new Promise((res) => setTimeout(res, 3000, 'still waiting after 3 s')),
      ]);
      Date.now = realNow;
      assert.deepEqual(result, { asked: 1, closed: 1 });
      await stays.close();
    } finally {
      Date.now = realNow;
      await server.close();
    }
  });
});
