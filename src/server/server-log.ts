/**
 * The embedded server's component log (`rtmp:server`: accepts, refusals, limits, VOD and
 * recording problems) also sent to the user's pino-style `logger` option, at the same
 * level (`error`/`warn`/`info`/`debug`, fields `{ component: 'server' }`), so a server
 * given a logger reports its decisions there and not only the message trace.
 *
 * Invariant: a throwing user logger never breaks the server (the line is dropped).
 */
import { createLogger, type Logger, LogLevel } from '../log.js';
import type { UserLogger } from '../trace.js';

const FIELDS = { component: 'server' } as const;

/** The server's logger: the library's `rtmp:server` log, plus `user` when given. */
export function serverLogger(user: UserLogger | undefined): Logger {
  const base = createLogger('server');
  if (user === undefined) return base;
  const log = (level: LogLevel, message: string): void => {
    base.log(level, message);
    const method =
      level <= LogLevel.ERROR
        ? 'error'
        : level === LogLevel.WARNING
          ? 'warn'
          : level === LogLevel.INFO
            ? 'info'
            : 'debug';
    try {
      user[method](FIELDS, message);
    } catch {
      // The user's logger failing must not break the connection that logged.
    }
  };
  return {
    enabled: () => true,
    log,
    error: (m) => log(LogLevel.ERROR, m),
    warn: (m) => log(LogLevel.WARNING, m),
    info: (m) => log(LogLevel.INFO, m),
    debug: (m) => log(LogLevel.DEBUG, m),
  };
}
