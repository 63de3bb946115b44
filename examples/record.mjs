// Record a live stream to an FLV file: whole tags only, so the file is valid whenever the
// recording stops — when the publisher stops, after SECONDS, or on Ctrl-C.
//
//   rtmpkit serve                                          # terminal 1
//   node examples/record.mjs rtmp://127.0.0.1/live/cam cam.flv 30   # terminal 2
//   node examples/publish.mjs rtmp://127.0.0.1/live/cam               # terminal 3
//
// Works the same against any RTMP server (nginx-rtmp, a CDN ingest's playback URL…).
import { createWriteStream } from 'node:fs';
import { FlvMuxer, RTMP } from 'rtmpkit';

const [url = 'rtmp://127.0.0.1:1935/live/example', file = 'recording.flv', seconds = '60'] =
  process.argv.slice(2);

const conn = new RTMP(url, { live: true, timeout: 30 });
await conn.connect();
const stream = await conn.createStream(); // play; waits for a publisher on servers that allow that

const stop = new AbortController();
const timer = setTimeout(() => stop.abort(), Number(seconds) * 1000);
process.once('SIGINT', () => stop.abort());

const out = createWriteStream(file);
const muxer = new FlvMuxer();
out.write(muxer.header({ audio: true, video: true }));
let tags = 0;
try {
  for await (const packet of stream.packets({ signal: stop.signal })) {
    const type = { audio: 8, video: 9, data: 18 }[packet.type];
    const pieces = muxer.writeTag({ type, timestamp: packet.timestamp, payload: packet.payload });
    if (!out.write(Buffer.concat(pieces))) await new Promise((resolve) => out.once('drain', resolve));
    tags++;
  }
} catch (err) {
  if (!stop.signal.aborted) throw err; // Ctrl-C or the time limit: a normal end
}
clearTimeout(timer);
await new Promise((resolve) => out.end(resolve));
console.log(`recorded ${tags} tags into ${file}`);
await conn.close();
