// Relay (restream): play one stream and publish it to another server or name, as it
// arrives. Node streams carry the FLV bytes with backpressure end to end: a slow
// destination slows the reading from the source.
//
//   rtmpkit serve                                                                  # terminal 1
//   node examples/relay.mjs rtmp://127.0.0.1/vod/test rtmp://127.0.0.1/live/copy  # terminal 2
//   rtmpkit dump -v -r rtmp://127.0.0.1/live/copy -o copy.flv                      # terminal 3
//
// SOURCE may be live (add ` live=1`, librtmp's option syntax) or recorded.
import { pipeline } from 'node:stream/promises';
import { RTMP } from 'rtmpkit';

const [from = 'rtmp://127.0.0.1:1935/vod/test', to = 'rtmp://127.0.0.1:1935/live/relay'] =
  process.argv.slice(2);

const source = new RTMP(from, { timeout: 30 });
const destination = new RTMP(to, { publish: true, timeout: 30 });
await Promise.all([source.connect(), destination.connect()]);
const [input, output] = await Promise.all([
  source.createStream(),
  destination.createStream({ writeable: true }),
]);

// FLV out of the source, FLV into the destination; ending the output unpublishes.
await pipeline(input.toReadable(), output.toWritable());
console.log(`relayed ${output.tagsWritten} tags from ${from} to ${to}`);
await Promise.all([source.close(), destination.close()]);
