/**
 * `node dist/bench/profile.js [--quick] [--top N] dump|relay` — one run of a path under
 * `node --cpu-prof`, summarized as the heaviest functions by self time:
 * - dump: `rtmpkit dump` of the ~300 MB VOD from nginx-rtmp (the client profiled);
 * - relay: the embedded server relaying the ~300 MB file from an ffmpeg publisher to an
 *   rtmpdump player (the server profiled).
 * The .cpuprofile is kept under /tmp/rtmpkit-bench-prof for DevTools or speedscope.
 * Media and servers as in `npm run bench` (build first: `npm run build`).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type CpuProfile, topFunctions } from './lib/cpuprofile.js';
import { ensureMedia } from './lib/media.js';
import { timed } from './lib/proc.js';
import { ffmpegPublish, livePlayer } from './lib/scenario.js';
import { startEmbedded, startNginx } from './lib/servers.js';

const { values, positionals } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, top: { type: 'string', default: '25' } },
  allowPositionals: true,
});
const what = positionals[0];
if (what !== 'dump' && what !== 'relay') {
  process.stderr.write('usage: node dist/bench/profile.js [--quick] [--top N] dump|relay\n');
  process.exit(1);
}
const log = (m: string): void => void process.stderr.write(`profile: ${m}\n`);
const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../src/cli/main.js');
const media = ensureMedia(values.quick, log);
const dir = join('/tmp/rtmpkit-bench-prof', `${what}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
mkdirSync(dir, { recursive: true });
const out = join(dir, 'out.flv');
const prof = [`--cpu-prof`, `--cpu-prof-dir=${dir}`];

if (what === 'dump') {
  const nginx = await startNginx(media.dir);
  try {
    const url = `rtmp://127.0.0.1:${nginx.port}/vod/${media.big.name}`;
    const r = await timed(process.execPath, [...prof, cli, 'dump', '-q', '-r', url, '-o', out]);
    log(
      `dump: exit ${r.code}, ${r.wallS.toFixed(2)} s wall, ${r.cpuS?.toFixed(2)} s CPU, ${r.maxRssMiB?.toFixed(1)} MiB`,
    );
  } finally {
    await nginx.stop();
  }
} else {
  const server = await startEmbedded(media.dir, prof);
  try {
    const url = `rtmp://127.0.0.1:${server.port}/live/profile`;
    const player = livePlayer(url, out);
    await player.playing;
    const pub = await ffmpegPublish(media.big.path, url);
    await player.done;
    log(`relay: publisher exit ${pub.code}, ${pub.wallS.toFixed(2)} s wall`);
  } finally {
    await server.stop(); // the profile is written at exit
  }
}
rmSync(out, { force: true });
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no .cpuprofile in ${dir}`);
const top = topFunctions(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, Number(values.top));
process.stdout.write(`${join(dir, file)}\n\n  self ms      %  function  (location)\n`);
for (const f of top) {
  process.stdout.write(
    `${f.selfMs.toFixed(0).padStart(8)}  ${f.percent.toFixed(1).padStart(5)}  ${f.name}${f.location ? `  (${f.location})` : ''}\n`,
  );
}
