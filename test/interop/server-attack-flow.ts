/**
 * The legitimate traffic the server attack tests keep flowing: an rtmpkit publisher
 * (scripted ClientSession over a socket) sends synthetic A/V tags paced in real time to
 * `live/x` while a real rtmpdump (`-v`, recording to a file) and an rtmpkit player
 * receive it; an attack runs meanwhile. Afterwards both players' A/V tags are compared
 * with what the publisher sent, tag by tag, and the process's peak RSS growth during the
 * attack is reported (the server runs in this process).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { addLogCallback, LogLevel, removeLogCallback, setLogLevel } from '../../src/log.js';
import type { RTMPServerOptions } from '../../src/server/options.js';
import { createServer, type RTMPServer } from '../../src/server/server.js';
import { runBounded, tempDir } from '../helpers/peers.js';
import { flvTags, mediaTags, sleep, type Tag, TestClient } from '../unit/server-harness.js';

/** The legitimate stream: `seconds` long, 25 fps video of `videoBytes` per frame, AAC-like audio. */
export interface FlowOptions {
  seconds: number;
  videoBytes: number;
  /** Bytes of padding in the onMetaData (a big metadata object). Default 0. */
  metadataBytes?: number;
}

/** What an attack run measured. */
export interface FlowResult {
  /** Peak RSS growth during the attack (bytes). */
  peakRss: number;
  /** Warning (and worse) log lines written during the attack. */
  logLines: number;
}

/** Deterministic tags: onMetaData, AVC and AAC sequence headers, then 25 fps video (a keyframe per second) and ~43 fps audio. */
export function synthTags(o: FlowOptions): Tag[] {
  const tags: Tag[] = [];
  const meta = Buffer.concat([
    Buffer.from([2, 0, 10]),
    Buffer.from('onMetaData'),
    Buffer.from([8, 0, 0, 0, 0]),
    // Padding as many short string properties (librtmp's metadata dump crashes on one long string).
    ...Array.from({ length: Math.ceil((o.metadataBytes ?? 0) / 111) }, (_, i) =>
      Buffer.concat([
        Buffer.from([0, 6]),
        Buffer.from(`p${String(i).padStart(5, '0')}`),
        Buffer.from([2, 0, 100]),
        Buffer.alloc(100, 0x61),
      ]),
    ),
    Buffer.from([0, 0, 9]),
  ]);
  tags.push({ type: 18, timestamp: 0, body: meta });
  tags.push({ type: 9, timestamp: 0, body: Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff]) });
  tags.push({ type: 8, timestamp: 0, body: Buffer.from([0xaf, 0, 0x12, 0x10]) });
  const av: Tag[] = [];
  for (let f = 0; f < o.seconds * 25; f++) {
    const body = Buffer.alloc(o.videoBytes, f & 0xff);
    body.set([f % 25 === 0 ? 0x17 : 0x27, 1, 0, 0, 0]);
    av.push({ type: 9, timestamp: f * 40, body });
  }
  for (let a = 0; a * 23 < o.seconds * 1000; a++) {
    av.push({ type: 8, timestamp: a * 23, body: Buffer.from([0xaf, 1, a & 0xff, 0x1c, 0x21, 0]) });
  }
  av.sort((x, y) => x.timestamp - y.timestamp || y.type - x.type);
  return [...tags, ...av];
}

/** A/V rows as rtmpdump writes them (librtmp drops video bodies ≤ 5 bytes and audio ≤ 1). */
export function avRows(tags: readonly Tag[]): string[] {
  return tags
    .filter((g) => (g.type === 9 && g.body.length > 5) || (g.type === 8 && g.body.length > 1))
    .map((g) => `${g.type} ${g.timestamp} ${g.body.length} ${g.body.subarray(0, 8).toString('hex')}`);
}

/** Starts a server on an ephemeral loopback port. */
export async function startServer(options: RTMPServerOptions): Promise<{ server: RTMPServer; port: number }> {
  const server = createServer(options);
  const { port } = await server.listen({ port: 0 });
  return { server, port };
}

/**
 * Runs `attack` while the legitimate stream flows; asserts both players got every A/V
 * tag the publisher sent and returns what was measured.
 */
export async function underAttack(
  t: TestContext,
  server: RTMPServer,
  port: number,
  o: FlowOptions,
  attack: () => Promise<void>,
): Promise<FlowResult> {
  const url = `rtmp://127.0.0.1:${port}/live/x`;
  const out = join(tempDir('rtmpkit-attack-'), 'rec.flv');
  const playing = new Promise<void>((res) => server.once('play', () => res()));
  const rec = runBounded('rtmpdump', ['-r', url, '-v', '-B', '120', '-o', out], 60_000);
  await playing;
  const player = await TestClient.connect(port, 'live');
  const pid = await player.play('x');
  const pub = await TestClient.connect(port, 'live', { mode: 'publish' });
  const sid = await pub.publish('x');
  const tags = synthTags(o);

  let logLines = 0;
  const onLog = (): void => {
    logLines++;
  };
  setLogLevel(LogLevel.WARNING);
  addLogCallback(onLog);
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const pacing = (async () => {
    const t0 = Date.now();
    let i = 0;
    while (i < tags.length) {
      const now = Date.now() - t0;
      const batch: Tag[] = [];
      while (i < tags.length && tags[i]!.timestamp <= now) batch.push(tags[i++]!);
      if (batch.length > 0) pub.sendTags(sid, batch);
      await sleep(20);
    }
  })();
  try {
    await Promise.all([pacing, attack()]);
  } finally {
    clearInterval(sampler);
    removeLogCallback(onLog);
    setLogLevel(LogLevel.ERROR);
  }
  await sleep(500);
  pub.session.deleteStream(sid);
  pub.flush();
  const r = await rec;
  assert.equal(r.timedOut, false, `rtmpdump: ${r.stderr}`);
  assert.ok(
    existsSync(out) && readFileSync(out).length > 0,
    `rtmpdump wrote nothing (exit ${r.code}): ${r.stderr.slice(-800)}`,
  );
  const sent = avRows(tags);
  const dumped = avRows(flvTags(readFileSync(out)));
  if (dumped.length !== sent.length) {
    const got = new Set(dumped);
    const missing = sent.filter((x) => !got.has(x));
    t.diagnostic(
      `missing ${missing.length}: ${missing.slice(0, 5).join(' | ')} … ${missing.slice(-2).join(' | ')}`,
    );
    t.diagnostic(JSON.stringify(server.stats().clients ?? null).slice(0, 3000));
  }
  assert.equal(
    dumped.length,
    sent.length,
    `rtmpdump received every A/V tag (exit ${r.code}: ${r.stderr.slice(-500)})`,
  );
  assert.deepEqual(dumped, sent);
  const got = avRows(mediaTags(player.events, pid));
  assert.equal(got.length, sent.length, 'the rtmpkit player received every A/V tag');
  assert.deepEqual(got, sent);
  pub.destroy();
  player.destroy();
  const result = { peakRss: peak - base, logLines };
  t.diagnostic(
    `${sent.length} A/V tags relayed intact to rtmpdump and rtmpkit; peak RSS +${(result.peakRss / 2 ** 20).toFixed(1)} MiB; ${logLines} log lines`,
  );
  return result;
}
