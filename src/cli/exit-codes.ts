/**
 * Exit codes and error reporting of the `rtmpkit` command line.
 *
 * The codes are rtmpdump's (`rtmpdump.c`: `RD_SUCCESS` 0, `RD_FAILED` 1,
 * `RD_INCOMPLETE` 2, `RD_NO_CONNECT` 3), so scripts written
 * for rtmpdump keep working. Which code an error gives depends on where it happened, as
 * in rtmpdump:
 * - bad flags, bad URLs, unsupported features, files that cannot be opened → 1;
 * - the TCP connection or the handshake failed (rtmpdump's `RTMP_Connect`) → 3;
 * - the server refused `connect`, `createStream` or `play` (e.g. NetStream.Play.StreamNotFound),
 *   or closed the connection after the handshake → 1 (rtmpdump: `RTMP_ConnectStream` failed);
 * - the transfer started and then broke off (timeout, reset, Ctrl-C) → 2: resuming may get further.
 *
 * Every error is reported as one line, `rtmpkit: <message>`, with the server's
 * `description` when the server gave one; with `--json`, as an `error` event that also
 * carries the library's stable `code` (`ERR_…`) when an `RTMPError` is behind it.
 */
import { GeneralCode } from '../error-codes.js';
import { RTMPError, RTMPUsageError } from '../errors.js';

/** rtmpdump's exit codes. */
export const ExitCode = {
  /** Done: the whole stream (or the requested part) was received / the command succeeded. */
  SUCCESS: 0,
  /** Failed: bad usage, or the server refused (connect, play, publish, call). */
  FAILED: 1,
  /** Incomplete: the transfer broke off; `--resume` may get further. */
  INCOMPLETE: 2,
  /** Could not connect: TCP or the RTMP handshake failed. */
  NO_CONNECT: 3,
} as const;
/** One of the `ExitCode` values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports with a chosen exit code. */
export class CliError extends Error {
  /** The process exit code this error maps to. */
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode = ExitCode.FAILED, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad command-line usage (unknown flag, missing argument, bad value): exit 1 and a hint to `--help`. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.FAILED);
  }
}

/**
 * Where a command was when an error happened:
 * - `setup`: before any network I/O (flags, files);
 * - `connect`: TCP connect and handshake (rtmpdump's `RTMP_Connect`);
 * - `session`: after the handshake, until the stream runs (connect answer, createStream, play/publish, calls);
 * - `transfer`: while media flows.
 */
export type Phase = 'setup' | 'connect' | 'session' | 'transfer';

/** The exit code for `err` raised in `phase` (see the module comment). */
export function exitCodeFor(err: unknown, phase: Phase): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof RTMPUsageError) return ExitCode.FAILED;
  switch (phase) {
    case 'setup':
    case 'session':
      return ExitCode.FAILED;
    case 'connect':
      // A refusal is the server's answer to `connect`: the connection itself worked.
      return err instanceof RTMPError && err.code === GeneralCode.RTMP_CONNECT_REJECTED
        ? ExitCode.FAILED
        : ExitCode.NO_CONNECT;
    case 'transfer':
      return ExitCode.INCOMPLETE;
  }
}

/**
 * The stable `ERR_…` code of `err`, or of the first `RTMPError` among its causes (the
 * CLI wraps library errors to word them for the command line), or undefined when no
 * library error is behind it (bad flags, files).
 */
export function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 8 && e instanceof Error; depth++) {
    if (e instanceof RTMPError) return e.code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The fields of an `error` event for `err`: `code` when `errorCode` finds one. */
export function errorFields(err: unknown): { code?: string } {
  const code = errorCode(err);
  return code === undefined ? {} : { code };
}

function serverDescription(info: unknown): string | undefined {
  if (info === null || typeof info !== 'object') return undefined;
  const d = (info as { description?: unknown }).description;
  return typeof d === 'string' && d.trim() !== '' ? d.trim() : undefined;
}

/**
 * One line describing `err`: its message, plus the server's `description` (from
 * `RTMPError.info`) when the message does not already contain it, plus the cause's
 * message when the error's own message says nothing more specific.
 */
export function describeError(err: unknown): string {
  let text: string;
  if (err instanceof Error) {
    text = err.message || err.name;
    const cause = (err as { cause?: unknown }).cause;
    const source = err instanceof RTMPError ? err : cause instanceof RTMPError ? cause : undefined;
    const desc = source === undefined ? undefined : serverDescription(source.info);
    if (desc !== undefined && !text.includes(desc)) text += ` (server: ${desc})`;
    if (cause instanceof Error && cause.message !== '' && !text.includes(cause.message)) {
      text += `: ${cause.message}`;
    }
  } else {
    text = String(err);
  }
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
