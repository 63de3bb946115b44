/**
 * The chunk reader's state of one incoming chunk stream (RTMP-SPEC §5.3.1.2: what a
 * type 1, 2 or 3 header leaves out is taken from the csid's previous header) and the
 * extended-timestamp decision for its type-3 chunks (§5.3.1.3).
 *
 * Invariants: `pending` is true exactly while a message is partial on the csid; then
 * `filled < length` and `buf` (once allocated) has a capacity ≤ `length`. The
 * extended-timestamp decision reads at most 4 bytes and waits for more input only
 * while every byte present matches a candidate's prefix.
 */

/** Per-csid state: the last header's fields and the partially assembled message. */
export class InStream {
  readonly csid: number;
  /** A header has set the timestamp (the first message's unwrapped value is its own). */
  seen = false;
  /** Absolute timestamp of the last message started. */
  timestamp = 0;
  /** `timestamp` followed across 2^32 wraps (RFC 1982 serial distance). */
  unwrapped = 0;
  /** What a fmt-3 message start adds: the fmt-1/2 delta, or the fmt-0 absolute timestamp. */
  delta = 0;
  /** The governing fmt 0/1/2 header used an extended timestamp (its value is `delta`). */
  ext = false;
  length = 0;
  type = 0;
  streamId = 0;
  /** A message has started and is not complete. */
  pending = false;
  /** Payload buffer of the partial message (capacity ≤ length), or null before its first byte. */
  buf: Buffer | null = null;
  /** Payload bytes received for the partial message. */
  filled = 0;
  /** The 1-byte fmt-3 basic header of this csid, or -1 if it needs 2 or 3 bytes. */
  readonly continuation: number;

  constructor(csid: number) {
    this.csid = csid;
    this.continuation = csid < 64 ? 0xc0 | csid : -1;
  }
}

/** True if the `n` (< 4) bytes at `p` are the first bytes of `v` as a big-endian UI32. */
function isPrefix(buf: Buffer, p: number, n: number, v: number): boolean {
  for (let i = 0; i < n; i++) if (buf[p + i] !== ((v >>> (24 - 8 * i)) & 0xff)) return false;
  return true;
}

/**
 * Whether a type-3 chunk on `s`, whose governing header used an extended timestamp,
 * repeats it in the bytes at `buf[p, end)`: 4 when it does (they equal the governing
 * value or the message's absolute timestamp), 0 when they are payload (the peer omitted
 * it: rtmpdump ≤ 2.3, the OBS librtmp fork on fmt-3 message starts), -1 when fewer than
 * 4 bytes are here and all of them match a candidate's prefix (undecided). Bytes that
 * already differ from both decide early, with the answer 4 bytes would give, so a short
 * last chunk cannot stall the stream.
 */
export function extendedTimestampBytes(s: InStream, buf: Buffer, p: number, end: number): 4 | 0 | -1 {
  const abs = s.pending ? s.timestamp : (s.timestamp + s.delta) >>> 0;
  const avail = end - p;
  if (avail >= 4) {
    const v = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
    return v === s.delta || v === abs ? 4 : 0;
  }
  return isPrefix(buf, p, avail, s.delta) || isPrefix(buf, p, avail, abs) ? -1 : 0;
}
