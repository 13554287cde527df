import pino, { DestinationStream, Logger } from 'pino';
import { contextOfLine, logFieldsOf } from './trace-context';

export type { Logger } from 'pino';

/** Header values that would let anyone reading the logs act as the user. */
const REDACTED_PATHS = ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'];

export interface LoggerOptions {
  /** Defaults to LOG_LEVEL, else `silent` under jest (NODE_ENV=test), else `info`. */
  level?: string;
  /** Where JSON lines go; stdout by default. Tests pass a stream to read the output. */
  destination?: DestinationStream;
}

function isKnownLevel(level: string): boolean {
  return level === 'silent' || level in pino.levels.values;
}

function defaultLevel(): string {
  return process.env.NODE_ENV === 'test' ? 'silent' : 'info';
}

/**
 * JSON logger of one service. An unknown level falls back to the default instead of
 * throwing, so a bad LOG_LEVEL is reported by loadConfig like any other variable.
 */
export function createLogger(serviceName: string, options: LoggerOptions = {}): Logger {
  const requestedLevel = options.level ?? process.env.LOG_LEVEL ?? defaultLevel();
  const level = isKnownLevel(requestedLevel) ? requestedLevel : defaultLevel();
  return pino(
    {
      level,
      base: { service: serviceName },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // trace_id and span_id of the active span, and the request id (reqId) or order id (orderId) of the
      // request or event being handled: every line says which request, trace and order it belongs to.
      // A field the line sets itself wins (pino's default merge).
      mixin: (logged) => logFieldsOf(contextOfLine(logged)),
    },
    options.destination,
  );
}
