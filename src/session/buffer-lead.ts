/**
 * Keeps a server that paces a recorded stream by the client's buffer length a bounded
 * number of messages ahead of what the client has consumed, by re-announcing the buffer
 * length (User Control SetBufferLength) as media is consumed. Sans-IO: numbers in, the
 * buffer length to announce out.
 *
 * Why: nginx-rtmp sends a recorded file while each message's timestamp is at most
 * (time since the first message) + (first timestamp) + buffer length + 1 s, and looks
 * again after one message interval (ngx_rtmp_flv_module.c, `ngx_rtmp_flv_send`). Past
 * its socket's send buffer it queues messages (`out_queue`, 256 by default) and, when
 * the queue is full, discards the message it was sending (`ngx_rtmp_send_message`
 * returns NGX_AGAIN; the play module waits for the queue to drain and goes on with the
 * next). With rtmpdump's 10-hour buffer nginx reads the whole file at once, so any
 * client slower than nginx's disk — a slow link, a slow consumer, a cold JIT — loses a
 * message each time the queue fills (rtmpdump included). A buffer length that moves with
 * the client bounds how far ahead nginx gets: `lead` messages beyond the last consumed,
 * whatever the client's speed.
 *
 * The lead is `messages` (part of nginx's queue, a bound that holds with any socket
 * buffering) plus the messages `bytes` hold at the average size seen (what the socket
 * buffers on the way hold; it keeps a fast client fed while nginx sleeps until its next
 * message is due), plus — given the round trip `rttMs` — the media received during the
 * last round trip: what the path holds in flight at the rate it carries now. Like a TCP
 * window, a lead smaller than that caps the download at lead ÷ round trip (a remote
 * server 20 ms away: ~50× real time with the messages alone); with it the lead grows by
 * the messages part every round trip until the path or the client is the limit, and the
 * server is then at most the messages part ahead of what the path is carrying. Both
 * averages come from the media consumed since the origin: the first message after
 * `restart` (a play, a seek, an unpause: the server restarts its clock there).
 */

/** nginx-rtmp's `NGX_RTMP_FLV_BUFLEN_ADDON`: it sends this much beyond the buffer length, ms. */
export const SERVER_BUFFER_ADDON_MS = 1000;

/** How far ahead the server may get. */
export interface BufferLeadOptions {
  /** Messages of the server's queue the lead may use (nginx-rtmp's default queue is 256). */
  readonly messages: number;
  /** Bytes the lead adds for what sockets on the way hold. */
  readonly bytes: number;
  /** The largest buffer length to announce, ms (default 2^32 − 1, SetBufferLength's field). */
  readonly maxMs?: number;
  /**
   * The round trip to the server, ms: the lead adds the media received during the last
   * one. Default 0 (none; a NetStream fills in its session's measurement unless given); at
   * most `MAX_RTT_MS` counts.
   */
  readonly rttMs?: number;
}

/** The longest round trip the in-flight part follows, ms (a slow handshake must not send the server far ahead). */
export const MAX_RTT_MS = 1000;

/** Messages to consume after an origin before the averages are trusted. */
const WARM_MESSAGES = 32;

/**
 * The lead's bytes part may be at most this much media (ms) beyond what was received since
 * the origin: it grows as media arrives, so averages taken over the first messages (often
 * smaller than the rest) cannot send the server far ahead at once. The messages part does
 * not wait: it bounds the server's queue whatever the sizes.
 */
const RAMP_MS = 1000;

/** The buffer-length controller of one played stream (see the module comment). */
export class BufferLead {
  readonly #messages: number;
  readonly #bytes: number;
  readonly #max: number;
  #t0 = 0;
  #ts0 = 0;
  #n0 = 0;
  #b0 = 0;
  #started = false;
  /** The buffer length announced last, ms. */
  #asked = 0;
  readonly #rtt: number;
  /** When media arrived and the last timestamp then, one entry per arrival time (from `#head` on), for the in-flight part. */
  #at: number[] = [];
  #atTs: number[] = [];
  #head = 0;

  constructor(options: BufferLeadOptions) {
    this.#messages = options.messages;
    this.#bytes = options.bytes;
    this.#max = options.maxMs ?? 0xffffffff;
    this.#rtt = Math.min(MAX_RTT_MS, Math.max(0, options.rttMs ?? 0));
  }

  /**
   * A new origin at `now` (ms, any monotonic clock) for a play, seek or unpause about to go
   * out: returns the buffer length to announce before it (0: the server sends its 1 s
   * addon, then waits for the first raise). The server's clock starts at the first
   * audio/video message it sends from there (nginx-rtmp takes its timestamp as the start,
   * whatever position was asked: a file without a keyframe index is sent from its
   * beginning), so the next `consumed` is the origin. `now` is taken no later than the
   * server's clock starts, so the lead errs short.
   */
  restart(now: number): number {
    this.#t0 = now;
    this.#started = false;
    this.#asked = 0;
    this.#at = [];
    this.#atTs = [];
    this.#head = 0;
    return 0;
  }

  /**
   * Media consumed up to `timestamp` (ms), `messages` and `bytes` consumed in all (running
   * totals), at `now`: the buffer length to announce, or undefined to keep the last one.
   *
   * Never less than the last one: the server compares each message it sends with the
   * limit as it is then, and when a message is past the limit it sleeps for the
   * difference without looking at later announcements — a lower buffer length once the
   * server had already sent beyond the new limit would stall it for that long.
   */
  consumed(now: number, timestamp: number, messages: number, bytes: number): number | undefined {
    if (!this.#started) {
      this.#started = true;
      this.#ts0 = timestamp;
      this.#n0 = messages;
      this.#b0 = bytes;
      return undefined;
    }
    const inFlight = this.#rtt > 0 ? this.#inFlight(now, timestamp) : 0;
    const n = messages - this.#n0;
    const media = timestamp - this.#ts0;
    if (n < WARM_MESSAGES || media <= 0) return undefined;
    const msPerMessage = media / n;
    const bytesPerMessage = Math.max(1, (bytes - this.#b0) / n);
    const lead =
      this.#messages * msPerMessage +
      Math.min((this.#bytes / bytesPerMessage) * msPerMessage, media + RAMP_MS) +
      inFlight;
    const want = Math.min(this.#max, Math.round(media + lead - (now - this.#t0) - SERVER_BUFFER_ADDON_MS));
    // Announce when it moved by an eighth of the lead: often enough that the server
    // rarely reaches a stale limit, rarely enough to cost nothing measurable.
    if (want - this.#asked < lead / 8) return undefined;
    this.#asked = want;
    return want;
  }

  /**
   * The media received during the last round trip, ms of media, with `timestamp` arrived at
   * `now`: from the last arrival at or before `now − rtt` (the origin while the download is
   * younger than a round trip). Messages read together share one entry.
   */
  #inFlight(now: number, timestamp: number): number {
    const at = this.#at;
    const atTs = this.#atTs;
    if (at.length > this.#head && at[at.length - 1] === now) atTs[atTs.length - 1] = timestamp;
    else {
      at.push(now);
      atTs.push(timestamp);
    }
    const since = now - this.#rtt;
    let h = this.#head;
    while (h + 1 < at.length && at[h + 1]! <= since) h++;
    if (h > 1024 && h * 2 > at.length) {
      at.splice(0, h);
      atTs.splice(0, h);
      h = 0;
    }
    this.#head = h;
    return at[h]! <= since ? timestamp - atTs[h]! : timestamp - this.#ts0;
  }
}
