/**
 * The live relay's RTMP floor: `node floor-relay.js` listens on a free loopback port,
 * prints `{"port":N}` and relays what a publisher sends to the players of its stream, with
 * no library — the least a Node RTMP server spends relaying, for the relay row's floor.
 * Serves until SIGTERM/SIGINT.
 *
 * What it does, and nothing more:
 * - the plain handshake, server side (RTMP-SPEC §5.2: S1 with a zero version field, S2
 *   echoes C1, C2 is read and ignored);
 * - the chunk stream of each client (floor-chunks.js `ChunkIn`; default socket reads, a
 *   fresh Buffer each);
 * - commands (AMF0): `connect` → Set Chunk Size 4096 and `_result` with
 *   NetConnection.Connect.Success; `createStream` → `_result` with stream 1; `publish` →
 *   onStatus NetStream.Publish.Start; `play` → StreamBegin and onStatus
 *   NetStream.Play.Start; any other command with a transaction id → `_result` (null);
 * - relaying: a publisher's audio and video messages go to each player of its stream as
 *   they arrive — a format-0 header, then the body as views of the publisher's read in
 *   4 KiB chunks — its data messages whole (`@setDataFrame` taken off, as servers do);
 *   what one read of the publisher produced is joined once (one copy) and written to
 *   every player, and a player whose socket is full pauses the publisher until it drains;
 * - the publisher's end (its socket closed, or deleteStream/FCUnpublish): each player gets
 *   onStatus NetStream.Play.UnpublishNotify and its connection is ended.
 * Not handled: AMF3 commands, more than one stream per connection, late joiners' decoder
 * configuration (players are there before the publisher starts, as in the relay row).
 */
import { createServer, type Socket } from 'node:net';
import {
  amfNull,
  amfNumber,
  amfObject,
  amfString,
  ChunkIn,
  chunkData,
  chunkHeader,
  type InMessage,
  message,
  OUT_CHUNK,
  u32,
} from './floor-chunks.js';

const HANDSHAKE = 1536;
const STREAM_ID = 1;
const SET_DATA_FRAME = amfString('@setDataFrame');

/** A client: its socket, chunk stream, role and what is queued for it. */
interface Client {
  socket: Socket;
  chunks: ChunkIn;
  /** Handshake bytes still to read (C0 C1, then C2). */
  handshake: Buffer;
  handshook: number;
  stage: 'c0c1' | 'c2' | 'chunks';
  name?: string;
  role?: 'publisher' | 'player';
  /** A publisher's output for its players from its current read. */
  pieces: Buffer[];
  /** The chunk header of the message a publisher is relaying. */
  head?: Buffer;
}

const players = new Map<string, Set<Client>>();

/** The AMF0 string at `at` of `b` and where it ends, or undefined. */
function amfStringAt(b: Buffer, at: number): [string, number] | undefined {
  if (b[at] !== 0x02 || at + 3 > b.length) return undefined;
  const n = b.readUInt16BE(at + 1);
  return [b.toString('utf8', at + 3, at + 3 + n), at + 3 + n];
}

const status = (code: string): Buffer =>
  message(
    5,
    20,
    STREAM_ID,
    Buffer.concat([
      amfString('onStatus'),
      amfNumber(0),
      amfNull,
      amfObject({ level: 'status', code, description: code }),
    ]),
  );
const result = (txn: number, value: Buffer): Buffer =>
  message(3, 20, 0, Buffer.concat([amfString('_result'), amfNumber(txn), amfNull, value]));

/** The publisher `c` ended: its players are told and let go. */
function unpublished(c: Client): void {
  if (c.role !== 'publisher' || c.name === undefined) return;
  const set = players.get(c.name);
  players.delete(c.name);
  c.role = undefined;
  // What this read of the publisher produced so far goes first.
  const last = Buffer.concat([...c.pieces, status('NetStream.Play.UnpublishNotify')]);
  c.pieces = [];
  for (const p of set ?? []) p.socket.end(last);
}

