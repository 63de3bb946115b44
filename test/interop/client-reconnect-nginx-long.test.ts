/**
 * Reconnect of a long VOD download from nginx-rtmp, which answers play(start) of a file
 * without a keyframe index by sending the whole file again with the file's timestamps:
 * the replay must drop everything before the last keyframe received however many
 * messages that is (a replay that gave up after 10,000 wrote the file's start twice and
 * exited 0: 9.8 MB for this 8.4 MB file). The file is 3 minutes of small messages (~13,000);
 * the cut comes at 90 %.
 * nginx's send queue is raised so that nginx itself never discards a message here (see
 * nginx-vod-drop.test.ts): the uncut download is then the reference, byte for byte.
 *
 * Every child runs bounded; only PIDs started here are signalled; nginx stops in `after`.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { type Peer, requirePeers, runBounded, startNginx, tempDir } from '../helpers/peers.js';
import { smallMessageMedia } from '../helpers/small-msgs-media.js';
import { flvTags } from '../unit/server-harness.js';

const BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const NEEDS = ['nginx', '/usr/lib/nginx/modules/ngx_rtmp_module.so', 'ffmpeg'];
let nginx: Peer | undefined;
const proxies: FaultProxy[] = [];
const out = tempDir('rtmpkit-reconnect-long-');

after(async () => {
  for (const p of proxies) await p.close();
  nginx?.stop();
  rmSync(out, { recursive: true, force: true });
});

const rtmpkit = (args: string[]) => runBounded(process.execPath, [BIN, ...args], 120_000);

test('dump --retries of a 13,000-message VOD from nginx-rtmp cut at 90 % (nginx sends the whole file again): the uncut download, byte for byte', async (t) => {
  if (!requirePeers(t, NEEDS)) return;
  const m = await smallMessageMedia();
  nginx = await startNginx({ mediaDir: m.dir, outQueue: 1 << 20 });
  const whole = join(out, 'whole.flv');
  const r0 = await rtmpkit(['dump', '-q', '-r', `rtmp://127.0.0.1:${nginx.port}/vod/${m.name}`, '-o', whole]);
  assert.equal(r0.code, 0, r0.stderr);
  const a = readFileSync(whole);
  const media = flvTags(a).filter((x) => x.type === 8 || x.type === 9).length;
  assert.ok(media > 12_000, `${media} media tags`);

  // A FIN, not an RST: the client reads everything before it (an RST would discard what
  // still waits in its socket buffer, and the cut would land wherever the client was).
  const proxy = await startFaultProxy(nginx.port, (k) =>
    k === 0 ? { how: 'fin', afterBytes: Math.floor(a.length * 0.9), align: 'read' } : undefined,
  );
  proxies.push(proxy);
  const cut = join(out, 'cut.flv');
  const r1 = await rtmpkit(['dump', '--retries', '3', '-r', proxy.url(`vod/${m.name}`), '-o', cut]);
  assert.equal(proxy.cuts, 1);
  assert.match(r1.stderr, /reconnected \(attempt 1\)/);
  assert.equal(r1.code, 0, r1.stderr);
  const b = readFileSync(cut);
  assert.equal(b.length, a.length, 'no tag twice, none missing');
  assert.ok(b.equals(a), 'byte-identical to the uncut download');
});
