/**
 * `node dist/bench/profile.js [--quick] [--top N] PATH` — one run of a path under
 * `node --cpu-prof`, summarized as the heaviest functions by self time:
 * - dump: `rtmpkit dump` of the ~300 MB VOD from nginx-rtmp (the client profiled);
 * - rtmps: the same through stunnel (`rtmps://`, certificate verified);
 * - rtmpe: `rtmpkit dump rtmpe://` of the file from the embedded server (the client profiled);
 * - iterate / readable: the library downloading it (`for await` over the stream, or
 *   `toReadable()` piped to a file; bench/children/library.js profiled);
 * - publish: `rtmpkit publish --no-realtime` of the file into nginx-rtmp's live app;
 * - vod: the embedded server serving the file to rtmpdump (the server profiled);
 * - relay: the embedded server relaying the file from an ffmpeg publisher to an
 *   rtmpdump player (the server profiled).
 * Outputs go to /dev/shm as in `npm run bench` (no disk I/O in the profile); the
 * .cpuprofile is kept under /tmp/rtmpkit-bench-prof for DevTools or speedscope.
 * Media and servers as in `npm run bench` (build first: `npm run build`).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type CpuProfile, topFunctions } from './lib/cpuprofile.js';
import { ensureMedia } from './lib/media.js';
import { type TimedRun, timed } from './lib/proc.js';
import { ffmpegPublish, livePlayer, rtmpdump } from './lib/scenario.js';
import { CHILDREN_DIR, type RunningServer, startEmbedded, startNginx, startTls } from './lib/servers.js';

const PATHS = ['dump', 'rtmps', 'rtmpe', 'iterate', 'readable', 'publish', 'vod', 'relay'] as const;
type ProfilePath = (typeof PATHS)[number];

const { values, positionals } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, top: { type: 'string', default: '25' } },
  allowPositionals: true,
});
const what = positionals[0] as ProfilePath;
if (!PATHS.includes(what)) {
  process.stderr.write(`usage: node dist/bench/profile.js [--quick] [--top N] ${PATHS.join('|')}\n`);
  process.exit(1);
}
const log = (m: string): void => void process.stderr.write(`profile: ${m}\n`);
const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../src/bin/rtmpkit.js');
const media = ensureMedia(values.quick, log);
const dir = join('/tmp/rtmpkit-bench-prof', `${what}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(dir, { recursive: true });
const work = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'rtmpkit-prof-'));
const out = join(work, 'out.flv');
const prof = [`--cpu-prof`, `--cpu-prof-dir=${dir}`];
const report = (who: string, r: TimedRun): void =>
  log(
    `${who}: exit ${r.code}, ${r.wallS.toFixed(2)} s wall, ${r.cpuS?.toFixed(2)} s CPU, ${r.maxRssMiB?.toFixed(1)} MiB`,
  );

/** Runs `body` with a server up, stopping it afterwards (an embedded one writes its profile at exit). */
async function withServer(server: RunningServer, body: (port: number) => Promise<void>): Promise<void> {
  try {
    await body(server.port);
  } finally {
    await server.stop();
  }
}

try {
  const vod = (port: number): string => `rtmp://127.0.0.1:${port}/vod/${media.big.name}`;
  if (what === 'dump') {
    await withServer(await startNginx(media.dir), async (port) => {
      report('dump', await timed(process.execPath, [...prof, cli, 'dump', '-q', '-r', vod(port), '-o', out]));
    });
  } else if (what === 'rtmps') {
    await withServer(await startNginx(media.dir), async (port) => {
      const tls = await startTls(port);
      await withServer(tls, async (tlsPort) => {
        const url = `rtmps://127.0.0.1:${tlsPort}/vod/${media.big.name}`;
        const env = { ...process.env, NODE_EXTRA_CA_CERTS: tls.cert };
        report(
          'rtmps',
          await timed(process.execPath, [...prof, cli, 'dump', '-q', '-r', url, '-o', out], { env }),
        );
      });
    });
  } else if (what === 'rtmpe') {
    await withServer(await startEmbedded(media.dir), async (port) => {
      const url = `rtmpe://127.0.0.1:${port}/vod/${media.big.name}`;
      report('rtmpe', await timed(process.execPath, [...prof, cli, 'dump', '-q', '-r', url, '-o', out]));
    });
  } else if (what === 'iterate' || what === 'readable') {
    await withServer(await startNginx(media.dir), async (port) => {
      const child = join(CHILDREN_DIR, 'library.js');
      const r = await timed(process.execPath, [...prof, child, what, vod(port), out]);
      report(what, r);
      log(`library: ${r.stdout.trim()}`);
    });
  } else if (what === 'publish') {
    await withServer(await startNginx(media.dir), async (port) => {
      const url = `rtmp://127.0.0.1:${port}/live/profile`;
      report(
        'publish',
        await timed(process.execPath, [...prof, cli, 'publish', '-q', '--no-realtime', url, media.big.path]),
      );
    });
  } else if (what === 'vod') {
    await withServer(await startEmbedded(media.dir, prof), async (port) => {
      report('rtmpdump', await rtmpdump(vod(port), out));
    });
  } else {
    await withServer(await startEmbedded(media.dir, prof), async (port) => {
      const url = `rtmp://127.0.0.1:${port}/live/profile`;
      const player = livePlayer(url, out);
      await player.playing;
      const pub = await ffmpegPublish(media.big.path, url);
      await player.done;
      log(`relay: publisher exit ${pub.code}, ${pub.wallS.toFixed(2)} s wall`);
    });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no .cpuprofile in ${dir}`);
const top = topFunctions(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, Number(values.top));
process.stdout.write(`${join(dir, file)}\n\n  self ms      %  function  (location)\n`);
for (const f of top) {
  process.stdout.write(
    `${f.selfMs.toFixed(0).padStart(8)}  ${f.percent.toFixed(1).padStart(5)}  ${f.name}${f.location ? `  (${f.location})` : ''}\n`,
  );
}
