/**
 * Acknowledgement and flow-control accounting (RTMP-SPEC §5.4.3 Acknowledgement,
 * §5.4.4 Window Acknowledgement Size, §5.4.5 Set Peer Bandwidth).
 * Pure bookkeeping over byte counts: the session feeds it the reader's
 * `bytesReceived`, the writer's byte counts and the peer's control messages, and it
 * says what to send. No clocks, no I/O.
 *
 * Invariants:
 * - Counters are 32-bit serials; every comparison is modulo 2^32, so the 4 GiB wrap
 *   needs no special case as long as `ackDue` is consulted before 2^32 − window more
 *   bytes arrive (after every push in practice).
 * - Inbound: an Acknowledgement is due when `received − lastAcknowledged ≥ window ×
 *   ratio` (ratio 1 = the spec's rule; FFmpeg uses ½). Its sequence number is the
 *   received total mod 2^32.
 * - Outbound: the peer's acks are advisory. In-flight = (sent − acked) mod 2^32; an ack
 *   that goes backwards, repeats, or claims more than was sent (Flash/NMS wrapping at
 *   0xF0000000, YouTube's constant increments, as SRS and Node-Media-Server saw them) is taken as "everything so far"
 *   and counted in `ackAnomalies` (a count at most 4 KiB ahead — peers that also
 *   count handshake bytes — is not an anomaly). Nothing here blocks.
 */
import { chunkUsageError } from './errors.js';

/** How far ahead of our count an ack may be without being an anomaly (C0+C1+C2 = 3073 bytes, rounded up). */
const ACK_SLACK = 4096;

/** Set Peer Bandwidth limit types (RTMP-SPEC §5.4.5). */
export const PeerBandwidthLimit = { Hard: 0, Soft: 1, Dynamic: 2 } as const;

/** Options of an AckTracker. */
export interface AckTrackerOptions {
  /** Acknowledge after this fraction of the window (0 < ratio ≤ 1, default 1). */
  ratio?: number;
  /** Received-byte count the first window is measured from (default 0). */
  receivedBase?: number;
}

/** Tracks when to acknowledge the peer and how much of our output is unacknowledged. */
export class AckTracker {
  readonly #ratio: number;
  #window = 0;
  #threshold = 0;
  #lastAcked: number;

  #sent = 0;
  #acked = 0;
  #peerBandwidth = 0;
  #lastLimitType = -1;
  #announced = 0;
  #anomalies = 0;

  constructor(options: AckTrackerOptions = {}) {
    const ratio = options.ratio ?? 1;
    if (!(ratio > 0 && ratio <= 1)) throw chunkUsageError(`ratio must be in (0, 1], got ${ratio}`);
    this.#ratio = ratio;
    this.#lastAcked = (options.receivedBase ?? 0) >>> 0;
  }

  // ---- inbound: we acknowledge what the peer sent ----

  /** The peer's Window Acknowledgement Size (0 = none announced: never acknowledge). */
  get windowSize(): number {
    return this.#window;
  }

  /** Applies an incoming Window Acknowledgement Size (type 5). */
  setWindowSize(size: number): void {
    const w = size >>> 0;
    this.#window = w;
    this.#threshold = w === 0 ? 0 : Math.max(1, Math.floor(w * this.#ratio));
  }

  /** Sequence number of the last Acknowledgement `ackDue` asked for. */
  get lastAcknowledged(): number {
    return this.#lastAcked;
  }

  /**
   * Given the running received count (e.g. `ChunkReader#bytesReceived`, mod 2^32),
   * returns the sequence number to send in an Acknowledgement now and records it as
   * sent, or returns undefined when none is due.
   */
  ackDue(bytesReceived: number): number | undefined {
    if (this.#threshold === 0) return undefined;
    const received = bytesReceived >>> 0;
    if ((received - this.#lastAcked) >>> 0 < this.#threshold) return undefined;
    this.#lastAcked = received;
    return received;
  }

  // ---- outbound: the peer acknowledges what we sent ----

  /** Counts `n` bytes handed to the transport. */
  recordSent(n: number): void {
    this.#sent = (this.#sent + n) >>> 0;
  }

  /** Bytes sent so far, mod 2^32. */
  get bytesSent(): number {
    return this.#sent;
  }

  /**
   * Applies an incoming Acknowledgement (type 3) carrying `sequence`. A sequence that
   * moves forward within the bytes in flight is taken as cumulative. Anything else (a
   * repeat, a step back, a reset, a wrap at 0xF0000000) is taken as "everything sent
   * so far" and counted as an anomaly; so is a count slightly ahead of ours (peers that
   * also count handshake bytes), without the anomaly.
   */
  acknowledge(sequence: number): void {
    const seq = sequence >>> 0;
    const inFlight = (this.#sent - this.#acked) >>> 0;
    const advance = (seq - this.#acked) >>> 0;
    if (advance <= inFlight && (advance > 0 || inFlight === 0)) {
      this.#acked = seq;
      return;
    }
    this.#acked = this.#sent;
    if (advance === 0 || (seq - this.#sent) >>> 0 > ACK_SLACK) this.#anomalies++;
  }

  /** Our bytes not yet acknowledged by the peer, mod 2^32 (advisory). */
  get inFlight(): number {
    return (this.#sent - this.#acked) >>> 0;
  }

  /** Acknowledgements that were not plausible cumulative counts. */
  get ackAnomalies(): number {
    return this.#anomalies;
  }

  /** The output limit the peer set with Set Peer Bandwidth (0 = none). */
  get peerBandwidth(): number {
    return this.#peerBandwidth;
  }

  /** True unless a peer bandwidth is set and in-flight bytes reach it (advisory). */
  get sendWindowOpen(): boolean {
    return this.#peerBandwidth === 0 || this.inFlight < this.#peerBandwidth;
  }

  /** Records a Window Acknowledgement Size we sent ourselves. */
  setAnnouncedWindowSize(size: number): void {
    this.#announced = size >>> 0;
  }

  /**
   * Applies an incoming Set Peer Bandwidth (type 6): Hard limits to `size`, Soft to
   * the smaller of `size` and the current limit, Dynamic acts as Hard if the previous
   * one was Hard and is ignored otherwise. Returns the Window Acknowledgement Size to
   * send back when the limit differs from the last one announced (RTMP-SPEC §5.4.5),
   * else undefined.
   */
  setPeerBandwidth(size: number, limitType: number): number | undefined {
    const w = size >>> 0;
    let limit: number;
    if (limitType === PeerBandwidthLimit.Hard) limit = w;
    else if (limitType === PeerBandwidthLimit.Soft)
      limit = this.#peerBandwidth === 0 ? w : Math.min(w, this.#peerBandwidth);
    else if (limitType === PeerBandwidthLimit.Dynamic && this.#lastLimitType === PeerBandwidthLimit.Hard)
      limit = w;
    else return undefined;
    this.#lastLimitType = limitType === PeerBandwidthLimit.Dynamic ? PeerBandwidthLimit.Hard : limitType;
    this.#peerBandwidth = limit;
    if (limit === this.#announced) return undefined;
    this.#announced = limit;
    return limit;
  }
}
