/**
 * Downloads a recorded stream with rtmpkit's client as fast as the server sends it
 * (rtmpdump's 10 h buffer), for reconnect tests: the FLV bytes read, the
 * `reconnecting`/`reconnected` events with their causes, and the error that ended the
 * read, if any (the connection is closed either way).
 */
import type { ReconnectingInfo } from '../../src/client/reconnect.js';
import { RTMP } from '../../src/index.js';

/** rtmpdump's 10 h buffer: the server sends as fast as the socket takes it. */
const FAST = 36_000_000;

/** Reads `url` to its end with `options` (timeout 10 s unless given). */
export async function download(url: string, options: ConstructorParameters<typeof RTMP>[1] = {}) {
  const conn = new RTMP(url, { timeout: 10, buffer: FAST, ...options });
  const events: string[] = [];
  const causes: unknown[] = [];
  conn.on('reconnecting', (i: ReconnectingInfo) => {
    events.push(`reconnecting ${i.attempt}/${i.retries}`);
    causes.push(i.cause);
  });
  conn.on('reconnected', (i) => events.push(`reconnected ${i.attempt}`));
  await conn.connect();
  const stream = await conn.createStream();
  const parts: Buffer[] = [];
  let error: unknown;
  try {
    for (let b = await stream.read(); b.length > 0; b = await stream.read()) parts.push(Buffer.from(b));
  } catch (err) {
    error = err;
  }
  await conn.close();
  return { flv: Buffer.concat(parts), events, causes, error };
}
