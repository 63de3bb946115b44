/**
 * Logging in librtmp's shape (python-librtmp's `librtmp.logging`): numbered levels,
 * a global level, an output stream and callbacks — plus what Node users expect:
 * `NODE_DEBUG=rtmp*` (util.debuglog, one section per component such as `rtmp:client`)
 * and a `diagnostics_channel` named `rtmpkit:log` that sees every message.
 *
 * Levels use python-librtmp's numbers (CRIT = 1 … ALL = 7), one more than librtmp's
 * C constants. A message reaches the callbacks and the output when its level is at or
 * below the configured level (default ERROR). Nothing is written anywhere until an
 * output is set, so a library user's stderr stays quiet unless they ask.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { debuglog } from 'node:util';
import { UsageCode } from './error-codes.js';
import { RTMPUsageError } from './errors.js';

/** Log levels, numbered as python-librtmp numbers them. */
export const LogLevel = {
  CRIT: 1,
  ERROR: 2,
  WARNING: 3,
  INFO: 4,
  DEBUG: 5,
  DEBUG2: 6,
  ALL: 7,
} as const;
/** One of the `LogLevel` values. */
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** A log callback: receives every message at or below the configured level. */
export type LogCallback = (level: LogLevel, message: string) => void;

/** What `setLogOutput` accepts: anything with a `write(string)` method (a stream, a file wrapper). */
export interface LogOutput {
  write(text: string): unknown;
}

/** A message as published on the `rtmpkit:log` diagnostics channel. */
export interface LogRecord {
  level: LogLevel;
  component: string;
  message: string;
}

const NAMES: Record<LogLevel, string> = {
  1: 'CRIT',
  2: 'ERROR',
  3: 'WARNING',
  4: 'INFO',
  5: 'DEBUG',
  6: 'DEBUG2',
  7: 'ALL',
};

let currentLevel: LogLevel = LogLevel.ERROR;
let output: LogOutput | null = null;
const callbacks = new Set<LogCallback>();
const channel = diagnosticsChannel.channel('rtmpkit:log');

/** Sets the level up to which messages reach callbacks and the output. */
export function setLogLevel(level: LogLevel): void {
  if (!Number.isInteger(level) || level < LogLevel.CRIT || level > LogLevel.ALL) {
    throw new RTMPUsageError(`log level must be an integer from 1 (CRIT) to 7 (ALL), got ${String(level)}`, {
      code: UsageCode.RTMP_LOG_LEVEL,
    });
  }
  currentLevel = level;
}

/** The current log level. */
export function getLogLevel(): LogLevel {
  return currentLevel;
}

/** Sets where messages are written (`message + "\n"`), e.g. `process.stderr`; `null` stops writing. */
export function setLogOutput(out: LogOutput | null): void {
  if (out !== null && typeof out?.write !== 'function') {
    throw new RTMPUsageError('log output must have a write(text) method', {
      code: UsageCode.RTMP_LOG_OUTPUT,
    });
  }
  output = out;
}

/** Adds a callback for log messages; returns it (so it can be used as a decorator-like helper). */
export function addLogCallback(callback: LogCallback): LogCallback {
  if (typeof callback !== 'function') {
    throw new RTMPUsageError('log callback must be a function', { code: UsageCode.RTMP_LOG_CALLBACK });
  }
  callbacks.add(callback);
  return callback;
}

/** Removes a callback added with `addLogCallback`. */
export function removeLogCallback(callback: LogCallback): void {
  callbacks.delete(callback);
}

/** A component's logger. `enabled(level)` lets hot paths skip building messages. */
export interface Logger {
  enabled(level: LogLevel): boolean;
  log(level: LogLevel, message: string): void;
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

/** Creates the logger of one component; `NODE_DEBUG=rtmp:<component>` (or `rtmp*`) prints all its messages. */
export function createLogger(component: string): Logger {
  const section = debuglog(`rtmp:${component}`);
  const log = (level: LogLevel, message: string): void => {
    if (section.enabled) section('%s %s', NAMES[level], message);
    if (channel.hasSubscribers) channel.publish({ level, component, message } satisfies LogRecord);
    if (level > currentLevel) return;
    for (const cb of callbacks) {
      try {
        cb(level, message);
      } catch {
        // A failing callback must not break the protocol code that logged.
      }
    }
    output?.write(`${NAMES[level]}: ${component}: ${message}\n`);
  };
  return {
    enabled: (level) => level <= currentLevel || section.enabled || channel.hasSubscribers,
    log,
    error: (m) => log(LogLevel.ERROR, m),
    warn: (m) => log(LogLevel.WARNING, m),
    info: (m) => log(LogLevel.INFO, m),
    debug: (m) => log(LogLevel.DEBUG, m),
  };
}
