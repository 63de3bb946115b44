/**
 * The embedded server with rtmpkit's own public client (`RTMP`, `RTMPStream`): VOD
 * download equal to the file, seek, publish → play through the live relay, RPC both
 * ways (`call().result()` answered by `onCall`, `client.call()` answered by
 * `invokeHandler`), and a refused connect surfacing as an RTMPError.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AmfValue } from '../../src/amf/types.js';
import { RTMP } from '../../src/client/index.js';
import { makeTestFlv } from '../../src/server/test-media.js';
import type { ServerClient } from '../../src/server/types.js';
import { avRows, flvTags, mediaTags, startServer, TestClient, until } from './server-harness.js';

const FILE = makeTestFlv(4);
const AV = flvTags(FILE).filter((t) => t.type === 8 || t.type === 9);

async function readAll(conn: RTMP, options: Parameters<RTMP['createStream']>[0] = {}): Promise<Buffer> {
  const stream = await conn.createStream(options);
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('server: with the rtmpkit client', () => {
  it('RTMP downloads a VOD file: the FLV it writes has the file’s A/V tags', async () => {
    const { server, port } = await startServer({ vodFiles: { test: FILE } });
    try {
      const conn = new RTMP(`rtmp://127.0.0.1:${port}/vod/test`, { timeout: 10 });
      await conn.connect();
      const flv = await readAll(conn);
      await conn.close();
      assert.deepEqual(avRows(flvTags(flv)), avRows(AV));
    } finally {
      await server.close();
    }
  });

  it('RTMP publishes FLV into the live relay; a player receives the same media', async () => {
    const { server, port } = await startServer();
    try {
      const player = await TestClient.connect(port, 'live');
      const pid = await player.play('cam');
      const conn = new RTMP(`rtmp://127.0.0.1:${port}/live/cam`, { timeout: 10, publish: true });
      await conn.connect();
      const stream = await conn.createStream({ writeable: true });
      await stream.write(FILE);
      await until(() => mediaTags(player.events, pid).length >= AV.length, 5000, 'relayed media');
      assert.deepEqual(avRows(mediaTags(player.events, pid)), avRows(AV));
      await stream.close();
      await player.status('NetStream.Play.UnpublishNotify');
      await conn.close();
      player.destroy();
    } finally {
      await server.close();
    }
  });

  it('RPC both ways: call().result() answered by onCall; client.call() answered by invokeHandler', async () => {
    let serverSide: ServerClient | undefined;
    const { server, port } = await startServer({
      onCall: (name, args) => {
        if (name === 'MyMath.MyAdd') return Number(args[0]) + Number(args[1]);
        throw new Error(`unknown ${name}`);
      },
    });
    server.on('connect', (c) => {
      serverSide = c;
    });
    try {
      const conn = new RTMP(`rtmp://127.0.0.1:${port}/app`, { timeout: 10 });
      await conn.connect();
      assert.equal(await conn.call('MyMath.MyAdd', 1, 2).result(), 3);
      await assert.rejects(conn.call('nope').result(), (e: { info?: Record<string, AmfValue> }) => {
        assert.equal(e.info?.code, 'NetConnection.Call.Failed');
        return true;
      });
      conn.invokeHandler(function concat(a: AmfValue, b: AmfValue) {
        return `${String(a)}${String(b)}`;
      });
      await until(() => serverSide !== undefined);
      const pending = serverSide!.call('concat', 'rtmp', 'kit');
      // The client answers while it processes packets.
      const processing = conn.processPackets({ timeout: 5 }).catch(() => undefined);
      assert.equal(await pending, 'rtmpkit');
      await conn.close();
      await processing;
    } finally {
      await server.close();
    }
  });

  it('a refused connect rejects RTMP.connect with the server info', async () => {
    const { server, port } = await startServer({ onConnect: () => ({ description: 'go away' }) });
    try {
      const conn = new RTMP(`rtmp://127.0.0.1:${port}/app`, { timeout: 10 });
      await assert.rejects(conn.connect(), (e: { info?: Record<string, AmfValue> }) => {
        assert.equal(e.info?.description, 'go away');
        return true;
      });
      // close() after a failed connect resolves: closing never fails.
      await conn.close();
    } finally {
      await server.close();
    }
  });
});
