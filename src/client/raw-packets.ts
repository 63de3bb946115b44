/**
 * The raw packet API of an `RTMP` connection (python-librtmp's `read_packet`,
 * `send_packet`, `handle_packet`), for a core that always runs: every message is
 * processed as it arrives, and `readPacket()` taps a bounded copy of the stream of
 * messages from its first call on (the session attaches each message to its one event
 * while tapping), so python-librtmp's "call handle_packet or the session desyncs"
 * footgun is gone.
 *
 * `handlePacket` returns librtmp's `RTMP_ClientPacket` classification: 1 media (audio,
 * video, aggregate, onMetaData), 2 end of stream (onStatus Play.Complete / Play.Stop /
 * Play.UnpublishNotify), 0 other. A packet that came from `readPacket` was already
 * handled when it arrived (its class is what its event said); a packet you built that is
 * an INVOKE runs the matching invoke handler.
 *
 * Invariants: the tap holds at most `limits.packetQueue` packets (the oldest dropped and
 * counted); a `readPacket` that times out or is aborted leaves no waiter behind.
 */
import { decode as decodeAmf0 } from '../amf/amf0.js';
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import type { SessionEvent } from '../session/client-events.js';
import type { ClientSession } from '../session/client-session.js';
import type { RemoteCalls } from './remote-calls.js';
import { PacketType, RTMPPacket } from './rtmp-packet.js';
import { checkSeconds, type Deferred, deferred, waitFor } from './waiters.js';

/** Options of `readPacket`. */
export interface ReadPacketOptions {
  /** Seconds to wait (RTMPTimeoutError after). */
  timeout?: number;
  signal?: AbortSignal;
}

/** What the raw packet API needs of its connection. */
export interface PacketLink {
  /** The session once connected (throws otherwise). */
  connectedSession(): ClientSession;
  /** The session, if one exists (tapping starts on it). */
  currentSession(): ClientSession | undefined;
  /** True while the transport is open. */
  open(): boolean;
  /** Why reading is impossible now that the connection is closed. */
  closedError(what: string): unknown;
  /** Flushes what the session queued. */
  kick(): void;
  /** Someone began waiting for the server (restarts the idle clock). */
  waitStarted(): void;
  /** Resolves when the socket's write buffer drained. */
  waitDrain(): Promise<void>;
  /** True while the socket's write buffer is full. */
  needsDrain(): boolean;
  /** The calls, to expect answers to queued INVOKEs and run handlers. */
  readonly calls: RemoteCalls;
  /** How many packets the tap keeps (`limits.packetQueue`). */
  readonly packetQueue: number;
}

/** End-of-stream status codes of librtmp's `RTMP_ClientPacket` (return 2). */
const EOF_CODES = new Set([
  'NetStream.Play.Complete',
  'NetStream.Play.Stop',
  'NetStream.Play.UnpublishNotify',
]);

/** The tap and the raw packet calls. */
export class RawPackets {
  readonly #link: PacketLink;
  #tap: RTMPPacket[] | undefined;
  #waiters: Deferred<void>[] = [];
  /** Packets that came off the wire, with the class their event gave them. */
  readonly #wire = new WeakMap<RTMPPacket, number>();
  #dropped = 0;

  constructor(link: PacketLink) {
    this.#link = link;
  }

  /** Packets `readPacket()` dropped because nobody read them in time. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Whether a `readPacket` waits for the server (the idle timeout applies then). */
  get waiting(): boolean {
    return this.#waiters.length > 0;
  }

  /** Forgets the tap (a new connection starts); the new session taps when one was asked for. */
  reset(): void {
    this.#tap = undefined;
    this.#waiters = [];
  }

  /** An event: its message joins the tap while tapping. */
  onEvent(ev: SessionEvent): void {
    const tap = this.#tap;
    if (tap === undefined || ev.kind === 'handshake' || ev.kind === 'timeout' || ev.kind === 'closed') return;
    const raw = ev.raw;
    if (raw === undefined) return;
    const packet = RTMPPacket.fromRawMessage(raw);
    this.#wire.set(packet, classify(ev));
    tap.push(packet);
    while (tap.length > this.#link.packetQueue) {
      tap.shift();
      this.#dropped++;
    }
    this.#wake();
  }

  /** The connection closed: waiting reads see it. */
  closed(): void {
    this.#wake();
  }

