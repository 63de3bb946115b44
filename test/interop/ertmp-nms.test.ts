/**
 * Enhanced RTMP v1 against node-media-server 4.4.3 (test/peers/start-nms.sh, which
 * npm-installs it into a private directory), an independent E-RTMP relay: `rtmpkit
 * publish` sends HEVC + AAC and AV1 + AAC from MP4s the local ffmpeg makes (video as
 * ExVideoTagHeader `hvc1` / `av01`, AAC in its legacy header, as FFmpeg and OBS send it),
 * an rtmpkit player that subscribed first plays the stream back through NMS, and every
 * coded frame (timestamp, composition offset, size, MD5) and each configuration record
 * equals what `ffprobe -show_packets -show_data_hash MD5` says of the source MP4. NMS
 * answers connect without E-RTMP fields (`enhancedCapabilities` stays undefined) and
 * sends nothing at the end of a live stream, so the player ends on its idle timeout.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RTMP } from '../../src/client/rtmp.js';
import type { StreamPacket } from '../../src/client/stream-packets.js';
import { RTMPTimeoutError } from '../../src/errors.js';
import {
  configMatches,
  configRecords,
  ffprobeTracks,
  makeErtmpMedia,
  packetRows,
} from '../helpers/ertmp-media.js';
import { freePort, PEERS_DIR, requirePeers, runBounded, tempDir } from '../helpers/peers.js';

const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const NAMES = ['hevc-aac', 'av1-aac'];
const dirs: string[] = [];
let runDir: string | undefined;
after(() => {
  if (runDir)
    execFileSync('bash', [join(PEERS_DIR, 'stop-peer.sh'), runDir], { stdio: 'ignore', timeout: 15_000 });
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('node-media-server relays E-RTMP HEVC and AV1 published from MP4, identical sample by sample', async (t) => {
  if (!requirePeers(t, ['ffmpeg', 'ffprobe', 'npm', 'openssl'])) return;
  const media = tempDir('rtmpkit-nms-ertmp-');
  dirs.push(media);
  makeErtmpMedia(media, NAMES);
  const port = await freePort();
  runDir = tempDir('rtmpkit-nms-ertmp-run-');
  try {
    execFileSync('bash', [join(PEERS_DIR, 'start-nms.sh'), runDir], {
      env: {
        ...process.env,
        PORT: String(port),
        TLS_PORT: String(await freePort()),
        HTTP_PORT: String(await freePort()),
      },
      stdio: 'ignore',
      timeout: 180_000,
    });
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    t.skip(`node-media-server could not start: ${(err as Error).message}`);
    return;
  }
  for (const name of NAMES) {
    await t.test(name, async () => {
      const file = join(media, `${name}.mp4`);
      const source = ffprobeTracks(file);
      const url = `rtmp://127.0.0.1:${port}/live/${name}`;
      const conn = new RTMP(url, { live: true, enhanced: true, timeout: 3 });
      await conn.connect();
      assert.equal(conn.enhancedCapabilities, undefined, 'NMS 4.4.3 answers no E-RTMP fields');
      const stream = await conn.createStream();
      const got: StreamPacket[] = [];
      const played = (async () => {
        try {
          for await (const p of stream.packets()) got.push(p);
        } catch (err) {
          // NMS sends nothing at the end of a live stream: the idle timeout ends the play.
          if (!(err instanceof RTMPTimeoutError)) throw err;
        }
      })();
      await new Promise((r) => setTimeout(r, 500)); // the play reaches NMS before the publish
      const pub = await runBounded(
        process.execPath,
        [BIN, 'publish', '-q', '--no-realtime', url, file],
        90_000,
      );
      assert.equal(pub.code, 0, `publish: ${pub.stderr}`);
      await played;
      await conn.close();
      const av = got.filter((p): p is Exclude<StreamPacket, { type: 'data' }> => p.type !== 'data');
      const video = av.find((p) => p.type === 'video' && p.packetType === 'codedFrames');
      assert.ok(video?.enhanced, 'video came back as E-RTMP');
      assert.equal(video.fourcc, name.startsWith('hevc') ? 'hvc1' : 'av01');
      const rows = packetRows(av.map((p) => ({ packet: p, timestamp: p.timestamp })));
      for (const [key, want] of source.rows) {
        assert.deepEqual(rows.get(key), want, `${name} ${key}: samples equal ffprobe's packets`);
        t.diagnostic(`${name} ${key}: ${want.length} samples equal through NMS`);
      }
      const configs = configRecords(av);
      for (const [key, { codec, extradata }] of source.codecs) {
        const record = configs.get(key);
        assert.ok(record, `${name} ${key}: configuration relayed`);
        assert.ok(configMatches(codec, record, extradata), `${name} ${key}: config = extradata`);
      }
    });
  }
});
