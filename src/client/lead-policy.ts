/**
 * The client's choice of buffer lead for a played recorded stream (`createStream({
 * bufferLead })`; the rule itself is the session's `BufferLead`): how many messages and
 * bytes ahead of what was received the server may get.
 *
 * Why these defaults: nginx-rtmp paces a recorded file by the buffer length only; past
 * its socket's send buffer it queues up to `out_queue` messages (256 as shipped) and
 * discards a message whenever that queue is full (ngx_rtmp_send_message). With a long
 * buffer it reads the whole file at once, so any download slower than its disk — a
 * remote link, a slow consumer, code not yet optimised — loses messages. 128 messages,
 * half that queue, bound the lead whatever the sockets on the way hold. When the server is
 * on this host (a loopback address, no proxy) the lead also covers 2 MiB: loopback TCP
 * buffers grow to several MB (Linux: tcp_wmem's 4 MB maximum on the server's side alone),
 * and the extra keeps a fast client fed while nginx sleeps until its next message is due.
 * Measured against nginx-rtmp with its shipped queue (BENCHMARKS "Round 11"): 1 MiB and
 * 2 MiB lose nothing, 4 MiB neither, 8 MiB loses again. A remote path's buffers can be far
 * smaller, so there the lead is the messages plus what one round trip carries (the
 * session measures it: handshake and command answers); with the messages alone a server
 * 20 ms away sent ~50× real time (lead ÷ round trip). On this host the round trip is left
 * out: it is far below what a busy event loop adds to its measurement, and the bytes cover
 * loopback.
 */
import { UsageCode } from '../error-codes.js';
import { RTMPUsageError } from '../errors.js';
import type { BufferLeadOptions } from '../session/buffer-lead.js';
import type { RTMPParams } from '../url/options.js';
import type { BufferLeadSpec, RTMPOptions } from './options.js';

/** Messages of the lead (half nginx-rtmp's shipped `out_queue`). */
export const LEAD_MESSAGES = 128;

/** Bytes of the lead when the server is on this host. */
export const LEAD_LOCAL_BYTES = 2 << 20;

/** Throws `ERR_RTMP_BAD_ARGUMENT` unless `spec` is a boolean or `{ messages?, bytes? }` of non-negative integers. */
export function checkBufferLead(spec: unknown): BufferLeadSpec | undefined {
  if (spec === undefined || typeof spec === 'boolean') return spec;
  const bad = (why: string): never => {
    throw new RTMPUsageError(`bufferLead ${why}, got ${JSON.stringify(spec)}`, {
      code: UsageCode.RTMP_BAD_ARGUMENT,
    });
  };
  if (spec === null || typeof spec !== 'object') bad('must be a boolean or { messages, bytes }');
  const o = spec as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'messages' && k !== 'bytes') bad(`has an unknown field '${k}'`);
  for (const k of ['messages', 'bytes'])
    if (o[k] !== undefined && !(Number.isSafeInteger(o[k]) && (o[k] as number) >= 0))
      bad(`${k} must be a non-negative integer`);
  return o as BufferLeadSpec;
}

/**
 * The lead for a play with these parameters, or undefined when there is none (off, a live
 * stream); its largest buffer length is the `buffer` option's.
 */
export function resolveBufferLead(
  spec: BufferLeadSpec | undefined,
  p: Readonly<RTMPParams>,
  options: Readonly<RTMPOptions>,
): BufferLeadOptions | undefined {
  if (spec === undefined || spec === false || p.live) return undefined;
  const given = typeof spec === 'object' ? spec : {};
  const local = p.socks === undefined && options.proxy === undefined && isLoopbackHost(p.url.host);
  return {
    messages: given.messages ?? LEAD_MESSAGES,
    bytes: given.bytes ?? (local ? LEAD_LOCAL_BYTES : 0),
    maxMs: p.buffer,
    // Unset: the session's measured round trip (net-stream.ts); 0 leaves it out.
    ...(local ? { rttMs: 0 } : {}),
  };
}

/** `localhost`, 127.0.0.0/8 or ::1 (with or without brackets). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