  /** `RTMP.readPacket` (see there). */
  async readPacket(options: ReadPacketOptions): Promise<RTMPPacket> {
    const timeoutSec = checkSeconds('timeout', options.timeout);
    if (this.#tap === undefined) {
      this.#tap = [];
      const s = this.#link.currentSession();
      if (s !== undefined) s.tapRaw = true;
    }
    for (;;) {
      const p = this.#tap.shift();
      if (p !== undefined) return p;
      if (!this.#link.open()) throw this.#link.closedError('read a packet');
      const d = deferred<void>();
      this.#waiters.push(d);
      this.#link.waitStarted();
      await waitFor(d.promise, {
        timeoutSec,
        signal: options.signal,
        what: 'reading a packet',
        onGiveUp: () => {
          this.#waiters = this.#waiters.filter((w) => w !== d);
        },
      });
    }
  }

  /** Whether the tap is on (a new session starts tapping at once). */
  get tapping(): boolean {
    return this.#tap !== undefined;
  }

  /** `RTMP.sendPacket` (see there). */
  async sendPacket(packet: RTMPPacket, options: { queue?: boolean }): Promise<void> {
    if (!(packet instanceof RTMPPacket)) {
      throw new RTMPUsageError('sendPacket() needs an RTMPPacket', { code: UsageCode.RTMP_BAD_ARGUMENT });
    }
    const session = this.#link.connectedSession();
    const queue = options.queue ?? true;
    const isInvoke = packet.type === PacketType.INVOKE || packet.type === PacketType.FLEX_MESSAGE;
    session.sendRaw(packet.toRawMessage(), { track: queue && isInvoke });
    if (queue && isInvoke) {
      const [name, txn] = invokeHead(packet);
      if (typeof txn === 'number' && txn !== 0)
        this.#link.calls.expect(txn, typeof name === 'string' ? name : undefined);
    }
    this.#link.kick();
    if (this.#link.needsDrain()) await this.#link.waitDrain();
  }

  /** `RTMP.handlePacket` (see there). */
  async handlePacket(packet: RTMPPacket): Promise<number> {
    if (!(packet instanceof RTMPPacket)) {
      throw new RTMPUsageError('handlePacket() needs an RTMPPacket', { code: UsageCode.RTMP_BAD_ARGUMENT });
    }
    const known = this.#wire.get(packet);
    if (known !== undefined) return known;
    const isInvoke = packet.type === PacketType.INVOKE || packet.type === PacketType.FLEX_MESSAGE;
    if (isInvoke) await this.#link.calls.handleInvokeBody(invokeBody(packet), packet.streamId);
    return classifyBuilt(packet);
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const d of w) d.resolve();
  }
}

/** librtmp's class of a message, from the event the session made of it. */
function classify(ev: SessionEvent): number {
  switch (ev.kind) {
    case 'media':
      return 1;
    case 'data':
      return ev.name === 'onMetaData' && !ev.amf3 && !ev.dataFrame ? 1 : 0;
    case 'status':
      // Only a command onStatus (not a data message, not onPlayStatus) ends the stream for
      // librtmp (its HandleInvoke, for INVOKE and FLEX_MESSAGE alike).
      return ev.name === 'onStatus' && !ev.dataMessage && EOF_CODES.has(ev.info.code ?? '') ? 2 : 0;
    default:
      return 0;
  }
}

/** librtmp's class of a packet you built (decoded: it never went through the session). */
function classifyBuilt(packet: RTMPPacket): number {
  const t = packet.type;
  if (t === PacketType.AUDIO || t === PacketType.VIDEO || t === PacketType.FLASH_VIDEO) return 1;
  try {
    if (t === PacketType.INFO) return decodeAmf0(packet.body)[0] === 'onMetaData' ? 1 : 0;
    if (t === PacketType.INVOKE) {
      const v = decodeAmf0(packet.body);
      const info = v[3] as { code?: unknown } | undefined;
      const code = info !== null && typeof info === 'object' ? info.code : undefined;
      return v[0] === 'onStatus' && typeof code === 'string' && EOF_CODES.has(code) ? 2 : 0;
    }
  } catch {
    return 0;
  }
  return 0;
}

/** An INVOKE's AMF0 values (a type-17 body starts with a format byte). */
function invokeBody(packet: RTMPPacket): Buffer {
  return packet.type === PacketType.FLEX_MESSAGE ? packet.body.subarray(1) : packet.body;
}

/** Name and transaction id of an INVOKE packet, when they decode. */
function invokeHead(packet: RTMPPacket): [unknown, unknown] {
  try {
    const v = decodeAmf0(invokeBody(packet));
    return [v[0], v[1]];
  } catch {
    return [undefined, undefined];
  }
}
