// Publish a file (FLV, or MP4 with H.264/HEVC/AV1/VP9 and AAC/Opus/…) to a live
// application, paced in real time by its timestamps (as an encoder would send it: live
// servers and their players expect that pace).
//
//   rtmpkit serve                                                   # terminal 1
//   node examples/publish.mjs rtmp://127.0.0.1/live/cam movie.mp4  # terminal 2
//
// Without FILE it publishes 5 s of rtmpkit's built-in test media (H.264 + AAC).
// Ctrl-C stops publishing and closes the stream cleanly.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestFlv, RTMP } from 'rtmpkit';

const [url = 'rtmp://127.0.0.1:1935/live/example', given] = process.argv.slice(2);
let file = given;
if (file === undefined) {
  file = join(tmpdir(), `rtmpkit-example-${process.pid}.flv`);
  await writeFile(file, makeTestFlv(5));
}

const conn = new RTMP(url, { publish: true, timeout: 10 });
await conn.connect();
const stream = await conn.createStream({ writeable: true }); // releaseStream, FCPublish, publish

const stop = new AbortController();
process.once('SIGINT', () => stop.abort(new Error('interrupted')));
try {
  // Paced by the tag timestamps; { realtime: false } sends as fast as the socket takes it.
  const { format } = await stream.publishFile(file, { signal: stop.signal });
  console.log(`published ${stream.tagsWritten} tags to ${url} (${format})`);
} catch (err) {
  if (!stop.signal.aborted) throw err;
  console.log(`stopped after ${stream.tagsWritten} tags`);
}
await stream.close(); // FCUnpublish + deleteStream once everything is sent
await conn.close();
