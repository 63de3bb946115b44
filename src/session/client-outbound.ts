/**
 * The outgoing side of a `ClientSession` before the pipeline: messages queued until the
 * handshake completes, and when our Set Chunk Size goes out (RTMP-SPEC §5.4.1).
 *
 * Invariants: nothing but C0+C1 and C2 goes out before S2 has been read; then a chunk
 * size the user chose is announced first, then whatever was queued meanwhile, in order.
 * The default size is announced only before the first media or data message, so a
 * player's commands go in the 128-byte chunks of §5.4.1 as librtmp's do: librtmp's own
 * server tools (rtmpsuck, rtmpsrv) ignore a client's Set Chunk Size and would misread
 * the connect that follows one.
 */
import type { ClientHandshakeInfo } from '../handshake/client.js';
import type { RawMessage } from '../message/raw-message.js';
import { MessageType } from '../message/types.js';
import type { InboundPipeline } from './inbound.js';

/** What the outgoing side needs of the pipeline. */
type OutboundPipe = Pick<InboundPipeline<ClientHandshakeInfo>, 'handshakeDone' | 'sendRaw' | 'setChunkSize'>;

/** Deferred sends and the chunk-size announcement of a `ClientSession` (see the module comment). */
export class ClientOutbound {
  readonly #pipe: OutboundPipe;
  /** Messages queued before the handshake completed. */
  #deferred: RawMessage[] = [];
  #chunkSize: number;
  /** Whether our chunk size was announced. */
  #announced = false;
  /** Whether the user chose the size (announced right after the handshake). */
  readonly #chosen: boolean;

  /** Creates the outgoing side over `pipe`; `chunkSize` is the user's choice, if any (default 4096). */
  constructor(pipe: OutboundPipe, chunkSize: number | undefined) {
    this.#pipe = pipe;
    this.#chunkSize = chunkSize ?? 4096;
    this.#chosen = chunkSize !== undefined;
  }

  /** Our outgoing chunk size: announced, or to be announced. */
  get chunkSize(): number {
    return this.#chunkSize;
  }

  /** Sets our outgoing chunk size (a checked value); announced at once after the handshake. */
  setChunkSize(size: number): void {
    this.#chunkSize = size;
    if (this.#pipe.handshakeDone) this.#announce();
  }

  /** Sends `raw` now, or queues it until the handshake completes. */
  send(raw: RawMessage): void {
    if (!this.#pipe.handshakeDone) {
      this.#deferred.push(raw);
      return;
    }
    if (!this.#announced && !isCommandOrControl(raw.type)) this.#announce();
    this.#pipe.sendRaw(raw);
  }

  /**
   * The handshake completed: a chosen chunk size goes out first, then everything queued
   * meanwhile through `send` (media among it announces the default size before itself).
   */
  handshakeDone(send: (raw: RawMessage) => void): void {
    if (this.#chosen) this.#announce();
    const deferred = this.#deferred;
    this.#deferred = [];
    for (const raw of deferred) send(raw);
  }

  /** Drops the queued messages (the session closed). */
  clear(): void {
    this.#deferred = [];
  }

  #announce(): void {
    this.#announced = true;
    this.#pipe.setChunkSize(this.#chunkSize);
  }
}

/** Commands and protocol/user control messages: what a player sends (types 1–6, 17, 20). */
function isCommandOrControl(type: number): boolean {
  return type <= 6 || type === MessageType.CommandAMF3 || type === MessageType.CommandAMF0;
}
