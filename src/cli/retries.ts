/**
 * `--retries N` of `rtmpkit dump` and `rtmpkit publish`: the client's `reconnect` option
 * (up to N reconnects in a row after a lost connection; the stream resumes where it
 * was), and the console lines and `--json` events (`reconnecting`, `reconnected`) that
 * report it. Without the flag nothing changes: a lost connection ends the run with
 * rtmpdump's exit code 2 ("incomplete").
 *
 * A server's E-RTMP ReconnectRequest is followed whatever `--retries` says (the tools offer
 * capsEx Reconnect in connect): the streams move to a new connection before the old one
 * closes, and the same lines and events (with `request`), or `reconnectFailed`, report it.
 */
import type { RTMPOptions } from '../client/options.js';
import type { RTMP } from '../client/rtmp.js';
import { numberArg, type OptionOccurrence, type OptionSpec } from './args.js';
import { describeError } from './exit-codes.js';
import type { Console } from './progress.js';

/** `--retries N`. */
export const RETRIES_OPTION: OptionSpec = {
  name: 'retries',
  long: 'retries',
  arg: 'N',
  help: 'Reconnect up to N times in a row after a lost connection, resuming the stream (default 0)',
};

/** Sets `options.reconnect` from a `--retries N` occurrence (N > 0); backoff 1 s doubling up to 30 s. */
export function applyRetries(o: OptionOccurrence | undefined, options: RTMPOptions): void {
  if (o === undefined) return;
  const retries = numberArg(o, { integer: true, min: 0, max: 1000 });
  if (retries > 0) options.reconnect = { retries };
  else delete options.reconnect;
}

/** Reports the connection's reconnects on the console (warnings) and as `--json` events. */
export function reportReconnects(conn: RTMP, out: Console): void {
  conn.on('reconnecting', (i) => {
    if (i.request !== undefined) {
      const to = serverOf(i.request.tcUrl);
      out.warn(`the server asked to reconnect: moving to ${to}`);
      out.event('reconnecting', { attempt: i.attempt, retries: i.retries, delayMs: 0, request: to });
      return;
    }
    const why = describeError(i.cause);
    out.warn(
      `connection lost (${why}): reconnecting in ${i.delayMs / 1000} s (attempt ${i.attempt} of ${i.retries})`,
    );
    out.event('reconnecting', { attempt: i.attempt, retries: i.retries, delayMs: i.delayMs, cause: why });
  });
  conn.on('reconnected', (i) => {
    if (i.request !== undefined) {
      out.warn(`moved to ${serverOf(i.request.tcUrl)}`);
      out.event('reconnected', { attempt: i.attempt, request: serverOf(i.request.tcUrl) });
      return;
    }
    out.warn(`reconnected (attempt ${i.attempt})`);
    out.event('reconnected', { attempt: i.attempt });
  });
  conn.on('reconnectFailed', (err, request) => {
    const why = describeError(err);
    out.warn(`could not move to ${serverOf(request.tcUrl)} (${why}): staying on this connection`);
    out.event('reconnectFailed', { request: serverOf(request.tcUrl), cause: why });
  });
}

/**
 * The scheme, host and port of a ReconnectRequest's target: its path and query may carry
 * tokens the command was never told about, so they are not printed.
 */
function serverOf(tcUrl: string): string {
  try {
    const u = new URL(tcUrl);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'another server';
  }
}
