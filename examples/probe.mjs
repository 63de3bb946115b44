// Probe a stream: connect, play a few seconds, print the server's answer, the stream's
// metadata and what the audio and video packets carry.
//
//   rtmpkit serve                       # in another terminal: serves vod/test
//   node examples/probe.mjs [URL] [SECONDS]
//
// Default URL: rtmp://127.0.0.1:1935/vod/test (the built-in test stream of `rtmpkit serve`).
import { parseMediaPayload, RTMP } from 'rtmpkit';

const [url = 'rtmp://127.0.0.1:1935/vod/test', seconds = '3'] = process.argv.slice(2);

const conn = new RTMP(url, { timeout: 10 });
const info = await conn.connect(); // RTMPError when the server refuses
console.log('server:', info.code, conn.serverProperties?.fmsVer ?? '');

const stream = await conn.createStream();
const window = AbortSignal.timeout(Number(seconds) * 1000);
const tracks = { audio: { packets: 0, bytes: 0 }, video: { packets: 0, bytes: 0 } };
try {
  for await (const packet of stream.packets({ signal: window })) {
    if (packet.type === 'data') continue;
    const track = tracks[packet.type];
    track.bytes += packet.payload.length;
    if (track.packets++ === 0 || packet.sequenceHeader) {
      // The first packet / the decoder configuration says which codec this is.
      const [parsed] = parseMediaPayload(packet.type === 'video' ? 9 : 8, packet.payload);
      track.codec = parsed?.codec ?? track.codec;
    }
  }
} catch (err) {
  if (!window.aborted) throw err; // the time is up: not an error
}
console.log('metadata:', stream.metadata ?? 'none');
for (const [kind, t] of Object.entries(tracks)) {
  console.log(`${kind}: ${t.codec ?? 'none'}, ${t.packets} packets, ${t.bytes} bytes`);
}
await conn.close();
