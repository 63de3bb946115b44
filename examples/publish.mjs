// Publish an FLV file to a live application, paced in real time by the tags' timestamps
// (as an encoder would send it: live servers and their players expect that pace).
//
//   rtmpkit serve                                                   # terminal 1
//   node examples/publish.mjs rtmp://127.0.0.1/live/cam movie.flv  # terminal 2
//
// Without FILE it publishes 5 s of rtmpkit's built-in test media (H.264 + AAC).
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlvDemuxer, FlvMuxer, makeTestFlv, RTMP } from 'rtmpkit';

const [url = 'rtmp://127.0.0.1:1935/live/example', file] = process.argv.slice(2);
const flv = file === undefined ? makeTestFlv(5) : await readFile(file);

const conn = new RTMP(url, { publish: true, timeout: 10 });
await conn.connect();
const stream = await conn.createStream({ writeable: true }); // releaseStream, FCPublish, publish

const demuxer = new FlvDemuxer();
const muxer = new FlvMuxer();
const tags = demuxer.push(flv);
demuxer.end(); // throws when the file ends inside a tag
const started = performance.now();
for (const tag of tags) {
  const wait = started + tag.timestamp - performance.now();
  if (wait > 0) await sleep(wait);
  await stream.write(Buffer.concat(muxer.writeTag(tag))); // waits while the socket is full
}
console.log(`published ${stream.tagsWritten} tags to ${url}`);
await stream.close(); // FCUnpublish + deleteStream once everything is sent
await conn.close();
