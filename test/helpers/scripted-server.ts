/**
 * A scripted RTMP server on 127.0.0.1 for wire-level tests against any client (rtmpkit,
 * rtmpdump, python-librtmp): the handshake (ServerHandshake), then the chunk reader and
 * writer only — every client message is recorded raw (exact bytes, e.g. an AMF string
 * that is not UTF-8) and decoded when it decodes, and the test's `onMessage` answers.
 * Helpers answer connect and createStream the usual way. Test-only, small and explicit.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { AMFObject, type AmfValue } from '../../src/amf/types.js';
import { ChunkReader } from '../../src/chunk/reader.js';
import { ChunkWriter } from '../../src/chunk/writer.js';
import { ServerHandshake } from '../../src/handshake/server.js';
import { command, setPeerBandwidth, streamBegin, windowAckSize } from '../../src/message/builders.js';
import { decodeMessage, encodeMessage } from '../../src/message/codec.js';
import type { RawMessage } from '../../src/message/raw-message.js';
import type { Message } from '../../src/message/types.js';

/** One client connection of the scripted server. */
export class ScriptedConn {
  readonly socket: Socket;
  /** Every client message, raw, in order. */
  readonly raws: RawMessage[] = [];
  /** The same, decoded (undefined where it does not decode). */
  readonly messages: (Message | undefined)[] = [];
  readonly #writer = new ChunkWriter();

  constructor(socket: Socket) {
    this.socket = socket;
  }

  /** Sends typed messages (in one write). */
  send(...msgs: Message[]): void {
    this.sendRaw(...msgs.map((m) => encodeMessage(m)));
  }

  /** Sends raw messages (in one write). */
  sendRaw(...raws: RawMessage[]): void {
    const out: Buffer[] = [];
    for (const r of raws) out.push(...this.#writer.write(r));
    if (!this.socket.destroyed) this.socket.write(Buffer.concat(out));
  }

  /** The chunk bytes `raws` would be sent as (to cut a message in the middle). */
  chunks(...raws: RawMessage[]): Buffer {
    const out: Buffer[] = [];
    for (const r of raws) out.push(...this.#writer.write(r));
    return Buffer.concat(out);
  }

  /** nginx-rtmp's answer to connect: Window Ack Size, Set Peer Bandwidth, StreamBegin 0, `_result` (with `info` merged). */
  acceptConnect(txn: number, info: Record<string, AmfValue> = {}): void {
    this.send(
      windowAckSize(5_000_000),
      setPeerBandwidth(5_000_000, 2),
      streamBegin(0),
      command(
        '_result',
        txn,
        new AMFObject({ fmsVer: 'FMS/3,0,1,123', capabilities: 31 }),
        new AMFObject({ level: 'status', code: 'NetConnection.Connect.Success', description: 'ok', ...info }),
      ),
    );
  }

  /** Commands received, decoded. */
  commands(): Extract<Message, { kind: 'command' }>[] {
    return this.messages.filter((m): m is Extract<Message, { kind: 'command' }> => m?.kind === 'command');
  }
}

/** A running scripted server. */
export interface ScriptedServer {
  port: number;
  url(path?: string): string;
  conns: ScriptedConn[];
  close(): Promise<void>;
}

/**
 * Starts a scripted server on a free port. `onMessage` sees every client message (raw and
 * decoded) of every connection; by default connect is accepted and createStream answered 1.
 */
export async function startScriptedServer(
  onMessage: (c: ScriptedConn, msg: Message | undefined, raw: RawMessage) => void = defaultAnswers,
): Promise<ScriptedServer> {
  const conns: ScriptedConn[] = [];
  const server: Server = createServer((socket) => {
    socket.on('error', () => {});
    const c = new ScriptedConn(socket);
    conns.push(c);
    const hs = new ServerHandshake();
    const reader = new ChunkReader();
    let hsDone = false;
    socket.on('data', (d: Buffer) => {
      let data = d;
      if (!hsDone) {
        const step = hs.receive(data);
        for (const b of step.send) socket.write(b);
        if (!step.done) return;
        hsDone = true;
        data = step.rest ?? Buffer.alloc(0);
      }
      for (const raw of reader.push(Buffer.from(data))) {
        let msg: Message | undefined;
        try {
          msg = decodeMessage(raw);
        } catch {
          msg = undefined;
        }
        c.raws.push(raw);
        c.messages.push(msg);
        onMessage(c, msg, raw);
      }
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: (path = 'app/stream') => `rtmp://127.0.0.1:${port}/${path}`,
    conns,
    close: () =>
      new Promise<void>((res) => {
        for (const c of conns) c.socket.destroy();
        server.close(() => res());
      }),
  };
}

/** Accepts connect, answers createStream with stream id 1; ignores everything else. */
export function defaultAnswers(c: ScriptedConn, msg: Message | undefined): void {
  if (msg?.kind !== 'command') return;
  if (msg.name === 'connect') c.acceptConnect(msg.transactionId);
  else if (msg.name === 'createStream') c.send(command('_result', msg.transactionId, null, 1));
}
