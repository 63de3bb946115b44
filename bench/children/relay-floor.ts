/**
 * Child process for the live relay's floor: what Node costs to move the relay's bytes
 * with no RTMP at all. `node relay-floor.js` listens on two free loopback ports and
 * prints `{"port":P,"publishPort":Q}`: a player fetches `http://127.0.0.1:P/` (answered
 * with a bare HTTP/1.0 200, then the bytes), a publisher connects to Q and sends its
 * stream (ffmpeg `-f flv tcp://…`); every read of the publisher is written as it is to
 * the player, with the socket's own backpressure (pause on a full buffer, resume on
 * 'drain'), and the player's response ends when the publisher does. Default reads (a
 * fresh Buffer per read) and writes, as a plain Node relay would have. Serves until
 * SIGTERM/SIGINT.
 */
import { createServer, type Socket } from 'node:net';

let player: Socket | undefined;
let waiting: Socket | undefined;

/** The publisher's bytes go to the current player. */
function relay(pub: Socket, to: Socket): void {
  pub.on('data', (d: Buffer) => {
    if (!to.write(d)) {
      pub.pause();
      to.once('drain', () => pub.resume());
    }
  });
  pub.on('end', () => to.end());
  pub.on('error', () => to.destroy());
  to.on('error', () => pub.destroy());
}

const players = createServer((s) => {
  s.setNoDelay(true);
  let head = '';
  const onHead = (d: Buffer): void => {
    head += d.toString('latin1');
    if (!head.includes('\r\n\r\n')) return;
    s.off('data', onHead);
    s.write('HTTP/1.0 200 OK\r\nContent-Type: video/x-flv\r\n\r\n');
    player = s;
    if (waiting) {
      relay(waiting, s);
      waiting.resume();
      waiting = player = undefined;
    }
  };
  s.on('data', onHead);
  s.on('error', () => {});
});
const publishers = createServer((s) => {
  s.setNoDelay(true);
  if (player) relay(s, player);
  else {
    s.pause();
    waiting = s;
  }
  player = undefined;
});
const listen = (srv: typeof players): Promise<number> =>
  new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port)),
  );
const port = await listen(players);
const publishPort = await listen(publishers);
process.stdout.write(`${JSON.stringify({ port, publishPort })}\n`);
const stop = (): void => process.exit(0);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
