/**
 * The unit the chunk layer moves: one complete RTMP message with its header
 * fields (RTMP-SPEC §5.3/§6.1). The chunk reader produces these; the chunk writer
 * consumes them; the message codecs turn payloads into typed messages.
 */

/** One RTMP message as carried by the chunk stream. */
export interface RawMessage {
  /** Message type id (1 Set Chunk Size … 22 Aggregate). */
  type: number;
  /** Message stream id (0 for NetConnection and control messages). */
  streamId: number;
  /** Wire timestamp in milliseconds, an unsigned 32-bit serial number. */
  timestamp: number;
  /** Chunk stream id it arrived on, or should be sent on. */
  csid: number;
  /** The whole message payload. */
  payload: Buffer;
  /**
   * Set by the chunk reader: the timestamp unwrapped across 2^32 wraps into a
   * monotonic-ish 53-bit value (serial-number arithmetic per chunk stream).
   */
  unwrappedTimestamp?: number;
}