/** A command message of `c`. */
function command(c: Client, body: Buffer): void {
  const name = amfStringAt(body, 0);
  if (!name || body[name[1]] !== 0x00) return;
  const [method, at] = name;
  const txn = body.readDoubleBE(at + 1);
  const arg = amfStringAt(body, at + 10); // after the transaction id and a null command object
  if (method === 'connect') {
    c.socket.write(
      Buffer.concat([
        message(2, 1, 0, u32(OUT_CHUNK)),
        result(txn, amfObject({ level: 'status', code: 'NetConnection.Connect.Success', description: 'ok' })),
      ]),
    );
  } else if (method === 'createStream') {
    c.socket.write(result(txn, amfNumber(STREAM_ID)));
  } else if (method === 'publish' && arg) {
    c.role = 'publisher';
    c.name = arg[0];
    c.socket.write(status('NetStream.Publish.Start'));
  } else if (method === 'play' && arg) {
    c.role = 'player';
    c.name = arg[0];
    const set = players.get(c.name) ?? new Set<Client>();
    set.add(c);
    players.set(c.name, set);
    const begin = Buffer.alloc(6);
    begin.writeUInt32BE(STREAM_ID, 2);
    c.socket.write(Buffer.concat([message(2, 4, 0, begin), status('NetStream.Play.Start')]));
  } else if (method === 'deleteStream' || method === 'FCUnpublish') {
    unpublished(c);
  } else if (txn > 0) {
    c.socket.write(result(txn, amfNull));
  }
}

/** The players of `c`'s stream, when `c` publishes. */
const audience = (c: Client): Set<Client> | undefined =>
  c.role === 'publisher' && c.name !== undefined ? players.get(c.name) : undefined;

function accept(socket: Socket): void {
  socket.setNoDelay(true);
  const c: Client = {
    socket,
    handshake: Buffer.alloc(1 + HANDSHAKE),
    handshook: 0,
    stage: 'c0c1',
    pieces: [],
    chunks: new ChunkIn({
      stream: (m: InMessage): boolean => {
        const to = audience(c);
        if (!to || (m.type !== 8 && m.type !== 9)) return false;
        c.head = chunkHeader(m.type === 8 ? 4 : 6, m.type, m.ts, STREAM_ID, m.length);
        c.pieces.push(c.head);
        return true;
      },
      data: (m: InMessage, view: Buffer): void => {
        chunkData(c.pieces, c.head!, view, m.filled);
      },
      end: (): void => {},
      message: (m: InMessage, body: Buffer): void => {
        if (m.type === 20) command(c, body);
        else if (m.type === 18) {
          const data = body.subarray(0, SET_DATA_FRAME.length).equals(SET_DATA_FRAME)
            ? body.subarray(SET_DATA_FRAME.length)
            : body;
          if (audience(c)) {
            const head = chunkHeader(5, 18, m.ts, STREAM_ID, data.length);
            c.pieces.push(head);
            chunkData(c.pieces, head, data, 0);
          }
        }
      },
    }),
  };
  socket.on('data', (b: Buffer) => {
    let p = 0;
    if (c.stage !== 'chunks') {
      p = Math.min(b.length, c.handshake.length - c.handshook);
      b.copy(c.handshake, c.handshook, 0, p);
      c.handshook += p;
      if (c.handshook < c.handshake.length) return;
      if (c.stage === 'c0c1') {
        // S0, S1 (time and version zero, the rest zeros), S2 = C1.
        socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(HANDSHAKE), c.handshake.subarray(1)]));
        c.stage = 'c2';
        c.handshake = Buffer.alloc(HANDSHAKE);
        c.handshook = 0;
        const rest = Math.min(b.length - p, HANDSHAKE);
        b.copy(c.handshake, 0, p, p + rest);
        c.handshook = rest;
        p += rest;
        if (c.handshook < HANDSHAKE) return;
      }
      c.stage = 'chunks';
    }
    c.chunks.push(b, p, b.length);
    if (c.pieces.length === 0) return;
    const out = Buffer.concat(c.pieces);
    c.pieces = [];
    for (const player of audience(c) ?? []) {
      const full = !player.socket.write(out);
      if (full && !socket.isPaused()) {
        socket.pause();
        player.socket.once('drain', () => socket.resume());
      }
    }
  });
  socket.on('close', () => {
    unpublished(c);
    if (c.role === 'player' && c.name !== undefined) players.get(c.name)?.delete(c);
  });
  socket.on('error', () => socket.destroy());
}

const server = createServer(accept);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`);
});
process.once('SIGTERM', () => process.exit(0));
process.once('SIGINT', () => process.exit(0));
